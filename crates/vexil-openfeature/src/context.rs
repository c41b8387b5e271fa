//! An OpenFeature [`EvaluationContext`] as a Vexil JSON context.
//!
//! - `targeting_key` → the attribute `targetingKey` (an ordinary attribute,
//!   as in OFREP and the JavaScript providers; declare it to use it);
//! - a custom field whose key has dots is a path: `user.plan` → `{"user":
//!   {"plan": …}}`, so flat OpenFeature contexts reach nested Vexil schemas;
//! - bool, int (exact i64), float and string as they are; a non-finite float
//!   is written `null`, which the engine refuses where the flag reads it
//!   (INVALID_CONTEXT), as JSON cannot hold it; a date-time → RFC 3339 text
//!   (milliseconds), the form Vexil's `timestamp` reads;
//! - a struct field holding a `serde_json::Value` or an OpenFeature
//!   `StructValue` → that JSON.
//!
//! Fields the engine cannot be given (another struct type, a path that
//! collides with a value: `user` = "x" and `user.plan`) are an error here:
//! the provider answers INVALID_CONTEXT without a decision.

use open_feature::{EvaluationContext, EvaluationContextFieldValue, StructValue, Value};
use serde_json::{Map, Value as Json};
use vexil::Timestamp;

/// The JSON text of `context`, or why it cannot be one.
pub fn to_json(context: &EvaluationContext) -> Result<String, String> {
    let mut root = Map::new();
    if let Some(key) = &context.targeting_key {
        root.insert("targetingKey".to_owned(), Json::String(key.clone()));
    }
    // Sorted, so a collision is reported the same way whatever the map's order.
    let mut fields: Vec<_> = context.custom_fields.iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    for (key, value) in fields {
        insert_path(&mut root, key, field_json(key, value)?)?;
    }
    serde_json::to_string(&Json::Object(root)).map_err(|e| e.to_string())
}

fn insert_path(root: &mut Map<String, Json>, key: &str, value: Json) -> Result<(), String> {
    let mut node = root;
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            if node.contains_key(part) {
                return Err(format!("context field `{key}` collides with another field"));
            }
            node.insert(part.to_owned(), value);
            return Ok(());
        }
        let child = node.entry(part.to_owned()).or_insert_with(|| Json::Object(Map::new()));
        node = match child {
            Json::Object(map) => map,
            _ => return Err(format!("context field `{key}` collides with the value of `{part}`")),
        };
    }
    Ok(())
}

fn field_json(key: &str, value: &EvaluationContextFieldValue) -> Result<Json, String> {
    Ok(match value {
        EvaluationContextFieldValue::Bool(b) => Json::Bool(*b),
        EvaluationContextFieldValue::Int(i) => Json::from(*i),
        EvaluationContextFieldValue::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        EvaluationContextFieldValue::String(s) => Json::String(s.clone()),
        EvaluationContextFieldValue::DateTime(at) => {
            let millis = at.unix_timestamp_nanos().div_euclid(1_000_000);
            let stamp = i64::try_from(millis).ok().and_then(Timestamp::from_millis);
            match stamp {
                Some(stamp) => Json::String(stamp.to_iso_string()),
                None => return Err(format!("context field `{key}`: {at} is outside the years 0000–9999")),
            }
        }
        EvaluationContextFieldValue::Struct(any) => {
            if let Some(json) = any.downcast_ref::<Json>() {
                json.clone()
            } else if let Some(value) = any.downcast_ref::<StructValue>() {
                struct_json(value)
            } else {
                return Err(format!(
                    "context field `{key}` is a struct of a type the provider cannot read (give a serde_json::Value or a StructValue)"
                ));
            }
        }
    })
}

fn struct_json(value: &StructValue) -> Json {
    let mut fields: Vec<_> = value.fields.iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    Json::Object(fields.into_iter().map(|(k, v)| (k.clone(), value_json(v))).collect())
}

fn value_json(value: &Value) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.clone()),
        Value::Array(items) => Json::Array(items.iter().map(value_json).collect()),
        Value::Struct(s) => struct_json(s),
    }
}

/// `context` without the field `name` (a carried token is not an attribute).
pub fn without_field(context: &EvaluationContext, name: &str) -> EvaluationContext {
    let mut rest = context.clone();
    rest.custom_fields.remove(name);
    rest
}

//! Context decoding by schema: a `DeserializeSeed` walks the JSON object and
//! fills only the slots the ruleset declares, typed, without building a
//! `serde_json::Value`. A malformed attribute does not fail decoding: its slot
//! records the problem, which becomes an error only if a flag reads it (§7,
//! "validated lazily").

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use vexil_check::ir::{Program, Ty};
use vexil_value::{Timestamp, Version, parse_ip};

use crate::value::Value;

/// What the context holds for one declared attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    Absent,
    Present(Value),
    /// Present but not of the declared type (message says why).
    Invalid(String),
}

/// A decoded context: one slot per declared attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    pub(crate) slots: Vec<Slot>,
}

/// The declared attribute paths as a tree of JSON object keys.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    root: SchemaNode,
    slot_count: usize,
    /// Enum member names per declared enum, for decoding enum strings.
    enums: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
struct SchemaNode {
    /// The dotted path of this object (`user`), for messages.
    path: Box<str>,
    children: Vec<(Box<str>, Child)>,
}

#[derive(Debug, Clone)]
enum Child {
    Leaf { slot: usize, ty: Ty },
    Object(SchemaNode),
}

impl SchemaNode {
    fn child(&self, key: &str) -> Option<&Child> {
        self.children.iter().find(|(k, _)| &**k == key).map(|(_, c)| c)
    }

    fn child_mut(&mut self, key: &str) -> Option<&mut Child> {
        self.children.iter_mut().find(|(k, _)| &**k == key).map(|(_, c)| c)
    }

    fn insert(&mut self, path: &[&str], slot: usize, ty: &Ty) {
        let Some((first, rest)) = path.split_first() else { return };
        if rest.is_empty() {
            self.children.push(((*first).into(), Child::Leaf { slot, ty: ty.clone() }));
            return;
        }
        if self.child(first).is_none() {
            let path = if self.path.is_empty() { (*first).into() } else { format!("{}.{first}", self.path).into() };
            self.children.push(((*first).into(), Child::Object(SchemaNode { path, children: Vec::new() })));
        }
        // The checker rejects a path that is both a value and an object.
        if let Some(Child::Object(inner)) = self.child_mut(first) {
            inner.insert(rest, slot, ty);
        }
    }

    fn leaves(&self, out: &mut Vec<usize>) {
        for (_, child) in &self.children {
            match child {
                Child::Leaf { slot, .. } => out.push(*slot),
                Child::Object(node) => node.leaves(out),
            }
        }
    }
}

impl Schema {
    pub fn new(program: &Program) -> Schema {
        let mut root = SchemaNode::default();
        for (slot, attr) in program.attrs.iter().enumerate() {
            let components: Vec<&str> = attr.components().collect();
            root.insert(&components, slot, &attr.ty);
        }
        let enums = program.enums.iter().map(|e| e.members.clone()).collect();
        Schema { root, slot_count: program.attrs.len(), enums }
    }

    pub fn empty_context(&self) -> Context {
        Context { slots: vec![Slot::Absent; self.slot_count] }
    }

    /// Decodes a JSON text. Fails only when the text is not JSON or not an object.
    pub fn decode_str(&self, json: &str) -> Result<Context, String> {
        let mut context = self.empty_context();
        let mut de = serde_json::Deserializer::from_str(json);
        ObjectSeed { schema: self, node: &self.root, slots: &mut context.slots }
            .deserialize(&mut de)
            .map_err(|e| describe_top_level(&e))?;
        de.end().map_err(|e| format!("the context is not valid JSON: {e}"))?;
        Ok(context)
    }

    /// Records that the context holds, at `path` (object keys and list
    /// indices from the root), a value that JSON text cannot express (a
    /// JavaScript `NaN`, a function, a string with a lone surrogate, …):
    /// bindings that receive values rather than text write `null` there and
    /// call this. `what` describes the value (`NaN, which JSON cannot
    /// express`). What the path reaches is then present with an unreadable
    /// value, exactly like a value of the wrong type: the declared attribute
    /// at the path or above it (a list item, a value inside a mistyped
    /// attribute), or every attribute below it (the path is a parent object),
    /// gives `INVALID_CONTEXT` when read and counts as present for `has`. A
    /// path that reaches no declared attribute is ignored, as extra
    /// attributes are (§7: validated lazily).
    pub fn invalidate<S: AsRef<str>>(&self, context: &mut Context, path: &[S], what: &str) {
        let dotted = || path.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(".");
        let mut node = &self.root;
        for (depth, key) in path.iter().enumerate() {
            match node.child(key.as_ref()) {
                None => return,
                Some(Child::Leaf { slot, .. }) => {
                    let problem = if depth + 1 == path.len() {
                        format!("found {what}")
                    } else {
                        format!("found {what} at `{}`", dotted())
                    };
                    if let Some(target) = context.slots.get_mut(*slot) {
                        *target = Slot::Invalid(problem);
                    }
                    return;
                }
                Some(Child::Object(inner)) => node = inner,
            }
        }
        let problem = format!("`{}` is {what}, not an object", dotted());
        let mut leaves = Vec::new();
        node.leaves(&mut leaves);
        for slot in leaves {
            if let Some(target) = context.slots.get_mut(slot) {
                *target = Slot::Invalid(problem.clone());
            }
        }
    }
}

fn describe_top_level(e: &impl fmt::Display) -> String {
    let text = e.to_string();
    if text.contains(NOT_AN_OBJECT) {
        "the context must be a JSON object".to_owned()
    } else {
        format!("the context is not valid JSON: {text}")
    }
}

const NOT_AN_OBJECT: &str = "expected a JSON object";

impl Context {
    pub fn slot(&self, index: usize) -> &Slot {
        self.slots.get(index).unwrap_or(&Slot::Absent)
    }
}

/// Fills the slots under one object node.
struct ObjectSeed<'s> {
    schema: &'s Schema,
    node: &'s SchemaNode,
    slots: &'s mut Vec<Slot>,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NOT_AN_OBJECT)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<KeyStr<'de>>()? {
            match self.node.child(key.as_str()) {
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
                Some(Child::Leaf { slot, ty }) => {
                    let decoded = map.next_value_seed(LeafSeed { schema: self.schema, ty })?;
                    if let Some(target) = self.slots.get_mut(*slot) {
                        *target = decoded;
                    }
                }
                Some(Child::Object(node)) => {
                    let outcome = map.next_value_seed(NestedSeed {
                        inner: ObjectSeed { schema: self.schema, node, slots: &mut *self.slots },
                    })?;
                    let path = &node.path;
                    if let Some(found) = outcome {
                        // `user` is present but not an object: every attribute
                        // below it is present with the wrong type.
                        let mut leaves = Vec::new();
                        node.leaves(&mut leaves);
                        for slot in leaves {
                            if let Some(target) = self.slots.get_mut(slot) {
                                *target = Slot::Invalid(format!("`{path}` is {found}, not an object"));
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// An object below the root: `null` makes everything below absent, an
/// object recurses, anything else is reported (as its JSON kind) upward.
struct NestedSeed<'s> {
    inner: ObjectSeed<'s>,
}

impl<'de> DeserializeSeed<'de> for NestedSeed<'_> {
    type Value = Option<&'static str>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NestedSeed<'_> {
    type Value = Option<&'static str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or null")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(map)?;
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Some("a bool"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Some("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Some("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Some("a number"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Some("a string"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Some("a list"))
    }
}

/// A map key, borrowed when the input allows it.
struct KeyStr<'de>(std::borrow::Cow<'de, str>);

impl KeyStr<'_> {
    fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> de::Deserialize<'de> for KeyStr<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyStr(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyStr(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(KeyStr(std::borrow::Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Decodes one attribute by its declared type into a slot. Never fails on
/// a wrong type: that becomes `Slot::Invalid`.
struct LeafSeed<'s> {
    schema: &'s Schema,
    ty: &'s Ty,
}

impl<'de> DeserializeSeed<'de> for LeafSeed<'_> {
    type Value = Slot;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Slot, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// What JSON an attribute of this type takes, for messages (`an RFC 3339 timestamp string`).
fn json_form(ty: &Ty) -> &'static str {
    match ty {
        Ty::Bool => "a bool",
        Ty::Int => "an int",
        Ty::Float => "a float",
        Ty::String => "a string",
        Ty::Semver => "a semver string",
        Ty::Timestamp => "an RFC 3339 timestamp string",
        Ty::Ip => "an IP address string",
        Ty::Enum(_) => "an enum member name",
        Ty::List(_) => "a list",
        Ty::Error => "a value",
    }
}

impl LeafSeed<'_> {
    fn wrong(&self, found: &str) -> Slot {
        Slot::Invalid(format!("expected {}, found {found}", json_form(self.ty)))
    }

    fn string(&self, s: &str) -> Slot {
        let decoded = match self.ty {
            Ty::String => Ok(Value::Str(s.into())),
            Ty::Semver => Version::parse(s).map(|v| Value::Semver(Box::new(v))).map_err(|e| e.to_string()),
            Ty::Timestamp => Timestamp::parse_rfc3339(s).map(Value::Timestamp).map_err(|e| e.to_string()),
            Ty::Ip => parse_ip(s).map(Value::Ip).map_err(|e| e.to_string()),
            Ty::Enum(id) => {
                let members = self.schema.enums.get(*id as usize);
                match members.and_then(|m| m.iter().position(|name| name == s)) {
                    Some(index) => Ok(Value::Enum(*id, u32::try_from(index).unwrap_or(u32::MAX))),
                    None => Err(format!("{s:?} is not a member of the enum")),
                }
            }
            _ => return self.wrong("a string"),
        };
        match decoded {
            Ok(value) => Slot::Present(value),
            Err(message) => Slot::Invalid(message),
        }
    }
}

/// An integral double's exact decimal value where i128 holds it (`2^63` is
/// `9223372036854775808`, where `Display` writes the shortest round-trip
/// digits padded with zeros, `9223372036854776000`), else its `Display` text.
fn exact_integer_text(v: f64) -> String {
    const I128_END_F: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0; // 2^127
    if (-I128_END_F..I128_END_F).contains(&v) {
        // Exact: integral and within i128.
        #[allow(clippy::cast_possible_truncation)]
        let exact = v as i128;
        exact.to_string()
    } else {
        v.to_string()
    }
}

/// The exact i64 range as f64 bounds: [-2^63, 2^63).
const I64_MIN_F: f64 = -9_223_372_036_854_775_808.0;
const I64_END_F: f64 = 9_223_372_036_854_775_808.0;

impl<'de> Visitor<'de> for LeafSeed<'_> {
    type Value = Slot;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(json_form(self.ty))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Slot, E> {
        Ok(Slot::Absent)
    }
    fn visit_none<E: de::Error>(self) -> Result<Slot, E> {
        Ok(Slot::Absent)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Slot, E> {
        Ok(match self.ty {
            Ty::Bool => Slot::Present(Value::Bool(v)),
            _ => self.wrong("a bool"),
        })
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Slot, E> {
        Ok(match self.ty {
            Ty::Int => Slot::Present(Value::Int(v)),
            Ty::Float => Slot::Present(Value::Float(v as f64)),
            _ => self.wrong("a number"),
        })
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Slot, E> {
        match i64::try_from(v) {
            Ok(i) => self.visit_i64(i),
            // An integer literal beyond i64 is the nearest double (§7), for
            // `int` and `float` alike: the same number, and the same message,
            // whichever way the text spells that double.
            Err(_) => self.visit_f64(v as f64),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Slot, E> {
        Ok(match self.ty {
            Ty::Float if v.is_finite() => Slot::Present(Value::Float(v)),
            Ty::Int if v.fract() == 0.0 && (I64_MIN_F..I64_END_F).contains(&v) => {
                // Exact: integral and within range.
                Slot::Present(Value::Int(v as i64))
            }
            Ty::Int if v.fract() == 0.0 => Slot::Invalid(format!("{} is outside the int range", exact_integer_text(v))),
            Ty::Int => Slot::Invalid(format!("{v} is not a whole number")),
            _ => self.wrong("a number"),
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Slot, E> {
        Ok(self.string(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Slot, A::Error> {
        let Ty::List(element) = self.ty else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(self.wrong("a list"));
        };
        let mut items = Vec::new();
        let mut problem = None;
        let mut index = 0usize;
        while let Some(slot) = seq.next_element_seed(LeafSeed { schema: self.schema, ty: element })? {
            match slot {
                Slot::Present(value) => items.push(value),
                Slot::Absent if problem.is_none() => problem = Some(format!("item {index} is null")),
                Slot::Invalid(message) if problem.is_none() => problem = Some(format!("item {index}: {message}")),
                _ => {}
            }
            index += 1;
        }
        Ok(match problem {
            Some(message) => Slot::Invalid(message),
            None => Slot::Present(Value::List(items)),
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Slot, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(self.wrong("an object"))
    }
}

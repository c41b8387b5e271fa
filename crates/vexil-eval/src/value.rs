//! Runtime values. Context values and folded constants are owned [`Value`]s;
//! expressions evaluate to [`Val`], which borrows from them where it can so
//! that reading an attribute never copies a string.

use std::borrow::Cow;
use std::net::IpAddr;

use vexil_check::ir::Const;
use vexil_value::{Timestamp, Version};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<str>),
    Semver(Box<Version>),
    Timestamp(Timestamp),
    Ip(IpAddr),
    /// Enum id and member index.
    Enum(u32, u32),
    List(Vec<Value>),
}

#[derive(Debug, Clone)]
pub enum Val<'a> {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    Semver(Cow<'a, Version>),
    Timestamp(Timestamp),
    Ip(IpAddr),
    Enum(u32, u32),
    List(Cow<'a, [Value]>),
}

impl Value {
    pub fn from_const(c: &Const) -> Value {
        match c {
            Const::Bool(b) => Value::Bool(*b),
            Const::Int(i) => Value::Int(*i),
            Const::Float(f) => Value::Float(*f),
            Const::String(s) => Value::Str(s.as_str().into()),
            Const::Semver(v) => Value::Semver(Box::new(v.clone())),
            Const::Timestamp(t) => Value::Timestamp(*t),
            Const::Ip(ip) => Value::Ip(*ip),
            Const::Enum(e, m) => Value::Enum(*e, *m),
        }
    }

    pub fn as_val(&self) -> Val<'_> {
        match self {
            Value::Bool(b) => Val::Bool(*b),
            Value::Int(i) => Val::Int(*i),
            Value::Float(f) => Val::Float(*f),
            Value::Str(s) => Val::Str(Cow::Borrowed(s)),
            Value::Semver(v) => Val::Semver(Cow::Borrowed(v)),
            Value::Timestamp(t) => Val::Timestamp(*t),
            Value::Ip(ip) => Val::Ip(*ip),
            Value::Enum(e, m) => Val::Enum(*e, *m),
            Value::List(items) => Val::List(Cow::Borrowed(items)),
        }
    }
}

impl Val<'_> {
    pub fn into_value(self) -> Value {
        match self {
            Val::Bool(b) => Value::Bool(b),
            Val::Int(i) => Value::Int(i),
            Val::Float(f) => Value::Float(f),
            Val::Str(s) => Value::Str(s.into_owned().into_boxed_str()),
            Val::Semver(v) => Value::Semver(Box::new(v.into_owned())),
            Val::Timestamp(t) => Value::Timestamp(t),
            Val::Ip(ip) => Value::Ip(ip),
            Val::Enum(e, m) => Value::Enum(e, m),
            Val::List(items) => Value::List(items.into_owned()),
        }
    }

    /// Equality as the language defines it: same type, semver by precedence.
    pub fn equals(&self, other: &Val<'_>) -> bool {
        match (self, other) {
            (Val::Bool(a), Val::Bool(b)) => a == b,
            (Val::Int(a), Val::Int(b)) => a == b,
            (Val::Float(a), Val::Float(b)) => a == b,
            (Val::Str(a), Val::Str(b)) => a == b,
            (Val::Semver(a), Val::Semver(b)) => a == b,
            (Val::Timestamp(a), Val::Timestamp(b)) => a == b,
            (Val::Ip(a), Val::Ip(b)) => a == b,
            (Val::Enum(a, x), Val::Enum(b, y)) => a == b && x == y,
            _ => false,
        }
    }

    pub fn equals_value(&self, other: &Value) -> bool {
        self.equals(&other.as_val())
    }

    /// Order for `< <= > >=`; `None` for types without one (the checker
    /// never lets those reach an ordering).
    pub fn compare(&self, other: &Val<'_>) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Val::Int(a), Val::Int(b)) => Some(a.cmp(b)),
            (Val::Float(a), Val::Float(b)) => a.partial_cmp(b),
            (Val::Str(a), Val::Str(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (Val::Semver(a), Val::Semver(b)) => Some(a.as_ref().cmp(b.as_ref())),
            (Val::Timestamp(a), Val::Timestamp(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

//! Compile-time knowledge of conditions that need no context: enough to
//! spot a rule that always matches (and so hides the rules after it).

use crate::ir::{Const, Expr, ExprKind};

pub fn always_true(expr: &Expr) -> bool {
    constant_bool(expr) == Some(true)
}

fn constant_bool(expr: &Expr) -> Option<bool> {
    match &expr.kind {
        ExprKind::Const(Const::Bool(b)) => Some(*b),
        ExprKind::Not(inner) => constant_bool(inner).map(|b| !b),
        ExprKind::And(items) => {
            let mut all = Some(true);
            for item in items {
                match constant_bool(item) {
                    Some(false) => return Some(false),
                    Some(true) => {}
                    None => all = None,
                }
            }
            all
        }
        ExprKind::Or(items) => {
            let mut any = Some(false);
            for item in items {
                match constant_bool(item) {
                    Some(true) => return Some(true),
                    Some(false) => {}
                    None => any = None,
                }
            }
            any
        }
        _ => None,
    }
}

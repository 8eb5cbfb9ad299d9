//! Type constraints of variables (`type = map(object({ name = string, tags = optional(map(string), {}) }))`):
//! a value given to a variable is converted as Terraform converts it, so a missing optional attribute is its
//! default (or null) rather than an error, a set is sorted and without duplicates, and `"true"` passed to a
//! `bool` is `true`. What does not convert is left as given.

use std::sync::Arc;

use hcl_edit::expr::Expression;

use super::eval::{Scope, Vars};
use super::loader::{Each, Loader};
use super::value::{Entry, FileId, Kind, Value};

pub(super) fn convert(loader: &Loader, value: Value, ty: &Expression, file: FileId) -> Value {
    convert_to(loader, &value, ty, file, 0).unwrap_or(value)
}

fn convert_to(loader: &Loader, value: &Value, ty: &Expression, file: FileId, depth: usize) -> Option<Value> {
    if depth > 32 {
        return None;
    }
    if matches!(value.kind, Kind::Unknown(_) | Kind::Partial(_) | Kind::Null) {
        return None;
    }
    match ty {
        Expression::Variable(v) => primitive(value, v.as_str()),
        Expression::Parenthesis(p) => convert_to(loader, value, p.inner(), file, depth + 1),
        Expression::FuncCall(call) => {
            let mut args = call.args.iter();
            let inner = args.next()?;
            match call.name.name.as_str() {
                "list" | "set" => {
                    let items = value.as_list()?;
                    let converted: Vec<Value> = items
                        .iter()
                        .map(|i| convert_to(loader, i, inner, file, depth + 1).unwrap_or_else(|| i.clone()))
                        .collect();
                    if call.name.name.as_str() == "set" {
                        let mut keyed: Vec<(String, Value)> = Vec::new();
                        for item in converted {
                            let key = match &item.kind {
                                Kind::String(t) => t.text.to_string(),
                                _ => super::value::encode(&item).ok()?,
                            };
                            keyed.push((key, item));
                        }
                        keyed.sort_by(|a, b| a.0.cmp(&b.0));
                        keyed.dedup_by(|a, b| a.0 == b.0);
                        return Some(Value::list(keyed.into_iter().map(|(_, v)| v).collect(), value.loc));
                    }
                    Some(Value::list(converted, value.loc))
                }
                "map" => {
                    let entries = value.as_object()?;
                    let converted = entries
                        .iter()
                        .map(|e| Entry {
                            key: Arc::clone(&e.key),
                            key_loc: e.key_loc,
                            value: convert_to(loader, &e.value, inner, file, depth + 1)
                                .unwrap_or_else(|| e.value.clone()),
                        })
                        .collect();
                    Some(Value::object(converted, value.loc))
                }
                "object" => {
                    let Expression::Object(shape) = inner else { return None };
                    let entries = value.as_object()?;
                    let mut out = Vec::new();
                    for (k, v) in shape.iter() {
                        let name = match k {
                            hcl_edit::expr::ObjectKey::Ident(id) => id.as_str().to_owned(),
                            hcl_edit::expr::ObjectKey::Expression(e) => super::module::literal_string(e)?,
                        };
                        let attr_ty = v.expr();
                        let given = entries.iter().find(|e| *e.key == *name).map(|e| (e.key_loc, e.value.clone()));
                        let (key_loc, converted) = match given {
                            Some((key_loc, g)) if !g.is_null() => {
                                let target = optional_inner(attr_ty).unwrap_or(attr_ty);
                                (key_loc, convert_to(loader, &g, target, file, depth + 1).unwrap_or(g))
                            }
                            given => {
                                // Missing or null: an `optional(T, default)` attribute takes its default.
                                let default = optional_default(loader, attr_ty, file).map(|d| {
                                    let target = optional_inner(attr_ty).unwrap_or(attr_ty);
                                    convert_to(loader, &d, target, file, depth + 1).unwrap_or(d)
                                });
                                (given.map_or(value.loc, |g| g.0), default.unwrap_or_else(|| Value::null(value.loc)))
                            }
                        };
                        out.push(Entry { key: name.into(), key_loc, value: converted });
                    }
                    Some(Value::object(out, value.loc))
                }
                "tuple" => {
                    let Expression::Array(types) = inner else { return None };
                    let items = value.as_list()?;
                    let converted = items
                        .iter()
                        .zip(types.iter())
                        .map(|(i, t)| convert_to(loader, i, t, file, depth + 1).unwrap_or_else(|| i.clone()))
                        .collect();
                    Some(Value::list(converted, value.loc))
                }
                "optional" => convert_to(loader, value, inner, file, depth + 1),
                _ => None,
            }
        }
        _ => None,
    }
}

fn primitive(value: &Value, ty: &str) -> Option<Value> {
    let kind = match (ty, &value.kind) {
        ("string", Kind::Number(_) | Kind::Bool(_) | Kind::Encoded(_)) => {
            Kind::String(super::value::Text { text: value.to_text().ok()??, map: None })
        }
        ("number", Kind::String(t)) => Kind::Number(t.text.trim().parse::<f64>().ok().filter(|n| n.is_finite())?),
        ("bool", Kind::String(t)) if &*t.text == "true" => Kind::Bool(true),
        ("bool", Kind::String(t)) if &*t.text == "false" => Kind::Bool(false),
        _ => return None,
    };
    Some(Value::new(kind, value.loc))
}

/// `T` of `optional(T)` / `optional(T, default)`.
fn optional_inner(ty: &Expression) -> Option<&Expression> {
    match ty {
        Expression::FuncCall(call) if call.name.name.as_str() == "optional" => call.args.iter().next(),
        _ => None,
    }
}

/// The default of `optional(T, default)`, evaluated (defaults are constants).
fn optional_default(loader: &Loader, ty: &Expression, file: FileId) -> Option<Value> {
    let Expression::FuncCall(call) = ty else { return None };
    if call.name.name.as_str() != "optional" {
        return None;
    }
    let default = call.args.iter().nth(1)?;
    let each = Each::default();
    let scope = Scope { inst: None, file, each: &each, vars: &Vars::None };
    loader.eval(&scope, default).ok()
}

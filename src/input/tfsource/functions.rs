//! Terraform's built-in functions, as far as their result is known statically: collection, string, type
//! conversion, encoding and file functions. Functions whose result depends on the machine, the clock or
//! randomness (`timestamp`, `uuid`, hashes, `abspath`) and the regular-expression functions are unknown.
//! `file()`, `fileexists()` and `templatefile()` read through the confined reader.

use std::sync::Arc;

use hcl_edit::expr::FuncCall;

use super::eval::{Eval, Fail, Scope, Vars, as_bool, as_number, fail, integer, unknown_arc};
use super::loader::{Loader, loc};
use super::value::{Entry, Kind, Loc, Piece, PieceMap, Text, TextMap, Unknown, Value, encode};

/// The first top-level unknown among values.
fn unknown_among(args: &[Value]) -> Option<Arc<Unknown>> {
    args.iter().find_map(|a| match &a.kind {
        Kind::Unknown(u) => Some(Arc::clone(u)),
        Kind::Partial(_) => Some(unknown_arc(a, a.loc)),
        _ => None,
    })
}

fn unknown(u: Arc<Unknown>, at: Loc) -> Value {
    Value::new(Kind::Unknown(u), at)
}

fn text_of(v: &Value) -> Result<Result<Arc<str>, Arc<Unknown>>, Fail> {
    match v.to_text() {
        Ok(Some(t)) => Ok(Ok(t)),
        Ok(None) => fail(format!("a string is needed, not {}", v.type_name()), v.loc),
        Err(u) => Ok(Err(u)),
    }
}

fn list_of(v: &Value) -> Result<Result<&[Value], Arc<Unknown>>, Fail> {
    match &v.kind {
        Kind::List(items) => Ok(Ok(items)),
        Kind::Unknown(u) => Ok(Err(Arc::clone(u))),
        Kind::Null => fail("a list is needed, not null", v.loc),
        _ => fail(format!("a list is needed, not {}", v.type_name()), v.loc),
    }
}

/// The texts of a list's elements, or the first unknown.
fn texts(items: &[Value]) -> Result<Result<Vec<Arc<str>>, Arc<Unknown>>, Fail> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match text_of(item)? {
            Ok(t) => out.push(t),
            Err(u) => return Ok(Err(u)),
        }
    }
    Ok(Ok(out))
}

/// Unwrap an `Ok(Err(unknown))` into an unknown result at `at`.
macro_rules! known {
    ($e:expr, $at:expr) => {
        match $e? {
            Ok(v) => v,
            Err(u) => return Ok(unknown(u, $at)),
        }
    };
}

/// A set: elements sorted by their JSON text and without duplicates (Terraform orders a set of strings
/// lexically). `Err` when an element is unknown.
fn set_of(items: &[Value]) -> Result<Vec<Value>, Arc<Unknown>> {
    let mut keyed: Vec<(String, Value)> = Vec::with_capacity(items.len());
    for item in items {
        let key = match &item.kind {
            Kind::String(t) => t.text.to_string(),
            _ => encode(item)?,
        };
        keyed.push((key, item.clone()));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.dedup_by(|a, b| a.0 == b.0);
    Ok(keyed.into_iter().map(|(_, v)| v).collect())
}

impl Loader {
    pub fn call(&self, s: &Scope<'_>, call: &FuncCall, at: Loc) -> Eval {
        let name = call.name.name.as_str();
        if !call.name.namespace.is_empty() {
            return Ok(Value::unknown(format!("provider function `{name}` is not computed statically"), at));
        }
        // `try` and `can` see failures instead of propagating them.
        if name == "try" {
            let mut last = None;
            for arg in call.args.iter() {
                match self.eval(s, arg) {
                    Ok(v) => return Ok(v),
                    Err(f) => last = Some(f),
                }
            }
            return Err(last.unwrap_or(Fail { why: "`try` needs at least one argument".to_owned(), loc: at }));
        }
        if name == "can" {
            let Some(arg) = call.args.iter().next() else { return fail("`can` takes one argument", at) };
            return Ok(match self.eval(s, arg) {
                Ok(v) => match &v.kind {
                    Kind::Unknown(u) => unknown(Arc::clone(u), at),
                    _ => Value::new(Kind::Bool(true), at),
                },
                Err(_) => Value::new(Kind::Bool(false), at),
            });
        }
        let mut args = Vec::with_capacity(call.args.len());
        for arg in call.args.iter() {
            args.push(self.eval(s, arg)?);
        }
        // `f(a, list...)`: the last argument's elements are the remaining arguments.
        if call.args.expand_final()
            && let Some(last) = args.pop()
        {
            match &last.kind {
                Kind::List(items) => args.extend(items.iter().cloned()),
                Kind::Unknown(u) => return Ok(unknown(Arc::clone(u), at)),
                _ => return fail("`...` expands a list", last.loc),
            }
        }
        let v = self.builtin(s, name, &args, at)?;
        Ok(self.sized(v))
    }

    #[expect(clippy::too_many_lines, reason = "one arm per function: a table that reads top to bottom")]
    fn builtin(&self, s: &Scope<'_>, name: &str, args: &[Value], at: Loc) -> Eval {
        let arity = |n: usize| -> Result<(), Fail> {
            if args.len() == n {
                Ok(())
            } else {
                fail(format!("`{name}` takes {n} argument(s), not {}", args.len()), at)
            }
        };
        let null = Value::null(at);
        let arg = |i: usize| -> &Value { args.get(i).unwrap_or(&null) };
        let string = |t: &str| Value::string(t, at);
        let number = |n: f64| Value::new(Kind::Number(n), at);
        let boolean = |b: bool| Value::new(Kind::Bool(b), at);
        // Functions that handle unknowns inside their arguments themselves.
        match name {
            "jsonencode" => {
                arity(1)?;
                return Ok(Value::new(Kind::Encoded(Arc::new(arg(0).clone())), at));
            }
            "tolist" | "toset" | "tomap" | "tostring" | "sensitive" | "nonsensitive" if args.len() == 1 => {
                let v = arg(0).clone();
                return Ok(match (name, &v.kind) {
                    (_, Kind::Unknown(_) | Kind::Partial(_) | Kind::Null) => v,
                    ("toset", Kind::List(items)) => match set_of(items) {
                        Ok(set) => Value::list(set, v.loc),
                        Err(u) => unknown(u, at),
                    },
                    ("tolist", Kind::List(_)) | ("tomap", Kind::Object(_)) | ("sensitive" | "nonsensitive", _) => v,
                    ("tostring", Kind::String(_)) => v,
                    ("tostring", Kind::Number(_) | Kind::Bool(_) | Kind::Encoded(_)) => match v.to_text() {
                        Ok(Some(t)) => Value::string(t, v.loc),
                        Ok(None) => return fail("no string conversion", at),
                        Err(u) => unknown(u, at),
                    },
                    _ => return fail(format!("`{name}` cannot convert {}", v.type_name()), at),
                });
            }
            "concat" => {
                let mut items = Vec::new();
                for a in args {
                    items.extend(known!(list_of(a).map(|r| r.map(<[Value]>::to_vec)), at));
                }
                return Ok(Value::list(items, at));
            }
            "merge" => {
                let mut entries: Vec<Entry> = Vec::new();
                for a in args {
                    match &a.kind {
                        Kind::Null => {}
                        Kind::Object(more) => entries.extend(more.iter().cloned()),
                        Kind::Unknown(u) => return Ok(unknown(Arc::clone(u), at)),
                        _ => return fail(format!("`merge` takes maps or objects, not {}", a.type_name()), a.loc),
                    }
                }
                return Ok(Value::object(entries, at));
            }
            "length" => {
                arity(1)?;
                let v = arg(0).clone();
                return Ok(match &v.kind {
                    Kind::List(items) => number(items.len() as f64),
                    Kind::Object(entries) => number(entries.len() as f64),
                    Kind::String(t) => number(t.text.chars().count() as f64),
                    Kind::Unknown(u) => unknown(Arc::clone(u), at),
                    Kind::Partial(_) | Kind::Encoded(_) => match v.to_text() {
                        Ok(Some(t)) => number(t.chars().count() as f64),
                        Ok(None) => return fail("no length", at),
                        Err(u) => unknown(u, at),
                    },
                    _ => return fail(format!("`length` of {}", v.type_name()), at),
                });
            }
            "coalesce" => {
                for a in args {
                    match &a.kind {
                        Kind::Null => {}
                        Kind::String(t) if t.text.is_empty() => {}
                        Kind::Unknown(u) => return Ok(unknown(Arc::clone(u), at)),
                        Kind::Partial(_) => return Ok(unknown(unknown_arc(a, at), at)),
                        _ => return Ok(a.clone()),
                    }
                }
                return fail("`coalesce`: every argument is null or empty", at);
            }
            "coalescelist" => {
                for a in args {
                    match &a.kind {
                        Kind::List(items) if items.is_empty() => {}
                        Kind::Unknown(u) => return Ok(unknown(Arc::clone(u), at)),
                        Kind::List(_) => return Ok(a.clone()),
                        _ => return fail("`coalescelist` takes lists", a.loc),
                    }
                }
                return fail("`coalescelist`: every list is empty", at);
            }
            "lookup" => {
                if !(2..=3).contains(&args.len()) {
                    return fail("`lookup` takes a map, a key and an optional default", at);
                }
                let (map, key) = (arg(0).clone(), arg(1).clone());
                let key = known!(text_of(&key), at);
                return Ok(match &map.kind {
                    Kind::Object(_) => match map.get(&key) {
                        Some(v) => v.clone(),
                        None if args.len() == 3 => arg(2).clone(),
                        None => return fail(format!("the map has no key `{key}`"), at),
                    },
                    Kind::Unknown(u) => unknown(Arc::clone(u), at),
                    _ => return fail(format!("`lookup` takes a map, not {}", map.type_name()), at),
                });
            }
            "file" | "templatefile" | "fileexists" | "filebase64" => return self.file_function(s, name, args, at),
            _ => {}
        }
        if let Some(u) = unknown_among(args) {
            return Ok(unknown(u, at));
        }
        Ok(match name {
            "flatten" => {
                arity(1)?;
                let mut out = Vec::new();
                let mut stack: Vec<Value> = vec![arg(0).clone()];
                while let Some(v) = stack.pop() {
                    match &v.kind {
                        Kind::List(items) => stack.extend(items.iter().rev().cloned()),
                        Kind::Unknown(u) => return Ok(unknown(Arc::clone(u), at)),
                        _ => out.push(v),
                    }
                    if out.len() + stack.len() > super::loader::MAX_VALUE_NODES {
                        return Ok(Value::unknown(super::eval::SIZE_WHY, at));
                    }
                }
                Value::list(out, at)
            }
            "distinct" => {
                arity(1)?;
                let items = known!(list_of(arg(0)), at);
                let mut out: Vec<Value> = Vec::new();
                for item in items {
                    let mut seen = false;
                    for o in &out {
                        match o.equals(item) {
                            Some(true) => seen = true,
                            Some(false) => {}
                            None => return Ok(unknown(unknown_arc(item, at), at)),
                        }
                    }
                    if !seen {
                        out.push(item.clone());
                    }
                }
                Value::list(out, at)
            }
            "compact" => {
                arity(1)?;
                let items = known!(list_of(arg(0)), at);
                let mut out = Vec::new();
                for item in items {
                    match &item.kind {
                        Kind::Null => {}
                        Kind::String(t) if t.text.is_empty() => {}
                        Kind::Unknown(u) => return Ok(unknown(Arc::clone(u), at)),
                        _ => out.push(item.clone()),
                    }
                }
                Value::list(out, at)
            }
            "keys" | "values" => {
                arity(1)?;
                let v = arg(0).clone();
                let Some(entries) = v.as_object() else { return fail(format!("`{name}` takes a map"), at) };
                let out = entries
                    .iter()
                    .map(
                        |e| if name == "keys" { Value::string(Arc::clone(&e.key), e.key_loc) } else { e.value.clone() },
                    )
                    .collect();
                Value::list(out, at)
            }
            "element" => {
                arity(2)?;
                let items = known!(list_of(arg(0)), at);
                let i = integer(known!(as_number(arg(1)), at), at)?;
                if items.is_empty() {
                    return fail("`element` of an empty list", at);
                }
                let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
                let at_index = usize::try_from(i.rem_euclid(len)).unwrap_or(0);
                items.get(at_index).cloned().unwrap_or_else(|| Value::null(at))
            }
            "index" => {
                arity(2)?;
                let items = known!(list_of(arg(0)), at);
                let wanted = arg(1).clone();
                for (i, item) in items.iter().enumerate() {
                    match item.equals(&wanted) {
                        Some(true) => return Ok(number(i as f64)),
                        Some(false) => {}
                        None => return Ok(unknown(unknown_arc(item, at), at)),
                    }
                }
                return fail("`index`: the value is not in the list", at);
            }
            "contains" => {
                arity(2)?;
                let items = known!(list_of(arg(0)), at);
                let wanted = arg(1).clone();
                let mut undecided = None;
                for item in items {
                    match item.equals(&wanted) {
                        Some(true) => return Ok(boolean(true)),
                        Some(false) => {}
                        None => undecided = Some(unknown_arc(item, at)),
                    }
                }
                match undecided {
                    Some(u) => unknown(u, at),
                    None => boolean(false),
                }
            }
            "slice" => {
                arity(3)?;
                let items = known!(list_of(arg(0)), at);
                let from = integer(known!(as_number(arg(1)), at), at)?;
                let to = integer(known!(as_number(arg(2)), at), at)?;
                match (usize::try_from(from), usize::try_from(to)) {
                    (Ok(f), Ok(t)) if f <= t && t <= items.len() => {
                        Value::list(items.get(f..t).unwrap_or_default().to_vec(), at)
                    }
                    _ => return fail("`slice` indexes out of range", at),
                }
            }
            "reverse" => {
                arity(1)?;
                let mut items = known!(list_of(arg(0)), at).to_vec();
                items.reverse();
                Value::list(items, at)
            }
            "sort" => {
                arity(1)?;
                let items = known!(list_of(arg(0)), at);
                let mut texts = known!(texts(items), at);
                texts.sort();
                Value::list(texts.into_iter().map(|t| Value::string(t, at)).collect(), at)
            }
            "one" => {
                arity(1)?;
                let items = known!(list_of(arg(0)), at);
                match items {
                    [] => Value::null(at),
                    [one] => one.clone(),
                    _ => return fail("`one` of a list with more than one element", at),
                }
            }
            "zipmap" => {
                arity(2)?;
                let keys = known!(texts(known!(list_of(arg(0)), at)), at);
                let values = known!(list_of(arg(1)), at);
                if keys.len() != values.len() {
                    return fail("`zipmap` takes two lists of the same length", at);
                }
                let entries = keys
                    .into_iter()
                    .zip(values)
                    .map(|(k, v)| Entry { key: k, key_loc: at, value: v.clone() })
                    .collect();
                Value::object(entries, at)
            }
            "range" => {
                let nums: Vec<f64> = args
                    .iter()
                    .map(|a| match as_number(a) {
                        Ok(Ok(n)) => Ok(n),
                        _ => fail("`range` takes numbers", a.loc),
                    })
                    .collect::<Result<_, _>>()?;
                let (start, end, step) = match nums.as_slice() {
                    [end] => (0.0, *end, 1.0),
                    [start, end] => (*start, *end, if start <= end { 1.0 } else { -1.0 }),
                    [start, end, step] => (*start, *end, *step),
                    _ => return fail("`range` takes 1 to 3 numbers", at),
                };
                if step == 0.0 || ((end - start) / step) > 1024.0 {
                    return fail("`range` makes at most 1024 numbers", at);
                }
                let mut out = Vec::new();
                let mut x = start;
                while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                    out.push(number(x));
                    x += step;
                }
                Value::list(out, at)
            }
            "setunion" | "setintersection" | "setsubtract" => {
                let mut lists = Vec::new();
                for a in args {
                    lists.push(known!(list_of(a), at).to_vec());
                }
                let mut acc: Vec<Value> = lists.first().cloned().unwrap_or_default();
                for other in lists.iter().skip(1) {
                    let member = |v: &Value| other.iter().any(|o| o.equals(v) == Some(true));
                    acc = match name {
                        "setunion" => acc.into_iter().chain(other.iter().cloned()).collect(),
                        "setintersection" => acc.into_iter().filter(|v| member(v)).collect(),
                        _ => acc.into_iter().filter(|v| !member(v)).collect(),
                    };
                }
                match set_of(&acc) {
                    Ok(set) => Value::list(set, at),
                    Err(u) => unknown(u, at),
                }
            }
            "chunklist" => {
                arity(2)?;
                let items = known!(list_of(arg(0)), at);
                let size = integer(known!(as_number(arg(1)), at), at)?;
                match usize::try_from(size) {
                    Ok(0) => Value::list(vec![Value::list(items.to_vec(), at)], at),
                    Ok(n) => Value::list(items.chunks(n).map(|c| Value::list(c.to_vec(), at)).collect(), at),
                    Err(_) => return fail("`chunklist` takes a size from 0", at),
                }
            }
            "alltrue" | "anytrue" => {
                arity(1)?;
                let items = known!(list_of(arg(0)), at);
                let want = name == "anytrue";
                let mut undecided = None;
                for item in items {
                    match as_bool(item)? {
                        Ok(b) if b == want => return Ok(boolean(want)),
                        Ok(_) => {}
                        Err(u) => undecided = Some(u),
                    }
                }
                match undecided {
                    Some(u) => unknown(u, at),
                    None => boolean(!want),
                }
            }
            "sum" | "min" | "max" => {
                let items: Vec<Value> =
                    if name == "sum" { known!(list_of(arg(0)), at).to_vec() } else { args.to_vec() };
                let mut nums = Vec::new();
                for item in &items {
                    nums.push(known!(as_number(item), at));
                }
                if nums.is_empty() {
                    return fail(format!("`{name}` of nothing"), at);
                }
                number(match name {
                    "sum" => nums.iter().sum(),
                    "min" => nums.iter().copied().fold(f64::INFINITY, f64::min),
                    _ => nums.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                })
            }
            "abs" | "ceil" | "floor" | "signum" => {
                arity(1)?;
                let n = known!(as_number(arg(0)), at);
                number(match name {
                    "abs" => n.abs(),
                    "ceil" => n.ceil(),
                    "floor" => n.floor(),
                    _ => n.signum(),
                })
            }
            "tonumber" => {
                arity(1)?;
                let v = arg(0).clone();
                if v.is_null() {
                    return Ok(v);
                }
                number(known!(as_number(&v), at))
            }
            "tobool" => {
                arity(1)?;
                let v = arg(0).clone();
                if v.is_null() {
                    return Ok(v);
                }
                boolean(known!(as_bool(&v), at))
            }
            "format" => {
                let Some(first) = args.first() else { return fail("`format` needs a format string", at) };
                let spec = known!(text_of(first), at);
                string(&known!(format(&spec, args.get(1..).unwrap_or_default(), at), at))
            }
            "formatlist" => {
                let Some(first) = args.first() else { return fail("`formatlist` needs a format string", at) };
                let spec = known!(text_of(first), at);
                let rest = args.get(1..).unwrap_or_default();
                let len = rest.iter().filter_map(|a| a.as_list().map(<[Value]>::len)).max().unwrap_or(1);
                let mut out = Vec::with_capacity(len);
                for i in 0..len {
                    let row: Vec<Value> = rest
                        .iter()
                        .map(|a| {
                            a.as_list()
                                .map_or_else(|| a.clone(), |l| l.get(i).cloned().unwrap_or_else(|| Value::null(at)))
                        })
                        .collect();
                    out.push(string(&known!(format(&spec, &row, at), at)));
                }
                Value::list(out, at)
            }
            "join" => {
                let Some(sep) = args.first() else { return fail("`join` needs a separator", at) };
                let sep = known!(text_of(sep), at);
                let mut parts = Vec::new();
                for a in args.iter().skip(1) {
                    parts.extend(known!(texts(known!(list_of(a), at)), at));
                }
                string(&self.capped(parts.iter().map(|p| &**p).collect::<Vec<_>>().join(&sep), at)?)
            }
            "split" => {
                arity(2)?;
                let sep = known!(text_of(arg(0)), at);
                let text = known!(text_of(arg(1)), at);
                if text.is_empty() {
                    Value::list(Vec::new(), at)
                } else if sep.is_empty() {
                    Value::list(text.chars().map(|c| string(&c.to_string())).collect(), at)
                } else {
                    Value::list(text.split(&*sep).map(string).collect(), at)
                }
            }
            "replace" => {
                arity(3)?;
                let text = known!(text_of(arg(0)), at);
                let from = known!(text_of(arg(1)), at);
                let to = known!(text_of(arg(2)), at);
                if from.len() >= 2 && from.starts_with('/') && from.ends_with('/') {
                    return Ok(Value::unknown("a regular-expression `replace` is not computed statically", at));
                }
                if from.is_empty() {
                    return Ok(string(&text));
                }
                string(&self.capped(text.replace(&*from, &to), at)?)
            }
            "lower" | "upper" | "trimspace" | "chomp" | "strrev" | "title" => {
                arity(1)?;
                let t = known!(text_of(arg(0)), at);
                string(&match name {
                    "lower" => t.to_lowercase(),
                    "upper" => t.to_uppercase(),
                    "trimspace" => t.trim().to_owned(),
                    "chomp" => t.trim_end_matches(['\n', '\r']).to_owned(),
                    "strrev" => t.chars().rev().collect(),
                    _ => title(&t),
                })
            }
            "trim" | "trimprefix" | "trimsuffix" | "startswith" | "endswith" | "strcontains" => {
                arity(2)?;
                let t = known!(text_of(arg(0)), at);
                let other = known!(text_of(arg(1)), at);
                match name {
                    "trim" => string(t.trim_matches(|c| other.contains(c))),
                    "trimprefix" => string(t.strip_prefix(&*other).unwrap_or(&t)),
                    "trimsuffix" => string(t.strip_suffix(&*other).unwrap_or(&t)),
                    "startswith" => boolean(t.starts_with(&*other)),
                    "endswith" => boolean(t.ends_with(&*other)),
                    _ => boolean(t.contains(&*other)),
                }
            }
            "substr" => {
                arity(3)?;
                let t = known!(text_of(arg(0)), at);
                let offset = integer(known!(as_number(arg(1)), at), at)?;
                let length = integer(known!(as_number(arg(2)), at), at)?;
                let chars: Vec<char> = t.chars().collect();
                let len = i64::try_from(chars.len()).unwrap_or(i64::MAX);
                let start = if offset < 0 { (len + offset).max(0) } else { offset.min(len) };
                let end = if length < 0 { len } else { (start + length).min(len) };
                let (start, end) = (usize::try_from(start).unwrap_or(0), usize::try_from(end).unwrap_or(0));
                string(&chars.get(start..end.max(start)).unwrap_or_default().iter().collect::<String>())
            }
            "indent" => {
                arity(2)?;
                let n = usize::try_from(integer(known!(as_number(arg(0)), at), at)?).unwrap_or(0).min(256);
                let t = known!(text_of(arg(1)), at);
                let pad = " ".repeat(n);
                string(&self.capped(t.replace('\n', &format!("\n{pad}")), at)?)
            }
            "jsondecode" => {
                arity(1)?;
                let v = arg(0).clone();
                match &v.kind {
                    Kind::Encoded(inner) => (**inner).clone(),
                    _ => {
                        let t = known!(text_of(&v), at);
                        match crate::source::json::parse(&t, &self.limits) {
                            Ok(json) => from_json(&json, v.loc),
                            Err(e) => return fail(format!("`jsondecode`: {}", e.message()), at),
                        }
                    }
                }
            }
            "urlencode" => {
                arity(1)?;
                let t = known!(text_of(arg(0)), at);
                let mut out = String::new();
                for b in t.bytes() {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        out.push(char::from(b));
                    } else {
                        out.push_str(&format!("%{b:02X}"));
                    }
                }
                string(&out)
            }
            "basename" | "dirname" => {
                arity(1)?;
                let t = known!(text_of(arg(0)), at);
                let path = std::path::Path::new(&*t);
                let part = if name == "basename" {
                    path.file_name().map(|n| n.to_string_lossy().into_owned())
                } else {
                    path.parent().map(crate::source::display_path)
                };
                string(&part.filter(|p| !p.is_empty()).unwrap_or_else(|| ".".to_owned()))
            }
            _ => Value::unknown(format!("the result of `{name}(...)` is not computed statically"), at),
        })
    }

    /// A string result over the size limit is a failure (no function here should build one from real input).
    fn capped(&self, text: String, at: Loc) -> Result<String, Fail> {
        if text.len() > self.limits.max_bytes || !self.spend(text.len() as u64 / 64, at) {
            return fail("the result is too large", at);
        }
        Ok(text)
    }

    /// `file()`, `fileexists()`, `templatefile()` through the confined reader. Paths are relative to the root
    /// module's directory, as Terraform resolves them from where it runs.
    fn file_function(&self, s: &Scope<'_>, name: &str, args: &[Value], at: Loc) -> Eval {
        let Some(path_arg) = args.first() else { return fail(format!("`{name}` takes a path"), at) };
        let written = match text_of(path_arg)? {
            Ok(t) => t,
            Err(u) => return Ok(unknown(u, at)),
        };
        let tree = s.inst.and_then(|i| self.tree_of(i));
        let Some(tree) = tree else {
            return Ok(Value::unknown(format!("`{name}` inside a template is not read"), at));
        };
        if name == "filebase64" {
            return Ok(Value::unknown("`filebase64` is not computed statically", at));
        }
        let path = tree.dir.join(&*written);
        let arg_loc = path_arg.loc;
        if name == "fileexists" {
            return Ok(match tree.reader.resolve(&path) {
                Ok(canonical) => Value::new(Kind::Bool(std::fs::metadata(canonical).is_ok_and(|m| m.is_file())), at),
                Err(super::reader::Refusal::Unreadable(_)) => Value::new(Kind::Bool(false), at),
                Err(refusal) => self.refused(&refusal, &written, arg_loc, &tree.reader),
            });
        }
        let (file, text) = match self.read_file(&path, &tree.reader) {
            Ok(read) => read,
            Err(refusal) => return Ok(self.refused(&refusal, &written, arg_loc, &tree.reader)),
        };
        if name == "file" {
            let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
            let map = TextMap { file, pieces: vec![Piece { out: 0..len, map: PieceMap::Identity { start: 0 } }] };
            return Ok(Value::new(Kind::String(Text { text, map: Some(Arc::new(map)) }), at));
        }
        // templatefile(path, vars): the template sees only the variables passed.
        let vars = match args.get(1) {
            Some(v) => match &v.kind {
                Kind::Object(entries) => entries.clone(),
                Kind::Unknown(u) => return Ok(unknown(Arc::clone(u), at)),
                _ => return fail("`templatefile` takes an object of variables", v.loc),
            },
            None => return fail("`templatefile` takes a path and an object of variables", at),
        };
        let template = match hcl_edit::parser::parse_template(&text) {
            Ok(t) => t,
            Err(e) => {
                return Ok(Value::unknown(format!("`{written}` is not a valid template: {}", e.message()), arg_loc));
            }
        };
        let chain: Vec<(String, Value)> = vars.iter().map(|e| (e.key.to_string(), e.value.clone())).collect();
        let result = bind_all(&chain, |vars| {
            let each = super::loader::Each::default();
            let scope = Scope { inst: None, file, each: &each, vars };
            let template_loc = loc(file, Some(0..text.len()));
            self.template(&scope, &template, template_loc)
        });
        let v = result?;
        // The rendered text belongs to the template file; the value is used where `templatefile()` was called.
        Ok(Value::new(v.kind, at))
    }

    /// Read a file once per load (the same file read twice is one source).
    pub fn read_file(
        &self,
        path: &std::path::Path,
        reader: &super::reader::Reader,
    ) -> Result<(super::value::FileId, Arc<str>), super::reader::Refusal> {
        let canonical = reader.resolve(path)?;
        {
            let files = self.files.borrow();
            if let Some(i) = files
                .iter()
                .position(|f| std::fs::canonicalize(&f.path).is_ok_and(|p| p == canonical) && !f.name.contains(" › "))
            {
                let text = files.get(i).map(|f| Arc::clone(&f.text)).unwrap_or_else(|| Arc::from(""));
                return Ok((u32::try_from(i).unwrap_or(u32::MAX), text));
            }
        }
        let text = reader.read(path)?;
        let shown = super::reader::normalize(path);
        let id = self.add_file(crate::source::SourceFile::from_path(&shown, text));
        Ok((id, self.file(id).text.clone()))
    }

    /// A refused read: unknown, and for a read that the confinement refused, a finding at the path argument.
    fn refused(
        &self,
        refusal: &super::reader::Refusal,
        written: &str,
        at: Loc,
        reader: &super::reader::Reader,
    ) -> Value {
        let what = format!("`{written}`");
        let message = refusal.message(&what, &reader.shown_root);
        if refusal.is_confinement() {
            let source = self.file(at.file);
            self.finding(crate::lint::rules::read_outside_root::finding(&source, at.span, &message));
        }
        Value::unknown(message, at)
    }
}

/// Bind each (name, value) in turn and run `f` with the complete chain.
fn bind_all<R>(chain: &[(String, Value)], f: impl FnOnce(&Vars<'_>) -> R) -> R {
    fn go<'b, R>(rest: &'b [(String, Value)], vars: &Vars<'b>, f: impl FnOnce(&Vars<'_>) -> R) -> R {
        match rest.split_first() {
            None => f(vars),
            Some(((name, value), more)) => {
                let next = Vars::Bind(name, value.clone(), vars);
                go(more, &next, f)
            }
        }
    }
    go(chain, &Vars::None, f)
}

fn title(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut start = true;
    for c in t.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c.is_whitespace();
    }
    out
}

/// `format()`'s verbs: `%s`, `%d`, `%v`, `%q`, `%t`, `%f` and `%%` (width and precision are not read).
fn format(spec: &str, args: &[Value], at: Loc) -> Result<Result<String, Arc<Unknown>>, Fail> {
    let mut out = String::new();
    let mut chars = spec.chars().peekable();
    let mut next = args.iter();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Skip flags, width and precision.
        while chars.peek().is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | '#' | ' ')) {
            chars.next();
        }
        let verb = chars.next();
        if verb == Some('%') {
            out.push('%');
            continue;
        }
        let Some(arg) = next.next() else { return fail("`format` has more verbs than arguments", at) };
        match verb {
            Some('s' | 'v' | 'd' | 't' | 'f') => match arg.to_text() {
                Ok(Some(t)) => out.push_str(&t),
                Ok(None) => match encode(arg) {
                    Ok(t) if verb == Some('v') => out.push_str(&t),
                    Ok(_) => return fail(format!("`format` cannot print {} with this verb", arg.type_name()), at),
                    Err(u) => return Ok(Err(u)),
                },
                Err(u) => return Ok(Err(u)),
            },
            Some('q') => match arg.to_text() {
                Ok(Some(t)) => out.push_str(&serde_json::to_string(&*t).unwrap_or_default()),
                Ok(None) => return fail("`%q` prints strings", at),
                Err(u) => return Ok(Err(u)),
            },
            _ => return fail("`format` verb not supported", at),
        }
    }
    Ok(Ok(out))
}

/// A JSON value (from `jsondecode`) as a Terraform value, every node at `at`.
pub(super) fn from_json(json: &crate::source::json::Json, at: Loc) -> Value {
    use crate::source::json::JsonKind;
    match &json.kind {
        JsonKind::Null => Value::null(at),
        JsonKind::Bool(b) => Value::new(Kind::Bool(*b), at),
        JsonKind::Number(n) => Value::new(Kind::Number(n.as_f64()), at),
        JsonKind::String(s) => Value::string(&**s, at),
        JsonKind::Array(items) => Value::list(items.iter().map(|i| from_json(i, at)).collect(), at),
        JsonKind::Object(members) => Value::object(
            members
                .iter()
                .map(|m| Entry { key: Arc::from(&*m.key.node), key_loc: at, value: from_json(&m.value, at) })
                .collect(),
            at,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_prints_the_common_verbs() {
        let at = Loc { file: 0, span: crate::source::Span::at(0) };
        let args = [Value::string("x", at), Value::new(Kind::Number(3.0), at)];
        assert_eq!(format("arn:%s:%d %%", &args, at).unwrap().unwrap(), "arn:x:3 %");
        assert_eq!(format("%q", &args[..1], at).unwrap().unwrap(), "\"x\"");
        assert!(format("%s %s", &args[..1], at).is_err());
    }

    #[test]
    fn title_capitalises_words() {
        assert_eq!(title("hello world"), "Hello World");
    }
}

//! Google Cloud's CEL (`attribute_mapping`, `attribute_condition`), evaluated with the `cel` crate plus
//! Google's `extract()` template function, which standard CEL lacks (reference §2.2, §3).
//!
//! Evaluating an expression on one token is exact. Deciding which *requests* yield an accepted token needs
//! more: the region analysis must know every constant the expression compares a caller-chosen claim with.
//! [`analyse`] walks the expression and collects, for each claim under `assertion` it reads, the string
//! constants it is compared with and how (`==`/`!=`/`in` a list of literals: equality; `startsWith`,
//! `endsWith`, `contains`: a pattern). Any other use of a claim the caller chooses (`matches`, `size`,
//! `extract`, arithmetic, a comparison with another claim) makes the expression *undecidable* over requests,
//! and the join says so instead of guessing. Claims fixed for the principal (`sub`, `aws_account`, ...) may
//! be used freely: they take one value per principal.

use std::collections::BTreeMap;
use std::sync::Arc;

use cel::common::ast::{Expr, LiteralValue};
use cel::extractors::This;
use cel::{Context, IdedExpr, Program};

pub use cel::Value as CelValue;
use serde_json::Value;

use super::pointer::ClaimPath;

/// The longest expression Google accepts (`attribute_condition`: 4096; a mapping: 2048): anything longer is
/// not evaluated.
pub const MAX_EXPRESSION: usize = 4096;

/// An expression compiled once.
pub struct Compiled {
    program: Program,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Compiled")
    }
}

pub fn compile(text: &str) -> Result<Compiled, String> {
    if text.len() > MAX_EXPRESSION {
        return Err(format!("the expression is {} characters; Google accepts at most {MAX_EXPRESSION}", text.len()));
    }
    // The parser recurses on nesting; refuse pathological nesting before handing it over.
    let depth = text.chars().fold((0usize, 0usize), |(cur, max), c| match c {
        '(' | '[' | '{' => (cur + 1, max.max(cur + 1)),
        ')' | ']' | '}' => (cur.saturating_sub(1), max),
        _ => (cur, max),
    });
    if depth.1 > 64 {
        return Err("the expression nests more than 64 levels".into());
    }
    Program::compile(text).map(|program| Compiled { program }).map_err(|e| format!("not valid CEL: {e}"))
}

/// Google's `extract()`: the text between the template's prefix (its part before `{name}`) and its suffix,
/// taken from the first occurrence of the prefix; empty when the prefix or the suffix is not found.
pub fn extract(text: &str, template: &str) -> String {
    let Some(open) = template.find('{') else { return String::new() };
    let Some(close) = template[open..].find('}').map(|c| open + c) else { return String::new() };
    let prefix = &template[..open];
    let suffix = template.get(close + 1..).unwrap_or("");
    let Some(start) = text.find(prefix).map(|i| i + prefix.len()) else { return String::new() };
    let rest = text.get(start..).unwrap_or("");
    if suffix.is_empty() {
        return rest.to_owned();
    }
    rest.find(suffix).map_or_else(String::new, |end| rest.get(..end).unwrap_or("").to_owned())
}

fn context_with(vars: &[(&str, &Value)]) -> Result<Context<'static, 'static>, String> {
    let mut ctx = Context::default();
    ctx.add_function("extract", |This(this): This<Arc<String>>, template: Arc<String>| -> String {
        extract(&this, &template)
    })
    .map_err(|e| e.to_string())?;
    for (name, value) in vars {
        let v = cel::to_value(value).map_err(|e| e.to_string())?;
        ctx.add_variable_from_value(*name, v);
    }
    Ok(ctx)
}

/// The value of an expression on a token (`assertion`) and the attributes mapped so far.
pub fn evaluate(expr: &Compiled, vars: &[(&str, &Value)]) -> Result<CelValue, String> {
    let ctx = context_with(vars)?;
    expr.program.execute(&ctx).map_err(|e| e.to_string())
}

/// A CEL value as JSON (strings, numbers, booleans, lists, maps of string keys), for the attributes a
/// mapping yields.
pub fn to_json(v: &CelValue) -> Option<Value> {
    Some(match v {
        CelValue::String(s) => Value::String(s.to_string()),
        CelValue::Bool(b) => Value::Bool(*b),
        CelValue::Int(i) => Value::from(*i),
        CelValue::UInt(u) => Value::from(*u),
        CelValue::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number)?,
        CelValue::Null => Value::Null,
        CelValue::List(items) => Value::Array(items.iter().map(to_json).collect::<Option<Vec<_>>>()?),
        CelValue::Map(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map.map.iter() {
                let key = match k {
                    cel::objects::Key::String(s) => s.to_string(),
                    other => format!("{other:?}"),
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        _ => return None,
    })
}

/// How an expression compares one claim with constants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimUse {
    /// Compared for equality (`==`, `!=`, `in [...]`).
    pub equals: Vec<String>,
    /// `startsWith(c)`: the strings `c*`.
    pub prefixes: Vec<String>,
    /// `endsWith(c)`: `*c`.
    pub suffixes: Vec<String>,
    /// `contains(c)`: `*c*`.
    pub infixes: Vec<String>,
    /// Used some other way: the expression cannot be decided over the claim's possible values.
    pub opaque: Vec<String>,
    /// Only tested for presence (`has(...)`, `in` a map).
    pub presence: bool,
}

/// What an expression reads from the token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Each claim path under `assertion` it reads, with how.
    pub claims: BTreeMap<ClaimPath, ClaimUse>,
    /// `assertion` used whole or indexed by something not constant.
    pub whole_assertion: bool,
    /// Every attribute (`google.subject`, `attribute.team`) it reads.
    pub attributes: Vec<String>,
}

/// The claim path an expression names under `assertion` (`assertion.sub`,
/// `assertion['https://sts.amazonaws.com/'].request_tags.team`).
fn claim_path(e: &IdedExpr) -> Option<ClaimPath> {
    match &e.expr {
        Expr::Ident(name) if name == "assertion" => Some(Vec::new()),
        Expr::Select(s) if !s.test => {
            let mut p = claim_path(&s.operand)?;
            p.push(s.field.clone());
            Some(p)
        }
        Expr::Call(c) if c.func_name == "_[_]" && c.target.is_none() => {
            let [base, index] = c.args.as_slice() else { return None };
            let mut p = claim_path(base)?;
            match &index.expr {
                Expr::Literal(LiteralValue::String(s)) => p.push(s.to_string()),
                _ => return None,
            }
            Some(p)
        }
        _ => None,
    }
}

/// `google.subject`, `attribute.team`.
fn attribute_name(e: &IdedExpr) -> Option<String> {
    match &e.expr {
        Expr::Select(s) if !s.test => match &s.operand.expr {
            Expr::Ident(root) if root == "google" || root == "attribute" => Some(format!("{root}.{}", s.field)),
            _ => None,
        },
        _ => None,
    }
}

fn string_literal(e: &IdedExpr) -> Option<String> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(s.to_string()),
        _ => None,
    }
}

fn string_list(e: &IdedExpr) -> Option<Vec<String>> {
    match &e.expr {
        Expr::List(l) => l.elements.iter().map(string_literal).collect(),
        _ => None,
    }
}

/// Collect what an expression reads.
pub fn analyse(expr: &Compiled) -> Analysis {
    let mut out = Analysis::default();
    walk(expr.program.expression(), &mut out);
    for u in out.claims.values_mut() {
        for v in [&mut u.equals, &mut u.prefixes, &mut u.suffixes, &mut u.infixes, &mut u.opaque] {
            v.sort();
            v.dedup();
        }
    }
    out
}

fn walk(e: &IdedExpr, out: &mut Analysis) {
    if let Some(a) = attribute_name(e) {
        out.attributes.push(a);
        return;
    }
    if let Some(path) = claim_path(e) {
        // A claim read as a whole value in a position the cases below did not recognise.
        if path.is_empty() {
            out.whole_assertion = true;
        } else {
            out.claims.entry(path).or_default().opaque.push("used as a value".into());
        }
        return;
    }
    match &e.expr {
        Expr::Call(c) => {
            let args = c.args.as_slice();
            match (c.func_name.as_str(), c.target.as_deref(), args) {
                ("_==_" | "_!=_", None, [a, b]) => {
                    let pair = match (claim_path(a), string_literal(b), claim_path(b), string_literal(a)) {
                        (Some(p), Some(s), _, _) | (_, _, Some(p), Some(s)) => Some((p, s)),
                        _ => None,
                    };
                    if let Some((p, s)) = pair {
                        out.claims.entry(p).or_default().equals.push(s);
                        return;
                    }
                }
                ("@in", None, [a, b]) => {
                    if let (Some(p), Some(list)) = (claim_path(a), string_list(b)) {
                        out.claims.entry(p).or_default().equals.extend(list);
                        return;
                    }
                    // `'key' in assertion.request_tags`: presence of a map key.
                    if let (Some(s), Some(mut p)) = (string_literal(a), claim_path(b)) {
                        p.push(s);
                        out.claims.entry(p).or_default().presence = true;
                        return;
                    }
                }
                ("startsWith" | "endsWith" | "contains", Some(target), [arg]) => {
                    if let (Some(p), Some(s)) = (claim_path(target), string_literal(arg)) {
                        let u = out.claims.entry(p).or_default();
                        match c.func_name.as_str() {
                            "startsWith" => u.prefixes.push(s),
                            "endsWith" => u.suffixes.push(s),
                            _ => u.infixes.push(s),
                        }
                        return;
                    }
                }
                _ => {}
            }
            if let Some(t) = &c.target {
                if let Some(p) = claim_path(t) {
                    out.claims.entry(p).or_default().opaque.push(format!("`{}()`", c.func_name));
                } else {
                    walk(t, out);
                }
            }
            for a in args {
                if let Some(p) = claim_path(a) {
                    out.claims.entry(p).or_default().opaque.push(format!("an argument of `{}`", c.func_name));
                } else {
                    walk(a, out);
                }
            }
        }
        Expr::Select(s) => {
            if s.test {
                // `has(assertion.x.y)`.
                if let Some(p) = claim_path(&s.operand) {
                    let mut p = p;
                    p.push(s.field.clone());
                    out.claims.entry(p).or_default().presence = true;
                    return;
                }
            }
            walk(&s.operand, out);
        }
        Expr::List(l) => l.elements.iter().for_each(|x| walk(x, out)),
        Expr::Map(m) => {
            for entry in &m.entries {
                if let cel::common::ast::EntryExpr::MapEntry(me) = &entry.expr {
                    walk(&me.key, out);
                    walk(&me.value, out);
                }
            }
        }
        Expr::Comprehension(c) => {
            walk(&c.iter_range, out);
            walk(&c.accu_init, out);
            walk(&c.loop_cond, out);
            walk(&c.loop_step, out);
            walk(&c.result, out);
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                if let cel::common::ast::EntryExpr::StructField(f) = &entry.expr {
                    walk(&f.value, out);
                }
            }
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extract_follows_the_template() {
        let arn = "arn:aws:sts::123456789012:assumed-role/app/session";
        assert_eq!(extract(arn, "{account_arn}assumed-role/"), "arn:aws:sts::123456789012:");
        assert_eq!(extract(arn, "assumed-role/{role_name}/"), "app");
        assert_eq!(extract(arn, "assumed-role/{rest}"), "app/session");
        assert_eq!(extract(arn, "federated-user/{x}"), "");
        assert_eq!(extract(arn, "assumed-role/{x}#"), "");
    }

    #[test]
    fn evaluates_over_the_assertion() {
        let token = json!({"sub": "arn:aws:iam::1:role/app", "https://sts.amazonaws.com/": {"org_id": "o-1", "request_tags": {"team": "pay"}}});
        let cond = compile(
            "assertion['https://sts.amazonaws.com/'].org_id == 'o-1' && assertion.sub.extract('role/{r}') == 'app'",
        )
        .unwrap();
        assert_eq!(evaluate(&cond, &[("assertion", &token)]).unwrap(), CelValue::Bool(true));
        let missing = compile("assertion['https://sts.amazonaws.com/'].request_tags.env == 'x'").unwrap();
        assert!(evaluate(&missing, &[("assertion", &token)]).is_err());
        assert!(compile("assertion.sub ==").is_err());
    }

    #[test]
    fn analysis_names_constants_and_opaque_uses() {
        let c = compile(
            "assertion['https://sts.amazonaws.com/'].request_tags.team in ['pay', 'ledger'] && assertion.sub.startsWith('arn:aws:iam::1:') && size(assertion['https://sts.amazonaws.com/'].request_tags.env) > 2",
        )
        .unwrap();
        let a = analyse(&c);
        let team = vec!["https://sts.amazonaws.com/".to_owned(), "request_tags".to_owned(), "team".to_owned()];
        assert_eq!(a.claims[&team].equals, ["ledger", "pay"]);
        assert_eq!(a.claims[&vec!["sub".to_owned()]].prefixes, ["arn:aws:iam::1:"]);
        let env = vec!["https://sts.amazonaws.com/".to_owned(), "request_tags".to_owned(), "env".to_owned()];
        assert!(!a.claims[&env].opaque.is_empty());
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Hostile conditions from a pull request: compiling, analysing and evaluating never panic.
        #[test]
        fn arbitrary_expressions_never_panic(text in "[a-z.'\\[\\]()=!&|<>+*{}?:, 0-9\"\\\\-]{0,60}") {
            if let Ok(c) = compile(&text) {
                let _ = analyse(&c);
                let token = serde_json::json!({"sub": "arn:aws:iam::1:role/x", "aud": ["a"]});
                let _ = evaluate(&c, &[("assertion", &token)]);
            }
        }
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let text = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert!(compile(&text).is_err());
    }
}

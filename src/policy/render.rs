//! Policy AST back to JSON text: the inverse of the parser up to layout (property-tested), used to show
//! normalized policies and suggested rewrites.

use std::fmt::Write as _;

use super::ast::*;

/// Render a policy as pretty JSON. Condition clauses are grouped by operator in order of first appearance,
/// which is how the parser reads them back.
pub fn to_json_text(policy: &Policy) -> String {
    let mut out = String::from("{\n");
    let mut fields: Vec<String> = Vec::new();
    if let Some(v) = &policy.version {
        fields.push(format!("  \"Version\": {}", quote(v.node.as_str())));
    }
    if let Some(id) = &policy.id {
        fields.push(format!("  \"Id\": {}", quote(&id.node)));
    }
    let statements: Vec<String> = policy.statements.iter().map(|s| statement(s, "    ")).collect();
    if policy.single_statement && statements.len() == 1 {
        fields.push(format!("  \"Statement\": {}", statements.concat().trim_start()));
    } else {
        fields.push(format!("  \"Statement\": [\n{}\n  ]", statements.join(",\n")));
    }
    out.push_str(&fields.join(",\n"));
    out.push_str("\n}\n");
    out
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

fn string_list(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

fn statement(s: &Statement, indent: &str) -> String {
    let inner = format!("{indent}  ");
    let mut fields = Vec::new();
    if let Some(sid) = &s.sid {
        fields.push(format!("{inner}\"Sid\": {}", quote(&sid.node)));
    }
    fields.push(format!("{inner}\"Effect\": {}", quote(s.effect.node.as_str())));
    if let Some(p) = &s.principal {
        let (name, set) = match &p.node {
            PrincipalClause::Principal(set) => ("Principal", set),
            PrincipalClause::NotPrincipal(set) => ("NotPrincipal", set),
        };
        let value = match set {
            PrincipalSet::Any => quote("*"),
            PrincipalSet::Typed(entries) => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|e| {
                        format!(
                            "{}: {}",
                            quote(e.kind.node.as_str()),
                            string_list(e.values.iter().map(|v| quote(&v.node)))
                        )
                    })
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
        };
        fields.push(format!("{inner}\"{name}\": {value}"));
    }
    let actions = string_list(s.action.node.patterns().iter().map(|a| quote(a.node.as_str())));
    fields.push(format!("{inner}\"{}\": {actions}", s.action.node.element_name()));
    if let Some(r) = &s.resource {
        let resources = string_list(r.node.patterns().iter().map(|p| quote(p.node.raw())));
        fields.push(format!("{inner}\"{}\": {resources}", r.node.element_name()));
    }
    if s.condition_span.is_some() || !s.conditions.is_empty() {
        fields.push(format!("{inner}\"Condition\": {}", conditions(&s.conditions)));
    }
    format!("{indent}{{\n{}\n{indent}}}", fields.join(",\n"))
}

fn conditions(clauses: &[ConditionClause]) -> String {
    let mut operators: Vec<(String, Vec<&ConditionClause>)> = Vec::new();
    for c in clauses {
        let name = c.operator.node.to_string();
        match operators.iter_mut().find(|(n, _)| *n == name) {
            Some((_, list)) => list.push(c),
            None => operators.push((name, vec![c])),
        }
    }
    let mut out = String::from("{");
    for (i, (name, list)) in operators.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{}: {{", quote(name));
        for (j, c) in list.iter().enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            let values = string_list(c.values.iter().map(|v| literal(&v.node.literal)));
            let _ = write!(out, "{}: {values}", quote(c.key.node.as_str()));
        }
        out.push('}');
    }
    out.push('}');
    out
}

fn literal(l: &Literal) -> String {
    match l {
        Literal::String(s) => quote(s),
        Literal::Number(n) => n.to_string(),
        Literal::Bool(b) => b.to_string(),
    }
}

//! Rendering `replay --suggest`: each suggested policy (JSON and Terraform) with the principals it is for,
//! what they used, how the suggestion fared when the calls were replayed against it and what `check`'s
//! rules say of it; then each principal's unused grants.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::replay::Report;
use crate::replay::record::Recorded;
use crate::replay::suggest::needs::{Needs, TagValue};
use crate::replay::suggest::{Suggestion, Suggestions, Unused};

use super::diff::{change_json, witness_summary};
use super::replay::escape;

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn issued(report: &Report) -> usize {
    report.results.iter().filter(|r| r.call.recorded == Recorded::Issued).count()
}

/// What the records cannot give, and what a suggestion therefore assumes.
fn notes(suggestions: &Suggestions) -> Vec<String> {
    let mut notes = Vec::new();
    if suggestions
        .suggestions
        .iter()
        .any(|s| s.needs.tags.iter().any(|t| t.values.iter().any(|(_, v)| matches!(v, TagValue::PrincipalTag(_)))))
    {
        notes.push(
            "`${aws:PrincipalTag/...}` stands where every value sent equalled the principal's own tag in the inputs; \
             a session tag of the same key (not in CloudTrail records) would override it"
                .to_owned(),
        );
    }
    if suggestions.suggestions.iter().any(|s| s.needs.tags.iter().any(|t| t.values.len() > 1)) {
        notes.push(
            "the values of each tag key are allowed in any combination with the other keys' values: conditions \
             cannot tie one key's value to another's"
                .to_owned(),
        );
    }
    if !suggestions.suggestions.is_empty() {
        notes.push(
            "the suggestions constrain audience, lifetime, algorithm, request tags and, when every call came \
             through an interface endpoint, the endpoint: other conditions of the current policies are listed under \
             what the suggestion allows that they do not"
                .to_owned(),
        );
    }
    notes
}

fn needs_json(needs: &Needs) -> Value {
    json!({
        "audiences": needs.audiences,
        "max_lifetime": needs.cap,
        "lifetime_omitted": needs.omitted,
        "signing_algorithms": needs.algorithms,
        "endpoints": needs.endpoints.as_ref().map(|groups| groups.iter().map(|(vpc, vpce)| json!({"vpc": vpc, "vpce": vpce})).collect::<Vec<_>>()),
        "tags": needs.tags.iter().map(|t| json!({
            "keys": t.keys,
            "values": t.values.iter().map(|(k, v)| (k.clone(), match v {
                TagValue::PrincipalTag(tag) => json!({"principal_tag": tag}),
                TagValue::Literal(values) => json!(values),
            })).collect::<serde_json::Map<String, Value>>(),
        })).collect::<Vec<_>>(),
    })
}

fn suggestion_json(s: &Suggestion) -> Value {
    let v = &s.verification;
    json!({
        "principals": s.principals,
        "uses": needs_json(&s.needs),
        "policy": serde_json::from_str::<Value>(&s.policy).unwrap_or(Value::Null),
        "terraform": s.terraform,
        "check": s.lint.iter().map(|f| json!({
            "rule": f.rule.code,
            "name": f.rule.name,
            "severity": f.severity.as_str(),
            "message": f.message,
        })).collect::<Vec<_>>(),
        "replay": {
            "replayed": v.replayed,
            "allowed": v.allowed,
            "denied": v.denied,
            "undecided": v.undecided,
        },
    })
}

fn unused_json(u: &Unused) -> Value {
    json!({
        "principal": u.principal,
        "describe": u.describe,
        "issued": u.issued,
        "exact": u.diff.exact,
        "inexact_reason": u.diff.inexact_reason,
        "unused": u.diff.narrowed.iter().map(change_json).collect::<Vec<_>>(),
        "suggestion_allows": u.diff.widened.iter().map(change_json).collect::<Vec<_>>(),
    })
}

/// The JSON report.
pub fn json(report: &Report, suggestions: &Suggestions) -> String {
    let value = json!({
        "version": 1,
        "events": report.events,
        "replayed": report.replayed,
        "issued": issued(report),
        "ignored": report.ignored,
        "skipped": report.skipped.iter().map(|s| json!({"event_id": s.event_id, "reason": s.reason})).collect::<Vec<_>>(),
        "principals": suggestions.principals.iter().map(|p| json!({
            "principal": p.arn,
            "describe": p.describe,
            "issued": p.usage.issued,
        })).collect::<Vec<_>>(),
        "suggestions": suggestions.suggestions.iter().map(suggestion_json).collect::<Vec<_>>(),
        "unused": suggestions.unused.iter().map(unused_json).collect::<Vec<_>>(),
        "notes": notes(suggestions),
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

fn backticks(items: &[String]) -> String {
    items.iter().map(|s| format!("`{}`", escape(s))).collect::<Vec<_>>().join(", ")
}

/// One line: what a group of principals used.
fn uses(needs: &Needs) -> String {
    let mut parts = vec![format!("audiences {}", backticks(&needs.audiences))];
    parts.push(if needs.omitted {
        format!("lifetimes up to {} s (some calls sent none: the API issued 300 s)", needs.cap)
    } else {
        format!("lifetimes up to {} s", needs.cap)
    });
    match &needs.algorithms {
        Some(a) => parts.push(format!("algorithms {}", backticks(a))),
        None => parts.push("no algorithm pinned (a call sent none)".to_owned()),
    }
    if let Some(groups) = &needs.endpoints {
        let each: Vec<String> = groups
            .iter()
            .map(|(vpc, vpces)| match vpc {
                Some(vpc) => format!("{} in `{}`", backticks(vpces), escape(vpc)),
                None => format!("{} (VPC not known)", backticks(vpces)),
            })
            .collect();
        parts.push(format!("only through endpoints {}", each.join(", ")));
    }
    for t in &needs.tags {
        let values: Vec<String> = t
            .values
            .iter()
            .map(|(k, v)| match v {
                TagValue::PrincipalTag(tag) => format!("{}=${{aws:PrincipalTag/{}}}", escape(k), escape(tag)),
                TagValue::Literal(values) => {
                    format!("{}={}", escape(k), values.iter().map(|v| escape(v)).collect::<Vec<_>>().join("|"))
                }
            })
            .collect();
        parts.push(format!("tags {}", values.join(", ")));
    }
    parts.join("; ")
}

fn indented(out: &mut String, text: &str, by: &str) {
    for line in text.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{by}{line}");
        }
    }
}

/// The human report.
pub fn human(report: &Report, suggestions: &Suggestions) -> String {
    let mut out = String::new();
    let issued = issued(report);
    let _ = writeln!(
        out,
        "replay --suggest: {} event{}: {} token request{} replayed, {} issued, {} skipped",
        report.events,
        plural(report.events),
        report.replayed,
        plural(report.replayed),
        issued,
        report.skipped.len(),
    );
    let count = suggestions.suggestions.len();
    if count == 0 {
        let _ = writeln!(out, "\nno principal of the inputs issued a token in these events: nothing to suggest");
    }
    for (i, s) in suggestions.suggestions.iter().enumerate() {
        let _ = writeln!(
            out,
            "\nsuggested policy {} of {count}, for {} principal{}:",
            i + 1,
            s.principals.len(),
            plural(s.principals.len() as u64)
        );
        for arn in &s.principals {
            if let Some(p) = suggestions.principals.iter().find(|p| &p.arn == arn) {
                let _ = writeln!(
                    out,
                    "  {} ({}): {} issuance{}",
                    escape(arn),
                    escape(&p.describe),
                    p.usage.issued,
                    plural(p.usage.issued)
                );
            }
        }
        let _ = writeln!(out, "  uses: {}", uses(&s.needs));
        let v = &s.verification;
        let _ = writeln!(out, "  replayed against it alone: {} of {} issued calls allowed", v.allowed, v.replayed);
        for id in &v.denied {
            let _ = writeln!(out, "    denied: {} (a mintlint bug: please report it)", escape(id));
        }
        for id in &v.undecided {
            let _ = writeln!(out, "    undecided: {} (depends on what the record does not say)", escape(id));
        }
        if s.lint.is_empty() {
            let _ = writeln!(out, "  check: no warning");
        }
        for f in &s.lint {
            let _ = writeln!(out, "  check: {} {} {}: {}", f.severity, f.rule.code, f.rule.name, escape(&f.message));
        }
        let _ = writeln!(out, "\n  policy:");
        indented(&mut out, &s.policy, "    ");
        let _ = writeln!(out, "\n  terraform:");
        indented(&mut out, &s.terraform, "    ");
    }
    if !suggestions.unused.is_empty() {
        let _ = writeln!(out, "\nunused grants: what the current policies allow and no call in the events used");
    }
    for u in &suggestions.unused {
        let _ = writeln!(
            out,
            "  {} ({}): {} issuance{}",
            escape(&u.principal),
            escape(&u.describe),
            u.issued,
            plural(u.issued)
        );
        if let Some(reason) = &u.diff.inexact_reason {
            let _ = writeln!(out, "    not exact: {}", escape(reason));
        }
        if u.diff.narrowed.is_empty() && u.diff.exact {
            let _ = writeln!(out, "    none: every grant was used");
        }
        for c in &u.diff.narrowed {
            let _ = writeln!(out, "    - {}", escape(&c.description));
            let _ = writeln!(out, "      e.g. {}", escape(&witness_summary(&c.witness)));
        }
        if !u.diff.widened.is_empty() {
            let _ = writeln!(out, "    the suggestion allows what the current policies do not:");
        }
        for c in &u.diff.widened {
            let _ = writeln!(out, "    + {}", escape(&c.description));
            let _ = writeln!(out, "      e.g. {}", escape(&witness_summary(&c.witness)));
        }
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(
            out,
            "\n{} record{} skipped (not counted in any suggestion): run without --suggest to list them",
            report.skipped.len(),
            plural(report.skipped.len() as u64)
        );
    }
    let notes = notes(suggestions);
    if !notes.is_empty() {
        let _ = writeln!(out, "\nnotes:");
        for n in notes {
            let _ = writeln!(out, "  {}", escape(&n));
        }
    }
    out
}

//! Rendering simulation results: human (with miette snippets under `--explain`), JSON, and for `--cases`
//! a per-case line, the `N passed, N failed` summary, and JUnit XML.

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::cases::run::{Row, Rows, Totals};
use crate::eval::{CheckResult, ContextValue, Decision, PolicySet, RequestContext, StatementRef};
use crate::lint::rules::invalid_policy::INVALID_POLICY;
use crate::lint::{Finding, Severity};
use crate::simulate::Simulation;
use crate::simulate::inputs::InventoryPrincipal;

use super::Style;

/// How a statement is named in output: its Sid when it has one, else its position.
pub fn statement_label(set: &PolicySet, at: StatementRef) -> String {
    let Some(policy) = set.policy(at.layer, at.policy) else { return "?".into() };
    let (line, column) = policy
        .statement(at.statement)
        .map(|s| {
            let lc = policy.source.line_col(s.span.start);
            (lc.line, lc.column)
        })
        .unwrap_or((0, 0));
    // An empty Sid (older AWS providers render `"Sid": ""`) names nothing: use the position.
    let sid = policy.statement(at.statement).and_then(|s| s.sid.as_ref()).filter(|s| !s.node.is_empty());
    let sid = sid.map(|s| s.node.to_string());
    let name = sid.map_or_else(|| format!("statement {}", at.statement + 1), |s| format!("`{s}`"));
    super::escape::text(&format!("{name} ({}:{line}:{column}, {})", policy.source.name, at.layer)).into_owned()
}

fn statement_json(set: &PolicySet, at: StatementRef) -> Value {
    let policy = set.policy(at.layer, at.policy);
    let statement = policy.and_then(|p| p.statement(at.statement));
    let (start, end) = match (policy, statement) {
        (Some(p), Some(s)) => p.source.range(s.span),
        _ => {
            let unknown = crate::source::LineCol { line: 0, column: 0 };
            (unknown, unknown)
        }
    };
    json!({
        "layer": at.layer.name(),
        "source": policy.map(|p| p.source.name.to_string()),
        "sid": statement.and_then(|s| s.sid.as_ref()).map(|s| s.node.to_string()),
        "effect": statement.map(|s| s.effect.node.as_str()),
        "index": at.statement,
        "line": start.line, "column": start.column, "end_line": end.line, "end_column": end.column,
    })
}

fn check_json(set: &PolicySet, check: &CheckResult) -> Value {
    json!({
        "action": check.action,
        "decision": check.decision.as_str(),
        "layer": check.layer.map(|l| l.name()),
        "statements": check.statements.iter().map(|s| statement_json(set, *s)).collect::<Vec<_>>(),
        "failed_conditions": check.near_misses.iter().map(|(at, clause)| {
            let mut v = statement_json(set, *at);
            if let Some(obj) = v.as_object_mut() {
                obj.insert("clause".into(), clause_text(set, *at, *clause).into());
            }
            v
        }).collect::<Vec<_>>(),
        "resource_mismatches": check.resource_misses.iter().map(|at| statement_json(set, *at)).collect::<Vec<_>>(),
        "absent_keys": check.absent_keys,
    })
}

/// The request's resource as the explanation names it.
fn resource_text(ctx: &RequestContext) -> String {
    match &ctx.resource {
        crate::eval::RequestResource::Star => {
            "`*` (the action has no resource type, so only \"Resource\": \"*\" applies)".to_owned()
        }
        crate::eval::RequestResource::Arn(arn) => format!("`{}`", super::escape::text(arn)),
    }
}

/// `"StringEquals": {"aws:SourceVpc": ...}` as written, for a failing clause.
pub(super) fn clause_text(set: &PolicySet, at: StatementRef, clause: usize) -> String {
    let Some(policy) = set.policy(at.layer, at.policy) else { return String::new() };
    let Some(c) = policy.statement(at.statement).and_then(|s| s.conditions.get(clause)) else { return String::new() };
    let values = c.values.iter().map(|v| v.node.text().to_owned()).collect::<Vec<_>>();
    format!("{} {} {:?}", c.operator.node, c.key.node.as_str(), values)
}

pub fn simulation_json(set: &PolicySet, sim: &Simulation) -> Value {
    json!({
        "version": 1,
        "request": sim.request.case_json(),
        "decision": sim.verdict.name(),
        "reason": sim.verdict.reason().or(sim.note.as_deref()),
        "checks": sim.checks.iter().map(|c| check_json(set, c)).collect::<Vec<_>>(),
        "absent_keys": sim.absent_keys,
        "assumptions": crate::eval::Setting::ALL.iter().map(|s| json!({"name": s.name(), "value": sim.assumptions.get(*s)})).collect::<Vec<_>>(),
        "depends_on": sim.depends_on.iter().map(|d| json!({
            "setting": d.setting.name(),
            "configured": d.configured,
            "alternative": d.alternative,
            "alternative_decision": d.alternative_verdict.name(),
        })).collect::<Vec<_>>(),
        "claims": sim.claims,
    })
}

/// The human report of one simulation.
pub fn render_human(set: &PolicySet, sim: &Simulation, explain: bool, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "decision: {}", sim.verdict.name());
    if let Some(reason) = sim.verdict.reason().or(sim.note.as_deref()) {
        let _ = writeln!(out, "  {}", super::escape::text(reason));
    }
    let _ = writeln!(out, "request: {}", sim.request.summary());
    for (check, ctx) in sim.checks.iter().zip(&sim.contexts) {
        let layer = check.layer.map(|l| format!(" ({l})")).unwrap_or_default();
        let _ = writeln!(out, "\n{}: {}{layer}", super::escape::text(&check.action), check.decision);
        match check.decision {
            Decision::Allow => {
                for at in &check.statements {
                    let _ = writeln!(out, "  allowed by {}", statement_label(set, *at));
                }
            }
            Decision::ExplicitDeny => {
                for at in &check.statements {
                    let _ = writeln!(out, "  denied by {}", statement_label(set, *at));
                }
            }
            Decision::ImplicitDeny => {
                let _ = writeln!(out, "  {}", implicit_reason(set, check));
                for (at, clause) in &check.near_misses {
                    let _ = writeln!(
                        out,
                        "  not allowed by {}: `{}` is false",
                        statement_label(set, *at),
                        clause_text(set, *at, *clause)
                    );
                }
                for at in &check.resource_misses {
                    let _ = writeln!(
                        out,
                        "  not allowed by {}: its Resource does not cover {}",
                        statement_label(set, *at),
                        resource_text(ctx)
                    );
                }
            }
        }
        if explain {
            out.push_str(&explain_check(set, check, ctx, style));
        }
    }
    if !sim.absent_keys.is_empty() {
        let _ = writeln!(out, "\nabsent keys tested: {}", super::escape::text(&sim.absent_keys.join(", ")));
    }
    if !sim.depends_on.is_empty() {
        let _ = writeln!(out, "\nassumption-dependent:");
        for d in &sim.depends_on {
            let _ = writeln!(
                out,
                "  {} = {} gives {}; {} = {} would give {}",
                d.setting,
                d.configured,
                sim.verdict.name(),
                d.setting,
                d.alternative,
                d.alternative_verdict.name()
            );
        }
    }
    if let Some(claims) = &sim.claims {
        let _ = writeln!(
            out,
            "\nclaims:\n{}",
            super::escape::json(serde_json::to_string_pretty(claims).unwrap_or_default())
        );
    }
    out
}

fn implicit_reason(set: &PolicySet, check: &CheckResult) -> String {
    match check.layer {
        Some(crate::eval::Layer::Scp(level)) => {
            let has_allow = set.scp_levels.get(level).is_some_and(|ps| {
                ps.iter().any(|p| p.statements.iter().any(|s| s.effect == crate::policy::Effect::Allow))
            });
            if has_allow {
                format!("no SCP at level {level} allows `{}`", check.action)
            } else {
                format!("no SCP at level {level} has an Allow statement (is FullAWSAccess attached there?)")
            }
        }
        Some(crate::eval::Layer::Session) if set.session.is_empty() => {
            "a federated-user session created without a session policy has no permissions".to_owned()
        }
        Some(layer) => format!("no {layer} policy allows `{}`", check.action),
        None => format!("nothing allows `{}`", check.action),
    }
}

/// Miette snippets of the deciding statements, and of the failing condition of each near miss.
fn explain_check(set: &PolicySet, check: &CheckResult, ctx: &RequestContext, style: Style) -> String {
    let mut out = String::new();
    let mut show =
        |source: &Arc<crate::source::SourceFile>, span, message: String, label: String, help: Option<String>| {
            let mut finding = Finding::new(&INVALID_POLICY, source, span, message).label(label);
            finding.severity = Severity::Info;
            finding.help = help;
            out.push_str(&super::human::render_snippet(&finding, style));
        };
    for at in &check.statements {
        let Some(policy) = set.policy(at.layer, at.policy) else { continue };
        let Some(statement) = policy.statement(at.statement) else { continue };
        let verb = if check.decision == Decision::Allow { "allows" } else { "denies" };
        show(
            &policy.source,
            statement.span,
            format!("{} {verb} `{}`", statement_label(set, *at), check.action),
            format!("this statement {verb} the request"),
            None,
        );
    }
    for at in &check.resource_misses {
        let Some(policy) = set.policy(at.layer, at.policy) else { continue };
        let Some(resource) = policy.statement(at.statement).and_then(|s| s.resource.as_ref()) else { continue };
        show(
            &policy.source,
            resource.span,
            format!("{} names `{}` but not this resource", statement_label(set, *at), check.action),
            format!("does not cover {}", resource_text(ctx)),
            None,
        );
    }
    for (at, clause) in &check.near_misses {
        let Some(policy) = set.policy(at.layer, at.policy) else { continue };
        let Some(c) = policy.statement(at.statement).and_then(|s| s.conditions.get(*clause)) else { continue };
        let value = ctx.get(c.key.node.as_str()).map_or_else(|| "absent".to_owned(), |v| format!("{v}"));
        let mut label = format!("`{}` is {value} in the request", c.key.node.as_str());
        // A policy variable with no value and no default matches nothing (reference §5.9): name it, since the
        // request value alone does not explain the failure.
        let mut unset: Vec<&str> = c
            .values
            .iter()
            .flat_map(|v| v.node.template.variables())
            .filter(|var| var.default.is_none() && !matches!(ctx.get(&var.key), Some(ContextValue::Single(_))))
            .map(|var| &*var.key)
            .collect();
        unset.dedup();
        for key in unset {
            let _ = write!(label, "; policy variable `${{{key}}}` has no value");
        }
        show(
            &policy.source,
            c.key.span.join(c.values_span),
            format!("condition of {} is false", statement_label(set, *at)),
            label,
            None,
        );
    }
    out
}

/// One line per case (with the explanation of a failure, or of every case under `--explain`); each inventory
/// principal described before the first case that names it; the closing `N passed, N failed` line.
pub struct HumanRows<'a> {
    pub explain: bool,
    pub style: Style,
    /// `--action`, for what a principal's description says is not evaluated.
    pub action: Option<&'a str>,
}

impl Rows for HumanRows<'_> {
    fn detail(&self, passed: bool) -> bool {
        !passed || self.explain
    }

    fn open(&self, _out: &mut String, _totals: &Totals) {}

    fn principal(&self, out: &mut String, principal: &InventoryPrincipal) {
        out.push_str(&principal_human(principal, self.action));
    }

    fn row(&self, out: &mut String, row: &Row<'_>) {
        let dependent = if row.depends_on.is_empty() {
            String::new()
        } else {
            let names: Vec<_> = row.depends_on.iter().map(|d| d.setting.name()).collect();
            format!(" [assumption-dependent: {}]", names.join(", "))
        };
        let _ = writeln!(
            out,
            "{} {}: expected {}, got {}{dependent}",
            if row.passed { "PASS" } else { "FAIL" },
            super::escape::text(&row.case.name),
            row.case.expect.as_str(),
            row.verdict.name()
        );
        if let Some((set, sim)) = row.detail {
            for line in render_human(set, sim, self.explain, self.style).lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }

    fn close(&self, out: &mut String, totals: &Totals, _principals: &[&InventoryPrincipal]) {
        let _ = writeln!(out, "\n{} passed, {} failed", totals.passed, totals.failed);
    }
}

/// The `--cases` JSON report, written row by row: `{"cases": [...], "failed": N, "passed": N, "principals":
/// [...], "version": 1}` (keys in order, so the totals follow the rows they count; `principals` only with an
/// inventory), laid out as `serde_json`'s pretty printer lays out the whole document.
pub struct JsonRows<'a> {
    pub action: Option<&'a str>,
}

/// One case of the JSON report: the simulation's JSON with its `name`, `expect` and whether it `passed`. The
/// report itself writes [`super::case_json::CaseRow`], the same text without building this value.
pub fn case_json(case: &crate::cases::Case, set: &PolicySet, sim: &Simulation, passed: bool) -> Value {
    let mut v = simulation_json(set, sim);
    if let Some(obj) = v.as_object_mut() {
        obj.remove("version");
        obj.insert("name".into(), case.name.clone().into());
        obj.insert("expect".into(), case.expect.as_str().into());
        obj.insert("passed".into(), passed.into());
    }
    v
}

/// `value` pretty-printed as it would be nested `depth` levels deep in a pretty-printed document.
fn pretty_at(out: &mut String, value: &impl serde::Serialize, depth: usize) {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with(|scratch| super::indented::write_at(out, &mut scratch.borrow_mut(), value, depth));
}

impl Rows for JsonRows<'_> {
    fn detail(&self, _passed: bool) -> bool {
        true
    }

    fn detail_always(&self) -> bool {
        true
    }

    fn open(&self, out: &mut String, _totals: &Totals) {
        out.push_str("{\n  \"cases\": [");
    }

    fn row(&self, out: &mut String, row: &Row<'_>) {
        let Some((set, sim)) = row.detail else { return };
        out.push_str(if row.index == 0 { "\n    " } else { ",\n    " });
        pretty_at(out, &super::case_json::CaseRow { case: row.case, set, sim, passed: row.passed }, 2);
    }

    fn close(&self, out: &mut String, totals: &Totals, principals: &[&InventoryPrincipal]) {
        out.push_str(if totals.cases() == 0 { "],\n" } else { "\n  ],\n" });
        let _ = write!(out, "  \"failed\": {},\n  \"passed\": {},\n", totals.failed, totals.passed);
        if !principals.is_empty() {
            let list: Vec<Value> = principals.iter().map(|p| principal_json(p, self.action)).collect();
            out.push_str("  \"principals\": ");
            pretty_at(out, &Value::Array(list), 1);
            out.push_str(",\n");
        }
        out.push_str("  \"version\": 1\n}\n");
    }
}

/// JUnit XML, one test case per case: its totals open the report, so rows are held until the end.
pub struct JunitRows {
    pub explain: bool,
}

impl Rows for JunitRows {
    fn detail(&self, passed: bool) -> bool {
        !passed
    }

    fn totals_first(&self) -> bool {
        true
    }

    fn open(&self, out: &mut String, totals: &Totals) {
        junit_open(out, totals.cases(), totals.failed);
    }

    fn row(&self, out: &mut String, row: &Row<'_>) {
        junit_row(out, &row.case.name, row.case.expect.as_str(), row.detail, self.explain);
    }

    fn close(&self, out: &mut String, _totals: &Totals, _principals: &[&InventoryPrincipal]) {
        junit_close(out);
    }
}

/// Text for XML content and attribute values (DESIGN §9.6): [`super::escape::xml`].
pub fn xml_escape(text: &str) -> String {
    super::escape::xml(text)
}

/// A multi-line explanation as XML text: each line escaped (its input-derived parts were escaped when it
/// was written), the line breaks kept.
pub fn xml_lines(text: &str) -> String {
    text.split('\n').map(xml_escape).collect::<Vec<_>>().join("\n")
}

/// One `--cases` row of the JUnit report: the case's name, its expectation, the policies it was decided
/// against, the simulation, and whether the expectation held.
pub type JunitRow<'a> = (String, &'a str, &'a PolicySet, &'a Simulation, bool);

/// JUnit XML: one test case per simulation, failed when the expectation does not hold. A failure carries the
/// short verdict as its `message` and, as its text, the explanation the human report gives (the decision of
/// each check, its layer and deciding statements, the keys the policies tested but the request lacked; the
/// statements drawn as snippets with `explain`), so a CI dashboard shows why without a second run.
pub fn junit(rows: &[JunitRow<'_>], explain: bool) -> String {
    let failures = rows.iter().filter(|r| !r.4).count();
    let mut out = String::new();
    junit_open(&mut out, rows.len() as u64, failures as u64);
    for (name, expect, set, sim, passed) in rows {
        junit_row(&mut out, name, expect, (!passed).then_some((*set, *sim)), explain);
    }
    junit_close(&mut out);
    out
}

fn junit_open(out: &mut String, tests: u64, failures: u64) {
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites tests=\"{tests}\" failures=\"{failures}\">");
    let _ = writeln!(out, "  <testsuite name=\"mintlint simulate\" tests=\"{tests}\" failures=\"{failures}\">");
}

/// One test case: passed when `failure` is `None`, else failed with the simulation that explains it.
fn junit_row(out: &mut String, name: &str, expect: &str, failure: Option<(&PolicySet, &Simulation)>, explain: bool) {
    let _ = write!(out, "    <testcase classname=\"mintlint.simulate\" name=\"{}\"", xml_escape(name));
    match failure {
        None => out.push_str("/>\n"),
        Some((set, sim)) => {
            let explanation = render_human(set, sim, explain, Style { color: false, width: 100 });
            let _ = writeln!(
                out,
                ">\n      <failure message=\"expected {}, got {}\">{}</failure>\n    </testcase>",
                xml_escape(expect),
                xml_escape(sim.verdict.name()),
                xml_lines(&explanation)
            );
        }
    }
}

fn junit_close(out: &mut String) {
    out.push_str("  </testsuite>\n</testsuites>\n");
}

/// The inventory principal a simulation is about, and what the inputs could not tell.
/// The inventory principal a simulation is about; `action` is `--action` (token minting when `None`), for
/// the parts of its policies that are not evaluated and may concern it.
pub fn principal_human(p: &InventoryPrincipal, action: Option<&str>) -> String {
    let mut out = format!("principal: {}\n", p.describe);
    let synthesized = if p.policies.arn_synthesized { " (synthesized)" } else { "" };
    let _ = writeln!(out, "  arn: {}{synthesized}", p.policies.arn);
    for reason in p.incomplete(action) {
        let _ = writeln!(out, "  incomplete: {reason}");
    }
    for note in &p.policies.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    out.push('\n');
    out
}

pub fn principal_json(p: &InventoryPrincipal, action: Option<&str>) -> Value {
    json!({
        "principal": p.describe,
        "arn": p.policies.arn,
        "arn_synthesized": p.policies.arn_synthesized,
        "tags": p.policies.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
        "incomplete": p.incomplete(action),
        "notes": p.policies.notes,
    })
}

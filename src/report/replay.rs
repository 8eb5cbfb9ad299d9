//! Rendering a replay: human (grouped by principal and audience), JSON (DESIGN §9.5), SARIF (a result on
//! each statement that breaks or widens) and JUnit (one case per principal and audience).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::eval::{PolicySet, StatementRef};
use crate::replay::Report;
use crate::replay::engine::{Change, Judged, Replayed, Replayer};
use crate::replay::rules::{REPLAY_ALLOWS_DENIED, REPLAY_BREAKS_ISSUANCE};
use crate::simulate::Verdict;

use super::Style;
use super::simulate::{xml_escape, xml_lines};

/// Input-derived text for a line of output: control characters (a newline in an audience could forge a
/// line of the report) as `\u{..}`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// A principal and the audiences of a call: how results are grouped.
type Group = (String, Vec<String>);

fn group_of(r: &Replayed) -> Group {
    (r.call.principal.clone(), r.call.spec.audiences.clone())
}

/// The policy set a result was decided against on each side.
fn sets<'a>(replayer: &Replayer<'a>, r: &Replayed) -> (Option<&'a PolicySet>, Option<&'a PolicySet>) {
    let now = replayer.now.version().targets.get(r.target).map(|t| &t.set);
    let baseline = match (&replayer.baseline, &r.baseline) {
        (Some(side), Some(Some((i, _)))) => side.version().targets.get(*i).map(|t| &t.set),
        _ => None,
    };
    (now, baseline)
}

/// Where a statement is, and how to name it.
struct Cited {
    label: String,
    json: Value,
    location: Option<(std::sync::Arc<crate::source::SourceFile>, crate::source::Span)>,
}

fn cite(set: &PolicySet, at: StatementRef, clause: Option<usize>) -> Cited {
    let policy = set.policy(at.layer, at.policy);
    let statement = policy.and_then(|p| p.statement(at.statement));
    let mut label = super::simulate::statement_label(set, at);
    let condition = clause.and_then(|c| statement.and_then(|s| s.conditions.get(c))).map(|c| {
        let values: Vec<String> = c.values.iter().map(|v| v.node.text().to_owned()).collect();
        format!("{} {} {:?}", c.operator.node, c.key.node.as_str(), values)
    });
    if let Some(text) = &condition {
        let _ = write!(label, ", failing `{}`", escape(text));
    }
    let (start, end) = match (policy, statement) {
        (Some(p), Some(s)) => p.source.range(s.span),
        _ => {
            let unknown = crate::source::LineCol { line: 0, column: 0 };
            (unknown, unknown)
        }
    };
    let json = json!({
        "layer": at.layer.name(),
        "source": policy.map(|p| p.source.name.to_string()),
        "sid": statement.and_then(|s| s.sid.as_ref()).map(|s| s.node.to_string()),
        "effect": statement.map(|s| s.effect.node.as_str()),
        "line": start.line, "column": start.column, "end_line": end.line, "end_column": end.column,
        "failed_condition": condition,
    });
    let location = policy.zip(statement).map(|(p, s)| (std::sync::Arc::clone(&p.source), s.span));
    Cited { label, json, location }
}

/// The statements that decided the current verdict.
fn cited_now(replayer: &Replayer<'_>, r: &Replayed) -> Vec<Cited> {
    let (Some(set), _) = sets(replayer, r) else { return Vec::new() };
    r.now.statements().into_iter().map(|(at, clause)| cite(set, at, clause)).collect()
}

fn verdict_text(judged: &Judged) -> String {
    match judged {
        Judged::Decided { verdict: Verdict::Invalid(i), .. } => format!("{} ({})", i.decision_name(), i.reason()),
        other => other.word().to_owned(),
    }
}

fn baseline_word(r: &Replayed) -> Option<&'static str> {
    match &r.baseline {
        None => None,
        Some(None) => Some("no-principal"),
        Some(Some((_, judged))) => Some(judged.word()),
    }
}

fn describe_target(replayer: &Replayer<'_>, r: &Replayed) -> String {
    replayer.now.version().targets.get(r.target).map(|t| t.describe.clone()).unwrap_or_default()
}

/// Notes every report carries: what the records cannot give, and which unconfirmed shapes were read.
fn notes(report: &Report) -> Vec<String> {
    let mut notes = Vec::new();
    if report.replayed > 0 {
        notes.push(
            "session tags are not in CloudTrail records: calls were replayed with the principal's own tags from the \
             inputs (a session tag of the same key would override it)"
                .to_owned(),
        );
        notes.push(
            "session policies and the session's expiry are not in the records: they were not replayed".to_owned(),
        );
    }
    for (reading, n) in report.readings() {
        notes.push(format!("{n} call{}: `{}` read as {}", plural(n as u64), reading.field(), reading.shape()));
    }
    notes
}

fn depends_json(judged: &Judged) -> Value {
    match judged {
        Judged::Decided { depends_on, .. } => depends_on
            .iter()
            .map(|d| {
                json!({
                    "setting": d.setting.name(),
                    "configured": d.configured,
                    "alternative": d.alternative,
                    "alternative_decision": d.alternative_verdict.name(),
                })
            })
            .collect(),
        Judged::Undecided { .. } => Value::Array(Vec::new()),
    }
}

fn undecided_json(judged: &Judged) -> Option<Value> {
    let Judged::Undecided { unknown, outcomes } = judged else { return None };
    Some(json!({
        "unknown": unknown,
        "outcomes": outcomes.iter().map(|(when, v)| json!({"when": when, "decision": v.name()})).collect::<Vec<_>>(),
    }))
}

/// One call of the JSON report, with the deciding statements when it changed.
fn json_result_value(r: &Replayed, replayer: &Replayer<'_>) -> Value {
    let baseline = replayer.baseline.is_some();
    let mut v = json!({
        "event_id": r.call.event_id,
        "time": r.call.time.to_rfc3339(),
        "principal": r.call.principal,
        "audience": r.call.spec.audiences,
        "recorded": r.call.recorded.as_str(),
        "now": r.now.word(),
        "change": r.change.as_str(),
    });
    if let Some(obj) = v.as_object_mut() {
        if let Some(word) = baseline_word(r) {
            obj.insert("baseline".into(), word.into());
        }
        if baseline {
            obj.insert("baseline_disagrees".into(), r.baseline_disagrees.into());
        }
        if r.change != Change::Unchanged {
            let cited: Vec<Value> = cited_now(replayer, r).into_iter().map(|c| c.json).collect();
            obj.insert("statements".into(), cited.into());
        }
        if let Judged::Decided { verdict: Verdict::Invalid(i), .. } = &r.now {
            obj.insert("reason".into(), i.reason().into());
        }
        let depends = depends_json(&r.now);
        if depends.as_array().is_some_and(|a| !a.is_empty()) {
            obj.insert("depends_on".into(), depends);
        }
        if let Some(u) = undecided_json(&r.now) {
            obj.insert("undecided".into(), u);
        }
        if let Some(Some((_, b))) = &r.baseline
            && let Some(u) = undecided_json(b)
        {
            obj.insert("baseline_undecided".into(), u);
        }
        if let Some(mode) = &r.call.subject_mode {
            obj.insert("subject_mode".into(), mode.as_str().into());
        }
    }
    v
}

/// A call's text as it is placed in the pretty-printed document (each line indented for its place in
/// `"results"`).
fn json_result_text(r: &Replayed, replayer: &Replayer<'_>) -> String {
    let one = serde_json::to_string_pretty(&json_result_value(r, replayer)).unwrap_or_default();
    let mut out = String::with_capacity(one.len() + 64);
    for (j, line) in one.lines().enumerate() {
        if j > 0 {
            out.push('\n');
        }
        out.push_str("    ");
        out.push_str(line);
    }
    out
}

/// The JSON report's text before its results (ending with `"results": `) and after them (to the end).
fn json_frame(report: &Report, replayer: &Replayer<'_>) -> (String, String) {
    let baseline = replayer.baseline.is_some();
    let mut summary = json!({
        "newly_denied": report.count(Change::NewlyDenied),
        "newly_allowed": report.count(Change::NewlyAllowed),
        "unchanged": report.count(Change::Unchanged),
        "undecided": report.count(Change::Undecided),
    });
    if let (true, Some(obj)) = (baseline, summary.as_object_mut()) {
        obj.insert("baseline_disagrees".into(), report.baseline_disagreements().into());
    }
    let value = json!({
        "version": 1,
        "events": report.events,
        "replayed": report.replayed,
        "ignored": report.ignored,
        "duplicates": report.duplicates,
        "unrecognized": report.unrecognized,
        "skipped": report.skipped.iter().map(|s| json!({"event_id": s.event_id, "reason": s.reason})).collect::<Vec<_>>(),
        "results": RESULTS_PLACEHOLDER,
        "summary": summary,
        "files": report.files.iter().map(|f| json!({
            "path": crate::source::display_path(&f.path),
            "events": f.read.tally.events,
            "compressed": f.read.compressed,
            "error": f.read.error.as_ref().map(ToString::to_string),
        })).collect::<Vec<_>>(),
        "notes": notes(report),
    });
    // The results are written one at a time into the pretty-printed report (as `to_string_pretty` would
    // place them), so a million calls never become one tree of values. The placeholder is the first
    // `"results"` member (keys are sorted; input text before it is escaped, so it cannot spell it).
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    let placeholder = format!("\"results\": {}", serde_json::to_string(RESULTS_PLACEHOLDER).unwrap_or_default());
    match text.split_once(&placeholder) {
        Some((head, tail)) => (format!("{head}\"results\": "), tail.to_owned()),
        None => (text, String::new()),
    }
}

/// The JSON report (DESIGN §9.5) of a report that kept its calls ([`crate::replay::Keep::All`]), with the
/// deciding statements of every call that changed.
pub fn json(report: &Report, replayer: &Replayer<'_>) -> String {
    let (mut text, tail) = json_frame(report, replayer);
    for (i, r) in report.results.iter().enumerate() {
        text.push_str(if i == 0 { "[\n" } else { ",\n" });
        text.push_str(&json_result_text(r, replayer));
    }
    text.push_str(if report.results.is_empty() { "[]" } else { "\n  ]" });
    text.push_str(&tail);
    text
}

/// The JSON report of a report whose calls were spilled ([`crate::replay::replay_to_spill`] with
/// [`spilled_json_result`]), written to `out` a call at a time: the
/// same text as [`json`] gives.
pub fn write_json(report: &mut Report, replayer: &Replayer<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let (head, tail) = json_frame(report, replayer);
    out.write_all(head.as_bytes())?;
    let mut any = false;
    if let Some(spilled) = report.spilled.as_mut() {
        spilled.for_each(&mut |i, text| {
            any = true;
            out.write_all(if i == 0 { b"[\n" } else { b",\n" })?;
            out.write_all(text.as_bytes())
        })?;
    }
    out.write_all(if any { b"\n  ]" } else { b"[]" })?;
    out.write_all(tail.as_bytes())?;
    out.flush()
}

/// A call's text in the spill of the JSON report ([`write_json`]).
pub fn spilled_json_result(r: &Replayed, replayer: &Replayer<'_>) -> String {
    json_result_text(r, replayer)
}

/// Stands for the results in the report value until they are written.
const RESULTS_PLACEHOLDER: &str = "\u{0}results\u{0}";

/// The human report: what was read, then the calls that changed (and those that cannot be decided),
/// grouped by principal and audience, each with its event id, time and deciding statement.
pub fn human(report: &Report, replayer: &Replayer<'_>, style: Style) -> String {
    let _ = style;
    let mut out = String::new();
    let files = report.files.len();
    let _ = writeln!(
        out,
        "replay: {} event{} in {files} file{}: {} token request{} replayed, {} other event{} ignored, {} duplicate{}, {} \
         skipped",
        report.events,
        plural(report.events),
        plural(files as u64),
        report.replayed,
        plural(report.replayed),
        report.ignored,
        plural(report.ignored),
        report.duplicates,
        plural(report.duplicates),
        report.skipped.len(),
    );
    let against = if replayer.baseline.is_some() {
        "the current policies, compared with the baseline"
    } else {
        "the current policies, compared with what CloudTrail recorded"
    };
    let _ = writeln!(out, "against {against}");
    let sections = [
        (Change::NewlyDenied, "newly denied: issuances the policies would now refuse"),
        (Change::NewlyAllowed, "newly allowed: refused requests the policies would now allow"),
        (Change::Undecided, "undecided: the answer depends on what the records do not say"),
    ];
    for (change, title) in sections {
        let mut groups: BTreeMap<Group, Vec<&Replayed>> = BTreeMap::new();
        for r in report.results.iter().filter(|r| r.change == change) {
            groups.entry(group_of(r)).or_default().push(r);
        }
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title} ({})", report.count(change));
        let mut last_principal = None;
        for ((principal, audiences), results) in &groups {
            if last_principal != Some(principal) {
                let describe = results.first().map(|r| describe_target(replayer, r)).unwrap_or_default();
                let _ = writeln!(out, "  {} ({})", escape(principal), escape(&describe));
                last_principal = Some(principal);
            }
            let audiences: Vec<String> = audiences.iter().map(|a| escape(a)).collect();
            let _ = writeln!(out, "    audience {}", audiences.join(", "));
            for r in results {
                let mut line = format!(
                    "      {}  {}  {}",
                    r.call.time.to_rfc3339(),
                    escape(r.call.event_id.as_deref().unwrap_or_default()),
                    r.call.recorded.as_str()
                );
                if let Some(word) = baseline_word(r) {
                    let _ = write!(line, ", baseline {word}");
                }
                let _ = write!(line, ", now {}", escape(&verdict_text(&r.now)));
                let _ = writeln!(out, "{line}");
                for c in cited_now(replayer, r) {
                    let _ = writeln!(out, "        {}", escape(&c.label));
                }
                if let Judged::Decided { depends_on, .. } = &r.now {
                    for d in depends_on {
                        let _ = writeln!(
                            out,
                            "        assumption-dependent: {} = {} (configured); with {} it is {}",
                            d.setting.name(),
                            d.configured,
                            d.alternative,
                            d.alternative_verdict.name()
                        );
                    }
                }
                let undecided = [Some(&r.now), r.baseline.as_ref().and_then(|b| b.as_ref().map(|(_, j)| j))];
                for (side, judged) in ["now", "baseline"].iter().zip(undecided) {
                    if let Some(Judged::Undecided { unknown, outcomes }) = judged {
                        let _ = writeln!(out, "        {side}: unknown {}", escape(&unknown.join("; ")));
                        for (when, verdict) in outcomes {
                            let _ = writeln!(out, "          with {}: {}", escape(when), verdict.name());
                        }
                    }
                }
            }
        }
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(out, "\nskipped ({}): records that cannot be replayed", report.skipped.len());
        for s in &report.skipped {
            let id = s.event_id.as_deref().map_or_else(|| "(no event id)".to_owned(), escape);
            let _ = writeln!(out, "  {id}: {}", escape(&s.reason));
        }
    }
    let notes = notes(report);
    if !notes.is_empty() {
        let _ = writeln!(out, "\nnotes:");
        for n in notes {
            let _ = writeln!(out, "  {}", escape(&n));
        }
    }
    let disagree = report.baseline_disagreements();
    if disagree > 0 {
        let _ = writeln!(
            out,
            "\nthe baseline does not reproduce {disagree} recorded outcome{}: it is not what was deployed then, or \
             something outside the inputs decided",
            plural(disagree as u64)
        );
    }
    let _ = writeln!(
        out,
        "\n{} newly denied, {} newly allowed, {} unchanged, {} undecided",
        report.count(Change::NewlyDenied),
        report.count(Change::NewlyAllowed),
        report.count(Change::Unchanged),
        report.count(Change::Undecided),
    );
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// JUnit XML: one test case per principal and audience set; it fails when a call of the group is newly
/// denied or newly allowed, and the failure lists those calls.
pub fn junit(report: &Report, replayer: &Replayer<'_>) -> String {
    // Per group, how many calls and the calls kept: with [`crate::replay::Keep::Grouped`] the counts come
    // from the report and only changed calls are kept, otherwise every call is.
    let counted = !report.groups.is_empty();
    let mut groups: BTreeMap<Group, (u64, Vec<&Replayed>)> =
        report.groups.iter().map(|(g, n)| (g.clone(), (*n, Vec::new()))).collect();
    for r in &report.results {
        let (n, rs) = groups.entry(group_of(r)).or_default();
        if !counted {
            *n += 1;
        }
        rs.push(r);
    }
    let failed = |rs: &[&Replayed]| rs.iter().any(|r| matches!(r.change, Change::NewlyDenied | Change::NewlyAllowed));
    let failures = groups.values().filter(|(_, rs)| failed(rs)).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites tests=\"{}\" failures=\"{failures}\">", groups.len());
    let _ = writeln!(out, "  <testsuite name=\"mintlint replay\" tests=\"{}\" failures=\"{failures}\">", groups.len());
    for ((principal, audiences), (calls, rs)) in &groups {
        let name = format!("{principal} for {}", audiences.join(", "));
        let _ = write!(
            out,
            "    <testcase classname=\"mintlint.replay\" name=\"{}\" assertions=\"{calls}\"",
            xml_escape(&name),
        );
        if !failed(rs) {
            out.push_str("/>\n");
            continue;
        }
        let denied = rs.iter().filter(|r| r.change == Change::NewlyDenied).count();
        let allowed = rs.iter().filter(|r| r.change == Change::NewlyAllowed).count();
        let mut text = String::new();
        for r in rs.iter().filter(|r| matches!(r.change, Change::NewlyDenied | Change::NewlyAllowed)) {
            let _ = writeln!(
                text,
                "{} {} {}: recorded {}{}, now {}",
                r.change.as_str(),
                r.call.time.to_rfc3339(),
                escape(r.call.event_id.as_deref().unwrap_or_default()),
                r.call.recorded.as_str(),
                baseline_word(r).map(|w| format!(", baseline {w}")).unwrap_or_default(),
                verdict_text(&r.now)
            );
            for c in cited_now(replayer, r) {
                let _ = writeln!(text, "  {}", escape(&c.label));
            }
        }
        let _ = writeln!(
            out,
            ">\n      <failure message=\"{denied} newly denied, {allowed} newly allowed\">{}</failure>\n    </testcase>",
            xml_lines(&text)
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// SARIF 2.1.0: one result per statement that breaks issuances or allows refused requests, per principal
/// and audience set, at that statement; a change that no statement explains (nothing allows the call any
/// more) is a result without a location.
pub fn sarif(report: &Report, replayer: &Replayer<'_>) -> String {
    type Key = (Change, String, Vec<String>, Option<(String, u32, u32)>);
    let mut results: BTreeMap<Key, (Vec<String>, Option<Cited>)> = BTreeMap::new();
    for r in report.results.iter().filter(|r| matches!(r.change, Change::NewlyDenied | Change::NewlyAllowed)) {
        let cited = cited_now(replayer, r);
        let mut places: Vec<Option<Cited>> = cited.into_iter().map(Some).collect();
        if places.is_empty() {
            places.push(None);
        }
        for place in places {
            let at = place
                .as_ref()
                .and_then(|c| c.location.as_ref())
                .map(|(s, span)| (s.name.to_string(), span.start, span.end));
            let key = (r.change, r.call.principal.clone(), r.call.spec.audiences.clone(), at);
            let entry = results.entry(key).or_insert_with(|| (Vec::new(), None));
            entry.0.push(r.call.event_id.clone().unwrap_or_default());
            if entry.1.is_none() {
                entry.1 = place;
            }
        }
    }
    let rules = [&REPLAY_BREAKS_ISSUANCE, &REPLAY_ALLOWS_DENIED];
    let rule_json: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.code, "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.documentation(), "markdown": r.documentation()},
                "helpUri": super::sarif::help_uri(r),
                "defaultConfiguration": {"level": "error"},
                "properties": {"security-severity": super::sarif::security_severity(r), "tags": ["security"]},
            })
        })
        .collect();
    let results: Vec<Value> = results
        .into_iter()
        .map(|((change, principal, audiences, _), (events, cited))| {
            let (rule, index, what) = match change {
                Change::NewlyDenied => (&REPLAY_BREAKS_ISSUANCE, 0, "issuance"),
                _ => (&REPLAY_ALLOWS_DENIED, 1, "refused request"),
            };
            let verb = if change == Change::NewlyDenied { "would now be denied" } else { "would now be allowed" };
            let shown: Vec<&str> = events.iter().take(5).map(String::as_str).collect();
            let more = events.len().saturating_sub(shown.len());
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            let mut message = format!(
                "{} recorded {what}{} of `{principal}` for {} {verb} (events {}{more})",
                events.len(),
                plural(events.len() as u64),
                audiences.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "),
                shown.join(", ")
            );
            let mut result = json!({
                "ruleId": rule.code, "ruleIndex": index, "level": "error",
            });
            if let Some(c) = &cited {
                let _ = write!(message, "; decided by {}", c.label);
            }
            if let Some(obj) = result.as_object_mut() {
                obj.insert("message".into(), json!({"text": message}));
                if let Some((source, span)) = cited.as_ref().and_then(|c| c.location.as_ref()) {
                    let (start, end) = source.file_region(*span);
                    obj.insert(
                        "locations".into(),
                        json!([{
                            "physicalLocation": {
                                "artifactLocation": {"uri": super::sarif::uri(&crate::source::display_path(&source.path))},
                                "region": {"startLine": start.line, "startColumn": start.column,
                                           "endLine": end.line, "endColumn": end.column},
                            },
                            "logicalLocations": [{"fullyQualifiedName": &*source.name}],
                        }]),
                    );
                }
            }
            result
        })
        .collect();
    super::sarif::log(rule_json, results)
}

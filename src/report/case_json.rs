//! One row of `simulate --cases --format json`, serialised straight from the simulation: the same text as
//! [`super::simulate::case_json`] pretty-printed in place (keys in the sorted order a `serde_json::Value`
//! object gives them), without building that value. A row is about 3 KB; building its tree of maps and
//! strings, printing it, and re-indenting the print cost more than deciding the case.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use crate::cases::Case;
use crate::eval::{Assumptions, CheckResult, PolicySet, Setting, StatementRef};
use crate::simulate::{Dependency, Simulation};

/// A case's row: the simulation with its `name`, `expect` and whether it `passed` (no `version`).
pub struct CaseRow<'a> {
    pub case: &'a Case,
    pub set: &'a PolicySet,
    pub sim: &'a Simulation,
    pub passed: bool,
}

impl Serialize for CaseRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (set, sim) = (self.set, self.sim);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("absent_keys", &sim.absent_keys)?;
        m.serialize_entry("assumptions", &AssumptionList(&sim.assumptions))?;
        m.serialize_entry("checks", &each(&sim.checks, |c| CheckRow { set, check: c }))?;
        m.serialize_entry("claims", &sim.claims)?;
        m.serialize_entry("decision", sim.verdict.name())?;
        m.serialize_entry("depends_on", &each(&sim.depends_on, DependencyRow))?;
        m.serialize_entry("expect", self.case.expect.as_str())?;
        m.serialize_entry("name", &self.case.name)?;
        m.serialize_entry("passed", &self.passed)?;
        m.serialize_entry("reason", &sim.verdict.reason().or(sim.note.as_deref()))?;
        m.serialize_entry("request", &sim.request.case_json())?;
        m.end()
    }
}

/// A list written item by item, each item made by `F` from an element.
struct Each<'a, T, F>(&'a [T], F);

/// [`Each`], with the closure's argument type taken from the bound.
fn each<'a, T, R: Serialize, F: Fn(&'a T) -> R>(items: &'a [T], f: F) -> Each<'a, T, F> {
    Each(items, f)
}

impl<'a, T, R: Serialize, F: Fn(&'a T) -> R> Serialize for Each<'a, T, F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            seq.serialize_element(&(self.1)(item))?;
        }
        seq.end()
    }
}

/// `[{"name": ..., "value": ...}]` for every setting.
struct AssumptionList<'a>(&'a Assumptions);

impl Serialize for AssumptionList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(Setting::ALL.len()))?;
        for setting in Setting::ALL {
            seq.serialize_element(&Pair(("name", setting.name()), ("value", self.0.get(setting))))?;
        }
        seq.end()
    }
}

/// A two-key object (keys given in order).
struct Pair<'a>((&'a str, &'a str), (&'a str, &'a str));

impl Serialize for Pair<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry(self.0.0, self.0.1)?;
        m.serialize_entry(self.1.0, self.1.1)?;
        m.end()
    }
}

struct DependencyRow<'a>(&'a Dependency);

impl Serialize for DependencyRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("alternative", d.alternative)?;
        m.serialize_entry("alternative_decision", d.alternative_verdict.name())?;
        m.serialize_entry("configured", d.configured)?;
        m.serialize_entry("setting", d.setting.name())?;
        m.end()
    }
}

struct CheckRow<'a> {
    set: &'a PolicySet,
    check: &'a CheckResult,
}

impl Serialize for CheckRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (set, c) = (self.set, self.check);
        let statement = |at: &'_ StatementRef| StatementRow { set, at: *at, clause: None };
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("absent_keys", &c.absent_keys)?;
        m.serialize_entry("action", &c.action)?;
        m.serialize_entry("decision", c.decision.as_str())?;
        m.serialize_entry(
            "failed_conditions",
            &each(&c.near_misses, |(at, clause)| StatementRow { set, at: *at, clause: Some(*clause) }),
        )?;
        m.serialize_entry("layer", &c.layer.map(|l| l.name()))?;
        m.serialize_entry("resource_mismatches", &each(&c.resource_misses, statement))?;
        m.serialize_entry("statements", &each(&c.statements, statement))?;
        m.end()
    }
}

/// A statement as [`super::simulate::statement_json`] gives it; with its failing `clause` for a near miss.
struct StatementRow<'a> {
    set: &'a PolicySet,
    at: StatementRef,
    clause: Option<usize>,
}

impl Serialize for StatementRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let at = self.at;
        let policy = self.set.policy(at.layer, at.policy);
        let statement = policy.and_then(|p| p.statement(at.statement));
        let unknown = crate::source::LineCol { line: 0, column: 0 };
        let (start, end) = match (policy, statement) {
            (Some(p), Some(st)) => p.source.range(st.span),
            _ => (unknown, unknown),
        };
        let mut m = s.serialize_map(None)?;
        if let Some(clause) = self.clause {
            m.serialize_entry("clause", &super::simulate::clause_text(self.set, at, clause))?;
        }
        m.serialize_entry("column", &start.column)?;
        m.serialize_entry("effect", &statement.map(|st| st.effect.node.as_str()))?;
        m.serialize_entry("end_column", &end.column)?;
        m.serialize_entry("end_line", &end.line)?;
        m.serialize_entry("index", &at.statement)?;
        m.serialize_entry("layer", &at.layer.name())?;
        m.serialize_entry("line", &start.line)?;
        m.serialize_entry("sid", &statement.and_then(|st| st.sid.as_ref()).map(|sid| &*sid.node))?;
        m.serialize_entry("source", &policy.map(|p| &*p.source.name))?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::eval::LoadedPolicy;
    use crate::policy::{PolicyKind, parse_document};
    use crate::request::{Defaults, Region};
    use crate::simulate::Simulator;
    use crate::source::SourceFile;

    fn loaded(name: &str, text: &str, kind: PolicyKind) -> LoadedPolicy {
        let json = crate::source::json::parse(text, &Default::default()).unwrap();
        let policy = parse_document(&json, kind).into_iter().next().and_then(|d| d.policy).unwrap();
        LoadedPolicy::new(Arc::new(SourceFile::new(name, name, text.to_owned())), policy, kind)
    }

    /// A role that may mint for one audience, for 15 minutes, ES384, tagged with its own team; an SCP that
    /// denies outside one VPC; a boundary with a Sid that needs escaping.
    fn set() -> PolicySet {
        let identity = r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Mint", "Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
             "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.example"]},
                           "NumericLessThanEqualsIfExists": {"sts:DurationSeconds": "900"},
                           "StringEquals": {"sts:SigningAlgorithm": "ES384"}}},
            {"Effect": "Allow", "Action": "sts:TagGetWebIdentityToken", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}},
            {"Sid": "Narrow", "Effect": "Allow", "Action": "sts:GetWebIdentityToken",
             "Resource": "arn:aws:sts::111122223333:self"}]}"#;
        let scp = r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "Vpc", "Effect": "Deny", "Action": "sts:GetWebIdentityToken", "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}}]}"#;
        let boundary = r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "B\u202eound", "Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}"#;
        PolicySet {
            identity: vec![loaded("role\u{7f}.json", identity, PolicyKind::Identity)],
            boundary: Some(loaded("boundary.json", boundary, PolicyKind::Boundary)),
            scp_levels: vec![vec![loaded("scp.json", scp, PolicyKind::Scp)]],
            ..PolicySet::default()
        }
    }

    fn spec() -> impl Strategy<Value = crate::request::RequestSpec> {
        let audience = prop_oneof![
            Just("https://api.example".to_owned()),
            Just("https://other.example".to_owned()),
            "\\PC{0,5}",
            "[\u{80}-\u{9f}\u{2028}-\u{202e}a]{1,3}",
        ];
        (
            prop::collection::vec(audience, 0..3),
            prop::option::of(prop_oneof![Just(900u32), Just(3600), Just(30), 0u32..5000]),
            prop::option::of(prop_oneof![Just("ES384".to_owned()), Just("RS256".to_owned()), "[a-z]{0,3}"]),
            prop::collection::vec(("team|Team|x", "data|ops|\\PC{0,3}"), 0..3),
            prop::option::of(prop_oneof![Just("vpc-1".to_owned()), Just("vpc-2".to_owned())]),
            prop::collection::vec(("data|ops", "\\PC{0,3}"), 0..2),
        )
            .prop_map(|(audiences, duration, signing_algorithm, tags, vpc, principal_tags)| {
                crate::request::RequestSpec {
                    principal: Some("arn:aws:iam::111122223333:role/app".into()),
                    principal_tags: principal_tags.into_iter().map(|(k, v)| (format!("t{k}"), v)).collect(),
                    audiences,
                    duration,
                    signing_algorithm,
                    tags: tags.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                    source_vpce: vpc.as_ref().map(|_| "vpce-1".to_owned()),
                    source_vpc: vpc,
                    time: Some("2026-01-01T12:00:00Z".into()),
                    ..Default::default()
                }
            })
    }

    fn both(set: &PolicySet, spec: &crate::request::RequestSpec, name: &str) -> (String, String) {
        let defaults =
            Defaults { region: Region::default(), now: crate::policy::value::date::Timestamp::from_epoch_secs(0) };
        let request = spec.build(&defaults).unwrap_or_default();
        let sim = Simulator::new(set).simulate(&request, &Assumptions::default(), Some("https://issuer.example"));
        let case = Case {
            name: name.to_owned(),
            request: spec.clone(),
            expect: crate::cases::Expect::Allow,
            span: crate::source::Span::new(0, 1),
            fields: Vec::new(),
        };
        let passed = case.expect.holds(&sim.verdict);
        let value = crate::report::simulate::case_json(&case, set, &sim, passed);
        let old = crate::report::escape::json(serde_json::to_string_pretty(&value).unwrap_or_default())
            .replace('\n', "\n    ");
        let mut new = String::new();
        crate::report::indented::write_at(
            &mut new,
            &mut Vec::new(),
            &CaseRow { case: &case, set, sim: &sim, passed },
            2,
        );
        (new, old)
    }

    proptest! {
        /// The streamed row is the text the row's value pretty-prints to, whatever the request and its outcome.
        #[test]
        fn row_is_the_value_printed(spec in spec(), name in "\\PC{0,8}") {
            let set = set();
            let (new, old) = both(&set, &spec, &name);
            prop_assert_eq!(new, old);
        }
    }

    #[test]
    fn rows_of_each_outcome() {
        let set = set();
        let base = crate::request::RequestSpec {
            principal: Some("arn:aws:iam::111122223333:role/app".into()),
            audiences: vec!["https://api.example".into()],
            source_vpc: Some("vpc-1".into()),
            source_vpce: Some("vpce-1".into()),
            time: Some("2026-01-01T12:00:00Z".into()),
            ..Default::default()
        };
        let other = crate::request::RequestSpec { audiences: vec!["https://other.example".into()], ..base.clone() };
        let outside = crate::request::RequestSpec { source_vpc: Some("vpc-2".into()), ..base.clone() };
        let invalid = crate::request::RequestSpec { duration: Some(5), ..base.clone() };
        let tagged = crate::request::RequestSpec { tags: vec![("team".into(), "x".into())], ..base.clone() };
        for (spec, decision) in
            [(&base, "allow"), (&other, "implicit-deny"), (&outside, "explicit-deny"), (&invalid, ""), (&tagged, "")]
        {
            let (new, old) = both(&set, spec, "a \u{202e} name");
            assert_eq!(new, old);
            assert!(new.contains(&format!("\"decision\": \"{decision}")), "{new}");
        }
    }
}

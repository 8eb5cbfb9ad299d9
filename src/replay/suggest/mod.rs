//! `replay --suggest`: the least-privilege minting policy from the activity replayed (issue 19 item 4).
//!
//! Per principal, the calls CloudTrail recorded as issued are folded into what they used ([`needs`]): the
//! audiences, the longest lifetime issued, the algorithms, the tag keys sent together and their values
//! (`${aws:PrincipalTag/KEY}` where every value equalled the principal's own tag), and the interface
//! endpoints when every call came through one. Principals with equal needs share one policy, written as an
//! IAM policy document and as a `data "aws_iam_policy_document"` block ([`document`]).
//!
//! Each suggestion is checked three ways before it is shown: `check`'s rules lint it (what they still flag is
//! listed), every issued call it came from is replayed against it alone (none may be denied), and the
//! region analysis of `diff` compares each principal's current policies with the same policies whose
//! identity grants are the suggestion (their Deny statements stay): what only the current side allows is the unused grants (audiences,
//! lifetimes, tag keys no call used), what only the suggestion allows is said too (a condition of the
//! current policies the suggestion does not carry, or a call the current policies would now refuse).

pub mod document;
pub mod needs;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diff::{self, DiffOptions, PrincipalDiff, PrincipalFacts};
use crate::eval::{Assumptions, LoadedPolicy, PolicySet};
use crate::lint::{Document, Finding, LintContext, PolicyUnit, Severity, lint_document, lint_document_input};
use crate::policy::{Effect, Policy, PolicyKind, parse_document};
use crate::source::SourceFile;
use crate::source::json::{self, Limits};

use super::Report;
use super::engine::{Replayer, Side};
use super::inputs::{Target, Version};
use super::record::Recorded;
use document::Statement;
use needs::{Needs, Usage};

/// One principal that minted in the window, with what it used.
#[derive(Clone, Debug)]
pub struct Principal {
    pub arn: String,
    /// How the inputs name it.
    pub describe: String,
    /// Index of its target in the current version.
    pub target: usize,
    pub usage: Usage,
}

/// How the issued calls fared, replayed against the suggestion alone.
#[derive(Clone, Debug, Default)]
pub struct Verification {
    pub replayed: u64,
    pub allowed: u64,
    /// Event ids of issued calls the suggestion denies (a bug if ever non-empty).
    pub denied: Vec<String>,
    /// Event ids whose verdict depends on what the record does not say.
    pub undecided: Vec<String>,
}

/// One suggested policy and the principals it is for.
#[derive(Clone, Debug)]
pub struct Suggestion {
    /// ARNs, sorted.
    pub principals: Vec<String>,
    pub needs: Needs,
    pub statements: Vec<Statement>,
    /// The IAM policy document.
    pub policy: String,
    /// The `data "aws_iam_policy_document"` block.
    pub terraform: String,
    /// What `check`'s rules report on the policy at warning or above (nothing, unless a value used is
    /// itself one they flag, such as a lifetime above `[token] max_duration`).
    pub lint: Vec<Finding>,
    pub verification: Verification,
}

/// What one principal may do that no call did.
#[derive(Clone, Debug)]
pub struct Unused {
    pub principal: String,
    pub describe: String,
    /// Issued calls in the window (0: every minting grant is unused).
    pub issued: u64,
    /// `narrowed`: allowed now, unused (the suggestion drops it); `widened`: what the suggestion allows that
    /// the current policies do not.
    pub diff: PrincipalDiff,
}

/// Everything `--suggest` found.
#[derive(Clone, Debug, Default)]
pub struct Suggestions {
    pub principals: Vec<Principal>,
    pub suggestions: Vec<Suggestion>,
    pub unused: Vec<Unused>,
}

/// What a suggestion is checked with.
pub struct Options<'a> {
    pub lint: &'a LintContext,
    pub assumptions: Assumptions,
    pub budget: u64,
}

/// Fold the issued calls of a replay per principal (sorted by ARN).
pub fn usage(report: &Report, replayer: &Replayer<'_>) -> Vec<Principal> {
    let targets = &replayer.now.version().targets;
    let mut by_arn: BTreeMap<&str, Principal> = BTreeMap::new();
    for r in report.results.iter().filter(|r| r.call.recorded == Recorded::Issued) {
        let vpc = r.call.endpoint.as_deref().and_then(|e| replayer.endpoints.get(e)).map(String::as_str);
        let entry = by_arn.entry(&r.call.principal).or_insert_with(|| Principal {
            arn: r.call.principal.clone(),
            describe: targets
                .get(r.target)
                .filter(|t| t.arn.is_some())
                .map_or_else(|| r.call.principal.clone(), |t| t.describe.clone()),
            target: r.target,
            usage: Usage::default(),
        });
        entry.usage.add(&r.call, vpc);
    }
    by_arn.into_values().collect()
}

/// The suggestion text as the identity policy it is, for the evaluator.
fn load(name: &str, text: &str) -> Option<LoadedPolicy> {
    let source = Arc::new(SourceFile::new(name, name, text));
    let value = json::parse(&source.text, &Limits::default()).ok()?;
    let parsed = parse_document(&value, PolicyKind::Identity).into_iter().next()?;
    if !parsed.problems.is_empty() {
        return None;
    }
    Some(LoadedPolicy::new(source, parsed.policy?, PolicyKind::Identity))
}

/// What `check`'s rules say about the suggestion, at warning or above.
fn lint(name: &str, text: &str, context: &LintContext) -> Vec<Finding> {
    let source = Arc::new(SourceFile::new(name, name, text));
    let Ok(value) = json::parse(&source.text, &Limits::default()) else { return Vec::new() };
    let policies: Vec<PolicyUnit> = parse_document(&value, PolicyKind::Identity)
        .into_iter()
        .filter_map(|p| p.policy)
        .map(|policy| PolicyUnit { policy, kind: PolicyKind::Identity })
        .collect();
    let doc = Document::new(source, value, policies);
    let mut context = context.clone();
    context.input.add(&doc);
    let mut findings = Vec::new();
    lint_document(&doc, &context, &mut findings);
    lint_document_input(&doc, &context, &mut findings);
    findings.retain(|f| f.severity >= Severity::Warning);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// `set` with the suggestion in place of its identity grants: the identity layer keeps only its Deny
/// statements (a guard is no grant: deploying the suggestion would not remove it), beside the suggestion.
fn with_identity(set: &PolicySet, suggestion: Vec<LoadedPolicy>) -> PolicySet {
    let mut identity: Vec<LoadedPolicy> = set
        .identity
        .iter()
        .filter_map(|p| {
            let statements: Vec<_> =
                p.policy.statements.iter().filter(|s| s.effect.node == Effect::Deny).cloned().collect();
            (!statements.is_empty()).then(|| {
                let policy = Policy { statements, ..p.policy.clone() };
                LoadedPolicy::new(Arc::clone(&p.source), policy, p.kind)
            })
        })
        .collect();
    identity.extend(suggestion);
    PolicySet { identity, ..set.clone() }
}

/// The least-privilege policies for the principals of a replay, checked, and every principal's unused
/// grants.
pub fn suggest(report: &Report, replayer: &Replayer<'_>, options: &Options<'_>) -> Suggestions {
    let principals = usage(report, replayer);
    let version = replayer.now.version();
    let tags_of = |p: &Principal| version.targets.get(p.target).and_then(|t| t.tags.as_deref());
    let mut groups: BTreeMap<Needs, Vec<usize>> = BTreeMap::new();
    for (i, p) in principals.iter().enumerate() {
        groups.entry(Needs::of(&p.usage, tags_of(p))).or_default().push(i);
    }
    // Per principal, the suggestion that applies to it.
    let mut loaded: HashMap<usize, LoadedPolicy> = HashMap::new();
    let mut suggestions = Vec::new();
    for (needs, members) in groups {
        let arns: Vec<String> = members.iter().filter_map(|&i| principals.get(i)).map(|p| p.arn.clone()).collect();
        let first = arns.first().cloned().unwrap_or_default();
        let statements = document::statements(&needs);
        let policy = document::policy_json(&statements);
        let name = format!("suggested policy for {first}");
        let terraform = document::terraform_block(&document::terraform_name(&first), &statements);
        if let Some(p) = load(&name, &policy) {
            for &i in &members {
                loaded.insert(i, p.clone());
            }
        }
        let lint = lint(&name, &policy, options.lint);
        suggestions.push(Suggestion {
            principals: arns,
            needs,
            statements,
            policy,
            terraform,
            lint,
            verification: Verification::default(),
        });
    }
    verify(report, replayer, &principals, &loaded, &options.assumptions, &mut suggestions);
    let unused = unused(replayer, &principals, &loaded, options);
    Suggestions { principals, suggestions, unused }
}

/// Replay every issued call against its principal's suggestion alone (no other layer: what the suggestion
/// itself allows), and count what it would deny.
fn verify(
    report: &Report,
    replayer: &Replayer<'_>,
    principals: &[Principal],
    loaded: &HashMap<usize, LoadedPolicy>,
    assumptions: &Assumptions,
    suggestions: &mut [Suggestion],
) {
    let version = replayer.now.version();
    let targets: Vec<Target> = principals
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let base = version.targets.get(p.target)?;
            let set = PolicySet { identity: vec![loaded.get(&i)?.clone()], ..PolicySet::default() };
            Some(Target {
                arn: Some(p.arn.clone()),
                describe: p.describe.clone(),
                set,
                tags: base.tags.clone(),
                context: base.context.clone(),
                notes: Vec::new(),
            })
        })
        .collect();
    let check = Version::from_targets(targets);
    let checker = Replayer::new(Side::new(&check), None, *assumptions, replayer.endpoints);
    let which: HashMap<&str, usize> = suggestions
        .iter()
        .enumerate()
        .flat_map(|(s, sug)| sug.principals.iter().map(move |a| (a.as_str(), s)))
        .collect();
    let outcomes: Vec<(usize, Option<String>, Option<bool>)> = report
        .results
        .par_iter()
        .filter(|r| r.call.recorded == Recorded::Issued)
        .filter_map(|r| {
            let s = *which.get(r.call.principal.as_str())?;
            let allowed = checker.replay(r.call.clone()).ok().and_then(|x| x.now.allowed());
            Some((s, r.call.event_id.clone(), allowed))
        })
        .collect();
    for (s, id, allowed) in outcomes {
        let Some(v) = suggestions.get_mut(s).map(|s| &mut s.verification) else { continue };
        v.replayed += 1;
        let id = id.unwrap_or_default();
        match allowed {
            Some(true) => v.allowed += 1,
            Some(false) => v.denied.push(id),
            None => v.undecided.push(id),
        }
    }
}

/// Per principal that can mint, what its current policies allow and no call used: the region analysis of
/// `diff` between its current policies and the same policies with the suggestion as their identity layer
/// (no identity policy at all for a principal that issued nothing).
fn unused(
    replayer: &Replayer<'_>,
    principals: &[Principal],
    loaded: &HashMap<usize, LoadedPolicy>,
    options: &Options<'_>,
) -> Vec<Unused> {
    let version = replayer.now.version();
    let diff_options = DiffOptions { assumptions: options.assumptions, budget: options.budget };
    // The principals that minted, then those of the inventory that did not.
    let mut work: Vec<(String, String, u64, &Target, Vec<LoadedPolicy>)> = Vec::new();
    for (i, p) in principals.iter().enumerate() {
        let Some(target) = version.targets.get(p.target) else { continue };
        let identity = loaded.get(&i).cloned().into_iter().collect();
        work.push((p.arn.clone(), p.describe.clone(), p.usage.issued, target, identity));
    }
    for target in &version.targets {
        let Some(arn) = &target.arn else { continue };
        if principals.iter().any(|p| &p.arn == arn) {
            continue;
        }
        work.push((arn.clone(), target.describe.clone(), 0, target, Vec::new()));
    }
    let mut out: Vec<Unused> = work
        .into_par_iter()
        .map(|(arn, describe, issued, target, identity)| {
            let facts =
                PrincipalFacts { arn: Some(arn.clone()), tags: target.tags.clone(), context: target.context.clone() };
            let suggested = with_identity(&target.set, identity);
            let diff = diff::compare(&arn, &target.set, &suggested, &facts, &diff_options);
            Unused { principal: arn, describe, issued, diff }
        })
        .filter(|u| u.issued > 0 || !u.diff.narrowed.is_empty() || !u.diff.exact)
        .collect();
    out.sort_by(|a, b| a.principal.cmp(&b.principal));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::value::date::Timestamp;
    use crate::request::{Defaults, RequestSpec};
    use needs::{TagGrant, TagValue};

    /// Values that look like policy variables or patterns are granted as themselves, and only them.
    #[test]
    fn literal_values_are_granted_as_written() {
        let needs = Needs {
            audiences: vec!["https://x.example/${aws:username}".into(), "https://*.example".into()],
            cap: 900,
            omitted: false,
            algorithms: Some(vec!["ES384".into()]),
            endpoints: None,
            tags: vec![TagGrant {
                keys: vec!["team".into()],
                values: vec![("team".into(), TagValue::Literal(vec!["payments".into()]))],
            }],
        };
        let text = document::policy_json(&document::statements(&needs));
        let policy = load("suggestion", &text).unwrap();
        let set = PolicySet { identity: vec![policy], ..PolicySet::default() };
        let defaults = Defaults { region: Default::default(), now: Timestamp::from_epoch_secs(0) };
        let request = |audience: &str, tag: &str| {
            RequestSpec {
                principal: Some("arn:aws:iam::111122223333:role/app".into()),
                audiences: vec![audience.into()],
                duration: Some(900),
                signing_algorithm: Some("ES384".into()),
                tags: vec![("team".into(), tag.into())],
                ..RequestSpec::default()
            }
            .build(&defaults)
            .unwrap()
        };
        let allows = |a: &str, t: &str| crate::simulate::allows(&set, &request(a, t), &Assumptions::default());
        // (Tag values cannot hold `$`, `{` or `}`: the API refuses them, so only audiences need the escape.)
        assert!(allows("https://x.example/${aws:username}", "payments"));
        assert!(allows("https://*.example", "payments"));
        assert!(!allows("https://x.example/app", "payments"), "no variable is substituted");
        assert!(!allows("https://y.example", "payments"), "`*` is no pattern");
        assert!(!allows("https://*.example", "ops"), "the tag value is exact");
    }
}

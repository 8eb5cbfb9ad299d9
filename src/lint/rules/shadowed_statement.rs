use std::collections::HashMap;

use crate::declare_rule;
use crate::lint::facts::{StatementFacts, listed_actions};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{ResourceClause, Statement};
use crate::source::Span;

declare_rule! {
    /// ## What it finds
    /// Within one policy:
    ///
    /// * an Allow that an explicit Deny always overrides: the Deny has no conditions, covers every action
    ///   the Allow lists (the evaluator's action matcher is asked for each action the Allow's entries name or
    ///   match in the service reference) and every resource (`"Resource": "*"`, or the same entries);
    /// * an Allow that repeats another Allow of the policy (same actions, resources and conditions; the `Sid`
    ///   may differ).
    ///
    /// An Allow with `*` or `NotAction` is judged only against a Deny of `*`.
    ///
    /// ## Why it matters
    /// The statement does nothing, yet a reader (and a reviewer of a change to it) believes it grants
    /// something. Dead statements hide the real shape of a policy.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [
    ///   {"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///    "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]}}},
    ///   {"Effect": "Deny", "Action": "sts:*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Delete the dead statement, or narrow the Deny if the Allow is meant to work.
    pub static SHADOWED_STATEMENT = "MINT112", "shadowed-statement", Info, "an Allow that an explicit Deny in the same policy always overrides, or a duplicate of another Allow";
}

fn words(duplicate: bool) -> (&'static str, &'static str, &'static str, &'static str) {
    if duplicate {
        (
            "this Allow repeats an earlier one: it grants nothing more",
            "repeats an earlier Allow",
            "the earlier Allow",
            "delete the repetition",
        )
    } else {
        (
            "an unconditional Deny in this policy always overrides this Allow: it grants nothing",
            "never takes effect",
            "overridden by this Deny",
            "delete the Allow, or narrow the Deny if the Allow is meant to work",
        )
    }
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for (index, unit) in doc.policies.iter().enumerate() {
        let facts = doc.policy_facts(index);
        // A template's statements are not known until it is filled: none shadows or repeats another yet.
        let statements: Vec<(&Statement, &StatementFacts)> =
            unit.policy.statements.iter().zip(facts).filter(|(s, _)| s.placeholders.is_empty()).collect();
        for (allow, related, duplicate) in shadowed(&statements) {
            let (message, label, related_label, help) = words(duplicate);
            out.push(
                Finding::new(&SHADOWED_STATEMENT, &doc.source, allow.effect.span, message)
                    .label(label)
                    .related(&doc.source, related, related_label)
                    .help(help),
            );
        }
    }
}

/// Every Allow that repeats an earlier Allow (with the first one it repeats) or that an unconditional Deny
/// overrides (with the first such Deny), in statement order: `(allow, related span, is a repetition)`.
///
/// Linear in the statements, not pairwise: Allows are grouped by a key that equal grants share (so only a
/// group's members are compared), and Denies are indexed by the service their actions name (a Deny can
/// override an Allow only if it matches the Allow's first action, so only Denies of that service, or of any
/// service, are tried). The answer is the pairwise one (see `pairwise` in the tests).
fn shadowed<'s>(statements: &[(&'s Statement, &'s StatementFacts)]) -> Vec<(&'s Statement, Span, bool)> {
    // One statement neither repeats nor overrides another (most AWS managed policies have one or two).
    if statements.len() < 2 {
        return Vec::new();
    }
    let denies = DenyIndex::new(statements);
    let mut groups: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut out = Vec::new();
    for (i, (allow, allow_facts)) in statements.iter().enumerate() {
        if !allow_facts.is_allow() {
            continue;
        }
        let group = groups.entry(grant_key(allow)).or_default();
        let earlier = group.iter().filter_map(|&j| statements.get(j)).find(|(other, _)| same_grant(allow, other));
        group.push(i);
        if let Some((other, _)) = earlier {
            out.push((*allow, other.span, true));
        } else if let Some(deny) = denies.first_overriding(statements, allow) {
            out.push((*allow, deny.span, false));
        }
    }
    out
}

/// A hash that equal grants (by [`same_grant`]) share: of what [`same_grant`] compares, each part reduced to
/// something equality preserves (action patterns compare ignoring ASCII case, condition keys too).
fn grant_key(s: &Statement) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.action.node.is_not_action().hash(&mut h);
    for p in s.action.node.patterns() {
        // Lower-cased byte by byte, without a copy: `same_grant` compares patterns ignoring ASCII case.
        for b in p.node.as_str().bytes() {
            h.write_u8(b.to_ascii_lowercase());
        }
        h.write_u8(0xff);
    }
    if let Some(resource) = &s.resource {
        resource.node.is_not_resource().hash(&mut h);
        for r in resource.node.patterns() {
            r.node.hash(&mut h);
        }
    }
    for c in &s.conditions {
        c.operator.node.hash(&mut h);
        c.key.node.hash(&mut h);
        for v in &c.values {
            v.node.text().hash(&mut h);
            v.node.template.hash(&mut h);
        }
    }
    h.finish()
}

/// The unconditional Denies of a policy, in statement order: those that may match any service (`*`,
/// `NotAction`, a wildcard in the service prefix), and the others by the service prefixes they name
/// (case-folded as action matching folds them).
struct DenyIndex {
    any: Vec<usize>,
    by_service: HashMap<String, Vec<usize>>,
}

fn fold(service: &str) -> String {
    service.chars().flat_map(char::to_lowercase).collect()
}

impl DenyIndex {
    fn new(statements: &[(&Statement, &StatementFacts)]) -> DenyIndex {
        let mut index = DenyIndex { any: Vec::new(), by_service: HashMap::new() };
        for (i, (deny, facts)) in statements.iter().enumerate() {
            if facts.is_allow() || !deny.conditions.is_empty() {
                continue;
            }
            let patterns = deny.action.node.patterns();
            let services: Option<Vec<String>> = if deny.action.node.is_not_action() {
                None
            } else {
                patterns
                    .iter()
                    .map(|p| p.node.service().filter(|s| !crate::policy::wildcard::has_wildcard(s)).map(fold))
                    .collect()
            };
            match services {
                None => index.any.push(i),
                Some(mut services) => {
                    services.sort();
                    services.dedup();
                    for s in services {
                        index.by_service.entry(s).or_default().push(i);
                    }
                }
            }
        }
        index
    }

    /// The first unconditional Deny (in statement order) that always overrides `allow`.
    fn first_overriding<'s>(
        &self,
        statements: &[(&'s Statement, &'s StatementFacts)],
        allow: &Statement,
    ) -> Option<&'s Statement> {
        // Most policies have no unconditional Deny: then nothing overrides, and the Allow's actions (a
        // wildcard expands to hundreds) need not be listed at all.
        if self.any.is_empty() && self.by_service.is_empty() {
            return None;
        }
        let listed = listed_actions(allow);
        let first_service = listed.as_ref().and_then(|l| l.first()).map(|a| fold(a.service));
        let named: &[usize] = first_service.and_then(|s| self.by_service.get(&s)).map_or(&[], Vec::as_slice);
        // Merge the two ordered lists, so the first overriding Deny is found first.
        let (mut a, mut b) = (self.any.iter().peekable(), named.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(&&x), Some(&&y)) if x <= y => a.next(),
                (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => return None,
            };
            let Some((deny, facts)) = next.and_then(|&i| statements.get(i)) else { continue };
            if overrides(deny, facts, allow, listed.as_deref()) {
                return Some(deny);
            }
        }
    }
}

/// Equal but for the `Sid` (spans never count).
fn same_grant(a: &Statement, b: &Statement) -> bool {
    // Counts first: policies with hundreds of statements compare every pair.
    a.conditions.len() == b.conditions.len()
        && a.action.node.patterns().len() == b.action.node.patterns().len()
        && a.action == b.action
        && a.resource == b.resource
        && a.principal == b.principal
        && a.conditions.len() == b.conditions.len()
        && a.conditions
            .iter()
            .zip(&b.conditions)
            .all(|(x, y)| x.operator.node == y.operator.node && x.key.node == y.key.node && x.values == y.values)
}

/// The unconditional Deny covers every action and resource of the Allow (whose listed actions are `listed`).
fn overrides(
    deny: &Statement,
    deny_facts: &StatementFacts,
    allow: &Statement,
    listed: Option<&[crate::service::ActionInfo<'_>]>,
) -> bool {
    if deny.principal.is_some() || allow.principal.is_some() || !covers_resources(deny, allow) {
        return false;
    }
    if deny_facts.compiled.matches_action("*") && deny.action.node.patterns().iter().any(|p| p.node.is_any()) {
        return true;
    }
    let Some(actions) = listed else { return false };
    !actions.is_empty() && actions.iter().all(|a| deny_facts.compiled.matches_action(&a.full_name()))
}

fn covers_resources(deny: &Statement, allow: &Statement) -> bool {
    let (Some(deny_resource), Some(allow_resource)) = (&deny.resource, &allow.resource) else { return false };
    let ResourceClause::Resource(deny_entries) = &deny_resource.node else { return false };
    if deny_entries.iter().any(|e| e.node.raw() == "*") {
        return true;
    }
    let ResourceClause::Resource(allow_entries) = &allow_resource.node else { return false };
    allow_entries.iter().all(|a| deny_entries.iter().any(|d| d.node == a.node))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::lint::PolicyUnit;
    use crate::policy::{PolicyKind, parse_document};
    use crate::source::SourceFile;

    /// The rule as first written: every pair compared. The index must give exactly this.
    fn pairwise<'s>(statements: &[(&'s Statement, &'s StatementFacts)]) -> Vec<(&'s Statement, Span, bool)> {
        let mut out = Vec::new();
        for (i, (allow, allow_facts)) in statements.iter().enumerate() {
            if !allow_facts.is_allow() {
                continue;
            }
            let earlier = statements.iter().take(i).find(|(other, f)| f.is_allow() && same_grant(allow, other));
            let listed = listed_actions(allow);
            let shadow = statements.iter().find(|(deny, f)| {
                !f.is_allow() && deny.conditions.is_empty() && overrides(deny, f, allow, listed.as_deref())
            });
            match (earlier, shadow) {
                (Some((other, _)), _) => out.push((*allow, other.span, true)),
                (None, Some((deny, _))) => out.push((*allow, deny.span, false)),
                (None, None) => {}
            }
        }
        out
    }

    fn document(text: &str) -> Document {
        let json = crate::source::json::parse(text, &crate::source::json::Limits::default()).unwrap();
        let policies = parse_document(&json, PolicyKind::Identity)
            .into_iter()
            .filter_map(|p| p.policy)
            .map(|policy| PolicyUnit { policy, kind: PolicyKind::Identity })
            .collect();
        Document::new(Arc::new(SourceFile::new("p.json", "p.json", text)), json, policies)
    }

    /// What the rule reports: the Allow's span, the related span, whether it is a repetition.
    type Reported = Vec<(Span, Span, bool)>;

    /// The indexed and the pairwise answers, for every policy of the document.
    fn both(doc: &Document) -> (Reported, Reported) {
        let mut indexed = Vec::new();
        let mut brute = Vec::new();
        for (index, unit) in doc.policies.iter().enumerate() {
            let statements: Vec<(&Statement, &StatementFacts)> =
                unit.policy.statements.iter().zip(doc.policy_facts(index)).collect();
            indexed.extend(shadowed(&statements).into_iter().map(|(a, r, d)| (a.span, r, d)));
            brute.extend(pairwise(&statements).into_iter().map(|(a, r, d)| (a.span, r, d)));
        }
        (indexed, brute)
    }

    const ACTIONS: [&str; 12] = [
        r#""sts:GetWebIdentityToken""#,
        r#""STS:getwebidentitytoken""#,
        r#""sts:*""#,
        r#""sts:Get*""#,
        r#""*""#,
        r#""s3:GetObject""#,
        r#"["s3:GetObject", "sts:GetWebIdentityToken"]"#,
        r#""iam:*""#,
        r#""s?s:GetWebIdentityToken""#,
        r#""\u212Ams:Decrypt""#,
        r#""kms:Decrypt""#,
        r#""*:GetObject""#,
    ];
    const RESOURCES: [&str; 3] = [r#""*""#, r#""arn:aws:s3:::b/*""#, r#"["arn:aws:s3:::b/*", "arn:aws:s3:::c"]"#];
    const CONDITIONS: [&str; 3] = [
        "",
        r#", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a"}}"#,
        r#", "Condition": {"StringEquals": {"aws:principaltag/team": ["a"]}}"#,
    ];

    fn statement((effect, not, action, resource, condition): (bool, bool, usize, usize, usize)) -> String {
        let action_name = if not { "NotAction" } else { "Action" };
        format!(
            r#"{{"Effect": "{}", "{action_name}": {}, "Resource": {}{}}}"#,
            if effect { "Allow" } else { "Deny" },
            ACTIONS.get(action).copied().unwrap_or("\"*\""),
            RESOURCES.get(resource).copied().unwrap_or("\"*\""),
            CONDITIONS.get(condition).copied().unwrap_or(""),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
        #[test]
        fn indexed_equals_pairwise(
            shape in proptest::collection::vec(
                (any::<bool>(), proptest::bool::weighted(0.15), 0..ACTIONS.len(), 0..RESOURCES.len(), 0..CONDITIONS.len()),
                0..14,
            )
        ) {
            let statements: Vec<String> = shape.into_iter().map(statement).collect();
            let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#, statements.join(", "));
            let doc = document(&text);
            let (indexed, brute) = both(&doc);
            prop_assert_eq!(indexed, brute, "{}", text);
        }
    }

    /// A larger policy (300 distinct Allows, 300 unconditional Denies of another service, one repetition, one
    /// overriding Deny): the index finds exactly what the pairs do.
    #[test]
    fn large_policies_find_the_same_as_pairs() {
        let mut statements = Vec::new();
        for i in 0..300 {
            statements
                .push(format!(r#"{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b{i}/*"}}"#));
            statements.push(format!(
                r#"{{"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "arn:aws:ec2:::i{i}"}}"#
            ));
        }
        statements.push(r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b7/*"}"#.to_owned());
        statements.push(r#"{"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b9/*"}"#.to_owned());
        let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#, statements.join(", "));
        let doc = document(&text);
        let (indexed, brute) = both(&doc);
        assert_eq!(indexed, brute);
        // The repeated Allow of b7, and the Allow of b9 that the last Deny overrides.
        assert_eq!(indexed.iter().filter(|(_, _, duplicate)| *duplicate).count(), 1);
        assert_eq!(indexed.iter().filter(|(_, _, duplicate)| !*duplicate).count(), 1);
    }
}

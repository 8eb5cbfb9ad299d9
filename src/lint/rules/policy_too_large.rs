use crate::declare_rule;
use crate::lint::{Document, Finding, LintContext};
use crate::policy::{Policy, PolicyKind};

declare_rule! {
    /// ## What it finds
    /// A policy over the size quota of its policy type (IAM and Organizations quotas):
    ///
    /// | policy type | quota | whitespace |
    /// |---|---|---|
    /// | customer managed identity policy, permissions boundary (and a loose policy file) | 6,144 characters | not counted |
    /// | role trust policy | 2,048 characters (default; adjustable up to 8,192) | not counted |
    /// | session policy | 2,048 characters | counted |
    /// | service control policy, resource control policy | 5,120 characters | counted |
    ///
    /// "Not counted" means whitespace outside strings, i.e. the size of the minified document. Inline
    /// policies count against an aggregate per user (2,048), group (5,120) or role (10,240), which a single
    /// file cannot show; resource-based policies have service-specific quotas and are not checked, and
    /// neither are the managed policies AWS authors (kind `aws-managed`: several exceed 6,144 characters,
    /// and AWS documents no quota for them).
    ///
    /// ## Why it matters
    /// AWS rejects the policy at deploy time (`LimitExceeded`), typically after the change was reviewed
    /// and merged.
    ///
    /// ## Example
    /// A managed policy listing hundreds of audiences one by one.
    ///
    /// ## Fix
    /// Use wildcard patterns (`StringLike`) where they stay precise, split the grant across several managed
    /// policies, or move shared guardrails into an SCP.
    pub static POLICY_TOO_LARGE = "MINT005", "policy-too-large", Error, "over the size quota for its policy type";
}

/// Quota in characters, and whether whitespace outside strings counts.
fn quota(policy: &Policy, kind: PolicyKind) -> Option<(usize, bool)> {
    match kind.by_content(policy) {
        PolicyKind::Identity | PolicyKind::Boundary => Some((6_144, false)),
        PolicyKind::Trust => Some((2_048, false)),
        PolicyKind::Session => Some((2_048, true)),
        PolicyKind::Scp | PolicyKind::Rcp => Some((5_120, true)),
        // AWS documents no quota for the managed policies it authors (several are over 6,144 characters),
        // and resource-based quotas are each service's own.
        PolicyKind::AwsManaged | PolicyKind::Resource | PolicyKind::Unknown => None,
    }
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    for unit in &doc.policies {
        let Some((limit, whitespace_counts)) = quota(&unit.policy, unit.kind) else {
            continue;
        };
        // A policy read from Terraform source reaches AWS as the JSON Terraform renders (`jsonencode`, a policy
        // document data source), not as the HCL it is written in: its size is that of the rendered JSON,
        // minified (a lower bound where whitespace counts: a heredoc's own spacing is not measured).
        let rendered;
        let text = if crate::input::tfsource::is_terraform_source(&doc.source.path) && doc.policies.len() == 1 {
            rendered = serde_json::to_string(&doc.json.to_serde()).unwrap_or_default();
            rendered.as_str()
        } else {
            doc.source.slice(unit.policy.span)
        };
        // Either count is at most the byte length: a text within the quota in bytes is within it.
        if text.len() <= limit {
            continue;
        }
        let size = if whitespace_counts { text.chars().count() } else { minified_len(text) };
        if size > limit {
            let counted = if whitespace_counts { "characters" } else { "characters without whitespace" };
            let kind = match unit.kind.by_content(&unit.policy) {
                PolicyKind::Identity => "customer managed policy",
                other => other.as_str(),
            };
            let span = crate::source::Span::new(unit.policy.span.start, unit.policy.span.start.saturating_add(1));
            out.push(
                Finding::new(
                    &POLICY_TOO_LARGE,
                    &doc.source,
                    span,
                    format!("policy is {size} {counted}, over the {limit} allowed for a {kind}"),
                )
                .label(format!("this policy is {} characters over the quota", size - limit))
                .help("use wildcard patterns where they stay precise, or split it into several policies"),
            );
        }
    }
}

/// Characters of the document without the whitespace between tokens (whitespace inside strings counts).
/// Works on bytes: every byte that matters here (quotes, backslash, whitespace) is ASCII, and a character is
/// counted at its first byte, so multi-byte characters count once. A byte loop because this runs over every
/// byte of every policy checked.
fn minified_len(text: &str) -> usize {
    let mut count = 0;
    let mut in_string = false;
    let mut escaped = false;
    for &b in text.as_bytes() {
        let starts_char = b & 0xC0 != 0x80;
        if in_string {
            count += usize::from(starts_char);
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            count += usize::from(starts_char);
            in_string = b == b'"';
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::minified_len;

    proptest::proptest! {
        /// The early return of `check` rests on this: neither count exceeds the byte length.
        #[test]
        fn counts_are_at_most_the_byte_length(text in "[ \\t\\n\"\\\\a-zé{}:,]{0,64}") {
            proptest::prop_assert!(minified_len(&text) <= text.len());
            proptest::prop_assert!(text.chars().count() <= text.len());
        }
    }

    #[test]
    fn whitespace_inside_strings_counts() {
        assert_eq!(minified_len("{ \"a b\" : 1 }"), "{\"a b\":1}".len());
        assert_eq!(minified_len("[\"\\\" \"]"), "[\"\\\" \"]".len());
        assert_eq!(minified_len("{ \"é\" : 1 }"), "{\"é\":1}".chars().count());
    }
}

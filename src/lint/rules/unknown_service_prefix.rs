use crate::declare_rule;
use crate::lint::facts::{ActionStatus, quoted, suggestion_cached};
use crate::lint::{Document, Finding, LintContext, Severity};
use crate::service::ServiceReference;

declare_rule! {
    /// ## What it finds
    /// An `Action` or `NotAction` entry whose service prefix is not in the embedded AWS service reference
    /// (`stss:GetWebIdentityToken`, `sts-:*`). A prefix written with wildcards is reported when it matches no
    /// service at all. One finding per unknown prefix per statement, at its first entry.
    ///
    /// An error when a known prefix is close (a typo, given as "did you mean"); a warning otherwise, since the
    /// reference is a snapshot (its version is in the message) and the service may simply be newer than it.
    ///
    /// ## Why it matters
    /// If no service has the prefix, IAM matches the entry literally, so it applies to nothing: an Allow
    /// grants nothing, a Deny guard never fires, and a `NotAction` exclusion excludes nothing. Access Analyzer
    /// calls this `INVALID_SERVICE`.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "stss:GetWebIdentityToken", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Correct the prefix (`sts`); service prefixes are listed in the AWS Service Authorization Reference. For
    /// a service newer than the reference, refresh the data (`mintlint --version` names it).
    pub static UNKNOWN_SERVICE_PREFIX = "MINT007", "unknown-service-prefix", Error, "a service prefix not in the AWS service reference (an error when it is a typo of one that is)";
}

fn words(prefix: &str, action: &str, others: usize) -> (String, String) {
    let more = match others {
        0 => String::new(),
        1 => " (and 1 more entry of it)".to_owned(),
        n => format!(" (and {n} more entries of it)"),
    };
    (
        format!(
            "`{action}`{more}: the service prefix `{prefix}` is not in the AWS service reference (version {}); if no service has it, the entry matches nothing",
            crate::service::data_version()
        ),
        "service prefix not in the reference".to_owned(),
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    let reference = ServiceReference::get();
    for view in doc.statements() {
        let unknown: Vec<(&crate::source::Spanned<crate::policy::ActionPattern>, &str)> = view
            .statement
            .action
            .node
            .patterns()
            .iter()
            .zip(&view.facts.actions)
            .filter(|(_, status)| **status == ActionStatus::UnknownService)
            .filter_map(|(pattern, _)| Some((pattern, pattern.node.service()?)))
            .collect();
        let mut reported: Vec<&str> = Vec::new();
        for &(pattern, prefix) in &unknown {
            if reported.iter().any(|p| p.eq_ignore_ascii_case(prefix)) {
                continue;
            }
            reported.push(prefix);
            let action = &pattern.node;
            let others = unknown.iter().filter(|(_, p)| p.eq_ignore_ascii_case(prefix)).count().saturating_sub(1);
            let (message, label) = words(prefix, action.as_str(), others);
            let mut finding = Finding::new(&UNKNOWN_SERVICE_PREFIX, &doc.source, pattern.span, message).label(label);
            // The service is corrected first; only a correctable prefix is worth an action suggestion.
            let service = suggestion_cached(1, prefix, || reference.suggest_service(prefix));
            let action_suggestion = service
                .as_ref()
                .and_then(|_| suggestion_cached(0, action.as_str(), || reference.suggest_action(action.as_str())));
            finding = match (action_suggestion, service) {
                (Some(suggestion), _) => finding.help(format!("did you mean `{suggestion}`?")).fix(
                    format!("use `{suggestion}`"),
                    pattern.span,
                    quoted(&suggestion),
                ),
                (None, Some(service)) => finding.help(format!("did you mean the service `{service}`?")),
                (None, None) => {
                    // No known prefix is close: more likely a service newer than the reference than a typo.
                    finding.severity = Severity::Warning;
                    finding.help(
                        "check the prefix against the AWS Service Authorization Reference; if the service is newer than the embedded reference, refresh it",
                    )
                }
            };
            out.push(finding);
        }
    }
}

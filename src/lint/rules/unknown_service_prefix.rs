use crate::declare_rule;
use crate::lint::facts::{ActionStatus, quoted, suggestion_cached};
use crate::lint::{Document, Finding, LintContext};
use crate::service::ServiceReference;

declare_rule! {
    /// ## What it finds
    /// An `Action` or `NotAction` entry whose service prefix no AWS service has (`stss:GetWebIdentityToken`,
    /// `sts-:*`), with the nearest real prefix as "did you mean". A prefix written with wildcards is reported
    /// when it matches no service at all.
    ///
    /// ## Why it matters
    /// IAM matches the entry literally, so it applies to nothing: an Allow grants nothing, a Deny guard never
    /// fires, and a `NotAction` exclusion excludes nothing. Access Analyzer calls this `INVALID_SERVICE`.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "stss:GetWebIdentityToken", "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Correct the prefix (`sts`); service prefixes are listed in the AWS Service Authorization Reference.
    pub static UNKNOWN_SERVICE_PREFIX = "MINT007", "unknown-service-prefix", Error, "an unknown service prefix in an action: the entry matches nothing";
}

fn words(prefix: &str, action: &str) -> (String, String) {
    (
        format!("no AWS service has the prefix `{prefix}`: `{action}` matches nothing"),
        "unknown service prefix".to_owned(),
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    let reference = ServiceReference::get();
    for view in doc.statements() {
        for (pattern, status) in view.statement.action.node.patterns().iter().zip(&view.facts.actions) {
            let action = &pattern.node;
            let Some(prefix) = action.service() else { continue };
            if *status != ActionStatus::UnknownService {
                continue;
            }
            let (message, label) = words(prefix, action.as_str());
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
                (None, None) => finding.help("check the prefix against the AWS Service Authorization Reference"),
            };
            out.push(finding);
        }
    }
}

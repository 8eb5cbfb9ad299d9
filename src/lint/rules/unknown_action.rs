use crate::declare_rule;
use crate::lint::facts::{ActionStatus, quoted, suggestion_cached};
use crate::lint::{Document, Finding, LintContext, Severity};
use crate::policy::Effect;
use crate::service::ServiceReference;

declare_rule! {
    /// ## What it finds
    /// An `Action` or `NotAction` entry that names no action of its service in the embedded AWS service
    /// reference (`sts:GetWebIdentityTokn`), or a wildcard pattern that matches none (`sts:GetWebIdentity*s`).
    /// An unknown service prefix is `unknown-service-prefix` instead.
    ///
    /// An error when an action of the service is close (a typo, given as "did you mean"); a warning
    /// otherwise: the reference is a snapshot (its version is in the message), and an action AWS added after
    /// it is not in it. A wildcard pattern of a known service that matches nothing in an Allow
    /// (`autoscaling:View*`, typically generated over a list of services) is reported at `info`: it grants
    /// nothing beyond the rest of the statement, and no guard depends on it.
    ///
    /// ## Why it matters
    /// If the action does not exist, IAM accepts the policy and matches the text literally, so the entry
    /// applies to nothing. In an Allow the intended grant silently fails; in a Deny the guard silently never
    /// fires, which is the dangerous case; in a `NotAction` the action meant to be excluded is not.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:GetWebIdentityTokn", "Resource": "*",
    ///   "Condition": {"NumericGreaterThan": {"sts:DurationSeconds": 900}}}]}
    /// ```
    ///
    /// ## Fix
    /// Correct the spelling (`sts:GetWebIdentityToken`); action names are listed in the AWS Service
    /// Authorization Reference. For an action newer than the reference, refresh the data.
    pub static UNKNOWN_ACTION = "MINT006", "unknown-action", Error, "an action not in the AWS service reference (an error when it is a typo of one that is): inside a Deny a typo silently disables the guard";
}

fn words(action: &str, pattern: bool, effect: Effect, not_action: bool) -> (String, &'static str) {
    let what = if pattern { "matches no action of" } else { "is not in" };
    let consequence = match (effect, not_action) {
        (_, true) => "the action meant to be excluded is not excluded",
        (Effect::Deny, false) => "this Deny never fires for it",
        (Effect::Allow, false) => "it grants nothing",
    };
    (
        format!(
            "`{action}` {what} the AWS service reference (version {}): if AWS has no such action, {consequence}",
            crate::service::data_version()
        ),
        "not in the AWS service reference",
    )
}

pub fn check(doc: &Document, _: &LintContext, out: &mut Vec<Finding>) {
    let reference = ServiceReference::get();
    for view in doc.statements() {
        let clause = &view.statement.action.node;
        for (pattern, status) in clause.patterns().iter().zip(&view.facts.actions) {
            let action = &pattern.node;
            if *status != ActionStatus::UnknownAction {
                continue;
            }
            let (message, label) =
                words(action.as_str(), action.has_wildcard(), view.statement.effect.node, clause.is_not_action());
            let mut finding = Finding::new(&UNKNOWN_ACTION, &doc.source, pattern.span, message).label(label);
            finding = match suggestion_cached(0, action.as_str(), || reference.suggest_action(action.as_str())) {
                Some(suggestion) => finding.help(format!("did you mean `{suggestion}`?")).fix(
                    format!("use `{suggestion}`"),
                    pattern.span,
                    quoted(&suggestion),
                ),
                None => {
                    // Nothing close in the service: more likely an action newer than the reference than a typo;
                    // and a pattern in an Allow that matches nothing adds nothing.
                    let harmless =
                        action.has_wildcard() && view.statement.effect.node == Effect::Allow && !clause.is_not_action();
                    finding.severity = if harmless { Severity::Info } else { Severity::Warning };
                    finding.help(
                        "check the action against the service's documentation; if it is newer than the embedded reference, refresh it",
                    )
                }
            };
            out.push(finding);
        }
    }
}

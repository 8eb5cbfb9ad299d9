//! `diff`'s `reach` dimension: relying parties a principal newly reaches (widening) or no longer reaches
//! (narrowing), each with the witness request the reaching side allows and the conditions its token meets.
//! Pairs either side could not decide are not compared: a change is only reported when both sides decided.

use std::path::Path;

use crate::diff::{Change, Dependency, Dimension};
use crate::request::witness::{PolicySource, shell_quote, simulate_command};
use crate::source::json::Limits;

use super::analysis::RelyingReport;
use super::join::JoinOptions;

/// Changes by principal name: (widened, narrowed).
pub type ReachChanges = (Vec<(String, Change)>, Vec<(String, Change)>);

fn side(path: &Path, limits: &Limits, options: &JoinOptions) -> RelyingReport {
    let config = crate::config::find(path).and_then(|p| crate::config::load(&p).ok());
    super::inputs::join_paths(&[path.to_path_buf()], limits, config.as_ref(), options)
}

/// Compare the reach of two sides.
pub fn reach_changes(baseline: &Path, current: &Path, limits: &Limits, options: &JoinOptions) -> ReachChanges {
    let before = side(baseline, limits, options);
    let after = side(current, limits, options);
    (gained(&after, current, &before, false), gained(&before, baseline, &after, true))
}

/// Reaches of `to` (read from `to_path`) that `from` decided and does not have.
fn gained(to: &RelyingReport, to_path: &Path, from: &RelyingReport, lost: bool) -> Vec<(String, Change)> {
    let mut out = Vec::new();
    for party in &to.parties {
        let other = from.parties.iter().find(|p| p.rp.id == party.rp.id);
        for r in &party.reached_by {
            let Some(principal) = to.principals.get(r.principal) else { continue };
            let other_index =
                from.principals.iter().position(|p| p.arn == principal.arn || p.display == principal.display);
            let before = match (other, other_index) {
                (Some(o), Some(i)) => {
                    if o.undecided.iter().any(|(j, _)| *j == i) {
                        continue;
                    }
                    o.reached_by.iter().any(|x| x.principal == i)
                }
                // The relying party or the principal is new: nothing reached it before.
                _ => false,
            };
            if before {
                continue;
            }
            let conditions: Vec<String> = r.witness.checks.iter().map(|c| c.detail.clone()).collect();
            let description = if lost {
                format!("no longer reaches relying party `{}` ({})", party.rp.id, party.rp.kind.as_str())
            } else {
                format!(
                    "newly reaches relying party `{}` ({}): {}",
                    party.rp.id,
                    party.rp.kind.as_str(),
                    if conditions.is_empty() { "its token is accepted".to_owned() } else { conditions.join("; ") }
                )
            };
            let depends_on = r
                .witness
                .depends_on
                .iter()
                .map(|d| Dependency { setting: d.setting, configured: d.configured, alternative: d.alternative })
                .collect();
            let source = PolicySource::Inventory(vec![to_path.to_path_buf()]);
            let reproduce = format!(
                "{} --relying-party {}",
                simulate_command(&source, &principal.policies, &r.witness.request),
                shell_quote(&party.rp.id)
            );
            out.push((
                principal.display.clone(),
                Change {
                    dimension: Dimension::Reach,
                    description,
                    witness: r.witness.request.clone(),
                    reproduce,
                    statements: Vec::new(),
                    depends_on,
                },
            ));
        }
    }
    out
}

/// Add the reach changes to a diff report: to the principal of the same name, or as a principal of their own
/// at the end (the report's order is the order of the compared pairs, which renderers rely on).
pub fn merge(report: &mut crate::diff::DiffReport, changes: ReachChanges) {
    let (widened, narrowed) = changes;
    for (lost, list) in [(false, widened), (true, narrowed)] {
        for (name, change) in list {
            let at = match report.principals.iter().position(|p| p.principal == name) {
                Some(i) => i,
                None => {
                    report.principals.push(crate::diff::PrincipalDiff::unchanged(&name));
                    report.principals.len() - 1
                }
            };
            if let Some(p) = report.principals.get_mut(at) {
                if lost { p.narrowed.push(change) } else { p.widened.push(change) }
            }
        }
    }
}

//! `mintlint explain RULE`

use clap::Args;

use crate::lint::{find_documented_rule, nearest_documented_rule_name};

use super::{Exit, Outcome};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (`MINT113`) or name (`any-value-audience`)
    pub rule: String,
}

pub fn run(args: &ExplainArgs) -> Outcome {
    let Some(rule) = find_documented_rule(&args.rule) else {
        let hint =
            nearest_documented_rule_name(&args.rule).map(|n| format!("; did you mean `{n}`?")).unwrap_or_default();
        return Outcome::usage_error(format!("unknown rule `{}`{hint}", args.rule));
    };
    let meta = rule.meta;
    let stdout = format!(
        "{} {} (default severity: {})\n\n{}\n\n{}\n",
        meta.code,
        meta.name,
        meta.default_severity,
        meta.summary,
        meta.documentation()
    );
    Outcome { stdout, stderr: String::new(), exit: Exit::Success }
}

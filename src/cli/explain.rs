//! `mintlint explain RULE`

use clap::Args;

use crate::lint::{all_rules, find_rule};

use super::{Exit, Outcome};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (`MINT113`) or name (`any-value-audience`)
    pub rule: String,
}

pub fn run(args: &ExplainArgs) -> Outcome {
    let Some(rule) = find_rule(&args.rule) else {
        let names = all_rules().iter().flat_map(|r| [r.meta.code, r.meta.name]);
        let hint =
            crate::text::nearest(&args.rule, names).map(|n| format!("; did you mean `{n}`?")).unwrap_or_default();
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

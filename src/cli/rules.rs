//! `mintlint rules`

use clap::{Args, ValueEnum};
use serde_json::json;

use crate::lint::all_rules;

use super::{Exit, Outcome};

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum RulesFormat {
    /// One line per rule: code, name, default severity, summary
    #[default]
    Human,
    /// The same as a JSON array
    Json,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
}

pub fn run(args: &RulesArgs) -> Outcome {
    let stdout = match args.format {
        RulesFormat::Human => {
            let width = all_rules().iter().map(|r| r.meta.name.len()).max().unwrap_or(0);
            all_rules()
                .iter()
                .map(|r| {
                    format!(
                        "{}  {:<width$}  {:<7}  {}\n",
                        r.meta.code,
                        r.meta.name,
                        r.meta.default_severity.as_str(),
                        r.meta.summary
                    )
                })
                .collect()
        }
        RulesFormat::Json => {
            let rules: Vec<_> = all_rules()
                .iter()
                .map(|r| {
                    json!({
                        "code": r.meta.code,
                        "name": r.meta.name,
                        "severity": r.meta.default_severity.as_str(),
                        "summary": r.meta.summary,
                        "documentation": r.meta.documentation(),
                    })
                })
                .collect();
            let mut text = serde_json::to_string_pretty(
                &json!({"version": 1, "data_version": crate::data_version(), "rules": rules}),
            )
            .unwrap_or_default();
            text.push('\n');
            text
        }
    };
    Outcome { stdout, stderr: String::new(), exit: Exit::Success }
}

//! `[[relying_party]]` tables of `mintlint.toml`: relying parties without a Terraform resource (Snowflake,
//! Databricks, OpenAI, a Kubernetes API server, an in-house API), matched exactly as written:
//!
//! ```toml
//! [[relying_party]]
//! name = "snowflake-prod"
//! issuer = "https://abc123.tokens.sts.global.api.aws"
//! audiences = ["snowflakecomputing.com"]
//! subject = "arn:aws:iam::111122223333:role/loader"   # optional
//! match = "exact"                                      # or "glob": `*` in subject and claim values
//! claims = { "/https:~1~1sts.amazonaws.com~1/org_id" = "o-abc123" }   # JSON pointer or claim name
//! algorithms = ["ES384"]                               # optional: both of AWS's are accepted otherwise
//! grants = ["Snowflake role LOADER"]                   # what the exchange grants, for the graph
//! ```
//!
//! A claim's values are a string or a list of strings; the claim holds when one of them matches one of the
//! claim's values (a list claim such as `aud` is matched element by element), as Vault does.

use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::source::{SourceFile, Span};

use super::{Algorithms, AudienceRule, ClaimRule, Compare, Kind, Located, RelyingParty, Text};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRelyingParty {
    name: Spanned<String>,
    issuer: Spanned<String>,
    audiences: Spanned<Vec<Spanned<String>>>,
    subject: Option<Spanned<String>>,
    #[serde(rename = "match")]
    compare: Option<Spanned<String>>,
    claims: Option<std::collections::BTreeMap<Spanned<String>, Spanned<OneOrMany>>>,
    algorithms: Option<Spanned<Vec<Spanned<String>>>>,
    grants: Option<OneOrMany>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A problem in a table: the span and what is wrong, for the configuration error.
pub struct TableError {
    pub span: Span,
    pub message: String,
    pub label: String,
    pub help: String,
}

fn span_of<T>(v: &Spanned<T>) -> Span {
    let r = v.span();
    Span::from_range(r.start, r.end)
}

/// The relying parties of the `[[relying_party]]` tables.
pub fn relying_parties(source: &Arc<SourceFile>, raw: Vec<RawRelyingParty>) -> Result<Vec<RelyingParty>, TableError> {
    let mut out: Vec<RelyingParty> = Vec::new();
    for t in raw {
        let name_span = span_of(&t.name);
        let name = t.name.into_inner();
        if name.trim().is_empty() {
            return Err(TableError {
                span: name_span,
                message: "a relying party needs a `name`".into(),
                label: "empty".into(),
                help: "name it as the graph and findings should call it".into(),
            });
        }
        if out.iter().any(|r| r.id == name) {
            return Err(TableError {
                span: name_span,
                message: format!("two relying parties are named `{name}`"),
                label: "named twice".into(),
                help: "give each `[[relying_party]]` its own name".into(),
            });
        }
        let compare = match t.compare.as_ref().map(|c| c.get_ref().as_str()) {
            None | Some("exact") => Compare::Exact,
            Some("glob") => Compare::Glob,
            Some(other) => {
                let span = t.compare.as_ref().map(span_of).unwrap_or(name_span);
                return Err(TableError {
                    span,
                    message: format!("unknown `match` value `{other}`"),
                    label: "not exact or glob".into(),
                    help: "use `match = \"exact\"` (the default) or `match = \"glob\"` (`*` matches any run of characters)".into(),
                });
            }
        };
        let audiences_span = span_of(&t.audiences);
        let audiences: Vec<Located<Text>> = t
            .audiences
            .into_inner()
            .into_iter()
            .map(|a| Located::new(Text::Known(a.get_ref().clone()), span_of(&a)))
            .collect();
        if audiences.is_empty() {
            return Err(TableError {
                span: audiences_span,
                message: format!("relying party `{name}` accepts no audience"),
                label: "empty".into(),
                help: "list the audiences it accepts; a token always carries at least one".into(),
            });
        }
        let mut claims = Vec::new();
        for (claim, values) in t.claims.unwrap_or_default() {
            let span = span_of(&values);
            let values =
                values.into_inner().into_vec().into_iter().map(|v| Located::new(Text::Known(v), span)).collect();
            claims.push(ClaimRule { claim: Located::new(claim.get_ref().clone(), span_of(&claim)), values, compare });
        }
        let algorithms = match t.algorithms {
            None => Algorithms::All,
            Some(list) => {
                let span = span_of(&list);
                let mut names = Vec::new();
                for a in list.into_inner() {
                    if !crate::token::SIGNING_ALGORITHMS.contains(&a.get_ref().as_str()) {
                        return Err(TableError {
                            span: span_of(&a),
                            message: format!("`{}` is not an algorithm AWS signs with", a.get_ref()),
                            label: "not RS256 or ES384".into(),
                            help: "AWS signs tokens with `RS256` or `ES384` (case-sensitive)".into(),
                        });
                    }
                    names.push(a.into_inner());
                }
                Algorithms::Listed(Located::new(names, span))
            }
        };
        out.push(RelyingParty {
            id: name,
            kind: Kind::Exact,
            source: Arc::clone(source),
            span: name_span,
            issuer: Some(Located::new(Text::Known(t.issuer.get_ref().clone()), span_of(&t.issuer))),
            audience: AudienceRule::AnyOf(audiences),
            subject: t.subject.map(|s| (Located::new(Text::Known(s.get_ref().clone()), span_of(&s)), compare)),
            claims,
            google: None,
            algorithms,
            user_claim: None,
            list_claim: None,
            grants: t.grants.map(OneOrMany::into_vec).unwrap_or_default(),
            refuses: None,
        });
    }
    Ok(out)
}

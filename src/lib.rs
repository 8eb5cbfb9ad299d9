//! mintlint: lint, simulate and diff the AWS IAM policies that govern token minting with IAM outbound
//! identity federation (`sts:GetWebIdentityToken`).
//!
//! The pipeline, lowest layer first: [`source`] (files, spans, JSON) → [`policy`] (typed AST) → [`lint`]
//! (rules) → [`report`] (renderers) → [`cli`]. The library never prints.

pub mod cases;
pub mod check;
pub mod cli;
pub mod config;
pub mod diff;
pub mod eval;
pub mod graph;
pub mod input;
pub mod inventory;
pub mod lint;
pub mod policy;
pub mod relying;
pub mod replay;
pub mod report;
pub mod request;
pub mod service;
pub mod simulate;
pub mod source;
pub mod text;
pub mod token;

/// The version of the embedded AWS service reference data.
pub fn data_version() -> &'static str {
    service::data_version()
}

/// `mintlint --version`: the crate version and the date of the embedded AWS data.
pub fn version_line() -> String {
    format!("{} (AWS service reference: {})", env!("CARGO_PKG_VERSION"), data_version())
}

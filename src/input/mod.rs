//! Loaders: from files on disk to policies ready to evaluate, and from Terraform JSON and account snapshots to
//! the inventory.

pub mod cli_output;
pub mod embedded;
mod load;
pub mod snapshot;
pub mod terraform;
pub mod tfsource;

pub use load::{InventoryError, load_inventory, load_inventory_file, load_inventory_with, load_inventory_within};

use std::path::Path;
use std::sync::Arc;

use crate::eval::LoadedPolicy;
use crate::lint::Finding;
use crate::lint::rules::{invalid_json, invalid_policy};
use crate::policy::{PolicyKind, parse_document};
use crate::source::SourceFile;
use crate::source::json::{self, Json, Limits};

/// A file read and parsed as JSON, or the finding that says why it could not be. `limits` says what kind of
/// input it is: a file over that kind's limit, or that is not a regular file, is not read.
pub fn read_json(path: &Path, limits: &Limits) -> Result<(Arc<SourceFile>, Json), Box<Finding>> {
    let bytes = match crate::source::limits::read_limited(path, limits.max_bytes as u64) {
        Ok(b) => b,
        Err(crate::source::limits::ReadError::Io(reason)) => {
            let source = Arc::new(SourceFile::from_path(path, ""));
            return Err(Box::new(invalid_json::unreadable(&source, &reason)));
        }
        Err(crate::source::limits::ReadError::TooLarge(size)) => {
            let source = Arc::new(SourceFile::from_path(path, ""));
            let kind = json::JsonErrorKind::TooLarge {
                size: usize::try_from(size).unwrap_or(usize::MAX),
                limit: limits.max_bytes,
                kind: limits.kind,
            };
            let error = json::JsonError { kind, span: crate::source::Span::at(0) };
            return Err(Box::new(invalid_json::finding(&source, &error)));
        }
    };
    let source = match decode_text(path, &bytes, limits) {
        Ok(source) => source,
        Err((source, error)) => return Err(Box::new(invalid_json::finding(&source, &error))),
    };
    match parse_input(&source.text, limits) {
        Ok(value) => Ok((source, value)),
        Err(error) => Err(Box::new(invalid_json::finding(&source, &error))),
    }
}

/// Parse an input file of any kind. Of Terraform JSON only what the loader reads is built
/// ([`terraform::PARTS`]); any other document is built whole, as [`json::parse`] builds it (read a second time
/// when it has a member that the Terraform filter prunes: `values` in a file that is no plan). Errors are
/// [`json::parse`]'s.
pub fn parse_input(text: &str, limits: &Limits) -> Result<Json, json::JsonError> {
    let kept = json::parse_kept(text, limits, &terraform::PARTS)?;
    if kept.pruned && crate::source::InputKind::classify(&kept.value) != crate::source::InputKind::TerraformJson {
        return json::parse(text, limits);
    }
    Ok(kept.value)
}

/// Load every policy of a policy file (an object, or an array of them; or the AWS CLI's output around one)
/// as the given kind. Any problem is returned as findings: evaluating a policy that IAM would reject would
/// answer a question nobody asked.
pub fn load_policy_file(path: &Path, kind: PolicyKind, limits: &Limits) -> Result<Vec<LoadedPolicy>, Vec<Finding>> {
    let limits = &limits.for_kind(crate::source::SizeKind::Policy);
    let (file, value) = read_json(path, limits).map_err(|f| vec![*f])?;
    let (source, value) = match cli_output::wrapped_document(&file, &value, limits) {
        Some((embedded::EmbeddedDocument::Read(source, json), _)) => (source, json),
        Some((embedded::EmbeddedDocument::NotJson(_, finding) | embedded::EmbeddedDocument::Invalid(finding), _)) => {
            return Err(vec![*finding]);
        }
        None => (file, value),
    };
    let mut policies = Vec::new();
    let mut findings = Vec::new();
    for parsed in parse_document(&value, kind) {
        findings.extend(parsed.problems.iter().map(|p| invalid_policy::finding(&source, p)));
        if let Some(policy) = parsed.policy {
            policies.push(LoadedPolicy::new(Arc::clone(&source), policy, kind));
        }
    }
    if findings.is_empty() { Ok(policies) } else { Err(findings) }
}

/// A file that is not UTF-8, shown with its bad bytes replaced by U+FFFD so the snippet can point at the
/// first of them (the text before it is unchanged, so offsets up to there are the file's own).
pub fn undecodable(path: &Path, bytes: &[u8], mut error: json::JsonError) -> (Arc<SourceFile>, json::JsonError) {
    let start = error.span.start as usize;
    // Enough of the rest to draw the line, not a whole binary file.
    let shown = bytes.get(..bytes.len().min(start.saturating_add(200))).unwrap_or(bytes);
    let text = String::from_utf8_lossy(shown).into_owned();
    let width = text.get(start..).and_then(|rest| rest.chars().next()).map_or(0, char::len_utf8);
    if width > 0 {
        error.span = crate::source::Span::from_range(start, start + width);
    }
    (Arc::new(SourceFile::from_path(path, text)), error)
}

/// The text of a file: UTF-8 (a UTF-8 byte order mark is kept, the JSON parser skips it), or UTF-16 with a
/// byte order mark, decoded (PowerShell's `>` writes UTF-16, and `terraform show -json > plan.json` there
/// gives such files). Spans of a decoded UTF-16 file point into the decoded text: lines and columns are
/// the file's own.
pub fn decode_text(
    path: &Path,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Arc<SourceFile>, (Arc<SourceFile>, json::JsonError)> {
    if let Some(text) = decode_utf16(bytes) {
        return match text {
            Some(text) => Ok(Arc::new(SourceFile::from_path(path, text))),
            None => {
                let error =
                    json::JsonError { kind: json::JsonErrorKind::InvalidUtf8, span: crate::source::Span::new(0, 2) };
                Err(undecodable(path, bytes, error))
            }
        };
    }
    match json::decode(bytes, limits) {
        Ok(text) => Ok(Arc::new(SourceFile::from_path(path, text))),
        Err(error) => Err(undecodable(path, bytes, error)),
    }
}

/// `None` when the bytes have no UTF-16 byte order mark; `Some(None)` when they have one but are not valid
/// UTF-16 (an odd length or an unpaired surrogate).
fn decode_utf16(bytes: &[u8]) -> Option<Option<String>> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let body = bytes.get(2..).unwrap_or(&[]);
    if body.len() % 2 != 0 {
        return Some(None);
    }
    let units = body.chunks_exact(2).map(|pair| match pair {
        [a, b] if little => u16::from_le_bytes([*a, *b]),
        [a, b] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    });
    Some(char::decode_utf16(units).collect::<Result<String, _>>().ok())
}

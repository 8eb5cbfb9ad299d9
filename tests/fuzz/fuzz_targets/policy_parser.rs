//! The policy parser and every lint rule on arbitrary JSON: never panics, and every finding's span lies
//! inside its source.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use mintlint::lint::{Document, LintContext, PolicyUnit, lint_document};
use mintlint::policy::{PolicyKind, parse_document};
use mintlint::source::SourceFile;
use mintlint::source::json::{Limits, decode, parse};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(text) = decode(data, &limits) else { return };
    let Ok(json) = parse(text, &limits) else { return };
    let source = Arc::new(SourceFile::new("fuzz.json", "fuzz.json", text));
    for kind in [PolicyKind::Unknown, PolicyKind::Identity, PolicyKind::Scp, PolicyKind::Trust] {
        let mut policies = Vec::new();
        for parsed in parse_document(&json, kind) {
            for p in &parsed.problems {
                assert!(p.span.end as usize <= text.len());
            }
            if let Some(policy) = parsed.policy {
                policies.push(PolicyUnit { policy, kind });
            }
        }
        let doc = Document::new(Arc::clone(&source), json.clone(), policies);
        let mut findings = Vec::new();
        lint_document(&doc, &LintContext::default(), &mut findings);
        for f in &findings {
            assert!(f.span.end as usize <= f.source.text.len());
        }
    }
});

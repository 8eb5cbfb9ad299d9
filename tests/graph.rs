//! `mintlint graph` through the real binary and the library: snapshots of every format and view on the
//! Terraform fixture and on raw policy files, the registry finding, and agreement with `simulate` (every
//! claimed audience and maximum lifetime is allowed, the next lifetime above the maximum is denied).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

mod common;

use common::{mintlint, root};
use mintlint::diff::DiffInput;
use mintlint::diff::load::load_side;
use mintlint::eval::Assumptions;
use mintlint::graph::{AudienceGrant, GraphOptions, graph};
use mintlint::simulate::simulate;
use mintlint::source::json::Limits;
use mintlint::token::MAX_DURATION;
use serde_json::Value;

/// The inputs every format is drawn for: a name and the arguments that select them.
const INPUTS: [(&str, &[&str]); 3] = [
    ("plan", &["fixtures/inputs/plan.json"]),
    ("demo", &["fixtures/demo/ledger-export-mint.json", "fixtures/demo/payments-mint-role.json"]),
    ("policy", &["--policy", "fixtures/demo/ledger-export-mint.json"]),
];

fn run(args: &[&str], extra: &[&str]) -> String {
    let mut all = vec!["graph", "--color", "never"];
    all.extend_from_slice(args);
    all.extend_from_slice(extra);
    let run = mintlint(&all);
    assert_eq!(run.code, 0, "{all:?}: {}", run.stderr);
    run.stdout
}

#[test]
fn every_format_and_view() {
    for (name, args) in INPUTS {
        for format in ["mermaid", "dot", "markdown"] {
            for view in ["principal", "audience"] {
                let out = run(args, &["--format", format, "--view", view]);
                insta::assert_snapshot!(format!("{format}__{view}__{name}"), out);
            }
        }
        let json: Value = serde_json::from_str(&run(args, &["--format", "json"])).unwrap();
        insta::assert_json_snapshot!(format!("json__{name}"), json);
    }
}

#[test]
fn json_has_a_version() {
    let json: Value = serde_json::from_str(&run(&["fixtures/inputs/plan.json"], &["--format", "json"])).unwrap();
    assert_eq!(json["version"], 1);
}

/// The registry says each demo audience belongs to its own role; the payments role can add any audience next
/// to its own, so it reaches the ledger's too.
#[test]
fn audience_beyond_its_owner() {
    let out = run(INPUTS[1].1, &["--format", "markdown", "--registry", "fixtures/graph/registry.json"]);
    insta::assert_snapshot!("markdown__registry", out);
    assert!(out.contains("audience-beyond-owner"), "{out}");
    assert!(out.contains("https://ledger.partner.example` is owned by"), "{out}");
    assert!(!out.contains("https://payments.partner.example` is owned by"), "{out}");
}

/// Without `IfExists`, whether an omitted duration is denied depends on whether the key is then absent.
#[test]
fn assumption_dependent_claims_are_marked() {
    let args = ["fixtures/graph/duration-without-if-exists.json"];
    let out = run(&args, &["--format", "markdown"]);
    insta::assert_snapshot!("markdown__assumption_dependent", out);
    let json: Value = serde_json::from_str(&run(&args, &["--format", "json"])).unwrap();
    let depends = &json["principals"][0]["depends_on"];
    assert_eq!(depends[0]["setting"], "duration_key_when_omitted", "{json}");
    assert_eq!(json["principals"][0]["duration_may_be_omitted"], false);
}

/// Over the budget, the principal is reported inexact instead of guessed.
#[test]
fn over_budget_is_inexact() {
    let args = ["fixtures/graph/duration-without-if-exists.json"];
    let json: Value = serde_json::from_str(&run(&args, &["--format", "json", "--budget", "1"])).unwrap();
    let p = &json["principals"][0];
    assert_eq!(p["exact"], false);
    assert_eq!(p["can_mint"], false);
    assert!(p["inexact_reason"].as_str().unwrap().contains("budget"), "{p}");
    assert!(run(&args, &["--format", "markdown", "--budget", "1"]).contains("inexact"));
}

#[test]
fn unreadable_registry_is_a_usage_error() {
    let r = mintlint(&["graph", "fixtures/inputs/plan.json", "--registry", "fixtures/graph/missing.json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

fn input(paths: &[&str]) -> DiffInput {
    let mut input = DiffInput::default();
    for p in paths {
        input.principals.extend(load_side(&root().join(p), &Limits::default()).unwrap().principals);
    }
    input
}

/// What the graph claims, `simulate` confirms.
#[test]
fn graph_agrees_with_simulate() {
    let assumptions = Assumptions::default();
    let mut inputs: Vec<DiffInput> = vec![
        input(&["fixtures/inputs/plan.json", "fixtures/inputs/account-snapshot.json"]),
        input(&["fixtures/demo/ledger-export-mint.json", "fixtures/demo/payments-mint-role.json"]),
    ];
    for entry in std::fs::read_dir(root().join("fixtures/diff")).unwrap() {
        let dir = entry.unwrap().path();
        for side in ["baseline.json", "current.json"] {
            if dir.join(side).is_file() {
                inputs.push(input(&[dir.join(side).to_str().unwrap()]));
            }
        }
    }
    let mut checked = 0;
    for input in inputs {
        let g = graph(&input, &GraphOptions::default());
        for p in g.principals.iter().filter(|p| p.can_mint && p.exact) {
            let allowed =
                |r: &mintlint::request::Request| simulate(&p.policies, r, &assumptions, None).verdict.is_allow();
            let example = p.example.clone().unwrap();
            assert!(allowed(&example), "{}: the maximum-lifetime request is denied: {example:?}", p.principal);
            assert_eq!(example.duration(), p.max_lifetime, "{}", p.principal);
            if let Some(max) = p.max_lifetime {
                let mut above = example.clone();
                above.edit_mint(|m| m.duration = Some(max + 1));
                assert!(!allowed(&above), "{}: {} s is allowed above the maximum {max}", p.principal, max + 1);
                // Above the maximum on every request the graph saw allowed, not only the example.
                for r in p.allowed_requests() {
                    let mut above = r.clone();
                    above.edit_mint(|m| m.duration = Some(max + 1));
                    assert!(!allowed(&above), "{}: {above:?}", p.principal);
                }
            }
            if !p.duration_may_be_omitted {
                let mut omitted = example.clone();
                omitted.edit_mint(|m| m.duration = None);
                assert!(!allowed(&omitted), "{}: an omitted duration is allowed", p.principal);
            }
            for a in &p.audiences {
                assert!(a.request.audiences().contains(&a.witness), "{}: {:?}", p.principal, a.grant);
                assert!(allowed(&a.request), "{}: audience {:?} is denied: {:?}", p.principal, a.grant, a.request);
                if let AudienceGrant::Literal(l) | AudienceGrant::Pattern(l) = &a.grant {
                    assert!(mintlint::policy::wildcard::matches(l, &a.witness, false), "{l} {}", a.witness);
                }
            }
            // No unlisted audience unless the graph says so.
            if !p.audiences.iter().any(|a| a.grant == AudienceGrant::Any) {
                for r in p.allowed_requests() {
                    let mut r = r.clone();
                    r.edit_mint(|m| m.audiences = vec!["https://unlisted.mintlint.example".to_owned()]);
                    assert!(!allowed(&r), "{}: an unlisted audience is allowed", p.principal);
                }
            }
            for alg in ["RS256", "ES384"] {
                let mut r = example.clone();
                r.edit_mint(|m| alg.clone_into(&mut m.signing_algorithm));
                if p.algorithms.iter().any(|a| a == alg) {
                    assert!(p.allowed_requests().any(|r| {
                        let mut r = r.clone();
                        r.edit_mint(|m| alg.clone_into(&mut m.signing_algorithm));
                        allowed(&r)
                    }));
                } else {
                    assert!(!allowed(&r), "{}: {alg} is allowed", p.principal);
                }
            }
            assert!(p.max_lifetime.is_none_or(|m| m <= MAX_DURATION));
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} principals checked");
}

/// The README's rendered example is what the command draws.
#[test]
fn readme_example_is_current() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("## mintlint graph").nth(1).unwrap();
    let block = section.split("```mermaid\n").nth(1).unwrap().split("```").next().unwrap();
    assert_eq!(block, run(INPUTS[1].1, &["--format", "mermaid"]), "regenerate the mermaid block of README.md");
}

/// One `ForAllValues:StringLike` clause with a literal and a pattern is one region of the audience key;
/// the graph still names both, and no unlisted audience.
#[test]
fn a_region_is_named_by_every_listed_value_it_allows() {
    let g = graph(&input(&["fixtures/diff/audience/current.json"]), &GraphOptions::default());
    let grants: Vec<&AudienceGrant> = g.principals[0].audiences.iter().map(|a| &a.grant).collect();
    assert_eq!(
        grants,
        [
            &AudienceGrant::Literal("https://api.partner.example".into()),
            &AudienceGrant::Pattern("https://*.debug.example".into())
        ]
    );
}

/// Both keys of one `aws:TagKeys` allow-list are named (they are one region), each value free or bound as
/// the evaluator decides, and a bound value names the condition that binds it.
#[test]
fn tag_keys_and_whether_their_values_are_bound() {
    use mintlint::graph::TagValue;
    let tags = |path: &str| {
        let g = graph(&input(&[path]), &GraphOptions::default());
        g.principals[0].tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect::<Vec<_>>()
    };
    assert_eq!(
        tags("fixtures/diff/tag-keys/current.json"),
        [(Some("env".into()), TagValue::Free), (Some("team".into()), TagValue::Free)]
    );
    assert_eq!(
        tags("fixtures/demo/ledger-export-mint.json"),
        [(
            Some("team".into()),
            TagValue::Bound(vec!["StringEquals aws:RequestTag/team `${aws:PrincipalTag/team}`".into()])
        )]
    );
    assert_eq!(tags("fixtures/demo/payments-mint-role.json"), [(None, TagValue::Free)]);
}

/// `"Null": {"sts:IdentityTokenAudience": "false"}` names no audience: `false` is not shown as one. Under
/// `ForAnyValue:` any other audience may be added next to the listed one.
#[test]
fn a_null_clause_names_no_audience() {
    let g = graph(&input(&["fixtures/graph/null-guard-for-any-value.json"]), &GraphOptions::default());
    let grants: Vec<&AudienceGrant> = g.principals[0].audiences.iter().map(|a| &a.grant).collect();
    assert_eq!(grants, [&AudienceGrant::Literal("api://AzureADTokenExchange".into()), &AudienceGrant::Any]);
}

/// The network and time context a principal needs, with the clause that requires it.
#[test]
fn required_network_and_time_context() {
    let guards = |path: &str| {
        let g = graph(&input(&[path]), &GraphOptions::default());
        g.principals[0].guards.iter().map(|g| (g.dimension.clone(), g.conditions.clone())).collect::<Vec<_>>()
    };
    assert_eq!(
        guards("fixtures/diff/time/baseline.json"),
        [("time".to_owned(), vec!["DateLessThan aws:CurrentTime `2026-07-01T00:00:00Z`".to_owned()])]
    );
    assert_eq!(
        guards("fixtures/diff/network/baseline.json"),
        [("network".to_owned(), vec!["StringNotEquals aws:SourceVpce `vpce-0a1b2c3d`".to_owned()])]
    );
    assert!(guards("fixtures/diff/time/current.json").is_empty());
}

/// Without `--registry`, the audience registry comes from the nearest `mintlint.toml` (`[[token.audience]]`).
#[test]
fn registry_from_mintlint_toml() {
    let dir = std::env::temp_dir().join(format!("mintlint-graph-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(root().join("fixtures/demo/ledger-export-mint.json"), dir.join("ledger.json")).unwrap();
    std::fs::write(
        dir.join("mintlint.toml"),
        "[[token.audience]]\nname = \"https://ledger.partner.example\"\nowner = \"arn:aws:iam::111122223333:role/other\"\n",
    )
    .unwrap();
    let run = mintlint(&["graph", "--format", "json", dir.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let codes: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"audience-beyond-owner"), "{codes:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

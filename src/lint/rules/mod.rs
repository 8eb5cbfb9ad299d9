//! One file per rule. Each file holds the rule's documentation (its doc comment), its wording, and its check.

use super::Rule;

pub mod drift_widening;
pub mod duplicate_key;
pub mod duplicate_sid;
pub mod invalid_json;
pub mod invalid_policy;
pub mod policy_too_large;
pub mod policy_unknown_until_apply;
pub mod policy_variables_without_version;

/// Every rule, in code order (a test checks the order and that each has documentation and fixtures).
pub static ALL: &[Rule] = &[
    Rule { meta: &invalid_json::INVALID_JSON, check: None },
    Rule { meta: &invalid_policy::INVALID_POLICY, check: None },
    Rule { meta: &duplicate_key::DUPLICATE_KEY, check: Some(duplicate_key::check) },
    Rule {
        meta: &policy_variables_without_version::POLICY_VARIABLES_WITHOUT_VERSION,
        check: Some(policy_variables_without_version::check),
    },
    Rule { meta: &duplicate_sid::DUPLICATE_SID, check: Some(duplicate_sid::check) },
    Rule { meta: &policy_too_large::POLICY_TOO_LARGE, check: Some(policy_too_large::check) },
    Rule { meta: &policy_unknown_until_apply::POLICY_UNKNOWN_UNTIL_APPLY, check: None },
    // Produced by `check --baseline`, which compares two inputs rather than looking at one document.
    Rule { meta: &drift_widening::DRIFT_WIDENING, check: None },
];

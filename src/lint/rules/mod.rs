//! One file per rule. Each file holds the rule's documentation (its doc comment), its wording, and its check.

use super::Rule;

pub mod any_value_audience;
pub mod broad_audience_pattern;
pub mod condition_key_not_in_action;
pub mod condition_type_mismatch;
pub mod deny_guard_fires_on_empty;
pub mod drift_widening;
pub mod duplicate_key;
pub mod duplicate_sid;
pub mod federation_admin_grant;
pub mod implicit_mint_grant;
pub mod impossible_mint_value;
pub mod invalid_condition_value;
pub mod invalid_json;
pub mod invalid_policy;
pub mod lifetime_above_maximum;
pub mod mint_resource_not_star;
pub mod missing_network_guard;
pub mod missing_set_operator;
pub mod module_cycle;
pub mod module_not_read;
pub mod policy_too_large;
pub mod policy_unknown_until_apply;
pub mod policy_variables_without_version;
pub mod read_outside_root;
pub mod relying_party_forgeable_claim;
pub mod relying_party_issuer_unknown;
pub mod relying_party_subject_too_long;
pub mod relying_party_unpinned_subject;
pub mod relying_party_unreachable;
pub mod set_operator_on_single_valued_key;
pub mod shadowed_statement;
pub mod tag_permission_missing;
pub mod template_placeholder;
pub mod unbounded_lifetime;
pub mod unconstrained_tag_value;
pub mod unknown_action;
pub mod unknown_condition_key;
pub mod unknown_service_prefix;
pub mod unpinned_signing_algorithm;
pub mod unregistered_audience;
pub mod unregistered_tag_key;
pub mod unresolved_attachment;
pub mod unrestricted_audience;
pub mod unrestricted_request_tags;
pub mod unsatisfiable_statement;
pub mod untrustworthy_condition_key;
pub mod unused_suppression;
pub mod vacuous_for_all_values;
pub mod vacuous_if_exists;
pub mod wildcard_operator_mismatch;

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
    Rule { meta: &unknown_action::UNKNOWN_ACTION, check: Some(unknown_action::check) },
    Rule { meta: &unknown_service_prefix::UNKNOWN_SERVICE_PREFIX, check: Some(unknown_service_prefix::check) },
    Rule { meta: &policy_unknown_until_apply::POLICY_UNKNOWN_UNTIL_APPLY, check: None },
    Rule { meta: &unused_suppression::UNUSED_SUPPRESSION, check: None },
    Rule { meta: &unknown_condition_key::UNKNOWN_CONDITION_KEY, check: Some(unknown_condition_key::check) },
    Rule { meta: &condition_type_mismatch::CONDITION_TYPE_MISMATCH, check: Some(condition_type_mismatch::check) },
    Rule { meta: &invalid_condition_value::INVALID_CONDITION_VALUE, check: Some(invalid_condition_value::check) },
    Rule {
        meta: &set_operator_on_single_valued_key::SET_OPERATOR_ON_SINGLE_VALUED_KEY,
        check: Some(set_operator_on_single_valued_key::check),
    },
    Rule { meta: &missing_set_operator::MISSING_SET_OPERATOR, check: Some(missing_set_operator::check) },
    Rule { meta: &vacuous_for_all_values::VACUOUS_FOR_ALL_VALUES, check: Some(vacuous_for_all_values::check) },
    Rule { meta: &vacuous_if_exists::VACUOUS_IF_EXISTS, check: Some(vacuous_if_exists::check) },
    Rule {
        meta: &wildcard_operator_mismatch::WILDCARD_OPERATOR_MISMATCH,
        check: Some(wildcard_operator_mismatch::check),
    },
    Rule { meta: &unsatisfiable_statement::UNSATISFIABLE_STATEMENT, check: Some(unsatisfiable_statement::check) },
    Rule { meta: &template_placeholder::TEMPLATE_PLACEHOLDER, check: Some(template_placeholder::check) },
    Rule { meta: &module_cycle::MODULE_CYCLE, check: None },
    Rule { meta: &module_not_read::MODULE_NOT_READ, check: None },
    Rule { meta: &read_outside_root::READ_OUTSIDE_ROOT, check: None },
    Rule { meta: &unresolved_attachment::UNRESOLVED_ATTACHMENT, check: None },
    Rule { meta: &unrestricted_audience::UNRESTRICTED_AUDIENCE, check: Some(unrestricted_audience::check) },
    Rule { meta: &broad_audience_pattern::BROAD_AUDIENCE_PATTERN, check: Some(broad_audience_pattern::check) },
    Rule { meta: &unregistered_audience::UNREGISTERED_AUDIENCE, check: Some(unregistered_audience::check) },
    Rule { meta: &unbounded_lifetime::UNBOUNDED_LIFETIME, check: Some(unbounded_lifetime::check) },
    Rule { meta: &lifetime_above_maximum::LIFETIME_ABOVE_MAXIMUM, check: Some(lifetime_above_maximum::check) },
    Rule { meta: &unrestricted_request_tags::UNRESTRICTED_REQUEST_TAGS, check: Some(unrestricted_request_tags::check) },
    Rule { meta: &unregistered_tag_key::UNREGISTERED_TAG_KEY, check: Some(unregistered_tag_key::check) },
    Rule { meta: &unconstrained_tag_value::UNCONSTRAINED_TAG_VALUE, check: Some(unconstrained_tag_value::check) },
    Rule {
        meta: &unpinned_signing_algorithm::UNPINNED_SIGNING_ALGORITHM,
        check: Some(unpinned_signing_algorithm::check),
    },
    Rule { meta: &missing_network_guard::MISSING_NETWORK_GUARD, check: Some(missing_network_guard::check) },
    Rule { meta: &implicit_mint_grant::IMPLICIT_MINT_GRANT, check: Some(implicit_mint_grant::check) },
    Rule { meta: &federation_admin_grant::FEDERATION_ADMIN_GRANT, check: Some(federation_admin_grant::check) },
    Rule { meta: &shadowed_statement::SHADOWED_STATEMENT, check: Some(shadowed_statement::check) },
    Rule { meta: &any_value_audience::ANY_VALUE_AUDIENCE, check: Some(any_value_audience::check) },
    Rule { meta: &mint_resource_not_star::MINT_RESOURCE_NOT_STAR, check: Some(mint_resource_not_star::check) },
    Rule { meta: &impossible_mint_value::IMPOSSIBLE_MINT_VALUE, check: Some(impossible_mint_value::check) },
    // Judged once the whole input is read: see `INPUT_RULES`.
    Rule { meta: &tag_permission_missing::TAG_PERMISSION_MISSING, check: None },
    Rule { meta: &deny_guard_fires_on_empty::DENY_GUARD_FIRES_ON_EMPTY, check: Some(deny_guard_fires_on_empty::check) },
    Rule {
        meta: &untrustworthy_condition_key::UNTRUSTWORTHY_CONDITION_KEY,
        check: Some(untrustworthy_condition_key::check),
    },
    Rule {
        meta: &condition_key_not_in_action::CONDITION_KEY_NOT_IN_ACTION,
        check: Some(condition_key_not_in_action::check),
    },
    // Produced by the relying-party join, which judges relying parties against every principal of the input.
    Rule { meta: &relying_party_forgeable_claim::RELYING_PARTY_FORGEABLE_CLAIM, check: None },
    Rule { meta: &relying_party_unpinned_subject::RELYING_PARTY_UNPINNED_SUBJECT, check: None },
    Rule { meta: &relying_party_unreachable::RELYING_PARTY_UNREACHABLE, check: None },
    Rule { meta: &relying_party_issuer_unknown::RELYING_PARTY_ISSUER_UNKNOWN, check: None },
    Rule { meta: &relying_party_subject_too_long::RELYING_PARTY_SUBJECT_TOO_LONG, check: None },
    // Produced by `check --baseline`, which compares two inputs rather than looking at one document.
    Rule { meta: &drift_widening::DRIFT_WIDENING, check: None },
];

/// Rules that judge a document by what the whole input grants (`LintContext::input`): run after every file is
/// read, on the documents that take part in token minting only, so the rest can be dropped early.
pub static INPUT_RULES: &[Rule] =
    &[Rule { meta: &tag_permission_missing::TAG_PERMISSION_MISSING, check: Some(tag_permission_missing::check) }];

//! Where AWS documentation leaves behaviour open (reference §10), the simulator has a named setting with a
//! documented default (DESIGN §5). No such choice is buried in code: every branch that depends on one reads
//! it from here, and the simulator re-evaluates under the alternative to report assumption-dependent
//! decisions.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Assumptions {
    /// Is `sts:DurationSeconds` in the context when the caller omits `DurationSeconds`?
    pub duration_key_when_omitted: DurationKey,
    /// Are RCPs evaluated for the resource-less minting actions?
    pub rcp_applies_to_minting: bool,
    /// Does the `sts:TagGetWebIdentityToken` check see the `sts:*` keys of the request?
    pub tag_check_sees_sts_keys: bool,
    /// What a plain operator (no set prefix) does on a multi-valued key.
    pub plain_operator_on_multivalued: PlainOnMulti,
    /// `ForAllValues:` with a negated operator on a missing key: true (the general rule) or false (one
    /// example table of the AWS docs).
    pub for_all_values_negated_missing: bool,
    /// A negated Numeric, Date or IP operator (`NumericNotEquals`, `DateNotEquals`, `NotIpAddress`) on a
    /// missing key: true by analogy with the documented `StringNotLike`/`ArnNotLike` rule (reference §6.2),
    /// or false; AWS gives no example for these families (§10.16).
    pub negated_numeric_date_ip_missing: bool,
    /// What resource the minting checks are authorized against.
    pub minting_resource: MintingResource,
    /// Are `*` and `?` in a substituted policy-variable value wildcards (in `Like`/`Arn` operators and
    /// `Resource`)? Variables are substituted before matching, but whether the substituted text is then
    /// read as a pattern is not documented (reference §5.9); `${*}` is the documented literal.
    pub variable_wildcards: VariableWildcards,
    /// A plain operator with an empty value list (`"StringEquals": {"k": []}`): it matches nothing, or it
    /// is ignored (always true). Access Analyzer says such a condition "does not affect the policy"; the
    /// runtime effect is not documented (reference §5.6).
    pub empty_condition_values: EmptyValues,
    /// Request tags whose keys differ only in case (`team`, `Team`): the API rejects them, or accepts them
    /// (`aws:RequestTag/team` then holds the later tag's value). AWS documents the rejection for the same
    /// `Tag` type in `AssumeRole` ("you cannot have separate `Department` and `department` tag keys"), not
    /// for `GetWebIdentityToken` (reference §8, §10.17).
    pub case_variant_tag_keys: CaseVariantTagKeys,
    /// The `aud` claim of a token minted for several audiences: a JSON array of them (RFC 7519 allows it;
    /// AWS documents only the one-audience string, relying-parties.md §1.2), or such a token is accepted by no
    /// relying party that checks the audience. Relying-party reach only.
    pub several_audiences_claim: SeveralAudiences,
    /// The `sub` claim of a token minted by an IAM user: the user's ARN, or a value no configured subject
    /// names (AWS documents `sub` only for roles, relying-parties.md §1.2). Relying-party reach only.
    pub user_token_subject: UserSubject,
    /// A policy variable without a default whose key the request lacks. AWS documents the value as null
    /// ("there is no equal or like value": `StringEquals` does not match, "inverted condition operators like
    /// `StringNotEquals` or `StringNotLike` do match against a null value", and a `Resource`/`NotResource`
    /// entry with it matches no resource), and in the same page's note says an unresolvable variable "might
    /// cause the entire statement to be invalid" (reference §5.9).
    pub unresolved_variable: UnresolvedVariable,
    /// A negated Numeric, Date, IP or ARN operator with a policy value it cannot read (`NumericNotEquals
    /// "abc"`) on a present key: true, since nothing equals an unreadable value (the negation of no match),
    /// or false, the comparison failing. Access Analyzer reports such values (`TYPE_MISMATCH_*`); what IAM
    /// does with them at request time is not documented.
    pub negated_unreadable_value: bool,
    /// A same-account resource-policy grant to every principal (`"Principal": "*"`) for a principal with a
    /// permissions boundary that does not allow the action: limited by the boundary's implicit deny, as a
    /// grant naming a role's ARN is, or not, as a grant naming an IAM user's or a session's ARN is. The IAM
    /// User Guide ("Permissions boundaries for IAM entities") documents the named cases, not `*`.
    pub star_principal_grant: StarGrant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StarGrant {
    /// Limited by the boundary (and session policies), like a grant to a role ARN.
    Bounded,
    /// Not limited by their implicit deny, like a grant to the caller's own user or session ARN.
    Unbounded,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnresolvedVariable {
    /// The documented null: positive operators do not match, negated ones match, resource entries match
    /// nothing.
    Null,
    /// The statement that holds it does not apply at all (neither its Allow nor its Deny).
    InvalidStatement,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseVariantTagKeys {
    /// A `ValidationError`, as for session tags.
    Rejected,
    /// Accepted: `aws:TagKeys` lists every key as sent; the later tag's value wins for `aws:RequestTag/<key>`.
    Accepted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeveralAudiences {
    /// `"aud": ["a", "b"]`: a relying party finds its audience among them.
    Array,
    /// No relying party that checks the audience accepts such a token.
    Unaccepted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UserSubject {
    /// `sub` is `arn:aws:iam::ACCOUNT:user/NAME`, as for a role.
    UserArn,
    /// `sub` is something no relying party's subject or claim condition names.
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EmptyValues {
    /// No value to match: a positive operator is false, a negated one true (the NOR of nothing).
    NoMatch,
    /// The clause is skipped: true.
    Ignored,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VariableWildcards {
    /// A substituted value matches only itself: a principal tag `*` is the character `*`.
    Literal,
    /// A substituted value is read as a pattern: a principal tag `*` matches anything.
    Wildcard,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DurationKey {
    /// The key is absent (third-party observation).
    Absent,
    /// The key is present with the API default, 300.
    Default300,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlainOnMulti {
    /// Like `ForAnyValue:` for positive operators; a negated operator is the negation of that.
    AnyValue,
    /// Never matches: a positive operator is false, a negated one true.
    NoMatch,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MintingResource {
    /// `"*"`: only `"Resource": "*"` matches (the service reference lists no resource type).
    Star,
    /// `arn:aws:sts::ACCOUNT:self` (a third-party claim).
    SelfArn,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            duration_key_when_omitted: DurationKey::Absent,
            rcp_applies_to_minting: true,
            tag_check_sees_sts_keys: true,
            plain_operator_on_multivalued: PlainOnMulti::AnyValue,
            for_all_values_negated_missing: true,
            negated_numeric_date_ip_missing: true,
            minting_resource: MintingResource::Star,
            variable_wildcards: VariableWildcards::Literal,
            empty_condition_values: EmptyValues::NoMatch,
            case_variant_tag_keys: CaseVariantTagKeys::Rejected,
            several_audiences_claim: SeveralAudiences::Array,
            user_token_subject: UserSubject::UserArn,
            unresolved_variable: UnresolvedVariable::Null,
            negated_unreadable_value: true,
            star_principal_grant: StarGrant::Bounded,
        }
    }
}

/// The names of the settings, as written in `mintlint.toml` and `--assume`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Setting {
    DurationKeyWhenOmitted,
    RcpAppliesToMinting,
    TagCheckSeesStsKeys,
    PlainOperatorOnMultivalued,
    ForAllValuesNegatedMissing,
    NegatedNumericDateIpMissing,
    MintingResource,
    VariableWildcards,
    EmptyConditionValues,
    CaseVariantTagKeys,
    SeveralAudiencesClaim,
    UserTokenSubject,
    UnresolvedVariable,
    NegatedUnreadableValue,
    StarPrincipalGrant,
}

impl Setting {
    pub const ALL: [Setting; 15] = [
        Setting::DurationKeyWhenOmitted,
        Setting::RcpAppliesToMinting,
        Setting::TagCheckSeesStsKeys,
        Setting::PlainOperatorOnMultivalued,
        Setting::ForAllValuesNegatedMissing,
        Setting::NegatedNumericDateIpMissing,
        Setting::MintingResource,
        Setting::VariableWildcards,
        Setting::EmptyConditionValues,
        Setting::CaseVariantTagKeys,
        Setting::SeveralAudiencesClaim,
        Setting::UserTokenSubject,
        Setting::UnresolvedVariable,
        Setting::NegatedUnreadableValue,
        Setting::StarPrincipalGrant,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Setting::DurationKeyWhenOmitted => "duration_key_when_omitted",
            Setting::RcpAppliesToMinting => "rcp_applies_to_minting",
            Setting::TagCheckSeesStsKeys => "tag_check_sees_sts_keys",
            Setting::PlainOperatorOnMultivalued => "plain_operator_on_multivalued",
            Setting::ForAllValuesNegatedMissing => "for_all_values_negated_missing",
            Setting::NegatedNumericDateIpMissing => "negated_numeric_date_ip_missing",
            Setting::MintingResource => "minting_resource",
            Setting::VariableWildcards => "variable_wildcards",
            Setting::EmptyConditionValues => "empty_condition_values",
            Setting::CaseVariantTagKeys => "case_variant_tag_keys",
            Setting::SeveralAudiencesClaim => "several_audiences_claim",
            Setting::UserTokenSubject => "user_token_subject",
            Setting::UnresolvedVariable => "unresolved_variable",
            Setting::NegatedUnreadableValue => "negated_unreadable_value",
            Setting::StarPrincipalGrant => "star_principal_grant",
        }
    }

    /// The values a setting takes, as written.
    pub fn values(self) -> &'static [&'static str] {
        match self {
            Setting::DurationKeyWhenOmitted => &["absent", "default-300"],
            Setting::RcpAppliesToMinting
            | Setting::TagCheckSeesStsKeys
            | Setting::ForAllValuesNegatedMissing
            | Setting::NegatedNumericDateIpMissing
            | Setting::NegatedUnreadableValue => &["true", "false"],
            Setting::PlainOperatorOnMultivalued => &["any-value", "no-match"],
            Setting::MintingResource => &["*", "self-arn"],
            Setting::VariableWildcards => &["literal", "wildcard"],
            Setting::EmptyConditionValues => &["no-match", "ignored"],
            Setting::CaseVariantTagKeys => &["rejected", "accepted"],
            Setting::SeveralAudiencesClaim => &["array", "unaccepted"],
            Setting::UserTokenSubject => &["user-arn", "unknown"],
            Setting::UnresolvedVariable => &["null", "invalid-statement"],
            Setting::StarPrincipalGrant => &["bounded", "unbounded"],
        }
    }

    /// Whether the setting changes the request context a token request becomes (rather than how policies
    /// are evaluated against it), so a context built under one value cannot be reused under the other.
    pub fn shapes_request_context(self) -> bool {
        matches!(
            self,
            Setting::DurationKeyWhenOmitted
                | Setting::TagCheckSeesStsKeys
                | Setting::MintingResource
                | Setting::CaseVariantTagKeys
        )
    }

    /// Whether the setting can change an authorization decision (the token-shape settings only change
    /// which relying parties accept the token).
    pub fn affects_decisions(self) -> bool {
        !matches!(self, Setting::SeveralAudiencesClaim | Setting::UserTokenSubject)
    }

    pub fn parse(name: &str) -> Option<Setting> {
        Setting::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A setting given a value it does not take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadAssumption {
    pub message: String,
}

impl Assumptions {
    /// The value of a setting, as written.
    pub fn get(&self, setting: Setting) -> &'static str {
        let bool_text = |b: bool| if b { "true" } else { "false" };
        match setting {
            Setting::DurationKeyWhenOmitted => match self.duration_key_when_omitted {
                DurationKey::Absent => "absent",
                DurationKey::Default300 => "default-300",
            },
            Setting::RcpAppliesToMinting => bool_text(self.rcp_applies_to_minting),
            Setting::TagCheckSeesStsKeys => bool_text(self.tag_check_sees_sts_keys),
            Setting::PlainOperatorOnMultivalued => match self.plain_operator_on_multivalued {
                PlainOnMulti::AnyValue => "any-value",
                PlainOnMulti::NoMatch => "no-match",
            },
            Setting::ForAllValuesNegatedMissing => bool_text(self.for_all_values_negated_missing),
            Setting::NegatedNumericDateIpMissing => bool_text(self.negated_numeric_date_ip_missing),
            Setting::MintingResource => match self.minting_resource {
                MintingResource::Star => "*",
                MintingResource::SelfArn => "self-arn",
            },
            Setting::VariableWildcards => match self.variable_wildcards {
                VariableWildcards::Literal => "literal",
                VariableWildcards::Wildcard => "wildcard",
            },
            Setting::EmptyConditionValues => match self.empty_condition_values {
                EmptyValues::NoMatch => "no-match",
                EmptyValues::Ignored => "ignored",
            },
            Setting::CaseVariantTagKeys => match self.case_variant_tag_keys {
                CaseVariantTagKeys::Rejected => "rejected",
                CaseVariantTagKeys::Accepted => "accepted",
            },
            Setting::SeveralAudiencesClaim => match self.several_audiences_claim {
                SeveralAudiences::Array => "array",
                SeveralAudiences::Unaccepted => "unaccepted",
            },
            Setting::UserTokenSubject => match self.user_token_subject {
                UserSubject::UserArn => "user-arn",
                UserSubject::Unknown => "unknown",
            },
            Setting::UnresolvedVariable => match self.unresolved_variable {
                UnresolvedVariable::Null => "null",
                UnresolvedVariable::InvalidStatement => "invalid-statement",
            },
            Setting::NegatedUnreadableValue => bool_text(self.negated_unreadable_value),
            Setting::StarPrincipalGrant => match self.star_principal_grant {
                StarGrant::Bounded => "bounded",
                StarGrant::Unbounded => "unbounded",
            },
        }
    }

    /// Set a setting from its written value.
    pub fn set(&mut self, setting: Setting, value: &str) -> Result<(), BadAssumption> {
        let bad = || BadAssumption {
            message: format!(
                "`{}` takes {}, not `{value}`",
                setting.name(),
                setting.values().iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" or ")
            ),
        };
        let boolean = |v: &str| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(bad()),
        };
        match setting {
            Setting::DurationKeyWhenOmitted => {
                self.duration_key_when_omitted = match value {
                    "absent" => DurationKey::Absent,
                    "default-300" => DurationKey::Default300,
                    _ => return Err(bad()),
                }
            }
            Setting::RcpAppliesToMinting => self.rcp_applies_to_minting = boolean(value)?,
            Setting::TagCheckSeesStsKeys => self.tag_check_sees_sts_keys = boolean(value)?,
            Setting::PlainOperatorOnMultivalued => {
                self.plain_operator_on_multivalued = match value {
                    "any-value" => PlainOnMulti::AnyValue,
                    "no-match" => PlainOnMulti::NoMatch,
                    _ => return Err(bad()),
                }
            }
            Setting::ForAllValuesNegatedMissing => self.for_all_values_negated_missing = boolean(value)?,
            Setting::NegatedNumericDateIpMissing => self.negated_numeric_date_ip_missing = boolean(value)?,
            Setting::MintingResource => {
                self.minting_resource = match value {
                    "*" => MintingResource::Star,
                    "self-arn" => MintingResource::SelfArn,
                    _ => return Err(bad()),
                }
            }
            Setting::VariableWildcards => {
                self.variable_wildcards = match value {
                    "literal" => VariableWildcards::Literal,
                    "wildcard" => VariableWildcards::Wildcard,
                    _ => return Err(bad()),
                }
            }
            Setting::EmptyConditionValues => {
                self.empty_condition_values = match value {
                    "no-match" => EmptyValues::NoMatch,
                    "ignored" => EmptyValues::Ignored,
                    _ => return Err(bad()),
                }
            }
            Setting::CaseVariantTagKeys => {
                self.case_variant_tag_keys = match value {
                    "rejected" => CaseVariantTagKeys::Rejected,
                    "accepted" => CaseVariantTagKeys::Accepted,
                    _ => return Err(bad()),
                }
            }
            Setting::SeveralAudiencesClaim => {
                self.several_audiences_claim = match value {
                    "array" => SeveralAudiences::Array,
                    "unaccepted" => SeveralAudiences::Unaccepted,
                    _ => return Err(bad()),
                }
            }
            Setting::UserTokenSubject => {
                self.user_token_subject = match value {
                    "user-arn" => UserSubject::UserArn,
                    "unknown" => UserSubject::Unknown,
                    _ => return Err(bad()),
                }
            }
            Setting::UnresolvedVariable => {
                self.unresolved_variable = match value {
                    "null" => UnresolvedVariable::Null,
                    "invalid-statement" => UnresolvedVariable::InvalidStatement,
                    _ => return Err(bad()),
                }
            }
            Setting::NegatedUnreadableValue => self.negated_unreadable_value = boolean(value)?,
            Setting::StarPrincipalGrant => {
                self.star_principal_grant = match value {
                    "bounded" => StarGrant::Bounded,
                    "unbounded" => StarGrant::Unbounded,
                    _ => return Err(bad()),
                }
            }
        }
        Ok(())
    }

    /// Parse `NAME=VALUE`.
    pub fn apply(&mut self, assignment: &str) -> Result<(), BadAssumption> {
        let Some((name, value)) = assignment.split_once('=') else {
            return Err(BadAssumption { message: format!("`{assignment}` is not NAME=VALUE") });
        };
        let Some(setting) = Setting::parse(name.trim()) else {
            let hint = crate::text::nearest(name, Setting::ALL.iter().map(|s| s.name()))
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            return Err(BadAssumption { message: format!("unknown assumption `{name}`{hint}") });
        };
        self.set(setting, value.trim())
    }

    /// The same assumptions with one setting flipped to its alternative.
    pub fn flipped(&self, setting: Setting) -> Assumptions {
        let mut other = *self;
        let current = self.get(setting);
        if let Some(alt) = setting.values().iter().find(|v| **v != current) {
            // INVARIANT: every listed value is accepted by `set`.
            let _ = other.set(setting, alt);
        }
        other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_design() {
        let a = Assumptions::default();
        let written: Vec<_> = Setting::ALL.iter().map(|s| (s.name(), a.get(*s))).collect();
        assert_eq!(
            written,
            [
                ("duration_key_when_omitted", "absent"),
                ("rcp_applies_to_minting", "true"),
                ("tag_check_sees_sts_keys", "true"),
                ("plain_operator_on_multivalued", "any-value"),
                ("for_all_values_negated_missing", "true"),
                ("negated_numeric_date_ip_missing", "true"),
                ("minting_resource", "*"),
                ("variable_wildcards", "literal"),
                ("empty_condition_values", "no-match"),
                ("case_variant_tag_keys", "rejected"),
                ("several_audiences_claim", "array"),
                ("user_token_subject", "user-arn"),
                ("unresolved_variable", "null"),
                ("negated_unreadable_value", "true"),
                ("star_principal_grant", "bounded"),
            ]
        );
    }

    #[test]
    fn every_setting_flips_and_parses() {
        let a = Assumptions::default();
        for s in Setting::ALL {
            let f = a.flipped(s);
            assert_ne!(f.get(s), a.get(s));
            let mut b = a;
            b.apply(&format!("{}={}", s.name(), f.get(s))).unwrap();
            assert_eq!(b, f);
        }
        assert!(
            Assumptions::default().apply("rcp_applies_to_mintin=true").unwrap_err().message.contains("did you mean")
        );
        assert!(Assumptions::default().apply("rcp_applies_to_minting=maybe").is_err());
    }
}

//! Whether a relying party accepts one token, each kind exactly as its own code or documentation decides
//! (reference `relying-parties.md` §2): Vault's `validateBoundClaims` and audience checks, Entra's three
//! exact strings, Google's audiences and CEL, EKS's client id and required claims, and the exact tables of
//! `mintlint.toml`. The answer lists every condition the token met, or the first one it failed, so a reach
//! comes with the conditions its witness satisfies and an unreachable relying party with the part that fails.

use serde_json::Value;

use crate::eval::Assumptions;
use crate::eval::assumptions::SeveralAudiences;
use crate::source::Span;

use super::claims::Token;
use super::{Algorithms, AudienceRule, Compare, Kind, Located, RelyingParty, Text, cel, glob, pointer};

/// The most bytes of `google.subject` Google accepts (reference §2.2).
pub const GOOGLE_SUBJECT_MAX: usize = 127;

/// A part of a relying party's trust configuration.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    Issuer,
    Audience,
    Subject,
    /// A claim condition, by the claim as written.
    Claim(String),
    Algorithm,
    /// The claim the login names the user by (Vault `user_claim`).
    UserClaim,
    /// Google's `attribute_mapping` / `attribute_condition`.
    Mapping,
    Condition,
    /// Google's 127-byte `google.subject`.
    SubjectLength,
    /// The relying party accepts no AWS token at all (a Vault role of type `oidc`).
    Refused,
}

impl Part {
    pub fn as_str(&self) -> String {
        match self {
            Part::Issuer => "issuer".into(),
            Part::Audience => "audience".into(),
            Part::Subject => "subject".into(),
            Part::Claim(c) => format!("claim `{c}`"),
            Part::Algorithm => "signing algorithm".into(),
            Part::UserClaim => "user claim".into(),
            Part::Mapping => "attribute mapping".into(),
            Part::Condition => "attribute condition".into(),
            Part::SubjectLength => "google.subject length".into(),
            Part::Refused => "role type".into(),
        }
    }
}

/// One condition of the relying party, met or failed by a token, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub part: Part,
    pub detail: String,
    /// Where the condition is configured.
    pub span: Span,
}

/// The answer for one token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every condition holds; `undocumented` names what the acceptance rests on that no document confirms.
    Accepted {
        checks: Vec<Check>,
        undocumented: Vec<String>,
    },
    Rejected(Check),
    /// A value the acceptance depends on is not known (statically, or for this principal).
    Undecided {
        why: String,
        span: Span,
    },
}

impl Verdict {
    pub fn accepted(&self) -> bool {
        matches!(self, Verdict::Accepted { .. })
    }
}

/// What the join knows that the configuration only references.
pub trait Resolve {
    /// The ARN of the principal at a Terraform address.
    fn principal_arn(&self, address: &str) -> Option<String>;
    /// The issuer of the account whose configuration holds an outbound-federation resource.
    fn account_issuer(&self, address: &str) -> Option<String>;
}

/// Resolves nothing: every reference stays undecided.
pub struct NoReferences;

impl Resolve for NoReferences {
    fn principal_arn(&self, _: &str) -> Option<String> {
        None
    }
    fn account_issuer(&self, _: &str) -> Option<String> {
        None
    }
}

fn resolve(t: &Located<Text>, r: &dyn Resolve) -> Result<String, Verdict> {
    let undecided = |why: String| Verdict::Undecided { why, span: t.span };
    match &t.value {
        Text::Known(s) => Ok(s.clone()),
        Text::PrincipalArn(a) => {
            r.principal_arn(a).ok_or_else(|| undecided(format!("`{a}` is not a principal of the inputs")))
        }
        Text::AccountIssuer(a) => r
            .account_issuer(a)
            .ok_or_else(|| undecided(format!("the issuer of the account of `{a}` is not configured (`[accounts]`)"))),
        Text::Unknown(why) => Err(undecided(why.clone())),
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

/// Whether a relying party accepts a token.
pub fn accepts(rp: &RelyingParty, token: &Token, assumptions: &Assumptions, refs: &dyn Resolve) -> Verdict {
    match check_all(rp, token, assumptions, refs) {
        Ok((checks, undocumented)) => Verdict::Accepted { checks, undocumented },
        Err(v) => v,
    }
}

type Checked = Result<(Vec<Check>, Vec<String>), Verdict>;

fn check_all(rp: &RelyingParty, token: &Token, assumptions: &Assumptions, refs: &dyn Resolve) -> Checked {
    let mut checks = Vec::new();
    let mut undocumented = Vec::new();
    let reject = |part: Part, detail: String, span: Span| Verdict::Rejected(Check { part, detail, span });
    if let Some(r) = &rp.refuses {
        return Err(reject(Part::Refused, r.value.clone(), r.span));
    }
    let claims = &token.claims;

    // Issuer.
    if let Some(issuer) = &rp.issuer {
        let want = resolve(issuer, refs)?;
        match claims.get("iss") {
            Some(Value::String(iss)) if *iss == want => {
                checks.push(Check { part: Part::Issuer, detail: format!("`iss` is `{want}`"), span: issuer.span })
            }
            Some(Value::String(iss)) => {
                return Err(reject(Part::Issuer, format!("`iss` is `{iss}`, not `{want}`"), issuer.span));
            }
            _ => {
                return Err(Verdict::Undecided {
                    why: "the issuer of the principal's account is not configured (`[accounts]` in mintlint.toml)"
                        .into(),
                    span: issuer.span,
                });
            }
        }
    }

    // Audience.
    let several = token.audiences.len() > 1;
    let audience_span = match &rp.audience {
        AudienceRule::AnyOf(l) => l.first().map_or(rp.span, |a| a.span),
        AudienceRule::Single(a) => a.span,
        AudienceRule::RejectAny(s) | AudienceRule::GoogleDefault(_, s) => *s,
    };
    if several && assumptions.several_audiences_claim == SeveralAudiences::Unaccepted {
        return Err(reject(
            Part::Audience,
            "a token minted for several audiences is accepted by no relying party (`several_audiences_claim = \"unaccepted\"`)"
                .into(),
            audience_span,
        ));
    }
    let accepted: Vec<String> = match &rp.audience {
        AudienceRule::AnyOf(list) => list.iter().map(|a| resolve(a, refs)).collect::<Result<_, _>>()?,
        AudienceRule::Single(a) => vec![resolve(a, refs)?],
        AudienceRule::RejectAny(span) => {
            return Err(reject(
                Part::Audience,
                "the role binds no audience, and Vault rejects every token that carries one (every AWS token does)"
                    .into(),
                *span,
            ));
        }
        AudienceRule::GoogleDefault(name, span) => match name {
            Some(n) => vec![n.clone(), format!("https:{n}")],
            None => {
                return Err(Verdict::Undecided {
                    why: "the provider's canonical resource name is not known statically".into(),
                    span: *span,
                });
            }
        },
    };
    match token.audiences.iter().find(|a| accepted.contains(a)) {
        Some(a) => {
            checks.push(Check { part: Part::Audience, detail: format!("`aud` holds `{a}`"), span: audience_span })
        }
        None => {
            let want = accepted.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            let have = token.audiences.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            return Err(reject(Part::Audience, format!("`aud` is {have}; accepted: {want}"), audience_span));
        }
    }

    // Subject.
    if let Some((subject, how)) = &rp.subject {
        let want = resolve(subject, refs)?;
        let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
        if glob::compare(*how, &want, sub) {
            let verb = if *how == Compare::Glob { "matches" } else { "is" };
            checks.push(Check { part: Part::Subject, detail: format!("`sub` {verb} `{want}`"), span: subject.span });
        } else {
            let verb = if *how == Compare::Glob { "does not match" } else { "is not" };
            return Err(reject(Part::Subject, format!("`sub` `{sub}` {verb} `{want}`"), subject.span));
        }
    }

    // Claim conditions: every one must hold (AND); within one, any configured value matching any of the
    // claim's values (OR).
    for rule in &rp.claims {
        let want: Vec<String> = rule.values.iter().map(|v| resolve(v, refs)).collect::<Result<_, _>>()?;
        let span = rule.claim.span;
        let name = rule.claim.value.clone();
        let Some(actual) = pointer::parse(&name).and_then(|p| pointer::get(claims, &p).cloned()) else {
            return Err(reject(Part::Claim(name.clone()), format!("the token has no claim `{name}`"), span));
        };
        let values: Vec<Value> = match actual {
            Value::Array(items) => items,
            v @ (Value::String(_) | Value::Bool(_) | Value::Number(_)) => vec![v],
            other => {
                return Err(reject(
                    Part::Claim(name.clone()),
                    format!("claim `{name}` is {}, not a string, boolean, number or list", kind_of(&other)),
                    span,
                ));
            }
        };
        let hit = want.iter().find_map(|w| {
            values
                .iter()
                .find(|v| v.as_str().is_some_and(|s| glob::compare(rule.compare, w, s)))
                .map(|v| (w.clone(), v.clone()))
        });
        match hit {
            Some((w, v)) => {
                let verb = if rule.compare == Compare::Glob { "matches" } else { "is" };
                checks.push(Check {
                    part: Part::Claim(name.clone()),
                    detail: format!("`{name}` {verb} `{w}` ({})", shown(&v)),
                    span,
                });
            }
            None => {
                let have = values.iter().map(shown).collect::<Vec<_>>().join(", ");
                let want = want.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ");
                return Err(reject(Part::Claim(name.clone()), format!("`{name}` is {have}; accepted: {want}"), span));
            }
        }
    }

    // Algorithm.
    match &rp.algorithms {
        Algorithms::Listed(list) => {
            if list.value.contains(&token.algorithm) {
                checks.push(Check {
                    part: Part::Algorithm,
                    detail: format!("`alg` `{}` is accepted", token.algorithm),
                    span: list.span,
                });
            } else {
                return Err(reject(
                    Part::Algorithm,
                    format!("`alg` `{}` is not among {}", token.algorithm, list.value.join(", ")),
                    list.span,
                ));
            }
        }
        Algorithms::All => {}
        Algorithms::Undocumented => {
            if token.algorithm != "RS256" {
                undocumented.push(format!(
                    "{} acceptance of `{}` is not documented",
                    match rp.kind {
                        Kind::Gcp => "Google's",
                        Kind::Eks => "EKS's",
                        _ => "the relying party's",
                    },
                    token.algorithm
                ));
            }
        }
    }

    // The claim the login names the user by must be a string.
    if let Some(user) = &rp.user_claim {
        let value = pointer::parse(&user.value).and_then(|p| pointer::get(claims, &p).cloned());
        match value {
            Some(Value::String(_)) => {}
            Some(other) => {
                return Err(reject(
                    Part::UserClaim,
                    format!("user claim `{}` is {}, not a string", user.value, kind_of(&other)),
                    user.span,
                ));
            }
            None => {
                return Err(reject(Part::UserClaim, format!("the token has no claim `{}`", user.value), user.span));
            }
        }
    }

    if let Some(groups) = &rp.list_claim {
        let value = pointer::parse(&groups.value).and_then(|p| pointer::get(claims, &p).cloned());
        match value {
            Some(Value::Object(_) | Value::Null) | None => {
                return Err(reject(
                    Part::UserClaim,
                    format!("the token has no list claim `{}` (the role's `groups_claim`)", groups.value),
                    groups.span,
                ));
            }
            Some(_) => {}
        }
    }

    if let Some(g) = &rp.google {
        google(g, claims, &mut checks, refs)?;
    }
    Ok((checks, undocumented))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Google: map the attributes, check `google.subject`, evaluate the condition.
fn google(g: &super::GoogleCel, claims: &Value, checks: &mut Vec<Check>, refs: &dyn Resolve) -> Result<(), Verdict> {
    let reject = |part: Part, detail: String, span: Span| Verdict::Rejected(Check { part, detail, span });
    let mut google_attrs = serde_json::Map::new();
    let mut custom = serde_json::Map::new();
    let mut subject_seen = false;
    for (target, expr) in &g.mapping {
        let text = resolve(expr, refs)?;
        let compiled = cel::compile(&text).map_err(|why| Verdict::Undecided { why, span: expr.span })?;
        let value = match cel::evaluate(&compiled, &[("assertion", claims)]) {
            Ok(v) => v,
            Err(e) if target.value == "google.subject" => {
                return Err(reject(Part::Mapping, format!("`google.subject` cannot be mapped: {e}"), expr.span));
            }
            Err(e) => {
                return Err(Verdict::Undecided {
                    why: format!("mapping `{}` fails ({e}); what Google then does is not documented", target.value),
                    span: expr.span,
                });
            }
        };
        let Some(json) = cel::to_json(&value) else {
            return Err(Verdict::Undecided {
                why: format!("mapping `{}` yields a value that is no string", target.value),
                span: expr.span,
            });
        };
        if target.value == "google.subject" {
            subject_seen = true;
            let Some(s) = json.as_str() else {
                return Err(reject(Part::Mapping, "`google.subject` is not a string".into(), expr.span));
            };
            if s.len() > GOOGLE_SUBJECT_MAX {
                return Err(reject(
                    Part::SubjectLength,
                    format!("`google.subject` is {} bytes; Google accepts at most {GOOGLE_SUBJECT_MAX}", s.len()),
                    expr.span,
                ));
            }
            checks.push(Check { part: Part::Mapping, detail: format!("`google.subject` is `{s}`"), span: expr.span });
        }
        match target.value.split_once('.') {
            Some(("google", name)) => {
                google_attrs.insert(name.to_owned(), json);
            }
            Some(("attribute", name)) => {
                custom.insert(name.to_owned(), json);
            }
            _ => {}
        }
    }
    if !subject_seen {
        let span =
            g.mapping.first().map_or_else(|| g.condition.as_ref().map_or(Span::default(), |c| c.span), |m| m.0.span);
        return Err(reject(Part::Mapping, "an OIDC provider must map `google.subject`".into(), span));
    }
    if let Some(cond) = &g.condition {
        let text = resolve(cond, refs)?;
        let compiled = cel::compile(&text).map_err(|why| Verdict::Undecided { why, span: cond.span })?;
        let google_v = Value::Object(google_attrs);
        let custom_v = Value::Object(custom);
        match cel::evaluate(&compiled, &[("assertion", claims), ("google", &google_v), ("attribute", &custom_v)]) {
            Ok(cel::CelValue::Bool(true)) => checks.push(Check {
                part: Part::Condition,
                detail: format!("`attribute_condition` holds: `{text}`"),
                span: cond.span,
            }),
            Ok(other) => {
                return Err(reject(
                    Part::Condition,
                    format!("`attribute_condition` is {}", describe_cel(&other)),
                    cond.span,
                ));
            }
            Err(e) => {
                return Err(reject(Part::Condition, format!("`attribute_condition` fails: {e}"), cond.span));
            }
        }
    }
    Ok(())
}

fn describe_cel(v: &cel::CelValue) -> String {
    match v {
        cel::CelValue::Bool(false) => "false".into(),
        other => format!("{other:?}, not a boolean"),
    }
}

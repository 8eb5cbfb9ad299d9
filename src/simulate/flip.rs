//! The request contexts under one flipped assumption setting, made from those already built by changing the
//! few keys the setting decides, then changed back: deciding whether a verdict depends on a setting then
//! costs a decision, not a second set of contexts (building contexts was a third of a `--cases` run).
//!
//! Only two settings are handled this way, both of which add or remove the token parameters' keys:
//! `duration_key_when_omitted` (`sts:DurationSeconds` of a request that omits the duration) and
//! `tag_check_sees_sts_keys` (the token parameters in the tag check's context). A request whose own
//! `context` sets one of those keys (it overrides what the setting would put there) is built anew, as is
//! every other setting. The law `flipped_in_place_equals_built_anew` checks the result against
//! [`Request::context`] under the flipped assumptions.

use crate::eval::assumptions::DurationKey;
use crate::eval::context::KnownKey;
use crate::eval::{Assumptions, ContextValue, RequestContext, Setting};
use crate::request::Request;
use crate::request::context::{AUDIENCE_KEY, audience_value, sees_sts_keys};
use crate::token::{DEFAULT_DURATION, TAG_ACTION};

const AUDIENCE: KnownKey = KnownKey::new(AUDIENCE_KEY);
const ALGORITHM: KnownKey = KnownKey::new("sts:SigningAlgorithm");
const DURATION: KnownKey = KnownKey::new("sts:DurationSeconds");

/// `f` of the contexts as [`Request::context`] builds them under `alt` (the configured assumptions with
/// `setting` flipped), when changing `contexts` (built under the configured ones) in place gives exactly
/// those; `None` otherwise. The contexts hold the same keys and values afterwards as before.
pub(super) fn with_flipped<R>(
    request: &Request,
    contexts: &mut [RequestContext],
    setting: Setting,
    alt: &Assumptions,
    f: impl FnOnce(&[RequestContext]) -> R,
) -> Option<R> {
    let mint = request.token()?;
    let overridden = |key: &KnownKey| request.context.iter().any(|(k, _)| k.eq_ignore_ascii_case(key.name));
    // What the duration key holds under `alt`, in a context that sees the token parameters.
    let duration = match (mint.duration, alt.duration_key_when_omitted) {
        (Some(d), _) => Some(d),
        (None, DurationKey::Default300) => Some(DEFAULT_DURATION),
        (None, DurationKey::Absent) => None,
    };
    let duration_value = duration.map(|d| ContextValue::Single(d.to_string().into()));
    // Each change: which context, which key, its value under `alt` (`None`: absent).
    let mut changes: Vec<(usize, KnownKey, Option<ContextValue>)> = Vec::new();
    match setting {
        Setting::DurationKeyWhenOmitted => {
            if mint.duration.is_some() || overridden(&DURATION) {
                return None;
            }
            for (i, ctx) in contexts.iter().enumerate() {
                if sees_sts_keys(&ctx.action, alt) {
                    changes.push((i, DURATION, duration_value.clone()));
                }
            }
        }
        Setting::TagCheckSeesStsKeys => {
            if [AUDIENCE, ALGORITHM, DURATION].iter().any(overridden) {
                return None;
            }
            for (i, ctx) in contexts.iter().enumerate() {
                if !ctx.action.eq_ignore_ascii_case(TAG_ACTION) {
                    continue;
                }
                let sees = sees_sts_keys(&ctx.action, alt);
                let algorithm = ContextValue::Single(mint.signing_algorithm.as_str().into());
                changes.push((i, AUDIENCE, sees.then(|| audience_value(&mint.audiences))));
                changes.push((i, ALGORITHM, sees.then_some(algorithm)));
                changes.push((i, DURATION, duration_value.clone().filter(|_| sees)));
            }
        }
        _ => return None,
    }
    // Change, decide, change back (each key to what it held).
    let mut saved = Vec::with_capacity(changes.len());
    for (i, key, value) in changes {
        let ctx = contexts.get_mut(i)?;
        saved.push((i, key, ctx.get(key.name).cloned()));
        set(ctx, key, value);
    }
    let result = f(contexts);
    for (i, key, value) in saved.into_iter().rev() {
        if let Some(ctx) = contexts.get_mut(i) {
            set(ctx, key, value);
        }
    }
    Some(result)
}

fn set(ctx: &mut RequestContext, key: KnownKey, value: Option<ContextValue>) {
    match value {
        Some(value) => ctx.insert_known(key, value),
        None => ctx.remove(key.name),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::request::{Mint, Network};

    fn request() -> impl Strategy<Value = Request> {
        (
            prop::collection::vec("https://[ab]", 0..3),
            prop::option::of(prop_oneof![Just(300u32), Just(900), 0u32..4000]),
            prop_oneof![Just("ES384"), Just("RS256"), Just("x")],
            prop::collection::vec(("team|job|Team", "data|ops"), 0..3),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("sts:DurationSeconds"),
                        Just("STS:durationseconds"),
                        Just("sts:SigningAlgorithm"),
                        Just("sts:IdentityTokenAudience"),
                        Just("aws:PrincipalTag/x"),
                    ],
                    "[0-9]{1,3}",
                ),
                0..2,
            ),
            any::<bool>(),
        )
            .prop_map(|(audiences, duration, alg, tags, context, vpc)| Request {
                principal_arn: Some("arn:aws:iam::111122223333:role/payments".into()),
                tags: tags.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
                network: if vpc {
                    Network::Endpoint { vpc: "vpc-1".into(), vpce: "vpce-1".into(), ip: None }
                } else {
                    Network::default()
                },
                context: context.into_iter().map(|(k, v)| (k.to_owned(), ContextValue::Single(v.into()))).collect(),
                ..Request::mint(Mint { audiences, duration, signing_algorithm: alg.into() })
            })
    }

    fn assumptions() -> impl Strategy<Value = Assumptions> {
        prop::collection::vec(any::<bool>(), Setting::ALL.len()).prop_map(|flips| {
            Setting::ALL
                .into_iter()
                .zip(flips)
                .fold(Assumptions::default(), |a, (s, flip)| if flip { a.flipped(s) } else { a })
        })
    }

    fn contexts(request: &Request, assumptions: &Assumptions) -> Vec<RequestContext> {
        request.actions().into_iter().map(|a| request.context(a, assumptions)).collect()
    }

    proptest! {
        /// Changed in place, the contexts are those built under the flipped setting; changed back, those
        /// built under the configured one.
        #[test]
        fn flipped_in_place_equals_built_anew(r in request(), a in assumptions()) {
            for setting in Setting::ALL {
                let alt = a.flipped(setting);
                let mut built = contexts(&r, &a);
                let expected = contexts(&r, &alt);
                let seen = with_flipped(&r, &mut built, setting, &alt, |flipped| flipped.to_vec());
                if let Some(seen) = seen {
                    prop_assert!(matches!(setting, Setting::DurationKeyWhenOmitted | Setting::TagCheckSeesStsKeys));
                    prop_assert_eq!(seen, expected, "{}", setting);
                }
                prop_assert_eq!(built, contexts(&r, &a), "{} not changed back", setting);
            }
        }
    }

    /// The in-place path is taken where it applies (the law above is not vacuous).
    #[test]
    fn applies_to_the_two_settings() {
        let r = Request {
            tags: vec![("team".into(), "data".into())],
            ..Request::mint(Mint { audiences: vec!["a".into()], ..Mint::default() })
        };
        let a = Assumptions::default();
        for setting in [Setting::DurationKeyWhenOmitted, Setting::TagCheckSeesStsKeys] {
            let mut built = contexts(&r, &a);
            assert!(with_flipped(&r, &mut built, setting, &a.flipped(setting), |_| ()).is_some(), "{setting}");
        }
    }
}

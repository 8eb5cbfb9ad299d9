//! What the API refuses besides authorization: parameter validation before it (reference §1.2, §8), and the
//! session-duration check after it (§1.4).

use crate::eval::Assumptions;
use crate::eval::assumptions::CaseVariantTagKeys;
use crate::token::{
    DEFAULT_DURATION, MAX_AUDIENCE_LEN, MAX_AUDIENCES, MAX_DURATION, MAX_TAG_KEY_LEN, MAX_TAG_VALUE_LEN, MAX_TAGS,
    MIN_DURATION, SIGNING_ALGORITHMS,
};

use super::{Operation, Request};

/// Why the API would reject the request before authorization matters, or refuse it after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvalidRequest {
    /// A `ValidationError`: the request breaks the API's parameter constraints.
    Validation(String),
    /// `SessionDurationEscalationException`: the token would outlive the caller's session.
    SessionDurationEscalation(String),
}

impl InvalidRequest {
    pub fn decision_name(&self) -> &'static str {
        match self {
            InvalidRequest::Validation(_) => "invalid-request",
            InvalidRequest::SessionDurationEscalation(_) => "session-duration-escalation",
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            InvalidRequest::Validation(r) | InvalidRequest::SessionDurationEscalation(r) => r,
        }
    }
}

fn tag_chars_ok(text: &str) -> bool {
    // [\p{L}\p{Z}\p{N}_.:/=+\-@]: \p{Z} holds the space and line/paragraph separators, not the control
    // characters (tab, newline) that `char::is_whitespace` also accepts.
    text.chars().all(|c| {
        c.is_alphabetic() || c.is_numeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
    })
}

/// Two request tags whose keys are equal ignoring ASCII case, as `(first, second)`: the keys that name one
/// `aws:RequestTag/<key>` (condition key names compare that way, reference §5.6). Sorted once, so a request
/// with the API's maximum of 50 tags costs no quadratic scan.
pub fn case_variant_keys(tags: &[(String, String)]) -> Option<(&str, &str)> {
    let mut keys: Vec<(String, usize)> =
        tags.iter().enumerate().map(|(i, (k, _))| (k.to_ascii_lowercase(), i)).collect();
    keys.sort();
    keys.windows(2).find_map(|w| match w {
        [(a, i), (b, j)] if a == b => {
            let first = tags.get(*i.min(j)).map(|(k, _)| k.as_str())?;
            let second = tags.get(*i.max(j)).map(|(k, _)| k.as_str())?;
            Some((first, second))
        }
        _ => None,
    })
}

impl Request {
    /// Everything the API refuses besides authorization: the parameters, then the session duration.
    pub fn validate(&self, assumptions: &Assumptions) -> Result<(), InvalidRequest> {
        self.validate_parameters(assumptions)?;
        self.check_session_duration()
    }

    /// The API's parameter validation, which comes before authorization. Only token requests are validated:
    /// for other actions mintlint does not know the API's parameters.
    pub fn validate_parameters(&self, assumptions: &Assumptions) -> Result<(), InvalidRequest> {
        let Operation::Mint(m) = &self.operation else { return Ok(()) };
        let invalid = |m: String| Err(InvalidRequest::Validation(m));
        if m.audiences.is_empty() {
            return invalid("at least one audience is required".into());
        }
        if m.audiences.len() > MAX_AUDIENCES {
            return invalid(format!("{} audiences given; the API accepts at most {MAX_AUDIENCES}", m.audiences.len()));
        }
        for a in &m.audiences {
            let len = a.chars().count();
            if len == 0 || len > MAX_AUDIENCE_LEN {
                return invalid(format!("audience `{a}` is {len} characters; each must be 1-{MAX_AUDIENCE_LEN}"));
            }
        }
        if !SIGNING_ALGORITHMS.contains(&m.signing_algorithm.as_str()) {
            return invalid(format!("signing algorithm `{}` is not RS256 or ES384", m.signing_algorithm));
        }
        if let Some(d) = m.duration.filter(|d| !(MIN_DURATION..=MAX_DURATION).contains(d)) {
            return invalid(format!("duration {d} s is outside {MIN_DURATION}-{MAX_DURATION} s"));
        }
        if self.tags.len() > MAX_TAGS {
            return invalid(format!("{} tags given; the API accepts at most {MAX_TAGS}", self.tags.len()));
        }
        for (k, v) in &self.tags {
            let klen = k.chars().count();
            if klen == 0 || klen > MAX_TAG_KEY_LEN || !tag_chars_ok(k) {
                return invalid(format!(
                    "tag key `{k}` must be 1-{MAX_TAG_KEY_LEN} letters, digits, spaces or _.:/=+-@"
                ));
            }
            if v.chars().count() > MAX_TAG_VALUE_LEN || !tag_chars_ok(v) {
                return invalid(format!(
                    "tag value `{v}` must be 0-{MAX_TAG_VALUE_LEN} letters, digits, spaces or _.:/=+-@"
                ));
            }
        }
        if assumptions.case_variant_tag_keys == CaseVariantTagKeys::Rejected
            && let Some((a, b)) = case_variant_keys(&self.tags)
        {
            let what = if a == b {
                format!("tag key `{a}` is sent twice")
            } else {
                format!("tag keys `{a}` and `{b}` differ only in case")
            };
            return invalid(format!("{what}; tag keys are case-insensitive (assumption `case_variant_tag_keys`)"));
        }
        Ok(())
    }

    /// `SessionDurationEscalationException`: a token may not outlive the caller's session. An API-level
    /// check that the reference's algorithm (§4.7) runs after authorization; their relative order is not
    /// documented (§10.12), and the simulator reports the authorization outcome first.
    pub fn check_session_duration(&self) -> Result<(), InvalidRequest> {
        let Operation::Mint(m) = &self.operation else { return Ok(()) };
        if let (Some(expiry), Some(now)) = (self.session_expiry, self.time) {
            let lifetime = i64::from(m.duration.unwrap_or(DEFAULT_DURATION));
            if now.epoch_secs().saturating_add(lifetime) > expiry.epoch_secs() {
                return Err(InvalidRequest::SessionDurationEscalation(format!(
                    "a {lifetime} s token issued at {} would outlive the session, which expires at {}",
                    now.to_rfc3339(),
                    expiry.to_rfc3339()
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::value::date::Timestamp;
    use crate::request::Mint;
    use crate::request::tests::base;

    fn with(f: impl FnOnce(&mut Request)) -> Request {
        let mut r = base();
        f(&mut r);
        r
    }

    fn mint(f: impl FnOnce(&mut Mint)) -> Request {
        with(|r| {
            if let Some(m) = r.token_mut() {
                f(m);
            }
        })
    }

    #[test]
    fn validation_limits() {
        let a = Assumptions::default();
        assert!(base().validate(&a).is_ok());
        assert!(mint(|m| m.duration = Some(59)).validate(&a).is_err());
        assert!(mint(|m| m.duration = Some(3601)).validate(&a).is_err());
        assert!(mint(|m| m.duration = Some(60)).validate(&a).is_ok());
        assert!(mint(|m| m.audiences.clear()).validate(&a).is_err());
        assert!(mint(|m| m.audiences = vec!["a".into(); 11]).validate(&a).is_err());
        assert!(mint(|m| m.audiences = vec!["a".repeat(1001)]).validate(&a).is_err());
        assert!(mint(|m| m.signing_algorithm = "es384".into()).validate(&a).is_err());
        assert!(with(|r| r.tags = (0..51).map(|i| (format!("k{i}"), "v".to_owned())).collect()).validate(&a).is_err());
        assert!(with(|r| r.tags = vec![("bad*key".into(), "v".into())]).validate(&a).is_err());
    }

    #[test]
    fn case_variant_tag_keys_follow_the_assumption() {
        let r = with(|r| r.tags = vec![("team".into(), "a".into()), ("Team".into(), "b".into())]);
        let rejected = Assumptions::default();
        let error = r.validate(&rejected).unwrap_err();
        assert!(error.reason().contains("`team` and `Team`"), "{error:?}");
        let accepted = rejected.flipped(crate::eval::Setting::CaseVariantTagKeys);
        assert!(r.validate(&accepted).is_ok());
        assert_eq!(case_variant_keys(&[("a".into(), String::new()), ("b".into(), String::new())]), None);
        // Non-ASCII letters name different context keys, as the evaluator compares key names.
        assert_eq!(case_variant_keys(&[("Ä".into(), String::new()), ("ä".into(), String::new())]), None);
    }

    #[test]
    fn session_escalation() {
        let now = Timestamp::parse("2026-01-01T00:00:00Z");
        let expiry = Timestamp::parse("2026-01-01T00:10:00Z");
        let timed = |d: u32| {
            with(|r| {
                r.time = now;
                r.session_expiry = expiry;
                if let Some(m) = r.token_mut() {
                    m.duration = Some(d);
                }
            })
        };
        assert!(matches!(
            timed(900).validate(&Assumptions::default()),
            Err(InvalidRequest::SessionDurationEscalation(_))
        ));
        assert!(timed(600).validate(&Assumptions::default()).is_ok());
    }
}

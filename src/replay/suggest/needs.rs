//! What each principal really used, folded call by call from the issued records, and the grant that covers
//! exactly that: the audiences, the longest lifetime issued, the algorithms, the tag keys sent together and
//! their values (a principal tag where every value equalled one), and the interface endpoints when every
//! call came through one.

use std::collections::{BTreeMap, BTreeSet};

use crate::token::DEFAULT_DURATION;

use super::super::record::RecordedCall;

/// What one principal's issued calls used. Built one call at a time, so the calls need not be kept.
#[derive(Clone, Debug, Default)]
pub struct Usage {
    pub issued: u64,
    pub audiences: BTreeSet<String>,
    /// The longest `durationSeconds` sent.
    pub longest_sent: Option<u32>,
    /// Some call sent no `durationSeconds` (the API issued 300 s).
    pub omitted: bool,
    pub algorithms: BTreeSet<String>,
    /// Some call sent no algorithm (a record the API would refuse; then no algorithm is pinned).
    pub no_algorithm: bool,
    /// Interface endpoints called through, and the VPC of each when the inputs name it.
    pub endpoints: BTreeMap<String, Option<String>>,
    /// Some call came over the public endpoint.
    pub public: bool,
    /// Per set of tag keys sent together (sorted, as sent), the values of each key.
    pub tag_sets: BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>>,
}

impl Usage {
    /// Fold in one issued call; `vpc` is the VPC of its endpoint when known.
    pub fn add(&mut self, call: &RecordedCall, vpc: Option<&str>) {
        let spec = &call.spec;
        self.issued += 1;
        self.audiences.extend(spec.audiences.iter().cloned());
        match spec.duration {
            Some(d) => self.longest_sent = Some(self.longest_sent.map_or(d, |l| l.max(d))),
            None => self.omitted = true,
        }
        match &spec.signing_algorithm {
            Some(a) => {
                self.algorithms.insert(a.clone());
            }
            None => self.no_algorithm = true,
        }
        match &call.endpoint {
            Some(e) => {
                let known = self.endpoints.entry(e.clone()).or_insert_with(|| vpc.map(str::to_owned));
                // One endpoint is in one VPC; a call that does not name it leaves it unknown.
                if known.as_deref() != vpc {
                    *known = None;
                }
            }
            None => self.public = true,
        }
        if !spec.tags.is_empty() {
            let mut keys: Vec<String> = spec.tags.iter().map(|(k, _)| k.clone()).collect();
            keys.sort();
            keys.dedup();
            let values = self.tag_sets.entry(keys).or_default();
            for (k, v) in &spec.tags {
                values.entry(k.clone()).or_default().insert(v.clone());
            }
        }
    }

    /// The longest lifetime issued: the longest sent, or the API's 300 s default when a call sent none.
    pub fn longest_issued(&self) -> u32 {
        let default = if self.omitted { DEFAULT_DURATION } else { 0 };
        self.longest_sent.unwrap_or(0).max(default)
    }
}

/// How the value of one request tag is granted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TagValue {
    /// Every value sent equalled the principal's own tag of this key: `${aws:PrincipalTag/KEY}`.
    PrincipalTag(String),
    /// The values sent.
    Literal(Vec<String>),
}

/// One set of tag keys sent together, and the value of each.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TagGrant {
    pub keys: Vec<String>,
    pub values: Vec<(String, TagValue)>,
}

/// The grant that allows exactly what was used (as far as conditions can say it). Principals with equal
/// needs share one policy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Needs {
    pub audiences: Vec<String>,
    /// The lifetime cap: the longest lifetime issued.
    pub cap: u32,
    /// Whether a call omitted the lifetime: the cap then applies only if the key is present (`IfExists`).
    pub omitted: bool,
    /// `None` when a call sent no algorithm.
    pub algorithms: Option<Vec<String>>,
    /// When every call came through an interface endpoint: the endpoints by their VPC (`None`: not known).
    /// One endpoint lives in one VPC, so each VPC's endpoints are granted together with it.
    pub endpoints: Option<Vec<(Option<String>, Vec<String>)>>,
    pub tags: Vec<TagGrant>,
}

impl Needs {
    /// The needs of a principal's usage. `principal_tags` are its IAM tags when the inputs give them (never
    /// the session's, which records do not carry).
    pub fn of(usage: &Usage, principal_tags: Option<&[(String, String)]>) -> Needs {
        let endpoints = (!usage.public && !usage.endpoints.is_empty()).then(|| {
            let mut by_vpc: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
            for (vpce, vpc) in &usage.endpoints {
                by_vpc.entry(vpc.clone()).or_default().push(vpce.clone());
            }
            // Known VPCs first, the endpoints of unknown VPC last.
            let mut groups: Vec<(Option<String>, Vec<String>)> = by_vpc.into_iter().collect();
            groups.sort_by_key(|(vpc, _)| vpc.is_none());
            groups
        });
        let tags = usage
            .tag_sets
            .iter()
            .map(|(keys, values)| TagGrant {
                keys: keys.clone(),
                values: values.iter().map(|(k, v)| (k.clone(), tag_value(k, v, principal_tags))).collect(),
            })
            .collect();
        Needs {
            audiences: usage.audiences.iter().cloned().collect(),
            cap: usage.longest_issued(),
            omitted: usage.omitted,
            algorithms: (!usage.no_algorithm && !usage.algorithms.is_empty())
                .then(|| usage.algorithms.iter().cloned().collect()),
            endpoints,
            tags,
        }
    }
}

/// A principal tag whose value every sent value equalled (the same key first, then others by name), or
/// the values themselves.
fn tag_value(key: &str, values: &BTreeSet<String>, principal_tags: Option<&[(String, String)]>) -> TagValue {
    let literal = || TagValue::Literal(values.iter().cloned().collect());
    let (Some(tags), Some(only), 1) = (principal_tags, values.first(), values.len()) else {
        return literal();
    };
    let mut candidates: Vec<&(String, String)> = tags.iter().filter(|(_, v)| v == only).collect();
    candidates.sort_by_key(|(k, _)| (!k.eq_ignore_ascii_case(key), k.clone()));
    // A key that is no plain tag key cannot be named inside `${...}`.
    match candidates.into_iter().find(|(k, _)| !k.contains(['$', '{', '}'])) {
        Some((k, _)) => TagValue::PrincipalTag(k.clone()),
        None => literal(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_value_equal_to_the_principal_tag_becomes_its_variable() {
        let values: BTreeSet<String> = ["payments".to_owned()].into();
        let own = tags(&[("env", "payments"), ("Team", "payments")]);
        assert_eq!(tag_value("team", &values, Some(&own)), TagValue::PrincipalTag("Team".into()));
        let other = tags(&[("owner", "payments")]);
        assert_eq!(tag_value("team", &values, Some(&other)), TagValue::PrincipalTag("owner".into()));
        assert_eq!(tag_value("team", &values, None), TagValue::Literal(vec!["payments".into()]));
        let two: BTreeSet<String> = ["a".to_owned(), "b".to_owned()].into();
        assert_eq!(tag_value("team", &two, Some(&own)), TagValue::Literal(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn the_cap_counts_an_omitted_lifetime_as_the_default() {
        let mut u = Usage { longest_sent: Some(120), ..Usage::default() };
        assert_eq!(u.longest_issued(), 120);
        u.omitted = true;
        assert_eq!(u.longest_issued(), DEFAULT_DURATION);
        u.longest_sent = Some(900);
        assert_eq!(u.longest_issued(), 900);
    }
}

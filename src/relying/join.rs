//! The join: which principals reach which relying party, exactly, each reach with a witness.
//!
//! A principal *reaches* a relying party when some token request it is allowed to make (both authorization
//! checks, every layer) yields a token the relying party accepts. The request space is cut into regions by
//! `diff`'s region analysis ([`crate::diff::space::build_with`]), with the relying party's constants added
//! as predicates the regions must tell apart: the audiences it accepts, the values its claim conditions
//! compare caller-chosen claims with (request tags, the region, principal tags when the inputs do not give
//! them), the signing algorithms. Within one region every policy condition and every relying-party condition
//! decides alike, so deciding one representative per region decides every request: the answer is exact, and
//! a reach comes with the representative as its witness (a request `simulate` allows, and the token it
//! yields, with the conditions that token meets).
//!
//! What the region analysis cannot follow is said, never guessed: a principal whose space is not exact or
//! exceeds the budget, a relying-party value not known statically, a CEL expression that uses a claim the
//! caller chooses in a way other than comparing it with constants. Each is an *undecided* pair.

use std::collections::BTreeMap;

use crate::diff::enumerate::{Grid, decide_all};
use crate::diff::space::{self, Extra, PrincipalFacts};
use crate::diff::strings::{Atom, CharEq, Piece, string_atom};
use crate::diff::work::{Work, bound_for};
use crate::eval::{Assumptions, ContextValue, PolicySet, Setting};
use crate::request::Request;
use crate::simulate::allows;
use crate::source::Span;

use super::claims::{AWS_CLAIM, Token, token};
use super::matching::{Check, Part, Resolve, Verdict, accepts};
use super::pointer::{self, ClaimPath, ClaimSource};
use super::{AudienceRule, Compare, Located, RelyingParty, Text, cel, glob, is_aws_issuer};

/// Representative requests decided per principal and relying party before the pair is undecided.
pub const DEFAULT_BUDGET: u64 = 200_000;

/// A principal as the join sees it.
#[derive(Clone, Debug)]
pub struct Principal {
    /// How reports name it.
    pub display: String,
    /// Its Terraform address, when it has one (references such as `aws_iam_role.app.arn` resolve to it).
    pub address: Option<String>,
    /// The ARN its tokens carry as `sub`.
    pub arn: String,
    /// The ARN is not given by the inputs.
    pub arn_assumed: bool,
    pub policies: PolicySet,
    pub facts: PrincipalFacts,
}

impl Principal {
    pub fn account(&self) -> Option<&str> {
        self.arn.split(':').nth(4).filter(|a| !a.is_empty())
    }
}

/// What `mintlint.toml` says about accounts (`[accounts]`): each account's issuer and organization.
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    /// Account id → issuer URL.
    pub issuers: BTreeMap<String, String>,
    /// Account id → organization id (`o-...`), the `org_id` claim and `aws:PrincipalOrgID`.
    pub orgs: BTreeMap<String, String>,
}

impl Accounts {
    /// Whether some configured account has this issuer.
    pub fn knows_issuer(&self, issuer: &str) -> bool {
        self.issuers.values().any(|i| i == issuer)
    }
}

#[derive(Clone, Copy, Debug)]
pub struct JoinOptions {
    pub assumptions: Assumptions,
    pub budget: u64,
}

impl Default for JoinOptions {
    fn default() -> Self {
        JoinOptions { assumptions: Assumptions::default(), budget: DEFAULT_BUDGET }
    }
}

/// An assumption under whose alternative value the witness no longer reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub setting: Setting,
    pub configured: &'static str,
    pub alternative: &'static str,
}

/// One principal and one relying party.
#[derive(Clone, Debug)]
pub enum Reach {
    /// Some allowed request yields an accepted token: this one.
    Reaches(Box<Witness>),
    /// No allowed request yields an accepted token; `failure` is the condition the tokens the principal can
    /// obtain fail furthest along (or `None` when it can mint no token at all).
    NotReached {
        failure: Option<Check>,
    },
    Undecided {
        why: String,
        span: Option<Span>,
    },
}

/// A reach, proved.
#[derive(Clone, Debug)]
pub struct Witness {
    pub request: Request,
    pub token: Token,
    /// Every condition of the relying party the token meets.
    pub checks: Vec<Check>,
    /// What the acceptance rests on that no document confirms.
    pub undocumented: Vec<String>,
    pub depends_on: Vec<Dependency>,
    /// Representative requests decided.
    pub evaluations: u64,
}

/// Resolves references against the principals and accounts.
struct Refs<'a> {
    principals: &'a [Principal],
    accounts: &'a Accounts,
}

impl Resolve for Refs<'_> {
    fn principal_arn(&self, address: &str) -> Option<String> {
        self.principals.iter().find(|p| p.address.as_deref() == Some(address)).map(|p| p.arn.clone())
    }

    /// The federation resource enables the issuer of the account its configuration deploys to: known when
    /// one configured account has an issuer and every principal of the inputs is in it.
    fn account_issuer(&self, _address: &str) -> Option<String> {
        let mut accounts = self.principals.iter().filter(|p| !p.arn_assumed).filter_map(Principal::account);
        let first = accounts.next()?;
        if accounts.any(|a| a != first) {
            return None;
        }
        self.accounts.issuers.get(first).cloned()
    }
}

/// The issuer a relying party trusts, resolved.
pub fn issuer_of(rp: &RelyingParty, principals: &[Principal], accounts: &Accounts) -> Option<String> {
    let refs = Refs { principals, accounts };
    match &rp.issuer.as_ref()?.value {
        Text::Known(s) => Some(s.clone()),
        Text::AccountIssuer(a) => refs.account_issuer(a),
        _ => None,
    }
}

/// Whether a relying party is in the graph: its issuer is an AWS outbound issuer, a configured account's, or
/// not known statically (it may be).
pub fn is_aws_relying_party(rp: &RelyingParty, accounts: &Accounts) -> bool {
    match rp.issuer.as_ref().map(|i| &i.value) {
        Some(Text::Known(s)) => is_aws_issuer(s) || accounts.knows_issuer(s),
        _ => true,
    }
}

/// Decide every principal against one relying party.
pub fn reach_all(
    rp: &RelyingParty,
    principals: &[Principal],
    accounts: &Accounts,
    options: &JoinOptions,
) -> Vec<Reach> {
    let refs = Refs { principals, accounts };
    principals.iter().map(|p| reach(rp, p, &refs, accounts, options)).collect()
}

/// The claims a relying party reads, by what decides them, and whether CEL reads a caller-chosen claim in a
/// way the regions cannot follow.
struct Reads {
    /// Claim path → predicates (atoms) on its value.
    probes: Vec<(ClaimPath, Atom)>,
    /// Claim paths read for presence only (a tag key).
    present: Vec<ClaimPath>,
    /// Why the pair cannot be decided over requests.
    opaque: Option<(String, Span)>,
}

fn exact(text: &str) -> Atom {
    string_atom(&[Piece::Literal(text.to_owned())], false, CharEq::Exact)
}

fn pattern(prefix: bool, text: &str, suffix: bool) -> Atom {
    let mut pieces = Vec::new();
    if prefix {
        pieces.push(Piece::Glob("*".into()));
    }
    pieces.push(Piece::Literal(text.to_owned()));
    if suffix {
        pieces.push(Piece::Glob("*".into()));
    }
    string_atom(&pieces, true, CharEq::Exact)
}

/// Whether a claim's value varies with the request for this principal (rather than being a fact of it).
fn varies(path: &[String], tags_known: bool) -> bool {
    match pointer::source(path) {
        ClaimSource::RequestTag(_) | ClaimSource::Audience | ClaimSource::Region => true,
        ClaimSource::PrincipalTag(_) => !tags_known,
        ClaimSource::Principal => false,
        ClaimSource::Other => {
            let whole = |name: &str| {
                path.len() == 2
                    && path.first().is_some_and(|p| p == AWS_CLAIM)
                    && path.get(1).is_some_and(|k| k == name)
            };
            session_key(path).is_some() || whole("request_tags") || (whole("principal_tags") && !tags_known)
        }
    }
}

/// The context key a session claim mirrors (reference §3.3).
fn session_key(path: &[String]) -> Option<&'static str> {
    let [aws, claim] = path else { return None };
    if aws != AWS_CLAIM {
        return None;
    }
    const SESSION: [(&str, &str); 10] = [
        ("federated_provider", "aws:federatedprovider"),
        ("identity_store_user_id", "identitystore:userid"),
        ("identity_store_arn", "identitystore:identitystorearn"),
        ("ec2_source_instance_arn", "ec2:sourceinstancearn"),
        ("ec2_instance_source_vpc", "aws:ec2instancesourcevpc"),
        ("ec2_instance_source_private_ipv4", "aws:ec2instancesourceprivateipv4"),
        ("ec2_role_delivery", "ec2:roledelivery"),
        ("source_identity", "aws:sourceidentity"),
        ("lambda_source_function_arn", "lambda:sourcefunctionarn"),
        ("glue_credential_issuing_service", "glue:credentialissuingservice"),
    ];
    SESSION.iter().find(|(c, _)| *c == claim).map(|(_, k)| *k)
}

/// What a relying party reads from the token.
fn reads(rp: &RelyingParty, refs: &dyn Resolve, tags_known: bool) -> Reads {
    let mut out = Reads { probes: Vec::new(), present: Vec::new(), opaque: None };
    let resolved = |t: &Located<Text>| -> Option<String> {
        match &t.value {
            Text::Known(s) => Some(s.clone()),
            Text::PrincipalArn(a) => refs.principal_arn(a),
            Text::AccountIssuer(a) => refs.account_issuer(a),
            Text::Unknown(_) => None,
        }
    };
    let aud = vec!["aud".to_owned()];
    match &rp.audience {
        AudienceRule::AnyOf(list) => {
            out.probes.extend(list.iter().filter_map(resolved).map(|a| (aud.clone(), exact(&a))));
        }
        AudienceRule::Single(a) => out.probes.extend(resolved(a).map(|a| (aud.clone(), exact(&a)))),
        AudienceRule::GoogleDefault(Some(name), _) => {
            out.probes.push((aud.clone(), exact(name)));
            out.probes.push((aud.clone(), exact(&format!("https:{name}"))));
        }
        AudienceRule::GoogleDefault(None, _) | AudienceRule::RejectAny(_) => {}
    }
    for rule in &rp.claims {
        let Some(path) = pointer::parse(&rule.claim.value) else { continue };
        out.present.push(path.clone());
        for v in rule.values.iter().filter_map(resolved) {
            out.probes.push((path.clone(), glob::atom(rule.compare, &v)));
        }
    }
    if let Some(g) = &rp.google {
        // Attributes mapped straight from a claim are that claim wherever the condition reads them.
        let mut aliases: Vec<(String, String)> = Vec::new();
        for (target, expr) in &g.mapping {
            let Some(text) = resolved(expr) else { continue };
            let Ok(compiled) = cel::compile(&text) else { continue };
            let a = cel::analyse(&compiled);
            let is_alias = a.claims.len() == 1
                && a.claims.values().all(|u| u.opaque == ["used as a value"] && u.equals.is_empty())
                && !a.whole_assertion;
            if is_alias {
                aliases.push((target.value.clone(), text.clone()));
            }
            let matters = target.value == "google.subject" || !is_alias;
            for (path, u) in &a.claims {
                if varies(path, tags_known) && matters && !u.opaque.is_empty() && out.opaque.is_none() {
                    out.opaque = Some((
                        format!(
                            "mapping `{}` reads the caller-chosen claim `{}` ({})",
                            target.value,
                            path.join("."),
                            u.opaque.join(", ")
                        ),
                        expr.span,
                    ));
                }
            }
        }
        if let Some(cond) = &g.condition
            && let Some(text) = resolved(cond)
        {
            let substituted = substitute(&text, &aliases);
            if let Ok(compiled) = cel::compile(&substituted) {
                let a = cel::analyse(&compiled);
                if a.whole_assertion && out.opaque.is_none() {
                    out.opaque = Some(("the condition reads `assertion` as a whole".into(), cond.span));
                }
                for (path, u) in &a.claims {
                    if !varies(path, tags_known) {
                        continue;
                    }
                    if !u.opaque.is_empty() && out.opaque.is_none() {
                        out.opaque = Some((
                            format!(
                                "the condition reads the caller-chosen claim `{}` ({})",
                                path.join("."),
                                u.opaque.join(", ")
                            ),
                            cond.span,
                        ));
                    }
                    out.present.push(path.clone());
                    out.probes.extend(u.equals.iter().map(|v| (path.clone(), exact(v))));
                    out.probes.extend(u.prefixes.iter().map(|v| (path.clone(), pattern(false, v, true))));
                    out.probes.extend(u.suffixes.iter().map(|v| (path.clone(), pattern(true, v, false))));
                    out.probes.extend(u.infixes.iter().map(|v| (path.clone(), pattern(true, v, true))));
                }
            }
        }
    }
    out
}

/// The condition with each aliased attribute (`attribute.team`) replaced by the claim it is mapped from.
fn substitute(text: &str, aliases: &[(String, String)]) -> String {
    let mut out = text.to_owned();
    for (name, expr) in aliases {
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(at) = rest.find(name.as_str()) {
            let before_ok =
                rest[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
            let after = &rest[at + name.len()..];
            let after_ok = after.chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            result.push_str(&rest[..at]);
            if before_ok && after_ok {
                result.push('(');
                result.push_str(expr);
                result.push(')');
            } else {
                result.push_str(name);
            }
            rest = after;
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// The region-analysis predicates of a relying party's reads, by context key.
fn extra(reads: &Reads, principal: &Principal, accounts: &Accounts, rp: &RelyingParty) -> Extra {
    let mut probes: BTreeMap<String, Vec<Atom>> = BTreeMap::new();
    let mut add = |key: String, atom: Atom| probes.entry(key).or_default().push(atom);
    for path in &reads.present {
        if let ClaimSource::RequestTag(k) = pointer::source(path) {
            // The claim carries the key as sent: its exact spelling is a region of `aws:TagKeys`.
            add("aws:tagkeys".into(), exact(&k));
        }
    }
    for (path, atom) in &reads.probes {
        match pointer::source(path) {
            ClaimSource::Audience => add("sts:identitytokenaudience".into(), atom.clone()),
            ClaimSource::RequestTag(k) => {
                add("aws:tagkeys".into(), exact(&k));
                add(format!("aws:requesttag/{}", k.to_ascii_lowercase()), atom.clone());
            }
            ClaimSource::PrincipalTag(k) => add(format!("aws:principaltag/{}", k.to_ascii_lowercase()), atom.clone()),
            ClaimSource::Region => add("aws:requestedregion".into(), atom.clone()),
            ClaimSource::Principal | ClaimSource::Other => {
                if let Some(key) = session_key(path) {
                    add(key.to_owned(), atom.clone());
                }
            }
        }
    }
    if matches!(rp.algorithms, super::Algorithms::Listed(_) | super::Algorithms::Undocumented) {
        for a in crate::token::SIGNING_ALGORITHMS {
            add("sts:signingalgorithm".into(), exact(a));
        }
    }
    let mut fixed = Vec::new();
    if let Some(org) = principal.account().and_then(|a| accounts.orgs.get(a)) {
        fixed.push(("aws:PrincipalOrgID".to_owned(), ContextValue::Single(org.as_str().into())));
    }
    Extra { probes, fixed }
}

fn issuer_for(principal: &Principal, accounts: &Accounts) -> Option<String> {
    principal.account().and_then(|a| accounts.issuers.get(a)).cloned()
}

/// The best witness so far: its size (audiences and tags), its count of undocumented facts, and the proof.
type Best = (usize, usize, Request, Token, Vec<Check>, Vec<String>);

/// Decide one pair.
fn reach(
    rp: &RelyingParty,
    principal: &Principal,
    refs: &Refs<'_>,
    accounts: &Accounts,
    options: &JoinOptions,
) -> Reach {
    if let Some((span, why)) = rp.unknown_parts().into_iter().next() {
        return Reach::Undecided { why: format!("not known statically: {why}"), span: Some(span) };
    }
    let assumptions = &options.assumptions;
    let issuer = issuer_for(principal, accounts);
    let tags_known = principal.facts.tags.is_some();
    let reads = reads(rp, refs, tags_known);
    if let Some((why, span)) = reads.opaque {
        return Reach::Undecided { why, span: Some(span) };
    }
    let extra = extra(&reads, principal, accounts, rp);
    let mut facts = principal.facts.clone();
    facts.arn = Some(principal.arn.clone());
    // The same bounds as `diff`: the space is counted before it is built, and building and deciding it are
    // paid from one work meter, so a hostile policy makes the pair undecided, never a blow-up.
    let work = Work::new(bound_for(options.budget));
    let space =
        space::build_with(&principal.policies, &principal.policies, &facts, assumptions, &extra, options.budget, &work);
    if let Some(stopped) = &space.stopped {
        return Reach::Undecided { why: format!("the principal's policies: {stopped}"), span: None };
    }
    if !space.unsupported.is_empty() {
        return Reach::Undecided {
            why: format!("the principal's policies are not analysed exactly: {}", space.unsupported.join("; ")),
            span: None,
        };
    }
    let Some(grid) = Grid::new(&space, options.budget) else {
        return Reach::Undecided {
            why: format!(
                "its {} representative requests exceed the budget of {} ({})",
                space.size(),
                options.budget,
                space.shape()
            ),
            span: None,
        };
    };
    let Ok(allowed) = decide_all(&grid, &[&principal.policies], assumptions, &work) else {
        return Reach::Undecided {
            why: format!(
                "deciding its {} representative requests exceeds the analysis work bound ({} steps)",
                space.size(),
                work.limit()
            ),
            span: None,
        };
    };
    let total = grid.total as u64;
    // The accepted request with the fewest undocumented assumptions, then the fewest audiences and tags.
    let mut best: Option<Best> = None;
    let mut failure: Option<Check> = None;
    for (index, bits) in allowed.iter().enumerate() {
        if bits & 1 == 0 {
            continue;
        }
        let request = grid.request(index);
        // decide_all decides the checks; the API's parameter validation comes before them.
        if request.validate(assumptions).is_err() {
            continue;
        }
        if work.spend(1 + request.audiences().len() as u64 + request.tags.len() as u64).is_err() {
            return Reach::Undecided {
                why: format!("matching its tokens exceeds the analysis work bound ({} steps)", work.limit()),
                span: None,
            };
        }
        let t = token(&request, issuer.as_deref(), assumptions);
        match accepts(rp, &t, assumptions, refs) {
            Verdict::Accepted { checks, undocumented } => {
                let size = (request.audiences().len() + request.tags.len(), undocumented.len());
                let better = best.as_ref().is_none_or(|b| (size.1, size.0) < (b.1, b.0));
                if better {
                    best = Some((size.0, size.1, request, t, checks, undocumented));
                }
            }
            Verdict::Rejected(check) => {
                if failure.as_ref().is_none_or(|f| check.part > f.part) {
                    failure = Some(check);
                }
            }
            Verdict::Undecided { why, span } => return Reach::Undecided { why, span: Some(span) },
        }
    }
    match best {
        Some((_, _, request, token, checks, undocumented)) => {
            let depends_on = Setting::ALL
                .into_iter()
                .filter_map(|setting| {
                    let alt = assumptions.flipped(setting);
                    let t = super::claims::token(&request, issuer.as_deref(), &alt);
                    let holds = allows(&principal.policies, &request, &alt) && accepts(rp, &t, &alt, refs).accepted();
                    (!holds).then(|| Dependency {
                        setting,
                        configured: assumptions.get(setting),
                        alternative: alt.get(setting),
                    })
                })
                .collect();
            Reach::Reaches(Box::new(Witness { request, token, checks, undocumented, depends_on, evaluations: total }))
        }
        None => Reach::NotReached { failure },
    }
}

/// A witness request as a `--cases` entry expecting `allow` (the cases-file format, DESIGN §3: fields the
/// request does not have are left out), naming the principal by `principal`.
pub fn witness_case(request: &Request, principal: &str) -> serde_json::Value {
    let mut case = request.case_json();
    if let serde_json::Value::Object(m) = &mut case {
        m.insert("principal".into(), serde_json::Value::String(principal.to_owned()));
        m.insert("expect".into(), serde_json::Value::String("allow".into()));
    }
    case
}

/// The subject a relying party pins: exact value(s) of `sub` it accepts, or `None` when it accepts any
/// subject or a pattern of them (`relying-party-unpinned-subject`).
pub fn pinned_subject(rp: &RelyingParty) -> bool {
    if let Some((s, how)) = &rp.subject {
        let wildcard = *how == Compare::Glob && s.value.known().is_some_and(|v| v.contains('*'));
        return !wildcard;
    }
    let sub = vec!["sub".to_owned()];
    if rp.claims.iter().any(|c| {
        pointer::parse(&c.claim.value).as_ref() == Some(&sub)
            && (c.compare == Compare::Exact
                || c.values.iter().all(|v| v.value.known().is_some_and(|t| !t.contains('*'))))
    }) {
        return true;
    }
    if let Some(g) = &rp.google
        && let Some(cond) = &g.condition
        && let Some(text) = cond.value.known()
    {
        let aliases: Vec<(String, String)> = g
            .mapping
            .iter()
            .filter_map(|(t, e)| Some((t.value.clone(), e.value.known()?.to_owned())))
            .filter(|(_, e)| e.trim() == "assertion.sub")
            .collect();
        if let Ok(c) = cel::compile(&substitute(text, &aliases)) {
            let a = cel::analyse(&c);
            if let Some(u) = a.claims.get(&sub) {
                return !u.equals.is_empty()
                    && u.prefixes.is_empty()
                    && u.suffixes.is_empty()
                    && u.infixes.is_empty()
                    && u.opaque.is_empty();
            }
        }
    }
    false
}

/// The principal whose ARN is nearest a subject that no principal has (a typo), for "did you mean".
pub fn nearest_principal<'p>(subject: &str, principals: &'p [Principal]) -> Option<&'p Principal> {
    let arns = principals.iter().filter(|p| !p.arn_assumed).map(|p| p.arn.as_str());
    let best = crate::text::nearest(subject, arns)?;
    principals.iter().find(|p| p.arn == best)
}

/// The first part a reach check names, for ordering messages.
pub fn part_name(part: &Part) -> String {
    part.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_substituted_at_word_boundaries() {
        let out = substitute(
            "attribute.team == 'pay' && attribute.teams == 'x'",
            &[("attribute.team".into(), "assertion.sub".into())],
        );
        assert_eq!(out, "(assertion.sub) == 'pay' && attribute.teams == 'x'");
    }

    #[test]
    fn session_claims_map_to_context_keys() {
        assert_eq!(session_key(&[AWS_CLAIM.to_owned(), "source_identity".into()]), Some("aws:sourceidentity"));
        assert_eq!(session_key(&["sub".into()]), None);
    }
}

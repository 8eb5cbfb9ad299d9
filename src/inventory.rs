//! The inventory: every principal the inputs define (its identity policies, permissions boundary, tags and
//! account), every policy document embedded in them, and the organization layers (SCP levels, RCPs) above the
//! accounts. Terraform JSON and account snapshots are read into it by the loaders in `input`; `check` lints its
//! documents and `simulate --principal` evaluates a principal's policies from it.
//!
//! Links between entries are kept as written (a policy ARN, a group name) and resolved when a principal is
//! used, so that an input may refer to an entry another input defines (a plan that attaches a managed policy
//! which only the account snapshot holds).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::eval::{ContextValue, LoadedPolicy, PolicySet};
use crate::lint::Finding;
use crate::lint::rules::invalid_policy;
use crate::policy::{PolicyKind, parse_policy};
use crate::source::SourceFile;
use crate::source::json::Json;

/// Where an entry was read: the file on disk, and the entry inside it (a Terraform resource address such as
/// `module.x.aws_iam_role.mint`, or a snapshot entry such as `role/mint`) and the attribute holding it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    /// The file as displayed (`/`-separated).
    pub file: Arc<str>,
    pub entry: String,
    /// The attribute path inside the entry (`policy`, `inline_policy[0].policy`), empty for the entry itself.
    pub attribute: String,
}

impl Origin {
    /// `plan.json › aws_iam_role.mint › assume_role_policy`: the name of an embedded document's source.
    pub fn source_name(&self) -> String {
        if self.attribute.is_empty() {
            format!("{} › {}", self.file, self.entry)
        } else {
            format!("{} › {} › {}", self.file, self.entry, self.attribute)
        }
    }
}

/// One policy document found in the inputs.
#[derive(Clone, Debug)]
pub struct PolicyDocument {
    /// The text findings point into: the decoded string of an embedded document (its own virtual source), or
    /// the file itself when the document is a JSON object inside it.
    pub source: Arc<SourceFile>,
    /// The document's JSON; `None` when it is not JSON (a `MINT000` finding in [`Inventory::findings`] says
    /// why).
    pub json: Option<Json>,
    pub kind: PolicyKind,
    pub origin: Origin,
    /// What other entries call it by: a managed policy's ARN, an Organizations policy id.
    pub ids: Vec<String>,
    /// The policy's own name (managed or inline policy name), when known.
    pub name: Option<String>,
    /// A document of the same file with the same content that stands for this one in `check`, so a finding
    /// is reported once (a policy-document data source and the attribute it feeds; a role's `inline_policy`
    /// entry and the `aws_iam_role_policy` that manages it).
    pub duplicate_of: Option<usize>,
    /// Regions of the document written with values not known statically (a placeholder stands in them):
    /// findings there are not reported, and statements that touch them are not evaluated. Empty for
    /// documents read from plans, state and snapshots.
    pub unknown: Vec<crate::source::Span>,
}

impl PolicyDocument {
    /// Whether it is the `json` of a policy-document data source.
    pub fn is_data_source(&self) -> bool {
        self.origin.entry.starts_with("data.") || self.origin.entry.contains(".data.")
    }
}

/// A link to a policy document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyRef {
    Document(usize),
    /// By ARN or Organizations policy id; resolved over the whole inventory when the principal is used.
    Id(String),
    /// A link that cannot be followed; the text says why (for the output).
    Unresolved(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKind {
    Role,
    User,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Role => "role",
            PrincipalKind::User => "user",
        }
    }
}

/// An IAM role or user.
#[derive(Clone, Debug)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// `None` when the name is unknown until apply (`name_prefix`).
    pub name: Option<String>,
    /// The IAM path, `/` by default.
    pub path: String,
    /// Known once the principal exists; a principal created by a plan has none yet.
    pub arn: Option<String>,
    pub account: Option<String>,
    /// How the account was found when the ARN is not known (for the output).
    pub account_from: Option<String>,
    pub tags: Vec<(String, String)>,
    /// Inline and attached managed policies, in the order read.
    pub identity: Vec<PolicyRef>,
    /// Group keys (names) of a user: the groups' policies apply to it too.
    pub groups: Vec<String>,
    pub boundary: Option<PolicyRef>,
    /// The role trust policy document.
    pub trust: Option<usize>,
    pub origin: Origin,
    /// Defined outside the inputs: only the policies attached to it here are known.
    pub external: bool,
    /// Some tags are unknown until apply (`tags_all` with provider default tags): said in the output when a
    /// policy of the principal tests `aws:PrincipalTag`.
    pub tags_incomplete: bool,
    /// Facts the inputs leave open (tags unknown until apply, …), for the output.
    pub notes: Vec<String>,
    /// Why the policies read for this principal may be incomplete (an attachment whose principal is not
    /// known statically may reach it): `simulate` and `diff` say so instead of a silent answer.
    pub incomplete: Vec<String>,
}

impl Principal {
    pub fn new(kind: PrincipalKind, origin: Origin) -> Principal {
        Principal {
            kind,
            name: None,
            path: "/".to_owned(),
            arn: None,
            account: None,
            account_from: None,
            tags: Vec::new(),
            identity: Vec::new(),
            groups: Vec::new(),
            boundary: None,
            trust: None,
            origin,
            external: false,
            tags_incomplete: false,
            notes: Vec::new(),
            incomplete: Vec::new(),
        }
    }

    /// `role mint (aws_iam_role.mint in plan.json)`.
    pub fn describe(&self) -> String {
        let name = self.name.as_deref().map_or_else(|| "(name unknown until apply)".to_owned(), |n| format!("`{n}`"));
        format!("{} {name} ({} in {})", self.kind.as_str(), self.origin.entry, self.origin.file)
    }
}

/// An IAM group: its policies apply to its member users.
#[derive(Clone, Debug)]
pub struct Group {
    /// The group name, or the resource address when the name is unknown.
    pub key: String,
    pub identity: Vec<PolicyRef>,
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OrgNodeKind {
    Root,
    Unit,
    Account,
}

/// A root, organizational unit or account of AWS Organizations.
#[derive(Clone, Debug)]
pub struct OrgNode {
    /// Its id (`r-…`, `ou-…`, the account id) or, when unknown until apply, the resource address.
    pub key: String,
    pub kind: OrgNodeKind,
    pub name: Option<String>,
    /// The parent's key; `None` for a root, or when unknown.
    pub parent: Option<String>,
    pub origin: Origin,
}

/// An SCP or RCP attached to a root, OU or account.
#[derive(Clone, Debug)]
pub struct OrgAttachment {
    pub target: String,
    pub policy: PolicyRef,
    pub origin: Origin,
}

#[derive(Clone, Debug, Default)]
pub struct Organization {
    pub nodes: Vec<OrgNode>,
    pub attachments: Vec<OrgAttachment>,
    /// Organization ids (`o-…`) when known.
    pub ids: Vec<String>,
    pub management_accounts: Vec<String>,
}

impl Organization {
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.attachments.is_empty()
    }
}

/// Everything read from the inputs.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    pub documents: Vec<PolicyDocument>,
    pub principals: Vec<Principal>,
    pub groups: Vec<Group>,
    pub organization: Organization,
    /// Policies whose text is unknown until apply (each also a `MINT008` finding).
    pub unknown: Vec<Origin>,
    /// Problems met while reading: an embedded policy that is not JSON, a policy unknown until apply, an entry
    /// of the wrong shape.
    pub findings: Vec<Finding>,
    /// Resources of the relying-party types (Vault, Entra, Google, EKS), read by [`crate::relying::terraform`].
    pub relying: Vec<crate::relying::terraform::Resource>,
    /// Interface VPC endpoints whose id and VPC the inputs know (`aws_vpc_endpoint` in plans and state), as
    /// (`vpce-...`, `vpc-...`): CloudTrail records name the endpoint of a call, not its VPC (replay).
    pub vpc_endpoints: Vec<(String, String)>,
}

/// Why `--principal` found no single principal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupError {
    NotFound { query: String, suggestion: Option<String>, known: Vec<String> },
    Ambiguous { query: String, matches: Vec<String> },
}

impl LookupError {
    pub fn message(&self) -> String {
        match self {
            LookupError::NotFound { query, suggestion: Some(s), .. } => {
                format!("no principal `{query}` in the inputs; did you mean `{s}`?")
            }
            LookupError::NotFound { query, known, .. } if known.is_empty() => {
                format!("no principal `{query}`: the inputs define no IAM role or user")
            }
            LookupError::NotFound { query, known, .. } => {
                format!("no principal `{query}` in the inputs; they define {}", known.join(", "))
            }
            LookupError::Ambiguous { query, matches } => format!(
                "`{query}` names {} principals: {}; give its ARN or Terraform address, or fewer inputs",
                matches.len(),
                matches.join(", ")
            ),
        }
    }
}

/// The policies that apply to one principal, ready to evaluate, and what the inputs could not tell.
#[derive(Clone, Debug)]
pub struct PrincipalPolicies {
    pub set: PolicySet,
    /// The ARN simulated: the principal's, or one synthesized from its name when it does not exist yet.
    pub arn: String,
    pub arn_synthesized: bool,
    pub tags: Vec<(String, String)>,
    /// Keys the organization placement gives (`aws:PrincipalOrgID`), added to the request context.
    pub context: Vec<(String, ContextValue)>,
    /// What the output must say: unknown parts, synthesized values, assumed defaults.
    pub notes: Vec<String>,
    /// What the inputs could not give that may apply to this principal: a decision may differ from AWS's
    /// (`incomplete`). See [`PrincipalPolicies::incomplete_for`].
    pub incomplete: Vec<Incomplete>,
}

/// A part of a principal's policies that is not evaluated, and which actions it may concern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incomplete {
    pub reason: String,
    /// The actions of a statement left out (`NotAction` when the flag is set); `None`: any action.
    pub actions: Option<(bool, Vec<String>)>,
}

impl Incomplete {
    fn any(reason: String) -> Incomplete {
        Incomplete { reason, actions: None }
    }

    /// Whether the missing part may decide a request for `action`.
    pub fn concerns(&self, action: &str) -> bool {
        match &self.actions {
            None => true,
            Some((not_action, patterns)) => {
                patterns.iter().any(|p| crate::policy::wildcard::matches(p, action, true)) != *not_action
            }
        }
    }
}

impl PrincipalPolicies {
    /// Why a decision for `action` may differ from AWS's: the parts not evaluated that may concern it.
    pub fn incomplete_for(&self, action: &str) -> Vec<&str> {
        self.incomplete.iter().filter(|i| i.concerns(action)).map(|i| i.reason.as_str()).collect()
    }
}

/// The text of AWS's `FullAWSAccess` SCP, which Organizations attaches to every root, OU and account by default.
const FULL_AWS_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// Account ids are 12 digits; anything else in the account field of an ARN is not one.
fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The account of an IAM ARN (`arn:aws:iam::111122223333:role/x`).
/// An AWS managed policy's ARN: account `aws` (`arn:aws:iam::aws:policy/ReadOnlyAccess`, in any partition).
pub fn is_aws_managed_arn(arn: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    let (arn_, _, service, _, account) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next());
    arn_ == Some("arn") && service == Some("iam") && account == Some("aws")
}

pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| is_account_id(a))
}

impl Inventory {
    /// Append another inventory, shifting its document indexes.
    pub fn extend(&mut self, other: Inventory) {
        let shift = self.documents.len();
        let fix = |r: PolicyRef| match r {
            PolicyRef::Document(i) => PolicyRef::Document(i + shift),
            other => other,
        };
        self.documents.extend(other.documents.into_iter().map(|mut d| {
            // `usize::MAX` marks a duplicate of nothing in this inventory (`tfsource`): it stays one.
            d.duplicate_of = d.duplicate_of.map(|i| i.saturating_add(shift));
            d
        }));
        self.principals.extend(other.principals.into_iter().map(|mut p| {
            p.identity = p.identity.into_iter().map(fix).collect();
            p.boundary = p.boundary.map(fix);
            p.trust = p.trust.map(|i| i + shift);
            p
        }));
        self.groups.extend(other.groups.into_iter().map(|mut g| {
            g.identity = g.identity.into_iter().map(fix).collect();
            g
        }));
        let org = other.organization;
        self.organization.nodes.extend(org.nodes);
        self.organization.attachments.extend(org.attachments.into_iter().map(|mut a| {
            a.policy = fix(a.policy);
            a
        }));
        self.organization.ids.extend(org.ids);
        self.organization.management_accounts.extend(org.management_accounts);
        self.unknown.extend(other.unknown);
        self.findings.extend(other.findings);
        self.relying.extend(other.relying);
        self.vpc_endpoints.extend(other.vpc_endpoints);
    }

    /// The document a link leads to. An id matches a document's ARN or policy id exactly; when several inputs
    /// hold it, the first wins (they describe the same managed policy).
    pub fn resolve(&self, r: &PolicyRef) -> Result<usize, String> {
        match r {
            PolicyRef::Document(i) if *i < self.documents.len() => Ok(*i),
            PolicyRef::Document(i) => Err(format!("document {i} is not in the inventory")),
            PolicyRef::Id(id) => self
                .documents
                .iter()
                .position(|d| d.ids.iter().any(|x| x == id))
                .ok_or_else(|| format!("`{id}` is not in the inputs")),
            PolicyRef::Unresolved(why) => Err(why.clone()),
        }
    }

    /// Policy kinds that depend on use: a managed policy used only as a permissions boundary is linted as a
    /// boundary. Run once all inputs are read.
    pub fn finish(&mut self) {
        // `resolve` scans the documents for an id: over every reference of a large plan that is quadratic (a
        // managed policy attached to 25,000 roles and not in the plan is 25,000 scans of every document). One
        // index of ids, the first document holding each, as `resolve` finds.
        let mut by_id: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (i, d) in self.documents.iter().enumerate() {
            for id in &d.ids {
                by_id.entry(id.as_str()).or_insert(i);
            }
        }
        let resolve = |r: &PolicyRef| match r {
            PolicyRef::Id(id) => by_id.get(id.as_str()).copied(),
            other => self.resolve(other).ok(),
        };
        let mut as_identity = BTreeSet::new();
        let mut as_boundary = BTreeSet::new();
        for p in &self.principals {
            as_identity.extend(p.identity.iter().filter_map(resolve));
            as_boundary.extend(p.boundary.iter().filter_map(resolve));
        }
        for g in &self.groups {
            as_identity.extend(g.identity.iter().filter_map(resolve));
        }
        for i in as_boundary.difference(&as_identity) {
            if let Some(d) =
                self.documents.get_mut(*i).filter(|d| matches!(d.kind, PolicyKind::Identity | PolicyKind::AwsManaged))
            {
                d.kind = PolicyKind::Boundary;
            }
        }
    }

    /// Find the principal a `--principal` (or a case's `principal`) names: its ARN, its name, or its resource
    /// address (`aws_iam_role.mint`). Names compare case-insensitively when no exact match exists, as IAM
    /// names are unique regardless of case.
    pub fn find_principal(&self, query: &str) -> Result<usize, LookupError> {
        let exact: Vec<usize> = self
            .principals
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.arn.as_deref() == Some(query)
                    || p.name.as_deref() == Some(query)
                    || p.origin.entry == query
                    // The ARN a principal that does not exist yet is simulated as (diff witnesses name it).
                    || (p.arn.is_none() && self.principal_arn(p, &mut Vec::new()).0 == query)
            })
            .map(|(i, _)| i)
            .collect();
        let candidates = if exact.is_empty() {
            self.principals
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.arn.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(query))
                        || p.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(query))
                })
                .map(|(i, _)| i)
                .collect()
        } else {
            exact
        };
        match candidates.as_slice() {
            [one] => Ok(*one),
            [] => {
                let names: Vec<&str> = self.principals.iter().filter_map(|p| p.name.as_deref()).collect();
                let suggestion = crate::text::nearest(query, names.iter().copied()).map(str::to_owned);
                let mut known: Vec<String> = self.principals.iter().map(Principal::describe).collect();
                known.sort();
                Err(LookupError::NotFound { query: query.to_owned(), suggestion, known })
            }
            many => Err(LookupError::Ambiguous {
                query: query.to_owned(),
                matches: many.iter().filter_map(|i| self.principals.get(*i)).map(Principal::describe).collect(),
            }),
        }
    }

    /// The ARN to simulate a principal as, and whether it was synthesized.
    fn principal_arn(&self, p: &Principal, notes: &mut Vec<String>) -> (String, bool) {
        if let Some(arn) = &p.arn {
            return (arn.clone(), false);
        }
        let name = p.name.clone().unwrap_or_else(|| p.origin.entry.clone());
        let why = if p.external {
            format!("the {} is defined outside the inputs, which do not give its ARN", p.kind.as_str())
        } else {
            format!("the {} does not exist yet", p.kind.as_str())
        };
        let account = match (&p.account, &p.account_from) {
            (Some(a), from) => {
                let from = from.as_deref().map(|f| format!(" (account from {f})")).unwrap_or_default();
                notes.push(format!("{why}, so its ARN is synthesized from its name{from}"));
                a.clone()
            }
            (None, _) => {
                notes.push(format!("{why} and its account is unknown: simulated as account 000000000000"));
                "000000000000".to_owned()
            }
        };
        if p.name.is_none() {
            notes.push(format!("the name of the {} is unknown until apply: simulated as `{name}`", p.kind.as_str()));
        }
        (format!("arn:aws:iam::{account}:{}{}{name}", p.kind.as_str(), p.path), true)
    }

    /// Everything that applies to a principal, parsed and ready to evaluate. A document that is not a valid
    /// policy is returned as findings (simulating a policy IAM would reject answers nothing); a link that
    /// cannot be followed is a note, so the output says what was left out.
    pub fn policies_for(&self, index: usize) -> Result<PrincipalPolicies, Vec<Finding>> {
        let Some(p) = self.principals.get(index) else {
            return Err(Vec::new());
        };
        let mut notes = Vec::new();
        let mut findings = Vec::new();
        let mut incomplete: Vec<Incomplete> = p.incomplete.iter().cloned().map(Incomplete::any).collect();
        let (arn, arn_synthesized) = self.principal_arn(p, &mut notes);
        let account = arn_account(&arn).map(str::to_owned);
        notes.extend(p.notes.iter().cloned());
        if p.external {
            notes.push(format!(
                "{} is defined outside the inputs: only the policies attached to it there are known",
                p.describe()
            ));
        }
        let mut set = PolicySet::default();
        let mut seen = BTreeSet::new();
        let mut identity_refs: Vec<(&PolicyRef, String)> = p.identity.iter().map(|r| (r, String::new())).collect();
        for key in &p.groups {
            let groups: Vec<&Group> = self.groups.iter().filter(|g| g.key.eq_ignore_ascii_case(key)).collect();
            if groups.is_empty() {
                notes.push(format!("group `{key}` is not in the inputs: its policies are not evaluated"));
            }
            for g in groups {
                identity_refs.extend(g.identity.iter().map(|r| (r, format!(" (through group `{}`)", g.key))));
            }
        }
        for (r, via) in identity_refs {
            match self.resolve(r) {
                Ok(i) if seen.insert(i) => {
                    if let Some(l) = self.load(i, PolicyKind::Identity, &mut findings, &mut notes, &mut incomplete) {
                        set.identity.push(l);
                    }
                }
                Ok(_) => {}
                Err(why) => {
                    let note = format!("an identity policy is not evaluated{via}: {why}");
                    incomplete.push(Incomplete::any(note.clone()));
                    notes.push(note);
                }
            }
        }
        if let Some(b) = &p.boundary {
            match self.resolve(b) {
                Ok(i) => set.boundary = self.load(i, PolicyKind::Boundary, &mut findings, &mut notes, &mut incomplete),
                Err(why) => {
                    let note = format!(
                        "the permissions boundary is not evaluated ({why}): the decision ignores it and may be \
                         wider than AWS's"
                    );
                    incomplete.push(Incomplete::any(note.clone()));
                    notes.push(note);
                }
            }
        }
        let tests_tags = set.identity.iter().chain(&set.boundary).any(|l| {
            l.policy.statements.iter().any(|s| {
                s.conditions.iter().any(|c| c.key.node.as_str().to_ascii_lowercase().starts_with("aws:principaltag/"))
            })
        });
        if p.tags_incomplete && tests_tags {
            notes.push(format!(
                "some tags of `{}` are unknown until apply (provider default tags): simulated with the known ones",
                p.origin.entry
            ));
        }
        let mut context = Vec::new();
        self.organization_layers(
            account.as_deref(),
            &mut set,
            &mut context,
            (&mut notes, &mut incomplete),
            &mut findings,
        );
        if !findings.is_empty() {
            return Err(findings);
        }
        Ok(PrincipalPolicies { set, arn, arn_synthesized, tags: p.tags.clone(), context, notes, incomplete })
    }

    /// Parse one document for evaluation as `kind`.
    fn load(
        &self,
        index: usize,
        kind: PolicyKind,
        findings: &mut Vec<Finding>,
        notes: &mut Vec<String>,
        incomplete: &mut Vec<Incomplete>,
    ) -> Option<LoadedPolicy> {
        let mut doc = self.documents.get(index)?;
        // A policy fed by a policy-document data source is shown as the data source's text (what `check`
        // reports on, with readable line numbers); their contents were compared equal.
        if let Some(data) = doc.duplicate_of.and_then(|d| self.documents.get(d)).filter(|d| d.is_data_source()) {
            doc = data;
        }
        let Some(json) = &doc.json else {
            // The reading finding (MINT000) is the explanation.
            findings.extend(self.findings.iter().filter(|f| Arc::ptr_eq(&f.source, &doc.source)).cloned());
            if findings.is_empty() {
                notes.push(format!("`{}` is not JSON", doc.source.name));
            }
            return None;
        };
        let parsed = parse_policy(json, kind);
        let touches = |span: crate::source::Span| doc.unknown.iter().any(|u| crate::lint::document::touches(span, *u));
        // A problem where a value of `.tf` source is not known statically is the placeholder's: that statement
        // is left out below, and said so.
        let problems: Vec<_> = parsed.problems.iter().filter(|pr| !touches(pr.span)).collect();
        if !problems.is_empty() {
            findings.extend(problems.into_iter().map(|pr| invalid_policy::finding(&doc.source, pr)));
            return None;
        }
        let mut policy = parsed.policy?;
        if !doc.unknown.is_empty() {
            // Statements with parts not known statically are not evaluated: what they would decide is unknown.
            let written = json.get("Statement").map_or(0, |s| s.as_array().map_or(1, <[Json]>::len));
            let kept: Vec<crate::policy::Statement> = std::mem::take(&mut policy.statements);
            let dropped_by_parser = written.saturating_sub(kept.len());
            for s in kept {
                if !touches(s.span) {
                    policy.statements.push(s);
                    continue;
                }
                let actions = (!touches(s.action.span)).then(|| match &s.action.node {
                    crate::policy::ActionClause::Action(p) => {
                        (false, p.iter().map(|a| a.node.as_str().to_owned()).collect())
                    }
                    crate::policy::ActionClause::NotAction(p) => {
                        (true, p.iter().map(|a| a.node.as_str().to_owned()).collect())
                    }
                });
                incomplete.push(Incomplete {
                    reason: format!(
                        "a statement of `{}` has values not known statically: not evaluated",
                        doc.source.name
                    ),
                    actions,
                });
            }
            if dropped_by_parser > 0 {
                incomplete.push(Incomplete::any(format!(
                    "{dropped_by_parser} statement(s) of `{}` are not known statically: not evaluated",
                    doc.source.name
                )));
            }
        }
        Some(LoadedPolicy::new(Arc::clone(&doc.source), policy, kind))
    }

    /// The chain root → OUs → account of an account, root first, as far as the inputs place it.
    fn org_path(&self, account: Option<&str>) -> Option<Vec<&OrgNode>> {
        let org = &self.organization;
        let start = org.nodes.iter().find(|n| n.kind == OrgNodeKind::Account && Some(n.key.as_str()) == account)?;
        let mut path = vec![start];
        let mut current = start;
        // The depth bound stops a parent cycle in malformed input; Organizations nests at most five OUs.
        while let Some(parent) = &current.parent {
            let Some(next) = org.nodes.iter().find(|n| &n.key == parent) else { break };
            if path.len() > 16 || path.iter().any(|n| n.key == next.key) {
                break;
            }
            path.push(next);
            current = next;
        }
        path.reverse();
        Some(path)
    }

    /// SCP levels and RCPs for an account. AWS attaches `FullAWSAccess` to every root, OU and account unless
    /// someone detached it, and neither plans nor snapshots show that attachment, so it is assumed at each
    /// level (and said so): without it every level would deny everything.
    fn organization_layers(
        &self,
        account: Option<&str>,
        set: &mut PolicySet,
        context: &mut Vec<(String, ContextValue)>,
        (notes, incomplete): (&mut Vec<String>, &mut Vec<Incomplete>),
        findings: &mut Vec<Finding>,
    ) {
        let org = &self.organization;
        if org.is_empty() {
            return;
        }
        if let Some(a) = account.filter(|a| org.management_accounts.iter().any(|m| m == a)) {
            set.management_account = true;
            notes.push(format!("account {a} is the organization's management account: SCPs and RCPs do not apply"));
            return;
        }
        let root = org.nodes.iter().find(|n| n.kind == OrgNodeKind::Root);
        let path = match (self.org_path(account), root) {
            (Some(path), _) if path.first().is_some_and(|n| n.kind == OrgNodeKind::Root) => path,
            (Some(mut path), Some(root)) => {
                // The chain stops at a node whose parent the inputs do not name; the root is above it, but
                // OUs in between (and their policies) may be missing.
                notes.push(format!(
                    "the inputs do not say where {} sits below the root: OU levels between them are not evaluated",
                    path.first().map_or_else(String::new, |n| describe_node(n))
                ));
                path.insert(0, root);
                path
            }
            (None, Some(root)) => {
                let elsewhere = org.attachments.iter().filter(|a| a.target != root.key).count();
                notes.push(format!(
                    "account {} is not placed in the organization by the inputs: only the policies attached to the \
                     root are evaluated ({elsewhere} attachment(s) elsewhere are not)",
                    account.unwrap_or("(unknown)")
                ));
                vec![root]
            }
            (_, None) => {
                notes.push(format!(
                    "the inputs attach SCPs or RCPs but do not say where account {} sits in the organization: \
                     none are evaluated",
                    account.unwrap_or("(unknown)")
                ));
                return;
            }
        };
        for a in org.attachments.iter().filter(|a| !org.nodes.iter().any(|n| n.key == a.target)) {
            let note = format!(
                "`{}` attaches a policy to a target the inputs do not define (or that is unknown until apply): \
                 not evaluated",
                a.origin.entry
            );
            incomplete.push(Incomplete::any(note.clone()));
            notes.push(note);
        }
        let full_access =
            Arc::new(SourceFile::new("", "FullAWSAccess (AWS managed, assumed attached)", FULL_AWS_ACCESS));
        let full_access_policy = crate::source::json::parse(FULL_AWS_ACCESS, &crate::source::json::Limits::default())
            .ok()
            .and_then(|json| parse_policy(&json, PolicyKind::Scp).policy)
            .map(|policy| LoadedPolicy::new(full_access, policy, PolicyKind::Scp));
        for (level, node) in path.iter().enumerate() {
            let mut scps: Vec<LoadedPolicy> = full_access_policy.iter().cloned().collect();
            for a in org.attachments.iter().filter(|a| a.target == node.key) {
                let index = match self.resolve(&a.policy) {
                    Ok(i) => i,
                    Err(why) => {
                        let note = format!("a policy attached at {} is not evaluated: {why}", describe_node(node));
                        incomplete.push(Incomplete::any(note.clone()));
                        notes.push(note);
                        continue;
                    }
                };
                match self.documents.get(index).map(|d| d.kind) {
                    Some(PolicyKind::Scp) => {
                        scps.extend(self.load(index, PolicyKind::Scp, findings, notes, incomplete));
                    }
                    Some(PolicyKind::Rcp) => {
                        set.rcps.extend(self.load(index, PolicyKind::Rcp, findings, notes, incomplete));
                    }
                    _ => {}
                }
            }
            notes.push(format!("scp level {level}: {}", describe_node(node)));
            set.scp_levels.push(scps);
        }
        notes.push(
            "FullAWSAccess is assumed attached at every level (AWS attaches it by default; the inputs cannot show \
             whether it was detached)"
                .to_owned(),
        );
        if let [id] = org.ids.as_slice() {
            context.push(("aws:PrincipalOrgID".to_owned(), ContextValue::Single(id.as_str().into())));
            let keys: Vec<&str> =
                path.iter().filter(|n| n.kind != OrgNodeKind::Account).map(|n| n.key.as_str()).collect();
            if keys.iter().all(|k| k.starts_with("r-") || k.starts_with("ou-")) && !keys.is_empty() {
                let org_path = format!("{id}/{}/", keys.join("/"));
                context.push(("aws:PrincipalOrgPaths".to_owned(), ContextValue::Multi(vec![org_path.as_str().into()])));
            }
        }
    }
}

fn describe_node(node: &OrgNode) -> String {
    let kind = match node.kind {
        OrgNodeKind::Root => "root",
        OrgNodeKind::Unit => "OU",
        OrgNodeKind::Account => "account",
    };
    match &node.name {
        Some(name) if name != &node.key => format!("{kind} `{name}` ({})", node.key),
        _ => format!("{kind} {}", node.key),
    }
}

/// A policy-document data source and the attribute it feeds hold the same policy. `check` reports it once,
/// on the data source (the text the user's configuration produced, with readable line numbers), read as the
/// kind of its first consumer; consumers become duplicates. A data source that feeds nothing keeps its kind.
/// A hash of a JSON value that equal values share: object members in key order (equality ignores their
/// order), numbers by value (`0.0` and `-0.0` are equal).
fn value_hash(value: &serde_json::Value) -> u64 {
    use std::hash::{Hash, Hasher};
    fn feed(value: &serde_json::Value, h: &mut std::collections::hash_map::DefaultHasher) {
        use serde_json::Value;
        match value {
            Value::Null => 0u8.hash(h),
            Value::Bool(b) => (1u8, b).hash(h),
            Value::Number(n) => {
                2u8.hash(h);
                match (n.as_u64(), n.as_i64(), n.as_f64()) {
                    (Some(u), _, _) => (0u8, u).hash(h),
                    (None, Some(i), _) => (1u8, i).hash(h),
                    (None, None, Some(f)) => (2u8, if f == 0.0 { 0 } else { f.to_bits() }).hash(h),
                    (None, None, None) => 3u8.hash(h),
                }
            }
            Value::String(s) => (3u8, s).hash(h),
            Value::Array(items) => {
                (4u8, items.len()).hash(h);
                items.iter().for_each(|v| feed(v, h));
            }
            Value::Object(map) => {
                (5u8, map.len()).hash(h);
                let mut members: Vec<(&String, &Value)> = map.iter().collect();
                members.sort_by(|a, b| a.0.cmp(b.0));
                for (k, v) in members {
                    k.hash(h);
                    feed(v, h);
                }
            }
        }
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    feed(value, &mut h);
    h.finish()
}

pub(crate) fn mark_data_source_duplicates(documents: &mut [PolicyDocument], data_documents: &[usize]) {
    if data_documents.is_empty() {
        return;
    }
    let values: Vec<Option<serde_json::Value>> =
        documents.iter().map(|d| d.json.as_ref().map(crate::source::json::Json::to_serde)).collect();
    // Documents grouped by a hash equal values share, so each data source meets only its equals (comparing it
    // with every document was quadratic in a plan with a policy-document data source per role).
    let data_set: std::collections::HashSet<usize> = data_documents.iter().copied().collect();
    let mut groups: std::collections::HashMap<u64, Vec<usize>> = std::collections::HashMap::new();
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v {
            groups.entry(value_hash(v)).or_default().push(i);
        }
    }
    for &data in data_documents {
        let Some(Some(text)) = values.get(data) else { continue };
        let mut kind = None;
        for &i in groups.get(&value_hash(text)).map_or(&[] as &[usize], Vec::as_slice) {
            if i == data || data_set.contains(&i) || values.get(i).and_then(Option::as_ref) != Some(text) {
                continue;
            }
            if let Some(d) = documents.get_mut(i).filter(|d| d.duplicate_of.is_none()) {
                kind.get_or_insert(d.kind);
                d.duplicate_of = Some(data);
            }
        }
        match (kind, documents.get_mut(data)) {
            (Some(kind), Some(d)) => d.kind = kind,
            // A data source without statements that feeds nothing (`"Statement": null` is how the provider
            // renders it, often for a module's optional policy that is switched off) is no policy anyone
            // deploys: not linted (marked a duplicate of nothing, as `tfsource` marks what it drops).
            (None, Some(d)) if d.json.as_ref().and_then(|j| j.get("Statement")).is_some_and(Json::is_null) => {
                d.duplicate_of = Some(usize::MAX);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_hash_alike() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{"b": [1, -0.0, "x"], "a": {"d": null, "c": true}}"#).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(r#"{"a": {"c": true, "d": null}, "b": [1, 0.0, "x"]}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(value_hash(&a), value_hash(&b));
        let c: serde_json::Value =
            serde_json::from_str(r#"{"a": {"c": true, "d": null}, "b": [1, 0.0, "y"]}"#).unwrap();
        assert_ne!(value_hash(&a), value_hash(&c));
    }

    fn principal(kind: PrincipalKind, name: &str, file: &str) -> Principal {
        let origin =
            Origin { file: file.into(), entry: format!("aws_iam_{}.x", kind.as_str()), attribute: String::new() };
        let mut p = Principal::new(kind, origin);
        p.name = Some(name.to_owned());
        p
    }

    #[test]
    fn accounts_come_from_iam_arns() {
        assert_eq!(arn_account("arn:aws:iam::111122223333:role/x"), Some("111122223333"));
        assert_eq!(arn_account("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
        assert_eq!(arn_account("not an arn"), None);
    }

    #[test]
    fn principals_are_found_by_name_arn_or_address() {
        let mut inv = Inventory::default();
        inv.principals.push(principal(PrincipalKind::Role, "Mint", "plan.json"));
        let mut user = principal(PrincipalKind::User, "deploy", "plan.json");
        user.arn = Some("arn:aws:iam::111122223333:user/deploy".into());
        inv.principals.push(user);
        assert_eq!(inv.find_principal("Mint"), Ok(0));
        assert_eq!(inv.find_principal("mint"), Ok(0), "IAM names are unique regardless of case");
        assert_eq!(inv.find_principal("arn:aws:iam::111122223333:user/deploy"), Ok(1));
        assert_eq!(inv.find_principal("aws_iam_user.x"), Ok(1));
        let Err(LookupError::NotFound { suggestion, .. }) = inv.find_principal("mnt") else { panic!() };
        assert_eq!(suggestion.as_deref(), Some("Mint"));
        inv.principals.push(principal(PrincipalKind::Role, "mint", "snapshot.json"));
        assert!(matches!(inv.find_principal("MINT"), Err(LookupError::Ambiguous { .. })));
    }

    #[test]
    fn a_principal_without_arn_is_simulated_under_a_synthesized_one() {
        let inv = Inventory::default();
        let mut p = principal(PrincipalKind::Role, "minter", "plan.json");
        p.path = "/tokens/".into();
        let mut notes = Vec::new();
        assert_eq!(inv.principal_arn(&p, &mut notes), ("arn:aws:iam::000000000000:role/tokens/minter".into(), true));
        assert!(notes.iter().any(|n| n.contains("account is unknown")), "{notes:?}");
        p.account = Some("111122223333".into());
        assert_eq!(inv.principal_arn(&p, &mut notes).0, "arn:aws:iam::111122223333:role/tokens/minter");
    }

    #[test]
    fn embedded_sources_are_named_by_file_entry_and_attribute() {
        let origin = Origin {
            file: "plan.json".into(),
            entry: "aws_iam_role.mint".into(),
            attribute: "assume_role_policy".into(),
        };
        assert_eq!(origin.source_name(), "plan.json › aws_iam_role.mint › assume_role_policy");
    }
}

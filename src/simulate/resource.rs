//! The layers a generic request (`simulate --action`) needs beyond the principal's own policies: the
//! resource's policy and account, AWS's same-account / cross-account rule, and the service rules that make
//! identity policies not the whole answer (reference: IAM User Guide, "Policy evaluation logic" and
//! "Cross-account policy evaluation logic"; KMS Developer Guide, "Key policies"; STS API reference,
//! `GetCallerIdentity`; IAM User Guide, "AWS managed policies" and "Service-linked roles").
//!
//! Token minting is untouched: `GetWebIdentityToken` has no resource and no resource policy.
//!
//! What is modelled, for a request of principal account P on a resource of account R:
//! - `sts:GetCallerIdentity` needs no permission and an explicit deny does not stop it: allowed.
//! - Changes to an AWS managed policy (`arn:aws:iam::aws:policy/...`) or to a service-linked role
//!   (`role/aws-service-role/...`) are refused by IAM whatever the policies say.
//! - A KMS key is governed by its key policy: without it (`--resource-policy`) the answer is `not-modelled`,
//!   never an allow; with it, the key policy must allow, by naming the principal (then the principal's
//!   guardrails must still allow) or by naming the account (then its IAM policies must allow too).
//! - P ≠ R: both sides must allow, the principal's policies and the resource's policy; without the resource's
//!   policy the request is denied (AWS denies cross-account access the resource policy does not grant).
//! - P = R with a resource policy: either side may grant. A resource-policy statement that names the
//!   principal (or `*`) grants on its own, within the principal's guardrails (SCPs, RCPs, boundary, session
//!   policies); one that names only the account delegates to the account's IAM policies.
//! - An explicit deny in either side wins.

use std::sync::Arc;

use crate::eval::assumptions::StarGrant;
use crate::eval::{Assumptions, Decision, LoadedPolicy, NoTrace, PolicySet, RequestContext};
use crate::policy::{Effect, PolicyKind, parse_document};
use crate::request::{ActionCall, Operation, Request};
use crate::source::SourceFile;

use super::Verdict;

/// IAM actions that change a policy: refused on an AWS managed policy (creating one in the `aws` account
/// included).
const POLICY_CHANGES: [&str; 7] = [
    "iam:createpolicy",
    "iam:createpolicyversion",
    "iam:deletepolicy",
    "iam:deletepolicyversion",
    "iam:setdefaultpolicyversion",
    "iam:tagpolicy",
    "iam:untagpolicy",
];

/// IAM actions that change a role: refused on a service-linked role (`UnmodifiableEntity`), which only its
/// service changes (and `iam:DeleteServiceLinkedRole` deletes).
const ROLE_CHANGES: [&str; 10] = [
    "iam:attachrolepolicy",
    "iam:detachrolepolicy",
    "iam:putrolepolicy",
    "iam:deleterolepolicy",
    "iam:updateassumerolepolicy",
    "iam:putrolepermissionsboundary",
    "iam:deleterolepermissionsboundary",
    "iam:updaterole",
    "iam:updateroledescription",
    "iam:deleterole",
];

/// IAM actions that write a role: on a role under `/aws-reserved/` (IAM Identity Center's permission-set
/// roles, which the service manages), what IAM does with them is not modelled.
const RESERVED_ROLE_WRITES: [&str; 6] = [
    "iam:createrole",
    "iam:createservicelinkedrole",
    "iam:deleteservicelinkedrole",
    "iam:passrole",
    "iam:tagrole",
    "iam:untagrole",
];

/// What the resource's policy says about one request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ResourceAnswer {
    deny: bool,
    /// An Allow statement applies whose principal element names the caller (or `*`).
    allow_direct: bool,
    /// An Allow statement applies, naming the caller or only its account.
    allow_any: bool,
    /// An Allow statement applies whose principal element is the caller's ARN itself.
    allow_by_arn: bool,
    /// An Allow statement with `NotPrincipal` covers the action and resource: AWS does not support it ("Using
    /// it with `"Effect":"Allow"` is not supported", IAM User Guide, "NotPrincipal").
    allow_not_principal: bool,
    /// An Allow statement applies whose principal element names everyone (`"*"`).
    allow_star: bool,
}

/// `bounded`: the principal has a permissions boundary. Then a Deny with `NotPrincipal` denies it whatever
/// the element names (IAM User Guide, "Permissions boundaries for IAM entities": "The `NotPrincipal` element
/// with a `Deny` effect will always deny any IAM principal that has a permissions boundary policy attached,
/// regardless of the values specified in the `NotPrincipal` element").
fn answer(policy: &LoadedPolicy, ctx: &RequestContext, assumptions: &Assumptions, bounded: bool) -> ResourceAnswer {
    let mut out = ResourceAnswer::default();
    for st in policy.statements.iter() {
        if st.effect == Effect::Allow
            && st.has_not_principal()
            && st.matches_action(&ctx.action)
            && st.matches_resource(ctx, assumptions)
        {
            out.allow_not_principal = true;
        }
        let principal = st.matches_principal(ctx) || (bounded && st.effect == Effect::Deny && st.has_not_principal());
        if !principal
            || !st.matches_action(&ctx.action)
            || !st.matches_resource(ctx, assumptions)
            || st.conditions_hold(ctx, assumptions, &mut |_| {}).is_err()
        {
            continue;
        }
        match st.effect {
            Effect::Deny => out.deny = true,
            Effect::Allow => {
                out.allow_any = true;
                out.allow_direct |= st.names_principal_directly(ctx);
                out.allow_by_arn |= st.names_principal_arn(ctx, false);
                out.allow_star |= st.names_everyone();
            }
        }
    }
    out
}

/// The principal's guardrails alone: its set with an identity policy that allows everything, so that an
/// implicit deny can only come from an SCP, RCP, boundary or session policy.
fn guardrails_allow(set: &PolicySet, ctx: &RequestContext, assumptions: &Assumptions) -> bool {
    const ALLOW_ALL: &str =
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    let Ok(json) = crate::source::json::parse(ALLOW_ALL, &Default::default()) else { return false };
    let Some(policy) = parse_document(&json, PolicyKind::Identity).into_iter().next().and_then(|d| d.policy) else {
        return false;
    };
    let source = Arc::new(SourceFile::new("(identity allows)", "(identity allows)", ALLOW_ALL.to_owned()));
    // The identity policies stay: their explicit denies still count.
    let mut guards = set.clone();
    guards.identity.push(LoadedPolicy::new(source, policy, PolicyKind::Identity));
    guards.prepare(&ctx.action).decide(ctx, assumptions, &mut NoTrace).decision == Decision::Allow
}

/// The verdict the resource side and the service rules give a generic request, with why, or `None` when
/// the principal's own decision stands (`decision`: that decision for this context).
pub fn rule(
    request: &Request,
    set: &PolicySet,
    resource_policy: Option<&LoadedPolicy>,
    ctx: &RequestContext,
    decision: Decision,
    assumptions: &Assumptions,
) -> Option<(Verdict, String)> {
    let Operation::Action(call) = &request.operation else { return None };
    let action = call.action.to_ascii_lowercase();
    if action == "sts:getcalleridentity" {
        return Some((
            Verdict::Decided(Decision::Allow),
            "sts:GetCallerIdentity needs no permission and an explicit deny does not stop it (STS API reference)"
                .into(),
        ));
    }
    if let Some(refused) = immutable(call, &action) {
        return Some((Verdict::Invalid(crate::request::InvalidRequest::Validation(refused)), String::new()));
    }
    if let Some(why) = reserved_role_write(call, &action) {
        return Some((Verdict::NotModelled(why), String::new()));
    }
    let kms = call.service() == "kms" && call.resource.is_some();
    // A role's trust policy, like a key policy, must allow whoever assumes the role (reference §4.2 step 5:
    // "IAM role trust policies and KMS key policies always need an explicit allow for the principal").
    let trust = action == "sts:assumerole" && call.resource.is_some();
    let key_or_trust = kms || trust;
    let principal_account = request.account();
    let resource_account = call.account().filter(|a| *a != "aws");
    let cross = matches!((principal_account, resource_account), (Some(p), Some(r)) if p != r);
    let accounts = || {
        format!(
            "the resource is in account {}, the principal in {}",
            resource_account.unwrap_or("?"),
            principal_account.unwrap_or("?")
        )
    };
    if decision == Decision::ExplicitDeny {
        return None;
    }
    let Some(policy) = resource_policy else {
        if trust {
            return Some((
                Verdict::NotModelled(
                    "a role's trust policy decides who may assume it (an identity policy counts only where the \
                     trust policy lets the account in): give the trust policy with --resource-policy"
                        .into(),
                ),
                String::new(),
            ));
        }
        if kms {
            return Some((
                Verdict::NotModelled(
                    "a KMS key's key policy decides who may use it (an identity policy counts only where the key \
                     policy lets the account's IAM policies in): give the key policy with --resource-policy"
                        .into(),
                ),
                String::new(),
            ));
        }
        if cross {
            return Some((
                Verdict::Decided(Decision::ImplicitDeny),
                format!(
                    "cross-account: {}; the resource's policy must allow the principal too, and none was given \
                     (--resource-policy)",
                    accounts()
                ),
            ));
        }
        return None;
    };
    let r = answer(policy, ctx, assumptions, set.boundary.is_some());
    if r.deny {
        return Some((Verdict::Decided(Decision::ExplicitDeny), "denied by the resource policy".into()));
    }
    if r.allow_not_principal {
        return Some((
            Verdict::NotModelled(
                "the resource policy has an Allow statement with NotPrincipal, which AWS does not support (IAM User \
                 Guide, \"NotPrincipal\": \"Using it with \"Effect\":\"Allow\" is not supported\")"
                    .into(),
            ),
            String::new(),
        ));
    }
    let allow = |why: String| Some((Verdict::Decided(Decision::Allow), why));
    let deny = |why: String| Some((Verdict::Decided(Decision::ImplicitDeny), why));
    if cross {
        return match (decision == Decision::Allow, r.allow_any) {
            (true, true) => allow(format!(
                "cross-account ({}): both the principal's policies and the resource policy allow",
                accounts()
            )),
            (true, false) => {
                deny(format!("cross-account ({}): the resource policy does not allow the principal", accounts()))
            }
            (false, _) => deny(format!("cross-account ({}): the principal's own policies must allow too", accounts())),
        };
    }
    // An IAM user named by its ARN: within the account, an implicit deny of its permissions boundary does not
    // limit what a resource policy grants it (IAM User Guide, "Policy evaluation logic": "Resource-based
    // policies"); a role is limited by its boundary, as a grant names the role, not the session.
    let user =
        request.principal_arn.as_deref().and_then(|a| a.split(':').nth(5)).is_some_and(|r| r.starts_with("user/"));
    if r.allow_by_arn && user && decision != Decision::Allow {
        let unbounded = PolicySet { boundary: None, ..set.clone() };
        if guardrails_allow(&unbounded, ctx, assumptions) {
            return allow(
                "allowed by the resource policy, which names this IAM user; its permissions boundary does not limit \
                 a same-account grant to the user's ARN"
                    .into(),
            );
        }
    }
    // A grant to everyone, for a principal whose boundary does not allow the action: undocumented, so by
    // assumption (`star_principal_grant`) limited by the boundary like a role grant, or not.
    if r.allow_star
        && decision != Decision::Allow
        && set.boundary.is_some()
        && assumptions.star_principal_grant == StarGrant::Unbounded
    {
        let unbounded = PolicySet { boundary: None, session: Vec::new(), ..set.clone() };
        if guardrails_allow(&unbounded, ctx, assumptions) {
            return allow(
                "allowed by the resource policy's grant to every principal, which the permissions boundary does not \
                 limit (assumption star_principal_grant = unbounded)"
                    .into(),
            );
        }
    }
    if r.allow_direct && decision != Decision::Allow && guardrails_allow(set, ctx, assumptions) {
        return allow(
            "allowed by the resource policy, which names the principal (same account: either side may grant)".into(),
        );
    }
    if key_or_trust {
        let what = if kms { "key policy" } else { "trust policy" };
        return match (decision == Decision::Allow, r.allow_any) {
            (true, true) => allow(format!("the {what} lets the account's IAM policies in, and they allow")),
            (true, false) => deny(format!("the {what} does not allow the principal, directly or through its account")),
            (false, _) if r.allow_direct => deny(format!("the {what} names the principal, but its guardrails deny")),
            (false, _) => None,
        };
    }
    None
}

/// A write to a role IAM Identity Center manages (`role/aws-reserved/...`): not modelled, never an allow.
fn reserved_role_write(call: &ActionCall, action: &str) -> Option<String> {
    let resource = call.resource.as_deref()?;
    let mut parts = resource.splitn(6, ':');
    let (service, path) = (parts.nth(2).unwrap_or(""), parts.nth(2).unwrap_or(""));
    let writes = ROLE_CHANGES.contains(&action) || RESERVED_ROLE_WRITES.contains(&action);
    (service == "iam" && path.starts_with("role/aws-reserved/") && writes).then(|| {
        format!(
            "`{resource}` is a role IAM Identity Center manages (path /aws-reserved/): whether IAM lets `{}` change it \
             is not modelled",
            call.action
        )
    })
}

/// A change IAM refuses whatever the policies say.
fn immutable(call: &ActionCall, action: &str) -> Option<String> {
    let resource = call.resource.as_deref()?;
    let mut parts = resource.splitn(6, ':');
    // The ARN's own account: `aws` marks an AWS managed policy whatever account the caller names.
    let arn_account = parts.nth(4).unwrap_or("");
    let path = parts.next().unwrap_or("");
    if arn_account == "aws" && path.starts_with("policy/") && POLICY_CHANGES.contains(&action) {
        return Some(format!("`{resource}` is an AWS managed policy: IAM refuses every change to it"));
    }
    if path.starts_with("role/aws-service-role/") && ROLE_CHANGES.contains(&action) {
        return Some(format!(
            "`{resource}` is a service-linked role: IAM refuses `{}` on it (UnmodifiableEntity); only its service \
             changes it",
            call.action
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Setting;
    use crate::request::{Mint, Region};
    use crate::simulate::Simulator;

    fn loaded(text: &str, kind: PolicyKind) -> LoadedPolicy {
        let json = crate::source::json::parse(text, &Default::default()).unwrap();
        let policy = parse_document(&json, kind).into_iter().next().and_then(|d| d.policy).unwrap();
        LoadedPolicy::new(Arc::new(SourceFile::new("p.json", "p.json", text.to_owned())), policy, kind)
    }

    fn allow(action: &str) -> String {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "{action}", "Resource": "*"}}]}}"#
        )
    }

    fn grant(principal: &str, effect: &str) -> String {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "{effect}", "Principal": {{"AWS": "{principal}"}},
                "Action": "s3:GetObject", "Resource": "*"}}]}}"#
        )
    }

    const ROLE: &str = "arn:aws:iam::111122223333:role/app";

    fn request(action: &str, resource: &str, account: Option<&str>) -> Request {
        Request {
            principal_arn: Some(ROLE.into()),
            operation: Operation::Action(ActionCall {
                action: action.into(),
                resource: Some(resource.into()),
                resource_account: account.map(str::to_owned),
            }),
            region: Region::default(),
            ..Request::mint(Mint::default())
        }
    }

    fn decide(set: &PolicySet, resource: Option<&LoadedPolicy>, r: &Request) -> String {
        Simulator::new(set)
            .with_resource_policy(resource)
            .simulate(r, &Assumptions::default(), None)
            .verdict
            .name()
            .into()
    }

    fn identity(text: &str) -> PolicySet {
        PolicySet { identity: vec![loaded(text, PolicyKind::Identity)], ..PolicySet::default() }
    }

    #[test]
    fn same_account_either_side_grants_within_the_guardrails() {
        let none = PolicySet::default();
        let object = request("s3:GetObject", "arn:aws:s3:::b/k", Some("111122223333"));
        let direct = loaded(&grant(ROLE, "Allow"), PolicyKind::Resource);
        let account = loaded(&grant("arn:aws:iam::111122223333:root", "Allow"), PolicyKind::Resource);
        assert_eq!(decide(&none, Some(&direct), &object), "allow");
        // Naming the account delegates to its IAM policies, which allow nothing here.
        assert_eq!(decide(&none, Some(&account), &object), "implicit-deny");
        assert_eq!(decide(&identity(&allow("s3:GetObject")), Some(&account), &object), "allow");
        // A boundary that does not allow it still limits a grant to the role ARN.
        let bounded =
            PolicySet { boundary: Some(loaded(&allow("s3:PutObject"), PolicyKind::Boundary)), ..PolicySet::default() };
        assert_eq!(decide(&bounded, Some(&direct), &object), "implicit-deny");
        // An IAM user named by its ARN is not limited by its boundary's implicit deny.
        let user = "arn:aws:iam::111122223333:user/dev";
        let mut by_user = object.clone();
        by_user.principal_arn = Some(user.into());
        let names_user = loaded(&grant(user, "Allow"), PolicyKind::Resource);
        assert_eq!(decide(&bounded, Some(&names_user), &by_user), "allow");
        let deny = loaded(&grant(ROLE, "Deny"), PolicyKind::Resource);
        assert_eq!(decide(&identity(&allow("s3:GetObject")), Some(&deny), &object), "explicit-deny");
        // Without a resource policy, the identity side alone decides in the same account.
        assert_eq!(decide(&identity(&allow("s3:GetObject")), None, &object), "allow");
    }

    #[test]
    fn cross_account_needs_both_sides() {
        let id = identity(&allow("s3:GetObject"));
        let object = request("s3:GetObject", "arn:aws:s3:::b/k", Some("444455556666"));
        let direct = loaded(&grant(ROLE, "Allow"), PolicyKind::Resource);
        assert_eq!(decide(&id, None, &object), "implicit-deny");
        assert_eq!(decide(&id, Some(&direct), &object), "allow");
        assert_eq!(decide(&PolicySet::default(), Some(&direct), &object), "implicit-deny");
        let other = loaded(&grant("arn:aws:iam::999999999999:root", "Allow"), PolicyKind::Resource);
        assert_eq!(decide(&id, Some(&other), &object), "implicit-deny");
        // The account of the ARN itself (a KMS key, an SQS queue) counts as the resource's account.
        let queue = request("sqs:SendMessage", "arn:aws:sqs:eu-west-1:444455556666:q", None);
        assert_eq!(decide(&identity(&allow("sqs:SendMessage")), None, &queue), "implicit-deny");
    }

    #[test]
    fn service_rules() {
        let deny_all =
            identity(r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#);
        let mut who = request("sts:GetCallerIdentity", "*", None);
        if let Operation::Action(a) = &mut who.operation {
            a.resource = None;
        }
        assert_eq!(decide(&deny_all, None, &who), "allow");
        let admin = identity(&allow("*"));
        let key = request("kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/k", None);
        assert_eq!(decide(&admin, None, &key), "not-modelled");
        let managed = request("iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/ReadOnlyAccess", None);
        assert_eq!(decide(&admin, None, &managed), "invalid-request");
        let read = request("iam:GetPolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess", None);
        assert_eq!(decide(&admin, None, &read), "allow");
        let slr = request(
            "iam:AttachRolePolicy",
            "arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
            None,
        );
        assert_eq!(decide(&admin, None, &slr), "invalid-request");
        // The ARN's own account marks an AWS managed policy, whatever account the caller names.
        let mut named =
            request("iam:CreatePolicy", "arn:aws:iam::aws:policy/AdministratorAccess", Some("111122223333"));
        assert_eq!(decide(&admin, None, &named), "invalid-request");
        if let Operation::Action(a) = &mut named.operation {
            a.action = "iam:GetPolicy".into();
        }
        assert_eq!(decide(&admin, None, &named), "allow");
        // IAM Identity Center's roles: writes are not modelled, reads decided.
        let sso = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1";
        assert_eq!(decide(&admin, None, &request("iam:PutRolePolicy", sso, None)), "not-modelled");
        assert_eq!(decide(&admin, None, &request("iam:PassRole", sso, None)), "not-modelled");
        assert_eq!(decide(&admin, None, &request("iam:GetRole", sso, None)), "allow");
    }

    /// A role's trust policy must allow whoever assumes it, like a key policy (reference §4.2 step 5).
    #[test]
    fn assume_role_needs_the_trust_policy() {
        let target = "arn:aws:iam::111122223333:role/target";
        let assume = request("sts:AssumeRole", target, None);
        let id = identity(&allow("sts:AssumeRole"));
        assert_eq!(decide(&id, None, &assume), "not-modelled");
        let trust = |principal: &str| {
            loaded(
                &format!(
                    r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "{principal}"}},
                        "Action": "sts:AssumeRole"}}]}}"#
                ),
                PolicyKind::Trust,
            )
        };
        assert_eq!(decide(&id, Some(&trust("arn:aws:iam::111122223333:user/other")), &assume), "implicit-deny");
        assert_eq!(decide(&PolicySet::default(), Some(&trust(ROLE)), &assume), "allow");
        let account = trust("arn:aws:iam::111122223333:root");
        assert_eq!(decide(&PolicySet::default(), Some(&account), &assume), "implicit-deny");
        assert_eq!(decide(&id, Some(&account), &assume), "allow");
    }

    /// IAM User Guide, "Permissions boundaries for IAM entities": "The `NotPrincipal` element with a `Deny`
    /// effect will always deny any IAM principal that has a permissions boundary policy attached, regardless
    /// of the values specified in the `NotPrincipal` element". And "NotPrincipal": "Using it with
    /// `"Effect":"Allow"` is not supported": such a grant is not modelled.
    #[test]
    fn not_principal_rules() {
        let object = request("s3:GetObject", "arn:aws:s3:::b/k", Some("111122223333"));
        let deny_others = loaded(
            &format!(
                r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Deny", "NotPrincipal": {{"AWS": "{ROLE}"}},
                    "Action": "s3:GetObject", "Resource": "*"}}]}}"#
            ),
            PolicyKind::Resource,
        );
        let id = identity(&allow("s3:GetObject"));
        assert_eq!(decide(&id, Some(&deny_others), &object), "allow");
        let bounded = PolicySet { boundary: Some(loaded(&allow("*"), PolicyKind::Boundary)), ..id.clone() };
        assert_eq!(decide(&bounded, Some(&deny_others), &object), "explicit-deny");
        let allow_others = loaded(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/x"},
                "Action": "s3:GetObject", "Resource": "*"}]}"#,
            PolicyKind::Resource,
        );
        assert_eq!(decide(&PolicySet::default(), Some(&allow_others), &object), "not-modelled");
    }

    /// A same-account grant to `*` for a principal whose boundary does not allow the action: undocumented, so
    /// both outcomes, and the answer names `star_principal_grant`.
    #[test]
    fn star_grant_through_a_boundary_is_an_assumption() {
        let object = request("s3:GetObject", "arn:aws:s3:::b/k", Some("111122223333"));
        let everyone = loaded(&grant("*", "Allow"), PolicyKind::Resource);
        let bounded =
            PolicySet { boundary: Some(loaded(&allow("s3:PutObject"), PolicyKind::Boundary)), ..PolicySet::default() };
        let sim = Simulator::new(&bounded).with_resource_policy(Some(&everyone)).simulate(
            &object,
            &Assumptions::default(),
            None,
        );
        assert_eq!(sim.verdict.name(), "implicit-deny");
        assert_eq!(sim.depends_on.iter().map(|d| d.setting).collect::<Vec<_>>(), [Setting::StarPrincipalGrant]);
        let unbounded = Assumptions { star_principal_grant: StarGrant::Unbounded, ..Assumptions::default() };
        let sim = Simulator::new(&bounded).with_resource_policy(Some(&everyone)).simulate(&object, &unbounded, None);
        assert_eq!(sim.verdict.name(), "allow");
        // Without a boundary the grant to `*` allows either way: nothing depends on the setting.
        let sim = Simulator::new(&PolicySet::default()).with_resource_policy(Some(&everyone)).simulate(
            &object,
            &Assumptions::default(),
            None,
        );
        assert_eq!(sim.verdict.name(), "allow");
        assert!(sim.depends_on.is_empty());
    }
}

use crate::declare_rule;
use crate::eval::condition::CompiledClause;
use crate::eval::{Assumptions, RequestContext, RequestResource};
use crate::lint::facts::{DURATION_KEY, MINT_ACTION, absent_from_some_requests, holds_when_absent};
use crate::lint::{Document, Finding, LintContext};
use crate::policy::SetOp;

declare_rule! {
    /// ## What it finds
    /// An Allow guard that holds when its key is absent, written with `...IfExists` or a negated operator
    /// (`StringNotEquals`, `NotIpAddress`, ...), on a key AWS documents as absent from some requests:
    /// `aws:SourceVpc`, `aws:SourceVpce` and `aws:VpcSourceIp` (absent outside a VPC endpoint),
    /// `aws:SourceIp` (absent through one), `aws:MultiFactorAuthPresent`/`Age` (absent for long-term keys),
    /// `aws:PrincipalOrgID`/`OrgPaths` (absent outside an organization), `aws:PrincipalTag/...` (absent on an
    /// untagged principal), `aws:SourceIdentity`, `aws:FederatedProvider`,
    /// `aws:TokenIssueTime`, the EC2 credential keys, and `sts:DurationSeconds` (absent when the caller omits
    /// it, under the default assumption `duration_key_when_omitted = absent`).
    ///
    /// Not reported: absence that is harmless because the value AWS then applies passes the guard anyway,
    /// e.g. `NumericLessThanEqualsIfExists sts:DurationSeconds` with a cap of 300 or more (an omitted duration
    /// means the 300 s default; this is the recommended form); a statement that also requires the key (e.g.
    /// `"Null": {key: "false"}`, or every `Resource` entry substituting `${key}` without a default, so a
    /// request without it matches no resource); keys whose absence only means "nothing requested"
    /// (`aws:RequestTag/...`, `aws:TagKeys`); `aws:CalledVia*`, where `StringEqualsIfExists` is the idiom
    /// "directly, or only through this service" (AWS's own managed policies use it so); and service-specific
    /// keys, because AWS does not document when most of them are present. `ForAllValues:` guards are
    /// `vacuous-for-all-values`'.
    ///
    /// ## Why it matters
    /// The guard reads as a restriction, but any request without the key passes it: a VPC-only minting grant
    /// written `StringEqualsIfExists aws:SourceVpc` also allows every call from the public internet.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*",
    ///   "Condition": {"ForAllValues:StringEquals": {"sts:IdentityTokenAudience": ["https://api.partner.example"]},
    ///                 "StringEqualsIfExists": {"aws:SourceVpc": "vpc-0a1b2c3d"}}}]}
    /// ```
    ///
    /// ## Fix
    /// Use the plain positive operator (`StringEquals`), which is false when the key is absent, or add
    /// `"Null": {"aws:SourceVpc": "false"}`.
    pub static VACUOUS_IF_EXISTS = "MINT016", "vacuous-if-exists", Error, "...IfExists or a negated operator in an Allow guard on a key absent from some requests";
}

fn words(operator: &str, key: &str, if_exists: bool) -> (String, String, String) {
    let how = if if_exists { "`IfExists`" } else { "a negated operator" };
    let help = if key.eq_ignore_ascii_case(DURATION_KEY) {
        "cap at 300 or more (an omitted duration means the 300 s default), or drop `IfExists`".to_owned()
    } else {
        format!("use the positive operator without `IfExists`, or add `\"Null\": {{\"{key}\": \"false\"}}`")
    };
    (
        format!("`{operator}` passes every request without `{key}`: {how} makes this guard bypassable"),
        "true when the key is absent".to_owned(),
        help,
    )
}

pub fn check(doc: &Document, ctx: &LintContext, out: &mut Vec<Finding>) {
    for view in doc.statements() {
        if !view.facts.is_allow() {
            continue;
        }
        for (clause, compiled) in view.statement.conditions.iter().zip(view.facts.compiled.clauses.iter()) {
            let operator = clause.operator.node;
            let lower = clause.key.node.lower();
            if operator.set == Some(SetOp::ForAllValues)
                || !(operator.if_exists || operator.kind.is_negated())
                || view.key_unknown(clause)
            {
                continue;
            }
            if !absent_from_some_requests(lower) || !holds_when_absent(compiled, &ctx.assumptions) {
                continue;
            }
            if view.facts.requires_presence(lower, &ctx.assumptions)
                || (lower == DURATION_KEY && default_duration_passes(compiled, &ctx.assumptions))
            {
                continue;
            }
            let (message, label, help) = words(&operator.to_string(), clause.key.node.as_str(), operator.if_exists);
            out.push(
                Finding::new(&VACUOUS_IF_EXISTS, &doc.source, clause.operator.span, message)
                    .label(label)
                    .related(&doc.source, clause.key.span, "absent from some requests")
                    .help(help),
            );
        }
    }
}

/// An omitted `DurationSeconds` means the API default, 300 s: absence is harmless when 300 passes anyway.
fn default_duration_passes(clause: &CompiledClause, assumptions: &Assumptions) -> bool {
    let mut ctx = RequestContext::new(MINT_ACTION, RequestResource::Star);
    ctx.insert_single(DURATION_KEY, "300");
    clause.evaluate(&ctx, assumptions, &mut |_| {})
}

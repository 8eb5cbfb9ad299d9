//! Conditions compiled once per policy into typed matchers, and their evaluation against a request
//! context (reference §6). Evaluation allocates nothing unless a pattern has more than
//! [`INLINE_TOKENS`] parts.

use crate::policy::value::arn::{arn_matches, arn_matches_tokens, reads_as_arn};
use crate::policy::value::binary::decode_base64;
use crate::policy::value::date::Timestamp;
use crate::policy::value::ip::Cidr;
use crate::policy::value::number::{self, Number};
use crate::policy::value::parse_bool;
use crate::policy::wildcard::{self, Token};
use crate::policy::{ConditionClause, Family, Operator, OperatorKind, Part, SetOp, Template};

use super::assumptions::{Assumptions, EmptyValues, PlainOnMulti, VariableWildcards};
use super::context::{ContextValue, Parsed, RequestContext, RequestValue, key_hash, same_bytes, same_text};
use super::keys::slot_of;

/// Patterns with up to this many parts are matched from a stack buffer.
pub const INLINE_TOKENS: usize = 16;

/// A string pattern: plain text (the common case), or parts with policy variables to substitute.
#[derive(Clone, Debug)]
pub enum StrPattern {
    Plain(Box<str>),
    Parts(Box<[PatternPart]>),
}

#[derive(Clone, Debug)]
pub enum PatternPart {
    /// Literal text; `*` and `?` in it are wildcards only for `Like`/`Arn` operators.
    Text(Box<str>),
    /// `${*}`, `${?}`, `${$}`: always the literal character.
    Escaped(Box<str>),
    /// A policy variable: its lower-cased key, the key's hash and slot for lookups, and its default.
    Variable { key: Box<str>, hash: u64, slot: u8, default: Option<Box<str>> },
}

impl StrPattern {
    pub fn compile(template: &Template) -> StrPattern {
        if template.parts().is_empty() {
            return StrPattern::Plain(template.raw().into());
        }
        let parts = template
            .parts()
            .iter()
            .map(|p| match p {
                Part::Text(t) => PatternPart::Text(t.clone()),
                Part::Escaped(c) => PatternPart::Escaped(c.to_string().into()),
                Part::Variable(v) => PatternPart::Variable {
                    key: v.key.to_ascii_lowercase().into(),
                    hash: key_hash(&v.key),
                    slot: slot_of(&v.key),
                    default: v.default.clone(),
                },
            })
            .collect();
        StrPattern::Parts(parts)
    }

    /// Run `f` on the pattern's tokens after substituting variables from `ctx`. `None` when a variable has
    /// no value and no default: the value is then null, and nothing equals or is like null (reference §5.9).
    /// With `wildcards`, `*`/`?` in the pattern's own text are wildcards, and in substituted values too when
    /// `substituted_wildcards` (the assumption `variable_wildcards`).
    pub fn with_tokens<R>(
        &self,
        ctx: &RequestContext,
        wildcards: bool,
        substituted_wildcards: bool,
        f: impl FnOnce(&[Token<'_>]) -> R,
    ) -> Option<R> {
        match self {
            StrPattern::Plain(text) => {
                if wildcards {
                    let mut buf = [Token::AnyMany; INLINE_TOKENS];
                    let mut len = 0;
                    let mut overflow = Vec::new();
                    push_text(text, true, &mut buf, &mut len, &mut overflow);
                    let tokens = if overflow.is_empty() { buf.get(..len).unwrap_or(&[]) } else { &overflow };
                    Some(f(tokens))
                } else {
                    Some(f(&[Token::Literal(text)]))
                }
            }
            StrPattern::Parts(parts) => {
                let mut buf = [Token::AnyMany; INLINE_TOKENS];
                let mut len = 0;
                let mut overflow = Vec::new();
                for part in parts.iter() {
                    match part {
                        PatternPart::Text(t) => push_text(t, wildcards, &mut buf, &mut len, &mut overflow),
                        PatternPart::Escaped(c) => push(Token::Literal(c), &mut buf, &mut len, &mut overflow),
                        PatternPart::Variable { key, hash, slot, default } => {
                            let value = ctx.single_slotted(*slot, *hash, key).map(|v| v.text).or(default.as_deref())?;
                            push_text(value, wildcards && substituted_wildcards, &mut buf, &mut len, &mut overflow);
                        }
                    }
                }
                let tokens = if overflow.is_empty() { buf.get(..len).unwrap_or(&[]) } else { &overflow };
                Some(f(tokens))
            }
        }
    }

    /// Whether the pattern, variables substituted, reads as this boolean (a `Bool` value may use a
    /// variable), compared like [`parse_bool`] but without building the substituted text.
    fn reads_as_bool(&self, ctx: &RequestContext, value: bool) -> bool {
        let word = if value { "true" } else { "false" };
        self.with_tokens(ctx, false, false, |tokens| {
            let mut rest = word.as_bytes();
            for token in tokens {
                let piece: &[u8] = match token {
                    Token::Literal(s) => s.as_bytes(),
                    Token::AnyMany => b"*",
                    Token::AnyOne => b"?",
                };
                let Some(head) = rest.get(..piece.len()) else { return false };
                if !head.eq_ignore_ascii_case(piece) {
                    return false;
                }
                rest = rest.get(piece.len()..).unwrap_or_default();
            }
            rest.is_empty()
        })
        .unwrap_or(false)
    }
}

fn push<'a>(token: Token<'a>, buf: &mut [Token<'a>; INLINE_TOKENS], len: &mut usize, overflow: &mut Vec<Token<'a>>) {
    if overflow.is_empty() {
        if let Some(slot) = buf.get_mut(*len) {
            *slot = token;
            *len += 1;
            return;
        }
        overflow.extend_from_slice(buf);
    }
    overflow.push(token);
}

/// Split text at `*`/`?` into literal and wildcard tokens (when the operator reads wildcards).
fn push_text<'a>(
    text: &'a str,
    wildcards: bool,
    buf: &mut [Token<'a>; INLINE_TOKENS],
    len: &mut usize,
    overflow: &mut Vec<Token<'a>>,
) {
    if !wildcards {
        push(Token::Literal(text), buf, len, overflow);
        return;
    }
    let mut rest = text;
    while let Some(i) = rest.find(['*', '?']) {
        if i > 0 {
            push(Token::Literal(rest.get(..i).unwrap_or("")), buf, len, overflow);
        }
        let wild = if rest.get(i..i + 1) == Some("*") { Token::AnyMany } else { Token::AnyOne };
        push(wild, buf, len, overflow);
        rest = rest.get(i + 1..).unwrap_or("");
    }
    if !rest.is_empty() {
        push(Token::Literal(rest), buf, len, overflow);
    }
}

/// How a plain `StringLike` pattern matches. Most audience and ARN patterns are a prefix and a suffix
/// around one `*` (`https://partner*.example`), which two byte comparisons decide; the general glob is
/// kept for the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LikeShape {
    /// No `*` or `?`: the pattern must equal the value.
    Exact,
    /// `prefix*suffix` with exactly one `*` and no `?`; the `*` is at this byte offset.
    OneStar(usize),
    /// Two or more `*` and no `?` (`https://partner*.example/*`): a prefix, a suffix, and the literal
    /// segments between the stars found in order, each at its leftmost place.
    Stars,
    General,
}

impl LikeShape {
    fn of(pattern: &StrPattern) -> LikeShape {
        let StrPattern::Plain(text) = pattern else { return LikeShape::General };
        let stars = text.matches('*').count();
        match (stars, text.contains('?'), text.find('*')) {
            (0, false, _) => LikeShape::Exact,
            (1, false, Some(at)) => LikeShape::OneStar(at),
            (2.., false, _) => LikeShape::Stars,
            _ => LikeShape::General,
        }
    }

    /// `text` is the plain pattern this shape was made from.
    fn matches(self, text: &str, request: &str, fold: bool) -> bool {
        match (self, fold) {
            (LikeShape::Exact, false) => text == request,
            (LikeShape::OneStar(at), false) => {
                let (Some(prefix), Some(suffix)) = (text.get(..at), text.get(at + 1..)) else { return false };
                // The `*` matches the rest (any characters): prefix and suffix must fit without overlapping.
                // Compared as bytes inline: equal bytes of valid UTF-8 end on a character boundary, as
                // `starts_with`/`ends_with` would require, without a C library call per comparison.
                let request = request.as_bytes();
                request.len() >= prefix.len() + suffix.len()
                    && request.get(..prefix.len()).is_some_and(|head| same_bytes(head, prefix.as_bytes()))
                    && request
                        .get(request.len() - suffix.len()..)
                        .is_some_and(|tail| same_bytes(tail, suffix.as_bytes()))
            }
            (LikeShape::Stars, false) => stars_match(text, request),
            _ => wildcard::matches(text, request, fold),
        }
    }
}

/// A pattern of literal text and `*` only against a value. Finding each middle segment at its leftmost
/// place is enough: a later place leaves less text for the segments after it, never more. Bytes compare
/// as characters do: a valid UTF-8 segment found in valid UTF-8 text starts and ends on character
/// boundaries.
fn stars_match(pattern: &str, request: &str) -> bool {
    let (Some((prefix, rest)), Some((_, suffix))) = (pattern.split_once('*'), pattern.rsplit_once('*')) else {
        return pattern == request;
    };
    let middle = rest.get(..rest.len() - suffix.len()).unwrap_or("");
    let bytes = request.as_bytes();
    if bytes.len() < prefix.len() + suffix.len()
        || !bytes.get(..prefix.len()).is_some_and(|head| same_bytes(head, prefix.as_bytes()))
        || !bytes.get(bytes.len() - suffix.len()..).is_some_and(|tail| same_bytes(tail, suffix.as_bytes()))
    {
        return false;
    }
    let mut window = request.get(prefix.len()..request.len() - suffix.len()).unwrap_or("");
    for segment in middle.split('*').filter(|s| !s.is_empty()) {
        match window.find(segment) {
            Some(at) => window = window.get(at + segment.len()..).unwrap_or(""),
            None => return false,
        }
    }
    true
}

/// A plain `Arn*` pattern of six components, split once: where each component starts and ends in the
/// pattern text, and how each matches. Matching then splits only the request value (reference §5.8:
/// component-wise, case-sensitive globs; the resource component keeps its colons). Patterns made only of
/// `*` or with fewer components follow the general rules of [`arn_matches`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArnShape {
    parts: [(usize, usize, LikeShape); 6],
}

impl ArnShape {
    fn of(pattern: &StrPattern) -> Option<ArnShape> {
        let StrPattern::Plain(text) = pattern else { return None };
        if text.chars().all(|c| c == '*') {
            return None;
        }
        let mut parts = [(0, 0, LikeShape::Exact); 6];
        let mut start = 0;
        for (i, part) in parts.iter_mut().enumerate() {
            let rest = text.get(start..)?;
            let end = if i == 5 { text.len() } else { start + rest.find(':')? };
            let component = text.get(start..end)?;
            *part = (start, end, LikeShape::of(&StrPattern::Plain(component.into())));
            start = end + 1;
        }
        Some(ArnShape { parts })
    }

    /// `text` is the plain pattern this shape was made from. The request's components are split once per
    /// context value (`RequestValue::arn_components`).
    fn matches(&self, text: &str, request: RequestValue<'_>) -> bool {
        let Some(components) = request.arn_components() else { return false };
        // The value must be an ARN: its first component is exactly `arn`.
        if components[0] != "arn" {
            return false;
        }
        self.parts.iter().zip(components).all(|((start, end, shape), component)| {
            text.get(*start..*end).is_some_and(|pattern| shape.matches(pattern, component, false))
        })
    }
}

/// The policy values of one clause, parsed once for the operator's family. A value the family cannot read
/// (`"abc"` for a Numeric operator) is kept as `None`: it matches nothing (rule `invalid-condition-value`
/// reports it).
#[derive(Clone, Debug)]
pub enum ClauseValues {
    /// The patterns, and for each how a `Like` operator matches it (worked out once).
    Strings(Box<[StrPattern]>, Box<[LikeShape]>),
    Numbers(Box<[Option<Number>]>),
    Dates(Box<[Option<Timestamp>]>),
    Bools(Box<[StrPattern]>),
    /// The canonical (padded, standard-alphabet) base64 spelling of each value's bytes.
    Binary(Box<[Option<Box<str>>]>),
    Cidrs(Box<[Option<Cidr>]>),
    /// The patterns, and for each plain six-component pattern its components split once.
    Arns(Box<[StrPattern]>, Box<[Option<ArnShape>]>),
    Null(Box<[Option<bool>]>),
}

impl ClauseValues {
    /// How many policy values the clause lists.
    pub fn len(&self) -> usize {
        match self {
            ClauseValues::Strings(v, _) | ClauseValues::Arns(v, _) | ClauseValues::Bools(v) => v.len(),
            ClauseValues::Numbers(v) => v.len(),
            ClauseValues::Dates(v) => v.len(),
            ClauseValues::Binary(v) => v.len(),
            ClauseValues::Cidrs(v) => v.len(),
            ClauseValues::Null(v) => v.len(),
        }
    }

    /// Whether a policy value is one the operator's family cannot read (variables aside: a value built
    /// from them is read once substituted).
    pub fn has_unreadable(&self) -> bool {
        match self {
            ClauseValues::Numbers(v) => v.iter().any(Option::is_none),
            ClauseValues::Dates(v) => v.iter().any(Option::is_none),
            ClauseValues::Binary(v) => v.iter().any(Option::is_none),
            ClauseValues::Cidrs(v) => v.iter().any(Option::is_none),
            ClauseValues::Arns(v, _) => v.iter().any(|p| matches!(p, StrPattern::Plain(text) if !reads_as_arn(text))),
            ClauseValues::Strings(..) | ClauseValues::Bools(_) | ClauseValues::Null(_) => false,
        }
    }

    /// No policy value at all (`[]`).
    pub fn is_empty(&self) -> bool {
        match self {
            ClauseValues::Strings(v, _) | ClauseValues::Arns(v, _) | ClauseValues::Bools(v) => v.is_empty(),
            ClauseValues::Numbers(v) => v.is_empty(),
            ClauseValues::Dates(v) => v.is_empty(),
            ClauseValues::Binary(v) => v.is_empty(),
            ClauseValues::Cidrs(v) => v.is_empty(),
            ClauseValues::Null(v) => v.is_empty(),
        }
    }
}

/// One condition clause, ready to evaluate.
#[derive(Clone, Debug)]
pub struct CompiledClause {
    pub operator: Operator,
    /// Lower-cased key.
    pub key: Box<str>,
    /// [`key_hash`] of the key, so evaluation looks it up without hashing or string searching.
    pub key_hash: u64,
    /// The key's slot (`keys::slot_of`): a known key is found with one read.
    pub slot: u8,
    /// What evaluation asks of the operator, resolved once.
    resolved: Resolved,
    pub values: ClauseValues,
    /// A policy value the operator cannot read (`"abc"` for a Numeric operator, a non-ARN for an ARN
    /// operator): what a negated operator then answers is the assumption `negated_unreadable_value`.
    pub unreadable: bool,
}

impl CompiledClause {
    pub fn compile(clause: &ConditionClause) -> CompiledClause {
        let values = clause.values.iter().map(|v| &v.node);
        let values = match clause.operator.kind.family() {
            Family::String => {
                let patterns: Box<[StrPattern]> = values.map(|v| StrPattern::compile(&v.template)).collect();
                let shapes = patterns.iter().map(LikeShape::of).collect();
                ClauseValues::Strings(patterns, shapes)
            }
            Family::Arn => {
                let patterns: Box<[StrPattern]> = values.map(|v| StrPattern::compile(&v.template)).collect();
                let shapes = patterns.iter().map(ArnShape::of).collect();
                ClauseValues::Arns(patterns, shapes)
            }
            Family::Bool => ClauseValues::Bools(values.map(|v| StrPattern::compile(&v.template)).collect()),
            Family::Numeric => ClauseValues::Numbers(values.map(|v| Number::parse(v.text())).collect()),
            Family::Date => ClauseValues::Dates(values.map(|v| Timestamp::parse(v.text())).collect()),
            Family::Binary => {
                ClauseValues::Binary(values.map(|v| decode_base64(v.text()).map(|b| encode_base64(&b))).collect())
            }
            Family::Ip => ClauseValues::Cidrs(values.map(|v| Cidr::parse(v.text())).collect()),
            Family::Null => ClauseValues::Null(values.map(|v| parse_bool(v.text())).collect()),
        };
        let key = clause.key.node.lower();
        let unreadable = values.has_unreadable();
        let operator = clause.operator.node;
        CompiledClause {
            operator,
            key: key.into(),
            key_hash: key_hash(key),
            slot: slot_of(key),
            resolved: Resolved::of(operator, &values),
            values,
            unreadable,
        }
    }

    /// Evaluate against a request (reference §6.2-§6.4). `on_absent` is told when the key is missing.
    pub fn evaluate<F: FnMut(&str) + ?Sized>(
        &self,
        ctx: &RequestContext,
        assumptions: &Assumptions,
        on_absent: &mut F,
    ) -> bool {
        let op = self.operator;
        let r = self.resolved;
        let value = ctx.get_slotted(self.slot, self.key_hash, &self.key);
        if let ClauseValues::Null(expected) = &self.values {
            // `ForAllValues:Null` is always true and `ForAnyValue:Null` always false (Access Analyzer
            // `NULL_WITH_QUALIFIER`).
            match op.set {
                Some(SetOp::ForAllValues) => return true,
                Some(SetOp::ForAnyValue) => return false,
                None => {}
            }
            let is_null = value.is_none_or(|(v, _)| v.is_null());
            if value.is_none() {
                on_absent(&self.key);
            }
            return expected.iter().any(|e| match e {
                Some(true) => is_null,
                Some(false) => !is_null,
                None => false,
            });
        }
        // A plain operator with no values at all (§5.6): skipped or never matching, by assumption. The set
        // operators and IfExists keep their documented readings of an empty list (Access Analyzer's
        // EMPTY_ARRAY_CONDITION_FORALLVALUES / _FORANYVALUE / _IFEXISTS).
        if r.plain_without_values && assumptions.empty_condition_values == EmptyValues::Ignored {
            return true;
        }
        let negated = r.negated;
        // Set operators treat an empty list (or empty string) like a missing key.
        let present = match (op.set, value) {
            (Some(_), Some((v, _))) if v.is_null() => None,
            (_, v) => v,
        };
        let Some((present, parsed)) = present else {
            on_absent(&self.key);
            if op.if_exists {
                return true;
            }
            return match op.set {
                Some(SetOp::ForAllValues) => !negated || assumptions.for_all_values_negated_missing,
                Some(SetOp::ForAnyValue) => false,
                // AWS documents the negated String and ARN operators as true on a missing key; the Numeric,
                // Date and IP negations follow only by analogy (reference §6.2, §10.16).
                None => negated && (r.string_or_arn || assumptions.negated_numeric_date_ip_missing),
            };
        };
        if r.has_variables {
            self.report_absent_variables(ctx, on_absent);
        }
        // A negated operator holding a value it cannot read: the NOR of "equals nothing" (true), or a failed
        // comparison (false), by assumption.
        if negated && self.unreadable && !assumptions.negated_unreadable_value {
            return false;
        }
        // One request value against the policy values: positive match of any value, negated to NOR.
        let test = |v: RequestValue<'_>| self.matches_any(v, ctx, assumptions) != negated;
        match (op.set, present) {
            (None, ContextValue::Single(v)) => test(single(v, parsed)),
            (None, ContextValue::Multi(rs)) => match assumptions.plain_operator_on_multivalued {
                PlainOnMulti::AnyValue => {
                    rs.iter().any(|v| self.matches_any(RequestValue::new(v), ctx, assumptions)) != negated
                }
                PlainOnMulti::NoMatch => negated,
            },
            (Some(SetOp::ForAllValues), ContextValue::Single(v)) => test(single(v, parsed)),
            (Some(SetOp::ForAnyValue), ContextValue::Single(v)) => test(single(v, parsed)),
            (Some(SetOp::ForAllValues), ContextValue::Multi(rs)) => rs.iter().all(|v| test(RequestValue::new(v))),
            (Some(SetOp::ForAnyValue), ContextValue::Multi(rs)) => rs.iter().any(|v| test(RequestValue::new(v))),
        }
    }

    /// Whether a value holds a policy variable (`${*}`-style escapes included; they are harmless here).
    pub fn has_variables(&self) -> bool {
        self.resolved.has_variables
    }

    /// A policy variable without a default whose key the request lacks is a tested-but-absent key too: it is
    /// why the value cannot match (reference §5.9), and the simulator must say so.
    fn report_absent_variables<F: FnMut(&str) + ?Sized>(&self, ctx: &RequestContext, on_absent: &mut F) {
        let (ClauseValues::Strings(patterns, _) | ClauseValues::Arns(patterns, _) | ClauseValues::Bools(patterns)) =
            &self.values
        else {
            return;
        };
        for pattern in patterns.iter() {
            let StrPattern::Parts(parts) = pattern else { continue };
            for part in parts.iter() {
                if let PatternPart::Variable { key, hash, slot, default: None } = part
                    && ctx.single_slotted(*slot, *hash, key).is_none()
                {
                    on_absent(key);
                }
            }
        }
    }

    /// Whether the request value matches any policy value under the operator's positive form.
    fn matches_any(&self, request: RequestValue<'_>, ctx: &RequestContext, assumptions: &Assumptions) -> bool {
        let Resolved { positive: kind, like, fold, .. } = self.resolved;
        let substituted_wildcards = assumptions.variable_wildcards == VariableWildcards::Wildcard;
        let text = request.text;
        match &self.values {
            ClauseValues::Strings(patterns, shapes) => {
                patterns.iter().zip(shapes.iter()).any(|(p, shape)| match (p, like, fold) {
                    (StrPattern::Plain(pattern), false, false) => same_text(pattern, text),
                    (StrPattern::Plain(pattern), false, true) => wildcard::eq_fold(pattern, text),
                    (StrPattern::Plain(pattern), true, _) => shape.matches(pattern, text, fold),
                    _ => p
                        .with_tokens(ctx, like, substituted_wildcards, |t| wildcard::matches_tokens(t, text, fold))
                        .unwrap_or(false),
                })
            }
            ClauseValues::Arns(patterns, shapes) => patterns.iter().zip(shapes.iter()).any(|(p, shape)| match p {
                StrPattern::Plain(pattern) => match shape {
                    Some(shape) => shape.matches(pattern, request),
                    None => arn_matches(pattern, text),
                },
                StrPattern::Parts(_) => {
                    p.with_tokens(ctx, true, substituted_wildcards, |t| arn_matches_tokens(t, text)).unwrap_or(false)
                }
            }),
            ClauseValues::Bools(patterns) => {
                let Some(r) = parse_bool(text) else { return false };
                let plain = if r { self.resolved.plain_true } else { self.resolved.plain_false };
                plain
                    || (self.resolved.has_variables
                        && patterns.iter().any(|p| matches!(p, StrPattern::Parts(_)) && p.reads_as_bool(ctx, r)))
            }
            ClauseValues::Numbers(numbers) => {
                let Some(r) = request.number() else { return false };
                numbers.iter().flatten().any(|p| compare(kind, Some(number::compare(r, *p))))
            }
            ClauseValues::Dates(dates) => {
                let Some(r) = request.date() else { return false };
                dates.iter().flatten().any(|p| compare(kind, Some(r.cmp(p))))
            }
            // Base64 decoding is strict (no whitespace, no stray bits), so two values hold the same bytes
            // exactly when the request spells the canonical encoding, with or without its padding: a
            // comparison that needs no decoding buffer.
            ClauseValues::Binary(canonical) => {
                canonical.iter().flatten().any(|c| same_text(c, text) || same_text(c.trim_end_matches('='), text))
            }
            ClauseValues::Cidrs(cidrs) => {
                let Some(addr) = request.addr() else { return false };
                cidrs.iter().flatten().any(|c| c.contains(addr))
            }
            ClauseValues::Null(_) => false,
        }
    }
}

/// A single value of a context with the cache of its parsed forms.
fn single<'a>(text: &'a str, parsed: &'a Parsed) -> RequestValue<'a> {
    RequestValue::cached(text, parsed)
}

/// What evaluating a clause asks of its operator and values, worked out when the clause is compiled.
#[derive(Clone, Copy, Debug)]
struct Resolved {
    negated: bool,
    /// The operator's positive form (`StringNotLike` -> `StringLike`).
    positive: OperatorKind,
    /// A `Like` string operator: `*` and `?` are wildcards.
    like: bool,
    /// The comparison ignores case.
    fold: bool,
    /// A String or ARN operator: their negations are documented as true on a missing key.
    string_or_arn: bool,
    /// A plain operator (no set qualifier, no IfExists) with no policy values.
    plain_without_values: bool,
    /// A policy value holds a policy variable.
    has_variables: bool,
    /// A `Bool` clause: a plain policy value reads as `true`, as `false`.
    plain_true: bool,
    plain_false: bool,
}

impl Resolved {
    fn of(op: Operator, values: &ClauseValues) -> Resolved {
        let positive = op.kind.positive();
        let has_variables = match values {
            ClauseValues::Strings(patterns, _) | ClauseValues::Arns(patterns, _) | ClauseValues::Bools(patterns) => {
                patterns.iter().any(|p| matches!(p, StrPattern::Parts(_)))
            }
            _ => false,
        };
        let plain_bools = |want: bool| match values {
            ClauseValues::Bools(patterns) => {
                patterns.iter().any(|p| matches!(p, StrPattern::Plain(text) if parse_bool(text) == Some(want)))
            }
            _ => false,
        };
        Resolved {
            plain_true: plain_bools(true),
            plain_false: plain_bools(false),
            negated: op.kind.is_negated(),
            positive,
            like: positive == OperatorKind::StringLike,
            fold: positive.ignores_case(),
            string_or_arn: matches!(op.kind.family(), Family::String | Family::Arn),
            plain_without_values: op.set.is_none() && !op.if_exists && values.is_empty(),
            has_variables,
        }
    }
}

/// Standard base64 with padding (RFC 4648 §4), the canonical spelling of a `BinaryEquals` value.
fn encode_base64(bytes: &[u8]) -> Box<str> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextet = |n: u32, shift: u32| char::from(ALPHABET.get(((n >> shift) & 63) as usize).copied().unwrap_or(b'A'));
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let [a, b, c] = [0, 1, 2].map(|i| u32::from(chunk.get(i).copied().unwrap_or(0)));
        let n = (a << 16) | (b << 8) | c;
        out.push(sextet(n, 18));
        out.push(sextet(n, 12));
        out.push(if chunk.len() > 1 { sextet(n, 6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(n, 0) } else { '=' });
    }
    out.into()
}

/// `request <op> policy` for the ordering operators; equality for `*Equals`.
fn compare(kind: OperatorKind, ordering: Option<std::cmp::Ordering>) -> bool {
    use OperatorKind::*;
    use std::cmp::Ordering::*;
    let Some(ordering) = ordering else { return false };
    match kind {
        NumericEquals | DateEquals => ordering == Equal,
        NumericLessThan | DateLessThan => ordering == Less,
        NumericLessThanEquals | DateLessThanEquals => ordering != Greater,
        NumericGreaterThan | DateGreaterThan => ordering == Greater,
        NumericGreaterThanEquals | DateGreaterThanEquals => ordering != Less,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Comparing with the canonical encoding decides exactly what decoding both values would.
    #[test]
    fn binary_equality_without_decoding() {
        let values = [
            "", "Zg", "Zg==", "Zg=", "Zm8", "Zm8=", "Zm9v", "Zm9vYg", "Zm9vYg==", "QR==", "QQ==", "QQ", "Q Q==",
            "YmluYXJ5",
        ];
        for p in values {
            let canonical = decode_base64(p).map(|b| encode_base64(&b));
            for r in values {
                let fast = canonical.as_ref().is_some_and(|c| same_text(c, r) || same_text(c.trim_end_matches('='), r));
                let slow = matches!((decode_base64(p), decode_base64(r)), (Some(a), Some(b)) if a == b);
                assert_eq!(fast, slow, "policy {p:?} request {r:?}");
            }
        }
        assert_eq!(&*encode_base64(b"binary"), "YmluYXJ5");
        assert_eq!(&*encode_base64(b"f"), "Zg==");
        assert_eq!(&*encode_base64(b"fo"), "Zm8=");
    }

    /// The pre-split ARN patterns match exactly like the general ARN matcher.
    #[test]
    fn arn_shapes_agree_with_arn_matches() {
        let patterns = [
            "arn:aws:iam::*:role/quarantine-*",
            "arn:aws:iam::111122223333:role/payments",
            "arn:aws:iam::*:role/*",
            "arn:aws:*:*:*:*",
            "arn:*:s3:::bucket/*",
            "arn:aws:iam::1111?2223333:role/p*s",
            "arn:aws:logs:*:*:log-group:/x:*",
            "arn:aws:s3:::",
            "*:aws:iam::*:role/x",
        ];
        let values = [
            "arn:aws:iam::111122223333:role/payments",
            "arn:aws:iam::111122223333:role/quarantine-7",
            "arn:aws:iam::111122223333:role/team/payments",
            "arn:aws:iam::111122223333:extra:role/payments",
            "arn:aws:s3:::bucket/key",
            "arn:aws:s3:::",
            "arn:aws:logs:us-east-1:1:log-group:/x:log-stream:y",
            "ARN:aws:iam::1:role/x",
            "urn:aws:iam::1:role/x",
            "arn:aws:iam",
            "payments",
            "",
        ];
        for p in patterns {
            let shape = ArnShape::of(&StrPattern::Plain(p.into())).unwrap();
            for v in values {
                let parsed = Parsed::default();
                for request in
                    [RequestValue::new(v), RequestValue::cached(v, &parsed), RequestValue::cached(v, &parsed)]
                {
                    assert_eq!(shape.matches(p, request), arn_matches(p, v), "{p:?} against {v:?}");
                }
            }
        }
        assert!(ArnShape::of(&StrPattern::Plain("*".into())).is_none());
        assert!(ArnShape::of(&StrPattern::Plain("arn:aws:s3:*".into())).is_none());
    }

    /// The prefix/suffix shortcut agrees with the general glob on every pattern shape it takes.
    #[test]
    fn like_shapes_agree_with_the_glob() {
        let patterns = ["https://partner*.example", "*", "a*", "*a", "abc", "a*a", "é*ü", "a?c", "a**", "*.x*"];
        let values =
            ["", "a", "aa", "aba", "abc", "https://partner.example", "https://partner7.example", "éü", "é-ü", "ü"];
        for p in patterns {
            let shape = LikeShape::of(&StrPattern::Plain(p.into()));
            for v in values {
                assert_eq!(
                    shape.matches(p, v, false),
                    wildcard::matches(p, v, false),
                    "{p:?} against {v:?} ({shape:?})"
                );
            }
        }
        assert_eq!(LikeShape::of(&StrPattern::Plain("a*b".into())), LikeShape::OneStar(1));
        assert_eq!(LikeShape::of(&StrPattern::Plain("ab".into())), LikeShape::Exact);
        assert_eq!(LikeShape::of(&StrPattern::Plain("a*b*".into())), LikeShape::Stars);
        assert_eq!(LikeShape::of(&StrPattern::Plain("a*?".into())), LikeShape::General);
    }

    proptest::proptest! {
        /// Every shortcut shape matches exactly as the general glob, over patterns and values made of a few
        /// characters (ASCII and not) where overlaps and repeats are common.
        #[test]
        fn like_shapes_agree_with_the_glob_everywhere(pattern in "[ab*?é]{0,8}", value in "[abé]{0,10}") {
            let shape = LikeShape::of(&StrPattern::Plain(pattern.as_str().into()));
            proptest::prop_assert_eq!(
                shape.matches(&pattern, &value, false),
                wildcard::matches(&pattern, &value, false),
                "{:?} against {:?} ({:?})", pattern, value, shape
            );
        }
    }
}

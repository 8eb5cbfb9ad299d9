//! Condition operators: a family-specific comparison, an optional set prefix and an optional `IfExists`.

use std::fmt;

/// A condition operator as IAM reads `[ForAllValues:|ForAnyValue:]<Kind>[IfExists]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Operator {
    pub kind: OperatorKind,
    pub set: Option<SetOp>,
    pub if_exists: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetOp {
    ForAllValues,
    ForAnyValue,
}

impl SetOp {
    pub fn prefix(self) -> &'static str {
        match self {
            SetOp::ForAllValues => "ForAllValues:",
            SetOp::ForAnyValue => "ForAnyValue:",
        }
    }
}

/// The value type an operator family compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

macro_rules! operator_kinds {
    ($($variant:ident => $name:literal, $family:ident, negated: $neg:literal;)*) => {
        /// Every base operator of the IAM condition language (reference §6.1).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum OperatorKind { $($variant),* }

        impl OperatorKind {
            pub const ALL: &'static [OperatorKind] = &[$(OperatorKind::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(OperatorKind::$variant => $name),* }
            }

            pub fn family(self) -> Family {
                match self { $(OperatorKind::$variant => Family::$family),* }
            }

            /// Negated operators match when the key matches none of the values, and when the key is absent.
            pub fn is_negated(self) -> bool {
                match self { $(OperatorKind::$variant => $neg),* }
            }
        }
    };
}

operator_kinds! {
    StringEquals => "StringEquals", String, negated: false;
    StringNotEquals => "StringNotEquals", String, negated: true;
    StringEqualsIgnoreCase => "StringEqualsIgnoreCase", String, negated: false;
    StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase", String, negated: true;
    StringLike => "StringLike", String, negated: false;
    StringNotLike => "StringNotLike", String, negated: true;
    NumericEquals => "NumericEquals", Numeric, negated: false;
    NumericNotEquals => "NumericNotEquals", Numeric, negated: true;
    NumericLessThan => "NumericLessThan", Numeric, negated: false;
    NumericLessThanEquals => "NumericLessThanEquals", Numeric, negated: false;
    NumericGreaterThan => "NumericGreaterThan", Numeric, negated: false;
    NumericGreaterThanEquals => "NumericGreaterThanEquals", Numeric, negated: false;
    DateEquals => "DateEquals", Date, negated: false;
    DateNotEquals => "DateNotEquals", Date, negated: true;
    DateLessThan => "DateLessThan", Date, negated: false;
    DateLessThanEquals => "DateLessThanEquals", Date, negated: false;
    DateGreaterThan => "DateGreaterThan", Date, negated: false;
    DateGreaterThanEquals => "DateGreaterThanEquals", Date, negated: false;
    Bool => "Bool", Bool, negated: false;
    BinaryEquals => "BinaryEquals", Binary, negated: false;
    IpAddress => "IpAddress", Ip, negated: false;
    NotIpAddress => "NotIpAddress", Ip, negated: true;
    ArnEquals => "ArnEquals", Arn, negated: false;
    ArnLike => "ArnLike", Arn, negated: false;
    ArnNotEquals => "ArnNotEquals", Arn, negated: true;
    ArnNotLike => "ArnNotLike", Arn, negated: true;
    Null => "Null", Null, negated: false;
}

impl OperatorKind {
    /// Looks `*`/`?` up as wildcards (`StringLike` family and every `Arn` operator, reference §5.8).
    pub fn is_like(self) -> bool {
        use OperatorKind::*;
        matches!(self, StringLike | StringNotLike | ArnEquals | ArnLike | ArnNotEquals | ArnNotLike)
    }

    pub fn ignores_case(self) -> bool {
        matches!(self, OperatorKind::StringEqualsIgnoreCase | OperatorKind::StringNotEqualsIgnoreCase)
    }

    /// Policy variables are substituted in String and ARN operator values (reference §5.9; current AWS docs
    /// also name `Bool`).
    pub fn takes_variables(self) -> bool {
        matches!(self.family(), Family::String | Family::Arn | Family::Bool)
    }

    /// The positive counterpart of a negated operator (`StringNotLike` → `StringLike`).
    pub fn positive(self) -> OperatorKind {
        use OperatorKind::*;
        match self {
            StringNotEquals => StringEquals,
            StringNotEqualsIgnoreCase => StringEqualsIgnoreCase,
            StringNotLike => StringLike,
            NumericNotEquals => NumericEquals,
            DateNotEquals => DateEquals,
            NotIpAddress => IpAddress,
            ArnNotEquals => ArnEquals,
            ArnNotLike => ArnLike,
            other => other,
        }
    }
}

/// Why an operator name could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OperatorError {
    /// Not an operator; carries the nearest known spelling, if any is close.
    Unknown { suggestion: Option<String> },
    /// `NullIfExists` (Access Analyzer `NULL_WITH_IF_EXISTS`): `Null` already tests presence.
    NullWithIfExists,
    /// A set prefix with nothing after it, or a prefix spelt with the wrong case.
    BadSetPrefix { suggestion: Option<String> },
}

impl Operator {
    pub fn parse(text: &str) -> Result<Operator, OperatorError> {
        let (set, rest) = if let Some(rest) = text.strip_prefix("ForAllValues:") {
            (Some(SetOp::ForAllValues), rest)
        } else if let Some(rest) = text.strip_prefix("ForAnyValue:") {
            (Some(SetOp::ForAnyValue), rest)
        } else if let Some((prefix, _)) = text.split_once(':') {
            let suggestion = ["ForAllValues:", "ForAnyValue:"]
                .into_iter()
                .find(|p| p.eq_ignore_ascii_case(&format!("{prefix}:")))
                .map(|p| format!("{p}{}", text.get(prefix.len() + 1..).unwrap_or("")));
            return Err(OperatorError::BadSetPrefix { suggestion: suggestion.or_else(|| suggest(text)) });
        } else {
            (None, text)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) if !base.is_empty() => (base, true),
            _ => (rest, false),
        };
        let Some(kind) = OperatorKind::ALL.iter().copied().find(|k| k.name() == base) else {
            return Err(OperatorError::Unknown { suggestion: suggest(text) });
        };
        if kind == OperatorKind::Null && if_exists {
            return Err(OperatorError::NullWithIfExists);
        }
        Ok(Operator { kind, set, if_exists })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(set) = self.set {
            f.write_str(set.prefix())?;
        }
        f.write_str(self.kind.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// The nearest valid operator spelling (case differences first, then small edit distance).
fn suggest(text: &str) -> Option<String> {
    let (prefix, rest) = match text.split_once(':') {
        Some((p, r)) => {
            let p = ["ForAllValues", "ForAnyValue"].into_iter().min_by_key(|c| crate::text::edit_distance(c, p))?;
            (format!("{p}:"), r)
        }
        None => (String::new(), text),
    };
    let candidates = OperatorKind::ALL
        .iter()
        .flat_map(|k| {
            let with = (*k != OperatorKind::Null).then(|| format!("{}IfExists", k.name()));
            std::iter::once(k.name().to_owned()).chain(with)
        })
        .collect::<Vec<_>>();
    crate::text::nearest(rest, candidates.iter().map(String::as_str)).map(|best| format!("{prefix}{best}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let op = Operator::parse("ForAllValues:StringLikeIfExists").unwrap();
        assert_eq!(op, Operator { kind: OperatorKind::StringLike, set: Some(SetOp::ForAllValues), if_exists: true });
        assert_eq!(op.to_string(), "ForAllValues:StringLikeIfExists");
        let op = Operator::parse("Null").unwrap();
        assert_eq!(op, Operator { kind: OperatorKind::Null, set: None, if_exists: false });
        for kind in OperatorKind::ALL {
            assert_eq!(Operator::parse(kind.name()).unwrap().kind, *kind);
        }
    }

    #[test]
    fn rejects_null_if_exists_and_typos() {
        assert_eq!(Operator::parse("NullIfExists"), Err(OperatorError::NullWithIfExists));
        assert_eq!(
            Operator::parse("StringEqual"),
            Err(OperatorError::Unknown { suggestion: Some("StringEquals".into()) })
        );
        assert_eq!(
            Operator::parse("stringequals"),
            Err(OperatorError::Unknown { suggestion: Some("StringEquals".into()) })
        );
        assert_eq!(
            Operator::parse("forallvalues:StringEquals"),
            Err(OperatorError::BadSetPrefix { suggestion: Some("ForAllValues:StringEquals".into()) })
        );
        assert!(matches!(Operator::parse("IfExists"), Err(OperatorError::Unknown { .. })));
    }
}

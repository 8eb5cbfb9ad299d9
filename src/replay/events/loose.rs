//! A JSON value read without judging its shape, keeping what a typed reader would lose: every member of an
//! object in order, duplicates included. CloudTrail's record shape for `GetWebIdentityToken` is partly
//! unconfirmed (`reference/cloudtrail.md`), so the reader first takes whatever is there and the
//! interpretation decides, field by field, whether it fits a documented shape; a record that does not fit is
//! skipped with the reason instead of failing the whole file.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value; objects keep every member in document order, duplicates included.
#[derive(Clone, Debug, PartialEq)]
pub enum Loose {
    Null,
    Bool(bool),
    Number(Number),
    Str(String),
    Array(Vec<Loose>),
    Object(Vec<(String, Loose)>),
}

/// A JSON number as serde_json hands it over: an integer when it is one, else a float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

/// A member looked up in an object.
#[derive(Debug, PartialEq)]
pub enum Member<'a> {
    Absent,
    Present(&'a Loose),
    /// The object names the member more than once: which one a service meant cannot be known.
    Duplicate,
}

impl Loose {
    /// The JSON type name, for messages (`expected an array, found a number`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Loose::Null => "null",
            Loose::Bool(_) => "a boolean",
            Loose::Number(_) => "a number",
            Loose::Str(_) => "a string",
            Loose::Array(_) => "an array",
            Loose::Object(_) => "an object",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Loose::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The member spelt by any of `names` (CloudTrail's lowerCamelCase, Athena's lowercase). Two members
    /// under these names, even spelt differently, are a duplicate.
    pub fn member(&self, names: &[&str]) -> Member<'_> {
        let Loose::Object(members) = self else {
            return Member::Absent;
        };
        let mut found = members.iter().filter(|(k, _)| names.contains(&k.as_str()));
        match (found.next(), found.next()) {
            (None, _) => Member::Absent,
            (Some((_, v)), None) => Member::Present(v),
            (Some(_), Some(_)) => Member::Duplicate,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Unsigned(n) => write!(f, "{n}"),
            Number::Signed(n) => write!(f, "{n}"),
            Number::Float(n) => write!(f, "{n}"),
        }
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
        Loose::deserialize(d)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Loose, E> {
        Ok(Loose::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Loose, E> {
        Ok(Loose::Number(Number::Unsigned(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose::Number(Number::Signed(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Loose, E> {
        Ok(Loose::Number(Number::Float(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Loose, E> {
        Ok(Loose::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Loose>()? {
            items.push(item);
        }
        Ok(Loose::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Loose>()? {
            members.push((key, value));
        }
        Ok(Loose::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loose(text: &str) -> Loose {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn keeps_every_member_in_order_with_duplicates() {
        let v = loose(r#"{"b": 1, "a": [true, null, -2, 1.5], "b": "x"}"#);
        let Loose::Object(members) = &v else { panic!("not an object") };
        let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "b"]);
        assert_eq!(v.member(&["b"]), Member::Duplicate);
        assert_eq!(
            v.member(&["a"]),
            Member::Present(&Loose::Array(vec![
                Loose::Bool(true),
                Loose::Null,
                Loose::Number(Number::Signed(-2)),
                Loose::Number(Number::Float(1.5)),
            ]))
        );
        assert_eq!(v.member(&["c"]), Member::Absent);
    }

    #[test]
    fn two_spellings_of_one_member_are_a_duplicate() {
        let v = loose(r#"{"eventName": "A", "eventname": "B"}"#);
        assert_eq!(v.member(&["eventName", "eventname"]), Member::Duplicate);
        assert_eq!(v.member(&["eventname"]), Member::Present(&Loose::Str("B".into())));
    }

    #[test]
    fn a_scalar_has_no_members() {
        assert_eq!(loose("3").member(&["a"]), Member::Absent);
        assert_eq!(loose("3").type_name(), "a number");
    }
}

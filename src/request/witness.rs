//! A request written back out, for people and for replay: as a `--cases` entry (exactly the cases-file
//! format: absent fields are left out, never `null`) and as the `simulate` flags that rebuild it. Both read
//! back through [`super::RequestSpec::build`] into the same request, which a test checks.

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::eval::{ContextValue, PolicySet};
use crate::source::display_path;

use super::{Operation, Request};

fn pairs(p: &[(String, String)]) -> Value {
    Value::Object(p.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect())
}

fn context_value(v: &ContextValue) -> Value {
    match v {
        ContextValue::Single(s) => Value::from(s.to_string()),
        ContextValue::Multi(vs) => Value::from(vs.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
    }
}

impl Request {
    /// The condition keys a cases entry or `--context` gives for this request: the network path as its keys,
    /// then the other keys it sets.
    pub fn context_entries(&self) -> Vec<(String, ContextValue)> {
        let mut out: Vec<(String, ContextValue)> =
            self.network_keys().into_iter().map(|(k, v)| (k.to_owned(), ContextValue::Single(v.into()))).collect();
        out.extend(self.context.iter().cloned());
        out
    }

    /// The request as a `--cases` entry, without `name` and `expect`: paste it into a cases file to keep it as
    /// a regression test. Fields the request does not have are left out.
    pub fn case_json(&self) -> Value {
        let mut obj = Map::new();
        if let Some(p) = &self.principal_arn {
            obj.insert("principal".into(), p.clone().into());
        }
        if !self.principal_tags.is_empty() {
            obj.insert("principal_tags".into(), pairs(&self.principal_tags));
        }
        match &self.operation {
            Operation::Mint(m) => {
                obj.insert("audience".into(), m.audiences.clone().into());
                if let Some(d) = m.duration {
                    obj.insert("duration".into(), d.into());
                }
                obj.insert("signing_algorithm".into(), m.signing_algorithm.clone().into());
            }
            Operation::Action(a) => {
                obj.insert("action".into(), a.action.clone().into());
                if let Some(r) = &a.resource {
                    obj.insert("resource".into(), r.clone().into());
                }
                if let Some(r) = &a.resource_account {
                    obj.insert("resource_account".into(), r.clone().into());
                }
            }
        }
        if !self.tags.is_empty() {
            obj.insert("tags".into(), pairs(&self.tags));
        }
        obj.insert("region".into(), self.region.as_str().into());
        if let Some(t) = &self.time {
            obj.insert("time".into(), t.to_rfc3339().into());
        }
        if let Some(t) = &self.session_expiry {
            obj.insert("session_expiry".into(), t.to_rfc3339().into());
        }
        let context = self.context_entries();
        if !context.is_empty() {
            obj.insert(
                "context".into(),
                Value::Object(context.iter().map(|(k, v)| (k.clone(), context_value(v))).collect()),
            );
        }
        Value::Object(obj)
    }

    /// One line: what the request sends.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.principal_arn {
            parts.push(format!("principal `{p}`"));
        }
        for (k, v) in &self.principal_tags {
            parts.push(format!("principal tag `{k}={v}`"));
        }
        match &self.operation {
            Operation::Mint(m) => {
                let audiences = m.audiences.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
                parts.push(format!("audience [{audiences}]"));
                parts.push(match m.duration {
                    Some(d) => format!("duration {d} s"),
                    None => "duration omitted".to_owned(),
                });
                parts.push(format!("algorithm {}", m.signing_algorithm));
            }
            Operation::Action(a) => {
                parts.push(format!("action `{}`", a.action));
                parts
                    .push(a.resource.as_ref().map_or_else(|| "resource `*`".to_owned(), |r| format!("resource `{r}`")));
            }
        }
        if self.tags.is_empty() {
            parts.push("no tags".to_owned());
        } else {
            let tags = self.tags.iter().map(|(k, v)| format!("`{k}={v}`")).collect::<Vec<_>>().join(", ");
            parts.push(format!("tags {tags}"));
        }
        parts.push(format!("region `{}`", self.region));
        if let Some(t) = &self.time {
            parts.push(format!("at {}", t.to_rfc3339()));
        }
        for (k, v) in self.context_entries() {
            parts.push(format!("`{k}` = {v}"));
        }
        parts.join(", ")
    }

    /// The `simulate` flags that rebuild this request (without the flags that name its policies).
    /// `principal_tags`: whether to write the principal's tags (an inventory principal brings its own).
    pub fn simulate_flags(&self, principal_tags: bool) -> Vec<String> {
        let mut args = Vec::new();
        let mut flag = |f: &str, v: &str| {
            args.push(f.to_owned());
            args.push(v.to_owned());
        };
        if let Some(p) = &self.principal_arn {
            flag("--principal", p);
        }
        if principal_tags {
            for (k, v) in &self.principal_tags {
                flag("--principal-tag", &format!("{k}={v}"));
            }
        }
        match &self.operation {
            Operation::Mint(m) => {
                for a in &m.audiences {
                    flag("--audience", a);
                }
                if let Some(d) = m.duration {
                    flag("--duration", &d.to_string());
                }
                flag("--signing-algorithm", &m.signing_algorithm);
            }
            Operation::Action(a) => {
                flag("--action", &a.action);
                if let Some(r) = &a.resource {
                    flag("--resource", r);
                }
                if let Some(r) = &a.resource_account {
                    flag("--resource-account", r);
                }
            }
        }
        for (k, v) in &self.tags {
            flag("--tag", &format!("{k}={v}"));
        }
        flag("--region", self.region.as_str());
        if let Some(t) = &self.time {
            flag("--time", &t.to_rfc3339());
        }
        if let Some(t) = &self.session_expiry {
            flag("--session-expiry", &t.to_rfc3339());
        }
        match &self.network {
            super::Network::Public { ip } => {
                if let Some(ip) = ip {
                    flag("--source-ip", &ip.to_string());
                }
            }
            super::Network::Endpoint { vpc, vpce, ip } => {
                flag("--source-vpc", vpc);
                flag("--source-vpce", vpce);
                if let Some(ip) = ip {
                    flag("--source-ip", &ip.to_string());
                }
            }
        }
        for (k, v) in &self.context {
            for value in v.values() {
                flag("--context", &format!("{k}={value}"));
            }
        }
        args
    }
}

/// Where the policies of a simulated principal come from, to name them on a `simulate` command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicySource {
    /// Loose policy files, named with `--policy`, `--boundary`, `--scp LEVEL:FILE`, `--rcp`,
    /// `--session-policy` (read off the policy set).
    Files,
    /// A principal of an inventory (Terraform JSON or source, account snapshots): the input paths, and the
    /// principal is named with `--principal`.
    Inventory(Vec<PathBuf>),
    /// A principal of `.tf` source: the input paths, and the principal named by its Terraform address (its ARN
    /// is synthesized, often in the placeholder account, so the address is what a reader recognises).
    Tree { inputs: Vec<PathBuf>, address: String },
}

/// Quote a word for a POSIX shell, only when it needs it.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_./:=@%+-,".contains(c)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A `mintlint simulate` command line that decides `request` against the policies of `set`.
pub fn simulate_command(source: &PolicySource, set: &PolicySet, request: &Request) -> String {
    let mut args: Vec<String> = vec!["mintlint".into(), "simulate".into()];
    let path = |p: &crate::eval::LoadedPolicy| display_path(&p.source.path);
    match source {
        PolicySource::Inventory(inputs) => {
            args.extend(inputs.iter().map(|p| display_path(p)));
        }
        PolicySource::Tree { inputs, address } => {
            args.extend(inputs.iter().map(|p| display_path(p)));
            args.push("--principal".into());
            args.push(address.clone());
        }
        PolicySource::Files => {
            let mut flag = |f: &str, v: String| {
                args.push(f.to_owned());
                args.push(v);
            };
            for p in &set.identity {
                flag("--policy", path(p));
            }
            if let Some(b) = &set.boundary {
                flag("--boundary", path(b));
            }
            for (level, ps) in set.scp_levels.iter().enumerate() {
                for p in ps {
                    flag("--scp", format!("{level}:{}", path(p)));
                }
            }
            for p in &set.rcps {
                flag("--rcp", path(p));
            }
            for p in &set.session {
                flag("--session-policy", path(p));
            }
            if set.management_account {
                args.push("--management-account".into());
            }
        }
    }
    let mut flags = request.simulate_flags(*source == PolicySource::Files);
    if matches!(source, PolicySource::Tree { .. })
        && let Some(at) = flags.iter().position(|f| f == "--principal")
    {
        // Named by its address above.
        flags.drain(at..flags.len().min(at + 2));
    }
    args.extend(flags);
    args.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Defaults, Mint, Network, Region, RequestSpec};

    fn witness() -> Request {
        Request {
            principal_arn: Some("arn:aws:iam::111122223333:role/p".into()),
            tags: vec![("team".into(), "a b".into())],
            network: Network::Endpoint { vpc: "vpc-1".into(), vpce: "vpce-1".into(), ip: "10.0.0.1".parse().ok() },
            context: vec![("aws:PrincipalOrgID".into(), ContextValue::Single("o-1".into()))],
            ..Request::mint(Mint { audiences: vec!["https://a.example".into()], ..Mint::default() })
        }
    }

    #[test]
    fn an_omitted_duration_is_left_out_never_null() {
        let json = witness().case_json();
        assert!(json.get("duration").is_none());
        assert!(!json.to_string().contains("null"), "{json}");
        assert_eq!(json["context"]["aws:SourceVpce"], "vpce-1");
        assert_eq!(json["region"], "us-east-1");
    }

    /// A `.tf` principal is named once, by its address, not by its synthesized ARN.
    #[test]
    fn a_tree_principal_is_named_by_its_address() {
        let source =
            PolicySource::Tree { inputs: vec![PathBuf::from("infra")], address: "module.m.aws_iam_role.r".into() };
        let line = simulate_command(&source, &PolicySet::default(), &witness());
        assert!(line.starts_with("mintlint simulate infra --principal module.m.aws_iam_role.r --audience "), "{line}");
        assert_eq!(line.matches("--principal ").count(), 1, "{line}");
    }

    /// The flags read back into the same request.
    #[test]
    fn flags_rebuild_the_request() {
        let args = witness().simulate_flags(true);
        let mut spec = RequestSpec::default();
        let mut context = Vec::new();
        for pair in args.chunks(2) {
            let [flag, value] = pair else { panic!("{pair:?}") };
            match flag.as_str() {
                "--principal" => spec.principal = Some(value.clone()),
                "--audience" => spec.audiences.push(value.clone()),
                "--signing-algorithm" => spec.signing_algorithm = Some(value.clone()),
                "--tag" => {
                    spec.tags.push(crate::request::build::parse_pair(value, crate::request::Field::Tag).unwrap())
                }
                "--region" => spec.region = Some(value.clone()),
                "--source-vpc" => spec.source_vpc = Some(value.clone()),
                "--source-vpce" => spec.source_vpce = Some(value.clone()),
                "--source-ip" => spec.source_ip = Some(value.clone()),
                "--context" => context.push(value.clone()),
                other => panic!("{other}"),
            }
        }
        spec.context = crate::request::build::parse_context(&context).unwrap();
        let defaults =
            Defaults { region: Region::default(), now: crate::policy::value::date::Timestamp::from_epoch_secs(0) };
        let mut rebuilt = spec.build(&defaults).unwrap();
        rebuilt.time = None;
        assert_eq!(rebuilt, witness());
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("arn:aws:iam::1:role/x"), "arn:aws:iam::1:role/x");
        assert_eq!(shell_quote(""), "''");
    }
}

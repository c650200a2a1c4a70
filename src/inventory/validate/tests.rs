//! Tests of the shape checks of inventory values.

use super::*;

/// Values every shape refuses.
const HOSTILE: &[&str] = &[
    "", "$(id)", "`id`", "'", "\"", "\n", "\u{2028}", "\u{202e}", " ",
];

fn refuses_all(check: Check, valid: &str, extra_invalid: &[&str]) {
    assert_eq!(check(valid), Ok(()), "{valid:?}");
    for bad in HOSTILE.iter().chain(extra_invalid) {
        assert!(check(bad).is_err(), "{bad:?} should be refused");
    }
    // The valid value with something hostile around it.
    for bad in HOSTILE.iter().filter(|b| !b.is_empty()) {
        for v in [format!("{valid}{bad}"), format!("{bad}{valid}")] {
            assert!(check(&v).is_err(), "{v:?} should be refused");
        }
    }
}

#[test]
fn flow_log_resource_types_are_a_closed_list() {
    for t in FLOW_LOG_RESOURCE_TYPES {
        assert_eq!(flow_log_resource_type(t), Ok(()));
    }
    refuses_all(
        flow_log_resource_type,
        "vpc",
        &["VPC", "vpcs", "eni", "transit-gateway", "\u{1b}]0;x\u{7}"],
    );
}

#[test]
fn ids() {
    for (check, prefix) in [
        (vpc_id as Check, "vpc-"),
        (subnet_id, "subnet-"),
        (flow_log_id, "fl-"),
    ] {
        assert_eq!(check(&format!("{prefix}0123abcd")), Ok(()));
        assert_eq!(check(&format!("{prefix}0123456789abcdef0")), Ok(()));
        refuses_all(
            check,
            &format!("{prefix}0a1b2c3d4e5f60718"),
            &[
                prefix,
                &format!("{prefix}0123abc"),
                &format!("{prefix}0123ABCD"),
                &format!("{prefix}0123abcg"),
                &format!("{prefix}$(touch x)"),
                &format!("{prefix}0123abcd'"),
                &format!("{prefix}0123abcd\n"),
                &format!("{prefix}0123abcd\u{2028}"),
                &format!("x{prefix}0123abcd"),
                &format!("{}0123abcd", prefix.to_uppercase()),
                "0123abcd",
                "sg-0123abcd",
            ],
        );
    }
    refuses_all(
        resource_id,
        "eni-0a1b2c3d4e5f60718",
        &["eni-0123abc", "eni-0123ABCD", "eni-$(touch x)", "0123abcd"],
    );
    // Moto's ids.
    assert_eq!(vpc_id("vpc-f338cd3f531391e6c"), Ok(()));
    assert_eq!(vpc_id("subnet-0123abcd"), Err(VPC_ID));
    assert_eq!(subnet_id("vpc-0123abcd"), Err(SUBNET_ID));
    assert_eq!(flow_log_id("vpc-0123abcd"), Err(FLOW_LOG_ID));
    for ok in [
        "vpc-0123abcd",
        "subnet-0123abcd",
        "eni-0123abcd",
        "tgw-0123abcd",
        "tgw-attach-0123abcd",
    ] {
        assert_eq!(resource_id(ok), Ok(()), "{ok}");
    }
    for bad in ["-0123abcd", "tgw--0123abcd", "Eni-0123abcd", "e$i-0123abcd"] {
        assert_eq!(resource_id(bad), Err(RESOURCE_ID), "{bad}");
    }
}

#[test]
fn accounts() {
    assert!(ou_id("ou-ab12-cd34ef56").is_ok());
    assert!(ou_id("r-ab12").is_ok());
    for bad in [
        "ou-ab12",
        "ou-AB12-cd34ef56",
        "r-",
        "ou-ab12-cd34",
        "x",
        "ou-ab12-cd34ef56;",
    ] {
        assert!(ou_id(bad).is_err(), "{bad}");
    }
    assert!(account_status("PENDING_CLOSURE").is_ok());
    assert!(account_status("active").is_err() && account_status("").is_err());
    let a = Account {
        id: "111111111111".into(),
        name: Some("n\u{1b}".into()),
        email: None,
        status: Some("ACTIVE".into()),
        ou_path: vec![super::super::OrgUnit {
            id: "ou-ab12-cd34ef56".into(),
            name: "x".into(),
        }],
        tags: Default::default(),
        role_arn: Some("arn:aws:iam::111111111111:role/R".into()),
        scanned: true,
        skip_reason: None,
    };
    assert!(super::accounts(std::slice::from_ref(&a)).is_ok());
    let e = super::accounts(&[a.clone(), a.clone()]).unwrap_err();
    assert_eq!(e.path, "accounts[1].id");
    let mut b = a.clone();
    b.ou_path[0].id = "ou-$(x)".into();
    assert_eq!(
        super::accounts(&[b]).unwrap_err().path,
        "accounts[0].ou_path[0].id"
    );
    let mut b = a;
    b.role_arn = Some("role".into());
    assert_eq!(
        super::accounts(&[b]).unwrap_err().path,
        "accounts[0].role_arn"
    );
}

#[test]
fn account_ids() {
    refuses_all(
        account_id,
        "123456789012",
        &[
            "12345678901",
            "1234567890123",
            "12345678901a",
            "１23456789012",
        ],
    );
}

#[test]
fn regions() {
    for ok in [
        "eu-west-1",
        "us-gov-west-1",
        "cn-north-1",
        "ap-southeast-5",
        "il-central-1",
        "us-isob-east-1",
        "eusc-de-east-1",
        "xx-newplace-12",
    ] {
        assert_eq!(region(ok), Ok(()), "{ok}");
    }
    refuses_all(
        region,
        "eu-west-1",
        &[
            "eu-west",
            "euwest1",
            "eu-1",
            "EU-WEST-1",
            "eu-west-1a",
            "eu-west-1-",
            "-eu-west-1",
            "eu--west-1",
            "eu-west-$(id)",
            "eu-west-1234",
        ],
    );
}

#[test]
fn availability_zones() {
    assert_eq!(availability_zone("us-west-2-lax-1a"), Ok(()));
    refuses_all(availability_zone, "eu-west-1a", &["1a", "eu-west-1A"]);
}

#[test]
fn arns() {
    for ok in [
        "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0123abcd",
        "arn:aws:s3:::bucket/prefix/",
        "arn:aws:s3:::bucket/préfixe avec espaces/",
        "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/a/b:*",
        "arn:aws-us-gov:iam::123456789012:role/r",
        "arn:aws-iso-b:iam::123456789012:role/r",
        "arn:aws-eusc:firehose:eusc-de-east-1:123456789012:deliverystream/s",
        // IAM paths hold any printable ASCII: shaped right, escaped where output.
        "arn:aws:iam::123456789012:role/a'$(touch${IFS}x)'/r",
        "arn:aws:iam::123456789012:role/a\"`id`;|&<>*?~!#/r",
    ] {
        assert_eq!(arn(ok), Ok(()), "{ok}");
    }
    let cases: &[(&str, Rule)] = &[
        ("arn", ARN_SHAPE),
        ("arn:aws:s3::", ARN_SHAPE),
        ("ARN:aws:s3:::b", ARN_SHAPE),
        ("xarn:aws:s3:::b", ARN_SHAPE),
        ("arn:aws:s3:::", ARN_RESOURCE),
        ("arn:azure:s3:::b", ARN_PARTITION),
        ("arn:AWS:s3:::b", ARN_PARTITION),
        ("arn::s3:::b", ARN_PARTITION),
        ("arn:aws-iso-$(id):s3:::b", ARN_PARTITION),
        ("arn:aws:S3:::b", ARN_SERVICE),
        ("arn:aws::::b", ARN_SERVICE),
        ("arn:aws:s$(id):::b", ARN_SERVICE),
        ("arn:aws:ec2:eu-west-$(id):123456789012:vpc/x", ARN_REGION),
        ("arn:aws:ec2:EU-WEST-1:123456789012:vpc/x", ARN_REGION),
        ("arn:aws:ec2:eu-west-1:1234567890123:vpc/x", ARN_ACCOUNT),
        ("arn:aws:ec2:eu-west-1:12345678901a:vpc/x", ARN_ACCOUNT),
        ("arn:aws:iam::123456789012:role/a\nb", ARN_RESOURCE),
        ("arn:aws:iam::123456789012:role/a\rb", ARN_RESOURCE),
        ("arn:aws:iam::123456789012:role/a\x1b[2Jb", ARN_RESOURCE),
        ("arn:aws:iam::123456789012:role/a\x7fb", ARN_RESOURCE),
        ("arn:aws:iam::123456789012:role/a\u{85}b", ARN_RESOURCE),
        ("arn:aws:iam::123456789012:role/a\u{2028}b", ARN_RESOURCE),
        ("arn:aws:iam::123456789012:role/a\u{2029}b", ARN_RESOURCE),
        ("arn:aws:iam::123456789012:role/a\u{202e}b", ARN_RESOURCE),
        ("arn:aws:iam::123456789012:role/é\u{2066}b", ARN_RESOURCE),
    ];
    for (bad, rule) in cases {
        assert_eq!(arn(bad), Err(*rule), "{bad:?}");
    }
    for bad in HOSTILE {
        assert!(arn(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn kms_keys() {
    for ok in [
        "arn:aws:kms:eu-west-1:111122223333:key/6f1c2a0e-8d4b-4c57-9a53-2b7e0f9d1c44",
        "arn:aws:kms:eu-west-1:111122223333:alias/flow-logs",
        "6f1c2a0e-8d4b-4c57-9a53-2b7e0f9d1c44",
        "mrk-1234abcd12ab34cd56ef1234567890ab",
        "alias/aws/s3",
        "alias/My_Key-1",
    ] {
        assert_eq!(kms_key(ok), Ok(()), "{ok}");
    }
    refuses_all(
        kms_key,
        "6f1c2a0e-8d4b-4c57-9a53-2b7e0f9d1c44",
        &[
            "alias/",
            "alias/a b",
            "alias/$(id)",
            "6F1C2A0E",
            "---",
            "arn:aws:kms:eu-west-1:1:key/x",
            "key/x",
        ],
    );
}

#[test]
fn names() {
    for ok in ["/aws/vpc/flow-logs", "a#b.c_d-e", "Legacy_Bucket.Name"] {
        assert_eq!(log_group_name(ok), Ok(()), "{ok}");
        assert_eq!(destination_name(ok), Ok(()), "{ok}");
    }
    for check in [log_group_name as Check, destination_name] {
        refuses_all(
            check,
            "/vpc/prod",
            &[&"a".repeat(513), "a:b", "a*b", "a\tb", "é"],
        );
    }
    assert_eq!(log_group_name(&"a".repeat(512)), Ok(()));
}

#[test]
fn stream_targets() {
    for ok in ["ENABLED", "CUSTOMER_MANAGED_CMK", "ENABLING_FAILED"] {
        assert_eq!(upper_word(ok), Ok(()), "{ok}");
    }
    refuses_all(upper_word, "DISABLED", &["enabled", "ENABLED ", "EN-ABLED"]);
    refuses_all(target_kind, "http-endpoint", &["S3", "s3 ", "s3/x"]);
    for ok in [
        "arn:aws:s3:::bucket",
        "https://siem.example.com/in?x=1",
        "jdbc:redshift://c.example.com:5439/db",
        "search-d.eu-west-1.es.amazonaws.com",
    ] {
        assert_eq!(target(ok), Ok(()), "{ok}");
    }
    for bad in [
        "",
        "arn:aws:s3",
        "https://a b",
        "https://a\nb",
        "https://a/\"x",
        "https://a/`id`",
        "https://a/<script>",
        "arn:aws:s3:::b\u{1b}[2J",
        "https://a/\u{202e}",
        "x".repeat(2049).as_str(),
    ] {
        assert_eq!(target(bad), Err(TARGET), "{bad:?}");
    }
    assert_eq!(target_name("SIEM (prod)"), Ok(()));
    assert_eq!(target_name("a\u{202e}b"), Err(TARGET_NAME));
    let t = StreamTarget {
        kind: "s3".into(),
        target: Some("arn:aws:s3:::b\n".into()),
        name: None,
    };
    assert_eq!(stream_target(&t).unwrap_err().path, "target");
}

#[test]
fn no_control_is_the_terminal_set() {
    assert!(no_control("plain ascii ~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./"));
    assert!(no_control("é → … ¡ € 日本"));
    for bad in [
        "\0", "\t", "\n", "\r", "\x1b", "\x7f", "\u{80}", "\u{85}", "\u{9b}", "\u{2028}",
        "\u{2029}", "\u{200e}", "\u{200f}", "\u{202a}", "\u{202e}", "\u{2066}", "\u{2069}",
        "\u{61c}",
    ] {
        assert!(!no_control(&format!("é{bad}")), "{bad:?}");
        assert!(!no_control(&format!("a{bad}")), "{bad:?}");
    }
}

#[test]
fn shown_values_are_escaped_and_short() {
    let s = show("a\nb\u{2028}c\u{202e}d\u{85}e\x1b\"");
    assert_eq!(s, r#""a\nb\u{2028}c\u{202e}d\u{85}e\u{1b}\"""#);
    assert!(no_control(&s));
    let long = show(&"x".repeat(10_000));
    assert!(long.len() < 100, "{long}");
    assert!(long.ends_with("... (10000 characters)"), "{long}");
    // Cut on a character boundary.
    let s = show(&"é".repeat(100));
    assert!(s.contains("... (100 characters)"), "{s}");
}

fn demo() -> Inventory {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-inventory.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn walks_name_the_path_of_the_first_refused_value() {
    let inv = demo();
    assert_eq!(inventory(&inv), Ok(()));
    assert_eq!(head(&inv.head()), Ok(()));

    let mut bad = inv.clone();
    let at = bad.regions[1]
        .vpcs
        .iter()
        .position(|v| !v.flow_logs.is_empty())
        .unwrap();
    bad.regions[1].vpcs[at].flow_logs[0].id = "fl-$(touch x)".into();
    let e = inventory(&bad).unwrap_err();
    assert_eq!(e.path, format!("regions[1].vpcs[{at}].flow_logs[0].id"));
    assert_eq!(e.rule, FLOW_LOG_ID);
    assert_eq!(e.shown, "\"fl-$(touch x)\"");
    assert_eq!(
        e.to_string(),
        format!("`{}`: {FLOW_LOG_ID}, found \"fl-$(touch x)\"", e.path)
    );

    let mut bad = inv.clone();
    bad.scan.regions_scanned[2] = "eu-west-1\n".into();
    let e = head(&bad.head()).unwrap_err();
    assert_eq!(e.path, "scan.regions_scanned[2]");

    let mut bad = inv.clone();
    bad.errors[0].region = Some("$(id)".into());
    assert_eq!(inventory(&bad).unwrap_err().path, "errors[0].region");

    let mut bad = inv.clone();
    let r = bad
        .regions
        .iter_mut()
        .find(|r| r.vpcs.iter().any(|v| !v.subnets.is_empty()))
        .unwrap();
    let v = r.vpcs.iter_mut().find(|v| !v.subnets.is_empty()).unwrap();
    v.subnets[0].id = "subnet-0123ABCD".into();
    let e = vpc(v).unwrap_err();
    assert_eq!(e.path, "subnets[0].id");
    assert_eq!(e.rule, SUBNET_ID);
}

//! The IAM policies in docs/iam/: every call a scan, a fix and its undo make against moto is
//! allowed by them.

use crate::support::fix::*;
use crate::support::harness::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn policy_actions(file: &str) -> BTreeSet<String> {
    let p: Value =
        serde_json::from_str(&std::fs::read_to_string(repo_path(file)).unwrap()).unwrap();
    let mut out = BTreeSet::new();
    for st in p["Statement"].as_array().unwrap() {
        assert_eq!(st["Effect"], "Allow");
        match &st["Action"] {
            Value::String(a) => {
                out.insert(a.clone());
            }
            Value::Array(a) => out.extend(a.iter().map(|x| x.as_str().unwrap().to_string())),
            other => panic!("{other}"),
        }
    }
    out
}

/// The IAM action an API call needs.
fn iam_action(c: &ApiCall) -> String {
    match (c.service.as_str(), c.operation.as_str()) {
        ("s3", "GetBucketEncryption") => "s3:GetEncryptionConfiguration".into(),
        ("s3", "HeadBucket" | "ListObjects") => "s3:ListBucket".into(),
        (s, o) => format!("{s}:{o}"),
    }
}

fn actions_called(calls: &[ApiCall]) -> BTreeSet<String> {
    calls.iter().map(iam_action).collect()
}

#[test]
fn scans_and_fixes_call_only_what_the_documented_policies_allow() {
    let scan_policy = policy_actions("docs/iam/scan-policy.json");
    let fix_policy = policy_actions("docs/iam/fix-policy.json");
    assert!(
        scan_policy
            .iter()
            .all(|a| a.contains(":Describe") || a.contains(":Get")),
        "read-only: {scan_policy:?}"
    );
    assert!(
        scan_policy.is_subset(&fix_policy),
        "the fix policy is self-contained"
    );
    assert!(fix_policy.contains("iam:PassRole"));

    let moto = Moto::start();
    let ids = moto.seed(&json!([
        {"op": "role", "key": "role", "name": "flow-logs-delivery"},
        {"op": "kms_key", "region": "us-east-1", "key": "key"},
        {"op": "kms_key", "region": "eu-west-1", "key": "key_eu"},
        {"op": "bucket", "region": "us-east-1", "name": "already-there", "encryption": "AES256"},
        {"op": "log_group", "region": "us-east-1", "name": "/plain", "retention": 365},
        {"op": "vpc", "region": "us-east-1", "key": "a", "cidr": "10.1.0.0/16"},
        {"op": "flow_log", "region": "us-east-1", "resource": "$a", "traffic": "REJECT", "bucket": "already-there"},
        {"op": "vpc", "region": "us-east-1", "key": "b", "cidr": "10.2.0.0/16"},
        {"op": "flow_log", "region": "us-east-1", "resource": "$b", "traffic": "ALL", "log_group": "/plain", "role": "$role"},
        {"op": "vpc", "region": "eu-west-1", "key": "c", "cidr": "10.3.0.0/16"}
    ]));
    let ep = moto.endpoint();
    let dir = tmp();
    moto.reset_recording();
    scan_report(&ep, dir.path(), "scan.json");
    let scan_calls = actions_called(&moto.recorded_calls());
    assert!(
        scan_calls.contains("ec2:DescribeFlowLogs")
            && scan_calls.contains("s3:GetEncryptionConfiguration"),
        "{scan_calls:?}"
    );
    let extra: Vec<_> = scan_calls.difference(&scan_policy).collect();
    assert!(
        extra.is_empty(),
        "a scan called actions outside docs/iam/scan-policy.json: {extra:?}"
    );

    moto.reset_recording();
    let (log, report) = (dir.path().join("l.json"), dir.path().join("r.json"));
    let key = ids["key"].clone();
    let regions = "us-east-1,eu-west-1".to_string();
    let mut args = vec![
        "fix",
        "--yes",
        "--unsafe-fixes",
        "--fix-destination",
        "cloudwatch:/flowaudit/new",
        "--fix-delivery-role",
        &ids["role"],
        "--fix-kms-key",
        &key,
        "--fix-kms-key",
        &ids["key_eu"],
        "--fix-tag",
        "owner=sec",
    ];
    args.extend(fix_args(&ep, &regions, &log, &report));
    run_fa(&args, dir.path());
    let (c, err) = undo(&log, &ep, dir.path());
    assert_eq!(c, 0, "{err}");
    let fix_calls = actions_called(&moto.recorded_calls());
    for needed in [
        "ec2:CreateFlowLogs",
        "logs:CreateLogGroup",
        "logs:PutRetentionPolicy",
        "logs:AssociateKmsKey",
        "ec2:DeleteFlowLogs",
        "logs:DeleteLogGroup",
    ] {
        assert!(
            fix_calls.contains(needed),
            "{needed} not exercised: {fix_calls:?}"
        );
    }
    let extra: Vec<_> = fix_calls.difference(&fix_policy).collect();
    assert!(
        extra.is_empty(),
        "a fix called actions outside docs/iam/fix-policy.json: {extra:?}"
    );
}

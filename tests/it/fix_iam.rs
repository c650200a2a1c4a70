//! The IAM policies in docs/iam/: every call a scan, a fix and its undo make against moto is
//! allowed by them.

use crate::support::fix::*;
use crate::support::harness::*;
use crate::support::org::{Refuse, Seen, org_proxy, org_scan, seed_org};
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
        ("s3", "ListBuckets") => "s3:ListAllMyBuckets".into(),
        (s, o) => format!("{s}:{o}"),
    }
}

/// The IAM action a call the organization proxy saw needs.
fn seen_action(c: &Seen) -> String {
    let op = if c.service == "s3" && c.operation.starts_with("HEAD ") {
        "HeadBucket"
    } else {
        c.operation.as_str()
    };
    iam_action(&ApiCall {
        service: c.service.clone(),
        operation: op.to_string(),
        region: c.region.clone(),
    })
}

/// Each of `needed` was called.
fn assert_exercised(called: &BTreeSet<String>, needed: &[&str]) {
    for n in needed {
        assert!(called.contains(*n), "{n} not exercised: {called:?}");
    }
}

/// Every action `called` is `allowed`; `what` says who called outside which policy.
fn assert_within(called: &BTreeSet<String>, allowed: &BTreeSet<String>, what: &str) {
    let extra: Vec<_> = called.difference(allowed).collect();
    assert!(extra.is_empty(), "{what}: {extra:?}");
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
            .all(|a| a.contains(":Describe") || a.contains(":Get") || a == "s3:ListAllMyBuckets"),
        "read-only: {scan_policy:?}"
    );
    assert!(
        scan_policy.is_subset(&fix_policy),
        "the fix policy is self-contained"
    );
    assert!(fix_policy.contains("iam:PassRole"));

    let moto = Moto::start();
    let ids = seed_for_cloudwatch(
        &moto,
        "us-east-1",
        json!([
        {"op": "kms_key", "region": "eu-west-1", "key": "key_eu"},
        {"op": "bucket", "region": "us-east-1", "name": "already-there", "encryption": "AES256"},
        {"op": "log_group", "region": "us-east-1", "name": "/plain", "retention": 365},
        {"op": "vpc", "region": "us-east-1", "key": "a", "cidr": "10.1.0.0/16"},
        {"op": "flow_log", "region": "us-east-1", "resource": "$a", "traffic": "REJECT", "bucket": "already-there"},
        {"op": "vpc", "region": "us-east-1", "key": "b", "cidr": "10.2.0.0/16"},
        {"op": "flow_log", "region": "us-east-1", "resource": "$b", "traffic": "ALL", "log_group": "/plain", "role": "$role"},
        {"op": "vpc", "region": "eu-west-1", "key": "c", "cidr": "10.3.0.0/16"},
        {"op": "delivery_stream", "region": "eu-west-1", "key": "stream", "name": "to-siem", "encryption": "AWS_OWNED_CMK"},
        {"op": "flow_log", "region": "eu-west-1", "resource": "$c", "traffic": "ALL",
         "destination_type": "kinesis-data-firehose", "destination_arn": "$stream"}
        ]),
    );
    let ep = moto.endpoint();
    let dir = tmp();
    moto.reset_recording();
    scan_report(&ep, dir.path(), "scan.json");
    let scan_calls = actions_called(&moto.recorded_calls());
    assert!(
        scan_calls.contains("ec2:DescribeFlowLogs")
            && scan_calls.contains("s3:GetEncryptionConfiguration")
            && scan_calls.contains("firehose:DescribeDeliveryStream"),
        "{scan_calls:?}"
    );
    assert_within(
        &scan_calls,
        &scan_policy,
        "a scan called actions outside docs/iam/scan-policy.json",
    );

    moto.reset_recording();
    let (log, report) = (dir.path().join("l.json"), dir.path().join("r.json"));
    fix_run(
        dir.path(),
        &["fix", "--yes", "--unsafe-fixes"],
        "cloudwatch:/flowaudit/new",
        &ep,
        "us-east-1,eu-west-1",
        &log,
        &report,
    )
    .args(["--fix-delivery-role", &ids["role"]])
    .args([
        "--fix-kms-key",
        &ids["key"],
        "--fix-kms-key",
        &ids["key_eu"],
    ])
    .args(["--fix-tag", "owner=sec"])
    .run();
    let (c, err) = undo(&log, &ep, dir.path());
    assert_eq!(c, 0, "{err}");
    let fix_calls = actions_called(&moto.recorded_calls());
    assert_exercised(
        &fix_calls,
        &[
            "ec2:CreateFlowLogs",
            "logs:CreateLogGroup",
            "logs:PutRetentionPolicy",
            "logs:AssociateKmsKey",
            "ec2:DeleteFlowLogs",
            "logs:DeleteLogGroup",
        ],
    );
    assert_within(
        &fix_calls,
        &fix_policy,
        "a fix called actions outside docs/iam/fix-policy.json",
    );
}

#[test]
fn organization_scans_and_fixes_call_only_what_the_documented_policies_allow() {
    let management = policy_actions("docs/iam/org-management-policy.json");
    let scan_policy = policy_actions("docs/iam/scan-policy.json");
    let fix_policy = policy_actions("docs/iam/fix-policy.json");
    let moto = Moto::start();
    let w = seed_org(&moto);
    let (proxy, calls) = org_proxy(&moto, Refuse::default());
    let ep = proxy.endpoint();
    let dir = tmp();
    org_scan(&ep)
        .args(["--org", "--role-name", "FlowAuditReadOnly"])
        .run()
        .assert_complete();
    let seen: Vec<Seen> = calls.lock().unwrap().drain(..).collect();
    let by = |member: bool| -> BTreeSet<String> {
        seen.iter()
            .filter(|c| (c.account != ACCOUNT) == member)
            .map(seen_action)
            .collect()
    };
    let (caller, members) = (by(false), by(true));
    assert_exercised(
        &caller,
        &[
            "organizations:ListAccounts",
            "organizations:ListTagsForResource",
            "sts:AssumeRole",
            "s3:ListAllMyBuckets",
            "ec2:DescribeVpcs",
        ],
    );
    assert_exercised(
        &members,
        &[
            "s3:ListAllMyBuckets",
            "ec2:DescribeFlowLogs",
            "ec2:DescribeVpcs",
        ],
    );
    let allowed: BTreeSet<String> = management.union(&scan_policy).cloned().collect();
    assert_within(
        &caller,
        &allowed,
        "the caller called actions outside docs/iam/org-management-policy.json + scan-policy.json",
    );
    // The management policy lets the caller assume the StackSet's role only.
    for c in seen.iter().filter(|c| c.operation == "AssumeRole") {
        let arn = &c.params["RoleArn"];
        assert!(arn.ends_with(":role/FlowAuditReadOnly"), "{arn}");
    }
    assert_within(
        &members,
        &scan_policy,
        "member accounts were called with actions outside docs/iam/scan-policy.json",
    );

    // A fix across two members and its undo: the members' calls are within the fix policy.
    let (alpha, beta) = (w.id("alpha"), w.id("beta"));
    let accounts = format!("{alpha},{beta}");
    let log = dir.path().join("fix-log.json");
    fix_run(
        dir.path(),
        &["fix", "--yes", "--org", "--account", &accounts],
        "s3://alpha-flow-logs",
        &ep,
        "us-east-1",
        &log,
        &dir.path().join("f.json"),
    )
    .args(["--role-name", "FlowAuditReadOnly"])
    .run()
    .assert_code(0);
    let (c, err) = undo(&log, &ep, dir.path());
    assert_eq!(c, 0, "{err}");
    let seen: Vec<Seen> = calls.lock().unwrap().drain(..).collect();
    let members: BTreeSet<String> = seen
        .iter()
        .filter(|c| c.account != ACCOUNT)
        .map(seen_action)
        .collect();
    assert_exercised(&members, &["ec2:CreateFlowLogs", "ec2:DeleteFlowLogs"]);
    assert_within(
        &members,
        &fix_policy,
        "a fix called actions outside docs/iam/fix-policy.json in member accounts",
    );
}

//! `flowaudit publish securityhub` against moto's Security Hub: findings go to each account's own
//! hub; a rescan of one region archives what it fixed there and leaves the other region's
//! findings byte for byte as they were; publishing twice changes nothing; the only calls are
//! GetFindings and BatchImportFindings (and the caller's identity); throttling is retried; an
//! organization member whose role is refused is one error line, the others are imported.

use crate::support::cmd::{Out, fa};
use crate::support::harness::{ACCOUNT, Moto, repo_json, repo_path, venv_bin};
use crate::support::org::{Refuse, org_proxy, org_scan, seed_org};
use crate::support::proxy::{Proxy, Response};
use crate::support::scan::scan_at;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Every finding moto's Security Hub holds in each `account:region`, by `account/region`.
pub(crate) fn hub(endpoint: &str, hubs: &[String]) -> BTreeMap<String, Vec<Value>> {
    let out = std::process::Command::new(venv_bin("python"))
        .arg(repo_path("tests/support/hub_findings.py"))
        .arg(endpoint)
        .args(hubs)
        .output()
        .expect("run hub_findings.py");
    assert!(
        out.status.success(),
        "hub_findings.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: BTreeMap<String, Vec<Value>> = serde_json::from_slice(&out.stdout).unwrap();
    v
}

fn publish(endpoint: &str, reports: &[&Path]) -> Out {
    let mut c = fa();
    c.args(["publish", "securityhub", "--endpoint-url", endpoint]);
    for r in reports {
        c.arg(r);
    }
    c.run()
}

/// The failing and suppressed results of a report about `vpc`, by finding id.
fn failing_ids(report: &Value, vpc: &str) -> BTreeSet<String> {
    let active: BTreeSet<String> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["resource"]["id"] == vpc && r["status"] == "fail")
        .map(|r| {
            let (rule, check) = (
                r["rule_id"].as_str().unwrap(),
                r["check_id"].as_str().unwrap(),
            );
            format!("{rule}/{check}")
        })
        .collect();
    active
}

fn generators(findings: &[Value], vpc: &str, state: &str) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|f| f["Resources"][0]["Id"].as_str().unwrap().ends_with(vpc))
        .filter(|f| f["RecordState"] == state)
        .map(|f| {
            f["GeneratorId"]
                .as_str()
                .unwrap()
                .trim_start_matches("flowaudit/")
                .to_string()
        })
        .collect()
}

fn region_ops(region: &str) -> Vec<Value> {
    let k = |n: &str| format!("{n}_{region}");
    vec![
        json!({"op": "kms_key", "region": region, "key": k("key")}),
        json!({"op": "role", "region": region, "key": k("role"), "name": format!("fa-delivery-{region}")}),
        json!({"op": "log_group", "region": region, "name": format!("/fa/kms-{region}"), "kms_key": format!("${}", k("key")), "retention": 365}),
        json!({"op": "vpc", "region": region, "key": k("good"), "cidr": "10.1.0.0/16", "tags": {"Name": "payments"}}),
        json!({"op": "flow_log", "region": region, "key": k("fl_good"), "resource": format!("${}", k("good")), "traffic": "ALL", "log_group": format!("/fa/kms-{region}"), "role": format!("${}", k("role"))}),
        json!({"op": "vpc", "region": region, "key": k("bare"), "cidr": "10.3.0.0/16"}),
    ]
}

#[test]
fn a_one_region_rescan_archives_what_it_fixed_there_and_leaves_the_other_region_alone() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    let mut ops = region_ops("us-east-1");
    ops.extend(region_ops("eu-west-1"));
    let ids = moto.seed(&Value::Array(ops));
    let hubs = vec![
        format!("{ACCOUNT}:us-east-1"),
        format!("{ACCOUNT}:eu-west-1"),
    ];
    let (good, bare) = (&ids["good_us-east-1"], &ids["bare_us-east-1"]);
    let eu_bare = &ids["bare_eu-west-1"];

    let first = scan_at(&endpoint)
        .args(["--region", "us-east-1,eu-west-1"])
        .json_report()
        .run();
    first.assert_code(1);
    let report1 = first.report();
    assert!(!failing_ids(&report1, bare).is_empty());

    moto.reset_recording();
    let p = publish(&endpoint, &[&first.file("report.json")]);
    p.assert_code(0);
    // The only calls: who the caller is, then GetFindings and BatchImportFindings per hub.
    let calls: BTreeSet<(String, String)> = moto
        .recorded_calls()
        .into_iter()
        .map(|c| {
            let op = c.operation.rsplit(' ').next().unwrap_or("").to_string();
            let op = op.split_once("://").map_or(op.clone(), |(_, rest)| {
                rest.split_once('/')
                    .map_or(String::new(), |(_, p)| format!("/{p}"))
            });
            (c.service, op)
        })
        .collect();
    let actions: BTreeSet<String> = calls
        .iter()
        .map(|(service, op)| match (service.as_str(), op.as_str()) {
            ("securityhub", "/findings") => "securityhub:GetFindings".to_string(),
            ("securityhub", "/findings/import") => "securityhub:BatchImportFindings".to_string(),
            (s, o) => format!("{s}:{o}"),
        })
        .collect();
    let policy: BTreeSet<String> =
        repo_json("docs/iam/publish-policy.json")["Statement"][0]["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
    assert_eq!(
        actions, policy,
        "publish calls exactly what docs/iam/publish-policy.json allows"
    );
    let state1 = hub(&endpoint, &hubs);
    let us = &state1[&format!("{ACCOUNT}/us-east-1")];
    let eu = &state1[&format!("{ACCOUNT}/eu-west-1")];
    // Each failure is one ACTIVE, FAILED finding in its own region's hub; passes are not imported.
    assert_eq!(generators(us, bare, "ACTIVE"), failing_ids(&report1, bare));
    assert_eq!(generators(us, good, "ACTIVE"), failing_ids(&report1, good));
    assert_eq!(
        generators(eu, eu_bare, "ACTIVE"),
        failing_ids(&report1, eu_bare)
    );
    assert!(
        us.iter()
            .all(|f| f["RecordState"] == "ACTIVE" && f["Compliance"]["Status"] == "FAILED")
    );
    assert!(us.iter().all(|f| f["AwsAccountId"] == ACCOUNT
        && f["ProductArn"]
            == format!("arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default")));

    // Fix the bare VPC of us-east-1, break the logged one, and rescan that region alone.
    moto.seed(&json!([
        {"op": "flow_log", "region": "us-east-1", "resource": bare, "traffic": "ALL", "log_group": "/fa/kms-us-east-1", "role": ids["role_us-east-1"]},
        {"op": "delete_flow_log", "region": "us-east-1", "flow_log": ids["fl_good_us-east-1"]},
    ]));
    let second = scan_at(&endpoint)
        .args(["--region", "us-east-1"])
        .json_report()
        .run();
    second.assert_code(1);
    let report2 = second.report();
    let fixed: BTreeSet<String> = failing_ids(&report1, bare)
        .difference(&failing_ids(&report2, bare))
        .cloned()
        .collect();
    let newly: BTreeSet<String> = failing_ids(&report2, good)
        .difference(&failing_ids(&report1, good))
        .cloned()
        .collect();
    // The logged VPC's aggregation-interval failure goes with its flow log: resolved too.
    let resolved: BTreeSet<String> = failing_ids(&report1, good)
        .difference(&failing_ids(&report2, good))
        .cloned()
        .collect();
    assert!(
        !fixed.is_empty() && !newly.is_empty(),
        "{fixed:?} {newly:?}"
    );
    let p = publish(&endpoint, &[&second.file("report.json")]);
    p.assert_code(0);
    assert!(
        p.stdout().contains(&format!(
            "{} earlier findings archived",
            fixed.len() + resolved.len()
        )),
        "{}",
        p.stdout()
    );
    let state2 = hub(&endpoint, &hubs);
    let us2 = &state2[&format!("{ACCOUNT}/us-east-1")];
    // The fixed findings are archived, passed; what fails now is active, failed.
    assert_eq!(generators(us2, bare, "ARCHIVED"), fixed);
    assert_eq!(generators(us2, bare, "ACTIVE"), failing_ids(&report2, bare));
    assert_eq!(generators(us2, good, "ACTIVE"), failing_ids(&report2, good));
    assert_eq!(generators(us2, good, "ARCHIVED"), resolved);
    for f in us2 {
        let want = if f["RecordState"] == "ARCHIVED" {
            "PASSED"
        } else {
            "FAILED"
        };
        assert_eq!(f["Compliance"]["Status"], want, "{f}");
    }
    // The region the rescan did not cover is exactly as it was.
    assert_eq!(
        serde_json::to_string(&state2[&format!("{ACCOUNT}/eu-west-1")]).unwrap(),
        serde_json::to_string(eu).unwrap()
    );

    // Publishing the same report again leaves the same state.
    publish(&endpoint, &[&second.file("report.json")]).assert_code(0);
    assert_eq!(hub(&endpoint, &hubs), state2);
}

#[test]
fn throttled_imports_are_paced_and_tried_again_until_they_go_through() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    moto.seed(&json!([
        {"op": "vpcs", "region": "us-east-1", "count": 3, "prefix": "v", "cidr_base": 10},
    ]));
    let scan = scan_at(&endpoint)
        .args(["--region", "us-east-1"])
        .json_report()
        .run();
    scan.assert_code(1);
    // The first three imports are throttled.
    let throttled = Arc::new(AtomicUsize::new(0));
    let t2 = throttled.clone();
    let proxy = Proxy::faulty(moto.port, move |req| {
        (req.path.ends_with("/findings/import") && t2.fetch_add(1, Ordering::SeqCst) < 3)
            .then(|| Response::json_error(429, "TooManyRequestsException", "Rate exceeded"))
    });
    let p = publish(&proxy.endpoint(), &[&scan.file("report.json")]);
    p.assert_code(0);
    assert!(throttled.load(Ordering::SeqCst) >= 4);
    let failing = scan.report()["summary"]["by_status"]["fail"]
        .as_u64()
        .unwrap();
    let held = hub(&endpoint, &[format!("{ACCOUNT}:us-east-1")]);
    assert_eq!(held[&format!("{ACCOUNT}/us-east-1")].len() as u64, failing);
}

#[test]
fn security_hub_failures_are_reported_per_finding_and_exit_1() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    moto.seed(&json!([{"op": "vpc", "region": "us-east-1", "key": "v", "cidr": "10.0.0.0/16"}]));
    let scan = scan_at(&endpoint)
        .args(["--region", "us-east-1"])
        .json_report()
        .run();
    // Every import answers with one FailedFindings entry for its first finding.
    let proxy = Proxy::faulty(moto.port, move |req| {
        if !req.path.ends_with("/findings/import") {
            return None;
        }
        let body: Value = serde_json::from_slice(&req.body).ok()?;
        let id = body["Findings"][0]["Id"].as_str()?.to_string();
        let n = body["Findings"].as_array()?.len();
        Some(Response {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: json!({
                "FailedCount": 1,
                "SuccessCount": n - 1,
                "FailedFindings": [{"Id": id, "ErrorCode": "InvalidInput", "ErrorMessage": "Finding\u{1b}[31m too large"}],
            })
            .to_string()
            .into_bytes(),
        })
    });
    let p = publish(&proxy.endpoint(), &[&scan.file("report.json")]);
    p.assert_code(1);
    p.stderr_has("not imported: InvalidInput: Finding");
    assert!(!p.stderr().contains('\u{1b}'), "the message is escaped");
    assert!(p.stdout().contains("1 not imported"), "{}", p.stdout());
}

#[test]
fn an_organization_publishes_to_each_members_own_hub_and_a_refused_member_is_one_error() {
    let moto = Moto::start();
    let world = seed_org(&moto);
    let scan = org_scan(&moto.endpoint()).arg("--org").run();
    scan.assert_code(1);
    let report = scan.report();
    let beta = world.id("beta").to_string();
    let refused = Refuse {
        assume_role_into: vec![beta.clone()],
        ..Refuse::default()
    };
    let (proxy, log) = org_proxy(&moto, refused);
    let p = publish(&proxy.endpoint(), &[&scan.file("report.json")]);
    p.assert_code(1);
    let beta_lines: Vec<String> = p
        .stderr()
        .lines()
        .filter(|l| l.starts_with("flowaudit: error:") && l.contains(&beta))
        .map(str::to_string)
        .collect();
    assert_eq!(
        beta_lines.len(),
        1,
        "one line for the member: {}",
        p.stderr()
    );
    assert!(
        beta_lines[0].contains("cannot be reached"),
        "{}",
        beta_lines[0]
    );
    // Every other account with failures got them in its own hub, signed by its own credentials.
    let failing_accounts: BTreeSet<String> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["resource"]["account_id"].as_str().unwrap().to_string())
        .collect();
    assert!(failing_accounts.len() >= 2, "{failing_accounts:?}");
    let imports: BTreeSet<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.service == "securityhub" && s.operation.ends_with("/findings/import"))
        .map(|s| s.account.clone())
        .collect();
    let others: BTreeSet<String> = failing_accounts
        .iter()
        .filter(|a| **a != beta)
        .cloned()
        .collect();
    assert_eq!(imports, others);
    let hubs: Vec<String> = others.iter().map(|a| format!("{a}:us-east-1")).collect();
    let held = hub(&moto.endpoint(), &hubs);
    for a in &others {
        let findings = &held[&format!("{a}/us-east-1")];
        let want = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "fail" && r["resource"]["account_id"] == a.as_str())
            .count();
        assert_eq!(findings.len(), want, "account {a}");
        assert!(findings.iter().all(|f| f["AwsAccountId"] == a.as_str()));
    }
}

#[test]
fn scan_publish_imports_the_scans_failures_and_keeps_the_scans_exit_code() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    moto.seed(&json!([
        {"op": "vpcs", "region": "us-east-1", "count": 2, "prefix": "v", "cidr_base": 10},
    ]));
    let scan = scan_at(&endpoint)
        .args(["--region", "us-east-1", "--publish", "securityhub"])
        .json_report()
        .run();
    scan.assert_code(1);
    assert!(scan.stdout().contains("securityhub:"), "{}", scan.stdout());
    let report = scan.report();
    let failing = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .count();
    assert!(failing > 0);
    let held = hub(&endpoint, &[format!("{ACCOUNT}:us-east-1")]);
    let held = &held[&format!("{ACCOUNT}/us-east-1")];
    assert_eq!(held.len(), failing);
    assert!(
        held.iter()
            .all(|f| f["RecordState"] == "ACTIVE" && f["Compliance"]["Status"] == "FAILED")
    );
}

#[test]
fn a_region_where_security_hub_is_off_is_one_line_not_a_failure_per_finding() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    moto.seed(&json!([
        {"op": "vpcs", "region": "us-east-1", "count": 3, "prefix": "v", "cidr_base": 10},
    ]));
    let scan = scan_at(&endpoint)
        .args(["--region", "us-east-1"])
        .json_report()
        .run();
    let proxy = Proxy::faulty(moto.port, |req| {
        req.path.starts_with("/findings").then(|| {
            Response::json_error(
                401,
                "InvalidAccessException",
                "Account 123456789012 is not subscribed to AWS Security Hub",
            )
        })
    });
    let p = publish(&proxy.endpoint(), &[&scan.file("report.json")]);
    p.assert_code(1);
    let stderr = p.stderr();
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("flowaudit: error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", p.stderr());
    assert!(
        errors[0].contains("Security Hub is not enabled"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("findings not imported"), "{}", errors[0]);
    p.stderr_has("fix: enable Security Hub");
}

//! `scan --resource`: a targeted re-check of chosen VPCs and transit gateways gives, for each
//! one, exactly the results a full scan gives it (the v1 results, byte for byte), with filtered
//! listings only: at most six per resource, no region discovery, plus its destinations.

use crate::support::harness::{ApiCall, Moto};
use crate::support::scan::scan_at;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const REGION: &str = "eu-west-1";

/// Every set-up the rules judge differently, in eu-west-1, and one VPC in us-east-1.
fn seed(moto: &Moto) -> BTreeMap<String, String> {
    moto.seed(&json!([
        {"op": "kms_key", "region": REGION, "key": "key"},
        {"op": "role", "region": REGION, "key": "role", "name": "fl"},
        {"op": "log_group", "region": REGION, "name": "/kms", "kms_key": "$key", "retention": 365},
        {"op": "log_group", "region": REGION, "name": "/plain"},
        {"op": "bucket", "region": REGION, "name": "logs-sse", "encryption": "AES256"},
        {"op": "vpc", "region": REGION, "key": "good", "cidr": "10.1.0.0/16", "tags": {"Name": "payments"}},
        {"op": "flow_log", "region": REGION, "resource": "$good", "traffic": "ALL", "log_group": "/kms", "role": "$role", "max_aggregation_interval": 60},
        {"op": "vpc", "region": REGION, "key": "plain", "cidr": "10.2.0.0/16"},
        {"op": "flow_log", "region": REGION, "resource": "$plain", "traffic": "REJECT", "log_group": "/plain", "role": "$role"},
        {"op": "vpc", "region": REGION, "key": "s3", "cidr": "10.3.0.0/16"},
        {"op": "flow_log", "region": REGION, "resource": "$s3", "traffic": "ALL", "bucket": "logs-sse"},
        {"op": "vpc", "region": REGION, "key": "subnet_only", "cidr": "10.4.0.0/16"},
        {"op": "subnet", "region": REGION, "key": "sn", "vpc": "$subnet_only", "cidr": "10.4.1.0/24"},
        {"op": "eni", "region": REGION, "key": "eni", "subnet": "$sn"},
        {"op": "flow_log", "region": REGION, "resource": "$sn", "traffic": "ALL", "log_group": "/kms", "role": "$role"},
        {"op": "vpc", "region": REGION, "key": "none", "cidr": "10.5.0.0/16"},
        {"op": "tgw", "region": REGION, "key": "tgw_logged", "tags": {"Name": "core"}},
        {"op": "flow_log", "region": REGION, "resource": "$tgw_logged", "log_group": "/kms", "role": "$role", "max_aggregation_interval": 60},
        {"op": "tgw", "region": REGION, "key": "tgw_partial"},
        {"op": "tgw_attachment", "region": REGION, "key": "att", "tgw": "$tgw_partial", "vpc": "$subnet_only", "subnet": "$sn"},
        {"op": "flow_log", "region": REGION, "resource": "$att", "log_group": "/plain", "role": "$role", "max_aggregation_interval": 60},
        {"op": "tgw", "region": REGION, "key": "tgw_bare"},
        {"op": "vpc", "region": "us-east-1", "key": "elsewhere", "cidr": "10.9.0.0/16"}
    ]))
}

/// The results of a report about `id`, each as its JSON text.
fn results_of(report: &Value, id: &str) -> Vec<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["resource"]["id"] == id)
        .map(|r| serde_json::to_string(r).unwrap())
        .collect()
}

fn listings(calls: &[ApiCall]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| c.service == "ec2")
        .map(|c| c.operation.clone())
        .collect()
}

#[test]
fn every_resource_rechecked_alone_gets_exactly_its_full_scan_results() {
    let moto = Moto::start();
    let ids = seed(&moto);
    let endpoint = moto.endpoint();
    let full = scan_at(&endpoint)
        .args(["--region", &format!("{REGION},us-east-1")])
        .json_report()
        .run();
    let full_report = full.report();
    let statuses: BTreeSet<&str> = full_report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains("pass") && statuses.contains("fail") && statuses.contains("skipped"),
        "the scenario has every outcome: {statuses:?}"
    );
    let resources = [
        "good",
        "plain",
        "s3",
        "subnet_only",
        "none",
        "tgw_logged",
        "tgw_partial",
        "tgw_bare",
    ];
    for key in resources {
        let id = &ids[key];
        let want = results_of(&full_report, id);
        assert!(!want.is_empty(), "{key} has results in the full scan");
        moto.reset_recording();
        let one = scan_at(&endpoint)
            .args(["--resource", id, "--region", REGION])
            .json_report()
            .run();
        let calls = moto.recorded_calls();
        let report = one.report();
        assert_eq!(
            results_of(&report, id),
            want,
            "{key}: the re-check's results"
        );
        // Nothing else is judged, and nothing of another region is read.
        assert_eq!(
            report["results"].as_array().unwrap().len(),
            want.len(),
            "{key}: only its own results"
        );
        assert!(
            calls
                .iter()
                .all(|c| c.region == REGION || c.service == "sts" || c.service == "s3"),
            "{key}: {calls:?}"
        );
        let ec2 = listings(&calls);
        assert!(ec2.len() <= 6, "{key}: at most six listings: {ec2:?}");
        assert!(
            !ec2.iter().any(|o| o == "DescribeRegions"),
            "{key}: {ec2:?}"
        );
        assert_eq!(report["scan"]["resources"], json!([id]), "{key}");
        assert_eq!(report["scan"]["regions"], json!([REGION]), "{key}");
    }
}

#[test]
fn an_arn_names_its_own_region_and_a_resource_that_is_gone_has_no_results() {
    let moto = Moto::start();
    let ids = seed(&moto);
    let endpoint = moto.endpoint();
    let arn = format!("arn:aws:ec2:{REGION}:123456789012:vpc/{}", ids["plain"]);
    let out = scan_at(&endpoint)
        .args([
            "--resource",
            &arn,
            "--resource",
            "vpc-0123456789abcdef0",
            "--region",
            REGION,
        ])
        .json_report()
        .run();
    out.assert_code(1);
    let report = out.report();
    assert!(!results_of(&report, &ids["plain"]).is_empty());
    assert!(results_of(&report, "vpc-0123456789abcdef0").is_empty());
    // Another account's ARN needs that account's role.
    let other = scan_at(&endpoint)
        .args([
            "--resource",
            "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-0123456789abcdef0",
        ])
        .run();
    other.assert_code(2);
    other.stderr_has("--account 111111111111");
    // An id without one region says how to place it.
    let bare = scan_at(&endpoint).args(["--resource", &ids["plain"]]).run();
    bare.assert_code(2);
    bare.stderr_has("exactly one --region");
}

#[test]
fn in_an_organization_a_member_resource_is_rechecked_through_its_role() {
    let moto = Moto::start();
    let world = crate::support::org::seed_org(&moto);
    let ep = moto.endpoint();
    let full = crate::support::org::org_scan(&ep).arg("--org").run();
    let id = &world.ids["alpha_logged"];
    let want = results_of(&full.report(), id);
    assert!(!want.is_empty());
    let alpha = world.id("alpha");
    // By id with --account, and by ARN.
    let arn = format!("arn:aws:ec2:us-east-1:{alpha}:vpc/{id}");
    for args in [
        vec!["--org", "--account", alpha, "--resource", id],
        vec!["--org", "--resource", arn.as_str()],
    ] {
        let one = crate::support::org::org_scan(&ep).args(&args).run();
        let report = one.report();
        assert_eq!(results_of(&report, id), want, "{args:?}");
        assert_eq!(
            report["results"].as_array().unwrap().len(),
            want.len(),
            "{args:?}"
        );
    }
}

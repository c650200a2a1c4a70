//! Transit gateways: the DescribeTransitGateways listing, the join of TransitGateway- and
//! attachment-level flow logs, TGW-001 on what moto serves, a failing listing, and the fix that
//! creates a TransitGateway-level flow log (with its undo).
//!
//! moto 5.2.5 serves transit gateways, their VPC attachments and flow logs of resource type
//! TransitGateway / TransitGatewayAttachment (without a traffic type, as AWS). It does not share
//! transit gateways through RAM (every transit gateway it lists is owned by the caller), so the
//! skipped shared transit gateway is covered on inventory data: rules/TGW-001.test.toml and the
//! demo inventory. It gives transit gateway flow logs the VPC default LogFormat, where AWS gives
//! them the transit gateway fields; no check reads it.

use crate::support::cmd::Out;
use crate::support::fix::{fix_cmd, flow_logs_in, logged_flow_log_ids, tmp, undo};
use crate::support::harness::*;
use crate::support::json::{each, find};
use crate::support::proxy::Proxy;
use crate::support::results::{result, statuses_of};
use crate::support::scan::{scan_at, vpcs};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const REGION: &str = "eu-west-1";

/// In eu-west-1: a transit gateway with a TransitGateway-level log, one whose only log is on an
/// attachment, one without any log; a VPC with a flow log (to check VPC results are unaffected).
fn seed(moto: &Moto) -> BTreeMap<String, String> {
    moto.seed(&json!([
        {"op": "role", "key": "role", "name": "fl"},
        {"op": "log_group", "region": REGION, "name": "tgw-logs"},
        {"op": "vpc", "region": REGION, "key": "vpc", "cidr": "10.7.0.0/16"},
        {"op": "subnet", "region": REGION, "key": "sn", "vpc": "$vpc", "cidr": "10.7.1.0/24"},
        {"op": "flow_log", "region": REGION, "key": "fl_vpc", "resource": "$vpc", "log_group": "tgw-logs", "role": "$role"},
        {"op": "tgw", "region": REGION, "key": "logged", "tags": {"Name": "core"}},
        {"op": "flow_log", "region": REGION, "key": "fl_tgw", "resource": "$logged", "log_group": "tgw-logs", "role": "$role", "max_aggregation_interval": 60},
        {"op": "tgw", "region": REGION, "key": "partial"},
        {"op": "tgw_attachment", "region": REGION, "key": "att", "tgw": "$partial", "vpc": "$vpc", "subnet": "$sn"},
        {"op": "flow_log", "region": REGION, "key": "fl_att", "resource": "$att", "log_group": "tgw-logs", "role": "$role", "max_aggregation_interval": 60},
        {"op": "tgw", "region": REGION, "key": "bare"}
    ]))
}

fn tgws(inv: &Value) -> BTreeMap<String, Value> {
    each(&inv["regions"])
        .flat_map(|r| {
            r["transit_gateways"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|t| (t["id"].as_str().unwrap().to_string(), t))
        .collect()
}

/// `scan` of `regions` with an inventory dump and a JSON report.
fn scan_json(endpoint: &str, regions: &str) -> Out {
    scan_at(endpoint)
        .args(["--region", regions])
        .json_report()
        .run()
}

fn key(check: &str, id: &str) -> (String, String) {
    (check.to_string(), id.to_string())
}

#[test]
fn transit_gateways_are_listed_once_per_region_and_carry_their_flow_logs() {
    let moto = Moto::start();
    let ids = seed(&moto);
    moto.reset_recording();
    let out = scan_json(&moto.endpoint(), &format!("{REGION},us-east-1"));
    out.assert_complete();
    let (inv, report) = (out.inventory(), out.report());
    let t = tgws(&inv);
    assert_eq!(t.len(), 3, "{t:?}");
    let logged = &t[&ids["logged"]];
    assert_eq!(logged["name"], "core");
    assert_eq!(logged["shared"], false);
    assert_eq!(logged["owner_id"], inv["scan"]["account_id"]);
    assert_eq!(
        logged["arn"],
        format!(
            "arn:aws:ec2:{REGION}:{}:transit-gateway/{}",
            inv["scan"]["account_id"].as_str().unwrap(),
            ids["logged"]
        )
    );
    assert_eq!(logged["flow_logs"][0]["id"], ids["fl_tgw"].as_str());
    assert_eq!(logged["flow_logs"][0]["resource_type"], "transit_gateway");
    assert_eq!(logged["flow_logs"][0]["traffic_type"], "");
    assert_eq!(logged["flow_logs"][0]["destination"]["exists"], "yes");
    let partial = &t[&ids["partial"]];
    assert_eq!(partial["flow_logs"], json!([]));
    assert_eq!(
        partial["attachment_flow_logs"][0]["id"],
        ids["fl_att"].as_str()
    );
    assert_eq!(
        partial["attachment_flow_logs"][0]["resource_id"],
        ids["att"].as_str()
    );
    assert!(t[&ids["bare"]].get("attachment_flow_logs").is_none());
    // The VPC keeps its own log; no transit gateway log is left among the others.
    assert_eq!(
        vpcs(&inv)[&ids["vpc"]]["flow_logs"][0]["id"],
        ids["fl_vpc"].as_str()
    );
    for r in inv["regions"].as_array().unwrap() {
        assert_eq!(r["other_flow_logs"], json!([]), "{r}");
    }
    // A region without transit gateways writes no `transit_gateways` field.
    let us = find(&inv["regions"], "region", "us-east-1");
    assert!(us.get("transit_gateways").is_none(), "{us}");

    // One DescribeTransitGateways per region; the attachments are listed only where a flow log
    // names one.
    let calls = moto.recorded_calls();
    let in_region = |op: &str, region: &str| {
        calls
            .iter()
            .filter(|c| c.operation == op && c.region == region)
            .count()
    };
    for r in [REGION, "us-east-1"] {
        assert_eq!(in_region("DescribeTransitGateways", r), 1, "{r}");
    }
    assert_eq!(in_region("DescribeTransitGatewayAttachments", REGION), 1);
    assert_eq!(
        in_region("DescribeTransitGatewayAttachments", "us-east-1"),
        0
    );

    // TGW-001 on what moto serves: the unencrypted log group fails destination-encrypted.
    let got = statuses_of(&report, "TGW-001");
    let want: BTreeMap<(String, String), String> = [
        (key("flow-logs-enabled", &ids["logged"]), "pass"),
        (key("destination-encrypted", &ids["logged"]), "fail"),
        (key("flow-logs-enabled", &ids["partial"]), "fail"),
        (key("destination-encrypted", &ids["partial"]), "skipped"),
        (key("flow-logs-enabled", &ids["bare"]), "fail"),
        (key("destination-encrypted", &ids["bare"]), "skipped"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    assert_eq!(got, want);
    let partial_fail = result(&report, "TGW-001", "flow-logs-enabled", &ids["partial"]);
    assert_eq!(partial_fail["resource"]["type"], "transit_gateway");
    let msg = partial_fail["message"].as_str().unwrap();
    assert!(msg.contains("coverage is partial"), "{msg}");
    assert!(msg.contains(&ids["att"]), "{msg}");
}

#[test]
fn a_denied_transit_gateway_listing_leaves_the_vpcs_judged_and_tgw_001_in_error() {
    let moto = Moto::start();
    let ids = seed(&moto);
    let proxy = Proxy::denying(
        moto.port,
        "DescribeTransitGateways",
        403,
        "UnauthorizedOperation",
    );
    let out = scan_json(&proxy.endpoint(), REGION);
    out.assert_code_for(3, "a partial scan");
    let (inv, r) = (out.inventory(), out.report());
    let errors = inv["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["operation"], "DescribeTransitGateways");
    assert_eq!(errors[0]["code"], "UnauthorizedOperation");
    assert_eq!(errors[0]["region"], REGION);
    // The region is there, with its VPCs, and no transit gateways.
    assert!(vpcs(&inv).contains_key(&ids["vpc"]));
    assert!(tgws(&inv).is_empty());
    let results = r["results"].as_array().unwrap();
    let vpc_001 = result(&r, "VPC-001", "flow-logs-enabled", &ids["vpc"]);
    assert_eq!(vpc_001["status"], "pass", "{vpc_001}");
    let tgw: Vec<&Value> = results
        .iter()
        .filter(|f| f["rule_id"] == "TGW-001")
        .collect();
    assert_eq!(tgw.len(), 2, "one error per check: {tgw:?}");
    for f in tgw {
        assert_eq!(f["status"], "error");
        assert_eq!(f["resource"]["type"], "region");
        assert_eq!(f["resource"]["id"], REGION);
        let m = f["message"].as_str().unwrap();
        assert!(
            m.contains("transit gateways of eu-west-1")
                && m.contains("DescribeTransitGateways failed"),
            "{m}"
        );
    }
}

#[test]
fn the_fix_creates_a_transit_gateway_flow_log_and_undo_deletes_it() {
    let moto = Moto::start();
    let ids = seed(&moto);
    moto.seed(&json!([{"op": "bucket", "region": "us-east-1", "name": "tgw-central", "encryption": "AES256"}]));
    let dir = tmp();
    let endpoint = moto.endpoint();
    let log = dir.path().join("fix-log.json");
    let report = dir.path().join("fix.json");
    let fix = |extra: &[&str]| {
        let mut c = fix_cmd(dir.path(), &["fix", "--yes"], "s3://tgw-central");
        c.endpoint(&endpoint)
            .args([
                "--region",
                REGION,
                "--fix-rule",
                "TGW-001/flow-logs-enabled",
            ])
            .arg("--fix-log")
            .arg(&log)
            .args(["--format", "json", "-o"])
            .arg(&report)
            .args(extra);
        c.run().assert_complete();
    };

    // DryRun: moto checks the request and answers DryRunOperation; nothing is created.
    let before = flow_logs_in(&endpoint, REGION);
    fix(&["--dry-run"]);
    let fixes = read_json(&report)["fixes"].clone();
    let outcomes: Vec<(&str, &str)> = each(&fixes)
        .map(|f| {
            (
                f["vpc_id"].as_str().unwrap(),
                f["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sorted(outcomes),
        sorted(vec![
            (ids["partial"].as_str(), "dry_run_ok"),
            (ids["bare"].as_str(), "dry_run_ok")
        ])
    );
    assert_eq!(
        flow_logs_in(&endpoint, REGION),
        before,
        "a dry run creates nothing"
    );
    std::fs::remove_file(&log).ok();

    fix(&[]);
    let after = flow_logs_in(&endpoint, REGION);
    let created: Vec<&Value> = after
        .iter()
        .filter(|(k, _)| !before.contains_key(*k))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(created.len(), 2, "{created:?}");
    let mut on: Vec<&str> = created
        .iter()
        .map(|f| f["ResourceId"].as_str().unwrap())
        .collect();
    on.sort();
    let mut want = vec![ids["partial"].as_str(), ids["bare"].as_str()];
    want.sort();
    assert_eq!(on, want);
    for f in &created {
        assert!(f.get("TrafficType").is_none(), "no traffic type: {f}");
        assert_eq!(f["MaxAggregationInterval"], 60);
        assert_eq!(f["LogDestination"], "arn:aws:s3:::tgw-central");
    }
    // The rescan judges each transit gateway with TGW-001 only.
    let fixes = read_json(&report)["fixes"].clone();
    for f in fixes.as_array().unwrap() {
        assert_eq!(f["outcome"], "applied", "{f}");
        assert_eq!(f["verified"], json!({"flow-logs-enabled": "pass"}), "{f}");
    }
    // The logged transit gateway and the VPC were not touched.
    assert!(
        created
            .iter()
            .all(|f| f["ResourceId"] != ids["logged"].as_str())
    );

    let recorded = logged_flow_log_ids(&read_json(&log));
    assert_eq!(recorded.len(), 2);
    let (c, err) = undo(&log, &endpoint, dir.path());
    assert_eq!(c, 0, "{err}");
    assert_eq!(
        flow_logs_in(&endpoint, REGION),
        before,
        "undo deletes what the fix created"
    );
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

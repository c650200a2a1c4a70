//! `flowaudit fix --undo` against moto after a real fix: it deletes exactly what the fix created
//! (flow logs and log groups), leaves everything else alone, and a second undo deletes nothing.
//! Change logs tampered with are tested in `fix_undo_tamper.rs`.

use crate::support::fix::*;
use crate::support::harness::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn cloudwatch_fix_creates_the_group_and_undo_removes_only_what_it_created() {
    let moto = Moto::start();
    let ids = moto.seed(&json!([
        {"op": "role", "key": "role", "name": "flow-logs-delivery"},
        {"op": "kms_key", "region": "eu-west-1", "key": "key"},
        {"op": "kms_key", "region": "us-east-1", "key": "key_us"},
        {"op": "kms_key", "region": "ap-southeast-2", "key": "key_ap"},
        {"op": "log_group", "region": "eu-west-1", "name": "/pre/existing", "kms_key": "$key", "retention": 365},
        {"op": "vpc", "region": "eu-west-1", "key": "rej", "cidr": "10.3.0.0/16"},
        {"op": "flow_log", "region": "eu-west-1", "key": "fl_rej", "resource": "$rej", "traffic": "REJECT", "log_group": "/pre/existing", "role": "$role"},
        {"op": "vpc", "region": "us-east-1", "key": "bare", "cidr": "10.1.0.0/16"}
    ]));
    let ep = moto.endpoint();
    let dir = tmp();
    let before_logs = flow_logs(&ep);
    let before_groups = log_groups(&ep);
    let (log, report) = (dir.path().join("cw-log.json"), dir.path().join("cw.json"));
    let regions = regions_arg();
    let key = ids["key"].clone();
    let mut args = vec![
        "fix",
        "--yes",
        "--fix-destination",
        "cloudwatch:/flowaudit/vpc-flow-logs",
        "--fix-delivery-role",
        &ids["role"],
        "--fix-kms-key",
        &key,
        "--fix-retention-days",
        "400",
        "--fix-kms-key",
        &ids["key_us"],
        "--fix-kms-key",
        &ids["key_ap"],
    ];
    args.extend(fix_args(&ep, &regions, &log, &report));
    let (c, _, err) = run_fa(&args, dir.path());
    assert_eq!(
        c, 0,
        "created group is encrypted and kept 400 days, so nothing fails: {err}"
    );
    let fixes = read_json(&report)["fixes"].as_array().unwrap().clone();
    let groups_created: Vec<&Value> = fixes
        .iter()
        .filter(|f| f["action"] == "create-log-group")
        .collect();
    assert_eq!(
        groups_created.len(),
        3,
        "one group per region with a failing VPC: {fixes:?}"
    );
    assert!(fixes.iter().all(|f| f["outcome"] == "applied"), "{fixes:?}");
    let after_groups = log_groups(&ep);
    for r in REGIONS {
        assert!(
            after_groups.contains(&(r.to_string(), "/flowaudit/vpc-flow-logs".to_string())),
            "{after_groups:?}"
        );
    }
    // Retention and the region's own key were set on every created group.
    let inv = inventory(&ep, dir.path(), "cw-inv.json");
    let region_key = BTreeMap::from([
        ("eu-west-1", key.clone()),
        ("us-east-1", ids["key_us"].clone()),
        ("ap-southeast-2", ids["key_ap"].clone()),
    ]);
    let mut seen_regions = BTreeSet::new();
    for r in inv["regions"].as_array().unwrap() {
        let region = r["region"].as_str().unwrap();
        for l in r["vpcs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|v| v["flow_logs"].as_array().unwrap().iter())
        {
            if l["log_group_name"] != "/flowaudit/vpc-flow-logs" {
                continue;
            }
            seen_regions.insert(region.to_string());
            assert_eq!(l["destination"]["retention_days"], 400, "{l}");
            assert_eq!(
                l["destination"]["kms_key_id"],
                json!(region_key[region]),
                "{l}"
            );
            assert_eq!(l["deliver_logs_permission_arn"], json!(ids["role"]));
        }
    }
    assert_eq!(seen_regions.len(), 3);

    // A flow log made by someone else after the fix is not the fix's to undo.
    let other = moto.seed(&json!([
        {"op": "flow_log", "region": "us-east-1", "key": "later", "resource": ids["bare"], "traffic": "ACCEPT", "log_group": "/someone/else", "role": ids["role"]}
    ]));
    moto.reset_recording();
    let (c, err) = undo(&log, &ep, dir.path());
    assert_eq!(c, 0, "{err}");
    let calls = moto.recorded_calls();
    let created_logs = fixes
        .iter()
        .filter(|f| f["action"] == "create-flow-log")
        .count();
    assert_eq!(count_calls(&calls, "DeleteFlowLogs"), created_logs);
    assert_eq!(count_calls(&calls, "DeleteLogGroup"), 3);
    let mut expected = before_logs.clone();
    let now = flow_logs(&ep);
    expected.insert(other["later"].clone(), now[&other["later"]].clone());
    assert_eq!(now, expected, "undo removed exactly what the fix created");
    assert_eq!(
        log_groups(&ep),
        before_groups,
        "only the groups the fix created are gone"
    );
    assert!(
        read_json(&log)["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["outcome"] == "applied")
            .all(|c| c["undone_at"].is_string())
    );
    // Undoing again deletes nothing.
    moto.reset_recording();
    let (c, err) = undo(&log, &ep, dir.path());
    assert_eq!(c, 0, "{err}");
    assert!(err.contains("nothing left to delete"), "{err}");
    assert!(moto.recorded_calls().is_empty());
}

//! `flowaudit fix --undo` against moto after a real fix: it deletes exactly what the fix created
//! (flow logs and log groups), leaves everything else alone, and a second undo deletes nothing.
//! Change logs tampered with are tested in `fix_undo_tamper.rs`.

use crate::support::fix::*;
use crate::support::harness::*;
use crate::support::json::each;
use crate::support::proxy::{Handler, Proxy};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[test]
fn cloudwatch_fix_creates_the_group_and_undo_removes_only_what_it_created() {
    let moto = Moto::start();
    let ids = seed_for_cloudwatch(
        &moto,
        "eu-west-1",
        json!([
        {"op": "kms_key", "region": "us-east-1", "key": "key_us"},
        {"op": "kms_key", "region": "ap-southeast-2", "key": "key_ap"},
        {"op": "log_group", "region": "eu-west-1", "name": "/pre/existing", "kms_key": "$key", "retention": 365},
        {"op": "vpc", "region": "eu-west-1", "key": "rej", "cidr": "10.3.0.0/16"},
        {"op": "flow_log", "region": "eu-west-1", "key": "fl_rej", "resource": "$rej", "traffic": "REJECT", "log_group": "/pre/existing", "role": "$role"},
        {"op": "vpc", "region": "us-east-1", "key": "bare", "cidr": "10.1.0.0/16"}
        ]),
    );
    let ep = moto.endpoint();
    let dir = tmp();
    let before_logs = flow_logs(&ep);
    let before_groups = log_groups(&ep);
    let (log, report) = (dir.path().join("cw-log.json"), dir.path().join("cw.json"));
    let regions = regions_arg();
    let key = ids["key"].clone();
    let out = fix_run(
        dir.path(),
        &[
            "fix",
            "--yes",
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
        ],
        "cloudwatch:/flowaudit/vpc-flow-logs",
        &ep,
        &regions,
        &log,
        &report,
    )
    .run();
    out.assert_code_for(
        0,
        "created group is encrypted and kept 400 days, so nothing fails",
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
        for l in each(&r["vpcs"]).flat_map(|v| each(&v["flow_logs"])) {
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
        each(&read_json(&log)["changes"])
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

/// The log group the shared-destination tests fix to.
const SHARED: &str = "/vpc/flowaudit-fixed";

/// Seed a delivery role, a KMS key and a bare VPC in us-east-1, then `flowaudit fix` it to the
/// CloudWatch log group [`SHARED`] (created by the fix); returns the seeded ids and the change
/// log's path.
fn fix_to_shared_group(moto: &Moto, dir: &Path) -> (BTreeMap<String, String>, PathBuf) {
    let ids = seed_vpc_for_cloudwatch(moto);
    let ep = moto.endpoint();
    let (log, report) = (dir.join("fix-log.json"), dir.join("fix.json"));
    let dest = format!("cloudwatch:{SHARED}");
    let out = fix_run(
        dir,
        &[
            "fix",
            "--yes",
            "--fix-delivery-role",
            &ids["role"],
            "--fix-kms-key",
            &ids["key"],
        ],
        &dest,
        &ep,
        "us-east-1",
        &log,
        &report,
    )
    .run();
    out.assert_code(0);
    let groups = each(&read_json(&log)["changes"])
        .filter(|c| c["log_groups_created"] == json!([SHARED]))
        .count();
    assert_eq!(groups, 1, "the fix created {SHARED}");
    (ids, log)
}

/// Delete flow logs of us-east-1 straight in moto, as their owner would.
fn delete_flow_logs(ep: &str, ids: &BTreeSet<String>) {
    // A Python list of the ids (`Vec`'s Debug form).
    let ids: Vec<&String> = ids.iter().collect();
    let body =
        format!("client('ec2', 'us-east-1').delete_flow_logs(FlowLogIds={ids:?})\nprint('{{}}')\n");
    boto_in(&body, ep, "us-east-1");
}

/// Whether the log group [`SHARED`] exists in us-east-1.
fn shared_group_exists(ep: &str) -> bool {
    log_groups(ep).contains(&("us-east-1".to_string(), SHARED.to_string()))
}

/// The `kept` result line of `err` naming `what`.
fn kept_line<'a>(err: &'a str, what: &str) -> &'a str {
    err.lines()
        .find(|l| l.trim_start().starts_with("kept") && l.contains(what))
        .unwrap_or_else(|| panic!("no `kept ... {what}` line in:\n{err}"))
}

#[test]
fn undo_keeps_a_created_log_group_while_flow_logs_it_did_not_create_deliver_to_it() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let dir = tmp();
    let before = flow_logs(&ep);
    let (ids, log) = fix_to_shared_group(&moto, dir.path());
    let ours = new_ids(&before, &flow_logs(&ep));
    assert_eq!(ours, logged_flow_log_ids(&read_json(&log)));
    // Another team sends the flow logs of their VPCs to the same group: one by name, one by
    // the group's ARN.
    let arn = format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{SHARED}:*");
    let theirs = moto.seed(&json!([
        {"op": "vpc", "region": "us-east-1", "key": "b", "cidr": "10.2.0.0/16"},
        {"op": "vpc", "region": "us-east-1", "key": "c", "cidr": "10.3.0.0/16"},
        {"op": "flow_log", "region": "us-east-1", "key": "by_name", "resource": "$b", "traffic": "ALL", "log_group": SHARED, "role": ids["role"]},
        {"op": "flow_log", "region": "us-east-1", "key": "by_arn", "resource": "$c", "traffic": "ALL", "destination_arn": arn, "destination_type": "cloud-watch-logs", "role": ids["role"]}
    ]));
    let foreign = BTreeSet::from([theirs["by_name"].clone(), theirs["by_arn"].clone()]);

    // A dry run already says the group is kept.
    let err = undo_cmd(&log, &ep, dir.path(), &["--dry-run"])
        .assert_code(1)
        .stderr();
    assert!(
        err.lines()
            .any(|l| l.contains(SHARED) && l.contains("— kept: in use")),
        "{err}"
    );

    moto.reset_recording();
    let (c, err) = undo(&log, &ep, dir.path());
    let calls = moto.recorded_calls();
    assert_eq!(c, 1, "a kept log group is not a full undo: {err}");
    // Our flow logs are gone; theirs and the group stay.
    let now: BTreeSet<String> = flow_logs(&ep).into_keys().collect();
    assert!(now.is_disjoint(&ours), "{now:?}");
    assert!(foreign.is_subset(&now), "{now:?}");
    assert!(shared_group_exists(&ep), "the shared group is kept");
    assert_eq!(count_calls(&calls, "DeleteLogGroup"), 0, "{calls:?}");
    assert_eq!(
        count_calls(&calls, "DeleteFlowLogs"),
        ours.len(),
        "{calls:?}"
    );
    let line = kept_line(&err, SHARED);
    for id in &foreign {
        assert!(line.contains(id.as_str()), "{line}");
    }
    assert!(err.contains("1 log group kept"), "{err}");
    // Only the group's record stays open, for a later undo.
    for c in read_json(&log)["changes"].as_array().unwrap() {
        let is_group = c["action"] == "create-log-group";
        assert_eq!(c["undone_at"].is_null(), is_group, "{c}");
    }

    // Once their flow logs are gone, the next undo deletes the group.
    delete_flow_logs(&ep, &foreign);
    let (c, err) = undo(&log, &ep, dir.path());
    assert_eq!(c, 0, "{err}");
    assert!(!shared_group_exists(&ep));
}

#[test]
fn undo_keeps_a_created_log_group_that_another_accounts_flow_log_writes_to() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let dir = tmp();
    let before = flow_logs(&ep);
    let (ids, log) = fix_to_shared_group(&moto, dir.path());
    let ours = new_ids(&before, &flow_logs(&ep));
    // A network interface of this account writes to the group (as the fix's own flow log
    // does), and one this account does not have (a flow log of another account, delivering
    // across accounts, which DescribeFlowLogs here cannot see).
    let foreign = "eni-0f0f0f0f0f0f0f0f0";
    let streams = |names: &[&str]| {
        let body = format!(
            r#"
import time
ec2 = client('ec2', 'us-east-1')
subnet = ec2.create_subnet(VpcId='{vpc}', CidrBlock='10.1.1.0/24')['Subnet']['SubnetId']
own = ec2.create_network_interface(SubnetId=subnet)['NetworkInterface']['NetworkInterfaceId']
logs = client('logs', 'us-east-1')
for name in [own + '-all'] + {names:?}:
    logs.create_log_stream(logGroupName='{SHARED}', logStreamName=name)
    logs.put_log_events(logGroupName='{SHARED}', logStreamName=name,
        logEvents=[{{'timestamp': int(time.time() * 1000), 'message': '2 123 ' + name + ' ACCEPT OK'}}])
print(json.dumps({{'own': own}}))
"#,
            vpc = ids["a"],
        );
        boto_in(&body, &ep, "us-east-1")
    };
    let own = streams(&[&format!("{foreign}-all")])["own"]
        .as_str()
        .unwrap()
        .to_string();

    moto.reset_recording();
    let (c, err) = undo(&log, &ep, dir.path());
    let calls = moto.recorded_calls();
    assert_eq!(c, 1, "a kept log group is not a full undo: {err}");
    let now: BTreeSet<String> = flow_logs(&ep).into_keys().collect();
    assert!(now.is_disjoint(&ours), "our flow logs are deleted: {now:?}");
    assert!(shared_group_exists(&ep), "the group is kept");
    assert_eq!(count_calls(&calls, "DeleteLogGroup"), 0, "{calls:?}");
    let line = kept_line(&err, SHARED);
    assert!(
        line.contains("network interfaces this account does not have") && line.contains(foreign),
        "{line}"
    );
    assert!(
        !line.contains(&own),
        "the account's own interface is no reason: {line}"
    );

    // Once the other account's stream is gone, the next undo deletes the group.
    boto_in(
        &format!(
            "client('logs', 'us-east-1').delete_log_stream(logGroupName='{SHARED}', logStreamName='{foreign}-all')\nprint('{{}}')\n"
        ),
        &ep,
        "us-east-1",
    );
    let (c, err) = undo(&log, &ep, dir.path());
    assert_eq!(c, 0, "{err}");
    assert!(!shared_group_exists(&ep));
}

#[test]
fn a_flow_log_added_to_the_group_after_the_check_still_keeps_it() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let dir = tmp();
    let (ids, log) = fix_to_shared_group(&moto, dir.path());
    // Another team adds a flow log to the group while the undo runs: after the check, as soon
    // as the undo deletes its first flow log.
    let added: Arc<Mutex<Option<String>>> = Arc::default();
    let (moto_ep, role, added2) = (ep.clone(), ids["role"].clone(), added.clone());
    let handler: Handler = Arc::new(move |req, forward| {
        let resp = forward(req);
        if req.form("Action").as_deref() == Some("DeleteFlowLogs") {
            let mut a = added2.lock().unwrap();
            if a.is_none() {
                let late = seed_at(
                    &moto_ep,
                    &json!([
                        {"op": "vpc", "region": "us-east-1", "key": "late_vpc", "cidr": "10.9.0.0/16"},
                        {"op": "flow_log", "region": "us-east-1", "key": "late", "resource": "$late_vpc", "traffic": "ALL", "log_group": SHARED, "role": role}
                    ]),
                );
                *a = Some(late["late"].clone());
            }
        }
        resp
    });
    let proxy = Proxy::start(moto.port, handler);
    let (c, err) = undo(&log, &proxy.endpoint(), dir.path());
    assert_eq!(c, 1, "{err}");
    let late = added
        .lock()
        .unwrap()
        .clone()
        .expect("the undo deleted a flow log through the proxy");
    // The check found the group unused; the read just before DeleteLogGroup did not.
    assert!(
        !err.lines()
            .any(|l| l.contains(SHARED) && l.contains("— kept")),
        "the plan did not know yet: {err}"
    );
    assert!(kept_line(&err, SHARED).contains(&late), "{err}");
    assert!(shared_group_exists(&ep));
    assert!(flow_logs(&ep).contains_key(&late));
}

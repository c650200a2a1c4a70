//! `flowaudit fix --undo` deletes only what flowaudit provably created: everything a fix creates
//! is tagged `flowaudit:change = <change id>`, and undo reads each resource back and refuses
//! (names, explains, exits non-zero) whatever does not match its record — here against moto,
//! with tampered change logs naming resources the fix did not create.

use crate::support::fix::{boto_in, fix_run, seed_vpc_for_cloudwatch, undo_cmd};
use crate::support::harness::*;
use crate::support::json::each;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const TAG: &str = "flowaudit:change";
const BUCKET: &str = "flowaudit-undo-bucket";

/// `flowaudit fix --undo LOG --yes` (plus `extra`); returns (exit code, stderr).
fn undo(log: &Path, ep: &str, cwd: &Path, extra: &[&str]) -> (i32, String) {
    let out = undo_cmd(log, ep, cwd, extra);
    (out.code(), out.stderr())
}

/// Run a boto3 script in us-east-1 against moto; its JSON output.
fn boto(body: &str, ep: &str) -> Value {
    boto_in(body, ep, "us-east-1")
}

/// Every flow log of us-east-1 straight from moto: id -> (ResourceId, tags).
fn flow_logs(ep: &str) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    let script = r#"
print(json.dumps([[f['FlowLogId'], f['ResourceId'], {t['Key']: t['Value'] for t in f.get('Tags', [])}]
                  for f in client('ec2', 'us-east-1').describe_flow_logs()['FlowLogs']]))
"#;
    boto(script, ep)
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let tags = f[2]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            (
                f[0].as_str().unwrap().to_string(),
                (f[1].as_str().unwrap().to_string(), tags),
            )
        })
        .collect()
}

/// Every log group of us-east-1 straight from moto: name -> tags.
fn log_groups(ep: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let script = r#"
logs = client('logs', 'us-east-1')
out = {}
for g in logs.describe_log_groups()['logGroups']:
    out[g['logGroupName']] = logs.list_tags_for_resource(resourceArn=g['logGroupArn'])['tags']
print(json.dumps(out))
"#;
    serde_json::from_value(boto(script, ep)).unwrap()
}

/// A change log of `changes` as a version `tool_version` wrote it, at `path`.
fn write_log(path: &Path, tool_version: &str, changes: &[Value]) -> std::path::PathBuf {
    write_json(
        path,
        &json!({
            "schema": "flowaudit/fix-log/v1",
            "tool_version": tool_version,
            "started_at": "2026-01-02T03:04:00Z",
            "account_id": ACCOUNT,
            "changes": changes
        }),
    );
    path.to_path_buf()
}

/// The flow logs and log groups of us-east-1 are as they were, and `calls` deleted none.
fn assert_nothing_deleted(
    ep: &str,
    calls: &[ApiCall],
    logs: &BTreeMap<String, (String, BTreeMap<String, String>)>,
    groups: &BTreeMap<String, BTreeMap<String, String>>,
) {
    assert_eq!(&flow_logs(ep), logs);
    assert_eq!(&log_groups(ep), groups);
    assert_eq!(count_calls(calls, "DeleteFlowLogs"), 0, "{calls:?}");
    assert_eq!(count_calls(calls, "DeleteLogGroup"), 0, "{calls:?}");
}

/// One change-log record, as `fix` writes them.
fn record(action: &str, vpc: Option<&str>, token: &str, ids: &[&str], groups: &[&str]) -> Value {
    json!({
        "time": "2026-01-02T03:04:05Z",
        "account_id": ACCOUNT,
        "region": "us-east-1",
        "vpc_id": vpc,
        "action": action,
        "description": "d",
        "outcome": "applied",
        "error": null,
        "change_id": token,
        "flow_log_ids": ids,
        "log_groups_created": groups,
        "undone_at": null
    })
}

/// A plausible change id: 32 hex characters.
fn token(seed: char) -> String {
    std::iter::repeat_n(seed, 32).collect()
}

/// Lines of `err` that mention `needle`.
fn lines_with<'a>(err: &'a str, needle: &str) -> Vec<&'a str> {
    err.lines().filter(|l| l.contains(needle)).collect()
}

/// The result line (not the plan line) of a refused resource contains `reason`.
fn assert_refused(err: &str, id: &str, reason: &str) {
    let hits: Vec<&str> = lines_with(err, id)
        .into_iter()
        .filter(|l| l.trim_start().starts_with("refused"))
        .collect();
    assert!(
        hits.iter().any(|l| l.contains(reason)),
        "no `refused ... {id} ... {reason}` line in:\n{err}"
    );
}

#[test]
fn a_tampered_change_log_deletes_nothing_it_names_and_says_why() {
    let moto = Moto::start();
    let ids = moto.seed(&json!([
        {"op": "bucket", "region": "us-east-1", "name": BUCKET, "encryption": "AES256"},
        {"op": "vpc", "region": "us-east-1", "key": "prod", "cidr": "10.1.0.0/16", "tags": {"Name": "production"}},
        {"op": "flow_log", "region": "us-east-1", "key": "fl_prod", "resource": "$prod", "traffic": "ALL", "bucket": BUCKET},
        {"op": "log_group", "region": "us-east-1", "name": "/audit/trail", "retention": 3653}
    ]));
    let ep = moto.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let (prod, fl_prod) = (ids["prod"].as_str(), ids["fl_prod"].as_str());
    let gone = "fl-0123456789abcdef0";
    // A log edited to name resources flowaudit did not create, with the right account id
    // and plausible change ids.
    let log = write_log(
        &dir.path().join("tampered.json"),
        "0.0.0",
        &[
            record("create-flow-log", Some(prod), &token('a'), &[fl_prod], &[]),
            record(
                "create-log-group",
                None,
                &token('b'),
                &[],
                &["/audit/trail"],
            ),
            record(
                "associate-kms-key",
                None,
                &token('c'),
                &[],
                &["/audit/trail"],
            ),
            record("create-flow-log", Some(prod), &token('d'), &[gone], &[]),
        ],
    );
    let before_logs = flow_logs(&ep);
    let before_groups = log_groups(&ep);
    assert!(before_logs.contains_key(fl_prod) && before_groups.contains_key("/audit/trail"));
    moto.reset_recording();

    let (c, err) = undo(&log, &ep, dir.path(), &[]);
    // What flowaudit called (before the checks below call moto themselves).
    let calls = moto.recorded_calls();
    assert_eq!(c, 1, "a refused deletion is not a success: {err}");
    // Both still exist, untouched.
    assert_nothing_deleted(&ep, &calls, &before_logs, &before_groups);
    // The flow logs of the region were read in one call.
    assert_eq!(count_calls(&calls, "DescribeFlowLogs"), 1, "{calls:?}");
    // Each refused record is named, with its reason.
    assert_refused(&err, fl_prod, "tag missing");
    assert_refused(&err, gone, "resource gone");
    let group_lines: Vec<&str> = lines_with(&err, "/audit/trail")
        .into_iter()
        .filter(|l| l.trim_start().starts_with("refused"))
        .collect();
    assert_eq!(group_lines.len(), 2, "{err}");
    assert!(
        group_lines.iter().any(|l| l.contains("tag missing"))
            && group_lines
                .iter()
                .any(|l| l.contains("action does not create") && l.contains("associate-kms-key")),
        "{err}"
    );
    assert!(err.contains("0 deletions, 4 not deleted"), "{err}");
    assert!(err.contains("4 of 4 deletions refused"), "{err}");
    // Nothing is marked undone: the log still records all four.
    let after = read_json(&log);
    assert!(
        each(&after["changes"]).all(|c| c["undone_at"].is_null()),
        "{after}"
    );

    // A dry run refuses the same way, and a second undo still refuses.
    let (c, err) = undo(&log, &ep, dir.path(), &["--dry-run"]);
    assert_eq!(c, 1, "{err}");
    assert_refused(&err, fl_prod, "tag missing");
    assert_eq!(flow_logs(&ep), before_logs);
    assert_eq!(log_groups(&ep), before_groups);
}

/// `flowaudit fix` to S3 in us-east-1 (tagging `owner=sec` as well); returns the change log.
fn fix_to_s3(ep: &str, dir: &Path) -> (std::path::PathBuf, Value) {
    let log = fix_to(ep, dir, &format!("s3://{BUCKET}"), &[]);
    let v = read_json(&log);
    (log, v)
}

/// `flowaudit fix --yes` of us-east-1 to `dest`, tagging `owner=sec` as well, with `extra` flags;
/// returns the change log's path.
fn fix_to(ep: &str, dir: &Path, dest: &str, extra: &[&str]) -> std::path::PathBuf {
    let log = dir.join("fix-log.json");
    fix_run(
        dir,
        &["fix", "--yes"],
        dest,
        ep,
        "us-east-1",
        &log,
        &dir.join("fix.json"),
    )
    .args(["--fix-tag", "owner=sec"])
    .args(extra)
    .run()
    .assert_code(0);
    log
}

/// The change-log record that created a flow log on `vpc`.
fn record_of(log: &Value, vpc: &str) -> usize {
    each(&log["changes"])
        .position(|c| c["vpc_id"] == vpc && c["action"] == "create-flow-log")
        .unwrap_or_else(|| panic!("no record for {vpc}: {log}"))
}

#[test]
fn created_flow_logs_are_tagged_and_a_record_moved_to_another_vpc_or_change_is_refused() {
    let moto = Moto::start();
    let ids = moto.seed(&json!([
        {"op": "bucket", "region": "us-east-1", "name": BUCKET, "encryption": "AES256"},
        {"op": "vpc", "region": "us-east-1", "key": "a", "cidr": "10.1.0.0/16"},
        {"op": "vpc", "region": "us-east-1", "key": "b", "cidr": "10.2.0.0/16"},
        {"op": "vpc", "region": "us-east-1", "key": "c", "cidr": "10.3.0.0/16"}
    ]));
    let ep = moto.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let (log_path, mut log) = fix_to_s3(&ep, dir.path());
    let created = flow_logs(&ep);
    // a, b, c and moto's default VPC.
    assert_eq!(created.len(), 4, "{created:?}");
    // Tagged at creation with the record's change id, next to the user's own tag.
    let mut change_ids = BTreeSet::new();
    for c in log["changes"].as_array().unwrap() {
        let id = c["flow_log_ids"][0].as_str().unwrap();
        let (resource, tags) = &created[id];
        assert_eq!(c["vpc_id"].as_str(), Some(resource.as_str()));
        let change_id = c["change_id"].as_str().unwrap();
        assert_eq!(tags.get(TAG).map(String::as_str), Some(change_id));
        assert!(
            change_ids.insert(change_id.to_string()),
            "one id per change"
        );
        assert_eq!(tags.get("owner").map(String::as_str), Some("sec"));
    }
    let (ra, rb) = (record_of(&log, &ids["a"]), record_of(&log, &ids["b"]));
    let fl_a = log["changes"][ra]["flow_log_ids"][0]
        .as_str()
        .unwrap()
        .to_string();
    let fl_b = log["changes"][rb]["flow_log_ids"][0]
        .as_str()
        .unwrap()
        .to_string();
    // a's record now claims VPC c (its flow log is attached to a); b's claims another change.
    log["changes"][ra]["vpc_id"] = json!(ids["c"]);
    log["changes"][rb]["change_id"] = json!(token('e'));
    write_json(&log_path, &log);

    moto.reset_recording();
    let (c, err) = undo(&log_path, &ep, dir.path(), &[]);
    let calls = moto.recorded_calls();
    assert_eq!(c, 1, "{err}");
    assert_refused(
        &err,
        &fl_a,
        &format!(
            "attached to another resource: {}, not the recorded {}",
            ids["a"], ids["c"]
        ),
    );
    assert_refused(&err, &fl_b, "tag differs");
    assert!(err.contains("2 of 4 deletions refused"), "{err}");
    let left: BTreeSet<String> = flow_logs(&ep).into_keys().collect();
    assert_eq!(left, BTreeSet::from([fl_a.clone(), fl_b.clone()]));
    assert_eq!(count_calls(&calls, "DeleteFlowLogs"), 2, "{calls:?}");
    assert_eq!(count_calls(&calls, "DescribeFlowLogs"), 1, "{calls:?}");
    // Only the records whose flow log was deleted are marked undone.
    let after = read_json(&log_path);
    for (i, c) in each(&after["changes"]).enumerate() {
        assert_eq!(c["undone_at"].is_string(), i != ra && i != rb, "{c}");
    }
    // Undoing again reads back only the two left, and refuses them again.
    let (c, err) = undo(&log_path, &ep, dir.path(), &[]);
    assert_eq!(c, 1, "{err}");
    assert!(err.contains("2 of 2 deletions refused"), "{err}");
    assert_eq!(flow_logs(&ep).len(), 2);
}

/// `flowaudit fix` of us-east-1 to the CloudWatch log group `group` (created by the fix, with the
/// seeded `role` and `key`, tagging `owner=sec` as well); returns the change log's path.
fn fix_to_cloudwatch(
    ep: &str,
    dir: &Path,
    ids: &BTreeMap<String, String>,
    group: &str,
) -> std::path::PathBuf {
    fix_to(
        ep,
        dir,
        &format!("cloudwatch:{group}"),
        &[
            "--fix-delivery-role",
            &ids["role"],
            "--fix-kms-key",
            &ids["key"],
        ],
    )
}

#[test]
fn created_log_groups_are_tagged_and_undo_checks_the_tag_before_deleting() {
    let moto = Moto::start();
    let ids = seed_vpc_for_cloudwatch(&moto);
    let ep = moto.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let log_path = fix_to_cloudwatch(&ep, dir.path(), &ids, "/flowaudit/flow");
    let mut log = read_json(&log_path);
    let rg = each(&log["changes"])
        .position(|c| c["action"] == "create-log-group")
        .expect("a create-log-group record");
    let group_token = log["changes"][rg]["change_id"]
        .as_str()
        .expect("the log-group record carries its change id")
        .to_string();
    assert_eq!(group_token.len(), 32);
    let groups = log_groups(&ep);
    let tags = &groups["/flowaudit/flow"];
    assert_eq!(tags.get(TAG), Some(&group_token), "{tags:?}");
    assert_eq!(tags.get("owner").map(String::as_str), Some("sec"));

    // The group's record claims another change: the group is kept, the flow logs go.
    log["changes"][rg]["change_id"] = json!(token('f'));
    write_json(&log_path, &log);
    moto.reset_recording();
    let (c, err) = undo(&log_path, &ep, dir.path(), &[]);
    let calls = moto.recorded_calls();
    assert_eq!(c, 1, "{err}");
    assert_refused(&err, "/flowaudit/flow", "tag differs");
    assert!(log_groups(&ep).contains_key("/flowaudit/flow"));
    assert!(
        flow_logs(&ep).is_empty(),
        "the verified flow logs are deleted"
    );
    assert_eq!(count_calls(&calls, "DeleteLogGroup"), 0, "{calls:?}");
    assert_eq!(count_calls(&calls, "ListTagsForResource"), 1, "{calls:?}");

    // With its true change id restored, the next undo deletes the group.
    let mut log = read_json(&log_path);
    log["changes"][rg]["change_id"] = json!(group_token);
    write_json(&log_path, &log);
    let (c, err) = undo(&log_path, &ep, dir.path(), &[]);
    assert_eq!(c, 0, "{err}");
    assert!(!log_groups(&ep).contains_key("/flowaudit/flow"));
    let (c, err) = undo(&log_path, &ep, dir.path(), &[]);
    assert_eq!(c, 0, "{err}");
    assert!(err.contains("nothing left to delete"), "{err}");
}

/// The change id of earlier versions, derived from public values: SHA-256 over the parts, each
/// followed by a zero byte, in hex.
fn derived_id(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}

/// `rec` as earlier versions wrote it: the derived id in `client_token`, no `change_id`.
fn as_earlier_version(mut rec: Value, derived: &str) -> Value {
    rec.as_object_mut().unwrap().remove("change_id");
    rec["client_token"] = json!(derived);
    rec
}

#[test]
fn a_change_log_forged_from_public_values_deletes_nothing() {
    const GROUP: &str = "/flowaudit/flow";
    const LEGACY: &str = "/legacy/flow";
    let moto = Moto::start();
    let ids = seed_vpc_for_cloudwatch(&moto);
    let ep = moto.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let genuine = fix_to_cloudwatch(&ep, dir.path(), &ids, GROUP);
    // A log group an earlier version created, tagged with the id it derived.
    let legacy_id = derived_id(&[
        ACCOUNT,
        "us-east-1",
        "",
        &format!("cloudwatch:{LEGACY}"),
        "create-log-group",
    ]);
    let script = format!(
        r#"
logs = client('logs', 'us-east-1')
logs.create_log_group(logGroupName='{LEGACY}', tags={{'{TAG}': '{legacy_id}'}})
print('{{}}')
"#
    );
    boto(&script, &ep);
    let before_logs = flow_logs(&ep);
    let before_groups = log_groups(&ep);
    assert_eq!(
        before_logs.len(),
        2,
        "vpc a and the default VPC: {before_logs:?}"
    );
    assert_eq!(before_groups[LEGACY].get(TAG), Some(&legacy_id));

    // A log written from scratch with what anyone who can list the account knows (flow-log
    // ids, their VPCs, the destination), with the ids earlier versions derived from them.
    let dest = format!("cloudwatch:{GROUP}");
    let group_id = derived_id(&[ACCOUNT, "us-east-1", "", &dest, "create-log-group"]);
    let mut changes = vec![as_earlier_version(
        record("create-log-group", None, "", &[], &[GROUP]),
        &group_id,
    )];
    for (id, (vpc, _)) in &before_logs {
        let derived = derived_id(&[ACCOUNT, "us-east-1", vpc, &dest, "ALL"]);
        changes.push(as_earlier_version(
            record(
                "create-flow-log",
                Some(vpc.as_str()),
                "",
                &[id.as_str()],
                &[],
            ),
            &derived,
        ));
    }
    // The legacy group, named as earlier versions would.
    changes.push(as_earlier_version(
        record("create-log-group", None, "", &[], &[LEGACY]),
        &legacy_id,
    ));
    let forged = write_log(&dir.path().join("forged.json"), "0.1.0", &changes);

    moto.reset_recording();
    let (c, err) = undo(&forged, &ep, dir.path(), &[]);
    let calls = moto.recorded_calls();
    assert_eq!(c, 1, "{err}");
    assert_nothing_deleted(&ep, &calls, &before_logs, &before_groups);
    for id in before_logs.keys() {
        assert_refused(&err, id, "change log of an earlier version");
    }
    assert_refused(&err, GROUP, "change log of an earlier version");
    assert_refused(&err, LEGACY, "change log of an earlier version");
    assert!(err.contains("4 of 4 deletions refused"), "{err}");
    // Nothing was read back for any of them: the record alone rules them out.
    assert_eq!(count_calls(&calls, "DescribeFlowLogs"), 0, "{calls:?}");
    assert_eq!(count_calls(&calls, "ListTagsForResource"), 0, "{calls:?}");

    // The same ids given as change_id: not the form of a change id, refused as well.
    let as_change_id: Vec<Value> = changes
        .iter()
        .map(|c| {
            let mut c = c.clone();
            let derived = c.as_object_mut().unwrap().remove("client_token").unwrap();
            c["change_id"] = derived;
            c
        })
        .collect();
    let forged = write_log(&dir.path().join("forged-ids.json"), "0.1.0", &as_change_id);
    moto.reset_recording();
    let (c, err) = undo(&forged, &ep, dir.path(), &[]);
    let calls = moto.recorded_calls();
    assert_eq!(c, 1, "{err}");
    assert_nothing_deleted(&ep, &calls, &before_logs, &before_groups);
    assert_refused(&err, LEGACY, "not a change id");
    assert_refused(&err, GROUP, "not a change id");
    assert!(err.contains("4 of 4 deletions refused"), "{err}");

    // The genuine log still undoes everything the fix created.
    let (c, err) = undo(&genuine, &ep, dir.path(), &[]);
    assert_eq!(c, 0, "{err}");
    assert!(flow_logs(&ep).is_empty());
    assert_eq!(
        log_groups(&ep).into_keys().collect::<Vec<_>>(),
        vec![LEGACY.to_string()]
    );
}

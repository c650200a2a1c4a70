//! Shared by the fix tests: a seeded account, flowaudit runs (scan, fix, undo), and what moto holds,
//! read with boto3 rather than through flowaudit.

use crate::support::harness::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
pub const BUCKET: &str = "flowaudit-central";

/// Three regions: VPCs without flow logs, a REJECT-only VPC, and a compliant VPC whose
/// ALL log must not be touched. moto also creates a default VPC (no flow logs) per region.
pub fn seed_account(moto: &Moto) -> BTreeMap<String, String> {
    moto.seed(&json!([
        {"op": "bucket", "region": "us-east-1", "name": BUCKET, "encryption": "AES256"},
        {"op": "bucket", "region": "us-east-1", "name": "already-there", "encryption": "AES256"},
        {"op": "vpc", "region": "us-east-1", "key": "bare_us", "cidr": "10.1.0.0/16", "tags": {"Name": "bare"}},
        {"op": "vpc", "region": "us-east-1", "key": "ok_us", "cidr": "10.2.0.0/16"},
        {"op": "flow_log", "region": "us-east-1", "key": "fl_ok", "resource": "$ok_us", "traffic": "ALL", "bucket": "already-there", "max_aggregation_interval": 60},
        {"op": "vpc", "region": "eu-west-1", "key": "rej_eu", "cidr": "10.3.0.0/16"},
        {"op": "flow_log", "region": "eu-west-1", "key": "fl_rej", "resource": "$rej_eu", "traffic": "REJECT", "bucket": "already-there", "max_aggregation_interval": 60},
        {"op": "vpc", "region": "ap-southeast-2", "key": "bare_ap", "cidr": "10.4.0.0/16"}
    ]))
}

pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn regions_arg() -> String {
    REGIONS.join(",")
}

/// Run flowaudit with `args`; returns (exit code, stdout, stderr).
pub fn run_fa(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let o = run(flowaudit().args(args).current_dir(cwd));
    (
        code(&o),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

pub fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap()
}

/// A plain scan of the test regions: (JSON report, inventory with the scan timing removed).
pub fn plain_scan(endpoint: &str, dir: &Path, name: &str) -> (Value, Value) {
    let (report, inv) = (dir.join(format!("{name}.report.json")), dir.join(name));
    let (c, _, err) = run_fa(
        &[
            "scan",
            "--endpoint-url",
            endpoint,
            "--region",
            &regions_arg(),
            "--format",
            "json",
            "-o",
            report.to_str().unwrap(),
            "--dump-inventory",
            inv.to_str().unwrap(),
        ],
        dir,
    );
    assert!(c == 0 || c == 1, "scan failed ({c}): {err}");
    let mut v = read_json(&inv);
    v["scan"]["started_at"] = Value::Null;
    v["scan"]["finished_at"] = Value::Null;
    (read_json(&report), v)
}

/// The JSON report of a plain scan.
pub fn scan_report(endpoint: &str, dir: &Path, name: &str) -> Value {
    plain_scan(endpoint, dir, name).0
}

/// The inventory of a plain scan (--dump-inventory), scan timing removed.
pub fn inventory(endpoint: &str, dir: &Path, name: &str) -> Value {
    plain_scan(endpoint, dir, name).1
}

/// Status of (check, vpc) for VPC-001 in a report.
pub fn statuses(report: &Value) -> BTreeMap<(String, String), String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule_id"] == "VPC-001")
        .map(|r| {
            (
                (
                    r["check_id"].as_str().unwrap().to_string(),
                    r["resource"]["id"].as_str().unwrap().to_string(),
                ),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Run a boto3 script against moto with (endpoint, regions) as arguments; its JSON output.
pub fn boto(script: &str, endpoint: &str) -> Value {
    let o = std::process::Command::new(venv_bin("python"))
        .args(["-c", script, endpoint, &regions_arg()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Every flow log moto holds in the test regions, straight from DescribeFlowLogs (not via flowaudit).
pub fn flow_logs(endpoint: &str) -> BTreeMap<String, Value> {
    let script = r#"
import boto3, json, sys
out = []
for r in sys.argv[2].split(','):
    ec2 = boto3.client('ec2', region_name=r, endpoint_url=sys.argv[1],
                       aws_access_key_id='testing', aws_secret_access_key='testing')
    for fl in ec2.describe_flow_logs()['FlowLogs']:
        fl['Region'] = r
        out.append(fl)
print(json.dumps(out, default=str))
"#;
    boto(script, endpoint)
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["FlowLogId"].as_str().unwrap().to_string(), f.clone()))
        .collect()
}

/// (region, log group name) pairs, straight from moto.
pub fn log_groups(endpoint: &str) -> BTreeSet<(String, String)> {
    let script = r#"
import boto3, json, sys
out = []
for r in sys.argv[2].split(','):
    logs = boto3.client('logs', region_name=r, endpoint_url=sys.argv[1],
                        aws_access_key_id='testing', aws_secret_access_key='testing')
    for g in logs.describe_log_groups()['logGroups']:
        out.append([r, g['logGroupName']])
print(json.dumps(out))
"#;
    boto(script, endpoint)
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g[0].as_str().unwrap().to_string(),
                g[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn fix_args<'a>(
    endpoint: &'a str,
    regions: &'a str,
    log: &'a Path,
    report: &'a Path,
) -> Vec<&'a str> {
    vec![
        "--endpoint-url",
        endpoint,
        "--region",
        regions,
        "--fix-log",
        log.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        report.to_str().unwrap(),
        "--max-attempts",
        "2",
    ]
}

/// `flowaudit fix --undo LOG --yes`; returns (exit code, stderr).
pub fn undo(log: &Path, endpoint: &str, dir: &Path) -> (i32, String) {
    let (c, _, err) = run_fa(
        &[
            "fix",
            "--undo",
            log.to_str().unwrap(),
            "--yes",
            "--endpoint-url",
            endpoint,
        ],
        dir,
    );
    (c, err)
}

/// Flow-log ids in `after` that are not in `before`.
pub fn new_ids(
    before: &BTreeMap<String, Value>,
    after: &BTreeMap<String, Value>,
) -> BTreeSet<String> {
    after
        .keys()
        .filter(|k| !before.contains_key(*k))
        .cloned()
        .collect()
}

/// Every flow-log id a change log records as created.
pub fn logged_flow_log_ids(log: &Value) -> BTreeSet<String> {
    log["changes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["flow_log_ids"].as_array().unwrap().iter())
        .map(|i| i.as_str().unwrap().to_string())
        .collect()
}

//! Shared by the fix tests: a seeded account, flowaudit runs (scan, fix, undo), and what moto holds,
//! read with boto3 rather than through flowaudit.

use crate::support::cmd::{Fa, Out, fa};
use crate::support::harness::*;
use crate::support::json::each;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

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

/// What a fix to CloudWatch Logs needs, seeded before the `more` seeding operations: the
/// delivery role (key `role`) and a KMS key in `region` (key `key`). The created ids.
pub fn seed_for_cloudwatch(moto: &Moto, region: &str, more: Value) -> BTreeMap<String, String> {
    let mut ops = vec![
        json!({"op": "role", "key": "role", "name": "flow-logs-delivery"}),
        json!({"op": "kms_key", "region": region, "key": "key"}),
    ];
    ops.extend(more.as_array().expect("seeding operations").iter().cloned());
    moto.seed(&Value::Array(ops))
}

/// [`seed_for_cloudwatch`] in us-east-1 with one VPC without flow logs, `a`.
pub fn seed_vpc_for_cloudwatch(moto: &Moto) -> BTreeMap<String, String> {
    seed_for_cloudwatch(
        moto,
        "us-east-1",
        json!([{"op": "vpc", "region": "us-east-1", "key": "a", "cidr": "10.1.0.0/16"}]),
    )
}

pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn regions_arg() -> String {
    REGIONS.join(",")
}

/// A plain scan of the test regions: (JSON report, inventory with the scan timing removed), the
/// report kept as `dir/NAME.report.json`.
pub fn plain_scan(endpoint: &str, dir: &Path, name: &str) -> (Value, Value) {
    let (report, inv) = (dir.join(format!("{name}.report.json")), dir.join(name));
    fa().current_dir(dir)
        .arg("scan")
        .endpoint(endpoint)
        .args(["--region", &regions_arg(), "--format", "json", "-o"])
        .arg(&report)
        .arg("--dump-inventory")
        .arg(&inv)
        .run()
        .assert_complete();
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
    crate::support::results::statuses_of(report, "VPC-001")
}

/// The head of the boto3 scripts of the tests: `client(service, region)` reaches moto (the
/// script's first argument) with the test credentials, and `regions` are its second argument,
/// split at commas.
const BOTO_HEAD: &str = "import boto3, json, sys
def client(service, region):
    return boto3.client(service, region_name=region, endpoint_url=sys.argv[1],
                        aws_access_key_id='testing', aws_secret_access_key='testing')
regions = sys.argv[2].split(',')
";

/// Run the boto3 script `body` (after [`BOTO_HEAD`]) against moto at `endpoint` in `regions`;
/// its JSON output.
pub fn boto_in(body: &str, endpoint: &str, regions: &str) -> Value {
    python_json(&format!("{BOTO_HEAD}{body}"), [endpoint, regions])
}

/// [`boto_in`] the test regions.
pub fn boto(body: &str, endpoint: &str) -> Value {
    boto_in(body, endpoint, &regions_arg())
}

/// Every flow log moto holds in `regions`, straight from DescribeFlowLogs (not via flowaudit),
/// by id, each with its `Region`.
pub fn flow_logs_in(endpoint: &str, regions: &str) -> BTreeMap<String, Value> {
    let body = r#"
out = []
for r in regions:
    for fl in client('ec2', r).describe_flow_logs()['FlowLogs']:
        fl['Region'] = r
        out.append(fl)
print(json.dumps(out, default=str))
"#;
    each(&boto_in(body, endpoint, regions))
        .map(|f| (f["FlowLogId"].as_str().unwrap().to_string(), f.clone()))
        .collect()
}

/// Every flow log moto holds in the test regions.
pub fn flow_logs(endpoint: &str) -> BTreeMap<String, Value> {
    flow_logs_in(endpoint, &regions_arg())
}

/// (region, log group name) pairs, straight from moto.
pub fn log_groups(endpoint: &str) -> BTreeSet<(String, String)> {
    let body = r#"
out = []
for r in regions:
    for g in client('logs', r).describe_log_groups()['logGroups']:
        out.append([r, g['logGroupName']])
print(json.dumps(out))
"#;
    each(&boto(body, endpoint))
        .map(|g| {
            (
                g[0].as_str().unwrap().to_string(),
                g[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn fix_cmd(dir: &Path, args: &[&str], dest: &str) -> Fa {
    let mut c = fa();
    c.current_dir(dir)
        .args(args)
        .args(["--fix-destination", dest]);
    c
}

/// The flags of a fix run of the tests: `--endpoint-url`, `--region`, the change log, a JSON
/// report and two attempts per call.
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

/// [`fix_cmd`] with [`fix_args`]: a fix run of the tests, in `dir`.
pub fn fix_run(
    dir: &Path,
    args: &[&str],
    dest: &str,
    endpoint: &str,
    regions: &str,
    log: &Path,
    report: &Path,
) -> Fa {
    let mut c = fix_cmd(dir, args, dest);
    c.args(fix_args(endpoint, regions, log, report));
    c
}

/// A fix run of the test regions to the central bucket through `endpoint`, in `dir`: the command
/// ([`fix_run`]), its change log `dir/NAME-log.json` and its JSON report `dir/NAME.json`.
pub fn fix_central(
    dir: &Path,
    args: &[&str],
    endpoint: &str,
    name: &str,
) -> (Fa, PathBuf, PathBuf) {
    let log = dir.join(format!("{name}-log.json"));
    let report = dir.join(format!("{name}.json"));
    let dest = format!("s3://{BUCKET}");
    let cmd = fix_run(dir, args, &dest, endpoint, &regions_arg(), &log, &report);
    (cmd, log, report)
}

/// `flowaudit fix --undo LOG --yes --endpoint-url ENDPOINT`, run in `dir`, with `extra` flags.
pub fn undo_cmd(log: &Path, endpoint: &str, dir: &Path, extra: &[&str]) -> Out {
    fa().current_dir(dir)
        .args(["fix", "--undo"])
        .arg(log)
        .arg("--yes")
        .endpoint(endpoint)
        .args(extra)
        .run()
}

/// `flowaudit fix --undo LOG --yes`; returns (exit code, stderr).
pub fn undo(log: &Path, endpoint: &str, dir: &Path) -> (i32, String) {
    let out = undo_cmd(log, endpoint, dir, &[]);
    (out.code(), out.stderr())
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
    each(&log["changes"])
        .flat_map(|c| each(&c["flow_log_ids"]))
        .map(|i| i.as_str().unwrap().to_string())
        .collect()
}

//! Remediation snippets are proven, not just rendered: the AWS CLI snippet of each failing check is
//! run against moto and a rescan shows the check passing; every CloudFormation snippet passes
//! cfn-lint; every Terraform snippet parses as HCL and names the resources it is about.

use crate::support::cmd::fa;
use crate::support::harness::{Moto, aws_env, repo_path, run, run_ok, venv_bin};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const REGION: &str = "us-east-1";

/// A Name tag that would add code to a snippet if a line break in it were kept.
const HOSTILE_NAME: &str = "no logs\nresource \"aws_iam_user\" \"injected\" {}\n# ";

/// Run `flowaudit scan` with `args` and return the JSON report.
fn scan_json(args: &[&str]) -> Value {
    let o = fa().arg("scan").args(args).json_report().run();
    assert!(matches!(o.code(), 0 | 1 | 3), "scan failed{}", o.shown());
    o.report()
}

fn scan_moto(moto: &Moto) -> Value {
    scan_json(&["--endpoint-url", &moto.endpoint(), "--region", REGION])
}

/// The result of `rule/check` on `vpc`.
fn result<'a>(report: &'a Value, vpc: &str, rule: &str, check: &str) -> &'a Value {
    crate::support::results::result(report, rule, check, vpc)
}

/// Replace the documented placeholders; fail if any `<NAME>` placeholder is left.
fn fill(snippet: &str, values: &BTreeMap<&str, String>) -> String {
    let mut s = snippet.to_string();
    for (k, v) in values {
        s = s.replace(&format!("<{k}>"), v);
    }
    let left: Vec<&str> = s
        .match_indices('<')
        .filter_map(|(i, _)| {
            let rest = &s[i + 1..];
            let end = rest.find('>')?;
            let name = &rest[..end];
            (!name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .then_some(name)
        })
        .collect();
    assert!(
        left.is_empty(),
        "placeholders the test does not know: {left:?} in\n{s}"
    );
    s
}

/// The AWS CLI: `FLOWAUDIT_AWS_CLI`, the venv's `aws`, or `aws` on PATH.
fn aws_cli() -> PathBuf {
    if let Some(p) = std::env::var_os("FLOWAUDIT_AWS_CLI") {
        return PathBuf::from(p);
    }
    let v = venv_bin("aws");
    if v.exists() {
        return v;
    }
    PathBuf::from("aws")
}

/// Run a CLI snippet with bash against moto, `aws` resolved to [`aws_cli`].
fn run_cli(moto: &Moto, script: &str) {
    let full = format!(
        "set -euo pipefail\naws() {{ command {:?} \"$@\"; }}\n{script}\n",
        aws_cli().display().to_string()
    );
    let mut cmd = Command::new("bash");
    cmd.args(["-c", &full]);
    let _config = aws_env(&mut cmd, &moto.endpoint(), REGION);
    run_ok(&mut cmd);
}

/// The moto account: one VPC (or transit gateway) failing each check whose failure moto can
/// reproduce.
fn seed_failures(moto: &Moto) -> BTreeMap<String, String> {
    moto.seed(&json!([
        {"op": "kms_key", "key": "key", "region": REGION},
        {"op": "role", "key": "role", "name": "flow-logs-delivery", "region": REGION},
        {"op": "log_group", "key": "enc", "name": "/flow/encrypted", "kms_key": "$key", "retention": 365, "region": REGION},
        {"op": "log_group", "key": "short", "name": "/flow/short", "kms_key": "$key", "retention": 7, "region": REGION},
        {"op": "log_group", "key": "all", "name": "/flow/all", "kms_key": "$key", "retention": 365, "region": REGION},
        {"op": "bucket", "key": "plainbucket", "name": "flowaudit-plain-bucket", "region": REGION},
        {"op": "vpc", "key": "bare", "cidr": "10.1.0.0/16", "tags": {"Name": HOSTILE_NAME}, "region": REGION},
        {"op": "vpc", "key": "reject", "cidr": "10.2.0.0/16", "region": REGION},
        {"op": "flow_log", "resource": "$reject", "traffic": "REJECT", "log_group": "/flow/encrypted", "role": "$role", "max_aggregation_interval": 60, "region": REGION},
        {"op": "vpc", "key": "s3plain", "cidr": "10.3.0.0/16", "region": REGION},
        {"op": "flow_log", "resource": "$s3plain", "traffic": "ALL", "bucket": "flowaudit-plain-bucket", "max_aggregation_interval": 60, "region": REGION},
        {"op": "vpc", "key": "shortret", "cidr": "10.4.0.0/16", "region": REGION},
        {"op": "flow_log", "resource": "$shortret", "traffic": "ALL", "log_group": "/flow/short", "role": "$role", "max_aggregation_interval": 60, "region": REGION},
        {"op": "vpc", "key": "slow", "cidr": "10.5.0.0/16", "region": REGION},
        {"op": "flow_log", "key": "slowlog", "resource": "$slow", "traffic": "ALL", "log_group": "/flow/encrypted", "role": "$role", "max_aggregation_interval": 600, "region": REGION},
        {"op": "vpc", "key": "shortfmt", "cidr": "10.6.0.0/16", "region": REGION},
        {"op": "flow_log", "resource": "$shortfmt", "traffic": "ALL", "log_group": "/flow/encrypted", "role": "$role", "max_aggregation_interval": 60, "log_format": "${version} ${srcaddr} ${dstaddr} ${packets} ${bytes}", "region": REGION},
        {"op": "tgw", "key": "tgwbare", "tags": {"Name": HOSTILE_NAME}, "region": REGION},
        {"op": "tgw", "key": "tgws3plain", "region": REGION},
        {"op": "flow_log", "resource": "$tgws3plain", "bucket": "flowaudit-plain-bucket", "max_aggregation_interval": 60, "region": REGION},
        {"op": "delivery_stream", "key": "plainstream", "name": "flowaudit-plain-stream", "region": REGION},
        {"op": "vpc", "key": "fhplain", "cidr": "10.7.0.0/16", "region": REGION},
        {"op": "flow_log", "resource": "$fhplain", "traffic": "ALL", "destination_type": "kinesis-data-firehose", "destination_arn": "$plainstream", "max_aggregation_interval": 60, "region": REGION}
    ]))
}

fn placeholder_values(ids: &BTreeMap<String, String>) -> BTreeMap<&'static str, String> {
    let role = ids["role"].clone();
    let mut v = BTreeMap::new();
    v.insert("KMS_KEY_ARN", ids["key"].clone());
    v.insert("DELIVERY_ROLE_ARN", role.clone());
    v.insert(
        "DELIVERY_ROLE_NAME",
        role.rsplit('/').next().unwrap().to_string(),
    );
    v.insert("LOG_GROUP_NAME", "/flow/all".to_string());
    v.insert(
        "LOG_GROUP_ARN",
        format!("arn:aws:logs:{REGION}:123456789012:log-group:/flow/all"),
    );
    v.insert("RETENTION_DAYS", "365".to_string());
    v.insert("BUCKET_NAME", "flowaudit-plain-bucket".to_string());
    v.insert(
        "BUCKET_ARN",
        "arn:aws:s3:::flowaudit-plain-bucket".to_string(),
    );
    v
}

/// (seed key of the VPC or transit gateway, rule, check) that the moto account fails and whose
/// CLI fix moto can run.
const FIXABLE: [(&str, &str, &str); 9] = [
    ("bare", "VPC-001", "flow-logs-enabled"),
    ("reject", "VPC-001", "traffic-type-all"),
    ("s3plain", "VPC-001", "destination-encrypted"),
    ("fhplain", "VPC-001", "destination-encrypted"),
    ("shortret", "VPC-003", "retention-minimum"),
    ("slow", "VPC-004", "aggregation-interval"),
    ("shortfmt", "VPC-005", "required-fields"),
    ("tgwbare", "TGW-001", "flow-logs-enabled"),
    ("tgws3plain", "TGW-001", "destination-encrypted"),
];

#[test]
fn cli_snippets_fix_their_check_in_moto() {
    let moto = Moto::start();
    let ids = seed_failures(&moto);
    let values = placeholder_values(&ids);
    let before = scan_moto(&moto);
    for (vpc, rule, check) in FIXABLE {
        let r = result(&before, &ids[vpc], rule, check);
        assert_eq!(
            r["status"], "fail",
            "{rule}/{check} on {vpc} should fail first: {r}"
        );
        let cli = r["remediation"]["cli"]
            .as_str()
            .unwrap_or_else(|| panic!("no CLI snippet for {rule}/{check}: {r}"));
        assert!(cli.contains(&ids[vpc]) || !cli.contains("vpc-"), "{cli}");
        run_cli(&moto, &fill(cli, &values));
    }
    let after = scan_moto(&moto);
    for (vpc, rule, check) in FIXABLE {
        let r = result(&after, &ids[vpc], rule, check);
        assert_eq!(
            r["status"], "pass",
            "{rule}/{check} on {vpc} after running its CLI snippet: {}",
            r["message"]
        );
    }
}

/// Every fail result with remediation, from the moto account and the demo inventory.
fn failing_with_remediation() -> (Vec<Value>, BTreeMap<&'static str, String>) {
    let moto = Moto::start();
    let ids = seed_failures(&moto);
    let values = placeholder_values(&ids);
    let mut out = Vec::new();
    for report in [
        scan_moto(&moto),
        scan_json(&[
            "--from-inventory",
            repo_path("examples/demo-inventory.json").to_str().unwrap(),
        ]),
    ] {
        for r in report["results"].as_array().unwrap() {
            if r["status"] == "fail" && r["remediation"].is_object() {
                out.push(r.clone());
            }
        }
    }
    (out, values)
}

fn kinds_seen(results: &[Value]) -> Vec<String> {
    let mut k: Vec<String> = results
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["rule_id"].as_str().unwrap(),
                r["check_id"].as_str().unwrap()
            )
        })
        .collect();
    k.sort();
    k.dedup();
    k
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn cloudformation_snippets_pass_cfn_lint() {
    let (results, values) = failing_with_remediation();
    assert!(
        kinds_seen(&results).len() >= 5,
        "{:?}",
        kinds_seen(&results)
    );
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, r) in results.iter().enumerate() {
        let cfn = r["remediation"]["cloudformation"]
            .as_str()
            .unwrap_or_else(|| panic!("no CloudFormation snippet: {r}"));
        let text = fill(cfn, &values);
        assert!(
            text.contains(r["resource"]["id"].as_str().unwrap()),
            "the snippet names its VPC: {text}"
        );
        files.push((write(dir.path(), &format!("s{i}.yaml"), &text), r.clone()));
    }
    for (f, r) in &files {
        let out = run(Command::new(venv_bin("cfn-lint"))
            .arg("--format")
            .arg("parseable")
            .arg(f));
        // cfn-lint exit code bits: 2 error, 4 warning, 8 informational.
        let code = out.status.code().unwrap_or(-1);
        assert!(
            code == 0 || code == 8,
            "cfn-lint rejects the snippet of {}/{} for {} (exit {code}):\n{}\n--- snippet ---\n{}",
            r["rule_id"],
            r["check_id"],
            r["resource"]["id"],
            String::from_utf8_lossy(&out.stdout),
            std::fs::read_to_string(f).unwrap()
        );
    }
}

const HCL_PY: &str = r#"
import hcl2, json, sys
print(json.dumps(hcl2.loads(open(sys.argv[1], encoding="utf-8").read())))
"#;

#[test]
fn terraform_snippets_parse_and_name_their_resources() {
    let (results, values) = failing_with_remediation();
    let dir = tempfile::tempdir().unwrap();
    for (i, r) in results.iter().enumerate() {
        let tf = r["remediation"]["terraform"]
            .as_str()
            .unwrap_or_else(|| panic!("no Terraform snippet: {r}"));
        let text = fill(tf, &values);
        let f = write(dir.path(), &format!("s{i}.tf"), &text);
        let out = run(Command::new(venv_bin("python"))
            .args(["-c", HCL_PY])
            .arg(&f));
        assert!(
            out.status.success(),
            "{}/{} Terraform does not parse:\n{}\n--- snippet ---\n{text}",
            r["rule_id"],
            r["check_id"],
            String::from_utf8_lossy(&out.stderr)
        );
        let mut parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
        parsed.as_object_mut().unwrap().remove("__comments__");
        assert!(
            !parsed.to_string().contains("aws_iam_user"),
            "a Name tag added code to the snippet:\n{text}"
        );
        let resources = parsed["resource"].as_array().cloned().unwrap_or_default();
        assert!(
            !resources.is_empty(),
            "{}/{}: the Terraform snippet declares no resource:\n{text}",
            r["rule_id"],
            r["check_id"]
        );
        // The code (not only its comments) names what it fixes: the VPC, or the destination.
        let code = parsed.to_string();
        let vpc = r["resource"]["id"].as_str().unwrap();
        let names: Vec<String> = destinations_in_message(r);
        assert!(
            code.contains(vpc) || names.iter().any(|n| code.contains(n.as_str())),
            "{}/{}: the Terraform code names neither {vpc} nor {names:?}:\n{text}",
            r["rule_id"],
            r["check_id"]
        );
    }
}

/// What a result message names besides the VPC: flow log ids, and the log groups, buckets and
/// streams after `log group `, `S3 bucket ` or `delivery stream `.
fn destinations_in_message(r: &Value) -> Vec<String> {
    let msg = r["message"].as_str().unwrap_or("");
    let word = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ';' | ',' | ')' | '('))
            .collect()
    };
    let mut out = Vec::new();
    for marker in ["log group ", "S3 bucket ", "delivery stream "] {
        for (i, _) in msg.match_indices(marker) {
            out.push(word(&msg[i + marker.len()..]));
        }
    }
    for (i, _) in msg.match_indices("fl-") {
        out.push(word(&msg[i..]));
    }
    out.retain(|w| !w.is_empty());
    out
}

#[test]
fn cli_snippets_are_valid_shell() {
    let (results, values) = failing_with_remediation();
    for r in &results {
        let cli = r["remediation"]["cli"]
            .as_str()
            .unwrap_or_else(|| panic!("no CLI snippet: {r}"));
        let text = fill(cli, &values);
        let out = run(Command::new("bash").args(["-n", "-c", &text]));
        assert!(
            out.status.success(),
            "{}/{} CLI snippet is not valid shell:\n{}\n{text}",
            r["rule_id"],
            r["check_id"],
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("aws "), "{text}");
    }
}

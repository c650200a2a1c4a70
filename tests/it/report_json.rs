//! The JSON report read back with the test's own types and checked against docs/report-v1.schema.json.

use crate::support::cmd::fa;
use crate::support::harness::*;
use crate::support::report_schema::validate_against_schema;
use serde::Deserialize;
use std::collections::BTreeMap;

// Independent reader types: what a consumer of flowaudit/report/v1 would write.
#[derive(Debug, Deserialize)]
struct Report {
    schema: String,
    tool: Tool,
    scan: Scan,
    rules: Vec<RuleInfo>,
    results: Vec<ResultEntry>,
    summary: Summary,
    suppressions: Suppressions,
}
#[derive(Debug, Deserialize)]
struct Tool {
    name: String,
    version: String,
}
#[derive(Debug, Deserialize)]
struct Scan {
    accounts: Vec<String>,
    regions: Vec<String>,
    partial: bool,
    errors: Vec<ScanErr>,
}
#[derive(Debug, Deserialize)]
struct ScanErr {
    region: Option<String>,
    operation: String,
    code: String,
    class: String,
    fix: Option<String>,
}
#[derive(Debug, Deserialize)]
struct RuleInfo {
    id: String,
    severity: String,
    resource: String,
    checks: Vec<CheckInfo>,
    compliance: BTreeMap<String, Vec<String>>,
    references: Vec<String>,
    source: String,
}
#[derive(Debug, Deserialize)]
struct CheckInfo {
    id: String,
}
#[derive(Debug, Deserialize)]
struct ResultEntry {
    rule_id: String,
    check_id: String,
    status: String,
    severity: String,
    resource: Resource,
    message: String,
    compliance: BTreeMap<String, Vec<String>>,
    remediation: Option<Fix>,
    suppression: Option<Supp>,
}
#[derive(Debug, Deserialize)]
struct Resource {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    arn: String,
    region: String,
    account_id: String,
    name: Option<String>,
    tags: BTreeMap<String, String>,
}
#[derive(Debug, Deserialize)]
struct Fix {
    terraform: Option<String>,
    cloudformation: Option<String>,
    cli: Option<String>,
}
#[derive(Debug, Deserialize)]
struct Supp {
    reason: String,
}
#[derive(Debug, Deserialize)]
struct Summary {
    total: usize,
    by_status: BTreeMap<String, usize>,
    by_severity: BTreeMap<String, BTreeMap<String, usize>>,
    by_region: BTreeMap<String, BTreeMap<String, usize>>,
    by_check: BTreeMap<String, BTreeMap<String, BTreeMap<String, usize>>>,
}
#[derive(Debug, Deserialize)]
struct Suppressions {
    expired: Vec<serde_json::Value>,
    unmatched: Vec<serde_json::Value>,
}

/// Scan an inventory with a suppressions file (paths relative to the repository) to JSON; the
/// scan must be partial (exit 3) and the report must match the schema.
fn scan_demo(inventory: &str, suppressions: &str) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("flowaudit.json");
    let o = fa()
        .args(["scan", "--from-inventory"])
        .arg(repo_path(inventory))
        .arg("--suppressions")
        .arg(repo_path(suppressions))
        .args(["--format", "json", "--output"])
        .arg(&report)
        .run();
    assert_eq!(o.code(), 3, "{}", o.stderr());
    validate_against_schema(&report);
    serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap()
}

#[test]
fn demo_report_has_every_status_and_matches_the_schema() {
    // The fixture has a scan error: exit 3.
    let doc = scan_demo(
        "tests/fixtures/demo-inventory.json",
        "tests/fixtures/demo-suppressions.toml",
    );
    assert_eq!(doc.schema, "flowaudit/report/v1");
    assert_eq!(doc.tool.name, "flowaudit");
    assert!(!doc.tool.version.is_empty());
    assert_eq!(doc.scan.accounts, vec!["123456789012"]);
    assert_eq!(
        doc.scan.regions,
        vec!["ap-southeast-2", "eu-west-1", "us-east-1"]
    );
    assert!(doc.scan.partial);
    assert_eq!(doc.scan.errors.len(), 1);
    assert_eq!(doc.scan.errors[0].region.as_deref(), Some("ap-southeast-2"));
    assert_eq!(doc.scan.errors[0].operation, "DescribeFlowLogs");
    assert_eq!(doc.scan.errors[0].code, "UnauthorizedOperation");
    // Each error entry carries its class and the fix that fits it.
    assert_eq!(doc.scan.errors[0].class, "access_denied");
    assert!(
        doc.scan.errors[0]
            .fix
            .as_deref()
            .is_some_and(|f| f.starts_with("grant ec2:DescribeFlowLogs to the scanning role")),
        "{:?}",
        doc.scan.errors[0].fix
    );

    // Every status appears.
    for st in ["pass", "fail", "skipped", "error", "suppressed"] {
        assert!(doc.results.iter().any(|r| r.status == st), "no {st} result");
        assert_eq!(
            doc.summary.by_status[st],
            doc.results.iter().filter(|r| r.status == st).count(),
            "summary count of {st}"
        );
    }
    assert_eq!(doc.summary.total, doc.results.len());

    // One result per (rule, check, resource), every check of every VPC rule on every VPC and of
    // every transit gateway rule on every transit gateway.
    let (vpcs, tgws) = (11, 4);
    let checks = |kind: &str| -> usize {
        doc.rules
            .iter()
            .filter(|r| r.resource == kind)
            .map(|r| r.checks.len())
            .sum()
    };
    assert_eq!(
        doc.results.len(),
        vpcs * checks("vpc") + tgws * checks("transit_gateway")
    );
    let mut keys: Vec<(String, String, String)> = doc
        .results
        .iter()
        .map(|r| {
            (
                r.rule_id.clone(),
                r.check_id.clone(),
                r.resource.arn.clone(),
            )
        })
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), doc.results.len(), "duplicate results");

    // By severity and region add up.
    for (sev, counts) in &doc.summary.by_severity {
        let n = doc.results.iter().filter(|r| &r.severity == sev).count();
        assert_eq!(counts.values().sum::<usize>(), n, "severity {sev}");
    }
    for (region, counts) in &doc.summary.by_region {
        let n = doc
            .results
            .iter()
            .filter(|r| &r.resource.region == region)
            .count();
        assert_eq!(counts.values().sum::<usize>(), n, "region {region}");
    }
    // By rule and check: every (rule, check, status) count matches the results.
    let mut seen = 0;
    for (rule, checks) in &doc.summary.by_check {
        for (check, counts) in checks {
            for (status, n) in counts {
                let actual = doc
                    .results
                    .iter()
                    .filter(|r| &r.rule_id == rule && &r.check_id == check && &r.status == status)
                    .count();
                assert_eq!(*n, actual, "{rule}/{check} {status}");
                seen += n;
            }
        }
    }
    assert_eq!(seen, doc.results.len(), "by_check covers every result");

    // Rules metadata.
    let v1 = doc.rules.iter().find(|r| r.id == "VPC-001").unwrap();
    assert_eq!(v1.severity, "medium");
    assert_eq!(v1.source, "builtin");
    assert_eq!(
        v1.compliance["AWS Foundational Security Best Practices"],
        vec!["EC2.6"]
    );
    assert!(!v1.references.is_empty());
    assert_eq!(
        v1.checks.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        vec![
            "flow-logs-enabled",
            "traffic-type-all",
            "destination-encrypted"
        ]
    );

    // Results carry resource, compliance and, for failures only, a rendered remediation.
    for r in &doc.results {
        let kind = if r.rule_id == "TGW-001" {
            "transit_gateway"
        } else {
            "vpc"
        };
        assert_eq!(r.resource.kind, kind);
        assert!(r.resource.arn.ends_with(&r.resource.id));
        assert_eq!(r.resource.account_id, "123456789012");
        assert_eq!(
            r.resource.name.as_deref(),
            r.resource.tags.get("Name").map(|s| s.as_str())
        );
        assert!(!r.message.is_empty());
        if r.rule_id == "VPC-001" {
            assert_eq!(
                r.compliance["CIS AWS Foundations Benchmark v3.0.0"],
                vec!["3.7"]
            );
        }
        match r.status.as_str() {
            "fail" => {
                let fix = r.remediation.as_ref().expect("fail has remediation");
                let all = [&fix.terraform, &fix.cloudformation, &fix.cli];
                assert!(all.iter().any(|x| x.is_some()));
                for t in all.into_iter().flatten() {
                    assert!(!t.contains("{{"), "unrendered template: {t}");
                }
            }
            "pass" | "skipped" | "error" => assert!(r.remediation.is_none(), "{r:?}"),
            _ => {}
        }
        assert_eq!(r.status == "suppressed", r.suppression.is_some());
        if let Some(s) = &r.suppression {
            assert!(!s.reason.is_empty());
        }
    }
    // The unreadable region gives errors, not failures.
    assert!(
        doc.results
            .iter()
            .filter(|r| r.resource.region == "ap-southeast-2")
            .all(|r| r.status == "error" && r.message.contains("UnauthorizedOperation"))
    );
    // A shared VPC is skipped with its owner named.
    let shared = doc
        .results
        .iter()
        .find(|r| r.resource.id == "vpc-0b0b000000000008" && r.check_id == "flow-logs-enabled")
        .unwrap();
    assert_eq!(shared.status, "skipped");
    assert!(shared.message.contains("210987654321"));
    assert_eq!(doc.suppressions.expired.len(), 1);
    assert_eq!(doc.suppressions.unmatched.len(), 1);
}

#[test]
fn default_output_is_a_text_summary() {
    let o = fa()
        .args([
            "scan",
            "--from-inventory",
            repo_path("tests/fixtures/demo-inventory.json")
                .to_str()
                .unwrap(),
        ])
        .run();
    assert_eq!(o.code(), 3);
    let out = o.stdout();
    // The exact layout belongs to the text format; what it must say is checked here.
    for needle in ["VPC-002", "delivery-success", "vpc-0a11ce0000000006", "11"] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    assert!(
        out.contains("UnauthorizedOperation"),
        "the scan error is shown: {out}"
    );
}

#[test]
fn text_output_escapes_control_characters_from_aws_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut inv: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo_path("tests/fixtures/demo-inventory.json")).unwrap(),
    )
    .unwrap();
    inv["regions"][0]["vpcs"][1]["name"] = "evil\u{1b}[31mred".into();
    let p = dir.path().join("i.json");
    std::fs::write(&p, serde_json::to_vec(&inv).unwrap()).unwrap();
    let o = fa()
        .args(["scan", "--from-inventory", p.to_str().unwrap()])
        .run();
    let out = o.stdout();
    assert!(!out.contains('\u{1b}'), "raw escape in output");
    assert!(out.contains("evil"), "{out}");
}

#[test]
fn shipped_demo_with_its_suppressions_shows_every_status() {
    let doc = scan_demo(
        "examples/demo-inventory.json",
        "examples/demo-suppressions.toml",
    );
    for st in ["pass", "fail", "skipped", "error", "suppressed"] {
        assert!(
            doc.summary.by_status[st] > 0,
            "no {st} result: {:?}",
            doc.summary.by_status
        );
    }
    // The region whose VPCs could not be listed is reported, not silently missing.
    let lost: Vec<&ResultEntry> = doc
        .results
        .iter()
        .filter(|r| r.resource.region == "eu-central-1")
        .collect();
    let checks: usize = doc.rules.iter().map(|r| r.checks.len()).sum();
    assert_eq!(lost.len(), checks);
    assert!(lost.iter().all(|r| r.status == "error"
        && r.resource.kind == "region"
        && r.message.contains("DescribeVpcs")));
    assert_eq!(doc.suppressions.expired.len(), 1);
    assert_eq!(doc.suppressions.unmatched.len(), 1);
    // A shared VPC is skipped with its owner named.
    let shared = doc
        .results
        .iter()
        .find(|r| r.resource.id == "vpc-0e4f5a6b7c8d9e0f1" && r.rule_id == "VPC-001")
        .unwrap();
    assert_eq!(shared.status, "skipped");
}

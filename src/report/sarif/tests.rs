//! Tests of the SARIF format: the log, its runs, descriptors and results, and the selection of
//! what it writes.

use super::descriptors::{compliance_tags_newest_first, framework_version};
use super::results::uri_segment;
use super::selection::reported;
use super::*;
use crate::findings::{Finding, Remediation, ResourceRef, Severity, SuppressionInfo};
use crate::inventory::ScanError;
use crate::report::v1::{CheckMeta, RuleMeta, ScanSection, Summary, SuppressionSection, ToolInfo};
use serde_json::Value;
use std::sync::Arc;

const A: &str = "111111111111";
const B: &str = "222222222222";

fn vpc_finding(
    rule: &str,
    check: &str,
    status: Status,
    severity: Severity,
    (account, region, id): (&str, &str, &str),
) -> Finding {
    Finding {
        rule_id: rule.into(),
        check_id: check.into(),
        status,
        severity,
        resource: Arc::new(ResourceRef {
            kind: "vpc".into(),
            id: id.into(),
            arn: format!("arn:aws:ec2:{region}:{account}:vpc/{id}"),
            region: region.into(),
            account_id: account.into(),
            name: None,
            tags: BTreeMap::new(),
            network_interfaces: None,
            is_default: None,
        }),
        message: format!("{id} fails {check}."),
        compliance: BTreeMap::from([("cis".to_string(), vec!["3.9".to_string()])]).into(),
        remediation: None,
        suppression: None,
    }
}

/// Two accounts, one rule of two checks, and results of every kind SARIF treats differently.
fn doc() -> Document {
    let mut open = vpc_finding(
        "VPC-001",
        "flow-logs-enabled",
        Status::Fail,
        Severity::High,
        (A, "us-east-1", "vpc-a1"),
    );
    Arc::make_mut(&mut open.resource).name = Some("web".into());
    open.remediation = Some(Remediation {
        cli: Some("aws ec2 create-flow-logs".into()),
        ..Remediation::default()
    });
    let passing = vpc_finding(
        "VPC-001",
        "flow-logs-enabled",
        Status::Pass,
        Severity::High,
        (A, "us-east-1", "vpc-a2"),
    );
    let mut dismissed = vpc_finding(
        "VPC-001",
        "traffic-type-all",
        Status::Suppressed,
        Severity::Medium,
        (B, "eu-west-1", "vpc-b1"),
    );
    dismissed.suppression = Some(SuppressionInfo {
        reason: "accepted: lab".into(),
        expires: "2099-12-31".into(),
        original_status: Status::Fail,
    });
    let mut suppressed_pass = dismissed.clone();
    suppressed_pass
        .suppression
        .as_mut()
        .unwrap()
        .original_status = Status::Pass;
    Arc::make_mut(&mut suppressed_pass.resource).id = "vpc-b2".into();
    let unknown_rule = vpc_finding(
        "VPC-099",
        "x",
        Status::Fail,
        Severity::Low,
        (B, "eu-west-1", "vpc-b3"),
    );
    Document {
        schema: "flowaudit/report/v1".into(),
        tool: ToolInfo {
            name: "flowaudit".into(),
            version: "0.1.0".into(),
            information_uri: "https://flowaudit.invalid/".into(),
        },
        scan: ScanSection {
            accounts: vec![A.into(), B.into()],
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            started_at: "2025-01-01T00:00:00Z".into(),
            finished_at: "2025-01-01T00:01:00Z".into(),
            partial: true,
            errors: vec![ScanError {
                account_id: A.into(),
                region: Some("us-east-1".into()),
                service: "logs".into(),
                operation: "DescribeLogGroups".into(),
                code: "AccessDenied".into(),
                message: "denied".into(),
            }],
            account_details: Vec::new(),
            shard: None,
            resources: Vec::new(),
            recovered: 0,
        },
        rules: vec![RuleMeta {
            id: "VPC-001".into(),
            title: "Flow logs".into(),
            description: "Every VPC logs all traffic.".into(),
            severity: Severity::High,
            resource: "vpc".into(),
            checks: vec![
                CheckMeta {
                    id: "flow-logs-enabled".into(),
                    title: "A flow log exists".into(),
                    remediation: Some("Create a flow log.".into()),
                    fix: crate::findings::CheckFix::manual(),
                },
                CheckMeta {
                    id: "traffic-type-all".into(),
                    title: "It logs ALL traffic".into(),
                    remediation: None,
                    fix: crate::findings::CheckFix::manual(),
                },
            ],
            compliance: BTreeMap::from([("cis".to_string(), vec!["3.9".to_string()])]),
            references: vec![
                "CIS AWS Foundations 3.9".into(),
                "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html".into(),
            ],
            source: "builtin".into(),
        }],
        results: vec![open, passing, dismissed, suppressed_pass, unknown_rule],
        summary: Summary::default(),
        suppressions: SuppressionSection::default(),
        fixes: None,
        baseline: None,
    }
}

fn sarif_json(doc: &Document, category: &str) -> Value {
    serde_json::to_value(to_sarif(doc, category)).unwrap()
}

fn ids(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect()
}

#[test]
fn one_run_per_account_with_the_category_in_its_automation_id() {
    let v = sarif_json(&doc(), "nightly");
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["$schema"], SARIF_SCHEMA_URI);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["automationDetails"]["id"], format!("nightly/{A}/"));
    assert_eq!(runs[1]["automationDetails"]["id"], format!("nightly/{B}/"));
    for r in runs {
        assert_eq!(r["tool"]["driver"]["name"], "flowaudit");
        assert_eq!(r["properties"]["partial"], true);
        assert_eq!(r["columnKind"], "utf16CodeUnits");
    }
    // A run reports only its own account's failures: the passing result and the suppressed
    // pass are left out everywhere.
    let uris = |r: &Value| -> Vec<String> {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(uris(&runs[0]), [format!("aws/{A}/us-east-1/vpc-a1")]);
    assert_eq!(
        uris(&runs[1]),
        [
            format!("aws/{B}/eu-west-1/vpc-b1"),
            format!("aws/{B}/eu-west-1/vpc-b3")
        ]
    );
    // Scan errors are notifications of their own account's run only.
    let notes = &runs[0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes.as_array().unwrap().len(), 1);
    assert_eq!(notes[0]["descriptor"]["id"], "scan-error/AccessDenied");
    assert_eq!(notes[0]["level"], "error");
    assert!(
        runs[1]["invocations"][0]
            .get("toolExecutionNotifications")
            .is_none()
    );
}

#[test]
fn an_account_found_only_in_results_gets_a_run_and_no_account_gives_one_empty_run() {
    let mut d = doc();
    d.scan.accounts = vec![A.into()];
    let v = sarif_json(&d, DEFAULT_CATEGORY);
    assert_eq!(v["runs"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["runs"][1]["automationDetails"]["id"],
        format!("flowaudit/{B}/")
    );

    d.scan.accounts.clear();
    d.scan.errors.clear();
    d.results.clear();
    let v = sarif_json(&d, DEFAULT_CATEGORY);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["automationDetails"]["id"], "flowaudit/");
    assert_eq!(runs[0]["results"], json!([]));
    assert_eq!(
        ids(&runs[0]["tool"]["driver"]["rules"]),
        ["VPC-001/flow-logs-enabled", "VPC-001/traffic-type-all"],
        "every check of every rule is described even without results"
    );
}

#[test]
fn the_log_of_one_account_is_its_run_of_the_whole_log_in_a_file_of_its_own() {
    let d = doc();
    let reporter = SarifReporter {
        category: "org".into(),
        ..SarifReporter::default()
    };
    let one: Value = serde_json::from_slice(&reporter.render_account(&d, B).unwrap()).unwrap();
    let all = sarif_json(&d, "org");
    assert_eq!(one["runs"], json!([all["runs"][1]]));
    assert_eq!(
        one["runs"][0]["automationDetails"]["id"],
        format!("org/{B}/")
    );
    assert_eq!(one["$schema"], all["$schema"]);
    assert_eq!(run_accounts(&d), [A, B]);
    assert_eq!(account_file_name(B), format!("flowaudit-{B}.sarif"));
    // An account id is one file name, whatever it holds.
    assert_eq!(account_file_name("../x"), "flowaudit-..%2Fx.sarif");
    assert_eq!(account_file_name(".."), "flowaudit-%2E%2E.sarif");
}

#[test]
fn rules_are_one_descriptor_per_check_with_help_tags_and_severity() {
    let v = sarif_json(&doc(), DEFAULT_CATEGORY);
    let rules = &v["runs"][0]["tool"]["driver"]["rules"];
    assert_eq!(
        ids(rules),
        ["VPC-001/flow-logs-enabled", "VPC-001/traffic-type-all"]
    );
    let r = &rules[0];
    assert_eq!(r["name"], "Vpc001FlowLogsEnabled");
    assert_eq!(
        r["shortDescription"]["text"],
        "Flow logs: A flow log exists"
    );
    assert_eq!(r["fullDescription"]["text"], "Every VPC logs all traffic.");
    assert_eq!(
        r["helpUri"], "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",
        "the first web reference"
    );
    let help = r["help"]["text"].as_str().unwrap();
    assert!(help.contains("Remediation: Create a flow log."), "{help}");
    assert!(help.contains("Compliance: cis:3.9"), "{help}");
    assert!(
        rules[1]["help"]["text"].as_str().unwrap().contains(
            "Remediation: Change the resource so that this check passes: It logs ALL traffic."
        ),
        "a check without remediation text gets the generic one"
    );
    assert_eq!(r["defaultConfiguration"]["level"], "error");
    assert_eq!(r["properties"]["tags"], json!(["security", "cis:3.9"]));
    assert_eq!(r["properties"]["security-severity"], "8.0");
    assert_eq!(r["properties"]["problem.severity"], "error");
    assert_eq!(r["properties"]["flowaudit-rule"], "VPC-001");
    assert_eq!(r["properties"]["flowaudit-check"], "flow-logs-enabled");
    assert_eq!(r["properties"]["compliance"], json!({"cis": ["3.9"]}));
}

/// 40 reported results (and some SARIF does not report) over two accounts, of every severity,
/// some suppressed, in an order that mixes them.
fn many_results() -> Vec<Finding> {
    let sev = [
        Severity::Low,
        Severity::Critical,
        Severity::Medium,
        Severity::High,
        Severity::Info,
    ];
    let mut out = Vec::new();
    for i in 0..60usize {
        let account = if i % 3 == 0 { B } else { A };
        let status = match i % 7 {
            0 => Status::Pass,
            3 => Status::Suppressed,
            5 => Status::Error,
            _ => Status::Fail,
        };
        let mut f = vpc_finding(
            "VPC-001",
            "flow-logs-enabled",
            status,
            sev[(i * 7 / 3) % 5],
            (account, "us-east-1", &format!("vpc-{i:03}")),
        );
        if status == Status::Suppressed {
            f.suppression = Some(crate::findings::SuppressionInfo {
                reason: "r".into(),
                expires: "2099-01-01".into(),
                original_status: if i % 2 == 0 {
                    Status::Fail
                } else {
                    Status::Pass
                },
            });
        }
        out.push(f);
    }
    out
}

#[test]
fn the_log_written_run_by_run_is_the_log_built_whole() {
    let mut d = doc();
    d.results = many_results();
    let reporter = SarifReporter::default();
    assert!(run_accounts(&d).len() > 1);
    let mut streamed = Vec::new();
    reporter.render_to(&d, &mut streamed).unwrap();
    let whole = pretty(&reporter.log(&d)).unwrap();
    assert_eq!(
        String::from_utf8(streamed).unwrap(),
        String::from_utf8(whole).unwrap()
    );
}

#[test]
fn a_selection_keeps_what_a_run_writes_and_the_run_is_the_one_of_every_result() {
    let mut whole = doc();
    whole.results = many_results();
    let count = |d: &Document, acct: &str| {
        d.results
            .iter()
            .filter(|f| reported(f) && f.resource.account_id == acct)
            .count()
    };
    let (in_a, in_b) = (count(&whole, A), count(&whole, B));
    assert!(in_a > 10 && in_b > 10, "{in_a} {in_b}");
    for limit in [1, 3, 10, in_b, in_a + 5] {
        let mut sel = Selection::new(limit);
        for f in whole.results.clone() {
            sel.push(f);
        }
        let (kept, omitted) = sel.finish();
        // Only reported results, at most `limit` per account, in report order.
        assert!(kept.iter().all(reported));
        let order: Vec<&str> = whole
            .results
            .iter()
            .map(|f| f.resource.id.as_str())
            .filter(|id| kept.iter().any(|k| k.resource.id == *id))
            .collect();
        let kept_ids: Vec<&str> = kept.iter().map(|f| f.resource.id.as_str()).collect();
        assert_eq!(kept_ids, order, "limit {limit}");
        assert_eq!(
            omitted.get(A).copied().unwrap_or(0),
            in_a.saturating_sub(limit),
            "limit {limit}"
        );
        assert_eq!(
            omitted.get(B).copied().unwrap_or(0),
            in_b.saturating_sub(limit)
        );
        // The runs written from the selection are the runs written from every result.
        let mut selected = whole.clone();
        selected.results = kept;
        let reporter = SarifReporter {
            omitted,
            ..SarifReporter::default()
        };
        for account in [A, B] {
            let from_all =
                serde_json::to_value(build_run(&whole, account, DEFAULT_CATEGORY, limit, 0))
                    .unwrap();
            let from_selection =
                serde_json::to_value(reporter.run(&selected, account, limit)).unwrap();
            assert_eq!(from_all, from_selection, "limit {limit}, account {account}");
            let results = from_all["results"].as_array().unwrap();
            assert_eq!(results.len(), limit.min(count(&whole, account)));
        }
    }
    // When results are left out, the most severe are kept, open ones before suppressed.
    let mut sel = Selection::new(3);
    for f in whole.results.clone() {
        sel.push(f);
    }
    let (kept, _) = sel.finish();
    let worst_a: Vec<(Severity, Status)> = kept
        .iter()
        .filter(|f| f.resource.account_id == A)
        .map(|f| (f.severity, f.status))
        .collect();
    assert!(
        worst_a
            .iter()
            .all(|(s, st)| *s == Severity::Critical && *st == Status::Fail),
        "{worst_a:?}"
    );
}

#[test]
fn the_streamed_log_is_the_rendered_log() {
    let mut d = doc();
    d.results.extend(many_results());
    let r = SarifReporter::default();
    let mut streamed = Vec::new();
    r.render_to(&d, &mut streamed).unwrap();
    assert_eq!(streamed, r.render(&d).unwrap());
    assert!(streamed.ends_with(b"}\n"));
}

#[test]
fn tags_keep_the_newest_version_of_each_framework_and_properties_keep_every_id() {
    let cis = |v: &str| format!("CIS AWS Foundations Benchmark {v}");
    let mut compliance: BTreeMap<String, Vec<String>> = [
        "v1.2.0", "v1.3.0", "v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.0", "v5.0.0", "v6.0.0",
        "v9.0.0", "v10.0.0",
    ]
    .iter()
    .enumerate()
    .map(|(i, v)| (cis(v), vec![format!("3.{i}")]))
    .collect();
    compliance.insert(
        "AWS Foundational Security Best Practices".into(),
        vec!["EC2.6".into()],
    );
    compliance.insert("NIST SP 800-53 Rev. 5".into(), vec!["AU-12".into()]);
    let mut d = doc();
    d.rules[0].compliance = compliance.clone();
    let v = sarif_json(&d, DEFAULT_CATEGORY);
    let rule = &v["runs"][0]["tool"]["driver"]["rules"][0];
    let tags: Vec<&str> = rule["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "security".to_string(),
            "AWS Foundational Security Best Practices:EC2.6".to_string(),
            format!("{}:3.10", cis("v10.0.0")),
            "NIST SP 800-53 Rev. 5:AU-12".to_string(),
            format!("{}:3.9", cis("v9.0.0")),
            format!("{}:3.8", cis("v6.0.0")),
            format!("{}:3.7", cis("v5.0.0")),
            format!("{}:3.6", cis("v4.0.0")),
            format!("{}:3.5", cis("v3.0.0")),
            format!("{}:3.4", cis("v2.0.0")),
        ]
    );
    assert_eq!(tags.len(), MAX_RULE_TAGS);
    assert_eq!(rule["properties"]["compliance"], json!(compliance));
    // Every id is still in the help text.
    let help = rule["help"]["text"].as_str().unwrap();
    assert!(help.contains(&format!("{}:3.0", cis("v1.2.0"))), "{help}");
}

#[test]
fn framework_versions_compare_by_number() {
    assert_eq!(
        framework_version("CIS AWS Foundations Benchmark v6.0.0"),
        ("CIS AWS Foundations Benchmark", vec![6, 0, 0])
    );
    assert_eq!(framework_version("PCI DSS 4.0"), ("PCI DSS", vec![4, 0]));
    assert_eq!(framework_version("cis"), ("cis", vec![]));
    assert_eq!(
        framework_version("NIST SP 800-53 Rev. 5"),
        ("NIST SP 800-53 Rev.", vec![5])
    );
    let c: BTreeMap<String, Vec<String>> = [
        ("X v9".to_string(), vec!["a".to_string()]),
        ("X v10".to_string(), vec!["b".to_string(), "c".to_string()]),
        ("X v1.10".to_string(), vec!["d".to_string()]),
        ("X v1.9".to_string(), vec!["e".to_string()]),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        compliance_tags_newest_first(&c),
        ["X v10:b", "X v10:c", "X v9:a", "X v1.10:d", "X v1.9:e"]
    );
    // Families take turns, one id each: many ids of one framework do not crowd out the
    // versions of another.
    let c: BTreeMap<String, Vec<String>> = [
        (
            "N Rev. 5".to_string(),
            vec!["a".into(), "b".into(), "c".into()],
        ),
        ("X v2".to_string(), vec!["x".to_string()]),
        ("X v1".to_string(), vec!["y".to_string()]),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        compliance_tags_newest_first(&c),
        ["N Rev. 5:a", "X v2:x", "N Rev. 5:b", "X v1:y", "N Rev. 5:c"]
    );
}

#[test]
fn results_point_at_their_resource_and_their_descriptor() {
    let d = doc();
    let v = sarif_json(&d, DEFAULT_CATEGORY);
    let run = &v["runs"][0];
    let res = &run["results"][0];
    assert_eq!(res["ruleId"], "VPC-001/flow-logs-enabled");
    let index = res["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], res["ruleId"]);
    assert_eq!(res["level"], "error");
    assert_eq!(res["kind"], "fail");
    assert_eq!(
        res["message"]["text"],
        format!("vpc-a1 fails flow-logs-enabled. [vpc vpc-a1 (web), {A}/us-east-1]")
    );
    let loc = &res["locations"][0];
    assert_eq!(loc["physicalLocation"]["region"]["startLine"], 1);
    assert_eq!(loc["message"]["text"], "vpc vpc-a1 (web)");
    let logical = &loc["logicalLocations"][0];
    assert_eq!(logical["name"], "vpc-a1");
    assert_eq!(logical["kind"], "resource");
    assert_eq!(
        logical["fullyQualifiedName"],
        format!("arn:aws:ec2:us-east-1:{A}:vpc/vpc-a1")
    );
    assert_eq!(
        res["partialFingerprints"][FINGERPRINT_KEY],
        fingerprint(&d.results[0])
    );
    let props = &res["properties"];
    assert_eq!(props["account"], A);
    assert_eq!(props["resourceName"], "web");
    assert_eq!(props["severity"], "high");
    assert_eq!(props["remediation"]["cli"], "aws ec2 create-flow-logs");
    let md = props["remediationMarkdown"].as_str().unwrap();
    assert!(
        md.starts_with("**AWS CLI**") && md.contains("aws ec2 create-flow-logs"),
        "{md}"
    );
    assert!(
        res.get("suppressions").is_none(),
        "an open failure is not dismissed"
    );
}

#[test]
fn suppressed_failures_are_dismissed_with_their_reason_and_expiry() {
    let v = sarif_json(&doc(), DEFAULT_CATEGORY);
    let res = &v["runs"][1]["results"][0];
    assert_eq!(res["ruleId"], "VPC-001/traffic-type-all");
    assert_eq!(res["level"], "warning", "medium severity");
    let s = &res["suppressions"];
    assert_eq!(s.as_array().unwrap().len(), 1);
    assert_eq!(s[0]["kind"], "external");
    assert_eq!(s[0]["status"], "accepted");
    assert_eq!(s[0]["justification"], "accepted: lab");
    assert_eq!(s[0]["properties"]["expires"], "2099-12-31");
}

#[test]
fn a_result_without_rule_metadata_gets_a_minimal_descriptor_of_its_run() {
    let v = sarif_json(&doc(), DEFAULT_CATEGORY);
    let run = &v["runs"][1];
    let rules = &run["tool"]["driver"]["rules"];
    assert_eq!(
        ids(rules),
        [
            "VPC-001/flow-logs-enabled",
            "VPC-001/traffic-type-all",
            "VPC-099/x"
        ]
    );
    assert_eq!(rules[2]["fullDescription"]["text"], "vpc-b3 fails x.");
    assert_eq!(rules[2]["defaultConfiguration"]["level"], "note");
    let res = &run["results"][1];
    assert_eq!(res["ruleId"], "VPC-099/x");
    assert_eq!(res["ruleIndex"], 2);
    assert_eq!(res["level"], "note");
    // The other account's run does not describe it.
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn with_a_baseline_each_result_is_new_or_unchanged_and_without_one_neither() {
    use crate::report::Reporter as _;
    use crate::report::diff::{Baseline, Scope};
    let new = doc();
    // The baseline: vpc-a1 a suppressed failure (a failure now), vpc-b1 an open failure
    // (suppressed now), vpc-b3 passing (a failure now), and no vpc-b4.
    let mut old = doc();
    for f in &mut old.results {
        match f.resource.id.as_str() {
            "vpc-a1" => {
                f.status = Status::Suppressed;
                f.suppression = Some(SuppressionInfo {
                    reason: "r".into(),
                    expires: "2099-01-01".into(),
                    original_status: Status::Fail,
                });
            }
            "vpc-b1" => {
                f.status = Status::Fail;
                f.suppression = None;
            }
            "vpc-b3" => f.status = Status::Pass,
            _ => {}
        }
    }
    // A suppressed failure the baseline does not have.
    let mut new = new;
    let mut b4 = new.results[2].clone();
    Arc::make_mut(&mut b4.resource).id = "vpc-b4".into();
    new.results.push(b4);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.json");
    std::fs::write(
        &path,
        crate::report::json::JsonReporter.render(&old).unwrap(),
    )
    .unwrap();

    let mut c = Baseline::read(&path).unwrap().compare(false);
    for f in &new.results {
        c.see(f);
    }
    let mut with = new.clone();
    with.baseline = Some(c.into_section(&Scope {
        accounts: &new.scan.accounts,
        regions: &new.scan.regions,
        errors: &new.scan.errors,
    }));
    let v = sarif_json(&with, DEFAULT_CATEGORY);
    let mut states = BTreeMap::new();
    let mut plain = v.clone();
    for run in plain["runs"].as_array_mut().unwrap() {
        for res in run["results"].as_array_mut().unwrap() {
            let id = res["locations"][0]["logicalLocations"][0]["name"].clone();
            let state = res.as_object_mut().unwrap().remove("baselineState");
            states.insert(id.as_str().unwrap().to_string(), state);
        }
    }
    let state = |s: &str| Some(Value::from(s));
    assert_eq!(
        states,
        BTreeMap::from([
            ("vpc-a1".to_string(), state("unchanged")),
            ("vpc-b1".to_string(), state("unchanged")),
            ("vpc-b3".to_string(), state("new")),
            ("vpc-b4".to_string(), state("new")),
        ])
    );
    // Without the baseline, the same log without the states; the other results are as
    // they were.
    let without = sarif_json(&new, DEFAULT_CATEGORY);
    assert_eq!(plain, without);
    assert!(!without.to_string().contains("baselineState"));
    // The log of one account alone carries the same states.
    let one: Value =
        serde_json::from_slice(&SarifReporter::default().render_account(&with, B).unwrap())
            .unwrap();
    let got: Vec<_> = one["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["unchanged", "new", "new"]);
}

#[test]
fn fingerprints_depend_on_the_resource_and_check_only() {
    let d = doc();
    let f = &d.results[0];
    let mut reworded = f.clone();
    reworded.message = "another message".into();
    reworded.severity = Severity::Low;
    assert_eq!(fingerprint(f), fingerprint(&reworded));
    assert_eq!(fingerprint(f).len(), 64);
    let mut other_check = f.clone();
    other_check.check_id = "traffic-type-all".into();
    assert_ne!(fingerprint(f), fingerprint(&other_check));
    let mut other_region = f.clone();
    Arc::make_mut(&mut other_region.resource).region = "eu-west-1".into();
    assert_ne!(fingerprint(f), fingerprint(&other_region));
    // Parts are separated: moving a character from one part to the next changes the hash.
    let mut shifted = f.clone();
    shifted.rule_id = "VPC-00".into();
    shifted.check_id = "1flow-logs-enabled".into();
    assert_ne!(fingerprint(f), fingerprint(&shifted));
}

#[test]
fn dot_segments_are_encoded_so_they_cannot_walk_the_path() {
    assert_eq!(uri_segment("."), "%2E");
    assert_eq!(uri_segment(".."), "%2E%2E");
    assert_eq!(uri_segment("..."), "%2E%2E%2E");
    assert_eq!(artifact_uri("..", ".", ".."), "aws/%2E%2E/%2E/%2E%2E");
    // Dots beside other characters are ordinary and stay as they are.
    assert_eq!(uri_segment("vpc-1.a"), "vpc-1.a");
    assert_eq!(uri_segment("..x"), "..x");
    assert_eq!(uri_segment("a.."), "a..");
}

#[test]
fn every_other_character_is_percent_encoded_as_utf8_bytes() {
    assert_eq!(
        uri_segment("AZaz09-_~"),
        "AZaz09-_~",
        "unreserved characters stay"
    );
    assert_eq!(uri_segment("a/b"), "a%2Fb");
    assert_eq!(
        uri_segment("?#[]@!$&'()*+,;=%: "),
        "%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25%3A%20"
    );
    assert_eq!(uri_segment("\u{0}\n\u{1b}\u{7f}"), "%00%0A%1B%7F");
    assert_eq!(uri_segment("é\u{202e}"), "%C3%A9%E2%80%AE");
    assert_eq!(uri_segment("\u{85}"), "%C2%85");
    assert_eq!(uri_segment(""), "_");
    assert_eq!(
        artifact_uri("111122223333", "us-east-1", "vpc-0abc"),
        "aws/111122223333/us-east-1/vpc-0abc"
    );
    // A decoded segment gives the value back, and never holds a separator.
    for v in ["a/../b", "%2F", "x y", "..", "ü/"] {
        let seg = uri_segment(v);
        assert!(!seg.contains('/'), "{seg}");
        assert_eq!(percent_decode(&seg), v);
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

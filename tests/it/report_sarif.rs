//! SARIF output: the 2.1.0 JSON Schema, the SARIF multitool with GitHub's ingestion rules, and the
//! shape GitHub code scanning relies on (descriptors, levels, fingerprints, locations, categories).

use crate::support::cmd::scan_inventory;
use crate::support::harness::{read_json, repo_path};
use crate::support::json::each;
use crate::support::report_fixture::{self, ACCOUNT_A, ACCOUNT_B, HOSTILE_HTML};
use crate::support::sarif::{multitool_errors, schema_errors};
use flowaudit::report::Reporter;
use flowaudit::report::sarif::SarifReporter;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn render(doc: &flowaudit::report::v1::Document) -> (Vec<u8>, Value) {
    let bytes = SarifReporter::default().render(doc).unwrap();
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    (bytes, v)
}

fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif");
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn sarif_passes_the_schema_and_the_multitool_github_rules() {
    let dir = out_dir();
    let (bytes, _) = render(&report_fixture::demo_document());
    let demo = dir.join("demo.sarif");
    std::fs::write(&demo, &bytes).unwrap();
    // A clean scan (no results at all) must be valid too.
    let mut clean = report_fixture::demo_document();
    clean.results.clear();
    clean.scan.errors.clear();
    clean.scan.partial = false;
    let empty = dir.join("clean.sarif");
    std::fs::write(&empty, render(&clean).0).unwrap();

    for f in [&demo, &empty] {
        if let Some(errs) = schema_errors(f) {
            panic!(
                "{} does not match the SARIF 2.1.0 schema:\n{errs}",
                f.display()
            );
        }
    }
    // Prove the schema check can fail: a result without its required message.
    let mut broken: Value = serde_json::from_slice(&bytes).unwrap();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    let bad = dir.join("broken.sarif");
    std::fs::write(&bad, serde_json::to_vec(&broken).unwrap()).unwrap();
    assert!(
        schema_errors(&bad).is_some(),
        "the schema check accepted a result without a message"
    );

    if let Some(errors) = multitool_errors(&[&demo, &empty]) {
        panic!("SARIF multitool reported errors:\n{errors}");
    }
}

#[test]
fn descriptors_carry_help_severity_and_compliance_tags() {
    let (_, v) = render(&report_fixture::demo_document());
    let run = &v["runs"][0];
    assert_eq!(v["version"], "2.1.0");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "flowaudit");
    assert_eq!(driver["version"], "0.1.0");
    assert_eq!(
        driver["informationUri"],
        "https://github.com/flowaudit/flowaudit"
    );
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "VPC-001/flow-log-exists",
            "VPC-001/traffic-type-all",
            "VPC-002/destination-encrypted"
        ]
    );
    let tt = &rules[1];
    assert!(
        tt["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("ALL traffic")
    );
    assert!(
        tt["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("ALL traffic")
    );
    for key in ["text", "markdown"] {
        let help = tt["help"][key].as_str().unwrap();
        assert!(
            help.contains("Add a flow log with traffic type ALL"),
            "help.{key} lacks the remediation: {help}"
        );
    }
    assert_eq!(
        tt["helpUri"],
        "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html"
    );
    assert_eq!(tt["properties"]["security-severity"], "8.0");
    assert_eq!(rules[2]["properties"]["security-severity"], "5.5");
    let tags: Vec<&str> = each(&tt["properties"]["tags"])
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tags, ["security", "CIS-AWS-3.0:3.7", "NIST-800-53:AU-12"]);
    // VPC-002 has no reference: its help points at the tool.
    assert_eq!(
        rules[2]["helpUri"],
        "https://github.com/flowaudit/flowaudit"
    );
}

#[test]
fn results_are_failures_and_dismissed_suppressions_one_run_per_account() {
    let doc = report_fixture::demo_document();
    let (_, v) = render(&doc);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "one run per account");
    assert_eq!(
        runs[0]["automationDetails"]["id"],
        format!("flowaudit/{ACCOUNT_A}/")
    );
    assert_eq!(
        runs[1]["automationDetails"]["id"],
        format!("flowaudit/{ACCOUNT_B}/")
    );

    let a: Vec<&Value> = each(&runs[0]["results"]).collect();
    // Account A: three failures; pass, error and skipped results are not alerts.
    assert_eq!(a.len(), 3, "{a:#?}");
    let b: Vec<&Value> = each(&runs[1]["results"]).collect();
    assert_eq!(
        b.len(),
        2,
        "account B: one failure and one suppressed failure"
    );

    for (run, results) in [(&runs[0], &a), (&runs[1], &b)] {
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for r in results.iter() {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"], "ruleIndex points at ruleId");
            assert_eq!(r["kind"], "fail");
            let loc = &r["locations"][0];
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            let region = &loc["physicalLocation"]["region"];
            assert_eq!(region["startLine"], 1);
            let ll = &loc["logicalLocations"][0];
            let arn = ll["fullyQualifiedName"].as_str().unwrap();
            let id = ll["name"].as_str().unwrap();
            assert!(arn.starts_with("arn:aws:ec2:") && arn.ends_with(&format!("vpc/{id}")));
            let parts: Vec<&str> = arn.split(':').collect();
            assert_eq!(uri, format!("aws/{}/{}/{id}", parts[4], parts[3]));
            assert_eq!(
                r["partialFingerprints"]["flowauditResourceCheck/v1"]
                    .as_str()
                    .unwrap()
                    .len(),
                64
            );
        }
    }
    let high = a
        .iter()
        .find(|r| r["ruleId"] == "VPC-001/flow-log-exists")
        .unwrap();
    assert_eq!(high["level"], "error");
    let medium = b
        .iter()
        .find(|r| r["ruleId"] == "VPC-002/destination-encrypted")
        .unwrap();
    assert_eq!(medium["level"], "warning");

    let suppressed: Vec<&&Value> = b
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    let s = &suppressed[0]["suppressions"][0];
    assert_eq!(s["kind"], "external");
    assert_eq!(
        s["justification"],
        "Sandbox, torn down weekly <i>ticket SEC-42</i>"
    );
    assert_eq!(s["properties"]["expires"], "2099-01-31");

    // Scan errors become tool notifications of the account's run.
    let notes = &runs[1]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes.as_array().unwrap().len(), 1);
    assert!(
        runs[0]["invocations"][0]
            .get("toolExecutionNotifications")
            .is_none()
    );

    // Failing results carry their own remediation snippets.
    let rem = &high["properties"]["remediation"];
    assert!(
        rem["cli"]
            .as_str()
            .unwrap()
            .contains("vpc-0a1b2c3d4e5f60001")
    );
}

#[test]
fn fingerprints_are_stable_and_distinct() {
    let doc = report_fixture::demo_document();
    let fps = |v: &Value| -> Vec<String> {
        each(&v["runs"])
            .flat_map(|r| r["results"].as_array().unwrap().clone())
            .map(|r| {
                r["partialFingerprints"]["flowauditResourceCheck/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let first = fps(&render(&doc).1);
    // A later scan: different times, messages and names, same resources and checks.
    let mut later = doc.clone();
    later.scan.started_at = "2027-01-01T00:00:00Z".into();
    for r in &mut later.results {
        r.message.push_str(" (again)");
        std::sync::Arc::make_mut(&mut r.resource).name = Some("renamed".into());
    }
    assert_eq!(first, fps(&render(&later).1));
    let mut unique = first.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), first.len(), "two alerts share a fingerprint");
    // A different check on the same resource is a different alert.
    let mut other = doc.clone();
    other.results[0].check_id = "traffic-type-all".into();
    assert_ne!(fps(&render(&other).1)[0], first[0]);
}

#[test]
fn aws_strings_are_escaped_in_markdown() {
    let (bytes, v) = render(&report_fixture::demo_document());
    let text = String::from_utf8(bytes).unwrap();
    let results: Vec<Value> = each(&v["runs"])
        .flat_map(|r| r["results"].as_array().unwrap().clone())
        .collect();
    let html = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap()
                .contains(HOSTILE_HTML)
        })
        .expect("the plain-text message names the resource literally");
    let md = html["message"]["markdown"].as_str().unwrap();
    assert!(!has_unescaped(md, '<'), "{md}");
    assert!(md.contains(r"\<img src=x onerror=alert(1)\>"), "{md}");
    let mdres = results
        .iter()
        .find(|r| r["message"]["text"].as_str().unwrap().contains("**x**"))
        .unwrap();
    let md = mdres["message"]["markdown"].as_str().unwrap();
    assert!(
        !md.contains("**x**") && !md.replace(r"\]", "").contains("](javascript"),
        "{md}"
    );
    assert!(
        !md.contains('\n'),
        "a tag value must not start a Markdown block: {md:?}"
    );
    // No markdown field anywhere contains raw HTML from the fixture.
    for (path, s) in markdown_fields(&v) {
        for c in ['<', '>', '['] {
            assert!(!has_unescaped(&s, c), "{path} has an unescaped {c}: {s}");
        }
    }
    assert!(text.contains("\"markdown\""));
}

/// True when `c` occurs without a backslash before it.
fn has_unescaped(s: &str, c: char) -> bool {
    let mut prev = None;
    for x in s.chars() {
        if x == c && prev != Some('\\') {
            return true;
        }
        prev = if prev == Some('\\') && x == '\\' {
            None
        } else {
            Some(x)
        };
    }
    false
}

fn markdown_fields(v: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, path: String, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    if k == "markdown"
                        && let Some(s) = x.as_str()
                    {
                        out.push((format!("{path}/{k}"), s.to_string()));
                    }
                    walk(x, format!("{path}/{k}"), out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, format!("{path}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

#[test]
fn sarif_category_is_configurable() {
    let r = SarifReporter {
        category: "prod-audit".into(),
        ..SarifReporter::default()
    };
    let v: Value =
        serde_json::from_slice(&r.render(&report_fixture::demo_document()).unwrap()).unwrap();
    assert_eq!(
        v["runs"][0]["automationDetails"]["id"],
        format!("prod-audit/{ACCOUNT_A}/")
    );
}

#[test]
fn sarif_category_flag_sets_the_category_and_rejects_bad_names() {
    let inv = repo_path("examples/demo-inventory.json");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.sarif");
    let o = scan_inventory(&inv)
        .args([
            "--format",
            "sarif",
            "--sarif-category",
            "prod-audit/",
            "--output",
        ])
        .arg(&out)
        .run();
    assert!(matches!(o.code(), 1 | 3), "{}", o.shown());
    let v = read_json(&out);
    let account = v["runs"][0]["results"][0]["properties"]["account"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        v["runs"][0]["automationDetails"]["id"],
        format!("prod-audit/{account}/")
    );
    scan_inventory(&inv)
        .args(["--format", "sarif", "--sarif-category", "two words"])
        .run()
        .assert_code(2)
        .stderr_has("--sarif-category");
}

#[test]
fn github_limits_on_tags_and_results_are_respected() {
    let mut doc = report_fixture::demo_document();
    // A rule mapped to many controls: at most 10 tags, every control still in the properties.
    let many: Vec<String> = (1..=30).map(|i| format!("C-{i}")).collect();
    doc.rules[0]
        .compliance
        .insert("Big Framework".to_string(), many.clone());
    // More failures in one account than code scanning accepts in a run.
    let template = doc
        .results
        .iter()
        .find(|r| {
            r.status == flowaudit::findings::Status::Fail && r.resource.account_id == ACCOUNT_A
        })
        .unwrap()
        .clone();
    let mut low = template.clone();
    low.severity = flowaudit::findings::Severity::Low;
    for i in 0..25_010 {
        let mut f = if i < 20 {
            template.clone()
        } else {
            low.clone()
        };
        std::sync::Arc::make_mut(&mut f.resource).id = format!("vpc-{i:017x}");
        doc.results.push(f);
    }
    let (_, v) = render(&doc);
    let run = &v["runs"][0];
    let rule = &run["tool"]["driver"]["rules"][0];
    let tags = rule["properties"]["tags"].as_array().unwrap();
    assert!(tags.len() <= 10, "{tags:?}");
    assert_eq!(tags[0], "security");
    assert_eq!(
        rule["properties"]["compliance"]["Big Framework"],
        json!(many)
    );

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 25_000);
    // The most severe are kept: the three original high failures and the 20 high copies.
    let high = results.iter().filter(|r| r["level"] == "error").count();
    assert_eq!(high, 3 + 20, "every high failure of the account is kept");
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let omitted = notes
        .iter()
        .find(|n| n["descriptor"]["id"] == "results-omitted")
        .expect("a notification says results were left out");
    assert!(
        omitted["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("13 "),
        "{omitted}"
    );
}

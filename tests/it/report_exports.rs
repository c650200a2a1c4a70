//! `--format ocsf` and `--format asff`: every finding of the demo, of an organization, of a live
//! scan and of a report full of hostile values is valid OCSF 1.6.0 (class compliance_finding,
//! cloud profile) and valid `BatchImportFindings` input; one finding per result, each with the
//! result's fingerprint; values stay data. The demo outputs are pinned by snapshots.

use crate::support::cmd::fa;
use crate::support::harness::{Moto, repo_path, run_ok, venv_bin};
use crate::support::hostile::corpus;
use crate::support::report_fixture::demo_document;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// Validate an export file with `tests/support/check_exports.py`.
fn check(kind: &str, file: &Path) {
    run_ok(
        std::process::Command::new(venv_bin("python")).args([
            repo_path("tests/support/check_exports.py")
                .to_str()
                .unwrap(),
            kind,
            file.to_str().unwrap(),
        ]),
    );
}

/// The JSON report, OCSF and ASFF files of one run, read back.
struct Exports {
    code: i32,
    report: Value,
    ocsf: Vec<Value>,
    asff: Vec<Value>,
    ocsf_text: String,
    asff_text: String,
}

/// Run `flowaudit ARGS -f json -f ocsf -f asff --output-dir DIR`, validate both exports and read
/// them back.
fn exports(args: &[&str]) -> Exports {
    let dir = tempfile::tempdir().unwrap();
    let o = fa()
        .current_dir(repo_path(""))
        .args(args)
        .args(["-f", "json", "-f", "ocsf", "-f", "asff", "--output-dir"])
        .arg(dir.path())
        .run();
    let read = |name: &str| {
        std::fs::read_to_string(dir.path().join(name)).unwrap_or_else(|e| {
            panic!(
                "{name} not written ({e}): exit {}, stderr:\n{}",
                o.code(),
                o.stderr()
            )
        })
    };
    check("ocsf", &dir.path().join("flowaudit.ocsf.json"));
    check("asff", &dir.path().join("flowaudit.asff.json"));
    let (ocsf_text, asff_text) = (read("flowaudit.ocsf.json"), read("flowaudit.asff.json"));
    Exports {
        code: o.code(),
        report: serde_json::from_str(&read("flowaudit.json")).unwrap(),
        ocsf: serde_json::from_str(&ocsf_text).unwrap(),
        asff: serde_json::from_str(&asff_text).unwrap(),
        ocsf_text,
        asff_text,
    }
}

/// The fingerprint of a v1 result, as SARIF writes it (`partialFingerprints`).
fn fingerprints_of_sarif(args: &[&str]) -> BTreeSet<String> {
    let sarif = fa()
        .current_dir(repo_path(""))
        .args(args)
        .args(["-f", "sarif", "-o", "-"])
        .run()
        .json();
    sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["results"].as_array().unwrap().iter())
        .map(|r| {
            r["partialFingerprints"]["flowauditResourceCheck/v1"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// One finding of each export per result, in report order, with the result's identity.
fn assert_one_per_result(e: &Exports) {
    let results = e.report["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert_eq!(e.ocsf.len(), results.len(), "one OCSF finding per result");
    assert_eq!(e.asff.len(), results.len(), "one ASFF finding per result");
    for ((r, o), a) in results.iter().zip(&e.ocsf).zip(&e.asff) {
        let res = &r["resource"];
        assert_eq!(o["resources"][0]["uid"], res["arn"]);
        assert_eq!(o["resources"][0]["uid_alt"], res["id"]);
        assert_eq!(o["cloud"]["account"]["uid"], res["account_id"]);
        assert_eq!(o["cloud"]["region"], res["region"]);
        assert_eq!(o["message"], r["message"]);
        assert_eq!(o["status_code"], r["status"]);
        assert_eq!(
            o["compliance"]["control"],
            json!(format!(
                "{}/{}",
                r["rule_id"].as_str().unwrap(),
                r["check_id"].as_str().unwrap()
            ))
        );
        assert_eq!(a["AwsAccountId"], res["account_id"]);
        assert_eq!(a["Resources"][0]["Id"], res["arn"]);
        assert_eq!(
            a["Id"],
            json!(format!(
                "flowaudit/{}",
                o["finding_info"]["uid"].as_str().unwrap()
            ))
        );
        assert_eq!(
            a["ProductArn"],
            json!(format!(
                "arn:aws:securityhub:{0}:{1}:product/{1}/default",
                res["region"].as_str().unwrap(),
                res["account_id"].as_str().unwrap()
            ))
        );
        let want = match (
            r["status"].as_str().unwrap(),
            r["suppression"]["original_status"].as_str(),
        ) {
            ("pass", _) | ("suppressed", Some("pass")) => ("PASSED", 1),
            ("fail", _) | ("suppressed", _) => ("FAILED", 3),
            ("error", _) => ("NOT_AVAILABLE", 2),
            _ => ("NOT_AVAILABLE", 99),
        };
        assert_eq!(a["Compliance"]["Status"], json!(want.0), "{r}");
        assert_eq!(o["compliance"]["status_id"], json!(want.1), "{r}");
        assert_eq!(
            a["Workflow"]["Status"].as_str() == Some("SUPPRESSED"),
            r["status"] == "suppressed"
        );
        assert_eq!(o["status_id"] == 3, r["status"] == "suppressed");
    }
    let ids: BTreeSet<&str> = e.asff.iter().map(|a| a["Id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), e.asff.len(), "finding ids are unique");
}

#[test]
fn the_demo_exports_every_result_validly_with_the_fingerprints_sarif_uses() {
    let args = [
        "scan",
        "--from-inventory",
        "tests/fixtures/demo-inventory.json",
        "--suppressions",
        "tests/fixtures/demo-suppressions.toml",
    ];
    let e = exports(&args);
    assert_eq!(e.code, 3, "the demo holds an unreadable region");
    assert_one_per_result(&e);
    let statuses: BTreeSet<&str> = e
        .ocsf
        .iter()
        .map(|o| o["status_code"].as_str().unwrap())
        .collect();
    for s in ["pass", "fail", "skipped", "suppressed"] {
        assert!(statuses.contains(s), "the demo reaches {s}: {statuses:?}");
    }
    // The fingerprints are SARIF's: the failing and suppressed results SARIF writes are all here.
    let uids: BTreeSet<String> = e
        .ocsf
        .iter()
        .map(|o| o["finding_info"]["uid"].as_str().unwrap().to_string())
        .collect();
    let sarif = fingerprints_of_sarif(&args);
    assert!(!sarif.is_empty());
    assert!(
        sarif.is_subset(&uids),
        "SARIF fingerprints missing from OCSF"
    );
    // The compliance mappings of each rule are carried, not left unmapped.
    let vpc001 = e
        .ocsf
        .iter()
        .find(|o| {
            o["compliance"]["control"]
                .as_str()
                .unwrap()
                .starts_with("VPC-001/")
        })
        .unwrap();
    assert!(
        vpc001["compliance"]["requirements"]
            .as_array()
            .unwrap()
            .contains(&json!("AWS Foundational Security Best Practices EC2.6"))
    );
    let asff001 = &e.asff[e.ocsf.iter().position(|o| o == vpc001).unwrap()];
    assert!(
        asff001["Compliance"]["RelatedRequirements"]
            .as_array()
            .unwrap()
            .contains(&json!("AWS Foundational Security Best Practices/EC2.6"))
    );
    insta::assert_snapshot!("demo.ocsf.json", e.ocsf_text);
    insta::assert_snapshot!("demo.asff.json", e.asff_text);
}

#[test]
fn an_organization_export_names_each_account() {
    let e = exports(&[
        "scan",
        "--from-inventory",
        "tests/fixtures/org-inventory.json",
    ]);
    assert_one_per_result(&e);
    let details = e.report["scan"]["account_details"].as_array().unwrap();
    let accounts: BTreeSet<&str> = e
        .ocsf
        .iter()
        .map(|o| o["cloud"]["account"]["uid"].as_str().unwrap())
        .collect();
    assert!(accounts.len() > 1);
    for o in &e.ocsf {
        let id = &o["cloud"]["account"]["uid"];
        let a = details.iter().find(|a| &a["id"] == id).unwrap();
        assert_eq!(o["cloud"]["account"]["name"], a["name"]);
    }
}

#[test]
fn a_live_scan_exports_every_result_validly() {
    let moto = Moto::start();
    let ops: Vec<Value> = ["us-east-1", "eu-west-1"]
        .iter()
        .flat_map(|region| {
            let k = |n: &str| format!("{n}_{region}");
            vec![
                json!({"op": "kms_key", "region": region, "key": k("key")}),
                json!({"op": "role", "region": region, "key": k("role"), "name": format!("fa-delivery-{region}")}),
                json!({"op": "log_group", "region": region, "name": format!("/fa/kms-{region}"), "kms_key": format!("${}", k("key")), "retention": 365}),
                json!({"op": "log_group", "region": region, "name": format!("/fa/plain-{region}")}),
                json!({"op": "vpc", "region": region, "key": k("enc"), "cidr": "10.1.0.0/16", "tags": {"Name": "payments"}}),
                json!({"op": "flow_log", "region": region, "key": k("fl_enc"), "resource": format!("${}", k("enc")), "traffic": "ALL", "log_group": format!("/fa/kms-{region}"), "role": format!("${}", k("role"))}),
                json!({"op": "vpc", "region": region, "key": k("plain"), "cidr": "10.2.0.0/16"}),
                json!({"op": "flow_log", "region": region, "key": k("fl_plain"), "resource": format!("${}", k("plain")), "traffic": "REJECT", "log_group": format!("/fa/plain-{region}"), "role": format!("${}", k("role"))}),
                json!({"op": "vpc", "region": region, "key": k("none"), "cidr": "10.3.0.0/16"}),
            ]
        })
        .collect();
    moto.seed(&Value::Array(ops));
    let endpoint = moto.endpoint();
    let e = exports(&[
        "scan",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1,eu-west-1",
    ]);
    assert_eq!(e.code, 1, "failing results, a complete scan");
    assert_one_per_result(&e);
    let regions: BTreeSet<&str> = e
        .asff
        .iter()
        .map(|a| a["Region"].as_str().unwrap())
        .collect();
    assert_eq!(regions, BTreeSet::from(["eu-west-1", "us-east-1"]));
}

#[test]
fn hostile_values_stay_data_and_fields_stay_within_security_hubs_limits() {
    let mut doc = demo_document();
    let values = corpus();
    let long = "x".repeat(3000);
    for (i, r) in doc.results.iter_mut().enumerate() {
        let (_, v) = &values[i % values.len()];
        let mut res = (*r.resource).clone();
        res.name = Some(v.clone());
        res.tags.insert("hostile".into(), v.clone());
        res.tags.insert(v.clone(), "key".into());
        res.tags.insert("blank".into(), " ".into());
        r.resource = std::sync::Arc::new(res);
        r.message = format!("{v}{long}");
    }
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("hostile.json");
    std::fs::write(&saved, serde_json::to_vec(&doc).unwrap()).unwrap();
    let e = exports(&["report", saved.to_str().unwrap()]);
    assert_one_per_result(&e);
    for ((r, o), a) in doc.results.iter().zip(&e.ocsf).zip(&e.asff) {
        let v = r.resource.name.as_deref().unwrap();
        // OCSF keeps every value whole, as data.
        assert_eq!(o["resources"][0]["name"], json!(v));
        assert_eq!(o["message"], json!(r.message));
        let tags = o["resources"][0]["tags"].as_array().unwrap();
        assert!(tags.contains(&json!({"name": "hostile", "value": v})));
        // ASFF cuts at character boundaries to the limits, and leaves out blank tags.
        let desc = a["Description"].as_str().unwrap();
        assert_eq!(desc.chars().count(), 1024);
        assert!(r.message.starts_with(desc.trim_end_matches('…')));
        let atags = &a["Resources"][0]["Tags"];
        assert!(atags.get("blank").is_none());
        if !v.trim().is_empty() {
            let want: String = if v.chars().count() > 256 {
                v.chars().take(255).chain(['…']).collect()
            } else {
                v.to_string()
            };
            assert_eq!(atags["hostile"], json!(want));
        }
    }
}

//! End to end: one scan of a multi-region moto account writes JSON, SARIF and HTML, which agree,
//! validate, and open in a browser; the demo report opens cleanly too.

use crate::support::browser::{assert_clean_run, browse, show_results};
use crate::support::cmd::fa;
use crate::support::harness::{Moto, file_names, repo_path};
use crate::support::json::each;
use crate::support::page::assert_page_matches;
use crate::support::sarif::{assert_sarif_valid, multitool_errors};
use serde_json::{Value, json};
use std::path::Path;

fn scan_to_dir(args: &[&str], dir: &Path) -> i32 {
    let o = fa()
        .arg("scan")
        .args(args)
        .args(["-f", "json", "-f", "sarif", "-f", "html", "--output-dir"])
        .arg(dir)
        .run();
    let code = o.code();
    assert!(matches!(code, 0 | 1 | 3), "scan failed{}", o.shown());
    assert!(
        o.stdout().is_empty(),
        "--output-dir writes nothing to stdout"
    );
    code
}

#[test]
fn one_scan_of_a_multi_region_account_writes_json_sarif_and_html() {
    let moto = Moto::start();
    let ids = moto.seed(&json!([
        {"op": "vpc", "key": "east", "cidr": "10.1.0.0/16", "tags": {"Name": "<img src=x onerror=alert(1)>"}, "region": "us-east-1"},
        {"op": "vpc", "key": "west", "cidr": "10.2.0.0/16", "tags": {"Name": "**west** [x](javascript:alert(1))"}, "region": "eu-west-1"},
        {"op": "bucket", "name": "flowaudit-e2e-logs", "encryption": "AES256", "region": "eu-west-1"},
        {"op": "flow_log", "resource": "$west", "traffic": "ALL", "bucket": "flowaudit-e2e-logs", "max_aggregation_interval": 60, "region": "eu-west-1"}
    ]));
    let dir = tempfile::tempdir().unwrap();
    let code = scan_to_dir(
        &[
            "--endpoint-url",
            &moto.endpoint(),
            "--region",
            "us-east-1,eu-west-1",
        ],
        dir.path(),
    );
    assert_eq!(code, 1, "the east VPC has no flow log");
    assert_eq!(
        file_names(dir.path()),
        ["flowaudit.html", "flowaudit.json", "flowaudit.sarif"]
    );

    let json_doc: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("flowaudit.json")).unwrap()).unwrap();
    assert_eq!(
        json_doc["scan"]["regions"],
        json!(["eu-west-1", "us-east-1"])
    );

    // The HTML holds the JSON report's failing, error and suppressed results exactly, and the
    // others as status cells.
    let html = std::fs::read_to_string(dir.path().join("flowaudit.html")).unwrap();
    assert_page_matches(&html, &json_doc);

    // The SARIF has the same failures, and validates.
    let sarif_path = dir.path().join("flowaudit.sarif");
    let sarif: Value = serde_json::from_slice(&std::fs::read(&sarif_path).unwrap()).unwrap();
    let fails = each(&json_doc["results"])
        .filter(|r| r["status"] == "fail")
        .count();
    assert!(fails >= 1);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), fails);
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"],
        "flowaudit/123456789012/"
    );
    let east_uri = format!("aws/123456789012/us-east-1/{}", ids["east"]);
    assert!(
        sarif.to_string().contains(&east_uri),
        "the east VPC's artifact URI {east_uri}"
    );
    assert_sarif_valid(&sarif_path);
    if let Some(errors) = multitool_errors(&[&sarif_path]) {
        panic!("SARIF multitool errors:\n{errors}");
    }

    // And the HTML works in the browser.
    let r = browse(
        &dir.path().join("flowaudit.html"),
        &[
            show_results(),
            "typeof window.alert === 'function' && document.querySelectorAll('#results img').length".into(),
        ],
        None,
    );
    assert_clean_run(&r);
    assert_eq!(
        r["values"][0],
        json_doc["results"].as_array().unwrap().len()
    );
    assert_eq!(r["values"][1], 0);
}

#[test]
fn the_demo_report_opens_without_errors() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-report");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    scan_to_dir(
        &[
            "--from-inventory",
            repo_path("examples/demo-inventory.json").to_str().unwrap(),
        ],
        &dir,
    );
    let shot = dir.join("demo-report.png");
    let r = browse(
        &dir.join("flowaudit.html"),
        &[
            show_results(),
            "(() => { const e = document.getElementById('f-status'); e.value = 'fail'; e.dispatchEvent(new Event('change')); return document.querySelectorAll('#results tbody tr.result').length; })()".into(),
            "(() => { document.querySelector('#results .fixbtn').click(); return document.querySelectorAll('#results tr.detail .snippet').length; })()".into(),
        ],
        Some(&shot),
    );
    assert_clean_run(&r);
    let json_doc: Value =
        serde_json::from_slice(&std::fs::read(dir.join("flowaudit.json")).unwrap()).unwrap();
    let all = json_doc["results"].as_array().unwrap();
    let fails = all.iter().filter(|r| r["status"] == "fail").count();
    assert_eq!(r["values"][0], all.len().min(200));
    assert_eq!(r["values"][1], fails.min(200));
    assert_eq!(r["values"][2], 3, "Terraform, CloudFormation and CLI");
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    assert_sarif_valid(&dir.join("flowaudit.sarif"));
}

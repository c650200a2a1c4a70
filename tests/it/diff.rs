//! `flowaudit diff` and `--baseline`, through the binary, offline: reports of the demo inventory
//! (`examples/demo-inventory.json`) before and after a change to a copy of it.
//!
//! The change: a flow log added to a failing VPC (its `flow-logs-enabled` is resolved, and the
//! new flow log's own shortcomings are new failures), a failing VPC removed (gone), a passing
//! flow log narrowed to rejected traffic (a new failure), one suppression added (newly
//! suppressed) and one taken away (no longer suppressed).

use crate::support::browser::{assert_clean_run, browse, rows, show_results};
use crate::support::cmd::{Fa, fa, scan_inventory};
use crate::support::harness::{read_json, repo_path};
use crate::support::json::{each, find};
use crate::support::report_schema::validate;
use crate::support::scan::vpcs_mut;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

const ACCOUNT: &str = "111122223333";
/// Failing in the demo for want of a flow log; gets one.
const FIXED_VPC: &str = "vpc-0123abcd4567ef890";
/// Failing in the demo; removed.
const REMOVED_VPC: &str = "vpc-0a1b2c3d4e5f60718";
/// Passing `traffic-type-all` in the demo; its flow log is narrowed to REJECT.
const NARROWED_VPC: &str = "vpc-0d3e4f5a6b7c8d9e0";
/// Its `destination-encrypted` failure is suppressed in the second run.
const NEWLY_SUPPRESSED_VPC: &str = "vpc-0ab1cd2ef3ab4cd5e";
/// Suppressed in the first run (entry 1 of the demo suppressions), not in the second.
const UNSUPPRESSED_VPC: &str = "vpc-0aa0bb0cc0dd0ee0f";

fn json(path: &Path) -> Value {
    read_json(path)
}

/// The demo inventory after the change, written to `dir/after.json`.
fn changed_inventory(dir: &Path) -> PathBuf {
    let mut inv = json(&repo_path("examples/demo-inventory.json"));
    // The flow log of prod-core (which passes all but the aggregation interval), copied.
    let mut flow_log = vpcs_mut(&mut inv)
        .find(|v| v["id"] == "vpc-0c7d9e1f2a3b4c5d6")
        .unwrap()["flow_logs"][0]
        .clone();
    flow_log["id"] = "fl-0fedcba9876543210".into();
    flow_log["resource_id"] = FIXED_VPC.into();
    for v in vpcs_mut(&mut inv) {
        if v["id"] == FIXED_VPC {
            v["flow_logs"] = Value::Array(vec![flow_log.clone()]);
        }
        if v["id"] == NARROWED_VPC {
            v["flow_logs"][0]["traffic_type"] = "REJECT".into();
        }
    }
    for r in inv["regions"].as_array_mut().unwrap() {
        r["vpcs"]
            .as_array_mut()
            .unwrap()
            .retain(|v| v["id"] != REMOVED_VPC);
    }
    let path = dir.join("after.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&inv).unwrap()).unwrap();
    path
}

/// The demo suppressions without entry 1 and with one more entry.
fn changed_suppressions(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo_path("examples/demo-suppressions.toml")).unwrap();
    let mut entries: Vec<&str> = text.split("[[suppression]]").collect();
    entries.retain(|e| !e.contains(UNSUPPRESSED_VPC));
    let mut out = entries.join("[[suppression]]");
    out.push_str(&format!(
        "\n[[suppression]]\nrule = \"VPC-001\"\ncheck = \"destination-encrypted\"\nresource = \"{NEWLY_SUPPRESSED_VPC}\"\nreason = \"Batch logs hold no personal data (SEC-103)\"\nexpires = 2099-01-01\n"
    ));
    let path = dir.join("after-suppressions.toml");
    std::fs::write(&path, out).unwrap();
    path
}

/// `flowaudit` run in `dir` with `args`: (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = fa().current_dir(dir).args(args).run();
    (out.code(), out.stdout(), out.stderr())
}

/// `scan --from-inventory INV --suppressions SUPP -f FORMAT -o OUT` in `dir`: partial, as the
/// demo has an unreadable region.
fn scan_to(dir: &Path, inv: impl AsRef<OsStr>, supp: impl AsRef<OsStr>, format: &str, out: &str) {
    scan_inventory(inv)
        .current_dir(dir)
        .arg("--suppressions")
        .arg(supp)
        .args(["-f", format, "-o", out])
        .run()
        .assert_code_for(3, "the demo has an unreadable region");
}

/// The scan of the second run (`after.json` with its suppressions) in `dir`, with `old.json` as
/// its baseline.
fn since_old(dir: &Path) -> Fa {
    let mut c = scan_inventory("after.json");
    c.current_dir(dir).args([
        "--suppressions",
        "after-suppressions.toml",
        "--baseline",
        "old.json",
    ]);
    c
}

/// A temporary directory holding `old.json` (the demo with its suppressions) and `new.json`
/// (after the change), with the inventory and suppressions of the second run.
fn reports() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = repo_path("examples/demo-inventory.json");
    let supp = repo_path("examples/demo-suppressions.toml");
    scan_to(d, &demo, &supp, "json", "old.json");
    changed_inventory(d);
    changed_suppressions(d);
    scan_to(
        d,
        "after.json",
        "after-suppressions.toml",
        "json",
        "new.json",
    );
    dir
}

/// (change, resource, rule/check) of every entry of a diff document or baseline section.
fn entries(changes: &Value) -> Vec<(String, String, String)> {
    each(changes)
        .map(|e| {
            (
                e["change"].as_str().unwrap().to_string(),
                e["resource_id"].as_str().unwrap().to_string(),
                format!(
                    "{}/{}",
                    e["rule_id"].as_str().unwrap(),
                    e["check_id"].as_str().unwrap()
                ),
            )
        })
        .collect()
}

fn has(list: &[(String, String, String)], change: &str, vpc: &str, check: &str) -> bool {
    list.iter()
        .any(|(c, v, k)| c == change && v == vpc && k == check)
}

#[test]
fn diff_classifies_every_change_of_the_demo_and_pins_each_format() {
    let dir = reports();
    let d = dir.path();

    let (c, out, err) = run_in(d, &["diff", "old.json", "new.json", "-f", "json"]);
    assert_eq!(c, 1, "new failures at or above low: {err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["schema"], "flowaudit/diff/v1");
    let list = entries(&doc["changes"]);
    assert!(
        has(&list, "resolved", FIXED_VPC, "VPC-001/flow-logs-enabled"),
        "{list:?}"
    );
    assert!(
        has(&list, "new", NARROWED_VPC, "VPC-001/traffic-type-all"),
        "{list:?}"
    );
    assert!(
        has(&list, "gone", REMOVED_VPC, "VPC-001/flow-logs-enabled"),
        "{list:?}"
    );
    assert!(
        has(
            &list,
            "suppressed",
            NEWLY_SUPPRESSED_VPC,
            "VPC-001/destination-encrypted"
        ),
        "{list:?}"
    );
    assert!(
        has(
            &list,
            "unsuppressed",
            UNSUPPRESSED_VPC,
            "VPC-001/flow-logs-enabled"
        ),
        "{list:?}"
    );
    // A failure that did not change is still failing, and nothing else is listed for it.
    assert!(
        has(
            &list,
            "still_failing",
            "vpc-01a2b3c4d5e6f7a8b",
            "VPC-002/delivery-success"
        ),
        "{list:?}"
    );
    // The counts are those of the list, and every change is matched by the SARIF fingerprint.
    for change in [
        "new",
        "unsuppressed",
        "suppressed",
        "resolved",
        "gone",
        "not_evaluated",
        "still_failing",
    ] {
        let n = list.iter().filter(|(c, _, _)| c == change).count();
        assert_eq!(doc["counts"][change], n, "{change}");
    }
    assert_eq!(
        doc["counts"]["new"],
        doc["new_by_severity"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>()
    );
    let old = json(&d.join("old.json"));
    let gone = find(&doc["changes"], "change", "gone");
    let old_result = each(&old["results"])
        .find(|r| r["resource"]["id"] == REMOVED_VPC && r["check_id"] == "flow-logs-enabled")
        .unwrap();
    assert_eq!(gone["account_id"], ACCOUNT);
    assert_eq!(gone["old_status"], old_result["status"]);
    assert_eq!(gone["new_status"], Value::Null);
    // The same identity gives the same fingerprint as the SARIF output.
    let (_, sarif, _) = run_in(d, &["report", "old.json", "-f", "sarif"]);
    let fp = gone["fingerprint"].as_str().unwrap();
    assert!(sarif.contains(fp), "fingerprint {fp} is the SARIF one");
    std::fs::write(d.join("diff.json"), &out).unwrap();
    validate("docs/diff-v1.schema.json", &d.join("diff.json"));

    let (c, text, _) = run_in(d, &["diff", "old.json", "new.json"]);
    assert_eq!(c, 1);
    insta::assert_snapshot!("diff.txt", text);
    let (c, md, _) = run_in(d, &["diff", "old.json", "new.json", "-f", "markdown"]);
    assert_eq!(c, 1);
    insta::assert_snapshot!("diff.md", md);
    insta::assert_snapshot!("diff.json", out);

    // --output writes the same bytes to a file.
    let (c, stdout, _) = run_in(
        d,
        &[
            "diff", "old.json", "new.json", "-f", "markdown", "-o", "d.md",
        ],
    );
    assert_eq!((c, stdout.as_str()), (1, ""));
    assert_eq!(std::fs::read_to_string(d.join("d.md")).unwrap(), md);
}

#[test]
fn diff_exit_code_follows_fail_on_and_the_direction() {
    let dir = reports();
    let d = dir.path();
    let doc: Value =
        serde_json::from_str(&run_in(d, &["diff", "old.json", "new.json", "-f", "json"]).1)
            .unwrap();
    let by_sev = &doc["new_by_severity"];
    // The new failures of the change are medium and below.
    assert!(by_sev["medium"].as_u64().unwrap() > 0, "{by_sev}");
    assert_eq!(by_sev["high"], 0);
    assert_eq!(by_sev["critical"], 0);
    assert_eq!(
        run_in(d, &["diff", "old.json", "new.json", "--fail-on", "medium"]).0,
        1
    );
    assert_eq!(
        run_in(d, &["diff", "old.json", "new.json", "--fail-on", "high"]).0,
        0
    );
    // A report compared with itself has no change but the still failing ones.
    let (c, out, _) = run_in(d, &["diff", "new.json", "new.json", "-f", "json"]);
    assert_eq!(c, 0);
    let same: Value = serde_json::from_str(&out).unwrap();
    for (k, v) in same["counts"].as_object().unwrap() {
        if k != "still_failing" {
            assert_eq!(v, 0, "{k}");
        }
    }
    assert!(same["counts"]["still_failing"].as_u64().unwrap() > 0);
    // Backwards, the new failures are resolved and the gone VPC is new again.
    let (c, out, _) = run_in(d, &["diff", "new.json", "old.json", "-f", "json"]);
    assert_eq!(c, 1);
    let back: Value = serde_json::from_str(&out).unwrap();
    let list = entries(&back["changes"]);
    assert!(has(
        &list,
        "resolved",
        NARROWED_VPC,
        "VPC-001/traffic-type-all"
    ));
    assert!(has(&list, "new", REMOVED_VPC, "VPC-001/flow-logs-enabled"));
}

#[test]
fn diff_refuses_disjoint_accounts_unless_allowed() {
    let dir = reports();
    let d = dir.path();
    let text = std::fs::read_to_string(d.join("new.json")).unwrap();
    std::fs::write(d.join("other.json"), text.replace(ACCOUNT, "999988887777")).unwrap();
    let (c, out, err) = run_in(d, &["diff", "old.json", "other.json"]);
    assert_eq!(c, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("old.json and other.json cannot be compared: they share no account (111122223333 and 999988887777)")
            && err.contains("--allow-disjoint"),
        "{err}"
    );
    let (c, out, err) = run_in(
        d,
        &[
            "diff",
            "old.json",
            "other.json",
            "--allow-disjoint",
            "-f",
            "json",
        ],
    );
    assert_eq!(c, 1, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    // Every failure of the other account is new; none of the old is gone (its account was not
    // scanned), they are not evaluated.
    assert_eq!(doc["counts"]["gone"], 0);
    assert_eq!(doc["counts"]["resolved"], 0);
    assert_eq!(doc["counts"]["still_failing"], 0);
    assert!(doc["counts"]["not_evaluated"].as_u64().unwrap() > 0);
    assert!(doc["counts"]["new"].as_u64().unwrap() > 0);
    // The same for a scan with --baseline.
    let (c, _, err) = run_in(
        d,
        &[
            "report",
            "other.json",
            "--baseline",
            "old.json",
            "-f",
            "text",
        ],
    );
    assert_eq!(c, 2, "{err}");
    assert!(err.contains("share no account"), "{err}");
}

#[test]
fn diff_refuses_other_schemas_and_broken_files_with_their_position() {
    let dir = reports();
    let d = dir.path();
    let text = std::fs::read_to_string(d.join("old.json")).unwrap();
    std::fs::write(
        d.join("v2.json"),
        text.replace("flowaudit/report/v1", "flowaudit/report/v2"),
    )
    .unwrap();
    let (c, out, err) = run_in(d, &["diff", "v2.json", "new.json"]);
    assert_eq!(c, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("v2.json:2:") && err.contains("flowaudit/report/v2"),
        "{err}"
    );
    // A diff document is not a report.
    let (_, diff, _) = run_in(d, &["diff", "old.json", "new.json", "-f", "json"]);
    std::fs::write(d.join("diff.json"), diff).unwrap();
    let (c, _, err) = run_in(d, &["diff", "old.json", "diff.json"]);
    assert_eq!(c, 2);
    assert!(
        err.contains("diff.json: this file is a comparison (flowaudit/diff/v1)"),
        "{err}"
    );
    // Cut short: the position of the end.
    std::fs::write(d.join("cut.json"), &text[..text.len() / 2]).unwrap();
    let (c, _, err) = run_in(d, &["diff", "old.json", "cut.json"]);
    assert_eq!(c, 2);
    let lines = text[..text.len() / 2].lines().count();
    assert!(
        err.contains(&format!("cut.json:{lines}:")) && err.contains("invalid report"),
        "{err}"
    );
    let (c, _, err) = run_in(d, &["diff", "old.json", "missing.json"]);
    assert_eq!(c, 2);
    assert!(err.contains("cannot read report missing.json"), "{err}");
}

#[test]
fn scan_with_a_baseline_adds_the_comparison_to_every_format() {
    let dir = reports();
    let d = dir.path();
    let (_, diff, _) = run_in(d, &["diff", "old.json", "new.json", "-f", "json"]);
    let diff: Value = serde_json::from_str(&diff).unwrap();
    since_old(d)
        .args(["--output-dir", "out", "-f", "json", "-f", "text"])
        .args(["-f", "markdown", "-f", "html"])
        .run()
        .assert_code(3);
    let report = json(&d.join("out/flowaudit.json"));
    let b = &report["baseline"];
    assert_eq!(b["file"], "old.json");
    assert_eq!(b["counts"], diff["counts"]);
    assert_eq!(b["new_by_severity"], diff["new_by_severity"]);
    // The section lists every change of the diff but the still failing ones.
    let want: Vec<Value> = each(&diff["changes"])
        .filter(|e| e["change"] != "still_failing")
        .cloned()
        .collect();
    assert_eq!(b["changes"], Value::Array(want));
    validate("docs/report-v1.schema.json", &d.join("out/flowaudit.json"));
    // Without --baseline the report is what it was: the section is the only difference.
    let mut without = report.clone();
    without.as_object_mut().unwrap().remove("baseline");
    let mut new = json(&d.join("new.json"));
    for doc in [&mut without, &mut new] {
        doc["scan"]["started_at"] = Value::Null;
    }
    assert_eq!(without, new);

    let text = std::fs::read_to_string(d.join("out/flowaudit.txt")).unwrap();
    let line = format!(
        "Since the baseline old.json (2026-01-15T08:00:00.000Z): {} new,",
        diff["counts"]["new"]
    );
    assert!(text.contains(&line), "{text}");
    // Without the JSON report too (the results are then not streamed to a file).
    assert_eq!(since_old(d).run().assert_code(3).stdout(), text);
    let md = std::fs::read_to_string(d.join("out/flowaudit.md")).unwrap();
    assert!(md.contains("### Since the baseline old.json"), "{md}");
    assert!(md.contains("#### New failures"), "{md}");

    // `flowaudit report --baseline` gives the same section.
    let (c, _, err) = run_in(
        d,
        &[
            "report",
            "new.json",
            "--baseline",
            "old.json",
            "-f",
            "json",
            "-o",
            "again.json",
        ],
    );
    assert_eq!(c, 3, "{err}");
    assert_eq!(json(&d.join("again.json"))["baseline"], *b);

    // The HTML filter shows the new failures since the baseline, and the others by change.
    let html = d.join("out/flowaudit.html");
    let set = |value: &str| {
        format!(
            "(() => {{ const e = document.getElementById('f-baseline'); e.value = {value:?}; e.dispatchEvent(new Event('change')); return {}; }})()",
            rows()
        )
    };
    let steps = vec![
        show_results(),
        set("new"),
        set("resolved"),
        set("unsuppressed"),
        set("still_failing"),
        set(""),
        "document.getElementById('baseline-line').textContent".to_string(),
    ];
    let r = browse(&html, &steps, None);
    assert_clean_run(&r);
    let v = r["values"].as_array().unwrap();
    assert_eq!(v[1], diff["counts"]["new"], "new since baseline");
    assert_eq!(v[2], diff["counts"]["resolved"]);
    assert_eq!(v[3], diff["counts"]["unsuppressed"]);
    assert_eq!(v[4], diff["counts"]["still_failing"]);
    assert_eq!(v[5], v[0]);
    assert!(
        v[6].as_str()
            .unwrap()
            .contains("Since the baseline old.json"),
        "{}",
        v[6]
    );
}

/// One SARIF result, as the baseline test reads it.
#[derive(Debug)]
struct SarifEntry {
    resource: String,
    rule: String,
    fingerprint: String,
    state: Option<String>,
    dismissed: bool,
}

/// The SARIF results of `file`.
fn sarif_states(file: &Path) -> Vec<SarifEntry> {
    let log = json(file);
    let mut out = Vec::new();
    for run in log["runs"].as_array().unwrap() {
        for r in run["results"].as_array().unwrap() {
            out.push(SarifEntry {
                resource: r["properties"]["resourceId"].as_str().unwrap().to_string(),
                rule: r["ruleId"].as_str().unwrap().to_string(),
                fingerprint: r["partialFingerprints"]["flowauditResourceCheck/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                state: r
                    .get("baselineState")
                    .map(|s| s.as_str().unwrap().to_string()),
                dismissed: r.get("suppressions").is_some(),
            });
        }
    }
    out
}

#[test]
fn scan_with_a_baseline_marks_each_sarif_result_new_or_unchanged() {
    let dir = reports();
    let d = dir.path();
    // The baseline's failures, open or suppressed, are its SARIF results.
    let demo = repo_path("examples/demo-inventory.json");
    let supp = repo_path("examples/demo-suppressions.toml");
    scan_to(d, &demo, &supp, "sarif", "old.sarif");
    let old = sarif_states(&d.join("old.sarif"));
    assert!(
        old.iter().all(|e| e.state.is_none()),
        "no baselineState without --baseline"
    );
    let failing_before: std::collections::BTreeSet<&str> =
        old.iter().map(|e| e.fingerprint.as_str()).collect();

    // The second run's suppressions, and one for the newly failing traffic type: a new
    // failure that is suppressed at once is new too.
    let mut text = std::fs::read_to_string(d.join("after-suppressions.toml")).unwrap();
    text.push_str(&format!(
        "\n[[suppression]]\nrule = \"VPC-001\"\ncheck = \"traffic-type-all\"\nresource = \"{NARROWED_VPC}\"\nreason = \"Rejected traffic only, by design (SEC-104)\"\nexpires = 2099-01-01\n"
    ));
    std::fs::write(d.join("supp.toml"), text).unwrap();
    // The same report saved, for `flowaudit report --baseline`, which marks a re-rendered
    // report's results the same way.
    scan_to(d, "after.json", "supp.toml", "json", "new-supp.json");
    for args in [
        vec![
            "scan",
            "--from-inventory",
            "after.json",
            "--suppressions",
            "supp.toml",
        ],
        vec!["report", "new-supp.json"],
    ] {
        let mut argv = args.clone();
        argv.extend([
            "--baseline",
            "old.json",
            "-f",
            "sarif",
            "-f",
            "json",
            "--output-dir",
            args[0],
        ]);
        let (c, _, err) = run_in(d, &argv);
        assert_eq!(c, 3, "{args:?}: {err}");
        let sarif = d.join(args[0]).join("flowaudit.sarif");
        let new = sarif_states(&sarif);
        assert!(new.len() > 10, "{new:?}");
        for e in &new {
            let want = if failing_before.contains(e.fingerprint.as_str()) {
                "unchanged"
            } else {
                "new"
            };
            assert_eq!(e.state.as_deref(), Some(want), "{args:?} {e:?}");
        }
        let state_of = |vpc: &str, rule: &str| {
            new.iter()
                .find(|e| e.resource == vpc && e.rule == rule)
                .map(|e| (e.state.clone().unwrap(), e.dismissed))
                .unwrap_or_else(|| panic!("no result for {vpc} {rule}: {new:?}"))
        };
        // A new failure, suppressed at once.
        assert_eq!(
            state_of(NARROWED_VPC, "VPC-001/traffic-type-all"),
            ("new".into(), true)
        );
        // Failing before, suppressed now; suppressed before, failing now; failing in both.
        assert_eq!(
            state_of(NEWLY_SUPPRESSED_VPC, "VPC-001/destination-encrypted"),
            ("unchanged".into(), true)
        );
        assert_eq!(
            state_of(UNSUPPRESSED_VPC, "VPC-001/flow-logs-enabled"),
            ("unchanged".into(), false)
        );
        assert_eq!(
            state_of("vpc-01a2b3c4d5e6f7a8b", "VPC-002/delivery-success"),
            ("unchanged".into(), false)
        );
        // The new failures are those the report's baseline section counts as new, and those
        // newly suppressed that did not fail before.
        let b = &json(&d.join(args[0]).join("flowaudit.json"))["baseline"];
        let news = new
            .iter()
            .filter(|e| e.state.as_deref() == Some("new"))
            .count();
        let suppressed_new = each(&b["changes"])
            .filter(|e| {
                e["change"] == "suppressed"
                    && e["old_status"] != "fail"
                    && e["old_status"] != "suppressed"
            })
            .count();
        assert_eq!(suppressed_new, 1);
        assert_eq!(
            news as u64,
            b["counts"]["new"].as_u64().unwrap() + suppressed_new as u64
        );
        assert!(b["counts"]["new"].as_u64().unwrap() > 0);
        crate::support::sarif::assert_sarif_valid(&sarif);
        if let Some(errors) = crate::support::sarif::multitool_errors(&[&sarif]) {
            panic!("SARIF multitool reported errors:\n{errors}");
        }
    }
}

/// `report_fixture`'s demo report over `n` accounts `PREFIX000000001`, ..., without results.
fn report_of_many_accounts(path: &Path, prefix: &str, n: usize) {
    let mut doc = serde_json::to_value(crate::support::report_fixture::demo_document()).unwrap();
    doc["scan"]["accounts"] = (1..=n)
        .map(|i| Value::from(format!("{prefix}{i:09}")))
        .collect();
    // No results: the demo's are of accounts the report would no longer cover.
    doc["results"] = Value::Array(Vec::new());
    doc["scan"]["account_details"] = Value::Array(Vec::new());
    doc["scan"]["errors"] = Value::Array(Vec::new());
    std::fs::write(path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

#[test]
fn diff_of_reports_of_many_disjoint_accounts_names_a_few() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // About 2 MB of account ids in each report.
    let n = 100_000;
    report_of_many_accounts(&d.join("old.json"), "100", n);
    report_of_many_accounts(&d.join("new.json"), "200", n);
    let (c, out, err) = run_in(d, &["diff", "old.json", "new.json"]);
    assert_eq!(c, 2, "{err}");
    assert!(out.is_empty());
    // The message names the first few accounts of each side and how many there are.
    assert!(
        err.contains(&format!(
            "they share no account (100000000001, 100000000002, 100000000003, 100000000004, 100000000005 and {} more: {n} accounts and 200000000001, ",
            n - 5
        )),
        "{}",
        &err[..err.len().min(2000)]
    );
    assert!(err.len() < 1000, "{} bytes of error", err.len());
}

//! `--fix` and `flowaudit fix` against moto: plan, confirm (flag or terminal prompt), apply,
//! verify by a rescan, dry runs, bad input, and partial failure (denied, throttled, unsuccessful).

use crate::support::cmd::fa;
use crate::support::fix::*;
use crate::support::harness::*;
use crate::support::json::each;
use crate::support::proxy::{Proxy, Response};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn fixes_every_failing_vpc_in_every_region_and_a_rerun_plans_nothing() {
    let moto = Moto::start();
    let ids = seed_account(&moto);
    let ep = moto.endpoint();
    let dir = tmp();
    let before_logs = flow_logs(&ep);
    let before = scan_report(&ep, dir.path(), "before.json");
    let failing: BTreeSet<String> = statuses(&before)
        .into_iter()
        .filter(|((c, _), s)| s == "fail" && (c == "flow-logs-enabled" || c == "traffic-type-all"))
        .map(|((_, v), _)| v)
        .collect();
    // bare_us, bare_ap, rej_eu and the three default VPCs.
    assert!(
        failing.contains(&ids["bare_us"])
            && failing.contains(&ids["rej_eu"])
            && failing.contains(&ids["bare_ap"])
    );
    assert!(!failing.contains(&ids["ok_us"]));
    assert_eq!(failing.len(), 6, "{failing:?}");

    moto.reset_recording();
    // No --fix-max-aggregation-interval: the new flow logs take the interval VPC-004 accepts
    // (60 s), so the fix creates no new failure.
    let (mut fix, log, report) = fix_central(dir.path(), &["scan", "--fix", "--yes"], &ep, "fix");
    let err = fix
        .args(["--fix-tag", "owner=security"])
        .run()
        .assert_code_for(0, "every change applied and verified")
        .stderr();
    assert!(err.contains("flowaudit fix plan: 6 changes"), "{err}");
    assert!(
        err.contains("adds an ALL log next to its REJECT-only flow log"),
        "the plan says the REJECT-only VPC gets an additional log: {err}"
    );
    let calls = moto.recorded_calls();
    assert_eq!(count_calls(&calls, "CreateFlowLogs"), 6, "{calls:?}");
    assert_eq!(count_calls(&calls, "DeleteFlowLogs"), 0);

    // The report: one fix per failing VPC, applied and verified passing.
    let fixed = read_json(&report);
    let fixes = fixed["fixes"].as_array().expect("fixes section");
    assert_eq!(fixes.len(), 6);
    let fixed_vpcs: BTreeSet<String> = fixes
        .iter()
        .map(|f| f["vpc_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fixed_vpcs, failing);
    for f in fixes {
        assert_eq!(f["outcome"], "applied", "{f}");
        assert_eq!(f["verified"]["flow-logs-enabled"], "pass", "{f}");
        assert_eq!(f["verified"]["traffic-type-all"], "pass", "{f}");
        assert_eq!(f["created"].as_array().unwrap().len(), 1);
    }
    // The report's results describe the account after the fix.
    assert!(
        statuses(&fixed)
            .iter()
            .all(|((c, _), s)| c == "destination-encrypted" || s == "pass"),
        "{:?}",
        statuses(&fixed)
    );

    // The change log holds exactly what was created.
    let after_logs = flow_logs(&ep);
    let created = new_ids(&before_logs, &after_logs);
    let logged = read_json(&log);
    assert_eq!(logged_flow_log_ids(&logged), created);
    assert_eq!(logged["account_id"], ACCOUNT);
    let mut change_ids = BTreeSet::new();
    for c in logged["changes"].as_array().unwrap() {
        // A fresh random id per change: 32 lowercase hex digits, nothing derived.
        let id = c["change_id"].as_str().unwrap();
        assert!(
            id.len() == 32
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{c}"
        );
        assert!(change_ids.insert(id.to_string()), "{c}");
        assert!(c.get("client_token").is_none(), "{c}");
        assert!(c["time"].as_str().unwrap().ends_with('Z'));
    }
    for id in &created {
        let fl = &after_logs[id];
        assert_eq!(fl["TrafficType"], "ALL");
        assert_eq!(fl["LogDestinationType"], "s3");
        assert_eq!(fl["LogDestination"], format!("arn:aws:s3:::{BUCKET}"));
        assert_eq!(fl["MaxAggregationInterval"], 60);
        assert!(fl["ResourceId"].as_str().unwrap().starts_with("vpc-"));
    }
    // Every pre-existing flow log is still there, unchanged.
    for (id, fl) in &before_logs {
        assert_eq!(
            after_logs.get(id),
            Some(fl),
            "pre-existing flow log {id} changed"
        );
    }

    // A rescan shows both checks passing everywhere.
    let rescan = scan_report(&ep, dir.path(), "rescan.json");
    for ((check, vpc), status) in statuses(&rescan) {
        if check == "flow-logs-enabled" || check == "traffic-type-all" {
            assert_eq!(status, "pass", "{check} on {vpc}");
        }
    }

    // A second run plans nothing and creates nothing.
    moto.reset_recording();
    let (mut fix, log2, report2) =
        fix_central(dir.path(), &["scan", "--fix", "--yes"], &ep, "again");
    let err = fix.run().assert_code(0).stderr();
    assert!(err.contains("nothing to change"), "{err}");
    let calls = moto.recorded_calls();
    assert_eq!(count_calls(&calls, "CreateFlowLogs"), 0, "{calls:?}");
    assert_eq!(flow_logs(&ep), after_logs);
    assert_eq!(read_json(&report2)["fixes"], json!([]));
    assert!(!log2.exists(), "no change log when nothing changes");
}

#[test]
fn dry_run_sends_dry_run_calls_and_changes_nothing() {
    let moto = Moto::start();
    seed_account(&moto);
    let ep = moto.endpoint();
    let dir = tmp();
    let before = inventory(&ep, dir.path(), "before-inv.json");
    moto.reset_recording();
    // No --yes and no terminal: a dry run needs no confirmation.
    let (mut fix, _, report) = fix_central(dir.path(), &["fix", "--dry-run"], &ep, "dry");
    let err = fix
        .run()
        .assert_code_for(0, "every planned change passes its dry run")
        .stderr();
    assert!(err.contains("dry run"), "{err}");
    assert!(
        err.contains("checked, nothing changed (--dry-run); ") && err.contains("remain"),
        "the failing results are still there, and the summary says so: {err}"
    );
    let calls = moto.recorded_calls();
    assert_eq!(
        count_calls(&calls, "CreateFlowLogs"),
        6,
        "every call is still sent, with DryRun: {calls:?}"
    );
    let fixes = read_json(&report)["fixes"].clone();
    assert_eq!(fixes.as_array().unwrap().len(), 6);
    assert!(
        each(&fixes).all(|f| f["outcome"] == "dry_run_ok"),
        "{fixes}"
    );
    let after = inventory(&ep, dir.path(), "after-inv.json");
    assert_eq!(before, after, "a dry run changed the account");
}

#[test]
fn bad_fix_input_is_a_clear_error_before_anything_is_called() {
    let moto = Moto::start();
    seed_account(&moto);
    let ep = moto.endpoint();
    let dir = tmp();
    // (destination, more flags, what stderr says); no destination: `--fix` alone.
    let cases: Vec<(Option<&str>, Vec<&str>, &str)> = vec![
        (
            Some("cloudwatch:/vpc/flow"),
            vec![],
            "needs --fix-delivery-role",
        ),
        (
            Some("flowaudit-central"),
            vec![],
            "--fix-destination \"flowaudit-central\"",
        ),
        (
            Some("s3://Bad_Bucket"),
            vec![],
            "not a valid S3 bucket name",
        ),
        (None, vec![], "--fix needs --fix-destination"),
        (
            Some("s3://flowaudit-central"),
            vec!["--fix-tag", "novalue"],
            "KEY=VALUE",
        ),
    ];
    let scan_fix = &["scan", "--fix", "--yes"];
    for (dest, extra, needle) in cases {
        moto.reset_recording();
        let mut cmd = match dest {
            Some(dest) => fix_cmd(dir.path(), scan_fix, dest),
            None => {
                let mut c = fa();
                c.current_dir(dir.path()).args(scan_fix);
                c
            }
        };
        cmd.endpoint(&ep)
            .args(&extra)
            .run()
            .assert_code(2)
            .stderr_has(needle)
            .stderr_has("fix:");
        assert!(
            moto.recorded_calls().is_empty(),
            "{dest:?} {extra:?}: AWS was called"
        );
    }
    // An existing change log is never overwritten.
    let other = tmp();
    let old_log = other.path().join("old-log.json");
    std::fs::write(&old_log, "{}").unwrap();
    moto.reset_recording();
    fix_cmd(dir.path(), scan_fix, "s3://flowaudit-central")
        .endpoint(&ep)
        .arg("--fix-log")
        .arg(&old_log)
        .run()
        .assert_code(2)
        .stderr_has("already exists")
        .stderr_has("old-log.json");
    assert!(moto.recorded_calls().is_empty());
    assert_eq!(std::fs::read_to_string(&old_log).unwrap(), "{}");
    // Fix flags without --fix are refused too.
    fix_cmd(dir.path(), &["scan"], "s3://x-bucket")
        .endpoint(&ep)
        .run()
        .assert_code(2)
        .stderr_has("only applies with --fix");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no change log written"
    );
}

#[test]
fn without_a_terminal_and_without_yes_nothing_changes() {
    let moto = Moto::start();
    seed_account(&moto);
    let ep = moto.endpoint();
    let dir = tmp();
    let before = flow_logs(&ep);
    moto.reset_recording();
    let (mut fix, log, _) = fix_central(dir.path(), &["scan", "--fix"], &ep, "fix");
    let err = fix.run().assert_code(2).stderr();
    assert!(
        err.contains("flowaudit fix plan: 6 changes"),
        "the plan is shown: {err}"
    );
    assert!(
        err.contains("no terminal") && err.contains("--yes") && err.contains("nothing was changed"),
        "{err}"
    );
    let calls = moto.recorded_calls();
    assert!(
        calls
            .iter()
            .all(|c| c.operation.starts_with("Describe") || c.operation.starts_with("Get")),
        "{calls:?}"
    );
    assert_eq!(flow_logs(&ep), before);
    assert!(!log.exists());
}

#[test]
fn regions_refusing_or_throttling_writes_are_reported_and_the_others_are_fixed() {
    let moto = Moto::start();
    let ids = seed_account(&moto);
    let ep_moto = moto.endpoint();
    let dir = tmp();
    let before = flow_logs(&ep_moto);
    let denied = Arc::new(AtomicUsize::new(0));
    let throttled = Arc::new(AtomicUsize::new(0));
    let (d2, t2) = (denied.clone(), throttled.clone());
    // eu-west-1 denies CreateFlowLogs; ap-southeast-2 throttles it on every attempt.
    let proxy = Proxy::faulty(moto.port, move |req| {
        let create = req.action() == "CreateFlowLogs";
        match req.scope().0.as_str() {
            "eu-west-1" if create => {
                d2.fetch_add(1, Ordering::SeqCst);
                Some(Response::ec2_error(
                    403,
                    "UnauthorizedOperation",
                    "You are not authorized to perform this operation.",
                ))
            }
            "ap-southeast-2" if create => {
                t2.fetch_add(1, Ordering::SeqCst);
                Some(Response::ec2_error(
                    503,
                    "RequestLimitExceeded",
                    "Request limit exceeded.",
                ))
            }
            _ => None,
        }
    });
    let (mut fix, log, report) =
        fix_central(dir.path(), &["fix", "--yes"], &proxy.endpoint(), "fix");
    let err = fix
        .run()
        .assert_code_for(1, "planned changes failed")
        .stderr();
    // eu-west-1 has two failing VPCs (default and REJECT-only): access errors are not retried.
    assert_eq!(denied.load(Ordering::SeqCst), 2);
    // ap-southeast-2 has two (default and bare_ap): throttling is retried (--max-attempts 2).
    assert_eq!(throttled.load(Ordering::SeqCst), 4);
    assert!(err.contains("4 of 6 planned changes failed"), "{err}");
    assert!(
        err.contains("UnauthorizedOperation") && err.contains("RequestLimitExceeded"),
        "{err}"
    );
    let fixes = read_json(&report)["fixes"].as_array().unwrap().clone();
    for f in &fixes {
        let why = match f["region"].as_str().unwrap() {
            "eu-west-1" => "UnauthorizedOperation",
            "ap-southeast-2" => "RequestLimitExceeded",
            _ => {
                assert_eq!(f["outcome"], "applied", "{f}");
                assert_eq!(f["verified"]["flow-logs-enabled"], "pass", "{f}");
                continue;
            }
        };
        assert_eq!(f["outcome"], "failed", "{f}");
        assert!(f["error"].as_str().unwrap().contains(why), "{f}");
        assert!(
            f["verified"]["flow-logs-enabled"].is_string()
                && f["verified"]["traffic-type-all"].is_string()
                && (f["verified"]["flow-logs-enabled"] != "pass"
                    || f["verified"]["traffic-type-all"] != "pass"),
            "the report shows the checks still not passing: {f}"
        );
    }
    assert!(
        fixes
            .iter()
            .any(|f| f["vpc_id"] == json!(ids["rej_eu"]) && f["outcome"] == "failed")
    );
    // The change log holds exactly what was created, and records the failures.
    let after = flow_logs(&ep_moto);
    let created = new_ids(&before, &after);
    assert_eq!(created.len(), 2, "only us-east-1 was fixed");
    assert!(created.iter().all(|id| after[id]["Region"] == "us-east-1"));
    let logged = read_json(&log);
    let changes = logged["changes"].as_array().unwrap();
    assert_eq!(logged_flow_log_ids(&logged), created);
    assert_eq!(
        changes.iter().filter(|c| c["outcome"] == "failed").count(),
        4
    );
}

#[test]
fn unsuccessful_items_are_reported_per_vpc() {
    let moto = Moto::start();
    seed_account(&moto);
    let ep = moto.endpoint();
    let dir = tmp();
    let before = flow_logs(&ep);
    let (log, report) = (dir.path().join("l.json"), dir.path().join("r.json"));
    // The bucket does not exist: EC2 answers with an Unsuccessful item for each VPC.
    fix_run(
        dir.path(),
        &["fix", "--yes"],
        "s3://no-such-bucket-here",
        &ep,
        "us-east-1",
        &log,
        &report,
    )
    .run()
    .assert_code(1);
    let fixes = read_json(&report)["fixes"].as_array().unwrap().clone();
    assert_eq!(fixes.len(), 2, "bare_us and the default VPC: {fixes:?}");
    for f in &fixes {
        assert_eq!(f["outcome"], "failed", "{f}");
        let e = f["error"].as_str().unwrap();
        assert!(
            e.contains("unsuccessful") && e.contains("does not exist"),
            "{e}"
        );
        assert_eq!(f["created"], json!([]));
        assert_eq!(f["verified"]["flow-logs-enabled"], "fail", "{f}");
    }
    assert_eq!(flow_logs(&ep), before);
    let logged = read_json(&log);
    assert!(
        each(&logged["changes"])
            .all(|c| c["outcome"] == "failed" && c["flow_log_ids"] == json!([]))
    );
}

#[test]
fn unsafe_key_association_failure_is_reported_for_that_change_only() {
    let moto = Moto::start();
    let ids = seed_for_cloudwatch(
        &moto,
        "us-east-1",
        json!([
        {"op": "log_group", "region": "us-east-1", "name": "/plain", "retention": 365},
        {"op": "vpc", "region": "us-east-1", "key": "plain", "cidr": "10.1.0.0/16"},
        {"op": "flow_log", "region": "us-east-1", "resource": "$plain", "traffic": "ALL", "log_group": "/plain", "role": "$role", "max_aggregation_interval": 60},
        {"op": "vpc", "region": "us-east-1", "key": "bare", "cidr": "10.2.0.0/16"}
        ]),
    );
    let ep = moto.endpoint();
    let dir = tmp();
    let (log, report) = (dir.path().join("l.json"), dir.path().join("r.json"));
    let key_flags = [
        "--fix-delivery-role",
        &ids["role"],
        "--fix-kms-key",
        &ids["key"],
    ];
    // Without --unsafe-fixes the plan only points out the unencrypted group.
    let err = fix_cmd(dir.path(), &["fix", "--dry-run"], "cloudwatch:/plain")
        .args(key_flags)
        .endpoint(&ep)
        .args(["--region", "us-east-1", "--format", "json", "-o"])
        .arg(&report)
        .run()
        .stderr();
    assert!(
        err.contains("log group /plain is not encrypted") && err.contains("--unsafe-fixes"),
        "{err}"
    );
    assert!(!err.contains("associate KMS key"), "{err}");

    moto.reset_recording();
    fix_run(
        dir.path(),
        &["fix", "--unsafe-fixes", "--yes"],
        "cloudwatch:/plain",
        &ep,
        "us-east-1",
        &log,
        &report,
    )
    .args(key_flags)
    .run()
    .assert_code(1)
    .stderr_has("associate KMS key");
    let fixes = read_json(&report)["fixes"].as_array().unwrap().clone();
    let assoc: Vec<&Value> = fixes
        .iter()
        .filter(|f| f["action"] == "associate-kms-key")
        .collect();
    assert_eq!(assoc.len(), 1, "{fixes:?}");
    assert_eq!(assoc[0]["outcome"], "failed");
    assert!(
        assoc[0]["error"]
            .as_str()
            .unwrap()
            .contains("AssociateKmsKey /plain"),
        "{:?}",
        assoc[0]
    );
    // The flow-log fixes went ahead.
    let flow: Vec<&Value> = fixes
        .iter()
        .filter(|f| f["action"] == "create-flow-log")
        .collect();
    assert!(
        !flow.is_empty()
            && flow
                .iter()
                .all(|f| f["outcome"] == "applied" && f["verified"]["flow-logs-enabled"] == "pass"),
        "{fixes:?}"
    );
    assert!(count_calls(&moto.recorded_calls(), "AssociateKmsKey") >= 1);
}

/// VPC ids a dry run would fix, with `extra` flags.
fn planned_vpcs(ep: &str, dir: &Path, extra: &[&str]) -> BTreeSet<String> {
    let report = dir.join("scope.json");
    let mut cmd = fix_cmd(dir, &["fix", "--dry-run"], &format!("s3://{BUCKET}"));
    cmd.endpoint(ep)
        .args(["--format", "json", "-o"])
        .arg(&report);
    if !extra.contains(&"--region") {
        cmd.args(["--region", &regions_arg()]);
    }
    cmd.args(extra).run().assert_complete();
    each(&read_json(&report)["fixes"])
        .map(|f| f["vpc_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn suppressed_results_are_never_fixed_and_filters_narrow_the_plan() {
    let moto = Moto::start();
    let ids = seed_account(&moto);
    let ep = moto.endpoint();
    let dir = tmp();
    let all = planned_vpcs(&ep, dir.path(), &[]);
    assert_eq!(all.len(), 6, "{all:?}");
    let sup = dir.path().join("suppressions.toml");
    std::fs::write(
        &sup,
        format!(
            "[[suppression]]\nrule = \"VPC-001\"\nresource = \"{}\"\nreason = \"accepted: lab VPC\"\nexpires = 2099-12-31\n",
            ids["bare_us"]
        ),
    )
    .unwrap();
    let with_sup = planned_vpcs(&ep, dir.path(), &["--suppressions", sup.to_str().unwrap()]);
    let mut expected = all.clone();
    expected.remove(&ids["bare_us"]);
    assert_eq!(with_sup, expected, "the suppressed VPC is left alone");
    assert_eq!(
        planned_vpcs(&ep, dir.path(), &["--fix-resource", &ids["bare_ap"]]),
        BTreeSet::from([ids["bare_ap"].clone()])
    );
    assert_eq!(
        planned_vpcs(&ep, dir.path(), &["--fix-rule", "VPC-001/traffic-type-all"]),
        BTreeSet::from([ids["rej_eu"].clone()]),
        "only the REJECT-only VPC fails traffic-type-all (it is skipped where no log exists)"
    );
    assert!(planned_vpcs(&ep, dir.path(), &["--fix-rule", "VPC-004"]).is_empty());
    let eu = planned_vpcs(&ep, dir.path(), &["--region", "eu-west-1"]);
    assert_eq!(eu.len(), 2);
    assert!(eu.contains(&ids["rej_eu"]));
    // Nothing was created by any of these dry runs.
    assert!(flow_logs(&ep).len() == 2);
}

#[test]
fn on_a_terminal_the_user_confirms_or_declines() {
    let moto = Moto::start();
    seed_account(&moto);
    let ep = moto.endpoint();
    let dir = tmp();
    let before = flow_logs(&ep);
    let fix = |log: &Path, report: &Path| {
        fix_run(
            dir.path(),
            &["fix"],
            &format!("s3://{BUCKET}"),
            &ep,
            "us-east-1",
            log,
            report,
        )
    };
    let (log, report) = (dir.path().join("no-log.json"), dir.path().join("no.json"));
    let (c, out) = fix(&log, &report).run_on_terminal("n\n");
    assert!(out.contains("apply these 2 changes? [y/N]"), "{out}");
    assert!(out.contains("nothing was changed"), "{out}");
    assert_eq!(c, 1, "declining leaves the failing results: {out}");
    assert_eq!(flow_logs(&ep), before);
    assert!(!log.exists());
    let fixes = read_json(&report)["fixes"].as_array().unwrap().clone();
    assert_eq!(fixes.len(), 2);
    assert!(
        fixes
            .iter()
            .all(|f| f["outcome"] == "skipped"
                && f["error"] == "declined at the confirmation prompt"),
        "{fixes:?}"
    );

    let (log, report) = (dir.path().join("yes-log.json"), dir.path().join("yes.json"));
    let (c, out) = fix(&log, &report).run_on_terminal("y\n");
    assert_eq!(c, 0, "{out}");
    assert_eq!(flow_logs(&ep).len(), before.len() + 2);
    assert!(each(&read_json(&report)["fixes"]).all(|f| f["outcome"] == "applied"));
}

/// The failing (failed or suppressed-failure) results of a report, by (rule/check, resource).
fn failing_results(report: &Value) -> BTreeSet<(String, String)> {
    each(&report["results"])
        .filter(|r| {
            r["status"] == "fail"
                || (r["status"] == "suppressed" && r["suppression"]["original_status"] == "fail")
        })
        .map(|r| {
            (
                format!(
                    "{}/{}",
                    r["rule_id"].as_str().unwrap(),
                    r["check_id"].as_str().unwrap()
                ),
                r["resource"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn fix_with_a_baseline_counts_the_fixed_failure_as_resolved() {
    let moto = Moto::start();
    let ids = seed_account(&moto);
    let ep = moto.endpoint();
    let dir = tmp();
    // The baseline: a scan before the fix.
    scan_report(&ep, dir.path(), "before.json");
    let baseline = dir.path().join("before.json.report.json");
    let before = read_json(&baseline);
    let failing_before = failing_results(&before);
    let fixed = (
        "VPC-001/flow-logs-enabled".to_string(),
        ids["bare_us"].clone(),
    );
    assert!(failing_before.contains(&fixed), "{failing_before:?}");

    // Only bare_us is fixed: the other failures still fail.
    let only_bare_us = ["fix", "--yes", "--fix-resource", &ids["bare_us"]];
    let (mut fix, _, report) = fix_central(dir.path(), &only_bare_us, &ep, "fix");
    let out = fix.arg("--baseline").arg(&baseline).run();
    let (c, err) = (out.code(), out.stderr());
    // `fix` speaks of its changes: the unfixed VPCs still fail, and the summary says so.
    assert_eq!(
        c, 0,
        "the one planned change is applied and verified: {err}"
    );
    assert!(
        err.contains("flowaudit: exit 0: 1 planned change applied and verified; ")
            && err.contains("failing results remain"),
        "{err}"
    );
    let after = read_json(&report);
    assert_eq!(after["fixes"].as_array().unwrap().len(), 1, "{err}");
    assert_eq!(after["fixes"][0]["outcome"], "applied");
    let failing_after = failing_results(&after);
    assert!(!failing_after.contains(&fixed));

    // Run again: nothing left to change for that VPC, so exit 0 although failures remain.
    let (mut fix, _, _) = fix_central(dir.path(), &only_bare_us, &ep, "again");
    let err = fix.run().assert_code(0).stderr();
    assert!(
        err.contains("flowaudit: exit 0: nothing to change; ") && err.contains("remain"),
        "{err}"
    );

    // The section compares the report after the fix with the baseline.
    let b = &after["baseline"];
    assert_eq!(b["file"], baseline.to_str().unwrap());
    assert_eq!(b["started_at"], before["scan"]["started_at"]);
    let listed = |change: &str| -> BTreeSet<(String, String)> {
        each(&b["changes"])
            .filter(|e| e["change"] == change)
            .map(|e| {
                (
                    format!(
                        "{}/{}",
                        e["rule_id"].as_str().unwrap(),
                        e["check_id"].as_str().unwrap()
                    ),
                    e["resource_id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let resolved = listed("resolved");
    assert!(resolved.contains(&fixed), "{b}");
    // Every resolved failure is one of the fixed VPC, every failure of the baseline that is
    // not resolved still fails, and whatever fails now that did not before is new.
    assert!(
        resolved.iter().all(|(_, vpc)| *vpc == ids["bare_us"]),
        "{b}"
    );
    let want_resolved: BTreeSet<_> = failing_before.difference(&failing_after).cloned().collect();
    assert_eq!(resolved, want_resolved);
    let want_new: BTreeSet<_> = failing_after.difference(&failing_before).cloned().collect();
    assert_eq!(listed("new"), want_new);
    let counts = &b["counts"];
    assert_eq!(counts["resolved"], resolved.len());
    assert_eq!(counts["new"], want_new.len());
    assert_eq!(
        counts["still_failing"],
        failing_before.intersection(&failing_after).count()
    );
    assert!(counts["still_failing"].as_u64().unwrap() > 0, "{b}");
    for change in ["gone", "not_evaluated", "suppressed", "unsuppressed"] {
        assert_eq!(counts[change], 0, "{change}: {b}");
    }
}

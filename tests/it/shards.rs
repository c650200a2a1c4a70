//! Sharded organization scans (`scan --shard`) against moto, merged with `flowaudit report`.

use crate::support::cmd::{Fa, Out, fa};
use crate::support::harness::*;
use crate::support::json::each;
use crate::support::org::{Refuse, count_op, counts, org_proxy, seed_org};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// flowaudit without the job-array index variables of the environment the tests run in.
fn sharded() -> Fa {
    let mut c = fa();
    c.env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX");
    c
}

/// `scan --org` through `endpoint` in us-east-1, its JSON report written to `report`; extra
/// `args` and `env`. Returns the run and the report.
fn org_scan(endpoint: &str, report: &Path, args: &[&str], env: &[(&str, &str)]) -> (Out, Value) {
    let out = sharded()
        .args(["scan", "--org"])
        .endpoint(endpoint)
        .args(["--region", "us-east-1", "--format", "json", "--output"])
        .arg(report)
        .args(args)
        .envs(env)
        .run();
    let text = std::fs::read_to_string(report)
        .unwrap_or_else(|e| panic!("no report ({e}){}", out.shown()));
    (out, serde_json::from_str(&text).unwrap())
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| match s.as_str() {
            Some(s) => s.to_string(),
            None => s.to_string(),
        })
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// DescribeVpcs calls by the account that signed them.
fn describe_vpcs_by_account(log: &crate::support::org::CallLog) -> BTreeMap<String, usize> {
    let mut by = BTreeMap::new();
    for ((account, _, op), n) in counts(log) {
        if op == "DescribeVpcs" {
            *by.entry(account).or_insert(0) += n;
        }
    }
    by
}

#[test]
fn three_shards_merged_equal_one_unsharded_scan() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let (proxy, log) = org_proxy(&moto, Refuse::default());
    let dir = tempfile::tempdir().unwrap();

    let whole_path = dir.path().join("whole.json");
    let (out, whole) = org_scan(&proxy.endpoint(), &whole_path, &[], &[]);
    out.assert_code_for(1, "findings, nothing partial");
    let whole_calls = describe_vpcs_by_account(&log);
    log.lock().unwrap().clear();

    // Three shard processes, each given its index as a Kubernetes Indexed Job gives it.
    let mut shard_files = Vec::new();
    let mut covered: Vec<String> = Vec::new();
    for i in 0..3 {
        let path = dir.path().join(format!("shard-{i}.json"));
        let index = i.to_string();
        let (out, report) = org_scan(
            &proxy.endpoint(),
            &path,
            &["--shard", "auto/3"],
            &[("JOB_COMPLETION_INDEX", index.as_str())],
        );
        out.assert_complete();
        let shard = &report["scan"]["shard"];
        assert_eq!(shard["index"], i);
        assert_eq!(shard["count"], 3);
        let mine = strings(&shard["accounts"]);
        // The shard's details are exactly its accounts; every result is of one of them.
        let details: Vec<String> = report["scan"]["account_details"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|a| a["id"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(details, mine);
        for r in report["results"].as_array().unwrap() {
            assert!(mine.contains(&r["resource"]["account_id"].as_str().unwrap().to_string()));
        }
        covered.extend(mine);
        crate::support::report_schema::validate_against_schema(&path);
        shard_files.push(path);
    }
    // Every selected account (the closed one too) in exactly one shard.
    let mut all: Vec<String> = w.members.values().cloned().collect();
    all.push(ACCOUNT.to_string());
    assert_eq!(sorted(covered.clone()), sorted(all.clone()));
    assert_eq!(covered.len(), all.len(), "an account in two shards");
    // Each account was read once across the shards, as in the unsharded scan.
    assert_eq!(describe_vpcs_by_account(&log), whole_calls);

    let merged_path = dir.path().join("merged.json");
    sharded()
        .arg("report")
        .args(&shard_files)
        .args(["--format", "json", "--output"])
        .arg(&merged_path)
        .run()
        .assert_code(1);
    let merged = read_json(&merged_path);
    let results = |d: &Value| sorted(each(&d["results"]).map(|r| r.to_string()).collect());
    assert_eq!(results(&merged), results(&whole));
    assert_eq!(merged["summary"], whole["summary"]);
    for key in [
        "accounts",
        "regions",
        "partial",
        "errors",
        "account_details",
    ] {
        assert_eq!(merged["scan"][key], whole["scan"][key], "{key}");
    }
    assert!(merged["scan"].get("shard").is_none());
    assert!(
        !merged["summary"]["by_check"]
            .as_object()
            .unwrap()
            .is_empty()
    );
    // The closed account is merged as a skipped account.
    let closed = each(&merged["scan"]["account_details"])
        .find(|a| a["id"] == w.id("closed"))
        .unwrap();
    assert_eq!(closed["scanned"], false);

    // Two shards of three: merged, with a warning that one is missing.
    sharded()
        .arg("report")
        .args(&shard_files[..2])
        .args(["--format", "text", "--output", "/dev/null"])
        .run()
        .stderr_has("shard 2/3 missing");
}

#[test]
fn a_shard_given_no_account_writes_an_empty_report_and_exits_0() {
    let moto = Moto::start();
    seed_org(&moto);
    let (proxy, log) = org_proxy(&moto, Refuse::default());
    let dir = tempfile::tempdir().unwrap();
    // Six accounts in 40 shards: most shards have none. Find one through the reports.
    for i in 0..40 {
        let path = dir.path().join(format!("s{i}.json"));
        let index = i.to_string();
        let (out, report) = org_scan(
            &proxy.endpoint(),
            &path,
            &["--shard", "auto/40"],
            &[("AWS_BATCH_JOB_ARRAY_INDEX", index.as_str())],
        );
        if !report["scan"]["shard"]["accounts"]
            .as_array()
            .unwrap()
            .is_empty()
        {
            continue;
        }
        out.assert_code(0);
        assert_eq!(report["scan"]["shard"]["index"], i);
        assert_eq!(report["scan"]["accounts"], serde_json::json!([]));
        assert_eq!(report["results"], serde_json::json!([]));
        assert_eq!(report["summary"]["total"], 0);
        crate::support::report_schema::validate_against_schema(&path);
        // Nothing of any account was read.
        log.lock().unwrap().clear();
        org_scan(
            &proxy.endpoint(),
            &path,
            &["--shard", &format!("{i}/40")],
            &[],
        );
        assert_eq!(count_op(&log, "DescribeVpcs"), 0);
        assert_eq!(count_op(&log, "AssumeRole"), 0);
        return;
    }
    panic!("no empty shard among 40");
}

#[test]
fn a_shard_index_that_is_missing_or_out_of_range_exits_2_before_any_call() {
    let moto = Moto::start();
    let (proxy, log) = org_proxy(&moto, Refuse::default());
    let ep = proxy.endpoint();
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec!["--org", "--shard", "auto/3"],
            vec![],
            "neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor AWS_BATCH_JOB_ARRAY_INDEX",
        ),
        (
            vec!["--org", "--shard", "auto/3"],
            vec![("JOB_COMPLETION_INDEX", "3")],
            "JOB_COMPLETION_INDEX is 3, not a shard index from 0 to 2",
        ),
        (
            vec!["--org", "--shard", "auto/3"],
            vec![("AWS_BATCH_JOB_ARRAY_INDEX", "x")],
            "AWS_BATCH_JOB_ARRAY_INDEX is x, not a shard index",
        ),
        (
            vec!["--org", "--shard", "3/3"],
            vec![],
            "INDEX is a number from 0 to 2",
        ),
        (
            vec!["--org", "--shard", "1/0"],
            vec![],
            "COUNT is a number from 1",
        ),
        (
            vec!["--shard", "0/3"],
            vec![],
            "--shard only applies to a scan of several accounts",
        ),
    ];
    for (args, env, want) in cases {
        sharded()
            .arg("scan")
            .endpoint(&ep)
            .args(["--region", "us-east-1"])
            .args(&args)
            .envs(&env)
            .run()
            .assert_code(2)
            .stderr_has(want);
    }
    assert!(log.lock().unwrap().is_empty(), "no call may be made");
}

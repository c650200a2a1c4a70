//! The recovery pass: an organization scan under throttling reads again what failed for a
//! reason that can pass, so that it ends complete, with the verdicts of an unthrottled scan;
//! under throttling that never ends it still ends, every part an error entry.

use crate::support::harness::Moto;
use crate::support::proxy::{Proxy, Response};
use crate::support::scan::scan_at;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const MEMBERS: usize = 20;

/// An organization of MEMBERS members, each with a VPC in us-east-1 and in eu-west-1.
fn seed(moto: &Moto) {
    let mut ops = vec![json!({"op": "organization", "key": "root"})];
    for i in 0..MEMBERS {
        ops.push(json!({"op": "org_account", "key": format!("m{i}"), "name": format!("member-{i}"), "parent": "$root"}));
        for (j, region) in ["us-east-1", "eu-west-1"].iter().enumerate() {
            ops.push(
                json!({"op": "vpc", "region": region, "account": format!("$m{i}"),
                "key": format!("v{i}_{j}"), "cidr": format!("10.{i}.{j}.0/24")}),
            );
        }
    }
    moto.seed(&Value::Array(ops));
}

/// A proxy throttling `percent` of the EC2 listings and AssumeRole calls, in a fixed
/// pseudo-random order.
fn throttling(moto: &Moto, percent: u64) -> Proxy {
    let n = Arc::new(AtomicU64::new(0));
    Proxy::faulty(moto.port, move |req| {
        let action = req.action();
        let ec2 = action.starts_with("Describe");
        if !(ec2 || action == "AssumeRole") {
            return None;
        }
        let i = n.fetch_add(1, Ordering::SeqCst);
        // A multiplicative hash of the call's number: every `percent` in 100, spread out.
        let roll = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
        if roll % 100 >= percent {
            return None;
        }
        Some(if ec2 {
            Response::injected(503, "RequestLimitExceeded")
        } else {
            Response::sts_error(400, "Throttling", "Rate exceeded")
        })
    })
}

fn org_scan(endpoint: &str) -> crate::support::cmd::Out {
    scan_at(endpoint)
        .args([
            "--org",
            "--region",
            "us-east-1,eu-west-1",
            "--max-attempts",
            "2",
        ])
        .json_report()
        .run()
}

#[test]
fn throttled_organization_scans_recover_every_part_and_match_the_unthrottled_verdicts() {
    let moto = Moto::start();
    seed(&moto);
    let clean = org_scan(&moto.endpoint());
    clean.assert_code(1);
    let want = clean.report();
    assert_eq!(want["scan"]["errors"], json!([]));
    assert_eq!(
        want["scan"]["accounts"].as_array().unwrap().len(),
        MEMBERS + 1
    );
    let proxy = throttling(&moto, 20);
    let mut recovered = 0;
    for run in 0..5 {
        let out = org_scan(&proxy.endpoint());
        out.assert_code(1);
        let got = out.report();
        assert_eq!(got["scan"]["errors"], json!([]), "run {run}");
        assert_eq!(got["results"], want["results"], "run {run}: the verdicts");
        assert_eq!(got["summary"], want["summary"], "run {run}");
        recovered += got["scan"]["recovered"].as_u64().unwrap_or(0);
    }
    assert!(recovered > 0, "the recovery pass had parts to read again");
}

#[test]
fn throttling_that_never_ends_still_ends_the_scan_with_every_part_an_error() {
    let moto = Moto::start();
    seed(&moto);
    let proxy = throttling(&moto, 100);
    let out = org_scan(&proxy.endpoint());
    out.assert_code(3);
    let report = out.report();
    // Nothing was read: the only results are the unread regions' checks, in error.
    assert!(
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "error"),
        "{}",
        report["results"]
    );
    let errors = report["scan"]["errors"].as_array().unwrap();
    // Every member is an AssumeRole error; the caller's two regions are listing errors.
    let assume = errors
        .iter()
        .filter(|e| e["operation"] == "AssumeRole" && e["class"] == "throttling")
        .count();
    assert_eq!(assume, MEMBERS);
    let caller_regions: std::collections::BTreeSet<&str> = errors
        .iter()
        .filter(|e| e["account_id"] == "123456789012")
        .filter_map(|e| e["region"].as_str())
        .collect();
    assert_eq!(
        caller_regions,
        std::collections::BTreeSet::from(["eu-west-1", "us-east-1"])
    );
    assert!(report["scan"].get("recovered").is_none());
}

#[test]
fn an_account_read_again_keeps_the_regions_of_its_accounts_file_entry() {
    let moto = Moto::start();
    let mut ops = vec![json!({"op": "organization", "key": "root"})];
    ops.push(json!({"op": "org_account", "key": "m0", "name": "member-0", "parent": "$root"}));
    for (j, region) in ["us-east-1", "eu-west-1"].iter().enumerate() {
        ops.push(
            json!({"op": "vpc", "region": region, "account": "$m0", "key": format!("v{j}"),
            "cidr": format!("10.0.{j}.0/24")}),
        );
    }
    let ids = moto.seed(&Value::Array(ops));
    let member = ids["m0"].clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accounts.toml");
    std::fs::write(
        &file,
        format!("[[accounts]]\nid = \"{member}\"\nrole = \"Audit\"\nregions = [\"eu-west-1\"]\n"),
    )
    .unwrap();
    // The member's first AssumeRole is throttled: the main pass fails the whole account, and
    // the recovery pass reads it again.
    let assumed = Arc::new(AtomicU64::new(0));
    let assumed2 = assumed.clone();
    let proxy = Proxy::faulty(moto.port, move |req| {
        (req.action() == "AssumeRole" && assumed2.fetch_add(1, Ordering::SeqCst) == 0)
            .then(|| Response::sts_error(400, "Throttling", "Rate exceeded"))
    });
    let out = scan_at(&proxy.endpoint())
        .args(["--accounts-file", file.to_str().unwrap()])
        .args(["--region", "us-east-1", "--max-attempts", "1"])
        .json_report()
        .run();
    out.assert_code(1);
    assert_eq!(
        assumed.load(Ordering::SeqCst),
        2,
        "one refused, one granted"
    );
    let report = out.report();
    assert_eq!(report["scan"]["errors"], json!([]));
    assert_eq!(report["scan"]["recovered"], json!(1));
    let inv = out.inventory();
    let regions: Vec<(&str, &str)> = inv["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["account_id"].as_str().unwrap(),
                r["region"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        regions,
        vec![(member.as_str(), "eu-west-1")],
        "only the entry's region"
    );
}

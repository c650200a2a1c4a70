//! In-use evidence: the network interface count of each VPC on its results, failing VPCs ordered
//! by it in the text summary, and `--skip-unused` (or `scan.skip_unused`) skipping the VPC rules on
//! VPCs without network interfaces. A live scan's counts are checked in `collect.rs`.

use crate::support::cmd::fa;
use crate::support::harness::*;
use crate::support::json::each;
use serde_json::{Value, json};

/// The demo inventory with counts: the plain-log-group VPC has 40 interfaces, the VPC without
/// logs 0, the REJECT-only VPC 3; the others were not counted.
fn inventory(dir: &std::path::Path) -> std::path::PathBuf {
    let mut inv = repo_json("tests/fixtures/demo-inventory.json");
    for r in inv["regions"].as_array_mut().unwrap() {
        for v in r["vpcs"].as_array_mut().unwrap() {
            let n = match v["id"].as_str().unwrap() {
                "vpc-0a11ce0000000004" => json!(40),
                "vpc-0a11ce0000000002" => json!(0),
                "vpc-0a11ce0000000003" => json!(3),
                _ => continue,
            };
            v["network_interfaces"] = n;
        }
    }
    let p = dir.join("inv.json");
    std::fs::write(&p, serde_json::to_vec(&inv).unwrap()).unwrap();
    p
}

fn scan(inv: &std::path::Path, extra: &[&str]) -> (Value, String) {
    let o = fa()
        .args(["scan", "--from-inventory"])
        .arg(inv)
        .args(extra)
        .args(["--format", "json", "--format", "text"])
        .output_dir()
        .run();
    assert!(o.code() == 1 || o.code() == 3, "{}", o.shown());
    (o.output_json("flowaudit.json"), o.output("flowaudit.txt"))
}

fn results<'a>(doc: &'a Value, vpc: &str) -> Vec<&'a Value> {
    each(&doc["results"])
        .filter(|r| r["resource"]["id"] == vpc)
        .collect()
}

#[test]
fn counts_reach_results_and_order_the_failures() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path());
    let (doc, text) = scan(&inv, &[]);
    for r in results(&doc, "vpc-0a11ce0000000004") {
        assert_eq!(r["resource"]["network_interfaces"], 40, "{r}");
    }
    for r in results(&doc, "vpc-0a11ce0000000002") {
        assert_eq!(r["resource"]["network_interfaces"], 0, "{r}");
        assert!(
            !r["message"]
                .as_str()
                .unwrap()
                .contains("has no network interfaces"),
            "off by default: {r}"
        );
    }
    // Not counted: no field (additive in report v1).
    for r in results(&doc, "vpc-0a11ce0000000001") {
        assert!(r["resource"].get("network_interfaces").is_none(), "{r}");
    }
    // VPC-001/destination-encrypted fails on several VPCs: the busiest comes first, uncounted last.
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  medium    VPC-001/destination-encrypted  123456789012"))
        .collect();
    assert!(lines.len() >= 3, "{text}");
    assert!(
        lines[0].contains("vpc-0a11ce0000000004") && lines[0].contains("(40 network interfaces)"),
        "{lines:?}"
    );
    // Then by place (eu-west-1 before us-east-1), as without counts.
    assert!(lines[1].contains("eu-west-1"), "{lines:?}");
}

#[test]
fn skip_unused_skips_only_vpcs_counted_without_interfaces() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path());
    let cfg = dir.path().join("flowaudit.toml");
    std::fs::write(&cfg, "[scan]\nskip_unused = true\n").unwrap();
    let (flag, _) = scan(&inv, &["--skip-unused"]);
    let (config, _) = scan(&inv, &["--config", cfg.to_str().unwrap()]);
    for doc in [&flag, &config] {
        assert!(
            results(doc, "vpc-0a11ce0000000002")
                .iter()
                .any(|r| r["check_id"] == "flow-logs-enabled"),
            "every check is still reported"
        );
        let unused = results(doc, "vpc-0a11ce0000000002");
        assert!(!unused.is_empty());
        for r in &unused {
            assert_eq!(r["status"], "skipped", "{r}");
            assert!(
                r["message"]
                    .as_str()
                    .unwrap()
                    .contains("has no network interfaces"),
                "{r}"
            );
        }
        // Counted and used, or not counted at all: judged as usual.
        for vpc in ["vpc-0a11ce0000000003", "vpc-0a11ce0000000001"] {
            assert!(
                results(doc, vpc).iter().any(|r| r["status"] != "skipped"),
                "{vpc}"
            );
        }
    }
}

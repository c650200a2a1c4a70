//! Scans for the collector tests: run `flowaudit scan` and read the inventory it dumps.

use crate::support::harness::{code, flowaudit, run};
use serde_json::Value;
use std::collections::BTreeMap;

/// Run `flowaudit scan` against `endpoint` with extra args; returns (exit code, inventory, stderr).
/// The inventory is read from `--dump-inventory`, so these tests hold whatever `scan` prints.
pub fn scan(endpoint: &str, args: &[&str]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("inventory.json");
    let out = run(flowaudit()
        .args(["scan", "--endpoint-url", endpoint])
        .arg("--dump-inventory")
        .arg(&dump)
        .arg("--output")
        .arg(dir.path().join("out"))
        .args(args));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let text = std::fs::read_to_string(&dump).unwrap_or_else(|e| {
        panic!(
            "no inventory written ({e}); exit {}; stderr:\n{stderr}",
            code(&out)
        )
    });
    (code(&out), serde_json::from_str(&text).unwrap(), stderr)
}

/// A complete scan exits 0, or 1 when rules report failing findings; never 2 or 3.
pub fn assert_complete(code: i32, stderr: &str) {
    assert!(code == 0 || code == 1, "exit {code}; stderr:\n{stderr}");
}

/// Every VPC of an inventory, by id.
pub fn vpcs(inv: &Value) -> BTreeMap<String, Value> {
    inv["regions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["vpcs"].as_array().unwrap().iter())
        .map(|v| (v["id"].as_str().unwrap().to_string(), v.clone()))
        .collect()
}

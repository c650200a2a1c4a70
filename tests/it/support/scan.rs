//! Scans for the collector tests: run `flowaudit scan` and read the inventory it dumps.

use crate::support::cmd::{Fa, fa};
use crate::support::json::{each, each_mut};
use serde_json::Value;
use std::collections::BTreeMap;

/// `flowaudit scan --endpoint-url ENDPOINT` that dumps its inventory (read back with
/// `Out::inventory`): the collector tests hold whatever `scan` dumps.
pub fn scan_at(endpoint: &str) -> Fa {
    let mut c = fa();
    c.arg("scan").endpoint(endpoint).dump_inventory();
    c
}

/// The inventory of a complete scan (exit 0 or 1) through `endpoint` with `args`.
pub fn inventory_of(endpoint: &str, args: &[&str]) -> Value {
    scan_at(endpoint)
        .args(args)
        .run()
        .assert_complete()
        .inventory()
}

/// Every VPC of an inventory, by id.
pub fn vpcs(inv: &Value) -> BTreeMap<String, Value> {
    each(&inv["regions"])
        .flat_map(|r| each(&r["vpcs"]))
        .map(|v| (v["id"].as_str().unwrap().to_string(), v.clone()))
        .collect()
}

/// A flow log of an inventory by id, wherever it hangs (on a VPC or a subnet).
pub fn flow_log(inv: &Value, id: &str) -> Value {
    for r in inv["regions"].as_array().unwrap() {
        for v in r["vpcs"].as_array().unwrap() {
            let logs = each(&v["flow_logs"])
                .chain(each(&v["subnets"]).flat_map(|s| each(&s["flow_logs"])));
            for l in logs {
                if l["id"] == id {
                    return l.clone();
                }
            }
        }
    }
    panic!("flow log {id} not found in {inv}")
}

/// The destination of a flow log of an inventory, found by flow log id.
pub fn destination(inv: &Value, flow_log_id: &str) -> Value {
    flow_log(inv, flow_log_id)["destination"].clone()
}

/// Every VPC of an inventory, to edit.
pub fn vpcs_mut(inv: &mut Value) -> impl Iterator<Item = &mut Value> {
    each_mut(&mut inv["regions"]).flat_map(|r| each_mut(&mut r["vpcs"]))
}

//! Reading the results of a JSON report (`flowaudit/report/v1`).

use crate::support::json::items;
use serde_json::Value;
use std::collections::BTreeMap;

/// The results of a report.
pub fn results(report: &Value) -> &Vec<Value> {
    report["results"].as_array().expect("a report with results")
}

/// The result of `rule`/`check` on `resource` in a report.
pub fn result<'a>(report: &'a Value, rule: &str, check: &str, resource: &str) -> &'a Value {
    results(report)
        .iter()
        .find(|r| r["rule_id"] == rule && r["check_id"] == check && r["resource"]["id"] == resource)
        .unwrap_or_else(|| panic!("no {rule}/{check} result for {resource}"))
}

/// (check, resource) -> status of the results of `rule` in a report.
pub fn statuses_of(report: &Value, rule: &str) -> BTreeMap<(String, String), String> {
    results(report)
        .iter()
        .filter(|r| r["rule_id"] == rule)
        .map(|r| {
            (
                (
                    r["check_id"].as_str().unwrap().to_string(),
                    r["resource"]["id"].as_str().unwrap().to_string(),
                ),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The indices of the suppression entries a report lists as `kind` (`expired`, `unmatched`).
pub fn suppression_indices(report: &Value, kind: &str) -> Vec<i64> {
    items(&report["suppressions"][kind])
        .iter()
        .map(|e| e["index"].as_i64().unwrap())
        .collect()
}

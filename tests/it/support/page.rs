//! The data of an HTML page, read back independently of the page's script: its failing, error
//! and suppressed results rebuilt as the JSON report writes them (templates expanded), and its
//! status cells counted.

use crate::support::browser::data_block;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The page's data.
pub fn page_data(html: &str) -> Value {
    serde_json::from_str(data_block(html)).expect("the page's data is JSON")
}

/// A template's text for the values [resource id, account id, region, resource name] and the
/// result's own values after them.
pub fn expand(data: &Value, t: &Value, values: [&str; 4], own: &[Value]) -> String {
    let parts = data["templates"][t.as_u64().expect("template number") as usize]
        .as_array()
        .expect("a template is an array");
    parts
        .iter()
        .map(|p| match p {
            Value::String(s) => s.clone(),
            Value::Number(n) => {
                let n = n.as_u64().unwrap() as usize;
                match n.checked_sub(4) {
                    Some(k) => own[k].as_str().unwrap().to_string(),
                    None => values[n].to_string(),
                }
            }
            other => panic!("bad template part {other}"),
        })
        .collect()
}

/// The resource `n` of the page, as the JSON report writes it.
pub fn resource(data: &Value, n: usize) -> Value {
    let r = &data["resources"][n];
    let id = r[3].as_str().unwrap();
    let account = data["accounts"][r[0].as_u64().unwrap() as usize]
        .as_str()
        .unwrap();
    let region = data["regions"][r[1].as_u64().unwrap() as usize]
        .as_str()
        .unwrap();
    let mut o = Map::new();
    o.insert(
        "type".into(),
        data["types"][r[2].as_u64().unwrap() as usize].clone(),
    );
    o.insert("id".into(), json!(id));
    let name = r[4].as_str().unwrap_or("");
    o.insert(
        "arn".into(),
        json!(expand(data, &r[8], [id, account, region, name], &[])),
    );
    o.insert("region".into(), json!(region));
    o.insert("account_id".into(), json!(account));
    o.insert("name".into(), r[4].clone());
    o.insert("tags".into(), r[7].clone());
    if !r[5].is_null() {
        o.insert("network_interfaces".into(), r[5].clone());
    }
    if !r[6].is_null() {
        o.insert("is_default".into(), r[6].clone());
    }
    Value::Object(o)
}

/// The page's results (failing, error and suppressed), in report order, as the JSON report
/// writes them.
pub fn page_results(data: &Value) -> Vec<Value> {
    data["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|a| {
            let res = resource(data, a[0].as_u64().unwrap() as usize);
            let values = [
                res["id"].as_str().unwrap(),
                res["account_id"].as_str().unwrap(),
                res["region"].as_str().unwrap(),
                res["name"].as_str().unwrap_or(""),
            ];
            let check = &data["checks"][a[1].as_u64().unwrap() as usize];
            let own: &[Value] = a[8].as_array().map_or(&[], |v| v.as_slice());
            let remediation = match &a[6] {
                Value::Null => Value::Null,
                Value::Object(m) => {
                    let mut o = Map::new();
                    for k in ["terraform", "cloudformation", "cli"] {
                        o.insert(
                            k.into(),
                            m.get(k)
                                .map_or(Value::Null, |t| json!(expand(data, t, values, own))),
                        );
                    }
                    Value::Object(o)
                }
                other => panic!("bad remediation {other}"),
            };
            let compliance: Value = serde_json::from_str(
                data["compliance"][a[5].as_u64().unwrap() as usize]
                    .as_str()
                    .unwrap(),
            )
            .unwrap();
            json!({
                "rule_id": check[0],
                "check_id": check[1],
                "status": a[2],
                "severity": a[3],
                "resource": res,
                "message": expand(data, &a[4], values, own),
                "compliance": compliance,
                "remediation": remediation,
                "suppression": a[7],
            })
        })
        .collect()
}

/// Status name -> how many status cells of the page's resources have it.
pub fn cell_counts(data: &Value) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for r in data["resources"].as_array().unwrap() {
        for c in r[9].as_str().unwrap().chars() {
            let st = match c {
                'F' => "fail",
                'E' => "error",
                'S' => "suppressed",
                'K' => "skipped",
                'P' => "pass",
                '.' => continue,
                other => panic!("bad status cell {other:?}"),
            };
            *m.entry(st.to_string()).or_default() += 1;
        }
    }
    m
}

/// The page holds every failing, error and suppressed result of `report` (the JSON report)
/// exactly, and its passing and skipped results as status cells; no page leaves anything out.
pub fn assert_page_matches(html: &str, report: &Value) {
    let data = page_data(html);
    let full: Vec<Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| ["fail", "error", "suppressed"].contains(&r["status"].as_str().unwrap()))
        .cloned()
        .collect();
    let page = page_results(&data);
    assert_eq!(page.len(), full.len(), "results on the page");
    for (p, f) in page.iter().zip(&full) {
        assert_eq!(p, f, "a result of the page differs from the JSON report's");
    }
    let cells = cell_counts(&data);
    for st in ["pass", "skipped"] {
        assert_eq!(
            cells.get(st).copied().unwrap_or(0),
            report["summary"]["by_status"][st].as_u64().unwrap(),
            "{st} cells"
        );
    }
    assert!(data["left_out"]["fail"] == 0 && data["left_out"]["resources"] == 0);
    assert!(!html.contains("id=\"left-out\""));
}

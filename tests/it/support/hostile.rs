//! The hostile values fixture (`tests/fixtures/hostile-values.json`).

use crate::support::harness::repo_path;
use serde_json::Value;

/// The hostile corpus: (name, value).
pub fn corpus() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo_path("tests/fixtures/hostile-values.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_string(),
                v["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

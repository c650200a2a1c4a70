//! The hostile values fixture (`tests/fixtures/hostile-values.json`).

use crate::support::harness::repo_path;
use crate::support::json::each;
use serde_json::Value;

/// The hostile corpus: (name, value).
pub fn corpus() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo_path("tests/fixtures/hostile-values.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    each(&doc["values"])
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_string(),
                v["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `value` as one name of a suppression's `ou` path: glob characters in a set (`[*]`), `/` and
/// `\` escaped (`\/`, `\\`), so that it matches that name and nothing else.
pub fn ou_name_glob(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        match c {
            '*' | '?' | '[' | ']' => out.extend(['[', c, ']']),
            '/' | '\\' => out.extend(['\\', c]),
            c => out.push(c),
        }
    }
    out
}

/// `value` as a TOML basic string on one line: quotes, backslashes and control characters
/// escaped.
pub fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' | '\\' => out.extend(['\\', c]),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

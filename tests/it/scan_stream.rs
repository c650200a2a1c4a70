//! A scan without `--fix` streams: an inventory file is read one region at a time and the JSON
//! report is written while the rules run. The other ways in and out must give the same report.

use crate::support::cmd::fa;
use crate::support::harness::*;
use crate::support::json::each;

#[test]
fn an_inventory_read_from_a_pipe_gives_the_report_its_file_gives() {
    let path = repo_path("examples/demo-inventory.json");
    let from_file = fa()
        .args(["scan", "--format", "json", "--from-inventory"])
        .arg(&path)
        .run();
    // /dev/stdin is a pipe here: not a regular file, so it is read whole rather than streamed.
    let from_pipe = fa()
        .args(["scan", "--format", "json", "--from-inventory", "/dev/stdin"])
        .stdin(std::fs::read(&path).unwrap())
        .run();
    from_pipe.assert_code(from_file.code());
    assert!(!from_file.stdout().is_empty());
    assert_eq!(from_pipe.stdout(), from_file.stdout());
}

#[test]
fn text_and_sarif_written_beside_a_streamed_json_report_agree_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = fa()
        .args([
            "scan",
            "-f",
            "json",
            "-f",
            "text",
            "-f",
            "sarif",
            "--output-dir",
        ])
        .arg(dir.path())
        .args(["--suppressions"])
        .arg(repo_path("examples/demo-suppressions.toml"))
        .arg("--from-inventory")
        .arg(repo_path("examples/demo-inventory.json"))
        .run();
    assert!(matches!(out.code(), 1 | 3), "{}", out.stderr());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("flowaudit.json")).unwrap()).unwrap();
    let results = json["results"].as_array().unwrap();
    let count = |st: &str| results.iter().filter(|r| r["status"] == st).count();
    let text = std::fs::read_to_string(dir.path().join("flowaudit.txt")).unwrap();
    let totals = format!(
        "Results: {} fail · {} error · {} suppressed · {} skipped · {} pass  ({} results)",
        count("fail"),
        count("error"),
        count("suppressed"),
        count("skipped"),
        count("pass"),
        results.len()
    );
    assert!(text.contains(&totals), "{totals}\n{text}");
    assert!(
        text.contains(&format!("Failing resources ({})", count("fail"))),
        "{text}"
    );
    // Every rule/check row of the text adds up to that check's results in the JSON.
    for r in results {
        let key = format!(
            "{}/{}",
            r["rule_id"].as_str().unwrap(),
            r["check_id"].as_str().unwrap()
        );
        let line = text
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(key.as_str()))
            .unwrap_or_else(|| panic!("no row for {key}\n{text}"));
        let row: usize = line
            .split_whitespace()
            .skip(2)
            .take(5)
            .map(|n| n.parse::<usize>().unwrap())
            .sum();
        // The last column is the applicability of the check's fix, from the rule file.
        assert!(
            ["safe", "unsafe", "manual"].contains(&line.split_whitespace().nth(7).unwrap_or("")),
            "{line}"
        );
        let n = results
            .iter()
            .filter(|x| x["rule_id"] == r["rule_id"] && x["check_id"] == r["check_id"])
            .count();
        assert_eq!(row, n, "{line}");
    }
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("flowaudit.sarif")).unwrap())
            .unwrap();
    let sarif_results: usize = each(&sarif["runs"])
        .map(|run| run["results"].as_array().unwrap().len())
        .sum();
    let suppressed_failures = results
        .iter()
        .filter(|r| r["status"] == "suppressed" && r["suppression"]["original_status"] == "fail")
        .count();
    assert!(count("fail") > 0 && suppressed_failures > 0);
    assert_eq!(sarif_results, count("fail") + suppressed_failures);
}

//! Every output format of the demo inventory, with and without the demo suppressions, and of the
//! organization inventory (`tests/fixtures/org-inventory.json`), pinned by snapshots
//! (`tests/it/snapshots/`). A change to any byte of a report shows up here as a diff; review it
//! with `cargo insta review` (or rerun with `INSTA_UPDATE=always` and read `git diff`).

use crate::support::cmd::scan_inventory;
use crate::support::harness::repo_path;

/// Scan the demo inventory into every format; (exit code, stdout text, JSON, SARIF, HTML data).
/// The scan runs in the repository; a path of the checkout that reaches a report (the
/// suppressions file is shown by its full path) is written `[repo]`, so the snapshots hold in any
/// checkout.
fn reports(extra: &[&str]) -> (i32, String, String, String, String) {
    reports_of("tests/fixtures/demo-inventory.json", extra)
}

/// [`reports`] of another inventory of `tests/fixtures/`.
fn reports_of(demo: &str, extra: &[&str]) -> (i32, String, String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let scan = || {
        let mut c = scan_inventory(demo);
        c.current_dir(repo_path("")).args(extra);
        c
    };
    let o = scan().run();
    let files = scan()
        .args(["--format", "json", "--format", "sarif", "--format", "html"])
        .arg("--output-dir")
        .arg(dir.path())
        .run();
    assert_eq!(o.code(), files.code());
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let html = read("flowaudit.html");
    let start = html
        .find(r#"<script type="application/json" id="report-data">"#)
        .unwrap();
    let data = &html[start..];
    let data = &data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()];
    assert!(!data.contains('<'));
    let report: serde_json::Value = serde_json::from_str(&read("flowaudit.json")).unwrap();
    crate::support::page::assert_page_matches(&html, &report);
    // HTML alone (which keeps only the suppressed results in memory) is the same page.
    let alone = dir.path().join("alone.html");
    let html_alone = scan()
        .args(["--format", "html", "--output"])
        .arg(&alone)
        .run();
    assert_eq!(o.code(), html_alone.code());
    assert!(
        std::fs::read_to_string(&alone).unwrap() == html,
        "the HTML written alone differs from the HTML written beside JSON and SARIF"
    );
    let root = repo_path("");
    let root = root.to_str().unwrap().trim_end_matches('/');
    let norm = |s: &str| s.replace(root, "[repo]");
    (
        o.code(),
        norm(&o.stdout()),
        norm(&read("flowaudit.json")),
        norm(&read("flowaudit.sarif")),
        // The page's data, pretty-printed so that a change reads line by line.
        norm(
            &serde_json::to_string_pretty(
                &serde_json::from_str::<serde_json::Value>(data).unwrap(),
            )
            .unwrap(),
        ),
    )
}

/// The four outputs of [`reports`] (text, JSON, SARIF, HTML data), pinned as `PREFIX.txt`,
/// `PREFIX.json`, `PREFIX.sarif` and `PREFIX.html-data.json`; the run must be partial (exit 3)
/// for the reason `why`.
fn pin(prefix: &str, why: &str, reports: (i32, String, String, String, String)) {
    let (exit, text, json, sarif, html_data) = reports;
    assert_eq!(exit, 3, "{why}");
    insta::assert_snapshot!(format!("{prefix}.txt"), text);
    insta::assert_snapshot!(format!("{prefix}.json"), json);
    insta::assert_snapshot!(format!("{prefix}.sarif"), sarif);
    insta::assert_snapshot!(format!("{prefix}.html-data.json"), html_data);
}

#[test]
fn demo_outputs() {
    pin("demo", "the demo has an unreadable region", reports(&[]));
}

#[test]
fn demo_outputs_with_suppressions() {
    let supp = repo_path("tests/fixtures/demo-suppressions.toml");
    pin(
        "suppressed",
        "the demo has an unreadable region",
        reports(&["--suppressions", supp.to_str().unwrap()]),
    );
}

#[test]
fn organization_outputs() {
    pin(
        "org",
        "the organization fixture has a refused account and an unreadable region",
        reports_of("tests/fixtures/org-inventory.json", &[]),
    );
}

#[test]
fn demo_markdown_with_suppressions() {
    let supp = repo_path("tests/fixtures/demo-suppressions.toml");
    let o = scan_inventory("tests/fixtures/demo-inventory.json")
        .current_dir(repo_path(""))
        .arg("--suppressions")
        .arg(&supp)
        .args(["--format", "markdown"])
        .run();
    assert_eq!(o.code(), 3, "the demo has an unreadable region");
    insta::assert_snapshot!("suppressed.md", o.stdout());
}

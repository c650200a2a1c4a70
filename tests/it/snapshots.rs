//! Every output format of the demo inventory, with and without the demo suppressions, and of the
//! organization inventory (`tests/fixtures/org-inventory.json`), pinned by snapshots
//! (`tests/it/snapshots/`). A change to any byte of a report shows up here as a diff; review it
//! with `cargo insta review` (or rerun with `INSTA_UPDATE=always` and read `git diff`).

use crate::support::harness::{code, flowaudit, repo_path};

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
    let o = flowaudit()
        .current_dir(repo_path(""))
        .args(["scan", "--from-inventory", demo])
        .args(extra)
        .output()
        .unwrap();
    let files = flowaudit()
        .current_dir(repo_path(""))
        .args(["scan", "--from-inventory", demo])
        .args(extra)
        .args(["--format", "json", "--format", "sarif", "--format", "html"])
        .arg("--output-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), code(&files));
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let html = read("flowaudit.html");
    let start = html
        .find(r#"<script type="application/json" id="report-data">"#)
        .unwrap();
    let data = &html[start..];
    let data = &data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()];
    let embedded: serde_json::Value = serde_json::from_str(data).unwrap();
    let report: serde_json::Value = serde_json::from_str(&read("flowaudit.json")).unwrap();
    assert_eq!(embedded, report, "the page embeds exactly the JSON report");
    // HTML alone (which keeps only the suppressed results in memory) is the same page.
    let alone = dir.path().join("alone.html");
    let html_alone = flowaudit()
        .current_dir(repo_path(""))
        .args(["scan", "--from-inventory", demo])
        .args(extra)
        .args(["--format", "html", "--output"])
        .arg(&alone)
        .output()
        .unwrap();
    assert_eq!(code(&o), code(&html_alone));
    assert!(
        std::fs::read_to_string(&alone).unwrap() == html,
        "the HTML written alone differs from the HTML written beside JSON and SARIF"
    );
    let root = repo_path("");
    let root = root.to_str().unwrap().trim_end_matches('/');
    let norm = |s: &str| s.replace(root, "[repo]");
    (
        code(&o),
        norm(&String::from_utf8(o.stdout).unwrap()),
        norm(&read("flowaudit.json")),
        norm(&read("flowaudit.sarif")),
        norm(data),
    )
}

#[test]
fn demo_outputs() {
    let (exit, text, json, sarif, html_data) = reports(&[]);
    assert_eq!(exit, 3, "the demo has an unreadable region");
    insta::assert_snapshot!("demo.txt", text);
    insta::assert_snapshot!("demo.json", json);
    insta::assert_snapshot!("demo.sarif", sarif);
    insta::assert_snapshot!("demo.html-data.json", html_data);
}

#[test]
fn demo_outputs_with_suppressions() {
    let supp = repo_path("tests/fixtures/demo-suppressions.toml");
    let (exit, text, json, sarif, html_data) = reports(&["--suppressions", supp.to_str().unwrap()]);
    assert_eq!(exit, 3, "the demo has an unreadable region");
    insta::assert_snapshot!("suppressed.txt", text);
    insta::assert_snapshot!("suppressed.json", json);
    insta::assert_snapshot!("suppressed.sarif", sarif);
    insta::assert_snapshot!("suppressed.html-data.json", html_data);
}

#[test]
fn organization_outputs() {
    let (exit, text, json, sarif, html_data) = reports_of("tests/fixtures/org-inventory.json", &[]);
    assert_eq!(
        exit, 3,
        "the organization fixture has a refused account and an unreadable region"
    );
    insta::assert_snapshot!("org.txt", text);
    insta::assert_snapshot!("org.json", json);
    insta::assert_snapshot!("org.sarif", sarif);
    insta::assert_snapshot!("org.html-data.json", html_data);
}

#[test]
fn demo_markdown_with_suppressions() {
    let supp = repo_path("tests/fixtures/demo-suppressions.toml");
    let o = flowaudit()
        .current_dir(repo_path(""))
        .args([
            "scan",
            "--from-inventory",
            "tests/fixtures/demo-inventory.json",
        ])
        .args([
            "--suppressions",
            supp.to_str().unwrap(),
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), 3, "the demo has an unreadable region");
    insta::assert_snapshot!("suppressed.md", String::from_utf8(o.stdout).unwrap());
}

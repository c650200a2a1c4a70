//! The HTML report in a real headless Chromium: run steps in a page, read its data block.

use crate::support::harness::repo_path;
use crate::support::json::each;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The embedded JSON data block of a rendered page.
pub fn data_block(html: &str) -> &str {
    let open = r#"<script type="application/json" id="report-data">"#;
    let start = html.find(open).expect("data block") + open.len();
    let end = start + html[start..].find("</script>").expect("end of data block");
    &html[start..end]
}

/// Chromium: `FLOWAUDIT_CHROMIUM`, else /usr/bin/chromium or `chromium` on PATH.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("FLOWAUDIT_CHROMIUM") {
        return PathBuf::from(p);
    }
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!(
        "chromium not found: run the tests with scripts/test, which installs it, or set FLOWAUDIT_CHROMIUM"
    );
}

/// Open `html` in headless Chromium, evaluate `steps` in the page, return the runner's report.
pub fn browse(html: &Path, steps: &[String], screenshot: Option<&Path>) -> Value {
    browse_at((1400, 1000), html, steps, screenshot)
}

/// [`browse`] with a viewport of (width, height) CSS pixels.
pub fn browse_at(
    viewport: (u32, u32),
    html: &Path,
    steps: &[String],
    screenshot: Option<&Path>,
) -> Value {
    let steps_file = html.with_extension("steps.json");
    std::fs::write(&steps_file, serde_json::to_vec(steps).unwrap()).unwrap();
    let has_ws = Command::new("node")
        .args([
            "-e",
            "process.exit(typeof WebSocket === 'function' ? 0 : 1)",
        ])
        .status()
        .expect("node is needed for the browser tests")
        .success();
    let mut cmd = Command::new("node");
    if !has_ws {
        cmd.arg("--experimental-websocket");
    }
    cmd.arg(repo_path("tests/support/browser/cdp-run.mjs"))
        .arg(chromium())
        .arg(html)
        .arg(&steps_file)
        .env("CDP_VIEWPORT", format!("{}x{}", viewport.0, viewport.1));
    if let Some(s) = screenshot {
        cmd.arg(s);
    }
    let out = cmd.stdin(Stdio::null()).output().expect("run cdp-run.mjs");
    assert!(
        out.status.success(),
        "browser run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cdp-run output")
}

/// Switch to the table of one row per result (the default view is one row per resource when a
/// report has more than one check); returns its rows.
pub fn show_results() -> String {
    format!(
        "(() => {{ document.getElementById('view-results').click(); return {}; }})()",
        rows()
    )
}

pub fn rows() -> &'static str {
    "document.querySelectorAll('#results tbody tr.result').length"
}

/// No page errors, no dialogs, no request other than the file itself.
pub fn assert_clean_run(r: &Value) {
    assert_eq!(r["exceptions"], json!([]), "uncaught exceptions");
    let console_errors: Vec<&Value> = each(&r["console"])
        .filter(|c| c["type"] == "error" || c["type"] == "assert")
        .collect();
    assert!(
        console_errors.is_empty(),
        "console errors: {console_errors:?}"
    );
    let log_errors: Vec<&Value> = each(&r["logEntries"])
        .filter(|e| e["level"] == "error")
        .collect();
    assert!(log_errors.is_empty(), "browser log errors: {log_errors:?}");
    assert_eq!(
        r["dialogs"],
        json!([]),
        "a dialog opened: injected script ran"
    );
    let url = r["url"].as_str().unwrap();
    for req in r["requests"].as_array().unwrap() {
        assert_eq!(req.as_str().unwrap(), url, "the page made a request");
    }
}

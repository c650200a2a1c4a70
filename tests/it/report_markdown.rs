//! `--format markdown`: bounded whatever the scan's size, and every AWS value escaped.

use crate::support::cmd::fa;
use crate::support::harness::{repo_path, run};
use crate::support::hostile::corpus;
use crate::support::json::each_mut;
use serde_json::Value;
use std::path::Path;

/// GitHub's step-summary limit.
const MIB: usize = 1 << 20;

/// `scan --from-inventory INV --format markdown`: (exit code, Markdown).
fn markdown_of(inv: &Path) -> (i32, String) {
    let out = fa()
        .args(["scan", "--format", "markdown", "--from-inventory"])
        .arg(inv)
        .run();
    assert!([0, 1, 3].contains(&out.code()), "{}", out.stderr());
    (out.code(), out.stdout())
}

/// The cells of a table row split at its unescaped pipes (a backslash escapes the next
/// character), or `None` for a line that is not a table row.
fn cells(line: &str) -> Option<Vec<String>> {
    if !line.starts_with('|') {
        return None;
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '|' => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    Some(out)
}

/// Every character outside a backslash escape, in order: what a Markdown reader could take as
/// markup.
fn unescaped(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn hostile_values_are_escaped_and_every_table_row_keeps_its_columns() {
    let mut inv: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("examples/demo-inventory.json")).unwrap(),
    )
    .unwrap();
    let mut hostile: Vec<(String, String)> = corpus();
    for (name, value) in [
        ("backticks", "``` `code` ```"),
        ("pipes", "a | b || c \\| d"),
        ("link", "[x](y) ![i](javascript:alert(1)) <https://e.x>"),
        (
            "script",
            "<script>alert(1)</script><img src=x onerror=alert(2)>",
        ),
        ("separators", "one\u{2028}two\u{2029}three\r\n# heading"),
        ("bidi", "abc\u{202e}fed\u{2066}x\u{2069}\u{200f}"),
        ("emphasis", "**b** _i_ ~~s~~ <!-- c -->"),
    ] {
        hostile.push((name.to_string(), value.to_string()));
    }
    // One copy of a VPC without flow logs (so it fails) per hostile value, in its Name tag.
    let region = each_mut(&mut inv["regions"])
        .find(|r| r["region"] == "eu-west-1")
        .unwrap();
    let vpcs = region["vpcs"].as_array_mut().unwrap();
    let template = vpcs
        .iter()
        .find(|v| v["id"] == "vpc-0123abcd4567ef890")
        .unwrap()
        .clone();
    for (i, (_, value)) in hostile.iter().enumerate() {
        let mut v = template.clone();
        let id = format!("vpc-0{:016x}", 0xabc000 + i);
        v["arn"] = format!("arn:aws:ec2:eu-west-1:111122223333:vpc/{id}").into();
        v["id"] = id.into();
        v["name"] = value.clone().into();
        v["tags"] = serde_json::json!({ "Name": value });
        v["subnets"] = Value::Array(Vec::new());
        vpcs.push(v);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.json");
    std::fs::write(&path, serde_json::to_vec(&inv).unwrap()).unwrap();
    let (_, md) = markdown_of(&path);

    // Nothing from the data breaks a line, hides text or reorders it.
    assert!(
        !md.chars()
            .any(|c| c != '\n' && flowaudit::term::breaks_text(c)),
        "a control, separator or bidi character came through"
    );
    // No markup comes out of the data: outside backslash escapes, no tag, link, code span,
    // emphasis or comment.
    let bare = unescaped(&md);
    for needle in ["<script", "<img", "](", "`", "**b**", "<!--", "~~"] {
        assert!(!bare.contains(needle), "{needle:?} in the Markdown:\n{md}");
    }
    // Every row of the failing-resources table has its six columns.
    let table = md
        .split("### Failing resources")
        .nth(1)
        .expect("a failing-resources table");
    let rows: Vec<Vec<String>> = table
        .lines()
        .filter_map(cells)
        .filter(|c| c.len() > 2 && !c[1].starts_with("---"))
        .collect();
    assert!(rows.len() > hostile.len(), "{} rows", rows.len());
    for r in &rows {
        assert_eq!(r.len(), 8, "six cells and the two ends: {r:?}");
    }
    // Each hostile VPC is listed, its name cut to at most 200 characters (before escaping).
    for i in 0..hostile.len() {
        let id = format!("vpc-0{:016x}", 0xabc000 + i);
        assert!(md.contains(&id), "{id} listed");
    }
    assert!(md.lines().all(|l| l.len() < 4096), "no value is unbounded");

    // Rendered by GitHub's own CommonMark (tables, autolinks, strikethrough), no value becomes a
    // link, an image, an HTML element, emphasis or a heading.
    let html = render_gfm(&md);
    for needle in ["<a ", "<img", "<script", "<em>", "<del>", "<code>", "<!--"] {
        assert!(
            !html.contains(needle),
            "{needle:?} in the rendered page:\n{html}"
        );
    }
    let headings = md.lines().filter(|l| l.starts_with('#')).count();
    assert_eq!(
        html.matches("<h").filter(|_| true).count() - html.matches("<hr").count(),
        headings,
        "only the report's own headings:\n{html}"
    );
    assert!(
        html.matches("<strong>").count() <= 1,
        "only the report's own bold text"
    );
}

/// HTML of `md` as GitHub renders it (cmarkgfm, with the GFM extensions).
fn render_gfm(md: &str) -> String {
    const RENDER: &str = r#"
import json, sys, cmarkgfm
from cmarkgfm.cmark import Options
text = open(sys.argv[1], encoding="utf-8").read()
print(json.dumps(cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)))
"#;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("summary.md");
    std::fs::write(&p, md).unwrap();
    crate::support::harness::python_json(RENDER, [&p])
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn the_demo_summary_reads_plainly() {
    let (_, md) = markdown_of(&repo_path("examples/demo-inventory.json"));
    // Ids, regions, rule ids and times are left as they are.
    for plain in ["eu-west-1", "VPC-001", "vpc-0123abcd4567ef890"] {
        assert!(md.contains(plain), "{plain} in:\n{md}");
    }
    assert!(!md.contains("\\-"), "no escaped hyphen:\n{md}");
    assert!(
        md.contains("2026-01-15T08:00:00"),
        "times as they are:\n{md}"
    );
    assert!(md.contains("flowaudit 0.1.0"), "{md}");
    let html = render_gfm(&md);
    assert!(!html.contains("<a "), "{html}");
    assert!(html.contains("<table>"), "{html}");
}

#[test]
fn a_large_scan_stays_under_the_step_summary_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    let out = run(std::process::Command::new("python3")
        .arg(repo_path("scripts/gen-org-inventory.py"))
        .args(["--accounts", "100", "--vpcs", "100", "--output"])
        .arg(&path));
    assert!(out.status.success());
    // Thousands of scan errors with long messages too.
    let mut inv: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let account = inv["accounts"][0]["id"].clone();
    let errors = inv["errors"].as_array_mut().unwrap();
    for i in 0..3000 {
        errors.push(serde_json::json!({
            "account_id": account,
            "region": "eu-west-1",
            "service": "logs",
            "operation": "DescribeLogGroups",
            "code": "Throttling",
            "message": format!("{i} {}", "| `x` ".repeat(2000)),
        }));
    }
    std::fs::write(&path, serde_json::to_vec(&inv).unwrap()).unwrap();
    let (_, md) = markdown_of(&path);
    assert!(md.len() < MIB, "{} bytes", md.len());
    assert!(md.len() < 200_000, "bounded lists: {} bytes", md.len());
    let failing: usize = md
        .lines()
        .find_map(|l| l.strip_prefix("### Failing resources ("))
        .and_then(|l| l.strip_suffix(')'))
        .unwrap()
        .parse()
        .unwrap();
    assert!(failing > 1000, "{failing}");
    assert!(
        md.contains(&format!("…and {} more failing resources.", failing - 50)),
        "{md}"
    );
    assert!(
        md.contains("- …and 2950 more") || md.contains("more\n"),
        "{md}"
    );
    let errors_listed = md
        .split("### Scan errors")
        .nth(1)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("- "))
        .count();
    assert!(errors_listed <= 51, "{errors_listed}");
}

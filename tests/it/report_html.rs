//! HTML output: self-contained, escaped, and working in a real headless Chromium (filters, fix
//! snippets, no injected script, no network request, no console error).

use crate::support::browser::{assert_clean_run, browse, browse_at, data_block, rows};
use crate::support::cmd::fa;
use crate::support::json::each;
use crate::support::page::assert_page_matches;
use crate::support::report_fixture::{self, HOSTILE_GLOBAL, HOSTILE_HTML, HOSTILE_MD};
use flowaudit::report::Reporter;
use flowaudit::report::html::HtmlReporter;
use flowaudit::report::v1::Document;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn render(doc: &Document) -> String {
    String::from_utf8(HtmlReporter::new(None).unwrap().render(doc).unwrap()).unwrap()
}

/// Where the HTML files and screenshots of the test run go (under target/).
fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The page without its JSON data block: the markup Handlebars produced.
fn markup(html: &str) -> String {
    html.replace(data_block(html), "")
}

#[test]
fn html_is_self_contained_escaped_and_embeds_the_exact_document() {
    let doc = report_fixture::demo_document();
    let html = render(&doc);
    std::fs::write(out_dir().join("demo.html"), &html).unwrap();

    // The page holds the JSON report's failing, error and suppressed results exactly (fix
    // snippets expanded from their templates), the others as status cells.
    assert_page_matches(&html, &serde_json::to_value(&doc).unwrap());
    assert!(
        !data_block(&html).contains('<'),
        "the data block must not contain '<'"
    );

    // Nothing from the network: no stylesheet links, no external src/href, no CSS imports or urls.
    let page = markup(&html).to_lowercase();
    assert!(!page.contains("<link"), "no <link> elements");
    assert!(!page.contains(" src="), "no src attribute at all");
    assert!(!page.contains("@import") && !page.contains("url("));
    for (i, _) in page.match_indices("href=") {
        let value = page[i + 5..].trim_start_matches(['"', '\'']);
        assert!(
            value.starts_with('#'),
            "only in-page links: {}",
            &page[i..i + 60]
        );
    }
    assert!(
        page.contains("default-src 'none'"),
        "the CSP forbids network access"
    );
    assert_eq!(
        page.matches("<script").count(),
        2,
        "one data block, one script"
    );
    assert_eq!(page.matches("<style").count(), 1);

    // AWS strings are escaped wherever Handlebars put them.
    assert!(!html.contains(HOSTILE_HTML));
    assert!(!html.contains("<script>alert(3)</script>"));
    assert!(html.contains("You are not authorized &lt;script&gt;alert(3)&lt;/script&gt;"));
    assert!(html.contains("sandbox &lt;b&gt;lab&lt;/b&gt;"));
    assert!(html.contains("Sandbox, torn down weekly &lt;i&gt;ticket SEC-42&lt;/i&gt;"));
    assert!(html.contains("2099-01-31"), "suppression expiry is shown");
    assert!(
        html.contains("old exception &lt;u&gt;x&lt;/u&gt;"),
        "expired entries are listed"
    );

    // Header and summary.
    assert!(html.contains("123456789012") && html.contains("210987654321"));
    assert!(html.contains("ap-southeast-2, eu-west-1, us-east-1"));
    assert!(html.contains(r#"<span class="n" id="card-fail">4</span>"#));
    assert!(html.contains(r#"<span class="n" id="card-suppressed">1</span>"#));
    // One bar group per region in the chart.
    assert_eq!(html.matches(r#"<text class="rlabel""#).count(), 3);
}

fn set(id: &str, value: &str) -> String {
    format!(
        "(() => {{ const e = document.getElementById({id:?}); e.value = {value:?}; e.dispatchEvent(new Event('change')); return {}; }})()",
        rows()
    )
}

#[test]
fn html_works_in_headless_chromium_without_injection_or_network() {
    let doc = report_fixture::demo_document();
    let dir = out_dir();
    let file = dir.join("demo-browser.html");
    std::fs::write(&file, render(&doc)).unwrap();
    let shot = dir.join("demo-report.png");
    let _ = std::fs::remove_file(&shot);

    let search = |q: &str| {
        format!(
            "(() => {{ const e = document.getElementById('f-text'); e.value = {q:?}; e.dispatchEvent(new Event('input')); return new Promise(r => setTimeout(() => r({}), 400)); }})()",
            rows()
        )
    };
    let steps = vec![
        // 0: all, in the table of one row per result.
        format!(
            "(() => {{ document.getElementById('view-results').click(); return {}; }})()",
            rows()
        ),
        set("f-status", "fail"),                             // 1
        set("f-severity", "medium"),                         // 2
        set("f-severity", ""),                               // 3
        set("f-status", ""),                                 // 4
        set("f-region", "eu-west-1"),                        // 5
        set("f-region", ""),                                 // 6
        set("f-rule", "VPC-002"),                            // 7
        set("f-rule", ""),                                   // 8
        search("60003"),                                     // 9
        search("onerror"),                                   // 10
        search(""),                                          // 11
        // 12: every hostile name is shown literally, as text.
        format!(
            "[...document.querySelectorAll('#results td.name')].map(td => td.textContent).filter(t => [{HOSTILE_HTML:?}, {HOSTILE_GLOBAL:?}, {HOSTILE_MD:?}].includes(t)).length"
        ),
        // 13: no element came out of the data.
        "document.querySelectorAll('#results img, #results script, #results svg, #results b, #results iframe').length".into(),
        // 14: the injected script would have set this global.
        "typeof window.__flowauditInjected".into(),
        // 15: open the fix of the first failing row; its snippets name its VPC.
        "(() => { const b = document.querySelector('#results tr.result .fixbtn'); b.click(); const d = document.querySelector('#results tr.detail'); return { snippets: d.querySelectorAll('.snippet').length, texts: [...d.querySelectorAll('pre')].map(p => p.textContent), vpc: b.closest('tr').querySelector('td.rid').textContent, copy: d.querySelectorAll('button.copy').length }; })()".into(),
        // 16: copy a snippet (clipboard or its fallback), then the button reports the outcome.
        "(() => { const b = document.querySelector('#results tr.detail button.copy'); b.click(); return new Promise(r => setTimeout(() => r(b.textContent), 200)); })()".into(),
        "document.getElementById('result-count').textContent".into(), // 17
    ];
    let r = browse(&file, &steps, Some(&shot));
    assert_clean_run(&r);
    let v = r["values"].as_array().unwrap();
    assert_eq!(v[0], 9, "every result is listed at first");
    assert_eq!(v[1], 4, "status=fail");
    assert_eq!(v[2], 1, "status=fail, severity=medium");
    assert_eq!(v[3], 4);
    assert_eq!(v[4], 9);
    assert_eq!(v[5], 4, "region=eu-west-1");
    assert_eq!(v[7], 3, "rule=VPC-002");
    assert_eq!(v[9], 1, "search by VPC id");
    assert_eq!(
        v[10], 2,
        "search finds the hostile Name tag as text (both results of that VPC)"
    );
    assert_eq!(v[11], 9);
    assert_eq!(v[12], 4, "hostile names displayed literally: {:?}", v[12]);
    assert_eq!(v[13], 0);
    assert_eq!(v[14], "undefined", "injected script ran");
    let fix = &v[15];
    assert_eq!(fix["snippets"], 3, "{fix}");
    assert_eq!(fix["copy"], 3);
    let vpc = fix["vpc"].as_str().unwrap();
    for t in fix["texts"].as_array().unwrap() {
        assert!(t.as_str().unwrap().contains(vpc), "snippet for {vpc}: {t}");
    }
    let copied = v[16].as_str().unwrap();
    assert!(
        copied == "Copied" || copied.starts_with("Copy failed"),
        "{copied}"
    );
    assert!(v[17].as_str().unwrap().contains("9 matching results"));
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot"
    );
}

#[test]
fn template_dir_overrides_and_template_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("report.css"),
        "body { background: #fdf6e3; } /* house style */",
    )
    .unwrap();
    let html = String::from_utf8(
        HtmlReporter::new(Some(dir.path()))
            .unwrap()
            .render(&report_fixture::demo_document())
            .unwrap(),
    )
    .unwrap();
    assert!(html.contains("/* house style */"));
    assert!(
        html.contains("id=\"results\""),
        "the built-in page is still used"
    );

    let page = dir.path().join("report.html.hbs");
    std::fs::write(&page, "<html>\n<body>\n{{#if scan.partial}}\n</body>").unwrap();
    let err = HtmlReporter::new(Some(dir.path()))
        .err()
        .expect("unclosed block is an error")
        .to_string();
    assert!(err.contains(&page.display().to_string()), "{err}");
    assert!(err.contains("line"), "{err}");

    let empty = tempfile::tempdir().unwrap();
    let err = HtmlReporter::new(Some(empty.path()))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("report.html.hbs"), "{err}");
}

#[test]
fn template_dir_without_html_format_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    fa().args(["scan", "--format", "json", "--template-dir"])
        .arg(dir.path())
        .run()
        .assert_code(2)
        .stderr_has("--template-dir")
        .stderr_has("--format html");
    fa().args(["scan", "--format", "html", "--template-dir"])
        .arg(dir.path().join("missing"))
        .run()
        .assert_code(2)
        .stderr_has("not a directory");
}

/// Opens a 10,000-VPC report and filters it in both views; prints its size and timings. Run
/// explicitly: `cargo test --test it html_scale -- --ignored --nocapture`.
#[test]
#[ignore]
fn html_scale_10k_vpcs() {
    let doc = report_fixture::scale_document(10_000);
    let t = Instant::now();
    let html = render(&doc);
    let render_ms = t.elapsed().as_millis();
    let file = out_dir().join("scale-10k.html");
    std::fs::write(&file, &html).unwrap();
    // A filter or search in the current view: [rows, milliseconds until the rows are in the
    // page and laid out, the count line].
    let timed = |id: &str, value: &str, event: &str, rows: &str| {
        format!(
            "(() => {{ const t = performance.now(); const e = document.getElementById({id:?}); e.value = {value:?}; e.dispatchEvent(new Event({event:?})); return new Promise(r => setTimeout(() => {{ document.body.offsetHeight; r([{rows}, Math.round(performance.now() - t), document.getElementById('result-count').textContent]); }}, {wait})); }})()",
            wait = if event == "input" { 200 } else { 0 }
        )
    };
    let vpc = format!("vpc-{:017x}", 7);
    let steps = vec![
        // 0: the per-resource view opens first; time to its first rows.
        format!(
            "[{RESOURCE_ROWS}, Math.round(performance.getEntriesByType('navigation')[0].loadEventEnd), Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd)]"
        ),
        timed("f-status", "fail", "change", RESOURCE_ROWS), // 1
        timed("f-status", "", "change", RESOURCE_ROWS),     // 2
        timed("f-text", &vpc, "input", RESOURCE_ROWS),      // 3 (includes the 120 ms debounce)
        timed("f-text", "", "input", RESOURCE_ROWS),        // 4
        // 5: switch to one row per result.
        format!(
            "(() => {{ const t = performance.now(); document.getElementById('view-results').click(); document.body.offsetHeight; return [{}, Math.round(performance.now() - t)]; }})()",
            rows()
        ),
        timed("f-status", "fail", "change", rows()), // 6
        timed("f-status", "", "change", rows()),     // 7
        timed("f-text", &vpc, "input", rows()),      // 8
        // 9: and back.
        format!(
            "(() => {{ const t = performance.now(); document.getElementById('view-resources').click(); document.body.offsetHeight; return [{RESOURCE_ROWS}, Math.round(performance.now() - t)]; }})()"
        ),
    ];
    let r = browse(&file, &steps, Some(&out_dir().join("scale-10k.png")));
    assert_clean_run(&r);
    let v = r["values"].as_array().unwrap();
    assert_eq!(v[0][0], 200, "first page of resources");
    assert_eq!(v[3][0], 1, "one VPC: {:?}", v[3]);
    assert_eq!(v[5][0], 200, "first page of results");
    assert_eq!(v[8][0], 3, "the three results of one VPC: {:?}", v[8]);
    println!(
        "10,000 VPCs, {} results: HTML {:.1} MB, rendered in {render_ms} ms; browser load {} ms (navigation domContentLoaded {} ms, loadEventEnd {} ms)",
        doc.results.len(),
        html.len() as f64 / 1_048_576.0,
        r["loadMs"],
        v[0][2],
        v[0][1],
    );
    println!(
        "per resource: status=fail {:?}; status=all {:?}; search {:?}; clear {:?}",
        v[1], v[2], v[3], v[4]
    );
    println!(
        "per result: switch {:?}; status=fail {:?}; status=all {:?}; search {:?}; back to per resource {:?}",
        v[5], v[6], v[7], v[8], v[9]
    );
}

#[test]
fn fixes_section_shows_each_change_with_its_status_after_the_rescan() {
    use flowaudit::report::v1::FixOutcome;
    let mut doc = report_fixture::demo_document();
    let html = render(&doc);
    assert!(
        !html.contains(r#"id="fixes""#),
        "no fixes section without --fix"
    );
    doc.fixes = Some(vec![FixOutcome {
        account_id: "111122223333".into(),
        region: "eu-west-1".into(),
        resource_id: "vpc-0f0e0d0c0b0a09080".into(),
        action: "create-flow-log".into(),
        description: "add an ALL flow log to s3://audit-bucket".into(),
        outcome: flowaudit::report::v1::Outcome::Applied,
        error: Some(HOSTILE_HTML.into()),
        created: vec!["fl-0123456789abcdef0".into()],
        verified: [
            ("flow-logs-enabled".to_string(), "pass".to_string()),
            ("traffic-type-all".to_string(), "fail".to_string()),
        ]
        .into_iter()
        .collect(),
    }]);
    let page = markup(&render(&doc));
    let start = page.find(r#"id="fixes""#).expect("fixes section");
    let section = &page[start..start + page[start..].find("</section>").unwrap()];
    assert!(section.contains("<th>After rescan</th>"), "{section}");
    assert!(section.contains("fl-0123456789abcdef0"), "{section}");
    assert!(
        section
            .contains(r#"<code>flow-logs-enabled</code>: <span class="badge st-pass">pass</span>"#),
        "{section}"
    );
    assert!(
        section
            .contains(r#"<code>traffic-type-all</code>: <span class="badge st-fail">fail</span>"#),
        "{section}"
    );
    assert!(
        !section.contains(HOSTILE_HTML),
        "error text must be escaped: {section}"
    );
}

/// Where every text of the per-region chart lies, against the chart and the window:
/// `{texts, clipped: [label…]}` (a label is clipped when its box leaves the SVG's or the window's).
const CHART_LABELS_INSIDE: &str = "(() => { const svg = document.getElementById('region-chart'); const s = svg.getBoundingClientRect(); const w = document.documentElement.clientWidth; const texts = [...svg.querySelectorAll('text')]; const clipped = texts.filter(t => { const b = t.getBoundingClientRect(); return b.width === 0 || b.left < s.left - 0.5 || b.right > s.right + 0.5 || b.top < s.top - 0.5 || b.bottom > s.bottom + 0.5 || b.left < 0 || b.right > w; }).map(t => t.textContent); return { texts: texts.map(t => t.textContent), clipped }; })()";

/// A document whose per-region counts have six digits (and a long region name).
fn six_digit_chart_document() -> Document {
    let mut doc = report_fixture::demo_document();
    let counts = |fail: usize, pass: usize| {
        [
            ("fail", fail),
            ("error", 0),
            ("suppressed", 0),
            ("skipped", 0),
            ("pass", pass),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    };
    doc.summary.by_region = [
        ("us-east-1".to_string(), counts(1666, 10334)),
        ("eu-west-1".to_string(), counts(166_666, 833_333)),
        ("ap-southeast-2".to_string(), counts(999_999, 0)),
        ("us-gov-northwest-9".to_string(), counts(7, 888_888)),
    ]
    .into_iter()
    .collect();
    doc
}

#[test]
fn chart_labels_with_six_digits_are_not_clipped_in_chromium() {
    let doc = six_digit_chart_document();
    let html = render(&doc);
    let file = out_dir().join("chart-six-digits.html");
    std::fs::write(&file, &html).unwrap();
    // As written (before the page script could adjust anything), the chart is wide enough for the
    // longest label: bars of 560 px after the region names, then "999999 fail / 999999".
    let width: f64 = {
        let at = html.find(r#"id="region-chart""#).unwrap();
        let w = &html[at..];
        let w = &w[w.find(" width=\"").unwrap() + 8..];
        w[..w.find('"').unwrap()].parse().unwrap()
    };
    assert!(width >= 160.0 + 560.0 + 20.0 * 8.0, "chart width {width}");
    // In Chromium, at the usual window width and in a narrow one, with and without the page script.
    let steps = vec![
        CHART_LABELS_INSIDE.to_string(),
        // Without the adjustment the script may make: the written size alone.
        format!(
            "(() => {{ const svg = document.getElementById('region-chart'); if (svg.hasAttribute('data-written-viewbox')) {{ svg.setAttribute('viewBox', svg.getAttribute('data-written-viewbox')); svg.setAttribute('width', svg.getAttribute('data-written-width')); }} return {CHART_LABELS_INSIDE}; }})()"
        ),
        "(() => { document.body.style.width = '600px'; return new Promise(r => requestAnimationFrame(() => r(null))); })()".into(),
        CHART_LABELS_INSIDE.to_string(),
        "document.getElementById('region-chart').getAttribute('viewBox')".into(),
    ];
    let r = browse(&file, &steps, Some(&out_dir().join("chart-six-digits.png")));
    assert_clean_run(&r);
    let v = r["values"].as_array().unwrap();
    for i in [0, 1, 3] {
        let texts: Vec<&str> = each(&v[i]["texts"]).map(|t| t.as_str().unwrap()).collect();
        for label in [
            "1666 fail / 12000",
            "166666 fail / 999999",
            "999999 fail / 999999",
            "7 fail / 888895",
            "us-gov-northwest-9",
        ] {
            assert!(texts.contains(&label), "step {i}: {label} in {texts:?}");
        }
        assert_eq!(v[i]["clipped"], serde_json::json!([]), "step {i}: {}", v[i]);
    }
}

/// The rows of the per-resource table.
const RESOURCE_ROWS: &str = "document.querySelectorAll('#resources tbody tr.resource').length";

/// A name with every kind of character that could break out of text: quotes, markup, template
/// syntax, line and paragraph separators, bidi controls.
const HOSTILE_NAME: &str = "a\"b'c `d` <script>window.__flowauditInjected=3</script> ${7*7} {{x}} \u{2028}line\u{2029}para \u{202e}RTL\u{202c} \u{2066}iso\u{2069} </td></tr>";

fn set_resources(id: &str, value: &str) -> String {
    format!(
        "(() => {{ const e = document.getElementById({id:?}); e.value = {value:?}; e.dispatchEvent(new Event('change')); return {RESOURCE_ROWS}; }})()"
    )
}

#[test]
fn per_resource_view_is_the_default_with_several_checks_and_filters_like_the_results() {
    let mut doc = report_fixture::demo_document();
    for r in doc.results.iter_mut() {
        if r.resource.id == "vpc-0a1b2c3d4e5f60005" {
            let res = std::sync::Arc::make_mut(&mut r.resource);
            res.name = Some(HOSTILE_NAME.into());
            res.network_interfaces = Some(12);
        }
    }
    let file = out_dir().join("per-resource.html");
    std::fs::write(&file, render(&doc)).unwrap();
    let search = |q: &str| {
        format!(
            "(() => {{ const e = document.getElementById('f-text'); e.value = {q:?}; e.dispatchEvent(new Event('input')); return new Promise(r => setTimeout(() => r({RESOURCE_ROWS}), 400)); }})()"
        )
    };
    // One resource's row: {header: status} and its other cells.
    let row_of = |vpc: &str| {
        format!(
            "(() => {{ const heads = [...document.querySelectorAll('#resources thead th')].map(h => h.textContent); const tr = [...document.querySelectorAll('#resources tbody tr.resource')].find(t => t.querySelector('td.rid').textContent === {vpc:?}); if (!tr) return null; const tds = [...tr.children]; const o = {{}}; tds.forEach((td, i) => {{ if (td.classList.contains('check')) {{ td.querySelectorAll('.mark').forEach(m => o[heads[i] + '/' + m.getAttribute('data-check')] = m.getAttribute('data-status') || m.textContent); }} else {{ o[heads[i]] = td.textContent; }} }}); o.fix = !!tr.querySelector('details.resfix'); return o; }})()"
        )
    };
    let steps = vec![
        // 0: the default view.
        format!(
            "({{ pressed: document.getElementById('view-resources').getAttribute('aria-pressed'), resultsHidden: document.getElementById('results-wrap').hidden, rows: {RESOURCE_ROWS}, resultRows: {}, heads: [...document.querySelectorAll('#resources thead th')].map(h => h.textContent), count: document.getElementById('result-count').textContent }})",
            rows()
        ),
        row_of("vpc-0a1b2c3d4e5f60001"),          // 1
        row_of("vpc-0a1b2c3d4e5f60005"),          // 2
        row_of("vpc-0a1b2c3d4e5f60006"),          // 3
        set_resources("f-status", "fail"),        // 4
        set_resources("f-status", ""),            // 5
        set_resources("f-region", "eu-west-1"),   // 6
        set_resources("f-region", ""),            // 7
        set_resources("f-rule", "VPC-002"),       // 8
        // 9: under a filter, the cells of other checks are dimmed, not hidden.
        "[...document.querySelectorAll('#resources tbody td.check .mark.dim')].length".into(),
        set_resources("f-rule", ""),              // 10
        search("onerror"),                        // 11
        search("flowauditInjected=3"),            // 12
        search(""),                               // 13
        // 14: every hostile name is shown literally, as text (separators and bidi controls as
        // visible escapes).
        format!(
            "[...document.querySelectorAll('#resources td.name')].map(td => td.textContent).filter(t => [{HOSTILE_HTML:?}, {HOSTILE_GLOBAL:?}, {HOSTILE_MD:?}, {:?}].includes(t)).length",
            flowaudit::term::escape_lines(HOSTILE_NAME)
        ),
        // 15: no element came out of the data.
        "document.querySelectorAll('#resources img, #resources script, #resources svg, #resources b, #resources iframe, #resources td td').length".into(),
        // 16: the injected scripts would have set this global.
        "typeof window.__flowauditInjected".into(),
        // 17: "Show fix" of a resource opens the snippets of its failing checks.
        "(() => { const d = document.querySelector('#resources tr.resource details.resfix'); d.querySelector('summary').click(); return new Promise(r => setTimeout(() => r({ open: d.open, label: d.querySelector('summary').textContent, heads: [...d.querySelectorAll('h4')].map(h => h.textContent), snippets: d.querySelectorAll('.snippet').length, copy: d.querySelectorAll('button.copy').length, texts: [...d.querySelectorAll('pre')].map(p => p.textContent), vpc: d.closest('tr').querySelector('td.rid').textContent }), 200)); })()".into(),
        // 18: the table of one row per result is a click away, with the same filters.
        format!(
            "(() => {{ document.getElementById('f-status').value = 'fail'; document.getElementById('view-results').click(); return {{ rows: {}, hidden: document.getElementById('resources-wrap').hidden, pressed: document.getElementById('view-results').getAttribute('aria-pressed') }}; }})()",
            rows()
        ),
        // 19: and back.
        format!(
            "(() => {{ document.getElementById('view-resources').click(); return {RESOURCE_ROWS}; }})()"
        ),
    ];
    let r = browse(&file, &steps, Some(&out_dir().join("per-resource.png")));
    assert_clean_run(&r);
    let v = r["values"].as_array().unwrap();
    assert_eq!(v[0]["pressed"], "true", "{}", v[0]);
    assert_eq!(v[0]["resultsHidden"], true);
    assert_eq!(v[0]["rows"], 6, "one row per VPC: {}", v[0]);
    assert_eq!(v[0]["resultRows"], 0, "the other view is not built");
    assert_eq!(
        v[0]["heads"],
        serde_json::json!([
            "Account",
            "Region",
            "Resource",
            "Name",
            "Network interfaces",
            "VPC-001",
            "VPC-002",
            "Fix"
        ])
    );
    assert!(
        v[0]["count"]
            .as_str()
            .unwrap()
            .contains("6 matching resources (6 in total, 9 results)"),
        "{}",
        v[0]
    );
    let r1 = &v[1];
    assert_eq!(r1["VPC-001/flow-log-exists"], "fail", "{r1}");
    assert_eq!(r1["VPC-001/traffic-type-all"], "\u{b7}", "no result: {r1}");
    assert_eq!(r1["VPC-002/destination-encrypted"], "skipped", "{r1}");
    assert_eq!(r1["Name"], HOSTILE_HTML);
    assert_eq!(r1["Account"], report_fixture::ACCOUNT_A);
    assert_eq!(r1["fix"], true);
    let r5 = &v[2];
    assert_eq!(r5["VPC-001/flow-log-exists"], "pass", "{r5}");
    assert_eq!(r5["VPC-001/traffic-type-all"], "pass");
    assert_eq!(r5["VPC-002/destination-encrypted"], "error");
    assert_eq!(r5["Network interfaces"], "12");
    // The page shows separators and bidi controls as visible escapes.
    assert_eq!(
        r5["Name"],
        flowaudit::term::escape_lines(HOSTILE_NAME).as_ref()
    );
    assert_eq!(r5["fix"], false, "nothing fails, nothing to fix");
    let r6 = &v[3];
    assert_eq!(r6["VPC-001/flow-log-exists"], "suppressed", "{r6}");
    assert_eq!(r6["fix"], false);
    assert_eq!(v[4], 4, "status=fail: the four VPCs with a failure");
    assert_eq!(v[5], 6);
    assert_eq!(v[6], 2, "region=eu-west-1");
    assert_eq!(v[8], 3, "rule=VPC-002: the VPCs with a result of it");
    assert!(v[9].as_u64().unwrap() > 0, "other checks dimmed");
    assert_eq!(v[10], 6);
    assert_eq!(v[11], 1, "search finds the hostile Name tag as text");
    assert_eq!(v[12], 1, "search in the hostile name");
    assert_eq!(v[13], 6);
    assert_eq!(v[14], 4, "hostile names displayed literally: {:?}", v[14]);
    assert_eq!(v[15], 0);
    assert_eq!(v[16], "undefined", "injected script ran");
    let fix = &v[17];
    assert_eq!(fix["open"], true, "{fix}");
    assert_eq!(fix["label"], "Hide fix");
    assert_eq!(fix["snippets"], 3, "{fix}");
    assert_eq!(fix["copy"], 3);
    assert_eq!(fix["heads"].as_array().unwrap().len(), 1, "{fix}");
    let vpc = fix["vpc"].as_str().unwrap();
    for t in fix["texts"].as_array().unwrap() {
        assert!(t.as_str().unwrap().contains(vpc), "snippet for {vpc}: {t}");
    }
    assert_eq!(v[18]["rows"], 4, "{}", v[18]);
    assert_eq!(v[18]["hidden"], true);
    assert_eq!(v[18]["pressed"], "true");
    assert_eq!(v[19], 4, "the filter holds in both views");
}

#[test]
fn one_check_opens_on_the_table_of_results() {
    let mut doc = report_fixture::demo_document();
    doc.results.retain(|r| r.check_id == "flow-log-exists");
    let n = doc.results.len();
    assert!(n > 1);
    let file = out_dir().join("one-check.html");
    std::fs::write(&file, render(&doc)).unwrap();
    let steps = vec![format!(
        "({{ pressed: document.getElementById('view-results').getAttribute('aria-pressed'), hidden: document.getElementById('resources-wrap').hidden, rows: {} }})",
        rows()
    )];
    let r = browse(&file, &steps, None);
    assert_clean_run(&r);
    let v = &r["values"][0];
    assert_eq!(v["pressed"], "true", "{v}");
    assert_eq!(v["hidden"], true);
    assert_eq!(v["rows"], n);
}

#[test]
fn a_default_vpc_says_so_in_both_tables_of_the_page() {
    let mut doc = report_fixture::demo_document();
    let target = doc.results[0].resource.id.clone();
    let mut marked = 0;
    for f in &mut doc.results {
        if f.resource.id == target {
            let mut r = (*f.resource).clone();
            r.is_default = Some(true);
            f.resource = std::sync::Arc::new(r);
            marked += 1;
        }
    }
    let file = out_dir().join("default-vpc.html");
    std::fs::write(&file, render(&doc)).unwrap();
    let marks = |table: &str| {
        format!(
            "[...document.querySelectorAll('{table} .default-vpc')].map(e => [e.textContent, e.closest('td').firstChild.textContent])"
        )
    };
    let steps = vec![
        format!(
            "(() => {{ document.getElementById('view-results').click(); return {}; }})()",
            marks("#results")
        ),
        format!(
            "(() => {{ document.getElementById('view-resources').click(); return {}; }})()",
            marks("#resources")
        ),
    ];
    let r = browse(&file, &steps, None);
    assert_clean_run(&r);
    let v = r["values"].as_array().unwrap();
    let want = |n: usize| serde_json::json!(vec![["default VPC", target.as_str()]; n]);
    assert_eq!(v[0], want(marked), "one mark per result of the default VPC");
    assert_eq!(v[1], want(1), "one mark on its row of the resource table");
}

/// The per-resource table at `viewport` CSS pixels: its width against its container's and the
/// page's, the ids, account ids and regions laid out on more than one line, the words of names
/// split across lines, and the rows.
const TABLE_FIT: &str = "(() => { const wrap = document.getElementById('resources-wrap'); const lines = (node) => { const r = document.createRange(); r.selectNodeContents(node); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }; const broken = [...document.querySelectorAll('#resources td.rid, #resources td.acct, #resources td.region, #scan-errors-table td:nth-child(-n+5)')].filter(td => td.firstChild && lines(td.firstChild) > 1).map(td => td.firstChild.textContent); const split = [...document.querySelectorAll('#resources td.name .word')].filter(w => lines(w.firstChild) > 1).map(w => w.textContent); return { wrap: wrap.clientWidth, scroll: wrap.scrollWidth, page: document.documentElement.scrollWidth, viewport: window.innerWidth, broken, split, rows: document.querySelectorAll('#resources tbody tr.resource').length, cut: [...document.querySelectorAll('#resources td.name')].filter(td => td.querySelector('.clip').scrollWidth > td.querySelector('.clip').clientWidth).map(td => td.title) }; })()";

#[test]
fn the_per_resource_table_fits_1280_pixels_without_breaking_an_id_or_a_word() {
    let long_word = format!("payments{}", "x".repeat(120));
    let spaced = "alpha team batch payments processing cluster for the eu west region";
    let mut doc = report_fixture::demo_document();
    let names = [HOSTILE_NAME, spaced, long_word.as_str(), HOSTILE_GLOBAL];
    let mut named: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for r in doc.results.iter_mut() {
        let n = named.len();
        let name = *named
            .entry(r.resource.id.clone())
            .or_insert(names[n % names.len()]);
        std::sync::Arc::make_mut(&mut r.resource).name = Some(name.to_string());
    }
    let file = out_dir().join("fit-1280.html");
    std::fs::write(&file, render(&doc)).unwrap();
    let fit = &fits_1280(&file, Some(&out_dir().join("fit-1280.png")));
    assert_eq!(fit["rows"], 6, "{fit}");
    assert!(
        fit["page"].as_u64() <= fit["viewport"].as_u64(),
        "the page scrolls sideways: {fit}"
    );
    assert_eq!(fit["split"], serde_json::json!([]), "{fit}");
    // A name with a word too wide for its column is cut, the whole of it in the tooltip; a name
    // of short words wraps between them.
    let cut: Vec<&str> = fit["cut"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(cut.contains(&long_word.as_str()), "{fit}");
    assert!(!cut.contains(&spaced), "{fit}");

    // The demo scan's page, with every built-in rule that has a result.
    let demo = out_dir().join("fit-1280-demo.html");
    fa().args(["scan", "--from-inventory"])
        .arg(crate::support::harness::repo_path(
            "examples/demo-inventory.json",
        ))
        .args(["--format", "html", "--output"])
        .arg(&demo)
        .run()
        .assert_code(3);
    let fit = &fits_1280(&demo, None);
    assert!(fit["rows"].as_u64() > Some(6), "{fit}");
    assert_eq!(fit["split"], serde_json::json!([]), "{fit}");

    // The same at 10,000 VPCs (the rows shown first).
    let big = out_dir().join("fit-1280-10k.html");
    std::fs::write(&big, render(&report_fixture::scale_document(10_000))).unwrap();
    let fit = &fits_1280(&big, None);
    assert_eq!(fit["rows"], 200, "{fit}");
}

/// Open `html` at 1,280 × 900 and measure its per-resource table ([`TABLE_FIT`]): a clean run,
/// no sideways scroll in the table, no id, account id or region broken (nor, in the scan errors'
/// table, an account, region, service, operation or error code). Returns the measures.
fn fits_1280(html: &Path, screenshot: Option<&Path>) -> Value {
    let r = browse_at((1280, 900), html, &[TABLE_FIT.to_string()], screenshot);
    assert_clean_run(&r);
    let fit = r["values"][0].clone();
    assert!(
        fit["scroll"].as_u64() <= fit["wrap"].as_u64(),
        "the table scrolls sideways: {fit}"
    );
    assert_eq!(fit["broken"], serde_json::json!([]), "{fit}");
    fit
}

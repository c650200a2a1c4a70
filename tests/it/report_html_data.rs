//! The HTML page's data: failing, error and suppressed results complete with their fixes,
//! passing and skipped ones as status cells, repeated texts stored once and expanded exactly by
//! the page's script, tables a page at a time, a notice of what a page over its limit leaves out,
//! and an organization's pages (index.html and one page per account).

use crate::support::browser::{assert_clean_run, browse, data_block};
use crate::support::cmd::scan_inventory;
use crate::support::harness::{repo_path, run_ok, venv_bin};
use crate::support::page::{assert_page_matches, cell_counts, page_data, page_results};
use crate::support::report_fixture::{self, HOSTILE_GLOBAL, HOSTILE_HTML};
use flowaudit::report::Reporter;
use flowaudit::report::html::HtmlReporter;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// `scripts/gen-bench-inventory.py N` into `dir`: five regions, seven checks per VPC, a
/// different mix of failures every six VPCs.
fn bench_inventory(dir: &Path, vpcs: usize) -> PathBuf {
    let path = dir.join(format!("bench-{vpcs}.json"));
    run_ok(
        std::process::Command::new(venv_bin("python"))
            .arg(repo_path("scripts/gen-bench-inventory.py"))
            .arg(vpcs.to_string())
            .arg(&path),
    );
    path
}

fn statuses(report: &Value, status: &str) -> usize {
    report["summary"]["by_status"][status].as_u64().unwrap() as usize
}

/// The page's results as its script builds them (`flowauditResult`), as JSON.
const SCRIPT_RESULTS: &str = "(() => { const out = []; for (let d = 0; ; d++) { const r = window.flowauditResult(d); if (!r) { return out; } out.push(r); } })()";

#[test]
fn the_page_holds_failures_errors_and_suppressed_results_whole_and_counts_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let inv = bench_inventory(dir.path(), 120);
    let supp = dir.path().join("supp.toml");
    std::fs::write(
        &supp,
        "[[suppression]]\nrule = \"VPC-003\"\nresource = \"vpc-00000000000000002\"\nreason = \"lab <b>x</b>\"\nexpires = \"2099-01-01\"\n",
    )
    .unwrap();
    let out = scan_inventory(&inv)
        .args(["--format", "json", "--format", "html", "--suppressions"])
        .arg(&supp)
        .output_dir()
        .run();
    let report = out.output_json("flowaudit.json");
    let html = out.output("flowaudit.html");
    assert!(statuses(&report, "suppressed") >= 1 && statuses(&report, "fail") > 50);
    // Every failing, error and suppressed result, with its snippets, exactly as in the JSON
    // report; the passing and skipped ones as cells only.
    assert_page_matches(&html, &report);
    let data = page_data(&html);
    assert!(
        page_results(&data)
            .iter()
            .all(|r| r["status"] != "pass" && r["status"] != "skipped")
    );
    assert_eq!(
        cell_counts(&data).get("pass").copied().unwrap_or(0) as usize,
        statuses(&report, "pass")
    );
    // One resource per VPC, and the snippets stored once for all VPCs they differ only by.
    assert_eq!(data["resources"].as_array().unwrap().len(), 120);
    let fixes = page_results(&data)
        .iter()
        .filter(|r| r["remediation"].is_object())
        .count();
    assert!(fixes > 50);
    assert!(
        data["templates"].as_array().unwrap().len() < fixes,
        "templates {} for {fixes} fixes",
        data["templates"].as_array().unwrap().len()
    );
    let json_len = std::fs::metadata(out.output_path().join("flowaudit.json"))
        .unwrap()
        .len() as usize;
    assert!(html.len() * 4 < json_len, "{} vs {json_len}", html.len());

    // The script expands the templates to exactly the JSON report's texts.
    let r = browse(
        &out.output_path().join("flowaudit.html"),
        &[SCRIPT_RESULTS.into()],
        None,
    );
    assert_clean_run(&r);
    let full: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] != "pass" && r["status"] != "skipped")
        .collect();
    let shown = r["values"][0].as_array().unwrap();
    assert_eq!(shown.len(), full.len());
    for (s, f) in shown.iter().zip(&full) {
        assert_eq!(s, *f, "the script's result differs from the JSON report's");
    }
}

#[test]
fn hostile_values_expand_exactly_and_stay_text() {
    let doc = report_fixture::demo_document();
    let html = String::from_utf8(HtmlReporter::new(None).unwrap().render(&doc).unwrap()).unwrap();
    assert!(!data_block(&html).contains('<'));
    let report = serde_json::to_value(&doc).unwrap();
    assert_page_matches(&html, &report);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.html");
    std::fs::write(&file, &html).unwrap();
    let r = browse(
        &file,
        &[
            SCRIPT_RESULTS.into(),
            "document.getElementById('view-results').click(), [...document.querySelectorAll('#results td.name')].map(td => td.textContent)".into(),
            "typeof window.__flowauditInjected".into(),
        ],
        None,
    );
    assert_clean_run(&r);
    let full: Vec<Value> = page_results(&page_data(&html));
    assert_eq!(r["values"][0], json!(full));
    let names = r["values"][1].as_array().unwrap();
    assert!(names.contains(&json!(HOSTILE_HTML)) && names.contains(&json!(HOSTILE_GLOBAL)));
    assert_eq!(r["values"][2], "undefined");
}

/// The rows of a table as [status, rule/check, region, resource id] (or, per resource, its
/// region and id and the statuses of its marks).
const ROWS: &str = "[...document.querySelectorAll('#results tbody tr.result')].map(tr => [tr.dataset.status, tr.children[2].textContent, tr.children[4].textContent, tr.querySelector('td.rid').firstChild.textContent])";
const COUNT: &str = "document.getElementById('result-count').textContent";

fn set(id: &str, value: &str) -> String {
    format!(
        "(() => {{ const e = document.getElementById({id:?}); e.value = {value:?}; e.dispatchEvent(new Event('change')); return [{ROWS}, {COUNT}]; }})()"
    )
}

fn click(id: &str) -> String {
    format!("(() => {{ document.getElementById({id:?}).click(); return [{ROWS}, {COUNT}]; }})()")
}

#[test]
fn the_tables_show_a_page_of_the_matching_rows_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let inv = bench_inventory(dir.path(), 600);
    let out = scan_inventory(&inv)
        .args(["--format", "json", "--format", "html"])
        .output_dir()
        .run();
    let report = out.output_json("flowaudit.json");
    let all = report["results"].as_array().unwrap();
    let count = |f: &dyn Fn(&Value) -> bool| all.iter().filter(|r| f(r)).count();
    let pass_eu = count(&|r| r["status"] == "pass" && r["resource"]["region"] == "eu-west-1");
    let fails = count(&|r| r["status"] == "fail");
    assert!(pass_eu > 400, "{pass_eu}");
    let vpc = "vpc-0000000000000000b";
    // Every page of the matching rows, Next page after Next page.
    let all_pages = format!(
        "(() => {{ const out = []; const next = document.getElementById('page-next'); for (let n = 0; n < 100; n++) {{ out.push(...{ROWS}); if (next.disabled) {{ break; }} next.click(); }} return [out, {COUNT}]; }})()"
    );
    let steps = vec![
        click("view-results"),        // 0
        set("f-status", "pass"),      // 1
        set("f-region", "eu-west-1"), // 2
        all_pages,                    // 3
        click("page-prev"),           // 4
        set("f-status", "fail"),      // 5
        set("f-region", ""),          // 6
        format!(
            "(() => {{ document.getElementById('f-status').value = ''; const e = document.getElementById('f-text'); e.value = {vpc:?}; e.dispatchEvent(new Event('input')); return new Promise(r => setTimeout(() => r([{ROWS}, {COUNT}]), 400)); }})()"
        ), // 7
        // 8: one row per resource: the VPC and its marks.
        "(() => { document.getElementById('view-resources').click(); return [...document.querySelectorAll('#resources tbody tr.resource')].map(tr => [tr.querySelector('td.rid').firstChild.textContent, [...tr.querySelectorAll('.mark')].map(m => m.dataset.status || '')]); })()".into(),
        // 9: every resource, at most a page of them in the page.
        "(() => { document.getElementById('f-reset').click(); return new Promise(r => setTimeout(() => r([document.querySelectorAll('#resources tbody tr').length, document.getElementById('result-count').textContent]), 100)); })()".into(),
        "document.querySelectorAll('tr').length".into(), // 10
    ];
    let r = browse(&out.output_path().join("flowaudit.html"), &steps, None);
    assert_clean_run(&r);
    let v = r["values"].as_array().unwrap();
    let rows = |i: usize| v[i][0].as_array().unwrap().clone();
    assert_eq!(rows(0).len(), 200, "a page of results");
    assert!(v[0][1].as_str().unwrap().starts_with(&format!(
        "Showing 1\u{2013}200 of {} matching results",
        all.len()
    )));
    let pass = count(&|r| r["status"] == "pass");
    assert_eq!(rows(1).len(), 200);
    assert!(
        v[1][1]
            .as_str()
            .unwrap()
            .contains(&format!("of {pass} matching"))
    );
    // status=pass and region=eu-west-1: the first page, then the others.
    let first = rows(2);
    assert_eq!(first.len(), 200);
    let paged = rows(3);
    assert_eq!(paged.len(), pass_eu);
    assert!(
        v[3][1].as_str().unwrap().ends_with(&format!(
            "\u{2013}{pass_eu} of {pass_eu} matching results (4200 in total)"
        )),
        "{}",
        v[3][1]
    );
    assert_eq!(paged[..200], first[..]);
    for row in &paged {
        assert_eq!(row[0], "pass");
        assert_eq!(row[2], "eu-west-1");
    }
    // The pages hold the matching results, each once.
    let mut ids: Vec<String> = paged
        .iter()
        .map(|r| format!("{}/{}", r[1].as_str().unwrap(), r[3].as_str().unwrap()))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), pass_eu);
    let mut want: Vec<String> = all
        .iter()
        .filter(|r| r["status"] == "pass" && r["resource"]["region"] == "eu-west-1")
        .map(|r| {
            format!(
                "{}/{}/{}",
                r["rule_id"].as_str().unwrap(),
                r["check_id"].as_str().unwrap(),
                r["resource"]["id"].as_str().unwrap()
            )
        })
        .collect();
    want.sort();
    assert_eq!(ids, want);
    let last_start = (pass_eu - 1) / 200 * 200;
    assert_eq!(
        rows(4),
        paged[last_start - 200..last_start],
        "back one page"
    );
    // status=fail in every region: all of them, the most severe first.
    assert_eq!(rows(6).len(), fails.min(200));
    assert!(rows(6).iter().all(|r| r[0] == "fail"));
    // A search for one VPC: its seven results.
    let one = rows(7);
    assert_eq!(one.len(), count(&|r| r["resource"]["id"] == vpc));
    assert!(one.iter().all(|r| r[3] == vpc));
    let res = v[8].as_array().unwrap();
    assert_eq!(res.len(), 1);
    assert_eq!(res[0][0], vpc);
    let mut marks: Vec<String> = res[0][1]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .filter(|m| !m.is_empty())
        .collect();
    let mut want: Vec<String> = all
        .iter()
        .filter(|r| r["resource"]["id"] == vpc)
        .map(|r| r["status"].as_str().unwrap().to_string())
        .collect();
    marks.sort();
    want.sort();
    assert_eq!(marks, want, "the VPC's marks are its results' statuses");
    assert_eq!(v[9][0], 200, "a page of the 600 resources");
    assert!(
        v[9][1]
            .as_str()
            .unwrap()
            .contains("of 600 matching resources"),
        "{}",
        v[9][1]
    );
    assert!(
        v[10].as_u64().unwrap() < 700,
        "no more rows than a page: {}",
        v[10]
    );
}

#[test]
fn a_page_over_its_limit_says_what_it_leaves_out_and_where_the_rest_is() {
    let dir = tempfile::tempdir().unwrap();
    let inv = bench_inventory(dir.path(), 200);
    let limit = 40_000;
    let out = scan_inventory(&inv)
        .args(["--format", "json", "--format", "html"])
        .env("FLOWAUDIT_HTML_DATA_LIMIT", limit.to_string())
        .output_dir()
        .run();
    let report = out.output_json("flowaudit.json");
    let html = out.output("flowaudit.html");
    let data = page_data(&html);
    assert!(
        data_block(&html).len() <= limit,
        "{}",
        data_block(&html).len()
    );
    let left = &data["left_out"];
    let kept = page_results(&data);
    let kept_fails = kept.iter().filter(|r| r["status"] == "fail").count();
    assert!(left["fail"].as_u64().unwrap() > 0, "{left}");
    assert_eq!(
        kept_fails + left["fail"].as_u64().unwrap() as usize,
        statuses(&report, "fail")
    );
    // What is kept is kept whole.
    let full: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .collect();
    for k in kept.iter().filter(|r| r["status"] == "fail") {
        assert!(full.contains(&k), "{k}");
    }
    assert!(html.contains("id=\"left-out\""));
    let notice = &html[html.find("id=\"left-out\"").unwrap()..];
    let notice = &notice[..notice.find("</p>").unwrap()];
    assert!(
        notice.contains(&format!("{} failing result(s)", left["fail"])),
        "{notice}"
    );
    assert!(notice.contains("--format json"), "{notice}");
    // The summary still counts everything.
    assert!(html.contains(&format!(
        "<span class=\"n\" id=\"card-fail\">{}</span>",
        statuses(&report, "fail")
    )));
    let r = browse(
        &out.output_path().join("flowaudit.html"),
        &["document.getElementById('left-out').textContent".into()],
        None,
    );
    assert_clean_run(&r);
    assert!(r["values"][0].as_str().unwrap().contains("JSON report"));
}

#[test]
fn an_organization_gets_an_index_and_one_page_per_account_linked_offline() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("org-24.json");
    run_ok(
        std::process::Command::new(venv_bin("python"))
            .arg(repo_path("scripts/gen-org-inventory.py"))
            .args(["--accounts", "24", "--vpcs", "2", "--output"])
            .arg(&inv),
    );
    let out = scan_inventory(&inv)
        .args(["--format", "json", "--format", "html"])
        .output_dir()
        .run();
    assert!(out.stderr().contains("index.html"), "{}", out.stderr());
    let report = out.output_json("flowaudit.json");
    let accounts: Vec<String> = report["scan"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert!(accounts.len() > 20);
    let od = out.output_path();
    assert!(
        !od.join("flowaudit.html").exists(),
        "no page of every account"
    );
    let index = out.output("index.html");
    // Every account's row links to its page, which exists, by a relative name.
    let hrefs: Vec<&str> = index
        .match_indices("class=\"acct-page\" href=\"")
        .map(|(i, m)| {
            let rest = &index[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(hrefs.len(), accounts.len());
    for (a, h) in accounts.iter().zip(&hrefs) {
        assert_eq!(*h, format!("flowaudit-{a}.html"));
        assert!(od.join(h).is_file(), "{h}");
    }
    // Each account's page holds that account's results, and links back to the index.
    let by_account = &report["summary"]["by_account"];
    for a in &accounts {
        let page = out.output(&format!("flowaudit-{a}.html"));
        let mut mine = report.clone();
        mine["results"] = json!(
            report["results"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["resource"]["account_id"] == a.as_str())
                .cloned()
                .collect::<Vec<_>>()
        );
        mine["summary"]["by_status"] = by_account[a].clone();
        assert_page_matches(&page, &mine);
        assert!(page.contains(&format!(
            "<span class=\"n\" id=\"card-fail\">{}</span>",
            by_account[a]["fail"]
        )));
        assert!(page.contains("href=\"index.html\""));
    }
    // In the browser: the index opens, its link leads to the account's page, whose link back
    // leads to the index.
    let first = &accounts[1];
    let steps = vec![
        format!("document.querySelector('a.acct-page[href=\"flowaudit-{first}.html\"]').href"),
        "document.querySelectorAll('#results-section').length".into(),
    ];
    let r = browse(&od.join("index.html"), &steps, None);
    assert_clean_run(&r);
    let url = r["values"][0].as_str().unwrap();
    assert!(url.starts_with("file://") && url.ends_with(&format!("/flowaudit-{first}.html")));
    assert_eq!(r["values"][1], 0);
    let steps = vec![
        "document.getElementById('index-link').href".into(),
        "(() => { document.getElementById('view-results').click(); return [...document.querySelectorAll('#results tbody tr.result td.acct')].map(td => td.firstChild.textContent); })()".into(),
    ];
    let r = browse(&od.join(format!("flowaudit-{first}.html")), &steps, None);
    assert_clean_run(&r);
    assert!(r["values"][0].as_str().unwrap().ends_with("/index.html"));
    let accts = r["values"][1].as_array().unwrap();
    assert!(!accts.is_empty() && accts.iter().all(|x| x == first.as_str()));
}

//! Reports of an organization scan (`tests/fixtures/org-inventory.json`, written by
//! `scripts/gen-org-inventory.py`): the per-account metadata and counts of the JSON report, the
//! table by account and the failures grouped by account of the text summary, the account and OU
//! filters of the HTML report in Chromium, the SARIF files per account beyond 20 accounts, and
//! hostile account names, OU names and tags, which stay data everywhere.

use crate::support::browser::{assert_clean_run, browse, data_block, rows, show_results};
use crate::support::cmd::{Out, fa, scan_inventory};
use crate::support::harness::{repo_json, repo_path, run_ok, venv_bin};
use crate::support::json::each;
use crate::support::report_schema::validate_against_schema;
use crate::support::sarif::{multitool_errors, schema_errors};
use flowaudit::term::escape_lines;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const FIXTURE: &str = "tests/fixtures/org-inventory.json";
const SUSPENDED: &str = "210000003033";
const REFUSED: &str = "210000004044";
const OU_WORKLOADS: &str = "ou-a1b2-w0rk10ad";
const OU_PROD: &str = "ou-a1b2-pr0d0001";

fn fixture() -> Value {
    repo_json(FIXTURE)
}

/// Scan `inventory` with `args`.
fn scan(inventory: &Path, args: &[&str]) -> Out {
    scan_inventory(inventory).args(args).run()
}

/// The JSON report of `inventory` (checked against the published schema) and its HTML page,
/// written together by one scan.
fn json_and_html(inventory: &Path) -> (Value, String) {
    let out = scan_inventory(inventory)
        .args(["--format", "json", "--format", "html"])
        .output_dir()
        .run();
    out.assert_code_for(3, "the fixture has scan errors");
    validate_against_schema(&out.output_path().join("flowaudit.json"));
    (
        out.output_json("flowaudit.json"),
        out.output("flowaudit.html"),
    )
}

/// account id -> status -> number of results, counted from the results themselves.
fn counted_by_account(report: &Value) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut m: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for r in report["results"].as_array().unwrap() {
        *m.entry(r["resource"]["account_id"].as_str().unwrap().to_string())
            .or_default()
            .entry(r["status"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    m
}

fn count(counts: &Value, status: &str) -> u64 {
    counts[status].as_u64().unwrap()
}

#[test]
fn json_carries_the_account_details_as_listed_and_counts_by_account() {
    let inv = fixture();
    let (report, html) = json_and_html(&repo_path(FIXTURE));
    let scan = &report["scan"];
    assert_eq!(
        scan["account_details"], inv["accounts"],
        "the inventory's accounts, as they are"
    );
    // Scanned: every account but the suspended one; the refused account was tried, so it is.
    let scanned: Vec<&str> = each(&inv["accounts"])
        .map(|a| a["id"].as_str().unwrap())
        .filter(|id| *id != SUSPENDED)
        .collect();
    assert_eq!(scan["accounts"], json!(scanned));
    let by_account = report["summary"]["by_account"].as_object().unwrap();
    assert_eq!(
        by_account.keys().map(String::as_str).collect::<Vec<_>>(),
        scanned,
        "every scanned account, the suspended one not"
    );
    let counted = counted_by_account(&report);
    for (id, counts) in by_account {
        for (status, n) in counts.as_object().unwrap() {
            let expected = counted
                .get(id)
                .and_then(|c| c.get(status))
                .copied()
                .unwrap_or(0);
            assert_eq!(n.as_u64().unwrap(), expected, "{id} {status}");
        }
    }
    assert!(
        by_account[REFUSED]
            .as_object()
            .unwrap()
            .values()
            .all(|n| n == 0),
        "the refused account has no result, and its zero counts are listed"
    );
    assert!(count(&by_account["210000001011"], "fail") > 0);
    assert!(count(&by_account["210000001011"], "pass") > 0);
    for status in ["pass", "fail", "skipped", "error", "suppressed"] {
        let sum: u64 = by_account.values().map(|c| count(c, status)).sum();
        assert_eq!(
            sum,
            count(&report["summary"]["by_status"], status),
            "{status}"
        );
    }
    // The HTML page holds the streamed JSON report's results.
    crate::support::page::assert_page_matches(&html, &report);
}

#[test]
fn a_single_account_report_has_neither_account_details_nor_counts_by_account() {
    let (report, _) = json_and_html(&repo_path("tests/fixtures/demo-inventory.json"));
    assert!(report["scan"].get("account_details").is_none(), "{report}");
    assert!(report["summary"].get("by_account").is_none());
}

/// The lines of the text section that starts with `title` (up to the next blank line).
fn section<'t>(text: &'t str, title: &str) -> Vec<&'t str> {
    let start = text
        .find(&format!("\n{title}"))
        .unwrap_or_else(|| panic!("no section {title:?} in:\n{text}"));
    text[start + 1..]
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

#[test]
fn text_has_a_table_by_account_the_skipped_accounts_and_failures_grouped_by_account() {
    let (report, _) = json_and_html(&repo_path(FIXTURE));
    let out = scan(&repo_path(FIXTURE), &[]);
    out.assert_code(3);
    let text = out.stdout();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("· 6 accounts (+1 not scanned) · 4 regions"),
        "{text}"
    );
    let by_account = &report["summary"]["by_account"];
    let names: BTreeMap<&str, &Value> = each(&report["scan"]["account_details"])
        .map(|a| (a["id"].as_str().unwrap(), a))
        .collect();
    let table = section(&text, "By account (6)");
    assert!(table[0].split_whitespace().eq([
        "ACCOUNT", "NAME", "OU", "FAIL", "ERROR", "SUPPR", "SKIP", "PASS"
    ]));
    assert_eq!(table.len(), 7, "{table:?}");
    for row in &table[1..] {
        let cells: Vec<&str> = row.split_whitespace().collect();
        let id = cells[0];
        let a = names[id];
        assert_eq!(cells[1], a["name"].as_str().unwrap(), "{row}");
        let ou: Vec<&str> = each(&a["ou_path"])
            .map(|u| u["name"].as_str().unwrap())
            .collect();
        let ou = if ou.is_empty() {
            "(root)".to_string()
        } else {
            ou.join("/")
        };
        assert_eq!(cells[2], ou, "{row}");
        let counts: Vec<u64> = cells[3..8].iter().map(|c| c.parse().unwrap()).collect();
        let expected: Vec<u64> = ["fail", "error", "suppressed", "skipped", "pass"]
            .iter()
            .map(|st| count(&by_account[id], st))
            .collect();
        assert_eq!(counts, expected, "{row}");
        let partial = row.contains("partial: 1 scan error");
        assert_eq!(
            partial,
            id == REFUSED || id == "210000002022",
            "scan errors are marked on their account's row: {row}"
        );
    }
    let skipped = section(&text, "Accounts not scanned (1)");
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0].starts_with(&format!(
            "  {SUSPENDED} \"prod-workload-003\" Workloads/Prod [SUSPENDED]: account status is SUSPENDED"
        )),
        "{skipped:?}"
    );

    // Failures: one group per account with failures, in account order, each line of its account.
    let failing_total: u64 = count(&report["summary"]["by_status"], "fail");
    let failing = section(&text, &format!("Failing resources ({failing_total})"));
    let account_of_vpc: BTreeMap<&str, &str> = each(&report["results"])
        .map(|r| {
            (
                r["resource"]["id"].as_str().unwrap(),
                r["resource"]["account_id"].as_str().unwrap(),
            )
        })
        .collect();
    let mut groups: Vec<(String, u64)> = Vec::new();
    let mut current = String::new();
    for line in &failing {
        if !line.starts_with("    ") {
            let id = line.split_whitespace().next().unwrap().to_string();
            assert!(
                line.contains(&format!("({} failing)", count(&by_account[&id], "fail"))),
                "{line}"
            );
            current = id.clone();
            groups.push((id, 0));
        } else if !line.starts_with("      ") {
            let vpc = line
                .split_whitespace()
                .find(|w| w.starts_with("vpc-"))
                .unwrap();
            assert_eq!(account_of_vpc[vpc], current, "{line}");
            groups.last_mut().unwrap().1 += 1;
        }
    }
    let expected: Vec<(String, u64)> = by_account
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, c)| count(c, "fail") > 0)
        .map(|(id, c)| (id.clone(), count(c, "fail")))
        .collect();
    assert_eq!(groups, expected);
    // The table comes before the failing resources.
    assert!(text.find("By account (6)").unwrap() < text.find("Failing resources").unwrap());
}

/// Where the HTML files of this test file go (under target/).
fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-accounts");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn select(id: &str, value: &str) -> String {
    format!(
        "(() => {{ const e = document.getElementById({id:?}); e.value = {value:?}; e.dispatchEvent(new Event('change')); return {}; }})()",
        rows()
    )
}

/// The results of the report whose account satisfies `keep`.
fn results_where(report: &Value, keep: impl Fn(&str) -> bool) -> usize {
    each(&report["results"])
        .filter(|r| keep(r["resource"]["account_id"].as_str().unwrap()))
        .count()
}

/// The accounts of the report under an OU.
fn under(report: &Value, ou: &str) -> Vec<String> {
    each(&report["scan"]["account_details"])
        .filter(|a| each(&a["ou_path"]).any(|u| u["id"] == ou))
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn html_filters_by_account_and_ou_and_lists_every_account_in_chromium() {
    let (report, html) = json_and_html(&repo_path(FIXTURE));
    let file = out_dir().join("org.html");
    std::fs::write(&file, &html).unwrap();
    let steps = vec![
        show_results(),                        // 0
        select("f-account", "210000001011"),   // 1
        select("f-status", "fail"),            // 2
        select("f-status", ""),                // 3
        select("f-account", ""),               // 4
        select("f-ou", OU_WORKLOADS),          // 5
        select("f-ou", OU_PROD),               // 6
        select("f-ou", "ou-a1b2-secur1ty"),    // 7
        // 8: "Show results" of an account selects it and clears the OU.
        "(() => { document.querySelector('button.acct-show[data-account=\"210000002022\"]').click(); return [document.getElementById('f-account').value, document.getElementById('f-ou').value, document.querySelectorAll('#results tbody tr.result').length]; })()".into(),
        // 9: the table of accounts: id, name, OU, fail count, scan errors.
        "[...document.querySelectorAll('#accounts-table tbody tr')].map(tr => [...tr.querySelectorAll('td')].slice(0, 9).map(td => td.textContent))".into(),
        // 10: the accounts not scanned.
        "[...document.querySelectorAll('#not-scanned-table tbody tr')].map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent))".into(),
        // 11: the OU options, in path order.
        "[...document.getElementById('f-ou').options].map(o => o.textContent)".into(),
        // 12: a search by account name finds that account's results.
        format!(
            "(() => {{ {} ; const e = document.getElementById('f-text'); e.value = 'shared-workload-005'; e.dispatchEvent(new Event('input')); return new Promise(r => setTimeout(() => r({}), 400)); }})()",
            select("f-account", ""),
            rows()
        ),
        // 13: each result row names its account under the account id.
        "document.querySelector('#results tbody tr.result td.acct .acct-name').textContent.length > 0".into(),
        "document.title".into(), // 14
    ];
    let r = browse(&file, &steps, Some(&out_dir().join("org.png")));
    assert_clean_run(&r);
    let v = r["values"].as_array().unwrap();
    let total = report["results"].as_array().unwrap().len();
    assert_eq!(v[0], total);
    assert_eq!(v[1], results_where(&report, |a| a == "210000001011"));
    let fails = report["summary"]["by_account"]["210000001011"]["fail"].clone();
    assert_eq!(v[2], fails, "account and status together");
    assert_eq!(v[4], total);
    let workloads = under(&report, OU_WORKLOADS);
    assert!(workloads.len() >= 3);
    assert_eq!(
        v[5],
        results_where(&report, |a| workloads.iter().any(|w| w == a)),
        "an OU selects its whole subtree"
    );
    let prod = under(&report, OU_PROD);
    assert!(!prod.is_empty() && prod.len() < workloads.len());
    assert_eq!(
        v[6],
        results_where(&report, |a| prod.iter().any(|w| w == a))
    );
    assert_eq!(v[7], results_where(&report, |a| a == "210000005055"));
    assert_eq!(
        v[8],
        json!([
            "210000002022",
            "",
            results_where(&report, |a| a == "210000002022")
        ])
    );
    let table = v[9].as_array().unwrap();
    assert_eq!(table.len(), 6);
    assert_eq!(
        table[0],
        json!([
            "210000000000",
            "management",
            "(root)",
            report["summary"]["by_account"]["210000000000"]["fail"].to_string(),
            "0",
            "0",
            report["summary"]["by_account"]["210000000000"]["skipped"].to_string(),
            report["summary"]["by_account"]["210000000000"]["pass"].to_string(),
            "0"
        ])
    );
    let refused = table.iter().find(|r| r[0] == REFUSED).unwrap();
    assert_eq!(refused[2], "Workloads / Dev");
    assert_eq!(refused[8], "1", "its AssumeRole error");
    let skipped = v[10].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0][0], SUSPENDED);
    assert_eq!(skipped[0][3], "SUSPENDED");
    assert!(
        skipped[0][4]
            .as_str()
            .unwrap()
            .starts_with("account status is SUSPENDED")
    );
    assert_eq!(
        v[11],
        json!([
            "all",
            "Security",
            "Workloads",
            "Workloads / Dev",
            "Workloads / Prod"
        ])
    );
    assert_eq!(v[12], results_where(&report, |a| a == "210000005055"));
    assert_eq!(v[13], true);
    assert_eq!(v[14], "flowaudit report · 6 accounts");
}

/// Hostile values for the account metadata: quotes, markup and script, command substitution,
/// bidi controls, line and paragraph separators, a terminal escape and line breaks.
const HOSTILE_NAME: &str =
    "q\"u'o`te <script>window.__flowauditInjected=1</script> $(touch /tmp/pwned)";
const HOSTILE_OU: &str =
    "OU <img src=x onerror=\"window.__flowauditInjected=2\"> \u{202e}evil\u{202c}";
const HOSTILE_TAG: &str = "line\u{2028}separator\u{2029}para\nnewline\r\x1b[31mred";

/// The org fixture with hostile account names, OU names, tags and skip reason.
fn hostile_inventory(dir: &Path) -> PathBuf {
    let mut inv = fixture();
    for a in inv["accounts"].as_array_mut().unwrap() {
        a["name"] = json!(format!(
            "{HOSTILE_NAME} {}",
            &a["id"].as_str().unwrap()[9..]
        ));
        for u in a["ou_path"].as_array_mut().unwrap() {
            if u["id"] == OU_PROD {
                u["name"] = json!(HOSTILE_OU);
            }
        }
        a["tags"]["note"] = json!(HOSTILE_TAG);
        if a["scanned"] == false {
            a["skip_reason"] = json!(HOSTILE_TAG);
        }
    }
    let path = dir.join("hostile-org.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&inv).unwrap()).unwrap();
    path
}

#[test]
fn hostile_account_names_ou_names_and_tags_stay_data_in_text_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let inv = hostile_inventory(dir.path());

    // Text: every value on its own line, controls shown as escapes.
    let out = scan(&inv, &[]);
    out.assert_code(3);
    let text = out.stdout();
    for c in ['\x1b', '\r', '\u{202e}', '\u{202c}', '\u{2028}', '\u{2029}'] {
        assert!(!text.contains(c), "raw {c:?} in:\n{text}");
    }
    assert!(text.contains("\\u{202e}evil\\u{202c}"), "{text}");
    let table = section(&text, "By account (6)");
    assert_eq!(table.len(), 7, "one line per account: {table:?}");
    for row in &table[1..] {
        assert!(row.contains(HOSTILE_NAME), "{row}");
    }
    let skipped = section(&text, "Accounts not scanned (1)");
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0].contains("line\\u{2028}separator\\u{2029}para\\u{a}newline\\u{d}\\u{1b}[31mred"),
        "{skipped:?}"
    );
    assert!(
        text.contains(
            "Workloads/OU <img src=x onerror=\"window.__flowauditInjected=2\"> \\u{202e}evil\\u{202c}"
        ),
        "{text}"
    );

    // HTML: the values are shown literally, as text, and nothing of them runs.
    let (report, html) = json_and_html(&inv);
    let markup = html.replace(data_block(&html), "");
    assert!(!markup.contains("<script>window.__flowauditInjected"));
    assert!(!markup.contains("<img src=x"));
    let file = out_dir().join("hostile-org.html");
    std::fs::write(&file, &html).unwrap();
    let prod_label = format!("Workloads / {HOSTILE_OU}");
    // The page shows control characters, separators and bidi controls as the terminal does.
    let shown_prod_label = escape_lines(&prod_label).into_owned();
    assert!(shown_prod_label.contains("\\u{202e}evil\\u{202c}"));
    let steps = vec![
        "[...document.querySelectorAll('#accounts-table tbody tr')].map(tr => [tr.children[1].textContent, tr.children[2].textContent])".into(),
        "[...document.getElementById('f-ou').options].map(o => o.textContent)".into(),
        "[...document.getElementById('f-account').options].slice(1).map(o => o.textContent)".into(),
        "[...document.querySelectorAll('#not-scanned-table td')].map(td => td.textContent)".into(),
        format!("({})() && {}", "() => { document.getElementById('view-results').click(); return true; }", select("f-ou", OU_PROD)),
        "document.querySelectorAll('#accounts img, #accounts script, #filters img, #filters script, #results img, #results script').length".into(),
        "typeof window.__flowauditInjected".into(),
    ];
    let r = browse(&file, &steps, None);
    assert_clean_run(&r);
    let v = r["values"].as_array().unwrap();
    for row in v[0].as_array().unwrap() {
        assert!(row[0].as_str().unwrap().starts_with(HOSTILE_NAME), "{row}");
    }
    assert!(
        v[0].as_array()
            .unwrap()
            .iter()
            .any(|row| row[1] == shown_prod_label.as_str()),
        "{:?}",
        v[0]
    );
    assert!(
        v[1].as_array()
            .unwrap()
            .iter()
            .any(|o| o == shown_prod_label.as_str())
    );
    assert!(
        v[2].as_array()
            .unwrap()
            .iter()
            .all(|o| o.as_str().unwrap().contains(HOSTILE_NAME))
    );
    // (An HTML parser reads a carriage return as a line feed.)
    let shown_tag = escape_lines(&HOSTILE_TAG.replace('\r', "\n")).into_owned();
    assert!(shown_tag.contains("line\\u{2028}separator"), "{shown_tag}");
    assert!(
        v[3].as_array()
            .unwrap()
            .iter()
            .any(|c| c == shown_tag.as_str()),
        "{:?}",
        v[3]
    );
    let prod = under(&report, OU_PROD);
    assert_eq!(
        v[4],
        results_where(&report, |a| prod.iter().any(|w| w == a)),
        "the hostile OU still filters"
    );
    assert_eq!(v[5], 0, "no element came out of the data");
    assert_eq!(v[6], "undefined", "injected script ran");
}

/// An organization inventory of `accounts` accounts from the generator script.
fn generated(dir: &Path, accounts: usize) -> PathBuf {
    let path = dir.join(format!("org-{accounts}.json"));
    gen_org_inventory(&["--accounts", &accounts.to_string(), "--vpcs", "2"], &path);
    path
}

/// `scripts/gen-org-inventory.py ARGS --output OUT`.
fn gen_org_inventory(args: &[&str], out: &Path) {
    run_ok(
        std::process::Command::new(venv_bin("python"))
            .arg(repo_path("scripts/gen-org-inventory.py"))
            .args(args)
            .arg("--output")
            .arg(out),
    );
}

#[test]
fn the_generator_writes_the_fixture() {
    let dir = tempfile::tempdir().unwrap();
    gen_org_inventory(&[], &dir.path().join("org.json"));
    assert_eq!(
        std::fs::read(dir.path().join("org.json")).unwrap(),
        std::fs::read(repo_path(FIXTURE)).unwrap(),
        "regenerate the fixture: scripts/gen-org-inventory.py --output {FIXTURE}"
    );
}

#[test]
fn sarif_beyond_20_accounts_is_one_file_per_account_in_the_output_dir() {
    let dir = tempfile::tempdir().unwrap();
    let inv = generated(dir.path(), 25);
    let run = scan_inventory(&inv)
        .args(["--format", "sarif", "--format", "json"])
        .args(["--sarif-category", "org-audit"])
        .output_dir()
        .run();
    run.assert_code(3);
    let report = run.output_json("flowaudit.json");
    let out = run.output_path();
    let accounts: Vec<&str> = each(&report["scan"]["accounts"])
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(accounts.len(), 24, "25 accounts, one suspended");
    assert!(!out.join("flowaudit.sarif").exists());
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sarif"))
        .collect();
    files.sort();
    let expected: Vec<String> = accounts
        .iter()
        .map(|a| format!("flowaudit-{a}.sarif"))
        .collect();
    assert_eq!(files, expected);
    let mut reported = 0;
    let mut paths = Vec::new();
    for a in &accounts {
        let path = out.join(format!("flowaudit-{a}.sarif"));
        let log: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let runs = log["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1, "{a}");
        assert_eq!(
            runs[0]["automationDetails"]["id"],
            format!("org-audit/{a}/")
        );
        for r in runs[0]["results"].as_array().unwrap() {
            assert_eq!(r["properties"]["account"], *a);
            reported += 1;
        }
        let notes = runs[0]["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0);
        let errors = each(&report["scan"]["errors"])
            .filter(|e| e["account_id"] == *a)
            .count();
        assert_eq!(
            notes, errors,
            "each account's scan errors are in its own file"
        );
        if let Some(errs) = schema_errors(&path) {
            panic!("{}: {errs}", path.display());
        }
        paths.push(path);
    }
    assert_eq!(
        reported,
        count(&report["summary"]["by_status"], "fail"),
        "every failure is in the file of its account"
    );
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    if let Some(errors) = multitool_errors(&refs) {
        panic!("SARIF multitool reported errors:\n{errors}");
    }
}

#[test]
fn sarif_beyond_20_accounts_to_one_file_or_stdout_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let inv = generated(dir.path(), 25);
    let file = dir.path().join("one.sarif");
    for args in [
        vec!["--format", "sarif", "--output", file.to_str().unwrap()],
        vec!["--format", "sarif"],
    ] {
        let out = scan(&inv, &args);
        out.assert_code_for(2, format_args!("{args:?}"))
            .stderr_has("24 accounts")
            .stderr_has("at most 20")
            .stderr_has("--output-dir");
        assert!(out.stdout().is_empty());
        assert!(!file.exists());
    }
    // Up to 20 accounts, one file holds a run per account.
    let out = scan_inventory(generated(dir.path(), 20))
        .args(["--format", "sarif"])
        .output_dir()
        .run();
    out.assert_code(3);
    let log = out.output_json("flowaudit.sarif");
    assert_eq!(log["runs"].as_array().unwrap().len(), 19);
    assert_eq!(std::fs::read_dir(out.output_path()).unwrap().count(), 1);
}

/// Opens the HTML report of 500 accounts × 50 VPCs (25,000 VPCs, about 150,000 results) and
/// filters it by account, OU, status and text; prints the page size and the timings. Run
/// explicitly (a release build scans faster: `FLOWAUDIT_BIN=target/release/flowaudit`):
/// `cargo test --test it html_scale_org -- --ignored --nocapture`.
#[test]
#[ignore]
fn html_scale_org_500_accounts_x_50_vpcs() {
    let dir = out_dir();
    let inv = dir.join("org-500x50.json");
    gen_org_inventory(&["--accounts", "500", "--vpcs", "50"], &inv);
    let file = dir.join("org-500x50.html");
    let started = std::time::Instant::now();
    let out = scan(
        &inv,
        &["--format", "html", "--output", file.to_str().unwrap()],
    );
    let scan_s = started.elapsed().as_secs_f64();
    out.assert_code(3);
    let size = std::fs::metadata(&file).unwrap().len();
    let account = "210000101100"; // account 100
    // A filter applied synchronously (the search through the form's submit), timed in the page.
    let timed = |setup: &str| {
        format!(
            "(() => {{ {setup}; const t = performance.now(); document.getElementById('filters').dispatchEvent(new Event('submit', {{cancelable: true}})); return [Math.round(performance.now() - t), {}, document.getElementById('result-count').textContent]; }})()",
            rows()
        )
    };
    let set = |id: &str, v: &str| format!("document.getElementById({id:?}).value = {v:?}");
    let steps = vec![
        format!(
            "[{}, Math.round(performance.getEntriesByType('navigation')[0].loadEventEnd), document.querySelectorAll('#accounts-table tbody tr').length]",
            show_results()
        ),
        timed(&set("f-account", account)),
        timed(&format!(
            "{}; {}",
            set("f-account", ""),
            set("f-ou", OU_PROD)
        )),
        timed(&format!("{}; {}", set("f-ou", ""), set("f-status", "fail"))),
        timed(&format!(
            "{}; {}",
            set("f-status", ""),
            set("f-text", "vpc-00000064000000007")
        )),
        timed(&set("f-text", "")),
    ];
    let r = browse(&file, &steps, Some(&dir.join("org-500x50.png")));
    assert_clean_run(&r);
    let v = r["values"].as_array().unwrap();
    assert_eq!(v[0][0], 200, "the first page of rows");
    assert_eq!(v[0][2], 499, "every scanned account has a row");
    // The 7 results of each of the account's 50 VPCs: a first page of 200 of them.
    assert_eq!(v[1][1], 200, "{}", v[1]);
    assert!(
        v[1][2].as_str().unwrap().contains("of 350 matching"),
        "{}",
        v[1]
    );
    assert!(v[2][2].as_str().unwrap().contains("matching results"));
    assert_eq!(v[4][1], 7, "the results of one VPC (one per check)");
    println!(
        "500 accounts x 50 VPCs: scan to HTML {scan_s:.1} s; HTML {:.1} MB; browser load {} ms (navigation loadEventEnd {} ms); filter by account {} ms, by OU {} ms, by status {} ms, search {} ms, clear {} ms",
        size as f64 / 1_048_576.0,
        r["loadMs"],
        v[0][1],
        v[1][0],
        v[2][0],
        v[3][0],
        v[4][0],
        v[5][0]
    );
}

/// `n` organizational units, as an `ou_path`.
fn ou_path_of(n: usize) -> Value {
    (0..n)
        .map(|i| json!({"id": format!("ou-a1b2-{i:08}"), "name": format!("L{i}")}))
        .collect()
}

#[test]
fn an_ou_path_deeper_than_organizations_allows_is_refused_where_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let with_path = |n: usize| {
        let mut inv = fixture();
        inv["accounts"][1]["ou_path"] = ou_path_of(n);
        let path = dir.path().join(format!("depth-{n}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(&inv).unwrap()).unwrap();
        path
    };
    // Five levels, as deep as Organizations goes: read, and rendered.
    let five = with_path(5);
    let out = scan(&five, &[]);
    out.assert_code_for(3, "the fixture has scan errors");
    let text = out.stdout();
    assert!(text.contains("L0/L1/L2/L3/L4"), "{text}");
    // Six, or ten thousand: refused on load, naming the file, the position and the field, in
    // a streamed scan and a whole load alike, before any report is written (the ten thousand
    // cost seconds and gigabytes of one HTML page before).
    let copy = dir.path().join("copy.json");
    for n in [6, 10_000] {
        let inv = with_path(n);
        for extra in [&[][..], &["--dump-inventory", copy.to_str().unwrap()][..]] {
            let out_dir = dir.path().join("out");
            let mut args = vec![
                "--format",
                "html",
                "--output-dir",
                out_dir.to_str().unwrap(),
            ];
            args.extend(extra);
            let out = scan(&inv, &args);
            out.assert_code_for(2, format_args!("{n} {extra:?}"));
            let err = out.stderr();
            let file = inv.display().to_string();
            assert!(err.contains(&format!("{file}:")), "{err}");
            assert!(
                err.contains("accounts[1].ou_path")
                    && err.contains("more than 5 organizational units"),
                "{err}"
            );
            assert!(!out_dir.join("flowaudit.html").exists() && !copy.exists());
        }
    }

    // A saved report: `scan.account_details` read back by `flowaudit report`.
    let saved = dir.path().join("saved");
    scan(
        &five,
        &["--format", "json", "--output-dir", saved.to_str().unwrap()],
    )
    .assert_code(3);
    let report_path = saved.join("flowaudit.json");
    let mut report: Value = serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    let details = report["scan"]["account_details"].as_array_mut().unwrap();
    let at = details
        .iter()
        .position(|a| a["ou_path"].as_array().unwrap().len() == 5)
        .unwrap();
    details[at]["ou_path"] = ou_path_of(6);
    std::fs::write(&report_path, serde_json::to_vec_pretty(&report).unwrap()).unwrap();
    fa().args(["report", "--format", "text", "--output-dir"])
        .arg(dir.path().join("rendered"))
        .arg(&report_path)
        .run()
        .assert_code(2)
        .stderr_has(&format!("{}:", report_path.display()))
        .stderr_has("invalid report")
        .stderr_has("more than 5 organizational units");
}

//! `flowaudit report`: saved JSON reports rendered again and merged, through the binary, offline
//! (reports of inventory files).

use crate::support::cmd::fa;
use crate::support::harness::repo_path;
use crate::support::json::{each, each_mut};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Run flowaudit with `args`; returns (exit code, stderr).
fn run_args(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = fa().args(args).run();
    (out.code(), out.stderr())
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

/// `scan --from-inventory INV` writing every format into `dir`; returns the exit code.
fn scan_all(inv: &Path, dir: &Path, extra: &[&str]) -> i32 {
    let mut args = vec![
        os("scan"),
        os("--from-inventory"),
        inv.as_os_str(),
        os("--output-dir"),
        dir.as_os_str(),
    ];
    for f in ["json", "sarif", "html", "text"] {
        args.extend([os("--format"), os(f)]);
    }
    args.extend(extra.iter().map(os));
    let (c, err) = run_args(&args);
    assert!(c == 0 || c == 1 || c == 3, "exit {c}: {err}");
    c
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn sorted_results(doc: &Value) -> Vec<String> {
    let mut v: Vec<String> = each(&doc["results"]).map(|r| r.to_string()).collect();
    v.sort();
    v
}

/// The organization fixture split by account into two inventories: (first, second).
fn split_org_inventory(dir: &Path) -> (PathBuf, PathBuf) {
    let inv = json(&repo_path("tests/fixtures/org-inventory.json"));
    let ids: Vec<String> = each(&inv["accounts"])
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    let (a, b) = ids.split_at(ids.len() / 2);
    let part = |keep: &[String], name: &str| {
        let mut p = inv.clone();
        let mine = |v: &Value, key: &str| keep.iter().any(|k| v[key].as_str() == Some(k));
        for (list, key) in [
            ("accounts", "id"),
            ("regions", "account_id"),
            ("errors", "account_id"),
        ] {
            let kept: Vec<Value> = each(&p[list]).filter(|v| mine(v, key)).cloned().collect();
            p[list] = Value::Array(kept);
        }
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_string_pretty(&p).unwrap()).unwrap();
        path
    };
    (part(a, "first.json"), part(b, "second.json"))
}

#[test]
fn an_old_report_renders_again_in_every_format_as_the_scan_wrote_it() {
    let dir = tempfile::tempdir().unwrap();
    let (scanned, rendered) = (dir.path().join("scan"), dir.path().join("report"));
    let c = scan_all(
        &repo_path("tests/fixtures/org-inventory.json"),
        &scanned,
        &[
            "--suppressions",
            repo_path("examples/demo-suppressions.toml")
                .to_str()
                .unwrap(),
        ],
    );
    let mut args = vec![os("report"), os("--output-dir"), rendered.as_os_str()];
    let input = scanned.join("flowaudit.json");
    args.push(input.as_os_str());
    for f in ["sarif", "html", "text", "json"] {
        args.extend([os("--format"), os(f)]);
    }
    let (rc, err) = run_args(&args);
    assert_eq!(rc, c, "{err}");
    for name in [
        "flowaudit.json",
        "flowaudit.sarif",
        "flowaudit.html",
        "flowaudit.txt",
    ] {
        let a = std::fs::read(scanned.join(name)).unwrap();
        let b = std::fs::read(rendered.join(name)).unwrap();
        assert!(a == b, "{name} differs");
    }
    // The fixture is partial: exit 3 before any finding counts.
    assert_eq!(rc, 3);
    let sarif = json(&rendered.join("flowaudit.sarif"));
    assert!(!sarif["runs"].as_array().unwrap().is_empty());
    let html = std::fs::read_to_string(rendered.join("flowaudit.html")).unwrap();
    assert!(html.contains("210000005055"));
}

#[test]
fn reports_of_disjoint_accounts_merge_into_the_report_of_all() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = split_org_inventory(dir.path());
    let whole = dir.path().join("whole");
    let c = scan_all(&repo_path("tests/fixtures/org-inventory.json"), &whole, &[]);
    let (d1, d2) = (dir.path().join("a"), dir.path().join("b"));
    scan_all(&first, &d1, &[]);
    scan_all(&second, &d2, &[]);
    let merged = dir.path().join("merged.json");
    let (a, b) = (d1.join("flowaudit.json"), d2.join("flowaudit.json"));
    let (rc, err) = run_args(&[
        os("report"),
        b.as_os_str(),
        a.as_os_str(),
        os("-f"),
        os("json"),
        os("-o"),
        merged.as_os_str(),
    ]);
    assert_eq!(rc, c, "{err}");
    let (m, w) = (json(&merged), json(&whole.join("flowaudit.json")));
    assert_eq!(sorted_results(&m), sorted_results(&w));
    assert_eq!(m["summary"], w["summary"]);
    for key in [
        "accounts",
        "regions",
        "partial",
        "started_at",
        "finished_at",
        "account_details",
    ] {
        assert_eq!(m["scan"][key], w["scan"][key], "{key}");
    }
    let errors = |d: &Value| {
        let mut e: Vec<String> = each(&d["scan"]["errors"]).map(|e| e.to_string()).collect();
        e.sort();
        e
    };
    assert_eq!(errors(&m), errors(&w));
    crate::support::report_schema::validate_against_schema(&merged);

    // SARIF alone keeps only what its runs can hold, HTML alone only the suppressed results (the
    // page embeds the merged document's text); each writes what it writes beside other formats.
    let all = dir.path().join("all");
    let (rc, err) = run_args(&[
        os("report"),
        b.as_os_str(),
        a.as_os_str(),
        os("-f"),
        os("sarif"),
        os("-f"),
        os("html"),
        os("-f"),
        os("text"),
        os("--output-dir"),
        all.as_os_str(),
    ]);
    assert_eq!(rc, c, "{err}");
    for (format, file) in [("sarif", "flowaudit.sarif"), ("html", "flowaudit.html")] {
        let alone = dir.path().join(format!("alone-{file}"));
        let (rc, err) = run_args(&[
            os("report"),
            b.as_os_str(),
            a.as_os_str(),
            os("-f"),
            os(format),
            os("-o"),
            alone.as_os_str(),
        ]);
        assert_eq!(rc, c, "{err}");
        assert!(
            std::fs::read(&alone).unwrap() == std::fs::read(all.join(file)).unwrap(),
            "{format} written alone differs from {format} written beside other formats"
        );
    }

    // A report merged with itself is that report.
    let twice = dir.path().join("twice.json");
    let (rc, err) = run_args(&[
        os("report"),
        a.as_os_str(),
        a.as_os_str(),
        os("-f"),
        os("json"),
        os("-o"),
        twice.as_os_str(),
    ]);
    assert!(rc == 1 || rc == 3, "{err}");
    assert_eq!(std::fs::read(&twice).unwrap(), std::fs::read(&a).unwrap());
}

#[test]
fn reports_that_disagree_are_refused_naming_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("scan");
    scan_all(&repo_path("examples/demo-inventory.json"), &d, &[]);
    let original = d.join("flowaudit.json");
    let doc = json(&original);
    let variant = |name: &str, change: &dyn Fn(&mut Value)| {
        let mut v = doc.clone();
        change(&mut v);
        let p = dir.path().join(name);
        std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        p
    };
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            variant("version.json", &|v| v["tool"]["version"] = "0.0.1".into()),
            "different flowaudit versions",
        ),
        (
            variant("rules.json", &|v| {
                v["rules"][0]["severity"] = "critical".into();
            }),
            "has other metadata",
        ),
        (
            variant("fewer-rules.json", &|v| {
                v["rules"].as_array_mut().unwrap().pop();
            }),
            "is in the first, not in the second",
        ),
        (
            variant("results.json", &|v| {
                let r = each_mut(&mut v["results"])
                    .find(|r| r["status"] == "pass")
                    .unwrap();
                r["status"] = "fail".into();
            }),
            "with different results",
        ),
    ];
    for (other, why) in cases {
        let (rc, err) = run_args(&[os("report"), original.as_os_str(), other.as_os_str()]);
        assert_eq!(rc, 2, "{err}");
        assert!(
            err.contains(&format!(
                "reports {} and {} disagree",
                original.display(),
                other.display()
            )) && err.contains(why),
            "{why}: {err}"
        );
    }
}

#[test]
fn a_broken_report_is_refused_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("scan");
    scan_all(&repo_path("examples/demo-inventory.json"), &d, &[]);
    let text = std::fs::read_to_string(d.join("flowaudit.json")).unwrap();
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let lines = text[..text.len() / 2].lines().count();
    let (rc, err) = run_args(&[os("report"), cut.as_os_str()]);
    assert_eq!(rc, 2, "{err}");
    assert!(
        err.contains(&format!("{}:{lines}:", cut.display())),
        "{err}"
    );
    let wrong = dir.path().join("wrong.json");
    std::fs::write(
        &wrong,
        text.replacen("\"severity\": \"", "\"severity\": \"x", 1),
    )
    .unwrap();
    let (rc, err) = run_args(&[os("report"), wrong.as_os_str()]);
    assert_eq!(rc, 2, "{err}");
    assert!(
        err.contains("unknown variant `xhigh`") || err.contains("unknown variant `x"),
        "{err}"
    );
    let missing = dir.path().join("none.json");
    let (rc, err) = run_args(&[os("report"), missing.as_os_str()]);
    assert_eq!(rc, 2, "{err}");
    assert!(err.contains("cannot read report"), "{err}");
}

#[test]
fn suppressions_are_decided_again_by_the_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let inv = repo_path("examples/demo-inventory.json");
    let old = repo_path("examples/demo-suppressions.toml");
    // The new file suppresses nothing the old one did: an entry for another resource.
    let new = dir.path().join("new.toml");
    std::fs::write(
        &new,
        "[[suppression]]\nrule = \"VPC-001\"\nresource = \"vpc-00000000000000000\"\nreason = \"r\"\nexpires = \"2099-01-01\"\n",
    )
    .unwrap();
    let (with_old, with_new) = (dir.path().join("old"), dir.path().join("new"));
    let c_old = scan_all(&inv, &with_old, &["--suppressions", old.to_str().unwrap()]);
    let c_new = scan_all(&inv, &with_new, &["--suppressions", new.to_str().unwrap()]);
    assert!(
        json(&with_old.join("flowaudit.json"))["summary"]["by_status"]["suppressed"]
            .as_u64()
            .unwrap()
            > 0
    );
    let out = dir.path().join("again.json");
    let input = with_old.join("flowaudit.json");
    let (rc, err) = run_args(&[
        os("report"),
        input.as_os_str(),
        os("--suppressions"),
        new.as_os_str(),
        os("-f"),
        os("json"),
        os("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(rc, c_new, "{err}");
    assert_ne!(c_old, 2);
    assert!(err.contains("matched no failing result"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string(with_new.join("flowaudit.json")).unwrap()
    );
    // --fail-on decides the exit as in scan: nothing fails at critical, but the demo is partial.
    let (rc, err) = run_args(&[
        os("report"),
        input.as_os_str(),
        os("--fail-on"),
        os("critical"),
        os("-o"),
        os("/dev/null"),
    ]);
    assert_eq!(rc, c_old, "{err}");

    // An entry naming a rule or a check the reports do not have is an error, as in a scan, with
    // its position and the closest id; nothing is written.
    for (entry, want) in [
        (
            "rule = \"VPC-01\"",
            "typo.toml:2:8: suppression #1: unknown rule \"VPC-01\"; did you mean \"VPC-001\"?",
        ),
        (
            "rule = \"VPC-001\"\ncheck = \"flow-logs-enable\"",
            "suppression #1: rule VPC-001 has no check \"flow-logs-enable\"; did you mean \"flow-logs-enabled\"?",
        ),
    ] {
        let typo = dir.path().join("typo.toml");
        std::fs::write(
            &typo,
            format!("[[suppression]]\n{entry}\nresource = \"*\"\nreason = \"r\"\nexpires = \"2099-01-01\"\n"),
        )
        .unwrap();
        let none = dir.path().join("none.json");
        let (rc, err) = run_args(&[
            os("report"),
            input.as_os_str(),
            os("--suppressions"),
            typo.as_os_str(),
            os("-f"),
            os("json"),
            os("-o"),
            none.as_os_str(),
        ]);
        assert_eq!(rc, 2, "{err}");
        assert!(err.contains(want), "{err}");
        assert!(!none.exists());
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile saved reports: refused (exit 2) by `report` and by `diff`, which read them alike, with
// the file, the position and the JSON path; never a panic, a silent skip or a count that sizes
// an allocation.

use crate::support::hostile::corpus;
use crate::support::report_fixture::{ACCOUNT_A, ACCOUNT_B, demo_document};
use flowaudit::report::v1::Document;

/// The demo report (two accounts, every status) as JSON.
fn demo_value() -> Value {
    serde_json::to_value(demo_document()).unwrap()
}

/// Write `v` to `dir/name` with the keys in the order flowaudit writes them (`scan` before
/// `results`).
fn write_report(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let doc: Document = serde_json::from_value(v.clone()).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path
}

/// Assert that `err` is one input error of `file`: `FILE:LINE:COLUMN: invalid report: ...`,
/// holding `want`, short and without control characters; returns the line.
fn refused_at(err: &str, file: &Path, want: &str) -> usize {
    let prefix = format!("{}:", file.display());
    let rest = err
        .strip_prefix(&format!("flowaudit: error: {prefix}"))
        .or_else(|| err.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("does not start with the file: {err}"));
    let mut parts = rest.splitn(3, ':');
    let line: usize = parts.next().unwrap().parse().expect("a line");
    let _column: usize = parts.next().unwrap().parse().expect("a column");
    assert!(
        parts.next().unwrap().starts_with(" invalid report: "),
        "{err}"
    );
    assert!(err.contains(want), "{want:?} not in {err}");
    assert!(err.len() < 2_000, "{} bytes: {err}", err.len());
    assert!(
        !err.trim_end().chars().any(|c| c.is_control() && c != '\n'),
        "{err:?}"
    );
    line
}

/// Run `report FILES -f text -o /dev/null`; (exit code, stderr).
fn report_of(files: &[&Path]) -> (i32, String) {
    let mut args = vec![os("report")];
    args.extend(files.iter().map(|f| f.as_os_str()));
    args.extend([os("-f"), os("text"), os("-o"), os("/dev/null")]);
    run_args(&args)
}

/// `report FILE` and `diff` with FILE as the old and as the new report all refuse FILE with
/// `want`.
fn refused_by_every_reader(dir: &Path, file: &Path, want: &str) {
    let good = write_report(dir, "good.json", &demo_value());
    let (rc, err) = report_of(&[file]);
    assert_eq!(rc, 2, "report: {err}");
    refused_at(&err, file, want);
    for (old, new) in [(file, good.as_path()), (good.as_path(), file)] {
        let (rc, err) = run_args(&[os("diff"), old.as_os_str(), new.as_os_str()]);
        assert_eq!(rc, 2, "diff: {err}");
        refused_at(&err, file, want);
    }
}

#[test]
fn a_shard_count_beyond_the_flags_bound_is_refused_without_allocating_for_it() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    for (index, count, want) in [
        (0u64, 4_294_967_295u64, "found 4294967295"),
        (0, 20_000_000, "found 20000000"),
        (0, 10_001, "found 10001"),
        (
            0,
            0,
            "`scan.shard.count`: expected a shard count from 1 to 10000",
        ),
        (
            3,
            3,
            "`scan.shard.index`: expected a shard index below the shard count, found 3",
        ),
        (0, 4_294_967_296, "expected u32"),
    ] {
        let mut v = demo_value();
        v["scan"]["shard"] = serde_json::json!({"index": index, "count": count, "accounts": []});
        // Written as is: the document type would not hold every count.
        let file = dir.path().join("bomb.json");
        std::fs::write(&file, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        // At most 1 GiB of address space: a reader that allocates for the count aborts.
        let mut cmd = fa();
        unsafe {
            cmd.command_mut().pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 1 << 30,
                    rlim_max: 1 << 30,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        let out = cmd.arg("report").arg(&file).args(["-o", "/dev/null"]).run();
        let err = out.stderr();
        assert_eq!(out.code(), 2, "count {count}: {err}");
        refused_at(&err, &file, want);
        if count > 10_000 && count < 1 << 32 {
            assert!(err.contains("`scan.shard.count`"), "{err}");
        }
    }
}

#[test]
fn missing_shards_are_summarized_as_ranges_not_listed_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = [0, 5, 9_999]
        .iter()
        .map(|i| {
            let mut v = demo_value();
            v["scan"]["shard"] =
                serde_json::json!({"index": i, "count": 10_000, "accounts": [ACCOUNT_A]});
            write_report(dir.path(), &format!("shard-{i}.json"), &v)
        })
        .collect();
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (rc, err) = report_of(&refs);
    assert_ne!(rc, 2, "{err}");
    let warning = err
        .lines()
        .find(|l| l.contains("missing"))
        .unwrap_or_else(|| panic!("no warning: {err}"));
    assert_eq!(
        warning,
        "flowaudit: warning: shards 1-4, 6-9998 of 10000 missing (9997 of 10000): the merged report does not cover the accounts of those shards"
    );
}

#[test]
fn repeated_results_or_a_repeated_key_are_refused_not_counted_twice() {
    let dir = tempfile::tempdir().unwrap();
    // A result given twice.
    let mut v = demo_value();
    let results = v["results"].as_array_mut().unwrap();
    let n = results.len();
    results.push(results[2].clone());
    let file = write_report(dir.path(), "twice.json", &v);
    refused_by_every_reader(
        dir.path(),
        &file,
        &format!(
            "`results[{n}]` repeats `results[2]`: rule \"VPC-001\", check \"traffic-type-all\", resource \"vpc-0a1b2c3d4e5f60003\""
        ),
    );

    // The key `results` given twice: serde_json would take one of them; the reader refuses.
    let good = write_report(dir.path(), "one.json", &demo_value());
    let text = std::fs::read_to_string(&good).unwrap();
    let results = serde_json::to_string_pretty(&demo_value()["results"]).unwrap();
    let doubled = text.replacen(
        "\n  \"summary\": {",
        &format!("\n  \"results\": {results},\n  \"summary\": {{"),
        1,
    );
    assert_ne!(doubled, text);
    let file = dir.path().join("key-twice.json");
    std::fs::write(&file, &doubled).unwrap();
    let line = refused_at(
        &report_of(&[&file]).1,
        &file,
        "the key \"results\" is given twice",
    );
    let key_line = doubled
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("  \"results\""))
        .nth(1)
        .unwrap()
        .0
        + 1;
    assert_eq!(line, key_line);
    refused_by_every_reader(dir.path(), &file, "the key \"results\" is given twice");
    // So is a key of a section.
    let scan_twice = text.replacen(
        "\n    \"partial\": true,",
        "\n    \"partial\": true,\n    \"partial\": false,",
        1,
    );
    assert_ne!(scan_twice, text);
    std::fs::write(&file, &scan_twice).unwrap();
    refused_by_every_reader(dir.path(), &file, "duplicate field `partial`");
}

#[test]
fn results_of_an_account_the_report_does_not_cover_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_value();
    let of = |v: &Value, account: &str| -> Vec<Value> {
        each(&v["results"])
            .filter(|r| r["resource"]["account_id"] == account)
            .cloned()
            .collect()
    };
    // `a.json` lists only account A but carries one of B's results; `b.json` is B's report.
    let mut a = demo.clone();
    a["scan"]["accounts"] = serde_json::json!([ACCOUNT_A]);
    a["scan"]["errors"] = serde_json::json!([]);
    let mut results = of(&demo, ACCOUNT_A);
    let smuggled = results.len();
    results.push(of(&demo, ACCOUNT_B)[0].clone());
    a["results"] = Value::Array(results);
    let mut b = demo.clone();
    b["scan"]["accounts"] = serde_json::json!([ACCOUNT_B]);
    b["results"] = Value::Array(of(&demo, ACCOUNT_B));
    let (fa_, fb) = (
        write_report(dir.path(), "a.json", &a),
        write_report(dir.path(), "b.json", &b),
    );
    let want = format!(
        "`results[{smuggled}].resource.account_id` is \"{ACCOUNT_B}\", an account the report does not cover"
    );
    let (rc, err) = report_of(&[&fa_, &fb]);
    assert_eq!(rc, 2, "{err}");
    refused_at(&err, &fa_, &want);
    refused_by_every_reader(dir.path(), &fa_, &want);
    // Also when the results come before `scan` in the file.
    let first = dir.path().join("results-first.json");
    std::fs::write(&first, serde_json::to_string_pretty(&a).unwrap()).unwrap();
    let text = std::fs::read_to_string(&first).unwrap();
    assert!(text.find("\"results\"").unwrap() < text.find("\"scan\"").unwrap());
    refused_by_every_reader(dir.path(), &first, &want);
}

#[test]
fn an_account_id_that_is_not_12_digits_is_refused_wherever_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut values: Vec<(String, String)> = corpus();
    values.extend([
        ("empty".to_string(), String::new()),
        ("underscore".to_string(), "_".to_string()),
        ("long".to_string(), "1".repeat(300)),
        ("eleven digits".to_string(), "12345678901".to_string()),
    ]);
    for (name, value) in &values {
        for (path, pointer) in [
            ("scan.accounts[1]", "/scan/accounts/1"),
            ("scan.errors[0].account_id", "/scan/errors/0/account_id"),
            (
                "results[3].resource.account_id",
                "/results/3/resource/account_id",
            ),
        ] {
            let mut v = demo_value();
            *v.pointer_mut(pointer).unwrap() = Value::String(value.clone());
            let file = write_report(dir.path(), "hostile.json", &v);
            let want = format!("`{path}`: expected an account id of 12 digits, found");
            if path.starts_with("scan.accounts") {
                refused_by_every_reader(dir.path(), &file, &want);
            } else {
                let (rc, err) = report_of(&[&file]);
                assert_eq!(rc, 2, "{name} at {path}: {err}");
                refused_at(&err, &file, &want);
            }
        }
    }
}

#[test]
fn per_account_sarif_files_are_all_checked_before_the_first_is_written() {
    let dir = tempfile::tempdir().unwrap();
    // 22 accounts, more than a SARIF file takes runs: one file per account.
    let accounts: Vec<String> = (0..22)
        .map(|i| format!("{:012}", 100_000_000_000u64 + i))
        .collect();
    let mut v = demo_value();
    v["scan"]["accounts"] = serde_json::json!(accounts);
    v["scan"]["errors"] = serde_json::json!([]);
    v["scan"]["partial"] = false.into();
    v["results"] = serde_json::json!([]);
    let good = write_report(dir.path(), "many.json", &v);
    let out = dir.path().join("out");
    let sarif_args = |input: &Path| {
        let (rc, err) = run_args(&[
            os("report"),
            input.as_os_str(),
            os("-f"),
            os("json"),
            os("-f"),
            os("sarif"),
            os("--output-dir"),
            out.as_os_str(),
        ]);
        (rc, err)
    };
    let (rc, err) = sarif_args(&good);
    assert_eq!(rc, 0, "{err}");
    let written = |d: &Path| {
        let mut n: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    assert_eq!(written(&out).len(), 1 + 22, "{:?}", written(&out));

    // Ids that would share a file name, or make one too long, are refused on read: nothing is
    // written.
    for bad in [vec!["".to_string(), "_".to_string()], vec!["7".repeat(300)]] {
        let _ = std::fs::remove_dir_all(&out);
        let mut v = v.clone();
        let list = v["scan"]["accounts"].as_array_mut().unwrap();
        list.extend(bad.iter().map(|b| Value::String(b.clone())));
        let file = write_report(dir.path(), "bad-ids.json", &v);
        let (rc, err) = sarif_args(&file);
        assert_eq!(rc, 2, "{err}");
        refused_at(&err, &file, "expected an account id of 12 digits");
        assert!(
            !out.exists() || written(&out).is_empty(),
            "{:?}",
            written(&out)
        );
    }

    // An output that cannot be written (a directory in the way of one account's file) stops the
    // run before the first file is written.
    std::fs::create_dir_all(out.join(format!("flowaudit-{}.sarif", accounts[21]))).unwrap();
    let (rc, err) = sarif_args(&good);
    assert_eq!(rc, 2, "{err}");
    assert!(err.contains("it is a directory"), "{err}");
    assert_eq!(written(&out), [format!("flowaudit-{}.sarif", accounts[21])]);
}

#[test]
fn numbers_out_of_their_bounds_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    type Change = fn(&mut Value);
    let cases: [(&str, Change, &str); 4] = [
        (
            "1000001 interfaces",
            |v| v["results"][0]["resource"]["network_interfaces"] = 1_000_001.into(),
            "`results[0].resource.network_interfaces`: expected a count of network interfaces from 0 to 1000000 (AWS quotas allow far fewer), found 1000001",
        ),
        (
            "-1 interfaces",
            |v| v["results"][0]["resource"]["network_interfaces"] = (-1).into(),
            "invalid value: integer `-1`",
        ),
        (
            "entry 0",
            |v| v["suppressions"]["expired"][0]["index"] = 0.into(),
            "`suppressions.expired[0].index`: expected the 1-based number of a suppressions-file entry, found 0",
        ),
        (
            "a fix of account _",
            |v| {
                v["fixes"] = serde_json::json!([{
                    "account_id": "_", "region": "eu-west-1", "vpc_id": "vpc-0a1b2c3d4e5f60001",
                    "action": "create-flow-log", "description": "d", "outcome": "applied",
                    "error": null, "created": [], "verified": {}
                }])
            },
            "`fixes[0].account_id`: expected an account id of 12 digits, found \"_\"",
        ),
    ];
    for (what, change, want) in cases {
        let mut v = demo_value();
        change(&mut v);
        let file = dir.path().join("number.json");
        // Written as is: the document type would not hold every value.
        std::fs::write(&file, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        let (rc, err) = report_of(&[&file]);
        assert_eq!(rc, 2, "{what}: {err}");
        refused_at(&err, &file, want);
    }
}

#[test]
fn many_scan_errors_merge_each_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let error = |i: usize| {
        serde_json::json!({
            "account_id": ACCOUNT_A,
            "region": "eu-west-1",
            "service": "ec2",
            "operation": "DescribeFlowLogs",
            "code": "Throttling",
            "message": format!("error {i}"),
        })
    };
    // 60,000 errors, each distinct one given twice.
    let mut v = demo_value();
    v["scan"]["errors"] = Value::Array((0..60_000).map(|i| error(i % 30_000)).collect());
    let file = write_report(dir.path(), "errors.json", &v);
    let merged = dir.path().join("merged.json");
    let (rc, err) = run_args(&[
        os("report"),
        file.as_os_str(),
        os("-f"),
        os("json"),
        os("-o"),
        merged.as_os_str(),
    ]);
    assert_ne!(rc, 2, "{err}");
    let m = json(&merged);
    let messages: Vec<&str> = each(&m["scan"]["errors"])
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    let want: Vec<String> = (0..30_000).map(|i| format!("error {i}")).collect();
    assert_eq!(messages, want);
}

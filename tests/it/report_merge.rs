//! `flowaudit report`: saved JSON reports rendered again and merged, through the binary, offline
//! (reports of inventory files).

use crate::support::harness::{code, flowaudit, repo_path, run};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Run flowaudit with `args`; returns (exit code, stderr).
fn fa(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = run(flowaudit().args(args));
    (
        code(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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
    let (c, err) = fa(&args);
    assert!(c == 0 || c == 1 || c == 3, "exit {c}: {err}");
    c
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn sorted_results(doc: &Value) -> Vec<String> {
    let mut v: Vec<String> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.to_string())
        .collect();
    v.sort();
    v
}

/// The organization fixture split by account into two inventories: (first, second).
fn split_org_inventory(dir: &Path) -> (PathBuf, PathBuf) {
    let inv = json(&repo_path("tests/fixtures/org-inventory.json"));
    let ids: Vec<String> = inv["accounts"]
        .as_array()
        .unwrap()
        .iter()
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
            let kept: Vec<Value> = p[list]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| mine(v, key))
                .cloned()
                .collect();
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
    let (rc, err) = fa(&args);
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
    let (rc, err) = fa(&[
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
        let mut e: Vec<String> = d["scan"]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.to_string())
            .collect();
        e.sort();
        e
    };
    assert_eq!(errors(&m), errors(&w));
    crate::support::report_schema::validate_against_schema(&merged);

    // SARIF alone keeps only what its runs can hold, HTML alone only the suppressed results (the
    // page embeds the merged document's text); each writes what it writes beside other formats.
    let all = dir.path().join("all");
    let (rc, err) = fa(&[
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
        let (rc, err) = fa(&[
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
    let (rc, err) = fa(&[
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
                let r = v["results"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|r| r["status"] == "pass")
                    .unwrap();
                r["status"] = "fail".into();
            }),
            "with different results",
        ),
    ];
    for (other, why) in cases {
        let (rc, err) = fa(&[os("report"), original.as_os_str(), other.as_os_str()]);
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
    let (rc, err) = fa(&[os("report"), cut.as_os_str()]);
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
    let (rc, err) = fa(&[os("report"), wrong.as_os_str()]);
    assert_eq!(rc, 2, "{err}");
    assert!(
        err.contains("unknown variant `xhigh`") || err.contains("unknown variant `x"),
        "{err}"
    );
    let missing = dir.path().join("none.json");
    let (rc, err) = fa(&[os("report"), missing.as_os_str()]);
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
    let (rc, err) = fa(&[
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
    let (rc, err) = fa(&[
        os("report"),
        input.as_os_str(),
        os("--fail-on"),
        os("critical"),
        os("-o"),
        os("/dev/null"),
    ]);
    assert_eq!(rc, c_old, "{err}");
}

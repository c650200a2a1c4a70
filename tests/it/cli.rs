//! Bad input never reaches AWS: unknown regions, bad endpoint URLs, bad flag values and malformed
//! inventory files all exit 2 with a message naming the culprit.

use crate::support::cmd::fa;
use crate::support::harness::*;

#[test]
fn unknown_region_is_rejected_before_any_call() {
    let moto = Moto::start();
    for (flag, value) in [
        ("--region", "us-esat-1"),
        ("--exclude-region", "eu-wset-1"),
        ("--region", "mars-north-1"),
    ] {
        let out = fa()
            .args(["scan", "--endpoint-url", &moto.endpoint(), flag, value])
            .run();
        let err = out.stderr();
        assert_eq!(out.code(), 2, "{err}");
        assert!(err.contains(flag) && err.contains(value), "{err}");
    }
    let out = fa()
        .args([
            "scan",
            "--endpoint-url",
            &moto.endpoint(),
            "--region",
            "eu-west-1,us-esat-1",
        ])
        .run();
    assert!(
        out.stderr().contains("did you mean \"us-east-1\""),
        "{}",
        out.stderr()
    );
    assert_eq!(moto.recorded_calls(), vec![], "no request may reach AWS");
}

#[test]
fn bad_endpoint_urls_are_input_errors() {
    let moto = Moto::start();
    for url in ["localhost:5000", "http://", "http://127.0.0.1:notaport"] {
        let out = fa()
            .args(["scan", "--endpoint-url", url, "--region", "us-east-1"])
            .run();
        let err = out.stderr();
        assert_eq!(out.code(), 2, "{url}: {err}");
        assert!(err.contains("--endpoint-url") && err.contains(url), "{err}");
    }
    let out = fa()
        .args(["scan", "--region", "us-east-1"])
        .env("AWS_ENDPOINT_URL", "not a url")
        .run();
    let err = out.stderr();
    assert_eq!(out.code(), 2, "{err}");
    assert!(err.contains("AWS_ENDPOINT_URL"), "{err}");
    assert_eq!(moto.recorded_calls(), vec![]);
}

#[test]
fn bad_flag_values_exit_2() {
    for args in [
        &["scan", "--concurrency", "0"][..],
        &["scan", "--concurrency", "many"],
        &["scan", "--max-attempts", "0"],
        &["scan", "--call-timeout", "-1"],
        &["scan", "--no-such-flag"],
        &[
            "scan",
            "--from-inventory",
            "x.json",
            "--region",
            "us-east-1",
        ],
    ] {
        let out = fa().args(args).run();
        assert_eq!(out.code(), 2, "{args:?}: {}", out.stderr());
        assert!(!out.stderr().is_empty());
    }
}

#[test]
fn help_documents_the_collection_flags() {
    let out = fa().args(["scan", "--help"]).run();
    assert_eq!(out.code(), 0);
    let help = out.stdout();
    for flag in [
        "--region",
        "--exclude-region",
        "--profile",
        "--endpoint-url",
        "--concurrency",
        "--max-attempts",
        "--call-timeout",
        "--dump-inventory",
        "--from-inventory",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}

/// Write `text` to a file and run `scan --from-inventory` on it.
fn load(text: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, text).unwrap();
    let out = fa().args(["scan", "--from-inventory"]).arg(&path).run();
    (out.code(), out.stderr(), path.display().to_string())
}

fn demo() -> serde_json::Value {
    repo_json("examples/demo-inventory.json")
}

#[test]
fn malformed_inventory_files_name_file_line_and_column() {
    // Not JSON at all: line 3, column 5.
    let (c, err, path) = load("{\n  \"schema\": \"flowaudit/inventory/v1\",\n    oops\n}");
    assert_eq!(c, 2, "{err}");
    assert!(err.contains(&format!("{path}:3:5")), "{err}");

    // A field of the wrong type, an unknown field, the wrong schema: the file (with the
    // position that follows it, where given) and what stderr names.
    /// An edit of the demo inventory, what follows the file name in the error, and what else it names.
    type Edit = (
        fn(&mut serde_json::Value),
        &'static str,
        &'static [&'static str],
    );
    let edits: [Edit; 3] = [
        (
            |v| v["regions"][0]["vpcs"][0]["is_default"] = serde_json::json!("yes"),
            ":",
            &["regions[0].vpcs[0].is_default"],
        ),
        (
            |v| v["regions"][0]["vpcs"][0]["colour"] = serde_json::json!("blue"),
            ":",
            &["unknown field `colour`"],
        ),
        (
            |v| v["schema"] = serde_json::json!("flowaudit/inventory/v999"),
            "",
            &["v999", "fix:"],
        ),
    ];
    for (edit, after_path, needles) in edits {
        let mut v = demo();
        edit(&mut v);
        let (c, err, path) = load(&serde_json::to_string_pretty(&v).unwrap());
        assert_eq!(c, 2, "{err}");
        assert!(err.contains(&format!("{path}{after_path}")), "{err}");
        for n in needles {
            assert!(err.contains(n), "{n}: {err}");
        }
    }

    // A missing file.
    let out = fa()
        .args(["scan", "--from-inventory", "/nonexistent/inv.json"])
        .run();
    assert_eq!(out.code(), 2);
    assert!(out.stderr().contains("/nonexistent/inv.json"));
}

#[test]
fn a_malformed_region_met_mid_scan_stops_it_and_leaves_the_old_report() {
    // The last region is broken: it is read only after the earlier ones were evaluated and
    // their results written to the (temporary) report file.
    let mut v = demo();
    let last = v["regions"].as_array().unwrap().len() - 1;
    assert!(last > 0);
    v["regions"][last]["vpcs"][0]["colour"] = serde_json::json!("blue");
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.json");
    std::fs::write(&inv, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let report = dir.path().join("report.json");
    std::fs::write(&report, "previous report\n").unwrap();
    let out = fa()
        .args(["scan", "--format", "json", "--output"])
        .arg(&report)
        .arg("--from-inventory")
        .arg(&inv)
        .run();
    let err = out.stderr();
    assert_eq!(out.code(), 2, "{err}");
    assert!(err.contains(&format!("{}:", inv.display())), "{err}");
    assert!(
        err.contains(&format!("regions[{last}].vpcs[0]")) && err.contains("unknown field `colour`"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        "previous report\n"
    );
    assert_eq!(
        file_names(dir.path()),
        ["inv.json", "report.json"],
        "no temporary file is left"
    );
}

#[test]
fn fix_names_itself_and_does_not_offer_from_inventory() {
    let out = fa().args(["fix", "--help"]).run();
    let help = out.stdout();
    assert_eq!(out.code(), 0);
    assert!(help.contains("--fix-destination"), "{help}");
    assert!(!help.contains("--from-inventory <FILE>"), "{help}");
    // Without a destination, `fix` is named as the command, not as `--fix`; `scan --fix` by its flag.
    let out = fa().args(["fix", "--region", "eu-west-1"]).run();
    let err = out.stderr();
    assert_eq!(out.code(), 2, "{err}");
    assert!(
        err.contains("fix needs --fix-destination") && !err.contains("--fix needs"),
        "{err}"
    );
    let out = fa().args(["scan", "--fix", "--region", "eu-west-1"]).run();
    assert!(out.stderr().contains("--fix needs --fix-destination"));
    // `fix` refuses a saved inventory, in its own name.
    let out = fa()
        .args([
            "fix",
            "--from-inventory",
            repo_path("tests/fixtures/demo-inventory.json")
                .to_str()
                .unwrap(),
            "--fix-destination",
            "s3://flowaudit-central",
        ])
        .run();
    let err = out.stderr();
    assert_eq!(out.code(), 2, "{err}");
    assert!(
        err.contains("fix needs a live scan") && !err.contains("--fix needs"),
        "{err}"
    );
}

#[test]
fn an_unknown_fix_rule_is_refused_with_the_closest_id() {
    for (rule, needle) in [
        (
            "VPC-009",
            "unknown rule \"VPC-009\"; did you mean \"VPC-001\"?",
        ),
        (
            "VPC-01",
            "unknown rule \"VPC-01\"; did you mean \"VPC-001\"?",
        ),
        (
            "vpc-001/traffic-type",
            "rule VPC-001 has no check \"traffic-type\"; did you mean \"traffic-type-all\"?",
        ),
    ] {
        fa().args([
            "fix",
            "--region",
            "eu-west-1",
            "--fix-destination",
            "s3://flowaudit-central",
            "--fix-rule",
            rule,
        ])
        .run()
        .assert_code(2)
        .stderr_has("--fix-rule")
        .stderr_has(needle);
    }
}

#[test]
fn a_fix_resource_pattern_that_matches_nothing_is_named() {
    use crate::support::fix::*;
    let moto = Moto::start();
    let ids = seed_account(&moto);
    let dir = tmp();
    let out = fix_cmd(dir.path(), &["fix", "--dry-run"], &format!("s3://{BUCKET}"))
        .endpoint(&moto.endpoint())
        .args(["--region", &regions_arg()])
        .args([
            "--fix-resource",
            "vpc-nothing*",
            "--fix-resource",
            &ids["bare_ap"],
        ])
        // Lower case: rule ids are matched regardless of case.
        .args(["--fix-rule", "vpc-001"])
        .run();
    out.assert_complete();
    let err = out.stderr();
    assert!(
        err.contains(
            "flowaudit: warning: --fix-resource \"vpc-nothing*\" matches no VPC or transit gateway of the scan"
        ),
        "{err}"
    );
    assert!(
        !err.contains(&format!("\"{}\" matches no", ids["bare_ap"])),
        "{err}"
    );
    assert!(err.contains(&ids["bare_ap"]), "the plan fixes it: {err}");
}

//! A newcomer's first hour: errors that name their cause, exit codes that say what happened, one
//! log line format, and a closing block after every run that writes files.

use crate::support::cmd::fa;
use crate::support::harness::*;
use std::path::Path;

/// The demo inventory without its scan error: a complete scan.
fn complete_demo(dir: &Path) -> std::path::PathBuf {
    complete_inventory("examples/demo-inventory.json", dir)
}

/// A scan that finds no credentials at all: no environment variables, no profile files, no
/// instance metadata, and `AWS_PROFILE` when given. Nothing is sent (the endpoint is a closed
/// loopback port).
fn scan_without_credentials(extra: &[&str], aws_profile: Option<&str>) -> (i32, String) {
    let home = tempfile::tempdir().unwrap();
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let mut cmd = fa();
    cmd.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("HOME", home.path())
        .env_remove("AWS_CONFIG_FILE")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE")
        .args(["scan", "--region", "eu-west-1", "--endpoint-url", &endpoint])
        .args(extra);
    if let Some(p) = aws_profile {
        cmd.env("AWS_PROFILE", p);
    }
    let out = cmd.run();
    (out.code(), out.stderr())
}

#[test]
fn missing_credentials_are_named_as_such_with_the_commands_that_fix_them() {
    let (code, err) = scan_without_credentials(&[], None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("NoCredentials"), "{err}");
    for advice in ["AWS_PROFILE", "aws sso login", "aws configure"] {
        assert!(err.contains(advice), "{advice}: {err}");
    }
    assert!(!err.contains("check the endpoint"), "{err}");
    assert!(!err.contains("Transport"), "{err}");
    // The SDK's own lines stay lines, indented under the error, not Debug escapes.
    assert!(!err.contains("\\u{a}") && !err.contains("\\n"), "{err}");
    assert!(err.contains("\n    "), "{err}");
    for line in err.lines().filter(|l| !l.is_empty()) {
        assert!(
            line.starts_with("flowaudit: error: ") || line.starts_with("  "),
            "a line of its own: {line:?}\n{err}"
        );
    }
}

#[test]
fn a_missing_profile_is_named() {
    for (how, extra, env) in [
        ("--profile", &["--profile", "nosuch"][..], None),
        ("AWS_PROFILE", &[][..], Some("nosuch")),
    ] {
        let (code, err) = scan_without_credentials(extra, env);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("the profile `nosuch` ({how})")),
            "{how}: {err}"
        );
        assert!(err.contains("aws sso login --profile nosuch"), "{err}");
        assert!(err.contains("aws configure --profile nosuch"), "{err}");
    }
}

#[test]
fn a_check_that_cannot_be_evaluated_makes_the_scan_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete_demo(dir.path());
    let inv = inv.to_str().unwrap();
    let base = fa()
        .args([
            "scan",
            "--from-inventory",
            inv,
            "--fail-on",
            "critical",
            "-f",
            "json",
        ])
        .run();
    assert_ne!(base.code(), 3, "{}", base.stderr());

    // A tag lookup of a key some VPCs lack: valid CEL, an error for those VPCs.
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("ORG-100.toml"),
        r#"id = "ORG-100"
title = "Cost centre"
description = "The VPC's cost centre tag is not empty."
severity = "low"
resource = "vpc"

[[checks]]
id = "cost-centre"
title = "Cost centre tag"
condition = "vpc.tags['CostCenter'] != ''"
pass = "tagged"
fail = "untagged"
"#,
    )
    .unwrap();
    let out = fa()
        .args([
            "scan",
            "--from-inventory",
            inv,
            "--rules",
            rules.to_str().unwrap(),
            "--fail-on",
            "critical",
            "-f",
            "json",
            "--output-dir",
            dir.path().join("out").to_str().unwrap(),
        ])
        .run();
    let err = out.stderr();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/flowaudit.json")).unwrap())
            .unwrap();
    let errors = report["summary"]["by_status"]["error"].as_u64().unwrap();
    assert!(errors > 0, "the rule gives error results");
    assert_eq!(out.code(), 3, "{err}");
    assert!(
        err.contains("flowaudit: exit 3: the scan is incomplete")
            && err.contains(&format!("{errors} checks could not be evaluated")),
        "{err}"
    );
}

#[test]
fn a_run_that_writes_files_ends_with_what_it_wrote_and_what_its_exit_code_means() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete_demo(dir.path());
    let out_dir = dir.path().join("out");
    let args = [
        "scan",
        "--from-inventory",
        inv.to_str().unwrap(),
        "--output-dir",
        out_dir.to_str().unwrap(),
        "-f",
        "json",
        "-f",
        "html",
        "-f",
        "sarif",
    ];
    let out = fa().args(args).run();
    let err = out.stderr();
    assert_eq!(out.code(), 1, "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("flowaudit.json")).unwrap()).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    let wrote = lines
        .iter()
        .find(|l| l.starts_with("flowaudit: wrote "))
        .unwrap_or_else(|| panic!("no files line: {err}"));
    for f in ["flowaudit.json", "flowaudit.html", "flowaudit.sarif"] {
        assert!(
            wrote.contains(&out_dir.join(f).display().to_string()),
            "{f}: {wrote}"
        );
    }
    let total = report["summary"]["total"].as_u64().unwrap();
    let fail = report["summary"]["by_status"]["fail"].as_u64().unwrap();
    assert!(
        err.contains(&format!(
            "flowaudit: {total} results in 1 account and {} regions: ",
            report["scan"]["regions"].as_array().unwrap().len()
        )) && err.contains(&format!("{fail} fail")),
        "{err}"
    );
    assert!(
        lines.last().unwrap().starts_with("flowaudit: exit 1: ")
            && lines.last().unwrap().contains("at or above --fail-on low"),
        "{err}"
    );

    // -q: nothing at all.
    let out = fa().args(args).arg("-q").run();
    assert_eq!(out.code(), 1);
    assert_eq!(out.stderr(), "");
    // To standard output: the report is the summary, no block.
    let out = fa()
        .args(["scan", "--from-inventory", inv.to_str().unwrap()])
        .run();
    assert!(
        !out.stderr().contains("flowaudit: wrote"),
        "{}",
        out.stderr()
    );
}

#[test]
fn log_lines_have_one_format_and_no_colour_on_a_redirected_stderr() {
    let moto = Moto::start();
    moto.seed(&serde_json::json!([{"op": "vpc", "key": "v", "region": "eu-west-1", "cidr": "10.0.0.0/16"}]));
    let out = fa()
        .env_remove("NO_COLOR")
        .args([
            "scan",
            "-v",
            "--region",
            "eu-west-1",
            "--endpoint-url",
            &moto.endpoint(),
        ])
        .run();
    let err = out.stderr();
    assert!(!err.contains('\x1b'), "no ANSI codes: {err:?}");
    assert!(
        err.contains("flowaudit: info: "),
        "-v shows info lines: {err}"
    );
    assert!(
        err.contains("region listed") && err.contains("region=eu-west-1"),
        "{err}"
    );
    for line in err.lines() {
        assert!(line.starts_with("flowaudit: "), "one format: {line:?}");
    }
    // Without -v: no info lines.
    let out = fa()
        .args([
            "scan",
            "--region",
            "eu-west-1",
            "--endpoint-url",
            &moto.endpoint(),
        ])
        .run();
    assert!(!out.stderr().contains("info:"), "{}", out.stderr());
}

#[test]
fn a_file_of_the_wrong_kind_is_named_with_the_command_that_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete_demo(dir.path());
    let inv = inv.to_str().unwrap();
    let out_dir = dir.path().join("out");
    let o = out_dir.to_str().unwrap();
    fa().args(["scan", "--from-inventory", inv, "--output-dir", o, "-q"])
        .args([
            "-f", "json", "-f", "sarif", "-f", "text", "-f", "markdown", "-f", "html",
        ])
        .run();
    let file = |name: &str| out_dir.join(name).to_str().unwrap().to_string();
    // As flowaudit writes it: `schema` first.
    let demo = repo_path("examples/demo-inventory.json");
    let inv = demo.to_str().unwrap();
    let (report, sarif, text) = (
        file("flowaudit.json"),
        file("flowaudit.sarif"),
        file("flowaudit.txt"),
    );
    let (md, html) = (file("flowaudit.md"), file("flowaudit.html"));
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["scan", "--from-inventory", &report],
            "a JSON report (flowaudit/report/v1)",
            "flowaudit report FILE",
        ),
        (
            vec!["fix", "--undo", &report, "--yes"],
            "a JSON report",
            "--undo takes a change log",
        ),
        (
            vec!["report", inv],
            "an inventory (flowaudit/inventory/v1)",
            "--from-inventory FILE",
        ),
        (
            vec!["diff", &sarif, &report],
            "a SARIF log",
            "give the JSON report",
        ),
        (
            vec!["diff", &report, &text],
            "a text file, not JSON",
            "give the JSON report",
        ),
        (
            vec!["report", &md],
            "a Markdown document",
            "give the JSON report",
        ),
        (
            vec!["scan", "--from-inventory", &html],
            "an HTML page",
            "give the JSON report",
        ),
        (
            vec!["scan", "--from-inventory", inv, "--baseline", inv],
            "an inventory",
            "--baseline takes a JSON report",
        ),
    ];
    for (args, is, hint) in cases {
        let out = fa().args(&args).run();
        let err = out.stderr();
        assert_eq!(out.code(), 2, "{args:?}: {err}");
        assert!(
            err.contains(&format!("this file is {is}")),
            "{args:?}: {err}"
        );
        assert!(err.contains(hint), "{args:?}: {err}");
    }
}

#[test]
fn diff_takes_repeatable_formats_and_an_output_dir_like_scan() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete_demo(dir.path());
    let report = dir.path().join("r.json");
    fa().args([
        "scan",
        "--from-inventory",
        inv.to_str().unwrap(),
        "-f",
        "json",
        "-o",
    ])
    .arg(&report)
    .run();
    let r = report.to_str().unwrap();
    let out_dir = dir.path().join("d");
    let out = fa()
        .args([
            "diff",
            r,
            r,
            "-f",
            "json",
            "-f",
            "markdown",
            "-f",
            "text",
            "--output-dir",
        ])
        .arg(&out_dir)
        .run();
    assert_eq!(out.code(), 0, "{}", out.stderr());
    for (format, name) in [
        ("json", "flowaudit-diff.json"),
        ("markdown", "flowaudit-diff.md"),
        ("text", "flowaudit-diff.txt"),
    ] {
        let alone = fa().args(["diff", r, r, "-f", format]).run();
        assert_eq!(
            std::fs::read(out_dir.join(name)).unwrap(),
            alone.stdout_bytes(),
            "{format}"
        );
    }
    // Several formats without a directory are refused, as in scan.
    let out = fa().args(["diff", r, r, "-f", "json", "-f", "text"]).run();
    assert_eq!(out.code(), 2);
    assert!(out.stderr().contains("--output-dir"), "{}", out.stderr());
}

#[test]
fn an_ou_suppression_in_a_single_account_scan_says_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let supp = dir.path().join("s.toml");
    std::fs::write(
        &supp,
        r#"[[suppression]]
rule = "VPC-001"
resource = "*"
ou = "Workloads"
reason = "workloads accepted"
expires = 2099-01-01
"#,
    )
    .unwrap();
    let out = fa()
        .args(["scan", "--from-inventory"])
        .arg(repo_path("examples/demo-inventory.json"))
        .arg("--suppressions")
        .arg(&supp)
        .run();
    let err = out.stderr();
    assert!(
        err.contains("suppression #1 (VPC-001 * *) cannot match: ou needs an organization scan (--org) or an accounts file (--accounts-file)"),
        "{err}"
    );
    assert!(!err.contains("remove it if the finding is fixed"), "{err}");
}

#[test]
fn default_vpcs_are_marked_and_the_unused_ones_counted_with_the_flag_that_skips_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut inv: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo_path("examples/demo-inventory.json")).unwrap())
            .unwrap();
    let mut defaults = Vec::new();
    for r in inv["regions"].as_array_mut().unwrap() {
        for v in r["vpcs"].as_array_mut().unwrap() {
            let default = v["is_default"] == true;
            v["network_interfaces"] = if default { 0 } else { 3 }.into();
            if default {
                defaults.push(v["id"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(defaults.len() >= 2, "the demo has default VPCs");
    let path = dir.path().join("inv.json");
    std::fs::write(&path, serde_json::to_vec(&inv).unwrap()).unwrap();
    let report = dir.path().join("r.json");
    let out = fa()
        .args(["scan", "--from-inventory"])
        .arg(&path)
        .args(["-f", "json", "-o"])
        .arg(&report)
        .run();
    assert_eq!(out.code(), 3, "{}", out.stderr());
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let mut failing_defaults = std::collections::BTreeSet::new();
    for r in doc["results"].as_array().unwrap() {
        if r["resource"]["type"] == "vpc" {
            let id = r["resource"]["id"].as_str().unwrap();
            assert_eq!(
                r["resource"]["is_default"],
                defaults.iter().any(|d| d == id),
                "{id}"
            );
            if r["status"] == "fail" && r["resource"]["is_default"] == true {
                failing_defaults.insert(id.to_string());
            }
        }
    }
    let out = fa().args(["scan", "--from-inventory"]).arg(&path).run();
    let text = out.stdout();
    assert!(
        text.contains("(default VPC, 0 network interfaces)"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{} of the failing VPCs are default VPCs with no network interfaces: --skip-unused",
            failing_defaults.len()
        )),
        "{text}"
    );
    // With --skip-unused they are skipped, and the line is gone.
    let out = fa()
        .args(["scan", "--skip-unused", "--from-inventory"])
        .arg(&path)
        .run();
    let text = out.stdout();
    assert!(
        !text.contains("default VPCs with no network interfaces"),
        "{text}"
    );
}

#[test]
fn the_config_file_keys_are_named_in_the_help_and_an_unknown_one_is_refused() {
    let help = fa().args(["scan", "--help"]).run();
    let help = help.stdout();
    for key in [
        "[scan]",
        "fail_on",
        "skip_unused",
        "accept_subnet_coverage",
        "[rules.RULE-ID]",
        "enabled",
        "params",
    ] {
        assert!(help.contains(key), "{key}: {help}");
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[scan]\nregions = [\"eu-west-1\"]\n").unwrap();
    let out = fa()
        .args(["scan", "--from-inventory"])
        .arg(repo_path("examples/demo-inventory.json"))
        .arg("--config")
        .arg(&config)
        .run();
    let err = out.stderr();
    assert_eq!(out.code(), 2, "{err}");
    assert!(
        err.contains(&format!("{}:2:1", config.display()))
            && err.contains("unknown field `regions`")
            && err.contains("`fail_on`"),
        "{err}"
    );
}

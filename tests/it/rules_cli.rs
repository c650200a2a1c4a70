//! `flowaudit rules ...` and the rule-related scan flags, driven through the binary.

use crate::support::harness::*;
use std::path::{Path, PathBuf};
use std::process::Output;

fn fa(args: &[&str]) -> Output {
    run(flowaudit().args(args))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `flowaudit scan --from-inventory INV EXTRA...`.
fn scan_inv(inv: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["scan", "--from-inventory", inv.to_str().unwrap()];
    args.extend_from_slice(extra);
    fa(&args)
}

/// Assert that stderr contains `needle`.
fn says_err(o: &Output, needle: &str) {
    assert!(
        stderr(o).contains(needle),
        "missing {needle:?} in:\n{}",
        stderr(o)
    );
}

fn user_rules() -> PathBuf {
    repo_path("tests/fixtures/user-rules")
}

/// A copy of the user rule directory with ORG-001.toml edited by `edit`.
fn broken_rules(edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(user_rules().join("ORG-001.toml")).unwrap();
    std::fs::write(dir.path().join("ORG-001.toml"), edit(&text)).unwrap();
    dir
}

fn line_of(path: &Path, needle: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle in file")
        + 1
}

#[test]
fn list_names_every_builtin_rule_with_its_checks() {
    let o = fa(&["rules", "list"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    for needle in [
        "VPC-001",
        "flow-logs-enabled, traffic-type-all, destination-encrypted",
        "VPC-002",
        "delivery-success",
        "VPC-003",
        "retention-minimum",
        "VPC-004",
        "info",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
}

#[test]
fn show_prints_compliance_parameters_and_remediation() {
    let o = fa(&["rules", "show", "VPC-001"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    for needle in [
        "CIS AWS Foundations Benchmark v1.2.0: 2.9",
        "CIS AWS Foundations Benchmark v6.0.0: 4.7",
        "AWS Foundational Security Best Practices: EC2.6",
        "NIST SP 800-53 Rev. 5: AU-2, AU-3, AU-12, SI-4",
        "PCI DSS v3.2.1: 10.3.1",
        "<KMS_KEY_ARN>",
        "terraform:",
        "cloudformation:",
        "cli:",
        "condition: size(vpc.active_vpc_logs) > 0 ||",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    let o = fa(&["rules", "show", "VPC-003"]);
    assert!(stdout(&o).contains("min_retention_days = 365 (default 365)"));
    let o = fa(&["rules", "show", "NOPE-1"]);
    assert_eq!(code(&o), 2);
    says_err(&o, "VPC-001");
}

#[test]
fn builtin_rule_tests_run_from_the_cli() {
    let o = fa(&["rules", "test"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("ok    VPC-001  only a REJECT log"), "{out}");
    assert!(out.contains(", 0 failed"), "{out}");
}

#[test]
fn user_rule_dir_tests_validates_and_scans() {
    let dir = user_rules();
    let d = dir.to_str().unwrap();
    let o = fa(&["rules", "test", d]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("3 case(s): 3 passed, 0 failed"),
        "{}",
        stdout(&o)
    );
    let o = fa(&["rules", "validate", d]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("1 rule(s) valid"));
    let o = fa(&["rules", "list", "--rules", d]);
    assert!(stdout(&o).contains("ORG-001"));
    assert!(stdout(&o).contains("VPC-001"));

    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("r.json");
    let o = fa(&[
        "scan",
        "--from-inventory",
        repo_path("tests/fixtures/demo-inventory.json")
            .to_str()
            .unwrap(),
        "--rules",
        d,
        "--format",
        "json",
        "--output",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 3, "partial fixture: {}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let org: Vec<&serde_json::Value> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule_id"] == "ORG-001")
        .collect();
    assert!(!org.is_empty());
    // The fixture's VPCs carry a Name tag but no Owner tag.
    assert!(org.iter().any(|r| {
        r["status"] == "fail"
            && r["remediation"]["cli"]
                .as_str()
                .unwrap()
                .contains("Key=Owner,Value=<TEAM>")
    }));
    let meta = doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ORG-001")
        .unwrap();
    assert!(meta["source"].as_str().unwrap().ends_with("ORG-001.toml"));
}

#[test]
fn a_failing_user_test_case_exits_1_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        user_rules().join("ORG-001.toml"),
        dir.path().join("ORG-001.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ORG-001.test.toml"),
        "[[case]]\nname = \"wrong on purpose\"\nexpect = { owner-tag = \"pass\" }\n",
    )
    .unwrap();
    let o = fa(&["rules", "test", dir.path().to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.contains("FAIL  ORG-001  wrong on purpose"), "{out}");
    assert!(out.contains("expected pass, got fail"), "{out}");
}

#[test]
fn a_rule_without_a_test_file_fails_rules_test() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        user_rules().join("ORG-001.toml"),
        dir.path().join("ORG-001.toml"),
    )
    .unwrap();
    let o = fa(&["rules", "test", dir.path().to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("ORG-001  has no test file"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_user_rule_overrides_the_builtin_with_the_same_id() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo_path("rules/VPC-004.toml"))
        .unwrap()
        .replace("severity = \"info\"", "severity = \"high\"");
    std::fs::write(dir.path().join("VPC-004.toml"), text).unwrap();
    let o = fa(&[
        "rules",
        "show",
        "VPC-004",
        "--rules",
        dir.path().to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert!(out.contains("severity: high"), "{out}");
    assert!(
        out.contains(dir.path().join("VPC-004.toml").to_str().unwrap()),
        "{out}"
    );
}

fn assert_positioned(o: &Output, file: &Path, line: usize, what: &str) {
    assert_eq!(code(o), 2, "{}", stderr(o));
    let err = stderr(o);
    let at = format!("{}:{line}:", file.display());
    assert!(err.contains(&at), "expected position {at} in:\n{err}");
    assert!(err.contains(what), "expected {what:?} in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn broken_rule_files_are_rejected_with_positions() {
    // Unknown field.
    let d = broken_rules(|t| {
        t.replace(
            "title = \"VPC has an owner\"",
            "titel = \"VPC has an owner\"",
        )
    });
    let f = d.path().join("ORG-001.toml");
    let o = fa(&["rules", "validate", d.path().to_str().unwrap()]);
    assert_positioned(&o, &f, line_of(&f, "titel"), "unknown field `titel`");
    says_err(&o, "rule ORG-001");

    // Missing field.
    let d = broken_rules(|t| t.replace("severity = \"high\"\n", ""));
    let o = fa(&["rules", "validate", d.path().to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    says_err(&o, "missing field `severity`");

    // CEL that does not compile, on the second line of a multi-line expression.
    let d = broken_rules(|t| {
        t.replace(
            "condition = \"params.tag_key in vpc.tags && vpc.tags[params.tag_key] != ''\"",
            "condition = \"\"\"\nparams.tag_key in vpc.tags &&\n  vpc.tags[params.tag_key] != ((\"\"\"",
        )
    });
    let f = d.path().join("ORG-001.toml");
    let o = fa(&[
        "scan",
        "--from-inventory",
        "/nonexistent.json",
        "--rules",
        d.path().to_str().unwrap(),
    ]);
    assert_positioned(
        &o,
        &f,
        line_of(&f, "vpc.tags[params.tag_key] != (("),
        "CEL expression does not compile",
    );
    says_err(&o, "check owner-tag: condition");

    // A template that does not compile.
    let d = broken_rules(|t| {
        t.replace(
            "fail = \"VPC {{resource.id}} has no",
            "fail = \"VPC {{#if resource.id}} has no",
        )
    });
    let f = d.path().join("ORG-001.toml");
    let o = fa(&["rules", "test", d.path().to_str().unwrap()]);
    assert_positioned(&o, &f, line_of(&f, "fail = "), "template does not compile");

    // A remediation template that writes a value unescaped.
    let d = broken_rules(|t| {
        t.replace(
            "--resources {{resource.id}}",
            "--resources {{{resource.id}}}",
        )
    });
    let f = d.path().join("ORG-001.toml");
    let o = fa(&["rules", "validate", d.path().to_str().unwrap()]);
    assert_positioned(
        &o,
        &f,
        line_of(&f, "--resources {{{"),
        "may not write a value unescaped",
    );
    let col = std::fs::read_to_string(&f)
        .unwrap()
        .lines()
        .nth(line_of(&f, "{{{") - 1)
        .unwrap()
        .find("{{{")
        .unwrap()
        + 1;
    says_err(
        &o,
        &format!(
            ":{}:{col}: rule ORG-001: remediation.cli",
            line_of(&f, "{{{")
        ),
    );

    // A duplicate check id.
    let d = broken_rules(|t| {
        let checks = &t[t.find("[[checks]]").unwrap()..];
        format!("{t}\n{checks}")
    });
    let f = d.path().join("ORG-001.toml");
    let o = fa(&["rules", "list", "--rules", d.path().to_str().unwrap()]);
    let second = std::fs::read_to_string(&f)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("id = \"owner-tag\""))
        .nth(1)
        .unwrap()
        .0
        + 1;
    assert_positioned(&o, &f, second, "duplicate check id \"owner-tag\"");

    // TOML syntax.
    let d = broken_rules(|t| t.replace("severity = \"high\"", "severity = \"high"));
    let f = d.path().join("ORG-001.toml");
    let o = fa(&["rules", "validate", d.path().to_str().unwrap()]);
    assert_positioned(&o, &f, line_of(&f, "severity = "), "");

    // An unknown severity.
    let d = broken_rules(|t| t.replace("severity = \"high\"", "severity = \"severe\""));
    let f = d.path().join("ORG-001.toml");
    let o = fa(&["rules", "validate", d.path().to_str().unwrap()]);
    assert_positioned(&o, &f, line_of(&f, "severity = "), "severe");
}

fn complete_inventory(dir: &Path) -> PathBuf {
    // The demo fixture without its scan error: a complete scan, so exit codes 0/1 are reachable.
    let mut inv: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo_path("tests/fixtures/demo-inventory.json")).unwrap(),
    )
    .unwrap();
    inv["errors"] = serde_json::json!([]);
    let p = dir.join("complete.json");
    std::fs::write(&p, serde_json::to_vec(&inv).unwrap()).unwrap();
    p
}

#[test]
fn fail_on_decides_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete_inventory(dir.path());
    let inv = inv.to_str().unwrap();
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--from-inventory", inv];
        args.extend_from_slice(extra);
        code(&fa(&args))
    };
    assert_eq!(scan(&[]), 1, "medium fails exist and the default is low");
    assert_eq!(scan(&["--fail-on", "medium"]), 1);
    assert_eq!(
        scan(&["--fail-on", "high"]),
        0,
        "no high or critical rule fails"
    );
    assert_eq!(scan(&["--fail-on", "critical"]), 0);
    assert_eq!(scan(&["--fail-on", "bogus"]), 2);
    // Partial takes precedence over findings, whatever --fail-on says.
    let partial = repo_path("tests/fixtures/demo-inventory.json");
    assert_eq!(
        code(&fa(&[
            "scan",
            "--from-inventory",
            partial.to_str().unwrap()
        ])),
        3
    );
    assert_eq!(
        code(&fa(&[
            "scan",
            "--from-inventory",
            partial.to_str().unwrap(),
            "--fail-on",
            "critical"
        ])),
        3
    );
    // The config file sets the default; the flag wins.
    let cfg = dir.path().join("flowaudit.toml");
    std::fs::write(&cfg, "[scan]\nfail_on = \"high\"\n").unwrap();
    assert_eq!(scan(&["--config", cfg.to_str().unwrap()]), 0);
    assert_eq!(
        scan(&["--config", cfg.to_str().unwrap(), "--fail-on", "low"]),
        1
    );
}

#[test]
fn only_info_failures_do_not_fail_at_the_default_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let mut inv: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo_path("tests/fixtures/demo-inventory.json")).unwrap(),
    )
    .unwrap();
    inv["errors"] = serde_json::json!([]);
    // Keep only the compliant VPC, with a 600 s aggregation interval: VPC-004 (info) fails alone.
    let vpc = inv["regions"][0]["vpcs"][0].clone();
    inv["regions"] =
        serde_json::json!([{"account_id": "123456789012", "region": "us-east-1", "vpcs": [vpc]}]);
    inv["regions"][0]["vpcs"][0]["flow_logs"][0]["max_aggregation_interval"] = 600.into();
    let p = dir.path().join("i.json");
    std::fs::write(&p, serde_json::to_vec(&inv).unwrap()).unwrap();
    let o = fa(&["scan", "--from-inventory", p.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("1 fail"), "{}", stdout(&o));
    let o = fa(&[
        "scan",
        "--from-inventory",
        p.to_str().unwrap(),
        "--fail-on",
        "info",
    ]);
    assert_eq!(code(&o), 1);
}

#[test]
fn config_sets_parameters_and_rejects_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete_inventory(dir.path());
    let cfg = dir.path().join("flowaudit.toml");
    let report = dir.path().join("r.json");
    let retention_fails = |cfg_text: &str| -> usize {
        std::fs::write(&cfg, cfg_text).unwrap();
        let o = scan_inv(
            &inv,
            &[
                "--config",
                cfg.to_str().unwrap(),
                "-f",
                "json",
                "-o",
                report.to_str().unwrap(),
            ],
        );
        assert!(code(&o) < 2, "{}", stderr(&o));
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["rule_id"] == "VPC-003" && r["status"] == "fail")
            .count()
    };
    // Default 365: the 30-day group and the missing group fail.
    assert_eq!(retention_fails(""), 2);
    // 400: the 365-day group fails too.
    assert_eq!(
        retention_fails("[rules.VPC-003]\nparams = { min_retention_days = 400 }\n"),
        3
    );
    // 7: only the missing group fails.
    assert_eq!(
        retention_fails("[rules.VPC-003]\nparams = { min_retention_days = 7 }\n"),
        1
    );
    // Disabled rules do not run.
    assert_eq!(retention_fails("[rules.VPC-003]\nenabled = false\n"), 0);

    std::fs::write(&cfg, "[rules.VPC-003]\nparams = { min_retention = 400 }\n").unwrap();
    let o = scan_inv(&inv, &["--config", cfg.to_str().unwrap()]);
    assert_positioned(&o, &cfg, 2, "has no parameter \"min_retention\"");
    std::fs::write(
        &cfg,
        "[rules.VPC-003]\nparams = { min_retention_days = \"long\" }\n",
    )
    .unwrap();
    let o = scan_inv(&inv, &["--config", cfg.to_str().unwrap()]);
    assert_positioned(&o, &cfg, 2, "must be an integer");
    std::fs::write(&cfg, "[scan]\naccept_subnets = true\n").unwrap();
    let o = scan_inv(&inv, &["--config", cfg.to_str().unwrap()]);
    assert_positioned(&o, &cfg, 2, "unknown field `accept_subnets`");
}

#[test]
fn accept_subnet_coverage_flag_and_config() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete_inventory(dir.path());
    let report = dir.path().join("r.json");
    let verdict = |extra: &[&str]| -> (String, String) {
        let mut args = vec![
            "scan",
            "--from-inventory",
            inv.to_str().unwrap(),
            "-f",
            "json",
            "-o",
            report.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        fa(&args);
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        let r = doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["resource"]["id"] == "vpc-0a11ce0000000007"
                    && r["check_id"] == "flow-logs-enabled"
            })
            .unwrap()
            .clone();
        (
            r["status"].as_str().unwrap().to_string(),
            r["message"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(verdict(&[]).0, "fail");
    let (st, msg) = verdict(&["--accept-subnet-coverage"]);
    assert_eq!(st, "pass");
    assert!(msg.contains("coverage is by subnet"), "{msg}");
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[scan]\naccept_subnet_coverage = true\n").unwrap();
    assert_eq!(verdict(&["--config", cfg.to_str().unwrap()]).0, "pass");
}

#[test]
fn suppressions_active_expired_and_unmatched() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete_inventory(dir.path());
    let report = dir.path().join("r.json");
    let supp = repo_path("tests/fixtures/demo-suppressions.toml");
    let o = scan_inv(
        &inv,
        &[
            "--suppressions",
            supp.to_str().unwrap(),
            "-f",
            "json",
            "-o",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("suppression #4") && err.contains("matched no failing result"),
        "{err}"
    );
    assert!(
        err.contains("suppression #3") && err.contains("expired on 2020-01-01"),
        "{err}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let results = doc["results"].as_array().unwrap();
    let find = |rule: &str, vpc: &str, check: &str| {
        results
            .iter()
            .find(|r| r["rule_id"] == rule && r["resource"]["id"] == vpc && r["check_id"] == check)
            .unwrap()
    };
    let s = find("VPC-001", "vpc-0a11ce0000000002", "flow-logs-enabled");
    assert_eq!(s["status"], "suppressed");
    assert_eq!(
        s["suppression"]["reason"],
        "Default VPC kept empty; no workloads (SEC-101)"
    );
    assert_eq!(s["suppression"]["expires"], "2099-12-31");
    assert_eq!(s["suppression"]["original_status"], "fail");
    assert!(
        s["remediation"].is_object(),
        "a suppressed failure keeps its remediation"
    );
    // The skipped checks of the same VPC are not touched: suppressions apply to failures only.
    assert_eq!(
        find("VPC-001", "vpc-0a11ce0000000002", "traffic-type-all")["status"],
        "skipped"
    );
    // ARN glob with a region.
    assert_eq!(
        find("VPC-003", "vpc-0a11ce0000000004", "retention-minimum")["status"],
        "suppressed"
    );
    // Expired entry: the failure stays a failure.
    assert_eq!(
        find("VPC-002", "vpc-0a11ce0000000006", "delivery-success")["status"],
        "fail"
    );
    let expired: Vec<i64> = doc["suppressions"]["expired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_i64().unwrap())
        .collect();
    let unmatched: Vec<i64> = doc["suppressions"]["unmatched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_i64().unwrap())
        .collect();
    assert_eq!(expired, vec![3]);
    assert_eq!(unmatched, vec![4]);
    assert_eq!(doc["summary"]["by_status"]["suppressed"], 3);

    // Suppressing every medium-or-above failure makes the audit pass.
    let all = dir.path().join("all.toml");
    std::fs::write(
        &all,
        "[[suppression]]\nrule = \"VPC-00[123]\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2099-01-01\n",
    )
    .unwrap();
    // `rule` is a rule id, not a glob: one that names no loaded rule is refused.
    let o = scan_inv(&inv, &["--suppressions", all.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    says_err(&o, "unknown rule \"VPC-00[123]\"");
    let mut text = String::new();
    for (r, resources) in [
        ("VPC-001", "vpc-*"),
        ("VPC-002", "vpc-*"),
        ("VPC-003", "vpc-*"),
        ("VPC-005", "vpc-*"),
        ("TGW-001", "tgw-*"),
    ] {
        text.push_str(&format!(
            "[[suppression]]\nrule = \"{r}\"\nresource = \"{resources}\"\nreason = \"accepted\"\nexpires = 2099-01-01\n"
        ));
    }
    std::fs::write(&all, text).unwrap();
    let o = scan_inv(&inv, &["--suppressions", all.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn malformed_suppressions_are_exit_2_with_position() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete_inventory(dir.path());
    let f = dir.path().join("s.toml");
    let cases = [
        (
            "[[suppression]]\nrule = \"VPC-001\"\nresource = \"vpc-1\"\nexpires = 2099-01-01\n",
            1,
            "missing field `reason`",
        ),
        (
            "[[suppression]]\nrule = \"VPC-001\"\nresource = \"vpc-1\"\nreason = \"r\"\nexpires = \"next year\"\n",
            5,
            "expires must be a date",
        ),
        (
            "[[suppression]]\nrule = \"VPC-001\"\nresource = \"vpc-[\"\nreason = \"r\"\nexpires = 2099-01-01\n",
            3,
            "not a valid glob",
        ),
        (
            "[[suppression]]\nrule = \"VPC-001\"\nresource = \"vpc-1\"\nreason = \"  \"\nexpires = 2099-01-01\n",
            4,
            "reason is empty",
        ),
        (
            "[[suppression]]\nrule = \"VPC-001\"\nresourse = \"vpc-1\"\n",
            3,
            "unknown field `resourse`",
        ),
        ("[[suppression]\n", 1, ""),
    ];
    for (text, line, what) in cases {
        std::fs::write(&f, text).unwrap();
        let o = scan_inv(&inv, &["--suppressions", f.to_str().unwrap()]);
        assert_positioned(&o, &f, line, what);
    }
}

/// The rules `BENCH_RULES=floor` measures with (`scripts/gen-floor-rules.py`): they replace every
/// built-in rule, give the same results (rule, check, resource) with the same compliance mappings,
/// and judge nothing: no result fails.
#[test]
fn floor_rules_keep_the_results_and_mappings_of_the_built_in_rules_and_fail_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let floor = dir.path().join("floor-rules");
    let gen_out = run(std::process::Command::new(venv_bin("python"))
        .arg(repo_path("scripts/gen-floor-rules.py"))
        .arg(repo_path("rules"))
        .arg(&floor));
    assert_eq!(code(&gen_out), 0, "{}", stderr(&gen_out));
    let demo = repo_path("examples/demo-inventory.json");
    let results = |extra: &[&str]| -> Vec<serde_json::Value> {
        let mut args = vec!["--format", "json", "--fail-on", "critical"];
        args.extend_from_slice(extra);
        let o = scan_inv(&demo, &args);
        let doc: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
        doc["results"].as_array().unwrap().clone()
    };
    let key = |r: &serde_json::Value| {
        (
            r["rule_id"].clone(),
            r["check_id"].clone(),
            r["resource"]["id"].clone(),
            r["compliance"].clone(),
        )
    };
    let built_in = results(&[]);
    let floored = results(&["--rules", floor.to_str().unwrap()]);
    assert!(built_in.iter().any(|r| r["status"] == "fail"));
    assert_eq!(
        floored.iter().map(key).collect::<Vec<_>>(),
        built_in.iter().map(key).collect::<Vec<_>>()
    );
    assert!(
        floored.iter().all(|r| r["status"] != "fail"),
        "{floored:#?}"
    );
}

#[test]
fn a_field_the_inventory_does_not_have_is_refused_at_load() {
    let d = broken_rules(|t| {
        t.replace(
            "condition = \"params.tag_key in vpc.tags && vpc.tags[params.tag_key] != ''\"",
            "condition = \"\"\"\nparams.tag_key in vpc.tags &&\n  size(vpc.active_vpc_log) > 0\"\"\"",
        )
    });
    let f = d.path().join("ORG-001.toml");
    let o = fa(&["rules", "validate", d.path().to_str().unwrap()]);
    let line = line_of(&f, "vpc.active_vpc_log");
    assert_positioned(
        &o,
        &f,
        line,
        "check owner-tag: condition: the vpc has no field \"active_vpc_log\"; did you mean \"active_vpc_logs\"?",
    );
    says_err(&o, &format!("{}:{line}:12:", f.display()));
    // The rule directories of the examples and the built-in pack are valid.
    for dir in ["tests/fixtures/user-rules", "tests/fixtures/account-rules"] {
        let o = fa(&["rules", "validate", repo_path(dir).to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{dir}: {}", stderr(&o));
    }
}

#[test]
fn rule_ids_are_matched_regardless_of_case_and_unknown_ones_get_the_closest() {
    let o = fa(&["rules", "show", "vpc-001"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with("VPC-001: "), "{}", stdout(&o));
    let o = fa(&["rules", "show", "VPC-01"]);
    assert_eq!(code(&o), 2);
    says_err(
        &o,
        "rules show: unknown rule \"VPC-01\"; did you mean \"VPC-001\"?",
    );

    // The config file's [rules.ID] too.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[rules.vpc-004]\nenabled = false\n").unwrap();
    let o = fa(&["rules", "list", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stdout(&o).contains("VPC-004") && stdout(&o).contains("VPC-003"));
    std::fs::write(&cfg, "[rules.VPC-04]\nenabled = false\n").unwrap();
    let o = fa(&["rules", "list", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    says_err(&o, "did you mean \"VPC-004\"?");
}

#[test]
fn suppressions_name_loaded_rules_regardless_of_case() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete_inventory(dir.path());
    let supp = dir.path().join("s.toml");
    let entry = |rule: &str, check: &str| {
        format!(
            "[[suppression]]\nrule = \"{rule}\"\n{check}resource = \"vpc-0a11ce0000000002\"\nreason = \"accepted\"\nexpires = 2099-12-31\n"
        )
    };
    for (text, at, needle) in [
        (
            entry("VPC-01", ""),
            "s.toml:2:8:",
            "suppression #1: unknown rule \"VPC-01\"; did you mean \"VPC-001\"?",
        ),
        (
            entry("VPC-001", "check = \"flow-logs-enable\"\n"),
            "s.toml:3:9:",
            "suppression #1: rule VPC-001 has no check \"flow-logs-enable\"; did you mean \"flow-logs-enabled\"?",
        ),
    ] {
        std::fs::write(&supp, text).unwrap();
        let o = scan_inv(&inv, &["--suppressions", supp.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        says_err(
            &o,
            &format!("{}{at} {needle}", dir.path().display().to_string() + "/"),
        );
    }
    // A lower-case id suppresses the rule's results.
    std::fs::write(&supp, entry("vpc-001", "check = \"flow-logs-enabled\"\n")).unwrap();
    let report = dir.path().join("r.json");
    let o = scan_inv(
        &inv,
        &[
            "--suppressions",
            supp.to_str().unwrap(),
            "-f",
            "json",
            "-o",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("matched no failing result"),
        "{}",
        stderr(&o)
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert!(
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule_id"] == "VPC-001"
                && r["resource"]["id"] == "vpc-0a11ce0000000002"
                && r["check_id"] == "flow-logs-enabled"
                && r["status"] == "suppressed")
    );
}

#[test]
fn rules_list_takes_format_json_and_aligns_long_titles() {
    let json = |args: &[&str]| -> serde_json::Value {
        let o = fa(args);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let by_format = json(&["rules", "list", "--format", "json"]);
    assert!(
        by_format
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "VPC-001")
    );
    // `--json` stays as a hidden alias.
    assert_eq!(json(&["rules", "list", "--json"]), by_format);
    assert_eq!(
        json(&["rules", "show", "VPC-001", "-f", "json"])["id"],
        "VPC-001"
    );
    let help = stdout(&fa(&["rules", "list", "--help"]));
    assert!(
        help.contains("--format") && !help.contains("--json"),
        "{help}"
    );

    // A title longer than the others pushes the CHECKS column right, on every line.
    let d = broken_rules(|t| {
        t.replace(
            "title = \"VPC has an owner\"",
            "title = \"VPC has an owner tag naming the team that answers for it at night\"",
        )
    });
    let o = fa(&["rules", "list", "--rules", d.path().to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let column = out.lines().next().unwrap().find("CHECKS").unwrap();
    for line in out.lines().skip(1) {
        assert!(
            line.len() > column && line[..column].ends_with(' '),
            "{out}"
        );
        assert_ne!(line.as_bytes()[column], b' ', "{out}");
    }
}

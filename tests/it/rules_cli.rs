//! `flowaudit rules ...` and the rule-related scan flags, driven through the binary.

use crate::support::cmd::{Out, fa, scan_inventory};
use crate::support::harness::*;
use crate::support::json::{each, find};
use crate::support::results::{result, results, suppression_indices};
use std::path::{Path, PathBuf};

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

/// `flowaudit ARGS DIR` on a copy `DIR` of the user rule directory whose ORG-001.toml `edit`
/// changed: the run, the directory (kept while the test reads the file) and the rule file.
fn on_broken_rules(
    args: &[&str],
    edit: impl Fn(&str) -> String,
) -> (Out, tempfile::TempDir, PathBuf) {
    let d = broken_rules(edit);
    let o = fa().args(args).arg(d.path()).run();
    let f = d.path().join("ORG-001.toml");
    (o, d, f)
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
    let o = fa().args(["rules", "list"]).run();
    o.assert_code(0);
    let out = o.stdout();
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
    let o = fa().args(["rules", "show", "VPC-001"]).run();
    o.assert_code(0);
    let out = o.stdout();
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
        // The partials the rule's snippets include, with their text.
        "partials (included with {{> NAME}}):",
        "  encrypted-flow-log-cli (rules/lib/encrypted-flow-log-cli.hbs):",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    let o = fa().args(["rules", "show", "VPC-003"]).run();
    assert!(
        o.stdout()
            .contains("min_retention_days = 365 (default 365)")
    );
    let o = fa().args(["rules", "show", "NOPE-1"]).run();
    o.assert_code(2);
    o.stderr_has("VPC-001");
}

#[test]
fn builtin_rule_tests_run_from_the_cli() {
    let o = fa().args(["rules", "test"]).run();
    o.assert_code(0);
    let out = o.stdout();
    assert!(out.contains("ok    VPC-001  only a REJECT log"), "{out}");
    assert!(out.contains(", 0 failed"), "{out}");
}

#[test]
fn user_rule_dir_tests_validates_and_scans() {
    let dir = user_rules();
    let d = dir.to_str().unwrap();
    let o = fa().args(["rules", "test", d]).run();
    o.assert_code(0);
    assert!(
        o.stdout().contains("3 case(s): 3 passed, 0 failed"),
        "{}",
        o.stdout()
    );
    let o = fa().args(["rules", "validate", d]).run();
    o.assert_code(0);
    assert!(o.stdout().contains("1 rule(s) valid"));
    let o = fa().args(["rules", "list", "--rules", d]).run();
    assert!(o.stdout().contains("ORG-001"));
    assert!(o.stdout().contains("VPC-001"));

    let o = scan_inventory(repo_path("tests/fixtures/demo-inventory.json"))
        .args(["--rules", d])
        .json_report()
        .run();
    o.assert_code_for(3, "partial fixture");
    let doc = o.report();
    let org: Vec<&serde_json::Value> = each(&doc["results"])
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
    let meta = find(&doc["rules"], "id", "ORG-001");
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
    let o = fa()
        .args(["rules", "test", dir.path().to_str().unwrap()])
        .run();
    o.assert_code(1);
    let out = o.stdout();
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
    let o = fa()
        .args(["rules", "test", dir.path().to_str().unwrap()])
        .run();
    o.assert_code(1);
    assert!(
        o.stdout().contains("ORG-001  has no test file"),
        "{}",
        o.stdout()
    );
}

#[test]
fn a_user_rule_overrides_the_builtin_with_the_same_id() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo_path("rules/VPC-004.toml"))
        .unwrap()
        .replace("severity = \"info\"", "severity = \"high\"");
    std::fs::write(dir.path().join("VPC-004.toml"), text).unwrap();
    let o = fa()
        .args([
            "rules",
            "show",
            "VPC-004",
            "--rules",
            dir.path().to_str().unwrap(),
        ])
        .run();
    let out = o.stdout();
    assert!(out.contains("severity: high"), "{out}");
    assert!(
        out.contains(dir.path().join("VPC-004.toml").to_str().unwrap()),
        "{out}"
    );
}

fn assert_positioned(o: &Out, file: &Path, line: usize, what: &str) {
    o.assert_code(2);
    let err = o.stderr();
    let at = format!("{}:{line}:", file.display());
    assert!(err.contains(&at), "expected position {at} in:\n{err}");
    assert!(err.contains(what), "expected {what:?} in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn broken_rule_files_are_rejected_with_positions() {
    // Unknown field.
    let (o, _d, f) = on_broken_rules(&["rules", "validate"], |t| {
        t.replace(
            "title = \"VPC has an owner\"",
            "titel = \"VPC has an owner\"",
        )
    });
    assert_positioned(&o, &f, line_of(&f, "titel"), "unknown field `titel`");
    o.stderr_has("rule ORG-001");

    // Missing field.
    let (o, _d, _) = on_broken_rules(&["rules", "validate"], |t| {
        t.replace("severity = \"high\"\n", "")
    });
    o.assert_code(2);
    o.stderr_has("missing field `severity`");

    // CEL that does not compile, on the second line of a multi-line expression.
    let (o, _d, f) = on_broken_rules(
        &["scan", "--from-inventory", "/nonexistent.json", "--rules"],
        |t| {
            t.replace(
            "condition = \"params.tag_key in vpc.tags && vpc.tags[params.tag_key] != ''\"",
            "condition = \"\"\"\nparams.tag_key in vpc.tags &&\n  vpc.tags[params.tag_key] != ((\"\"\"",
        )
        },
    );
    assert_positioned(
        &o,
        &f,
        line_of(&f, "vpc.tags[params.tag_key] != (("),
        "CEL expression does not compile",
    );
    o.stderr_has("check owner-tag: condition");

    // A template that does not compile.
    let (o, _d, f) = on_broken_rules(&["rules", "test"], |t| {
        t.replace(
            "fail = \"VPC {{resource.id}} has no",
            "fail = \"VPC {{#if resource.id}} has no",
        )
    });
    assert_positioned(&o, &f, line_of(&f, "fail = "), "template does not compile");

    // A remediation template that writes a value unescaped.
    let (o, _d, f) = on_broken_rules(&["rules", "validate"], |t| {
        t.replace(
            "--resources {{resource.id}}",
            "--resources {{{resource.id}}}",
        )
    });
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
    o.stderr_has(&format!(
        ":{}:{col}: rule ORG-001: remediation.cli",
        line_of(&f, "{{{")
    ));

    // A duplicate check id.
    let (o, _d, f) = on_broken_rules(&["rules", "list", "--rules"], |t| {
        let checks = &t[t.find("[[checks]]").unwrap()..];
        format!("{t}\n{checks}")
    });
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
    let (o, _d, f) = on_broken_rules(&["rules", "validate"], |t| {
        t.replace("severity = \"high\"", "severity = \"high")
    });
    assert_positioned(&o, &f, line_of(&f, "severity = "), "");

    // An unknown severity.
    let (o, _d, f) = on_broken_rules(&["rules", "validate"], |t| {
        t.replace("severity = \"high\"", "severity = \"severe\"")
    });
    assert_positioned(&o, &f, line_of(&f, "severity = "), "severe");
}

/// The demo fixture without its scan error: a complete scan, so exit codes 0/1 are reachable.
fn complete(dir: &Path) -> PathBuf {
    complete_inventory("tests/fixtures/demo-inventory.json", dir)
}

/// The JSON report of a scan of `inv` with `extra` flags, which must not fail to run (exit 0
/// or 1).
fn report_of(inv: &Path, extra: &[&str]) -> serde_json::Value {
    scan_inventory(inv)
        .args(extra)
        .json_report()
        .run()
        .assert_complete()
        .report()
}

#[test]
fn fail_on_decides_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete(dir.path());
    let inv = inv.to_str().unwrap();
    let scan = |extra: &[&str]| scan_inventory(inv).args(extra).run().code();
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
    for extra in [&[][..], &["--fail-on", "critical"]] {
        scan_inventory(&partial).args(extra).run().assert_code(3);
    }
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
    let mut inv = read_json(&complete(dir.path()));
    // Keep only the compliant VPC, with a 600 s aggregation interval: VPC-004 (info) fails alone.
    let vpc = inv["regions"][0]["vpcs"][0].clone();
    inv["regions"] =
        serde_json::json!([{"account_id": "123456789012", "region": "us-east-1", "vpcs": [vpc]}]);
    inv["regions"][0]["vpcs"][0]["flow_logs"][0]["max_aggregation_interval"] = 600.into();
    let p = dir.path().join("i.json");
    std::fs::write(&p, serde_json::to_vec(&inv).unwrap()).unwrap();
    scan_inventory(&p).run().assert_code(0).stdout_has("1 fail");
    scan_inventory(&p)
        .args(["--fail-on", "info"])
        .run()
        .assert_code(1);
}

#[test]
fn config_sets_parameters_and_rejects_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete(dir.path());
    let cfg = dir.path().join("flowaudit.toml");
    let retention_fails = |cfg_text: &str| -> usize {
        std::fs::write(&cfg, cfg_text).unwrap();
        results(&report_of(&inv, &["--config", cfg.to_str().unwrap()]))
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
    let o = scan_inventory(&inv)
        .args(["--config", cfg.to_str().unwrap()])
        .run();
    assert_positioned(&o, &cfg, 2, "has no parameter \"min_retention\"");
    std::fs::write(
        &cfg,
        "[rules.VPC-003]\nparams = { min_retention_days = \"long\" }\n",
    )
    .unwrap();
    let o = scan_inventory(&inv)
        .args(["--config", cfg.to_str().unwrap()])
        .run();
    assert_positioned(&o, &cfg, 2, "must be an integer");
    std::fs::write(&cfg, "[scan]\naccept_subnets = true\n").unwrap();
    let o = scan_inventory(&inv)
        .args(["--config", cfg.to_str().unwrap()])
        .run();
    assert_positioned(&o, &cfg, 2, "unknown field `accept_subnets`");
}

#[test]
fn accept_subnet_coverage_flag_and_config() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete(dir.path());
    let verdict = |extra: &[&str]| -> (String, String) {
        let doc = report_of(&inv, extra);
        let r = result(&doc, "VPC-001", "flow-logs-enabled", "vpc-0a11ce0000000007");
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
    let inv = complete(dir.path());
    let supp = repo_path("tests/fixtures/demo-suppressions.toml");
    let o = scan_inventory(&inv)
        .arg("--suppressions")
        .arg(&supp)
        .json_report()
        .run();
    let err = o.assert_code(1).stderr();
    assert!(
        err.contains("suppression #4") && err.contains("matched no failing result"),
        "{err}"
    );
    assert!(
        err.contains("suppression #3") && err.contains("expired on 2020-01-01"),
        "{err}"
    );
    let doc = o.report();
    let find = |rule: &str, vpc: &str, check: &str| result(&doc, rule, check, vpc);
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
    assert_eq!(suppression_indices(&doc, "expired"), vec![3]);
    assert_eq!(suppression_indices(&doc, "unmatched"), vec![4]);
    assert_eq!(doc["summary"]["by_status"]["suppressed"], 3);

    // Suppressing every medium-or-above failure makes the audit pass.
    let all = dir.path().join("all.toml");
    std::fs::write(
        &all,
        "[[suppression]]\nrule = \"VPC-00[123]\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2099-01-01\n",
    )
    .unwrap();
    // `rule` is a rule id, not a glob: one that names no loaded rule is refused.
    let o = scan_inventory(&inv)
        .args(["--suppressions", all.to_str().unwrap()])
        .run();
    o.assert_code(2);
    o.stderr_has("unknown rule \"VPC-00[123]\"");
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
    let o = scan_inventory(&inv)
        .args(["--suppressions", all.to_str().unwrap()])
        .run();
    o.assert_code(0);
}

#[test]
fn malformed_suppressions_are_exit_2_with_position() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete(dir.path());
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
        let o = scan_inventory(&inv)
            .args(["--suppressions", f.to_str().unwrap()])
            .run();
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
    run_ok(
        std::process::Command::new(venv_bin("python"))
            .arg(repo_path("scripts/gen-floor-rules.py"))
            .arg(repo_path("rules"))
            .arg(&floor),
    );
    let demo = repo_path("examples/demo-inventory.json");
    let results = |extra: &[&str]| -> Vec<serde_json::Value> {
        let mut args = vec!["--format", "json", "--fail-on", "critical"];
        args.extend_from_slice(extra);
        scan_inventory(&demo).args(&args).run().json()["results"]
            .as_array()
            .unwrap()
            .clone()
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
    let (o, _d, f) = on_broken_rules(&["rules", "validate"], |t| {
        t.replace(
            "condition = \"params.tag_key in vpc.tags && vpc.tags[params.tag_key] != ''\"",
            "condition = \"\"\"\nparams.tag_key in vpc.tags &&\n  size(vpc.active_vpc_log) > 0\"\"\"",
        )
    });
    let line = line_of(&f, "vpc.active_vpc_log");
    assert_positioned(
        &o,
        &f,
        line,
        "check owner-tag: condition: the vpc has no field \"active_vpc_log\"; did you mean \"active_vpc_logs\"?",
    );
    o.stderr_has(&format!("{}:{line}:12:", f.display()));
    // The rule directories of the examples and the built-in pack are valid.
    for dir in ["tests/fixtures/user-rules", "tests/fixtures/account-rules"] {
        let o = fa()
            .args(["rules", "validate", repo_path(dir).to_str().unwrap()])
            .run();
        assert_eq!(o.code(), 0, "{dir}: {}", o.stderr());
    }
}

#[test]
fn rule_ids_are_matched_regardless_of_case_and_unknown_ones_get_the_closest() {
    let o = fa().args(["rules", "show", "vpc-001"]).run();
    o.assert_code(0);
    assert!(o.stdout().starts_with("VPC-001: "), "{}", o.stdout());
    let o = fa().args(["rules", "show", "VPC-01"]).run();
    o.assert_code(2);
    o.stderr_has("rules show: unknown rule \"VPC-01\"; did you mean \"VPC-001\"?");

    // The config file's [rules.ID] too.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[rules.vpc-004]\nenabled = false\n").unwrap();
    let o = fa()
        .args(["rules", "list", "--config", cfg.to_str().unwrap()])
        .run();
    o.assert_code(0);
    assert!(!o.stdout().contains("VPC-004") && o.stdout().contains("VPC-003"));
    std::fs::write(&cfg, "[rules.VPC-04]\nenabled = false\n").unwrap();
    let o = fa()
        .args(["rules", "list", "--config", cfg.to_str().unwrap()])
        .run();
    o.assert_code(2);
    o.stderr_has("did you mean \"VPC-004\"?");
}

#[test]
fn suppressions_name_loaded_rules_regardless_of_case() {
    let dir = tempfile::tempdir().unwrap();
    let inv = complete(dir.path());
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
        let o = scan_inventory(&inv)
            .args(["--suppressions", supp.to_str().unwrap()])
            .run();
        o.assert_code(2);
        o.stderr_has(&format!(
            "{}{at} {needle}",
            dir.path().display().to_string() + "/"
        ));
    }
    // A lower-case id suppresses the rule's results.
    std::fs::write(&supp, entry("vpc-001", "check = \"flow-logs-enabled\"\n")).unwrap();
    let o = scan_inventory(&inv)
        .arg("--suppressions")
        .arg(&supp)
        .json_report()
        .run();
    let err = o.assert_code(1).stderr();
    assert!(!err.contains("matched no failing result"), "{err}");
    let doc = o.report();
    assert_eq!(
        result(&doc, "VPC-001", "flow-logs-enabled", "vpc-0a11ce0000000002")["status"],
        "suppressed"
    );
}

#[test]
fn rules_list_takes_format_json_and_aligns_long_titles() {
    let json = |args: &[&str]| fa().args(args).run().assert_code(0).json();
    let by_format = json(&["rules", "list", "--format", "json"]);
    assert!(each(&by_format).any(|r| r["id"] == "VPC-001"));
    // `--json` stays as a hidden alias.
    assert_eq!(json(&["rules", "list", "--json"]), by_format);
    assert_eq!(
        json(&["rules", "show", "VPC-001", "-f", "json"])["id"],
        "VPC-001"
    );
    let help = fa().args(["rules", "list", "--help"]).run().stdout();
    assert!(
        help.contains("--format") && !help.contains("--json"),
        "{help}"
    );

    // A title longer than the others pushes the CHECKS column right, on every line.
    let (o, _d, _) = on_broken_rules(&["rules", "list", "--rules"], |t| {
        t.replace(
            "title = \"VPC has an owner\"",
            "title = \"VPC has an owner tag naming the team that answers for it at night\"",
        )
    });
    o.assert_code(0);
    let out = o.stdout();
    let column = out.lines().next().unwrap().find("CHECKS").unwrap();
    for line in out.lines().skip(1) {
        assert!(
            line.len() > column && line[..column].ends_with(' '),
            "{out}"
        );
        assert_ne!(line.as_bytes()[column], b' ', "{out}");
    }
}

//! `flowaudit rules ...`: list, show, test and validate rule files.

use super::pipeline::rule_meta;
use crate::cli::rules_cmd::{RuleSelection, RulesArgs, RulesCommand};
use crate::error::{Error, ExitStatus};
use crate::rules::config::Config;
use crate::rules::testing::{self, TestReport};
use crate::rules::{Check, RemediationText, Rule, RuleSet};
use crate::term::{Escaped, escape, escape_lines};
use std::fmt::Write as _;

/// Run a `rules` subcommand.
pub fn rules(args: RulesArgs) -> Result<ExitStatus, Error> {
    match args.command {
        RulesCommand::List(sel) => {
            let set = select(&sel)?;
            if sel.json() {
                print_json(&set.rules.iter().map(rule_json).collect::<Vec<_>>())?;
            } else {
                print!("{}", escape_lines(&list_text(&set)));
            }
            Ok(ExitStatus::Clean)
        }
        RulesCommand::Show { id, selection } => {
            let set = select(&selection)?;
            let rule = set.lookup("rules show", &id)?;
            if selection.json() {
                print_json(&rule_json(rule))?;
            } else {
                // Descriptions and snippets have lines of their own: only their line breaks
                // are kept.
                print!("{}", escape_lines(&show_text(rule, &set.partials_of(rule))));
            }
            Ok(ExitStatus::Clean)
        }
        RulesCommand::Test { dir } => {
            let (set, tests) = match &dir {
                Some(d) => (RuleSet::from_dir(d)?, testing::dir_tests(d)?),
                None => (RuleSet::builtin()?, testing::builtin_tests()),
            };
            let report = testing::run(&set, &tests)?;
            print!("{}", escape_lines(&test_text(&report)));
            Ok(if report.ok() {
                ExitStatus::Clean
            } else {
                ExitStatus::Findings
            })
        }
        RulesCommand::Validate { dir } => {
            let set = RuleSet::from_dir(&dir)?;
            let report = testing::run(&set, &testing::dir_tests(&dir)?)?;
            for id in &report.untested {
                let id = escape(id);
                eprintln!(
                    "flowaudit: warning: rule {id} has no test file; add {id}.test.toml beside it (see docs/rules.md)"
                );
            }
            println!(
                "{}: {} rule(s) valid, {} test case(s) readable; run `flowaudit rules test {}` to run them",
                Escaped(dir.display()),
                set.rules.len(),
                report.cases.len(),
                Escaped(dir.display())
            );
            Ok(ExitStatus::Clean)
        }
    }
}

fn select(sel: &RuleSelection) -> Result<RuleSet, Error> {
    let mut set = RuleSet::load(&sel.rules_dirs)?;
    if let Some(p) = &sel.config {
        Config::load(p)?.apply(&mut set)?;
    }
    Ok(set)
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<(), Error> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| Error::internal(e.to_string()))?;
    s.push('\n');
    crate::fsutil::write_atomic(std::path::Path::new("-"), s.as_bytes())
}

fn remediation_json(r: &RemediationText) -> serde_json::Value {
    serde_json::json!({"terraform": r.terraform, "cloudformation": r.cloudformation, "cli": r.cli})
}

fn rule_json(r: &Rule) -> serde_json::Value {
    let mut v = serde_json::to_value(rule_meta(r)).unwrap_or_default();
    v["parameters"] = r
        .parameters
        .iter()
        .map(|(k, p)| {
            (
                k.clone(),
                serde_json::json!({
                    "default": p.default,
                    "value": r.params.get(k),
                    "description": p.description,
                }),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    v["applies_if"] = r.applies_if.as_ref().map(|e| e.source.clone()).into();
    v["remediation"] = remediation_json(&r.remediation);
    v["checks"] = r
        .checks
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id,
                "title": c.title,
                "applies_if": c.applies_if.as_ref().map(|e| e.source.clone()),
                "let": c.lets.iter().map(|(n, e)| serde_json::json!({"name": n, "expr": e.source})).collect::<Vec<_>>(),
                "condition": c.condition.source,
                "pass": c.pass_message,
                "fail": c.fail_message,
                "skip_message": c.skip_message,
                "remediation": c.remediation.as_ref().map(remediation_json),
                "fix": r.check_fix(c),
            })
        })
        .collect::<Vec<_>>()
        .into();
    v
}

/// One line per rule, in columns as wide as their widest value.
fn list_text(set: &RuleSet) -> String {
    let rows: Vec<[String; 4]> = set
        .rules
        .iter()
        .map(|r| {
            let checks: Vec<&str> = r.checks.iter().map(|c| c.id.as_str()).collect();
            [
                escape(&r.id).into_owned(),
                r.severity.as_str().to_string(),
                escape(&r.title).into_owned(),
                escape(&checks.join(", ")).into_owned(),
            ]
        })
        .collect();
    let head = ["ID", "SEVERITY", "TITLE", "CHECKS"].map(String::from);
    let width = |i: usize| {
        rows.iter()
            .chain([&head])
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    let mut out = String::new();
    for [id, severity, title, checks] in std::iter::once(&head).chain(&rows) {
        let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w - s.chars().count()));
        let _ = writeln!(
            out,
            "{} {} {} {checks}",
            pad(id, w0),
            pad(severity, w1),
            pad(title, w2)
        );
    }
    out
}

fn indent(text: &str, by: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("{by}{l}\n"))
        .collect()
}

fn remediation_text(out: &mut String, r: &RemediationText, by: &str) {
    for (name, t) in [
        ("terraform", &r.terraform),
        ("cloudformation", &r.cloudformation),
        ("cli", &r.cli),
    ] {
        if let Some(t) = t {
            let _ = writeln!(out, "{by}{name}:");
            out.push_str(&indent(t.trim_start_matches('\n'), &format!("{by}  ")));
        }
    }
}

fn check_text(out: &mut String, c: &Check) {
    let _ = writeln!(out, "  - {}: {}", c.id, c.title);
    if let Some(e) = &c.applies_if {
        let _ = writeln!(out, "    applies if: {}", e.source.trim());
    }
    for (n, e) in &c.lets {
        let _ = writeln!(out, "    let {n} =");
        out.push_str(&indent(e.source.trim(), "        "));
    }
    let _ = writeln!(out, "    condition: {}", c.condition.source.trim());
    let _ = writeln!(out, "    pass message:");
    out.push_str(&indent(c.pass_message.trim(), "        "));
    let _ = writeln!(out, "    fail message:");
    out.push_str(&indent(c.fail_message.trim(), "        "));
    if let Some(s) = &c.skip_message {
        let _ = writeln!(out, "    skip message:");
        out.push_str(&indent(s.trim(), "        "));
    }
    let f = &c.fix;
    let _ = writeln!(
        out,
        "    fix: {}{}",
        f.applicability.as_str(),
        f.action
            .map(|a| format!(", action {}", a.as_str()))
            .unwrap_or_default()
    );
    for (what, limit) in [
        (
            "new flow logs aggregate at most params.",
            &f.max_aggregation_interval,
        ),
        (
            "new log groups keep events at least params.",
            &f.min_retention_days,
        ),
    ] {
        if let Some(p) = limit {
            let _ = writeln!(out, "      {what}{p}");
        }
    }
    if f.encrypted {
        let _ = writeln!(out, "      what a fix creates is encrypted");
    }
    if let Some(r) = &c.remediation {
        let _ = writeln!(out, "    remediation (this check):");
        remediation_text(out, r, "      ");
    }
}

fn show_text(r: &Rule, partials: &[(String, String, String)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", r.id, r.title);
    let _ = writeln!(out, "severity: {}", r.severity.as_str());
    let _ = writeln!(out, "resource: {}", r.resource);
    let _ = writeln!(out, "source:   {}", r.source.label());
    let _ = writeln!(out, "\n{}\n", r.description.trim());
    if let Some(e) = &r.applies_if {
        let _ = writeln!(out, "applies if: {}", e.source.trim());
    }
    if let Some(s) = &r.skip_message {
        let _ = writeln!(out, "skip message: {}", s.trim());
    }
    if !r.parameters.is_empty() {
        let _ = writeln!(out, "parameters:");
        for (k, p) in &r.parameters {
            let _ = writeln!(
                out,
                "  {k} = {} (default {}): {}",
                r.params.get(k).cloned().unwrap_or_default(),
                p.default,
                p.description
            );
        }
    }
    let _ = writeln!(out, "checks:");
    for c in &r.checks {
        check_text(&mut out, c);
    }
    if !r.compliance.is_empty() {
        let _ = writeln!(out, "compliance:");
        for (k, v) in &r.compliance {
            let _ = writeln!(out, "  {k}: {}", v.join(", "));
        }
    }
    if !r.references.is_empty() {
        let _ = writeln!(out, "references:");
        for u in &r.references {
            let _ = writeln!(out, "  {u}");
        }
    }
    let _ = writeln!(out, "remediation:");
    remediation_text(&mut out, &r.remediation, "  ");
    if !partials.is_empty() {
        let _ = writeln!(out, "partials (included with {{{{> NAME}}}}):");
        for (name, origin, text) in partials {
            let _ = writeln!(out, "  {name} ({origin}):");
            out.push_str(&indent(text.trim_start_matches('\n'), "    "));
        }
    }
    out
}

fn test_text(report: &TestReport) -> String {
    let mut out = String::new();
    for c in &report.cases {
        if c.failures.is_empty() {
            let _ = writeln!(out, "ok    {}  {}", escape(&c.rule_id), escape(&c.case));
        } else {
            let _ = writeln!(
                out,
                "FAIL  {}  {}  ({})",
                escape(&c.rule_id),
                escape(&c.case),
                escape(&c.file)
            );
            for f in &c.failures {
                let _ = writeln!(out, "        {}", escape_lines(f));
            }
        }
    }
    for id in &report.untested {
        let id = escape(id);
        let _ = writeln!(
            out,
            "FAIL  {id}  has no test file (add {id}.test.toml beside the rule)"
        );
    }
    let _ = writeln!(
        out,
        "{} case(s): {} passed, {} failed{}",
        report.cases.len(),
        report.cases.len() - report.failed(),
        report.failed(),
        if report.untested.is_empty() {
            String::new()
        } else {
            format!(", {} rule(s) without tests", report.untested.len())
        }
    );
    out
}

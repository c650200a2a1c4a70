//! The rule library: partials (`lib/*.hbs`) and CEL helpers (`lib/*.toml`) of the built-in pack
//! and of user rule directories, the load errors of what does not exist, and whole-message pins
//! of rule tests; driven through `flowaudit rules test` and `rules validate`.

use crate::support::cmd::{self, Out};
use crate::support::harness::repo_path;
use std::path::Path;

fn fa(args: &[&str]) -> Out {
    cmd::fa().args(args).run()
}

/// Standard output and standard error together, for assertion messages.
fn out(o: &Out) -> String {
    format!("{}{}", o.stdout(), o.stderr())
}

/// `flowaudit rules test DIR`.
fn rules_test(dir: &Path) -> Out {
    fa(&["rules", "test", dir.to_str().unwrap()])
}

/// A rule directory with these files (paths relative to it, `lib/` included).
fn rule_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Rule U-1: one check on VPCs with `condition` (line 8), whose CLI remediation is `cli` (from
/// line 13 of the file on).
fn rule(condition: &str, cli: &str) -> String {
    format!(
        r#"id = "U-1"
title = "t"
description = "d"
severity = "low"
[[checks]]
id = "c"
title = "t"
condition = "{condition}"
pass = "VPC {{{{resource.id}}}} passes"
fail = "VPC {{{{resource.id}}}} fails"
[checks.remediation]
cli = """
{cli}
"""
"#
    )
}

/// Rule U-1's tests: the demo-like VPC `vpc-1` without flow logs, expected to `status`.
fn tests(status: &str, pins: &str) -> String {
    format!(
        "[[case]]\nname = \"a VPC without flow logs\"\nvpc = {{ id = \"vpc-1\" }}\nexpect = {{ c = \"{status}\" }}\n{pins}\n"
    )
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
fn the_built_in_encryption_judgement_is_written_once() {
    let mut files = Vec::new();
    for dir in ["rules", "rules/lib"] {
        for e in std::fs::read_dir(repo_path(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file()
                && std::fs::read_to_string(&p)
                    .unwrap()
                    .contains("encryption == 'kms'")
            {
                files.push(p);
            }
        }
    }
    assert_eq!(files.len(), 1, "{files:?}");
    // Both flow log rules take it, and their snippets, from the library.
    for id in ["VPC-001", "TGW-001"] {
        let text = std::fs::read_to_string(repo_path(&format!("rules/{id}.toml"))).unwrap();
        for used in [
            "destination_encrypted(l)",
            "{{> encrypted-flow-log-cli",
            "{{> encrypted-flow-log-terraform",
            "{{> encrypted-flow-log-cloudformation",
            "{{> encrypt-destinations-cli",
            "{{> encrypt-destinations-terraform",
            "{{> encrypt-destinations-cloudformation",
        ] {
            assert!(text.contains(used), "{id} does not use {used}");
        }
    }
}

#[test]
fn the_built_in_rule_directory_tests_with_its_own_library() {
    // `rules/lib` replaces the embedded library of the same names: no duplicate is reported.
    let o = rules_test(&repo_path("rules"));
    assert_eq!(o.code(), 0, "{}", out(&o));
}

#[test]
fn a_user_rule_uses_built_in_partials_and_helpers_and_its_own() {
    let dir = rule_dir(&[
        (
            "U-1.toml",
            &rule(
                "vpc.active_vpc_logs.all(l, destination_encrypted(l)) && size(vpc.active_vpc_logs) > 0 && tagged(vpc.tags)",
                "{{> encrypted-flow-log-cli kind=\"vpc\"}}\n{{> owner-cli team=vpc.tags.team}}",
            ),
        ),
        (
            "lib/mine.toml",
            "[[helper]]\nname = \"tagged\"\nparams = [\"tags\"]\ndescription = \"d\"\nexpr = \"'team' in tags\"\n",
        ),
        (
            "lib/owner-cli.hbs",
            "aws ec2 create-tags --resources {{resource.id}} --tags 'Key=team,Value={{team}}'\n",
        ),
        (
            "U-1.test.toml",
            &tests(
                "fail",
                "message = { c = \"VPC vpc-1 fails\" }\nremediation_contains = { c = [\"--log-group-name /aws/vpc/flow-logs/vpc-1\", \"--tags 'Key=team,Value=\"] }",
            ),
        ),
    ]);
    let o = rules_test(dir.path());
    assert_eq!(o.code(), 0, "{}", out(&o));
    let o = fa(&["rules", "validate", dir.path().to_str().unwrap()]);
    assert_eq!(o.code(), 0, "{}", out(&o));
}

#[test]
fn a_partial_of_a_rule_directory_replaces_the_built_in_one() {
    let dir = rule_dir(&[
        (
            "U-1.toml",
            &rule("false", "{{> encrypted-flow-log-cli kind=\"vpc\"}}"),
        ),
        (
            "lib/encrypted-flow-log-cli.hbs",
            "aws ec2 create-flow-logs --resource-ids {{resource.id}} # ours\n",
        ),
        (
            "U-1.test.toml",
            &tests("fail", "remediation_contains = { c = \"# ours\" }"),
        ),
    ]);
    let o = rules_test(dir.path());
    assert_eq!(o.code(), 0, "{}", out(&o));
}

#[test]
fn a_missing_partial_is_a_load_error_with_its_position() {
    let dir = rule_dir(&[(
        "U-1.toml",
        &rule(
            "true",
            "aws ec2 x\n  --a {{> encrypted-flow-log-clj kind=\"vpc\"}}",
        ),
    )]);
    let o = rules_test(dir.path());
    assert_eq!(o.code(), 2, "{}", out(&o));
    let file = dir.path().join("U-1.toml");
    let line = line_of(&file, "encrypted-flow-log-clj");
    assert!(
        out(&o).contains(&format!(
            "{}:{line}:7: rule U-1: check c: remediation.cli: there is no partial \"encrypted-flow-log-clj\"; did you mean \"encrypted-flow-log-cli\"?",
            file.display()
        )),
        "{}",
        out(&o)
    );
    assert!(out(&o).contains("fix: use one of: "), "{}", out(&o));
    // In a message too.
    let dir = rule_dir(&[(
        "U-1.toml",
        &rule("true", "x").replace("passes\"", "passes {{> nothing}}\""),
    )]);
    let o = rules_test(dir.path());
    assert_eq!(o.code(), 2, "{}", out(&o));
    for needle in [
        format!("{}:9:", dir.path().join("U-1.toml").display()),
        "check c: pass: there is no partial \"nothing\"".to_string(),
    ] {
        assert!(out(&o).contains(&needle), "{needle}: {}", out(&o));
    }
    // In a partial of the library, which is checked before the rules.
    let dir = rule_dir(&[
        ("U-1.toml", &rule("true", "x")),
        ("lib/a.hbs", "first line\n  {{> b}}\n"),
    ]);
    let o = rules_test(dir.path());
    assert_eq!(o.code(), 2, "{}", out(&o));
    let lib = dir.path().join("lib/a.hbs");
    let needle = format!(
        "{}:2:3: partial a: there is no partial \"b\"",
        lib.display()
    );
    assert!(out(&o).contains(&needle), "{needle}: {}", out(&o));
}

#[test]
fn a_missing_helper_is_a_load_error_with_its_position() {
    let dir = rule_dir(&[(
        "U-1.toml",
        &rule("vpc.flow_logs.all(l, destination_encryptd(l))", "x"),
    )]);
    let o = rules_test(dir.path());
    assert_eq!(o.code(), 2, "{}", out(&o));
    let file = dir.path().join("U-1.toml");
    assert!(
        out(&o).contains(&format!(
            "{}:8:35: rule U-1: check c: condition: there is no function or helper \"destination_encryptd\"; did you mean \"destination_encrypted\"?",
            file.display()
        )),
        "{}",
        out(&o)
    );
    // A helper called with the wrong number of arguments.
    let dir = rule_dir(&[(
        "U-1.toml",
        &rule("vpc.flow_logs.all(l, destination_encrypted(l, 1))", "x"),
    )]);
    let o = rules_test(dir.path());
    assert_eq!(o.code(), 2, "{}", out(&o));
    assert!(
        out(&o).contains("8:35: rule U-1: check c: condition: helper destination_encrypted takes 1 argument(s) (l), not 2"),
        "{}",
        out(&o)
    );
}

#[test]
fn library_files_are_checked_with_their_positions() {
    for (file, text, needle) in [
        (
            "lib/h.toml",
            "[[helper]]\nname = \"h\"\nparams = [\"l\"]\ndescription = \"d\"\nexpr = \"l.x && vpc.shared\"\n",
            "lib/h.toml:5:16: helper h: the expression reads \"vpc\", which is not a parameter of the helper",
        ),
        (
            "lib/h.toml",
            "[[helper]]\nname = \"h\"\nparams = [\"l\"]\ndescription = \"d\"\nexpr = \"g(l)\"\n\n[[helper]]\nname = \"g\"\nparams = [\"l\"]\ndescription = \"d\"\nexpr = \"h(l)\"\n",
            "helper g: it calls itself",
        ),
        (
            "lib/h.toml",
            "[[helper]]\nname = \"size\"\nparams = [\"l\"]\ndescription = \"d\"\nexpr = \"l\"\n",
            "lib/h.toml:2:8: helper size: the name \"size\" is not usable",
        ),
        (
            "lib/h.toml",
            "[[helper]]\nname = \"h\"\nparams = [\"l\"]\nexpr = \"l\"\n",
            "missing field `description`",
        ),
        (
            "lib/p.hbs",
            "echo {{resource.id}}\necho {{{resource.name}}}\n",
            "lib/p.hbs:2:6: a partial may not write a value unescaped",
        ),
        ("lib/p.hbs", "{{> p}}\n", "partial p includes itself"),
        (
            "lib/notes.md",
            "notes\n",
            "a rule library holds only partials (*.hbs) and helper files (*.toml)",
        ),
    ] {
        let dir = rule_dir(&[("U-1.toml", &rule("true", "x")), (file, text)]);
        let o = rules_test(dir.path());
        assert_eq!(o.code(), 2, "{file}: {}", out(&o));
        assert!(out(&o).contains(needle), "{needle}: {}", out(&o));
    }
}

#[test]
fn a_rule_test_pins_a_whole_message() {
    let write = |pins: &str| {
        rule_dir(&[
            ("U-1.toml", &rule("false", "x")),
            ("U-1.test.toml", &tests("fail", pins)),
        ])
    };
    let dir = write("message = { c = \"VPC vpc-1 fails\" }");
    let o = rules_test(dir.path());
    assert_eq!(o.code(), 0, "{}", out(&o));
    // A substring of the message matches `message_contains`, not `message`.
    let dir = write("message = { c = \"VPC vpc-1\" }\nmessage_contains = { c = \"VPC vpc-1\" }");
    let o = rules_test(dir.path());
    assert_eq!(o.code(), 1, "{}", out(&o));
    assert!(
        out(&o).contains("check c: the message is not the one pinned")
            && out(&o).contains("expected: \"VPC vpc-1\"")
            && out(&o).contains("got:      \"VPC vpc-1 fails\""),
        "{}",
        out(&o)
    );
    // A pin of a check the rule does not have is refused.
    let dir = write("message = { d = \"VPC vpc-1 fails\" }");
    let o = rules_test(dir.path());
    assert_eq!(o.code(), 2, "{}", out(&o));
    assert!(out(&o).contains("names check \"d\""), "{}", out(&o));
}

#[test]
fn helper_arguments_are_bound_where_the_call_stands() {
    // `minus(b, a)` with lets named like the parameters: each argument is the caller's value, and
    // the helper's parameters do not leak into the caller's expression.
    let rule = rule("minus(b, a) == 4 && a == 1 && twice(a) == 2", "x").replace(
        "condition",
        "let = [{ name = \"a\", expr = \"1\" }, { name = \"b\", expr = \"5\" }]\ncondition",
    );
    let dir = rule_dir(&[
        ("U-1.toml", &rule),
        (
            "lib/math.toml",
            "[[helper]]\nname = \"minus\"\nparams = [\"a\", \"b\"]\ndescription = \"d\"\nexpr = \"a - b\"\n\n[[helper]]\nname = \"twice\"\nparams = [\"b\"]\ndescription = \"d\"\nexpr = \"minus(b * 3, b)\"\n",
        ),
        (
            "U-1.test.toml",
            &tests("pass", "message = { c = \"VPC vpc-1 passes\" }"),
        ),
    ]);
    let o = rules_test(dir.path());
    assert_eq!(o.code(), 0, "{}", out(&o));
}

//! Unit tests of rule loading: positions of load errors, fixes, templates and field checks.

use super::model::{FixDecl, RuleSet, RuleSource};
use super::sources::template_value;
use crate::findings::{Applicability, FixAction};
use std::path::Path;

/// A one-check rule with `fix` as its `[checks.fix]` table (empty: none).
fn rule_with_fix(fix: &str) -> String {
    format!(
        r#"id = "X-1"
title = "t"
description = "d"
severity = "low"
resource = "vpc"
[parameters]
limit = {{ default = 60, description = "d" }}
name = {{ default = "x", description = "d" }}
[[checks]]
id = "c"
title = "t"
condition = "true"
pass = "p"
fail = "f"
{fix}
"#
    )
}

#[test]
fn a_check_declares_its_fix_and_defaults_to_manual() {
    let mut set = RuleSet::empty();
    set.compile_text("r.toml", &rule_with_fix(""), RuleSource::Builtin)
        .unwrap();
    assert_eq!(set.rules[0].checks[0].fix, FixDecl::default());
    let mut set = RuleSet::empty();
    set.compile_text(
        "r.toml",
        &rule_with_fix(
            "[checks.fix]\naction = \"create-flow-log\"\napplicability = \"safe\"\ncreates = { max_aggregation_interval = \"limit\", encrypted = true }",
        ),
        RuleSource::Builtin,
    )
    .unwrap();
    let cat = set.fix_catalog();
    let f = cat.get("X-1", "c").unwrap();
    assert_eq!(f.action, Some(FixAction::CreateFlowLog));
    assert_eq!(f.applicability, Applicability::Safe);
    assert_eq!(f.creates.max_aggregation_interval, Some(60));
    assert!(f.creates.encrypted);
    assert_eq!(f.describe(), "safe fix (create-flow-log)");
}

#[test]
fn a_bad_fix_declaration_is_a_positioned_load_error() {
    for (fix, at, needle) in [
        (
            "[checks.fix]\naction = \"delete-vpc\"\napplicability = \"safe\"",
            "r.toml:16:10:",
            "fix action \"delete-vpc\" is unknown",
        ),
        (
            "[checks.fix]\naction = \"create-flow-log\"\napplicability = \"sometimes\"",
            "r.toml:17:17:",
            "fix applicability \"sometimes\" is unknown",
        ),
        (
            "[checks.fix]\naction = \"associate-kms-key\"\napplicability = \"safe\"",
            "r.toml:16:10:",
            "changes an existing resource, so it cannot be safe",
        ),
        (
            "[checks.fix]\naction = \"create-flow-log\"\napplicability = \"manual\"",
            "r.toml:16:10:",
            "a manual fix has no action",
        ),
        (
            "[checks.fix]\napplicability = \"unsafe\"",
            "r.toml:16:17:",
            "a unsafe fix needs an action",
        ),
        (
            "[checks.fix]\napplicability = \"manual\"\ncreates = { min_retention_days = \"nope\" }",
            "r.toml:17:34:",
            "names parameter \"nope\", which the rule does not declare",
        ),
        (
            "[checks.fix]\napplicability = \"manual\"\ncreates = { min_retention_days = \"name\" }",
            "r.toml:17:34:",
            "which is not an integer",
        ),
    ] {
        let mut set = RuleSet::empty();
        let e = set
            .compile_text("r.toml", &rule_with_fix(fix), RuleSource::Builtin)
            .unwrap_err()
            .to_string();
        assert!(e.contains(at) && e.contains(needle), "{fix}: {e}");
        assert!(e.contains("rule X-1: check c: "), "{e}");
    }
    // An unknown key is refused by the file format, with its position.
    let mut set = RuleSet::empty();
    let e = set
        .compile_text(
            "r.toml",
            &rule_with_fix("[checks.fix]\napplicability = \"manual\"\nwhen = \"always\""),
            RuleSource::Builtin,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("r.toml:17:") && e.contains("when"), "{e}");
}

#[test]
fn values_lose_their_control_characters_and_nothing_else() {
    assert_eq!(template_value("plain é ü → ok"), "plain é ü → ok");
    assert_eq!(template_value("a\nb\r\tc\u{7f}d"), "a b  c d");
    // C1 controls (NEL, CSI) are two bytes in UTF-8, like `é` and `ü`.
    assert_eq!(template_value("x\u{85}y\u{9b}z é"), "x y z é");
}

/// Rule X-1 with one check whose `cli` remediation is `cli` (from line 14 of the file on).
fn rule_with_cli(cli: &str) -> String {
    format!(
        r#"id = "X-1"
title = "t"
description = "d"
severity = "low"
resource = "vpc"
[[checks]]
id = "c"
title = "t"
condition = "true"
pass = "{{{{{{resource.id}}}}}} is fine in a message"
fail = "f"
[checks.remediation]
cli = """
{cli}
"""
"#
    )
}

#[test]
fn unescaped_values_in_remediation_are_refused_with_their_position() {
    let rule = |cli: &str| rule_with_cli(&format!("aws ec2 x\n  --a {cli}"));
    let mut set = RuleSet::empty();
    set.compile_text("r.toml", &rule("{{resource.id}}"), RuleSource::Builtin)
        .unwrap();
    for (bad, col) in [("{{{resource.id}}}", 7), ("x {{& resource.id}}", 9)] {
        let mut set = RuleSet::empty();
        let e = set
            .compile_text("r.toml", &rule(bad), RuleSource::Builtin)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("r.toml:15:{col}: rule X-1: check c: remediation.cli: a remediation template may not write a value unescaped")),
            "{e}"
        );
    }
    // Inside a block too.
    let mut set = RuleSet::empty();
    let e = set
        .compile_text(
            "r.toml",
            &rule("{{#if resource.id}}{{{resource.id}}}{{/if}}"),
            RuleSource::Builtin,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("r.toml:15:"), "{e}");
    let mut set = RuleSet::empty();
    let e = set
        .compile_text("r.toml", &rule("\u{e000}"), RuleSource::Builtin)
        .unwrap_err()
        .to_string();
    assert!(e.contains("r.toml:15:7: rule X-1: check c: remediation.cli: the template holds the reserved character"), "{e}");
}

#[test]
fn positions_after_line_ending_backslashes_and_escapes_are_those_of_the_file() {
    // The backslash at the end of line 14 joins it with line 15 in the value; the escaped
    // quotes on line 15 take two characters each in the file.
    let text = rule_with_cli("aws ec2 x \\\n    --a \\\"q\\\" {{{resource.id}}}");
    let mut set = RuleSet::empty();
    let e = set
        .compile_text("r.toml", &text, RuleSource::Builtin)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("r.toml:15:15: rule X-1: check c: remediation.cli: a remediation template may not write a value unescaped"),
        "{e}"
    );
    // CEL and Handlebars report 1-based columns: the error is at the offending character.
    let error = |from: &str, to: &str| {
        let text = text
            .replace("{{{resource.id}}}", "{{resource.id}}")
            .replace(from, to);
        let mut set = RuleSet::empty();
        set.compile_text("r.toml", &text, RuleSource::Builtin)
            .unwrap_err()
            .to_string()
    };
    // `)` at line 9, column 17.
    let e = error("condition = \"true\"", "condition = \"1 +)\"");
    assert!(
        e.contains("r.toml:9:17: rule X-1: check c: condition: CEL expression does not compile"),
        "{e}"
    );
    // The same `)` on the line after a line-ending backslash: line 11, column 8.
    let e = error(
        "condition = \"true\"",
        "condition = \"\"\"\nsize(vpc.subnets) > \\\n   0 &&)\"\"\"",
    );
    assert!(
        e.contains("r.toml:11:8: rule X-1: check c: condition: CEL expression does not compile"),
        "{e}"
    );
    // `{{/each}}` closing `{{#if}}` starts at line 10, column 22.
    let e = error(
        "pass = \"{{resource.id}} is fine in a message\"",
        "pass = \"ab {{#if x}}c{{/each}}\"",
    );
    assert!(
        e.contains("r.toml:10:22: rule X-1: check c: pass: template does not compile"),
        "{e}"
    );
}

#[test]
fn join_writes_the_items_as_each_would_and_escapes_them() {
    let set = RuleSet::empty();
    let data = serde_json::json!({"l": ["a", "b\nc", 3, true], "s": "x\ny", "e": []});
    let render = |t: &str| set.templates.render_template(t, &data).unwrap();
    let each = render("{{#each l}}{{this}}{{#unless @last}}, {{/unless}}{{/each}}");
    assert_eq!(render("{{join l ', '}}"), each);
    assert_eq!(each, "a, b c, 3, true");
    assert_eq!(render("{{join s ', '}}"), "x y");
    assert_eq!(render("[{{join e '; '}}]"), "[]");
}

/// A one-check rule of resource kind `kind` with a `limit` parameter, `lets` and `condition`.
fn rule_reading(kind: &str, lets: &str, condition: &str) -> String {
    format!(
        r#"id = "X-3"
title = "t"
description = "d"
severity = "low"
resource = "{kind}"
[parameters]
limit = {{ default = 60, description = "d" }}
table = {{ default = {{ prod = 1 }}, description = "d" }}
[[checks]]
id = "c"
title = "t"
let = [{lets}]
condition = """
{condition}"""
pass = "p"
fail = "f"
"#
    )
}

fn load_error(kind: &str, lets: &str, condition: &str) -> Option<String> {
    let mut set = RuleSet::empty();
    set.compile_text(
        "r.toml",
        &rule_reading(kind, lets, condition),
        RuleSource::Builtin,
    )
    .err()
    .map(|e| e.to_string())
}

#[test]
fn a_field_the_value_does_not_have_is_a_positioned_load_error() {
    // The condition starts on line 14 of the file.
    for (condition, at, what) in [
        (
            "size(vpc.active_vpc_log) > 0",
            "r.toml:14:10:",
            "the vpc has no field \"active_vpc_log\"; did you mean \"active_vpc_logs\"?",
        ),
        (
            "vpc.id != '' &&\n  vpc.subnets.all(s, s.flowlogs.size() > 0)",
            "r.toml:15:24:",
            "the subnet has no field \"flowlogs\"; did you mean \"flow_logs\"?",
        ),
        (
            "vpc.active_logs.exists(l, l.destination.encrypted == 'kms')",
            "r.toml:14:41:",
            "the flow log destination has no field \"encrypted\"",
        ),
        (
            "vpc.subnets.filter(s, s.state == 'available').exists(s, s.nam == '')",
            "r.toml:14:59:",
            "the subnet has no field \"nam\"; did you mean \"name\"?",
        ),
        (
            "vpc.subnets.map(s, s.flow_logs).exists(ls, ls.exists(l, l.statu == ''))",
            "r.toml:14:59:",
            "the flow log has no field \"statu\"; did you mean \"status\"?",
        ),
        (
            "vpc.flow_logs[0].destination.delivers_to.all(t, t.kind != '')",
            "r.toml:14:51:",
            "the delivery stream destination has no field \"kind\"",
        ),
        (
            "has(vpc.is_shared)",
            "r.toml:14:9:",
            "the vpc has no field \"is_shared\"",
        ),
        (
            "vpc['cidr'] != ''",
            "r.toml:14:6:",
            "the vpc has no field \"cidr\"",
        ),
        (
            "account.ou_path.exists(u, u.path == 'x')",
            "r.toml:14:29:",
            "the organizational unit has no field \"path\"",
        ),
        (
            "options.accept_subnets",
            "r.toml:14:9:",
            "the options has no field \"accept_subnets\"; did you mean \"accept_subnet_coverage\"?",
        ),
        (
            "resource.kind == 'vpc'",
            "r.toml:14:10:",
            "the resource has no field \"kind\"",
        ),
        (
            "params.limt > 0",
            "r.toml:14:8:",
            "the rule has no parameter \"limt\"; did you mean \"limit\"?",
        ),
    ] {
        let e = load_error("vpc", "", condition).unwrap_or_else(|| panic!("{condition}"));
        assert!(
            e.contains(&format!("{at} rule X-3: check c: condition: {what}")),
            "{condition}: {e}"
        );
        assert!(e.contains("fix: "), "{e}");
    }
    // In a transit gateway rule, `transit_gateway` is checked too.
    let e = load_error("transit_gateway", "", "transit_gateway.subnets.size() > 0").unwrap();
    assert!(
        e.contains("the transit_gateway has no field \"subnets\""),
        "{e}"
    );
    // A `let` has the shape of its value, in the lets after it and the condition.
    let e = load_error(
        "vpc",
        "{ name = \"logs\", expr = \"vpc.active_logs\" }, { name = \"n\", expr = \"logs.filter(l, l.activ).size()\" }",
        "n > 0",
    )
    .unwrap();
    assert!(
        e.contains("r.toml:12:")
            && e.contains("check c: let n: the flow log has no field \"activ\""),
        "{e}"
    );
}

#[test]
fn fields_of_values_of_unknown_shape_are_not_guessed() {
    for condition in [
        // Every field the value has.
        "vpc.subnets.all(s, s.availability_zone != '' && s.active_logs.size() >= 0)",
        "has(resource.network_interfaces) && resource.network_interfaces > 0",
        "vpc.active_logs.exists(l, l.destination.delivers_to.exists(t, t.label != ''))",
        // A comprehension variable shadows the variable of the same name.
        "vpc.subnets.exists(vpc, vpc.availability_zone != '')",
        // Map keys, parameter values, check statuses, lists of no known shape.
        "'env' in account.tags && account.tags.env == 'prod'",
        "params.table.prod > 0 && params.limit > 0",
        "checks.anything == 'pass' || true",
        "[1, 2].exists(x, x.anything) || {'a': 1}.a > 0",
        "vpc.tags.map(k, k.whatever).size() >= 0",
        // `transit_gateway` is not a variable of a vpc rule: not checked.
        "transit_gateway.anything",
    ] {
        assert_eq!(load_error("vpc", "", condition), None, "{condition}");
    }
}

#[test]
fn the_built_in_rules_and_the_example_rules_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    RuleSet::load(&[
        root.join("tests/fixtures/user-rules"),
        root.join("tests/fixtures/account-rules"),
    ])
    .unwrap();
}

#[test]
fn a_let_may_not_shadow_the_account() {
    let text = r#"id = "X-2"
title = "t"
description = "d"
severity = "low"
resource = "vpc"
[[checks]]
id = "c"
title = "t"
let = [{ name = "account", expr = "1" }]
condition = "true"
pass = "p"
fail = "f"
"#;
    let mut set = RuleSet::empty();
    let e = set
        .compile_text("r.toml", text, RuleSource::Builtin)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("r.toml:9:") && e.contains("let name \"account\" is not usable"),
        "{e}"
    );
}

#[test]
fn a_helper_call_is_checked_like_the_expression_it_stands_for() {
    // The built-in helper reads `l.destination.exists`: given a destination, not a flow log, the
    // field check refuses it at the call.
    let mut set = RuleSet::with_library(&[]).unwrap();
    let e = set
        .compile_text(
            "r.toml",
            &rule_reading(
                "vpc",
                "",
                "vpc.active_vpc_logs.exists(l, destination_encrypted(l.destination))",
            ),
            RuleSource::Builtin,
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("r.toml:14:")
            && e.contains(
                "check c: condition: the flow log destination has no field \"destination\""
            ),
        "{e}"
    );
    // Without the library, the name is no function.
    let e = load_error(
        "vpc",
        "",
        "vpc.active_vpc_logs.exists(l, destination_encrypted(l))",
    )
    .unwrap();
    assert!(
        e.contains("there is no function or helper \"destination_encrypted\""),
        "{e}"
    );
    // With it, the call compiles.
    let mut set = RuleSet::with_library(&[]).unwrap();
    set.compile_text(
        "r.toml",
        &rule_reading(
            "vpc",
            "",
            "vpc.active_vpc_logs.exists(l, destination_encrypted(l))",
        ),
        RuleSource::Builtin,
    )
    .unwrap();
}

#[test]
fn only_a_rule_that_names_the_account_and_its_tags_reads_account_tags() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(!RuleSet::load(&[]).unwrap().reads_account_tags());
    assert!(
        RuleSet::load(&[root.join("tests/fixtures/account-rules")])
            .unwrap()
            .reads_account_tags()
    );
    let reads = |lets: &str, condition: &str, fail: &str| {
        let mut set = RuleSet::empty();
        let text = rule_reading("vpc", lets, condition).replace("fail = \"f\"", fail);
        set.compile_text("r.toml", &text, RuleSource::Builtin)
            .unwrap();
        set.reads_account_tags()
    };
    let plain = "fail = \"f\"";
    assert!(reads("", "'env' in account.tags", plain));
    assert!(reads(
        "{ name = \"t\", expr = \"account.tags\" }",
        "t.size() > 0",
        plain
    ));
    assert!(reads("", "true", "fail = \"{{account.tags.env}}\""));
    // Other tags, other account fields.
    assert!(!reads(
        "",
        "vpc.tags.size() > 0 && account.name != ''",
        plain
    ));
    assert!(!reads(
        "",
        "resource.account_id != '' && vpc.tags.size() >= 0",
        plain
    ));
    assert!(!reads(
        "",
        "true",
        "fail = \"{{account.name}} {{vpc.tags.env}}\""
    ));
    // The whole account, bound or indexed, may reach its tags.
    assert!(reads(
        "{ name = \"a\", expr = \"account\" }",
        "a.name != ''",
        plain
    ));
    assert!(reads("", "account['tags'].size() > 0", plain));
}

//! The terminal summary: grouping, failing resources, colour only on request, and tag values that
//! cannot drive the terminal.

use crate::support::report_fixture::{self, HOSTILE_HTML};
use flowaudit::report::Reporter;
use flowaudit::report::text::TextReporter;

fn text(color: bool) -> String {
    String::from_utf8(
        TextReporter { color }
            .render(&report_fixture::demo_document())
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn summary_groups_by_rule_and_severity_then_lists_failing_resources() {
    let t = text(false);
    assert!(
        t.contains("Results: 4 fail · 1 error · 1 suppressed · 1 skipped · 2 pass"),
        "{t}"
    );
    // The group line of VPC-001/traffic-type-all: high, 2 fail, 1 pass.
    let line = t
        .lines()
        .find(|l| l.contains("VPC-001/traffic-type-all") && l.trim_start().starts_with("high"))
        .expect("group line");
    let nums: Vec<&str> = line.split_whitespace().skip(2).collect();
    // The five counts, then the applicability of the check's fix (`manual`: the fixture's rules
    // declare no fix).
    assert_eq!(nums, ["2", "0", "0", "0", "1", "manual"], "{line}");
    // Groups are ordered most severe first.
    let high = t.find("  high      VPC-001/flow-log-exists").unwrap();
    let medium = t.find("  medium    VPC-002/destination-encrypted").unwrap();
    assert!(high < medium);

    let failing = t
        .split("Failing resources (4)")
        .nth(1)
        .expect("failing section");
    let failing = failing.split("\n\n").next().unwrap();
    for id in ["60001", "60002", "60003", "60004"] {
        assert!(
            failing.contains(&format!("vpc-0a1b2c3d4e5f{id}")),
            "{failing}"
        );
    }
    assert!(
        !failing.contains("vpc-0a1b2c3d4e5f60005"),
        "a passing VPC is not listed"
    );
    assert!(
        !failing.contains("vpc-0a1b2c3d4e5f60006"),
        "a suppressed VPC is not listed"
    );
    assert!(t.contains("Scan errors (1 in 1 part)"));
    assert!(t.contains("DescribeFlowLogs"));
    assert!(t.contains("Suppressions: 1 expired"));
    assert!(t.contains(HOSTILE_HTML), "names are shown as they are");
}

#[test]
fn colour_only_when_asked_and_tags_cannot_send_escape_sequences() {
    let plain = text(false);
    assert!(
        !plain.contains('\x1b'),
        "no escape sequence at all without colour"
    );
    assert!(!plain.contains('\r'));
    assert!(plain.contains(r"ok\u{1b}[2J\u{1b}[31mred\u{d}X"), "{plain}");
    let coloured = text(true);
    assert!(coloured.contains("\x1b[1;31m"), "fail counts are red");
    // Every escape sequence in the coloured output is one of ours (SGR), never one from a tag.
    for (i, _) in coloured.match_indices('\x1b') {
        let rest = &coloured[i + 1..];
        let end = rest.find('m').expect("SGR sequence");
        assert!(
            rest.starts_with('[') && rest[1..end].chars().all(|c| c.is_ascii_digit() || c == ';'),
            "foreign escape sequence: {:?}",
            &rest[..end.min(20)]
        );
    }
    assert!(!coloured.contains("\x1b[2J"));
}

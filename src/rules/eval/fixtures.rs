//! The inventory and rules the evaluation tests share.

use super::*;
use crate::rules::RuleSource;

pub(super) const RULE: &str = r#"
id = "T-1"
title = "t"
description = "d"
severity = "high"
resource = "vpc"
applies_if = "vpc.state == 'available'"
skip_message = "{{resource.id}} is {{vpc.state}}"

[parameters]
limit = { default = 1, description = "l" }

[[checks]]
id = "missing-key"
title = "a key that does not exist"
condition = "vpc.tags['no_such_field'] == 1"
pass = "p"
fail = "f"

[[checks]]
id = "not-bool"
title = "a condition that is not a bool"
condition = "size(vpc.flow_logs)"
pass = "p"
fail = "f"

[[checks]]
id = "lazy"
title = "a let only the fail message uses"
let = [{ name = "boom", expr = "vpc.tags['no_such_field']" }]
condition = "size(vpc.flow_logs) <= params.limit"
pass = "ok {{params.limit}}"
fail = "too many: {{boom}}"

[[checks]]
id = "after"
title = "depends on an earlier check"
applies_if = "checks['lazy'] == 'fail'"
skip_message = "lazy was {{check.id}}"
condition = "true"
pass = "ran"
fail = "f"
"#;

pub(super) fn inventory(state: &str, logs: usize, errors: serde_json::Value) -> Inventory {
    let log = |i: usize| {
        json!({"id": format!("fl-{i}"), "resource_id": "vpc-1", "resource_type": "vpc",
               "status": "ACTIVE", "traffic_type": "ALL", "destination_type": "s3",
               "destination": {"exists": "yes", "encryption": "aws_managed"}})
    };
    serde_json::from_value(json!({
        "schema": "flowaudit/inventory/v1",
        "scan": {"tool_version": "t", "started_at": "a", "finished_at": "b", "account_id": "111111111111"},
        "regions": [{"account_id": "111111111111", "region": "eu-west-1", "vpcs": [{
            "id": "vpc-1", "arn": "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-1", "is_default": false,
            "owner_id": "111111111111", "shared": false, "cidr_block": "10.0.0.0/16", "state": state,
            "flow_logs": (0..logs).map(log).collect::<Vec<_>>()
        }]}],
        "errors": errors
    }))
    .unwrap()
}

pub(super) fn compile(text: &str) -> RuleSet {
    let mut set = RuleSet::empty();
    set.compile_text("t.toml", text, RuleSource::Builtin)
        .unwrap_or_else(|e| panic!("{e}"));
    set
}

pub(super) fn rules() -> RuleSet {
    compile(RULE)
}

pub(super) fn by_check(findings: &[Finding]) -> BTreeMap<String, (Status, String)> {
    findings
        .iter()
        .map(|f| (f.check_id.clone(), (f.status, f.message.clone())))
        .collect()
}

use std::collections::BTreeMap;

/// Evaluate the test rule on an available VPC with `logs` flow logs.
pub(super) fn verdicts(logs: usize) -> BTreeMap<String, (Status, String)> {
    let set = rules();
    let inv = inventory("available", logs, json!([]));
    by_check(&evaluate(&set, &inv, &EvalOptions::default()))
}

/// Assert the status of a check and that its message contains `needle`.
pub(super) fn expect(
    r: &BTreeMap<String, (Status, String)>,
    check: &str,
    status: Status,
    needle: &str,
) {
    let (st, msg) = &r[check];
    assert_eq!(*st, status, "{check}: {msg}");
    assert!(msg.contains(needle), "{check}: {msg:?} lacks {needle:?}");
}

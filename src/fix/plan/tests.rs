use super::*;
use crate::findings::{Applicability, FixAction, ResourceRef, Severity, Status};
use crate::fix::settings::FixDestination;
use crate::inventory::{
    Destination, DestinationType, Encryption, Existence, FlowLog, RegionInventory, ScanMeta,
    TransitGateway, Vpc,
};
use std::collections::BTreeMap;

pub const ACCT: &str = "111122223333";
/// The built-in rule whose checks a new flow log fixes, and those checks.
pub const FIX_RULE: &str = "VPC-001";
pub const FIXABLE_CHECKS: [&str; 2] = ["flow-logs-enabled", "traffic-type-all"];

pub fn settings(dest: &str, extra: impl FnOnce(&mut FixSettings)) -> FixSettings {
    let mut s = FixSettings {
        destination: FixDestination::parse(dest).unwrap(),
        delivery_role: dest
            .starts_with("cloudwatch:")
            .then(|| format!("arn:aws:iam::{ACCT}:role/flow")),
        log_format: None,
        max_aggregation_interval: None,
        tags: Vec::new(),
        kms_keys: Vec::new(),
        retention_days: 365,
        unsafe_fixes: false,
        rules: Vec::new(),
        resources: Vec::new(),
        yes: false,
        dry_run: false,
        log_file: None,
        checks: crate::rules::RuleSet::builtin().unwrap().fix_catalog(),
    };
    extra(&mut s);
    s
}

pub fn rule(id: &str) -> crate::fix::settings::RuleFilter {
    let (rule_id, check_id) = match id.split_once('/') {
        Some((r, c)) => (r.to_string(), Some(c.to_string())),
        None => (id.to_string(), None),
    };
    crate::fix::settings::RuleFilter { rule_id, check_id }
}

pub fn flow_log(id: &str, vpc: &str, traffic: &str, group: &str, enc: Encryption) -> FlowLog {
    FlowLog {
        id: id.into(),
        resource_id: vpc.into(),
        resource_type: "vpc".into(),
        status: "ACTIVE".into(),
        traffic_type: traffic.into(),
        destination_type: DestinationType::CloudWatchLogs,
        destination_arn: None,
        log_group_name: Some(group.into()),
        deliver_logs_status: Some("SUCCESS".into()),
        deliver_logs_error_message: None,
        deliver_logs_permission_arn: None,
        log_format: None,
        max_aggregation_interval: Some(600),
        creation_time: None,
        tags: BTreeMap::new(),
        destination: Destination {
            name: Some(group.into()),
            region: None,
            exists: Existence::Yes,
            encryption: enc,
            kms_key_id: None,
            retention_days: Some(365),
            reason: None,
            encryption_status: None,
            key_type: None,
            delivers_to: Vec::new(),
        },
    }
}

pub fn vpc(id: &str, logs: Vec<FlowLog>) -> Vpc {
    Vpc {
        id: id.into(),
        arn: format!("arn:aws:ec2:us-east-1:{ACCT}:vpc/{id}"),
        name: Some(format!("name-{id}")),
        tags: BTreeMap::new(),
        is_default: false,
        owner_id: ACCT.into(),
        shared: false,
        cidr_block: "10.0.0.0/16".into(),
        state: "available".into(),
        subnets: Vec::new(),
        flow_logs: logs,
        network_interfaces: None,
    }
}

pub fn inventory(regions: Vec<(&str, Vec<Vpc>)>) -> Inventory {
    Inventory {
        schema: crate::inventory::INVENTORY_SCHEMA.into(),
        scan: ScanMeta {
            tool_version: "0".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            finished_at: "2026-01-01T00:00:01Z".into(),
            account_id: ACCT.into(),
            regions_requested: Vec::new(),
            regions_scanned: regions.iter().map(|r| r.0.to_string()).collect(),
            resources_requested: Vec::new(),
            recovered: 0,
        },
        regions: regions
            .into_iter()
            .map(|(r, vpcs)| RegionInventory {
                account_id: ACCT.into(),
                region: r.into(),
                vpcs,
                other_flow_logs: Vec::new(),
                transit_gateways: Vec::new(),
            })
            .collect(),
        errors: Vec::new(),
        accounts: Vec::new(),
    }
}

pub fn finding(region: &str, vpc: &str, rule: &str, check: &str, status: Status) -> Finding {
    Finding {
        rule_id: rule.into(),
        check_id: check.into(),
        status,
        severity: Severity::High,
        resource: std::sync::Arc::new(ResourceRef {
            kind: "vpc".into(),
            id: vpc.into(),
            arn: format!("arn:aws:ec2:{region}:{ACCT}:vpc/{vpc}"),
            region: region.into(),
            account_id: ACCT.into(),
            name: None,
            tags: BTreeMap::new(),
            network_interfaces: None,
            is_default: None,
        }),
        message: String::new(),
        compliance: Default::default(),
        remediation: None,
        suppression: None,
    }
}

fn both_fail(region: &str, vpc: &str) -> Vec<Finding> {
    FIXABLE_CHECKS
        .iter()
        .map(|c| finding(region, vpc, FIX_RULE, c, Status::Fail))
        .collect()
}

fn flow_vpcs(p: &Plan) -> Vec<(String, String)> {
    p.changes
        .iter()
        .filter(|c| matches!(c.action, Action::CreateFlowLog { .. }))
        .map(|c| (c.region.clone(), c.resource_id.clone().unwrap()))
        .collect()
}

#[test]
fn a_plan_over_several_accounts_is_grouped_by_account() {
    let inv = inventory(vec![
        ("eu-west-1", vec![vpc("vpc-a", vec![])]),
        ("us-east-1", vec![vpc("vpc-b", vec![])]),
    ]);
    let mut f = both_fail("eu-west-1", "vpc-a");
    f.extend(both_fail("us-east-1", "vpc-b"));
    let s = settings("s3://flow-bucket", |_| {});
    // A single-account scan: no headers.
    let single = plan(&inv, &f, &s);
    assert!(single.accounts.is_empty());
    assert!(
        single.lines()[0].starts_with("    1. "),
        "{:?}",
        single.lines()
    );
    // The same scan recorded as a scan of several accounts, the second change moved to a
    // member account reached through a role.
    let member = "210987654321";
    let mut inv = inv;
    inv.accounts = vec![
        crate::inventory::Account {
            id: ACCT.into(),
            name: Some("mgmt".into()),
            email: None,
            status: Some("ACTIVE".into()),
            ou_path: Vec::new(),
            tags: BTreeMap::new(),
            role_arn: None,
            scanned: true,
            skip_reason: None,
        },
        crate::inventory::Account {
            id: member.into(),
            name: Some("m\u{1b}[31m".into()),
            role_arn: Some(format!("arn:aws:iam::{member}:role/Fix")),
            ..inv_account(member)
        },
    ];
    let mut p = plan(&inv, &f, &s);
    p.changes[1].account_id = member.into();
    let lines = p.lines();
    assert_eq!(
        lines[0],
        format!("  account {ACCT} (mgmt), with the caller's credentials: 1 change")
    );
    assert!(
        lines[1].starts_with("      1. ") && lines[1].contains("vpc-a"),
        "{lines:?}"
    );
    assert!(
        lines[2].starts_with(&format!("  account {member} (m")),
        "{lines:?}"
    );
    assert!(
        lines[2].ends_with(&format!("through arn:aws:iam::{member}:role/Fix: 1 change")),
        "{lines:?}"
    );
    assert!(!lines[2].contains('\u{1b}'), "escaped: {lines:?}");
    assert!(
        lines[3].starts_with("      2. ") && lines[3].contains("vpc-b"),
        "{lines:?}"
    );
}

fn inv_account(id: &str) -> crate::inventory::Account {
    crate::inventory::Account {
        id: id.into(),
        name: None,
        email: None,
        status: None,
        ou_path: Vec::new(),
        tags: BTreeMap::new(),
        role_arn: None,
        scanned: true,
        skip_reason: None,
    }
}

#[test]
fn one_flow_log_per_failing_vpc_in_every_region() {
    let inv = inventory(vec![
        (
            "eu-west-1",
            vec![vpc("vpc-a", vec![]), vpc("vpc-ok", vec![])],
        ),
        ("us-east-1", vec![vpc("vpc-b", vec![])]),
    ]);
    let mut f = both_fail("eu-west-1", "vpc-a");
    f.extend(both_fail("us-east-1", "vpc-b"));
    f.push(finding(
        "eu-west-1",
        "vpc-ok",
        FIX_RULE,
        "flow-logs-enabled",
        Status::Pass,
    ));
    let p = plan(&inv, &f, &settings("s3://flow-bucket", |_| {}));
    assert_eq!(
        flow_vpcs(&p),
        vec![
            ("eu-west-1".into(), "vpc-a".into()),
            ("us-east-1".into(), "vpc-b".into())
        ]
    );
    assert_eq!(p.changes.len(), 2, "S3 needs no log group: {p:?}");
    let c = &p.changes[0];
    assert_eq!(c.targets, vec!["flow-logs-enabled", "traffic-type-all"]);
    match &c.action {
        Action::CreateFlowLog {
            destination,
            traffic_type,
            ..
        } => {
            assert_eq!(destination, "s3://flow-bucket");
            assert_eq!(traffic_type, "ALL");
        }
        other => panic!("{other:?}"),
    }
    let lines = p.lines();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].contains("vpc-a (name-vpc-a): create flow log, traffic ALL -> s3://flow-bucket"),
        "{lines:?}"
    );
}

#[test]
fn suppressed_and_passing_results_are_never_fixed() {
    let inv = inventory(vec![("us-east-1", vec![vpc("vpc-s", vec![])])]);
    let f = vec![
        finding(
            "us-east-1",
            "vpc-s",
            FIX_RULE,
            "flow-logs-enabled",
            Status::Suppressed,
        ),
        finding(
            "us-east-1",
            "vpc-s",
            FIX_RULE,
            "traffic-type-all",
            Status::Suppressed,
        ),
    ];
    let p = plan(&inv, &f, &settings("s3://flow-bucket", |_| {}));
    assert!(p.is_empty() && p.skipped.is_empty(), "{p:?}");
}

#[test]
fn filters_narrow_the_plan() {
    let inv = inventory(vec![(
        "us-east-1",
        vec![vpc("vpc-0aa", vec![]), vpc("vpc-0bb", vec![])],
    )]);
    let mut f = both_fail("us-east-1", "vpc-0aa");
    f.extend(both_fail("us-east-1", "vpc-0bb"));
    let p = plan(
        &inv,
        &f,
        &settings("s3://flow-bucket", |a| {
            a.resources = vec![glob::Pattern::new("vpc-0b*").unwrap()]
        }),
    );
    assert_eq!(flow_vpcs(&p), vec![("us-east-1".into(), "vpc-0bb".into())]);
    let p = plan(
        &inv,
        &f,
        &settings("s3://flow-bucket", |a| a.rules = vec![rule("VPC-999")]),
    );
    assert!(p.is_empty());
    let p = plan(
        &inv,
        &f,
        &settings("s3://flow-bucket", |a| {
            a.rules = vec![rule("vpc-001/traffic-type-all")]
        }),
    );
    assert_eq!(p.changes.len(), 2);
    assert_eq!(p.changes[0].targets, vec!["traffic-type-all"]);
}

#[test]
fn shared_vpcs_are_skipped_with_a_reason() {
    let mut shared = vpc("vpc-sh", vec![]);
    shared.shared = true;
    shared.owner_id = "999988887777".into();
    let inv = inventory(vec![("us-east-1", vec![shared])]);
    let p = plan(
        &inv,
        &both_fail("us-east-1", "vpc-sh"),
        &settings("s3://flow-bucket", |_| {}),
    );
    assert!(p.is_empty());
    assert_eq!(p.skipped.len(), 1);
    assert!(
        p.skipped[0]
            .reason
            .contains("shared VPC owned by account 999988887777")
    );
}

#[test]
fn reject_only_vpc_gets_an_additional_all_log_and_the_plan_says_so() {
    let rej = flow_log("fl-rej", "vpc-r", "REJECT", "/other", Encryption::Kms);
    let inv = inventory(vec![("us-east-1", vec![vpc("vpc-r", vec![rej])])]);
    let f = vec![finding(
        "us-east-1",
        "vpc-r",
        FIX_RULE,
        "traffic-type-all",
        Status::Fail,
    )];
    let p = plan(&inv, &f, &settings("cloudwatch:/vpc/flow", |_| {}));
    assert_eq!(p.changes.len(), 2, "{p:?}");
    assert!(matches!(p.changes[0].action, Action::CreateLogGroup { .. }));
    let line = p.changes[1].describe();
    assert!(line.contains("adds an ALL log next to its REJECT-only flow log fl-rej (REJECT), which is kept unchanged"), "{line}");
}

#[test]
fn existing_destination_group_is_not_recreated_and_duplicates_are_skipped() {
    let all_same = flow_log("fl-all", "vpc-d", "ALL", "/vpc/flow", Encryption::Kms);
    let inv = inventory(vec![(
        "us-east-1",
        vec![vpc("vpc-d", vec![all_same]), vpc("vpc-e", vec![])],
    )]);
    let mut f = both_fail("us-east-1", "vpc-d");
    f.extend(both_fail("us-east-1", "vpc-e"));
    let p = plan(&inv, &f, &settings("cloudwatch:/vpc/flow", |_| {}));
    assert_eq!(flow_vpcs(&p), vec![("us-east-1".into(), "vpc-e".into())]);
    assert!(
        !p.changes
            .iter()
            .any(|c| matches!(c.action, Action::CreateLogGroup { .. })),
        "{p:?}"
    );
    assert_eq!(p.skipped.len(), 1);
    assert!(p.skipped[0].reason.contains("not creating a duplicate"));
}

#[test]
fn unencrypted_groups_need_unsafe_fixes_and_buckets_only_get_a_note() {
    let plain = flow_log("fl-p", "vpc-u", "ALL", "/plain", Encryption::None);
    let mut s3 = flow_log("fl-s3", "vpc-u", "ALL", "", Encryption::None);
    s3.destination_type = DestinationType::S3;
    s3.log_group_name = None;
    s3.destination.name = Some("open-bucket".into());
    let mut fh = flow_log("fl-fh", "vpc-u", "ALL", "", Encryption::None);
    fh.destination_type = DestinationType::KinesisDataFirehose;
    fh.log_group_name = None;
    fh.destination.name = Some("open-stream".into());
    let inv = inventory(vec![("us-east-1", vec![vpc("vpc-u", vec![plain, s3, fh])])]);
    let f = vec![finding(
        "us-east-1",
        "vpc-u",
        "VPC-001",
        "destination-encrypted",
        Status::Fail,
    )];
    let key = format!("arn:aws:kms:us-east-1:{ACCT}:key/abc");

    let safe = plan(
        &inv,
        &f,
        &settings("s3://flow-bucket", |a| a.kms_keys = vec![key.clone()]),
    );
    assert!(safe.is_empty(), "{safe:?}");
    assert!(
        safe.notes
            .iter()
            .any(|n| n.contains("/plain is not encrypted") && n.contains("--unsafe-fixes")),
        "{:?}",
        safe.notes
    );
    for note in [
        "bucket open-bucket (flow log fl-s3 of vpc-u) has no default encryption; --fix never changes bucket encryption: apply the remediation snippet of VPC-001/destination-encrypted for vpc-u in the report",
        "delivery stream open-stream (flow log fl-fh of vpc-u) has no server-side encryption; --fix never changes a delivery stream: apply the remediation snippet of VPC-001/destination-encrypted for vpc-u in the report",
    ] {
        assert!(safe.notes.iter().any(|n| n == note), "{:?}", safe.notes);
    }

    let unsafe_plan = plan(
        &inv,
        &f,
        &settings("s3://flow-bucket", |a| {
            a.kms_keys = vec![key.clone()];
            a.unsafe_fixes = true;
        }),
    );
    assert_eq!(unsafe_plan.changes.len(), 1);
    assert_eq!(
        unsafe_plan.changes[0].action,
        Action::AssociateKmsKey {
            log_group: "/plain".into(),
            kms_key: key.clone()
        }
    );
    // Suppressed encryption results are left alone even with --unsafe-fixes.
    let sup = vec![finding(
        "us-east-1",
        "vpc-u",
        "VPC-001",
        "destination-encrypted",
        Status::Suppressed,
    )];
    assert!(
        plan(
            &inv,
            &sup,
            &settings("s3://flow-bucket", |a| {
                a.kms_keys = vec![key.clone()];
                a.unsafe_fixes = true;
            })
        )
        .is_empty()
    );
}

#[test]
fn created_groups_use_the_key_of_their_region_or_the_plan_has_a_problem() {
    let inv = inventory(vec![
        ("eu-west-1", vec![vpc("vpc-e", vec![])]),
        ("us-east-1", vec![vpc("vpc-u", vec![])]),
    ]);
    let mut f = both_fail("eu-west-1", "vpc-e");
    f.extend(both_fail("us-east-1", "vpc-u"));
    let eu = format!("arn:aws:kms:eu-west-1:{ACCT}:key/eu");
    let us = format!("arn:aws:kms:us-east-1:{ACCT}:key/us");
    let p = plan(
        &inv,
        &f,
        &settings("cloudwatch:/g", |a| {
            a.kms_keys = vec![us.clone(), eu.clone()]
        }),
    );
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    let keys: Vec<(String, Option<String>)> = p
        .changes
        .iter()
        .filter_map(|c| match &c.action {
            Action::CreateLogGroup { kms_key, .. } => Some((c.region.clone(), kms_key.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        keys,
        vec![
            ("eu-west-1".into(), Some(eu.clone())),
            ("us-east-1".into(), Some(us.clone()))
        ]
    );
    let p = plan(
        &inv,
        &f,
        &settings("cloudwatch:/g", |a| a.kms_keys = vec![eu.clone()]),
    );
    assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
    assert!(p.problems[0].contains("no key in region us-east-1"));
    assert!(p.lines().iter().any(|l| l.starts_with("  problem: ")));
}

/// The built-in fixes with one more check, `X-1/c`, declared as given.
fn with_fix(action: Option<FixAction>, applicability: Applicability) -> FixSettings {
    settings("s3://flow-bucket", |s| {
        s.checks.0.insert(
            ("X-1".into(), "c".into()),
            crate::findings::CheckFix {
                action,
                applicability,
                creates: Default::default(),
            },
        );
    })
}

#[test]
fn the_rule_files_decide_what_is_fixed_not_the_check_ids() {
    let inv = inventory(vec![("us-east-1", vec![vpc("vpc-a", vec![])])]);
    let f = vec![finding("us-east-1", "vpc-a", "X-1", "c", Status::Fail)];
    // A check of any rule whose fix is a safe create-flow-log gets a new flow log.
    let p = plan(
        &inv,
        &f,
        &with_fix(Some(FixAction::CreateFlowLog), Applicability::Safe),
    );
    assert_eq!(flow_vpcs(&p), vec![("us-east-1".into(), "vpc-a".into())]);
    assert_eq!(p.changes[0].targets, vec!["c".to_string()]);
    // Declared unsafe, it waits for --unsafe-fixes and is shown as manual until then.
    let s = with_fix(Some(FixAction::CreateFlowLog), Applicability::Unsafe);
    let p = plan(&inv, &f, &s);
    assert!(p.is_empty(), "{p:?}");
    assert_eq!(p.manual.len(), 1);
    assert!(p.manual[0].why.contains("--unsafe-fixes"), "{:?}", p.manual);
    let mut s = s;
    s.unsafe_fixes = true;
    assert_eq!(flow_vpcs(&plan(&inv, &f, &s)).len(), 1);
    // Undeclared, nothing is changed: a check id that merely says "encrypt" is not a fix.
    let enc = vec![finding(
        "us-east-1",
        "vpc-a",
        "X-2",
        "encrypt-it",
        Status::Fail,
    )];
    let p = plan(&inv, &enc, &with_fix(None, Applicability::Manual));
    assert!(
        p.is_empty() && p.manual.is_empty() && p.notes.is_empty(),
        "{p:?}"
    );
}

#[test]
fn a_manual_fix_shows_its_snippet_in_the_plan() {
    let inv = inventory(vec![("us-east-1", vec![vpc("vpc-a", vec![])])]);
    let mut f = finding(
        "us-east-1",
        "vpc-a",
        "VPC-004",
        "aggregation-interval",
        Status::Fail,
    );
    f.remediation = Some(crate::findings::Remediation {
        cli: Some(
            "aws ec2 create-flow-logs --resource-ids vpc-a\n  --max-aggregation-interval 60\n"
                .into(),
        ),
        ..Default::default()
    });
    let p = plan(&inv, &[f], &settings("s3://flow-bucket", |_| {}));
    assert!(p.is_empty(), "a manual fix changes nothing: {p:?}");
    let lines = p.lines();
    assert!(
        lines.iter().any(|l| l.contains("manual 111122223333 us-east-1 vpc-a VPC-004/aggregation-interval: manual fix; its remediation snippet:")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l == "        aws ec2 create-flow-logs --resource-ids vpc-a"),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l == "          --max-aggregation-interval 60"),
        "{lines:?}"
    );
}

#[test]
fn a_new_log_group_without_a_key_is_refused_while_a_rule_needs_encryption() {
    let inv = inventory(vec![("us-east-1", vec![vpc("vpc-a", vec![])])]);
    let f = both_fail("us-east-1", "vpc-a");
    let p = plan(&inv, &f, &settings("cloudwatch:/g", |_| {}));
    assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
    assert!(
        p.problems[0].contains("would not be encrypted")
            && p.problems[0].contains("VPC-001/destination-encrypted"),
        "{:?}",
        p.problems
    );
    // Without a check that needs encryption, the group is created as asked.
    let p = plan(
        &inv,
        &f,
        &settings("cloudwatch:/g", |s| {
            s.checks
                .0
                .retain(|(r, c), _| !(r == "VPC-001" && c == "destination-encrypted"))
        }),
    );
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(p.changes.len(), 2);
}

fn tgw(id: &str, owner: &str, attachment_logs: Vec<FlowLog>) -> TransitGateway {
    TransitGateway {
        id: id.into(),
        arn: format!("arn:aws:ec2:us-east-1:{owner}:transit-gateway/{id}"),
        name: Some("core".into()),
        tags: BTreeMap::new(),
        owner_id: owner.into(),
        shared: owner != ACCT,
        state: "available".into(),
        description: None,
        flow_logs: Vec::new(),
        attachment_flow_logs: attachment_logs,
    }
}

#[test]
fn a_failing_transit_gateway_gets_a_transit_gateway_flow_log_and_a_shared_one_is_skipped() {
    let mut inv = inventory(vec![("us-east-1", vec![])]);
    let att = flow_log("fl-att", "tgw-attach-1", "", "/g", Encryption::Kms);
    inv.regions[0].transit_gateways = vec![
        tgw("tgw-1", ACCT, vec![att]),
        tgw("tgw-2", "999988887777", vec![]),
    ];
    let f: Vec<Finding> = ["tgw-1", "tgw-2"]
        .iter()
        .map(|t| finding("us-east-1", t, "TGW-001", "flow-logs-enabled", Status::Fail))
        .collect();
    let p = plan(&inv, &f, &settings("s3://flow-bucket", |_| {}));
    assert_eq!(p.changes.len(), 1, "{p:?}");
    let c = &p.changes[0];
    assert_eq!(c.resource_id.as_deref(), Some("tgw-1"));
    assert_eq!(c.targets, vec!["flow-logs-enabled"]);
    assert_eq!(
        c.action,
        Action::CreateFlowLog {
            destination: "s3://flow-bucket".into(),
            traffic_type: String::new(),
            resource_type: ResourceKind::TransitGateway
                .flow_log_resource_type()
                .map(Into::into),
        }
    );
    assert!(
        c.describe()
            .starts_with("tgw-1 (core): create transit gateway flow log -> s3://flow-bucket"),
        "{}",
        c.describe()
    );
    assert_eq!(
        c.note.as_deref(),
        Some("its 1 attachment-level flow log(s) are kept unchanged")
    );
    assert_eq!(p.skipped.len(), 1);
    // The VPC flow-log settings a transit gateway flow log does not take are named as unused.
    let p = plan(
        &inv,
        &f,
        &settings("s3://flow-bucket", |s| {
            s.log_format = Some("${version} ${srcaddr}".into());
            s.max_aggregation_interval = Some(600);
        }),
    );
    let note = p.changes[0].note.as_deref().unwrap();
    assert!(
        note.starts_with("its 1 attachment-level flow log(s) are kept unchanged; "),
        "{note}"
    );
    assert!(note.contains("--fix-log-format is not used"), "{note}");
    assert!(
        note.contains("--fix-max-aggregation-interval 600 is not used"),
        "{note}"
    );
    // 60 is what the rules choose when the flag is not given: it is not named.
    let p60 = plan(
        &inv,
        &f,
        &settings("s3://flow-bucket", |s| {
            s.max_aggregation_interval = Some(60)
        }),
    );
    assert_eq!(
        p60.changes[0].note.as_deref(),
        Some("its 1 attachment-level flow log(s) are kept unchanged")
    );
    assert!(
        p.changes[0]
            .describe()
            .contains("; --fix-log-format is not used"),
        "{}",
        p.changes[0].describe()
    );
    assert_eq!(p.skipped[0].resource_id, "tgw-2");
    assert!(
        p.skipped[0]
            .reason
            .contains("owned by account 999988887777")
    );
    // A VPC-only selection leaves the transit gateways alone.
    let p = plan(
        &inv,
        &f,
        &settings("s3://flow-bucket", |s| s.rules = vec![rule("VPC-001")]),
    );
    assert!(p.changes.is_empty() && p.skipped.is_empty(), "{p:?}");
}

#[test]
fn terminal_control_characters_are_escaped() {
    let mut v = vpc("vpc-x", vec![]);
    v.name = Some("evil\u{1b}[2Jname".into());
    let inv = inventory(vec![("us-east-1", vec![v])]);
    let p = plan(
        &inv,
        &both_fail("us-east-1", "vpc-x"),
        &settings("s3://flow-bucket", |_| {}),
    );
    let line = &p.lines()[0];
    assert!(!line.contains('\u{1b}'), "{line:?}");
    assert!(line.contains("evil\\u{1b}[2Jname"), "{line:?}");
}

use super::*;
use crate::report::v1::{RuleMeta, ScanSection, SuppressionSection, ToolInfo};
use serde_json::json;

fn head(
    accounts: &[&str],
    regions: &[&str],
    rules: &[&str],
    errors: serde_json::Value,
) -> SavedHead {
    let scan: ScanSection = serde_json::from_value(json!({
        "accounts": accounts,
        "regions": regions,
        "started_at": "2026-01-15T08:00:00Z",
        "finished_at": "2026-01-15T08:01:00Z",
        "partial": errors.as_array().is_some_and(|e| !e.is_empty()),
        "errors": errors,
    }))
    .expect("scan section");
    let rules = rules
        .iter()
        .map(|id| {
            serde_json::from_value::<RuleMeta>(json!({
                "id": id, "title": "t", "description": "d", "severity": "high",
                "resource": "vpc", "checks": [], "compliance": {}, "references": [],
                "source": "builtin",
            }))
            .expect("rule meta")
        })
        .collect();
    SavedHead {
        schema: "flowaudit/report/v1".into(),
        tool: ToolInfo {
            name: "flowaudit".into(),
            version: "0".into(),
            information_uri: "https://example.com".into(),
        },
        scan,
        rules,
        suppressions: SuppressionSection::default(),
        fixes: None,
    }
}

const A: &str = "111111111111";
const B: &str = "222222222222";

fn held(id: &str, rule: &str, account: &str, region: &str) -> Held {
    Held {
        id: id.into(),
        product_arn: format!("arn:aws:securityhub:{region}:{account}:product/{account}/default"),
        generator_id: format!("flowaudit/{rule}/c1"),
        account: account.into(),
        region: region.into(),
        record_state: "ACTIVE".into(),
        updated_at: Some("2026-01-14T08:00:00Z".into()),
        resource: "vpc-1".into(),
    }
}

fn product(account: &str, region: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:product/{account}/default")
}

#[test]
fn the_scope_is_accounts_by_regions_by_rules_less_what_was_not_read() {
    let mut scope = Scope::default();
    scope.add(&head(
        &[A, B],
        &["eu-west-1", "us-east-1"],
        &["VPC-001"],
        json!([
            {"account_id": A, "region": "us-east-1", "service": "ec2", "operation": "DescribeVpcs", "code": "Throttling", "message": "x"},
            {"account_id": B, "region": null, "service": "sts", "operation": "AssumeRole", "code": "AccessDenied", "message": "x"},
        ]),
    ));
    assert!(scope.covers(A, "eu-west-1", "VPC-001", "vpc-1"));
    assert!(
        !scope.covers(A, "us-east-1", "VPC-001", "vpc-1"),
        "a region with an error"
    );
    assert!(
        !scope.covers(B, "eu-west-1", "VPC-001", "vpc-1"),
        "an account not reached"
    );
    assert!(
        !scope.covers(A, "eu-west-1", "TGW-001", "vpc-1"),
        "a rule the report did not run"
    );
    assert!(
        !scope.covers(A, "ap-south-1", "VPC-001", "vpc-1"),
        "a region the report did not scan"
    );
    assert_eq!(
        scope.hubs().into_iter().collect::<Vec<_>>(),
        vec![Hub::new(A, "eu-west-1")]
    );
    // A second report widens the scope with its own parts only.
    scope.add(&head(&[B], &["us-east-1"], &["TGW-001"], json!([])));
    assert!(scope.covers(B, "us-east-1", "TGW-001", "vpc-1"));
    assert!(!scope.covers(B, "us-east-1", "VPC-001", "vpc-1"));
    assert!(!scope.covers(B, "eu-west-1", "TGW-001", "vpc-1"));
}

#[test]
fn only_flowaudit_findings_in_scope_that_are_no_longer_active_are_archived() {
    let mut scope = Scope::default();
    scope.add(&head(&[A], &["eu-west-1"], &["VPC-001"], json!([])));
    let hub = Hub::new(A, "eu-west-1");
    let p = product(A, "eu-west-1");
    let imported: HashSet<&str> = ["still-failing"].into_iter().collect();
    let time = chrono::DateTime::parse_from_rfc3339("2026-01-15T08:01:00Z")
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc));
    let decide = |h: &Held| archives(h, &hub, &p, &imported, &scope, time);

    assert!(decide(&held("fixed", "VPC-001", A, "eu-west-1")));
    assert!(!decide(&held("still-failing", "VPC-001", A, "eu-west-1")));
    assert!(!decide(&held("other-rule", "TGW-001", A, "eu-west-1")));
    let mut other_product = held("p", "VPC-001", A, "eu-west-1");
    other_product.product_arn = "arn:aws:securityhub:eu-west-1::product/aws/guardduty".into();
    assert!(!decide(&other_product));
    let mut other_generator = held("g", "VPC-001", A, "eu-west-1");
    other_generator.generator_id = "prowler-ec2_flow_logs".into();
    assert!(!decide(&other_generator));
    let mut archived = held("a", "VPC-001", A, "eu-west-1");
    archived.record_state = "ARCHIVED".into();
    assert!(!decide(&archived));
    let mut newer = held("n", "VPC-001", A, "eu-west-1");
    newer.updated_at = Some("2026-02-01T00:00:00Z".into());
    assert!(
        !decide(&newer),
        "a finding a newer report updated is left alone"
    );
    let mut elsewhere = held("e", "VPC-001", A, "us-east-1");
    elsewhere.product_arn = product(A, "us-east-1");
    assert!(!decide(&elsewhere));
}

#[test]
fn generator_ids_name_their_rule() {
    assert_eq!(rule_of("flowaudit/VPC-001/c1"), Some("VPC-001"));
    assert_eq!(rule_of("flowaudit/VPC-001"), None);
    assert_eq!(rule_of("flowaudit//c1"), None);
    assert_eq!(rule_of("other/VPC-001/c1"), None);
}

#[test]
fn batches_hold_at_most_a_count_and_a_size() {
    assert_eq!(batches(&[], 100, 10), Vec::<Range<usize>>::new());
    assert_eq!(
        batches(&[1; 250], 100, 1_000),
        vec![0..100, 100..200, 200..250]
    );
    assert_eq!(batches(&[4, 4, 4, 4], 100, 10), vec![0..2, 2..4]);
    // An item over the size limit goes alone.
    assert_eq!(batches(&[1, 50, 1], 100, 10), vec![0..1, 1..2, 2..3]);
}

#[test]
fn a_plan_looks_at_every_hub_in_scope_and_takes_each_finding_once() {
    let mut scope = Scope::default();
    scope.add(&head(
        &[A],
        &["eu-west-1", "us-east-1"],
        &["VPC-001"],
        json!([]),
    ));
    let plan = Plan::new(scope);
    assert_eq!(plan.hubs.len(), 2);
    assert!(
        plan.hubs
            .values()
            .all(|h| h.in_scope && h.findings.is_empty())
    );
    assert_eq!(plan.active(), 0);
}

#[test]
fn a_targeted_report_speaks_for_its_resources_alone() {
    let mut h = head(&[A], &["eu-west-1"], &["VPC-001"], json!([]));
    h.scan.resources = vec!["vpc-1".into()];
    let mut scope = Scope::default();
    scope.add(&h);
    assert!(scope.covers(A, "eu-west-1", "VPC-001", "vpc-1"));
    assert!(!scope.covers(A, "eu-west-1", "VPC-001", "vpc-2"));
}

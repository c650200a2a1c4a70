//! Verification: after applying, the touched regions are collected again and evaluated; each
//! change gets the new status of the checks it targeted.

use super::apply::ChangeResult;
use super::changelog::Outcome;
use super::plan::Action;
use crate::findings::{Finding, FixAction, FixCatalog};
use crate::inventory::Inventory;
use crate::report::v1::FixOutcome;
use std::collections::{BTreeMap, BTreeSet};

/// The (account, region) pairs in which something was changed.
pub fn touched_regions(results: &[ChangeResult]) -> BTreeSet<(String, String)> {
    results
        .iter()
        .filter(|r| r.record.outcome == Outcome::Applied || r.record.created_anything())
        .map(|r| (r.record.account_id.clone(), r.record.region.clone()))
        .collect()
}

/// `before` with the regions in `after` replaced by their fresh collection (and their scan
/// errors replaced too), so the report describes the account as it is after the fix.
pub fn merge_rescan(before: &Inventory, after: &Inventory) -> Inventory {
    let fresh: BTreeSet<(&str, &str)> = after
        .regions
        .iter()
        .map(|r| (r.account_id.as_str(), r.region.as_str()))
        .chain(
            after
                .scan
                .regions_scanned
                .iter()
                .map(|r| (after.scan.account_id.as_str(), r.as_str())),
        )
        .collect();
    let mut out = before.clone();
    for r in out.regions.iter_mut() {
        if let Some(new) = after
            .regions
            .iter()
            .find(|n| n.account_id == r.account_id && n.region == r.region)
        {
            *r = new.clone();
        }
    }
    for n in &after.regions {
        if !out
            .regions
            .iter()
            .any(|r| r.account_id == n.account_id && r.region == n.region)
        {
            out.regions.push(n.clone());
        }
    }
    out.errors.retain(|e| match &e.region {
        Some(reg) => !fresh.contains(&(e.account_id.as_str(), reg.as_str())),
        None => true,
    });
    out.errors.extend(after.errors.iter().cloned());
    out.scan.finished_at = after.scan.finished_at.clone();
    out
}

/// The report's `fixes` section: every change with its outcome and, when `after` (the results
/// of the verification rescan) is given, the new status of each check the change targeted:
/// for a new flow log, every check whose declared fix is `create-flow-log` (`checks`).
pub fn outcomes(
    results: &[ChangeResult],
    after: Option<&[Finding]>,
    checks: &FixCatalog,
) -> Vec<FixOutcome> {
    results
        .iter()
        .map(|r| {
            let c = &r.change;
            let mut verified = BTreeMap::new();
            if let (Some(after), Some(resource), Action::CreateFlowLog { .. }) =
                (after, &c.resource_id, &c.action)
                && r.record.outcome != Outcome::DryRunOk
            {
                // A new ALL log targets every such check, also one that was skipped before
                // (traffic-type-all is skipped while flow-logs-enabled fails).
                // Only the rules of the changed resource's kind (VPC or transit gateway): a rule
                // whose results are all on resources of another kind does not judge it.
                let kind = match &c.action {
                    Action::CreateFlowLog { resource_type, .. } => {
                        crate::kinds::ResourceKind::of_flow_log_resource_type(
                            resource_type.as_deref(),
                        )
                    }
                    _ => crate::kinds::ResourceKind::Vpc,
                }
                .name();
                let other_kind = |rule: &str| {
                    let mut of_rule = after.iter().filter(|f| f.rule_id == rule).peekable();
                    of_rule.peek().is_some()
                        && of_rule.all(|f| f.resource.kind != kind && f.resource.kind != "region")
                };
                for (rule, check) in checks.with_action(FixAction::CreateFlowLog) {
                    if other_kind(rule) {
                        continue;
                    }
                    let status = after
                        .iter()
                        .find(|f| {
                            f.rule_id == rule
                                && f.check_id == check
                                && &f.resource.id == resource
                                && f.resource.region == c.region
                                && f.resource.account_id == c.account_id
                        })
                        .map(|f| f.status.as_str());
                    // A status found wins over another rule's check of the same id that has none.
                    match status {
                        Some(s) => {
                            verified.insert(check.to_string(), s.to_string());
                        }
                        None => {
                            verified
                                .entry(check.to_string())
                                .or_insert_with(|| "not_evaluated".to_string());
                        }
                    }
                }
            }
            let mut created = r.record.flow_log_ids.clone();
            created.extend(r.record.log_groups_created.iter().cloned());
            FixOutcome {
                account_id: c.account_id.clone(),
                region: c.region.clone(),
                resource_id: c.resource_id.clone().unwrap_or_default(),
                action: c.action.name().into(),
                description: r.record.description.clone(),
                outcome: r.record.outcome,
                error: r.record.error.clone(),
                created,
                verified,
            }
        })
        .collect()
}

/// The rescan could not run: every applied flow-log change gets `not_verified` for the checks
/// it targets, which counts as a failure.
pub fn mark_unverified(outcomes: &mut [FixOutcome], checks: &FixCatalog) {
    for o in outcomes
        .iter_mut()
        .filter(|o| o.outcome == Outcome::Applied && o.action == "create-flow-log")
    {
        for (_, c) in checks.with_action(FixAction::CreateFlowLog) {
            o.verified.insert(c.to_string(), "not_verified".to_string());
        }
    }
}

/// True when the change did not do what it should: it failed, or it was applied but a check
/// it targeted still does not pass after the rescan.
pub fn is_failure(o: &FixOutcome) -> bool {
    o.outcome == Outcome::Failed
        || (o.outcome == Outcome::Applied && o.verified.values().any(|s| s != "pass"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Status;
    use crate::fix::changelog::ChangeRecord;
    use crate::fix::plan::plan;
    use crate::fix::plan::tests::{
        ACCT, FIX_RULE, FIXABLE_CHECKS, finding, inventory, settings, vpc,
    };
    use crate::inventory::ScanError;

    fn catalog() -> FixCatalog {
        crate::rules::RuleSet::builtin().unwrap().fix_catalog()
    }

    fn applied(change: &crate::fix::plan::Change, outcome: Outcome, ids: &[&str]) -> ChangeResult {
        ChangeResult {
            change: change.clone(),
            record: ChangeRecord {
                time: "t".into(),
                role_arn: None,
                account_id: change.account_id.clone(),
                region: change.region.clone(),
                resource_id: change.resource_id.clone(),
                action: change.action.name().into(),
                description: change.describe(),
                outcome,
                error: (outcome == Outcome::Failed).then(|| "AccessDenied: no".to_string()),
                change_id: None,
                client_token: None,
                flow_log_ids: ids.iter().map(|s| s.to_string()).collect(),
                log_groups_created: Vec::new(),
                undone_at: None,
            },
        }
    }

    #[test]
    fn a_transit_gateway_change_is_verified_by_its_own_rule_only() {
        let change = crate::fix::plan::Change {
            account_id: ACCT.into(),
            region: "us-east-1".into(),
            resource_id: Some("tgw-1".into()),
            resource_name: None,
            action: crate::fix::plan::Action::CreateFlowLog {
                destination: "s3://b".into(),
                traffic_type: String::new(),
                resource_type: crate::kinds::ResourceKind::TransitGateway
                    .flow_log_resource_type()
                    .map(Into::into),
            },
            targets: vec!["flow-logs-enabled".into()],
            note: None,
        };
        let mut tgw = finding(
            "us-east-1",
            "tgw-1",
            "TGW-001",
            "flow-logs-enabled",
            Status::Pass,
        );
        let mut r = (*tgw.resource).clone();
        r.kind = crate::rules::TRANSIT_GATEWAY.into();
        tgw.resource = std::sync::Arc::new(r);
        // VPC-001's results are on VPCs: its checks of the same ids do not judge the transit gateway.
        let after = vec![
            tgw,
            finding(
                "us-east-1",
                "vpc-a",
                FIX_RULE,
                "flow-logs-enabled",
                Status::Fail,
            ),
            finding(
                "us-east-1",
                "vpc-a",
                FIX_RULE,
                "traffic-type-all",
                Status::Fail,
            ),
        ];
        let out = outcomes(
            &[applied(&change, Outcome::Applied, &["fl-new"])],
            Some(&after),
            &catalog(),
        );
        assert_eq!(
            out[0].verified,
            BTreeMap::from([("flow-logs-enabled".to_string(), "pass".to_string())])
        );
        assert!(!is_failure(&out[0]));
    }

    #[test]
    fn outcomes_carry_the_rescanned_status_of_targeted_checks() {
        let inv = inventory(vec![
            ("us-east-1", vec![vpc("vpc-a", vec![])]),
            ("eu-west-1", vec![vpc("vpc-b", vec![])]),
        ]);
        let mut f = Vec::new();
        for (r, v) in [("us-east-1", "vpc-a"), ("eu-west-1", "vpc-b")] {
            for c in FIXABLE_CHECKS {
                f.push(finding(r, v, FIX_RULE, c, Status::Fail));
            }
        }
        let p = plan(&inv, &f, &settings("s3://bucket-b", |_| {}));
        let results = vec![
            applied(&p.changes[0], Outcome::Applied, &["fl-new"]),
            applied(&p.changes[1], Outcome::Failed, &[]),
        ];
        assert_eq!(
            touched_regions(&results),
            BTreeSet::from([(ACCT.to_string(), "us-east-1".to_string())])
        );
        let after: Vec<Finding> = FIXABLE_CHECKS
            .iter()
            .map(|c| finding("us-east-1", "vpc-a", FIX_RULE, c, Status::Pass))
            .collect();
        let out = outcomes(&results, Some(&after), &catalog());
        assert_eq!(out[0].outcome, Outcome::Applied);
        assert_eq!(out[0].created, vec!["fl-new"]);
        assert_eq!(out[0].verified["flow-logs-enabled"], "pass");
        assert_eq!(out[0].verified["traffic-type-all"], "pass");
        assert!(!is_failure(&out[0]));
        assert_eq!(out[1].outcome, Outcome::Failed);
        assert_eq!(out[1].verified["traffic-type-all"], "not_evaluated");
        assert!(is_failure(&out[1]));
        let still_failing: Vec<Finding> = vec![finding(
            "us-east-1",
            "vpc-a",
            FIX_RULE,
            "traffic-type-all",
            Status::Fail,
        )];
        let out = outcomes(&results[..1], Some(&still_failing), &catalog());
        assert!(
            is_failure(&out[0]),
            "applied but not passing must count as a failure"
        );
    }

    #[test]
    fn an_unverifiable_change_counts_as_failed() {
        let inv = inventory(vec![("us-east-1", vec![vpc("vpc-a", vec![])])]);
        let f: Vec<Finding> = FIXABLE_CHECKS
            .iter()
            .map(|c| finding("us-east-1", "vpc-a", FIX_RULE, c, Status::Fail))
            .collect();
        let p = plan(&inv, &f, &settings("s3://bucket-b", |_| {}));
        let results = vec![applied(&p.changes[0], Outcome::Applied, &["fl-1"])];
        let mut out = outcomes(&results, None, &catalog());
        assert!(out[0].verified.is_empty() && !is_failure(&out[0]));
        mark_unverified(&mut out, &catalog());
        assert_eq!(out[0].verified["traffic-type-all"], "not_verified");
        assert!(is_failure(&out[0]));
    }

    #[test]
    fn rescan_replaces_only_the_touched_regions() {
        let mut before = inventory(vec![
            ("us-east-1", vec![vpc("vpc-a", vec![])]),
            ("eu-west-1", vec![vpc("vpc-b", vec![])]),
        ]);
        let err = |r: &str| ScanError {
            account_id: ACCT.into(),
            region: Some(r.into()),
            service: "ec2".into(),
            operation: "DescribeFlowLogs".into(),
            code: "Throttling".into(),
            message: "slow".into(),
        };
        before.errors = vec![err("us-east-1"), err("eu-west-1")];
        let mut after = inventory(vec![(
            "us-east-1",
            vec![vpc("vpc-a", vec![]), vpc("vpc-c", vec![])],
        )]);
        after.scan.finished_at = "2026-01-01T00:09:00Z".into();
        let m = merge_rescan(&before, &after);
        assert_eq!(m.regions.len(), 2);
        assert_eq!(
            m.regions[0].vpcs.len(),
            2,
            "us-east-1 comes from the rescan"
        );
        assert_eq!(m.regions[1], before.regions[1]);
        assert_eq!(m.errors, vec![err("eu-west-1")]);
        assert_eq!(m.scan.finished_at, "2026-01-01T00:09:00Z");
    }
}

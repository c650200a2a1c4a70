//! Error results for what could not be read: resources of a region whose EC2 data is
//! incomplete, and regions whose resources could not be listed at all.

use super::Active;
use crate::findings::{Finding, ResourceRef, Status};
use crate::inventory::{InventoryHead, ScanError};
use crate::kinds::ResourceKind;
use std::sync::Arc;

/// Error results for the regions whose resources could not be listed at all, given the rules of
/// each kind (by [`ResourceKind::index`]): every check of every rule of the kind, on a `region`
/// resource whose ARN stands for all resources of the kind in the region, so that the report
/// shows what was not evaluated. For the region entry's own kind (VPCs), the regions without an
/// entry; for a kind with listings of its own (transit gateways), also the regions whose
/// listings of it failed.
pub(super) fn unlisted_regions(head: &InventoryHead, rules: &[Vec<&Active>]) -> Vec<Finding> {
    let errors = &head.errors;
    let mut out = Vec::new();
    let mut seen: Vec<(ResourceKind, &str, &str)> = Vec::new();
    for e in errors.iter().filter(|e| e.service == "ec2") {
        let Some(region) = e.region.as_deref() else {
            continue;
        };
        let listed = head.lists(&e.account_id, region);
        for kind in ResourceKind::ALL {
            let of_kind = &rules[kind.index()];
            let own = !kind.listings().is_empty();
            let unlisted = !listed || (own && kind.listings().contains(&e.operation.as_str()));
            let key = (kind, e.account_id.as_str(), region);
            if !unlisted || (own && of_kind.is_empty()) || seen.contains(&key) {
                continue;
            }
            seen.push(key);
            // Without a region entry, every failure of the region is why a kind with listings
            // of its own was not evaluated.
            let why_kind = (listed || !own).then_some(kind);
            let why = unreadable(errors, region, &e.account_id, why_kind).unwrap_or_default();
            let resource = Arc::new(region_ref(region, &e.account_id, kind));
            let message = if listed || !own {
                format!(
                    "The {} of {region} in account {} could not be listed, so they were not evaluated: {why}",
                    kind.plural(),
                    e.account_id
                )
            } else {
                format!(
                    "{region} in account {} could not be read, so its {} were not evaluated: {why}",
                    e.account_id,
                    kind.plural()
                )
            };
            push_errors(&mut out, of_kind, &resource, &message);
        }
    }
    out
}

/// A `region` resource standing for every resource of a kind (`vpc/*`) in the region.
fn region_ref(region: &str, account: &str, kind: ResourceKind) -> ResourceRef {
    ResourceRef {
        kind: "region".into(),
        id: region.to_string(),
        arn: format!("arn:aws:ec2:{region}:{account}:{}/*", kind.arn_type()),
        region: region.to_string(),
        account_id: account.to_string(),
        name: None,
        tags: Default::default(),
        network_interfaces: None,
        is_default: None,
    }
}

/// Why the EC2 data a resource of `kind` needs in a region is incomplete, if it is: a VPC whose
/// flow logs or subnets could not be listed must not be judged as having none, nor a transit
/// gateway whose flow logs or attachments could not be (see [`ResourceKind::needs_listing`]).
/// `None` for `kind` takes every failure.
pub(super) fn unreadable(
    errors: &[ScanError],
    region: &str,
    account: &str,
    kind: Option<ResourceKind>,
) -> Option<String> {
    let errs: Vec<String> = errors
        .iter()
        .filter(|e| {
            e.service == "ec2" && e.account_id == account && e.region.as_deref() == Some(region)
        })
        .filter(|e| kind.is_none_or(|k| k.needs_listing(&e.operation)))
        .map(|e| {
            format!(
                "{} failed in {region}: {}: {}",
                e.operation, e.code, e.message
            )
        })
        .collect();
    (!errs.is_empty()).then(|| errs.join("; "))
}

/// One `error` result per check of every rule, all on `resource` with the same message.
pub(super) fn push_errors(
    out: &mut Vec<Finding>,
    rules: &[&Active],
    resource: &Arc<ResourceRef>,
    message: &str,
) {
    push_all(out, rules, resource, message, Status::Error)
}

/// One result of `status` per check of every rule, all on `resource` with the same message.
pub(super) fn push_all(
    out: &mut Vec<Finding>,
    rules: &[&Active],
    resource: &Arc<ResourceRef>,
    message: &str,
    status: Status,
) {
    for a in rules {
        for c in &a.rule.checks {
            out.push(Finding {
                rule_id: a.rule.id.clone(),
                check_id: c.id.clone(),
                status,
                severity: a.rule.severity,
                resource: Arc::clone(resource),
                message: message.to_string(),
                compliance: a.compliance.clone(),
                remediation: None,
                suppression: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{EvalOptions, evaluate};
    use super::*;
    use serde_json::json;

    const TGW_RULE: &str = r#"
id = "T-TGW"
title = "t"
description = "d"
severity = "high"
resource = "transit_gateway"

[[checks]]
id = "logged"
title = "logged"
condition = "size(transit_gateway.active_logs) > 0"
pass = "ok {{transit_gateway.id}}"
fail = "no {{resource.id}}"
"#;

    #[test]
    fn a_failed_transit_gateway_listing_errs_the_transit_gateway_rules_only() {
        let mut set = rules();
        set.compile_text("tgw.toml", TGW_RULE, crate::rules::RuleSource::Builtin)
            .unwrap();
        let errs = json!([{"account_id": "111111111111", "region": "eu-west-1", "service": "ec2",
            "operation": "DescribeTransitGateways", "code": "UnauthorizedOperation", "message": "no"}]);
        let f = evaluate(
            &set,
            &inventory("available", 0, errs),
            &EvalOptions::default(),
        );
        let vpc: Vec<_> = f.iter().filter(|f| f.resource.kind == "vpc").collect();
        assert!(!vpc.is_empty());
        // The VPCs are judged (the fixture rule has checks that err by design, never with the
        // listing's failure).
        assert!(vpc.iter().any(|f| f.status == Status::Pass), "{vpc:?}");
        assert!(
            vpc.iter()
                .all(|f| !f.message.contains("DescribeTransitGateways")),
            "{vpc:?}"
        );
        let tgw: Vec<_> = f.iter().filter(|f| f.rule_id == "T-TGW").collect();
        assert_eq!(tgw.len(), 1);
        assert_eq!(tgw[0].status, Status::Error);
        assert_eq!(tgw[0].resource.kind, "region");
        assert_eq!(
            tgw[0].resource.arn,
            "arn:aws:ec2:eu-west-1:111111111111:transit-gateway/*"
        );
        assert!(
            tgw[0]
                .message
                .contains("DescribeTransitGateways failed in eu-west-1: UnauthorizedOperation"),
            "{}",
            tgw[0].message
        );
    }

    #[test]
    fn incomplete_ec2_data_gives_errors_not_verdicts() {
        let set = rules();
        let errs = json!([{"account_id": "111111111111", "region": "eu-west-1", "service": "ec2",
            "operation": "DescribeFlowLogs", "code": "Throttling", "message": "Rate exceeded"},
            {"account_id": "111111111111", "region": "us-west-2", "service": "ec2",
            "operation": "DescribeVpcs", "code": "AccessDenied", "message": "no"}]);
        let f = evaluate(
            &set,
            &inventory("available", 0, errs),
            &EvalOptions::default(),
        );
        assert_eq!(f.len(), 8);
        assert!(f.iter().all(|f| f.status == Status::Error));
        let vpc: Vec<_> = f.iter().filter(|f| f.resource.kind == "vpc").collect();
        assert_eq!(vpc.len(), 4);
        assert!(
            vpc[0]
                .message
                .contains("DescribeFlowLogs failed in eu-west-1: Throttling")
        );
        let region: Vec<_> = f.iter().filter(|f| f.resource.kind == "region").collect();
        assert_eq!(region.len(), 4);
        assert_eq!(
            region[0].resource.arn,
            "arn:aws:ec2:us-west-2:111111111111:vpc/*"
        );
        assert!(region[0].message.contains("could not be listed"));
    }
}

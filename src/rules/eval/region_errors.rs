//! Error results for what could not be read: VPCs of a region whose EC2 data is incomplete,
//! and regions whose VPCs could not be listed at all.

use super::Active;
use super::runner::Evaluator;
use crate::findings::{Finding, ResourceRef, Status};
use crate::inventory::ScanError;
use crate::rules::{TRANSIT_GATEWAY, VPC};
use std::sync::Arc;

impl Evaluator<'_> {
    /// Error results for the regions whose VPCs could not be listed at all: every check of every
    /// VPC rule, on a `region` resource whose ARN stands for all VPCs of the region, so that the
    /// report shows what was not evaluated. The same for transit gateway rules, on a `region`
    /// resource standing for the region's transit gateways, in the regions whose transit
    /// gateways could not be listed (a region entry without them, or no entry at all).
    pub fn unlisted_regions(&self) -> Vec<Finding> {
        let vpc_rules = self.vpc_rules();
        let tgw_rules = self.rules_of(TRANSIT_GATEWAY);
        let errors = &self.head.errors;
        let mut out = Vec::new();
        let mut seen: Vec<(&str, &str)> = Vec::new();
        let mut seen_tgw: Vec<(&str, &str)> = Vec::new();
        for e in errors.iter().filter(|e| e.service == "ec2") {
            let Some(region) = e.region.as_deref() else {
                continue;
            };
            let key = (e.account_id.as_str(), region);
            let listed = self.head.lists(&e.account_id, region);
            if !listed && !seen.contains(&key) {
                seen.push(key);
                let why = unreadable(errors, region, &e.account_id, VPC).unwrap_or_default();
                let resource = Arc::new(region_ref(region, &e.account_id, "vpc/*"));
                let message = format!(
                    "The VPCs of {region} in account {} could not be listed, so they were not evaluated: {why}",
                    e.account_id
                );
                push_errors(&mut out, &vpc_rules, &resource, &message);
            }
            let tgw_unlisted = !listed || TGW_LISTINGS.contains(&e.operation.as_str());
            if tgw_unlisted && !tgw_rules.is_empty() && !seen_tgw.contains(&key) {
                seen_tgw.push(key);
                // Without a region entry, every failure of the region is why.
                let kind = if listed { TRANSIT_GATEWAY } else { "" };
                let why = unreadable(errors, region, &e.account_id, kind).unwrap_or_default();
                let resource = Arc::new(region_ref(region, &e.account_id, "transit-gateway/*"));
                let message = if listed {
                    format!(
                        "The transit gateways of {region} in account {} could not be listed, so they were not evaluated: {why}",
                        e.account_id
                    )
                } else {
                    format!(
                        "{region} in account {} could not be read, so its transit gateways were not evaluated: {why}",
                        e.account_id
                    )
                };
                push_errors(&mut out, &tgw_rules, &resource, &message);
            }
        }
        out
    }
}

/// A `region` resource standing for every resource of a kind (`vpc/*`) in the region.
fn region_ref(region: &str, account: &str, what: &str) -> ResourceRef {
    ResourceRef {
        kind: "region".into(),
        id: region.to_string(),
        arn: format!("arn:aws:ec2:{region}:{account}:{what}"),
        region: region.to_string(),
        account_id: account.to_string(),
        name: None,
        tags: Default::default(),
        network_interfaces: None,
        is_default: None,
    }
}

/// The listings that only transit gateways need: their failure leaves the VPCs of the region
/// complete.
const TGW_LISTINGS: &[&str] = &[
    "DescribeTransitGateways",
    "DescribeTransitGatewayAttachments",
];

/// Why the EC2 data a resource of `kind` needs in a region is incomplete, if it is: a VPC whose
/// flow logs or subnets could not be listed must not be judged as having none, nor a transit
/// gateway whose flow logs or attachments could not be. An empty `kind` takes every failure.
pub(super) fn unreadable(
    errors: &[ScanError],
    region: &str,
    account: &str,
    kind: &str,
) -> Option<String> {
    let errs: Vec<String> = errors
        .iter()
        .filter(|e| {
            e.service == "ec2" && e.account_id == account && e.region.as_deref() == Some(region)
        })
        .filter(|e| match kind {
            "" => true,
            TRANSIT_GATEWAY => {
                TGW_LISTINGS.contains(&e.operation.as_str()) || e.operation == "DescribeFlowLogs"
            }
            _ => !TGW_LISTINGS.contains(&e.operation.as_str()),
        })
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

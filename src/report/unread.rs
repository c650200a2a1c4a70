//! The parts of a scan that could not be read, each once: an account-region (or a whole account)
//! with every error entry of it and the rules whose checks it left unevaluated, for the text and
//! Markdown reports, which say each unread part in one place.

use super::v1::Document;
use crate::inventory::ScanError;
use crate::kinds::ResourceKind;

/// One part of the scan that could not be read.
pub struct UnreadPart<'a> {
    pub account: &'a str,
    /// `None`: the whole account (its role or its region discovery failed).
    pub region: Option<&'a str>,
    /// Its error entries, in report order.
    pub errors: Vec<&'a ScanError>,
    /// The rules it blocks, each with its checks, in the report's rule order.
    pub blocked: Vec<(&'a str, Vec<&'a str>)>,
}

/// Every unread part, in the order of the report's error entries.
pub fn parts(doc: &Document) -> Vec<UnreadPart<'_>> {
    let mut out: Vec<UnreadPart<'_>> = Vec::new();
    for e in &doc.scan.errors {
        let (account, region) = (e.account_id.as_str(), e.region.as_deref());
        match out
            .iter_mut()
            .find(|p| p.account == account && p.region == region)
        {
            Some(p) => p.errors.push(e),
            None => out.push(UnreadPart {
                account,
                region,
                errors: vec![e],
                blocked: Vec::new(),
            }),
        }
    }
    for p in &mut out {
        p.blocked = doc
            .rules
            .iter()
            .filter(|r| {
                let Some(kind) = ResourceKind::parse(&r.resource) else {
                    return false;
                };
                p.region.is_none()
                    || p.errors
                        .iter()
                        .any(|e| kind.needs_listing(&e.operation) || !is_listing(&e.operation))
            })
            .map(|r| {
                (
                    r.id.as_str(),
                    r.checks.iter().map(|c| c.id.as_str()).collect(),
                )
            })
            .collect();
    }
    out
}

/// Whether `op` is one of the region's EC2 listings (a failure of another call there, such as
/// a region that is not enabled, leaves every kind unread).
fn is_listing(op: &str) -> bool {
    [
        "DescribeVpcs",
        "DescribeSubnets",
        "DescribeFlowLogs",
        "DescribeNetworkInterfaces",
    ]
    .contains(&op)
        || ResourceKind::ALL.iter().any(|k| k.listings().contains(&op))
}

/// `VPC-001 (flow-logs-enabled, traffic-type-all), TGW-001 (...)`, each name passed through
/// `show` (the target's escaping).
pub fn blocked_text(blocked: &[(&str, Vec<&str>)], show: &dyn Fn(&str) -> String) -> String {
    blocked
        .iter()
        .map(|(rule, checks)| {
            let checks: Vec<String> = checks.iter().map(|c| show(c)).collect();
            format!("{} ({})", show(rule), checks.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

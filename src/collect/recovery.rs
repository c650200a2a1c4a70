//! The recovery pass: after the main pass, the parts of a scan that failed for a reason that can
//! pass (throttling, a server error, a timeout, a broken connection) are read again, after a
//! cool-down with jitter, so that a busy organization's scan is complete rather than partial.
//! Permanent failures (access denied, a region not enabled, bad credentials) are not retried.
//!
//! A part is an account-region (a failed listing) or a whole account (a failed AssumeRole or
//! DescribeRegions). This module decides what to retry and merges what a retry read; the
//! collector runs the reads.

use crate::collect::accounts::{AccountsOptions, reach_role};
use crate::collect::clients::Clients;
use crate::inventory::error_class::ErrorClass;
use crate::inventory::{Account, RegionInventory, ScanError};
use std::collections::{BTreeMap, BTreeSet};

/// Recovery passes at most, each after its own cool-down ([`crate::pace::cooldown`]).
pub const MAX_PASSES: u32 = crate::pace::COOLDOWNS;

/// Attempts per call in a recovery read, or `--max-attempts` when that is more: a part that
/// failed once is read again with a larger budget than the main pass had.
pub const ATTEMPTS: u32 = 8;

/// The operations whose failure leaves a part of the scan unread, and that a new read of the
/// part retries: the EC2 listings, region discovery and the member role.
const RETRIED: &[&str] = &[
    "DescribeVpcs",
    "DescribeSubnets",
    "DescribeFlowLogs",
    "DescribeNetworkInterfaces",
    "DescribeTransitGateways",
    "DescribeTransitGatewayAttachments",
    "DescribeRegions",
    "AssumeRole",
];

/// Whether an error entry is worth a second read: a transient class, of a retried operation.
pub fn retryable(e: &ScanError) -> bool {
    RETRIED.contains(&e.operation.as_str()) && ErrorClass::of(&e.code).is_transient()
}

/// The parts to read again, by account: `None` for the whole account (its set-up failed), else
/// its regions.
pub fn parts(errors: &[ScanError]) -> BTreeMap<String, Option<BTreeSet<String>>> {
    let mut out: BTreeMap<String, Option<BTreeSet<String>>> = BTreeMap::new();
    for e in errors.iter().filter(|e| retryable(e)) {
        match &e.region {
            None => {
                out.insert(e.account_id.clone(), None);
            }
            Some(r) => {
                let entry = out
                    .entry(e.account_id.clone())
                    .or_insert_with(|| Some(BTreeSet::new()));
                if let Some(set) = entry {
                    set.insert(r.clone());
                }
            }
        }
    }
    out
}

/// The clients of `account` for a new read: `Ok(None)` for the caller's own; else one
/// assumed-role session through the role the scan recorded for it. A refused AssumeRole is the
/// part's new error entry; an account with no recorded role is not read again (`Err(None)`).
pub async fn member(
    clients: &Clients,
    o: Option<&AccountsOptions>,
    accounts: &[Account],
    caller: &str,
    account: &str,
    timeout_secs: u64,
) -> Result<Option<Clients>, Option<ScanError>> {
    if account == caller {
        return Ok(None);
    }
    let role = accounts
        .iter()
        .find(|a| a.id == account)
        .and_then(|a| a.role_arn.clone());
    let (Some(o), Some(role)) = (o, role) else {
        return Err(None);
    };
    reach_role(
        clients,
        o,
        account,
        &role,
        o.external_id_for(account),
        timeout_secs,
    )
    .await
    .map(Some)
    .map_err(Some)
}

/// Put what a new read of `account` (`regions`, or the whole account when `None`) gave in place
/// of what the main pass had: the part's old error entries and region entries go, the new ones
/// come in. Returns the number of parts recovered (read now without an error).
pub fn merge(
    inventory: &mut Vec<RegionInventory>,
    errors: &mut Vec<ScanError>,
    account: &str,
    regions: Option<&BTreeSet<String>>,
    read: (Vec<RegionInventory>, Vec<ScanError>),
) -> usize {
    let in_part = |acct: &str, region: Option<&String>| {
        acct == account
            && match (regions, region) {
                (None, _) => true,
                (Some(set), Some(r)) => set.contains(r),
                (Some(_), None) => false,
            }
    };
    let before: BTreeSet<Option<String>> = errors
        .iter()
        .filter(|e| in_part(&e.account_id, e.region.as_ref()) && retryable(e))
        .map(|e| e.region.clone())
        .collect();
    errors.retain(|e| !(in_part(&e.account_id, e.region.as_ref()) && retryable(e)));
    let (new_regions, new_errors) = read;
    let read_regions: BTreeSet<String> = new_regions.iter().map(|r| r.region.clone()).collect();
    inventory.retain(|r| !(r.account_id == account && read_regions.contains(&r.region)));
    inventory.extend(new_regions);
    let still: BTreeSet<Option<String>> = new_errors
        .iter()
        .filter(|e| e.account_id == account)
        .map(|e| e.region.clone())
        .collect();
    errors.extend(new_errors);
    before
        .iter()
        .filter(|part| !still.contains(part) && (part.is_none() || !still.contains(&None)))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(account: &str, region: Option<&str>, op: &str, code: &str) -> ScanError {
        ScanError {
            account_id: account.into(),
            region: region.map(str::to_string),
            service: "ec2".into(),
            operation: op.into(),
            code: code.into(),
            message: "m".into(),
        }
    }

    fn region(account: &str, name: &str) -> RegionInventory {
        RegionInventory {
            account_id: account.into(),
            region: name.into(),
            vpcs: Vec::new(),
            other_flow_logs: Vec::new(),
            transit_gateways: Vec::new(),
        }
    }

    #[test]
    fn only_transient_failures_of_reads_are_retried() {
        assert!(retryable(&err(
            "a",
            Some("r"),
            "DescribeVpcs",
            "RequestLimitExceeded"
        )));
        assert!(retryable(&err("a", None, "AssumeRole", "Throttling")));
        assert!(retryable(&err(
            "a",
            Some("r"),
            "DescribeFlowLogs",
            "Timeout"
        )));
        assert!(retryable(&err(
            "a",
            Some("r"),
            "DescribeSubnets",
            "InternalError"
        )));
        assert!(!retryable(&err(
            "a",
            Some("r"),
            "DescribeVpcs",
            "UnauthorizedOperation"
        )));
        assert!(!retryable(&err("a", None, "AssumeRole", "AccessDenied")));
        assert!(!retryable(&err(
            "a",
            Some("r"),
            "DescribeRegions",
            "RegionNotEnabled"
        )));
        assert!(!retryable(&err("a", None, "ListAccounts", "Throttling")));
    }

    #[test]
    fn parts_group_regions_and_a_failed_set_up_takes_the_whole_account() {
        let p = parts(&[
            err("a", Some("r1"), "DescribeVpcs", "Throttling"),
            err("a", Some("r1"), "DescribeSubnets", "Throttling"),
            err("a", Some("r2"), "DescribeVpcs", "Throttling"),
            err("b", Some("r1"), "DescribeVpcs", "Throttling"),
            err("b", None, "AssumeRole", "Throttling"),
            err("c", Some("r1"), "DescribeVpcs", "AccessDenied"),
        ]);
        assert_eq!(
            p["a"],
            Some(BTreeSet::from(["r1".to_string(), "r2".to_string()]))
        );
        assert_eq!(p["b"], None);
        assert!(!p.contains_key("c"));
    }

    #[test]
    fn a_merge_replaces_the_part_and_counts_what_was_recovered() {
        let mut inv = vec![region("a", "r0"), region("b", "r1")];
        let mut errors = vec![
            err("a", Some("r1"), "DescribeVpcs", "Throttling"),
            err("a", Some("r2"), "DescribeVpcs", "Throttling"),
            err("a", Some("r3"), "DescribeVpcs", "AccessDenied"),
        ];
        let regions = BTreeSet::from(["r1".to_string(), "r2".to_string()]);
        let n = merge(
            &mut inv,
            &mut errors,
            "a",
            Some(&regions),
            (
                vec![region("a", "r1")],
                vec![err("a", Some("r2"), "DescribeVpcs", "Throttling")],
            ),
        );
        assert_eq!(n, 1, "r1 recovered, r2 still fails");
        assert_eq!(inv.len(), 3);
        assert_eq!(
            errors.len(),
            2,
            "r3's permanent error stays, r2's new one is in"
        );
    }
}

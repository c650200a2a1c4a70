//! Destination planning: whether a flow log already delivers to the destination, and the log
//! group the new flow logs deliver to (created unless it exists, encrypted when a rule needs it).

use super::encryption::push_association;
use super::model::{Action, Change, RegionPlan};
use crate::fix::settings::{FixDestination, FixSettings};
use crate::inventory::{DestinationType, Encryption, Existence, FlowLog, Inventory};
use crate::term::escape;
use std::collections::BTreeSet;

/// True when `fl` already delivers ALL traffic to `dest` in `region`.
pub(super) fn same_destination(fl: &FlowLog, dest: &FixDestination, region: &str) -> bool {
    match dest {
        FixDestination::CloudWatch { log_group } => {
            fl.destination_type == DestinationType::CloudWatchLogs
                && fl.log_group_name.as_deref() == Some(log_group)
        }
        FixDestination::S3 { .. } => {
            let want = dest.s3_arn(region).unwrap_or_default();
            fl.destination_type == DestinationType::S3
                && fl
                    .destination_arn
                    .as_deref()
                    .is_some_and(|a| a.trim_end_matches('/') == want.trim_end_matches('/'))
        }
    }
}

/// The log group the new flow logs deliver to: create it unless the inventory shows it exists.
pub(super) fn plan_destination_group(
    inv: &Inventory,
    (region, account): (&str, &str),
    group: &str,
    rules: &BTreeSet<String>,
    s: &FixSettings,
    acc: &mut RegionPlan,
) {
    let known = inv
        .regions
        .iter()
        .filter(|r| r.account_id == account)
        .flat_map(crate::kinds::each_flow_log)
        .find(|f| {
            f.destination_type == DestinationType::CloudWatchLogs
                && f.log_group_name.as_deref() == Some(group)
                && f.destination.region.as_deref().unwrap_or(region) == region
                && f.destination.exists == Existence::Yes
        });
    match known {
        None => {
            let kms_key = match s.kms_key_for(region) {
                Ok(Some(k)) => Some(k.to_string()),
                Ok(None) => {
                    if let Some((rule, check)) = needs_encryption(s, rules) {
                        acc.problems.push(format!(
                            "{region}: the new log group {} would not be encrypted, so the flow logs delivering to it would fail {rule}/{check}; add --fix-kms-key with a key of {region}",
                            escape(group)
                        ));
                    }
                    None
                }
                Err(m) => {
                    acc.problems.push(m);
                    None
                }
            };
            acc.changes.push(Change {
                account_id: account.into(),
                region: region.into(),
                resource_id: None,
                resource_name: None,
                action: Action::CreateLogGroup {
                    name: group.into(),
                    kms_key,
                    retention_days: s.retention_days,
                },
                targets: Vec::new(),
                note: None,
            })
        }
        Some(f) if f.destination.encryption == Encryption::None => {
            push_association(region, account, group, s.unsafe_fixes, s, acc)
        }
        Some(_) => {}
    }
}

/// The first check of `rules` (those whose failures the new flow logs fix) that needs what a
/// fix creates to be encrypted (`creates.encrypted`).
fn needs_encryption<'s>(
    s: &'s FixSettings,
    rules: &BTreeSet<String>,
) -> Option<(&'s str, &'s str)> {
    s.checks
        .limits()
        .find(|(r, _, l)| l.encrypted && rules.contains(*r))
        .map(|(r, c, _)| (r, c))
}

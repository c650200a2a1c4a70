//! Planning: which changes would make the failing flow-log results pass. Pure: no AWS here.
//!
//! The plan's types are in `model`; which failures of a resource call for what, in `select`;
//! the destination's log group in `destination`; key associations in `encryption`. What a fix
//! creates for each kind of resource (its [`FixTarget`]) comes from `crate::kinds`.

mod destination;
mod encryption;
pub mod model;
mod select;
#[cfg(test)]
pub(crate) mod tests;

pub use model::{Action, CHANGE_TAG, Change, ManualFix, Plan, Skipped, TRAFFIC_TYPE};

use self::destination::{plan_destination_group, same_destination};
use self::encryption::plan_encryption;
use self::model::{RegionPlan, account_header};
use self::select::{Wanted, failing_targets};
use super::settings::FixSettings;
use crate::findings::Finding;
use crate::inventory::Inventory;
use crate::kinds::{FixTarget, ResourceKind};
use crate::term::escape;
use std::collections::BTreeSet;

/// Build the plan from a scan's inventory and results.
///
/// Only `fail` results are acted on (suppressed results have their own status and are never
/// fixed); `--fix-rule` and `--fix-resource` narrow the selection; shared VPCs are listed as
/// skipped. Existing flow logs are never changed: a new ALL log is added next to them.
pub fn plan(inv: &Inventory, findings: &[Finding], s: &FixSettings) -> Plan {
    let dest = &s.destination;
    let mut out = Plan {
        accounts: inv
            .accounts
            .iter()
            .filter(|a| a.scanned)
            .map(|a| (a.id.clone(), account_header(a)))
            .collect(),
        ..Plan::default()
    };
    for region in &inv.regions {
        let account = region.account_id.as_str();
        let rname = region.region.as_str();
        let mut group_changes: Vec<Change> = Vec::new();
        let mut flow_changes: Vec<Change> = Vec::new();
        let mut region_rules: BTreeSet<String> = BTreeSet::new();
        let mut sinks = Sinks {
            skipped: &mut out.skipped,
            manual: &mut out.manual,
            flow_changes: &mut flow_changes,
            acc: RegionPlan {
                changes: &mut group_changes,
                notes: &mut out.notes,
                problems: &mut out.problems,
            },
        };
        for kind in ResourceKind::ALL {
            for resource in kind.listed(region).iter() {
                let id = resource.id();
                let wanted = failing_targets(findings, account, rname, id, s);
                region_rules.extend(wanted.flow_rules.iter().cloned());
                if wanted.is_empty() || !s.resource_selected(id) {
                    continue;
                }
                let target = resource.fix_target(s);
                plan_target(&target, (account, rname), wanted, s, &mut sinks);
            }
        }
        if let (Some(group), false) = (dest.log_group(), flow_changes.is_empty()) {
            let mut acc = RegionPlan {
                changes: &mut group_changes,
                notes: &mut out.notes,
                problems: &mut out.problems,
            };
            plan_destination_group(inv, (rname, account), group, &region_rules, s, &mut acc);
        }
        out.changes.extend(group_changes);
        out.changes.extend(flow_changes);
    }
    let mut seen = std::collections::BTreeSet::new();
    out.notes.retain(|n| seen.insert(n.clone()));
    let mut seen = std::collections::BTreeSet::new();
    out.problems.retain(|n| seen.insert(n.clone()));
    out
}

/// Where the plan of one resource goes.
struct Sinks<'a> {
    skipped: &'a mut Vec<Skipped>,
    manual: &'a mut Vec<ManualFix>,
    flow_changes: &'a mut Vec<Change>,
    acc: RegionPlan<'a>,
}

/// The changes for the failing results of one selected resource (with something to plan): a new
/// flow log (never a second one of its kind to the same destination), key associations, manual
/// fixes; a shared resource is skipped.
fn plan_target(
    t: &FixTarget,
    (account, rname): (&str, &str),
    Wanted {
        flow, enc, manual, ..
    }: Wanted,
    s: &FixSettings,
    out: &mut Sinks,
) {
    if t.shared {
        out.skipped.push(Skipped {
            account_id: account.into(),
            region: rname.into(),
            resource_id: t.id.into(),
            reason: format!(
                "shared {noun} owned by account {}: --fix never touches shared {noun}s; fix it in the owner account",
                escape(t.owner_id),
                noun = t.noun,
            ),
        });
        return;
    }
    for (f, why) in manual {
        out.manual.push(ManualFix {
            account_id: account.into(),
            region: rname.into(),
            resource_id: t.id.into(),
            rule_id: f.rule_id.clone(),
            check_id: f.check_id.clone(),
            why,
            snippet: f.remediation.as_ref().and_then(|r| r.cli.clone()),
        });
    }
    let dest = &s.destination;
    let dest_text = dest.canonical();
    if !flow.is_empty() {
        let duplicate = t.flow_logs.iter().find(|f| {
            (t.traffic_type.is_empty() || f.traffic_type == t.traffic_type)
                && same_destination(f, dest, rname)
        });
        if let Some(existing) = duplicate {
            out.skipped.push(Skipped {
                account_id: account.into(),
                region: rname.into(),
                resource_id: t.id.into(),
                reason: format!(
                    "already has the {} {} to {}; not creating a duplicate (check why it fails: {})",
                    t.log,
                    escape(&existing.id),
                    escape(&dest_text),
                    flow.join(", ")
                ),
            });
        } else {
            out.flow_changes.push(Change {
                account_id: account.into(),
                region: rname.into(),
                resource_id: Some(t.id.into()),
                resource_name: t.name.clone(),
                action: Action::CreateFlowLog {
                    destination: dest_text.clone(),
                    traffic_type: t.traffic_type.into(),
                    resource_type: t.resource_type.map(Into::into),
                },
                targets: flow.clone(),
                note: t.note.clone(),
            });
        }
    }
    for (rule_id, check_id, allowed) in &enc {
        plan_encryption(
            (t.id, t.encryptable.iter().copied()),
            rname,
            account,
            (rule_id, check_id),
            *allowed,
            s,
            &mut out.acc,
        );
    }
}

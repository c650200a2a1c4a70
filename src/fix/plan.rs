//! Planning: which changes would make the failing flow-log results pass. Pure: no AWS here.

use super::settings::{FixDestination, FixSettings};
use crate::findings::{Applicability, Finding, FixAction, Status};
use crate::inventory::{DestinationType, Encryption, Existence, FlowLog, Inventory};
use crate::kinds::{FixTarget, ResourceKind};
use crate::term::escape;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The traffic type of every VPC flow log the fix creates.
pub const TRAFFIC_TYPE: &str = "ALL";
/// The resource type (CreateFlowLogs `ResourceType`) of a flow log the fix creates on a transit
/// gateway; such a log has no traffic type and AWS's fixed 60-second aggregation interval.
pub const TRANSIT_GATEWAY: &str = "TransitGateway";
/// The tag every resource a fix creates carries, set at creation: its value is the random change
/// id drawn when the change is made and recorded in the change log, and `fix --undo` deletes a
/// resource only when the tag it reads back matches the record.
pub const CHANGE_TAG: &str = "flowaudit:change";

/// One change to make in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub account_id: String,
    pub region: String,
    /// The resource the change is for: a VPC, or for a flow log of resource type
    /// [`TRANSIT_GATEWAY`] the transit gateway; `None` for region-level changes (a log group).
    pub vpc_id: Option<String>,
    /// The resource's `Name` tag, for display.
    #[serde(default)]
    pub vpc_name: Option<String>,
    pub action: Action,
    /// The failing checks this change targets (ids of checks whose fix is this action).
    pub targets: Vec<String>,
    /// What else the plan says about this change (existing logs kept, ...).
    #[serde(default)]
    pub note: Option<String>,
}

/// The kind of change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Create a CloudWatch log group unless it exists (then nothing is changed).
    CreateLogGroup {
        name: String,
        kms_key: Option<String>,
        retention_days: i32,
    },
    /// Associate a KMS key with an existing, unencrypted log group (`--unsafe-fixes`).
    AssociateKmsKey { log_group: String, kms_key: String },
    /// Create one VPC flow log with traffic type ALL, or one transit gateway flow log.
    CreateFlowLog {
        /// Canonical destination text (`s3://...` or `cloudwatch:...`).
        destination: String,
        /// `ALL`; empty for a transit gateway flow log, which has none.
        traffic_type: String,
        /// [`TRANSIT_GATEWAY`] for a flow log on a transit gateway; absent for a VPC.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resource_type: Option<String>,
    },
}

impl Action {
    /// The short action name used in reports and the change log.
    pub fn name(&self) -> &'static str {
        match self {
            Action::CreateLogGroup { .. } => "create-log-group",
            Action::AssociateKmsKey { .. } => "associate-kms-key",
            Action::CreateFlowLog { .. } => "create-flow-log",
        }
    }
}

impl Action {
    /// True for the actions that create a resource (which then carries the [`CHANGE_TAG`] tag).
    pub fn creates(&self) -> bool {
        !matches!(self, Action::AssociateKmsKey { .. })
    }
}

impl Change {
    /// A one-line description (AWS-provided text is escaped).
    pub fn describe(&self) -> String {
        let what = match &self.action {
            Action::CreateLogGroup {
                name,
                kms_key,
                retention_days,
            } => format!(
                "create log group {} ({}, retention {retention_days} days) unless it exists",
                escape(name),
                match kms_key {
                    Some(k) => format!("KMS key {}", escape(k)),
                    None => "no KMS key: pass --fix-kms-key to encrypt it".into(),
                }
            ),
            Action::AssociateKmsKey { log_group, kms_key } => format!(
                "associate KMS key {} with the unencrypted log group {} (unsafe fix)",
                escape(kms_key),
                escape(log_group)
            ),
            Action::CreateFlowLog {
                destination,
                resource_type: Some(_),
                ..
            } => format!("create transit gateway flow log -> {}", escape(destination)),
            Action::CreateFlowLog {
                destination,
                traffic_type,
                ..
            } => format!(
                "create flow log, traffic {traffic_type} -> {}",
                escape(destination)
            ),
        };
        let mut line = match &self.vpc_id {
            Some(v) => match &self.vpc_name {
                Some(n) => format!("{} ({}): {what}", escape(v), escape(n)),
                None => format!("{}: {what}", escape(v)),
            },
            None => what,
        };
        if !self.targets.is_empty() {
            line.push_str(&format!(" [failing: {}]", escape(&self.targets.join(", "))));
        }
        if let Some(n) = &self.note {
            line.push_str("; ");
            line.push_str(n);
        }
        line
    }
}

/// A VPC with a failing result that the fix will not touch, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    pub reason: String,
}

/// A failing result whose fix is manual (or unsafe without `--unsafe-fixes`): the plan shows
/// its remediation snippet instead of a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManualFix {
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    pub rule_id: String,
    pub check_id: String,
    /// Why it is not applied (`manual fix`, or what flag would apply it).
    pub why: String,
    /// The CLI remediation snippet filled in for the resource, when the rule has one.
    #[serde(default)]
    pub snippet: Option<String>,
}

/// The whole plan: changes in the order they are applied, plus what is left alone.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub skipped: Vec<Skipped>,
    /// Failing results the plan leaves to their remediation snippets.
    #[serde(default)]
    pub manual: Vec<ManualFix>,
    /// Advice that is not a change (e.g. bucket encryption, which is never changed automatically).
    pub notes: Vec<String>,
    /// Reasons the plan cannot be applied as asked (e.g. no KMS key for a region); nothing is
    /// applied while this is non-empty.
    #[serde(default)]
    pub problems: Vec<String>,
    /// In a scan of several accounts: account id -> how the plan names the account (id, name and
    /// the role that reaches it, escaped). The lines are then grouped by account. Empty for a
    /// scan of the caller's account alone.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<String, String>,
}

impl Plan {
    /// True when there is nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The plan as text lines, one per change, skip and note. In a scan of several accounts the
    /// changes, skips and manual fixes are grouped under one header line per account.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.accounts.is_empty() {
            out.extend(self.account_lines(None));
        } else {
            let ids: BTreeSet<&str> = self
                .changes
                .iter()
                .map(|c| c.account_id.as_str())
                .chain(self.skipped.iter().map(|s| s.account_id.as_str()))
                .chain(self.manual.iter().map(|m| m.account_id.as_str()))
                .collect();
            for id in ids {
                let n = self.changes.iter().filter(|c| c.account_id == id).count();
                out.push(format!(
                    "  {}: {n} change{}",
                    self.accounts
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| format!("account {}", escape(id))),
                    if n == 1 { "" } else { "s" }
                ));
                out.extend(
                    self.account_lines(Some(id))
                        .into_iter()
                        .map(|l| format!("  {l}")),
                );
            }
        }
        for n in &self.notes {
            out.push(format!("  note: {n}"));
        }
        for p in &self.problems {
            out.push(format!("  problem: {p}"));
        }
        out
    }

    /// The lines of the changes, skips and manual fixes of `account` (all of them for `None`).
    fn account_lines(&self, account: Option<&str>) -> Vec<String> {
        let mine = |a: &str| account.is_none_or(|x| x == a);
        let mut out = Vec::new();
        for (i, c) in self
            .changes
            .iter()
            .enumerate()
            .filter(|(_, c)| mine(&c.account_id))
        {
            out.push(format!(
                "  {:>3}. {} {}: {}",
                i + 1,
                escape(&c.account_id),
                escape(&c.region),
                c.describe()
            ));
        }
        for s in self.skipped.iter().filter(|s| mine(&s.account_id)) {
            out.push(format!(
                "  skip {} {} {}: {}",
                escape(&s.account_id),
                escape(&s.region),
                escape(&s.vpc_id),
                s.reason
            ));
        }
        for m in self.manual.iter().filter(|m| mine(&m.account_id)) {
            out.push(format!(
                "  manual {} {} {} {}/{}: {}{}",
                escape(&m.account_id),
                escape(&m.region),
                escape(&m.vpc_id),
                escape(&m.rule_id),
                escape(&m.check_id),
                m.why,
                if m.snippet.is_some() {
                    "; its remediation snippet:"
                } else {
                    "; see the rule's remediation in the report"
                }
            ));
            // The snippet was escaped for the shell when it was rendered; each line is escaped
            // again for the terminal.
            for l in m.snippet.iter().flat_map(|s| s.trim().lines()) {
                out.push(format!("        {}", escape(l)));
            }
        }
        out
    }
}

/// True when `fl` already delivers ALL traffic to `dest` in `region`.
fn same_destination(fl: &FlowLog, dest: &FixDestination, region: &str) -> bool {
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

/// What the selected failing results of one VPC call for, by the fix their checks declare.
#[derive(Default)]
struct Wanted<'f> {
    /// Checks a new ALL flow log fixes.
    flow: Vec<String>,
    /// The rules of those checks.
    flow_rules: BTreeSet<String>,
    /// (rule, check) of failing checks whose fix associates KMS keys, and whether it may run.
    enc: Vec<(String, String, bool)>,
    /// Failures left to their snippets, with why.
    manual: Vec<(&'f Finding, String)>,
}

impl Wanted<'_> {
    /// Nothing of the resource's failures is for `--fix` to plan.
    fn is_empty(&self) -> bool {
        self.flow.is_empty() && self.enc.is_empty() && self.manual.is_empty()
    }
}

/// Why a fix of this applicability is not applied with these settings; `None` when it is.
fn held_back(fix: Applicability, s: &FixSettings) -> Option<String> {
    match fix {
        Applicability::Safe => None,
        Applicability::Unsafe if s.unsafe_fixes => None,
        Applicability::Unsafe => Some("unsafe fix, applied only with --unsafe-fixes".to_string()),
        Applicability::Manual => Some("manual fix".to_string()),
    }
}

/// Failing results of the resource `id` (a VPC or a transit gateway) in `region` that the
/// settings select, sorted by the fix their checks declare in the rule files.
fn failing_targets<'f>(
    findings: &'f [Finding],
    account_id: &str,
    region: &str,
    id: &str,
    s: &FixSettings,
) -> Wanted<'f> {
    let mut w = Wanted::default();
    for f in findings {
        if f.status != Status::Fail
            || f.resource.id != id
            || f.resource.region != region
            || f.resource.account_id != account_id
            || !s.rule_selected(&f.rule_id, &f.check_id)
        {
            continue;
        }
        let Some(fix) = s.checks.get(&f.rule_id, &f.check_id) else {
            continue;
        };
        let held = held_back(fix.applicability, s);
        match (fix.action, held) {
            (Some(FixAction::CreateFlowLog), None) => {
                if !w.flow.contains(&f.check_id) {
                    w.flow.push(f.check_id.clone());
                }
                w.flow_rules.insert(f.rule_id.clone());
            }
            (Some(FixAction::AssociateKmsKey), held) => {
                w.enc
                    .push((f.rule_id.clone(), f.check_id.clone(), held.is_none()))
            }
            (_, Some(why)) => w.manual.push((f, why)),
            (None, None) => w.manual.push((f, "manual fix".to_string())),
        }
    }
    w.flow.sort();
    w
}

/// How the plan names an account of a scan of several accounts: its id, name and the role that
/// reaches it.
fn account_header(a: &crate::inventory::Account) -> String {
    format!(
        "account {}{}, {}",
        escape(&a.id),
        a.name
            .as_deref()
            .map(|n| format!(" ({})", escape(n)))
            .unwrap_or_default(),
        match &a.role_arn {
            Some(r) => format!("through {}", escape(r)),
            None => "with the caller's credentials".into(),
        }
    )
}

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
            vpc_id: t.id.into(),
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
            vpc_id: t.id.into(),
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
                vpc_id: t.id.into(),
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
                vpc_id: Some(t.id.into()),
                vpc_name: t.name.clone(),
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

/// Where the helpers below put region-level changes, notes and problems.
struct RegionPlan<'a> {
    changes: &'a mut Vec<Change>,
    notes: &'a mut Vec<String>,
    problems: &'a mut Vec<String>,
}

/// The log group the new flow logs deliver to: create it unless the inventory shows it exists.
fn plan_destination_group(
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
        .flat_map(|r| {
            r.vpcs
                .iter()
                .flat_map(|v| {
                    v.flow_logs
                        .iter()
                        .chain(v.subnets.iter().flat_map(|s| &s.flow_logs))
                })
                .chain(r.other_flow_logs.iter())
                .chain(
                    r.transit_gateways
                        .iter()
                        .flat_map(|t| t.flow_logs.iter().chain(t.attachment_flow_logs.iter())),
                )
        })
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
                vpc_id: None,
                vpc_name: None,
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

/// An unencrypted CloudWatch group: associate a key with `--unsafe-fixes`, else say how.
fn push_association(
    region: &str,
    account: &str,
    group: &str,
    allowed: bool,
    s: &FixSettings,
    acc: &mut RegionPlan,
) {
    if !allowed {
        acc.notes.push(format!(
            "{region}: log group {} is not encrypted; associating a KMS key changes an existing resource, so it is an unsafe fix: add --unsafe-fixes --fix-kms-key KEY_ARN to include it",
            escape(group)
        ));
        return;
    }
    let key = match s.kms_key_for(region) {
        Ok(Some(k)) => k.to_string(),
        Ok(None) => return, // --unsafe-fixes always comes with a key (checked in settings)
        Err(m) => {
            acc.problems.push(m);
            return;
        }
    };
    let exists = acc.changes.iter().any(|c| {
        c.region == region
            && matches!(&c.action, Action::AssociateKmsKey { log_group, .. } if log_group == group)
    });
    if !exists {
        acc.changes.push(Change {
            account_id: account.into(),
            region: region.into(),
            vpc_id: None,
            vpc_name: None,
            action: Action::AssociateKmsKey {
                log_group: group.into(),
                kms_key: key,
            },
            targets: Vec::new(),
            note: None,
        });
    }
}

/// A failing encryption check on a resource (its id and flow logs): plan key associations for
/// its unencrypted log groups (unsafe), and point to the remediation snippet for buckets (never
/// changed automatically).
fn plan_encryption<'l>(
    (resource_id, logs): (&str, impl Iterator<Item = &'l FlowLog>),
    region: &str,
    account: &str,
    (rule_id, check_id): (&str, &str),
    allowed: bool,
    s: &FixSettings,
    acc: &mut RegionPlan,
) {
    for fl in logs {
        if fl.destination.encryption != Encryption::None || fl.destination.exists != Existence::Yes
        {
            continue;
        }
        let dest_region = fl.destination.region.as_deref().unwrap_or(region);
        match fl.destination_type {
            DestinationType::CloudWatchLogs => {
                if let Some(group) = fl
                    .log_group_name
                    .as_deref()
                    .or(fl.destination.name.as_deref())
                {
                    push_association(dest_region, account, group, allowed, s, acc);
                }
            }
            DestinationType::S3 => acc.notes.push(left_to_snippet(
                ("bucket", "has no default encryption", "bucket encryption"),
                fl,
                resource_id,
                (rule_id, check_id),
            )),
            DestinationType::KinesisDataFirehose => acc.notes.push(left_to_snippet(
                (
                    "delivery stream",
                    "has no server-side encryption",
                    "a delivery stream",
                ),
                fl,
                resource_id,
                (rule_id, check_id),
            )),
        }
    }
}

/// The note for an unencrypted destination that `--fix` does not change: what it is (`kind`),
/// what it lacks, and what `--fix` never changes, then where its remediation snippet is.
fn left_to_snippet(
    (kind, lacks, never): (&str, &str, &str),
    fl: &FlowLog,
    resource_id: &str,
    (rule_id, check_id): (&str, &str),
) -> String {
    let name = fl.destination.name.as_deref().unwrap_or("(unknown)");
    format!(
        "{kind} {} (flow log {} of {}) {lacks}; --fix never changes {never}: apply the remediation snippet of {rule_id}/{check_id} for {} in the report",
        escape(name),
        escape(&fl.id),
        escape(resource_id),
        escape(resource_id)
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::findings::{ResourceRef, Severity};
    use crate::inventory::{Destination, RegionInventory, ScanMeta, TransitGateway, Vpc};
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
            .map(|c| (c.region.clone(), c.vpc_id.clone().unwrap()))
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
            lines[0]
                .contains("vpc-a (name-vpc-a): create flow log, traffic ALL -> s3://flow-bucket"),
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
        assert_eq!(c.vpc_id.as_deref(), Some("tgw-1"));
        assert_eq!(c.targets, vec!["flow-logs-enabled"]);
        assert_eq!(
            c.action,
            Action::CreateFlowLog {
                destination: "s3://flow-bucket".into(),
                traffic_type: String::new(),
                resource_type: Some(TRANSIT_GATEWAY.into()),
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
        assert_eq!(p.skipped[0].vpc_id, "tgw-2");
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
}

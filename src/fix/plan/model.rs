//! The plan's types: the changes to make, what is skipped or left to a manual fix, and how the
//! plan is shown.

use crate::term::escape;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The traffic type of every VPC flow log the fix creates.
pub const TRAFFIC_TYPE: &str = "ALL";
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
    /// a transit gateway (`TransitGateway`, [`crate::kinds::ResourceKind::flow_log_resource_type`]); `None` for region-level changes (a log group).
    /// Named `vpc_id` in JSON.
    #[serde(rename = "vpc_id")]
    pub resource_id: Option<String>,
    /// The resource's `Name` tag, for display. Named `vpc_name` in JSON.
    #[serde(default, rename = "vpc_name")]
    pub resource_name: Option<String>,
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
        /// The CreateFlowLogs resource type of a kind other than a VPC
        /// ([`crate::kinds::ResourceKind::flow_log_resource_type`]); absent for a VPC.
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
        let mut line = match &self.resource_id {
            Some(v) => match &self.resource_name {
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

/// A resource (VPC or transit gateway) with a failing result that the fix will not touch, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub account_id: String,
    pub region: String,
    /// The resource (a VPC or a transit gateway). Named `vpc_id` in JSON.
    #[serde(rename = "vpc_id")]
    pub resource_id: String,
    pub reason: String,
}

/// A failing result whose fix is manual (or unsafe without `--unsafe-fixes`): the plan shows
/// its remediation snippet instead of a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManualFix {
    pub account_id: String,
    pub region: String,
    /// The resource (a VPC or a transit gateway). Named `vpc_id` in JSON.
    #[serde(rename = "vpc_id")]
    pub resource_id: String,
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
                escape(&s.resource_id),
                s.reason
            ));
        }
        for m in self.manual.iter().filter(|m| mine(&m.account_id)) {
            out.push(format!(
                "  manual {} {} {} {}/{}: {}{}",
                escape(&m.account_id),
                escape(&m.region),
                escape(&m.resource_id),
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

/// How the plan names an account of a scan of several accounts: its id, name and the role that
/// reaches it.
pub(super) fn account_header(a: &crate::inventory::Account) -> String {
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

/// Where the planning of a region puts its region-level changes, notes and problems.
pub(super) struct RegionPlan<'a> {
    pub(super) changes: &'a mut Vec<Change>,
    pub(super) notes: &'a mut Vec<String>,
    pub(super) problems: &'a mut Vec<String>,
}

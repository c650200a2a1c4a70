//! What rule evaluation produces: one [`Finding`] per (rule, check, resource).
//!
//! These types are also the `results[]` entries of the JSON report `flowaudit/report/v1`
//! (`docs/report-v1.md`), so their serialized shape is frozen: changes are additive only.

pub mod identity;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The verdict of one check on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    Skipped,
    Error,
    Suppressed,
}

/// A set of statuses, as small as a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusSet(u8);

impl StatusSet {
    /// Every status.
    pub const ALL: StatusSet = StatusSet(0b1_1111);

    /// True when the set holds `s`.
    pub fn contains(self, s: Status) -> bool {
        self.0 & Self::bit(s) != 0
    }

    /// Add `s`.
    pub fn insert(&mut self, s: Status) {
        self.0 |= Self::bit(s);
    }

    fn bit(s: Status) -> u8 {
        1 << (s as u8)
    }
}

impl FromIterator<Status> for StatusSet {
    fn from_iter<I: IntoIterator<Item = Status>>(iter: I) -> Self {
        let mut set = StatusSet::default();
        for s in iter {
            set.insert(s);
        }
        set
    }
}

impl Status {
    /// Every status, in report order.
    pub const ALL: [Status; 5] = [
        Status::Fail,
        Status::Error,
        Status::Suppressed,
        Status::Skipped,
        Status::Pass,
    ];
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skipped => "skipped",
            Status::Error => "error",
            Status::Suppressed => "suppressed",
        }
    }
}

/// How much a failing check matters; ordered from least to most severe.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// The cloud resource a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRef {
    /// Resource kind: `vpc`, later `subnet`, `flow_log`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub arn: String,
    pub region: String,
    pub account_id: String,
    /// The `Name` tag.
    pub name: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// For a VPC: how many network interfaces it has, when the inventory counted them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interfaces: Option<u64>,
    /// For a VPC: whether it is its region's default VPC (DescribeVpcs `IsDefault`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
}

/// Remediation snippets rendered for one resource.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Remediation {
    pub terraform: Option<String>,
    pub cloudformation: Option<String>,
    pub cli: Option<String>,
}

/// Why a result is suppressed, copied from the suppressions file entry that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionInfo {
    pub reason: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
    /// The status the result had before suppression (`fail`, `pass`, ...).
    pub original_status: Status,
}

/// One result of one check of one rule on one resource. It serializes through [`ResultWire`],
/// the one list of a result's fields on the wire.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub check_id: String,
    pub status: Status,
    pub severity: Severity,
    /// Shared by every result on the same resource, so a scan of many resources holds one copy
    /// per resource; serializes as the plain object.
    #[serde(deserialize_with = "shared_resource")]
    pub resource: Arc<ResourceRef>,
    pub message: String,
    /// Framework name to control ids, from the rule.
    pub compliance: Compliance,
    /// Rendered for `fail` (and suppressed fail) results; `None` otherwise.
    pub remediation: Option<Remediation>,
    pub suppression: Option<SuppressionInfo>,
}

/// Compliance mappings (framework name to control ids), shared by every result of a rule so
/// that a scan of many resources does not copy them per result. Serializes as a plain map;
/// reads like one through `Deref`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Compliance(pub Arc<BTreeMap<String, Vec<String>>>);

impl std::ops::Deref for Compliance {
    type Target = BTreeMap<String, Vec<String>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Compliance {
    type Item = (&'a String, &'a Vec<String>);
    type IntoIter = std::collections::btree_map::Iter<'a, String, Vec<String>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<BTreeMap<String, Vec<String>>> for Compliance {
    fn from(m: BTreeMap<String, Vec<String>>) -> Self {
        Compliance(Arc::new(m))
    }
}

impl From<Compliance> for BTreeMap<String, Vec<String>> {
    fn from(c: Compliance) -> Self {
        Arc::unwrap_or_clone(c.0)
    }
}

impl Serialize for Compliance {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.as_ref().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Compliance {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        BTreeMap::deserialize(d).map(Compliance::from)
    }
}

/// Serde for `Arc<ResourceRef>` as the plain object (serde's `rc` feature is not enabled).
/// Read a resource into the `Arc` results share.
fn shared_resource<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Arc<ResourceRef>, D::Error> {
    ResourceRef::deserialize(d).map(Arc::new)
}

/// A result as the report writes it: its fields, in report order, written once here. `resource`
/// and `compliance` are given by the writer: the values themselves, or (for the streamed JSON
/// report, which renders each shared resource and rule's compliance once) those already
/// rendered.
#[derive(Serialize)]
pub struct ResultWire<'f, R: Serialize + ?Sized, C: Serialize + ?Sized> {
    pub rule_id: &'f str,
    pub check_id: &'f str,
    pub status: Status,
    pub severity: Severity,
    pub resource: &'f R,
    pub message: &'f str,
    pub compliance: &'f C,
    pub remediation: &'f Option<Remediation>,
    pub suppression: &'f Option<SuppressionInfo>,
}

impl Finding {
    /// The result's wire form, with its resource and compliance written as `resource` and
    /// `compliance`.
    pub fn wire<'f, R: Serialize + ?Sized, C: Serialize + ?Sized>(
        &'f self,
        resource: &'f R,
        compliance: &'f C,
    ) -> ResultWire<'f, R, C> {
        ResultWire {
            rule_id: &self.rule_id,
            check_id: &self.check_id,
            status: self.status,
            severity: self.severity,
            resource,
            message: &self.message,
            compliance,
            remediation: &self.remediation,
            suppression: &self.suppression,
        }
    }
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.wire(self.resource.as_ref(), &self.compliance)
            .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_set_holds_exactly_what_was_put_in() {
        let set: StatusSet = [Status::Fail, Status::Suppressed].into_iter().collect();
        for s in Status::ALL {
            assert_eq!(
                set.contains(s),
                matches!(s, Status::Fail | Status::Suppressed),
                "{s:?}"
            );
            assert!(StatusSet::ALL.contains(s));
            assert!(!StatusSet::default().contains(s));
        }
    }
}

/// The fix actions `fix/` implements, which a check names in its rule file (`[checks.fix]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixAction {
    /// Create a flow log with traffic type ALL to the fix destination (and its log group when
    /// that does not exist yet). Creates only.
    CreateFlowLog,
    /// Associate a KMS key with an unencrypted CloudWatch Logs group a flow log delivers to.
    /// Changes an existing resource, so it can never be `safe`.
    AssociateKmsKey,
}

impl FixAction {
    pub const ALL: [FixAction; 2] = [FixAction::CreateFlowLog, FixAction::AssociateKmsKey];

    /// The name rule files and reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            FixAction::CreateFlowLog => "create-flow-log",
            FixAction::AssociateKmsKey => "associate-kms-key",
        }
    }

    /// True when the action changes something that exists (rather than only creating).
    pub fn changes_existing(self) -> bool {
        matches!(self, FixAction::AssociateKmsKey)
    }
}

/// When a check's fix is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applicability {
    /// Applied with `--fix`.
    Safe,
    /// Applied with `--fix --unsafe-fixes` only.
    Unsafe,
    /// Never applied: the fix plan shows the remediation snippet instead.
    Manual,
}

impl Applicability {
    pub const ALL: [Applicability; 3] = [
        Applicability::Safe,
        Applicability::Unsafe,
        Applicability::Manual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::Manual => "manual",
        }
    }
}

/// What everything a fix creates must meet so that a check passes on it, each limit named by
/// a parameter of the check's rule (`[checks.fix.creates]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CreatesLimits {
    /// New flow logs aggregate at most this many seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_aggregation_interval: Option<i64>,
    /// New log groups keep events at least this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_retention_days: Option<i64>,
    /// New log groups are encrypted with a KMS key, and new flow logs deliver only to encrypted
    /// destinations.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub encrypted: bool,
}

/// How a failing result of one check is fixed, from the check's rule file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckFix {
    /// `None` for a manual fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<FixAction>,
    pub applicability: Applicability,
    /// Limits with the rule's parameter values in effect.
    #[serde(default, skip_serializing_if = "is_default_limits")]
    pub creates: CreatesLimits,
}

fn is_default_limits(l: &CreatesLimits) -> bool {
    *l == CreatesLimits::default()
}

impl CheckFix {
    /// A check without a `[checks.fix]` table: its remediation snippets are the fix.
    pub fn manual() -> CheckFix {
        CheckFix {
            action: None,
            applicability: Applicability::Manual,
            creates: CreatesLimits::default(),
        }
    }

    /// The wording reports use: `safe fix (create-flow-log)`, `manual fix`.
    pub fn describe(&self) -> String {
        match self.action {
            Some(a) => format!("{} fix ({})", self.applicability.as_str(), a.as_str()),
            None => format!("{} fix", self.applicability.as_str()),
        }
    }

    /// What applies the fix, in a sentence.
    pub fn how(&self) -> String {
        let what = self.describe();
        match self.applicability {
            Applicability::Safe => format!("{what}: `flowaudit fix` applies it"),
            Applicability::Unsafe => {
                format!("{what}: applied only with `flowaudit fix --unsafe-fixes`")
            }
            Applicability::Manual => {
                format!("{what}: apply the remediation snippet; the `flowaudit fix` plan shows it")
            }
        }
    }
}

/// The fix of every loaded check, by (rule id, check id).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FixCatalog(pub BTreeMap<(String, String), CheckFix>);

impl FixCatalog {
    pub fn get(&self, rule_id: &str, check_id: &str) -> Option<&CheckFix> {
        self.0.get(&(rule_id.to_string(), check_id.to_string()))
    }

    /// The (rule, check) pairs whose fix is `action`, in id order.
    pub fn with_action(&self, action: FixAction) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .filter(move |(_, f)| f.action == Some(action))
            .map(|((r, c), _)| (r.as_str(), c.as_str()))
    }

    /// Every limit the checks set on what a fix creates, each with the check that sets it.
    pub fn limits(&self) -> impl Iterator<Item = (&str, &str, &CreatesLimits)> {
        self.0
            .iter()
            .filter(|(_, f)| f.creates != CreatesLimits::default())
            .map(|((r, c), f)| (r.as_str(), c.as_str(), &f.creates))
    }
}

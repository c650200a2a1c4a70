//! The JSON report document, schema `flowaudit/report/v1`.
//!
//! Every output format is rendered from this one document, so they can never disagree.
//! The field reference is `docs/report-v1.md` and `docs/report-v1.schema.json`. Frozen: additive changes only.

use crate::findings::{Finding, Severity};
use crate::inventory::ScanError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Schema id of the document.
pub const REPORT_SCHEMA: &str = "flowaudit/report/v1";

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub schema: String,
    pub tool: ToolInfo,
    pub scan: ScanSection,
    pub rules: Vec<RuleMeta>,
    pub results: Vec<Finding>,
    pub summary: Summary,
    pub suppressions: SuppressionSection,
    /// Present only when `--fix` ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixes: Option<Vec<FixOutcome>>,
}

/// Name and version of the producer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
    pub information_uri: String,
}

/// What was scanned, when, and what could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanSection {
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub started_at: String,
    pub finished_at: String,
    /// True when `errors` is non-empty: some part of the account was not read.
    pub partial: bool,
    pub errors: Vec<ScanError>,
}

/// Metadata of one evaluated rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub resource: String,
    pub checks: Vec<CheckMeta>,
    pub compliance: BTreeMap<String, Vec<String>>,
    pub references: Vec<String>,
    /// `builtin` or the path of the rule file.
    pub source: String,
}

/// Metadata of one check of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckMeta {
    pub id: String,
    pub title: String,
    /// How to make this check pass, in prose, from the rule file. The snippets filled in for each
    /// resource are on the results (`remediation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
}

/// Counts of results.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    /// status name -> count (every status present, zero included).
    pub by_status: BTreeMap<String, usize>,
    /// severity name -> status name -> count.
    pub by_severity: BTreeMap<String, BTreeMap<String, usize>>,
    /// region -> status name -> count.
    pub by_region: BTreeMap<String, BTreeMap<String, usize>>,
}

/// Suppression bookkeeping: entries that expired or matched nothing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SuppressionSection {
    pub file: Option<String>,
    pub expired: Vec<SuppressionEntryRef>,
    pub unmatched: Vec<SuppressionEntryRef>,
}

/// A suppressions-file entry, named for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuppressionEntryRef {
    /// 1-based index of the entry in the file.
    pub index: usize,
    pub rule_id: String,
    pub check_id: Option<String>,
    pub resource: String,
    pub reason: String,
    pub expires: String,
}

/// One planned change of `--fix` and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixOutcome {
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    /// e.g. `create-flow-log`, `create-log-group`, `associate-kms-key`.
    pub action: String,
    pub description: String,
    /// `applied`, `dry_run_ok`, `failed`, `skipped`.
    pub outcome: String,
    pub error: Option<String>,
    /// Ids of what the change created (flow-log ids, log group names).
    pub created: Vec<String>,
    /// check id -> status after the verification rescan.
    pub verified: BTreeMap<String, String>,
}

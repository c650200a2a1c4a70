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

impl Document {
    /// Assemble the report from the inventory that was scanned, the rules that ran, their results
    /// (suppressions already applied) and the suppression bookkeeping.
    pub fn build(
        inv: &crate::inventory::Inventory,
        rules: Vec<RuleMeta>,
        results: Vec<Finding>,
        suppressions: SuppressionSection,
    ) -> Document {
        let mut accounts: Vec<String> = std::iter::once(inv.scan.account_id.clone())
            .chain(inv.regions.iter().map(|r| r.account_id.clone()))
            .filter(|a| !a.is_empty())
            .collect();
        accounts.sort();
        accounts.dedup();
        let mut regions: Vec<String> = if inv.scan.regions_scanned.is_empty() {
            inv.regions.iter().map(|r| r.region.clone()).collect()
        } else {
            inv.scan.regions_scanned.clone()
        };
        regions.sort();
        regions.dedup();
        let summary = Summary::of(&results, &regions);
        Document {
            schema: REPORT_SCHEMA.into(),
            tool: ToolInfo {
                name: "flowaudit".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                information_uri: env!("CARGO_PKG_REPOSITORY").into(),
            },
            scan: ScanSection {
                accounts,
                regions,
                started_at: inv.scan.started_at.clone(),
                finished_at: inv.scan.finished_at.clone(),
                partial: inv.is_partial(),
                errors: inv.errors.clone(),
            },
            rules,
            results,
            summary,
            suppressions,
            fixes: None,
        }
    }
}

impl Summary {
    /// Count results by status, by severity and status, and by region and status. Every status
    /// and severity appears (zero included), and every scanned region.
    pub fn of(results: &[Finding], regions: &[String]) -> Summary {
        use crate::findings::Status;
        let zero = || -> BTreeMap<String, usize> {
            Status::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), 0))
                .collect()
        };
        let mut s = Summary {
            total: results.len(),
            by_status: zero(),
            by_severity: Severity::ALL
                .iter()
                .map(|v| (v.as_str().to_string(), zero()))
                .collect(),
            by_region: regions.iter().map(|r| (r.clone(), zero())).collect(),
        };
        for f in results {
            let st = f.status.as_str();
            *s.by_status.entry(st.into()).or_default() += 1;
            *s.by_severity
                .entry(f.severity.as_str().into())
                .or_insert_with(zero)
                .entry(st.into())
                .or_default() += 1;
            *s.by_region
                .entry(f.resource.region.clone())
                .or_insert_with(zero)
                .entry(st.into())
                .or_default() += 1;
        }
        s
    }
}

//! The `baseline` section of a report (`--baseline`, `docs/report-v1.md`) and the changes it
//! lists, which the `flowaudit/diff/v1` document (`super::super::diff`) lists as well: what
//! became of each result since a saved report, and how many of each.

use crate::findings::{Severity, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What became of a result from the old report to the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Fails now; did not fail before (passed, was not evaluated, or did not exist).
    New,
    /// Was a suppressed failure; fails now (its suppression expired or was removed).
    Unsuppressed,
    /// Failed before, or is a new failure, and is suppressed now.
    Suppressed,
    /// Failed (or was a suppressed failure) before; passes now.
    Resolved,
    /// Failed (or was a suppressed failure) before; its resource no longer exists in a region
    /// the new scan read.
    Gone,
    /// Failed (or was a suppressed failure) before; now skipped, an error, or not in the new
    /// report while its resource is (another rule set), or outside what the new scan read.
    NotEvaluated,
    /// Failed before and fails now.
    StillFailing,
}

impl Change {
    /// Every change, in the order the outputs list them.
    pub const ALL: [Change; 7] = [
        Change::New,
        Change::Unsuppressed,
        Change::Suppressed,
        Change::Resolved,
        Change::Gone,
        Change::NotEvaluated,
        Change::StillFailing,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Unsuppressed => "unsuppressed",
            Change::Suppressed => "suppressed",
            Change::Resolved => "resolved",
            Change::Gone => "gone",
            Change::NotEvaluated => "not_evaluated",
            Change::StillFailing => "still_failing",
        }
    }

    /// The heading the text and Markdown views give it.
    pub fn title(self) -> &'static str {
        match self {
            Change::New => "New failures",
            Change::Unsuppressed => "No longer suppressed",
            Change::Suppressed => "Newly suppressed",
            Change::Resolved => "Resolved",
            Change::Gone => "Gone (resource no longer exists)",
            Change::NotEvaluated => "Failed before, not evaluated now",
            Change::StillFailing => "Still failing",
        }
    }
}

/// How many results each change has; every change is written, zero included.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChangeCounts {
    pub new: usize,
    pub unsuppressed: usize,
    pub suppressed: usize,
    pub resolved: usize,
    pub gone: usize,
    pub not_evaluated: usize,
    pub still_failing: usize,
}

impl ChangeCounts {
    /// The count of one change.
    pub fn get(&self, c: Change) -> usize {
        match c {
            Change::New => self.new,
            Change::Unsuppressed => self.unsuppressed,
            Change::Suppressed => self.suppressed,
            Change::Resolved => self.resolved,
            Change::Gone => self.gone,
            Change::NotEvaluated => self.not_evaluated,
            Change::StillFailing => self.still_failing,
        }
    }

    pub(crate) fn bump(&mut self, c: Change) {
        let n = match c {
            Change::New => &mut self.new,
            Change::Unsuppressed => &mut self.unsuppressed,
            Change::Suppressed => &mut self.suppressed,
            Change::Resolved => &mut self.resolved,
            Change::Gone => &mut self.gone,
            Change::NotEvaluated => &mut self.not_evaluated,
            Change::StillFailing => &mut self.still_failing,
        };
        *n += 1;
    }

    /// The one-line summary: `2 new, 1 resolved, ...` (zero counts left out but `new`).
    pub fn line(&self) -> String {
        let mut parts = vec![format!("{} new", self.new)];
        for (c, label) in [
            (Change::Resolved, "resolved"),
            (Change::StillFailing, "still failing"),
            (Change::Gone, "gone"),
            (Change::Unsuppressed, "no longer suppressed"),
            (Change::Suppressed, "newly suppressed"),
            (Change::NotEvaluated, "not evaluated now"),
        ] {
            if self.get(c) > 0 {
                parts.push(format!("{} {label}", self.get(c)));
            }
        }
        parts.join(", ")
    }
}

/// One result that changed (or still fails), named by its identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeEntry {
    pub change: Change,
    /// The SARIF `partialFingerprints` value of the result (`flowauditResourceCheck/v1`).
    pub fingerprint: String,
    pub account_id: String,
    pub region: String,
    pub resource_type: String,
    pub resource_id: String,
    /// The resource's `Name` tag, as the newer report has it when it has the resource.
    #[serde(default)]
    pub resource_name: Option<String>,
    pub rule_id: String,
    pub check_id: String,
    pub severity: Severity,
    /// Status in the old report (`null`: no such result).
    pub old_status: Option<Status>,
    /// Status in the new report (`null`: no such result).
    pub new_status: Option<Status>,
    /// The new result's message (`null` when there is no new result).
    #[serde(default)]
    pub message: Option<String>,
}

/// The `baseline` section a report gets from `--baseline` (`docs/report-v1.md`): the comparison
/// with a saved report, as `flowaudit diff` makes it, without the still failing results (they
/// are the report's failures that are not new).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineSection {
    /// The baseline file as given.
    pub file: String,
    pub started_at: String,
    pub finished_at: String,
    pub accounts: Vec<String>,
    pub counts: ChangeCounts,
    pub new_by_severity: BTreeMap<String, usize>,
    /// Every change but `still_failing`, in the order of the diff document's `changes`.
    pub changes: Vec<ChangeEntry>,
}

/// How many new failures, of `by_severity` (severity -> number), are at or above `fail_on`.
pub(crate) fn new_at_or_above(by_severity: &BTreeMap<String, usize>, fail_on: Severity) -> usize {
    Severity::ALL
        .iter()
        .filter(|s| **s >= fail_on)
        .map(|s| by_severity.get(s.as_str()).copied().unwrap_or(0))
        .sum()
}

impl BaselineSection {
    /// Number of new failures at or above `fail_on`.
    pub fn new_at_or_above(&self, fail_on: Severity) -> usize {
        new_at_or_above(&self.new_by_severity, fail_on)
    }
}

//! Two scans compared: `flowaudit diff OLD.json NEW.json` and `--baseline OLD.json`.
//!
//! Results are matched by the identity the SARIF fingerprint hashes (account, region, resource,
//! rule, check: [`crate::findings::identity`]). Of the old report only what failed is kept (failed,
//! or a suppressed failure), with its identity; the new results are then classified one at a
//! time as they are read or evaluated, so a comparison holds the baseline's failures and the
//! changes, never the new report. The wire forms are the `flowaudit/diff/v1` document
//! ([`DiffDocument`], `docs/diff-v1.md`) and the report's `baseline` section
//! ([`BaselineSection`], with the changes both list, in `super::v1::baseline`).

use super::merge::{self, SavedHead};
use super::v1::ToolInfo;
use super::v1::baseline::new_at_or_above;
pub use super::v1::baseline::{BaselineSection, Change, ChangeCounts, ChangeEntry};
use crate::error::Error;
use crate::findings::identity::identity;
use crate::findings::{Finding, ResourceRef, Severity, Status};
use crate::inventory::ScanError;
use crate::term::escape;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

/// Schema id of the `flowaudit diff --format json` document.
pub const DIFF_SCHEMA: &str = "flowaudit/diff/v1";

/// How many entries of each change the text and Markdown views list.
pub const LISTED_PER_CHANGE: usize = 50;

/// One side of a comparison, as the diff document describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// The file as given on the command line.
    pub file: String,
    pub tool_version: String,
    pub started_at: String,
    pub finished_at: String,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub partial: bool,
}

impl Side {
    /// The side of a saved report.
    pub fn of(file: &str, h: &SavedHead) -> Side {
        Side {
            file: file.to_string(),
            tool_version: h.tool.version.clone(),
            started_at: h.scan.started_at.clone(),
            finished_at: h.scan.finished_at.clone(),
            accounts: h.scan.accounts.clone(),
            regions: h.scan.regions.clone(),
            partial: h.scan.partial,
        }
    }
}

/// The `flowaudit/diff/v1` document (`docs/diff-v1.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffDocument {
    pub schema: String,
    pub tool: ToolInfo,
    pub old: Side,
    pub new: Side,
    /// `--fail-on`: new failures at or above it make `flowaudit diff` exit 1.
    pub fail_on: Severity,
    pub counts: ChangeCounts,
    /// severity -> number of new failures.
    pub new_by_severity: BTreeMap<String, usize>,
    /// Every changed or still failing result: by change (in [`Change::ALL`] order), then most
    /// severe first, then account, region, resource, rule and check.
    pub changes: Vec<ChangeEntry>,
}

impl DiffDocument {
    /// Number of new failures at or above `fail_on`.
    pub fn new_at_or_above(&self, fail_on: Severity) -> usize {
        new_at_or_above(&self.new_by_severity, fail_on)
    }
}

/// A result that failed in the baseline.
struct Before {
    failed: Status,
    severity: Severity,
    resource: Arc<ResourceRef>,
    rule_id: String,
    check_id: String,
    seen: bool,
}

/// How many account ids a message names before it gives only their number.
pub const LISTED_ACCOUNTS: usize = 5;

/// A list of accounts for a message: the first [`LISTED_ACCOUNTS`] ids (escaped), then how many
/// more there are, so a message stays short whatever the number of accounts (the reports list
/// them all).
pub fn account_list(accounts: &[String]) -> String {
    let mut out = accounts
        .iter()
        .take(LISTED_ACCOUNTS)
        .map(|a| escape(a).into_owned())
        .collect::<Vec<_>>()
        .join(", ");
    if accounts.len() > LISTED_ACCOUNTS {
        let _ = write!(
            out,
            " and {} more: {} accounts",
            accounts.len() - LISTED_ACCOUNTS,
            accounts.len()
        );
    }
    out
}

/// The failures of a saved report, by identity: what a comparison holds of the old report.
pub struct Baseline {
    /// The file as given.
    pub file: String,
    pub head: SavedHead,
    before: HashMap<[u8; 32], Before>,
    /// The status of every other result of the saved report (pass, skipped, error, or a
    /// suppressed result that was not a failure), by identity: what a change says it was.
    others: HashMap<[u8; 32], Status>,
    /// Resources of `before` (by [`resource_key`]) -> seen in the new results.
    resources: HashMap<[u8; 32], bool>,
}

/// The status a result counts as in a comparison: `fail`, or `suppressed` for a suppressed
/// failure; `None` for what did not fail.
fn failing(f: &Finding) -> Option<Status> {
    match f.status {
        Status::Fail => Some(Status::Fail),
        Status::Suppressed
            if f.suppression
                .as_ref()
                .is_none_or(|s| s.original_status == Status::Fail) =>
        {
            Some(Status::Suppressed)
        }
        _ => None,
    }
}

fn resource_key(r: &ResourceRef) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [&r.account_id, &r.region, &r.id] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().into()
}

impl Baseline {
    /// Read the saved report at `path` (`flowaudit/report/v1`, read as `flowaudit report` reads
    /// it) and keep its failures.
    pub fn read(path: &Path) -> Result<Baseline, Error> {
        let mut before = HashMap::new();
        let mut others = HashMap::new();
        let mut resources = HashMap::new();
        // One slim copy (no tags) per resource: its failures come together.
        let mut last: Option<(Arc<ResourceRef>, Arc<ResourceRef>)> = None;
        let head = merge::read(
            path,
            Some(&mut |f: Finding| {
                let Some(failed) = failing(&f) else {
                    others.insert(identity(&f), f.status);
                    return Ok(());
                };
                let slim = match &last {
                    Some((full, slim)) if Arc::ptr_eq(full, &f.resource) => Arc::clone(slim),
                    _ => {
                        let slim = Arc::new(ResourceRef {
                            tags: BTreeMap::new(),
                            network_interfaces: None,
                            is_default: None,
                            ..(*f.resource).clone()
                        });
                        last = Some((Arc::clone(&f.resource), Arc::clone(&slim)));
                        slim
                    }
                };
                resources.insert(resource_key(&slim), false);
                before.insert(
                    identity(&f),
                    Before {
                        failed,
                        severity: f.severity,
                        resource: slim,
                        rule_id: f.rule_id,
                        check_id: f.check_id,
                        seen: false,
                    },
                );
                Ok(())
            }),
        )?;
        Ok(Baseline {
            file: path.display().to_string(),
            head,
            before,
            others,
            resources,
        })
    }

    /// Number of failures (suppressed ones included) the baseline holds.
    pub fn failures(&self) -> usize {
        self.before.len()
    }

    /// Refuse a baseline that shares no account with `accounts` (the new scan's), unless
    /// `allow_disjoint`: every result would be new or gone.
    pub fn check_accounts(
        &self,
        new_name: &str,
        accounts: &[String],
        allow_disjoint: bool,
    ) -> Result<(), Error> {
        let old = &self.head.scan.accounts;
        if allow_disjoint || old.is_empty() || accounts.is_empty() {
            return Ok(());
        }
        let new: HashSet<&str> = accounts.iter().map(String::as_str).collect();
        if old.iter().any(|a| new.contains(a.as_str())) {
            return Ok(());
        }
        Err(Error::input(format!(
            "{} and {} cannot be compared: they share no account ({} and {})\n  fix: compare reports of the same accounts, or pass --allow-disjoint to compare them anyway (every failure is then new or not evaluated)",
            escape(&self.file),
            escape(new_name),
            account_list(old),
            account_list(accounts)
        )))
    }

    /// Start comparing the new results with this baseline. `keep_still_failing`: whether the
    /// still failing results are listed (the diff document) or only counted (a report's
    /// `baseline` section).
    pub fn compare(self, keep_still_failing: bool) -> Comparison {
        Comparison {
            baseline: self,
            counts: ChangeCounts::default(),
            new_by_severity: Severity::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), 0))
                .collect(),
            changes: Vec::new(),
            keep_still_failing,
        }
    }
}

/// A comparison in progress: [`Comparison::see`] each new result, then [`Comparison::finish`].
pub struct Comparison {
    baseline: Baseline,
    counts: ChangeCounts,
    new_by_severity: BTreeMap<String, usize>,
    changes: Vec<ChangeEntry>,
    keep_still_failing: bool,
}

/// What the new scan read: a failure of the baseline whose resource is in none of the new
/// results is gone only where the new scan read without error.
pub struct Scope<'a> {
    pub accounts: &'a [String],
    pub regions: &'a [String],
    pub errors: &'a [ScanError],
}

/// A [`Scope`] indexed once, so that each failure of the baseline is placed in constant time
/// whatever the number of accounts, regions and errors.
struct ScopeIndex<'a> {
    accounts: HashSet<&'a str>,
    regions: HashSet<&'a str>,
    /// Accounts with an account-wide error.
    accounts_failed: HashSet<&'a str>,
    /// (account, region) with an error.
    regions_failed: HashSet<(&'a str, &'a str)>,
}

impl<'a> ScopeIndex<'a> {
    fn of(scope: &Scope<'a>) -> Self {
        let mut accounts_failed = HashSet::new();
        let mut regions_failed = HashSet::new();
        for e in scope.errors {
            match &e.region {
                None => {
                    accounts_failed.insert(e.account_id.as_str());
                }
                Some(r) => {
                    regions_failed.insert((e.account_id.as_str(), r.as_str()));
                }
            }
        }
        ScopeIndex {
            accounts: scope.accounts.iter().map(String::as_str).collect(),
            regions: scope.regions.iter().map(String::as_str).collect(),
            accounts_failed,
            regions_failed,
        }
    }

    fn read(&self, account: &str, region: &str) -> bool {
        self.accounts.contains(account)
            && self.regions.contains(region)
            && !self.accounts_failed.contains(account)
            && !self.regions_failed.contains(&(account, region))
    }
}

/// Everything a comparison found.
pub struct Delta {
    pub counts: ChangeCounts,
    pub new_by_severity: BTreeMap<String, usize>,
    pub changes: Vec<ChangeEntry>,
}

impl Comparison {
    /// The baseline being compared with.
    pub fn baseline(&self) -> &Baseline {
        &self.baseline
    }

    /// [`Comparison::finish`] as a report's `baseline` section.
    pub fn into_section(self, scope: &Scope) -> BaselineSection {
        let file = self.baseline.file.clone();
        let scan = &self.baseline.head.scan;
        let (started_at, finished_at, accounts) = (
            scan.started_at.clone(),
            scan.finished_at.clone(),
            scan.accounts.clone(),
        );
        let delta = self.finish(scope);
        BaselineSection {
            file,
            started_at,
            finished_at,
            accounts,
            counts: delta.counts,
            new_by_severity: delta.new_by_severity,
            changes: delta.changes,
        }
    }

    /// Classify one result of the new report or scan (after suppression).
    pub fn see(&mut self, f: &Finding) {
        if let Some(seen) = self.baseline.resources.get_mut(&resource_key(&f.resource)) {
            *seen = true;
        }
        let now = failing(f);
        let key = identity(f);
        let before = self.baseline.before.get_mut(&key).map(|b| {
            b.seen = true;
            b.failed
        });
        let change = match (before, now) {
            (None, None) => return,
            (Some(Status::Fail), Some(Status::Fail)) => Change::StillFailing,
            (Some(_), Some(Status::Fail)) => Change::Unsuppressed,
            (None, Some(Status::Fail)) => Change::New,
            (Some(Status::Suppressed), Some(_)) => return,
            (_, Some(_)) => Change::Suppressed,
            (Some(_), None) if f.status == Status::Pass => Change::Resolved,
            (Some(_), None) => Change::NotEvaluated,
        };
        self.counts.bump(change);
        if change == Change::New {
            *self
                .new_by_severity
                .entry(f.severity.as_str().to_string())
                .or_default() += 1;
        }
        if change == Change::StillFailing && !self.keep_still_failing {
            return;
        }
        self.changes.push(ChangeEntry {
            change,
            fingerprint: hex::encode(key),
            account_id: f.resource.account_id.clone(),
            region: f.resource.region.clone(),
            resource_type: f.resource.kind.clone(),
            resource_id: f.resource.id.clone(),
            resource_name: f.resource.name.clone(),
            rule_id: f.rule_id.clone(),
            check_id: f.check_id.clone(),
            severity: f.severity,
            // What it was when it did not fail: pass, skipped, error; `None` only when the old
            // report had no such result.
            old_status: before.or_else(|| self.baseline.others.get(&key).copied()),
            new_status: Some(f.status),
            // Empty when the run rendered no message for it (no format shows it).
            message: (!f.message.is_empty()).then(|| f.message.clone()),
        });
    }

    /// The baseline's failures no new result matched: gone when their resource is in no new
    /// result and the new scan read its region; not evaluated otherwise. Then every entry in
    /// order.
    pub fn finish(self, scope: &Scope) -> Delta {
        let Comparison {
            baseline,
            mut counts,
            new_by_severity,
            mut changes,
            ..
        } = self;
        let scope = ScopeIndex::of(scope);
        for (key, b) in baseline.before {
            if b.seen {
                continue;
            }
            let r = &b.resource;
            let resource_seen = baseline
                .resources
                .get(&resource_key(r))
                .copied()
                .unwrap_or(false);
            let change = if !resource_seen && scope.read(&r.account_id, &r.region) {
                Change::Gone
            } else {
                Change::NotEvaluated
            };
            counts.bump(change);
            changes.push(ChangeEntry {
                change,
                fingerprint: hex::encode(key),
                account_id: r.account_id.clone(),
                region: r.region.clone(),
                resource_type: r.kind.clone(),
                resource_id: r.id.clone(),
                resource_name: r.name.clone(),
                rule_id: b.rule_id,
                check_id: b.check_id,
                severity: b.severity,
                old_status: Some(b.failed),
                new_status: None,
                message: None,
            });
        }
        changes.sort_by(|a, b| {
            (a.change, std::cmp::Reverse(a.severity))
                .cmp(&(b.change, std::cmp::Reverse(b.severity)))
                .then_with(|| a.account_id.cmp(&b.account_id))
                .then_with(|| a.region.cmp(&b.region))
                .then_with(|| a.resource_id.cmp(&b.resource_id))
                .then_with(|| a.rule_id.cmp(&b.rule_id))
                .then_with(|| a.check_id.cmp(&b.check_id))
        });
        Delta {
            counts,
            new_by_severity,
            changes,
        }
    }
}

/// The diff as text for a terminal: every value through [`escape`].
pub fn render_text(d: &DiffDocument) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "flowaudit diff: {} ({}) -> {} ({})",
        escape(&d.old.file),
        escape(&d.old.started_at),
        escape(&d.new.file),
        escape(&d.new.started_at)
    );
    let _ = writeln!(o, "Changes: {}", d.counts.line());
    let at = d.new_at_or_above(d.fail_on);
    let _ = writeln!(o, "New failures at or above {}: {at}", d.fail_on.as_str());
    if d.new.partial {
        let _ = writeln!(
            o,
            "Note: the new scan is partial; failures in what it could not read are counted as not evaluated, not gone"
        );
    }
    for c in Change::ALL {
        let entries: Vec<&ChangeEntry> = d.changes.iter().filter(|e| e.change == c).collect();
        if entries.is_empty() {
            continue;
        }
        let _ = writeln!(o, "\n{} ({})", c.title(), entries.len());
        for e in entries.iter().take(LISTED_PER_CHANGE) {
            let name = e
                .resource_name
                .as_deref()
                .map(|n| format!(" \"{}\"", escape(n)))
                .unwrap_or_default();
            let status = format!(
                "{} -> {}",
                e.old_status.map_or("none", Status::as_str),
                e.new_status.map_or("none", Status::as_str)
            );
            let _ = writeln!(
                o,
                "  [{}] {}/{}  {} {} {}{}  ({status})",
                e.severity.as_str(),
                escape(&e.rule_id),
                escape(&e.check_id),
                escape(&e.account_id),
                escape(&e.region),
                escape(&e.resource_id),
                name
            );
        }
        if entries.len() > LISTED_PER_CHANGE {
            let _ = writeln!(
                o,
                "  ... and {} more (--format json lists every one)",
                entries.len() - LISTED_PER_CHANGE
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Compliance, SuppressionInfo};

    fn result(vpc: &str, check: &str, status: Status) -> Finding {
        Finding {
            rule_id: "VPC-001".into(),
            check_id: check.into(),
            status,
            severity: Severity::High,
            resource: Arc::new(ResourceRef {
                kind: "vpc".into(),
                id: vpc.into(),
                arn: format!("arn:aws:ec2:eu-west-1:111111111111:vpc/{vpc}"),
                region: "eu-west-1".into(),
                account_id: "111111111111".into(),
                name: Some("n".into()),
                tags: BTreeMap::new(),
                network_interfaces: None,
                is_default: None,
            }),
            message: "m".into(),
            compliance: Compliance::default(),
            remediation: None,
            suppression: (status == Status::Suppressed).then(|| SuppressionInfo {
                reason: "r".into(),
                expires: "2099-01-01".into(),
                original_status: Status::Fail,
            }),
        }
    }

    fn baseline(old: &[Finding]) -> Baseline {
        let mut b = Baseline {
            file: "old.json".into(),
            head: SavedHead {
                schema: super::super::v1::REPORT_SCHEMA.into(),
                tool: ToolInfo {
                    name: "flowaudit".into(),
                    version: "1".into(),
                    information_uri: "x".into(),
                },
                scan: super::super::v1::ScanSection {
                    accounts: vec!["111111111111".into()],
                    regions: vec!["eu-west-1".into()],
                    started_at: "a".into(),
                    finished_at: "b".into(),
                    partial: false,
                    errors: Vec::new(),
                    account_details: Vec::new(),
                    shard: None,
                    resources: Vec::new(),
                    recovered: 0,
                },
                rules: Vec::new(),
                suppressions: Default::default(),
                fixes: None,
            },
            before: HashMap::new(),
            others: HashMap::new(),
            resources: HashMap::new(),
        };
        for f in old {
            if failing(f).is_none() {
                b.others.insert(identity(f), f.status);
            }
            if let Some(failed) = failing(f) {
                b.resources.insert(resource_key(&f.resource), false);
                b.before.insert(
                    identity(f),
                    Before {
                        failed,
                        severity: f.severity,
                        resource: Arc::clone(&f.resource),
                        rule_id: f.rule_id.clone(),
                        check_id: f.check_id.clone(),
                        seen: false,
                    },
                );
            }
        }
        b
    }

    #[test]
    fn every_pair_of_statuses_gets_its_change() {
        use Status::*;
        let old = [
            result("vpc-1", "a", Fail),
            result("vpc-1", "b", Fail),
            result("vpc-1", "c", Suppressed),
            result("vpc-1", "d", Fail),
            result("vpc-1", "e", Pass),
            result("vpc-1", "f", Fail),
            result("vpc-1", "g", Fail),
            result("vpc-2", "a", Fail),
            result("vpc-3", "a", Fail),
        ];
        let new = [
            result("vpc-1", "a", Fail),
            result("vpc-1", "b", Pass),
            result("vpc-1", "c", Fail),
            result("vpc-1", "d", Suppressed),
            result("vpc-1", "e", Fail),
            result("vpc-1", "f", Error),
            // vpc-1 "g" is gone from the report while vpc-1 is not: not evaluated.
            // vpc-2 and vpc-3 are gone.
            result("vpc-4", "a", Pass),
        ];
        let mut c = baseline(&old).compare(true);
        for f in &new {
            c.see(f);
        }
        let regions = vec!["eu-west-1".to_string()];
        let accounts = vec!["111111111111".to_string()];
        let errors = vec![ScanError {
            account_id: "111111111111".into(),
            region: Some("eu-west-1".into()),
            service: "ec2".into(),
            operation: "DescribeVpcs".into(),
            code: "X".into(),
            message: "m".into(),
        }];
        let d = c.finish(&Scope {
            accounts: &accounts,
            regions: &regions,
            errors: &[],
        });
        let got: Vec<(String, &str)> = d
            .changes
            .iter()
            .map(|e| {
                (
                    format!("{}/{}", e.resource_id, e.check_id),
                    e.change.as_str(),
                )
            })
            .collect();
        assert!(
            got.contains(&("vpc-1/a".into(), "still_failing")),
            "{got:?}"
        );
        assert!(got.contains(&("vpc-1/b".into(), "resolved")), "{got:?}");
        assert!(got.contains(&("vpc-1/c".into(), "unsuppressed")), "{got:?}");
        assert!(got.contains(&("vpc-1/d".into(), "suppressed")), "{got:?}");
        assert!(got.contains(&("vpc-1/e".into(), "new")), "{got:?}");
        // A result that passed before says so: `None` only for a result the old report lacked.
        let old_of = |id: &str, check: &str| {
            d.changes
                .iter()
                .find(|e| e.resource_id == id && e.check_id == check)
                .map(|e| e.old_status)
        };
        assert_eq!(old_of("vpc-1", "e"), Some(Some(Pass)));
        assert_eq!(old_of("vpc-1", "a"), Some(Some(Fail)));
        assert!(
            got.contains(&("vpc-1/f".into(), "not_evaluated")),
            "{got:?}"
        );
        assert!(
            got.contains(&("vpc-1/g".into(), "not_evaluated")),
            "{got:?}"
        );
        assert!(got.contains(&("vpc-2/a".into(), "gone")), "{got:?}");
        assert!(got.contains(&("vpc-3/a".into(), "gone")), "{got:?}");
        assert_eq!(got.len(), 9, "{got:?}");
        assert_eq!(d.counts.new, 1);
        assert_eq!(d.new_by_severity["high"], 1);
        assert_eq!(new_at_or_above(&d.new_by_severity, Severity::Critical), 0);
        assert_eq!(new_at_or_above(&d.new_by_severity, Severity::High), 1);
        // Listed in change order.
        assert_eq!(d.changes[0].change, Change::New);

        // Where the new scan failed to read, a vanished resource is not gone.
        let mut c = baseline(&old).compare(false);
        c.see(&new[0]);
        let d = c.finish(&Scope {
            accounts: &accounts,
            regions: &regions,
            errors: &errors,
        });
        assert_eq!(d.counts.gone, 0);
        assert_eq!(d.counts.still_failing, 1);
        assert!(d.changes.iter().all(|e| e.change != Change::StillFailing));
    }

    #[test]
    fn disjoint_accounts_are_refused_unless_allowed() {
        let b = baseline(&[]);
        let other = vec!["222222222222".to_string()];
        let e = b.check_accounts("new.json", &other, false).unwrap_err();
        assert!(e.to_string().contains("share no account"), "{e}");
        assert!(b.check_accounts("new.json", &other, true).is_ok());
        let same = vec!["111111111111".to_string(), "222222222222".to_string()];
        assert!(b.check_accounts("new.json", &same, false).is_ok());
    }

    #[test]
    fn account_lists_name_the_first_few_escaped_and_count_the_rest() {
        let ids = |n: usize| -> Vec<String> { (0..n).map(|i| format!("{i:012}")).collect() };
        assert_eq!(account_list(&ids(2)), "000000000000, 000000000001");
        assert_eq!(
            account_list(&ids(LISTED_ACCOUNTS)).matches(", ").count(),
            LISTED_ACCOUNTS - 1
        );
        let many = account_list(&ids(100_000));
        assert!(
            many.ends_with("000000000004 and 99995 more: 100000 accounts"),
            "{many}"
        );
        assert_eq!(
            account_list(&["a\u{1b}]0;x\u{7}".to_string()]),
            "a\\u{1b}]0;x\\u{7}"
        );
    }

    #[test]
    fn a_failure_is_gone_only_where_the_new_scan_read_without_error() {
        let accounts = vec!["111111111111".to_string(), "222222222222".to_string()];
        let regions = vec!["eu-west-1".to_string(), "us-east-1".to_string()];
        let error = |account: &str, region: Option<&str>| ScanError {
            account_id: account.into(),
            region: region.map(Into::into),
            service: "ec2".into(),
            operation: "DescribeVpcs".into(),
            code: "AccessDenied".into(),
            message: "m".into(),
        };
        let errors = vec![
            error("111111111111", Some("us-east-1")),
            error("222222222222", None),
        ];
        let scope = Scope {
            accounts: &accounts,
            regions: &regions,
            errors: &errors,
        };
        let index = ScopeIndex::of(&scope);
        assert!(index.read("111111111111", "eu-west-1"));
        assert!(!index.read("111111111111", "us-east-1"), "region error");
        assert!(
            !index.read("222222222222", "eu-west-1"),
            "account-wide error"
        );
        assert!(!index.read("333333333333", "eu-west-1"), "not scanned");
        assert!(!index.read("111111111111", "ap-south-1"), "region not read");
    }
}

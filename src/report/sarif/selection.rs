//! Which results and runs a SARIF report writes: the results it reports (failures and suppressed
//! failures), one run per account, at most [`MAX_RESULTS_PER_RUN`] results a run (a scan keeps
//! only those, [`Selection`]), and one file per account when a report has more runs than a file
//! takes.

use super::results::uri_segment;
use crate::findings::{Finding, Severity, Status};
use crate::report::v1::Document;
use std::collections::BTreeMap;

/// GitHub rejects a run with more than 25,000 results. An account with more failures keeps the
/// most severe ones (suppressed ones last) and says how many were left out, in a notification.
pub const MAX_RESULTS_PER_RUN: usize = 25_000;

/// GitHub code scanning accepts at most 20 runs in one SARIF file. A report over more accounts
/// (one run each) is written as one file per account ([`SarifReporter::render_account`],
/// [`account_file_name`]).
pub const MAX_RUNS_PER_FILE: usize = 20;

/// The results a SARIF report can write, chosen while a scan produces them, so that a scan with
/// more failures than a run takes never holds the others: per account, the `limit` first in the
/// order a run writes them when it must leave some out (most severe first, open before
/// suppressed, then report order). A bounded heap per account; what it drops is counted.
pub struct Selection {
    limit: usize,
    next: u64,
    accounts: std::collections::HashMap<String, Kept>,
}

#[derive(Default)]
struct Kept {
    heap: std::collections::BinaryHeap<Ranked>,
    dropped: usize,
}

/// A result and its place in the order of a run that leaves results out; the heap's greatest
/// is the first to go.
struct Ranked {
    key: (std::cmp::Reverse<Severity>, bool, u64),
    finding: Finding,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

impl Selection {
    /// A selection of at most `limit` results per account ([`MAX_RESULTS_PER_RUN`] for a scan).
    pub fn new(limit: usize) -> Selection {
        Selection {
            limit,
            next: 0,
            accounts: Default::default(),
        }
    }

    /// Offer the next result, in report order. Results SARIF does not report are ignored.
    pub fn push(&mut self, f: Finding) {
        if !reported(&f) {
            return;
        }
        let key = (
            std::cmp::Reverse(f.severity),
            f.status == Status::Suppressed,
            self.next,
        );
        self.next += 1;
        let kept = match self.accounts.get_mut(f.resource.account_id.as_str()) {
            Some(k) => k,
            None => self
                .accounts
                .entry(f.resource.account_id.clone())
                .or_default(),
        };
        if kept.heap.len() < self.limit {
            kept.heap.push(Ranked { key, finding: f });
        } else {
            kept.dropped += 1;
            if kept.heap.peek().is_some_and(|last| key < last.key) {
                kept.heap.pop();
                kept.heap.push(Ranked { key, finding: f });
            }
        }
    }

    /// The kept results in report order, and per account how many were left out.
    pub fn finish(self) -> (Vec<Finding>, BTreeMap<String, usize>) {
        let mut omitted = BTreeMap::new();
        let mut all: Vec<Ranked> = Vec::new();
        for (account, kept) in self.accounts {
            if kept.dropped > 0 {
                omitted.insert(account, kept.dropped);
            }
            all.extend(kept.heap.into_vec());
        }
        all.sort_unstable_by_key(|r| r.key.2);
        (all.into_iter().map(|r| r.finding).collect(), omitted)
    }
}

/// The file one account's SARIF log is written to in an output directory:
/// `flowaudit-<account>.sarif` ([`account_file`]).
pub fn account_file_name(account: &str) -> String {
    account_file(account, "sarif")
}

/// The file one account's report is written to in an output directory, for the formats that
/// write one file per account (SARIF, HTML): `flowaudit-<account>.<extension>`, the account id
/// as one path segment (see [`artifact_uri`]), so no value can name another directory.
pub fn account_file(account: &str, extension: &str) -> String {
    format!("flowaudit-{}.{extension}", uri_segment(account))
}

/// True for the results SARIF reports: failures, and suppressed failures (as dismissed).
pub(super) fn reported(f: &Finding) -> bool {
    match f.status {
        Status::Fail => true,
        Status::Suppressed => f
            .suppression
            .as_ref()
            .is_none_or(|s| s.original_status == Status::Fail),
        _ => false,
    }
}

/// The accounts of a report document, one SARIF run each: the scanned accounts, then any other
/// account a reported result names; one nameless account (`""`, a run of every result) when
/// there is none.
pub fn run_accounts(doc: &Document) -> Vec<String> {
    let mut accounts: Vec<String> = doc.scan.accounts.clone();
    let mut known: std::collections::BTreeSet<&str> =
        doc.scan.accounts.iter().map(String::as_str).collect();
    let mut extra = Vec::new();
    for f in doc.results.iter().filter(|f| reported(f)) {
        if known.insert(&f.resource.account_id) {
            extra.push(f.resource.account_id.clone());
        }
    }
    accounts.extend(extra);
    if accounts.is_empty() {
        accounts.push(String::new());
    }
    accounts
}

/// The results of `account`'s run (every reported result for the nameless account `""`): all of
/// them in report order, or, when some are left out (more than `limit`, or `omitted_before`
/// already left out of the document by a [`Selection`]), the `limit` most severe, open before
/// suppressed, in report order within. With the number left out.
pub(super) fn run_results<'a>(
    doc: &'a Document,
    account: &str,
    limit: usize,
    omitted_before: usize,
) -> (Vec<&'a Finding>, usize) {
    let mut account_results: Vec<&Finding> = doc
        .results
        .iter()
        .filter(|f| reported(f) && (account.is_empty() || f.resource.account_id == account))
        .collect();
    let omitted = account_results.len().saturating_sub(limit) + omitted_before;
    if omitted > 0 {
        // Most severe first, open before suppressed; stable, so the report order is kept within.
        account_results.sort_by_key(|f| {
            (
                std::cmp::Reverse(f.severity),
                f.status == Status::Suppressed,
            )
        });
        account_results.truncate(limit);
    }
    (account_results, omitted)
}

//! What a publish sends where, decided without AWS: the hub of each finding, the scope each
//! report speaks for, which findings imported earlier are archived, and the batches.

use crate::findings::{Finding, Status};
use crate::report::asff::AsffFinding;
use crate::report::merge::SavedHead;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ops::Range;

/// Findings per `BatchImportFindings` call, at most.
pub const BATCH_FINDINGS: usize = 100;
/// Bytes of findings per call, at most: the request limit is 6 MB, and the rest of the request
/// is small.
pub const BATCH_BYTES: usize = 6 * 1000 * 1000 - 64 * 1024;

/// A Security Hub: one account in one region. A finding is imported into the hub of its own
/// account and region (Security Hub takes a finding only from the account it is about).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hub {
    pub account: String,
    pub region: String,
}

impl Hub {
    pub fn new(account: &str, region: &str) -> Hub {
        Hub {
            account: account.to_string(),
            region: region.to_string(),
        }
    }
}

/// Whether a result is imported as an active finding: failures, suppressed failures (with
/// their workflow status SUPPRESSED) and results that could not be evaluated (compliance
/// NOT_AVAILABLE). A pass or a skipped result (a check that does not apply) is not imported; a
/// finding imported earlier for it is archived.
pub fn is_active(f: &Finding) -> bool {
    matches!(f.status, Status::Fail | Status::Suppressed | Status::Error)
}

/// What the reports being published speak for: per report, its accounts × regions × rules, less
/// the account-regions it could not read. A finding imported earlier is archived only inside
/// this scope: a rescan of one region or one rule leaves every other finding as it was.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
struct Part {
    accounts: BTreeSet<String>,
    regions: BTreeSet<String>,
    rules: BTreeSet<String>,
    /// Accounts not read at all (an account-wide error, or selected but not scanned).
    unread_accounts: BTreeSet<String>,
    /// Account-regions with an error entry.
    unread: BTreeSet<(String, String)>,
    /// The resources of a targeted re-check (`scan --resource`): the report speaks for these
    /// alone; empty for whole regions.
    resources: BTreeSet<String>,
}

impl Scope {
    /// Add what one report speaks for.
    pub fn add(&mut self, head: &SavedHead) {
        let mut part = Part {
            accounts: head.scan.accounts.iter().cloned().collect(),
            regions: head.scan.regions.iter().cloned().collect(),
            rules: head.rules.iter().map(|r| r.id.clone()).collect(),
            unread_accounts: BTreeSet::new(),
            unread: BTreeSet::new(),
            resources: head.scan.resources.iter().cloned().collect(),
        };
        for e in &head.scan.errors {
            match &e.region {
                Some(r) => {
                    part.unread.insert((e.account_id.clone(), r.clone()));
                }
                None => {
                    part.unread_accounts.insert(e.account_id.clone());
                }
            }
        }
        for a in head.scan.account_details.iter().filter(|a| !a.scanned) {
            part.unread_accounts.insert(a.id.clone());
        }
        self.parts.push(part);
    }

    /// Whether some report read `account` in `region` completely, with `rule` among its rules,
    /// and `resource` (an id) among its resources when it re-checked chosen resources only.
    pub fn covers(&self, account: &str, region: &str, rule: &str, resource: &str) -> bool {
        self.parts.iter().any(|p| {
            p.reads(account, region)
                && p.rules.contains(rule)
                && (p.resources.is_empty() || p.resources.contains(resource))
        })
    }

    /// Every hub some report read completely.
    pub fn hubs(&self) -> BTreeSet<Hub> {
        let mut out = BTreeSet::new();
        for p in &self.parts {
            for a in &p.accounts {
                for r in &p.regions {
                    if p.reads(a, r) {
                        out.insert(Hub::new(a, r));
                    }
                }
            }
        }
        out
    }
}

impl Part {
    fn reads(&self, account: &str, region: &str) -> bool {
        self.accounts.contains(account)
            && self.regions.contains(region)
            && !self.unread_accounts.contains(account)
            && !self
                .unread
                .contains(&(account.to_string(), region.to_string()))
    }
}

/// The findings of each hub, and the hubs whose earlier findings are looked at.
#[derive(Default)]
pub struct Plan {
    pub hubs: BTreeMap<Hub, HubPlan>,
    pub scope: Scope,
}

/// What one hub gets.
#[derive(Default)]
pub struct HubPlan {
    /// The active findings, by `Id` (a finding in two reports is imported once).
    pub findings: BTreeMap<String, AsffFinding>,
    /// Whether the hub is inside the scope: its earlier findings are looked at and archived
    /// where no longer active.
    pub in_scope: bool,
}

impl Plan {
    /// A plan with `scope`: every hub inside it is looked at, even one that gets no finding.
    pub fn new(scope: Scope) -> Plan {
        let mut hubs: BTreeMap<Hub, HubPlan> = BTreeMap::new();
        for hub in scope.hubs() {
            hubs.entry(hub).or_default().in_scope = true;
        }
        Plan { hubs, scope }
    }

    /// Add one active finding to the hub of its account and region.
    pub fn add(&mut self, f: AsffFinding) {
        let hub = Hub::new(&f.aws_account_id, &f.region);
        self.hubs
            .entry(hub)
            .or_default()
            .findings
            .insert(f.id.clone(), f);
    }

    /// The number of active findings.
    pub fn active(&self) -> usize {
        self.hubs.values().map(|h| h.findings.len()).sum()
    }
}

/// A finding a hub holds, as far as the archive decision needs it.
#[derive(Debug, Clone, Default)]
pub struct Held {
    pub id: String,
    pub product_arn: String,
    pub generator_id: String,
    pub account: String,
    pub region: String,
    pub record_state: String,
    pub updated_at: Option<String>,
    /// The id of the finding's resource (the last part of its ARN).
    pub resource: String,
}

/// The rule of a flowaudit `GeneratorId` (`flowaudit/RULE/CHECK`); `None` for another product's.
pub fn rule_of(generator_id: &str) -> Option<&str> {
    let rest = generator_id.strip_prefix("flowaudit/")?;
    let (rule, check) = rest.split_once('/')?;
    (!rule.is_empty() && !check.is_empty()).then_some(rule)
}

/// Whether `held`, a finding `hub` holds, is archived by this publish: it is an active finding
/// flowaudit imported (its product, a flowaudit generator) into this hub, of a rule and
/// account-region inside the scope, and this publish does not import it as active (it passes
/// now, or its resource is gone). A finding updated after `report_time` (by a newer report) is
/// left alone.
pub fn archives(
    held: &Held,
    hub: &Hub,
    product_arn: &str,
    imported: &HashSet<&str>,
    scope: &Scope,
    report_time: Option<chrono::DateTime<chrono::Utc>>,
) -> bool {
    let newer = match (
        held.updated_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()),
        report_time,
    ) {
        (Some(held_at), Some(report_at)) => held_at > report_at,
        _ => false,
    };
    held.record_state == "ACTIVE"
        && held.product_arn == product_arn
        && held.account == hub.account
        && held.region == hub.region
        && rule_of(&held.generator_id)
            .is_some_and(|r| scope.covers(&hub.account, &hub.region, r, &held.resource))
        && !imported.contains(held.id.as_str())
        && !newer
}

/// Split items of `sizes` bytes into consecutive batches of at most `max_count` items and
/// `max_bytes` bytes (an item larger than `max_bytes` goes alone).
pub fn batches(sizes: &[usize], max_count: usize, max_bytes: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, &size) in sizes.iter().enumerate() {
        let full = i - start >= max_count.max(1) || (i > start && bytes + size > max_bytes);
        if full {
            out.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    if start < sizes.len() {
        out.push(start..sizes.len());
    }
    out
}

#[cfg(test)]
mod tests;

//! The JSON report document, schema `flowaudit/report/v1`.
//!
//! Every output format is rendered from this one document, so they can never disagree.
//! The field reference is `docs/report-v1.md` and `docs/report-v1.schema.json`. Frozen: additive changes only.

pub mod baseline;

use crate::findings::{CheckFix, Finding, ResultWire, Severity, Status};
pub use crate::fix::changelog::Outcome;
use crate::inventory::{Account, InventoryHead, ScanError};
use baseline::BaselineSection;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::cell::RefCell;
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
    /// Every result, in report order. A scan that builds the document only for formats that show
    /// fewer (`Reporter::shows`) keeps only those here; `summary` always counts every result.
    pub results: Vec<Finding>,
    pub summary: Summary,
    pub suppressions: SuppressionSection,
    /// Present only when `--fix` ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixes: Option<Vec<FixOutcome>>,
    /// Present only with `--baseline`: the comparison with a saved report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSection>,
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
    /// Written with each error's `class` and `fix` ([`error_entries`]); read back without them
    /// (they follow from the error).
    #[serde(with = "error_entries")]
    pub errors: Vec<ScanError>,
    /// The accounts an organization or accounts-file scan selected, scanned or not, as the
    /// inventory lists them (name, OU path, tags, role, and why an account was not scanned).
    /// Empty, and not written, for a scan of one account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_details: Vec<Account>,
    /// Which shard of a sharded scan (`--shard INDEX/COUNT`) this report is, and the accounts of
    /// the selection it covered. Absent for an unsharded scan and for a merged report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
    /// The resources a targeted re-check read (`scan --resource`), by id: the report speaks for
    /// these alone in its regions. Absent for a scan of whole regions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Parts of the scan (account-regions, accounts) that failed for a reason that can pass and
    /// were read in a recovery pass. Absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub recovered: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The report's form of a scan error (`scan.errors[]`): the inventory's error (the same fields,
/// in the same order) with its class and the fix that fits it, computed when the report is
/// written. Reading a report accepts them and drops them: they are recomputed from the code,
/// service and operation whenever the report is written again. The inventory file
/// (`flowaudit/inventory/v1`) keeps its errors without them.
pub mod error_entries {
    use crate::inventory::ScanError;
    use crate::inventory::error_class::ErrorClass;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// One error as a report writes it.
    #[derive(Serialize)]
    pub struct Out<'a> {
        pub account_id: &'a str,
        pub region: &'a Option<String>,
        pub service: &'a str,
        pub operation: &'a str,
        pub code: &'a str,
        pub message: &'a str,
        /// [`ErrorClass::as_str`].
        pub class: &'static str,
        /// [`ScanError::fix`]; absent when its class has none.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub fix: Option<String>,
    }

    impl<'a> Out<'a> {
        /// `e` with its class and fix.
        pub fn of(e: &'a ScanError) -> Out<'a> {
            let class = ErrorClass::of(&e.code);
            Out {
                account_id: &e.account_id,
                region: &e.region,
                service: &e.service,
                operation: &e.operation,
                code: &e.code,
                message: &e.message,
                class: class.as_str(),
                fix: e.fix(),
            }
        }
    }

    /// One error as a report is read: the inventory's fields, strictly, and the two the report
    /// adds, which are not kept.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct In {
        account_id: String,
        #[serde(default)]
        region: Option<String>,
        service: String,
        operation: String,
        code: String,
        message: String,
        /// Read as the enum the schema declares (any other value is refused), then dropped.
        #[serde(default, rename = "class", deserialize_with = "class_name")]
        _class: Option<()>,
        #[serde(default, rename = "fix")]
        _fix: Option<String>,
    }

    /// A class name of [`ErrorClass::NAMES`]; anything else is refused, naming those allowed.
    fn class_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<()>, D::Error> {
        let name = Option::<String>::deserialize(d)?;
        match name {
            None => Ok(None),
            Some(n) if ErrorClass::NAMES.contains(&n.as_str()) => Ok(Some(())),
            Some(n) => Err(serde::de::Error::unknown_variant(&n, &ErrorClass::NAMES)),
        }
    }

    pub fn serialize<S: Serializer>(errors: &[ScanError], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(errors.iter().map(Out::of))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ScanError>, D::Error> {
        let entries = Vec::<In>::deserialize(d)?;
        Ok(entries
            .into_iter()
            .map(|e| ScanError {
                account_id: e.account_id,
                region: e.region,
                service: e.service,
                operation: e.operation,
                code: e.code,
                message: e.message,
            })
            .collect())
    }
}

/// One shard of a sharded scan: its place in the partition and the accounts it was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardInfo {
    /// 0-based index of the shard.
    pub index: u32,
    /// Number of shards of the partition.
    pub count: u32,
    /// The selected accounts (scanned or not) this shard covered, sorted by id.
    pub accounts: Vec<String>,
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
    /// How a failing result is fixed: the rule file's `[checks.fix]` (`manual` when it has none).
    #[serde(default = "CheckFix::manual")]
    pub fix: CheckFix,
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
    /// rule id -> check id -> status name -> count, for every check with a result (every status
    /// present, zero included).
    #[serde(default)]
    pub by_check: BTreeMap<String, BTreeMap<String, BTreeMap<String, usize>>>,
    /// account id -> status name -> count: every scanned account (zero included) of a report over
    /// several accounts or with account details (`scan.account_details`); empty, and not
    /// written, for a report of one account.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_account: BTreeMap<String, BTreeMap<String, usize>>,
    /// Whether [`Summary::add`] counts `by_account`.
    #[serde(skip)]
    pub counts_accounts: bool,
}

/// Suppression bookkeeping: entries that expired or matched nothing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SuppressionSection {
    pub file: Option<String>,
    pub expired: Vec<SuppressionEntryRef>,
    pub unmatched: Vec<SuppressionEntryRef>,
}

/// A suppressions-file entry, named for the report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// The VPC or transit gateway the change is for; empty for a region-level change (a log
    /// group). `vpc_id` in the report (the frozen v1 wire name).
    #[serde(rename = "vpc_id")]
    pub resource_id: String,
    /// e.g. `create-flow-log`, `create-log-group`, `associate-kms-key`.
    pub action: String,
    pub description: String,
    /// `applied`, `dry_run_ok`, `failed`, `skipped`: read as the enum, so any other value is
    /// refused with the field's path.
    pub outcome: Outcome,
    pub error: Option<String>,
    /// Ids of what the change created (flow-log ids, log group names).
    pub created: Vec<String>,
    /// check id -> status after the verification rescan.
    pub verified: BTreeMap<String, String>,
}

impl Document {
    /// The report before any result: tool, scan and rules filled in from the inventory's head;
    /// no results, a zero summary and no suppression bookkeeping.
    ///
    /// `scan.accounts` is the caller's account and those of the region entries; for an inventory
    /// with account details, the accounts it scanned and those of the region entries (the
    /// caller's account only when it was scanned).
    pub fn start(head: &InventoryHead, rules: Vec<RuleMeta>) -> Document {
        let caller = if head.accounts.is_empty() {
            Some(head.scan.account_id.clone())
        } else {
            None
        };
        let mut accounts: Vec<String> = caller
            .into_iter()
            .chain(
                head.accounts
                    .iter()
                    .filter(|a| a.scanned)
                    .map(|a| a.id.clone()),
            )
            .chain(head.regions.iter().map(|r| r.account_id.clone()))
            .filter(|a| !a.is_empty())
            .collect();
        accounts.sort();
        accounts.dedup();
        let mut regions: Vec<String> = if head.scan.regions_scanned.is_empty() {
            head.regions.iter().map(|r| r.region.clone()).collect()
        } else {
            head.scan.regions_scanned.clone()
        };
        regions.sort();
        regions.dedup();
        let summary = if head.accounts.is_empty() && accounts.len() < 2 {
            Summary::new(&regions)
        } else {
            Summary::per_account(&regions, &accounts)
        };
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
                started_at: head.scan.started_at.clone(),
                finished_at: head.scan.finished_at.clone(),
                partial: head.is_partial(),
                errors: head.errors.clone(),
                account_details: head.accounts.clone(),
                shard: None,
                resources: head.scan.resources_requested.clone(),
                recovered: head.scan.recovered,
            },
            rules,
            results: Vec::new(),
            summary,
            suppressions: SuppressionSection::default(),
            fixes: None,
            baseline: None,
        }
    }
}

fn zero_counts() -> BTreeMap<String, usize> {
    Status::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), 0))
        .collect()
}

/// Add one to `map[key][status]`, creating the entry (all statuses zero) on first use; the key is
/// copied only then.
fn bump(map: &mut BTreeMap<String, BTreeMap<String, usize>>, key: &str, status: &str) {
    let counts = match map.get_mut(key) {
        Some(c) => c,
        None => map.entry(key.to_string()).or_insert_with(zero_counts),
    };
    count(counts, status);
}

/// Add one to `counts[status]`; the name is copied only for a status not yet counted.
fn count(counts: &mut BTreeMap<String, usize>, status: &str) {
    match counts.get_mut(status) {
        Some(n) => *n += 1,
        None => {
            counts.insert(status.to_string(), 1);
        }
    }
}

impl Summary {
    /// Count results by status, by severity and status, by region and status, and by rule, check
    /// and status. Every status and severity appears (zero included), and every scanned region.
    pub fn of(results: &[Finding], regions: &[String]) -> Summary {
        let mut s = Summary::new(regions);
        for f in results {
            s.add(f);
        }
        s
    }

    /// The summary of no results: every status, severity and region at zero.
    pub fn new(regions: &[String]) -> Summary {
        Summary {
            total: 0,
            by_status: zero_counts(),
            by_severity: Severity::ALL
                .iter()
                .map(|v| (v.as_str().to_string(), zero_counts()))
                .collect(),
            by_region: regions.iter().map(|r| (r.clone(), zero_counts())).collect(),
            by_check: BTreeMap::new(),
            by_account: BTreeMap::new(),
            counts_accounts: false,
        }
    }

    /// The summary of no results that also counts by account: every status, severity, region
    /// and account at zero.
    pub fn per_account(regions: &[String], accounts: &[String]) -> Summary {
        Summary {
            by_account: accounts
                .iter()
                .map(|a| (a.clone(), zero_counts()))
                .collect(),
            counts_accounts: true,
            ..Summary::new(regions)
        }
    }

    /// Count one more result.
    pub fn add(&mut self, f: &Finding) {
        let st = f.status.as_str();
        self.total += 1;
        count(&mut self.by_status, st);
        bump(&mut self.by_severity, f.severity.as_str(), st);
        bump(&mut self.by_region, &f.resource.region, st);
        if self.counts_accounts {
            bump(&mut self.by_account, &f.resource.account_id, st);
        }
        let checks = match self.by_check.get_mut(&f.rule_id) {
            Some(c) => c,
            None => self.by_check.entry(f.rule_id.clone()).or_default(),
        };
        bump(checks, &f.check_id, st);
    }

    /// Number of results with `status`, over every severity.
    pub fn count(&self, status: Status) -> usize {
        self.by_status.get(status.as_str()).copied().unwrap_or(0)
    }

    /// Number of `fail` results of this severity.
    pub fn failures(&self, severity: Severity) -> usize {
        self.by_severity
            .get(severity.as_str())
            .and_then(|c| c.get(Status::Fail.as_str()))
            .copied()
            .unwrap_or(0)
    }
}

/// Serializes a report whose results are produced while it is written, so that they never need
/// to be held in memory together. The bytes are those of the [`Document`] with the same content.
pub struct Streamed<'a> {
    doc: &'a Document,
    /// The `baseline` section, written after the results: set by the producer as it finishes.
    baseline: Option<&'a RefCell<Option<BaselineSection>>>,
    produce: RefCell<Option<Producer<'a>>>,
    tail: RefCell<Option<(Summary, SuppressionSection)>>,
    failed: RefCell<Option<crate::error::Error>>,
}

/// Hands every result to its argument, in report order, then returns the summary and
/// suppression bookkeeping of what it handed over.
pub type Producer<'a> = Box<
    dyn FnOnce(
            &mut dyn FnMut(&Finding),
        ) -> Result<(Summary, SuppressionSection), crate::error::Error>
        + 'a,
>;

impl<'a> Streamed<'a> {
    /// `doc` supplies everything but `results`, `summary` and `suppressions`, which come from
    /// `produce` when the serializer reaches them.
    pub fn new(doc: &'a Document, produce: Producer<'a>) -> Self {
        Streamed {
            doc,
            baseline: None,
            produce: RefCell::new(Some(produce)),
            tail: RefCell::new(None),
            failed: RefCell::new(None),
        }
    }

    /// Also write the `baseline` section, which `baseline` holds once the producer has run.
    pub fn with_baseline(mut self, baseline: &'a RefCell<Option<BaselineSection>>) -> Self {
        self.baseline = Some(baseline);
        self
    }

    /// After serializing: the producer's summary and suppression bookkeeping, or its error.
    pub fn finish(self) -> Result<(Summary, SuppressionSection), crate::error::Error> {
        if let Some(e) = self.failed.into_inner() {
            return Err(e);
        }
        self.tail
            .into_inner()
            .ok_or_else(|| crate::error::Error::internal("the report was not written"))
    }

    /// The error the producer stopped with, if it did (serialization then failed too).
    pub fn take_error(&self) -> Option<crate::error::Error> {
        self.failed.borrow_mut().take()
    }
}

impl Serialize for Streamed<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeStruct};
        let d = self.doc;
        let mut st = s.serialize_struct("Document", 7 + usize::from(d.fixes.is_some()))?;
        st.serialize_field("schema", &d.schema)?;
        st.serialize_field("tool", &d.tool)?;
        st.serialize_field("scan", &d.scan)?;
        st.serialize_field("rules", &d.rules)?;
        st.serialize_field("results", &ResultsField(self))?;
        let tail = self.tail.borrow();
        let Some((summary, suppressions)) = tail.as_ref() else {
            return Err(S::Error::custom("the results were not produced"));
        };
        st.serialize_field("summary", summary)?;
        st.serialize_field("suppressions", suppressions)?;
        match &d.fixes {
            Some(f) => st.serialize_field("fixes", f)?,
            None => st.skip_field("fixes")?,
        }
        let baseline = self.baseline.map(|b| b.borrow());
        match baseline
            .as_ref()
            .and_then(|b| b.as_ref())
            .or(d.baseline.as_ref())
        {
            Some(b) => st.serialize_field("baseline", b)?,
            None => st.skip_field("baseline")?,
        }
        st.end()
    }
}

/// The `results` array of a [`Streamed`] document: runs the producer.
struct ResultsField<'s, 'a>(&'s Streamed<'a>);

impl Serialize for ResultsField<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let Some(produce) = self.0.produce.borrow_mut().take() else {
            return Err(S::Error::custom("the results were already produced"));
        };
        let mut seq = s.serialize_seq(None)?;
        let mut write_err: Option<S::Error> = None;
        let mut shared = SharedParts::default();
        let produced = produce(&mut |f: &Finding| {
            if write_err.is_some() {
                return;
            }
            let written = match shared.wire(f) {
                Ok(w) => seq.serialize_element(&w),
                Err(e) => Err(S::Error::custom(e)),
            };
            if let Err(e) = written {
                write_err = Some(e);
            }
        });
        if let Some(e) = write_err {
            return Err(e);
        }
        match produced {
            Ok(tail) => {
                *self.0.tail.borrow_mut() = Some(tail);
                seq.end()
            }
            Err(e) => {
                let msg = e.to_string();
                *self.0.failed.borrow_mut() = Some(e);
                Err(S::Error::custom(msg))
            }
        }
    }
}

/// [`Streamed`] writes a result as its [`ResultWire`] with the parts many results share (the
/// rule's compliance mappings, the resource) as JSON rendered once, indented for their depth in
/// the pretty-printed report, so the bytes are those of the serialized `Finding`.
///
/// The indentation of a result's fields in the pretty-printed report: the document, `results`,
/// the result.
const RESULT_FIELD_INDENT: &str = "      ";

/// The shared parts of results, rendered once: each rule's compliance (few rules, many results)
/// and the last resource (its results come together). Each entry holds the `Arc` it was rendered
/// from, so its address, the key, cannot be reused by another value meanwhile.
#[derive(Default)]
struct SharedParts {
    compliance: Vec<(
        crate::findings::Compliance,
        Box<serde_json::value::RawValue>,
    )>,
    resource: Option<(
        std::sync::Arc<crate::findings::ResourceRef>,
        Box<serde_json::value::RawValue>,
    )>,
}

impl SharedParts {
    fn wire<'f>(
        &'f mut self,
        f: &'f Finding,
    ) -> Result<ResultWire<'f, RawValue, RawValue>, serde_json::Error> {
        let ci = match self
            .compliance
            .iter()
            .position(|(c, _)| std::sync::Arc::ptr_eq(&c.0, &f.compliance.0))
        {
            Some(i) => i,
            None => {
                self.compliance
                    .push((f.compliance.clone(), raw_at_depth(&f.compliance)?));
                self.compliance.len() - 1
            }
        };
        if !self
            .resource
            .as_ref()
            .is_some_and(|(r, _)| std::sync::Arc::ptr_eq(r, &f.resource))
        {
            self.resource = Some((
                std::sync::Arc::clone(&f.resource),
                raw_at_depth(f.resource.as_ref())?,
            ));
        }
        let resource = &self.resource.as_ref().expect("just set").1;
        Ok(f.wire(resource.as_ref(), self.compliance[ci].1.as_ref()))
    }
}

/// `v` pretty-printed as the value of a result's field.
fn raw_at_depth<T: Serialize + ?Sized>(
    v: &T,
) -> Result<Box<serde_json::value::RawValue>, serde_json::Error> {
    let text = serde_json::to_string_pretty(v)?;
    serde_json::value::RawValue::from_string(
        text.replace('\n', &format!("\n{RESULT_FIELD_INDENT}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Account, RegionKey, ScanMeta};

    fn head(accounts: Vec<Account>, regions: &[(&str, &str)]) -> InventoryHead {
        InventoryHead {
            schema: crate::inventory::INVENTORY_SCHEMA.into(),
            scan: ScanMeta {
                tool_version: "0.1.0".into(),
                started_at: "2026-01-01T00:00:00Z".into(),
                finished_at: "2026-01-01T00:00:01Z".into(),
                account_id: "111111111111".into(),
                regions_requested: Vec::new(),
                regions_scanned: Vec::new(),
                resources_requested: Vec::new(),
                recovered: 0,
            },
            regions: regions
                .iter()
                .map(|(a, r)| RegionKey {
                    account_id: a.to_string(),
                    region: r.to_string(),
                })
                .collect(),
            errors: Vec::new(),
            accounts,
        }
    }

    fn account(id: &str, scanned: bool) -> Account {
        Account {
            id: id.into(),
            name: Some(format!("n{id}")),
            email: None,
            status: Some(if scanned { "ACTIVE" } else { "SUSPENDED" }.into()),
            ou_path: Vec::new(),
            tags: BTreeMap::new(),
            role_arn: None,
            scanned,
            skip_reason: (!scanned).then(|| "suspended".into()),
        }
    }

    #[test]
    fn one_account_gives_neither_details_nor_counts_by_account() {
        let doc = Document::start(
            &head(Vec::new(), &[("111111111111", "eu-west-1")]),
            Vec::new(),
        );
        assert_eq!(doc.scan.accounts, ["111111111111"]);
        let v = serde_json::to_value(&doc).unwrap();
        assert!(v["scan"].get("account_details").is_none());
        assert!(v["summary"].get("by_account").is_none());
    }

    #[test]
    fn several_accounts_are_counted_by_account_and_details_list_the_scanned_ones() {
        // Two accounts without details (a shared inventory): counted by account.
        let doc = Document::start(
            &head(
                Vec::new(),
                &[("111111111111", "eu-west-1"), ("222222222222", "eu-west-1")],
            ),
            Vec::new(),
        );
        assert_eq!(doc.summary.by_account.len(), 2);
        assert!(doc.scan.account_details.is_empty());

        // With details: the scanned accounts (the caller's only when it is one of them).
        let details = vec![
            account("222222222222", true),
            account("333333333333", false),
            account("444444444444", true),
        ];
        let doc = Document::start(
            &head(details.clone(), &[("222222222222", "eu-west-1")]),
            Vec::new(),
        );
        assert_eq!(doc.scan.accounts, ["222222222222", "444444444444"]);
        assert_eq!(doc.scan.account_details, details);
        assert_eq!(
            doc.summary.by_account.keys().collect::<Vec<_>>(),
            ["222222222222", "444444444444"]
        );
        assert!(
            doc.summary.by_account["444444444444"]
                .values()
                .all(|n| *n == 0)
        );
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(v["scan"]["account_details"][1]["scanned"], false);
        assert_eq!(v["summary"]["by_account"]["444444444444"]["fail"], 0);
    }

    #[test]
    fn report_errors_carry_their_class_and_fix_and_the_inventory_does_not() {
        let error = |code: &str, service: &str, op: &str| ScanError {
            account_id: "111111111111".into(),
            region: Some("eu-west-1".into()),
            service: service.into(),
            operation: op.into(),
            code: code.into(),
            message: "m".into(),
        };
        let mut h = head(Vec::new(), &[("111111111111", "eu-west-1")]);
        h.errors = vec![
            error("Throttling", "ec2", "DescribeVpcs"),
            error("UnauthorizedOperation", "ec2", "DescribeFlowLogs"),
            ScanError {
                region: None,
                ..error("ExpiredToken", "sts", "GetCallerIdentity")
            },
            error("Transport", "logs", "DescribeLogGroups"),
            error("HTTP503", "s3", "GetBucketEncryption"),
            error("InvalidParameterValue", "ec2", "DescribeSubnets"),
        ];
        let doc = Document::start(&h, Vec::new());
        let v = serde_json::to_value(&doc).unwrap();
        let entries = v["scan"]["errors"].as_array().unwrap();
        let got: Vec<(&str, Option<&str>)> = entries
            .iter()
            .map(|e| (e["class"].as_str().unwrap(), e["fix"].as_str()))
            .collect();
        assert_eq!(got[0].0, "throttling");
        assert!(got[0].1.unwrap().contains("--max-attempts"), "{got:?}");
        assert_eq!(got[1].0, "access_denied");
        assert!(got[1].1.unwrap().contains("grant ec2:DescribeFlowLogs"));
        assert_eq!(got[2].0, "credentials");
        assert!(got[2].1.unwrap().contains("log in again"));
        assert_eq!(got[3].0, "network");
        assert!(got[3].1.unwrap().contains("endpoint"));
        assert_eq!(got[4].0, "server");
        assert!(got[4].1.unwrap().contains("server error"));
        // An error of no known class says so and has no fix.
        assert_eq!(got[5], ("other", None));
        assert!(entries[5].get("fix").is_none());
        // The inventory's fields first, in the inventory's order, then the two the report adds.
        let keys: Vec<&str> = entries[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let text = serde_json::to_string(&doc.scan).unwrap();
        let at = |k: &str| text.find(&format!("\"{k}\":")).unwrap();
        let order = [
            "account_id",
            "region",
            "service",
            "operation",
            "code",
            "message",
            "class",
            "fix",
        ];
        assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{text}");
        assert_eq!(keys.len(), order.len());
        assert!(entries[2]["region"].is_null());
        // Read back, the errors are the inventory's; the class and fix are not kept.
        let back: Document = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back.scan.errors, h.errors);
        // A saved class or fix that disagrees is not trusted: writing again recomputes both.
        let mut edited = v.clone();
        edited["scan"]["errors"][0]["class"] = "network".into();
        edited["scan"]["errors"][0]["fix"] = "<b>nothing</b>".into();
        let again: Document = serde_json::from_value(edited).unwrap();
        assert_eq!(serde_json::to_value(&again).unwrap(), v);
        // A field the report does not define is still refused.
        let mut extra = v.clone();
        extra["scan"]["errors"][0]["hint"] = "x".into();
        let e = serde_json::from_value::<Document>(extra).unwrap_err();
        assert!(e.to_string().contains("hint"), "{e}");
        // The inventory writes its errors without either field, and refuses them.
        let inv = serde_json::to_value(&h.errors).unwrap();
        assert!(inv[0].get("class").is_none() && inv[0].get("fix").is_none());
        assert!(
            serde_json::from_value::<Vec<ScanError>>(entries.clone().into()).is_err(),
            "the inventory format stays strict"
        );
    }
}

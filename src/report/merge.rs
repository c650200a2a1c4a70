//! Saved reports read back and merged: `flowaudit report` reads `flowaudit/report/v1` files a
//! result at a time (never a whole file in memory) and merges the reports of several runs, such
//! as the shards of one scan, into one document.
//!
//! A merge reads every input twice: first without its results ([`read`] with no callback), to
//! check that the inputs agree and to build the merged document's head ([`merge_heads`]); then
//! with them, in input order, while the outputs are written. The results of an account that
//! several inputs cover are taken from the first of them; the others are only compared with it
//! ([`Overlap`]).

use super::v1::{
    Document, FixOutcome, REPORT_SCHEMA, RuleMeta, ScanSection, SuppressionEntryRef,
    SuppressionSection, ToolInfo,
};
use super::values;
use crate::error::Error;
use crate::findings::identity::identity;
use crate::findings::{Compliance, Finding, ResourceRef, Status};
use crate::inventory::Account;
use crate::inventory::validate::{Invalid, show};
use crate::term::{Escaped, escape};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

/// A saved report without its results and summary (which a merge counts again).
#[derive(Debug, Clone, PartialEq)]
pub struct SavedHead {
    pub schema: String,
    pub tool: ToolInfo,
    pub scan: ScanSection,
    pub rules: Vec<RuleMeta>,
    pub suppressions: SuppressionSection,
    pub fixes: Option<Vec<FixOutcome>>,
}

/// What is done with each result of a file being read.
pub type OnResult<'a> = &'a mut dyn FnMut(Finding) -> Result<(), Error>;

/// Read the report at `path`. With `on_result`, each result is parsed and handed to it in file
/// order; without, the results are skipped unparsed. A file that is not a report is refused with
/// its position (`FILE:LINE:COLUMN`): malformed JSON, a key given twice, an account id that is
/// not 12 digits or a number out of its bounds ([`values`]), and, when the results are parsed, a
/// result given twice (by [`identity`]) or of an account the report does not cover
/// ([`covered_accounts`]).
pub fn read(path: &Path, on_result: Option<OnResult<'_>>) -> Result<SavedHead, Error> {
    let origin = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| {
        Error::input(format!(
            "cannot read report {}: {}",
            escape(&origin),
            Escaped(e)
        ))
    })?;
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut de = serde_json::Deserializer::from_reader(reader);
    let failed = RefCell::new(None);
    let seed = DocSeed {
        on_result: RefCell::new(on_result),
        failed: &failed,
    };
    match seed.deserialize(&mut de).and_then(|h| de.end().map(|()| h)) {
        Ok(h) => Ok(h),
        Err(_) if failed.borrow().is_some() => Err(failed.take().expect("checked")),
        Err(e) if e.is_io() => Err(Error::input(format!(
            "cannot read report {}: {}",
            escape(&origin),
            Escaped(e)
        ))),
        Err(e) => Err(Error::input(format!(
            "{}:{}:{}: invalid report: {}\n  fix: give JSON reports written by `flowaudit scan --format json` ({REPORT_SCHEMA}, docs/report-v1.md)",
            escape(&origin),
            e.line(),
            e.column(),
            Escaped(message_of(&e))
        ))),
    }
}

/// serde_json's message without its own " at line L column C" (the position is given first).
fn message_of(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

struct DocSeed<'a, 'b> {
    on_result: RefCell<Option<OnResult<'b>>>,
    failed: &'a RefCell<Option<Error>>,
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_, '_> {
    type Value = SavedHead;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<SavedHead, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_, '_> {
    type Value = SavedHead;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "a {REPORT_SCHEMA} report (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SavedHead, A::Error> {
        let (mut schema, mut tool, mut scan, mut rules, mut suppressions, mut fixes) =
            (None, None, None, None, None, None);
        let mut results = false;
        let mut summary = false;
        let mut keys = HashSet::new();
        // The accounts of results read before `scan`, each with its first result's index.
        let mut pending = BTreeMap::new();
        let invalid =
            |e: Invalid, within: &str| -> A::Error { de::Error::custom(e.within(within)) };
        while let Some(key) = map.next_key::<String>()? {
            if keys.contains(&key) {
                return Err(de::Error::custom(format_args!(
                    "the key {} is given twice",
                    show(&key)
                )));
            }
            keys.insert(key.clone());
            match key.as_str() {
                "schema" => {
                    let s: String = map.next_value()?;
                    if s != REPORT_SCHEMA {
                        return Err(de::Error::custom(format!(
                            "`schema` is {:?}; flowaudit {} reads {REPORT_SCHEMA}",
                            s,
                            env!("CARGO_PKG_VERSION")
                        )));
                    }
                    schema = Some(s);
                }
                "tool" => tool = Some(map.next_value()?),
                "scan" => {
                    let s: ScanSection = map.next_value()?;
                    values::scan(&s).map_err(|e| invalid(e, "scan"))?;
                    scan = Some(s);
                }
                "rules" => rules = Some(map.next_value()?),
                "results" => {
                    results = true;
                    match self.on_result.borrow_mut().as_mut() {
                        Some(cb) => map.next_value_seed(ResultsSeed {
                            on_result: &mut **cb,
                            failed: self.failed,
                            covered: scan.as_ref().map(covered_accounts),
                            pending: &mut pending,
                        })?,
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                "summary" => {
                    summary = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "suppressions" => {
                    let s: SuppressionSection = map.next_value()?;
                    values::suppressions(&s).map_err(|e| invalid(e, "suppressions"))?;
                    suppressions = Some(s);
                }
                "fixes" => {
                    fixes = map.next_value::<Option<Vec<FixOutcome>>>()?;
                    if let Some(f) = &fixes {
                        values::fixes(f).map_err(de::Error::custom)?;
                    }
                }
                // Fields added to v1 after this version are read past.
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let missing = |name: &'static str| de::Error::missing_field(name);
        if !results {
            return Err(missing("results"));
        }
        if !summary {
            return Err(missing("summary"));
        }
        if let Some(s) = &scan {
            let covered = covered_accounts(s);
            let first = pending
                .iter()
                .filter(|(a, _)| !covered.contains(a.as_str()))
                .min_by_key(|(_, i)| **i);
            if let Some((account, i)) = first {
                return Err(uncovered(*i, account));
            }
        }
        Ok(SavedHead {
            schema: schema.ok_or_else(|| missing("schema"))?,
            tool: tool.ok_or_else(|| missing("tool"))?,
            scan: scan.ok_or_else(|| missing("scan"))?,
            rules: rules.ok_or_else(|| missing("rules"))?,
            suppressions: suppressions.ok_or_else(|| missing("suppressions"))?,
            fixes,
        })
    }
}

/// The accounts a report covers: those it scanned (`scan.accounts`), those of its account
/// details (skipped ones included) and those of its errors. Every result is of one of them, and
/// a merge compares the results of an account that several inputs cover.
pub fn covered_accounts(scan: &ScanSection) -> BTreeSet<&str> {
    let mut out: BTreeSet<&str> = scan.accounts.iter().map(String::as_str).collect();
    out.extend(scan.account_details.iter().map(|a| a.id.as_str()));
    out.extend(scan.errors.iter().map(|e| e.account_id.as_str()));
    out
}

/// The error for result `i`, of an account the report does not cover.
fn uncovered<E: de::Error>(i: usize, account: &str) -> E {
    E::custom(format_args!(
        "`results[{i}].resource.account_id` is {}, an account the report does not cover (in none of `scan.accounts`, `scan.account_details` and `scan.errors`)",
        show(account)
    ))
}

struct ResultsSeed<'a, 'b, 's> {
    on_result: &'a mut (dyn FnMut(Finding) -> Result<(), Error> + 'b),
    failed: &'a RefCell<Option<Error>>,
    /// The accounts of the report, when `scan` came before the results.
    covered: Option<BTreeSet<&'s str>>,
    /// Otherwise: the accounts of the results, each with its first result's index, checked
    /// once `scan` is read.
    pending: &'a mut BTreeMap<String, usize>,
}

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of results")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut shared = Sharer::default();
        // Each result's identity (its first half: a collision is out of reach) -> its index.
        let mut seen: HashMap<[u8; 16], usize> = HashMap::new();
        let mut i = 0usize;
        while let Some(mut f) = seq.next_element::<Finding>()? {
            if f.status == Status::Suppressed && f.suppression.is_none() {
                return Err(de::Error::custom(format!(
                    "results[{i}] is suppressed but has no `suppression`"
                )));
            }
            values::result(&f)
                .map_err(|e| de::Error::custom(e.within(format_args!("results[{i}]"))))?;
            let account = f.resource.account_id.as_str();
            match &self.covered {
                Some(c) if !c.contains(account) => return Err(uncovered(i, account)),
                Some(_) => {}
                None if self.pending.contains_key(account) => {}
                None => {
                    self.pending.insert(account.to_string(), i);
                }
            }
            let key: [u8; 16] = identity(&f)[..16].try_into().expect("16 of 32 bytes");
            if let Some(first) = seen.insert(key, i) {
                let r = &f.resource;
                return Err(de::Error::custom(format_args!(
                    "`results[{i}]` repeats `results[{first}]`: rule {}, check {}, resource {} of account {} in {}",
                    show(&f.rule_id),
                    show(&f.check_id),
                    show(&r.id),
                    show(&r.account_id),
                    show(&r.region)
                )));
            }
            shared.share(&mut f);
            if let Err(e) = (self.on_result)(f) {
                *self.failed.borrow_mut() = Some(e);
                return Err(de::Error::custom("stopped"));
            }
            i += 1;
        }
        Ok(())
    }
}

/// Makes results read from a file share their resource and compliance mappings as those of a
/// scan do: one copy per resource (whose results come together) and per rule.
#[derive(Default)]
struct Sharer {
    resource: Option<Arc<ResourceRef>>,
    compliance: Vec<Compliance>,
}

impl Sharer {
    fn share(&mut self, f: &mut Finding) {
        match &self.resource {
            Some(r) if **r == *f.resource => f.resource = Arc::clone(r),
            _ => self.resource = Some(Arc::clone(&f.resource)),
        }
        match self.compliance.iter().find(|c| **c == f.compliance) {
            Some(c) => f.compliance = c.clone(),
            None if self.compliance.len() < 256 => self.compliance.push(f.compliance.clone()),
            None => {}
        }
    }
}

/// The merged head of several reports, and what the second reading needs.
#[derive(Debug)]
pub struct Merged {
    /// The merged document without results: its summary is the zero summary the results are
    /// counted on.
    pub doc: Document,
    /// The accounts several inputs cover, each with the inputs that cover it (first one first).
    pub overlap: Overlap,
    /// Things worth telling the user that do not stop the merge (missing shards).
    pub warnings: Vec<String>,
}

/// `(name, head)` of each input, in the order given.
pub type Input = (String, SavedHead);

/// Check that the inputs agree and merge their heads: the accounts, regions and errors of all,
/// the account details (skipped accounts included), the earliest start and latest finish, the
/// suppression bookkeeping and the fixes. Inputs that disagree (another schema or flowaudit
/// version, other rules, an account scanned in one and skipped in another) are refused naming
/// both files.
pub fn merge_heads(inputs: &[Input]) -> Result<Merged, Error> {
    let Some((first_name, first)) = inputs.first() else {
        return Err(Error::input(
            "flowaudit report needs at least one report file",
        ));
    };
    for (name, h) in &inputs[1..] {
        if h.schema != first.schema {
            return Err(disagree(
                first_name,
                name,
                &format!("schemas differ ({:?}, {:?})", first.schema, h.schema),
                "merge reports of one schema",
            ));
        }
        if h.tool.version != first.tool.version {
            return Err(disagree(
                first_name,
                name,
                &format!(
                    "they were written by different flowaudit versions ({}, {})",
                    escape(&first.tool.version),
                    escape(&h.tool.version)
                ),
                "merge reports of one flowaudit version; run the scans again with one version",
            ));
        }
        if let Some(why) = rules_differ(&first.rules, &h.rules) {
            return Err(disagree(
                first_name,
                name,
                &why,
                "merge reports scanned with the same rules, rule files and configuration",
            ));
        }
    }

    let mut accounts = BTreeSet::new();
    let mut regions = BTreeSet::new();
    let mut errors = Vec::new();
    let mut seen_errors = HashSet::new();
    let mut details: BTreeMap<String, (usize, Account)> = BTreeMap::new();
    let mut covered: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut fixes: Option<Vec<FixOutcome>> = None;
    let mut started = first.scan.started_at.clone();
    let mut finished = first.scan.finished_at.clone();
    let mut partial = false;
    for (i, (name, h)) in inputs.iter().enumerate() {
        accounts.extend(h.scan.accounts.iter().cloned());
        regions.extend(h.scan.regions.iter().cloned());
        for e in &h.scan.errors {
            if seen_errors.insert(e) {
                errors.push(e.clone());
            }
        }
        partial |= h.scan.partial;
        for a in &h.scan.account_details {
            match details.get(&a.id) {
                Some((j, b)) if b.scanned != a.scanned || b.skip_reason != a.skip_reason => {
                    let state = |a: &Account| match (&a.skip_reason, a.scanned) {
                        (_, true) => "scanned".to_string(),
                        (Some(r), false) => format!("not scanned ({})", escape(r)),
                        (None, false) => "not scanned".to_string(),
                    };
                    return Err(disagree(
                        &inputs[*j].0,
                        name,
                        &format!(
                            "account {} is {} in the first and {} in the second",
                            escape(&a.id),
                            state(b),
                            state(a)
                        ),
                        "merge reports of one scan of each account",
                    ));
                }
                Some(_) => {}
                None => {
                    details.insert(a.id.clone(), (i, a.clone()));
                }
            }
        }
        for a in covered_accounts(&h.scan) {
            covered.entry(a.to_string()).or_default().push(i);
        }
        if earlier(&h.scan.started_at, &started) {
            started = h.scan.started_at.clone();
        }
        if earlier(&finished, &h.scan.finished_at) {
            finished = h.scan.finished_at.clone();
        }
        if let Some(f) = &h.fixes {
            fixes.get_or_insert_with(Vec::new).extend(f.iter().cloned());
        }
    }
    let accounts: Vec<String> = accounts.into_iter().collect();
    let regions: Vec<String> = regions.into_iter().collect();
    let account_details: Vec<Account> = details.into_values().map(|(_, a)| a).collect();
    let summary = if account_details.is_empty() && accounts.len() < 2 {
        super::v1::Summary::new(&regions)
    } else {
        super::v1::Summary::per_account(&regions, &accounts)
    };
    let doc = Document {
        schema: first.schema.clone(),
        tool: first.tool.clone(),
        scan: ScanSection {
            accounts,
            regions,
            started_at: started,
            finished_at: finished,
            partial: partial || !errors.is_empty(),
            errors,
            account_details,
            shard: None,
            // Any targeted input makes the merge speak for its resources alone.
            resources: {
                let mut r: Vec<String> = inputs
                    .iter()
                    .flat_map(|(_, h)| h.scan.resources.iter().cloned())
                    .collect();
                r.sort();
                r.dedup();
                r
            },
            recovered: inputs.iter().map(|(_, h)| h.scan.recovered).sum(),
        },
        rules: first.rules.clone(),
        results: Vec::new(),
        summary,
        suppressions: merge_suppressions(inputs),
        fixes,
        baseline: None,
    };
    let overlap = Overlap {
        inputs: covered.into_iter().filter(|(_, v)| v.len() > 1).collect(),
        names: inputs.iter().map(|(n, _)| n.clone()).collect(),
        digests: HashMap::new(),
    };
    Ok(Merged {
        doc,
        overlap,
        warnings: shard_warnings(inputs),
    })
}

fn disagree(a: &str, b: &str, why: &str, fix: &str) -> Error {
    Error::input(format!(
        "reports {} and {} disagree: {why}\n  fix: {fix}",
        escape(a),
        escape(b)
    ))
}

/// Why two rule lists differ, or `None` when they are the same.
fn rules_differ(a: &[RuleMeta], b: &[RuleMeta]) -> Option<String> {
    let ids = |r: &[RuleMeta]| r.iter().map(|m| m.id.clone()).collect::<BTreeSet<_>>();
    let (ia, ib) = (ids(a), ids(b));
    if let Some(id) = ia.difference(&ib).next() {
        return Some(format!(
            "rule {} is in the first, not in the second",
            escape(id)
        ));
    }
    if let Some(id) = ib.difference(&ia).next() {
        return Some(format!(
            "rule {} is in the second, not in the first",
            escape(id)
        ));
    }
    for m in a {
        if b.iter().find(|n| n.id == m.id) != Some(m) {
            return Some(format!(
                "rule {} has other metadata (title, severity, checks, fixes, compliance or source)",
                escape(&m.id)
            ));
        }
    }
    None
}

/// Whether timestamp `a` is before `b` (RFC 3339; compared as text when either does not parse).
fn earlier(a: &str, b: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(x), Ok(y)) => x < y,
        _ => a < b,
    }
}

/// The suppression bookkeeping of the inputs together: per suppressions file, the entries that
/// expired in any input, and those that matched nothing in every input that used that file (an
/// entry unused by one shard may have matched in another).
fn merge_suppressions(inputs: &[Input]) -> SuppressionSection {
    let mut files: Vec<&str> = Vec::new();
    let mut expired: Vec<SuppressionEntryRef> = Vec::new();
    let mut unmatched: Vec<SuppressionEntryRef> = Vec::new();
    let mut seen_expired = HashSet::new();
    for (_, h) in inputs {
        let Some(file) = h.suppressions.file.as_deref() else {
            continue;
        };
        if !files.contains(&file) {
            files.push(file);
        }
        for e in &h.suppressions.expired {
            if seen_expired.insert(e) {
                expired.push(e.clone());
            }
        }
    }
    let mut seen_unmatched = HashSet::new();
    for file in &files {
        let users: Vec<HashSet<&SuppressionEntryRef>> = inputs
            .iter()
            .map(|(_, h)| &h.suppressions)
            .filter(|s| s.file.as_deref() == Some(file))
            .map(|s| s.unmatched.iter().collect())
            .collect();
        let first = inputs
            .iter()
            .map(|(_, h)| &h.suppressions)
            .find(|s| s.file.as_deref() == Some(file))
            .expect("a file of an input");
        for e in &first.unmatched {
            if users.iter().all(|u| u.contains(e)) && seen_unmatched.insert(e) {
                unmatched.push(e.clone());
            }
        }
    }
    SuppressionSection {
        file: (!files.is_empty()).then(|| files.join(", ")),
        expired,
        unmatched,
    }
}

/// How many ranges of missing shards a warning lists.
const LISTED_RANGES: usize = 10;

/// Shards of one partition that are missing from the inputs, as ranges of indices. Computed from
/// the shards given, never by walking the partition (whose size a file gives).
fn shard_warnings(inputs: &[Input]) -> Vec<String> {
    let shards: Vec<_> = inputs
        .iter()
        .filter_map(|(_, h)| h.scan.shard.as_ref())
        .collect();
    let mut out = Vec::new();
    let Some(count) = shards.first().map(|s| s.count) else {
        return out;
    };
    if shards.iter().any(|s| s.count != count) {
        out.push("the inputs are shards of partitions of different sizes".to_string());
        return out;
    }
    let given: BTreeSet<u32> = shards
        .iter()
        .map(|s| s.index)
        .filter(|i| *i < count)
        .collect();
    // Inclusive ranges of the indices below `count` that no input gives.
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    let mut next = 0u32;
    for &i in &given {
        if i > next {
            ranges.push((next, i - 1));
        }
        next = i + 1;
    }
    if next < count {
        ranges.push((next, count - 1));
    }
    let missing: u64 = ranges.iter().map(|(a, b)| u64::from(b - a) + 1).sum();
    match ranges.as_slice() {
        [] => {}
        [(a, b)] if a == b => out.push(format!(
            "shard {a}/{count} missing: the merged report does not cover the accounts of that shard"
        )),
        _ => {
            let mut listed: Vec<String> = ranges
                .iter()
                .take(LISTED_RANGES)
                .map(|(a, b)| {
                    if a == b {
                        a.to_string()
                    } else {
                        format!("{a}-{b}")
                    }
                })
                .collect();
            if ranges.len() > LISTED_RANGES {
                listed.push(format!("and {} more", ranges.len() - LISTED_RANGES));
            }
            out.push(format!(
                "shards {} of {count} missing ({missing} of {count}): the merged report does not cover the accounts of those shards",
                listed.join(", ")
            ));
        }
    }
    out
}

/// The accounts several inputs cover. Their results are taken from the first input that covers
/// them; the results the others give are only hashed, and must hash alike.
#[derive(Debug)]
pub struct Overlap {
    inputs: BTreeMap<String, Vec<usize>>,
    names: Vec<String>,
    /// (account, input) -> (sum of the results' hashes, number of results).
    digests: HashMap<(String, usize), (u64, usize)>,
}

impl Overlap {
    /// Whether result `f` of input `input` goes into the merged report: always, unless its
    /// account is covered by an earlier input too. Results of an account several inputs cover
    /// are hashed for [`Overlap::check_input`].
    pub fn take(&mut self, input: usize, f: &Finding) -> bool {
        let Some(owners) = self.inputs.get(f.resource.account_id.as_str()) else {
            return true;
        };
        let first = owners[0];
        let mut h = std::hash::DefaultHasher::new();
        match serde_json::to_vec(f) {
            Ok(bytes) => bytes.hash(&mut h),
            Err(_) => f.rule_id.hash(&mut h),
        }
        let d = self
            .digests
            .entry((f.resource.account_id.clone(), input))
            .or_insert((0, 0));
        d.0 = d.0.wrapping_add(h.finish());
        d.1 += 1;
        input == first
    }

    /// After input `input` was read: each account it shares with an earlier input must have had
    /// the same results in both (in any order).
    pub fn check_input(&self, input: usize) -> Result<(), Error> {
        for (account, owners) in &self.inputs {
            if owners[0] == input || !owners.contains(&input) {
                continue;
            }
            let of = |i: usize| {
                self.digests
                    .get(&(account.clone(), i))
                    .copied()
                    .unwrap_or((0, 0))
            };
            let (a, b) = (of(owners[0]), of(input));
            if a != b {
                return Err(disagree(
                    &self.names[owners[0]],
                    &self.names[input],
                    &format!(
                        "account {} is in both, with different results ({} and {})",
                        escape(account),
                        a.1,
                        b.1
                    ),
                    "merge reports of disjoint accounts (shards of one partition), or of one scan of each account",
                ));
            }
        }
        Ok(())
    }
}

/// The merged report of documents held in memory: [`merge_heads`] of their heads, then their
/// results in order with each account's results taken once. For tests and small reports.
pub fn merge_documents(docs: &[(String, Document)]) -> Result<Document, Error> {
    let inputs: Vec<Input> = docs
        .iter()
        .map(|(n, d)| {
            (
                n.clone(),
                SavedHead {
                    schema: d.schema.clone(),
                    tool: d.tool.clone(),
                    scan: d.scan.clone(),
                    rules: d.rules.clone(),
                    suppressions: d.suppressions.clone(),
                    fixes: d.fixes.clone(),
                },
            )
        })
        .collect();
    let Merged {
        mut doc,
        mut overlap,
        ..
    } = merge_heads(&inputs)?;
    for (i, (_, d)) in docs.iter().enumerate() {
        for f in &d.results {
            if overlap.take(i, f) {
                doc.summary.add(f);
                doc.results.push(f.clone());
            }
        }
        overlap.check_input(i)?;
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{ResourceRef, Severity};

    fn result(account: &str, vpc: &str, status: Status) -> Finding {
        Finding {
            rule_id: "VPC-001".into(),
            check_id: "flow-log-exists".into(),
            status,
            severity: Severity::High,
            resource: Arc::new(ResourceRef {
                kind: "vpc".into(),
                id: vpc.into(),
                arn: format!("arn:aws:ec2:eu-west-1:{account}:vpc/{vpc}"),
                region: "eu-west-1".into(),
                account_id: account.into(),
                name: None,
                tags: BTreeMap::new(),
                network_interfaces: None,
                is_default: None,
            }),
            message: "m".into(),
            compliance: Compliance::default(),
            remediation: None,
            suppression: None,
        }
    }

    fn doc(accounts: &[&str], results: Vec<Finding>, started: &str) -> Document {
        let mut d = Document {
            schema: REPORT_SCHEMA.into(),
            tool: ToolInfo {
                name: "flowaudit".into(),
                version: "1.0.0".into(),
                information_uri: "x".into(),
            },
            scan: ScanSection {
                accounts: accounts.iter().map(|a| a.to_string()).collect(),
                regions: vec!["eu-west-1".into()],
                started_at: started.into(),
                finished_at: started.replace(":00Z", ":30Z"),
                partial: false,
                errors: Vec::new(),
                account_details: Vec::new(),
                shard: None,
                resources: Vec::new(),
                recovered: 0,
            },
            rules: Vec::new(),
            results: Vec::new(),
            summary: super::super::v1::Summary::new(&["eu-west-1".to_string()]),
            suppressions: SuppressionSection::default(),
            fixes: None,
            baseline: None,
        };
        for f in results {
            d.summary.add(&f);
            d.results.push(f);
        }
        d
    }

    const A: &str = "111111111111";
    const B: &str = "222222222222";

    #[test]
    fn disjoint_reports_merge_into_every_result_once_with_the_times_spanning_both() {
        let a = doc(
            &[A],
            vec![result(A, "vpc-1", Status::Fail)],
            "2026-01-01T10:00:00Z",
        );
        let b = doc(
            &[B],
            vec![result(B, "vpc-2", Status::Pass)],
            "2026-01-01T09:00:00Z",
        );
        let m = merge_documents(&[("a".into(), a.clone()), ("b".into(), b)]).unwrap();
        assert_eq!(m.scan.accounts, [A, B]);
        assert_eq!(m.results.len(), 2);
        assert_eq!(m.summary.total, 2);
        assert_eq!(m.summary.by_account[A]["fail"], 1);
        assert_eq!(m.summary.by_account[B]["pass"], 1);
        assert_eq!(m.scan.started_at, "2026-01-01T09:00:00Z");
        assert_eq!(m.scan.finished_at, "2026-01-01T10:00:30Z");
        // The same report twice is that report.
        let same = merge_documents(&[("a".into(), a.clone()), ("a2".into(), a.clone())]).unwrap();
        assert_eq!(same.results, a.results);
        assert_eq!(same.summary, a.summary);
    }

    #[test]
    fn an_account_with_other_results_in_two_reports_is_refused_naming_both() {
        let a = doc(
            &[A],
            vec![result(A, "vpc-1", Status::Fail)],
            "2026-01-01T10:00:00Z",
        );
        let b = doc(
            &[A],
            vec![result(A, "vpc-1", Status::Pass)],
            "2026-01-01T10:00:00Z",
        );
        let e = merge_documents(&[("one.json".into(), a), ("two.json".into(), b)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("one.json and two.json disagree"), "{e}");
        assert!(e.contains(A), "{e}");
    }

    #[test]
    fn other_versions_or_rules_are_refused() {
        let a = doc(&[A], Vec::new(), "2026-01-01T10:00:00Z");
        let mut b = doc(&[B], Vec::new(), "2026-01-01T10:00:00Z");
        b.tool.version = "9.9.9".into();
        let e = merge_documents(&[("a".into(), a.clone()), ("b".into(), b)])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("different flowaudit versions (1.0.0, 9.9.9)"),
            "{e}"
        );
        let mut c = doc(&[B], Vec::new(), "2026-01-01T10:00:00Z");
        c.rules.push(RuleMeta {
            id: "X-1".into(),
            title: "t".into(),
            description: "d".into(),
            severity: Severity::Low,
            resource: "vpc".into(),
            checks: Vec::new(),
            compliance: BTreeMap::new(),
            references: Vec::new(),
            source: "builtin".into(),
        });
        let e = merge_documents(&[("a".into(), a), ("c".into(), c)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("rule X-1 is in the second"), "{e}");
    }

    #[test]
    fn missing_shards_are_ranges_computed_from_the_shards_given() {
        let input = |index: u32, count: u32| {
            let d = doc(&[A], Vec::new(), "2026-01-01T10:00:00Z");
            let mut scan = d.scan.clone();
            scan.shard = Some(super::super::v1::ShardInfo {
                index,
                count,
                accounts: Vec::new(),
            });
            (
                format!("s{index}"),
                SavedHead {
                    schema: d.schema,
                    tool: d.tool,
                    scan,
                    rules: d.rules,
                    suppressions: d.suppressions,
                    fixes: None,
                },
            )
        };
        let warnings = |given: &[(u32, u32)]| {
            shard_warnings(&given.iter().map(|(i, c)| input(*i, *c)).collect::<Vec<_>>())
        };
        assert!(warnings(&[(0, 2), (1, 2)]).is_empty());
        assert_eq!(
            warnings(&[(0, 3), (1, 3)]),
            ["shard 2/3 missing: the merged report does not cover the accounts of that shard"]
        );
        // A count no reader accepts (10,000 at most) still costs nothing here.
        let w = warnings(&[(2, 20_000_000), (2, 20_000_000)]);
        assert_eq!(
            w,
            [
                "shards 0-1, 3-19999999 of 20000000 missing (19999999 of 20000000): the merged report does not cover the accounts of those shards"
            ]
        );
        let w = warnings(&[(u32::MAX - 1, u32::MAX)]);
        assert!(
            w[0].starts_with("shards 0-4294967293 of 4294967295 missing"),
            "{w:?}"
        );
        // At most ten ranges are listed.
        let given: Vec<(u32, u32)> = (0..30).map(|i| (2 * i + 1, 100)).collect();
        let w = warnings(&given);
        assert!(
            w[0].starts_with(
                "shards 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, and 21 more of 100 missing (70 of 100)"
            ),
            "{w:?}"
        );
        assert_eq!(
            warnings(&[(0, 2), (0, 3)]),
            ["the inputs are shards of partitions of different sizes"]
        );
    }

    #[test]
    fn an_entry_unmatched_in_one_shard_but_matched_in_another_is_not_unmatched() {
        let entry = |i: usize| SuppressionEntryRef {
            index: i,
            rule_id: "VPC-001".into(),
            check_id: None,
            resource: "*".into(),
            reason: "r".into(),
            expires: "2099-01-01".into(),
        };
        let mut a = doc(&[A], Vec::new(), "2026-01-01T10:00:00Z");
        let mut b = doc(&[B], Vec::new(), "2026-01-01T10:00:00Z");
        a.suppressions = SuppressionSection {
            file: Some("s.toml".into()),
            expired: vec![entry(3)],
            unmatched: vec![entry(1), entry(2)],
        };
        b.suppressions = SuppressionSection {
            file: Some("s.toml".into()),
            expired: vec![entry(3)],
            unmatched: vec![entry(2)],
        };
        let m = merge_documents(&[("a".into(), a), ("b".into(), b)]).unwrap();
        assert_eq!(m.suppressions.unmatched, [entry(2)]);
        assert_eq!(m.suppressions.expired, [entry(3)]);
        assert_eq!(m.suppressions.file.as_deref(), Some("s.toml"));
    }

    #[test]
    fn a_report_is_read_back_as_written_and_a_broken_one_with_its_position() {
        let d = doc(
            &[A],
            vec![
                result(A, "vpc-1", Status::Fail),
                result(A, "vpc-2", Status::Pass),
            ],
            "2026-01-01T10:00:00Z",
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&d).unwrap()).unwrap();
        let mut got = Vec::new();
        let head = read(
            &path,
            Some(&mut |f| {
                got.push(f);
                Ok(())
            }),
        )
        .unwrap();
        assert_eq!(got, d.results);
        assert_eq!(head.scan, d.scan);
        assert_eq!(read(&path, None).unwrap(), head);

        let text = serde_json::to_string_pretty(&d)
            .unwrap()
            .replace("\"status\": \"pass\"", "\"status\": \"passed\"");
        std::fs::write(&path, &text).unwrap();
        let e = read(&path, Some(&mut |_| Ok(()))).unwrap_err().to_string();
        let line = text
            .lines()
            .position(|l| l.contains("passed"))
            .map(|n| n + 1)
            .unwrap();
        assert!(
            e.contains(&format!("r.json:{line}:")) && e.contains("unknown variant `passed`"),
            "{e}"
        );
        let schema = serde_json::to_string_pretty(&d)
            .unwrap()
            .replace(REPORT_SCHEMA, "flowaudit/report/v2");
        std::fs::write(&path, schema).unwrap();
        let e = read(&path, None).unwrap_err().to_string();
        assert!(
            e.contains("r.json:2:") && e.contains("flowaudit/report/v2"),
            "{e}"
        );
    }
}

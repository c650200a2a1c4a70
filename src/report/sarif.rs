//! The SARIF 2.1.0 format, shaped for GitHub code scanning and other SARIF consumers.
//!
//! Cloud resources have no source file, so each result points at a stable, relative artifact URI
//! `aws/<account>/<region>/<resource-id>` (line 1) and names the resource ARN as a logical location.
//! One run is written per scanned account, with `automationDetails.id` `<category>/<account>/`, so
//! that each account uploads as its own code-scanning category.
//!
//! This is the only module that uses `serde_sarif`.

use super::Reporter;
use super::escape::{markdown_code_block, markdown_inline};
use super::v1::{CheckMeta, Document, RuleMeta};
use crate::error::Error;
use crate::findings::{Finding, Severity, Status};
use crate::term::{escape, escape_lines};
use serde_json::{Value, json};
use serde_sarif::sarif;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::io::Write as _;

/// The schema URI written into `$schema`.
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `partialFingerprints` key of the per-resource, per-check identity hash.
pub const FINGERPRINT_KEY: &str = "flowauditResourceCheck/v1";

/// GitHub rejects a rule with more than 20 tags and shows 10: `security` and compliance ids, the
/// newest version of each framework first, up to this many in all. Every compliance id is in the
/// rule's `properties.compliance`.
pub const MAX_RULE_TAGS: usize = 10;

/// GitHub rejects a run with more than 25,000 results. An account with more failures keeps the
/// most severe ones (suppressed ones last) and says how many were left out, in a notification.
pub const MAX_RESULTS_PER_RUN: usize = 25_000;

/// GitHub code scanning accepts at most 20 runs in one SARIF file. A report over more accounts
/// (one run each) is written as one file per account ([`SarifReporter::render_account`],
/// [`account_file_name`]).
pub const MAX_RUNS_PER_FILE: usize = 20;

/// GitHub's limit on rule descriptions, in characters.
const MAX_DESCRIPTION: usize = 1024;

/// The default first part of `automationDetails.id`.
pub const DEFAULT_CATEGORY: &str = "flowaudit";

/// Writes SARIF 2.1.0.
#[derive(Clone)]
pub struct SarifReporter {
    /// First part of `runs[].automationDetails.id`; the account id and a `/` are appended.
    pub category: String,
    /// Per account, how many reported results a scan left out of the document already (see
    /// [`Selection`]): counted with those the run leaves out in its notification.
    pub omitted: BTreeMap<String, usize>,
}

impl Default for SarifReporter {
    fn default() -> Self {
        SarifReporter {
            category: DEFAULT_CATEGORY.to_string(),
            omitted: BTreeMap::new(),
        }
    }
}

impl Reporter for SarifReporter {
    fn format(&self) -> super::Format {
        super::Format::Sarif
    }
    fn shows(&self, status: Status) -> bool {
        matches!(status, Status::Fail | Status::Suppressed)
    }
    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error> {
        pretty(&self.log(doc))
    }
    /// Serialized straight into `out`, each run built only when it is written: no more than one
    /// run is held in memory, and never the text.
    fn render_to(&self, doc: &Document, out: &mut dyn std::io::Write) -> Result<(), Error> {
        let log = LazyLog {
            reporter: self,
            doc,
        };
        let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
        let written = serde_json::to_writer_pretty(&mut w, &log)
            .map_err(std::io::Error::from)
            .and_then(|()| w.write_all(b"\n"))
            .and_then(|()| w.flush());
        written.map_err(|e| {
            Error::fatal(format!(
                "cannot write the sarif report: {}",
                crate::term::Escaped(e)
            ))
        })
    }
}

impl SarifReporter {
    /// The SARIF log of one account alone: the run [`Reporter::render`] writes for it, with its
    /// own `automationDetails.id` (`<category>/<account>/`).
    pub fn render_account(&self, doc: &Document, account: &str) -> Result<Vec<u8>, Error> {
        pretty(&log_of(vec![self.run(doc, account, MAX_RESULTS_PER_RUN)]))
    }

    fn log(&self, doc: &Document) -> sarif::Sarif {
        log_of(self.runs(doc).collect())
    }

    /// One run per account, each built when it is asked for.
    fn runs<'a>(&'a self, doc: &'a Document) -> impl ExactSizeIterator<Item = sarif::Run> + 'a {
        run_accounts(doc)
            .into_iter()
            .map(move |account| self.run(doc, &account, MAX_RESULTS_PER_RUN))
    }

    fn run(&self, doc: &Document, account: &str, limit: usize) -> sarif::Run {
        let before = self.omitted.get(account).copied().unwrap_or(0);
        build_run(doc, account, &self.category, limit, before)
    }
}

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

fn pretty(log: &sarif::Sarif) -> Result<Vec<u8>, Error> {
    let mut out = serde_json::to_vec_pretty(log).map_err(|e| Error::internal(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

/// The file one account's SARIF log is written to in an output directory:
/// `flowaudit-<account>.sarif`, the account id as one path segment (see [`artifact_uri`]), so no
/// value can name another directory.
pub fn account_file_name(account: &str) -> String {
    format!("flowaudit-{}.sarif", uri_segment(account))
}

/// The `security-severity` score GitHub uses to rank alerts (CVSS-like, 0.0 to 10.0).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// The SARIF level of a failing check of this severity.
fn level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Info => sarif::ResultLevel::Note,
    }
}

fn level_name(s: Severity) -> &'static str {
    match level(s) {
        sarif::ResultLevel::Error => "error",
        sarif::ResultLevel::Warning => "warning",
        sarif::ResultLevel::Note => "note",
        sarif::ResultLevel::None => "none",
    }
}

/// The stable artifact URI of a resource: `aws/<account>/<region>/<id>`, each part one path
/// segment (see [`uri_segment`]), so no AWS value can add, remove or climb segments.
pub fn artifact_uri(account: &str, region: &str, resource_id: &str) -> String {
    format!(
        "aws/{}/{}/{}",
        uri_segment(account),
        uri_segment(region),
        uri_segment(resource_id)
    )
}

/// One URI path segment holding `s`: every byte but the RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) is percent-encoded with upper-case hex, so reserved characters (`/`,
/// `?`, `#`, `%`, ...), controls and non-ASCII text (as its UTF-8 bytes) cannot change the URI's
/// structure. A segment made only of dots (`.`, `..`, `...`) has every dot encoded as `%2E`: URI
/// resolution removes `.` and `..` segments, and a reader that decodes before resolving must not
/// see them either. An empty value becomes `_`.
fn uri_segment(s: &str) -> String {
    if s.is_empty() {
        return "_".to_string();
    }
    let all_dots = s.bytes().all(|b| b == b'.');
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'~')
            || (b == b'.' && !all_dots);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A hash of account, region, resource, rule and check: the same alert from run to run.
pub fn fingerprint(f: &Finding) -> String {
    hex::encode(identity(f))
}

/// The identity [`fingerprint`] is the hex form of: a result's account, region, resource, rule
/// and check, hashed. `flowaudit diff` and `--baseline` match results by it.
pub fn identity(f: &Finding) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [
        &f.resource.account_id,
        &f.resource.region,
        &f.resource.id,
        &f.rule_id,
        &f.check_id,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().into()
}

/// The reporting-descriptor id of a rule check: `VPC-001/traffic-type-all`.
pub fn descriptor_id(rule_id: &str, check_id: &str) -> String {
    format!("{rule_id}/{check_id}")
}

/// True for the results SARIF reports: failures, and suppressed failures (as dismissed).
fn reported(f: &Finding) -> bool {
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

/// Build the SARIF log of a report document.
pub fn to_sarif(doc: &Document, category: &str) -> sarif::Sarif {
    let runs = run_accounts(doc)
        .iter()
        .map(|account| build_run(doc, account, category, MAX_RESULTS_PER_RUN, 0))
        .collect::<Vec<_>>();
    log_of(runs)
}

/// The log [`SarifReporter::log`] gives, serialized with each run built as it is written.
struct LazyLog<'a> {
    reporter: &'a SarifReporter,
    doc: &'a Document,
}

impl serde::Serialize for LazyLog<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // The fields of `log_of`'s log, in the order it writes them.
        let mut st = s.serialize_struct("Sarif", 3)?;
        st.serialize_field("$schema", SARIF_SCHEMA_URI)?;
        st.serialize_field("runs", &LazyRuns(self))?;
        st.serialize_field("version", "2.1.0")?;
        st.end()
    }
}

struct LazyRuns<'s, 'a>(&'s LazyLog<'a>);

impl serde::Serialize for LazyRuns<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let runs = self.0.reporter.runs(self.0.doc);
        let mut seq = s.serialize_seq(Some(runs.len()))?;
        for run in runs {
            seq.serialize_element(&run)?;
        }
        seq.end()
    }
}

fn log_of(runs: Vec<sarif::Run>) -> sarif::Sarif {
    sarif::Sarif::builder()
        .schema(SARIF_SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(runs)
        .build()
}

/// The descriptors of one run, and the index of each descriptor id.
struct Descriptors {
    list: Vec<sarif::ReportingDescriptor>,
    index: BTreeMap<String, usize>,
}

fn descriptors(doc: &Document, account_results: &[&Finding]) -> Descriptors {
    let mut d = Descriptors {
        list: Vec::new(),
        index: BTreeMap::new(),
    };
    for rule in &doc.rules {
        for check in &rule.checks {
            let id = descriptor_id(&rule.id, &check.id);
            if d.index.contains_key(&id) {
                continue;
            }
            d.index.insert(id, d.list.len());
            d.list.push(descriptor(doc, rule, check));
        }
    }
    // A result whose rule metadata is missing still gets a (minimal) descriptor.
    for f in account_results {
        let id = descriptor_id(&f.rule_id, &f.check_id);
        if d.index.contains_key(&id) {
            continue;
        }
        let rule = RuleMeta {
            id: f.rule_id.clone(),
            title: f.rule_id.clone(),
            description: f.message.clone(),
            severity: f.severity,
            resource: f.resource.kind.clone(),
            checks: Vec::new(),
            compliance: (*f.compliance).clone(),
            references: Vec::new(),
            source: String::new(),
        };
        let check = CheckMeta {
            id: f.check_id.clone(),
            title: f.check_id.clone(),
            remediation: None,
            fix: crate::findings::CheckFix::manual(),
        };
        d.index.insert(id, d.list.len());
        d.list.push(descriptor(doc, &rule, &check));
    }
    d
}

fn compliance_tags(compliance: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    compliance
        .iter()
        .flat_map(|(framework, ids)| ids.iter().map(move |id| format!("{framework}:{id}")))
        .collect()
}

/// A compliance framework name split into its family and version: `CIS AWS Foundations Benchmark
/// v6.0.0` is (`CIS AWS Foundations Benchmark`, [6, 0, 0]). A name whose last word is not a
/// version (`v1.2`, `1.2`, `2`) is a family of its own, without version.
fn framework_version(framework: &str) -> (&str, Vec<u64>) {
    if let Some((family, last)) = framework.trim_end().rsplit_once(char::is_whitespace) {
        let digits = last.strip_prefix(['v', 'V']).unwrap_or(last);
        let parts: Option<Vec<u64>> = digits.split('.').map(|p| p.parse().ok()).collect();
        if let Some(parts) = parts.filter(|_| !digits.is_empty()) {
            return (family.trim_end(), parts);
        }
    }
    (framework, Vec::new())
}

/// The compliance ids in the order they become tags, so that a limit on tags keeps the newest
/// versions: each framework family lists its ids newest version first (versions compare by
/// number: v10 after v9), and the families take turns, one id each, in name order.
fn compliance_tags_newest_first(compliance: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    // family -> [(version, framework name, ids)]
    type Versions<'a> = Vec<(Vec<u64>, &'a String, &'a Vec<String>)>;
    let mut families: BTreeMap<&str, Versions> = BTreeMap::new();
    for (framework, ids) in compliance {
        let (family, version) = framework_version(framework);
        families
            .entry(family)
            .or_default()
            .push((version, framework, ids));
    }
    let queues: Vec<Vec<String>> = families
        .into_values()
        .map(|mut versions| {
            // Newest first; equal versions (different spellings) by name, for a stable order.
            versions.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            versions
                .into_iter()
                .flat_map(|(_, framework, ids)| {
                    ids.iter().map(move |id| format!("{framework}:{id}"))
                })
                .collect()
        })
        .collect();
    let longest = queues.iter().map(Vec::len).max().unwrap_or(0);
    (0..longest)
        .flat_map(|turn| queues.iter().filter_map(move |q| q.get(turn).cloned()))
        .collect()
}

fn descriptor(doc: &Document, rule: &RuleMeta, check: &CheckMeta) -> sarif::ReportingDescriptor {
    let fix = check.remediation.clone().unwrap_or_else(|| {
        format!(
            "Change the resource so that this check passes: {}.",
            check.title
        )
    });
    let per_resource = "Each result carries Terraform, CloudFormation and AWS CLI snippets filled in \
        for its own resource (result property `remediation`, and the flowaudit HTML report).";
    let compliance: Vec<String> = compliance_tags(&rule.compliance);

    let how = check.fix.how();
    // Plain text for any viewer: every value from a rule file or a report is shown with the
    // terminal's visible escapes (control characters, separators, bidi controls), each on the
    // line it belongs to.
    let mut text = format!(
        "{}\n\nCheck: {}\nSeverity: {}\n\nRemediation: {}\n{}\nFix: {}.",
        escape_lines(&rule.description),
        escape(&check.title),
        rule.severity.as_str(),
        escape_lines(&fix),
        per_resource,
        escape(&how)
    );
    if !compliance.is_empty() {
        let shown: Vec<Cow<str>> = compliance.iter().map(|c| escape(c)).collect();
        text.push_str(&format!("\n\nCompliance: {}", shown.join(", ")));
    }
    if !rule.references.is_empty() {
        let shown: Vec<Cow<str>> = rule.references.iter().map(|r| escape(r)).collect();
        text.push_str(&format!("\n\nReferences:\n{}", shown.join("\n")));
    }

    let mut md = format!(
        "{}\n\n**Check:** {}  \n**Severity:** {}\n\n## Remediation\n\n{}\n\n{}\n\n**Fix:** {}.",
        markdown_inline(&rule.description),
        markdown_inline(&check.title),
        rule.severity.as_str(),
        markdown_inline(&fix),
        markdown_inline(per_resource),
        markdown_inline(&how)
    );
    if !compliance.is_empty() {
        md.push_str("\n\n## Compliance\n");
        for c in &compliance {
            md.push_str(&format!("\n- {}", markdown_inline(c)));
        }
    }
    if !rule.references.is_empty() {
        md.push_str("\n\n## References\n");
        for r in &rule.references {
            md.push_str(&format!("\n- {}", markdown_inline(r)));
        }
    }

    let help_uri = rule
        .references
        .iter()
        .find(|r| r.starts_with("https://") || r.starts_with("http://"))
        .cloned()
        .unwrap_or_else(|| doc.tool.information_uri.clone());

    let mut tags = vec!["security".to_string()];
    tags.extend(
        compliance_tags_newest_first(&rule.compliance)
            .into_iter()
            .take(MAX_RULE_TAGS - 1),
    );
    let mut extra = BTreeMap::new();
    extra.insert("compliance".to_string(), json!(rule.compliance));
    extra.insert(
        "security-severity".to_string(),
        json!(security_severity(rule.severity)),
    );
    extra.insert("precision".to_string(), json!("very-high"));
    extra.insert(
        "problem.severity".to_string(),
        json!(level_name(rule.severity)),
    );
    extra.insert("flowaudit-rule".to_string(), json!(rule.id));
    extra.insert("flowaudit-check".to_string(), json!(check.id));
    extra.insert(
        "flowaudit-fix".to_string(),
        json!(check.fix.applicability.as_str()),
    );

    sarif::ReportingDescriptor::builder()
        .id(descriptor_id(&rule.id, &check.id))
        .name(pascal_name(&rule.id, &check.id))
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(clip(&format!(
                    "{}: {}",
                    escape(&rule.title),
                    escape(&check.title)
                )))
                .markdown(format!(
                    "{}: {}",
                    markdown_inline(&rule.title),
                    markdown_inline(&check.title)
                ))
                .build(),
        )
        .full_description(
            sarif::MultiformatMessageString::builder()
                .text(clip(&escape_lines(&rule.description)))
                .markdown(clip(&markdown_inline(&rule.description)))
                .build(),
        )
        .help(
            sarif::MultiformatMessageString::builder()
                .text(text)
                .markdown(md)
                .build(),
        )
        .help_uri(help_uri)
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(level_name(rule.severity)))
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(tags)
                .additional_properties(extra)
                .build(),
        )
        .build()
}

/// At most [`MAX_DESCRIPTION`] characters, cut at a character boundary with an ellipsis.
fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_DESCRIPTION {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_DESCRIPTION - 1).collect();
    // Never leave a dangling Markdown escape.
    if out.ends_with('\\') {
        out.pop();
    }
    out.push('…');
    out
}

/// A readable PascalCase name for a descriptor, e.g. `Vpc001TrafficTypeAll`.
fn pascal_name(rule_id: &str, check_id: &str) -> String {
    let mut out = String::new();
    for word in format!("{rule_id} {check_id}").split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    out
}

/// The run of one account: at most `limit` results, `omitted_before` more having been left out
/// of the document already (by a [`Selection`]).
fn build_run(
    doc: &Document,
    account: &str,
    category: &str,
    limit: usize,
    omitted_before: usize,
) -> sarif::Run {
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
    let d = descriptors(doc, &account_results);
    let new_since = new_since_baseline(doc, account);
    let results: Vec<sarif::Result> = account_results
        .iter()
        .map(|f| result(f, &d, new_since.as_ref()))
        .collect();

    let driver = sarif::ToolComponent::builder()
        .name(doc.tool.name.clone())
        .version(doc.tool.version.clone())
        .semantic_version(doc.tool.version.clone())
        .information_uri(doc.tool.information_uri.clone())
        .rules(d.list)
        .build();

    let mut notifications: Vec<sarif::Notification> = doc
        .scan
        .errors
        .iter()
        .filter(|e| account.is_empty() || e.account_id == account)
        .map(|e| {
            let region = e.region.as_deref().unwrap_or("(account-wide)");
            sarif::Notification::builder()
                .level(json!("error"))
                .message(
                    sarif::Message::builder()
                        .text(format!(
                            "Could not read {}:{} in {}/{}: {} {}",
                            escape(&e.service),
                            escape(&e.operation),
                            escape(&e.account_id),
                            escape(region),
                            escape(&e.code),
                            escape(&e.message)
                        ))
                        .build(),
                )
                .descriptor(
                    sarif::ReportingDescriptorReference::builder()
                        .id(format!("scan-error/{}", e.code))
                        .build(),
                )
                .build()
        })
        .collect();
    if omitted > 0 {
        notifications.push(
            sarif::Notification::builder()
                .level(json!("warning"))
                .message(
                    sarif::Message::builder()
                        .text(format!(
                            "{omitted} less severe results of account {} are not in this SARIF file \
                             (code scanning accepts at most {MAX_RESULTS_PER_RUN} per run); the JSON and \
                             HTML reports have all of them.",
                            escape(account)
                        ))
                        .build(),
                )
                .descriptor(
                    sarif::ReportingDescriptorReference::builder()
                        .id("results-omitted")
                        .build(),
                )
                .build(),
        );
    }
    let mut invocation = sarif::Invocation::builder()
        .execution_successful(true)
        .start_time_utc(doc.scan.started_at.clone())
        .end_time_utc(doc.scan.finished_at.clone())
        .build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }

    let id = if account.is_empty() {
        format!("{category}/")
    } else {
        format!("{category}/{account}/")
    };
    let mut props = BTreeMap::new();
    props.insert("partial".to_string(), json!(doc.scan.partial));
    props.insert("regions".to_string(), json!(doc.scan.regions));
    props.insert("reportSchema".to_string(), json!(doc.schema));

    sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .automation_details(sarif::RunAutomationDetails::builder().id(id).build())
        .column_kind(json!("utf16CodeUnits"))
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(props)
                .build(),
        )
        .build()
}

/// With `--baseline` (the document has a `baseline` section), the fingerprints of the account's
/// results that did not fail in the baseline: a failure (or suppressed failure) is listed among
/// the section's changes with an old status that is not a failure (none, pass, skipped, error)
/// exactly when it is new (`new`, or `suppressed` from a result that did not fail); every other
/// reported result failed in the baseline too (still failing, still suppressed, newly suppressed
/// or no longer suppressed). `None` without a baseline.
fn new_since_baseline<'a>(doc: &'a Document, account: &str) -> Option<HashSet<&'a str>> {
    let b = doc.baseline.as_ref()?;
    Some(
        b.changes
            .iter()
            .filter(|e| {
                !matches!(e.old_status, Some(Status::Fail | Status::Suppressed))
                    && e.new_status.is_some()
                    && (account.is_empty() || e.account_id == account)
            })
            .map(|e| e.fingerprint.as_str())
            .collect(),
    )
}

/// A result's SARIF `baselineState` (SARIF 2.1.0 §3.27.24) given the fingerprints of the new
/// failures ([`new_since_baseline`]): `new`, or `unchanged` for one failing in the baseline too.
fn baseline_state(fingerprint: &str, new_since: &HashSet<&str>) -> &'static str {
    if new_since.contains(fingerprint) {
        "new"
    } else {
        "unchanged"
    }
}

fn result(f: &Finding, d: &Descriptors, new_since: Option<&HashSet<&str>>) -> sarif::Result {
    let rid = descriptor_id(&f.rule_id, &f.check_id);
    let r = &f.resource;
    let label = match &r.name {
        Some(n) if !n.is_empty() => format!("{} {} ({n})", r.kind, r.id),
        _ => format!("{} {}", r.kind, r.id),
    };
    let message = if f.message.trim().is_empty() {
        format!("{label} in {}/{} fails {rid}.", r.account_id, r.region)
    } else {
        f.message.clone()
    };
    // The plain-text forms show control characters, separators and bidi controls as the
    // terminal does (`\u{202e}`); the Markdown forms turn them into spaces.
    let text = format!(
        "{} [{}, {}/{}]",
        escape(&message),
        escape(&label),
        escape(&r.account_id),
        escape(&r.region)
    );
    let markdown = format!(
        "{} \\[{}, {}/{}\\]",
        markdown_inline(&message),
        markdown_inline(&label),
        markdown_inline(&r.account_id),
        markdown_inline(&r.region)
    );

    let location = sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(
                    sarif::ArtifactLocation::builder()
                        .uri(artifact_uri(&r.account_id, &r.region, &r.id))
                        .build(),
                )
                .region(sarif::Region::builder().start_line(1).build())
                .build(),
        )
        .logical_locations(vec![
            sarif::LogicalLocation::builder()
                .name(r.id.clone())
                .fully_qualified_name(r.arn.clone())
                .kind("resource")
                .build(),
        ])
        .message(
            sarif::Message::builder()
                .text(escape(&label).into_owned())
                .build(),
        )
        .build();

    let fingerprint = fingerprint(f);
    let state = new_since.map(|n| baseline_state(&fingerprint, n));
    let mut fp = BTreeMap::new();
    fp.insert(FINGERPRINT_KEY.to_string(), fingerprint);

    let mut props = BTreeMap::new();
    props.insert("account".to_string(), json!(r.account_id));
    props.insert("region".to_string(), json!(r.region));
    props.insert("resourceType".to_string(), json!(r.kind));
    props.insert("resourceId".to_string(), json!(r.id));
    if let Some(n) = &r.name {
        props.insert("resourceName".to_string(), json!(n));
    }
    props.insert("severity".to_string(), json!(f.severity.as_str()));
    if let Some(rem) = &f.remediation {
        props.insert(
            "remediation".to_string(),
            serde_json::to_value(rem).unwrap_or(Value::Null),
        );
        let mut md = String::new();
        for (title, lang, body) in [
            ("Terraform", "hcl", &rem.terraform),
            ("CloudFormation", "yaml", &rem.cloudformation),
            ("AWS CLI", "sh", &rem.cli),
        ] {
            if let Some(body) = body {
                md.push_str(&format!(
                    "**{title}**\n\n{}\n\n",
                    markdown_code_block(lang, body)
                ));
            }
        }
        if !md.is_empty() {
            props.insert("remediationMarkdown".to_string(), json!(md.trim_end()));
        }
    }
    props.insert("compliance".to_string(), json!(*f.compliance));

    let mut res = sarif::Result::builder()
        .rule_id(rid.clone())
        .rule_index(d.index.get(&rid).copied().unwrap_or(0) as i64)
        .level(level(f.severity))
        .kind(sarif::ResultKind::Fail)
        .message(
            sarif::Message::builder()
                .text(text)
                .markdown(markdown)
                .build(),
        )
        .locations(vec![location])
        .partial_fingerprints(fp)
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(props)
                .build(),
        )
        .build();
    res.baseline_state = state.map(|s| json!(s));
    if f.status == Status::Suppressed {
        let (reason, expires) = f
            .suppression
            .as_ref()
            .map(|s| (s.reason.clone(), s.expires.clone()))
            .unwrap_or_else(|| ("suppressed".to_string(), String::new()));
        let mut sp = BTreeMap::new();
        if !expires.is_empty() {
            sp.insert("expires".to_string(), json!(expires));
        }
        res.suppressions = Some(vec![
            sarif::Suppression::builder()
                .kind(json!("external"))
                .status(json!("accepted"))
                .justification(escape(&reason).into_owned())
                .properties(
                    sarif::PropertyBag::builder()
                        .additional_properties(sp)
                        .build(),
                )
                .build(),
        ]);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Remediation, ResourceRef, SuppressionInfo};
    use crate::inventory::ScanError;
    use crate::report::v1::{ScanSection, Summary, SuppressionSection, ToolInfo};
    use std::sync::Arc;

    const A: &str = "111111111111";
    const B: &str = "222222222222";

    fn vpc_finding(
        rule: &str,
        check: &str,
        status: Status,
        severity: Severity,
        (account, region, id): (&str, &str, &str),
    ) -> Finding {
        Finding {
            rule_id: rule.into(),
            check_id: check.into(),
            status,
            severity,
            resource: Arc::new(ResourceRef {
                kind: "vpc".into(),
                id: id.into(),
                arn: format!("arn:aws:ec2:{region}:{account}:vpc/{id}"),
                region: region.into(),
                account_id: account.into(),
                name: None,
                tags: BTreeMap::new(),
                network_interfaces: None,
                is_default: None,
            }),
            message: format!("{id} fails {check}."),
            compliance: BTreeMap::from([("cis".to_string(), vec!["3.9".to_string()])]).into(),
            remediation: None,
            suppression: None,
        }
    }

    /// Two accounts, one rule of two checks, and results of every kind SARIF treats differently.
    fn doc() -> Document {
        let mut open = vpc_finding(
            "VPC-001",
            "flow-logs-enabled",
            Status::Fail,
            Severity::High,
            (A, "us-east-1", "vpc-a1"),
        );
        Arc::make_mut(&mut open.resource).name = Some("web".into());
        open.remediation = Some(Remediation {
            cli: Some("aws ec2 create-flow-logs".into()),
            ..Remediation::default()
        });
        let passing = vpc_finding(
            "VPC-001",
            "flow-logs-enabled",
            Status::Pass,
            Severity::High,
            (A, "us-east-1", "vpc-a2"),
        );
        let mut dismissed = vpc_finding(
            "VPC-001",
            "traffic-type-all",
            Status::Suppressed,
            Severity::Medium,
            (B, "eu-west-1", "vpc-b1"),
        );
        dismissed.suppression = Some(SuppressionInfo {
            reason: "accepted: lab".into(),
            expires: "2099-12-31".into(),
            original_status: Status::Fail,
        });
        let mut suppressed_pass = dismissed.clone();
        suppressed_pass
            .suppression
            .as_mut()
            .unwrap()
            .original_status = Status::Pass;
        Arc::make_mut(&mut suppressed_pass.resource).id = "vpc-b2".into();
        let unknown_rule = vpc_finding(
            "VPC-099",
            "x",
            Status::Fail,
            Severity::Low,
            (B, "eu-west-1", "vpc-b3"),
        );
        Document {
            schema: "flowaudit/report/v1".into(),
            tool: ToolInfo {
                name: "flowaudit".into(),
                version: "0.1.0".into(),
                information_uri: "https://flowaudit.invalid/".into(),
            },
            scan: ScanSection {
                accounts: vec![A.into(), B.into()],
                regions: vec!["us-east-1".into(), "eu-west-1".into()],
                started_at: "2025-01-01T00:00:00Z".into(),
                finished_at: "2025-01-01T00:01:00Z".into(),
                partial: true,
                errors: vec![ScanError {
                    account_id: A.into(),
                    region: Some("us-east-1".into()),
                    service: "logs".into(),
                    operation: "DescribeLogGroups".into(),
                    code: "AccessDenied".into(),
                    message: "denied".into(),
                }],
                account_details: Vec::new(),
                shard: None,
            },
            rules: vec![RuleMeta {
                id: "VPC-001".into(),
                title: "Flow logs".into(),
                description: "Every VPC logs all traffic.".into(),
                severity: Severity::High,
                resource: "vpc".into(),
                checks: vec![
                    CheckMeta {
                        id: "flow-logs-enabled".into(),
                        title: "A flow log exists".into(),
                        remediation: Some("Create a flow log.".into()),
                        fix: crate::findings::CheckFix::manual(),
                    },
                    CheckMeta {
                        id: "traffic-type-all".into(),
                        title: "It logs ALL traffic".into(),
                        remediation: None,
                        fix: crate::findings::CheckFix::manual(),
                    },
                ],
                compliance: BTreeMap::from([("cis".to_string(), vec!["3.9".to_string()])]),
                references: vec![
                    "CIS AWS Foundations 3.9".into(),
                    "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html".into(),
                ],
                source: "builtin".into(),
            }],
            results: vec![open, passing, dismissed, suppressed_pass, unknown_rule],
            summary: Summary::default(),
            suppressions: SuppressionSection::default(),
            fixes: None,
            baseline: None,
        }
    }

    fn sarif_json(doc: &Document, category: &str) -> Value {
        serde_json::to_value(to_sarif(doc, category)).unwrap()
    }

    fn ids(v: &Value) -> Vec<&str> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn one_run_per_account_with_the_category_in_its_automation_id() {
        let v = sarif_json(&doc(), "nightly");
        assert_eq!(v["version"], "2.1.0");
        assert_eq!(v["$schema"], SARIF_SCHEMA_URI);
        let runs = v["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0]["automationDetails"]["id"], format!("nightly/{A}/"));
        assert_eq!(runs[1]["automationDetails"]["id"], format!("nightly/{B}/"));
        for r in runs {
            assert_eq!(r["tool"]["driver"]["name"], "flowaudit");
            assert_eq!(r["properties"]["partial"], true);
            assert_eq!(r["columnKind"], "utf16CodeUnits");
        }
        // A run reports only its own account's failures: the passing result and the suppressed
        // pass are left out everywhere.
        let uris = |r: &Value| -> Vec<String> {
            r["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| {
                    x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect()
        };
        assert_eq!(uris(&runs[0]), [format!("aws/{A}/us-east-1/vpc-a1")]);
        assert_eq!(
            uris(&runs[1]),
            [
                format!("aws/{B}/eu-west-1/vpc-b1"),
                format!("aws/{B}/eu-west-1/vpc-b3")
            ]
        );
        // Scan errors are notifications of their own account's run only.
        let notes = &runs[0]["invocations"][0]["toolExecutionNotifications"];
        assert_eq!(notes.as_array().unwrap().len(), 1);
        assert_eq!(notes[0]["descriptor"]["id"], "scan-error/AccessDenied");
        assert_eq!(notes[0]["level"], "error");
        assert!(
            runs[1]["invocations"][0]
                .get("toolExecutionNotifications")
                .is_none()
        );
    }

    #[test]
    fn an_account_found_only_in_results_gets_a_run_and_no_account_gives_one_empty_run() {
        let mut d = doc();
        d.scan.accounts = vec![A.into()];
        let v = sarif_json(&d, DEFAULT_CATEGORY);
        assert_eq!(v["runs"].as_array().unwrap().len(), 2);
        assert_eq!(
            v["runs"][1]["automationDetails"]["id"],
            format!("flowaudit/{B}/")
        );

        d.scan.accounts.clear();
        d.scan.errors.clear();
        d.results.clear();
        let v = sarif_json(&d, DEFAULT_CATEGORY);
        let runs = v["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0]["automationDetails"]["id"], "flowaudit/");
        assert_eq!(runs[0]["results"], json!([]));
        assert_eq!(
            ids(&runs[0]["tool"]["driver"]["rules"]),
            ["VPC-001/flow-logs-enabled", "VPC-001/traffic-type-all"],
            "every check of every rule is described even without results"
        );
    }

    #[test]
    fn the_log_of_one_account_is_its_run_of_the_whole_log_in_a_file_of_its_own() {
        let d = doc();
        let reporter = SarifReporter {
            category: "org".into(),
            ..SarifReporter::default()
        };
        let one: Value = serde_json::from_slice(&reporter.render_account(&d, B).unwrap()).unwrap();
        let all = sarif_json(&d, "org");
        assert_eq!(one["runs"], json!([all["runs"][1]]));
        assert_eq!(
            one["runs"][0]["automationDetails"]["id"],
            format!("org/{B}/")
        );
        assert_eq!(one["$schema"], all["$schema"]);
        assert_eq!(run_accounts(&d), [A, B]);
        assert_eq!(account_file_name(B), format!("flowaudit-{B}.sarif"));
        // An account id is one file name, whatever it holds.
        assert_eq!(account_file_name("../x"), "flowaudit-..%2Fx.sarif");
        assert_eq!(account_file_name(".."), "flowaudit-%2E%2E.sarif");
    }

    #[test]
    fn rules_are_one_descriptor_per_check_with_help_tags_and_severity() {
        let v = sarif_json(&doc(), DEFAULT_CATEGORY);
        let rules = &v["runs"][0]["tool"]["driver"]["rules"];
        assert_eq!(
            ids(rules),
            ["VPC-001/flow-logs-enabled", "VPC-001/traffic-type-all"]
        );
        let r = &rules[0];
        assert_eq!(r["name"], "Vpc001FlowLogsEnabled");
        assert_eq!(
            r["shortDescription"]["text"],
            "Flow logs: A flow log exists"
        );
        assert_eq!(r["fullDescription"]["text"], "Every VPC logs all traffic.");
        assert_eq!(
            r["helpUri"], "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",
            "the first web reference"
        );
        let help = r["help"]["text"].as_str().unwrap();
        assert!(help.contains("Remediation: Create a flow log."), "{help}");
        assert!(help.contains("Compliance: cis:3.9"), "{help}");
        assert!(
            rules[1]["help"]["text"].as_str().unwrap().contains(
                "Remediation: Change the resource so that this check passes: It logs ALL traffic."
            ),
            "a check without remediation text gets the generic one"
        );
        assert_eq!(r["defaultConfiguration"]["level"], "error");
        assert_eq!(r["properties"]["tags"], json!(["security", "cis:3.9"]));
        assert_eq!(r["properties"]["security-severity"], "8.0");
        assert_eq!(r["properties"]["problem.severity"], "error");
        assert_eq!(r["properties"]["flowaudit-rule"], "VPC-001");
        assert_eq!(r["properties"]["flowaudit-check"], "flow-logs-enabled");
        assert_eq!(r["properties"]["compliance"], json!({"cis": ["3.9"]}));
    }

    /// 40 reported results (and some SARIF does not report) over two accounts, of every severity,
    /// some suppressed, in an order that mixes them.
    fn many_results() -> Vec<Finding> {
        let sev = [
            Severity::Low,
            Severity::Critical,
            Severity::Medium,
            Severity::High,
            Severity::Info,
        ];
        let mut out = Vec::new();
        for i in 0..60usize {
            let account = if i % 3 == 0 { B } else { A };
            let status = match i % 7 {
                0 => Status::Pass,
                3 => Status::Suppressed,
                5 => Status::Error,
                _ => Status::Fail,
            };
            let mut f = vpc_finding(
                "VPC-001",
                "flow-logs-enabled",
                status,
                sev[(i * 7 / 3) % 5],
                (account, "us-east-1", &format!("vpc-{i:03}")),
            );
            if status == Status::Suppressed {
                f.suppression = Some(crate::findings::SuppressionInfo {
                    reason: "r".into(),
                    expires: "2099-01-01".into(),
                    original_status: if i % 2 == 0 {
                        Status::Fail
                    } else {
                        Status::Pass
                    },
                });
            }
            out.push(f);
        }
        out
    }

    #[test]
    fn the_log_written_run_by_run_is_the_log_built_whole() {
        let mut d = doc();
        d.results = many_results();
        let reporter = SarifReporter::default();
        assert!(run_accounts(&d).len() > 1);
        let mut streamed = Vec::new();
        reporter.render_to(&d, &mut streamed).unwrap();
        let whole = pretty(&reporter.log(&d)).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(whole).unwrap()
        );
    }

    #[test]
    fn a_selection_keeps_what_a_run_writes_and_the_run_is_the_one_of_every_result() {
        let mut whole = doc();
        whole.results = many_results();
        let count = |d: &Document, acct: &str| {
            d.results
                .iter()
                .filter(|f| reported(f) && f.resource.account_id == acct)
                .count()
        };
        let (in_a, in_b) = (count(&whole, A), count(&whole, B));
        assert!(in_a > 10 && in_b > 10, "{in_a} {in_b}");
        for limit in [1, 3, 10, in_b, in_a + 5] {
            let mut sel = Selection::new(limit);
            for f in whole.results.clone() {
                sel.push(f);
            }
            let (kept, omitted) = sel.finish();
            // Only reported results, at most `limit` per account, in report order.
            assert!(kept.iter().all(reported));
            let order: Vec<&str> = whole
                .results
                .iter()
                .map(|f| f.resource.id.as_str())
                .filter(|id| kept.iter().any(|k| k.resource.id == *id))
                .collect();
            let kept_ids: Vec<&str> = kept.iter().map(|f| f.resource.id.as_str()).collect();
            assert_eq!(kept_ids, order, "limit {limit}");
            assert_eq!(
                omitted.get(A).copied().unwrap_or(0),
                in_a.saturating_sub(limit),
                "limit {limit}"
            );
            assert_eq!(
                omitted.get(B).copied().unwrap_or(0),
                in_b.saturating_sub(limit)
            );
            // The runs written from the selection are the runs written from every result.
            let mut selected = whole.clone();
            selected.results = kept;
            let reporter = SarifReporter {
                omitted,
                ..SarifReporter::default()
            };
            for account in [A, B] {
                let from_all =
                    serde_json::to_value(build_run(&whole, account, DEFAULT_CATEGORY, limit, 0))
                        .unwrap();
                let from_selection =
                    serde_json::to_value(reporter.run(&selected, account, limit)).unwrap();
                assert_eq!(from_all, from_selection, "limit {limit}, account {account}");
                let results = from_all["results"].as_array().unwrap();
                assert_eq!(results.len(), limit.min(count(&whole, account)));
            }
        }
        // When results are left out, the most severe are kept, open ones before suppressed.
        let mut sel = Selection::new(3);
        for f in whole.results.clone() {
            sel.push(f);
        }
        let (kept, _) = sel.finish();
        let worst_a: Vec<(Severity, Status)> = kept
            .iter()
            .filter(|f| f.resource.account_id == A)
            .map(|f| (f.severity, f.status))
            .collect();
        assert!(
            worst_a
                .iter()
                .all(|(s, st)| *s == Severity::Critical && *st == Status::Fail),
            "{worst_a:?}"
        );
    }

    #[test]
    fn the_streamed_log_is_the_rendered_log() {
        let mut d = doc();
        d.results.extend(many_results());
        let r = SarifReporter::default();
        let mut streamed = Vec::new();
        r.render_to(&d, &mut streamed).unwrap();
        assert_eq!(streamed, r.render(&d).unwrap());
        assert!(streamed.ends_with(b"}\n"));
    }

    #[test]
    fn tags_keep_the_newest_version_of_each_framework_and_properties_keep_every_id() {
        let cis = |v: &str| format!("CIS AWS Foundations Benchmark {v}");
        let mut compliance: BTreeMap<String, Vec<String>> = [
            "v1.2.0", "v1.3.0", "v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.0", "v5.0.0",
            "v6.0.0", "v9.0.0", "v10.0.0",
        ]
        .iter()
        .enumerate()
        .map(|(i, v)| (cis(v), vec![format!("3.{i}")]))
        .collect();
        compliance.insert(
            "AWS Foundational Security Best Practices".into(),
            vec!["EC2.6".into()],
        );
        compliance.insert("NIST SP 800-53 Rev. 5".into(), vec!["AU-12".into()]);
        let mut d = doc();
        d.rules[0].compliance = compliance.clone();
        let v = sarif_json(&d, DEFAULT_CATEGORY);
        let rule = &v["runs"][0]["tool"]["driver"]["rules"][0];
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(
            tags,
            [
                "security".to_string(),
                "AWS Foundational Security Best Practices:EC2.6".to_string(),
                format!("{}:3.10", cis("v10.0.0")),
                "NIST SP 800-53 Rev. 5:AU-12".to_string(),
                format!("{}:3.9", cis("v9.0.0")),
                format!("{}:3.8", cis("v6.0.0")),
                format!("{}:3.7", cis("v5.0.0")),
                format!("{}:3.6", cis("v4.0.0")),
                format!("{}:3.5", cis("v3.0.0")),
                format!("{}:3.4", cis("v2.0.0")),
            ]
        );
        assert_eq!(tags.len(), MAX_RULE_TAGS);
        assert_eq!(rule["properties"]["compliance"], json!(compliance));
        // Every id is still in the help text.
        let help = rule["help"]["text"].as_str().unwrap();
        assert!(help.contains(&format!("{}:3.0", cis("v1.2.0"))), "{help}");
    }

    #[test]
    fn framework_versions_compare_by_number() {
        assert_eq!(
            framework_version("CIS AWS Foundations Benchmark v6.0.0"),
            ("CIS AWS Foundations Benchmark", vec![6, 0, 0])
        );
        assert_eq!(framework_version("PCI DSS 4.0"), ("PCI DSS", vec![4, 0]));
        assert_eq!(framework_version("cis"), ("cis", vec![]));
        assert_eq!(
            framework_version("NIST SP 800-53 Rev. 5"),
            ("NIST SP 800-53 Rev.", vec![5])
        );
        let c: BTreeMap<String, Vec<String>> = [
            ("X v9".to_string(), vec!["a".to_string()]),
            ("X v10".to_string(), vec!["b".to_string(), "c".to_string()]),
            ("X v1.10".to_string(), vec!["d".to_string()]),
            ("X v1.9".to_string(), vec!["e".to_string()]),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            compliance_tags_newest_first(&c),
            ["X v10:b", "X v10:c", "X v9:a", "X v1.10:d", "X v1.9:e"]
        );
        // Families take turns, one id each: many ids of one framework do not crowd out the
        // versions of another.
        let c: BTreeMap<String, Vec<String>> = [
            (
                "N Rev. 5".to_string(),
                vec!["a".into(), "b".into(), "c".into()],
            ),
            ("X v2".to_string(), vec!["x".to_string()]),
            ("X v1".to_string(), vec!["y".to_string()]),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            compliance_tags_newest_first(&c),
            ["N Rev. 5:a", "X v2:x", "N Rev. 5:b", "X v1:y", "N Rev. 5:c"]
        );
    }

    #[test]
    fn results_point_at_their_resource_and_their_descriptor() {
        let d = doc();
        let v = sarif_json(&d, DEFAULT_CATEGORY);
        let run = &v["runs"][0];
        let res = &run["results"][0];
        assert_eq!(res["ruleId"], "VPC-001/flow-logs-enabled");
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], res["ruleId"]);
        assert_eq!(res["level"], "error");
        assert_eq!(res["kind"], "fail");
        assert_eq!(
            res["message"]["text"],
            format!("vpc-a1 fails flow-logs-enabled. [vpc vpc-a1 (web), {A}/us-east-1]")
        );
        let loc = &res["locations"][0];
        assert_eq!(loc["physicalLocation"]["region"]["startLine"], 1);
        assert_eq!(loc["message"]["text"], "vpc vpc-a1 (web)");
        let logical = &loc["logicalLocations"][0];
        assert_eq!(logical["name"], "vpc-a1");
        assert_eq!(logical["kind"], "resource");
        assert_eq!(
            logical["fullyQualifiedName"],
            format!("arn:aws:ec2:us-east-1:{A}:vpc/vpc-a1")
        );
        assert_eq!(
            res["partialFingerprints"][FINGERPRINT_KEY],
            fingerprint(&d.results[0])
        );
        let props = &res["properties"];
        assert_eq!(props["account"], A);
        assert_eq!(props["resourceName"], "web");
        assert_eq!(props["severity"], "high");
        assert_eq!(props["remediation"]["cli"], "aws ec2 create-flow-logs");
        let md = props["remediationMarkdown"].as_str().unwrap();
        assert!(
            md.starts_with("**AWS CLI**") && md.contains("aws ec2 create-flow-logs"),
            "{md}"
        );
        assert!(
            res.get("suppressions").is_none(),
            "an open failure is not dismissed"
        );
    }

    #[test]
    fn suppressed_failures_are_dismissed_with_their_reason_and_expiry() {
        let v = sarif_json(&doc(), DEFAULT_CATEGORY);
        let res = &v["runs"][1]["results"][0];
        assert_eq!(res["ruleId"], "VPC-001/traffic-type-all");
        assert_eq!(res["level"], "warning", "medium severity");
        let s = &res["suppressions"];
        assert_eq!(s.as_array().unwrap().len(), 1);
        assert_eq!(s[0]["kind"], "external");
        assert_eq!(s[0]["status"], "accepted");
        assert_eq!(s[0]["justification"], "accepted: lab");
        assert_eq!(s[0]["properties"]["expires"], "2099-12-31");
    }

    #[test]
    fn a_result_without_rule_metadata_gets_a_minimal_descriptor_of_its_run() {
        let v = sarif_json(&doc(), DEFAULT_CATEGORY);
        let run = &v["runs"][1];
        let rules = &run["tool"]["driver"]["rules"];
        assert_eq!(
            ids(rules),
            [
                "VPC-001/flow-logs-enabled",
                "VPC-001/traffic-type-all",
                "VPC-099/x"
            ]
        );
        assert_eq!(rules[2]["fullDescription"]["text"], "vpc-b3 fails x.");
        assert_eq!(rules[2]["defaultConfiguration"]["level"], "note");
        let res = &run["results"][1];
        assert_eq!(res["ruleId"], "VPC-099/x");
        assert_eq!(res["ruleIndex"], 2);
        assert_eq!(res["level"], "note");
        // The other account's run does not describe it.
        assert_eq!(
            v["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn with_a_baseline_each_result_is_new_or_unchanged_and_without_one_neither() {
        use crate::report::Reporter as _;
        use crate::report::diff::{Baseline, Scope};
        let new = doc();
        // The baseline: vpc-a1 a suppressed failure (a failure now), vpc-b1 an open failure
        // (suppressed now), vpc-b3 passing (a failure now), and no vpc-b4.
        let mut old = doc();
        for f in &mut old.results {
            match f.resource.id.as_str() {
                "vpc-a1" => {
                    f.status = Status::Suppressed;
                    f.suppression = Some(SuppressionInfo {
                        reason: "r".into(),
                        expires: "2099-01-01".into(),
                        original_status: Status::Fail,
                    });
                }
                "vpc-b1" => {
                    f.status = Status::Fail;
                    f.suppression = None;
                }
                "vpc-b3" => f.status = Status::Pass,
                _ => {}
            }
        }
        // A suppressed failure the baseline does not have.
        let mut new = new;
        let mut b4 = new.results[2].clone();
        Arc::make_mut(&mut b4.resource).id = "vpc-b4".into();
        new.results.push(b4);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.json");
        std::fs::write(
            &path,
            crate::report::json::JsonReporter.render(&old).unwrap(),
        )
        .unwrap();

        let mut c = Baseline::read(&path).unwrap().compare(false);
        for f in &new.results {
            c.see(f);
        }
        let mut with = new.clone();
        with.baseline = Some(c.into_section(&Scope {
            accounts: &new.scan.accounts,
            regions: &new.scan.regions,
            errors: &new.scan.errors,
        }));
        let v = sarif_json(&with, DEFAULT_CATEGORY);
        let mut states = BTreeMap::new();
        let mut plain = v.clone();
        for run in plain["runs"].as_array_mut().unwrap() {
            for res in run["results"].as_array_mut().unwrap() {
                let id = res["locations"][0]["logicalLocations"][0]["name"].clone();
                let state = res.as_object_mut().unwrap().remove("baselineState");
                states.insert(id.as_str().unwrap().to_string(), state);
            }
        }
        let state = |s: &str| Some(Value::from(s));
        assert_eq!(
            states,
            BTreeMap::from([
                ("vpc-a1".to_string(), state("unchanged")),
                ("vpc-b1".to_string(), state("unchanged")),
                ("vpc-b3".to_string(), state("new")),
                ("vpc-b4".to_string(), state("new")),
            ])
        );
        // Without the baseline, the same log without the states; the other results are as
        // they were.
        let without = sarif_json(&new, DEFAULT_CATEGORY);
        assert_eq!(plain, without);
        assert!(!without.to_string().contains("baselineState"));
        // The log of one account alone carries the same states.
        let one: Value =
            serde_json::from_slice(&SarifReporter::default().render_account(&with, B).unwrap())
                .unwrap();
        let got: Vec<_> = one["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["baselineState"].as_str().unwrap())
            .collect();
        assert_eq!(got, ["unchanged", "new", "new"]);
    }

    #[test]
    fn fingerprints_depend_on_the_resource_and_check_only() {
        let d = doc();
        let f = &d.results[0];
        let mut reworded = f.clone();
        reworded.message = "another message".into();
        reworded.severity = Severity::Low;
        assert_eq!(fingerprint(f), fingerprint(&reworded));
        assert_eq!(fingerprint(f).len(), 64);
        let mut other_check = f.clone();
        other_check.check_id = "traffic-type-all".into();
        assert_ne!(fingerprint(f), fingerprint(&other_check));
        let mut other_region = f.clone();
        Arc::make_mut(&mut other_region.resource).region = "eu-west-1".into();
        assert_ne!(fingerprint(f), fingerprint(&other_region));
        // Parts are separated: moving a character from one part to the next changes the hash.
        let mut shifted = f.clone();
        shifted.rule_id = "VPC-00".into();
        shifted.check_id = "1flow-logs-enabled".into();
        assert_ne!(fingerprint(f), fingerprint(&shifted));
    }

    #[test]
    fn dot_segments_are_encoded_so_they_cannot_walk_the_path() {
        assert_eq!(uri_segment("."), "%2E");
        assert_eq!(uri_segment(".."), "%2E%2E");
        assert_eq!(uri_segment("..."), "%2E%2E%2E");
        assert_eq!(artifact_uri("..", ".", ".."), "aws/%2E%2E/%2E/%2E%2E");
        // Dots beside other characters are ordinary and stay as they are.
        assert_eq!(uri_segment("vpc-1.a"), "vpc-1.a");
        assert_eq!(uri_segment("..x"), "..x");
        assert_eq!(uri_segment("a.."), "a..");
    }

    #[test]
    fn every_other_character_is_percent_encoded_as_utf8_bytes() {
        assert_eq!(
            uri_segment("AZaz09-_~"),
            "AZaz09-_~",
            "unreserved characters stay"
        );
        assert_eq!(uri_segment("a/b"), "a%2Fb");
        assert_eq!(
            uri_segment("?#[]@!$&'()*+,;=%: "),
            "%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25%3A%20"
        );
        assert_eq!(uri_segment("\u{0}\n\u{1b}\u{7f}"), "%00%0A%1B%7F");
        assert_eq!(uri_segment("é\u{202e}"), "%C3%A9%E2%80%AE");
        assert_eq!(uri_segment("\u{85}"), "%C2%85");
        assert_eq!(uri_segment(""), "_");
        assert_eq!(
            artifact_uri("111122223333", "us-east-1", "vpc-0abc"),
            "aws/111122223333/us-east-1/vpc-0abc"
        );
        // A decoded segment gives the value back, and never holds a separator.
        for v in ["a/../b", "%2F", "x y", "..", "ü/"] {
            let seg = uri_segment(v);
            assert!(!seg.contains('/'), "{seg}");
            assert_eq!(percent_decode(&seg), v);
        }
    }

    fn percent_decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}

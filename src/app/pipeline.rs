//! The scan pipeline every subcommand that reports uses: inventory source (collected or a file),
//! rules, evaluation, suppressions, outputs, exit status, and the `--fix` step between
//! evaluation and report. Subcommands (`scan.rs`, `fix_cmd.rs`, `rules_cmd.rs`) call into it
//! and never into each other.

use super::collect_step::obtain_inventory;
use super::output::{
    Output, check_output_args, check_outputs, document_text, outputs, write_document, write_output,
    write_output_with, write_outputs,
};
use crate::cli::ScanArgs;
use crate::cli::output_args::OutputArgs;
use crate::cli::rule_args::RuleArgs;
use crate::collect::shard::Shard;
use crate::error::{Error, ExitStatus};
use crate::findings::{Finding, Severity, Status, StatusSet};
use crate::inventory::io::InventoryFile;
use crate::inventory::{Inventory, InventoryHead};
use crate::kinds::ResourceBatch;
use crate::report::Format;
use crate::report::diff::{Baseline, BaselineSection, Comparison, Scope};
use crate::report::json::DocumentText;
use crate::report::json::JsonReporter;
use crate::report::sarif::{MAX_RESULTS_PER_RUN, SarifReporter, Selection};
use crate::report::v1::{
    CheckMeta, Document, RuleMeta, ScanSection, ShardInfo, Summary, SuppressionEntryRef,
    SuppressionSection,
};
use crate::rules::config::Config;
use crate::rules::suppress::Suppressions;
use crate::rules::{BATCH, EvalOptions, Evaluator, Needs, Rule, RuleSet, batches_of};
use crate::term::escape;
use std::collections::BTreeMap;

/// Run a scan (with its fix step when `--fix` is on) and write its outputs; returns the exit
/// status.
pub fn run(args: ScanArgs) -> Result<ExitStatus, Error> {
    run_as(args, RunKind::Scan)
}

/// What the exit status of a run with a fix step speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// `scan` (`--fix` included): the findings, or a planned change that failed.
    Scan,
    /// `flowaudit fix`: the planned changes only. 0 when every one was applied and verified,
    /// whatever findings remain; 1 when one failed or does not verify; 3 when the scan it fixed
    /// from was incomplete.
    Fix,
}

/// [`run`] for `flowaudit fix`, whose exit status speaks of its changes ([`RunKind::Fix`]).
pub fn run_fix(args: ScanArgs) -> Result<ExitStatus, Error> {
    run_as(args, RunKind::Fix)
}

fn run_as(args: ScanArgs, kind: RunKind) -> Result<ExitStatus, Error> {
    check_output_args(&args.output)?;
    let shard = shard_of_args(&args)?;
    // Every input file is checked before AWS is called.
    let scan_rules = ScanRules::prepare(&args.rules)?;
    let fix = super::fix_step::prepare(&args.fix, &args.collect, &scan_rules.rules)?;
    if let Some(settings) = &fix {
        return scan_and_fix(&scan_rules, settings, &args, kind);
    }
    let outputs = outputs(&args.output)?;
    let baseline = BaselineRun::open(&args.output)?;
    // An inventory file is parsed in batches of VPCs (its head first); a collected one is in
    // memory already.
    let loaded = match args.collect.from_inventory.as_deref() {
        Some(path) if args.collect.dump_inventory.is_none() => {
            super::file_kind::expect(
                path,
                super::file_kind::FileKind::Inventory,
                "--from-inventory",
            )?;
            InventoryRead::File(InventoryFile::read(path)?)
        }
        _ => InventoryRead::Whole(obtain_inventory(
            &args.collect,
            account_tags_needed(&scan_rules, &args),
        )?),
    };
    let head = loaded.head()?;
    let source = loaded.source();
    let mut doc = Document::start(&head, scan_rules.metas());
    record_shard(&mut doc, shard, &head);
    check_outputs(&doc, &outputs)?;
    if let Some(b) = &baseline {
        b.check(&doc.scan.accounts)?;
    }
    let (json, others): (Vec<&Output>, Vec<&Output>) = outputs
        .iter()
        .partition(|o| o.format == crate::report::Format::Json);
    // Only the results some other format shows are kept in memory; the JSON report, and the
    // document's text for the formats that embed it, get every result as it is produced.
    let kept_statuses = shown_by(&others);
    let mut text = document_text(&others)?;
    // Whether the whole document is written while the results are produced.
    let streams_document = !json.is_empty() || text.is_some();
    // The JSON document shows every message; other formats those of the results they show, where
    // a suppressed result shows the message of the failure it was.
    let messages = if !streams_document {
        let mut m = kept_statuses;
        if m.contains(Status::Suppressed) {
            m.insert(Status::Fail);
        }
        // Published findings carry their messages.
        if args.publish.is_some() {
            for st in [
                Status::Fail,
                Status::Error,
                Status::Skipped,
                Status::Suppressed,
            ] {
                m.insert(st);
            }
        }
        m
    } else {
        StatusSet::ALL
    };
    // `--publish`: the active results, apart from what the outputs keep.
    let published = std::cell::RefCell::new(Vec::new());
    let see = |f: &Finding| {
        BaselineRun::see(&baseline, f);
        if args.publish.is_some() && crate::publish::plan::is_active(f) {
            published.borrow_mut().push(f.clone());
        }
    };
    let needs = Needs {
        kept: kept_statuses,
        messages,
        remediation: outputs.iter().any(|o| o.reporter.shows_remediation()),
    };
    let mut kept = Kept::for_outputs(&others);
    let (summary, section) = if !streams_document {
        let tail =
            scan_rules.evaluate(&head, &source, &doc.summary, needs, &mut kept, &mut |f| {
                see(f)
            })?;
        BaselineRun::finish(&baseline, &doc.scan);
        tail
    } else {
        write_document(json.first().copied(), text.as_mut(), |out| {
            let (doc, baseline) = (&doc, &baseline);
            let produce = Box::new(|emit: &mut dyn FnMut(&Finding)| {
                let tail = scan_rules.evaluate(
                    &head,
                    &source,
                    &doc.summary,
                    needs,
                    &mut kept,
                    &mut |f| {
                        see(f);
                        emit(f)
                    },
                )?;
                BaselineRun::finish(baseline, &doc.scan);
                Ok(tail)
            });
            match baseline {
                Some(b) => {
                    JsonReporter.render_streamed_with_baseline(doc, produce, &b.section, out)
                }
                None => JsonReporter.render_streamed(doc, produce, out),
            }
        })?
    };
    doc.baseline = baseline.and_then(|b| b.section.into_inner());
    // Freeing a large inventory (or report) takes a noticeable time; do it on another thread,
    // in parallel with writing the outputs (or with the process exit).
    free_in_background(loaded);
    let (results, omitted) = kept.finish();
    doc.results = results;
    doc.summary = summary;
    doc.suppressions = section;
    warn_suppressions(&doc, scan_rules.suppressions.as_ref());
    write_others(&doc, &others, omitted.as_ref(), text.as_mut())?;
    let status = scan_rules.exit_status(&doc);
    super::closing::print(&doc, &outputs, status, scan_rules.fail_on);
    let status = match args.publish {
        Some(target) => {
            doc.results = published.into_inner();
            publish_after(target, &args.collect, &doc, status)?
        }
        None => status,
    };
    free_in_background(doc);
    Ok(status)
}

/// `--publish` after the reports are written: the run's status, made 1 when a finding was not
/// published (a partial scan's 3 still takes precedence).
fn publish_after(
    target: crate::cli::publish_args::PublishTarget,
    collect: &crate::cli::collect_args::CollectArgs,
    doc: &Document,
    status: ExitStatus,
) -> Result<ExitStatus, Error> {
    let accounts = super::collect_step::accounts_options(&collect.org)?;
    let via = super::publish_step::via_of_scan(collect, accounts)?;
    let published = super::publish_step::publish_document(target, doc, &via)?;
    Ok(match (status, published) {
        (ExitStatus::Partial, _) => ExitStatus::Partial,
        (_, ExitStatus::Findings) => ExitStatus::Findings,
        (status, _) => status,
    })
}

/// `scan --fix`: evaluate, fix, re-evaluate, then report. Everything stays in memory: the fixer
/// needs the inventory and the failures.
fn scan_and_fix(
    scan_rules: &ScanRules,
    settings: &crate::fix::settings::FixSettings,
    args: &ScanArgs,
    kind: RunKind,
) -> Result<ExitStatus, Error> {
    let baseline = BaselineRun::open(&args.output)?;
    let inv = obtain_inventory(&args.collect, account_tags_needed(scan_rules, args))?;
    let shard = shard_of_args(args)?;
    let mut doc = scan_rules.run(&inv)?;
    record_shard(&mut doc, shard, &inv.head());
    // Before anything is changed: a SARIF report that cannot be written stops the run here.
    if args.output.formats.contains(&crate::report::Format::Sarif) {
        check_outputs(&doc, &outputs(&args.output)?)?;
    }
    let step = super::fix_step::run_fix_step(
        settings,
        &args.collect,
        &inv,
        &doc.results,
        &|after: &Inventory| scan_rules.run(after).map(|d| d.results),
    )?;
    if let Some(after) = &step.inventory {
        doc = scan_rules.run(after)?;
        record_shard(&mut doc, shard, &after.head());
    }
    doc.fixes = Some(step.fixes);
    if let Some(b) = &baseline {
        b.check(&doc.scan.accounts)?;
        for f in &doc.results {
            b.see_one(f);
        }
    }
    BaselineRun::finish(&baseline, &doc.scan);
    doc.baseline = baseline.and_then(|b| b.section.into_inner());
    free_in_background(inv);
    warn_suppressions(&doc, scan_rules.suppressions.as_ref());
    let outputs = outputs(&args.output)?;
    write_outputs(&doc, &outputs)?;
    let status = scan_rules.exit_status(&doc);
    // A failed fix makes an otherwise clean run exit 1; a partial scan (3) still takes precedence.
    // `flowaudit fix` speaks of its changes only: the findings that remain do not count.
    let status = match (status, kind) {
        (ExitStatus::Partial, _) => ExitStatus::Partial,
        _ if step.failed => ExitStatus::Findings,
        (_, RunKind::Fix) => ExitStatus::Clean,
        (status, RunKind::Scan) => status,
    };
    match kind {
        RunKind::Scan => super::closing::print(&doc, &outputs, status, scan_rules.fail_on),
        RunKind::Fix => super::closing::print_fix(&doc, &outputs, status, settings.dry_run),
    }
    match args.publish {
        Some(target) => publish_after(target, &args.collect, &doc, status),
        None => Ok(status),
    }
}

/// `--baseline` during a run: the comparison each result is fed to as it is produced, then
/// the report's `baseline` section. It holds the baseline's failures and the changes found,
/// nothing of the run's other results.
pub struct BaselineRun {
    comparison: std::cell::RefCell<Option<Comparison>>,
    allow_disjoint: bool,
    /// The finished section.
    pub section: std::cell::RefCell<Option<BaselineSection>>,
}

impl BaselineRun {
    /// Read `--baseline` (before anything else is done), or `None` without it.
    pub fn open(args: &OutputArgs) -> Result<Option<BaselineRun>, Error> {
        let Some(path) = &args.baseline else {
            return Ok(None);
        };
        super::file_kind::expect(path, super::file_kind::FileKind::Report, "--baseline")?;
        let baseline = Baseline::read(path)?;
        Ok(Some(BaselineRun {
            comparison: std::cell::RefCell::new(Some(baseline.compare(false))),
            allow_disjoint: args.allow_disjoint,
            section: std::cell::RefCell::new(None),
        }))
    }

    /// Refuse a baseline that shares no account with this run (unless `--allow-disjoint`).
    pub fn check(&self, accounts: &[String]) -> Result<(), Error> {
        match self.comparison.borrow().as_ref() {
            Some(c) => c
                .baseline()
                .check_accounts("this run", accounts, self.allow_disjoint),
            None => Ok(()),
        }
    }

    /// Classify one result.
    pub fn see_one(&self, f: &Finding) {
        if let Some(c) = self.comparison.borrow_mut().as_mut() {
            c.see(f);
        }
    }

    /// Classify one result, when there is a baseline.
    pub fn see(this: &Option<BaselineRun>, f: &Finding) {
        if let Some(b) = this {
            b.see_one(f);
        }
    }

    /// After the last result: the section, from what the run read (`scan`).
    pub fn finish(this: &Option<BaselineRun>, scan: &ScanSection) {
        let Some(b) = this else {
            return;
        };
        if let Some(c) = b.comparison.borrow_mut().take() {
            *b.section.borrow_mut() = Some(c.into_section(&Scope {
                accounts: &scan.accounts,
                regions: &scan.regions,
                errors: &scan.errors,
            }));
        }
    }
}

/// Whether the scan reads each account's Organizations tags: when a rule or a suppression may
/// match on them, or the run writes them (the JSON report's `account_details`, the HTML page's
/// account search, an inventory dump, a shard's report that `flowaudit report` merges and may
/// suppress on).
pub(crate) fn account_tags_needed(rules: &ScanRules, args: &ScanArgs) -> bool {
    use crate::report::Format;
    rules.reads_account_tags()
        || args
            .output
            .formats
            .iter()
            .any(|f| matches!(f, Format::Json | Format::Html))
        || args.collect.dump_inventory.is_some()
        || args.collect.org.shard.is_some()
}

/// The shard of `--shard`, its index read from the job's environment for `auto`.
fn shard_of_args(args: &ScanArgs) -> Result<Option<Shard>, Error> {
    args.collect
        .org
        .shard
        .map(|s| super::collect_step::resolve_shard(s, &|k| std::env::var(k).ok()))
        .transpose()
}

/// A sharded scan's report says which shard it is and which selected accounts it covered (the
/// inventory's accounts: the selection narrowed to the shard). A shard given no account is an
/// empty report: no account, no result.
fn record_shard(doc: &mut Document, shard: Option<Shard>, head: &InventoryHead) {
    let Some(s) = shard else {
        return;
    };
    doc.scan.shard = Some(ShardInfo {
        index: s.index,
        count: s.count,
        accounts: head.accounts.iter().map(|a| a.id.clone()).collect(),
    });
    if head.accounts.is_empty() {
        doc.scan.accounts.clear();
        doc.summary = Summary::per_account(&doc.scan.regions, &[]);
    }
}

/// Drop `v` on a detached thread; if no thread can be started, the failed spawn drops it here.
pub fn free_in_background<T: Send + 'static>(v: T) {
    let _ = std::thread::Builder::new().spawn(move || drop(v));
}

/// The inventory a scan reads: a `--from-inventory` file, parsed in batches, or an inventory held
/// whole (collected from AWS, or loaded to be saved again by `--dump-inventory`).
#[allow(clippy::large_enum_variant)] // one per run
enum InventoryRead {
    File(InventoryFile),
    Whole(Inventory),
}

impl InventoryRead {
    fn head(&self) -> Result<InventoryHead, Error> {
        match self {
            InventoryRead::File(f) => f.head(),
            InventoryRead::Whole(inv) => Ok(inv.head()),
        }
    }

    fn source(&self) -> InventorySource<'_> {
        match self {
            InventoryRead::File(f) => InventorySource::File(f),
            InventoryRead::Whole(inv) => InventorySource::Memory(inv),
        }
    }
}

/// Where a scan's VPCs come from: an inventory in memory, or an inventory file parsed a batch at
/// a time.
pub enum InventorySource<'a> {
    Memory(&'a Inventory),
    File(&'a InventoryFile),
}

/// Where a scan puts the results it keeps for its outputs.
pub trait Keep {
    fn keep(&mut self, f: Finding);
}

impl Keep for Vec<Finding> {
    fn keep(&mut self, f: Finding) {
        self.push(f);
    }
}

impl Keep for Selection {
    fn keep(&mut self, f: Finding) {
        self.push(f);
    }
}

/// The results a scan or merge keeps: every result of the statuses its outputs show, or, for
/// SARIF alone, only those SARIF can write.
pub enum Kept {
    All(Vec<Finding>),
    Sarif(Selection),
}

impl Kept {
    /// What to keep for `others`, the requested outputs besides JSON: a SARIF report alone writes
    /// at most its limit of results per account, so only those are kept.
    pub fn for_outputs(others: &[&Output]) -> Kept {
        if !others.is_empty() && others.iter().all(|o| o.format == Format::Sarif) {
            Kept::Sarif(Selection::new(MAX_RESULTS_PER_RUN))
        } else {
            Kept::All(Vec::new())
        }
    }

    /// The kept results in report order and, for SARIF alone, how many results each account's
    /// run leaves out.
    pub fn finish(self) -> (Vec<Finding>, Option<BTreeMap<String, usize>>) {
        match self {
            Kept::All(results) => (results, None),
            Kept::Sarif(selection) => {
                let (results, omitted) = selection.finish();
                (results, Some(omitted))
            }
        }
    }
}

/// Write `others`, the outputs besides JSON, from `doc` (which holds the kept results): SARIF
/// with what [`Kept::finish`] says each run leaves out, the formats that embed the whole
/// document from `text`.
pub fn write_others(
    doc: &Document,
    others: &[&Output],
    omitted: Option<&BTreeMap<String, usize>>,
    mut text: Option<&mut DocumentText>,
) -> Result<(), Error> {
    for o in others {
        match (omitted, &o.sarif) {
            (Some(omitted), Some(sarif)) => {
                let sarif = SarifReporter {
                    omitted: omitted.clone(),
                    ..sarif.clone()
                };
                let o = Output {
                    format: o.format,
                    path: o.path.clone(),
                    dir: o.dir.clone(),
                    reporter: Box::new(sarif.clone()),
                    sarif: Some(sarif),
                };
                write_output(doc, &o)?;
            }
            _ => write_output_with(doc, o, text.as_deref_mut())?,
        }
    }
    Ok(())
}

impl Keep for Kept {
    fn keep(&mut self, f: Finding) {
        match self {
            Kept::All(v) => v.push(f),
            Kept::Sarif(s) => s.push(f),
        }
    }
}

/// The rules, options and suppressions of a scan, loaded and validated.
pub struct ScanRules {
    pub rules: RuleSet,
    pub options: EvalOptions,
    pub fail_on: Severity,
    pub suppressions: Option<Suppressions>,
}

impl ScanRules {
    /// Load the rules (built-in and `--rules`), the config file and the suppressions file.
    pub fn prepare(args: &RuleArgs) -> Result<ScanRules, Error> {
        let mut rules = RuleSet::load(&args.rules_dirs)?;
        // Suppressions name loaded rules (the config file may disable some of them below).
        let suppressions = match &args.suppressions {
            Some(p) => Some(Suppressions::load(p)?.check_rules(rules.ids_and_checks())?),
            None => None,
        };
        let config = match &args.config {
            Some(p) => Some(Config::load(p)?),
            None => None,
        };
        if let Some(c) = &config {
            c.apply(&mut rules)?;
        }
        let scan_cfg = config.as_ref().map(|c| &c.scan);
        let options = EvalOptions {
            accept_subnet_coverage: args.accept_subnet_coverage
                || scan_cfg
                    .and_then(|s| s.accept_subnet_coverage)
                    .unwrap_or(false),
            skip_unused: args.skip_unused || scan_cfg.and_then(|s| s.skip_unused).unwrap_or(false),
            needs: Needs::default(),
        };
        let fail_on = args
            .fail_on
            .or(scan_cfg.and_then(|s| s.fail_on))
            .unwrap_or(Severity::Low);
        Ok(ScanRules {
            rules,
            options,
            fail_on,
            suppressions,
        })
    }

    /// Whether a rule or a suppression may read account tags.
    pub fn reads_account_tags(&self) -> bool {
        self.rules.reads_account_tags()
            || self
                .suppressions
                .as_ref()
                .is_some_and(Suppressions::reads_account_tags)
    }

    /// Evaluate the rules over the inventory, apply the suppressions, and build the report.
    pub fn run(&self, inv: &Inventory) -> Result<Document, Error> {
        let head = inv.head();
        let mut doc = Document::start(&head, self.metas());
        let mut results = Vec::new();
        let (summary, section) = self.evaluate(
            &head,
            &InventorySource::Memory(inv),
            &doc.summary,
            Needs::default(),
            &mut results,
            &mut |_| {},
        )?;
        doc.results = results;
        doc.summary = summary;
        doc.suppressions = section;
        Ok(doc)
    }

    /// The metadata of every rule, as the report lists them.
    pub fn metas(&self) -> Vec<RuleMeta> {
        self.rules.rules.iter().map(rule_meta).collect()
    }

    /// Evaluate the rules over every region of `source` (whose head is `head`), suppress, count,
    /// and hand each result to `emit` in report order; results whose status `needs` keeps are
    /// also pushed to `kept`. Returns the summary (counted on top of `zero`, the report's summary
    /// of no results: its regions and accounts) and the suppression bookkeeping.
    pub fn evaluate(
        &self,
        head: &InventoryHead,
        source: &InventorySource,
        zero: &Summary,
        needs: Needs,
        kept: &mut dyn Keep,
        emit: &mut dyn FnMut(&Finding),
    ) -> Result<(Summary, SuppressionSection), Error> {
        let opts = EvalOptions {
            needs,
            ..self.options.clone()
        };
        let ev = Evaluator::new(&self.rules, &opts, head);
        let today = chrono::Utc::now().date_naive();
        let mut applier = self
            .suppressions
            .as_ref()
            .map(|s| s.applier(today, &head.accounts));
        let mut summary = zero.clone();
        let mut take = |batch: Vec<Finding>| {
            for mut f in batch {
                if let Some(a) = applier.as_mut() {
                    a.apply(&mut f);
                }
                summary.add(&f);
                emit(&f);
                if needs.kept.contains(f.status) {
                    kept.keep(f);
                }
            }
        };
        match source {
            InventorySource::Memory(inv) => ev.batches(batches_of(inv), &mut take),
            InventorySource::File(file) => {
                // The file is parsed on a thread of its own, a few batches ahead of evaluation.
                let (tx, rx) = std::sync::mpsc::sync_channel::<ResourceBatch<'static>>(4);
                std::thread::scope(|sc| {
                    let reader = sc.spawn(move || {
                        file.stream_resources(BATCH, &mut |b| {
                            tx.send(b)
                                .map_err(|_| Error::internal("evaluation stopped reading"))
                        })
                    });
                    ev.batches(rx.into_iter(), &mut take);
                    match reader.join() {
                        Ok(read) => read,
                        Err(p) => std::panic::resume_unwind(p),
                    }
                })?;
            }
        }
        take(ev.unlisted_regions());
        let section = match (&self.suppressions, applier) {
            (Some(s), Some(applier)) => suppression_section(s, applier.finish()),
            _ => SuppressionSection::default(),
        };
        Ok((summary, section))
    }

    /// 3 when the scan is partial or a result is `error`; else 1 when a fail result at or above
    /// `--fail-on` exists; else 0.
    /// Read from the summary, which counts every result (the document may hold fewer).
    pub fn exit_status(&self, doc: &Document) -> ExitStatus {
        exit_status(doc, self.fail_on)
    }
}

/// The exit status of a report: 3 when it is incomplete (a region or account was not read, or a
/// check could not be evaluated: an `error` result); else 1 when a fail result at or above
/// `fail_on` exists; else 0. Read from the summary, which counts every result.
pub fn exit_status(doc: &Document, fail_on: Severity) -> ExitStatus {
    if doc.scan.partial || doc.summary.count(Status::Error) > 0 {
        ExitStatus::Partial
    } else if Severity::ALL
        .iter()
        .any(|s| *s >= fail_on && doc.summary.failures(*s) > 0)
    {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    }
}

/// The statuses some of `outputs` show: the results a report keeps in memory for them.
pub fn shown_by(outputs: &[&Output]) -> StatusSet {
    Status::ALL
        .into_iter()
        .filter(|st| outputs.iter().any(|o| o.reporter.shows(*st)))
        .collect()
}

/// The report's suppression bookkeeping from what the suppressions file's entries did.
pub fn suppression_section(
    s: &Suppressions,
    outcome: crate::rules::suppress::Outcome,
) -> SuppressionSection {
    let entry_ref = |i: &usize| {
        s.entry(*i).map(|e| SuppressionEntryRef {
            index: e.index,
            rule_id: e.rule_id.clone(),
            check_id: e.check_id.clone(),
            resource: e.resource.clone(),
            reason: e.reason.clone(),
            expires: e.expires.format("%Y-%m-%d").to_string(),
        })
    };
    SuppressionSection {
        file: Some(s.file.display().to_string()),
        expired: outcome.expired.iter().filter_map(entry_ref).collect(),
        unmatched: outcome.unmatched.iter().filter_map(entry_ref).collect(),
    }
}

/// Tell the user about suppressions that no longer do anything.
/// `suppressions` (the file the run applied) says why an entry cannot match in this run, when
/// that is the reason it matched nothing (`ou` in a single-account scan).
pub fn warn_suppressions(doc: &Document, suppressions: Option<&Suppressions>) {
    let file = escape(doc.suppressions.file.as_deref().unwrap_or("suppressions"));
    for e in &doc.suppressions.unmatched {
        if let Some(why) =
            suppressions.and_then(|s| s.unmatchable(e.index, &doc.scan.account_details))
        {
            eprintln!(
                "flowaudit: warning: {file}: suppression #{} ({} {} {}) cannot match: {}",
                e.index,
                escape(&e.rule_id),
                escape(e.check_id.as_deref().unwrap_or("*")),
                escape(&e.resource),
                escape(&why)
            );
            continue;
        }
        eprintln!(
            "flowaudit: warning: {file}: suppression #{} ({} {} {}) matched no failing result; remove it if the finding is fixed",
            e.index,
            escape(&e.rule_id),
            escape(e.check_id.as_deref().unwrap_or("*")),
            escape(&e.resource)
        );
    }
    for e in &doc.suppressions.expired {
        eprintln!(
            "flowaudit: warning: {file}: suppression #{} ({} {}) expired on {} and no longer applies",
            e.index,
            escape(&e.rule_id),
            escape(&e.resource),
            escape(&e.expires)
        );
    }
}

/// A rule's metadata as the report carries it.
pub fn rule_meta(r: &Rule) -> RuleMeta {
    RuleMeta {
        id: r.id.clone(),
        title: r.title.clone(),
        description: r.description.clone(),
        severity: r.severity,
        resource: r.resource.clone(),
        checks: r
            .checks
            .iter()
            .map(|c| CheckMeta {
                id: c.id.clone(),
                title: c.title.clone(),
                remediation: c
                    .remediation
                    .as_ref()
                    .and_then(|r| r.summary.clone())
                    .or_else(|| r.remediation.summary.clone()),
                fix: r.check_fix(c),
            })
            .collect(),
        compliance: r.compliance.clone(),
        references: r.references.clone(),
        source: r.source.label(),
    }
}

#[cfg(test)]
mod tests;

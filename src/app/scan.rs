//! `flowaudit scan`: inventory → rules → suppressions → report (→ fix).

use super::obtain_inventory;
use super::output::{check_output_args, write_outputs};
use crate::cli::ScanArgs;
use crate::cli::rule_args::RuleArgs;
use crate::error::{Error, ExitStatus};
use crate::findings::{Severity, Status};
use crate::inventory::Inventory;
use crate::report::v1::{CheckMeta, Document, RuleMeta, SuppressionEntryRef, SuppressionSection};
use crate::rules::config::Config;
use crate::rules::suppress::Suppressions;
use crate::rules::{EvalOptions, Rule, RuleSet};

/// Run a scan and write its outputs; returns the exit status.
pub fn scan(args: ScanArgs) -> Result<ExitStatus, Error> {
    check_output_args(&args.output)?;
    // Every input file is checked before AWS is called.
    let plan = RulePlan::prepare(&args.rules)?;
    let fix = super::fix_cmd::prepare(&args.fix, &args.collect)?;
    let inv = obtain_inventory(&args.collect)?;
    let mut doc = plan.run(&inv);
    let mut fix_failed = false;
    if let Some(settings) = &fix {
        let step = super::fix_cmd::run_fix_step(
            settings,
            &args.collect,
            &inv,
            &doc.results,
            &|after: &Inventory| Ok(plan.run(after).results),
        )?;
        if let Some(after) = &step.inventory {
            doc = plan.run(after);
        }
        doc.fixes = Some(step.fixes);
        fix_failed = step.failed;
    }
    // Freeing a large inventory (or report) takes a noticeable time; do it on another thread,
    // in parallel with writing the outputs (or with the process exit).
    free_in_background(inv);
    warn_suppressions(&doc);
    write_outputs(&doc, &args.output)?;
    let status = plan.exit_status(&doc);
    free_in_background(doc);
    // A failed fix makes an otherwise clean run exit 1; a partial scan (3) still takes precedence.
    Ok(if fix_failed && status == ExitStatus::Clean {
        ExitStatus::Findings
    } else {
        status
    })
}

/// Drop `v` on a detached thread; if no thread can be started, the failed spawn drops it here.
fn free_in_background<T: Send + 'static>(v: T) {
    let _ = std::thread::Builder::new().spawn(move || drop(v));
}

/// The rules, options and suppressions of a scan, loaded and validated.
pub struct RulePlan {
    pub rules: RuleSet,
    pub options: EvalOptions,
    pub fail_on: Severity,
    pub suppressions: Option<Suppressions>,
}

impl RulePlan {
    /// Load the rules (built-in and `--rules`), the config file and the suppressions file.
    pub fn prepare(args: &RuleArgs) -> Result<RulePlan, Error> {
        let mut rules = RuleSet::load(&args.rules_dirs)?;
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
        };
        let fail_on = args
            .fail_on
            .or(scan_cfg.and_then(|s| s.fail_on))
            .unwrap_or(Severity::Low);
        let suppressions = match &args.suppressions {
            Some(p) => Some(Suppressions::load(p)?),
            None => None,
        };
        Ok(RulePlan {
            rules,
            options,
            fail_on,
            suppressions,
        })
    }

    /// Evaluate the rules over the inventory, apply the suppressions, and build the report.
    pub fn run(&self, inv: &Inventory) -> Document {
        let mut results = crate::rules::evaluate(&self.rules, inv, &self.options);
        let mut section = SuppressionSection::default();
        if let Some(s) = &self.suppressions {
            let today = chrono::Utc::now().date_naive();
            let outcome = s.apply(&mut results, today);
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
            section.file = Some(s.file.display().to_string());
            section.expired = outcome.expired.iter().filter_map(entry_ref).collect();
            section.unmatched = outcome.unmatched.iter().filter_map(entry_ref).collect();
        }
        let metas = self.rules.rules.iter().map(rule_meta).collect();
        Document::build(inv, metas, results, section)
    }

    /// 3 when the scan is partial; else 1 when a fail result at or above `--fail-on` exists; else 0.
    pub fn exit_status(&self, doc: &Document) -> ExitStatus {
        if doc.scan.partial {
            ExitStatus::Partial
        } else if doc
            .results
            .iter()
            .any(|r| r.status == Status::Fail && r.severity >= self.fail_on)
        {
            ExitStatus::Findings
        } else {
            ExitStatus::Clean
        }
    }
}

/// Tell the user about suppressions that no longer do anything.
fn warn_suppressions(doc: &Document) {
    let file = doc.suppressions.file.as_deref().unwrap_or("suppressions");
    for e in &doc.suppressions.unmatched {
        eprintln!(
            "flowaudit: warning: {file}: suppression #{} ({} {} {}) matched no failing result; remove it if the finding is fixed",
            e.index,
            e.rule_id,
            e.check_id.as_deref().unwrap_or("*"),
            e.resource
        );
    }
    for e in &doc.suppressions.expired {
        eprintln!(
            "flowaudit: warning: {file}: suppression #{} ({} {}) expired on {} and no longer applies",
            e.index, e.rule_id, e.resource, e.expires
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
            })
            .collect(),
        compliance: r.compliance.clone(),
        references: r.references.clone(),
        source: r.source.label(),
    }
}

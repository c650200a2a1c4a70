//! `flowaudit report`: merge saved JSON reports (such as the shards of one scan), or render one
//! again, in any format; optionally with another suppressions file.
//!
//! Each input is read twice, a result at a time: once for its head (checked against the other
//! inputs, merged), once for its results while the outputs are written. As in a scan, the JSON
//! output (and the document's text for the HTML report, which embeds it) gets every result as it
//! is read, and only the results another requested format shows are kept in memory.

use super::output::{
    Output, check_output_args, check_outputs, document_text, outputs, write_document,
};
use super::pipeline::{
    BaselineRun, Keep, Kept, exit_status, free_in_background, shown_by, suppression_section,
    warn_suppressions, write_others,
};
use crate::cli::report_args::ReportArgs;
use crate::error::{Error, ExitStatus};
use crate::findings::{Finding, Severity, Status};
use crate::report::json::JsonReporter;
use crate::report::merge::{self, Merged};
use crate::report::v1::{Summary, SuppressionSection};
use crate::rules::suppress::Suppressions;
use crate::term::escape;

/// Run `flowaudit report`.
pub fn report(args: ReportArgs) -> Result<ExitStatus, Error> {
    check_output_args(&args.output)?;
    let suppressions = match &args.suppressions {
        Some(p) => Some(Suppressions::load(p)?),
        None => None,
    };
    let fail_on = args.fail_on.unwrap_or(Severity::Low);
    let mut inputs = Vec::with_capacity(args.files.len());
    for p in &args.files {
        super::file_kind::expect(p, super::file_kind::FileKind::Report, "flowaudit report")?;
        inputs.push((p.display().to_string(), merge::read(p, None)?));
    }
    let Merged {
        mut doc,
        mut overlap,
        warnings,
    } = merge::merge_heads(&inputs)?;
    for w in &warnings {
        eprintln!("flowaudit: warning: {}", escape(w));
    }
    // Each suppression must name a rule of the reports, and one of its checks, as in a scan.
    let suppressions = match suppressions {
        Some(s) => Some(s.check_rules(doc.rules.iter().map(|r| {
            (
                r.id.as_str(),
                r.checks.iter().map(|c| c.id.as_str()).collect(),
            )
        }))?),
        None => None,
    };
    let outputs = outputs(&args.output)?;
    check_outputs(&doc, &outputs)?;
    let baseline = BaselineRun::open(&args.output)?;
    if let Some(b) = &baseline {
        b.check(&doc.scan.accounts)?;
    }
    let (json, others): (Vec<&Output>, Vec<&Output>) = outputs
        .iter()
        .partition(|o| o.format == crate::report::Format::Json);
    let kept_statuses = shown_by(&others);
    let mut text = document_text(&others)?;
    // Remediation snippets are dropped from the kept results when no other format shows them.
    let remediation = others.iter().any(|o| o.reporter.shows_remediation());
    let today = chrono::Utc::now().date_naive();
    let zero = doc.summary.clone();
    let old_section = doc.suppressions.clone();
    let mut kept = Kept::for_outputs(&others);
    let (summary, section) = {
        let details = &doc.scan.account_details;
        let (scan, baseline) = (&doc.scan, &baseline);
        let (kept, overlap, inputs) = (&mut kept, &mut overlap, &inputs);
        let (files, suppressions) = (&args.files, suppressions.as_ref());
        let produce =
            move |emit: &mut dyn FnMut(&Finding)| -> Result<(Summary, SuppressionSection), Error> {
                let mut applier = suppressions.map(|s| s.applier(today, details));
                let mut summary = zero;
                for (i, path) in files.iter().enumerate() {
                    let head = merge::read(
                        path,
                        Some(&mut |mut f: Finding| {
                            if applier.is_some() {
                                unsuppress(&mut f);
                            }
                            if !overlap.take(i, &f) {
                                return Ok(());
                            }
                            if let Some(a) = applier.as_mut() {
                                a.apply(&mut f);
                            }
                            summary.add(&f);
                            BaselineRun::see(baseline, &f);
                            emit(&f);
                            if kept_statuses.contains(f.status) {
                                if !remediation {
                                    f.remediation = None;
                                }
                                kept.keep(f);
                            }
                            Ok(())
                        }),
                    )?;
                    if head != inputs[i].1 {
                        return Err(Error::input(format!(
                            "report {} changed while it was being read; run flowaudit report again",
                            escape(&inputs[i].0)
                        )));
                    }
                    overlap.check_input(i)?;
                }
                BaselineRun::finish(baseline, scan);
                let section = match (suppressions, applier) {
                    (Some(s), Some(a)) => suppression_section(s, a.finish()),
                    _ => old_section,
                };
                Ok((summary, section))
            };
        if json.is_empty() && text.is_none() {
            produce(&mut |_| {})?
        } else {
            let head = &doc;
            write_document(
                json.first().copied(),
                text.as_mut(),
                |out| match &baseline {
                    Some(b) => JsonReporter.render_streamed_with_baseline(
                        head,
                        Box::new(produce),
                        &b.section,
                        out,
                    ),
                    None => JsonReporter.render_streamed(head, Box::new(produce), out),
                },
            )?
        }
    };
    let (results, omitted) = kept.finish();
    doc.results = results;
    doc.summary = summary;
    doc.suppressions = section;
    doc.baseline = baseline.and_then(|b| b.section.into_inner());
    if suppressions.is_some() {
        warn_suppressions(&doc, suppressions.as_ref());
    }
    write_others(&doc, &others, omitted.as_ref(), text.as_mut())?;
    let status = exit_status(&doc, fail_on);
    super::closing::print(&doc, &outputs, status, fail_on);
    free_in_background(doc);
    Ok(status)
}

/// A result the old report suppressed, as it was before: `--suppressions` decides again.
fn unsuppress(f: &mut Finding) {
    if f.status == Status::Suppressed
        && let Some(s) = f.suppression.take()
    {
        f.status = s.original_status;
    }
}

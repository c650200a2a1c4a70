//! `flowaudit diff OLD.json NEW.json`: what changed between two saved reports.
//!
//! The old report's failures are read into a [`Baseline`]; the new report is read a result at a
//! time (as `flowaudit report` reads it), each result classified as it comes.

use super::output::{check_formats, output_path};
use crate::cli::diff_args::{DiffArgs, DiffFormat};
use crate::error::{Error, ExitStatus};
use crate::findings::Severity;
use crate::report::diff::{Baseline, DIFF_SCHEMA, DiffDocument, Scope, Side, render_text};
use crate::report::merge;
use crate::report::v1::ToolInfo;
use crate::term::escape;
use std::path::PathBuf;

/// Run `flowaudit diff`: 1 when a new failure at or above `--fail-on` exists, else 0; inputs
/// that cannot be compared are an error (exit 2).
pub fn diff(args: DiffArgs) -> Result<ExitStatus, Error> {
    let fail_on = args.fail_on.unwrap_or(Severity::Low);
    let outputs = diff_outputs(&args)?;
    for p in [&args.old, &args.new] {
        super::file_kind::expect(p, super::file_kind::FileKind::Report, "flowaudit diff")?;
    }
    let baseline = Baseline::read(&args.old)?;
    let new_name = args.new.display().to_string();
    let new_head = merge::read(&args.new, None)?;
    baseline.check_accounts(&new_name, &new_head.scan.accounts, args.allow_disjoint)?;
    let old = Side::of(&baseline.file, &baseline.head);
    let mut comparison = baseline.compare(true);
    let again = merge::read(
        &args.new,
        Some(&mut |f| {
            comparison.see(&f);
            Ok(())
        }),
    )?;
    if again != new_head {
        return Err(Error::input(format!(
            "report {} changed while it was being read; run flowaudit diff again",
            escape(&new_name)
        )));
    }
    let delta = comparison.finish(&Scope {
        accounts: &new_head.scan.accounts,
        regions: &new_head.scan.regions,
        errors: &new_head.scan.errors,
    });
    let doc = DiffDocument {
        schema: DIFF_SCHEMA.to_string(),
        tool: ToolInfo {
            name: "flowaudit".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            information_uri: env!("CARGO_PKG_REPOSITORY").into(),
        },
        old,
        new: Side::of(&new_name, &new_head),
        fail_on,
        counts: delta.counts,
        new_by_severity: delta.new_by_severity,
        changes: delta.changes,
    };
    for (format, path) in &outputs {
        let bytes = match format {
            DiffFormat::Text => render_text(&doc).into_bytes(),
            DiffFormat::Markdown => crate::report::markdown::render_diff(&doc).into_bytes(),
            DiffFormat::Json => {
                let mut v =
                    serde_json::to_vec_pretty(&doc).map_err(|e| Error::internal(e.to_string()))?;
                v.push(b'\n');
                v
            }
        };
        crate::fsutil::write_atomic(path, &bytes)?;
    }
    Ok(if doc.new_at_or_above(fail_on) > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

/// Where each requested format goes: standard output, `--output FILE`, or a file per format in
/// `--output-dir` (created if needed). Checked before either report is read.
fn diff_outputs(args: &DiffArgs) -> Result<Vec<(DiffFormat, PathBuf)>, Error> {
    let name = |f: &DiffFormat| -> &'static str {
        match f {
            DiffFormat::Text => "text",
            DiffFormat::Json => "json",
            DiffFormat::Markdown => "markdown",
        }
    };
    check_formats(&args.formats, name, args.output_dir.is_some())?;
    let formats = if args.formats.is_empty() {
        vec![DiffFormat::Text]
    } else {
        args.formats.clone()
    };
    formats
        .into_iter()
        .map(|f| {
            let path = output_path(
                args.output_dir.as_deref(),
                args.output.as_deref(),
                f.file_name(),
            )?;
            Ok((f, path))
        })
        .collect()
}

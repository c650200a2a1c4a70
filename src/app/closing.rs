//! The short block every run that writes files ends with, on stderr: the files written, the
//! counts, and what the exit code means. `-q` silences it (see [`super::logging::quiet`]).

use super::output::Output;
use crate::error::ExitStatus;
use crate::findings::{Severity, Status};
use crate::report::sarif::{MAX_RUNS_PER_FILE, account_file_name, run_accounts};
use crate::report::v1::Document;
use crate::term::Escaped;

/// The files `outputs` wrote for `doc` (standard output is not a file): a SARIF report split by
/// account is named by its pattern and count.
pub fn files_written(doc: &Document, outputs: &[Output]) -> Vec<String> {
    let mut files = Vec::new();
    let runs = run_accounts(doc).len();
    for o in outputs {
        if o.path.as_os_str() == "-" {
            continue;
        }
        match (&o.sarif, &o.dir) {
            (Some(_), Some(dir)) if runs > MAX_RUNS_PER_FILE => {
                files.push(format!(
                    "{} ({runs} files, one per account)",
                    Escaped(dir.join(account_file_name("<ACCOUNT>")).display())
                ));
            }
            (_, Some(dir))
                if o.format == crate::report::Format::Html
                    && crate::report::html::is_organization(doc) =>
            {
                files.push(format!(
                    "{} and {} ({} files, one per account)",
                    Escaped(dir.join(crate::report::html::org::INDEX_FILE).display()),
                    Escaped(
                        dir.join(crate::report::html::org::account_page("<ACCOUNT>"))
                            .display()
                    ),
                    doc.scan.accounts.len()
                ));
            }
            _ => files.push(Escaped(o.path.display()).to_string()),
        }
    }
    files
}

/// The closing block's lines for a report `doc` written to `files`, that ends with `status`.
pub fn block(
    doc: &Document,
    files: &[String],
    status: ExitStatus,
    fail_on: Severity,
) -> Vec<String> {
    let s = &doc.summary;
    let mut lines = Vec::new();
    if !files.is_empty() {
        lines.push(format!("flowaudit: wrote {}", files.join(", ")));
    }
    let counts: Vec<String> = Status::ALL
        .iter()
        .map(|st| (st, s.count(*st)))
        .filter(|(_, n)| *n > 0)
        .map(|(st, n)| format!("{n} {}", st.as_str()))
        .collect();
    let accounts = doc.scan.accounts.len();
    let regions = doc.scan.regions.len();
    lines.push(format!(
        "flowaudit: {} in {accounts} account{} and {regions} region{}{}",
        plural(s.total, "result", "results"),
        if accounts == 1 { "" } else { "s" },
        if regions == 1 { "" } else { "s" },
        if counts.is_empty() {
            String::new()
        } else {
            format!(": {}", counts.join(", "))
        }
    ));
    let gate = fail_on.as_str();
    lines.push(match status {
        ExitStatus::Clean => {
            format!("flowaudit: exit 0: no failing result at or above --fail-on {gate}")
        }
        ExitStatus::Findings => {
            let n: usize = Severity::ALL
                .iter()
                .filter(|sev| **sev >= fail_on)
                .map(|sev| s.failures(*sev))
                .sum();
            if n == 0 {
                "flowaudit: exit 1: a planned change failed or does not verify".to_string()
            } else {
                format!(
                    "flowaudit: exit 1: {} at or above --fail-on {gate}",
                    plural(n, "failing result", "failing results")
                )
            }
        }
        ExitStatus::Partial => {
            let mut why = Vec::new();
            let errors = doc.scan.errors.len();
            if errors > 0 {
                why.push(format!(
                    "{} (scan.errors in the JSON report)",
                    plural(errors, "part could not be read", "parts could not be read")
                ));
            }
            let unevaluated = s.count(Status::Error);
            if unevaluated > 0 {
                why.push(format!(
                    "{} (results with status error)",
                    plural(
                        unevaluated,
                        "check could not be evaluated",
                        "checks could not be evaluated"
                    )
                ));
            }
            format!(
                "flowaudit: exit 3: the scan is incomplete: {}",
                why.join("; ")
            )
        }
        ExitStatus::Usage => "flowaudit: exit 2: usage or input error".to_string(),
    });
    lines
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Print the closing block on stderr, unless `-q` was given or no file was written.
pub fn print(doc: &Document, outputs: &[Output], status: ExitStatus, fail_on: Severity) {
    let files = files_written(doc, outputs);
    if files.is_empty() || super::logging::quiet() {
        return;
    }
    for line in block(doc, &files, status, fail_on) {
        eprintln!("{line}");
    }
}

/// The closing block of `flowaudit fix`, always printed (unless `-q`): its exit status speaks of
/// the planned changes, so the findings that remain are said here.
pub fn print_fix(doc: &Document, outputs: &[Output], status: ExitStatus, dry_run: bool) {
    if super::logging::quiet() {
        return;
    }
    let changes = doc.fixes.as_deref().map_or(0, <[_]>::len);
    for line in fix_block(doc, &files_written(doc, outputs), status, changes, dry_run) {
        eprintln!("{line}");
    }
}

/// The closing block's lines for `flowaudit fix` with `changes` planned changes.
pub fn fix_block(
    doc: &Document,
    files: &[String],
    status: ExitStatus,
    changes: usize,
    dry_run: bool,
) -> Vec<String> {
    let mut lines = block(doc, files, status, Severity::Info);
    let remaining = doc.summary.count(Status::Fail);
    let remain = match remaining {
        0 => "no failing result remains".to_string(),
        n => format!(
            "{} remain{} (see the report; `flowaudit fix` exits 0 whatever findings remain)",
            plural(n, "failing result", "failing results"),
            if n == 1 { "s" } else { "" }
        ),
    };
    if let (ExitStatus::Clean | ExitStatus::Findings, Some(last)) = (status, lines.last_mut()) {
        *last = match (status, changes) {
            (ExitStatus::Clean, 0) => format!("flowaudit: exit 0: nothing to change; {remain}"),
            (ExitStatus::Clean, n) if dry_run => format!(
                "flowaudit: exit 0: {} checked, nothing changed (--dry-run); {remain}",
                plural(n, "planned change", "planned changes")
            ),
            (ExitStatus::Clean, n) => format!(
                "flowaudit: exit 0: {} applied and verified; {remain}",
                plural(n, "planned change", "planned changes")
            ),
            _ => format!(
                "flowaudit: exit 1: a planned change was declined, failed or does not verify; {remain}"
            ),
        };
    }
    lines
}

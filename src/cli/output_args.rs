//! Flags that choose the output formats and files.

use crate::report::Format;
use std::path::PathBuf;

/// Output flags of `scan`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format (repeatable). Default: text.
    #[arg(long = "format", short = 'f', value_enum, value_name = "FORMAT")]
    pub formats: Vec<Format>,
    /// Write the (single) format to FILE atomically; `-` is standard output.
    #[arg(long, short = 'o', value_name = "FILE", conflicts_with = "output_dir")]
    pub output: Option<PathBuf>,
    /// Write every requested format into DIR as flowaudit.json, flowaudit.sarif, flowaudit.html,
    /// flowaudit.txt, flowaudit.md; SARIF of more than 20 accounts is one flowaudit-<ACCOUNT>.sarif per account.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Restyle the HTML report: DIR holds any of report.html.hbs, report.css, report.js, each
    /// replacing the built-in template of that name.
    #[arg(long, value_name = "DIR")]
    pub template_dir: Option<PathBuf>,
    /// First part of the SARIF `automationDetails.id` (GitHub code-scanning category); the account id
    /// is appended: `<CATEGORY>/<account>/`.
    #[arg(long, value_name = "CATEGORY", default_value = "flowaudit")]
    pub sarif_category: String,
    /// Compare with a saved JSON report (flowaudit/report/v1), as `flowaudit diff` does: every
    /// format gets what is new, resolved, gone or differently suppressed since then.
    #[arg(long, value_name = "OLD.json")]
    pub baseline: Option<PathBuf>,
    /// With --baseline: compare even when the baseline shares no account with this run.
    #[arg(long, requires = "baseline")]
    pub allow_disjoint: bool,
}

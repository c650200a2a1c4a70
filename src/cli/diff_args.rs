//! Arguments of `flowaudit diff`: compare two saved JSON reports.

use crate::findings::Severity;
use std::path::PathBuf;

/// `flowaudit diff` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// The older saved JSON report (`flowaudit scan --format json`, schema flowaudit/report/v1).
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,
    /// The newer saved JSON report.
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// Output format (repeatable): text, json (schema flowaudit/diff/v1, docs/diff-v1.md) or
    /// markdown. Default: text.
    #[arg(long = "format", short = 'f', value_enum, value_name = "FORMAT")]
    pub formats: Vec<DiffFormat>,
    /// Write the (single) format to FILE atomically; `-` (the default) is standard output.
    #[arg(long, short = 'o', value_name = "FILE", conflicts_with = "output_dir")]
    pub output: Option<PathBuf>,
    /// Write every requested format into DIR as flowaudit-diff.txt, flowaudit-diff.json,
    /// flowaudit-diff.md.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Exit 1 only when a new failure of this severity or higher exists [default: low].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Compare reports that share no account (otherwise refused: every failure would be new).
    #[arg(long)]
    pub allow_disjoint: bool,
}

impl DiffFormat {
    /// The file name of this format in `--output-dir`.
    pub fn file_name(self) -> &'static str {
        match self {
            DiffFormat::Text => "flowaudit-diff.txt",
            DiffFormat::Json => "flowaudit-diff.json",
            DiffFormat::Markdown => "flowaudit-diff.md",
        }
    }
}

/// The formats of `flowaudit diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// A terminal summary.
    Text,
    /// The flowaudit/diff/v1 document.
    Json,
    /// A short Markdown summary.
    Markdown,
}

//! Arguments of `flowaudit report`: merge and re-render saved JSON reports.

use super::output_args::OutputArgs;
use crate::findings::Severity;
use std::path::PathBuf;

/// `flowaudit report` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Saved JSON reports (`flowaudit scan --format json`, schema flowaudit/report/v1): one to
    /// render again, several (such as the shards of one scan) to merge.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Exit 1 only when a fail result of this severity or higher exists [default: low].
    #[arg(long, value_enum, value_name = "SEVERITY", help_heading = "Rules")]
    pub fail_on: Option<Severity>,
    /// Suppressions file (TOML) to apply instead of the one the reports were written with: what
    /// they suppressed is a failure again unless this file suppresses it.
    #[arg(long, value_name = "FILE", help_heading = "Rules")]
    pub suppressions: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

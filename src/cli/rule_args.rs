//! Flags that choose and tune the rules, and decide what fails a scheduled audit.

use crate::findings::Severity;
use std::path::PathBuf;

/// Rule flags of `scan`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Rules")]
pub struct RuleArgs {
    /// Load rule files (*.toml) from DIR; a rule with the id of a built-in rule replaces it (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Configuration file (TOML): `[scan]` takes fail_on, skip_unused and
    /// accept_subnet_coverage (defaults for those flags); `[rules.RULE-ID]` takes enabled and
    /// params (a table of the rule's parameters). Any other key is refused, naming the known ones.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Count a VPC as logged when it has no VPC-level flow log but every subnet has an active one.
    #[arg(long)]
    pub accept_subnet_coverage: bool,
    /// Skip the VPC rules on VPCs without network interfaces (result `skipped`, with the reason) [default: off, or the config file's scan.skip_unused].
    #[arg(long)]
    pub skip_unused: bool,
    /// Exit 1 only when a fail result of this severity or higher exists [default: low, or the config file's scan.fail_on].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Suppressions file (TOML): accepted findings, each with a reason and an expiry date.
    #[arg(long, value_name = "FILE")]
    pub suppressions: Option<PathBuf>,
}

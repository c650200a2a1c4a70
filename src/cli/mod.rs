//! Command-line surface: argument definitions and the dispatch from subcommands to the pipeline.
//!
//! Each group of flags lives in its own file so the parts of the pipeline can grow independently.

pub mod collect_args;
pub mod diff_args;
pub mod fix_args;
pub mod org_args;
pub mod output_args;
pub mod publish_args;
pub mod report_args;
pub mod rule_args;
pub mod rules_cmd;
pub mod watch_args;

use clap::{ArgAction, Parser, Subcommand};

/// flowaudit: prove that every VPC in every region records its traffic.
#[derive(Debug, Parser)]
#[command(name = "flowaudit", version, about, long_about = None)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less log output on stderr (-q errors only, -qq nothing).
    #[arg(short, long, action = ArgAction::Count, global = true, conflicts_with = "verbose")]
    pub quiet: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run; boxing would buy nothing
pub enum Command {
    /// Collect the inventory (or load one) and evaluate the rules.
    Scan(ScanArgs),
    /// List, show, test and validate rules.
    Rules(rules_cmd::RulesArgs),
    /// Scan, then fix failing flow-log findings (plan, confirm, apply, verify), or undo a fix.
    Fix(fix_args::FixCommandArgs),
    /// Merge saved JSON reports (such as the shards of one scan) or render one again, in any format.
    Report(report_args::ReportArgs),
    /// Publish the findings of saved JSON reports: `securityhub` imports them into AWS Security
    /// Hub (ASFF) in each finding's own account and region, and archives flowaudit's earlier
    /// findings there that no longer fail. Exit 1 when a finding was not imported.
    Publish(publish_args::PublishArgs),
    /// Watch an SQS queue of CloudTrail events (EventBridge) and re-check what each one can have
    /// changed: every verdict that changed is one JSON line on stdout.
    Watch(watch_args::WatchArgs),
    /// Compare two saved JSON reports: new failures, resolved, still failing, gone, suppression
    /// changes. Exit 1 when a new failure is at or above --fail-on.
    Diff(diff_args::DiffArgs),
}

/// Arguments of `flowaudit scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub collect: collect_args::CollectArgs,
    #[command(flatten)]
    pub rules: rule_args::RuleArgs,
    #[command(flatten)]
    pub output: output_args::OutputArgs,
    #[command(flatten)]
    pub fix: fix_args::FixArgs,
    /// After the reports are written, publish the findings (as `flowaudit publish` does), with
    /// the scan's credentials and account roles.
    #[arg(long, value_enum, value_name = "TARGET", help_heading = "Output")]
    pub publish: Option<publish_args::PublishTarget>,
}

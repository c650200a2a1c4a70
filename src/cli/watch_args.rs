//! Flags of `flowaudit watch`.

use super::collect_args::CollectArgs;
use super::rule_args::RuleArgs;
use std::path::PathBuf;

/// Arguments of `flowaudit watch`.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// The SQS queue an EventBridge rule fills with CloudTrail management events ("AWS API
    /// Call via CloudTrail"); its region comes from the URL when it names one.
    #[arg(long, value_name = "URL")]
    pub queue_url: String,
    /// Take the current verdicts from this JSON report instead of scanning at start-up.
    #[arg(long, value_name = "REPORT")]
    pub baseline: Option<PathBuf>,
    /// Drain the queue, then exit (for cron and tests).
    #[arg(long)]
    pub once: bool,
    /// How long events are gathered before their re-checks run, in milliseconds: many events
    /// for one resource within it become one re-check.
    #[arg(long, default_value_t = 1000, value_name = "MS", value_parser = clap::value_parser!(u64).range(0..=60000))]
    pub window_ms: u64,
    /// Also publish each re-check's verdicts (as `flowaudit publish` does): its failures
    /// imported, and flowaudit's earlier findings of the re-checked resources that no longer
    /// fail archived.
    #[arg(long, value_enum, value_name = "TARGET")]
    pub publish: Option<super::publish_args::PublishTarget>,
    #[command(flatten)]
    pub collect: CollectArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
}

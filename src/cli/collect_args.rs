//! Flags that choose what is collected and how AWS is reached.

use super::org_args::OrgArgs;
use std::path::PathBuf;

/// Collection flags of `scan`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Collection")]
pub struct CollectArgs {
    /// Scan only these regions (repeatable, or a comma-separated list). Default: every enabled region.
    #[arg(long = "region", value_delimiter = ',', value_name = "REGION")]
    pub regions: Vec<String>,
    /// Skip these regions (repeatable, or a comma-separated list).
    #[arg(long = "exclude-region", value_delimiter = ',', value_name = "REGION")]
    pub exclude_regions: Vec<String>,
    /// Named profile from the AWS config files (otherwise the standard credential chain).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (also read from AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// How many regions are collected at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Attempts per AWS call, first try included (the SDK's standard retry mode).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// Timeout of one AWS call attempt, in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub call_timeout: u64,
    /// Save the collected inventory to FILE (JSON) for later `--from-inventory` runs.
    #[arg(long, value_name = "FILE")]
    pub dump_inventory: Option<PathBuf>,
    /// Load the inventory from FILE instead of calling AWS (offline, reproducible).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["regions", "exclude_regions", "profile", "endpoint_url", "org", "accounts", "accounts_file", "shard", "resources"])]
    pub from_inventory: Option<PathBuf>,
    /// Re-check only these resources: a VPC or transit gateway id (with one --region, and
    /// --account in an organization scan) or its ARN (repeatable, or a comma-separated list).
    /// Only what their verdicts need is read, with filtered listings.
    #[arg(long = "resource", value_delimiter = ',', value_name = "ID|ARN", conflicts_with_all = ["exclude_regions", "shard"])]
    pub resources: Vec<String>,
    #[command(flatten)]
    pub org: OrgArgs,
}

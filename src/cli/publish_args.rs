//! Flags of `flowaudit publish` (and `scan --publish`).

use super::org_args::{DEFAULT_ROLE_NAME, DEFAULT_SESSION_NAME};
use std::path::PathBuf;

/// Where findings are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PublishTarget {
    /// AWS Security Hub CSPM (ASFF, BatchImportFindings), in each finding's own account and
    /// region.
    Securityhub,
}

impl PublishTarget {
    pub fn name(self) -> &'static str {
        match self {
            PublishTarget::Securityhub => "securityhub",
        }
    }
}

/// Arguments of `flowaudit publish`.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// Where the findings go.
    #[arg(value_enum, value_name = "TARGET")]
    pub target: PublishTarget,
    /// Saved JSON reports (flowaudit/report/v1), such as the shards of one scan.
    #[arg(required = true, value_name = "REPORT")]
    pub files: Vec<PathBuf>,
    /// Named profile from the AWS config files (otherwise the standard credential chain).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (also read from AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Attempts per call, first try included; throttled calls are paced and tried again.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// Timeout of one AWS call attempt, in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub call_timeout: u64,
    /// Role assumed in every account other than the caller's (default: the role the report
    /// records for the account, else OrganizationAccountAccessRole).
    #[arg(long, value_name = "NAME", conflicts_with = "role_arn_template")]
    pub role_name: Option<String>,
    /// Role ARN assumed in every other account, with `{account}` (and optionally `{partition}`)
    /// replaced, e.g. 'arn:{partition}:iam::{account}:role/Audit'.
    #[arg(long, value_name = "TEMPLATE")]
    pub role_arn_template: Option<String>,
    /// External id passed to every AssumeRole.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// Role session name, visible in the member accounts' CloudTrail.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_SESSION_NAME)]
    pub role_session_name: String,
    /// Duration of each assumed-role session, in seconds (900 to 43200).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(900..=43200))]
    pub session_duration: Option<u32>,
}

impl PublishArgs {
    /// The role name the flags give (the default when neither role flag is given).
    pub fn role_name_or_default(&self) -> String {
        self.role_name
            .clone()
            .unwrap_or_else(|| DEFAULT_ROLE_NAME.to_string())
    }
}

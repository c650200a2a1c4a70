//! Flags that choose the accounts of an organization or accounts-file scan and how each one is
//! reached.

use std::path::PathBuf;

/// The role name assumed in member accounts when no other role is given.
pub const DEFAULT_ROLE_NAME: &str = "OrganizationAccountAccessRole";
/// The role session name when none is given.
pub const DEFAULT_SESSION_NAME: &str = "flowaudit";

/// Account flags of `scan` (and of `fix`, which scans first).
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Accounts")]
pub struct OrgArgs {
    /// Scan every ACTIVE account of the AWS Organization (organizations:ListAccounts with the
    /// caller's credentials: the management account or a delegated administrator).
    #[arg(long, conflicts_with = "accounts_file")]
    pub org: bool,
    /// With --org: only accounts under these organizational units, whole subtree: an OU id
    /// (`ou-...`, or the root `r-...`), a path of OU names from the root (`Workloads/Prod`; `\/`
    /// for a `/` inside a name) or the name of one OU (repeatable, or a comma-separated list).
    #[arg(long = "ou", value_delimiter = ',', value_name = "OU")]
    pub ous: Vec<String>,
    /// With --org: leave out accounts under these organizational units, whole subtree (ids,
    /// paths or names, as --ou takes them).
    #[arg(long = "exclude-ou", value_delimiter = ',', value_name = "OU")]
    pub exclude_ous: Vec<String>,
    /// Scan only these accounts (repeatable, or a comma-separated list). Without --org or
    /// --accounts-file, scan exactly these accounts, each through its role.
    #[arg(long = "account", value_delimiter = ',', value_name = "ID")]
    pub accounts: Vec<String>,
    /// Leave out these accounts (repeatable, or a comma-separated list).
    #[arg(long = "exclude-account", value_delimiter = ',', value_name = "ID")]
    pub exclude_accounts: Vec<String>,
    /// Scan the accounts listed in FILE (TOML, `[[accounts]]` with id, name, role, external_id,
    /// regions, tags), without Organizations access.
    #[arg(long, value_name = "FILE")]
    pub accounts_file: Option<PathBuf>,
    /// Role assumed in every other account.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_ROLE_NAME, conflicts_with = "role_arn_template")]
    pub role_name: String,
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
    /// Duration of each assumed-role session, in seconds (900 to 43200; AWS's default is 3600).
    /// Sessions are renewed before they expire.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(900..=43200))]
    pub session_duration: Option<u32>,
    /// Leave the caller's own account out of an organization or accounts-file scan.
    #[arg(long)]
    pub skip_self: bool,
    /// How many accounts are collected at once (each with --concurrency regions at once).
    #[arg(long, default_value_t = DEFAULT_ACCOUNT_CONCURRENCY, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub account_concurrency: u16,
    /// Scan only shard INDEX (0-based) of COUNT: a fixed share of the selected accounts, decided
    /// by the account id alone; `auto/COUNT` reads INDEX from JOB_COMPLETION_INDEX (Kubernetes
    /// Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job). Merge the shards' JSON
    /// reports with `flowaudit report`.
    #[arg(long, value_name = "INDEX/COUNT", value_parser = parse_shard)]
    pub shard: Option<ShardSpec>,
    /// At most this many AWS calls in flight at once, across every account and region.
    #[arg(long, default_value_t = DEFAULT_MAX_IN_FLIGHT, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub max_in_flight: u16,
}

impl OrgArgs {
    /// True when the scan covers chosen accounts rather than the caller's account alone.
    pub fn multi_account(&self) -> bool {
        self.org || self.accounts_file.is_some() || !self.accounts.is_empty()
    }

    /// The account flags that were given (for messages refusing them).
    pub fn given_flags(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |set: bool, name: &'static str| {
            if set {
                v.push(name)
            }
        };
        add(self.org, "--org");
        add(!self.ous.is_empty(), "--ou");
        add(!self.exclude_ous.is_empty(), "--exclude-ou");
        add(!self.accounts.is_empty(), "--account");
        add(!self.exclude_accounts.is_empty(), "--exclude-account");
        add(self.accounts_file.is_some(), "--accounts-file");
        add(self.role_name != DEFAULT_ROLE_NAME, "--role-name");
        add(self.role_arn_template.is_some(), "--role-arn-template");
        add(self.external_id.is_some(), "--external-id");
        add(
            self.role_session_name != DEFAULT_SESSION_NAME,
            "--role-session-name",
        );
        add(self.session_duration.is_some(), "--session-duration");
        add(self.skip_self, "--skip-self");
        add(
            self.account_concurrency != DEFAULT_ACCOUNT_CONCURRENCY,
            "--account-concurrency",
        );
        add(self.shard.is_some(), "--shard");
        v
    }
}

/// Accounts collected at once by default: enough that each account's chain of round trips (its
/// role, its regions, its listings, its destinations) overlaps with 63 others' (the measurement
/// is in docs/performance.md).
pub const DEFAULT_ACCOUNT_CONCURRENCY: u16 = 64;

/// AWS calls in flight by default: at 50 ms a round trip, 512 calls in flight carry about 10,000
/// calls a second, so that a 1,000-account, 17-region organization (about 106,000 calls) is not
/// held up by latency (docs/performance.md).
pub const DEFAULT_MAX_IN_FLIGHT: u16 = 512;

/// The most shards a partition has.
pub const MAX_SHARDS: u32 = 10_000;

/// `--shard INDEX/COUNT` or `--shard auto/COUNT` as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    /// `None` for `auto`: read from the job's environment.
    pub index: Option<u32>,
    pub count: u32,
}

fn parse_shard(s: &str) -> Result<ShardSpec, String> {
    let usage = "expected INDEX/COUNT (0-based, e.g. 0/3) or auto/COUNT";
    let (index, count) = s.split_once('/').ok_or(usage)?;
    let count: u32 = count
        .trim()
        .parse()
        .ok()
        .filter(|c| (1..=MAX_SHARDS).contains(c))
        .ok_or_else(|| format!("{usage}; COUNT is a number from 1 to {MAX_SHARDS}"))?;
    let index = match index.trim() {
        "auto" => None,
        i => Some(
            i.parse::<u32>()
                .ok()
                .filter(|i| *i < count)
                .ok_or_else(|| format!("{usage}; INDEX is a number from 0 to {}", count - 1))?,
        ),
    };
    Ok(ShardSpec { index, count })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs_parse_and_bad_ones_are_refused() {
        assert_eq!(
            parse_shard("1/3"),
            Ok(ShardSpec {
                index: Some(1),
                count: 3
            })
        );
        assert_eq!(
            parse_shard("auto/4"),
            Ok(ShardSpec {
                index: None,
                count: 4
            })
        );
        for bad in ["3/3", "-1/3", "0/0", "1", "a/3", "0/x", "0/10001", ""] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        assert!(parse_shard("3/3").unwrap_err().contains("from 0 to 2"));
    }
}

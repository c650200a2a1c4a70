//! What a collection is asked to do, and the progress it reports.

use super::accounts::AccountsOptions;
use super::clients::ClientSettings;
use super::targets;
use std::sync::Arc;
use std::time::Duration;

/// Progress events for whoever displays them (the CLI draws a bar on a terminal).
#[derive(Debug, Clone)]
pub enum Progress {
    /// This many more regions are to be collected (once per account).
    RegionsPlanned { total: usize },
    /// One region finished (successfully or not) with this many VPCs.
    RegionDone {
        region: String,
        vpcs: usize,
        failed: bool,
    },
    /// Collection is over.
    Finished,
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// What to collect and how to reach AWS.
#[derive(Clone)]
pub struct CollectOptions {
    /// Regions asked for; empty means every enabled region.
    pub regions: Vec<String>,
    pub exclude_regions: Vec<String>,
    pub profile: Option<String>,
    /// Overrides every service endpoint (else `AWS_ENDPOINT_URL` is honoured by the SDK).
    pub endpoint_url: Option<String>,
    /// Regions collected at once.
    pub concurrency: usize,
    /// Attempts per call, first included.
    pub max_attempts: u32,
    /// Per-attempt timeout.
    pub call_timeout: Duration,
    /// AWS calls in flight at once, across every account and region.
    pub max_in_flight: usize,
    /// The accounts of an organization or accounts-file scan; `None` scans the caller's account.
    pub accounts: Option<AccountsOptions>,
    /// `--resource`: re-check only these resources (filtered listings, no region discovery).
    pub targets: Option<targets::Targets>,
    pub progress: Option<ProgressFn>,
    /// The connection pool to use (see [`ClientSettings::pool`]); `None` makes one per collection.
    pub pool: Option<aws_sdk_sts::config::SharedHttpClient>,
}

impl From<&CollectOptions> for ClientSettings {
    fn from(o: &CollectOptions) -> ClientSettings {
        ClientSettings {
            profile: o.profile.clone(),
            endpoint_url: o.endpoint_url.clone(),
            max_attempts: o.max_attempts,
            call_timeout: o.call_timeout,
            max_in_flight: o.max_in_flight,
            pool: o.pool.clone(),
        }
    }
}

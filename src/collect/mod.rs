//! The collector: the only code that reads AWS. It never prints; it reports progress through
//! [`CollectOptions::progress`] and returns a joined [`Inventory`].

use crate::error::Error;
use crate::inventory::Inventory;
use std::sync::Arc;
use std::time::Duration;

/// Progress events for whoever displays them (the CLI draws a bar on a terminal).
#[derive(Debug, Clone)]
pub enum Progress {
    /// The regions to collect are known.
    RegionsPlanned { total: usize },
    /// One region finished (successfully or not) with this many VPCs.
    RegionDone {
        region: String,
        vpcs: usize,
        failed: bool,
    },
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
    pub progress: Option<ProgressFn>,
}

/// Collect the inventory of the account the credentials belong to.
pub async fn collect(_opts: &CollectOptions) -> Result<Inventory, Error> {
    Err(Error::internal("collector not implemented yet"))
}

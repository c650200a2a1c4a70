//! The collector: the only code that reads AWS. It never prints; it reports progress through
//! [`CollectOptions::progress`] and returns a joined [`Inventory`].

pub mod clients;
mod destinations;
mod ec2;
mod errors;
pub mod regions;
pub mod shard;

use crate::error::Error;
use crate::inventory::validate;
use crate::inventory::{INVENTORY_SCHEMA, Inventory, RegionInventory, ScanError, ScanMeta};
use crate::term::escape;
use clients::Clients;
use futures::StreamExt;
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

/// Check the options before any AWS call: region names and the endpoint URL.
pub fn validate(opts: &CollectOptions) -> Result<(), Error> {
    regions::validate("--region", &opts.regions)?;
    regions::validate("--exclude-region", &opts.exclude_regions)?;
    if let Some(url) = &opts.endpoint_url {
        clients::validate_endpoint(url, "--endpoint-url")?;
    } else if let Ok(url) = std::env::var("AWS_ENDPOINT_URL")
        && !url.is_empty()
    {
        clients::validate_endpoint(&url, "environment variable AWS_ENDPOINT_URL")?;
    }
    Ok(())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Collect the inventory of the account the credentials belong to.
pub async fn collect(opts: &CollectOptions) -> Result<Inventory, Error> {
    validate(opts)?;
    let started_at = now();
    let timeout_secs = opts.call_timeout.as_secs().max(1);
    let fallback_region = opts
        .regions
        .first()
        .map(|r| r.trim().to_string())
        .unwrap_or_else(|| "us-east-1".to_string());
    let clients = Clients::load(opts, &fallback_region).await;
    let (account_id, partition) = identify(&clients, timeout_secs).await?;
    let mut scan_errors: Vec<ScanError> = Vec::new();

    let plan = plan_regions(
        &clients,
        opts,
        &partition,
        timeout_secs,
        &account_id,
        &mut scan_errors,
    )
    .await?;
    for r in &plan.not_enabled {
        scan_errors.push(ScanError {
            account_id: account_id.clone(),
            region: Some(r.clone()),
            service: "ec2".into(),
            operation: "DescribeRegions".into(),
            code: "RegionNotEnabled".into(),
            message: format!(
                "{r} is not enabled for account {account_id} (opt-in region not opted in, or another partition)"
            ),
        });
    }
    if let Some(p) = &opts.progress {
        p(Progress::RegionsPlanned {
            total: plan.scan.len(),
        });
    }

    let concurrency = opts.concurrency.max(1);
    let ctxs: Vec<ec2::RegionCtx> = plan
        .scan
        .iter()
        .map(|r| ec2::RegionCtx {
            account_id: account_id.clone(),
            region: r.clone(),
            partition: partition.clone(),
            timeout_secs,
        })
        .collect();
    let mut region_invs = list_regions(&clients, opts, ctxs, &mut scan_errors).await;

    // Destinations, only those referenced.
    let resolved = destinations::resolve_destinations(
        &clients,
        &mut region_invs,
        &account_id,
        concurrency,
        timeout_secs,
    )
    .await;
    destinations::apply_destinations(&mut region_invs, &account_id, &resolved);

    scan_errors.sort_by(|a, b| {
        (&a.region, &a.service, &a.operation).cmp(&(&b.region, &b.service, &b.operation))
    });
    Ok(Inventory {
        schema: INVENTORY_SCHEMA.to_string(),
        scan: ScanMeta {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            started_at,
            finished_at: now(),
            account_id,
            regions_requested: opts.regions.iter().map(|r| r.trim().to_string()).collect(),
            regions_scanned: plan.scan,
        },
        regions: region_invs,
        errors: scan_errors,
        accounts: Vec::new(),
    })
}

/// The account id and ARN partition of the credentials (STS GetCallerIdentity). Fatal when it
/// fails, or answers an account id or partition of the wrong shape: nothing else can be trusted
/// without them, and every region entry and ARN holds them.
async fn identify(clients: &Clients, timeout_secs: u64) -> Result<(String, String), Error> {
    let home = clients.home_region();
    let identity = clients.sts().get_caller_identity().send().await.map_err(|e| {
        let f = errors::classify(&e, timeout_secs);
        Error::fatal(format!(
            "cannot identify the AWS account (STS GetCallerIdentity in {}): {}\n  fix: check the credentials (AWS_PROFILE / --profile, AWS_ACCESS_KEY_ID, SSO login) and the endpoint",
            escape(&home),
            escape(&f.summary())
        ))
    })?;
    let account_id = identity.account().unwrap_or_default().to_string();
    let partition = identity
        .arn()
        .and_then(regions::partition_of_arn)
        .unwrap_or_else(|| regions::partition_of(&home))
        .to_string();
    let checked = validate::field("Account", &account_id, validate::account_id)
        .and_then(|()| validate::field("Arn (partition)", &partition, validate::partition));
    if let Err(e) = checked {
        return Err(Error::fatal(format!(
            "STS GetCallerIdentity in {} answered a value of the wrong shape: {e}\n  fix: check the endpoint (--endpoint-url, AWS_ENDPOINT_URL): AWS answers a 12-digit account id and a known partition",
            escape(&home)
        )));
    }
    tracing::debug!(account = %escape(&account_id), partition = %escape(&partition), region = %escape(&home), "GetCallerIdentity");
    Ok((account_id, partition))
}

/// The regions to scan: DescribeRegions, narrowed by the flags. When DescribeRegions fails, the
/// requested regions are used as given; with none requested the run cannot go on. A region name
/// of the wrong shape in the answer is left out and recorded as a scan error.
async fn plan_regions(
    clients: &Clients,
    opts: &CollectOptions,
    partition: &str,
    timeout_secs: u64,
    account_id: &str,
    scan_errors: &mut Vec<ScanError>,
) -> Result<regions::RegionPlan, Error> {
    let home = clients.home_region();
    let discovered = match clients.ec2(&home).describe_regions().send().await {
        Ok(out) => {
            let found: Vec<regions::DiscoveredRegion> = out
                .regions()
                .iter()
                .filter_map(|r| {
                    let name = r.region_name()?;
                    if let Err(e) = validate::field("RegionName", name, validate::region) {
                        tracing::warn!(region = %home, "DescribeRegions answered a region name of the wrong shape");
                        scan_errors.push(ScanError {
                            account_id: account_id.to_string(),
                            region: None,
                            service: "ec2".into(),
                            operation: "DescribeRegions".into(),
                            code: INVALID_VALUE.into(),
                            message: format!(
                                "the answer holds a value of the wrong shape at {e}; that region is not scanned"
                            ),
                        });
                        return None;
                    }
                    Some(regions::DiscoveredRegion {
                        name: name.to_string(),
                        opt_in_status: r.opt_in_status().map(str::to_string),
                    })
                })
                .collect();
            tracing::debug!(region = %escape(&home), regions = found.len(), "DescribeRegions");
            Some(found)
        }
        Err(e) => {
            let f = errors::classify(&e, timeout_secs);
            if opts.regions.is_empty() {
                return Err(Error::fatal(format!(
                    "cannot list the account's regions (EC2 DescribeRegions in {}): {}\n  fix: grant ec2:DescribeRegions, or name the regions with --region",
                    escape(&home),
                    escape(&f.summary())
                )));
            }
            tracing::warn!(code = %escape(&f.code), "DescribeRegions failed; scanning the requested regions as given");
            None
        }
    };
    Ok(regions::plan(
        discovered.as_deref(),
        partition,
        &opts.regions,
        &opts.exclude_regions,
    ))
}

/// The scan error code of a value of the wrong shape in an AWS answer.
pub const INVALID_VALUE: &str = "InvalidValue";

/// Run the listings of every region, `--concurrency` regions at a time, join each one and check
/// the shapes of its values. A region whose listings fail, or whose answers hold a value of the
/// wrong shape, is left out and its failures are added to `scan_errors`.
async fn list_regions(
    clients: &Clients,
    opts: &CollectOptions,
    ctxs: Vec<ec2::RegionCtx>,
    scan_errors: &mut Vec<ScanError>,
) -> Vec<RegionInventory> {
    type Listed = (
        ec2::RegionCtx,
        Result<RegionInventory, Vec<ec2::ListingFailure>>,
    );
    let listed: Vec<Listed> = futures::stream::iter(ctxs)
        .map(|ctx| async move {
            let client = clients.ec2(&ctx.region);
            let result = ec2::list_region(&client, &ctx)
                .await
                .and_then(|listing| checked(ec2::join(&ctx, listing)));
            if let Some(p) = &opts.progress {
                p(Progress::RegionDone {
                    region: ctx.region.clone(),
                    vpcs: result.as_ref().map(|r| r.vpcs.len()).unwrap_or(0),
                    failed: result.is_err(),
                });
            }
            (ctx, result)
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;

    let mut region_invs: Vec<RegionInventory> = Vec::new();
    for (ctx, result) in listed {
        match result {
            Ok(region) => region_invs.push(region),
            Err(failures) => {
                for lf in failures {
                    tracing::warn!(region = %escape(&ctx.region), operation = lf.operation, code = %escape(&lf.failure.code), "region could not be read");
                    scan_errors.push(ScanError {
                        account_id: ctx.account_id.clone(),
                        region: Some(ctx.region.clone()),
                        service: "ec2".into(),
                        operation: lf.operation.into(),
                        code: lf.failure.code,
                        message: lf.failure.message,
                    });
                }
            }
        }
    }
    region_invs.sort_by(|a, b| a.region.cmp(&b.region));
    region_invs
}

/// A joined region whose values all have their shape, or the failure that leaves it out: a
/// region with one value dropped would look like a VPC without flow logs, or no VPC at all.
fn checked(region: RegionInventory) -> Result<RegionInventory, Vec<ec2::ListingFailure>> {
    match validate::region_entry(&region) {
        Ok(()) => Ok(region),
        Err(e) => {
            tracing::warn!(region = %region.region, path = %e.path, "an answer holds a value of the wrong shape");
            // The listing the value came from.
            let operation = if e.path.contains("flow_logs[") {
                "DescribeFlowLogs"
            } else if e.path.contains("subnets[") {
                "DescribeSubnets"
            } else {
                "DescribeVpcs"
            };
            Err(vec![ec2::ListingFailure {
                operation,
                failure: errors::CallFailure {
                    code: INVALID_VALUE.into(),
                    message: format!(
                        "the answer holds a value of the wrong shape at {e}; the region is left out"
                    ),
                    status: None,
                    bucket_region: None,
                },
            }])
        }
    }
}

//! One account's scan: its regions, their listings, and the destinations they name.

use super::clients::Clients;
use super::errors::{self, CallFailure, INVALID_VALUE};
use super::options::{CollectOptions, Progress};
use super::{destinations, ec2, regions};
use crate::inventory::validate;
use crate::inventory::{RegionInventory, ScanError};
use crate::kinds::ResourceKind;
use crate::term::escape;
use futures::StreamExt;

/// What one account gave: its regions, its errors and the regions it tried.
pub struct AccountScan {
    pub regions: Vec<RegionInventory>,
    pub errors: Vec<ScanError>,
    pub scanned: Vec<String>,
}

/// Collect one account with `clients` (its credentials): its regions (`requested`, or every
/// enabled one), their listings and the destinations they name. Fails only when its regions
/// cannot be known (DescribeRegions failed and no region was asked for).
pub async fn scan_account(
    clients: &Clients,
    opts: &CollectOptions,
    account_id: &str,
    partition: &str,
    requested: &[String],
    owners: Option<&destinations::Owners<'_>>,
) -> Result<AccountScan, CallFailure> {
    let listed = list_account(clients, opts, account_id, partition, requested).await?;
    Ok(resolve(clients, opts, account_id, listed, owners).await)
}

/// The first half of [`scan_account`]: the account's regions and their listings, with nothing
/// resolved yet. An organization scan resolves the destinations once every account's buckets
/// are known, while the listings of the other accounts go on.
pub async fn list_account(
    clients: &Clients,
    opts: &CollectOptions,
    account_id: &str,
    partition: &str,
    requested: &[String],
) -> Result<AccountScan, CallFailure> {
    let timeout_secs = opts.call_timeout.as_secs().max(1);
    let mut scan_errors: Vec<ScanError> = Vec::new();
    let plan = match &opts.targets {
        // A targeted re-check reads the regions of its resources, nothing else.
        Some(t) => regions::RegionPlan {
            scan: t.regions_of(account_id),
            not_enabled: Vec::new(),
        },
        None => {
            plan_regions(
                clients,
                requested,
                &opts.exclude_regions,
                partition,
                timeout_secs,
                account_id,
                &mut scan_errors,
            )
            .await?
        }
    };
    tracing::info!(account = %escape(account_id), regions = plan.scan.len(), "regions to scan");
    for r in &plan.not_enabled {
        scan_errors.push(ScanError {
            account_id: account_id.to_string(),
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

    let ctxs: Vec<ec2::RegionCtx> = plan
        .scan
        .iter()
        .map(|r| ec2::RegionCtx {
            account_id: account_id.to_string(),
            region: r.clone(),
            partition: partition.to_string(),
            timeout_secs,
            limit: clients.limit.clone(),
        })
        .collect();
    let regions = list_regions(clients, opts, ctxs, &mut scan_errors).await;
    Ok(AccountScan {
        regions,
        errors: scan_errors,
        scanned: plan.scan,
    })
}

/// The second half of [`scan_account`]: read the destinations the listed flow logs name (only
/// those) and join them in.
pub async fn resolve(
    clients: &Clients,
    opts: &CollectOptions,
    account_id: &str,
    mut listed: AccountScan,
    owners: Option<&destinations::Owners<'_>>,
) -> AccountScan {
    let resolved = destinations::resolve_destinations(
        clients,
        &mut listed.regions,
        account_id,
        opts.concurrency.max(1),
        opts.call_timeout.as_secs().max(1),
        owners,
    )
    .await;
    destinations::apply_destinations(&mut listed.regions, account_id, &resolved);
    listed
}

/// The regions to scan: DescribeRegions, narrowed by the requested and excluded regions. When
/// DescribeRegions fails, the requested regions are used as given; with none requested the
/// account cannot be scanned (the failure is returned). A region name of the wrong shape in the
/// answer is left out and recorded as a scan error.
async fn plan_regions(
    clients: &Clients,
    requested: &[String],
    excluded: &[String],
    partition: &str,
    timeout_secs: u64,
    account_id: &str,
    scan_errors: &mut Vec<ScanError>,
) -> Result<regions::RegionPlan, CallFailure> {
    let home = clients.home_region();
    let answer = clients
        .limit
        .run(clients.ec2(&home).describe_regions().send())
        .await;
    let discovered = match answer {
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
            tracing::debug!(account = %escape(account_id), region = %escape(&home), regions = found.len(), "DescribeRegions");
            Some(found)
        }
        Err(e) => {
            let f = errors::classify(&e, timeout_secs);
            if requested.is_empty() {
                return Err(f);
            }
            tracing::warn!(account = %escape(account_id), code = %escape(&f.code), "DescribeRegions failed; scanning the requested regions as given");
            None
        }
    };
    Ok(regions::plan(
        discovered.as_deref(),
        partition,
        requested,
        excluded,
    ))
}

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
        Result<(RegionInventory, Vec<ec2::ListingFailure>), Vec<ec2::ListingFailure>>,
    );
    let listed: Vec<Listed> = futures::stream::iter(ctxs)
        .map(|ctx| async move {
            let client = clients.ec2(&ctx.region);
            let listed = match &opts.targets {
                Some(t) => {
                    ec2::list_targets(&client, &ctx, &t.of(&ctx.account_id, &ctx.region)).await
                }
                None => ec2::list_region(&client, &ctx).await,
            };
            let result = listed.and_then(|mut listing| {
                let mut kind_failures = std::mem::take(&mut listing.tgw_failures);
                let mut region = ec2::join(&ctx, listing);
                kind_failures.extend(checked_kinds(&mut region));
                checked(region).map(|r| (r, kind_failures))
            });
            if let Some(p) = &opts.progress {
                p(Progress::RegionDone {
                    region: ctx.region.clone(),
                    vpcs: result.as_ref().map(|r| r.0.vpcs.len()).unwrap_or(0),
                    failed: result.as_ref().map_or(true, |r| !r.1.is_empty()),
                });
            }
            (ctx, result)
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;

    let mut region_invs: Vec<RegionInventory> = Vec::new();
    for (ctx, result) in listed {
        let failures = match result {
            Ok((region, kind_failures)) => {
                tracing::info!(
                    account = %escape(&region.account_id),
                    region = %escape(&region.region),
                    vpcs = region.vpcs.len(),
                    transit_gateways = region.transit_gateways.len(),
                    "region listed"
                );
                region_invs.push(region);
                kind_failures
            }
            Err(failures) => failures,
        };
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
    region_invs.sort_by(|a, b| a.region.cmp(&b.region));
    region_invs
}

/// The failures of the listings of the kinds with listings of their own (transit gateways)
/// when one of the region's resources of such a kind holds a value of the wrong shape; the
/// region's resources of that kind are then left out (the VPCs stay).
fn checked_kinds(region: &mut RegionInventory) -> Vec<ec2::ListingFailure> {
    let mut out = Vec::new();
    for kind in ResourceKind::ALL {
        let Some(&operation) = kind.listings().first() else {
            continue;
        };
        let Some(bad) = kind.first_invalid(region) else {
            continue;
        };
        tracing::warn!(region = %region.region, path = %bad.path, "an answer holds a value of the wrong shape");
        kind.clear(region);
        out.push(ec2::ListingFailure {
            operation,
            failure: errors::CallFailure {
                code: INVALID_VALUE.into(),
                message: format!(
                    "the answer holds a value of the wrong shape at {bad}; the region's {} are left out",
                    kind.plural()
                ),
                status: None,
                bucket_region: None,
            },
        });
    }
    out
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

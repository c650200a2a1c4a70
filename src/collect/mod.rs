//! The collector: the only code that reads AWS. It never prints; it reports progress through
//! [`CollectOptions::progress`] and returns a joined [`Inventory`].

pub mod accounts;
pub mod clients;
mod destinations;
mod ec2;
pub(crate) mod errors;
mod firehose;
mod org;
mod recovery;
pub mod regions;
pub mod shard;
pub mod targets;

use crate::error::Error;
use crate::inventory::error_class::ErrorClass;
use crate::inventory::validate;
use crate::inventory::{
    Account, INVENTORY_SCHEMA, Inventory, RegionInventory, ScanError, ScanMeta,
};
use crate::kinds::ResourceKind;
use crate::term::escape;
use accounts::{AccountSource, AccountsOptions, Target};
use clients::{ClientSettings, Clients};
use errors::{CallFailure, INVALID_VALUE, account_error};
use futures::StreamExt;
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
}

impl From<&CollectOptions> for ClientSettings {
    fn from(o: &CollectOptions) -> ClientSettings {
        ClientSettings {
            profile: o.profile.clone(),
            endpoint_url: o.endpoint_url.clone(),
            max_attempts: o.max_attempts,
            call_timeout: o.call_timeout,
            max_in_flight: o.max_in_flight,
        }
    }
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
    if let Some(a) = &opts.accounts {
        accounts::validate_options(a)?;
    }
    Ok(())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Collect the inventory of the account the credentials belong to, or of the accounts
/// [`CollectOptions::accounts`] chooses.
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
    let env_profile = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
    let profile = match (&opts.profile, &env_profile) {
        (Some(p), _) => Some((p.as_str(), "--profile")),
        (None, Some(p)) => Some((p.as_str(), "AWS_PROFILE")),
        (None, None) => None,
    };
    let (account_id, partition) = identify(&clients, timeout_secs, profile).await?;
    if opts.accounts.is_none()
        && let Some(t) = &opts.targets
        && let Some(other) = t.accounts().into_iter().find(|a| *a != account_id)
    {
        return Err(Error::input(format!(
            "--resource: an ARN names account {}, but the credentials are those of account {}\n  fix: add --account {} to reach it through its role, or use that account's credentials",
            escape(&other),
            escape(&account_id),
            escape(&other)
        )));
    }

    let (scans, accounts, mut scan_errors) = match &opts.accounts {
        None => {
            let scan = scan_account(&clients, opts, &account_id, &partition, &opts.regions, None)
                .await
                .map_err(|f| {
                    Error::fatal(format!(
                        "cannot list the account's regions (EC2 DescribeRegions in {}): {}\n  fix: {}",
                        escape(&clients.home_region()),
                        escape(&f.summary()),
                        match f.class() {
                            ErrorClass::AccessDenied => format!(
                                "{}; or name the regions with --region",
                                f.fix("ec2", "DescribeRegions", "")
                            ),
                            ErrorClass::Other => "name the regions with --region".to_string(),
                            _ => f.fix("ec2", "DescribeRegions", ""),
                        }
                    ))
                })?;
            (vec![scan], Vec::new(), Vec::new())
        }
        Some(a) => collect_accounts(&clients, opts, a, &account_id, &partition).await?,
    };
    if let Some(p) = &opts.progress {
        p(Progress::Finished);
    }

    let mut regions_scanned: Vec<String> = Vec::new();
    let mut region_invs: Vec<RegionInventory> = Vec::new();
    for s in scans {
        regions_scanned.extend(s.scanned);
        region_invs.extend(s.regions);
        scan_errors.extend(s.errors);
    }
    let recovered = recover(
        &clients,
        opts,
        &account_id,
        &partition,
        &accounts,
        &mut region_invs,
        &mut scan_errors,
    )
    .await;
    regions_scanned.extend(region_invs.iter().map(|r| r.region.clone()));
    regions_scanned.sort();
    regions_scanned.dedup();
    region_invs.sort_by(|a, b| (&a.account_id, &a.region).cmp(&(&b.account_id, &b.region)));
    scan_errors.sort_by(|a, b| {
        (&a.account_id, &a.region, &a.service, &a.operation).cmp(&(
            &b.account_id,
            &b.region,
            &b.service,
            &b.operation,
        ))
    });
    tracing::info!(
        regions = region_invs.len(),
        vpcs = region_invs.iter().map(|r| r.vpcs.len()).sum::<usize>(),
        errors = scan_errors.len(),
        "collection done"
    );
    Ok(Inventory {
        schema: INVENTORY_SCHEMA.to_string(),
        scan: ScanMeta {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            started_at,
            finished_at: now(),
            account_id,
            regions_requested: opts.regions.iter().map(|r| r.trim().to_string()).collect(),
            regions_scanned,
            resources_requested: opts
                .targets
                .as_ref()
                .map(|t| t.0.iter().map(|t| t.id.clone()).collect())
                .unwrap_or_default(),
            recovered: recovered as u64,
        },
        regions: region_invs,
        errors: scan_errors,
        accounts,
    })
}

/// The recovery pass ([`recovery`]): read again, after a cool-down, every part of the scan
/// that failed for a reason that can pass, while passes keep recovering something; returns the
/// number of parts recovered.
async fn recover(
    clients: &Clients,
    opts: &CollectOptions,
    caller: &str,
    partition: &str,
    accounts: &[Account],
    region_invs: &mut Vec<RegionInventory>,
    scan_errors: &mut Vec<ScanError>,
) -> usize {
    let concurrency = opts.accounts.as_ref().map_or(1, |a| a.concurrency.max(1));
    let mut recovered = 0;
    for pass in 0..recovery::MAX_PASSES {
        let parts = recovery::parts(scan_errors);
        if parts.is_empty() {
            break;
        }
        let wait = recovery::cooldown(pass);
        tracing::info!(
            pass,
            parts = parts.len(),
            wait_ms = wait.as_millis() as u64,
            "recovery pass"
        );
        tokio::time::sleep(wait).await;
        let reads: Vec<_> = futures::stream::iter(parts)
            .map(|(account, regions)| async move {
                let read = reread(
                    clients,
                    opts,
                    caller,
                    partition,
                    accounts,
                    &account,
                    regions.as_ref(),
                )
                .await;
                (account, regions, read)
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let mut this_pass = 0;
        for (account, regions, read) in reads {
            this_pass +=
                recovery::merge(region_invs, scan_errors, &account, regions.as_ref(), read);
        }
        recovered += this_pass;
        if this_pass == 0 {
            break;
        }
    }
    if recovered > 0 {
        tracing::info!(recovered, "parts recovered after transient failures");
    }
    recovered
}

/// Read `account` again: `regions`, or every region it is scanned in when `None` (its set-up
/// failed), through its role when it is not the caller's.
async fn reread(
    clients: &Clients,
    opts: &CollectOptions,
    caller: &str,
    partition: &str,
    accounts: &[Account],
    account: &str,
    regions: Option<&std::collections::BTreeSet<String>>,
) -> (Vec<RegionInventory>, Vec<ScanError>) {
    let timeout_secs = opts.call_timeout.as_secs().max(1);
    let o = opts.accounts.as_ref();
    let member = match recovery::member(clients, o, accounts, caller, account, timeout_secs).await {
        Ok(m) => m,
        Err(e) => return (Vec::new(), e.into_iter().collect()),
    };
    let c = member.as_ref().unwrap_or(clients);
    let requested: Vec<String> = match regions {
        Some(set) => set.iter().cloned().collect(),
        None => opts.regions.clone(),
    };
    match scan_account(c, opts, account, partition, &requested, None).await {
        Ok(s) => (s.regions, s.errors),
        Err(f) => (
            Vec::new(),
            vec![account_error(account, "ec2", "DescribeRegions", &f)],
        ),
    }
}

/// What one account gave: its regions, its errors and the regions it tried.
struct AccountScan {
    regions: Vec<RegionInventory>,
    errors: Vec<ScanError>,
    scanned: Vec<String>,
}

/// Collect one account with `clients` (its credentials): its regions (`requested`, or every
/// enabled one), their listings and the destinations they name. Fails only when its regions
/// cannot be known (DescribeRegions failed and no region was asked for).
async fn scan_account(
    clients: &Clients,
    opts: &CollectOptions,
    account_id: &str,
    partition: &str,
    requested: &[String],
    owners: Option<&destinations::Owners<'_>>,
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
    let mut region_invs = list_regions(clients, opts, ctxs, &mut scan_errors).await;

    // Destinations, only those referenced.
    let resolved = destinations::resolve_destinations(
        clients,
        &mut region_invs,
        account_id,
        opts.concurrency.max(1),
        timeout_secs,
        owners,
    )
    .await;
    destinations::apply_destinations(&mut region_invs, account_id, &resolved);
    Ok(AccountScan {
        regions: region_invs,
        errors: scan_errors,
        scanned: plan.scan,
    })
}

/// An organization or accounts-file scan: list and select the accounts, then collect each one
/// (`--account-concurrency` at once) with the caller's credentials for the caller's own account
/// and one assumed-role session for every other. An account that cannot be reached or read is
/// an error entry and the others complete. Only an organization listing that leaves nothing
/// to scan stops the run.
async fn collect_accounts(
    clients: &Clients,
    opts: &CollectOptions,
    a: &AccountsOptions,
    caller: &str,
    partition: &str,
) -> Result<(Vec<AccountScan>, Vec<Account>, Vec<ScanError>), Error> {
    let timeout_secs = opts.call_timeout.as_secs().max(1);
    let concurrency = a.concurrency.max(1);
    let mut errors: Vec<ScanError> = Vec::new();
    let listed = match a.source {
        AccountSource::Organization => {
            let needs = org::Needs {
                by_ou: !a.ous.is_empty() || !a.exclude_ous.is_empty(),
                named_accounts: !a.accounts.is_empty(),
            };
            org::read(
                clients,
                needs,
                caller,
                concurrency,
                timeout_secs,
                &mut errors,
            )
            .await?
        }
        _ => None,
    };
    // An organization whose accounts could not be listed: the --account ids as given.
    let fallback =
        (a.source == AccountSource::Organization && listed.is_none()).then(|| AccountsOptions {
            source: AccountSource::Listed,
            ..a.clone()
        });
    let how = fallback.as_ref().unwrap_or(a);
    let mut targets = accounts::select(how, listed.as_ref(), caller, partition, &opts.regions)?;
    if listed.is_some() {
        let mut accounts: Vec<&mut Account> = targets.iter_mut().map(|t| &mut t.account).collect();
        org::tag(
            clients,
            &mut accounts,
            concurrency,
            timeout_secs,
            &mut errors,
        )
        .await;
    }

    // Reach every account to scan, then list each one's buckets: a bucket a scanned account
    // owns is read with its owner's credentials, whichever account's flow log names it.
    let reached: Vec<(usize, Result<Option<Clients>, ScanError>)> =
        futures::stream::iter(targets.iter().enumerate())
            .filter(|(_, t)| std::future::ready(t.account.scanned))
            .map(|(i, t)| async move { (i, accounts::reach(clients, a, t, timeout_secs).await) })
            .buffer_unordered(concurrency)
            .collect()
            .await;
    let mut scans: Vec<AccountScan> = Vec::new();
    let mut ready: Vec<(usize, Option<Clients>)> = Vec::new();
    for (i, r) in reached {
        match r {
            Ok(c) => ready.push((i, c)),
            Err(e) => scans.push(AccountScan {
                regions: Vec::new(),
                errors: vec![e],
                scanned: Vec::new(),
            }),
        }
    }
    ready.sort_by_key(|(i, _)| *i);
    let ready: Vec<(&Target, &Clients)> = ready
        .iter()
        .map(|(i, c)| (&targets[*i], c.as_ref().unwrap_or(clients)))
        .collect();
    let listed: Vec<_> = futures::stream::iter(ready.iter())
        .map(|(t, c)| async move {
            (
                t.account.id.clone(),
                *c,
                destinations::list_buckets(c, timeout_secs).await,
            )
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let owners = destinations::Owners::new(
        listed
            .into_iter()
            .filter_map(|(id, c, r)| match r {
                Ok(buckets) => Some((id, c, buckets)),
                Err(f) => {
                    tracing::warn!(account = %escape(&id), code = %escape(&f.code), "ListBuckets failed: the account's buckets are read with the credentials of the accounts that name them");
                    None
                }
            })
            .collect(),
    )
    .with_readers(
        ready
            .iter()
            .map(|(t, c)| (t.account.id.clone(), *c))
            .collect(),
    );
    let more: Vec<AccountScan> = futures::stream::iter(ready.iter())
        .map(|(t, c)| {
            let owners = &owners;
            async move {
                let id = &t.account.id;
                let scan = scan_account(c, opts, id, partition, &t.regions, Some(owners)).await;
                // Only the S3 and Firehose clients serve later reads (of the buckets and delivery
                // streams this account owns).
                c.release_regional();
                scan.unwrap_or_else(|f| {
                    tracing::warn!(account = %escape(id), code = %escape(&f.code), "the account's regions could not be listed");
                    AccountScan {
                        regions: Vec::new(),
                        errors: vec![account_error(id, "ec2", "DescribeRegions", &f)],
                        scanned: Vec::new(),
                    }
                })
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    scans.extend(more);
    drop(owners);
    drop(ready);
    let accounts = targets.into_iter().map(|t| t.account).collect();
    Ok((scans, accounts, errors))
}

/// The account id and ARN partition of the credentials (STS GetCallerIdentity). Fatal when it
/// fails, or answers an account id or partition of the wrong shape: nothing else can be trusted
/// without them, and every region entry and ARN holds them.
async fn identify(
    clients: &Clients,
    timeout_secs: u64,
    profile: Option<(&str, &str)>,
) -> Result<(String, String), Error> {
    let home = clients.home_region();
    let identity = clients
        .limit
        .run(clients.sts().get_caller_identity().send())
        .await
        .map_err(|e| {
        let f = errors::classify(&e, timeout_secs);
        let fix = match profile {
            Some((name, from)) if f.class() == ErrorClass::Credentials => {
                let name = escape(name);
                format!(
                    "the profile `{name}` ({from}) is not defined or gives no credentials: list the profiles with `aws configure list-profiles`, run `aws sso login --profile {name}` for an SSO profile, or create it with `aws configure --profile {name}`"
                )
            }
            _ => f.fix("sts", "GetCallerIdentity", "check the credentials (AWS_PROFILE / --profile, AWS_ACCESS_KEY_ID, SSO login) and the endpoint"),
        };
        Error::fatal(format!(
            "cannot identify the AWS account (STS GetCallerIdentity in {}): {}\n  fix: {fix}",
            escape(&home),
            errors::multiline(&f.summary()),
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
    tracing::info!(account = %escape(&account_id), partition = %escape(&partition), region = %escape(&home), "scanning with the credentials of this account");
    Ok((account_id, partition))
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

//! The collector: the only code that reads AWS. It never prints; it reports progress through
//! [`CollectOptions::progress`] and returns a joined [`Inventory`].

mod account;
pub mod accounts;
pub mod clients;
mod destinations;
mod ec2;
pub(crate) mod errors;
mod firehose;
mod members;
mod options;
mod org;
mod recovery;
pub mod regions;
pub mod sessions;
pub mod shard;
pub mod targets;

use crate::error::Error;
use crate::inventory::error_class::ErrorClass;
use crate::inventory::validate;
use crate::inventory::{
    Account, INVENTORY_SCHEMA, Inventory, RegionInventory, ScanError, ScanMeta,
};
use crate::term::escape;
use account::scan_account;
use clients::Clients;
use errors::account_error;
use futures::StreamExt;
pub use options::{CollectOptions, Progress, ProgressFn};

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

    let (scans, accounts, mut scan_errors, owners) = match &opts.accounts {
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
            (vec![scan], Vec::new(), Vec::new(), None)
        }
        Some(a) => {
            let m = members::collect_accounts(&clients, opts, a, &account_id, &partition).await?;
            (m.scans, m.accounts, m.errors, Some(m.owners))
        }
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
    let scanned = Scanned {
        caller: &account_id,
        partition: &partition,
        accounts: &accounts,
        owners: owners.as_deref(),
    };
    let recovered = recover(&clients, opts, &scanned, &mut region_invs, &mut scan_errors).await;
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

/// What the main pass knows that a new read of one of its parts needs.
struct Scanned<'s> {
    caller: &'s str,
    partition: &'s str,
    accounts: &'s [Account],
    /// The owner of each bucket a scanned account owns (an organization scan's).
    owners: Option<&'s destinations::Owners<'s>>,
}

/// The recovery pass ([`recovery`]): read again, after a cool-down, every part of the scan
/// that failed for a reason that can pass, while passes keep recovering something; returns the
/// number of parts recovered.
async fn recover(
    clients: &Clients,
    opts: &CollectOptions,
    scanned: &Scanned<'_>,
    region_invs: &mut Vec<RegionInventory>,
    scan_errors: &mut Vec<ScanError>,
) -> usize {
    if recovery::parts(scan_errors).is_empty() {
        return 0;
    }
    let concurrency = opts.accounts.as_ref().map_or(1, |a| a.concurrency.max(1));
    let clients = &clients.with_max_attempts(recovery::ATTEMPTS.max(opts.max_attempts));
    let mut recovered = 0;
    for pass in 0..recovery::MAX_PASSES {
        let parts = recovery::parts(scan_errors);
        if parts.is_empty() {
            break;
        }
        let wait = crate::pace::cooldown(pass);
        tracing::info!(
            pass,
            parts = parts.len(),
            wait_ms = wait.as_millis() as u64,
            "recovery pass"
        );
        tokio::time::sleep(wait).await;
        let reads: Vec<_> = futures::stream::iter(parts)
            .map(|(account, regions)| async move {
                let read = reread(clients, opts, scanned, &account, regions.as_ref()).await;
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
    scanned: &Scanned<'_>,
    account: &str,
    regions: Option<&std::collections::BTreeSet<String>>,
) -> (Vec<RegionInventory>, Vec<ScanError>) {
    let timeout_secs = opts.call_timeout.as_secs().max(1);
    let o = opts.accounts.as_ref();
    let Scanned {
        caller,
        partition,
        accounts,
        owners,
    } = *scanned;
    let member = match recovery::member(clients, o, accounts, caller, account, timeout_secs).await {
        Ok(m) => m,
        Err(e) => return (Vec::new(), e.into_iter().collect()),
    };
    let c = member.as_ref().unwrap_or(clients);
    let requested: Vec<String> = match (regions, o) {
        (Some(set), _) => set.iter().cloned().collect(),
        // The whole account: the regions its accounts-file entry names, as in the main pass.
        (None, Some(o)) => o.regions_for(account, &opts.regions),
        (None, None) => opts.regions.clone(),
    };
    match scan_account(c, opts, account, partition, &requested, owners).await {
        Ok(s) => (s.regions, s.errors),
        Err(f) => (
            Vec::new(),
            vec![account_error(account, "ec2", "DescribeRegions", &f)],
        ),
    }
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

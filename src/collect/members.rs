//! An organization or accounts-file scan. Each account goes through its own steps (its role,
//! its region listings, its destinations) as soon as its own inputs are ready: no step waits for
//! every account to finish the one before. The organization's tree (when no selection needs it)
//! and the account tags are read alongside, off the path of the listings.

use super::account::{self, AccountScan};
use super::accounts::{self, AccountSource, AccountsOptions};
use super::clients::Clients;
use super::destinations::{self, Owners};
use super::errors::account_error;
use super::options::CollectOptions;
use super::org;
use crate::error::Error;
use crate::inventory::{Account, ScanError};
use crate::term::escape;
use futures::{FutureExt, StreamExt};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// Tag reads waiting at once. Organizations calls are paced ([`super::clients::Paced`]): the
/// pace, not this, sets their rate, while each still waits its turn under `--max-in-flight`.
const TAGS_WAITING: usize = 256;

/// An account reached: `None` for the caller's own account (the caller's clients serve it).
type Reached = Result<Option<Clients>, ScanError>;

/// An organization or accounts-file scan: list and select the accounts, then collect each one
/// (`--account-concurrency` at once) with the caller's credentials for the caller's own account
/// and one assumed-role session for every other. An account that cannot be reached or read is
/// an error entry and the others complete. Only an organization listing that leaves nothing
/// to scan stops the run.
///
/// A bucket that a scanned account owns is read with its owner's credentials, whichever
/// account's flow log names it, so an account's destinations wait for every account's bucket
/// list. Those lists are read ahead of the scans (the role and one `ListBuckets` per account,
/// `--account-concurrency` at once), and the region listings never wait for them.
pub async fn collect_accounts(
    clients: &Clients,
    opts: &CollectOptions,
    a: &AccountsOptions,
    caller: &str,
    partition: &str,
) -> Result<(Vec<AccountScan>, Vec<Account>, Vec<ScanError>), Error> {
    let timeout_secs = opts.call_timeout.as_secs().max(1);
    let concurrency = a.concurrency.max(1);
    let mut errors: Vec<ScanError> = Vec::new();
    let by_ou = !a.ous.is_empty() || !a.exclude_ous.is_empty();
    let listed = match a.source {
        AccountSource::Organization => {
            let needs = org::Needs {
                by_ou,
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
    let in_org = listed.is_some();
    drop(listed);

    // Read alongside the scans: the tree (unless the selection needed it first) and the tags.
    let tree = async {
        match in_org && !by_ou {
            true => Some(org::tree(clients, caller, concurrency, timeout_secs).await),
            false => None,
        }
    };
    let tag_ids: Vec<String> = match in_org {
        true => targets.iter().map(|t| t.account.id.clone()).collect(),
        false => Vec::new(),
    };
    let tags = async move {
        match tag_ids.is_empty() {
            true => (Vec::new(), Vec::new()),
            // Paced, so many may wait at once: each takes its place under the cap on
            // calls in flight as its turn comes, among the listings' calls.
            false => org::tags(clients, tag_ids, TAGS_WAITING, timeout_secs).await,
        }
    };

    let scanned: Vec<usize> = (0..targets.len())
        .filter(|&i| targets[i].account.scanned)
        .collect();
    let reached: Vec<OnceCell<Reached>> = targets.iter().map(|_| OnceCell::new()).collect();
    let ((tree, (tags, tag_errors)), scans) = {
        let targets = &targets;
        // Whichever needs an account first (its scan, or the read of its buckets) reaches it.
        let reach = |i: usize| {
            reached[i].get_or_init(move || accounts::reach(clients, a, &targets[i], timeout_secs))
        };
        let reach = &reach;
        let owners = {
            let scanned = &scanned;
            async move {
                let listed: Vec<_> = futures::stream::iter(scanned.iter().copied())
                    .map(|i| async move {
                        let c = reach(i).await.as_ref().ok()?.as_ref().unwrap_or(clients);
                        let id = targets[i].account.id.clone();
                        Some((id, c, destinations::list_buckets(c, timeout_secs).await))
                    })
                    .buffer_unordered(concurrency)
                    .filter_map(std::future::ready)
                    .collect()
                    .await;
                let readers = listed.iter().map(|(id, c, _)| (id.clone(), *c)).collect();
                let owned = listed
                    .into_iter()
                    .filter_map(|(id, c, r)| match r {
                        Ok(buckets) => Some((id, c, buckets)),
                        Err(f) => {
                            tracing::warn!(account = %escape(&id), code = %escape(&f.code), "ListBuckets failed: the account's buckets are read with the credentials of the accounts that name them");
                            None
                        }
                    })
                    .collect();
                Arc::new(Owners::new(owned).with_readers(readers))
            }
        }
        .shared();
        let scans = futures::stream::iter(scanned.iter().copied())
            .map(|i| {
                let owners = owners.clone();
                async move {
                    let t = &targets[i];
                    let id = &t.account.id;
                    let c = match reach(i).await {
                        Ok(c) => c.as_ref().unwrap_or(clients),
                        Err(e) => {
                            return AccountScan {
                                regions: Vec::new(),
                                errors: vec![e.clone()],
                                scanned: Vec::new(),
                            };
                        }
                    };
                    let scan = match account::list_account(c, opts, id, partition, &t.regions).await
                    {
                        Ok(listed) => {
                            let owners = owners.await;
                            account::resolve(c, opts, id, listed, Some(&owners)).await
                        }
                        Err(f) => {
                            tracing::warn!(account = %escape(id), code = %escape(&f.code), "the account's regions could not be listed");
                            AccountScan {
                                regions: Vec::new(),
                                errors: vec![account_error(id, "ec2", "DescribeRegions", &f)],
                                scanned: Vec::new(),
                            }
                        }
                    };
                    // Only the S3 and Firehose clients serve later reads (of the buckets and
                    // delivery streams this account owns).
                    c.release_regional();
                    scan
                }
            })
            .buffer_unordered(concurrency)
            .collect::<Vec<AccountScan>>();
        let (side, (scans, _)) = futures::join!(futures::future::join(tree, tags), async {
            futures::join!(scans, owners.clone())
        });
        (side, scans)
    };
    drop(reached);

    errors.extend(tag_errors);
    if let Some((tree, error)) = tree {
        errors.extend(error);
        for t in &mut targets {
            t.account.ou_path = tree.ou_path(&t.account.id);
        }
    }
    let mut tags: std::collections::HashMap<String, _> = tags.into_iter().collect();
    for t in &mut targets {
        if let Some(tags) = tags.remove(&t.account.id) {
            t.account.tags = tags;
        }
    }
    let accounts = targets.into_iter().map(|t| t.account).collect();
    Ok((scans, accounts, errors))
}

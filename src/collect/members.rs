//! An organization or accounts-file scan. Each account goes through its own steps (its role,
//! its region listings, its destinations) as soon as its own inputs are ready: no step waits for
//! every account to finish the one before. The organization's accounts are scanned as the pages
//! of `ListAccounts` come, when the selection allows it; the organization's tree (when no
//! selection needs it) and the account tags are read alongside, off the path of the listings.

use super::account::{self, AccountScan};
use super::accounts::{self, AccountSource, AccountsOptions, Target};
use super::clients::Clients;
use super::destinations::{self, ClientsRef, Owners};
use super::errors::account_error;
use super::options::CollectOptions;
use super::org::{self, OrgListing};
use crate::error::Error;
use crate::inventory::{Account, ScanError};
use crate::term::escape;
use futures::channel::mpsc;
use futures::{FutureExt, StreamExt};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// An account reached: `None` for the caller's own account (the caller's clients serve it).
type Reached = Result<Option<Arc<Clients>>, ScanError>;

/// Tag reads waiting at once. Organizations calls are paced ([`super::clients::Paced`]): the
/// pace, not this, sets their rate, while each still waits its turn under `--max-in-flight`.
const TAGS_WAITING: usize = 256;

/// One selected account on its way through the scan: whichever needs it first (its scan, or the
/// read of its buckets) reaches it, and the other waits for that.
struct Member {
    target: Target,
    reached: OnceCell<Reached>,
}

/// Where selected accounts go: the scans, the bucket-list reads, the tag reads, and the list of
/// every account of the inventory.
struct Feed {
    scans: mpsc::UnboundedSender<Arc<Member>>,
    buckets: mpsc::UnboundedSender<Arc<Member>>,
    tags: Option<mpsc::UnboundedSender<String>>,
    all: Arc<Mutex<Vec<Arc<Member>>>>,
    seen: HashSet<String>,
}

impl Drop for Feed {
    /// The tags are read once the listing is over: Organizations calls share one pace, and the
    /// pages of `ListAccounts` must not wait behind the tags of the accounts already listed.
    fn drop(&mut self) {
        if let Some(tags) = self.tags.take() {
            for m in self.all.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                let _ = tags.unbounded_send(m.target.account.id.clone());
            }
        }
    }
}

impl Feed {
    /// Hand on the accounts of `targets` not seen before.
    fn push(&mut self, targets: Vec<Target>) {
        for target in targets {
            if !self.seen.insert(target.account.id.clone()) {
                continue;
            }
            let scanned = target.account.scanned;
            let m = Arc::new(Member {
                target,
                reached: OnceCell::new(),
            });
            if scanned {
                let _ = self.scans.unbounded_send(m.clone());
                let _ = self.buckets.unbounded_send(m.clone());
            }
            self.all.lock().unwrap_or_else(|e| e.into_inner()).push(m);
        }
    }
}

/// What [`collect_accounts`] read.
pub struct Members<'a> {
    pub scans: Vec<AccountScan>,
    pub accounts: Vec<Account>,
    pub errors: Vec<ScanError>,
    /// The owner of each bucket a scanned account owns, with the destinations read so far: the
    /// recovery pass reads the destinations of the parts it reads again with it.
    pub owners: Arc<Owners<'a>>,
}

/// An organization or accounts-file scan: list and select the accounts, then collect each one
/// (`--account-concurrency` at once) with the caller's credentials for the caller's own account
/// and one assumed-role session for every other. An account that cannot be reached or read is
/// an error entry and the others complete. Only an organization listing that leaves nothing
/// to scan stops the run.
///
/// When nothing needs the whole list first (no `--account`, `--ou` or `--exclude-ou`), the
/// accounts of each `ListAccounts` page are scanned while the next page is read.
///
/// A bucket that a scanned account owns is read with its owner's credentials, whichever
/// account's flow log names it, so an account's destinations wait for every account's bucket
/// list. Those lists are read ahead of the scans (the role and one `ListBuckets` per account,
/// `--account-concurrency` at once), and the region listings never wait for them.
pub async fn collect_accounts<'a>(
    clients: &'a Clients,
    opts: &CollectOptions,
    a: &AccountsOptions,
    caller: &str,
    partition: &str,
) -> Result<Members<'a>, Error> {
    let timeout_secs = opts.call_timeout.as_secs().max(1);
    let concurrency = a.concurrency.max(1);
    let mut errors: Vec<ScanError> = Vec::new();
    let by_ou = !a.ous.is_empty() || !a.exclude_ous.is_empty();
    let organization = a.source == AccountSource::Organization;
    let streamed = organization && !by_ou && a.accounts.is_empty();
    // The whole selection, up front, unless the pages are streamed.
    let (selected, in_org) = if streamed {
        (Vec::new(), true)
    } else {
        let listed = match organization {
            true => {
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
            false => None,
        };
        // An organization whose accounts could not be listed: the --account ids as given.
        let fallback = (organization && listed.is_none()).then(|| AccountsOptions {
            source: AccountSource::Listed,
            ..a.clone()
        });
        let how = fallback.as_ref().unwrap_or(a);
        let targets = accounts::select(how, listed.as_ref(), caller, partition, &opts.regions)?;
        (targets, listed.is_some())
    };

    let (scans_tx, scans_rx) = mpsc::unbounded::<Arc<Member>>();
    let (buckets_tx, buckets_rx) = mpsc::unbounded::<Arc<Member>>();
    let (tags_tx, tags_rx) = mpsc::unbounded::<String>();
    let all: Arc<Mutex<Vec<Arc<Member>>>> = Arc::default();
    let mut feed = Feed {
        scans: scans_tx,
        buckets: buckets_tx,
        tags: (in_org && a.read_tags).then_some(tags_tx),
        all: all.clone(),
        seen: HashSet::new(),
    };
    let feeder = async move {
        if streamed {
            org::stream_accounts(clients, caller, timeout_secs, |page| {
                let listing = OrgListing {
                    accounts: page,
                    ..Default::default()
                };
                let targets =
                    accounts::select(a, Some(&listing), caller, partition, &opts.regions)?;
                feed.push(targets);
                Ok(())
            })
            .await
        } else {
            feed.push(selected);
            Ok(None)
        }
        // Dropping the feed closes every stream: the scans end with the last account.
    };

    // Read alongside the scans: the tree (unless the selection needed it first) and the tags.
    let tree = async {
        match in_org && !by_ou {
            true => Some(org::tree(clients, caller, concurrency, timeout_secs).await),
            false => None,
        }
    };
    let tags = org::tags(clients, tags_rx, TAGS_WAITING, timeout_secs);

    let reach = |m: Arc<Member>| async move {
        m.reached
            .get_or_init(|| async {
                accounts::reach(clients, a, &m.target, timeout_secs)
                    .await
                    .map(|c| c.map(Arc::new))
            })
            .await
            .clone()
    };
    let reach = &reach;
    let owners = async move {
        let listed: Vec<_> = buckets_rx
            .map(|m| async move {
                let c = match reach(m.clone()).await.ok()? {
                    Some(c) => ClientsRef::Shared(c),
                    None => ClientsRef::Borrowed(clients),
                };
                let buckets = destinations::list_buckets(&c, timeout_secs).await;
                Some((m.target.account.id.clone(), c, buckets))
            })
            .buffer_unordered(concurrency)
            .filter_map(std::future::ready)
            .collect()
            .await;
        let readers = listed
            .iter()
            .map(|(id, c, _)| (id.clone(), c.clone()))
            .collect();
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
    .shared();
    let scans = scans_rx
        .map(|m| {
            let owners = owners.clone();
            async move {
                let id = &m.target.account.id;
                let c = match reach(m.clone()).await {
                    Ok(Some(c)) => ClientsRef::Shared(c),
                    Ok(None) => ClientsRef::Borrowed(clients),
                    Err(e) => {
                        return AccountScan {
                            regions: Vec::new(),
                            errors: vec![e],
                            scanned: Vec::new(),
                        };
                    }
                };
                let scan = match account::list_account(&c, opts, id, partition, &m.target.regions)
                    .await
                {
                    Ok(listed) => {
                        let owners = owners.await;
                        account::resolve(&c, opts, id, listed, Some(&owners)).await
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
    let (fed, (tree, (tags, tag_errors)), (scans, owners)) = futures::join!(
        feeder,
        futures::future::join(tree, tags),
        futures::future::join(scans, owners.clone())
    );
    errors.extend(fed?);

    let members: Vec<Arc<Member>> =
        std::mem::take(&mut *all.lock().unwrap_or_else(|e| e.into_inner()));
    let mut targets: Vec<Target> = members
        .into_iter()
        .map(|m| Arc::try_unwrap(m).map_or_else(|m| m.target.clone(), |m| m.target))
        .collect();
    targets.sort_by(|x, y| x.account.id.cmp(&y.account.id));
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
    Ok(Members {
        scans,
        accounts,
        errors,
        owners,
    })
}

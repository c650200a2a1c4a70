//! The organization, read with the caller's credentials: every account (`ListAccounts`, every
//! page), the tree of organizational units (`ListRoots`, then `ListOrganizationalUnitsForParent`
//! and `ListAccountsForParent` for each root and OU: calls grow with the OUs, not the accounts)
//! and the tags of each selected account (`ListTagsForResource`).

use super::clients::{Clients, Limit, Paced};
use super::errors::{CallFailure, classify};
use crate::error::Error;
use crate::inventory::error_class::ErrorClass;
use crate::inventory::validate;
use crate::inventory::{MAX_OU_DEPTH, OrgUnit, ScanError};
use crate::term::escape;
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap};

/// One account as `ListAccounts` gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgAccount {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// `State` (or the older `Status`): `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, ...
    pub status: Option<String>,
}

/// The organization's accounts and, when it could be read, its tree.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgListing {
    pub accounts: Vec<OrgAccount>,
    /// Root ids.
    pub roots: Vec<String>,
    /// Child (account or OU id) -> parent (OU or root id).
    pub parents: HashMap<String, String>,
    /// OU id -> name.
    pub names: HashMap<String, String>,
}

impl OrgListing {
    /// True when `id` is a root or an OU of the tree.
    pub fn has_parent(&self, id: &str) -> bool {
        self.roots.iter().any(|r| r == id) || self.names.contains_key(id)
    }

    /// The OU (or root) an `--ou` value names: an OU or root id as it is; otherwise a path of OU
    /// names from the root (`Workloads/Prod`, with `\/` for a `/` inside a name and `\\` for a
    /// backslash), or, without a `/`, the name of one OU at any depth. `Err` says what matched:
    /// nothing, or several OUs (their ids and paths).
    pub fn resolve_ou(&self, value: &str) -> Result<String, String> {
        if self.has_parent(value) {
            return Ok(value.to_string());
        }
        if crate::inventory::validate::ou_id(value).is_ok() {
            return Err("the organization has no such organizational unit or root".to_string());
        }
        let wanted = ou_path_segments(value);
        let mut found: Vec<(String, String)> = self
            .names
            .iter()
            .filter_map(|(id, name)| {
                let mut path: Vec<String> = self.ou_path(id).into_iter().map(|u| u.name).collect();
                path.push(name.clone());
                let hit = if wanted.len() == 1 {
                    name == &wanted[0]
                } else {
                    path == wanted
                };
                hit.then(|| {
                    let shown: Vec<String> = path
                        .iter()
                        .map(|n| crate::inventory::ou_name_in_path(n).into_owned())
                        .collect();
                    (id.clone(), shown.join("/"))
                })
            })
            .collect();
        found.sort();
        match found.len() {
            1 => Ok(found.remove(0).0),
            0 => Err("no organizational unit has this id, path or name".to_string()),
            n => Err(format!(
                "{n} organizational units have this name: {}",
                found
                    .iter()
                    .map(|(id, path)| format!("{id} ({path})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The OUs and root above `child`, nearest first.
    pub fn ancestors(&self, child: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = child;
        while let Some(p) = self.parents.get(at) {
            // The OUs of the deepest path and the root; anything more is a loop in the answers.
            if out.len() > MAX_OU_DEPTH || out.contains(p) {
                break;
            }
            out.push(p.clone());
            at = p;
        }
        out
    }

    /// The OUs from the root down to the account's parent, the root left out.
    pub fn ou_path(&self, account: &str) -> Vec<OrgUnit> {
        let mut path: Vec<OrgUnit> = self
            .ancestors(account)
            .into_iter()
            .filter_map(|id| {
                let name = self.names.get(&id)?.clone();
                Some(OrgUnit { id, name })
            })
            .collect();
        path.reverse();
        path
    }
}

/// What the account selection needs of the organization.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    /// `--ou` / `--exclude-ou` select by unit: the tree must be read.
    pub by_ou: bool,
    /// `--account` names accounts, which can be scanned without the listing of accounts.
    pub named_accounts: bool,
}

/// Read the organization's accounts for `--org`, and its tree when `--ou` / `--exclude-ou`
/// select by it (otherwise the tree is read alongside the scan: [`tree`]). `None` when the
/// accounts cannot be listed but `--account` names accounts to scan anyway (the failure is an
/// error entry); an error when nothing could be scanned, or when `--ou` / `--exclude-ou` need a
/// tree that could not be read.
pub async fn read(
    clients: &Clients,
    needs: Needs,
    caller: &str,
    concurrency: usize,
    timeout_secs: u64,
    errors: &mut Vec<ScanError>,
) -> Result<Option<OrgListing>, Error> {
    let client = clients.organizations();
    let by_ou = needs.by_ou;
    let accounts = match list_accounts(&client, &clients.limit, timeout_secs).await {
        Ok(accounts) => accounts,
        Err(f) if !needs.named_accounts || by_ou => return Err(unlisted(&f)),
        Err(f) => {
            tracing::warn!(code = %escape(&f.failure.code), "the organization's accounts could not be listed; scanning the --account ids");
            errors.push(super::errors::account_error(
                caller,
                "organizations",
                f.operation,
                &f.failure,
            ));
            return Ok(None);
        }
    };
    let mut listing = OrgListing {
        accounts,
        ..Default::default()
    };
    if by_ou
        && let Err(f) = read_tree(
            &client,
            &clients.limit,
            timeout_secs,
            concurrency,
            &mut listing,
        )
        .await
    {
        return Err(stopped(
            &f,
            "read the organization's units",
            "grant organizations:ListRoots, ListOrganizationalUnitsForParent and ListAccountsForParent, or leave out --ou / --exclude-ou",
        ));
    }
    Ok(Some(listing))
}

/// The error that stops a scan whose accounts cannot be listed.
fn unlisted(f: &OrgFailure) -> Error {
    stopped(
        f,
        "list the organization's accounts",
        "run with the management account's or a delegated administrator's credentials (organizations:ListAccounts), or name the accounts with --account or --accounts-file",
    )
}

/// The error that stops a scan when an Organizations read it needs failed: `denied_fix` when
/// access is denied (or the failure has no known cause), else the fix of the failure's class.
fn stopped(f: &OrgFailure, what: &str, denied_fix: &str) -> Error {
    let fix = match f.failure.class() {
        ErrorClass::AccessDenied | ErrorClass::Other => denied_fix.to_string(),
        _ => f.failure.fix("organizations", f.operation, ""),
    };
    Error::fatal(format!(
        "cannot {what} (Organizations {}): {}\n  fix: {fix}",
        f.operation,
        escape(&f.failure.summary())
    ))
}

/// The organization's tree, read while the accounts are scanned when no selection needs it
/// first: it only gives each account its OU path. An unreadable tree is an error entry, and
/// the accounts then have no OU path.
pub async fn tree(
    clients: &Clients,
    caller: &str,
    concurrency: usize,
    timeout_secs: u64,
) -> (OrgListing, Option<ScanError>) {
    let mut listing = OrgListing::default();
    let client = clients.organizations();
    match read_tree(
        &client,
        &clients.limit,
        timeout_secs,
        concurrency,
        &mut listing,
    )
    .await
    {
        Ok(()) => (listing, None),
        Err(f) => {
            tracing::warn!(operation = f.operation, code = %escape(&f.failure.code), "the organization's units could not be read; accounts have no OU path");
            (
                OrgListing::default(),
                Some(super::errors::account_error(
                    caller,
                    "organizations",
                    f.operation,
                    &f.failure,
                )),
            )
        }
    }
}

/// The tags of each account (one `ListTagsForResource` per account, `concurrency` at once),
/// read while the accounts are scanned; an account whose tags cannot be read gets an error
/// entry and no tags.
pub async fn tags(
    clients: &Clients,
    ids: impl futures::Stream<Item = String>,
    concurrency: usize,
    timeout_secs: u64,
) -> (Vec<(String, BTreeMap<String, String>)>, Vec<ScanError>) {
    let client = clients.organizations();
    type Tags = Result<BTreeMap<String, String>, OrgFailure>;
    let read: Vec<(String, Tags)> = ids
        .map(|id| {
            let (client, limit) = (&client, &clients.limit);
            async move {
                let tags = account_tags(client, limit, timeout_secs, &id).await;
                (id, tags)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (id, r) in read {
        match r {
            Ok(tags) => out.push((id, tags)),
            Err(f) => errors.push(super::errors::account_error(
                &id,
                "organizations",
                f.operation,
                &f.failure,
            )),
        }
    }
    (out, errors)
}

/// An Organizations call that failed.
#[derive(Debug, Clone)]
pub struct OrgFailure {
    pub operation: &'static str,
    pub failure: CallFailure,
}

fn failed(operation: &'static str, failure: CallFailure) -> OrgFailure {
    OrgFailure { operation, failure }
}

fn wrong_shape(operation: &'static str, e: validate::Invalid) -> OrgFailure {
    failed(
        operation,
        CallFailure {
            code: super::errors::INVALID_VALUE.into(),
            message: format!("the answer holds a value of the wrong shape at {e}"),
            status: None,
            bucket_region: None,
        },
    )
}

/// Drain a paginator, each page paced and under the cap; a failed page fails the listing. The
/// last page is known by its missing `NextToken`, so no turn is spent on asking the paginator
/// for a page that is not there.
macro_rules! pages {
    ($limit:expr, $timeout:expr, $op:literal, $request:expr, |$page:ident| $each:block) => {{
        let mut pages = $request.into_paginator().send();
        while let Some(page) = $limit.run_paced(Paced::Organizations, pages.next()).await {
            let $page = page.map_err(|e| failed($op, classify(&e, $timeout)))?;
            let more = $page.next_token().is_some_and(|t| !t.is_empty());
            $each
            if !more {
                break;
            }
        }
        tracing::debug!(concat!($op, " done"));
    }};
}

/// Every account of the organization, every page of `ListAccounts`.
pub async fn list_accounts(
    client: &aws_sdk_organizations::Client,
    limit: &Limit,
    timeout_secs: u64,
) -> Result<Vec<OrgAccount>, OrgFailure> {
    let mut out = Vec::new();
    account_pages(client, limit, timeout_secs, |page| {
        out.extend(page);
        Ok::<(), OrgFailure>(())
    })
    .await?;
    Ok(out)
}

/// Every account of the organization, handed to `each_page` page by page as `ListAccounts`
/// answers, so that the first accounts are scanned while the next pages are read. A failed
/// first page stops the scan, as a failed listing does; so does an error of `each_page`. A page
/// that fails after accounts were handed on does not: the accounts already listed are scanned,
/// and the failure is the error entry returned (the scan is partial).
pub async fn stream_accounts(
    clients: &Clients,
    caller: &str,
    timeout_secs: u64,
    mut each_page: impl FnMut(Vec<OrgAccount>) -> Result<(), Error>,
) -> Result<Option<ScanError>, Error> {
    let client = clients.organizations();
    let mut listed = 0usize;
    let outcome = account_pages(&client, &clients.limit, timeout_secs, |page| {
        listed += page.len();
        each_page(page).map_err(Stop::Selection)
    })
    .await;
    match outcome {
        Ok(()) => Ok(None),
        Err(Stop::Listing(f)) if listed > 0 => {
            tracing::warn!(code = %escape(&f.failure.code), listed, "the organization's accounts could not all be listed; scanning those listed");
            let mut e =
                super::errors::account_error(caller, "organizations", f.operation, &f.failure);
            e.message = format!(
                "the listing of the organization's accounts stopped after {listed} accounts, \
                 and the accounts after them were not scanned: {}",
                e.message
            );
            Ok(Some(e))
        }
        Err(Stop::Listing(f)) => Err(unlisted(&f)),
        Err(Stop::Selection(e)) => Err(e),
    }
}

/// The pages of `ListAccounts`, each converted and handed to `each_page`; a failed page, an
/// account of the wrong shape (with its position in the whole listing) or an error of
/// `each_page` stops the listing. A page that failed for a reason that can pass (throttling, a
/// server error, a timeout, a broken connection) once the SDK's attempts are spent is asked for
/// again with the same token after a cool-down ([`crate::pace::cooldown`]), so that a long
/// listing goes on where it stopped rather than starting over.
async fn account_pages<E: From<OrgFailure>>(
    client: &aws_sdk_organizations::Client,
    limit: &Limit,
    timeout_secs: u64,
    mut each_page: impl FnMut(Vec<OrgAccount>) -> Result<(), E>,
) -> Result<(), E> {
    let mut n = 0usize;
    let mut token: Option<String> = None;
    loop {
        let mut pass = 0;
        let page = loop {
            let request = client
                .list_accounts()
                .max_results(20)
                .set_next_token(token.clone());
            match limit.run_paced(Paced::Organizations, request.send()).await {
                Ok(page) => break page,
                Err(e) => {
                    let f = classify(&e, timeout_secs);
                    if !f.class().is_transient() || pass == crate::pace::COOLDOWNS {
                        return Err(failed("ListAccounts", f).into());
                    }
                    let wait = crate::pace::cooldown(pass);
                    tracing::warn!(code = %escape(&f.code), listed = n, wait_ms = wait.as_millis() as u64, "ListAccounts failed; asking for the page again");
                    tokio::time::sleep(wait).await;
                    pass += 1;
                }
            }
        };
        let mut accounts = Vec::new();
        for a in page.accounts() {
            accounts.push(convert(a).map_err(|e| {
                wrong_shape("ListAccounts", e.within(format_args!("Accounts[{n}]")))
            })?);
            n += 1;
        }
        each_page(accounts)?;
        // The next page, unless this was the last (or the token did not move on).
        match page.next_token().filter(|t| !t.is_empty()) {
            Some(next) if token.as_deref() != Some(next) => token = Some(next.to_string()),
            _ => break,
        }
    }
    tracing::debug!("ListAccounts done");
    Ok(())
}

/// Why [`stream_accounts`] stopped.
enum Stop {
    Listing(OrgFailure),
    Selection(Error),
}

impl From<OrgFailure> for Stop {
    fn from(f: OrgFailure) -> Stop {
        Stop::Listing(f)
    }
}

fn convert(a: &aws_sdk_organizations::types::Account) -> Result<OrgAccount, validate::Invalid> {
    let id = a.id().unwrap_or_default().to_string();
    validate::field("Id", &id, validate::account_id)?;
    let status = a
        .state()
        .map(|s| s.as_str().to_string())
        .or_else(|| a.status().map(|s| s.as_str().to_string()));
    if let Some(s) = &status {
        validate::field("State", s, validate::account_status)?;
    }
    Ok(OrgAccount {
        id,
        name: a.name().map(str::to_string),
        email: a.email().map(str::to_string),
        status,
    })
}

/// The tree: the roots, then each level of OUs, the parents of one level read concurrently. A
/// unit nested deeper than Organizations allows ([`MAX_OU_DEPTH`] below the root) fails the
/// tree, as an answer of the wrong shape: no reader would take the OU paths it gives.
pub async fn read_tree(
    client: &aws_sdk_organizations::Client,
    limit: &Limit,
    timeout_secs: u64,
    concurrency: usize,
    listing: &mut OrgListing,
) -> Result<(), OrgFailure> {
    let mut roots = Vec::new();
    pages!(
        limit,
        timeout_secs,
        "ListRoots",
        client.list_roots(),
        |page| {
            for r in page.roots() {
                let id = r.id().unwrap_or_default().to_string();
                validate::field("Id", &id, validate::ou_id)
                    .map_err(|e| wrong_shape("ListRoots", e))?;
                roots.push(id);
            }
        }
    );
    listing.roots = roots.clone();
    let mut level = roots;
    // `depth` is that of the parents read: their OUs are one level deeper.
    for depth in 0..=MAX_OU_DEPTH {
        if level.is_empty() {
            break;
        }
        type Children = Result<(String, Vec<(String, String)>, Vec<String>), OrgFailure>;
        let read: Vec<Children> = futures::stream::iter(level)
            .map(|parent| async move {
                let (ous, accounts) = futures::join!(
                    ous_of(client, limit, timeout_secs, &parent),
                    accounts_of(client, limit, timeout_secs, &parent)
                );
                Ok((parent, ous?, accounts?))
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        let mut next = Vec::new();
        for r in read {
            let (parent, ous, accounts) = r?;
            for (id, name) in ous {
                if listing.names.contains_key(&id) {
                    continue;
                }
                if depth == MAX_OU_DEPTH {
                    return Err(failed(
                        "ListOrganizationalUnitsForParent",
                        CallFailure {
                            code: super::errors::INVALID_VALUE.into(),
                            message: format!(
                                "organizational unit {id} under {parent} is nested {} levels below the root; Organizations nests OUs at most {MAX_OU_DEPTH} levels deep",
                                MAX_OU_DEPTH + 1
                            ),
                            status: None,
                            bucket_region: None,
                        },
                    ));
                }
                listing.parents.insert(id.clone(), parent.clone());
                listing.names.insert(id.clone(), name);
                next.push(id);
            }
            for a in accounts {
                listing.parents.insert(a, parent.clone());
            }
        }
        next.sort();
        level = next;
    }
    Ok(())
}

async fn ous_of(
    client: &aws_sdk_organizations::Client,
    limit: &Limit,
    timeout_secs: u64,
    parent: &str,
) -> Result<Vec<(String, String)>, OrgFailure> {
    let mut out = Vec::new();
    pages!(
        limit,
        timeout_secs,
        "ListOrganizationalUnitsForParent",
        client
            .list_organizational_units_for_parent()
            .parent_id(parent)
            .max_results(20),
        |page| {
            for ou in page.organizational_units() {
                let id = ou.id().unwrap_or_default().to_string();
                validate::field("Id", &id, validate::ou_id)
                    .map_err(|e| wrong_shape("ListOrganizationalUnitsForParent", e))?;
                out.push((id, ou.name().unwrap_or_default().to_string()));
            }
        }
    );
    Ok(out)
}

async fn accounts_of(
    client: &aws_sdk_organizations::Client,
    limit: &Limit,
    timeout_secs: u64,
    parent: &str,
) -> Result<Vec<String>, OrgFailure> {
    let mut out = Vec::new();
    pages!(
        limit,
        timeout_secs,
        "ListAccountsForParent",
        client
            .list_accounts_for_parent()
            .parent_id(parent)
            .max_results(20),
        |page| {
            for a in page.accounts() {
                let id = a.id().unwrap_or_default().to_string();
                validate::field("Id", &id, validate::account_id)
                    .map_err(|e| wrong_shape("ListAccountsForParent", e))?;
                out.push(id);
            }
        }
    );
    Ok(out)
}

/// The tags of one account.
pub async fn account_tags(
    client: &aws_sdk_organizations::Client,
    limit: &Limit,
    timeout_secs: u64,
    account: &str,
) -> Result<BTreeMap<String, String>, OrgFailure> {
    let mut out = BTreeMap::new();
    pages!(
        limit,
        timeout_secs,
        "ListTagsForResource",
        client.list_tags_for_resource().resource_id(account),
        |page| {
            for t in page.tags() {
                out.insert(t.key().to_string(), t.value().to_string());
            }
        }
    );
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> OrgListing {
        let mut l = OrgListing {
            roots: vec!["r-ab12".into()],
            ..Default::default()
        };
        for (child, parent) in [
            ("ou-ab12-prod0001", "r-ab12"),
            ("ou-ab12-nested01", "ou-ab12-prod0001"),
            ("ou-ab12-dev00001", "r-ab12"),
            ("111111111111", "ou-ab12-nested01"),
            ("222222222222", "ou-ab12-dev00001"),
            ("123456789012", "r-ab12"),
        ] {
            l.parents.insert(child.into(), parent.into());
        }
        for (id, name) in [
            ("ou-ab12-prod0001", "Prod"),
            ("ou-ab12-nested01", "Nested"),
            ("ou-ab12-dev00001", "Dev"),
        ] {
            l.names.insert(id.into(), name.into());
        }
        l
    }

    #[test]
    fn paths_run_from_the_root_down() {
        let l = sample();
        assert_eq!(
            l.ancestors("111111111111"),
            vec!["ou-ab12-nested01", "ou-ab12-prod0001", "r-ab12"]
        );
        let p = l.ou_path("111111111111");
        assert_eq!(
            p.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
            vec!["Prod", "Nested"]
        );
        assert!(l.ou_path("123456789012").is_empty());
        assert!(l.has_parent("r-ab12") && l.has_parent("ou-ab12-dev00001"));
        assert!(!l.has_parent("ou-ab12-nope0001"));
        // A loop in the answers ends the walk.
        let mut looped = l.clone();
        looped
            .parents
            .insert("r-ab12".into(), "ou-ab12-nested01".into());
        assert!(looped.ancestors("111111111111").len() <= 4);
    }
}

/// The OU names of an `--ou` path: split at each `/`, where `\/` is a `/` inside a name and
/// `\\` a backslash (as suppressions and the reports write them).
fn ou_path_segments(value: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n @ ('/' | '\\')) => out.last_mut().unwrap().push(n),
                Some(n) => {
                    let last = out.last_mut().unwrap();
                    last.push('\\');
                    last.push(n);
                }
                None => out.last_mut().unwrap().push('\\'),
            },
            '/' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

#[cfg(test)]
mod ou_name_tests {
    use super::*;

    fn tree() -> OrgListing {
        let mut o = OrgListing {
            accounts: Vec::new(),
            roots: vec!["r-ab12".into()],
            parents: HashMap::new(),
            names: HashMap::new(),
        };
        for (id, parent, name) in [
            ("ou-ab12-00000001", "r-ab12", "Workloads"),
            ("ou-ab12-00000002", "ou-ab12-00000001", "Prod"),
            ("ou-ab12-00000003", "r-ab12", "Sandbox"),
            ("ou-ab12-00000004", "ou-ab12-00000003", "Prod"),
            ("ou-ab12-00000005", "r-ab12", "Workloads/Prod"),
        ] {
            o.parents.insert(id.into(), parent.into());
            o.names.insert(id.into(), name.into());
        }
        o
    }

    #[test]
    fn an_ou_is_named_by_id_path_or_unique_name() {
        let o = tree();
        assert_eq!(
            o.resolve_ou("ou-ab12-00000003").unwrap(),
            "ou-ab12-00000003"
        );
        assert_eq!(o.resolve_ou("r-ab12").unwrap(), "r-ab12");
        assert_eq!(o.resolve_ou("Workloads/Prod").unwrap(), "ou-ab12-00000002");
        assert_eq!(
            o.resolve_ou("Workloads\\/Prod").unwrap(),
            "ou-ab12-00000005"
        );
        assert_eq!(o.resolve_ou("Sandbox").unwrap(), "ou-ab12-00000003");
        let e = o.resolve_ou("Prod").unwrap_err();
        assert!(
            e.contains("2 organizational units")
                && e.contains("ou-ab12-00000002 (Workloads/Prod)")
                && e.contains("ou-ab12-00000004 (Sandbox/Prod)"),
            "{e}"
        );
        assert!(
            o.resolve_ou("Nope")
                .unwrap_err()
                .contains("no organizational unit")
        );
    }
}

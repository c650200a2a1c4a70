//! The publishing every command that writes findings to Security Hub shares (`publish`,
//! `scan --publish`, `watch --publish`): the plan of a report's document, how the accounts are
//! reached, the calls, and the summary printed. `publish_cmd.rs` reads `flowaudit publish`'s
//! arguments and files; the scan and the watcher hand over their document.

use super::collect_step::runtime;
use crate::cli::publish_args::PublishTarget;
use crate::collect::accounts::AccountsOptions;
use crate::collect::clients::{ClientSettings, Clients};
use crate::collect::sessions::Accounts;
use crate::error::{Error, ExitStatus};
use crate::publish::plan::{Plan, Scope, is_active};
use crate::publish::securityhub::{self, HubOutcome, Settings};
use crate::report::asff;
use crate::report::export::{Catalog, ScanTime};
use crate::report::merge::SavedHead;
use crate::report::v1::Document;
use crate::term::escape;
use std::collections::BTreeMap;
use std::time::Duration;

/// How the accounts of the findings are reached.
pub(crate) struct Via {
    pub settings: ClientSettings,
    pub accounts: AccountsOptions,
    /// The role flags were given: they name the role of every other account, over the role a
    /// report records.
    pub override_role: bool,
}

/// `scan --publish`: publish `doc` (which holds at least every active result), reached the way
/// the scan reached its accounts.
pub(crate) fn publish_document(
    target: PublishTarget,
    doc: &Document,
    via: &Via,
) -> Result<ExitStatus, Error> {
    let (plan, roles) = document_plan(target, doc);
    publish_plan(plan, doc, &roles, via)
}

/// [`publish_document`] inside a running loop (`watch --publish`); the summary goes to
/// standard error, standard output being the watcher's lines.
pub(crate) async fn publish_document_async(
    target: PublishTarget,
    doc: &Document,
    via: &Via,
) -> Result<ExitStatus, Error> {
    let (plan, roles) = document_plan(target, doc);
    let active = plan.active();
    let outcomes = publish_async(plan, doc, &roles, via).await?;
    Ok(print(&outcomes, active, true))
}

fn document_plan(target: PublishTarget, doc: &Document) -> (Plan, BTreeMap<String, String>) {
    let PublishTarget::Securityhub = target;
    let head = SavedHead {
        schema: doc.schema.clone(),
        tool: doc.tool.clone(),
        scan: doc.scan.clone(),
        rules: doc.rules.clone(),
        suppressions: doc.suppressions.clone(),
        fixes: None,
    };
    let mut scope = Scope::default();
    scope.add(&head);
    let mut plan = Plan::new(scope);
    let catalog = Catalog::new(doc);
    let time = ScanTime::of(doc).iso();
    for f in doc.results.iter().filter(|f| is_active(f)) {
        plan.add(asff::finding(doc, &catalog, &time, f));
    }
    let roles = recorded_roles(std::iter::once(&head));
    (plan, roles)
}

/// How `scan --publish` reaches the accounts: the scan's own settings and account options.
pub(crate) fn via_of_scan(
    args: &crate::cli::collect_args::CollectArgs,
    accounts: Option<AccountsOptions>,
) -> Result<Via, Error> {
    let accounts = match accounts {
        Some(a) => a,
        None => super::collect_step::reach_options(&args.org)?,
    };
    Ok(Via {
        settings: ClientSettings {
            profile: args.profile.clone(),
            endpoint_url: args.endpoint_url.clone(),
            max_attempts: args.max_attempts.max(10),
            call_timeout: Duration::from_secs(args.call_timeout),
            max_in_flight: args.org.max_in_flight as usize,
            pool: None,
        },
        accounts,
        override_role: false,
    })
}

/// The role each report records for each account it scanned through one.
pub(crate) fn recorded_roles<'a>(
    heads: impl Iterator<Item = &'a SavedHead>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for h in heads {
        for a in &h.scan.account_details {
            if let Some(r) = &a.role_arn {
                out.entry(a.id.clone()).or_insert_with(|| r.clone());
            }
        }
    }
    out
}

pub(crate) fn publish_plan(
    plan: Plan,
    doc: &Document,
    recorded: &BTreeMap<String, String>,
    via: &Via,
) -> Result<ExitStatus, Error> {
    let active = plan.active();
    let outcomes = runtime()?.block_on(publish_async(plan, doc, recorded, via))?;
    Ok(print(&outcomes, active, false))
}

async fn publish_async(
    plan: Plan,
    doc: &Document,
    recorded: &BTreeMap<String, String>,
    via: &Via,
) -> Result<Vec<HubOutcome>, Error> {
    let time = doc.scan.finished_at.clone();
    let settings = Settings {
        attempts: via.settings.max_attempts,
        timeout_secs: via.settings.call_timeout.as_secs(),
        ..Settings::default()
    };
    let accounts_in_plan: Vec<String> = {
        let mut v: Vec<String> = plan.hubs.keys().map(|h| h.account.clone()).collect();
        v.dedup();
        v
    };
    let caller = Clients::load(via.settings.clone(), "us-east-1").await;
    let (caller_id, partition) = crate::collect::sessions::identify(&caller).await?;
    let mut roles = BTreeMap::new();
    for account in accounts_in_plan.iter().filter(|a| **a != caller_id) {
        let role = match recorded.get(account) {
            Some(r) if !via.override_role => r.clone(),
            _ => via
                .accounts
                .flag_role_arn(account, &partition)
                .map_err(|e| Error::input(format!("account {}: {e}", escape(account))))?,
        };
        roles.insert(
            account.clone(),
            (role, via.accounts.external_id_for(account)),
        );
    }
    let timeout = via.settings.call_timeout.as_secs();
    let accounts = Accounts::reach(&caller_id, caller, roles, &via.accounts, timeout).await;
    let reach = |a: &str| accounts.clients(a);
    Ok(securityhub::publish(plan, &reach, &partition, &time, &settings).await)
}

/// Say what happened, hub by hub where something failed, then in total; the exit status.
fn print(outcomes: &[HubOutcome], active: usize, summary_to_stderr: bool) -> ExitStatus {
    let mut failed = 0;
    let mut errors = 0;
    let (mut imported, mut archived, mut calls) = (0, 0, 0);
    for o in outcomes {
        imported += o.imported;
        archived += o.archived;
        calls += o.imports_called + o.gets_called;
        failed += o.failed.len();
        let place = format!(
            "securityhub in account {} region {}",
            escape(&o.hub.account),
            escape(&o.hub.region)
        );
        match &o.error {
            // One line for the hub; the findings it did not take are counted, not listed.
            Some(e) => {
                errors += 1;
                let text = e.text();
                let (first, fix) = text.split_once('\n').unwrap_or((&text, ""));
                eprintln!(
                    "flowaudit: error: {place}: {first}{}",
                    not_imported(o.failed.len())
                );
                if !fix.is_empty() {
                    eprintln!("{fix}");
                }
            }
            None => {
                for f in &o.failed {
                    eprintln!(
                        "flowaudit: error: {place}: finding {} not imported: {}: {}",
                        escape(&f.id),
                        escape(&f.code),
                        escape(&f.message)
                    );
                }
            }
        }
    }
    let summary = format!(
        "securityhub: {imported} of {active} active findings imported, {archived} earlier findings archived, {failed} not imported; {} hubs, {calls} calls",
        outcomes.len()
    );
    if summary_to_stderr {
        eprintln!("flowaudit: {summary}");
    } else {
        println!("{summary}");
    }
    if failed > 0 || errors > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    }
}

fn not_imported(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => " (1 finding not imported)".to_string(),
        n => format!(" ({n} findings not imported)"),
    }
}

//! `flowaudit fix --undo FILE`: delete what a change log records as created, and only what
//! flowaudit provably created.
//!
//! A change log is a plain file: anyone who can edit it could name a production flow log or an
//! audit log group. So the log is never trusted on its own. Every resource is read back first
//! ([`check`]) and deleted only when what AWS says matches the record ([`decide`]):
//! - the record's action is one that creates (`create-flow-log` for flow logs,
//!   `create-log-group` for log groups) and it carries a change id (`change_id`: random, drawn
//!   when the change was made, so it cannot be computed from anything public);
//! - the resource carries the tag [`CHANGE_TAG`] with exactly that change id (the fix sets it at
//!   creation, see `apply`);
//! - a flow log is attached to the VPC the record names.
//!
//! Everything else is refused, named with its reason, and nothing is deleted for it. Records of
//! earlier versions, whose change id was derived from public values, are refused too.
//!
//! A log group is a destination other flow logs may share: even when it is proven to be the
//! fix's, it is deleted only while no flow log but the ones this undo deletes delivers to it
//! (read back with DescribeFlowLogs when checking, and again just before DeleteLogGroup), and
//! no network interface that this account does not have wrote to it in the last day (a flow
//! log of another account, which DescribeFlowLogs here cannot see: its log streams are named
//! after its interfaces; DescribeLogStreams, then DescribeNetworkInterfaces). Otherwise it is
//! kept ([`Verdict::InUse`]) and its record stays open for a later undo.

mod aws;
mod decide;
#[cfg(test)]
mod tests;

pub use decide::{
    Checked, Found, InUse, Refusal, UndoKind, UndoOutcome, UndoResult, UndoStep, Verdict, decide,
    in_use, refuse_unread, undo_steps,
};

use self::aws::{
    delete_flow_log, delete_log_group, read_flow_logs, read_foreign_writers, read_group_users,
    read_log_groups,
};
use self::decide::{
    Users, Where, Writers, decide_all, group_kept, groups_to_delete, keep_groups_in_use,
    not_deleted, to_read, undone_changes,
};
use super::changelog::ChangeLogFile;
use crate::collect::accounts::{self as reach_accounts, AccountsOptions};
use crate::collect::sessions::{Accounts, Aws, error_text};
use crate::error::Error;
use crate::term::{Escaped, escape};
use std::collections::BTreeMap;

/// Reach every account the log names: the caller's own with the caller's credentials
/// (`caller`), every other one through the role its records name (`role_arn`), or, when
/// `override_role` (`--role-name` / `--role-arn-template` given), through the role the flags
/// give. An account the log names with no role, or with a role of another account, stops the
/// undo (exit 2). Each assumed role must then answer GetCallerIdentity with the account it is
/// for; an account that cannot be reached makes its own deletions fail, nothing else.
pub async fn reach(
    file: &ChangeLogFile,
    caller: Aws,
    o: &AccountsOptions,
    override_role: bool,
    timeout_secs: u64,
) -> Result<Accounts, Error> {
    let (account, partition) = crate::collect::sessions::identify(&caller).await?;
    let mut roles: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    for step in undo_steps(file.log()) {
        let id = step.account_id.as_str();
        if id == account || roles.contains_key(id) {
            continue;
        }
        let logged = file
            .log()
            .changes
            .iter()
            .filter(|c| c.account_id == id)
            .find_map(|c| c.role_arn.clone());
        let role = if override_role {
            Some(
                o.flag_role_arn(id, &partition)
                    .map_err(|e| Error::input(format!("account {}: {e}", escape(id))))?,
            )
        } else {
            logged
        };
        let Some(role) = role else {
            return Err(Error::input(format!(
                "{}: the change log is for account {}, but the credentials belong to account {} and the log records no role for it\n  fix: use credentials (--profile) of the account the fix ran in, or name the role that reaches it with --role-name or --role-arn-template",
                Escaped(file.path().display()),
                escape(id),
                escape(&account)
            )));
        };
        let same_account =
            reach_accounts::role_arn(&role).is_ok() && role.split(':').nth(4) == Some(id);
        if !same_account {
            return Err(Error::input(format!(
                "{}: account {}: the role {} is not a role ARN of that account\n  fix: pass the unmodified change log, or name the role with --role-name or --role-arn-template",
                Escaped(file.path().display()),
                escape(id),
                crate::inventory::validate::show(&role)
            )));
        }
        roles.insert(id.to_string(), (role, o.external_id_for(id)));
    }
    let mut accounts = Accounts::reach(&account, caller, roles, o, timeout_secs).await;
    let mut wrong: Vec<(String, String)> = Vec::new();
    for (id, role, clients) in accounts.members() {
        let Ok(c) = clients else { continue };
        match c.sts().get_caller_identity().send().await {
            Ok(w) if w.account() == Some(id) => {}
            Ok(w) => wrong.push((
                id.to_string(),
                format!(
                    "{} answers as account {}, not {}",
                    escape(role),
                    escape(w.account().unwrap_or("?")),
                    escape(id)
                ),
            )),
            Err(e) => wrong.push((
                id.to_string(),
                format!(
                    "cannot identify the credentials of {} (sts:GetCallerIdentity): {}",
                    escape(role),
                    error_text(&e)
                ),
            )),
        }
    }
    for (id, why) in wrong {
        accounts.refuse(&id, why);
    }
    Ok(accounts)
}

/// Check every step of the log against AWS, deleting nothing: every account the log names must
/// have been reached ([`reach`]: the caller's own, or a role proven to be in that account), then
/// each resource is read back with its account's credentials (DescribeFlowLogs batched per
/// region; DescribeLogGroups batched per region plus ListTagsForResource per group) and
/// [`decide`]d. The resources of an account that could not be reached are not deleted.
/// A log group proven to be the fix's is then checked for other users (`read_group_users` and
/// `read_foreign_writers`, once per region): kept ([`Verdict::InUse`]) when a flow log that
/// this undo does not delete delivers to it, or when a network interface this account does not
/// have wrote to it in the last day (another account's flow log).
pub async fn check(file: &ChangeLogFile, accounts: &Accounts) -> Result<Vec<Checked>, Error> {
    let steps = undo_steps(file.log());
    if steps.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: BTreeMap<Where, Found> = BTreeMap::new();
    for (kind, batches) in to_read(&steps) {
        for ((account, region), ids) in batches {
            let got = match accounts.clients(account) {
                Err(why) => ids
                    .iter()
                    .map(|id| (id.to_string(), Found::Unreadable(why.clone())))
                    .collect(),
                Ok(aws) if kind == UndoKind::FlowLog => read_flow_logs(aws, region, &ids).await,
                Ok(aws) => read_log_groups(aws, region, &ids).await,
            };
            for (id, f) in got {
                found.insert((kind, account.to_string(), region.to_string(), id), f);
            }
        }
    }
    let mut checked = decide_all(steps, &found);
    for ((account, region), names) in groups_to_delete(&checked) {
        let (users, writers) = match accounts.clients(&account) {
            Err(why) => (Err(why.clone()), Err(why)),
            Ok(aws) => (
                read_group_users(aws, &region, &names).await,
                read_foreign_writers(aws, &region, &names).await,
            ),
        };
        keep_groups_in_use(&mut checked, &account, &region, &users, &writers);
    }
    Ok(checked)
}

/// Carry out the checked steps: delete what [`check`] proved, report the rest without calling
/// AWS. Each deletion is independent; a change is marked undone in the file once every resource
/// it records was deleted (a refused, kept or failed one keeps it open).
///
/// Flow logs go first. Just before the first log group of a region is deleted, which flow logs
/// deliver to the region's groups, and which interfaces of other accounts write to them, is read
/// again (`read_group_users`, `read_foreign_writers`): a group is deleted only when every flow
/// log is one this undo has just deleted and no foreign interface writes to it, so a flow log
/// added since the check, or one of ours whose deletion failed, keeps it.
pub async fn undo(
    file: &mut ChangeLogFile,
    checked: Vec<Checked>,
    accounts: &Accounts,
    dry_run: bool,
) -> Result<Vec<UndoResult>, Error> {
    let mut results: Vec<UndoResult> = Vec::new();
    let to_delete = groups_to_delete(&checked);
    let mut users: BTreeMap<(String, String), (Users, Writers)> = BTreeMap::new();
    for Checked { step, verdict } in checked {
        let (outcome, detail) = match not_deleted(verdict) {
            Some(done) => done,
            None => match (accounts.clients(&step.account_id), step.kind) {
                (Err(why), _) => (UndoOutcome::Failed, Some(format!("not deleted: {why}"))),
                (Ok(aws), UndoKind::FlowLog) => delete_flow_log(aws, &step, dry_run).await,
                (Ok(aws), UndoKind::LogGroup) if dry_run => {
                    delete_log_group(aws, &step, dry_run).await
                }
                (Ok(aws), UndoKind::LogGroup) => {
                    let key = (step.account_id.clone(), step.region.clone());
                    if !users.contains_key(&key) {
                        let names = to_delete.get(&key).cloned().unwrap_or_default();
                        let read = (
                            read_group_users(aws, &step.region, &names).await,
                            read_foreign_writers(aws, &step.region, &names).await,
                        );
                        users.insert(key.clone(), read);
                    }
                    let (u, w) = &users[&key];
                    match group_kept(&step, u, w, &results) {
                        Some(done) => done,
                        None => delete_log_group(aws, &step, dry_run).await,
                    }
                }
            },
        };
        results.push(UndoResult {
            step,
            outcome,
            detail,
        });
    }
    if !dry_run {
        for c in undone_changes(&results) {
            file.mark_undone(c)?;
        }
    }
    Ok(results)
}

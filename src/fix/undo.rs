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
//! (read back with DescribeFlowLogs when checking, and again just before DeleteLogGroup).
//! Otherwise it is kept ([`Verdict::InUse`]) and its record stays open for a later undo.

use super::aws::{Accounts, Aws, error_code, error_text};
use super::changelog::{CHANGE_ID_LEN, ChangeLog, ChangeLogFile, is_change_id};
use super::plan::CHANGE_TAG;
use crate::collect::accounts::{self as reach_accounts, AccountsOptions};
use crate::error::Error;
use crate::term::{Escaped, escape};
use aws_sdk_ec2::types::Filter;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Flow-log ids per DescribeFlowLogs call (values of one `flow-log-id` filter).
const FLOW_LOG_BATCH: usize = 200;
/// Log group names per DescribeLogGroups call (`logGroupIdentifiers` takes at most 50).
const LOG_GROUP_BATCH: usize = 50;
/// Upper bound of pages read per call, so a misbehaving endpoint cannot loop forever.
const MAX_PAGES: usize = 10_000;

/// The action of a record that creates flow logs.
const CREATE_FLOW_LOG: &str = "create-flow-log";
/// The action of a record that creates a log group.
const CREATE_LOG_GROUP: &str = "create-log-group";

/// One deletion the change log asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoStep {
    /// Index of the change in the log.
    pub change: usize,
    pub account_id: String,
    pub region: String,
    pub kind: UndoKind,
    /// The flow-log id or log group name.
    pub id: String,
    /// The record's action (`create-flow-log`, ...), as written in the log.
    pub action: String,
    /// The record's VPC.
    pub vpc_id: Option<String>,
    /// The record's change id (`change_id`): the value the [`CHANGE_TAG`] tag must have.
    pub change_id: Option<String>,
    /// The record has no `change_id` but the `client_token` of earlier versions, whose change
    /// ids were derived from public values and so prove nothing.
    pub derived_id: bool,
}

/// What a step deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UndoKind {
    /// DeleteFlowLogs.
    FlowLog,
    /// DeleteLogGroup.
    LogGroup,
}

impl UndoStep {
    /// A one-line description.
    pub fn describe(&self) -> String {
        let what = match self.kind {
            UndoKind::FlowLog => "delete flow log",
            UndoKind::LogGroup => "delete log group (and the logs in it)",
        };
        format!(
            "{} {}: {what} {}",
            escape(&self.account_id),
            escape(&self.region),
            escape(&self.id)
        )
    }
}

/// The deletions that undo `log`: first every flow log, then the log groups the fix created.
/// Changes already undone are left out. Nothing here is trusted yet: see [`check`].
pub fn undo_steps(log: &ChangeLog) -> Vec<UndoStep> {
    let mut flow = Vec::new();
    let mut groups = Vec::new();
    for (i, c) in log.changes.iter().enumerate() {
        if c.undone_at.is_some() {
            continue;
        }
        let step = |kind, id: &String| UndoStep {
            change: i,
            account_id: c.account_id.clone(),
            region: c.region.clone(),
            kind,
            id: id.clone(),
            action: c.action.clone(),
            vpc_id: c.vpc_id.clone(),
            change_id: c.change_id.clone(),
            derived_id: c.change_id.is_none() && c.client_token.is_some(),
        };
        flow.extend(c.flow_log_ids.iter().map(|id| step(UndoKind::FlowLog, id)));
        groups.extend(
            c.log_groups_created
                .iter()
                .map(|id| step(UndoKind::LogGroup, id)),
        );
    }
    flow.extend(groups);
    flow
}

/// What reading a resource back found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// It does not exist.
    Gone,
    /// It exists, with these tags; `attached_to` is a flow log's ResourceId (`None` for groups).
    Exists {
        attached_to: Option<String>,
        tags: BTreeMap<String, String>,
    },
    /// It could not be read (access denied, network, ...): the error.
    Unreadable(String),
}

/// Why a deletion is refused: nothing proves flowaudit created the resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The record's action does not create this kind of resource.
    ActionDoesNotCreate { action: String },
    /// The record has no change id (`change_id`) to check the tag against.
    NoChangeId,
    /// The record has only the `client_token` of earlier versions: an id derived from public
    /// values, which anyone could have written into a forged log.
    DerivedChangeId,
    /// The record's `change_id` is not [`CHANGE_ID_LEN`] lowercase hex digits.
    NotAChangeId { found: String },
    /// A flow-log record without a VPC.
    NoVpc,
    /// The resource does not exist.
    Gone,
    /// The flow log is attached to another resource than the record's VPC.
    OtherResource { found: String, recorded: String },
    /// The resource has no [`CHANGE_TAG`] tag.
    TagMissing,
    /// The [`CHANGE_TAG`] tag has another value than the record's change id.
    TagDiffers { found: String },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::ActionDoesNotCreate { action } => write!(
                f,
                "action does not create: the record's action is {:?}, which creates no such resource",
                escape(action)
            ),
            Refusal::NoChangeId => write!(
                f,
                "no change id: the record has no change_id to check the {CHANGE_TAG} tag against"
            ),
            Refusal::DerivedChangeId => write!(
                f,
                "change log of an earlier version: the record has no change_id, only a client_token derived from public values (account, region, resource, destination), which anyone can compute, so it proves nothing; check the resource and delete it by hand"
            ),
            Refusal::NotAChangeId { found } => write!(
                f,
                "not a change id: the record's change_id is {:?}, not {CHANGE_ID_LEN} lowercase hex digits",
                escape(found)
            ),
            Refusal::NoVpc => write!(f, "no VPC: the record names no vpc_id for the flow log"),
            Refusal::Gone => write!(
                f,
                "resource gone: it does not exist (deleted already, or never created)"
            ),
            Refusal::OtherResource { found, recorded } => write!(
                f,
                "flow log attached to another resource: {}, not the recorded {}",
                escape(found),
                escape(recorded)
            ),
            Refusal::TagMissing => write!(
                f,
                "tag missing: it has no {CHANGE_TAG} tag, so nothing shows flowaudit created it"
            ),
            Refusal::TagDiffers { found } => write!(
                f,
                "tag differs: its {CHANGE_TAG} tag is {:?}, not the record's change id",
                escape(found)
            ),
        }
    }
}

/// The decision about one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Proven to be what the recorded change created: delete it.
    Delete,
    /// Not proven: never deleted.
    Refuse(Refusal),
    /// It could not be read back, so nothing is proven: not deleted (a failure, not a refusal).
    Unverified(String),
    /// A log group proven to be the fix's, but flow logs this undo does not delete still
    /// deliver to it: kept.
    InUse(InUse),
}

/// The flow logs that keep a log group in use, none of which this undo deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InUse {
    pub flow_logs: BTreeSet<String>,
}

/// Flow-log ids named in an [`InUse`] message; the rest are counted.
const IN_USE_SHOWN: usize = 5;

impl fmt::Display for InUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self
            .flow_logs
            .iter()
            .take(IN_USE_SHOWN)
            .map(|id| escape(id).into_owned())
            .collect();
        let more = self.flow_logs.len().saturating_sub(IN_USE_SHOWN);
        write!(
            f,
            "in use: flow logs this undo does not delete still deliver to it: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    }
}

/// Whether a log group delivered to by `users` (flow-log ids) may go: only when every one of
/// them is in `deleted` (flow logs this undo deletes).
pub fn in_use(users: Option<&BTreeSet<String>>, deleted: &BTreeSet<String>) -> Option<InUse> {
    let left: BTreeSet<String> = users
        .into_iter()
        .flatten()
        .filter(|id| !deleted.contains(*id))
        .cloned()
        .collect();
    (!left.is_empty()).then_some(InUse { flow_logs: left })
}

/// What the record alone rules out, before anything is read.
pub fn refuse_unread(step: &UndoStep) -> Option<Refusal> {
    let creates = match step.kind {
        UndoKind::FlowLog => CREATE_FLOW_LOG,
        UndoKind::LogGroup => CREATE_LOG_GROUP,
    };
    if step.action != creates {
        return Some(Refusal::ActionDoesNotCreate {
            action: step.action.clone(),
        });
    }
    match step.change_id.as_deref() {
        None | Some("") if step.derived_id => return Some(Refusal::DerivedChangeId),
        None | Some("") => return Some(Refusal::NoChangeId),
        Some(id) if !is_change_id(id) => {
            return Some(Refusal::NotAChangeId { found: id.into() });
        }
        Some(_) => {}
    }
    if step.kind == UndoKind::FlowLog && step.vpc_id.as_deref().is_none_or(str::is_empty) {
        return Some(Refusal::NoVpc);
    }
    None
}

/// Decide whether `step` may be deleted, given what reading it back `found`.
pub fn decide(step: &UndoStep, found: &Found) -> Verdict {
    if let Some(r) = refuse_unread(step) {
        return Verdict::Refuse(r);
    }
    let (attached_to, tags) = match found {
        Found::Gone => return Verdict::Refuse(Refusal::Gone),
        Found::Unreadable(e) => return Verdict::Unverified(e.clone()),
        Found::Exists { attached_to, tags } => (attached_to, tags),
    };
    if step.kind == UndoKind::FlowLog {
        let recorded = step.vpc_id.as_deref().unwrap_or_default();
        let found = attached_to.as_deref().unwrap_or_default();
        if found != recorded {
            return Verdict::Refuse(Refusal::OtherResource {
                found: if found.is_empty() {
                    "an unknown resource".into()
                } else {
                    found.into()
                },
                recorded: recorded.into(),
            });
        }
    }
    match tags.get(CHANGE_TAG) {
        None => Verdict::Refuse(Refusal::TagMissing),
        Some(v) if Some(v.as_str()) != step.change_id.as_deref() => {
            Verdict::Refuse(Refusal::TagDiffers { found: v.clone() })
        }
        Some(_) => Verdict::Delete,
    }
}

/// A step and the decision about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub step: UndoStep,
    pub verdict: Verdict,
}

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
    let who = caller
        .sts()
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            Error::fatal(format!(
                "cannot identify the account of the credentials (sts:GetCallerIdentity): {}",
                escape(&error_text(&e))
            ))
        })?;
    let account = who.account().unwrap_or_default().to_string();
    let partition = who
        .arn()
        .and_then(|a| a.split(':').nth(1))
        .unwrap_or("aws")
        .to_string();
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
/// A log group proven to be the fix's is then checked for other users ([`read_group_users`],
/// once per region): kept ([`Verdict::InUse`]) when a flow log that this undo does not delete
/// delivers to it.
pub async fn check(file: &ChangeLogFile, accounts: &Accounts) -> Result<Vec<Checked>, Error> {
    let steps = undo_steps(file.log());
    if steps.is_empty() {
        return Ok(Vec::new());
    }
    // Only what the record does not already rule out is read.
    type Key<'a> = (&'a str, &'a str);
    let mut flow: BTreeMap<Key, BTreeSet<&str>> = BTreeMap::new();
    let mut groups: BTreeMap<Key, BTreeSet<&str>> = BTreeMap::new();
    for s in steps.iter().filter(|s| refuse_unread(s).is_none()) {
        let to = match s.kind {
            UndoKind::FlowLog => &mut flow,
            UndoKind::LogGroup => &mut groups,
        };
        to.entry((s.account_id.as_str(), s.region.as_str()))
            .or_default()
            .insert(s.id.as_str());
    }
    type Where = (UndoKind, String, String, String);
    let mut found: BTreeMap<Where, Found> = BTreeMap::new();
    for (kind, batches) in [(UndoKind::FlowLog, flow), (UndoKind::LogGroup, groups)] {
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
    let mut checked: Vec<Checked> = steps
        .into_iter()
        .map(|step| {
            let key = (
                step.kind,
                step.account_id.clone(),
                step.region.clone(),
                step.id.clone(),
            );
            let f = found.get(&key).cloned().unwrap_or(Found::Gone);
            let verdict = decide(&step, &f);
            Checked { step, verdict }
        })
        .collect();
    for ((account, region), names) in groups_to_delete(&checked) {
        let users = match accounts.clients(&account) {
            Err(why) => Err(why.clone()),
            Ok(aws) => read_group_users(aws, &region, &names).await,
        };
        let deleted = flow_logs_where(&checked, &account, &region, |c| {
            c.verdict == Verdict::Delete
        });
        for c in checked.iter_mut().filter(|c| {
            c.step.kind == UndoKind::LogGroup
                && c.verdict == Verdict::Delete
                && c.step.account_id == account
                && c.step.region == region
        }) {
            c.verdict = match &users {
                Err(e) => Verdict::Unverified(e.clone()),
                Ok(u) => match in_use(u.get(&c.step.id), &deleted) {
                    Some(kept) => Verdict::InUse(kept),
                    None => Verdict::Delete,
                },
            };
        }
    }
    Ok(checked)
}

/// The log groups of `checked` proven deletable, per (account, region).
fn groups_to_delete(checked: &[Checked]) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut out: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for c in checked
        .iter()
        .filter(|c| c.step.kind == UndoKind::LogGroup && c.verdict == Verdict::Delete)
    {
        out.entry((c.step.account_id.clone(), c.step.region.clone()))
            .or_default()
            .insert(c.step.id.clone());
    }
    out
}

/// The flow-log ids of the steps in (`account`, `region`) for which `keep` holds.
fn flow_logs_where<T: AsRef<UndoStep>>(
    items: &[T],
    account: &str,
    region: &str,
    keep: impl Fn(&T) -> bool,
) -> BTreeSet<String> {
    items
        .iter()
        .filter(|i| {
            let s = i.as_ref();
            s.kind == UndoKind::FlowLog && s.account_id == account && s.region == region && keep(i)
        })
        .map(|i| i.as_ref().id.clone())
        .collect()
}

impl AsRef<UndoStep> for Checked {
    fn as_ref(&self) -> &UndoStep {
        &self.step
    }
}

impl AsRef<UndoStep> for UndoResult {
    fn as_ref(&self) -> &UndoStep {
        &self.step
    }
}

/// Which flow logs of one region deliver to each of the log groups `names`: every CloudWatch
/// Logs flow log of the region (DescribeFlowLogs, filter `log-destination-type`), matched by its
/// log group name or by the name in its destination ARN. Any error, or a listing cut short, is
/// an error: a group is never taken for unused on a partial answer.
async fn read_group_users(
    aws: &Aws,
    region: &str,
    names: &BTreeSet<String>,
) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let client = aws.ec2(region);
    let filter = Filter::builder()
        .name("log-destination-type")
        .values("cloud-watch-logs")
        .build();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut token: Option<String> = None;
    for _page in 0..MAX_PAGES {
        let resp = client
            .describe_flow_logs()
            .filter(filter.clone())
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| {
                format!(
                    "DescribeFlowLogs (which flow logs deliver to the log group): {}",
                    error_text(&e)
                )
            })?;
        for fl in resp.flow_logs() {
            let Some(id) = fl.flow_log_id() else { continue };
            let by_arn = fl.log_destination().and_then(log_group_of_arn);
            for name in [fl.log_group_name(), by_arn].into_iter().flatten() {
                if names.contains(name) {
                    out.entry(name.to_string())
                        .or_default()
                        .insert(id.to_string());
                }
            }
        }
        token = resp.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
    Err(format!(
        "DescribeFlowLogs (which flow logs deliver to the log group): more than {MAX_PAGES} pages"
    ))
}

/// The log group name in a CloudWatch Logs ARN (`arn:...:log-group:NAME`, optionally `:*`).
fn log_group_of_arn(arn: &str) -> Option<&str> {
    let (_, name) = arn.split_once(":log-group:")?;
    Some(name.strip_suffix(":*").unwrap_or(name))
}

fn tag_map(tags: &[aws_sdk_ec2::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// Read the flow logs `ids` of one region: one DescribeFlowLogs per [`FLOW_LOG_BATCH`] ids
/// (a `flow-log-id` filter, which answers without error for ids that do not exist).
async fn read_flow_logs(aws: &Aws, region: &str, ids: &BTreeSet<&str>) -> BTreeMap<String, Found> {
    let client = aws.ec2(region);
    let mut out = BTreeMap::new();
    let all: Vec<&str> = ids.iter().copied().collect();
    for chunk in all.chunks(FLOW_LOG_BATCH) {
        let filter = Filter::builder()
            .name("flow-log-id")
            .set_values(Some(chunk.iter().map(|s| s.to_string()).collect()))
            .build();
        let mut token: Option<String> = None;
        for _page in 0..MAX_PAGES {
            let r = client
                .describe_flow_logs()
                .filter(filter.clone())
                .set_next_token(token.take())
                .send()
                .await;
            match r {
                Ok(resp) => {
                    for fl in resp.flow_logs() {
                        let Some(id) = fl.flow_log_id() else { continue };
                        if chunk.contains(&id) {
                            out.insert(
                                id.to_string(),
                                Found::Exists {
                                    attached_to: fl.resource_id().map(str::to_string),
                                    tags: tag_map(fl.tags()),
                                },
                            );
                        }
                    }
                    token = resp.next_token().map(str::to_string);
                    if token.is_none() {
                        break;
                    }
                }
                Err(e) => {
                    let why = format!("DescribeFlowLogs: {}", error_text(&e));
                    for id in chunk {
                        out.entry(id.to_string())
                            .or_insert_with(|| Found::Unreadable(why.clone()));
                    }
                    break;
                }
            }
        }
    }
    for id in ids {
        out.entry(id.to_string()).or_insert(Found::Gone);
    }
    out
}

/// Read the log groups `names` of one region: DescribeLogGroups per [`LOG_GROUP_BATCH`] names
/// (which exist, and their ARNs), then ListTagsForResource for each group found.
async fn read_log_groups(
    aws: &Aws,
    region: &str,
    names: &BTreeSet<&str>,
) -> BTreeMap<String, Found> {
    let client = aws.logs(region);
    let mut out = BTreeMap::new();
    let mut arns: BTreeMap<String, String> = BTreeMap::new();
    let all: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    for chunk in all.chunks(LOG_GROUP_BATCH) {
        let mut token: Option<String> = None;
        for _page in 0..MAX_PAGES {
            let r = client
                .describe_log_groups()
                .set_log_group_identifiers(Some(chunk.to_vec()))
                .set_next_token(token.take())
                .send()
                .await;
            match r {
                Ok(resp) => {
                    for g in resp.log_groups() {
                        let Some(name) = g.log_group_name() else {
                            continue;
                        };
                        if !chunk.iter().any(|n| n == name) {
                            continue;
                        }
                        let arn = g
                            .log_group_arn()
                            .map(str::to_string)
                            .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_string()));
                        match arn {
                            Some(a) => {
                                arns.insert(name.to_string(), a);
                            }
                            None => {
                                out.insert(
                                    name.to_string(),
                                    Found::Unreadable("DescribeLogGroups returned no ARN".into()),
                                );
                            }
                        }
                    }
                    token = resp.next_token().map(str::to_string);
                    if token.is_none() {
                        break;
                    }
                }
                Err(e) => {
                    let why = format!("DescribeLogGroups: {}", error_text(&e));
                    for n in chunk {
                        out.entry(n.clone())
                            .or_insert_with(|| Found::Unreadable(why.clone()));
                    }
                    break;
                }
            }
        }
    }
    for (name, arn) in arns {
        let f = match client
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
        {
            Ok(resp) => Found::Exists {
                attached_to: None,
                tags: resp
                    .tags()
                    .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            },
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_resource_not_found_exception()) =>
            {
                Found::Gone
            }
            Err(e) => Found::Unreadable(format!("ListTagsForResource {arn}: {}", error_text(&e))),
        };
        out.insert(name, f);
    }
    for n in names {
        out.entry(n.to_string()).or_insert(Found::Gone);
    }
    out
}

/// What became of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoOutcome {
    /// Deleted (or found deleted by the time DeleteFlowLogs ran, after it was verified).
    Deleted,
    /// `--dry-run`: AWS confirmed the deletion would have succeeded; nothing changed.
    DryRunOk,
    /// `--dry-run` of a log group: CloudWatch Logs has no dry-run mode, so it was not called.
    NotCalled,
    /// The deletion (or the read-back that had to prove it) failed.
    Failed,
    /// Refused: nothing proves flowaudit created it; not deleted.
    Refused,
    /// A log group flowaudit created, kept: flow logs this undo did not delete deliver to it.
    Kept,
}

impl UndoOutcome {
    /// The name printed in the results.
    pub fn as_str(self) -> &'static str {
        match self {
            UndoOutcome::Deleted => "deleted",
            UndoOutcome::DryRunOk => "dry_run_ok",
            UndoOutcome::NotCalled => "skipped",
            UndoOutcome::Failed => "failed",
            UndoOutcome::Refused => "refused",
            UndoOutcome::Kept => "kept",
        }
    }
}

/// What became of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoResult {
    pub step: UndoStep,
    pub outcome: UndoOutcome,
    /// Why it failed or was refused, or a note (already deleted, not called in a dry run).
    pub detail: Option<String>,
}

/// Carry out the checked steps: delete what [`check`] proved, report the rest without calling
/// AWS. Each deletion is independent; a change is marked undone in the file once every resource
/// it records was deleted (a refused, kept or failed one keeps it open).
///
/// Flow logs go first. Just before the first log group of a region is deleted, which flow logs
/// deliver to the region's groups is read again ([`read_group_users`]): a group is deleted only
/// when every one of them is a flow log this undo has just deleted, so a flow log added since
/// the check, or one of ours whose deletion failed, keeps it.
pub async fn undo(
    file: &mut ChangeLogFile,
    checked: Vec<Checked>,
    accounts: &Accounts,
    dry_run: bool,
) -> Result<Vec<UndoResult>, Error> {
    let mut results: Vec<UndoResult> = Vec::new();
    let to_delete = groups_to_delete(&checked);
    type Users = Result<BTreeMap<String, BTreeSet<String>>, String>;
    let mut users: BTreeMap<(String, String), Users> = BTreeMap::new();
    for Checked { step, verdict } in checked {
        let (outcome, detail) = match verdict {
            Verdict::Refuse(r) => (UndoOutcome::Refused, Some(r.to_string())),
            Verdict::InUse(u) => (UndoOutcome::Kept, Some(u.to_string())),
            Verdict::Unverified(e) => (
                UndoOutcome::Failed,
                Some(format!("not deleted: cannot read it back to check it: {e}")),
            ),
            Verdict::Delete => match (accounts.clients(&step.account_id), step.kind) {
                (Err(why), _) => (UndoOutcome::Failed, Some(format!("not deleted: {why}"))),
                (Ok(aws), UndoKind::FlowLog) => delete_flow_log(aws, &step, dry_run).await,
                (Ok(aws), UndoKind::LogGroup) if dry_run => {
                    delete_log_group(aws, &step, dry_run).await
                }
                (Ok(aws), UndoKind::LogGroup) => {
                    let key = (step.account_id.clone(), step.region.clone());
                    if !users.contains_key(&key) {
                        let names = to_delete.get(&key).cloned().unwrap_or_default();
                        let read = read_group_users(aws, &step.region, &names).await;
                        users.insert(key.clone(), read);
                    }
                    let deleted = flow_logs_where(&results, &key.0, &key.1, |r| {
                        r.outcome == UndoOutcome::Deleted
                    });
                    match &users[&key] {
                        Err(e) => (
                            UndoOutcome::Failed,
                            Some(format!("not deleted: cannot read it back to check it: {e}")),
                        ),
                        Ok(u) => match in_use(u.get(&step.id), &deleted) {
                            Some(kept) => (UndoOutcome::Kept, Some(kept.to_string())),
                            None => delete_log_group(aws, &step, dry_run).await,
                        },
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
        let changes: BTreeSet<usize> = results.iter().map(|r| r.step.change).collect();
        for c in changes {
            if results
                .iter()
                .filter(|r| r.step.change == c)
                .all(|r| r.outcome == UndoOutcome::Deleted)
            {
                file.mark_undone(c)?;
            }
        }
    }
    Ok(results)
}

async fn delete_flow_log(
    aws: &Aws,
    step: &UndoStep,
    dry_run: bool,
) -> (UndoOutcome, Option<String>) {
    let r = aws
        .ec2(&step.region)
        .delete_flow_logs()
        .dry_run(dry_run)
        .flow_log_ids(&step.id)
        .send()
        .await;
    match r {
        Err(e) if dry_run && error_code(&e).as_deref() == Some("DryRunOperation") => {
            (UndoOutcome::DryRunOk, None)
        }
        Err(e) if is_flow_log_gone(error_code(&e).as_deref()) => {
            (UndoOutcome::Deleted, Some("already deleted".into()))
        }
        Err(e) => (
            UndoOutcome::Failed,
            Some(format!("DeleteFlowLogs {}: {}", step.id, error_text(&e))),
        ),
        Ok(out) => match out.unsuccessful().first() {
            None => (UndoOutcome::Deleted, None),
            Some(u) => {
                let code = u.error().and_then(|e| e.code());
                if is_flow_log_gone(code) {
                    (UndoOutcome::Deleted, Some("already deleted".into()))
                } else {
                    (
                        UndoOutcome::Failed,
                        Some(format!(
                            "DeleteFlowLogs {}: {}: {}",
                            step.id,
                            code.unwrap_or("?"),
                            u.error().and_then(|e| e.message()).unwrap_or("")
                        )),
                    )
                }
            }
        },
    }
}

fn is_flow_log_gone(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.starts_with("InvalidFlowLogId"))
}

async fn delete_log_group(
    aws: &Aws,
    step: &UndoStep,
    dry_run: bool,
) -> (UndoOutcome, Option<String>) {
    if dry_run {
        return (
            UndoOutcome::NotCalled,
            Some("not called: CloudWatch Logs has no dry-run mode".into()),
        );
    }
    match aws
        .logs(&step.region)
        .delete_log_group()
        .log_group_name(&step.id)
        .send()
        .await
    {
        Ok(_) => (UndoOutcome::Deleted, None),
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_resource_not_found_exception()) =>
        {
            (UndoOutcome::Deleted, Some("already deleted".into()))
        }
        Err(e) => (
            UndoOutcome::Failed,
            Some(format!("DeleteLogGroup {}: {}", step.id, error_text(&e))),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::changelog::{ChangeRecord, Outcome, now_rfc3339};

    fn rec(
        region: &str,
        ids: &[&str],
        groups: &[&str],
        undone: bool,
        outcome: Outcome,
    ) -> ChangeRecord {
        ChangeRecord {
            time: now_rfc3339(),
            role_arn: None,
            account_id: "111122223333".into(),
            region: region.into(),
            vpc_id: None,
            action: "x".into(),
            description: "d".into(),
            outcome,
            error: None,
            change_id: None,
            client_token: None,
            flow_log_ids: ids.iter().map(|s| s.to_string()).collect(),
            log_groups_created: groups.iter().map(|s| s.to_string()).collect(),
            undone_at: undone.then(now_rfc3339),
        }
    }

    #[test]
    fn undo_deletes_flow_logs_first_then_only_created_groups() {
        let mut log = ChangeLog::new("111122223333");
        log.changes = vec![
            rec("us-east-1", &[], &["/created"], false, Outcome::Applied),
            rec("us-east-1", &["fl-1"], &[], false, Outcome::Applied),
            // A failed change that still created a group (retention failed) is undone too.
            rec("eu-west-1", &[], &["/half"], false, Outcome::Failed),
            rec("eu-west-1", &["fl-2"], &[], true, Outcome::Applied),
            rec("eu-west-1", &[], &[], false, Outcome::Skipped),
        ];
        let steps = undo_steps(&log);
        let got: Vec<(usize, UndoKind, &str)> = steps
            .iter()
            .map(|s| (s.change, s.kind, s.id.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, UndoKind::FlowLog, "fl-1"),
                (0, UndoKind::LogGroup, "/created"),
                (2, UndoKind::LogGroup, "/half"),
            ]
        );
        assert_eq!(
            steps[0].describe(),
            "111122223333 us-east-1: delete flow log fl-1"
        );
    }

    #[test]
    fn steps_carry_what_the_record_says_undo_must_check() {
        let mut log = ChangeLog::new("111122223333");
        let mut r = rec("us-east-1", &["fl-1"], &[], false, Outcome::Applied);
        r.action = CREATE_FLOW_LOG.into();
        r.vpc_id = Some("vpc-1".into());
        r.change_id = Some("tok".into());
        log.changes = vec![r];
        let s = &undo_steps(&log)[0];
        assert_eq!(
            (
                s.action.as_str(),
                s.vpc_id.as_deref(),
                s.change_id.as_deref(),
                s.derived_id
            ),
            (CREATE_FLOW_LOG, Some("vpc-1"), Some("tok"), false)
        );
        // A record of an earlier version: only the derived client_token.
        log.changes[0].change_id = None;
        log.changes[0].client_token = Some("tok".into());
        let s = &undo_steps(&log)[0];
        assert_eq!((s.change_id.as_deref(), s.derived_id), (None, true));
        // Both: the change_id is what counts.
        log.changes[0].change_id = Some("id".into());
        assert!(!undo_steps(&log)[0].derived_id);
    }

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn flow_step() -> UndoStep {
        UndoStep {
            change: 0,
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            kind: UndoKind::FlowLog,
            id: "fl-1".into(),
            action: CREATE_FLOW_LOG.into(),
            vpc_id: Some("vpc-1".into()),
            change_id: Some(TOKEN.into()),
            derived_id: false,
        }
    }

    fn group_step() -> UndoStep {
        UndoStep {
            kind: UndoKind::LogGroup,
            id: "/flowaudit/g".into(),
            action: CREATE_LOG_GROUP.into(),
            vpc_id: None,
            ..flow_step()
        }
    }

    fn exists(attached_to: Option<&str>, tags: &[(&str, &str)]) -> Found {
        Found::Exists {
            attached_to: attached_to.map(str::to_string),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn only_a_matching_tag_on_the_recorded_vpc_is_deleted() {
        let ours = exists(Some("vpc-1"), &[(CHANGE_TAG, TOKEN), ("owner", "sec")]);
        assert_eq!(decide(&flow_step(), &ours), Verdict::Delete);
        let group = exists(None, &[(CHANGE_TAG, TOKEN)]);
        assert_eq!(decide(&group_step(), &group), Verdict::Delete);
    }

    #[test]
    fn a_resource_without_the_tag_or_with_another_value_is_refused() {
        let untagged = exists(Some("vpc-1"), &[("Name", "production")]);
        assert_eq!(
            decide(&flow_step(), &untagged),
            Verdict::Refuse(Refusal::TagMissing)
        );
        assert_eq!(
            decide(&group_step(), &exists(None, &[])),
            Verdict::Refuse(Refusal::TagMissing)
        );
        let other = exists(Some("vpc-1"), &[(CHANGE_TAG, "another-change")]);
        assert_eq!(
            decide(&flow_step(), &other),
            Verdict::Refuse(Refusal::TagDiffers {
                found: "another-change".into()
            })
        );
        // The tag key must match exactly.
        let near = exists(None, &[("flowaudit:Change", TOKEN)]);
        assert_eq!(
            decide(&group_step(), &near),
            Verdict::Refuse(Refusal::TagMissing)
        );
    }

    #[test]
    fn a_flow_log_of_another_resource_is_refused_even_with_the_right_tag() {
        let elsewhere = exists(Some("vpc-2"), &[(CHANGE_TAG, TOKEN)]);
        assert_eq!(
            decide(&flow_step(), &elsewhere),
            Verdict::Refuse(Refusal::OtherResource {
                found: "vpc-2".into(),
                recorded: "vpc-1".into()
            })
        );
        let unknown = exists(None, &[(CHANGE_TAG, TOKEN)]);
        assert!(matches!(
            decide(&flow_step(), &unknown),
            Verdict::Refuse(Refusal::OtherResource { .. })
        ));
    }

    #[test]
    fn records_that_do_not_create_or_lack_an_id_are_refused_unread() {
        let ours = exists(Some("vpc-1"), &[(CHANGE_TAG, TOKEN)]);
        for action in ["associate-kms-key", CREATE_LOG_GROUP, "", "x"] {
            let s = UndoStep {
                action: action.into(),
                ..flow_step()
            };
            assert_eq!(
                decide(&s, &ours),
                Verdict::Refuse(Refusal::ActionDoesNotCreate {
                    action: action.into()
                }),
                "{action}"
            );
            assert!(refuse_unread(&s).is_some());
        }
        let s = UndoStep {
            action: CREATE_FLOW_LOG.into(),
            ..group_step()
        };
        assert!(matches!(
            decide(&s, &exists(None, &[(CHANGE_TAG, TOKEN)])),
            Verdict::Refuse(Refusal::ActionDoesNotCreate { .. })
        ));
        for id in [None, Some(String::new())] {
            let s = UndoStep {
                change_id: id,
                ..flow_step()
            };
            // An empty id never matches an empty tag value.
            let empty = exists(Some("vpc-1"), &[(CHANGE_TAG, "")]);
            assert_eq!(decide(&s, &empty), Verdict::Refuse(Refusal::NoChangeId));
        }
        let s = UndoStep {
            vpc_id: None,
            ..flow_step()
        };
        assert_eq!(
            decide(&s, &exists(None, &[(CHANGE_TAG, TOKEN)])),
            Verdict::Refuse(Refusal::NoVpc)
        );
        assert_eq!(refuse_unread(&flow_step()), None);
        assert_eq!(refuse_unread(&group_step()), None);
    }

    #[test]
    fn gone_is_refused_and_unreadable_is_a_failure() {
        assert_eq!(
            decide(&flow_step(), &Found::Gone),
            Verdict::Refuse(Refusal::Gone)
        );
        assert_eq!(
            decide(&group_step(), &Found::Unreadable("AccessDenied".into())),
            Verdict::Unverified("AccessDenied".into())
        );
    }

    #[test]
    fn reasons_name_the_problem_and_escape_what_aws_sent() {
        let r = Refusal::TagDiffers {
            found: "x\u{1b}[2J".into(),
        };
        let t = r.to_string();
        assert!(t.starts_with("tag differs") && !t.contains('\u{1b}'), "{t}");
        let r = Refusal::OtherResource {
            found: "vpc-2".into(),
            recorded: "vpc-1".into(),
        };
        assert!(
            r.to_string()
                .contains("attached to another resource: vpc-2, not the recorded vpc-1")
        );
        assert!(Refusal::TagMissing.to_string().contains(CHANGE_TAG));
    }

    #[test]
    fn a_derived_or_malformed_change_id_is_refused_even_when_the_tag_matches() {
        // Earlier versions tagged with SHA-256(account, region, resource, destination): a log
        // forged from public values carries it in client_token, or in change_id.
        let derived = "5f0c".repeat(16);
        let tagged = exists(Some("vpc-1"), &[(CHANGE_TAG, derived.as_str())]);
        let old = UndoStep {
            change_id: None,
            derived_id: true,
            ..flow_step()
        };
        assert_eq!(refuse_unread(&old), Some(Refusal::DerivedChangeId));
        assert_eq!(
            decide(&old, &tagged),
            Verdict::Refuse(Refusal::DerivedChangeId)
        );
        let forged = UndoStep {
            change_id: Some(derived.clone()),
            ..flow_step()
        };
        assert_eq!(
            decide(&forged, &tagged),
            Verdict::Refuse(Refusal::NotAChangeId { found: derived })
        );
        for bad in [
            TOKEN.to_uppercase(),
            format!("{TOKEN} "),
            TOKEN[1..].to_string(),
        ] {
            let s = UndoStep {
                change_id: Some(bad.clone()),
                ..group_step()
            };
            let tagged = exists(None, &[(CHANGE_TAG, bad.as_str())]);
            assert!(
                matches!(
                    decide(&s, &tagged),
                    Verdict::Refuse(Refusal::NotAChangeId { .. })
                ),
                "{bad}"
            );
        }
        let t = Refusal::DerivedChangeId.to_string();
        assert!(
            t.contains("earlier version") && t.contains("by hand"),
            "{t}"
        );
        let t = Refusal::NotAChangeId {
            found: "\u{1b}[2J".into(),
        }
        .to_string();
        assert!(
            t.starts_with("not a change id") && !t.contains('\u{1b}'),
            "{t}"
        );
    }

    fn ids(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_group_goes_only_when_every_flow_log_delivering_to_it_is_deleted_by_this_undo() {
        let deleted = ids(&["fl-1", "fl-2"]);
        assert_eq!(in_use(None, &deleted), None, "nothing delivers to it");
        assert_eq!(in_use(Some(&ids(&["fl-2"])), &deleted), None);
        assert_eq!(
            in_use(Some(&ids(&["fl-1", "fl-9", "fl-8"])), &deleted),
            Some(InUse {
                flow_logs: ids(&["fl-8", "fl-9"])
            })
        );
        assert_eq!(
            in_use(Some(&ids(&["fl-1"])), &BTreeSet::new()),
            Some(InUse {
                flow_logs: ids(&["fl-1"])
            }),
            "one of ours that was not deleted keeps it too"
        );
    }

    #[test]
    fn in_use_names_five_flow_logs_escaped_and_counts_the_rest() {
        let many: Vec<String> = (0..8).map(|i| format!("fl-{i}")).collect();
        let t = InUse {
            flow_logs: many.iter().cloned().collect(),
        }
        .to_string();
        assert!(
            t.ends_with("deliver to it: fl-0, fl-1, fl-2, fl-3, fl-4 and 3 more"),
            "{t}"
        );
        let t = InUse {
            flow_logs: ids(&["fl-\u{1b}[2J"]),
        }
        .to_string();
        assert!(t.starts_with("in use:") && !t.contains('\u{1b}'), "{t}");
    }

    #[test]
    fn the_group_of_a_destination_arn_is_its_name() {
        for (arn, name) in [
            (
                "arn:aws:logs:us-east-1:111122223333:log-group:/vpc/x",
                Some("/vpc/x"),
            ),
            (
                "arn:aws:logs:us-east-1:111122223333:log-group:/vpc/x:*",
                Some("/vpc/x"),
            ),
            ("arn:aws-cn:logs:cn-north-1:1:log-group:a:b", Some("a:b")),
            ("arn:aws:s3:::bucket", None),
        ] {
            assert_eq!(log_group_of_arn(arn), name, "{arn}");
        }
    }
}

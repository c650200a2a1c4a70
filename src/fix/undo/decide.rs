//! The undo decision, pure: from a change log and what reading its resources back found, what
//! may be deleted, what is refused or kept, and why. No AWS call here (see `aws.rs`).

use crate::fix::changelog::{CHANGE_ID_LEN, ChangeLog, is_change_id};
use crate::fix::plan::CHANGE_TAG;
use crate::term::escape;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The action of a record that creates flow logs.
pub const CREATE_FLOW_LOG: &str = "create-flow-log";
/// The action of a record that creates a log group.
pub const CREATE_LOG_GROUP: &str = "create-log-group";

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
    /// The record's resource (`vpc_id` in the log): a VPC or a transit gateway.
    pub resource_id: Option<String>,
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
/// Changes already undone are left out. Nothing here is trusted yet: see [`super::check`].
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
            resource_id: c.resource_id.clone(),
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
    /// A flow-log record without a resource (no `vpc_id`).
    NoResource,
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
            Refusal::NoResource => {
                write!(f, "no VPC: the record names no vpc_id for the flow log")
            }
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

/// What keeps a log group in use: flow logs of this account that this undo does not delete,
/// and network interfaces this account does not have whose log streams in the group had events
/// in the last day (another account's flow logs, or interfaces deleted since).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InUse {
    pub flow_logs: BTreeSet<String>,
    pub interfaces: BTreeSet<String>,
}

/// Flow-log ids named in an [`InUse`] message; the rest are counted.
const IN_USE_SHOWN: usize = 5;

impl fmt::Display for InUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |ids: &BTreeSet<String>| {
            let shown: Vec<String> = ids
                .iter()
                .take(IN_USE_SHOWN)
                .map(|id| escape(id).into_owned())
                .collect();
            let more = ids.len().saturating_sub(IN_USE_SHOWN);
            format!(
                "{}{}",
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )
        };
        let mut why = Vec::new();
        if !self.flow_logs.is_empty() {
            why.push(format!(
                "flow logs this undo does not delete still deliver to it: {}",
                list(&self.flow_logs)
            ));
        }
        if !self.interfaces.is_empty() {
            why.push(format!(
                "network interfaces this account does not have wrote to it in the last day (another account's flow logs, or interfaces deleted since; delete the group by hand once none does): {}",
                list(&self.interfaces)
            ));
        }
        write!(f, "in use: {}", why.join("; "))
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
    (!left.is_empty()).then_some(InUse {
        flow_logs: left,
        ..InUse::default()
    })
}

/// Which network interfaces of other accounts (or deleted ones) write to each log group (group
/// name -> interface ids), or why that could not be read.
pub type Writers = Result<BTreeMap<String, BTreeSet<String>>, String>;

/// Add to `kept` (what keeps a group in use so far) the foreign writers of group `name`.
fn with_writers(
    kept: Option<InUse>,
    writers: &BTreeMap<String, BTreeSet<String>>,
    name: &str,
) -> Option<InUse> {
    match (kept, writers.get(name).filter(|w| !w.is_empty())) {
        (kept, None) => kept,
        (kept, Some(w)) => {
            let mut k = kept.unwrap_or_default();
            k.interfaces = w.clone();
            Some(k)
        }
    }
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
    if step.kind == UndoKind::FlowLog && step.resource_id.as_deref().is_none_or(str::is_empty) {
        return Some(Refusal::NoResource);
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
        let recorded = step.resource_id.as_deref().unwrap_or_default();
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

/// Where a resource was read back: (kind, account, region, flow-log id or log group name).
pub type Where = (UndoKind, String, String, String);

/// The ids of one kind to read back, per (account, region).
pub type Reads<'a> = BTreeMap<(&'a str, &'a str), BTreeSet<&'a str>>;

/// Per (account, region), the ids of each kind to read back: those of the steps the record
/// alone does not already rule out ([`refuse_unread`]). Flow logs first, then log groups.
pub fn to_read(steps: &[UndoStep]) -> [(UndoKind, Reads<'_>); 2] {
    let mut flow = Reads::new();
    let mut groups = Reads::new();
    for s in steps.iter().filter(|s| refuse_unread(s).is_none()) {
        let to = match s.kind {
            UndoKind::FlowLog => &mut flow,
            UndoKind::LogGroup => &mut groups,
        };
        to.entry((s.account_id.as_str(), s.region.as_str()))
            .or_default()
            .insert(s.id.as_str());
    }
    [(UndoKind::FlowLog, flow), (UndoKind::LogGroup, groups)]
}

/// [`decide`] every step on what was `found` reading it back (a resource not in `found` is
/// [`Found::Gone`]).
pub fn decide_all(steps: Vec<UndoStep>, found: &BTreeMap<Where, Found>) -> Vec<Checked> {
    steps
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
        .collect()
}

/// Which flow logs of one region deliver to each log group (group name -> flow-log ids), or
/// why that could not be read.
pub type Users = Result<BTreeMap<String, BTreeSet<String>>, String>;

/// The log groups of (`account`, `region`) in `checked` proven to be the fix's, given which
/// flow logs deliver to them (`users`): each stays [`Verdict::Delete`] only when every flow log
/// delivering to it is one `checked` deletes; otherwise it is kept ([`Verdict::InUse`]), or,
/// when `users` could not be read, not deleted ([`Verdict::Unverified`]).
pub fn keep_groups_in_use(
    checked: &mut [Checked],
    account: &str,
    region: &str,
    users: &Users,
    writers: &Writers,
) {
    let deleted = flow_logs_where(checked, account, region, |c| c.verdict == Verdict::Delete);
    for c in checked.iter_mut().filter(|c| {
        c.step.kind == UndoKind::LogGroup
            && c.verdict == Verdict::Delete
            && c.step.account_id == account
            && c.step.region == region
    }) {
        c.verdict = match (users, writers) {
            (Err(e), _) | (_, Err(e)) => Verdict::Unverified(e.clone()),
            (Ok(u), Ok(w)) => {
                match with_writers(in_use(u.get(&c.step.id), &deleted), w, &c.step.id) {
                    Some(kept) => Verdict::InUse(kept),
                    None => Verdict::Delete,
                }
            }
        };
    }
}

/// The log groups of `checked` proven deletable, per (account, region).
pub fn groups_to_delete(checked: &[Checked]) -> BTreeMap<(String, String), BTreeSet<String>> {
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

/// What became of a step, and why.
pub type Done = (UndoOutcome, Option<String>);

/// What becomes of a step whose verdict is not [`Verdict::Delete`] (nothing is called for it);
/// `None` for a step to delete.
pub fn not_deleted(verdict: Verdict) -> Option<Done> {
    match verdict {
        Verdict::Refuse(r) => Some((UndoOutcome::Refused, Some(r.to_string()))),
        Verdict::InUse(u) => Some((UndoOutcome::Kept, Some(u.to_string()))),
        Verdict::Unverified(e) => Some((
            UndoOutcome::Failed,
            Some(format!("not deleted: cannot read it back to check it: {e}")),
        )),
        Verdict::Delete => None,
    }
}

/// Whether the log group of `step`, proven the fix's, is kept at the moment of its deletion:
/// `users` (read again just before) must name no flow log but the ones of its region that
/// `results` (the steps carried out so far) deleted. `None`: delete it.
pub fn group_kept(
    step: &UndoStep,
    users: &Users,
    writers: &Writers,
    results: &[UndoResult],
) -> Option<Done> {
    let deleted = flow_logs_where(results, &step.account_id, &step.region, |r| {
        r.outcome == UndoOutcome::Deleted
    });
    match (users, writers) {
        (Err(e), _) | (_, Err(e)) => Some((
            UndoOutcome::Failed,
            Some(format!("not deleted: cannot read it back to check it: {e}")),
        )),
        (Ok(u), Ok(w)) => with_writers(in_use(u.get(&step.id), &deleted), w, &step.id)
            .map(|kept| (UndoOutcome::Kept, Some(kept.to_string()))),
    }
}

/// The changes to mark undone: those every step of which was deleted.
pub fn undone_changes(results: &[UndoResult]) -> BTreeSet<usize> {
    let changes: BTreeSet<usize> = results.iter().map(|r| r.step.change).collect();
    changes
        .into_iter()
        .filter(|c| {
            results
                .iter()
                .filter(|r| r.step.change == *c)
                .all(|r| r.outcome == UndoOutcome::Deleted)
        })
        .collect()
}

//! `flowaudit fix --undo FILE`: delete exactly what a change log records as created, and nothing else.

use super::aws::{Aws, error_code, error_text};
use super::changelog::{ChangeLog, ChangeLogFile, Outcome};
use crate::error::Error;
use crate::term::{Escaped, escape};
use std::collections::BTreeSet;

/// One deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoStep {
    /// Index of the change in the log.
    pub change: usize,
    pub account_id: String,
    pub region: String,
    pub kind: UndoKind,
    /// The flow-log id or log group name.
    pub id: String,
}

/// What a step deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
/// Changes already undone are left out.
pub fn plan_undo(log: &ChangeLog) -> Vec<UndoStep> {
    let mut flow = Vec::new();
    let mut groups = Vec::new();
    for (i, c) in log.changes.iter().enumerate() {
        if c.undone_at.is_some() {
            continue;
        }
        for id in &c.flow_log_ids {
            flow.push(UndoStep {
                change: i,
                account_id: c.account_id.clone(),
                region: c.region.clone(),
                kind: UndoKind::FlowLog,
                id: id.clone(),
            });
        }
        for g in &c.log_groups_created {
            groups.push(UndoStep {
                change: i,
                account_id: c.account_id.clone(),
                region: c.region.clone(),
                kind: UndoKind::LogGroup,
                id: g.clone(),
            });
        }
    }
    flow.extend(groups);
    flow
}

/// What became of one deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoResult {
    pub step: UndoStep,
    pub outcome: Outcome,
    /// Why it failed, or a note (already deleted, not called in a dry run).
    pub detail: Option<String>,
}

/// Run the undo. The credentials must belong to the log's account. Each deletion is
/// independent; a change is marked undone in the file once everything it created is gone.
pub async fn undo(
    file: &mut ChangeLogFile,
    aws: &Aws,
    dry_run: bool,
) -> Result<Vec<UndoResult>, Error> {
    let steps = plan_undo(file.log());
    if steps.is_empty() {
        return Ok(Vec::new());
    }
    let who = aws.sts().get_caller_identity().send().await.map_err(|e| {
        Error::fatal(format!(
            "cannot identify the account of the credentials (sts:GetCallerIdentity): {}",
            escape(&error_text(&e))
        ))
    })?;
    let account = who.account().unwrap_or_default();
    let logged: BTreeSet<&str> = steps.iter().map(|s| s.account_id.as_str()).collect();
    if logged.iter().any(|a| *a != account) {
        return Err(Error::input(format!(
            "{}: the change log is for account {}, but the credentials belong to account {}\n  fix: use credentials (--profile) of the account the fix ran in",
            Escaped(file.path().display()),
            escape(&logged.into_iter().collect::<Vec<_>>().join(", ")),
            escape(account)
        )));
    }
    let mut results = Vec::new();
    for step in steps {
        let (outcome, detail) = match step.kind {
            UndoKind::FlowLog => delete_flow_log(aws, &step, dry_run).await,
            UndoKind::LogGroup => delete_log_group(aws, &step, dry_run).await,
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
                .all(|r| r.outcome == Outcome::Applied)
            {
                file.mark_undone(c)?;
            }
        }
    }
    Ok(results)
}

async fn delete_flow_log(aws: &Aws, step: &UndoStep, dry_run: bool) -> (Outcome, Option<String>) {
    let r = aws
        .ec2(&step.region)
        .delete_flow_logs()
        .dry_run(dry_run)
        .flow_log_ids(&step.id)
        .send()
        .await;
    match r {
        Err(e) if dry_run && error_code(&e).as_deref() == Some("DryRunOperation") => {
            (Outcome::DryRunOk, None)
        }
        Err(e) if is_flow_log_gone(error_code(&e).as_deref()) => {
            (Outcome::Applied, Some("already deleted".into()))
        }
        Err(e) => (
            Outcome::Failed,
            Some(format!("DeleteFlowLogs {}: {}", step.id, error_text(&e))),
        ),
        Ok(out) => match out.unsuccessful().first() {
            None => (Outcome::Applied, None),
            Some(u) => {
                let code = u.error().and_then(|e| e.code());
                if is_flow_log_gone(code) {
                    (Outcome::Applied, Some("already deleted".into()))
                } else {
                    (
                        Outcome::Failed,
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

async fn delete_log_group(aws: &Aws, step: &UndoStep, dry_run: bool) -> (Outcome, Option<String>) {
    if dry_run {
        return (
            Outcome::Skipped,
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
        Ok(_) => (Outcome::Applied, None),
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_resource_not_found_exception()) =>
        {
            (Outcome::Applied, Some("already deleted".into()))
        }
        Err(e) => (
            Outcome::Failed,
            Some(format!("DeleteLogGroup {}: {}", step.id, error_text(&e))),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::changelog::{ChangeRecord, now_rfc3339};

    fn rec(
        region: &str,
        ids: &[&str],
        groups: &[&str],
        undone: bool,
        outcome: Outcome,
    ) -> ChangeRecord {
        ChangeRecord {
            time: now_rfc3339(),
            account_id: "111122223333".into(),
            region: region.into(),
            vpc_id: None,
            action: "x".into(),
            description: "d".into(),
            outcome,
            error: None,
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
        let steps = plan_undo(&log);
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
}

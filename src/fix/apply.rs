//! Applying a plan: one AWS call (or two) per change, each change independent of the others,
//! every result recorded in the change log before the next change starts.

use super::changelog::{ChangeLogFile, ChangeRecord, Outcome, new_change_id, now_rfc3339};
use super::plan::{Action, CHANGE_TAG, Change, Plan, TRAFFIC_TYPE};
use super::settings::{FixDestination, FixSettings};
use crate::collect::sessions::{Accounts, Aws, error_code, error_text};
use crate::error::Error;
use crate::kinds::ResourceKind;
use crate::term::escape;
use aws_sdk_ec2::types::{
    FlowLogsResourceType, LogDestinationType, ResourceType, Tag, TagSpecification, TrafficType,
    UnsuccessfulItem,
};
use std::collections::BTreeMap;

/// A planned change and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeResult {
    pub change: Change,
    pub record: ChangeRecord,
}

struct Done {
    outcome: Outcome,
    error: Option<String>,
    flow_log_ids: Vec<String>,
    log_groups_created: Vec<String>,
}

impl Done {
    fn new(outcome: Outcome, error: Option<String>) -> Done {
        Done {
            outcome,
            error,
            flow_log_ids: Vec::new(),
            log_groups_created: Vec::new(),
        }
    }
    fn failed(e: impl Into<String>) -> Done {
        Done::new(Outcome::Failed, Some(e.into()))
    }
}

const NO_DRY_RUN: &str = "not called: CloudWatch Logs has no dry-run mode";

/// Apply every change of `plan` in order. A failing change is recorded and the next one is
/// still attempted; only a change log that cannot be written stops the run (nothing may be
/// created that is not recorded). With `--dry-run`, EC2 calls carry DryRun and CloudWatch Logs
/// calls are not made. Each change is made with the clients of its account (`accounts`); an
/// account that cannot be reached fails its own changes only.
///
/// Each change that creates something gets a fresh random change id ([`new_change_id`]): the
/// ClientToken of its CreateFlowLogs call and the [`CHANGE_TAG`] tag of what it creates, recorded
/// in the change log, which is what `fix --undo` checks before it deletes anything.
pub async fn apply(
    plan: &Plan,
    s: &FixSettings,
    accounts: &Accounts,
    mut log: Option<&mut ChangeLogFile>,
) -> Result<Vec<ChangeResult>, Error> {
    let mut results = Vec::new();
    // (account, region) -> why its log group could not be made ready.
    let mut broken_groups: BTreeMap<(String, String), String> = BTreeMap::new();
    for change in &plan.changes {
        let change_id = change.action.creates().then(new_change_id).transpose()?;
        let key = (change.account_id.clone(), change.region.clone());
        let done = match accounts.clients(&change.account_id) {
            Err(why) => {
                if matches!(change.action, Action::CreateLogGroup { .. }) {
                    broken_groups.insert(key, why.clone());
                }
                Done::failed(format!("not attempted: {why}"))
            }
            Ok(aws) => match &change.action {
                Action::CreateLogGroup {
                    name,
                    kms_key,
                    retention_days,
                } => {
                    let group = NewGroup {
                        name,
                        kms_key: kms_key.as_deref(),
                        retention_days: *retention_days,
                        change_id: change_id.as_deref().unwrap_or_default(),
                    };
                    let d = create_log_group(aws, change, &group, s).await;
                    if d.outcome == Outcome::Failed {
                        broken_groups.insert(key, d.error.clone().unwrap_or_default());
                    }
                    d
                }
                Action::AssociateKmsKey { log_group, kms_key } => {
                    associate_kms_key(aws, change, log_group, kms_key, s.dry_run).await
                }
                Action::CreateFlowLog { .. } => {
                    match (s.destination.log_group(), broken_groups.get(&key)) {
                        (Some(group), Some(why)) => Done::failed(format!(
                            "not attempted: log group {group} could not be created ({why})"
                        )),
                        _ => {
                            let token = change_id.as_deref().unwrap_or_default();
                            create_flow_log(aws, change, token, s).await
                        }
                    }
                }
            },
        };
        let record = ChangeRecord {
            time: now_rfc3339(),
            account_id: change.account_id.clone(),
            role_arn: accounts.role_arn(&change.account_id).map(str::to_string),
            region: change.region.clone(),
            resource_id: change.resource_id.clone(),
            action: change.action.name().into(),
            description: change.describe(),
            outcome: done.outcome,
            error: done.error,
            change_id,
            client_token: None,
            flow_log_ids: done.flow_log_ids,
            log_groups_created: done.log_groups_created,
            undone_at: None,
        };
        if let Some(l) = log.as_deref_mut()
            && let Err(e) = l.record(record.clone())
        {
            return Err(Error::fatal(format!(
                "{e}\n  stopped after: {}: {} (outcome {}, created {:?})",
                escape(&record.region),
                record.description,
                record.outcome.as_str(),
                [
                    record.flow_log_ids.clone(),
                    record.log_groups_created.clone()
                ]
                .concat()
            )));
        }
        results.push(ChangeResult {
            change: change.clone(),
            record,
        });
    }
    Ok(results)
}

/// A log group to create, and the change id it is tagged with.
struct NewGroup<'a> {
    name: &'a str,
    kms_key: Option<&'a str>,
    retention_days: i32,
    change_id: &'a str,
}

async fn create_log_group(aws: &Aws, change: &Change, g: &NewGroup<'_>, s: &FixSettings) -> Done {
    let (name, retention_days) = (g.name, g.retention_days);
    if s.dry_run {
        return Done::new(Outcome::Skipped, Some(NO_DRY_RUN.into()));
    }
    let logs = aws.logs(&change.region);
    let mut req = logs.create_log_group().log_group_name(name);
    if let Some(k) = g.kms_key {
        req = req.kms_key_id(k);
    }
    for (k, v) in log_group_tags(g.change_id, &s.tags) {
        req = req.tags(k, v);
    }
    match req.send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_resource_already_exists_exception()) =>
        {
            return Done::new(
                Outcome::Skipped,
                Some(format!("log group {name} already exists; left unchanged")),
            );
        }
        Err(e) => return Done::failed(format!("CreateLogGroup {name}: {}", error_text(&e))),
    }
    let mut done = Done::new(Outcome::Applied, None);
    done.log_groups_created.push(name.to_string());
    if let Err(e) = logs
        .put_retention_policy()
        .log_group_name(name)
        .retention_in_days(retention_days)
        .send()
        .await
    {
        done.outcome = Outcome::Failed;
        done.error = Some(format!(
            "log group {name} was created, but PutRetentionPolicy failed: {}",
            error_text(&e)
        ));
    }
    done
}

async fn associate_kms_key(
    aws: &Aws,
    change: &Change,
    group: &str,
    key: &str,
    dry_run: bool,
) -> Done {
    if dry_run {
        return Done::new(Outcome::Skipped, Some(NO_DRY_RUN.into()));
    }
    match aws
        .logs(&change.region)
        .associate_kms_key()
        .log_group_name(group)
        .kms_key_id(key)
        .send()
        .await
    {
        Ok(_) => Done::new(Outcome::Applied, None),
        Err(e) => Done::failed(format!("AssociateKmsKey {group}: {}", error_text(&e))),
    }
}

/// Create the flow log of `change`; `token` (its change id) is sent as the ClientToken and set as
/// the [`CHANGE_TAG`] tag.
async fn create_flow_log(aws: &Aws, change: &Change, token: &str, s: &FixSettings) -> Done {
    let Some(resource) = &change.resource_id else {
        return Done::failed("internal: flow-log change without a VPC");
    };
    let kind = match &change.action {
        Action::CreateFlowLog { resource_type, .. } => {
            ResourceKind::of_flow_log_resource_type(resource_type.as_deref())
        }
        _ => ResourceKind::Vpc,
    };
    // A kind with a fixed aggregation interval (a transit gateway) has no traffic type and
    // fields of its own: a VPC log format does not apply to it.
    let fixed = kind.fixed_aggregation_interval();
    let mut req = aws
        .ec2(&change.region)
        .create_flow_logs()
        .dry_run(s.dry_run)
        .client_token(token)
        .resource_ids(resource);
    req = req.resource_type(FlowLogsResourceType::from(
        kind.flow_log_resource_type().unwrap_or("VPC"),
    ));
    req = match fixed {
        Some(seconds) => req.max_aggregation_interval(seconds),
        None => req.traffic_type(TrafficType::from(TRAFFIC_TYPE)),
    };
    req = match &s.destination {
        FixDestination::S3 { .. } => req
            .log_destination_type(LogDestinationType::S3)
            .log_destination(s.destination.s3_arn(&change.region).unwrap_or_default()),
        FixDestination::CloudWatch { log_group } => req
            .log_destination_type(LogDestinationType::CloudWatchLogs)
            .log_group_name(log_group)
            .deliver_logs_permission_arn(s.delivery_role.clone().unwrap_or_default()),
    };
    if let (Some(f), None) = (&s.log_format, fixed) {
        req = req.log_format(f);
    }
    if let (Some(i), None) = (s.max_aggregation_interval, fixed) {
        req = req.max_aggregation_interval(i);
    }
    req = req.tag_specifications(flow_log_tag_spec(token, &s.tags));
    match req.send().await {
        Err(e) if s.dry_run && error_code(&e).as_deref() == Some("DryRunOperation") => {
            Done::new(Outcome::DryRunOk, None)
        }
        Err(e) => Done::failed(format!("CreateFlowLogs {resource}: {}", error_text(&e))),
        Ok(out) => created_flow_logs(resource, out.flow_log_ids(), out.unsuccessful()),
    }
}

/// The tags of a log group a change creates: the `--fix-tag` tags, then the change id tag, set
/// last so that it is the one value of its key (settings refuse it as a `--fix-tag` anyway).
fn log_group_tags<'a>(change_id: &'a str, tags: &'a [(String, String)]) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    out.push((CHANGE_TAG, change_id));
    out
}

/// The tags of a flow log a change creates: the change id tag (what `fix --undo` checks before
/// it deletes the flow log), then the `--fix-tag` tags.
fn flow_log_tag_spec(token: &str, tags: &[(String, String)]) -> TagSpecification {
    let mut spec = TagSpecification::builder()
        .resource_type(ResourceType::VpcFlowLog)
        .tags(Tag::builder().key(CHANGE_TAG).value(token).build());
    for (k, v) in tags {
        spec = spec.tags(Tag::builder().key(k).value(v).build());
    }
    spec.build()
}

/// What a successful CreateFlowLogs answer for `resource` means: applied with the ids it returned,
/// or failed when it lists unsuccessful items or returns no id.
fn created_flow_logs(
    resource: &str,
    flow_log_ids: &[String],
    unsuccessful: &[UnsuccessfulItem],
) -> Done {
    let mut done = Done::new(Outcome::Applied, None);
    done.flow_log_ids = flow_log_ids.to_vec();
    let failures: Vec<String> = unsuccessful
        .iter()
        .map(|u| {
            let (c, m) = u
                .error()
                .map(|e| (e.code().unwrap_or("?"), e.message().unwrap_or("")))
                .unwrap_or(("?", ""));
            format!("{}: {c}: {m}", u.resource_id().unwrap_or(resource))
        })
        .collect();
    if !failures.is_empty() {
        done.outcome = Outcome::Failed;
        done.error = Some(format!(
            "CreateFlowLogs unsuccessful: {}",
            failures.join("; ")
        ));
    } else if done.flow_log_ids.is_empty() {
        done.outcome = Outcome::Failed;
        done.error = Some("CreateFlowLogs returned no flow log id".into());
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::UnsuccessfulItemError;

    fn user_tags() -> Vec<(String, String)> {
        vec![
            ("owner".to_string(), "security".to_string()),
            ("cost-center".to_string(), "42".to_string()),
        ]
    }

    #[test]
    fn log_groups_get_the_user_tags_then_the_change_tag() {
        let tags = user_tags();
        assert_eq!(
            log_group_tags("c0ffee", &tags),
            [
                ("owner", "security"),
                ("cost-center", "42"),
                (CHANGE_TAG, "c0ffee")
            ]
        );
        assert_eq!(log_group_tags("c0ffee", &[]), [(CHANGE_TAG, "c0ffee")]);
    }

    #[test]
    fn flow_logs_are_tagged_with_the_change_id_first_then_the_user_tags() {
        let spec = flow_log_tag_spec("c0ffee", &user_tags());
        assert_eq!(spec.resource_type(), Some(&ResourceType::VpcFlowLog));
        let tags: Vec<(&str, &str)> = spec
            .tags()
            .iter()
            .map(|t| (t.key().unwrap(), t.value().unwrap()))
            .collect();
        assert_eq!(
            tags,
            [
                (CHANGE_TAG, "c0ffee"),
                ("owner", "security"),
                ("cost-center", "42")
            ]
        );
        assert_eq!(flow_log_tag_spec("t", &[]).tags().len(), 1);
    }

    #[test]
    fn a_created_flow_log_is_applied_with_its_ids() {
        let d = created_flow_logs("vpc-1", &["fl-1".to_string()], &[]);
        assert_eq!(d.outcome, Outcome::Applied);
        assert_eq!(d.error, None);
        assert_eq!(d.flow_log_ids, ["fl-1"]);
        assert!(d.log_groups_created.is_empty());
    }

    #[test]
    fn unsuccessful_items_or_no_id_fail_the_change() {
        let item = UnsuccessfulItem::builder()
            .resource_id("vpc-1")
            .error(
                UnsuccessfulItemError::builder()
                    .code("InvalidParameter")
                    .message("bucket does not exist")
                    .build(),
            )
            .build();
        let bare = UnsuccessfulItem::builder().build();
        let d = created_flow_logs("vpc-9", &[], &[item, bare]);
        assert_eq!(d.outcome, Outcome::Failed);
        assert_eq!(
            d.error.as_deref(),
            Some(
                "CreateFlowLogs unsuccessful: vpc-1: InvalidParameter: bucket does not exist; vpc-9: ?: "
            ),
            "an item without resource id or error names the change's VPC and `?`"
        );
        // Ids returned next to an unsuccessful item are still recorded, so undo can find them.
        let d = created_flow_logs(
            "vpc-1",
            &["fl-1".to_string()],
            &[UnsuccessfulItem::builder().resource_id("vpc-1").build()],
        );
        assert_eq!(
            (d.outcome, d.flow_log_ids),
            (Outcome::Failed, vec!["fl-1".to_string()])
        );

        let d = created_flow_logs("vpc-1", &[], &[]);
        assert_eq!(d.outcome, Outcome::Failed);
        assert_eq!(
            d.error.as_deref(),
            Some("CreateFlowLogs returned no flow log id")
        );
    }
}

//! The AWS calls of an undo: reading the recorded resources back (flow logs, log groups and
//! their tags, which flow logs deliver to a group) and deleting them.

use super::decide::{Done, Found, UndoOutcome, UndoStep, Users};
use crate::collect::sessions::{Aws, error_code, error_text};
use aws_sdk_ec2::types::Filter;
use std::collections::{BTreeMap, BTreeSet};

/// Flow-log ids per DescribeFlowLogs call (values of one `flow-log-id` filter).
const FLOW_LOG_BATCH: usize = 200;
/// Log group names per DescribeLogGroups call (`logGroupIdentifiers` takes at most 50).
const LOG_GROUP_BATCH: usize = 50;
/// Upper bound of pages read per call, so a misbehaving endpoint cannot loop forever.
const MAX_PAGES: usize = 10_000;

/// Which flow logs of one region deliver to each of the log groups `names`: every CloudWatch
/// Logs flow log of the region (DescribeFlowLogs, filter `log-destination-type`), matched by its
/// log group name or by the name in its destination ARN. Any error, or a listing cut short, is
/// an error: a group is never taken for unused on a partial answer.
pub async fn read_group_users(aws: &Aws, region: &str, names: &BTreeSet<String>) -> Users {
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

/// Pages of log streams read per log group, at most (DescribeLogStreams answers 50 a page).
const STREAM_PAGES: usize = 100;
/// How recent a log stream must be (its last event, last ingestion or creation) for its writer
/// to count as a current one.
pub const WRITER_WINDOW: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Which network interfaces that this account does not have wrote to each of the log groups
/// `names` in the last [`WRITER_WINDOW`]: a flow log's log stream is named after its network
/// interface (`eni-…`, with a `-all`, `-accept` or `-reject` suffix), and a flow log of another
/// account delivering here (`DeliverCrossAccountRole`) is invisible to DescribeFlowLogs in this
/// one. Every log stream of the group is read (DescribeLogStreams; its times are updated
/// eventually, so a stream counts when any of them is in the window, and a stream without an
/// event yet counts by its creation), then which of their interfaces this account has
/// (DescribeNetworkInterfaces); the others are another account's, or were deleted since. Any
/// error, or a group of more than [`STREAM_PAGES`] pages of streams, is an error: a group is
/// never taken for unwritten on a partial answer.
pub async fn read_foreign_writers(
    aws: &Aws,
    region: &str,
    names: &BTreeSet<String>,
) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let logs = aws.logs(region);
    let since = std::time::SystemTime::now()
        .checked_sub(WRITER_WINDOW)
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let mut written: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in names {
        let mut token: Option<String> = None;
        let mut read_all = false;
        for _ in 0..STREAM_PAGES {
            let resp = logs
                .describe_log_streams()
                .log_group_name(name)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "DescribeLogStreams (which network interfaces write to the log group): {}",
                        error_text(&e)
                    )
                })?;
            for st in resp.log_streams() {
                let latest = [
                    st.last_event_timestamp(),
                    st.last_ingestion_time(),
                    st.creation_time(),
                ]
                .into_iter()
                .flatten()
                .max();
                if latest.is_none_or(|t| t < since) {
                    continue;
                }
                if let Some(eni) = st.log_stream_name().and_then(interface_of_stream) {
                    written
                        .entry(name.clone())
                        .or_default()
                        .insert(eni.to_string());
                }
            }
            token = resp.next_token().map(str::to_string);
            if token.is_none() {
                read_all = true;
                break;
            }
        }
        if !read_all {
            return Err(format!(
                "DescribeLogStreams (which network interfaces write to the log group): more than {} log streams",
                STREAM_PAGES * 50
            ));
        }
    }
    let all: Vec<String> = written
        .values()
        .flatten()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut ours: BTreeSet<String> = BTreeSet::new();
    let ec2 = aws.ec2(region);
    for batch in all.chunks(FLOW_LOG_BATCH) {
        let filter = Filter::builder()
            .name("network-interface-id")
            .set_values(Some(batch.to_vec()))
            .build();
        let mut token: Option<String> = None;
        for _page in 0..MAX_PAGES {
            let resp = ec2
                .describe_network_interfaces()
                .filters(filter.clone())
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "DescribeNetworkInterfaces (whether the log group's writers are this account's): {}",
                        error_text(&e)
                    )
                })?;
            ours.extend(
                resp.network_interfaces()
                    .iter()
                    .filter_map(|n| n.network_interface_id().map(str::to_string)),
            );
            token = resp.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
    for enis in written.values_mut() {
        enis.retain(|e| !ours.contains(e));
    }
    written.retain(|_, enis| !enis.is_empty());
    Ok(written)
}

/// The network interface a flow log's log stream is named after: `eni-` and hex digits, then
/// the end of the name or a `-` (`eni-0a1b2c3d-all`).
pub fn interface_of_stream(stream: &str) -> Option<&str> {
    let hex = stream.strip_prefix("eni-")?;
    let n = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
    let rest = &hex[n..];
    ((8..=17).contains(&n) && (rest.is_empty() || rest.starts_with('-'))).then(|| &stream[..4 + n])
}

/// The log group name in a CloudWatch Logs ARN (`arn:...:log-group:NAME`, optionally `:*`).
pub fn log_group_of_arn(arn: &str) -> Option<&str> {
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
pub async fn read_flow_logs(
    aws: &Aws,
    region: &str,
    ids: &BTreeSet<&str>,
) -> BTreeMap<String, Found> {
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
pub async fn read_log_groups(
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

pub async fn delete_flow_log(aws: &Aws, step: &UndoStep, dry_run: bool) -> Done {
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

pub async fn delete_log_group(aws: &Aws, step: &UndoStep, dry_run: bool) -> Done {
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

//! CloudTrail management events as EventBridge delivers them to SQS ("AWS API Call via
//! CloudTrail"), read into what they can have changed.

use crate::kinds::ResourceKind;
use serde_json::Value;

/// What one event can have changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// A VPC or transit gateway, by id.
    Resource(ResourceKind, String),
    /// A flow log, by id (DeleteFlowLogs names flow logs, not their resources).
    FlowLog(String),
    /// A CloudWatch Logs log group of the event's account and region, by name.
    LogGroup(String),
    /// An S3 bucket, by name (bucket names are global).
    Bucket(String),
    /// A Firehose delivery stream of the event's account and region, by name.
    Stream(String),
}

/// One event flowaudit understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// CloudTrail's `eventID`.
    pub id: String,
    pub name: String,
    pub account: String,
    pub region: String,
    /// The call failed (`errorCode`): nothing changed.
    pub failed: bool,
    /// What it can have changed; empty when the event does not say (then its account and
    /// region are re-checked whole).
    pub impacts: Vec<Impact>,
}

/// Why a message is not an event flowaudit understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAnEvent {
    /// Not JSON, or not an EventBridge envelope of a CloudTrail event.
    Malformed(String),
    /// A CloudTrail event flowaudit has no use for.
    Unknown(String),
}

/// The events flowaudit reacts to, by their event source.
pub const EVENTS: &[(&str, &[&str])] = &[
    (
        "ec2.amazonaws.com",
        &[
            "CreateVpc",
            "DeleteVpc",
            "CreateFlowLogs",
            "DeleteFlowLogs",
            "CreateTransitGateway",
            "DeleteTransitGateway",
            "CreateTransitGatewayVpcAttachment",
        ],
    ),
    (
        "logs.amazonaws.com",
        &[
            "DeleteLogGroup",
            "PutRetentionPolicy",
            "DeleteRetentionPolicy",
            "AssociateKmsKey",
            "DisassociateKmsKey",
        ],
    ),
    (
        "s3.amazonaws.com",
        &[
            "PutBucketEncryption",
            "DeleteBucketEncryption",
            "DeleteBucket",
        ],
    ),
    (
        "firehose.amazonaws.com",
        &[
            "DeleteDeliveryStream",
            "StartDeliveryStreamEncryption",
            "StopDeliveryStreamEncryption",
        ],
    ),
];

/// Read one SQS message body.
pub fn parse(body: &str) -> Result<Event, NotAnEvent> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| NotAnEvent::Malformed(format!("not JSON: {e}")))?;
    let detail_type = v["detail-type"].as_str().unwrap_or_default();
    if detail_type != "AWS API Call via CloudTrail" {
        return Err(NotAnEvent::Malformed(format!(
            "not a CloudTrail API call event (detail-type {detail_type:?})"
        )));
    }
    let d = &v["detail"];
    let source = d["eventSource"].as_str().unwrap_or_default();
    let name = d["eventName"].as_str().unwrap_or_default().to_string();
    let known = EVENTS
        .iter()
        .any(|(s, names)| *s == source && names.contains(&name.as_str()));
    if !known {
        return Err(NotAnEvent::Unknown(format!("{source} {name}")));
    }
    let account = d["recipientAccountId"]
        .as_str()
        .or_else(|| v["account"].as_str())
        .unwrap_or_default()
        .to_string();
    let region = d["awsRegion"]
        .as_str()
        .or_else(|| v["region"].as_str())
        .unwrap_or_default()
        .to_string();
    if crate::inventory::validate::account_id(&account).is_err()
        || crate::inventory::validate::region(&region).is_err()
    {
        return Err(NotAnEvent::Malformed(
            "the event names no valid account and region".into(),
        ));
    }
    let id = d["eventID"]
        .as_str()
        .or_else(|| v["id"].as_str())
        .unwrap_or_default()
        .to_string();
    let req = &d["requestParameters"];
    let str_at = |keys: &[&str]| -> Option<String> {
        keys.iter()
            .find_map(|k| req[*k].as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut impacts = Vec::new();
    match source {
        "ec2.amazonaws.com" => {
            let mut ids = Vec::new();
            collect_ids(req, &mut ids);
            collect_ids(&d["responseElements"], &mut ids);
            for s in ids {
                if let Some(kind) = ResourceKind::ALL
                    .into_iter()
                    .find(|k| s.starts_with(k.id_prefix()) && k.check_id(&s).is_ok())
                {
                    impacts.push(Impact::Resource(kind, s));
                } else if s.starts_with("fl-") {
                    impacts.push(Impact::FlowLog(s));
                }
            }
        }
        "logs.amazonaws.com" => {
            impacts.extend(str_at(&["logGroupName"]).map(Impact::LogGroup));
        }
        "s3.amazonaws.com" => {
            impacts.extend(str_at(&["bucketName"]).map(Impact::Bucket));
        }
        _ => {
            impacts.extend(str_at(&["deliveryStreamName"]).map(Impact::Stream));
        }
    }
    impacts.sort();
    impacts.dedup();
    Ok(Event {
        id,
        name,
        account,
        region,
        failed: d["errorCode"].as_str().is_some_and(|c| !c.is_empty()),
        impacts,
    })
}

/// Every string in `v` that looks like an EC2 id (`prefix-hex`), depth-first.
fn collect_ids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            if let Some((prefix, rest)) = s.split_once('-')
                && matches!(prefix, "vpc" | "tgw" | "fl")
                && rest.len() >= 8
                && rest.bytes().all(|b| b.is_ascii_hexdigit())
            {
                out.push(s.clone());
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_ids(x, out)),
        Value::Object(m) => m.values().for_each(|x| collect_ids(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;

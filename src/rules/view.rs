//! What rules see: the joined inventory turned into CEL values (with a few precomputed helper
//! fields), and conversions between CEL values and JSON for the message templates.
//! The fields are documented in `docs/rules.md`; keep the two in step.

use crate::inventory::{Destination, DestinationType, Encryption, Existence, FlowLog, Subnet, Vpc};
use cel::Value;
use cel::objects::{Key, Map};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// AWS's default MaxAggregationInterval when a flow log does not state one.
pub const DEFAULT_AGGREGATION_SECONDS: i64 = 600;

struct Obj(HashMap<Key, Value>);

impl Obj {
    fn new() -> Self {
        Obj(HashMap::with_capacity(24))
    }
    fn set(&mut self, k: &str, v: impl Into<Value>) -> &mut Self {
        self.0
            .insert(Key::String(Arc::new(k.to_string())), v.into());
        self
    }
    fn value(self) -> Value {
        Value::Map(Map {
            map: Arc::new(self.0),
        })
    }
}

fn s(v: &str) -> Value {
    Value::String(Arc::new(v.to_string()))
}

fn opt(v: &Option<String>) -> Value {
    s(v.as_deref().unwrap_or(""))
}

fn tags(t: &BTreeMap<String, String>) -> Value {
    let mut m = HashMap::with_capacity(t.len());
    for (k, v) in t {
        m.insert(Key::String(Arc::new(k.clone())), s(v));
    }
    Value::Map(Map { map: Arc::new(m) })
}

fn list(v: Vec<Value>) -> Value {
    Value::List(Arc::new(v))
}

/// `yes` / `no` / `unknown`.
fn existence(e: Existence) -> &'static str {
    match e {
        Existence::Yes => "yes",
        Existence::No => "no",
        Existence::Unknown => "unknown",
    }
}

/// `none` / `aws_managed` / `kms` / `unknown`.
fn encryption(e: Encryption) -> &'static str {
    match e {
        Encryption::None => "none",
        Encryption::AwsManaged => "aws_managed",
        Encryption::Kms => "kms",
        Encryption::Unknown => "unknown",
    }
}

/// A human name for where a flow log delivers, e.g. `CloudWatch Logs log group /vpc/flow`.
pub fn destination_label(l: &FlowLog) -> String {
    let name = l
        .destination
        .name
        .clone()
        .or_else(|| l.log_group_name.clone())
        .or_else(|| l.destination_arn.clone())
        .unwrap_or_else(|| "(unnamed)".into());
    match l.destination_type {
        DestinationType::CloudWatchLogs => format!("CloudWatch Logs log group {name}"),
        DestinationType::S3 => format!("S3 bucket {name}"),
        DestinationType::KinesisDataFirehose => format!("Firehose delivery stream {name}"),
    }
}

fn destination(d: &Destination) -> Value {
    let mut o = Obj::new();
    o.set("name", opt(&d.name))
        .set("region", opt(&d.region))
        .set("exists", s(existence(d.exists)))
        .set("encryption", s(encryption(d.encryption)))
        .set("kms_key_id", opt(&d.kms_key_id))
        .set(
            "retention_days",
            match d.retention_days {
                Some(n) => Value::Int(n as i64),
                None => Value::Null,
            },
        )
        .set("never_expires", Value::Bool(d.retention_days.is_none()))
        .set("reason", opt(&d.reason));
    o.value()
}

fn flow_log(l: &FlowLog) -> Value {
    let mut o = Obj::new();
    o.set("id", s(&l.id))
        .set("resource_id", s(&l.resource_id))
        .set("resource_type", s(&l.resource_type))
        .set("status", s(&l.status))
        .set("active", Value::Bool(l.status == "ACTIVE"))
        .set("traffic_type", s(&l.traffic_type))
        .set("destination_type", s(l.destination_type.as_str()))
        .set("destination_arn", opt(&l.destination_arn))
        .set("log_group_name", opt(&l.log_group_name))
        .set("deliver_logs_status", opt(&l.deliver_logs_status))
        .set(
            "deliver_logs_error_message",
            opt(&l.deliver_logs_error_message),
        )
        .set(
            "deliver_logs_permission_arn",
            opt(&l.deliver_logs_permission_arn),
        )
        .set("log_format", opt(&l.log_format))
        .set(
            "max_aggregation_interval",
            Value::Int(
                l.max_aggregation_interval
                    .map(i64::from)
                    .unwrap_or(DEFAULT_AGGREGATION_SECONDS),
            ),
        )
        .set("creation_time", opt(&l.creation_time))
        .set("tags", tags(&l.tags))
        .set("destination", destination(&l.destination))
        .set("destination_label", s(&destination_label(l)));
    o.value()
}

fn subnet(sn: &Subnet, active: &mut Vec<Value>) -> Value {
    let logs: Vec<Value> = sn.flow_logs.iter().map(flow_log).collect();
    let act: Vec<Value> = sn
        .flow_logs
        .iter()
        .zip(&logs)
        .filter(|(l, _)| l.status == "ACTIVE")
        .map(|(_, v)| v.clone())
        .collect();
    active.extend(act.iter().cloned());
    let mut o = Obj::new();
    o.set("id", s(&sn.id))
        .set("arn", s(&sn.arn))
        .set("name", opt(&sn.name))
        .set("tags", tags(&sn.tags))
        .set("cidr_block", s(&sn.cidr_block))
        .set("availability_zone", opt(&sn.availability_zone))
        .set("state", s(&sn.state))
        .set("flow_logs", list(logs))
        .set("active_logs", list(act));
    o.value()
}

/// The `vpc` CEL variable for one VPC of one region.
pub fn vpc_value(region: &str, account_id: &str, v: &Vpc) -> Value {
    let logs: Vec<Value> = v.flow_logs.iter().map(flow_log).collect();
    let active_vpc: Vec<Value> = v
        .flow_logs
        .iter()
        .zip(&logs)
        .filter(|(l, _)| l.status == "ACTIVE")
        .map(|(_, x)| x.clone())
        .collect();
    let mut active_subnet = Vec::new();
    let subnets: Vec<Value> = v
        .subnets
        .iter()
        .map(|sn| subnet(sn, &mut active_subnet))
        .collect();
    let mut active_all = active_vpc.clone();
    active_all.extend(active_subnet.iter().cloned());
    let mut o = Obj::new();
    o.set("id", s(&v.id))
        .set("arn", s(&v.arn))
        .set("name", opt(&v.name))
        .set("tags", tags(&v.tags))
        .set("is_default", Value::Bool(v.is_default))
        .set("owner_id", s(&v.owner_id))
        .set("shared", Value::Bool(v.shared))
        .set("cidr_block", s(&v.cidr_block))
        .set("state", s(&v.state))
        .set("region", s(region))
        .set("account_id", s(account_id))
        .set("subnets", list(subnets))
        .set("flow_logs", list(logs))
        .set("active_vpc_logs", list(active_vpc))
        .set("active_subnet_logs", list(active_subnet))
        .set("active_logs", list(active_all));
    o.value()
}

/// The scalar facts about a VPC that message templates see as `vpc`.
pub fn vpc_json(region: &str, account_id: &str, v: &Vpc) -> serde_json::Value {
    serde_json::json!({
        "id": v.id,
        "arn": v.arn,
        "name": v.name.clone().unwrap_or_default(),
        "is_default": v.is_default,
        "owner_id": v.owner_id,
        "shared": v.shared,
        "cidr_block": v.cidr_block,
        "state": v.state,
        "region": region,
        "account_id": account_id,
        "subnet_count": v.subnets.len(),
    })
}

/// JSON (parameters, options) to a CEL value.
pub fn json_to_cel(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(x) => s(x),
        serde_json::Value::Array(a) => list(a.iter().map(json_to_cel).collect()),
        serde_json::Value::Object(m) => {
            let mut o = Obj::new();
            for (k, x) in m {
                o.set(k, json_to_cel(x));
            }
            o.value()
        }
    }
}

/// A CEL result to JSON, for templates. Map keys become strings; values JSON cannot hold
/// (bytes, durations, functions) become their debug text.
pub fn cel_to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::UInt(u) => J::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .unwrap_or(J::Null),
        Value::String(x) => J::String(x.to_string()),
        Value::List(l) => J::Array(l.iter().map(cel_to_json).collect()),
        Value::Map(m) => {
            let mut out = serde_json::Map::new();
            let mut entries: Vec<_> = m.map.iter().collect();
            entries.sort_by_key(|(k, _)| key_text(k));
            for (k, x) in entries {
                out.insert(key_text(k), cel_to_json(x));
            }
            J::Object(out)
        }
        other => J::String(format!("{other:?}")),
    }
}

fn key_text(k: &Key) -> String {
    match k {
        Key::String(x) => x.to_string(),
        Key::Int(i) => i.to_string(),
        Key::Uint(u) => u.to_string(),
        Key::Bool(b) => b.to_string(),
    }
}

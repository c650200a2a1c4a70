//! What rules see: the joined inventory turned into CEL values (with a few precomputed helper
//! fields), and conversions between CEL values and JSON for the message templates.
//! The fields are documented in `docs/rules.md`; keep the two in step.

use crate::inventory::{
    Account, Destination, DestinationType, Encryption, Existence, FlowLog, StreamTarget, Subnet,
    TransitGateway, Vpc,
};
use cel::Value;
use cel::common::traits::{Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{
    self, CelBool, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, Type,
};
use cel::common::value::{Builtin, BuiltinRef, Val};
use cel::objects::{Key, Map};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// AWS's default MaxAggregationInterval when a flow log does not state one.
pub const DEFAULT_AGGREGATION_SECONDS: i64 = 600;

/// A CEL map shared by reference counting. CEL comprehensions copy the elements they iterate
/// over; for the flow-log, subnet and destination maps of the view, that copy is a pointer copy.
/// It presents itself to the interpreter as the built-in map, so every map operation (field
/// access, `in`, `size`, equality, conversion) behaves exactly as on a plain CEL map.
#[derive(Debug, Clone)]
pub struct SharedMap(Arc<CelMap<'static>>);

impl SharedMap {
    /// Wrap a map.
    pub fn new(m: CelMap<'static>) -> Self {
        SharedMap(Arc::new(m))
    }
}

impl Val for SharedMap {
    fn get_type(&self) -> &Type {
        &types::MAP_TYPE
    }
    fn cel_type() -> &'static Type {
        &types::MAP_TYPE
    }
    fn as_container(&self) -> Option<&dyn Container> {
        Some(self.0.as_ref())
    }
    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(self.0.as_ref())
    }
    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        Some(self.0.as_ref())
    }
    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(self.0.as_ref())
    }
    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        Some(self.0.as_ref())
    }
    fn equals(&self, other: &dyn Val) -> bool {
        self.0.equals(other)
    }
    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(self.clone())
    }
    fn as_builtin<'b, 'w>(&'b self) -> BuiltinRef<'b, 'w>
    where
        Self: 'w,
    {
        BuiltinRef::Map(self.0.as_ref())
    }
    fn into_builtin<'w>(self: Box<Self>) -> Option<Builtin<'w>>
    where
        Self: 'w,
    {
        Some(Builtin::Map(Arc::unwrap_or_clone(self.0)))
    }
}

/// The shape of a value that rules see: what a rule may read of it. Rules are checked against
/// these shapes when they are loaded (a field the value does not have is an error at load, not
/// at scan time); a test walks the values built below from complete inventories and checks that
/// they have exactly these shapes, so the two cannot drift apart.
#[derive(Debug, PartialEq)]
pub enum Shape {
    /// A string, an integer, a boolean or null.
    Scalar,
    /// A map whose keys are data (tags, check ids): any key may be read, values are scalars.
    Map,
    /// A value with these fields and no others; the name says what it is, in messages.
    Object(&'static str, &'static [(&'static str, &'static Shape)]),
    /// A list of values of one shape.
    List(&'static Shape),
}

const S: &Shape = &Shape::Scalar;
const TAGS: &Shape = &Shape::Map;

/// A Firehose delivery stream's own destination (`delivers_to`).
static STREAM_TARGET_SHAPE: Shape = Shape::Object(
    "delivery stream destination",
    &[("type", S), ("target", S), ("name", S), ("label", S)],
);

/// Where a flow log delivers (`destination`).
static DESTINATION_SHAPE: Shape = Shape::Object(
    "flow log destination",
    &[
        ("name", S),
        ("region", S),
        ("exists", S),
        ("encryption", S),
        ("kms_key_id", S),
        ("retention_days", S),
        ("never_expires", S),
        ("reason", S),
        ("encryption_status", S),
        ("key_type", S),
        ("delivers_to", &Shape::List(&STREAM_TARGET_SHAPE)),
        ("delivers_to_label", S),
    ],
);

static FLOW_LOG_SHAPE: Shape = Shape::Object(
    "flow log",
    &[
        ("id", S),
        ("resource_id", S),
        ("resource_type", S),
        ("status", S),
        ("active", S),
        ("traffic_type", S),
        ("destination_type", S),
        ("destination_arn", S),
        ("log_group_name", S),
        ("deliver_logs_status", S),
        ("deliver_logs_error_message", S),
        ("deliver_logs_permission_arn", S),
        ("log_format", S),
        ("max_aggregation_interval", S),
        ("creation_time", S),
        ("tags", TAGS),
        ("destination", &DESTINATION_SHAPE),
        ("destination_label", S),
    ],
);

static FLOW_LOGS: Shape = Shape::List(&FLOW_LOG_SHAPE);

static SUBNET_SHAPE: Shape = Shape::Object(
    "subnet",
    &[
        ("id", S),
        ("arn", S),
        ("name", S),
        ("tags", TAGS),
        ("cidr_block", S),
        ("availability_zone", S),
        ("state", S),
        ("network_interfaces", S),
        ("flow_logs", &FLOW_LOGS),
        ("active_logs", &FLOW_LOGS),
    ],
);

/// The `vpc` variable ([`vpc_value`]).
pub static VPC_SHAPE: Shape = Shape::Object(
    "vpc",
    &[
        ("id", S),
        ("arn", S),
        ("name", S),
        ("tags", TAGS),
        ("is_default", S),
        ("owner_id", S),
        ("shared", S),
        ("cidr_block", S),
        ("state", S),
        ("region", S),
        ("account_id", S),
        ("network_interfaces", S),
        ("subnets", &Shape::List(&SUBNET_SHAPE)),
        ("flow_logs", &FLOW_LOGS),
        ("active_vpc_logs", &FLOW_LOGS),
        ("active_subnet_logs", &FLOW_LOGS),
        ("active_logs", &FLOW_LOGS),
    ],
);

/// The `transit_gateway` variable ([`tgw_value`]).
pub static TGW_SHAPE: Shape = Shape::Object(
    "transit_gateway",
    &[
        ("id", S),
        ("arn", S),
        ("name", S),
        ("tags", TAGS),
        ("owner_id", S),
        ("shared", S),
        ("state", S),
        ("description", S),
        ("region", S),
        ("account_id", S),
        ("flow_logs", &FLOW_LOGS),
        ("active_logs", &FLOW_LOGS),
        ("attachment_flow_logs", &FLOW_LOGS),
        ("active_attachment_logs", &FLOW_LOGS),
    ],
);

/// The `resource` variable ([`resource_value`]); `network_interfaces` only when counted.
pub static RESOURCE_SHAPE: Shape = Shape::Object(
    "resource",
    &[
        ("type", S),
        ("id", S),
        ("arn", S),
        ("region", S),
        ("account_id", S),
        ("name", S),
        ("tags", TAGS),
        ("network_interfaces", S),
        ("is_default", S),
    ],
);

static OU_SHAPE: Shape = Shape::Object("organizational unit", &[("id", S), ("name", S)]);

/// The `account` variable ([`account_value`]).
pub static ACCOUNT_SHAPE: Shape = Shape::Object(
    "account",
    &[
        ("id", S),
        ("name", S),
        ("ou_path", &Shape::List(&OU_SHAPE)),
        ("ou_names", &Shape::List(S)),
        ("tags", TAGS),
    ],
);

/// The `options` variable ([`options_json`]).
pub static OPTIONS_SHAPE: Shape = Shape::Object(
    "options",
    &[("accept_subnet_coverage", S), ("account_id", S)],
);

/// The shape of a variable that every rule of resource kind `kind` sees, when it has a fixed
/// one (`params` and `checks` depend on the rule, `let`s on the check).
pub fn variable_shape(kind: &str, name: &str) -> Option<&'static Shape> {
    match name {
        super::VPC if kind == super::VPC => Some(&VPC_SHAPE),
        super::TRANSIT_GATEWAY if kind == super::TRANSIT_GATEWAY => Some(&TGW_SHAPE),
        "resource" => Some(&RESOURCE_SHAPE),
        "account" => Some(&ACCOUNT_SHAPE),
        "options" => Some(&OPTIONS_SHAPE),
        "checks" => Some(TAGS),
        _ => None,
    }
}

/// The `options` variable: the scan-wide options rules see.
pub fn options_json(accept_subnet_coverage: bool, account_id: &str) -> serde_json::Value {
    serde_json::json!({
        "accept_subnet_coverage": accept_subnet_coverage,
        "account_id": account_id,
    })
}

type BoxVal = Box<dyn Val + 'static>;

struct Obj(HashMap<CelMapKey<'static>, BoxVal>);

impl Obj {
    fn new() -> Self {
        Obj(HashMap::with_capacity(24))
    }
    fn set(&mut self, k: &'static str, v: BoxVal) -> &mut Self {
        self.0.insert(CelMapKey::from(k), v);
        self
    }
    fn shared(self) -> SharedMap {
        SharedMap::new(CelMap::from(self.0))
    }
    fn boxed(self) -> BoxVal {
        Box::new(self.shared())
    }
}

fn s(v: &str) -> BoxVal {
    Box::new(CelString::from(v.to_string()))
}

fn opt(v: &Option<String>) -> BoxVal {
    s(v.as_deref().unwrap_or(""))
}

fn int(i: i64) -> BoxVal {
    Box::new(CelInt::from(i))
}

/// A count, or null when it was not taken.
fn count(n: Option<u64>) -> BoxVal {
    match n {
        Some(n) => int(i64::try_from(n).unwrap_or(i64::MAX)),
        None => Box::new(CelNull),
    }
}

fn boolean(b: bool) -> BoxVal {
    Box::new(CelBool::from(b))
}

fn tags(t: &BTreeMap<String, String>) -> BoxVal {
    let m: HashMap<CelMapKey<'static>, BoxVal> = t
        .iter()
        .map(|(k, v)| (CelMapKey::from(k.clone()), s(v)))
        .collect();
    Box::new(SharedMap::new(CelMap::from(m)))
}

fn list(v: Vec<BoxVal>) -> BoxVal {
    Box::new(CelList::from(v))
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

/// A human name for one destination of a Firehose delivery stream, e.g.
/// `S3 bucket arn:aws:s3:::logs` or `HTTP endpoint https://siem.example.com (SIEM)`.
pub fn stream_target_label(t: &StreamTarget) -> String {
    let what = match t.kind.as_str() {
        "s3" => "S3 bucket",
        "http-endpoint" => "HTTP endpoint",
        "redshift" => "Redshift cluster",
        "opensearch" => "OpenSearch Service domain",
        "opensearch-serverless" => "OpenSearch Serverless collection",
        "elasticsearch" => "Elasticsearch domain",
        "splunk" => "Splunk HEC endpoint",
        "snowflake" => "Snowflake account",
        "iceberg" => "Apache Iceberg tables of catalog",
        _ => "a destination of another type",
    };
    let mut out = match &t.target {
        Some(target) => format!("{what} {target}"),
        None if t.kind == "other" => what.to_string(),
        None => format!("{what} (not named in the answer)"),
    };
    if let Some(name) = &t.name {
        out.push_str(&format!(" ({name})"));
    }
    out
}

fn stream_target(t: &StreamTarget) -> BoxVal {
    let mut o = Obj::new();
    o.set("type", s(&t.kind))
        .set("target", opt(&t.target))
        .set("name", opt(&t.name))
        .set("label", s(&stream_target_label(t)));
    o.boxed()
}

fn destination(d: &Destination) -> BoxVal {
    let mut o = Obj::new();
    o.set("name", opt(&d.name))
        .set("region", opt(&d.region))
        .set("exists", s(existence(d.exists)))
        .set("encryption", s(encryption(d.encryption)))
        .set("kms_key_id", opt(&d.kms_key_id))
        .set(
            "retention_days",
            match d.retention_days {
                Some(n) => int(n as i64),
                None => Box::new(CelNull),
            },
        )
        .set("never_expires", boolean(d.retention_days.is_none()))
        .set("reason", opt(&d.reason))
        .set("encryption_status", opt(&d.encryption_status))
        .set("key_type", opt(&d.key_type))
        .set(
            "delivers_to",
            list(d.delivers_to.iter().map(stream_target).collect()),
        )
        .set(
            "delivers_to_label",
            s(&d.delivers_to
                .iter()
                .map(stream_target_label)
                .collect::<Vec<_>>()
                .join(", ")),
        );
    o.boxed()
}

fn flow_log(l: &FlowLog) -> SharedMap {
    let mut o = Obj::new();
    o.set("id", s(&l.id))
        .set("resource_id", s(&l.resource_id))
        .set("resource_type", s(&l.resource_type))
        .set("status", s(&l.status))
        .set("active", boolean(l.status == "ACTIVE"))
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
            int(l
                .max_aggregation_interval
                .map(i64::from)
                .unwrap_or(DEFAULT_AGGREGATION_SECONDS)),
        )
        .set("creation_time", opt(&l.creation_time))
        .set("tags", tags(&l.tags))
        .set("destination", destination(&l.destination))
        .set("destination_label", s(&destination_label(l)));
    o.shared()
}

/// The flow logs as CEL values, and the active ones among them (shared, not copied).
fn logs(ls: &[FlowLog]) -> (Vec<BoxVal>, Vec<BoxVal>) {
    let mut all = Vec::with_capacity(ls.len());
    let mut active = Vec::new();
    for l in ls {
        let v = flow_log(l);
        if l.status == "ACTIVE" {
            active.push(Box::new(v.clone()) as BoxVal);
        }
        all.push(Box::new(v) as BoxVal);
    }
    (all, active)
}

fn subnet(sn: &Subnet, active_all: &mut Vec<BoxVal>) -> BoxVal {
    let (all, active) = logs(&sn.flow_logs);
    active_all.extend(active.iter().cloned());
    let mut o = Obj::new();
    o.set("id", s(&sn.id))
        .set("arn", s(&sn.arn))
        .set("name", opt(&sn.name))
        .set("tags", tags(&sn.tags))
        .set("cidr_block", s(&sn.cidr_block))
        .set("availability_zone", opt(&sn.availability_zone))
        .set("state", s(&sn.state))
        .set("network_interfaces", count(sn.network_interfaces))
        .set("flow_logs", list(all))
        .set("active_logs", list(active));
    o.boxed()
}

/// The `vpc` CEL variable for one VPC of one region.
pub fn vpc_value(region: &str, account_id: &str, v: &Vpc) -> BoxVal {
    let (all, active_vpc) = logs(&v.flow_logs);
    let mut active_subnet = Vec::new();
    let subnets: Vec<BoxVal> = v
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
        .set("is_default", boolean(v.is_default))
        .set("owner_id", s(&v.owner_id))
        .set("shared", boolean(v.shared))
        .set("cidr_block", s(&v.cidr_block))
        .set("state", s(&v.state))
        .set("region", s(region))
        .set("account_id", s(account_id))
        .set("network_interfaces", count(v.network_interfaces))
        .set("subnets", list(subnets))
        .set("flow_logs", list(all))
        .set("active_vpc_logs", list(active_vpc))
        .set("active_subnet_logs", list(active_subnet))
        .set("active_logs", list(active_all));
    o.boxed()
}

/// The `transit_gateway` CEL variable for one transit gateway of one region.
pub fn tgw_value(region: &str, account_id: &str, t: &TransitGateway) -> BoxVal {
    let (all, active) = logs(&t.flow_logs);
    let (attachment_all, attachment_active) = logs(&t.attachment_flow_logs);
    let mut o = Obj::new();
    o.set("id", s(&t.id))
        .set("arn", s(&t.arn))
        .set("name", opt(&t.name))
        .set("tags", tags(&t.tags))
        .set("owner_id", s(&t.owner_id))
        .set("shared", boolean(t.shared))
        .set("state", s(&t.state))
        .set("description", opt(&t.description))
        .set("region", s(region))
        .set("account_id", s(account_id))
        .set("flow_logs", list(all))
        .set("active_logs", list(active))
        .set("attachment_flow_logs", list(attachment_all))
        .set("active_attachment_logs", list(attachment_active));
    o.boxed()
}

/// The scalar facts about a transit gateway that message templates see as `transit_gateway`.
pub fn tgw_json(region: &str, account_id: &str, t: &TransitGateway) -> serde_json::Value {
    serde_json::json!({
        "id": t.id,
        "arn": t.arn,
        "name": t.name.clone().unwrap_or_default(),
        "owner_id": t.owner_id,
        "shared": t.shared,
        "state": t.state,
        "description": t.description.clone().unwrap_or_default(),
        "region": region,
        "account_id": account_id,
        "flow_log_count": t.flow_logs.len(),
        "attachment_flow_log_count": t.attachment_flow_logs.len(),
    })
}

/// The `resource` CEL variable: the resource as the report names it.
pub fn resource_value(r: &crate::findings::ResourceRef) -> BoxVal {
    let mut o = Obj::new();
    o.set("type", s(&r.kind))
        .set("id", s(&r.id))
        .set("arn", s(&r.arn))
        .set("region", s(&r.region))
        .set("account_id", s(&r.account_id))
        .set(
            "name",
            match &r.name {
                Some(n) => s(n),
                None => Box::new(CelNull),
            },
        )
        .set("tags", tags(&r.tags));
    if let Some(n) = r.network_interfaces {
        o.set("network_interfaces", count(Some(n)));
    }
    if let Some(d) = r.is_default {
        o.set("is_default", boolean(d));
    }
    o.boxed()
}

/// The `account` CEL variable: the resource's account as the inventory's `accounts` describes
/// it, or its id alone when the inventory does not list it (a single-account scan).
pub fn account_value(id: &str, a: Option<&Account>) -> BoxVal {
    let ou_path: Vec<BoxVal> = a
        .map(|a| {
            a.ou_path
                .iter()
                .map(|u| {
                    let mut o = Obj::new();
                    o.set("id", s(&u.id)).set("name", s(&u.name));
                    o.boxed()
                })
                .collect()
        })
        .unwrap_or_default();
    let ou_names: Vec<BoxVal> = a
        .map(|a| a.ou_path.iter().map(|u| s(&u.name)).collect())
        .unwrap_or_default();
    let mut o = Obj::new();
    o.set("id", s(id))
        .set("name", s(a.and_then(|a| a.name.as_deref()).unwrap_or("")))
        .set("ou_path", list(ou_path))
        .set("ou_names", list(ou_names))
        .set("tags", tags(a.map_or(&BTreeMap::new(), |a| &a.tags)));
    o.boxed()
}

/// The `account` that templates see: the same fields as the CEL variable.
pub fn account_json(id: &str, a: Option<&Account>) -> serde_json::Value {
    let path = a.map_or(&[][..], |a| a.ou_path.as_slice());
    serde_json::json!({
        "id": id,
        "name": a.and_then(|a| a.name.as_deref()).unwrap_or(""),
        "ou_path": path.iter().map(|u| serde_json::json!({"id": u.id, "name": u.name})).collect::<Vec<_>>(),
        "ou_names": path.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        "tags": a.map_or(&BTreeMap::new(), |a| &a.tags),
    })
}

/// A CEL value as a shared value that can be bound to many contexts without a deep copy.
pub fn shared_val(v: Value) -> BoxVal {
    match Box::<dyn Val>::try_from(v) {
        Ok(b) => match b.into_builtin() {
            Some(Builtin::Map(m)) => Box::new(SharedMap::new(m)),
            Some(Builtin::List(l)) => Box::new(l),
            Some(Builtin::String(x)) => Box::new(x),
            _ => Box::new(CelNull),
        },
        Err(_) => Box::new(CelNull),
    }
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
        "network_interfaces": v.network_interfaces,
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
        serde_json::Value::String(x) => Value::String(Arc::new(x.clone())),
        serde_json::Value::Array(a) => Value::List(Arc::new(a.iter().map(json_to_cel).collect())),
        serde_json::Value::Object(m) => Value::Map(Map {
            map: Arc::new(
                m.iter()
                    .map(|(k, x)| (Key::String(Arc::new(k.clone())), json_to_cel(x)))
                    .collect(),
            ),
        }),
    }
}

/// A CEL value to JSON, for templates. Values JSON cannot hold (bytes, durations, types) become
/// their debug text.
pub fn val_to_json(v: &dyn Val) -> serde_json::Value {
    use serde_json::Value as JsonValue;
    if let Some(m) = v.downcast_ref::<CelMap>() {
        let mut out = serde_json::Map::new();
        for (k, x) in m.inner().iter() {
            out.insert(key_text(&Key::from(k.clone())), val_to_json(x.as_ref()));
        }
        return JsonValue::Object(out);
    }
    if let Some(l) = v.downcast_ref::<CelList>() {
        return JsonValue::Array(l.inner().iter().map(|x| val_to_json(x.as_ref())).collect());
    }
    if let Some(s) = v.downcast_ref::<CelString>() {
        return JsonValue::String(s.inner().to_string());
    }
    if let Some(b) = v.downcast_ref::<CelBool>() {
        return JsonValue::Bool(*b.inner());
    }
    if let Some(i) = v.downcast_ref::<CelInt>() {
        return JsonValue::from(*i.inner());
    }
    match Value::try_from(v) {
        Ok(Value::Null) => JsonValue::Null,
        Ok(Value::UInt(u)) => JsonValue::from(u),
        Ok(Value::Float(f)) => serde_json::Number::from_f64(f)
            .map(JsonValue::Number)
            .unwrap_or(JsonValue::Null),
        Ok(other) => JsonValue::String(format!("{other:?}")),
        Err(e) => JsonValue::String(format!("<{e}>")),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::ResourceRef;
    use std::collections::BTreeSet;

    /// Walk `v` (a value rules see, as JSON) along `shape`: every field it has must be declared;
    /// the paths of the fields it has are added to `seen`.
    fn walk(v: &serde_json::Value, shape: &Shape, path: &str, seen: &mut BTreeSet<String>) {
        match shape {
            Shape::Scalar => assert!(!v.is_array() && !v.is_object(), "{path}: {v}"),
            Shape::Map => {
                let m = v.as_object().unwrap_or_else(|| panic!("{path}: {v}"));
                assert!(m.values().all(|x| x.is_string()), "{path}: {v}");
            }
            Shape::List(of) => {
                for x in v.as_array().unwrap_or_else(|| panic!("{path}: {v}")) {
                    walk(x, of, &format!("{path}[]"), seen);
                }
            }
            Shape::Object(what, fields) => {
                let m = v.as_object().unwrap_or_else(|| panic!("{path}: {v}"));
                for (k, x) in m {
                    let (_, f) = fields
                        .iter()
                        .find(|(n, _)| n == k)
                        .unwrap_or_else(|| panic!("{path}.{k} is not declared in its Shape"));
                    walk(x, f, &format!("{path}.{k}"), seen);
                    seen.insert(format!("{what}.{k}"));
                }
            }
        }
    }

    /// Every field a shape declares, as `OBJECT.FIELD`.
    fn declared(shape: &Shape, out: &mut BTreeSet<String>) {
        match shape {
            Shape::List(of) => declared(of, out),
            Shape::Object(what, fields) => {
                for (k, f) in fields.iter() {
                    declared(f, out);
                    out.insert(format!("{what}.{k}"));
                }
            }
            Shape::Scalar | Shape::Map => {}
        }
    }

    #[test]
    fn the_declared_shapes_are_those_of_the_values_built_from_complete_inventories() {
        let mut seen = BTreeSet::new();
        let root = env!("CARGO_MANIFEST_DIR");
        for name in ["demo-inventory.json", "org-inventory.json"] {
            let path = std::path::Path::new(root).join("tests/fixtures").join(name);
            let mut inv = crate::inventory::io::load(&path).unwrap();
            // The fixtures count no network interfaces and have no Firehose destination: one
            // VPC gets both.
            let v = inv
                .regions
                .iter_mut()
                .flat_map(|k| k.vpcs.iter_mut())
                .find(|v| !v.flow_logs.is_empty())
                .unwrap();
            v.network_interfaces = Some(2);
            v.flow_logs[0].destination.delivers_to = vec![crate::inventory::StreamTarget {
                kind: "s3".into(),
                target: Some("arn:aws:s3:::logs".into()),
                name: Some("archive".into()),
            }];
            for k in &inv.regions {
                let account = inv.accounts.iter().find(|a| a.id == k.account_id);
                walk(
                    &val_to_json(account_value(&k.account_id, account).as_ref()),
                    variable_shape("vpc", "account").unwrap(),
                    "account",
                    &mut seen,
                );
                walk(
                    &options_json(true, &k.account_id),
                    variable_shape("vpc", "options").unwrap(),
                    "options",
                    &mut seen,
                );
                for v in &k.vpcs {
                    walk(
                        &val_to_json(vpc_value(&k.region, &k.account_id, v).as_ref()),
                        variable_shape(crate::rules::VPC, "vpc").unwrap(),
                        "vpc",
                        &mut seen,
                    );
                    let r = ResourceRef {
                        kind: "vpc".into(),
                        id: v.id.clone(),
                        arn: v.arn.clone(),
                        region: k.region.clone(),
                        account_id: k.account_id.clone(),
                        name: v.name.clone(),
                        tags: v.tags.clone(),
                        network_interfaces: v.network_interfaces,
                        is_default: Some(v.is_default),
                    };
                    walk(
                        &val_to_json(resource_value(&r).as_ref()),
                        variable_shape("vpc", "resource").unwrap(),
                        "resource",
                        &mut seen,
                    );
                }
                for t in &k.transit_gateways {
                    walk(
                        &val_to_json(tgw_value(&k.region, &k.account_id, t).as_ref()),
                        variable_shape(crate::rules::TRANSIT_GATEWAY, "transit_gateway").unwrap(),
                        "transit_gateway",
                        &mut seen,
                    );
                }
            }
        }
        // Every declared field is in some value: the fixtures are complete, and the shapes
        // declare nothing the values lack.
        let mut want = BTreeSet::new();
        for (kind, name) in [
            ("vpc", "vpc"),
            ("transit_gateway", "transit_gateway"),
            ("vpc", "resource"),
            ("vpc", "account"),
            ("vpc", "options"),
        ] {
            declared(variable_shape(kind, name).unwrap(), &mut want);
        }
        let missing: Vec<_> = want.difference(&seen).collect();
        assert!(missing.is_empty(), "declared but in no value: {missing:?}");
        // A variable of the other resource kind is not seen.
        assert!(variable_shape(crate::rules::VPC, "transit_gateway").is_none());
        assert!(variable_shape(crate::rules::TRANSIT_GATEWAY, "vpc").is_none());
    }

    #[test]
    fn the_resource_variable_is_the_resource_as_the_report_writes_it() {
        for (name, enis) in [(Some("web <prod>".to_string()), Some(3)), (None, None)] {
            let r = ResourceRef {
                kind: "vpc".into(),
                id: "vpc-1".into(),
                arn: "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-1".into(),
                region: "eu-west-1".into(),
                account_id: "111111111111".into(),
                name,
                tags: BTreeMap::from([("Name".into(), "web".into()), ("env".into(), "x".into())]),
                network_interfaces: enis,
                is_default: enis.map(|_| false),
            };
            assert_eq!(
                val_to_json(resource_value(&r).as_ref()),
                serde_json::to_value(&r).unwrap()
            );
        }
    }
}

//! What rules see: the joined inventory turned into CEL values (with a few precomputed helper
//! fields), and conversions between CEL values and JSON for the message templates.
//! The fields are documented in `docs/rules.md`; keep the two in step.

use crate::inventory::{
    Account, Destination, DestinationType, Encryption, Existence, FlowLog, StreamTarget,
};
use crate::kinds::ResourceKind;
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

pub use super::shape::Shape;
use super::shape::{ACCOUNT_SHAPE, OPTIONS_SHAPE, RESOURCE_SHAPE, TAGS};

/// The shape of a variable that every rule of resource kind `kind` sees, when it has a fixed
/// one (`params` and `checks` depend on the rule, `let`s on the check).
pub fn variable_shape(kind: &str, name: &str) -> Option<&'static Shape> {
    match name {
        "resource" => Some(&RESOURCE_SHAPE),
        "account" => Some(&ACCOUNT_SHAPE),
        "options" => Some(&OPTIONS_SHAPE),
        "checks" => Some(TAGS),
        _ => ResourceKind::parse(kind)
            .filter(|k| k.variable() == name)
            .map(ResourceKind::shape),
    }
}

/// The `options` variable: the scan-wide options rules see.
pub fn options_json(accept_subnet_coverage: bool, account_id: &str) -> serde_json::Value {
    serde_json::json!({
        "accept_subnet_coverage": accept_subnet_coverage,
        "account_id": account_id,
    })
}

pub(crate) type BoxVal = Box<dyn Val + 'static>;

pub(crate) struct Obj(HashMap<CelMapKey<'static>, BoxVal>);

impl Obj {
    pub(crate) fn new() -> Self {
        Obj(HashMap::with_capacity(24))
    }
    pub(crate) fn set(&mut self, k: &'static str, v: BoxVal) -> &mut Self {
        self.0.insert(CelMapKey::from(k), v);
        self
    }
    pub(crate) fn shared(self) -> SharedMap {
        SharedMap::new(CelMap::from(self.0))
    }
    pub(crate) fn boxed(self) -> BoxVal {
        Box::new(self.shared())
    }
}

pub(crate) fn s(v: &str) -> BoxVal {
    Box::new(CelString::from(v.to_string()))
}

pub(crate) fn opt(v: &Option<String>) -> BoxVal {
    s(v.as_deref().unwrap_or(""))
}

pub(crate) fn int(i: i64) -> BoxVal {
    Box::new(CelInt::from(i))
}

/// A count, or null when it was not taken.
pub(crate) fn count(n: Option<u64>) -> BoxVal {
    match n {
        Some(n) => int(i64::try_from(n).unwrap_or(i64::MAX)),
        None => Box::new(CelNull),
    }
}

pub(crate) fn boolean(b: bool) -> BoxVal {
    Box::new(CelBool::from(b))
}

pub(crate) fn tags(t: &BTreeMap<String, String>) -> BoxVal {
    let m: HashMap<CelMapKey<'static>, BoxVal> = t
        .iter()
        .map(|(k, v)| (CelMapKey::from(k.clone()), s(v)))
        .collect();
    Box::new(SharedMap::new(CelMap::from(m)))
}

pub(crate) fn list(v: Vec<BoxVal>) -> BoxVal {
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
pub(crate) fn logs(ls: &[FlowLog]) -> (Vec<BoxVal>, Vec<BoxVal>) {
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
    use crate::kinds::Resource;
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
                        &val_to_json(v.cel_value(&k.region, &k.account_id).as_ref()),
                        variable_shape(crate::rules::VPC, "vpc").unwrap(),
                        "vpc",
                        &mut seen,
                    );
                    let r = v.resource_ref(&k.region, &k.account_id);
                    walk(
                        &val_to_json(resource_value(&r).as_ref()),
                        variable_shape("vpc", "resource").unwrap(),
                        "resource",
                        &mut seen,
                    );
                }
                for t in &k.transit_gateways {
                    walk(
                        &val_to_json(t.cel_value(&k.region, &k.account_id).as_ref()),
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

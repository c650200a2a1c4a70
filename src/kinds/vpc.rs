//! VPCs as a resource kind: their reference, CEL value and template data, rule-test defaults
//! and fix target. A VPC carries its subnets, whose flow logs count towards it.

use super::{FixTarget, Resource, ResourceKind};
use crate::findings::ResourceRef;
use crate::fix::plan::model::TRAFFIC_TYPE;
use crate::fix::settings::FixSettings;
use crate::inventory::validate::{self, Invalid};
use crate::inventory::{FlowLog, RegionInventory, Subnet, Vpc};
use crate::rules::cel_values::{BoxVal, Obj, boolean, count, list, logs, opt, s, tags};
use crate::rules::shape::{FLOW_LOGS, S, Shape, TAGS};
use crate::rules::testing::{log_with_defaults, merge};
use crate::term::escape;
use serde_json::{Value as JsonValue, json};

impl Resource for Vpc {
    fn kind_of() -> ResourceKind {
        ResourceKind::Vpc
    }
    fn listed(r: &RegionInventory) -> &[Vpc] {
        &r.vpcs
    }
    fn listed_mut(r: &mut RegionInventory) -> &mut Vec<Vpc> {
        &mut r.vpcs
    }
    fn shape() -> &'static Shape {
        &VPC_SHAPE
    }
    fn test_defaults(frag: &JsonValue, account: &str, region: &str) -> JsonValue {
        with_defaults(frag, account, region)
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn resource_ref(&self, region: &str, account: &str) -> ResourceRef {
        ResourceRef {
            kind: ResourceKind::Vpc.name().into(),
            id: self.id.clone(),
            arn: self.arn.clone(),
            region: region.to_string(),
            account_id: account.to_string(),
            name: self.name.clone(),
            tags: self.tags.clone(),
            network_interfaces: self.network_interfaces,
            is_default: Some(self.is_default),
        }
    }
    fn cel_value(&self, region: &str, account: &str) -> BoxVal {
        value_of(region, account, self)
    }
    fn template_json(&self, region: &str, account: &str) -> JsonValue {
        json_of(region, account, self)
    }
    fn fix_target(&self, _: &FixSettings) -> FixTarget<'_> {
        FixTarget {
            id: &self.id,
            name: &self.name,
            owner_id: &self.owner_id,
            shared: self.shared,
            noun: ResourceKind::Vpc.noun(),
            flow_logs: &self.flow_logs,
            // A key association encrypts the destinations of subnet-level logs too.
            encryptable: self
                .flow_logs
                .iter()
                .chain(self.subnets.iter().flat_map(|sn| &sn.flow_logs))
                .collect(),
            log: "ALL flow log",
            traffic_type: TRAFFIC_TYPE,
            resource_type: None,
            note: describe_existing(&self.flow_logs),
        }
    }
    fn validate(&self) -> Result<(), Invalid> {
        validate::vpc(self)
    }
    fn flow_logs(&self) -> Vec<&FlowLog> {
        self.flow_logs
            .iter()
            .chain(self.subnets.iter().flat_map(|s| s.flow_logs.iter()))
            .collect()
    }
    fn flow_logs_mut(&mut self) -> Vec<&mut FlowLog> {
        self.flow_logs
            .iter_mut()
            .chain(self.subnets.iter_mut().flat_map(|s| s.flow_logs.iter_mut()))
            .collect()
    }
}

/// The note of a new ALL flow log: the flow logs the VPC already has, which are kept.
fn describe_existing(logs: &[FlowLog]) -> Option<String> {
    if logs.is_empty() {
        return None;
    }
    let list = logs
        .iter()
        .map(|f| format!("{} ({})", escape(&f.id), escape(&f.traffic_type)))
        .collect::<Vec<_>>()
        .join(", ");
    let kind = if logs.iter().all(|f| f.traffic_type == "REJECT") {
        "REJECT-only flow log"
    } else {
        "existing flow log"
    };
    Some(format!(
        "adds an ALL log next to its {kind}{} {list}, which {} kept unchanged",
        if logs.len() > 1 { "s" } else { "" },
        if logs.len() > 1 { "are" } else { "is" }
    ))
}

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

/// The `vpc` variable ([`Resource::cel_value`]).
static VPC_SHAPE: Shape = Shape::Object(
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
fn value_of(region: &str, account_id: &str, v: &Vpc) -> BoxVal {
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

/// The scalar facts about a VPC that message templates see as `vpc`.
fn json_of(region: &str, account_id: &str, v: &Vpc) -> serde_json::Value {
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

/// A complete inventory VPC built from a test fragment: every field the fragment leaves out gets
/// a default (documented in docs/rules.md).
fn with_defaults(frag: &JsonValue, account: &str, region: &str) -> JsonValue {
    let id = frag
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or("vpc-0test")
        .to_string();
    let mut base = json!({
        "id": id,
        "arn": format!("arn:aws:ec2:{region}:{account}:vpc/{id}"),
        "is_default": false,
        "owner_id": account,
        "shared": false,
        "cidr_block": "10.0.0.0/16",
        "state": "available",
    });
    let mut frag = frag.clone();
    let logs = frag.as_object_mut().and_then(|o| o.remove("flow_logs"));
    let subnets = frag.as_object_mut().and_then(|o| o.remove("subnets"));
    merge(&mut base, &frag);
    if let Some(JsonValue::Array(logs)) = logs {
        let v: Vec<JsonValue> = logs
            .iter()
            .enumerate()
            .map(|(i, l)| log_with_defaults(l, &id, "vpc", i + 1, account, region))
            .collect();
        base["flow_logs"] = JsonValue::Array(v);
    }
    if let Some(JsonValue::Array(subnets)) = subnets {
        let v: Vec<JsonValue> = subnets
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let sid = s
                    .get("id")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("subnet-0test{}", i + 1));
                let mut sb = json!({
                    "id": sid,
                    "arn": format!("arn:aws:ec2:{region}:{account}:subnet/{sid}"),
                    "cidr_block": format!("10.0.{}.0/24", i + 1),
                    "state": "available",
                });
                let mut s = s.clone();
                let logs = s.as_object_mut().and_then(|o| o.remove("flow_logs"));
                merge(&mut sb, &s);
                if let Some(JsonValue::Array(logs)) = logs {
                    sb["flow_logs"] = JsonValue::Array(
                        logs.iter()
                            .enumerate()
                            .map(|(j, l)| {
                                log_with_defaults(
                                    l,
                                    &sid,
                                    "subnet",
                                    (i + 1) * 100 + j + 1,
                                    account,
                                    region,
                                )
                            })
                            .collect(),
                    );
                }
                sb
            })
            .collect();
        base["subnets"] = JsonValue::Array(v);
    }
    base
}

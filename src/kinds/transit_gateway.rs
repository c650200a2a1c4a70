//! Transit gateways as a resource kind: their reference, CEL value and template data, rule-test
//! defaults and fix target. A transit gateway carries the flow logs of its attachments too.

use super::{FixTarget, Resource, ResourceKind};
use crate::findings::ResourceRef;
use crate::fix::settings::FixSettings;
use crate::inventory::validate::{self, Invalid};
use crate::inventory::{FlowLog, RegionInventory, TransitGateway};
use crate::rules::cel_values::{BoxVal, Obj, boolean, list, logs, opt, s, tags};
use crate::rules::shape::{FLOW_LOGS, S, Shape, TAGS};
use crate::rules::testing::{log_with_defaults, merge};
use serde_json::{Value as JsonValue, json};

impl Resource for TransitGateway {
    fn kind_of() -> ResourceKind {
        ResourceKind::TransitGateway
    }
    fn listed(r: &RegionInventory) -> &[TransitGateway] {
        &r.transit_gateways
    }
    fn listed_mut(r: &mut RegionInventory) -> &mut Vec<TransitGateway> {
        &mut r.transit_gateways
    }
    fn shape() -> &'static Shape {
        &TGW_SHAPE
    }
    fn test_defaults(frag: &JsonValue, account: &str, region: &str) -> JsonValue {
        with_defaults(frag, account, region)
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn resource_ref(&self, region: &str, account: &str) -> ResourceRef {
        ResourceRef {
            kind: ResourceKind::TransitGateway.name().into(),
            id: self.id.clone(),
            arn: self.arn.clone(),
            region: region.to_string(),
            account_id: account.to_string(),
            name: self.name.clone(),
            tags: self.tags.clone(),
            network_interfaces: None,
            is_default: None,
        }
    }
    fn cel_value(&self, region: &str, account: &str) -> BoxVal {
        value_of(region, account, self)
    }
    fn template_json(&self, region: &str, account: &str) -> JsonValue {
        json_of(region, account, self)
    }
    fn fix_target(&self, s: &FixSettings) -> FixTarget<'_> {
        FixTarget {
            id: &self.id,
            name: &self.name,
            owner_id: &self.owner_id,
            shared: self.shared,
            noun: ResourceKind::TransitGateway.noun(),
            flow_logs: &self.flow_logs,
            encryptable: self.flow_logs.iter().collect(),
            log: "transit gateway flow log",
            traffic_type: "",
            resource_type: ResourceKind::TransitGateway.flow_log_resource_type(),
            note: fix_note(self, s),
        }
    }
    fn validate(&self) -> Result<(), Invalid> {
        validate::transit_gateway(self)
    }
    fn flow_logs(&self) -> Vec<&FlowLog> {
        self.flow_logs
            .iter()
            .chain(self.attachment_flow_logs.iter())
            .collect()
    }
    fn flow_logs_mut(&mut self) -> Vec<&mut FlowLog> {
        self.flow_logs
            .iter_mut()
            .chain(self.attachment_flow_logs.iter_mut())
            .collect()
    }
}

/// The note of a new transit gateway flow log: the attachment-level logs it leaves alone, and
/// the VPC flow-log settings that do not apply to it.
fn fix_note(tgw: &TransitGateway, s: &FixSettings) -> Option<String> {
    let mut parts = Vec::new();
    if !tgw.attachment_flow_logs.is_empty() {
        parts.push(format!(
            "its {} attachment-level flow log(s) are kept unchanged",
            tgw.attachment_flow_logs.len()
        ));
    }
    if s.log_format.is_some() {
        parts.push(
            "--fix-log-format is not used: a transit gateway flow log has fields of its own, and gets AWS's default format"
                .to_string(),
        );
    }
    // 60 is also what the rules choose when the flag is not given: only another value was asked for.
    if let Some(v) = s.max_aggregation_interval.filter(|v| *v != 60) {
        parts.push(format!(
            "--fix-max-aggregation-interval {v} is not used: a transit gateway flow log always aggregates over 60 seconds"
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The `transit_gateway` variable ([`Resource::cel_value`]).
static TGW_SHAPE: Shape = Shape::Object(
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

/// The `transit_gateway` CEL variable for one transit gateway of one region.
fn value_of(region: &str, account_id: &str, t: &TransitGateway) -> BoxVal {
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
fn json_of(region: &str, account_id: &str, t: &TransitGateway) -> serde_json::Value {
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

/// A complete inventory transit gateway built from a test fragment: every field the fragment
/// leaves out gets a default (documented in docs/rules.md). Its flow logs have no traffic type
/// and a 60-second aggregation interval, as AWS gives transit gateway flow logs.
fn with_defaults(frag: &JsonValue, account: &str, region: &str) -> JsonValue {
    let id = frag
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or("tgw-0test")
        .to_string();
    let mut base = json!({
        "id": id,
        "arn": format!("arn:aws:ec2:{region}:{account}:transit-gateway/{id}"),
        "owner_id": account,
        "shared": false,
        "state": "available",
    });
    let mut frag = frag.clone();
    let logs = frag.as_object_mut().and_then(|o| o.remove("flow_logs"));
    let attachment_logs = frag
        .as_object_mut()
        .and_then(|o| o.remove("attachment_flow_logs"));
    merge(&mut base, &frag);
    let tgw_log = |l: &JsonValue, resource_id: &str, kind: &str, n: usize| {
        let mut l = l.clone();
        if let JsonValue::Object(o) = &mut l {
            o.entry("traffic_type").or_insert(json!(""));
            o.entry("max_aggregation_interval").or_insert(json!(60));
        }
        log_with_defaults(&l, resource_id, kind, n, account, region)
    };
    if let Some(JsonValue::Array(logs)) = logs {
        let v: Vec<JsonValue> = logs
            .iter()
            .enumerate()
            .map(|(i, l)| tgw_log(l, &id, "transit_gateway", i + 1))
            .collect();
        base["flow_logs"] = JsonValue::Array(v);
    }
    if let Some(JsonValue::Array(logs)) = attachment_logs {
        let v: Vec<JsonValue> = logs
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let attachment = format!("tgw-attach-0test{}", i + 1);
                let resource = l
                    .get("resource_id")
                    .and_then(|v| v.as_str())
                    .unwrap_or(&attachment)
                    .to_string();
                tgw_log(l, &resource, "transit_gateway_attachment", i + 1)
            })
            .collect();
        base["attachment_flow_logs"] = JsonValue::Array(v);
    }
    base
}

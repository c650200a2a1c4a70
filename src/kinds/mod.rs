//! Resource kinds: what flowaudit judges (VPCs, transit gateways), each behind one abstraction.
//!
//! [`ResourceKind`] names a kind (its wire name, CEL variable, noun, the listings it comes from);
//! the [`Resource`] trait, implemented by each kind's inventory type in its own file
//! ([`vpc`], [`transit_gateway`]), gives everything the rest of the pipeline needs of one
//! resource: its reference in reports, its CEL value and template data, its rule-test defaults,
//! its fix target and where it is listed in a region entry. Everything else (the evaluator, the
//! streamed inventory, the fix plan, the collector's checks) goes through these, so that adding a
//! kind adds a variant here and a file beside this one (see CONTRIBUTING.md, "Add a resource
//! kind").

pub mod transit_gateway;
pub mod vpc;

use crate::findings::ResourceRef;
use crate::fix::settings::FixSettings;
use crate::inventory::validate::Invalid;
use crate::inventory::{FlowLog, RegionInventory, TransitGateway, Vpc};
use crate::rules::shape::Shape;
use serde_json::Value as JsonValue;

/// A kind of resource that rules judge. A rule's `resource` field names one (by
/// [`ResourceKind::name`]); its CEL variable has the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    Vpc,
    TransitGateway,
}

impl ResourceKind {
    /// Every kind, in the order a region entry's resources are evaluated and reported.
    pub const ALL: [ResourceKind; 2] = [ResourceKind::Vpc, ResourceKind::TransitGateway];

    /// The wire names of [`ResourceKind::ALL`], in that order.
    pub const NAMES: [&'static str; 2] = [
        ResourceKind::Vpc.name(),
        ResourceKind::TransitGateway.name(),
    ];

    /// The wire name: a rule's `resource`, a finding's resource `type`, the CEL and template
    /// variable (`vpc`, `transit_gateway`).
    pub const fn name(self) -> &'static str {
        match self {
            ResourceKind::Vpc => "vpc",
            ResourceKind::TransitGateway => "transit_gateway",
        }
    }

    /// The variable rules (CEL) and message templates see the resource as.
    pub const fn variable(self) -> &'static str {
        self.name()
    }

    /// The kind named `name` (a rule's `resource` field), if it is one.
    pub fn parse(name: &str) -> Option<ResourceKind> {
        ResourceKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The position of the kind in [`ResourceKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// How messages name one resource of the kind (`VPC`, `transit gateway`).
    pub const fn noun(self) -> &'static str {
        match self {
            ResourceKind::Vpc => "VPC",
            ResourceKind::TransitGateway => "transit gateway",
        }
    }

    /// How messages name several (`VPCs`, `transit gateways`).
    pub const fn plural(self) -> &'static str {
        match self {
            ResourceKind::Vpc => "VPCs",
            ResourceKind::TransitGateway => "transit gateways",
        }
    }

    /// [`ResourceKind::noun`] at the start of a sentence (`VPC`, `Transit gateway`).
    pub fn noun_capitalized(self) -> String {
        let mut c = self.noun().chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    }

    /// The field of a region entry that lists the kind (`vpcs`, `transit_gateways`).
    pub const fn field(self) -> &'static str {
        match self {
            ResourceKind::Vpc => "vpcs",
            ResourceKind::TransitGateway => "transit_gateways",
        }
    }

    /// True when a region entry may leave the kind's field out (an inventory written before the
    /// kind was collected); the region entry's own kind (VPCs) is always there.
    pub const fn optional_in_region_entry(self) -> bool {
        !matches!(self, ResourceKind::Vpc)
    }

    /// The kind's CloudFormation resource type, as OCSF's `resources[].type` names it
    /// (`AWS::EC2::VPC`).
    pub const fn aws_type(self) -> &'static str {
        match self {
            ResourceKind::Vpc => "AWS::EC2::VPC",
            ResourceKind::TransitGateway => "AWS::EC2::TransitGateway",
        }
    }

    /// The kind's resource type in the AWS Security Finding Format (`Resources[].Type`):
    /// `AwsEc2Vpc`, or `Other` for a kind ASFF has no type for.
    pub const fn asff_type(self) -> &'static str {
        match self {
            ResourceKind::Vpc => "AwsEc2Vpc",
            ResourceKind::TransitGateway => "Other",
        }
    }

    /// The kind a flow-log change of the fix plan is for, from its CreateFlowLogs resource type
    /// (`None`, the plan's VPC default, or a kind's [`ResourceKind::flow_log_resource_type`]).
    pub fn of_flow_log_resource_type(resource_type: Option<&str>) -> ResourceKind {
        resource_type
            .and_then(|t| {
                ResourceKind::ALL
                    .into_iter()
                    .find(|k| k.flow_log_resource_type() == Some(t))
            })
            .unwrap_or(ResourceKind::Vpc)
    }

    /// The CreateFlowLogs `ResourceType` a fix records for the kind; `None` for a VPC, the
    /// default of the change log.
    pub const fn flow_log_resource_type(self) -> Option<&'static str> {
        match self {
            ResourceKind::Vpc => None,
            ResourceKind::TransitGateway => Some("TransitGateway"),
        }
    }

    /// The aggregation interval every flow log of the kind has, when AWS accepts no other (a
    /// transit gateway's 60 seconds); `None` when `--fix-max-aggregation-interval` applies.
    /// A kind with a fixed interval also has fields of its own: `--fix-log-format` does not
    /// apply to it, and it has no traffic type.
    pub const fn fixed_aggregation_interval(self) -> Option<i32> {
        match self {
            ResourceKind::Vpc => None,
            ResourceKind::TransitGateway => Some(60),
        }
    }

    /// The resource type in an EC2 ARN (`vpc`, `transit-gateway`), for a reference standing for
    /// every resource of the kind in a region (`.../vpc/*`).
    pub const fn arn_type(self) -> &'static str {
        match self {
            ResourceKind::Vpc => "vpc",
            ResourceKind::TransitGateway => "transit-gateway",
        }
    }

    /// The prefix of the kind's resource ids (`vpc-`, `tgw-`).
    pub const fn id_prefix(self) -> &'static str {
        match self {
            ResourceKind::Vpc => "vpc-",
            ResourceKind::TransitGateway => "tgw-",
        }
    }

    /// Check that `id` is an id of the kind.
    pub fn check_id(self, id: &str) -> Result<(), crate::inventory::validate::Rule> {
        match self {
            ResourceKind::Vpc => crate::inventory::validate::vpc_id(id),
            ResourceKind::TransitGateway => crate::inventory::validate::transit_gateway_id(id),
        }
    }

    /// The EC2 listings only this kind needs, the first naming it in error messages; empty for
    /// the region entry's own kind (VPCs), whose listings are those of the region itself.
    pub const fn listings(self) -> &'static [&'static str] {
        match self {
            ResourceKind::Vpc => &[],
            ResourceKind::TransitGateway => &[
                "DescribeTransitGateways",
                "DescribeTransitGatewayAttachments",
            ],
        }
    }

    /// True when a failure of the EC2 call `operation` in a region leaves the data this kind
    /// needs there incomplete: its own listings and the flow logs for a kind with listings of
    /// its own; for the region entry's own kind, every call but the other kinds' own listings.
    pub fn needs_listing(self, operation: &str) -> bool {
        if self.listings().is_empty() {
            !ResourceKind::ALL
                .iter()
                .any(|k| k.listings().contains(&operation))
        } else {
            self.listings().contains(&operation) || operation == "DescribeFlowLogs"
        }
    }

    /// Call `f` with the kind's inventory type.
    pub fn with<F: KindFn>(self, f: F) -> F::Out {
        match self {
            ResourceKind::Vpc => f.call::<Vpc>(),
            ResourceKind::TransitGateway => f.call::<TransitGateway>(),
        }
    }

    /// The resources of this kind that a region entry lists.
    pub fn listed(self, r: &RegionInventory) -> Resources<'_> {
        struct Listed<'r>(&'r RegionInventory);
        impl<'r> KindFn for Listed<'r> {
            type Out = Resources<'r>;
            fn call<R: Resource + serde::de::DeserializeOwned>(self) -> Resources<'r> {
                Resources::borrowed(R::listed(self.0))
            }
        }
        self.with(Listed(r))
    }

    /// The resources of this kind that a region entry lists, in consecutive parts of at most
    /// `size` (at least one).
    pub fn chunks(self, r: &RegionInventory, size: usize) -> Vec<Resources<'_>> {
        struct Chunks<'r>(&'r RegionInventory, usize);
        impl<'r> KindFn for Chunks<'r> {
            type Out = Vec<Resources<'r>>;
            fn call<R: Resource + serde::de::DeserializeOwned>(self) -> Vec<Resources<'r>> {
                R::listed(self.0)
                    .chunks(self.1.max(1))
                    .map(Resources::borrowed)
                    .collect()
            }
        }
        self.with(Chunks(r, size))
    }

    /// Remove every resource of this kind from a region entry.
    pub fn clear(self, r: &mut RegionInventory) {
        struct Clear<'r>(&'r mut RegionInventory);
        impl KindFn for Clear<'_> {
            type Out = ();
            fn call<R: Resource + serde::de::DeserializeOwned>(self) {
                R::listed_mut(self.0).clear()
            }
        }
        self.with(Clear(r))
    }

    /// The shape of the kind's CEL variable.
    pub fn shape(self) -> &'static Shape {
        struct ShapeOf;
        impl KindFn for ShapeOf {
            type Out = &'static Shape;
            fn call<R: Resource + serde::de::DeserializeOwned>(self) -> &'static Shape {
                R::shape()
            }
        }
        self.with(ShapeOf)
    }

    /// A complete resource of this kind in inventory JSON, built from a rule test case's
    /// fragment: every field the fragment leaves out gets its default (docs/rules.md).
    pub fn test_defaults(self, frag: &JsonValue, account: &str, region: &str) -> JsonValue {
        struct Defaults<'a>(&'a JsonValue, &'a str, &'a str);
        impl KindFn for Defaults<'_> {
            type Out = JsonValue;
            fn call<R: Resource + serde::de::DeserializeOwned>(self) -> JsonValue {
                R::test_defaults(self.0, self.1, self.2)
            }
        }
        self.with(Defaults(frag, account, region))
    }

    /// Read one resource of this kind from inventory JSON into the region entry `r`.
    pub fn push_json(
        self,
        r: &mut RegionInventory,
        value: &JsonValue,
    ) -> Result<(), serde_path_to_error::Error<serde_json::Error>> {
        struct Push<'a>(&'a mut RegionInventory, &'a JsonValue);
        impl KindFn for Push<'_> {
            type Out = Result<(), serde_path_to_error::Error<serde_json::Error>>;
            fn call<R: Resource + serde::de::DeserializeOwned>(self) -> Self::Out {
                let item: R = serde_path_to_error::deserialize(self.1)?;
                R::listed_mut(self.0).push(item);
                Ok(())
            }
        }
        self.with(Push(r, value))
    }

    /// The first resource of this kind in `r` holding a value of the wrong shape, as the path
    /// within the region entry (`transit_gateways[2].arn`).
    pub fn first_invalid(self, r: &RegionInventory) -> Option<Invalid> {
        self.listed(r).iter().enumerate().find_map(|(i, x)| {
            x.validate()
                .err()
                .map(|e| e.within(format_args!("{}[{i}]", self.field())))
        })
    }
}

/// Something done with a kind's inventory type, given to [`ResourceKind::with`]: the one place
/// where a kind is turned into its type.
pub trait KindFn {
    type Out;
    fn call<R: Resource + serde::de::DeserializeOwned>(self) -> Self::Out;
}

/// One resource of a kind: the facets of it that the evaluator, the fix plan, rule tests and
/// the collector need, so that none of them has code of its own per kind.
pub trait Resource: Send + Sync + 'static {
    /// The kind of resource the type holds.
    fn kind_of() -> ResourceKind
    where
        Self: Sized;
    /// The region entry's list of these resources.
    fn listed(r: &RegionInventory) -> &[Self]
    where
        Self: Sized;
    fn listed_mut(r: &mut RegionInventory) -> &mut Vec<Self>
    where
        Self: Sized;
    /// The shape of the CEL variable ([`Resource::cel_value`]).
    fn shape() -> &'static Shape
    where
        Self: Sized;
    /// A complete resource in inventory JSON built from a rule test case's fragment.
    fn test_defaults(frag: &JsonValue, account: &str, region: &str) -> JsonValue
    where
        Self: Sized;

    /// The resource's id (`vpc-…`, `tgw-…`).
    fn id(&self) -> &str;
    /// The resource as results name it.
    fn resource_ref(&self, region: &str, account: &str) -> ResourceRef;
    /// The CEL variable rules see the resource as.
    fn cel_value(&self, region: &str, account: &str) -> Box<dyn cel::common::value::Val>;
    /// The scalar facts message templates see under the kind's variable.
    fn template_json(&self, region: &str, account: &str) -> JsonValue;
    /// What a fix needs to give the resource a flow log.
    fn fix_target(&self, s: &FixSettings) -> FixTarget<'_>;
    /// The shapes of its values that name AWS things (see [`crate::inventory::validate`]).
    fn validate(&self) -> Result<(), Invalid>;
    /// Every flow log it holds (its own and those of its parts).
    fn flow_logs(&self) -> Vec<&FlowLog>;
    /// [`Resource::flow_logs`], to change them.
    fn flow_logs_mut(&mut self) -> Vec<&mut FlowLog>;
}

/// Every flow log of a region entry: those of each kind's resources, then the others.
pub fn each_flow_log(r: &RegionInventory) -> Vec<&FlowLog> {
    struct Each<'a, 'b>(&'a RegionInventory, &'b mut Vec<&'a FlowLog>);
    impl KindFn for Each<'_, '_> {
        type Out = ();
        fn call<R: Resource + serde::de::DeserializeOwned>(self) {
            for x in R::listed(self.0) {
                self.1.extend(x.flow_logs());
            }
        }
    }
    let mut out = Vec::new();
    for kind in ResourceKind::ALL {
        kind.with(Each(r, &mut out));
    }
    out.extend(r.other_flow_logs.iter());
    out
}

/// Call `f` on every flow log of a region entry: those of each kind's resources, then the others.
pub fn each_flow_log_mut(r: &mut RegionInventory, f: &mut dyn FnMut(&mut FlowLog)) {
    struct Each<'a>(&'a mut RegionInventory, &'a mut dyn FnMut(&mut FlowLog));
    impl KindFn for Each<'_> {
        type Out = ();
        fn call<R: Resource + serde::de::DeserializeOwned>(self) {
            for x in R::listed_mut(self.0) {
                for l in x.flow_logs_mut() {
                    (self.1)(l);
                }
            }
        }
    }
    for kind in ResourceKind::ALL {
        kind.with(Each(&mut *r, &mut *f));
    }
    for l in &mut r.other_flow_logs {
        f(l);
    }
}

/// Consecutive resources of one kind, borrowed from an inventory or owned (read from a file).
pub struct Resources<'v> {
    kind: ResourceKind,
    list: Box<dyn List + Send + 'v>,
}

trait List {
    fn len(&self) -> usize;
    fn at(&self, i: usize) -> &dyn Resource;
    /// The owned list, to be downcast; `None` for a borrowed one.
    #[cfg(test)]
    fn into_any(self: Box<Self>) -> Option<Box<dyn std::any::Any>>;
}

impl<R: Resource> List for Vec<R> {
    fn len(&self) -> usize {
        self.as_slice().len()
    }
    fn at(&self, i: usize) -> &dyn Resource {
        &self[i]
    }
    #[cfg(test)]
    fn into_any(self: Box<Self>) -> Option<Box<dyn std::any::Any>> {
        Some(self)
    }
}

impl<R: Resource> List for &[R] {
    fn len(&self) -> usize {
        <[R]>::len(self)
    }
    fn at(&self, i: usize) -> &dyn Resource {
        &self[i]
    }
    #[cfg(test)]
    fn into_any(self: Box<Self>) -> Option<Box<dyn std::any::Any>> {
        None
    }
}

impl<'v> Resources<'v> {
    /// Resources read from a file.
    pub fn owned<R: Resource>(items: Vec<R>) -> Resources<'static> {
        Resources {
            kind: R::kind_of(),
            list: Box::new(items),
        }
    }
    /// Resources of an inventory in memory.
    pub fn borrowed<R: Resource>(items: &'v [R]) -> Resources<'v> {
        Resources {
            kind: R::kind_of(),
            list: Box::new(items),
        }
    }
    pub fn kind(&self) -> ResourceKind {
        self.kind
    }
    pub fn len(&self) -> usize {
        self.list.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = &dyn Resource> + '_ {
        (0..self.len()).map(|i| self.list.at(i))
    }
    /// The resources read from a file, as their type `R`; `None` for another type, or for
    /// resources borrowed from an inventory.
    #[cfg(test)]
    pub(crate) fn into_vec<R: Resource>(self) -> Option<Vec<R>> {
        self.list.into_any()?.downcast::<Vec<R>>().ok().map(|b| *b)
    }
}

impl std::fmt::Debug for Resources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter().map(|r| r.id())).finish()
    }
}

/// Consecutive resources of one kind of one region entry (by its index in the inventory and in
/// [`crate::inventory::InventoryHead::regions`]): a unit of evaluation, and what a streamed
/// inventory file hands on.
#[derive(Debug)]
pub struct ResourceBatch<'v> {
    pub region: usize,
    pub resources: Resources<'v>,
}

/// A resource that a fix may give a flow log, as its kind describes it.
pub struct FixTarget<'a> {
    pub id: &'a str,
    pub name: &'a Option<String>,
    pub owner_id: &'a str,
    pub shared: bool,
    /// What it is, as the plan names it ("VPC", "transit gateway").
    pub noun: &'a str,
    /// Its own flow logs: a new one to the same destination would be a duplicate.
    pub flow_logs: &'a [FlowLog],
    /// The flow logs whose destinations a key association may encrypt.
    pub encryptable: Vec<&'a FlowLog>,
    /// The flow log a fix creates, as the plan names it ("ALL flow log").
    pub log: &'a str,
    /// Its traffic type (empty for a transit gateway, which has none) and its CreateFlowLogs
    /// resource type (`None`: a VPC).
    pub traffic_type: &'a str,
    pub resource_type: Option<&'a str>,
    /// What the plan line of the new flow log adds.
    pub note: Option<String>,
}

#[cfg(test)]
mod tests;

//! The per-region EC2 listings (DescribeVpcs, DescribeSubnets, DescribeFlowLogs,
//! DescribeNetworkInterfaces, DescribeTransitGateways, each paginated once per region, and
//! DescribeTransitGatewayAttachments where a region has attachment-level flow logs) and the join
//! that hangs subnets and flow logs on their VPCs and transit gateways and counts the network
//! interfaces of each VPC and subnet.

use super::errors::{CallFailure, classify};
use crate::inventory::{
    Destination, DestinationType, FlowLog, RegionInventory, Subnet, TransitGateway, Vpc,
};
use aws_sdk_ec2::primitives::DateTimeFormat;
use aws_sdk_ec2::types::Tag;
use std::collections::{BTreeMap, HashMap};

/// Page size asked for on every listing (the API maximum), so pages are explicit and few.
pub const PAGE_SIZE: i32 = 1000;

/// What the three listings of one region returned, converted to inventory types but not joined.
#[derive(Debug, Default)]
pub struct RegionListing {
    pub vpcs: Vec<Vpc>,
    /// (vpc id, subnet)
    pub subnets: Vec<(String, Subnet)>,
    pub flow_logs: Vec<FlowLog>,
    /// (vpc id, subnet id) of each network interface.
    pub network_interfaces: Vec<(String, String)>,
    pub transit_gateways: Vec<TransitGateway>,
    /// (attachment id, transit gateway id) of each transit gateway attachment, listed only where
    /// a flow log names an attachment.
    pub tgw_attachments: Vec<(String, String)>,
    /// Failures of the transit gateway listings: the region's VPCs are complete without them,
    /// so they leave the region listed (its transit gateways are left out).
    pub tgw_failures: Vec<ListingFailure>,
}

/// A listing call that failed: which operation and why.
#[derive(Debug)]
pub struct ListingFailure {
    pub operation: &'static str,
    pub failure: CallFailure,
}

/// Everything needed to name resources of one region.
#[derive(Debug, Clone)]
pub struct RegionCtx {
    pub account_id: String,
    pub region: String,
    pub partition: String,
    pub timeout_secs: u64,
    /// The cap on calls in flight; each page is one call.
    pub limit: super::clients::Limit,
}

/// Run the five listings of one region concurrently, then, when a flow log names a transit
/// gateway attachment, the listing of attachments. Either the VPC listings all succeed, or every
/// failure is returned; a failed transit gateway listing is in [`RegionListing::tgw_failures`].
pub async fn list_region(
    client: &aws_sdk_ec2::Client,
    ctx: &RegionCtx,
) -> Result<RegionListing, Vec<ListingFailure>> {
    let (vpcs, subnets, logs, enis, tgws) = futures::join!(
        list_vpcs(client, ctx),
        list_subnets(client, ctx),
        list_flow_logs(client, ctx),
        list_network_interfaces(client, ctx),
        list_transit_gateways(client, ctx)
    );
    let mut failures = Vec::new();
    let mut listing = RegionListing::default();
    match vpcs {
        Ok(v) => listing.vpcs = v,
        Err(f) => failures.push(f),
    }
    match subnets {
        Ok(s) => listing.subnets = s,
        Err(f) => failures.push(f),
    }
    match logs {
        Ok(l) => listing.flow_logs = l,
        Err(f) => failures.push(f),
    }
    match enis {
        Ok(n) => listing.network_interfaces = n,
        Err(f) => failures.push(f),
    }
    match tgws {
        Ok(t) => listing.transit_gateways = t,
        Err(f) => listing.tgw_failures.push(f),
    }
    if !failures.is_empty() {
        // The region is left out: every failure of it is recorded.
        failures.append(&mut listing.tgw_failures);
        return Err(failures);
    }
    let attachment_logs = listing
        .flow_logs
        .iter()
        .any(|l| l.resource_type == ATTACHMENT);
    if attachment_logs && listing.tgw_failures.is_empty() {
        match list_tgw_attachments(client, ctx).await {
            Ok(a) => listing.tgw_attachments = a,
            Err(f) => {
                listing.transit_gateways.clear();
                listing.tgw_failures.push(f);
            }
        }
    }
    Ok(listing)
}

/// The resource type of a flow log of a transit gateway attachment.
const ATTACHMENT: &str = "transit_gateway_attachment";

/// Drain a paginator into a Vec, converting each page's items; a failed page fails the listing.
macro_rules! list_all {
    ($ctx:expr, $op:literal, $request:expr, |$page:ident| $items:expr) => {{
        let mut pages = $request.max_results(PAGE_SIZE).into_paginator().send();
        let mut out = Vec::new();
        let mut n = 0usize;
        while let Some(page) = $ctx.limit.run(pages.next()).await {
            n += 1;
            let $page = page.map_err(|e| ListingFailure {
                operation: $op,
                failure: classify(&e, $ctx.timeout_secs),
            })?;
            // The last page is known by its missing token: asking the paginator again would
            // wait for a place under the cap for no call.
            let more = $page.next_token().is_some_and(|t| !t.is_empty());
            let before = out.len();
            out.extend($items);
            tracing::debug!(region = %crate::term::escape(&$ctx.region), page = n, items = out.len() - before, $op);
            if !more {
                break;
            }
        }
        tracing::debug!(region = %crate::term::escape(&$ctx.region), pages = n, items = out.len(), concat!($op, " done"));
        Ok(out)
    }};
}

async fn list_vpcs(
    client: &aws_sdk_ec2::Client,
    ctx: &RegionCtx,
) -> Result<Vec<Vpc>, ListingFailure> {
    list_all!(ctx, "DescribeVpcs", client.describe_vpcs(), |page| page
        .vpcs()
        .iter()
        .map(|v| convert_vpc(v, ctx)))
}

async fn list_subnets(
    client: &aws_sdk_ec2::Client,
    ctx: &RegionCtx,
) -> Result<Vec<(String, Subnet)>, ListingFailure> {
    list_all!(ctx, "DescribeSubnets", client.describe_subnets(), |page| {
        page.subnets().iter().map(|s| {
            (
                s.vpc_id().unwrap_or_default().to_string(),
                convert_subnet(s, ctx),
            )
        })
    })
}

async fn list_flow_logs(
    client: &aws_sdk_ec2::Client,
    ctx: &RegionCtx,
) -> Result<Vec<FlowLog>, ListingFailure> {
    list_all!(
        ctx,
        "DescribeFlowLogs",
        client.describe_flow_logs(),
        |page| page.flow_logs().iter().map(convert_flow_log)
    )
}

async fn list_network_interfaces(
    client: &aws_sdk_ec2::Client,
    ctx: &RegionCtx,
) -> Result<Vec<(String, String)>, ListingFailure> {
    list_all!(
        ctx,
        "DescribeNetworkInterfaces",
        client.describe_network_interfaces(),
        |page| page.network_interfaces().iter().map(|n| {
            (
                n.vpc_id().unwrap_or_default().to_string(),
                n.subnet_id().unwrap_or_default().to_string(),
            )
        })
    )
}

async fn list_transit_gateways(
    client: &aws_sdk_ec2::Client,
    ctx: &RegionCtx,
) -> Result<Vec<TransitGateway>, ListingFailure> {
    list_all!(
        ctx,
        "DescribeTransitGateways",
        client.describe_transit_gateways(),
        |page| page
            .transit_gateways()
            .iter()
            .map(|t| convert_transit_gateway(t, ctx))
    )
}

async fn list_tgw_attachments(
    client: &aws_sdk_ec2::Client,
    ctx: &RegionCtx,
) -> Result<Vec<(String, String)>, ListingFailure> {
    list_all!(
        ctx,
        "DescribeTransitGatewayAttachments",
        client.describe_transit_gateway_attachments(),
        |page| page.transit_gateway_attachments().iter().map(|a| {
            (
                a.transit_gateway_attachment_id()
                    .unwrap_or_default()
                    .to_string(),
                a.transit_gateway_id().unwrap_or_default().to_string(),
            )
        })
    )
}

/// Ids per filter of a targeted listing (EC2 takes up to 200 values per filter).
const FILTER_IDS: usize = 100;

/// The listings of a targeted re-check ([`super::targets`]): only the resources `t` names and
/// what their verdicts need, each listing filtered (VPCs, subnets and network interfaces by
/// `vpc-id`; transit gateways and their attachments by `transit-gateway-id`), then the flow
/// logs of exactly those resources (`resource-id`). A resource that does not exist is simply
/// not listed: its results are gone. At most six listings per batch of ids.
pub async fn list_targets(
    client: &aws_sdk_ec2::Client,
    ctx: &RegionCtx,
    t: &super::targets::RegionTargets,
) -> Result<RegionListing, Vec<ListingFailure>> {
    use aws_sdk_ec2::types::Filter;
    let filter = |name: &str, ids: &[String]| {
        Filter::builder()
            .name(name)
            .set_values(Some(ids.to_vec()))
            .build()
    };
    let mut listing = RegionListing::default();
    let mut failures = Vec::new();
    for ids in t.vpcs.chunks(FILTER_IDS) {
        let f = filter("vpc-id", ids);
        let (vpcs, subnets, enis) = futures::join!(
            async {
                list_all!(
                    ctx,
                    "DescribeVpcs",
                    client.describe_vpcs().filters(f.clone()),
                    |page| page.vpcs().iter().map(|v| convert_vpc(v, ctx))
                )
            },
            async {
                list_all!(
                    ctx,
                    "DescribeSubnets",
                    client.describe_subnets().filters(f.clone()),
                    |page| page.subnets().iter().map(|s| (
                        s.vpc_id().unwrap_or_default().to_string(),
                        convert_subnet(s, ctx)
                    ))
                )
            },
            async {
                list_all!(
                    ctx,
                    "DescribeNetworkInterfaces",
                    client.describe_network_interfaces().filters(f.clone()),
                    |page| page.network_interfaces().iter().map(|n| (
                        n.vpc_id().unwrap_or_default().to_string(),
                        n.subnet_id().unwrap_or_default().to_string()
                    ))
                )
            }
        );
        match (vpcs, subnets, enis) {
            (Ok(v), Ok(s), Ok(n)) => {
                listing.vpcs.extend(v);
                listing.subnets.extend(s);
                listing.network_interfaces.extend(n);
            }
            (v, s, n) => {
                failures.extend([v.err(), s.err(), n.err()].into_iter().flatten());
            }
        }
    }
    for ids in t.transit_gateways.chunks(FILTER_IDS) {
        let f = filter("transit-gateway-id", ids);
        let (tgws, attachments) = futures::join!(
            async {
                list_all!(
                    ctx,
                    "DescribeTransitGateways",
                    client.describe_transit_gateways().filters(f.clone()),
                    |page| page
                        .transit_gateways()
                        .iter()
                        .map(|t| convert_transit_gateway(t, ctx))
                )
            },
            async {
                list_all!(
                    ctx,
                    "DescribeTransitGatewayAttachments",
                    client
                        .describe_transit_gateway_attachments()
                        .filters(f.clone()),
                    |page| page.transit_gateway_attachments().iter().map(|a| (
                        a.transit_gateway_attachment_id()
                            .unwrap_or_default()
                            .to_string(),
                        a.transit_gateway_id().unwrap_or_default().to_string()
                    ))
                )
            }
        );
        match (tgws, attachments) {
            (Ok(t), Ok(a)) => {
                listing.transit_gateways.extend(t);
                listing.tgw_attachments.extend(a);
            }
            (t, a) => listing
                .tgw_failures
                .extend([t.err(), a.err()].into_iter().flatten()),
        }
    }
    if !failures.is_empty() {
        failures.append(&mut listing.tgw_failures);
        return Err(failures);
    }
    // The flow logs of exactly the listed resources.
    let mut resources: Vec<String> = listing.vpcs.iter().map(|v| v.id.clone()).collect();
    resources.extend(listing.subnets.iter().map(|(_, s)| s.id.clone()));
    resources.extend(listing.transit_gateways.iter().map(|t| t.id.clone()));
    resources.extend(listing.tgw_attachments.iter().map(|(a, _)| a.clone()));
    for ids in resources.chunks(FILTER_IDS) {
        let got = async {
            list_all!(
                ctx,
                "DescribeFlowLogs",
                client
                    .describe_flow_logs()
                    .filter(filter("resource-id", ids)),
                |page| page.flow_logs().iter().map(convert_flow_log)
            )
        }
        .await;
        match got {
            Ok(l) => listing.flow_logs.extend(l),
            Err(f) => return Err(vec![f]),
        }
    }
    Ok(listing)
}

fn convert_transit_gateway(
    t: &aws_sdk_ec2::types::TransitGateway,
    ctx: &RegionCtx,
) -> TransitGateway {
    let id = t.transit_gateway_id().unwrap_or_default().to_string();
    let owner = t.owner_id().unwrap_or(&ctx.account_id).to_string();
    let tags = tag_map(t.tags());
    TransitGateway {
        arn: t
            .transit_gateway_arn()
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!(
                    "arn:{}:ec2:{}:{}:transit-gateway/{}",
                    ctx.partition, ctx.region, owner, id
                )
            }),
        id,
        name: tags.get("Name").cloned(),
        tags,
        shared: owner != ctx.account_id,
        owner_id: owner,
        state: t
            .state()
            .map(|s| s.as_str())
            .unwrap_or_default()
            .to_string(),
        description: t
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        flow_logs: Vec::new(),
        attachment_flow_logs: Vec::new(),
    }
}

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

fn convert_vpc(v: &aws_sdk_ec2::types::Vpc, ctx: &RegionCtx) -> Vpc {
    let id = v.vpc_id().unwrap_or_default().to_string();
    let owner = v.owner_id().unwrap_or(&ctx.account_id).to_string();
    let tags = tag_map(v.tags());
    Vpc {
        arn: format!(
            "arn:{}:ec2:{}:{}:vpc/{}",
            ctx.partition, ctx.region, owner, id
        ),
        id,
        name: tags.get("Name").cloned(),
        tags,
        is_default: v.is_default().unwrap_or(false),
        shared: owner != ctx.account_id,
        owner_id: owner,
        cidr_block: v.cidr_block().unwrap_or_default().to_string(),
        state: v
            .state()
            .map(|s| s.as_str())
            .unwrap_or_default()
            .to_string(),
        subnets: Vec::new(),
        flow_logs: Vec::new(),
        network_interfaces: None,
    }
}

fn convert_subnet(s: &aws_sdk_ec2::types::Subnet, ctx: &RegionCtx) -> Subnet {
    let id = s.subnet_id().unwrap_or_default().to_string();
    let owner = s.owner_id().unwrap_or(&ctx.account_id);
    let tags = tag_map(s.tags());
    Subnet {
        arn: s.subnet_arn().map(str::to_string).unwrap_or_else(|| {
            format!(
                "arn:{}:ec2:{}:{}:subnet/{}",
                ctx.partition, ctx.region, owner, id
            )
        }),
        id,
        name: tags.get("Name").cloned(),
        tags,
        cidr_block: s.cidr_block().unwrap_or_default().to_string(),
        availability_zone: s.availability_zone().map(str::to_string),
        state: s
            .state()
            .map(|s| s.as_str())
            .unwrap_or_default()
            .to_string(),
        flow_logs: Vec::new(),
        network_interfaces: None,
    }
}

/// The resource type of a flow log, from its resource id prefix.
pub fn resource_type_of(resource_id: &str) -> &'static str {
    match resource_id.split('-').next().unwrap_or("") {
        "vpc" => "vpc",
        "subnet" => "subnet",
        "eni" => "network_interface",
        "tgw" if resource_id.starts_with("tgw-attach-") => "transit_gateway_attachment",
        "tgw" => "transit_gateway",
        _ => "other",
    }
}

fn convert_flow_log(f: &aws_sdk_ec2::types::FlowLog) -> FlowLog {
    let resource_id = f.resource_id().unwrap_or_default().to_string();
    let destination_type = match f.log_destination_type().map(|t| t.as_str()) {
        Some("s3") => DestinationType::S3,
        Some("kinesis-data-firehose") => DestinationType::KinesisDataFirehose,
        // The API omits the type for old CloudWatch Logs flow logs.
        _ => DestinationType::CloudWatchLogs,
    };
    let destination_arn = f.log_destination().map(str::to_string);
    let log_group_name = f.log_group_name().map(str::to_string).or_else(|| {
        (destination_type == DestinationType::CloudWatchLogs)
            .then(|| destination_arn.as_deref().and_then(log_group_from_arn))
            .flatten()
    });
    FlowLog {
        id: f.flow_log_id().unwrap_or_default().to_string(),
        resource_type: resource_type_of(&resource_id).to_string(),
        resource_id,
        status: f.flow_log_status().unwrap_or_default().to_string(),
        traffic_type: f
            .traffic_type()
            .map(|t| t.as_str())
            .unwrap_or_default()
            .to_string(),
        destination_type,
        destination_arn,
        log_group_name,
        deliver_logs_status: f.deliver_logs_status().map(str::to_string),
        deliver_logs_error_message: f.deliver_logs_error_message().map(str::to_string),
        deliver_logs_permission_arn: f.deliver_logs_permission_arn().map(str::to_string),
        log_format: f.log_format().map(str::to_string),
        max_aggregation_interval: f.max_aggregation_interval(),
        creation_time: f
            .creation_time()
            .and_then(|t| t.fmt(DateTimeFormat::DateTime).ok()),
        tags: tag_map(f.tags()),
        destination: Destination::unknown("not resolved"),
    }
}

/// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]` → NAME.
pub fn log_group_from_arn(arn: &str) -> Option<String> {
    let rest = arn.split_once(":log-group:")?.1;
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    (!name.is_empty()).then(|| name.to_string())
}

/// Join one region's listings: subnets under their VPC, VPC-level logs on the VPC, subnet-level
/// logs on the subnet, transit-gateway-level and attachment-level logs on their transit gateway,
/// everything else in `other_flow_logs`; every VPC and subnet gets its count of network
/// interfaces. Output order is stable (by id).
pub fn join(ctx: &RegionCtx, listing: RegionListing) -> RegionInventory {
    let RegionListing {
        mut vpcs,
        subnets,
        flow_logs,
        network_interfaces,
        mut transit_gateways,
        tgw_attachments,
        tgw_failures: _,
    } = listing;
    transit_gateways.sort_by(|a, b| a.id.cmp(&b.id));
    let tgw_index: HashMap<String, usize> = transit_gateways
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.clone(), i))
        .collect();
    let attachment_tgw: HashMap<&str, usize> = tgw_attachments
        .iter()
        .filter_map(|(a, t)| Some((a.as_str(), *tgw_index.get(t)?)))
        .collect();
    vpcs.sort_by(|a, b| a.id.cmp(&b.id));
    let vpc_index: HashMap<String, usize> = vpcs
        .iter()
        .enumerate()
        .map(|(i, v)| (v.id.clone(), i))
        .collect();
    // subnet id -> (vpc index, subnet index)
    let mut subnet_index: HashMap<String, (usize, usize)> = HashMap::new();
    let mut orphan_subnets = 0usize;
    let mut subnets = subnets;
    subnets.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    for (vpc_id, subnet) in subnets {
        match vpc_index.get(&vpc_id) {
            Some(&vi) => {
                let si = vpcs[vi].subnets.len();
                subnet_index.insert(subnet.id.clone(), (vi, si));
                vpcs[vi].subnets.push(subnet);
            }
            None => orphan_subnets += 1,
        }
    }
    if orphan_subnets > 0 {
        tracing::debug!(region = %crate::term::escape(&ctx.region), orphan_subnets, "subnets of unlisted VPCs ignored");
    }
    let mut other = Vec::new();
    let mut flow_logs = flow_logs;
    flow_logs.sort_by(|a, b| a.id.cmp(&b.id));
    for log in flow_logs {
        if let Some(&vi) = vpc_index.get(&log.resource_id) {
            vpcs[vi].flow_logs.push(log);
        } else if let Some(&(vi, si)) = subnet_index.get(&log.resource_id) {
            vpcs[vi].subnets[si].flow_logs.push(log);
        } else if let Some(&ti) = tgw_index.get(&log.resource_id) {
            transit_gateways[ti].flow_logs.push(log);
        } else if let Some(&ti) = attachment_tgw.get(log.resource_id.as_str()) {
            transit_gateways[ti].attachment_flow_logs.push(log);
        } else {
            other.push(log);
        }
    }
    for v in &mut vpcs {
        v.network_interfaces = Some(0);
        for s in &mut v.subnets {
            s.network_interfaces = Some(0);
        }
    }
    for (vpc_id, subnet_id) in &network_interfaces {
        if let Some(&(vi, si)) = subnet_index.get(subnet_id) {
            let v = &mut vpcs[vi];
            *v.network_interfaces.get_or_insert(0) += 1;
            *v.subnets[si].network_interfaces.get_or_insert(0) += 1;
        } else if let Some(&vi) = vpc_index.get(vpc_id) {
            *vpcs[vi].network_interfaces.get_or_insert(0) += 1;
        }
    }
    RegionInventory {
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        vpcs,
        other_flow_logs: other,
        transit_gateways,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RegionCtx {
        RegionCtx {
            account_id: "111111111111".into(),
            region: "eu-west-1".into(),
            partition: "aws".into(),
            timeout_secs: 30,
            limit: crate::collect::clients::Limit::new(4),
        }
    }

    fn vpc(id: &str, owner: &str) -> aws_sdk_ec2::types::Vpc {
        aws_sdk_ec2::types::Vpc::builder()
            .vpc_id(id)
            .owner_id(owner)
            .cidr_block("10.0.0.0/16")
            .is_default(false)
            .tags(Tag::builder().key("Name").value("n").build())
            .build()
    }

    fn log(id: &str, resource: &str) -> FlowLog {
        convert_flow_log(
            &aws_sdk_ec2::types::FlowLog::builder()
                .flow_log_id(id)
                .resource_id(resource)
                .log_destination("arn:aws:logs:eu-west-1:111111111111:log-group:grp:*")
                .build(),
        )
    }

    #[test]
    fn join_places_logs_on_vpcs_subnets_and_others() {
        let c = ctx();
        let subnet = aws_sdk_ec2::types::Subnet::builder()
            .subnet_id("subnet-1")
            .vpc_id("vpc-a")
            .build();
        let listing = RegionListing {
            vpcs: vec![
                convert_vpc(&vpc("vpc-b", "222222222222"), &c),
                convert_vpc(&vpc("vpc-a", "111111111111"), &c),
            ],
            subnets: vec![("vpc-a".into(), convert_subnet(&subnet, &c))],
            flow_logs: vec![
                log("fl-3", "eni-9"),
                log("fl-2", "subnet-1"),
                log("fl-1", "vpc-a"),
            ],
            network_interfaces: vec![
                ("vpc-a".into(), "subnet-1".into()),
                ("vpc-a".into(), "subnet-1".into()),
                ("vpc-gone".into(), "subnet-gone".into()),
            ],
            ..RegionListing::default()
        };
        let r = join(&c, listing);
        assert_eq!(r.vpcs[0].id, "vpc-a");
        assert_eq!(
            r.vpcs[0].arn,
            "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-a"
        );
        assert!(!r.vpcs[0].shared);
        assert!(r.vpcs[1].shared);
        assert_eq!(
            r.vpcs[1].arn,
            "arn:aws:ec2:eu-west-1:222222222222:vpc/vpc-b"
        );
        assert_eq!(r.vpcs[0].name.as_deref(), Some("n"));
        assert_eq!(r.vpcs[0].flow_logs[0].id, "fl-1");
        assert_eq!(r.vpcs[0].subnets[0].flow_logs[0].id, "fl-2");
        assert_eq!(
            r.vpcs[0].subnets[0].arn,
            "arn:aws:ec2:eu-west-1:111111111111:subnet/subnet-1"
        );
        assert_eq!(r.other_flow_logs[0].id, "fl-3");
        assert_eq!(r.vpcs[0].network_interfaces, Some(2));
        assert_eq!(r.vpcs[0].subnets[0].network_interfaces, Some(2));
        assert_eq!(r.vpcs[1].network_interfaces, Some(0), "counted, none");
        assert_eq!(r.other_flow_logs[0].resource_type, "network_interface");
        assert_eq!(
            r.vpcs[0].flow_logs[0].log_group_name.as_deref(),
            Some("grp")
        );
    }

    #[test]
    fn join_hangs_transit_gateway_and_attachment_logs_on_their_transit_gateway() {
        let c = ctx();
        let tgw = |id: &str, owner: &str| {
            convert_transit_gateway(
                &aws_sdk_ec2::types::TransitGateway::builder()
                    .transit_gateway_id(id)
                    .owner_id(owner)
                    .description("")
                    .tags(Tag::builder().key("Name").value("hub").build())
                    .build(),
                &c,
            )
        };
        let listing = RegionListing {
            transit_gateways: vec![tgw("tgw-b", "222222222222"), tgw("tgw-a", "111111111111")],
            tgw_attachments: vec![
                ("tgw-attach-1".into(), "tgw-a".into()),
                ("tgw-attach-9".into(), "tgw-gone".into()),
            ],
            flow_logs: vec![
                log("fl-1", "tgw-a"),
                log("fl-2", "tgw-attach-1"),
                log("fl-3", "tgw-attach-9"),
                log("fl-4", "tgw-zzz"),
            ],
            ..RegionListing::default()
        };
        let r = join(&c, listing);
        let ids: Vec<&str> = r.transit_gateways.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["tgw-a", "tgw-b"]);
        let a = &r.transit_gateways[0];
        assert_eq!(a.name.as_deref(), Some("hub"));
        assert_eq!(a.description, None, "an empty description is none");
        assert!(!a.shared);
        assert_eq!(
            a.arn,
            "arn:aws:ec2:eu-west-1:111111111111:transit-gateway/tgw-a"
        );
        assert_eq!(a.flow_logs[0].id, "fl-1");
        assert_eq!(a.attachment_flow_logs[0].id, "fl-2");
        assert!(r.transit_gateways[1].shared);
        // An attachment of an unlisted transit gateway, and a vanished one, stay with the others.
        let other: Vec<&str> = r.other_flow_logs.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(other, ["fl-3", "fl-4"]);
    }

    #[test]
    fn resource_types() {
        assert_eq!(resource_type_of("vpc-1"), "vpc");
        assert_eq!(resource_type_of("subnet-1"), "subnet");
        assert_eq!(
            resource_type_of("tgw-attach-1"),
            "transit_gateway_attachment"
        );
        assert_eq!(resource_type_of("tgw-1"), "transit_gateway");
        // Every type given is one the inventory's check accepts.
        for id in [
            "vpc-1",
            "subnet-1",
            "eni-1",
            "tgw-1",
            "tgw-attach-1",
            "x-1",
            "",
        ] {
            let t = resource_type_of(id);
            assert!(
                crate::inventory::validate::FLOW_LOG_RESOURCE_TYPES.contains(&t),
                "{t}"
            );
        }
        assert_eq!(
            log_group_from_arn("arn:aws:logs:r:1:log-group:/a/b:*").as_deref(),
            Some("/a/b")
        );
    }
}

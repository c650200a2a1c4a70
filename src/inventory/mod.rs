//! The inventory: plain serde data that `collect` produces and everything after it consumes.
//!
//! It is already joined: every VPC carries its subnets and flow logs, and every flow log carries
//! its resolved destination, so rules never search. The field reference is `docs/inventory.md`;
//! keep the two in step. Changes are additive only while the schema id stays `flowaudit/inventory/v1`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod error_class;
pub mod io;
mod skim;
pub mod validate;

/// Schema id written into every inventory file and checked on load.
pub const INVENTORY_SCHEMA: &str = "flowaudit/inventory/v1";

/// The most organizational units an account's OU path holds: Organizations nests OUs at most
/// five levels below the root. Every reader of an `ou_path` (inventories, reports' account
/// details, rule test cases) refuses a longer one, and the collector refuses a deeper tree.
pub const MAX_OU_DEPTH: usize = 5;

/// A whole scan: metadata, the collected regions and the errors met on the way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// Always [`INVENTORY_SCHEMA`].
    pub schema: String,
    pub scan: ScanMeta,
    /// One entry per (account, region) that was collected, in a stable order.
    pub regions: Vec<RegionInventory>,
    /// Regions, services or operations that could not be read. Non-empty means the scan is partial.
    #[serde(default)]
    pub errors: Vec<ScanError>,
    /// The accounts an organization or accounts-file scan selected, scanned or not, sorted by id.
    /// Empty for a scan of the caller's account alone (then `scan.account_id` is the account).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<Account>,
}

/// One account of an organization or accounts-file scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// 12-digit account id.
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Organizations status (`ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`); `None` for an account
    /// from an accounts file.
    #[serde(default)]
    pub status: Option<String>,
    /// Organizational units from the root down to the account's parent (the root not included);
    /// at most [`MAX_OU_DEPTH`].
    #[serde(default, deserialize_with = "ou_path")]
    pub ou_path: Vec<OrgUnit>,
    /// Account tags (Organizations `ListTagsForResource`, or the accounts file).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The role assumed to read the account; `None` for the caller's own account.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// False when the account was selected but not read (`skip_reason` says why), e.g. a
    /// suspended account. An account that was tried and failed is scanned, with error entries.
    pub scanned: bool,
    #[serde(default)]
    pub skip_reason: Option<String>,
}

/// An organizational unit on an account's path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgUnit {
    /// `ou-…` id.
    pub id: String,
    pub name: String,
}

/// An OU name as it stands in a displayed path: a `/` inside it written `\/` and a backslash
/// `\\`, as a suppression's `ou` writes them, so `Workloads/Prod` (one OU so named) never reads as
/// two OUs.
pub fn ou_name_in_path(name: &str) -> std::borrow::Cow<'_, str> {
    if name.contains(['/', '\\']) {
        name.replace('\\', "\\\\").replace('/', "\\/").into()
    } else {
        name.into()
    }
}

/// Deserialize an OU path of at most [`MAX_OU_DEPTH`] units; a longer one is refused at the
/// unit after the last allowed, before it is read, so the refusal costs no more than the bound.
pub fn ou_path<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<OrgUnit>, D::Error> {
    struct Bounded;
    impl<'de> serde::de::Visitor<'de> for Bounded {
        type Value = Vec<OrgUnit>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(
                f,
                "a list of at most {MAX_OU_DEPTH} organizational units {{id, name}}"
            )
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while out.len() < MAX_OU_DEPTH {
                match seq.next_element()? {
                    Some(u) => out.push(u),
                    None => return Ok(out),
                }
            }
            match seq.next_element::<serde::de::IgnoredAny>()? {
                None => Ok(out),
                Some(_) => Err(serde::de::Error::custom(format_args!(
                    "ou_path holds more than {MAX_OU_DEPTH} organizational units; Organizations nests OUs at most {MAX_OU_DEPTH} levels below the root"
                ))),
            }
        }
    }
    d.deserialize_seq(Bounded)
}

/// When, by what and over what a scan ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanMeta {
    pub tool_version: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// RFC 3339 UTC.
    pub finished_at: String,
    /// The account the credentials belong to (STS GetCallerIdentity).
    pub account_id: String,
    /// What the user asked for (`--region`), or empty for "all enabled regions".
    #[serde(default)]
    pub regions_requested: Vec<String>,
    /// The regions the scan tried to read, after discovery and `--exclude-region`.
    #[serde(default)]
    pub regions_scanned: Vec<String>,
    /// The resources a targeted re-check read (`scan --resource`), by id; empty (and not
    /// written) for a scan of whole regions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources_requested: Vec<String>,
    /// Parts of the scan (account-regions, accounts) that failed for a reason that can pass
    /// and were read in a recovery pass; absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub recovered: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Everything collected in one region of one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionInventory {
    pub account_id: String,
    pub region: String,
    pub vpcs: Vec<Vpc>,
    /// Flow logs whose resource is neither a listed VPC nor one of its subnets
    /// (network interfaces, transit gateways, or a resource that vanished mid-scan).
    #[serde(default)]
    pub other_flow_logs: Vec<FlowLog>,
    /// Transit gateways the region lists (DescribeTransitGateways), each with its flow logs;
    /// absent when there are none (or in an inventory that did not list them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transit_gateways: Vec<TransitGateway>,
}

impl RegionInventory {
    /// A region entry that lists nothing yet.
    pub fn new(account_id: &str, region: &str) -> RegionInventory {
        RegionInventory {
            account_id: account_id.to_string(),
            region: region.to_string(),
            vpcs: Vec::new(),
            other_flow_logs: Vec::new(),
            transit_gateways: Vec::new(),
        }
    }
}

/// A transit gateway with its own (TransitGateway-level) flow logs and those of its attachments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitGateway {
    /// `tgw-…` id.
    pub id: String,
    pub arn: String,
    /// The `Name` tag, if any.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub owner_id: String,
    /// True when `owner_id` differs from the scanned account (a transit gateway shared through RAM).
    pub shared: bool,
    /// `available`, `pending`, `modifying`, `deleting`, `deleted`.
    pub state: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Flow logs whose resource is this transit gateway itself (resource type `TransitGateway`).
    #[serde(default)]
    pub flow_logs: Vec<FlowLog>,
    /// Flow logs whose resource is one of its attachments (`TransitGatewayAttachment`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment_flow_logs: Vec<FlowLog>,
}

/// A VPC with its subnets and its own (VPC-level) flow logs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub id: String,
    pub arn: String,
    /// The `Name` tag, if any.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub is_default: bool,
    pub owner_id: String,
    /// True when `owner_id` differs from the scanned account (a VPC shared through RAM).
    pub shared: bool,
    pub cidr_block: String,
    pub state: String,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    /// Flow logs whose resource is this VPC itself.
    #[serde(default)]
    pub flow_logs: Vec<FlowLog>,
    /// How many network interfaces are in the VPC (DescribeNetworkInterfaces); absent in an
    /// inventory that did not count them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interfaces: Option<u64>,
}

/// A subnet and the flow logs whose resource is that subnet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub id: String,
    pub arn: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub cidr_block: String,
    #[serde(default)]
    pub availability_zone: Option<String>,
    pub state: String,
    #[serde(default)]
    pub flow_logs: Vec<FlowLog>,
    /// How many network interfaces are in the subnet; absent when not counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interfaces: Option<u64>,
}

/// One flow log as DescribeFlowLogs returns it, plus its resolved destination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowLog {
    pub id: String,
    pub resource_id: String,
    /// `vpc`, `subnet`, `network_interface`, `transit_gateway`, ... derived from the resource id prefix.
    pub resource_type: String,
    /// FlowLogStatus, normally `ACTIVE`.
    pub status: String,
    /// TrafficType: `ALL`, `ACCEPT` or `REJECT` (empty for transit gateway logs).
    pub traffic_type: String,
    pub destination_type: DestinationType,
    /// LogDestination ARN (S3 bucket or Firehose stream, or a log group ARN).
    #[serde(default)]
    pub destination_arn: Option<String>,
    /// LogGroupName for CloudWatch Logs destinations.
    #[serde(default)]
    pub log_group_name: Option<String>,
    /// DeliverLogsStatus: `SUCCESS` or `FAILED`.
    #[serde(default)]
    pub deliver_logs_status: Option<String>,
    #[serde(default)]
    pub deliver_logs_error_message: Option<String>,
    #[serde(default)]
    pub deliver_logs_permission_arn: Option<String>,
    #[serde(default)]
    pub log_format: Option<String>,
    /// MaxAggregationInterval in seconds (60 or 600).
    #[serde(default)]
    pub max_aggregation_interval: Option<i32>,
    #[serde(default)]
    pub creation_time: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub destination: Destination,
}

/// Where a flow log delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DestinationType {
    CloudWatchLogs,
    S3,
    KinesisDataFirehose,
}

impl DestinationType {
    /// The wire name AWS uses (`cloud-watch-logs`, `s3`, `kinesis-data-firehose`).
    pub fn as_str(self) -> &'static str {
        match self {
            DestinationType::CloudWatchLogs => "cloud-watch-logs",
            DestinationType::S3 => "s3",
            DestinationType::KinesisDataFirehose => "kinesis-data-firehose",
        }
    }
}

/// The state of a flow log's destination, resolved after the listings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// Resolved name: the log group name, the bucket name or the delivery stream name.
    #[serde(default)]
    pub name: Option<String>,
    /// Region the destination lives in, when known.
    #[serde(default)]
    pub region: Option<String>,
    pub exists: Existence,
    pub encryption: Encryption,
    /// The KMS key (ARN or id) when `encryption` is `kms`.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// CloudWatch retention in days; `None` means never expire (or not applicable).
    #[serde(default)]
    pub retention_days: Option<i32>,
    /// Why `exists` or `encryption` is `unknown`/`no`: an error code and message, or a note.
    #[serde(default)]
    pub reason: Option<String>,
    /// Firehose: the `Status` of the stream's server-side encryption (`ENABLED`, `DISABLED`,
    /// `ENABLING_FAILED`, ...); absent when the stream has no encryption configuration, or for
    /// other destinations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_status: Option<String>,
    /// Firehose: the `KeyType` of the stream's server-side encryption (`AWS_OWNED_CMK`,
    /// `CUSTOMER_MANAGED_CMK`), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_type: Option<String>,
    /// Firehose: where the delivery stream itself delivers (DescribeDeliveryStream
    /// `Destinations`); empty for other destinations or a stream that could not be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delivers_to: Vec<StreamTarget>,
}

/// One destination of a Firehose delivery stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamTarget {
    /// `s3`, `http-endpoint`, `redshift`, `opensearch`, `opensearch-serverless`,
    /// `elasticsearch`, `splunk`, `snowflake`, `iceberg`, or `other` for a kind this version does
    /// not know.
    #[serde(rename = "type")]
    pub kind: String,
    /// Where it delivers, as AWS gives it: a bucket ARN (`s3`), an endpoint URL (`http-endpoint`,
    /// `splunk`, `snowflake`, `opensearch-serverless`), a JDBC URL (`redshift`), a domain ARN or
    /// cluster endpoint (`opensearch`, `elasticsearch`), a catalog ARN (`iceberg`); absent when
    /// the answer names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The HTTP endpoint's name, when given (`http-endpoint`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Destination {
    /// A destination that has not been (or cannot be) looked up.
    pub fn unknown(reason: impl Into<String>) -> Self {
        Destination {
            name: None,
            region: None,
            exists: Existence::Unknown,
            encryption: Encryption::Unknown,
            kms_key_id: None,
            retention_days: None,
            reason: Some(reason.into()),
            encryption_status: None,
            key_type: None,
            delivers_to: Vec::new(),
        }
    }
}

/// Whether a destination was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Existence {
    Yes,
    No,
    Unknown,
}

/// How a destination is encrypted at rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encryption {
    /// No encryption configured (CloudWatch group without a KMS key, bucket without default encryption).
    None,
    /// SSE-S3 (AES256) for a bucket; an AWS owned key (`AWS_OWNED_CMK`) for a Firehose stream.
    AwsManaged,
    /// A KMS key, named in `kms_key_id` (for a Firehose stream, a customer managed key).
    Kms,
    Unknown,
}

/// A part of the scan that could not be read. The rest of the scan is still complete.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanError {
    pub account_id: String,
    /// `None` for account-wide failures (STS, DescribeRegions).
    #[serde(default)]
    pub region: Option<String>,
    /// e.g. `ec2`, `logs`, `s3`, `sts`.
    pub service: String,
    /// e.g. `DescribeFlowLogs`.
    pub operation: String,
    /// The AWS error code (`AccessDenied`, `UnauthorizedOperation`, ...) or `Timeout` / `Transport`.
    pub code: String,
    pub message: String,
}

/// An inventory without its resources: what is known about a scan before (or without) reading its
/// regions' contents. A streamed scan reads this first, then one region at a time. It reads
/// from an inventory file as the inventory does, each region entry's contents skipped.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryHead {
    pub schema: String,
    pub scan: ScanMeta,
    /// (account id, region) of every region entry, in file order.
    pub regions: Vec<RegionKey>,
    #[serde(default)]
    pub errors: Vec<ScanError>,
    #[serde(default)]
    pub accounts: Vec<Account>,
}

/// Which account and region a region entry holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RegionKey {
    pub account_id: String,
    pub region: String,
}

impl InventoryHead {
    /// True when some part of the scan could not be read.
    pub fn is_partial(&self) -> bool {
        !self.errors.is_empty()
    }
    /// True when the inventory has an entry for this account and region.
    pub fn lists(&self, account_id: &str, region: &str) -> bool {
        self.regions
            .iter()
            .any(|k| k.account_id == account_id && k.region == region)
    }
}

impl Inventory {
    /// The inventory's metadata, region keys and errors.
    pub fn head(&self) -> InventoryHead {
        InventoryHead {
            schema: self.schema.clone(),
            scan: self.scan.clone(),
            regions: self
                .regions
                .iter()
                .map(|r| RegionKey {
                    account_id: r.account_id.clone(),
                    region: r.region.clone(),
                })
                .collect(),
            errors: self.errors.clone(),
            accounts: self.accounts.clone(),
        }
    }

    /// Iterate over every VPC with the region entry it belongs to.
    pub fn vpcs(&self) -> impl Iterator<Item = (&RegionInventory, &Vpc)> {
        self.regions
            .iter()
            .flat_map(|r| r.vpcs.iter().map(move |v| (r, v)))
    }

    /// True when some part of the scan could not be read.
    pub fn is_partial(&self) -> bool {
        !self.errors.is_empty()
    }
}

#[cfg(test)]
mod ou_name_tests {
    use super::ou_name_in_path;

    #[test]
    fn a_slash_inside_an_ou_name_is_written_as_a_suppression_writes_it() {
        assert_eq!(ou_name_in_path("Prod"), "Prod");
        assert_eq!(ou_name_in_path("Workloads/Prod"), "Workloads\\/Prod");
        assert_eq!(ou_name_in_path("a\\/b"), "a\\\\\\/b");
    }
}

//! Shape checks for the inventory values that name AWS things: ids, account ids, region names,
//! ARNs, KMS keys, log group and destination names.
//!
//! Values from AWS or from an inventory file are data. Remediation snippets and reports put ids,
//! regions and ARNs into commands and code, so a value that does not have the shape AWS gives it
//! (a region holding `$(...)`, a VPC id holding a quote) is refused where it enters: by the
//! collector (the region becomes a scan error) and when an inventory file is loaded (an input
//! error naming the file, the JSON path and the rule). Free text (tags, the `Name` tag, messages,
//! log formats) is not checked here: every output escapes it.
//!
//! The checks are byte loops, without allocation unless a value is refused: a streamed load of
//! 100,000 VPCs runs them on every value.

use super::{
    Account, Destination, FlowLog, Inventory, InventoryHead, RegionInventory, RegionKey, ScanError,
    ScanMeta, StreamTarget, Subnet, TransitGateway, Vpc,
};
use crate::term::breaks_text;
use std::fmt;

/// The rule a value breaks, in words, e.g. "expected `vpc-` followed by 8 or more lowercase hex
/// digits".
pub type Rule = &'static str;

/// A value that does not have the shape of its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Where the value is, as serde_path_to_error writes paths: `regions[0].vpcs[3].id`.
    pub path: String,
    /// The rule the value breaks.
    pub rule: Rule,
    /// The value, escaped (no control character survives) and shortened, for a message.
    pub shown: String,
}

impl Invalid {
    fn new(field: &str, rule: Rule, value: &str) -> Invalid {
        Invalid {
            path: field.to_string(),
            rule,
            shown: show(value),
        }
    }

    /// The number `value` of the field `field` breaks `rule`.
    pub fn number(field: &str, rule: Rule, value: impl fmt::Display) -> Invalid {
        Invalid {
            path: field.to_string(),
            rule,
            shown: value.to_string(),
        }
    }

    /// The same value seen from a containing object: `prefix.path`.
    pub fn within(mut self, prefix: impl fmt::Display) -> Invalid {
        self.path = if self.path.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}, found {}", self.path, self.rule, self.shown)
    }
}

impl std::error::Error for Invalid {}

/// Characters of a refused value shown in a message.
const SHOWN_CHARS: usize = 64;

/// A value for a message: quoted, with quotes, backslashes, control characters, line and
/// paragraph separators and bidi controls escaped (Rust's `Debug`), cut after
/// [`SHOWN_CHARS`] characters.
pub fn show(value: &str) -> String {
    match value.char_indices().nth(SHOWN_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!(
            "{:?}... ({} characters)",
            &value[..cut],
            value.chars().count()
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Shapes of single values.

const VPC_ID: Rule = "expected `vpc-` followed by 8 or more lowercase hex digits";
const SUBNET_ID: Rule = "expected `subnet-` followed by 8 or more lowercase hex digits";
const TRANSIT_GATEWAY_ID: Rule = "expected `tgw-` followed by 8 or more lowercase hex digits";
const FLOW_LOG_ID: Rule = "expected `fl-` followed by 8 or more lowercase hex digits";
const RESOURCE_ID: Rule = "expected a resource id: a lowercase prefix such as `vpc-`, `subnet-` or `eni-` followed by 8 or more lowercase hex digits";
const ACCOUNT_ID: Rule = "expected an account id of 12 digits";
const REGION: Rule = "expected a region name: lowercase words joined by `-`, ending in `-` and a number, such as `eu-west-1`";
const AVAILABILITY_ZONE: Rule =
    "expected an availability zone: lowercase letters, digits and `-`, such as `eu-west-1a`";
const KMS_KEY: Rule = "expected a KMS key: a key ARN or alias ARN, a key id (lowercase hex digits and `-`, `mrk-` for multi-Region keys) or `alias/NAME`";
const LOG_GROUP: Rule =
    "expected a log group name: 1 to 512 letters, digits, `_`, `-`, `/`, `.` or `#`";
const DESTINATION_NAME: Rule = "expected a log group, bucket or delivery stream name: 1 to 512 letters, digits, `_`, `-`, `/`, `.` or `#`";
const OU_ID: Rule = "expected an organizational unit id `ou-` followed by 4 to 32 lowercase letters or digits, `-` and 8 to 32 lowercase letters or digits (`ou-ab12-cd34ef56`), or a root id `r-` followed by 4 to 32 lowercase letters or digits";
const ACCOUNT_STATUS: Rule =
    "expected an account status: uppercase letters and `_`, such as `ACTIVE` or `SUSPENDED`";
const UNIQUE_ACCOUNT: Rule = "expected each account once; this id is listed before";
const UPPER_WORD: Rule =
    "expected uppercase letters and `_`, such as `ENABLED` or `CUSTOMER_MANAGED_CMK`";
const FLOW_LOG_RESOURCE_TYPE: Rule = "expected one of `vpc`, `subnet`, `network_interface`, `transit_gateway`, `transit_gateway_attachment`, `other`";
const TARGET_KIND: Rule =
    "expected a destination type: lowercase letters and `-`, such as `s3` or `http-endpoint`";
const TARGET: Rule = "expected an ARN, or an endpoint such as a URL: 1 to 2048 characters, none of them a space, a control character or one of `\"` `` ` `` `<` `>` `\\`";
const TARGET_NAME: Rule = "expected 1 to 256 characters without control characters";
const ARN_SHAPE: Rule = "expected an ARN `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`";
const ARN_PARTITION: Rule =
    "expected an ARN whose partition is `aws`, `aws-cn`, `aws-us-gov`, `aws-iso...` or `aws-eusc`";
const ARN_SERVICE: Rule = "expected an ARN whose service is lowercase letters, digits and `-`";
const ARN_REGION: Rule =
    "expected an ARN whose region is empty or a region name such as `eu-west-1`";
const ARN_ACCOUNT: Rule = "expected an ARN whose account is empty or 12 digits";
const ARN_RESOURCE: Rule =
    "expected an ARN whose resource is not empty and holds no control characters";
const NETWORK_INTERFACES: Rule =
    "expected a count of network interfaces from 0 to 1000000 (AWS quotas allow far fewer)";
const AGGREGATION_INTERVAL: Rule =
    "expected an aggregation interval VPC Flow Logs accepts: 60 or 600 (seconds)";
const RETENTION: Rule = "expected a retention CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 (days)";

// ---------------------------------------------------------------------------------------------
// Bounds of numbers. Every number read from a file is bounded as AWS (or the flag that sets it)
// bounds it; none is ever used to size an allocation.

/// Retention values CloudWatch Logs accepts (PutRetentionPolicy), in days.
pub const RETENTION_DAYS: [i32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Aggregation intervals VPC Flow Logs accepts (CreateFlowLogs `MaxAggregationInterval`), in
/// seconds.
pub const AGGREGATION_INTERVALS: [i32; 2] = [60, 600];

/// The most network interfaces a VPC or subnet is taken to have: far above what AWS quotas
/// allow in a Region (5,000 by default).
pub const MAX_NETWORK_INTERFACES: u64 = 1_000_000;

/// A count of network interfaces, at most [`MAX_NETWORK_INTERFACES`].
pub fn network_interfaces(name: &str, n: Option<u64>) -> Result<(), Invalid> {
    match n {
        Some(n) if n > MAX_NETWORK_INTERFACES => Err(Invalid::number(name, NETWORK_INTERFACES, n)),
        _ => Ok(()),
    }
}

fn aggregation_interval(name: &str, n: Option<i32>) -> Result<(), Invalid> {
    match n {
        Some(n) if !AGGREGATION_INTERVALS.contains(&n) => {
            Err(Invalid::number(name, AGGREGATION_INTERVAL, n))
        }
        _ => Ok(()),
    }
}

fn retention_days(name: &str, n: Option<i32>) -> Result<(), Invalid> {
    match n {
        Some(n) if !RETENTION_DAYS.contains(&n) => Err(Invalid::number(name, RETENTION, n)),
        _ => Ok(()),
    }
}

/// True when every byte of `b` passes `f`. Without an early exit, so that the loop compiles to
/// a few wide comparisons: the values checked are short and almost always pass.
#[inline]
fn all_bytes(b: &[u8], f: impl Fn(u8) -> bool) -> bool {
    b.iter().fold(true, |ok, &c| ok & f(c))
}

#[inline]
fn is_lower_hex(b: u8) -> bool {
    (b.wrapping_sub(b'0') < 10) | (b.wrapping_sub(b'a') < 6)
}

#[inline]
fn is_digit(b: u8) -> bool {
    b.wrapping_sub(b'0') < 10
}

#[inline]
fn is_lower(b: u8) -> bool {
    b.wrapping_sub(b'a') < 26
}

/// 8 or more lowercase hex digits (AWS ids have 8 or 17).
fn is_hex_suffix(s: &str) -> bool {
    s.len() >= 8 && all_bytes(s.as_bytes(), is_lower_hex)
}

fn prefixed_hex(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(is_hex_suffix)
}

/// `vpc-` and 8 or more lowercase hex digits.
pub fn vpc_id(s: &str) -> Result<(), Rule> {
    prefixed_hex(s, "vpc-").then_some(()).ok_or(VPC_ID)
}

/// `tgw-` and 8 or more lowercase hex digits.
pub fn transit_gateway_id(s: &str) -> Result<(), Rule> {
    prefixed_hex(s, "tgw-")
        .then_some(())
        .ok_or(TRANSIT_GATEWAY_ID)
}

/// `subnet-` and 8 or more lowercase hex digits.
pub fn subnet_id(s: &str) -> Result<(), Rule> {
    prefixed_hex(s, "subnet-").then_some(()).ok_or(SUBNET_ID)
}

/// `fl-` and 8 or more lowercase hex digits.
pub fn flow_log_id(s: &str) -> Result<(), Rule> {
    prefixed_hex(s, "fl-").then_some(()).ok_or(FLOW_LOG_ID)
}

/// The id of a resource a flow log can log: lowercase words joined by `-` (`vpc`, `subnet`, `eni`,
/// `tgw`, `tgw-attach`, and any later type), `-`, then 8 or more lowercase hex digits.
pub fn resource_id(s: &str) -> Result<(), Rule> {
    let ok = s
        .rsplit_once('-')
        .is_some_and(|(prefix, hex)| is_hex_suffix(hex) && lower_words(prefix.as_bytes()) >= 1);
    ok.then_some(()).ok_or(RESOURCE_ID)
}

/// The number of words when `b` is lowercase ASCII words joined by single `-`; 0 otherwise.
/// One pass without branches on the bytes.
fn lower_words(b: &[u8]) -> usize {
    let (mut ok, mut dashes, mut after_dash) = (true, 0usize, true);
    for &c in b {
        let dash = c == b'-';
        ok &= is_lower(c) | (dash & !after_dash);
        dashes += usize::from(dash);
        after_dash = dash;
    }
    // Empty, or ending with `-`: `after_dash` is still set.
    if ok && !after_dash { dashes + 1 } else { 0 }
}

/// 12 ASCII digits.
pub fn account_id(s: &str) -> Result<(), Rule> {
    (s.len() == 12 && all_bytes(s.as_bytes(), is_digit))
        .then_some(())
        .ok_or(ACCOUNT_ID)
}

/// An organizational unit id (`ou-ab12-cd34ef56`) or a root id (`r-ab12`).
pub fn ou_id(s: &str) -> Result<(), Rule> {
    let alnum = |p: &str, min: usize| {
        (min..=32).contains(&p.len()) && all_bytes(p.as_bytes(), |c| is_digit(c) | is_lower(c))
    };
    let ok = if let Some(rest) = s.strip_prefix("ou-") {
        rest.split_once('-')
            .is_some_and(|(a, b)| alnum(a, 4) && alnum(b, 8))
    } else if let Some(rest) = s.strip_prefix("r-") {
        alnum(rest, 4)
    } else {
        false
    };
    ok.then_some(()).ok_or(OU_ID)
}

/// An Organizations account status (`ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, ...).
pub fn account_status(s: &str) -> Result<(), Rule> {
    (!s.is_empty()
        && s.len() <= 64
        && all_bytes(s.as_bytes(), |c| c.wrapping_sub(b'A') < 26 || c == b'_'))
    .then_some(())
    .ok_or(ACCOUNT_STATUS)
}

/// A region name: two or more lowercase words joined by `-`, then `-` and a number
/// (`eu-west-1`, `us-gov-west-1`, `eusc-de-east-1`, and regions that do not exist yet).
pub fn region(s: &str) -> Result<(), Rule> {
    is_region(s).then_some(()).ok_or(REGION)
}

fn is_region(s: &str) -> bool {
    s.len() <= 64
        && s.rsplit_once('-').is_some_and(|(words, number)| {
            (1..=3).contains(&number.len())
                && all_bytes(number.as_bytes(), is_digit)
                && lower_words(words.as_bytes()) >= 2
        })
}

/// An availability zone name: lowercase letters, digits and `-`, starting with a letter
/// (`eu-west-1a`, local zones such as `us-west-2-lax-1a`).
pub fn availability_zone(s: &str) -> Result<(), Rule> {
    let b = s.as_bytes();
    let ok = b.first().is_some_and(|c| is_lower(*c))
        && b.len() <= 64
        && all_bytes(b, |c| is_lower(c) | is_digit(c) | (c == b'-'));
    ok.then_some(()).ok_or(AVAILABILITY_ZONE)
}

/// An ARN partition: `aws`, `aws-cn`, `aws-us-gov`, `aws-eusc`, or `aws-iso` with an optional
/// lowercase suffix (`aws-iso-b`, `aws-iso-e`, `aws-iso-f`).
pub fn partition(p: &str) -> Result<(), Rule> {
    let ok = matches!(p, "aws" | "aws-cn" | "aws-us-gov" | "aws-eusc")
        || p.strip_prefix("aws-iso").is_some_and(|rest| {
            rest.len() <= 16 && all_bytes(rest.as_bytes(), |c| is_lower(c) | (c == b'-'))
        });
    ok.then_some(()).ok_or(ARN_PARTITION)
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`: a known partition, a lowercase service, an
/// empty or well-formed region and account, and a non-empty resource without control characters.
/// The resource is otherwise free: IAM paths hold any printable ASCII, S3 prefixes any text.
pub fn arn(s: &str) -> Result<(), Rule> {
    let mut rest = s.strip_prefix("arn:").ok_or(ARN_SHAPE)?;
    let mut fields = [""; 4];
    for f in &mut fields {
        (*f, rest) = rest.split_once(':').ok_or(ARN_SHAPE)?;
    }
    let [part, service, region, account] = fields;
    let resource = rest;
    partition(part)?;
    if service.is_empty()
        || !all_bytes(service.as_bytes(), |c| {
            is_lower(c) | is_digit(c) | (c == b'-')
        })
    {
        return Err(ARN_SERVICE);
    }
    if !region.is_empty() && !is_region(region) {
        return Err(ARN_REGION);
    }
    if !account.is_empty() && account_id(account).is_err() {
        return Err(ARN_ACCOUNT);
    }
    if resource.is_empty() || !no_control(resource) {
        return Err(ARN_RESOURCE);
    }
    Ok(())
}

/// True when `s` holds no control character (C0, DEL, C1), no line or paragraph separator and
/// no bidi control. ASCII text is checked a byte at a time.
pub fn no_control(s: &str) -> bool {
    // Printable ASCII, the common case, in one pass of wide comparisons.
    all_bytes(s.as_bytes(), |c| c.wrapping_sub(0x20) < 0x5f) || s.chars().all(|c| !breaks_text(c))
}

/// A KMS key as AWS names it in a log group or a bucket's encryption: a key or alias ARN, a key
/// id (a UUID, or `mrk-` and hex digits for multi-Region keys) or an alias name `alias/NAME`.
pub fn kms_key(s: &str) -> Result<(), Rule> {
    if s.starts_with("arn:") {
        return arn(s).map_err(|_| KMS_KEY);
    }
    let ok = if let Some(alias) = s.strip_prefix("alias/") {
        !alias.is_empty()
            && alias.len() <= 256
            && all_bytes(alias.as_bytes(), |c| {
                is_alphanumeric(c) | (c == b'/') | (c == b'_') | (c == b'-')
            })
    } else {
        let id = s.strip_prefix("mrk-").unwrap_or(s);
        !id.is_empty()
            && id.len() <= 64
            && id.bytes().any(is_lower_hex)
            && all_bytes(id.as_bytes(), |c| is_lower_hex(c) | (c == b'-'))
    };
    ok.then_some(()).ok_or(KMS_KEY)
}

#[inline]
fn is_alphanumeric(c: u8) -> bool {
    is_digit(c) | is_lower(c | 0x20)
}

/// The characters AWS allows in a log group name (`[\.\-_/#A-Za-z0-9]+`).
fn name_chars(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 512
        && all_bytes(s.as_bytes(), |c| {
            is_alphanumeric(c) | (c == b'.') | (c == b'-') | (c == b'_') | (c == b'/') | (c == b'#')
        })
}

/// A CloudWatch Logs group name as AWS allows it: 1 to 512 of `[A-Za-z0-9._/#-]`.
pub fn log_group_name(s: &str) -> Result<(), Rule> {
    name_chars(s).then_some(()).ok_or(LOG_GROUP)
}

/// A resolved destination name: a log group name, a bucket name (legacy names with capitals and
/// `_` included) or a Firehose delivery stream name; AWS allows each only characters of
/// `[A-Za-z0-9._/#-]`.
pub fn destination_name(s: &str) -> Result<(), Rule> {
    name_chars(s).then_some(()).ok_or(DESTINATION_NAME)
}

// ---------------------------------------------------------------------------------------------
// Walks over the model. Paths are relative to the value walked; callers add their prefix with
// [`Invalid::within`]. The first refused value is reported.

/// A check of one value's shape.
pub type Check = fn(&str) -> Result<(), Rule>;

/// Check the value of the field `name`.
pub fn field(name: &str, value: &str, check: Check) -> Result<(), Invalid> {
    check(value).map_err(|rule| Invalid::new(name, rule, value))
}

fn opt_field(name: &str, value: &Option<String>, check: Check) -> Result<(), Invalid> {
    match value {
        Some(v) => field(name, v, check),
        None => Ok(()),
    }
}

fn each<T>(
    name: &str,
    items: &[T],
    walk: impl Fn(&T) -> Result<(), Invalid>,
) -> Result<(), Invalid> {
    for (i, item) in items.iter().enumerate() {
        walk(item).map_err(|e| e.within(format_args!("{name}[{i}]")))?;
    }
    Ok(())
}

/// Check each value of the list in the field `name`.
pub fn each_value(name: &str, items: &[String], check: Check) -> Result<(), Invalid> {
    for (i, item) in items.iter().enumerate() {
        check(item).map_err(|rule| Invalid::new(&format!("{name}[{i}]"), rule, item))?;
    }
    Ok(())
}

/// A whole inventory.
pub fn inventory(inv: &Inventory) -> Result<(), Invalid> {
    scan_meta(&inv.scan).map_err(|e| e.within("scan"))?;
    each("regions", &inv.regions, region_entry)?;
    each("errors", &inv.errors, scan_error)?;
    accounts(&inv.accounts)
}

/// An inventory's head: its metadata, region keys, errors and accounts.
pub fn head(h: &InventoryHead) -> Result<(), Invalid> {
    scan_meta(&h.scan).map_err(|e| e.within("scan"))?;
    each("regions", &h.regions, region_key)?;
    each("errors", &h.errors, scan_error)?;
    accounts(&h.accounts)
}

/// The accounts of a multi-account scan: each one's shape, and each id once.
pub fn accounts(list: &[Account]) -> Result<(), Invalid> {
    accounts_at("accounts", list)
}

/// [`accounts`] of the list in the field `name` (a report's `account_details`).
pub fn accounts_at(name: &str, list: &[Account]) -> Result<(), Invalid> {
    each(name, list, account)?;
    let mut seen = std::collections::HashSet::with_capacity(list.len());
    for (i, a) in list.iter().enumerate() {
        if !seen.insert(a.id.as_str()) {
            return Err(Invalid::new(
                &format!("{name}[{i}].id"),
                UNIQUE_ACCOUNT,
                &a.id,
            ));
        }
    }
    Ok(())
}

/// One account: its id, status, OU path and role.
pub fn account(a: &Account) -> Result<(), Invalid> {
    field("id", &a.id, account_id)?;
    opt_field("status", &a.status, account_status)?;
    for (i, u) in a.ou_path.iter().enumerate() {
        field("id", &u.id, ou_id).map_err(|e| e.within(format_args!("ou_path[{i}]")))?;
    }
    opt_field("role_arn", &a.role_arn, arn)
}

/// The scan metadata.
pub fn scan_meta(m: &ScanMeta) -> Result<(), Invalid> {
    field("account_id", &m.account_id, account_id)?;
    each_value("regions_requested", &m.regions_requested, region)?;
    each_value("regions_scanned", &m.regions_scanned, region)
}

/// The account and region of a region entry.
pub fn region_key(k: &RegionKey) -> Result<(), Invalid> {
    field("account_id", &k.account_id, account_id)?;
    field("region", &k.region, region)
}

/// A region entry with its VPCs and other flow logs.
pub fn region_entry(r: &RegionInventory) -> Result<(), Invalid> {
    field("account_id", &r.account_id, account_id)?;
    field("region", &r.region, region)?;
    each("vpcs", &r.vpcs, vpc)?;
    each("other_flow_logs", &r.other_flow_logs, flow_log)?;
    each("transit_gateways", &r.transit_gateways, transit_gateway)
}

/// A transit gateway with its flow logs.
pub fn transit_gateway(t: &TransitGateway) -> Result<(), Invalid> {
    field("id", &t.id, transit_gateway_id)?;
    field("owner_id", &t.owner_id, account_id)?;
    field("arn", &t.arn, arn)?;
    each("flow_logs", &t.flow_logs, flow_log)?;
    each("attachment_flow_logs", &t.attachment_flow_logs, flow_log)
}

/// A VPC with its subnets and flow logs.
pub fn vpc(v: &Vpc) -> Result<(), Invalid> {
    field("id", &v.id, vpc_id)?;
    field("owner_id", &v.owner_id, account_id)?;
    field("arn", &v.arn, arn)?;
    network_interfaces("network_interfaces", v.network_interfaces)?;
    each("subnets", &v.subnets, subnet)?;
    each("flow_logs", &v.flow_logs, flow_log)
}

/// A subnet with its flow logs.
pub fn subnet(s: &Subnet) -> Result<(), Invalid> {
    field("id", &s.id, subnet_id)?;
    field("arn", &s.arn, arn)?;
    opt_field("availability_zone", &s.availability_zone, availability_zone)?;
    network_interfaces("network_interfaces", s.network_interfaces)?;
    each("flow_logs", &s.flow_logs, flow_log)
}

/// A flow log with its destination.
pub fn flow_log(l: &FlowLog) -> Result<(), Invalid> {
    field("id", &l.id, flow_log_id)?;
    field("resource_id", &l.resource_id, resource_id)?;
    field("resource_type", &l.resource_type, flow_log_resource_type)?;
    opt_field("destination_arn", &l.destination_arn, arn)?;
    opt_field("log_group_name", &l.log_group_name, log_group_name)?;
    opt_field(
        "deliver_logs_permission_arn",
        &l.deliver_logs_permission_arn,
        arn,
    )?;
    aggregation_interval("max_aggregation_interval", l.max_aggregation_interval)?;
    destination(&l.destination).map_err(|e| e.within("destination"))
}

/// The resource types a flow log's `resource_type` can name: what the collector derives from
/// the resource id's prefix (`other` for a prefix it does not know).
pub const FLOW_LOG_RESOURCE_TYPES: [&str; 6] = [
    "vpc",
    "subnet",
    "network_interface",
    "transit_gateway",
    "transit_gateway_attachment",
    "other",
];

/// A flow log's resource type: one of [`FLOW_LOG_RESOURCE_TYPES`].
pub fn flow_log_resource_type(s: &str) -> Result<(), Rule> {
    FLOW_LOG_RESOURCE_TYPES
        .contains(&s)
        .then_some(())
        .ok_or(FLOW_LOG_RESOURCE_TYPE)
}

/// A resolved destination.
pub fn destination(d: &Destination) -> Result<(), Invalid> {
    opt_field("name", &d.name, destination_name)?;
    opt_field("region", &d.region, region)?;
    opt_field("kms_key_id", &d.kms_key_id, kms_key)?;
    retention_days("retention_days", d.retention_days)?;
    opt_field("encryption_status", &d.encryption_status, upper_word)?;
    opt_field("key_type", &d.key_type, upper_word)?;
    each("delivers_to", &d.delivers_to, stream_target)
}

/// One destination of a Firehose delivery stream.
pub fn stream_target(t: &StreamTarget) -> Result<(), Invalid> {
    field("type", &t.kind, target_kind)?;
    opt_field("target", &t.target, target)?;
    opt_field("name", &t.name, target_name)
}

/// An enumeration value as AWS writes it: `ENABLED`, `CUSTOMER_MANAGED_CMK`.
pub fn upper_word(s: &str) -> Result<(), Rule> {
    (!s.is_empty()
        && s.len() <= 64
        && all_bytes(s.as_bytes(), |c| c.is_ascii_uppercase() | (c == b'_')))
    .then_some(())
    .ok_or(UPPER_WORD)
}

/// The type of a delivery stream's destination: `s3`, `http-endpoint`, ...
pub fn target_kind(s: &str) -> Result<(), Rule> {
    (!s.is_empty()
        && s.len() <= 64
        && all_bytes(s.as_bytes(), |c| is_lower(c) | is_digit(c) | (c == b'-')))
    .then_some(())
    .ok_or(TARGET_KIND)
}

/// Where a delivery stream delivers: an ARN (checked as one), or a URL or endpoint: no space,
/// no control character and none of the characters a URL never holds (`"` `` ` `` `<` `>` `\`).
pub fn target(s: &str) -> Result<(), Rule> {
    if s.starts_with("arn:") {
        return arn(s).map_err(|_| TARGET);
    }
    (!s.is_empty()
        && s.len() <= 2048
        && no_control(s)
        && !s
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '`' | '<' | '>' | '\\')))
    .then_some(())
    .ok_or(TARGET)
}

/// A name given to a stream's destination (an HTTP endpoint's name).
pub fn target_name(s: &str) -> Result<(), Rule> {
    (!s.is_empty() && s.len() <= 256 && no_control(s))
        .then_some(())
        .ok_or(TARGET_NAME)
}

/// An entry of `errors`.
pub fn scan_error(e: &ScanError) -> Result<(), Invalid> {
    field("account_id", &e.account_id, account_id)?;
    opt_field("region", &e.region, region)
}

#[cfg(test)]
mod tests;

//! Resolving flow-log destinations after the listings: CloudWatch log groups (batched
//! DescribeLogGroups per region), S3 buckets (one GetBucketEncryption per distinct bucket, in
//! the bucket's region) and Firehose delivery streams (one DescribeDeliveryStream per distinct
//! stream, in the stream's region and account). A destination that cannot be read is described
//! on the destination itself, never as a scan error. Then each flow log is joined to its
//! resolved destination.

use super::clients::Clients;
use super::errors::classify;
use super::firehose::{self, StreamRef};
use crate::inventory::validate;
use crate::inventory::{
    Destination, DestinationType, Encryption, Existence, FlowLog, RegionInventory,
};
use crate::kinds::each_flow_log_mut;
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Names per DescribeLogGroups call (the API's limit for `logGroupIdentifiers`).
pub const LOG_GROUP_BATCH: usize = 50;

/// What has to be looked up to resolve one flow log's destination.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DestKey {
    /// A CloudWatch Logs group: `account` is `None` for a group of the account whose flow log
    /// names it, else the account that owns it (from the destination ARN), whose credentials
    /// read it when the scan reaches that account.
    LogGroup {
        account: Option<String>,
        region: String,
        name: String,
    },
    /// An S3 bucket, looked up once per scan.
    Bucket { name: String },
    /// A Firehose delivery stream, looked up once per scan in its region and account.
    Stream(StreamRef),
    /// Resolved without any call (unparseable ARNs, flow logs that name no destination).
    Fixed(FixedDest),
}

/// A destination known without a lookup, kept hashable for the key map.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FixedDest {
    pub name: Option<String>,
    pub region: Option<String>,
    pub reason: String,
}

impl FixedDest {
    fn destination(&self) -> Destination {
        Destination {
            name: self.name.clone(),
            region: self.region.clone(),
            ..Destination::unknown(self.reason.clone())
        }
    }
}

/// The field of an ARN at `index` (`arn:partition:service:region:account:resource`).
fn arn_field(arn: &str, index: usize) -> Option<&str> {
    arn.splitn(6, ':').nth(index).filter(|s| !s.is_empty())
}

/// Decide what a flow log's destination needs. `region` is the flow log's region.
pub fn key_of(log: &FlowLog, region: &str, account_id: &str) -> DestKey {
    match log.destination_type {
        DestinationType::CloudWatchLogs => {
            let arn = log.destination_arn.as_deref();
            let group_region = arn.and_then(|a| arn_field(a, 3)).unwrap_or(region);
            let group_account = arn.and_then(|a| arn_field(a, 4));
            let Some(name) = log
                .log_group_name
                .clone()
                .or_else(|| arn.and_then(log_group_of_arn))
            else {
                return DestKey::Fixed(FixedDest {
                    name: None,
                    region: Some(group_region.to_string()),
                    reason: "the flow log names no log group".into(),
                });
            };
            DestKey::LogGroup {
                account: group_account
                    .filter(|a| *a != account_id)
                    .map(str::to_string),
                region: group_region.to_string(),
                name,
            }
        }
        DestinationType::S3 => {
            match log
                .destination_arn
                .as_deref()
                .and_then(|a| arn_field(a, 5))
                .and_then(|r| r.split('/').next())
                .filter(|b| !b.is_empty())
            {
                Some(bucket) => DestKey::Bucket {
                    name: bucket.to_string(),
                },
                None => DestKey::Fixed(FixedDest {
                    name: None,
                    region: None,
                    reason: format!(
                        "cannot read a bucket name from the destination {:?}",
                        log.destination_arn.as_deref().unwrap_or("")
                    ),
                }),
            }
        }
        DestinationType::KinesisDataFirehose => {
            let arn = log.destination_arn.as_deref().unwrap_or("");
            match firehose::parse_arn(arn) {
                Ok(stream) => DestKey::Stream(stream),
                Err(reason) => DestKey::Fixed(FixedDest {
                    name: None,
                    region: None,
                    reason,
                }),
            }
        }
    }
}

/// The log group name of a CloudWatch Logs ARN (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME`,
/// optionally followed by `:*`).
fn log_group_of_arn(arn: &str) -> Option<String> {
    let name = arn_field(arn, 5)?.strip_prefix("log-group:")?;
    let name = name.strip_suffix(":*").unwrap_or(name);
    (!name.is_empty()).then(|| name.to_string())
}

/// The destination of a log group owned by an account the scan does not read.
fn unread_foreign_group(account: &str, region: &str, name: &str) -> Destination {
    Destination {
        name: Some(name.to_string()),
        region: Some(region.to_string()),
        ..Destination::unknown(format!(
            "the log group belongs to account {account}, which this scan does not read; a log group is read only with the credentials of its own account (scan that account too, for example with --org)"
        ))
    }
}

/// Look up the log groups `names` of one region with as few DescribeLogGroups calls as the API
/// allows: batches of [`LOG_GROUP_BATCH`] names through `logGroupIdentifiers`.
pub async fn resolve_log_groups(
    clients: &Clients,
    region: &str,
    names: &BTreeSet<String>,
    timeout_secs: u64,
) -> HashMap<String, Destination> {
    let client = clients.logs(region);
    let mut out: HashMap<String, Destination> = HashMap::new();
    let all: Vec<String> = names.iter().cloned().collect();
    let mut calls = 0usize;
    for chunk in all.chunks(LOG_GROUP_BATCH) {
        let pending: Vec<String> = chunk
            .iter()
            .filter(|n| !out.contains_key(*n))
            .cloned()
            .collect();
        if pending.is_empty() {
            continue;
        }
        let mut token: Option<String> = None;
        // Bounded so that a misbehaving endpoint cannot loop forever.
        for _page in 0..10_000 {
            calls += 1;
            let result = clients
                .limit
                .run(
                    client
                        .describe_log_groups()
                        .set_log_group_identifiers(Some(pending.clone()))
                        .limit(LOG_GROUP_BATCH as i32)
                        .set_next_token(token.take())
                        .send(),
                )
                .await;
            match result {
                Ok(resp) => {
                    for g in resp.log_groups() {
                        let Some(name) = g.log_group_name() else {
                            continue;
                        };
                        // Keep every referenced group the answer contains, also from other batches.
                        if names.contains(name) {
                            out.insert(name.to_string(), found_group(g, region));
                        }
                    }
                    token = resp.next_token().map(str::to_string);
                    if token.is_none() || pending.iter().all(|n| out.contains_key(n)) {
                        break;
                    }
                }
                Err(e) => {
                    let f = classify(&e, timeout_secs);
                    tracing::debug!(region, code = %crate::term::escape(&f.code), "DescribeLogGroups failed");
                    for n in &pending {
                        out.entry(n.clone()).or_insert_with(|| Destination {
                            name: Some(n.clone()),
                            region: Some(region.to_string()),
                            ..Destination::unknown(format!("DescribeLogGroups: {}", f.summary()))
                        });
                    }
                    break;
                }
            }
        }
    }
    tracing::debug!(region, groups = names.len(), calls, "DescribeLogGroups");
    for n in names {
        out.entry(n.clone()).or_insert_with(|| Destination {
            name: Some(n.clone()),
            region: Some(region.to_string()),
            exists: Existence::No,
            encryption: Encryption::Unknown,
            kms_key_id: None,
            retention_days: None,
            reason: Some(format!(
                "ResourceNotFoundException: no log group named {n:?} in {region} (DescribeLogGroups)"
            )),
            encryption_status: None,
            key_type: None,
            delivers_to: Vec::new(),
        });
    }
    out
}

fn found_group(g: &aws_sdk_cloudwatchlogs::types::LogGroup, region: &str) -> Destination {
    let kms = g.kms_key_id().filter(|k| !k.is_empty()).map(str::to_string);
    Destination {
        name: g.log_group_name().map(str::to_string),
        region: Some(region.to_string()),
        exists: Existence::Yes,
        encryption: if kms.is_some() {
            Encryption::Kms
        } else {
            Encryption::None
        },
        kms_key_id: kms,
        retention_days: g.retention_in_days(),
        reason: None,
        encryption_status: None,
        key_type: None,
        delivers_to: Vec::new(),
    }
}

/// Read a bucket's default encryption with one GetBucketEncryption, asked first in `region`; when
/// S3 answers that the bucket lives elsewhere (`x-amz-bucket-region`), ask once more there.
pub async fn resolve_bucket(
    clients: &Clients,
    bucket: &str,
    region: &str,
    timeout_secs: u64,
) -> Destination {
    let mut region = region.to_string();
    let base = |region: &str| Destination {
        name: Some(bucket.to_string()),
        region: Some(region.to_string()),
        ..Destination::unknown("GetBucketEncryption was not answered")
    };
    for attempt in 0..2 {
        let result = clients
            .limit
            .run(
                clients
                    .s3(&region)
                    .get_bucket_encryption()
                    .bucket(bucket)
                    .send(),
            )
            .await;
        tracing::debug!(bucket, region = %crate::term::escape(&region), ok = result.is_ok(), "GetBucketEncryption");
        let failure = match result {
            Ok(out) => {
                let rule = out
                    .server_side_encryption_configuration()
                    .and_then(|c| c.rules().first())
                    .and_then(|r| r.apply_server_side_encryption_by_default());
                let mut d = base(&region);
                d.exists = Existence::Yes;
                d.reason = None;
                match rule {
                    None => {
                        d.encryption = Encryption::None;
                        d.reason = Some("no default encryption rule".into());
                    }
                    Some(r) => match r.sse_algorithm().as_str() {
                        "AES256" => d.encryption = Encryption::AwsManaged,
                        alg if alg.starts_with("aws:kms") => {
                            d.encryption = Encryption::Kms;
                            d.kms_key_id = r.kms_master_key_id().map(str::to_string);
                            if d.kms_key_id.is_none() {
                                d.reason = Some(format!("{alg} with the AWS managed key aws/s3"));
                            }
                        }
                        other => {
                            d.encryption = Encryption::Unknown;
                            d.reason = Some(format!("unrecognised SSE algorithm {other:?}"));
                        }
                    },
                }
                return d;
            }
            Err(e) => classify(&e, timeout_secs),
        };
        if attempt == 0
            && let Some(hint) = failure.bucket_region.as_deref()
            && hint != region
            && super::regions::is_known(hint)
        {
            tracing::debug!(bucket, from = %crate::term::escape(&region), to = hint, "bucket lives in another region");
            region = hint.to_string();
            continue;
        }
        let mut d = base(&region);
        d.reason = Some(format!("GetBucketEncryption: {}", failure.summary()));
        match failure.code.as_str() {
            "ServerSideEncryptionConfigurationNotFoundError" => {
                d.exists = Existence::Yes;
                d.encryption = Encryption::None;
            }
            "NoSuchBucket" | "NotFound" => d.exists = Existence::No,
            _ => {}
        }
        return d;
    }
    base(&region)
}

/// One account's buckets: (account id, its clients, each bucket with its region where known).
pub type OwnedBy<'a> = (String, ClientsRef<'a>, Vec<(String, Option<String>)>);

/// The clients of an account: the caller's, borrowed, or those of an account reached during the
/// scan, shared with its scan.
#[derive(Clone)]
pub enum ClientsRef<'a> {
    Borrowed(&'a Clients),
    Shared(std::sync::Arc<Clients>),
}

impl std::ops::Deref for ClientsRef<'_> {
    type Target = Clients;
    fn deref(&self) -> &Clients {
        match self {
            ClientsRef::Borrowed(c) => c,
            ClientsRef::Shared(c) => c,
        }
    }
}

/// The buckets each scanned account owns (one `ListBuckets` per account), with the clients of
/// every owner. In a scan of several accounts, a bucket that a scanned account owns is read with
/// its owner's credentials (the policy of a central log-archive bucket usually denies every other
/// account), once for the whole scan, whichever accounts' flow logs name it.
pub struct Owners<'a> {
    /// bucket -> (index into `accounts`, the region ListBuckets gave)
    buckets: HashMap<String, (usize, Option<String>)>,
    /// (account id, its clients)
    accounts: Vec<(String, ClientsRef<'a>)>,
    read: std::sync::Mutex<HashMap<String, std::sync::Arc<tokio::sync::OnceCell<Destination>>>>,
    /// Every scanned account's clients, by account id: its delivery streams and log groups are
    /// read with them.
    readers: HashMap<String, ClientsRef<'a>>,
    streams:
        std::sync::Mutex<HashMap<StreamRef, std::sync::Arc<tokio::sync::OnceCell<Destination>>>>,
}

impl<'a> Owners<'a> {
    /// Ownership from each account's bucket list: (account id, its clients, its buckets with
    /// their regions where known).
    pub fn new(listed: Vec<OwnedBy<'a>>) -> Owners<'a> {
        let mut buckets = HashMap::new();
        let mut accounts = Vec::with_capacity(listed.len());
        for (i, (account, clients, owned)) in listed.into_iter().enumerate() {
            for (name, region) in owned {
                buckets.insert(name, (i, region));
            }
            accounts.push((account, clients));
        }
        Owners {
            buckets,
            accounts,
            read: Default::default(),
            readers: HashMap::new(),
            streams: Default::default(),
        }
    }

    /// The accounts whose delivery streams and log groups can be read, with their clients:
    /// every scanned account that was reached.
    pub fn with_readers(mut self, accounts: Vec<(String, ClientsRef<'a>)>) -> Owners<'a> {
        self.readers = accounts.into_iter().collect();
        self
    }

    /// The clients of a scanned account that was reached, to read its own log groups.
    fn clients_of(&self, account: &str) -> Option<&Clients> {
        self.readers.get(account).map(|c| &**c)
    }

    /// Read a delivery stream of a scanned account with that account's credentials, once for
    /// the whole scan; the first caller reads it, the others wait for that answer. `None` when
    /// the stream's account is not a scanned account.
    async fn read_stream(&self, stream: &StreamRef, timeout_secs: u64) -> Option<Destination> {
        let clients: &Clients = self.readers.get(&stream.account)?;
        let cell = once_cell_of(&self.streams, stream.clone());
        let d = cell
            .get_or_init(|| firehose::describe(clients, stream, timeout_secs))
            .await;
        Some(d.clone())
    }

    /// Read a bucket a scanned account owns, with that account's credentials; the first caller
    /// reads it, the others wait for that answer. `None` when no scanned account owns it.
    async fn read_owned(
        &self,
        bucket: &str,
        region: &str,
        timeout_secs: u64,
    ) -> Option<Destination> {
        let (i, listed_region) = self.buckets.get(bucket)?;
        let (owner, clients) = &self.accounts[*i];
        let cell = once_cell_of(&self.read, bucket.to_string());
        let region = listed_region
            .as_deref()
            .filter(|r| super::regions::is_known(r))
            .unwrap_or(region);
        let d = cell
            .get_or_init(|| async {
                tracing::debug!(bucket, owner = %crate::term::escape(owner), "bucket read with its owner's credentials");
                resolve_bucket(clients, bucket, region, timeout_secs).await
            })
            .await;
        Some(d.clone())
    }
}

/// The cell of `key` in `cells`, created empty if the key has none: the first caller fills it,
/// the others wait for that answer.
fn once_cell_of<K: std::hash::Hash + Eq>(
    cells: &std::sync::Mutex<HashMap<K, std::sync::Arc<tokio::sync::OnceCell<Destination>>>>,
    key: K,
) -> std::sync::Arc<tokio::sync::OnceCell<Destination>> {
    cells
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_default()
        .clone()
}

/// The buckets an account owns, with their regions where S3 gives them (one `ListBuckets`,
/// more only for accounts with more buckets than one answer holds).
pub async fn list_buckets(
    clients: &Clients,
    timeout_secs: u64,
) -> Result<Vec<(String, Option<String>)>, super::errors::CallFailure> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    for _page in 0..10_000 {
        let home = clients.home_region();
        let page = clients
            .limit
            .run(
                clients
                    .s3(&home)
                    .list_buckets()
                    .set_continuation_token(token.take())
                    .send(),
            )
            .await
            .map_err(|e| classify(&e, timeout_secs))?;
        for b in page.buckets() {
            if let Some(name) = b.name() {
                out.push((name.to_string(), b.bucket_region().map(str::to_string)));
            }
        }
        token = page.continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}

/// The destination for keys that need no call.
pub fn fixed(key: &DestKey) -> Option<Destination> {
    match key {
        DestKey::Fixed(f) => Some(f.destination()),
        _ => None,
    }
}

/// One destination lookup task.
enum Lookup {
    Groups {
        /// `None`: the log groups of the account whose flow logs name them.
        account: Option<String>,
        region: String,
        names: BTreeSet<String>,
    },
    Bucket {
        name: String,
        region: String,
    },
    Stream(StreamRef),
}

/// Resolve every destination the flow logs of `regions` name: log groups with `clients`, or with
/// their owner's clients when another scanned account owns them; buckets with their owner's
/// clients when `owners` knows the owner, else with `clients`.
pub async fn resolve_destinations(
    clients: &Clients,
    regions: &mut [RegionInventory],
    account_id: &str,
    concurrency: usize,
    timeout_secs: u64,
    owners: Option<&Owners<'_>>,
) -> HashMap<DestKey, Destination> {
    let mut groups: BTreeMap<(Option<String>, String), BTreeSet<String>> = BTreeMap::new();
    // bucket -> region of the first flow log (in region order) that references it
    let mut buckets: BTreeMap<String, String> = BTreeMap::new();
    let mut streams: BTreeSet<StreamRef> = BTreeSet::new();
    for r in regions.iter_mut() {
        let region = r.region.clone();
        each_flow_log_mut(r, &mut |log| match key_of(log, &region, account_id) {
            DestKey::LogGroup {
                account,
                region,
                name,
            } => {
                groups.entry((account, region)).or_default().insert(name);
            }
            DestKey::Bucket { name } => {
                buckets.entry(name).or_insert_with(|| region.clone());
            }
            DestKey::Stream(stream) => {
                streams.insert(stream);
            }
            DestKey::Fixed(_) => {}
        });
    }
    let lookups: Vec<Lookup> = groups
        .into_iter()
        .map(|((account, region), names)| Lookup::Groups {
            account,
            region,
            names,
        })
        .chain(
            buckets
                .into_iter()
                .map(|(name, region)| Lookup::Bucket { name, region }),
        )
        .chain(streams.into_iter().map(Lookup::Stream))
        .collect();
    let results: Vec<Vec<(DestKey, Destination)>> = futures::stream::iter(lookups)
        .map(|l| async move {
            match l {
                Lookup::Groups {
                    account,
                    region,
                    names,
                } => {
                    let reader = match &account {
                        None => Some(clients),
                        Some(a) => owners.and_then(|o| o.clients_of(a)),
                    };
                    let found: HashMap<String, Destination> = match (reader, &account) {
                        (Some(c), _) => resolve_log_groups(c, &region, &names, timeout_secs).await,
                        (None, Some(a)) => names
                            .iter()
                            .map(|n| (n.clone(), unread_foreign_group(a, &region, n)))
                            .collect(),
                        (None, None) => HashMap::new(),
                    };
                    found
                        .into_iter()
                        .map(|(name, d)| {
                            (
                                DestKey::LogGroup {
                                    account: account.clone(),
                                    region: region.clone(),
                                    name,
                                },
                                d,
                            )
                        })
                        .collect()
                }
                Lookup::Bucket { name, region } => {
                    let owned = match owners {
                        Some(o) => o.read_owned(&name, &region, timeout_secs).await,
                        None => None,
                    };
                    let d = match owned {
                        Some(d) => d,
                        None => {
                            let mut d = resolve_bucket(clients, &name, &region, timeout_secs).await;
                            if owners.is_some() && d.exists == Existence::Unknown {
                                let reason = d.reason.take().unwrap_or_default();
                                d.reason = Some(format!(
                                    "{reason}; no scanned account lists the bucket as its own (ListBuckets), so it was read with the credentials of account {account_id}, whose flow log names it"
                                ));
                            }
                            d
                        }
                    };
                    vec![(DestKey::Bucket { name }, d)]
                }
                Lookup::Stream(stream) => {
                    let d = resolve_stream(clients, &stream, account_id, timeout_secs, owners).await;
                    vec![(DestKey::Stream(stream), d)]
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.into_iter().flatten().collect()
}

/// A delivery stream, read with the credentials of its own account: DescribeDeliveryStream
/// takes a stream name and reads the caller's stream of that name, so a stream of an account
/// that is not scanned is not read (another account's credentials would read another stream).
async fn resolve_stream(
    clients: &Clients,
    stream: &StreamRef,
    account_id: &str,
    timeout_secs: u64,
    owners: Option<&Owners<'_>>,
) -> Destination {
    if let Some(d) = match owners {
        Some(o) => o.read_stream(stream, timeout_secs).await,
        None => None,
    } {
        return d;
    }
    if stream.account == account_id {
        return firehose::describe(clients, stream, timeout_secs).await;
    }
    Destination {
        name: Some(stream.name.clone()),
        region: Some(stream.region.clone()),
        ..Destination::unknown(format!(
            "the delivery stream belongs to account {}, which this scan does not read; DescribeDeliveryStream reads a stream only with the credentials of its own account",
            stream.account
        ))
    }
}

pub fn apply_destinations(
    regions: &mut [RegionInventory],
    account_id: &str,
    resolved: &HashMap<DestKey, Destination>,
) {
    for r in regions.iter_mut() {
        let region = r.region.clone();
        each_flow_log_mut(r, &mut |log| {
            let key = key_of(log, &region, account_id);
            let d = fixed(&key)
                .or_else(|| resolved.get(&key).cloned())
                .unwrap_or_else(|| Destination::unknown("destination was not looked up"));
            // A lookup that answered a value of the wrong shape is a lookup that failed.
            log.destination = match validate::destination(&d) {
                Ok(()) => d,
                Err(e) => Destination::unknown(format!(
                    "the lookup answered a value of the wrong shape at {}",
                    e.within("destination")
                )),
            };
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(t: DestinationType, arn: Option<&str>, group: Option<&str>) -> FlowLog {
        FlowLog {
            id: "fl-1".into(),
            resource_id: "vpc-1".into(),
            resource_type: "vpc".into(),
            status: "ACTIVE".into(),
            traffic_type: "ALL".into(),
            destination_type: t,
            destination_arn: arn.map(str::to_string),
            log_group_name: group.map(str::to_string),
            deliver_logs_status: None,
            deliver_logs_error_message: None,
            deliver_logs_permission_arn: None,
            log_format: None,
            max_aggregation_interval: None,
            creation_time: None,
            tags: Default::default(),
            destination: Destination::unknown("x"),
        }
    }

    #[test]
    fn keys() {
        let k = key_of(
            &log(DestinationType::S3, Some("arn:aws:s3:::bkt/prefix/x"), None),
            "eu-west-1",
            "1",
        );
        assert_eq!(k, DestKey::Bucket { name: "bkt".into() });
        let k = key_of(
            &log(DestinationType::CloudWatchLogs, None, Some("g")),
            "eu-west-1",
            "1",
        );
        assert_eq!(
            k,
            DestKey::LogGroup {
                account: None,
                region: "eu-west-1".into(),
                name: "g".into()
            }
        );
        // Another account's group, in the ARN's region; its name from the ARN when the flow log
        // gives none.
        for group in [Some("g"), None] {
            let k = key_of(
                &log(
                    DestinationType::CloudWatchLogs,
                    Some("arn:aws:logs:us-east-1:2:log-group:g:*"),
                    group,
                ),
                "eu-west-1",
                "1",
            );
            assert_eq!(
                k,
                DestKey::LogGroup {
                    account: Some("2".into()),
                    region: "us-east-1".into(),
                    name: "g".into()
                }
            );
        }
        let k = key_of(
            &log(
                DestinationType::CloudWatchLogs,
                Some("arn:aws:logs:us-east-1:1:log-group:/a/b"),
                None,
            ),
            "eu-west-1",
            "1",
        );
        assert_eq!(
            k,
            DestKey::LogGroup {
                account: None,
                region: "us-east-1".into(),
                name: "/a/b".into()
            }
        );
        let d = unread_foreign_group("2", "us-east-1", "g");
        assert_eq!(d.exists, Existence::Unknown);
        assert!(
            d.reason
                .unwrap()
                .contains("account 2, which this scan does not read")
        );
        let k = key_of(
            &log(
                DestinationType::KinesisDataFirehose,
                Some("arn:aws:firehose:us-east-1:111111111111:deliverystream/s"),
                None,
            ),
            "us-east-1",
            "1",
        );
        assert_eq!(
            k,
            DestKey::Stream(StreamRef {
                account: "1".repeat(12),
                region: "us-east-1".into(),
                name: "s".into()
            })
        );
        let k = key_of(
            &log(
                DestinationType::KinesisDataFirehose,
                Some("arn:aws:firehose:us-east-1:1:stream/s"),
                None,
            ),
            "us-east-1",
            "1",
        );
        let d = fixed(&k).unwrap();
        assert_eq!(
            (d.exists, d.encryption),
            (Existence::Unknown, Encryption::Unknown)
        );
        assert!(d.reason.unwrap().contains("cannot read a delivery stream"));
    }
}

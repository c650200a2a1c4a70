//! An AWS Organization seeded in moto, and a proxy in front of moto that refuses AssumeRole into
//! chosen accounts and records every call with the account whose credentials signed it.
#![allow(dead_code)]

use crate::support::cmd::Fa;
use crate::support::harness::{ACCOUNT, Moto};
use crate::support::proxy::{Handler, Proxy, Request, Response};
use crate::support::scan::scan_at;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A scan through `endpoint` in us-east-1 that dumps its inventory and writes a JSON report
/// (`Out::inventory`, `Out::report`).
pub fn org_scan(endpoint: &str) -> Fa {
    let mut c = scan_at(endpoint);
    c.args(["--region", "us-east-1"]).json_report();
    c
}

/// The seeded organization: ids by name.
pub struct OrgWorld {
    pub root: String,
    /// OU name (`Prod`, `Nested` under Prod, `Dev`) -> id.
    pub ous: BTreeMap<String, String>,
    /// Member name (`alpha`, `beta`, `gamma`, `delta`, `closed`) -> account id.
    pub members: BTreeMap<String, String>,
    /// Every id seed.py created (VPC keys such as `alpha_logged` -> vpc id).
    pub ids: BTreeMap<String, String>,
}

impl OrgWorld {
    /// A member's account id.
    pub fn id(&self, name: &str) -> &str {
        self.members
            .get(name)
            .unwrap_or_else(|| panic!("no member {name}"))
    }
    /// An OU's id.
    pub fn ou(&self, name: &str) -> &str {
        self.ous.get(name).unwrap_or_else(|| panic!("no OU {name}"))
    }
    /// The account a seeded VPC was created in.
    pub fn vpc_account(&self, key: &str) -> &str {
        match key.split('_').next().unwrap() {
            "mgmt" => ACCOUNT,
            member => self.id(member),
        }
    }
}

/// The VPCs the seed creates (besides moto's default VPCs), by key; the key's first word is
/// the account.
pub const VPCS: &[&str] = &[
    "mgmt_vpc",
    "alpha_logged",
    "alpha_bare",
    "beta_bare",
    "gamma_vpc",
    "delta_logged",
];

/// Seed: the management account (moto's default) with one VPC; OUs Prod, Prod/Nested and Dev;
/// members alpha (Prod, tagged), beta (Nested), gamma and delta (Dev), and closed (Dev, closed:
/// SUSPENDED). Each member's resources are created with the credentials of an AssumeRole into it.
/// alpha and delta have a VPC logging to a bucket of their own; every other VPC has no flow log.
pub fn seed_org(moto: &Moto) -> OrgWorld {
    let ids = moto.seed(&json!([
        {"op": "organization", "key": "root"},
        {"op": "ou", "key": "Prod", "parent": "$root", "name": "Prod"},
        {"op": "ou", "key": "Nested", "parent": "$Prod", "name": "Nested"},
        {"op": "ou", "key": "Dev", "parent": "$root", "name": "Dev"},
        {"op": "org_account", "key": "alpha", "name": "alpha", "parent": "$Prod", "tags": {"team": "payments", "env": "prod"}},
        {"op": "org_account", "key": "beta", "name": "beta", "parent": "$Nested"},
        {"op": "org_account", "key": "gamma", "name": "gamma", "parent": "$Dev"},
        {"op": "org_account", "key": "delta", "name": "delta", "parent": "$Dev"},
        {"op": "org_account", "key": "closed", "name": "closed", "parent": "$Dev"},
        {"op": "close_account", "target": "$closed"},

        {"op": "vpc", "key": "mgmt_vpc", "cidr": "10.0.0.0/16", "tags": {"Name": "mgmt"}},
        {"op": "bucket", "account": "$alpha", "name": "alpha-flow-logs", "encryption": "AES256"},
        {"op": "vpc", "account": "$alpha", "key": "alpha_logged", "cidr": "10.1.0.0/16", "tags": {"Name": "alpha-logged"}},
        {"op": "flow_log", "account": "$alpha", "key": "alpha_fl", "resource": "$alpha_logged", "bucket": "alpha-flow-logs"},
        {"op": "vpc", "account": "$alpha", "key": "alpha_bare", "cidr": "10.2.0.0/16", "tags": {"Name": "alpha-bare"}},
        {"op": "vpc", "account": "$beta", "key": "beta_bare", "cidr": "10.3.0.0/16"},
        {"op": "vpc", "account": "$gamma", "key": "gamma_vpc", "cidr": "10.4.0.0/16"},
        {"op": "bucket", "account": "$delta", "name": "delta-flow-logs"},
        {"op": "vpc", "account": "$delta", "key": "delta_logged", "cidr": "10.5.0.0/16"},
        {"op": "flow_log", "account": "$delta", "key": "delta_fl", "resource": "$delta_logged", "bucket": "delta-flow-logs"}
    ]));
    moto.reset_recording();
    let pick = |names: &[&str]| -> BTreeMap<String, String> {
        names
            .iter()
            .map(|n| (n.to_string(), ids[*n].clone()))
            .collect()
    };
    OrgWorld {
        root: ids["root"].clone(),
        ous: pick(&["Prod", "Nested", "Dev"]),
        members: pick(&["alpha", "beta", "gamma", "delta", "closed"]),
        ids,
    }
}

/// One call the proxy saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The account whose credentials signed the call (the caller's for the test keys).
    pub account: String,
    pub service: String,
    pub region: String,
    pub operation: String,
    /// Query-protocol parameters (AssumeRole's RoleArn, ExternalId, ...).
    pub params: BTreeMap<String, String>,
}

/// The calls the proxy saw.
pub type CallLog = Arc<Mutex<Vec<Seen>>>;

/// Which calls the proxy refuses.
#[derive(Debug, Clone, Default)]
pub struct Refuse {
    /// AssumeRole into these accounts answers AccessDenied (or `assume_role_answer`).
    pub assume_role_into: Vec<String>,
    /// (HTTP status, code, message) of the answer to a refused AssumeRole, as AWS words each
    /// cause; `None` for the proxy's own AccessDenied.
    pub assume_role_answer: Option<(u16, String, String)>,
    /// (account, n): the first n AssumeRole calls into the account are answered, every later one
    /// is AccessDenied (a role whose trust is withdrawn between a scan and its fix).
    pub assume_role_into_after: Option<(String, usize)>,
    /// These operations (any service) answer AccessDenied.
    pub operations: Vec<String>,
    /// (bucket, owner account): S3 reads of the bucket signed by any other account answer
    /// AccessDenied, as a central log-archive bucket's policy does.
    pub bucket_reads_except_owner: Option<(String, String)>,
}

/// The operation of a request: the query `Action`, the JSON `X-Amz-Target`, or the S3 request.
fn operation(req: &Request) -> String {
    if let Some(a) = req.form("Action") {
        return a;
    }
    if let Some(t) = req.header("X-Amz-Target") {
        return t.rsplit('.').next().unwrap_or("").to_string();
    }
    let query = req.path.split_once('?').map(|(_, q)| q).unwrap_or("");
    let has = |k: &str| {
        query
            .split('&')
            .any(|kv| kv == k || kv.starts_with(&format!("{k}=")))
    };
    match req.method.as_str() {
        "GET" if has("encryption") => "GetBucketEncryption".into(),
        "GET" if req.path == "/" || req.path.starts_with("/?") => "ListBuckets".into(),
        "GET" => "ListObjects".into(),
        m => format!("{m} {}", req.path),
    }
}

fn access_key(req: &Request) -> String {
    req.header("Authorization")
        .unwrap_or("")
        .split("Credential=")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or("")
        .to_string()
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let a = text.find(open)? + open.len();
    let b = text[a..].find(close)? + a;
    Some(&text[a..b])
}

/// Start a proxy in front of moto that refuses what `refuse` names and records every call with
/// the account that signed it (learnt from each AssumeRole answer's access key).
pub fn org_proxy(moto: &Moto, refuse: Refuse) -> (Proxy, CallLog) {
    let (proxy, log, _) = org_proxy_timed(moto, refuse, Duration::ZERO);
    (proxy, log)
}

/// [`org_proxy`] that holds every answer for `delay` and counts the most requests it had open
/// at once (the third value).
pub fn org_proxy_timed(
    moto: &Moto,
    refuse: Refuse,
    delay: Duration,
) -> (Proxy, CallLog, Arc<AtomicUsize>) {
    let open = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let peak2 = peak.clone();
    let (proxy, log) = org_proxy_inner(moto, refuse, move |_, _, answer: &dyn Fn() -> Response| {
        let now = open.fetch_add(1, Ordering::SeqCst) + 1;
        peak2.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(delay);
        let r = answer();
        open.fetch_sub(1, Ordering::SeqCst);
        r
    });
    (proxy, log, peak)
}

/// [`org_proxy`] that holds each request of the `held` operations until `release` is true of
/// the calls seen so far, or `limit` has passed; the third value is set when a hold ran out
/// (a request waited on calls that never came).
pub fn org_proxy_gated(
    moto: &Moto,
    held: &'static [&'static str],
    release: impl Fn(&[Seen]) -> bool + Send + Sync + 'static,
    limit: Duration,
) -> (Proxy, CallLog, Arc<std::sync::atomic::AtomicBool>) {
    org_proxy_holding(
        moto,
        move |req| held.contains(&operation(req).as_str()),
        release,
        limit,
    )
}

/// [`org_proxy_gated`] that holds the requests `hold` picks.
pub fn org_proxy_holding(
    moto: &Moto,
    hold: impl Fn(&Request) -> bool + Send + Sync + 'static,
    release: impl Fn(&[Seen]) -> bool + Send + Sync + 'static,
    limit: Duration,
) -> (Proxy, CallLog, Arc<std::sync::atomic::AtomicBool>) {
    let ran_out = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ran_out2 = ran_out.clone();
    let (proxy, log) = org_proxy_inner(
        moto,
        Refuse::default(),
        move |req: &Request, log: &CallLog, answer: &dyn Fn() -> Response| {
            if hold(req) {
                let start = std::time::Instant::now();
                while !release(&log.lock().unwrap()) {
                    if start.elapsed() > limit {
                        ran_out2.store(true, Ordering::SeqCst);
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            answer()
        },
    );
    (proxy, log, ran_out)
}

/// [`org_proxy`] whose answer to a request is `substitute`'s when it gives one (that request is
/// not logged, and does not reach moto).
pub fn org_proxy_answering(
    moto: &Moto,
    refuse: Refuse,
    substitute: impl Fn(&Request) -> Option<Response> + Send + Sync + 'static,
) -> (Proxy, CallLog) {
    org_proxy_inner(
        moto,
        refuse,
        move |req: &Request, _: &CallLog, answer: &dyn Fn() -> Response| {
            substitute(req).unwrap_or_else(answer)
        },
    )
}

fn org_proxy_inner(
    moto: &Moto,
    refuse: Refuse,
    around: impl Fn(&Request, &CallLog, &dyn Fn() -> Response) -> Response + Send + Sync + 'static,
) -> (Proxy, CallLog) {
    let log: CallLog = Arc::default();
    let log3 = log.clone();
    let keys: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let assumed: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let log2 = log.clone();
    let handler: Handler = Arc::new(move |req, forward| {
        around(req, &log3, &|| {
            let op = operation(req);
            let (region, service) = req.scope();
            let key = access_key(req);
            let account = if key == "testing" {
                ACCOUNT.to_string()
            } else {
                keys.lock()
                    .unwrap()
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| format!("unknown key {key}"))
            };
            let params: BTreeMap<String, String> = [
                "RoleArn",
                "ExternalId",
                "RoleSessionName",
                "DurationSeconds",
            ]
            .iter()
            .filter_map(|p| req.form(p).map(|v| (p.to_string(), v)))
            .collect();
            log2.lock().unwrap().push(Seen {
                account: account.clone(),
                service: service.clone(),
                region,
                operation: op.clone(),
                params: params.clone(),
            });
            let denied = |what: &str| {
                Response::xml(
                    403,
                    format!(
                        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{what} is denied by the test proxy</Message></Error><RequestId>proxy-1</RequestId></ErrorResponse>"
                    ),
                )
            };
            if refuse.operations.contains(&op) {
                if req.header("X-Amz-Target").is_some() {
                    return Response {
                    status: 400,
                    headers: vec![("Content-Type".into(), "application/x-amz-json-1.1".into())],
                    body: format!(
                        "{{\"__type\":\"AccessDeniedException\",\"Message\":\"{op} is denied by the test proxy\"}}"
                    )
                    .into_bytes(),
                };
                }
                return denied(&op);
            }
            if let Some((bucket, owner)) = &refuse.bucket_reads_except_owner
                && service == "s3"
                && req.method == "GET"
                && req.path.trim_start_matches('/').split(['/', '?']).next()
                    == Some(bucket.as_str())
                && account != *owner
            {
                return Response::xml(
                    403,
                    format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>the bucket policy denies {account}</Message><RequestId>proxy-2</RequestId></Error>"
                    ),
                );
            }
            if op == "AssumeRole" {
                let target = params
                    .get("RoleArn")
                    .and_then(|a| a.split(':').nth(4))
                    .unwrap_or("")
                    .to_string();
                if refuse.assume_role_into.contains(&target) {
                    if let Some((status, code, message)) = &refuse.assume_role_answer {
                        return Response::sts_error(*status, code, message);
                    }
                    return denied(&format!("AssumeRole into {target}"));
                }
                if let Some((account, n)) = &refuse.assume_role_into_after
                    && *account == target
                {
                    let mut seen = assumed.lock().unwrap();
                    let count = seen.entry(target.clone()).or_insert(0);
                    *count += 1;
                    if *count > *n {
                        return denied(&format!("AssumeRole into {target}"));
                    }
                }
                let resp = forward(req);
                if let Some(k) = between(&resp.text(), "<AccessKeyId>", "</AccessKeyId>") {
                    keys.lock().unwrap().insert(k.to_string(), target);
                }
                return resp;
            }
            forward(req)
        })
    });
    (Proxy::start(moto.port, handler), log)
}

/// The calls of `log` that match, as (account, region, operation) counts.
pub fn counts(log: &CallLog) -> BTreeMap<(String, String, String), usize> {
    let mut m = BTreeMap::new();
    for c in log.lock().unwrap().iter() {
        *m.entry((c.account.clone(), c.region.clone(), c.operation.clone()))
            .or_insert(0) += 1;
    }
    m
}

/// How many calls of `operation` the log holds, signed by anyone.
pub fn count_op(log: &CallLog, operation: &str) -> usize {
    log.lock()
        .unwrap()
        .iter()
        .filter(|c| c.operation == operation)
        .count()
}

/// The accounts that made the recorded calls of `operation`, in order.
pub fn callers(log: &CallLog, operation: &str) -> Vec<String> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|c| c.operation == operation)
        .map(|c| c.account.clone())
        .collect()
}

/// The accounts that AssumeRole was asked for, in call order.
pub fn assumed(log: &CallLog) -> Vec<String> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|c| c.operation == "AssumeRole")
        .map(|c| c.params["RoleArn"].split(':').nth(4).unwrap().to_string())
        .collect()
}

/// The role ARNs AssumeRole was asked for, in call order.
pub fn assumed_roles(log: &CallLog) -> Vec<String> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|c| c.operation == "AssumeRole")
        .map(|c| c.params["RoleArn"].clone())
        .collect()
}

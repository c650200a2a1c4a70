//! `flowaudit watch`: CloudTrail events routed by EventBridge to SQS (moto routes `put_events`
//! to the queue with the real envelope) re-check what they touched; every verdict that changed
//! is one JSON line naming the events behind it. Poison messages do not stop the watcher and are
//! left on the queue; handled messages are deleted; SIGTERM exits 0; `--once` with a baseline
//! drains the queue.

use crate::support::cmd::fa;
use crate::support::harness::{Moto, repo_path, venv_bin};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const REGION: &str = "us-east-1";

fn events_py(endpoint: &str, args: &[&str]) -> Value {
    let out = std::process::Command::new(venv_bin("python"))
        .arg(repo_path("tests/support/events.py"))
        .arg(endpoint)
        .args(args)
        .output()
        .expect("run events.py");
    assert!(
        out.status.success(),
        "events.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Put one CloudTrail event; its event id.
fn put(endpoint: &str, source: &str, name: &str, req: Value, resp: Value) -> String {
    let service = source.trim_start_matches("aws.");
    let e = json!([{
        "source": source,
        "eventSource": format!("{service}.amazonaws.com"),
        "eventName": name,
        "region": REGION,
        "requestParameters": req,
        "responseElements": resp,
    }]);
    events_py(endpoint, &["put", &e.to_string()])["event_ids"][0]
        .as_str()
        .unwrap()
        .to_string()
}

fn seed(moto: &Moto) -> std::collections::BTreeMap<String, String> {
    moto.seed(&json!([
        {"op": "kms_key", "region": REGION, "key": "key"},
        {"op": "role", "region": REGION, "key": "role", "name": "fl"},
        {"op": "log_group", "region": REGION, "name": "/shared", "kms_key": "$key", "retention": 365},
        {"op": "log_group", "region": REGION, "name": "/enc", "kms_key": "$key", "retention": 365},
        {"op": "vpc", "region": REGION, "key": "a", "cidr": "10.1.0.0/16"},
        {"op": "flow_log", "region": REGION, "key": "fl_a", "resource": "$a", "traffic": "ALL", "log_group": "/shared", "role": "$role", "max_aggregation_interval": 60},
        {"op": "vpc", "region": REGION, "key": "b", "cidr": "10.2.0.0/16"},
        {"op": "flow_log", "region": REGION, "key": "fl_b", "resource": "$b", "traffic": "ALL", "log_group": "/shared", "role": "$role", "max_aggregation_interval": 60},
        {"op": "vpc", "region": REGION, "key": "c", "cidr": "10.3.0.0/16"},
        {"op": "flow_log", "region": REGION, "key": "fl_c", "resource": "$c", "traffic": "ALL", "log_group": "/enc", "role": "$role", "max_aggregation_interval": 60}
    ]))
}

/// The lines a running watcher writes, read on another thread.
struct Lines(mpsc::Receiver<Value>);

impl Lines {
    /// Wait (up to 60 s) for a line that `pred` accepts; every line seen before it is returned
    /// too.
    fn until(&self, what: &str, mut pred: impl FnMut(&Value) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            if let Ok(v) = self.0.recv_timeout(Duration::from_millis(200)) {
                let hit = pred(&v);
                seen.push(v);
                if hit {
                    return seen;
                }
            }
        }
        panic!("no line {what} within 60 s; saw {seen:#?}");
    }
}

/// The change lines a `watch --once` run wrote, each parsed.
fn change_lines(out: &crate::support::cmd::Out) -> Vec<Value> {
    out.stdout()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

fn about(v: &Value, vpc: &str, status: &str) -> bool {
    v["result"]["resource"]["id"] == vpc && v["result"]["status"] == status
}

#[test]
fn events_re_check_what_they_touched_and_each_change_is_one_line() {
    let moto = Moto::start();
    let ids = seed(&moto);
    let ep = moto.endpoint();
    let queue = events_py(&ep, &["setup"])["queue_url"]
        .as_str()
        .unwrap()
        .to_string();
    let mut c = fa();
    c.args([
        "watch",
        "--queue-url",
        &queue,
        "--endpoint-url",
        &ep,
        "--region",
        REGION,
        "--window-ms",
        "200",
    ]);
    let mut child = c
        .command_mut()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let v: Value = serde_json::from_str(&line).expect("each line is JSON");
            if tx.send(v).is_err() {
                break;
            }
        }
    });
    let stderr = child.stderr.take().unwrap();
    let (etx, erx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = etx.send(line);
        }
    });
    // Wait until it watches (its start-up scan is done).
    let started = Instant::now();
    loop {
        let l = erx
            .recv_timeout(Duration::from_secs(60))
            .expect("the watcher starts");
        if l.starts_with("flowaudit: watch:") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60));
    }
    let lines = Lines(rx);
    let (a, b, c_vpc) = (&ids["a"], &ids["b"], &ids["c"]);

    // DeleteFlowLogs on a compliant VPC: its flow-logs-enabled check fails.
    moto.seed(&json!([{"op": "delete_flow_log", "region": REGION, "flow_log": ids["fl_a"]}]));
    let e1 = put(
        &ep,
        "aws.ec2",
        "DeleteFlowLogs",
        json!({"DeleteFlowLogsRequest": {"FlowLogId": {"content": ids["fl_a"], "tag": 1}}}),
        json!({"DeleteFlowLogsResponse": {"unsuccessful": ""}}),
    );
    let seen = lines.until("for a failing flow-logs-enabled", |v| {
        about(v, a, "fail") && v["result"]["check_id"] == "flow-logs-enabled"
    });
    let last = seen.last().unwrap();
    assert_eq!(last["change"], "changed");
    assert_eq!(last["was"], "pass");
    assert_eq!(last["result"]["rule_id"], "VPC-001");
    assert_eq!(last["events"], json!([e1]));
    assert!(
        seen.iter().all(|v| v["result"]["resource"]["id"] == *a),
        "{seen:#?}"
    );

    // CreateFlowLogs: the passing line.
    let fl = moto.seed(&json!([{"op": "flow_log", "region": REGION, "key": "fl_a2", "resource": a, "traffic": "ALL", "log_group": "/shared", "role": ids["role"], "max_aggregation_interval": 60}]));
    let e2 = put(
        &ep,
        "aws.ec2",
        "CreateFlowLogs",
        json!({"CreateFlowLogsRequest": {"ResourceId": {"content": a, "tag": 1}, "ResourceType": "VPC"}}),
        json!({"CreateFlowLogsResponse": {"flowLogIdSet": {"item": fl["fl_a2"]}}}),
    );
    let seen = lines.until("for a passing flow-logs-enabled", |v| {
        about(v, a, "pass") && v["result"]["check_id"] == "flow-logs-enabled"
    });
    assert_eq!(seen.last().unwrap()["events"], json!([e2]));

    // Two poison messages, then DeleteLogGroup on the group a and b deliver to: both fail.
    events_py(
        &ep,
        &[
            "send",
            &queue,
            "{not json",
            r#"{"detail-type":"Something else"}"#,
        ],
    );
    moto.seed(&json!([{"op": "delete_log_group", "region": REGION, "name": "/shared"}]));
    let e3 = put(
        &ep,
        "aws.logs",
        "DeleteLogGroup",
        json!({"logGroupName": "/shared"}),
        Value::Null,
    );
    let mut failing = std::collections::BTreeSet::new();
    let seen = lines.until("for both VPCs of the deleted group", |v| {
        if v["result"]["status"] == "fail" && v["change"] == "changed" && v["events"] == json!([e3])
        {
            failing.insert(v["result"]["resource"]["id"].as_str().unwrap().to_string());
        }
        failing.contains(a.as_str()) && failing.contains(b.as_str())
    });
    // The group's event re-checked its two VPCs and nothing else (earlier lines may trail in).
    assert!(
        !seen
            .iter()
            .any(|v| v["events"] == json!([e3]) && v["result"]["resource"]["id"] == *c_vpc),
        "{seen:#?}"
    );

    // DisassociateKmsKey (moto has no such call: the group is made again without its key).
    moto.seed(&json!([
        {"op": "delete_log_group", "region": REGION, "name": "/enc"},
        {"op": "log_group", "region": REGION, "name": "/enc", "retention": 365}
    ]));
    let e4 = put(
        &ep,
        "aws.logs",
        "DisassociateKmsKey",
        json!({"logGroupName": "/enc"}),
        Value::Null,
    );
    let seen = lines.until("for c's destination-encrypted", |v| {
        about(v, c_vpc, "fail") && v["result"]["check_id"] == "destination-encrypted"
    });
    assert_eq!(seen.last().unwrap()["events"], json!([e4]));

    // SIGTERM: the batch in hand is finished, exit 0.
    unsafe {
        libc_kill(child.id() as i32, 15);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut err = Vec::new();
    while let Ok(l) = erx.recv_timeout(Duration::from_millis(500)) {
        err.push(l);
    }
    let poison: Vec<&String> = err.iter().filter(|l| l.contains("redrive")).collect();
    assert!(
        poison.len() <= 2,
        "each poison message is logged once: {err:#?}"
    );
    // Handled messages are gone; the two poison ones stay for the redrive policy.
    let count = events_py(&ep, &["count", &queue]);
    let left = count["visible"].as_u64().unwrap() + count["in_flight"].as_u64().unwrap();
    assert_eq!(left, 2, "{count}");
}

fn policy(file: &str) -> BTreeSet<String> {
    let p = crate::support::harness::repo_json(file);
    p["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|st| st["Action"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn once_with_a_baseline_drains_the_queue_and_reports_the_drift() {
    let moto = Moto::start();
    let ids = seed(&moto);
    let ep = moto.endpoint();
    let queue = events_py(&ep, &["setup"])["queue_url"]
        .as_str()
        .unwrap()
        .to_string();
    let base = crate::support::scan::scan_at(&ep)
        .args(["--region", REGION])
        .json_report()
        .run();
    moto.seed(&json!([{"op": "delete_flow_log", "region": REGION, "flow_log": ids["fl_b"]}]));
    let e = put(
        &ep,
        "aws.ec2",
        "DeleteFlowLogs",
        json!({"DeleteFlowLogsRequest": {"FlowLogId": {"content": ids["fl_b"], "tag": 1}}}),
        Value::Null,
    );
    // An event of a region watch does not cover is deleted without a re-check.
    let far = json!([{"source": "aws.ec2", "eventSource": "ec2.amazonaws.com", "eventName": "DeleteVpc",
        "region": "eu-west-1", "requestParameters": {"vpcId": "vpc-0123456789abcdef0"}}]);
    events_py(&ep, &["put", &far.to_string()]);
    moto.reset_recording();
    let out = fa()
        .args([
            "watch",
            "--once",
            "--queue-url",
            &queue,
            "--endpoint-url",
            &ep,
            "--region",
            REGION,
            "--publish",
            "securityhub",
            "--baseline",
        ])
        .arg(base.file("report.json"))
        .run();
    out.assert_code(0);
    out.stderr_has("flowaudit: securityhub:");
    // The watcher calls only what docs/iam/watch-policy.json (and, for --publish,
    // docs/iam/publish-policy.json) allow.
    let called: BTreeSet<String> = moto
        .recorded_calls()
        .iter()
        .map(|c| {
            let op = c.operation.rsplit('/').next().unwrap_or("");
            match (c.service.as_str(), c.operation.as_str()) {
                ("sqs", "DeleteMessageBatch") => "sqs:DeleteMessage".to_string(),
                ("s3", "GetBucketEncryption") => "s3:GetEncryptionConfiguration".to_string(),
                ("s3", "ListBuckets") => "s3:ListAllMyBuckets".to_string(),
                ("securityhub", o) if o.ends_with("/findings/import") => {
                    "securityhub:BatchImportFindings".to_string()
                }
                ("securityhub", o) if o.ends_with("/findings") => {
                    "securityhub:GetFindings".to_string()
                }
                (s, o) => format!("{s}:{}", if o.contains(' ') { op } else { o }),
            }
        })
        .collect();
    let mut allowed = policy("docs/iam/watch-policy.json");
    allowed.extend(policy("docs/iam/publish-policy.json"));
    assert!(
        called.contains("sqs:ReceiveMessage") && called.contains("sqs:DeleteMessage"),
        "{called:?}"
    );
    let extra: Vec<&String> = called.difference(&allowed).collect();
    assert!(
        extra.is_empty(),
        "watch called outside its policies: {extra:?}"
    );
    let lines = change_lines(&out);
    assert!(
        lines.iter().any(|v| about(v, &ids["b"], "fail")
            && v["result"]["check_id"] == "flow-logs-enabled"
            && v["events"] == json!([e])),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .all(|v| v["result"]["resource"]["id"] == ids["b"]),
        "{lines:#?}"
    );
    // --publish: the region's failures are in Security Hub, b's new one among them.
    let held = crate::publish::hub(&ep, &[format!("123456789012:{REGION}")]);
    let held = &held[&format!("123456789012/{REGION}")];
    assert!(
        held.iter().any(|f| f["Resources"][0]["Id"]
            .as_str()
            .unwrap()
            .ends_with(ids["b"].as_str())
            && f["GeneratorId"] == "flowaudit/VPC-001/flow-logs-enabled"
            && f["RecordState"] == "ACTIVE"),
        "{held:#?}"
    );
    // The health line at the end counts what the run did: the one event in scope (the far
    // region's is not one), its one re-check, every change line (more than one: every check
    // of b), no error.
    let health: Vec<String> = out
        .stderr()
        .lines()
        .filter(|l| l.starts_with("flowaudit: watch: ") && l.contains(" re-check"))
        .map(str::to_string)
        .collect();
    assert_eq!(
        health,
        vec![format!(
            "flowaudit: watch: 1 event, 1 re-check, {} changes, 0 errors (stopping)",
            lines.len()
        )],
        "{}",
        out.stderr()
    );
    let count = events_py(&ep, &["count", &queue]);
    assert_eq!(
        count["visible"].as_u64().unwrap() + count["in_flight"].as_u64().unwrap(),
        0
    );
}

#[test]
fn a_watcher_killed_mid_batch_loses_no_event() {
    use crate::support::proxy::Proxy;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let moto = Moto::start();
    let ids = seed(&moto);
    let ep = moto.endpoint();
    let queue = events_py(&ep, &["setup", "2"])["queue_url"]
        .as_str()
        .unwrap()
        .to_string();
    let base = crate::support::scan::scan_at(&ep)
        .args(["--region", REGION])
        .json_report()
        .run();
    moto.seed(&json!([{"op": "delete_flow_log", "region": REGION, "flow_log": ids["fl_b"]}]));
    let e = put(
        &ep,
        "aws.ec2",
        "DeleteFlowLogs",
        json!({"DeleteFlowLogsRequest": {"FlowLogId": {"content": ids["fl_b"], "tag": 1}}}),
        Value::Null,
    );
    // The re-check's listings hang: the watcher is killed while it re-checks.
    let listing = Arc::new(AtomicUsize::new(0));
    let seen = listing.clone();
    let upstream = moto.port;
    let proxy = Proxy::start(
        upstream,
        Arc::new(move |req, forward| {
            if req.action() == "DescribeVpcs" {
                seen.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_secs(5));
            }
            forward(req)
        }),
    );
    let mut c = fa();
    c.args([
        "watch",
        "--queue-url",
        &queue,
        "--endpoint-url",
        &proxy.endpoint(),
        "--region",
        REGION,
        "--window-ms",
        "0",
        "--baseline",
    ])
    .arg(base.file("report.json"));
    let mut child = c
        .command_mut()
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while listing.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the re-check started");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.stdout.is_empty(), "nothing was written before the kill");
    // Once the message is visible again, a new watcher handles it.
    std::thread::sleep(Duration::from_secs(3));
    let again = fa()
        .args([
            "watch",
            "--once",
            "--queue-url",
            &queue,
            "--endpoint-url",
            &ep,
            "--region",
            REGION,
            "--baseline",
        ])
        .arg(base.file("report.json"))
        .run();
    again.assert_code(0);
    let lines = change_lines(&again);
    assert!(
        lines
            .iter()
            .any(|v| about(v, &ids["b"], "fail") && v["events"] == json!([e])),
        "{lines:#?}"
    );
    let count = events_py(&ep, &["count", &queue]);
    assert_eq!(
        count["visible"].as_u64().unwrap() + count["in_flight"].as_u64().unwrap(),
        0
    );
}

/// An organization scanned into a baseline (with `extra` flags), then alpha's flow log deleted
/// and its event put on the queue; `watch --once --org` with the same flags. The world, the
/// event id and the lines the watcher wrote.
fn org_watch_after_alphas_flow_log_is_deleted(
    extra: &[&str],
) -> (crate::support::org::OrgWorld, Value, Vec<Value>) {
    let moto = Moto::start();
    let world = crate::support::org::seed_org(&moto);
    let ep = moto.endpoint();
    let queue = events_py(&ep, &["setup"])["queue_url"]
        .as_str()
        .unwrap()
        .to_string();
    let base = crate::support::org::org_scan(&ep)
        .arg("--org")
        .args(extra)
        .run();
    let alpha = world.id("alpha").to_string();
    let fl = world.ids["alpha_fl"].clone();
    moto.seed(
        &json!([{"op": "delete_flow_log", "region": REGION, "account": alpha, "flow_log": fl}]),
    );
    let e = json!([{"source": "aws.ec2", "eventSource": "ec2.amazonaws.com", "eventName": "DeleteFlowLogs",
        "region": REGION, "account": alpha,
        "requestParameters": {"DeleteFlowLogsRequest": {"FlowLogId": {"content": fl, "tag": 1}}}}]);
    let event_id = events_py(&ep, &["put", &e.to_string()])["event_ids"][0].clone();
    let out = fa()
        .args([
            "watch",
            "--once",
            "--org",
            "--queue-url",
            &queue,
            "--endpoint-url",
            &ep,
            "--region",
            REGION,
        ])
        .args(extra)
        .arg("--baseline")
        .arg(base.file("report.json"))
        .run();
    out.assert_code(0);
    let lines = change_lines(&out);
    (world, event_id, lines)
}

#[test]
fn an_organization_watcher_re_checks_a_members_event_through_its_role() {
    let (world, event_id, lines) = org_watch_after_alphas_flow_log_is_deleted(&[]);
    let alpha = world.id("alpha");
    let logged = &world.ids["alpha_logged"];
    assert!(
        lines.iter().any(|v| about(v, logged, "fail")
            && v["result"]["check_id"] == "flow-logs-enabled"
            && v["result"]["resource"]["account_id"] == alpha
            && v["events"] == json!([event_id])),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .all(|v| v["result"]["resource"]["account_id"] == alpha)
    );
}

#[test]
fn an_organization_watcher_suppresses_by_the_account_tags_and_ou_of_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let supp = dir.path().join("s.toml");
    std::fs::write(
        &supp,
        "[[suppression]]\nrule = \"VPC-001\"\nresource = \"*\"\naccount_tags = { team = \"payments\" }\nou = \"Prod*\"\nreason = \"Payments logs at the hub\"\nexpires = 2099-12-31\n",
    )
    .unwrap();
    let (world, _, lines) =
        org_watch_after_alphas_flow_log_is_deleted(&["--suppressions", supp.to_str().unwrap()]);
    // The re-check reaches alpha by its id alone; its tags and OU path come from the baseline,
    // so the failure it finds is suppressed, as the scan would have it.
    let logged = &world.ids["alpha_logged"];
    assert!(
        lines.iter().any(|v| about(v, logged, "suppressed")
            && v["result"]["check_id"] == "flow-logs-enabled"
            && v["result"]["suppression"]["reason"] == "Payments logs at the hub"),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|v| about(v, logged, "fail")),
        "{lines:#?}"
    );
}

#[test]
fn the_queue_and_every_re_check_share_one_connection_pool() {
    use std::sync::atomic::Ordering;
    let moto = Moto::start();
    let ids = seed(&moto);
    let eu = moto.seed(&json!([
        {"op": "role", "region": "eu-west-1", "key": "role", "name": "fl-eu"},
        {"op": "log_group", "region": "eu-west-1", "name": "/eu", "retention": 365},
        {"op": "vpc", "region": "eu-west-1", "key": "e", "cidr": "10.9.0.0/16"},
        {"op": "flow_log", "region": "eu-west-1", "key": "fl_e", "resource": "$e", "traffic": "ALL", "log_group": "/eu", "role": "$role", "max_aggregation_interval": 60}
    ]));
    let ep = moto.endpoint();
    let queue = events_py(&ep, &["setup"])["queue_url"]
        .as_str()
        .unwrap()
        .to_string();
    let regions = format!("{REGION},eu-west-1");
    let base = crate::support::scan::scan_at(&ep)
        .args(["--region", &regions])
        .json_report()
        .run();
    // A flow log deleted in each region: two places, two re-checks.
    moto.seed(&json!([
        {"op": "delete_flow_log", "region": REGION, "flow_log": ids["fl_b"]},
        {"op": "delete_flow_log", "region": "eu-west-1", "flow_log": eu["fl_e"]}
    ]));
    put(
        &ep,
        "aws.ec2",
        "DeleteFlowLogs",
        json!({"DeleteFlowLogsRequest": {"FlowLogId": {"content": ids["fl_b"], "tag": 1}}}),
        Value::Null,
    );
    let far = json!([{"source": "aws.ec2", "eventSource": "ec2.amazonaws.com", "eventName": "DeleteFlowLogs",
        "region": "eu-west-1", "requestParameters": {"DeleteFlowLogsRequest": {"FlowLogId": {"content": eu["fl_e"], "tag": 1}}}}]);
    events_py(&ep, &["put", &far.to_string()]);
    // A keep-alive endpoint that counts the connections it accepts.
    let proxy = crate::support::proxy::Proxy::faulty(moto.port, |_| None);
    let out = fa()
        .args([
            "watch",
            "--once",
            "--queue-url",
            &queue,
            "--endpoint-url",
            &proxy.endpoint(),
            "--region",
            &regions,
            "--baseline",
        ])
        .arg(base.file("report.json"))
        .run();
    out.assert_code(0);
    let lines = change_lines(&out);
    for vpc in [&ids["b"], &eu["e"]] {
        assert!(
            lines
                .iter()
                .any(|l| l["result"]["resource"]["id"] == vpc.as_str()),
            "no change of {vpc}: {lines:#?}"
        );
    }
    let calls = proxy.requests.load(Ordering::SeqCst);
    let connections = proxy.connections.load(Ordering::SeqCst);
    assert!(calls >= 10, "{calls} calls");
    // The queue's calls and both re-checks (each a collection of its own) take their
    // connections from one pool: at most one per call in flight at once (a region's five
    // listings, the queue's). A pool per collection opens a set for each (10-12 here).
    assert!(
        connections <= 7,
        "{connections} connections for {calls} calls"
    );
}

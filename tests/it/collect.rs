//! The collector against a real moto: joined inventory, destinations, exact API calls, pagination,
//! region discovery, and dump/replay.

use crate::support::cmd::fa;
use crate::support::harness::*;
use crate::support::json::each;
use crate::support::proxy::{Handler, Proxy, Response, paginating};
use crate::support::scan::{flow_log, inventory_of, scan_at, vpcs};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

fn region<'a>(inv: &'a Value, name: &str) -> &'a Value {
    each(&inv["regions"])
        .find(|r| r["region"] == name)
        .unwrap_or_else(|| panic!("region {name} missing from {inv}"))
}

fn multiset(
    calls: impl IntoIterator<Item = (String, String, String)>,
) -> BTreeMap<(String, String, String), usize> {
    let mut m = BTreeMap::new();
    for c in calls {
        *m.entry(c).or_insert(0) += 1;
    }
    m
}

/// (exists, encryption, name) of a destination.
fn state(d: &Value) -> (&str, &str, &str) {
    (
        d["exists"].as_str().unwrap_or(""),
        d["encryption"].as_str().unwrap_or(""),
        d["name"].as_str().unwrap_or(""),
    )
}

fn call(s: &str, r: &str, o: &str) -> (String, String, String) {
    (s.to_string(), r.to_string(), o.to_string())
}

/// Three regions, VPC- and subnet-level logs, every kind of destination.
fn seed_world(moto: &Moto) -> BTreeMap<String, String> {
    moto.seed(&json!([
        {"op": "role", "key": "role", "name": "flow-logs"},
        {"op": "kms_key", "region": "eu-west-1", "key": "key_eu"},
        {"op": "kms_key", "region": "us-east-1", "key": "key_us"},
        {"op": "log_group", "region": "eu-west-1", "name": "/flow/kms", "kms_key": "$key_eu"},
        {"op": "log_group", "region": "eu-west-1", "name": "/flow/retained", "retention": 14},
        {"op": "log_group", "region": "us-east-1", "name": "/flow/plain"},
        {"op": "log_group", "region": "us-east-1", "name": "/flow/deleted"},
        {"op": "bucket", "region": "us-east-1", "name": "fa-aes", "encryption": "AES256"},
        {"op": "bucket", "region": "us-east-1", "name": "fa-kms", "encryption": "aws:kms", "kms_key": "$key_us"},
        {"op": "bucket", "region": "us-east-1", "name": "fa-none"},
        {"op": "bucket", "region": "us-east-1", "name": "fa-gone"},

        {"op": "vpc", "region": "eu-west-1", "key": "eu_a", "cidr": "10.1.0.0/16", "tags": {"Name": "eu-a", "team": "net"}},
        {"op": "subnet", "region": "eu-west-1", "key": "eu_a_s1", "vpc": "$eu_a", "cidr": "10.1.1.0/24", "tags": {"Name": "eu-a-1"}},
        {"op": "subnet", "region": "eu-west-1", "key": "eu_a_s2", "vpc": "$eu_a", "cidr": "10.1.2.0/24"},
        {"op": "vpc", "region": "eu-west-1", "key": "eu_b", "cidr": "10.2.0.0/16"},
        {"op": "subnet", "region": "eu-west-1", "key": "eu_b_s1", "vpc": "$eu_b", "cidr": "10.2.1.0/24"},
        {"op": "flow_log", "region": "eu-west-1", "key": "fl_eu_a", "resource": "$eu_a", "traffic": "ALL", "log_group": "/flow/kms", "role": "$role"},
        {"op": "flow_log", "region": "eu-west-1", "key": "fl_eu_a_s3", "resource": "$eu_a", "traffic": "REJECT", "bucket": "fa-aes"},
        {"op": "flow_log", "region": "eu-west-1", "key": "fl_eu_b_s1", "resource": "$eu_b_s1", "traffic": "ACCEPT", "log_group": "/flow/retained", "role": "$role"},

        {"op": "vpc", "region": "us-east-1", "key": "us_a", "cidr": "10.3.0.0/16", "tags": {"Name": "us-a"}},
        {"op": "subnet", "region": "us-east-1", "key": "us_a_s1", "vpc": "$us_a", "cidr": "10.3.1.0/24"},
        {"op": "flow_log", "region": "us-east-1", "key": "fl_us_a", "resource": "$us_a", "log_group": "/flow/plain", "role": "$role"},
        {"op": "flow_log", "region": "us-east-1", "key": "fl_us_a_missing", "resource": "$us_a", "traffic": "REJECT", "log_group": "/flow/never-created", "role": "$role"},
        {"op": "flow_log", "region": "us-east-1", "key": "fl_us_a_deleted", "resource": "$us_a_s1", "log_group": "/flow/deleted", "role": "$role"},
        {"op": "delete_log_group", "region": "us-east-1", "name": "/flow/deleted"},
        {"op": "flow_log", "region": "us-east-1", "key": "fl_us_a_kms", "resource": "$us_a_s1", "traffic": "REJECT", "bucket": "fa-kms"},
        {"op": "flow_log", "region": "us-east-1", "key": "fl_us_a_none", "resource": "$us_a", "traffic": "ACCEPT", "bucket": "fa-none"},
        {"op": "flow_log", "region": "us-east-1", "key": "fl_us_a_gone", "resource": "$us_a_s1", "traffic": "ACCEPT", "bucket": "fa-gone"},
        {"op": "delete_bucket", "region": "us-east-1", "name": "fa-gone"},
        {"op": "flow_log", "region": "us-east-1", "key": "fl_us_a_fh", "resource": "$us_a_s1", "traffic": "ALL",
         "destination_type": "kinesis-data-firehose", "destination_arn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/fa-stream"},

        {"op": "eni", "region": "us-east-1", "key": "eni", "subnet": "$us_a_s1"},
        {"op": "eni", "region": "eu-west-1", "key": "eni_eu_1", "subnet": "$eu_a_s1"},
        {"op": "eni", "region": "eu-west-1", "key": "eni_eu_2", "subnet": "$eu_a_s1"},
        {"op": "flow_log", "region": "us-east-1", "key": "fl_eni", "resource": "$eni", "log_group": "/flow/plain", "role": "$role"},

        {"op": "vpc", "region": "ap-southeast-2", "key": "ap_a", "cidr": "10.4.0.0/16"},
        {"op": "flow_log", "region": "ap-southeast-2", "key": "fl_ap_a", "resource": "$ap_a", "traffic": "ALL", "bucket": "fa-aes"}
    ]))
}

#[test]
fn multi_region_scan_joins_everything_with_the_minimum_of_calls() {
    let moto = Moto::start();
    let ids = seed_world(&moto);
    moto.reset_recording();
    let inv = inventory_of(
        &moto.endpoint(),
        &[
            "--region",
            "us-east-1,eu-west-1",
            "--region",
            "ap-southeast-2",
        ],
    );
    assert_eq!(inv["schema"], "flowaudit/inventory/v1");
    assert_eq!(inv["scan"]["account_id"], ACCOUNT);
    assert_eq!(
        inv["scan"]["regions_scanned"],
        json!(["ap-southeast-2", "eu-west-1", "us-east-1"])
    );
    assert_eq!(inv["errors"], json!([]));

    // Every VPC of every region, default VPCs included.
    let all = vpcs(&inv);
    for r in ["ap-southeast-2", "eu-west-1", "us-east-1"] {
        let reg = region(&inv, r);
        let defaults: Vec<&Value> = each(&reg["vpcs"])
            .filter(|v| v["is_default"] == true)
            .collect();
        assert_eq!(defaults.len(), 1, "one default VPC in {r}");
        assert!(!defaults[0]["subnets"].as_array().unwrap().is_empty());
        assert_eq!(reg["account_id"], ACCOUNT);
    }
    for key in ["eu_a", "eu_b", "us_a", "ap_a"] {
        assert!(all.contains_key(&ids[key]), "{key} missing");
    }
    assert_eq!(all.len(), 4 + 3);

    let eu_a = &all[&ids["eu_a"]];
    assert_eq!(eu_a["name"], "eu-a");
    assert_eq!(eu_a["tags"]["team"], "net");
    assert_eq!(eu_a["cidr_block"], "10.1.0.0/16");
    assert_eq!(eu_a["state"], "available");
    assert_eq!(eu_a["owner_id"], ACCOUNT);
    assert_eq!(eu_a["shared"], false);
    assert_eq!(eu_a["is_default"], false);
    assert_eq!(
        eu_a["arn"],
        format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc/{}", ids["eu_a"])
    );
    let eu_a_logs: Vec<&str> = each(&eu_a["flow_logs"])
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    let mut want = vec![ids["fl_eu_a"].as_str(), ids["fl_eu_a_s3"].as_str()];
    want.sort();
    assert_eq!(eu_a_logs, want);
    let subnets = eu_a["subnets"].as_array().unwrap();
    assert_eq!(subnets.len(), 2);
    assert!(subnets.iter().all(|s| s["flow_logs"] == json!([])));
    assert!(subnets.iter().any(|s| s["name"] == "eu-a-1"));

    // Network interfaces are counted per VPC and per subnet; none is a count of 0.
    assert_eq!(eu_a["network_interfaces"], 2);
    for s in subnets {
        let want = if s["name"] == "eu-a-1" { 2 } else { 0 };
        assert_eq!(s["network_interfaces"], want, "{s}");
    }
    assert_eq!(all[&ids["us_a"]]["network_interfaces"], 1);
    assert_eq!(all[&ids["eu_b"]]["network_interfaces"], 0);

    // Subnet-level log hangs on the subnet, not the VPC.
    let eu_b = &all[&ids["eu_b"]];
    assert_eq!(eu_b["flow_logs"], json!([]));
    let s1 = &eu_b["subnets"][0];
    assert_eq!(s1["id"], ids["eu_b_s1"].as_str());
    assert_eq!(s1["flow_logs"][0]["id"], ids["fl_eu_b_s1"].as_str());
    assert_eq!(s1["flow_logs"][0]["resource_type"], "subnet");
    assert_eq!(s1["flow_logs"][0]["traffic_type"], "ACCEPT");

    // A network-interface log is kept aside, not lost.
    let others = region(&inv, "us-east-1")["other_flow_logs"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(others.len(), 1, "{others:?}");
    assert_eq!(others[0]["id"], ids["fl_eni"].as_str());
    assert_eq!(others[0]["resource_type"], "network_interface");
    assert_eq!(others[0]["destination"]["exists"], "yes");
    assert_eq!(region(&inv, "eu-west-1")["other_flow_logs"], json!([]));

    // Destinations.
    let d = |k: &str| flow_log(&inv, &ids[k])["destination"].clone();
    let kms = d("fl_eu_a");
    assert_eq!((state(&kms).0, state(&kms).1), ("yes", "kms"));
    assert_eq!(kms["kms_key_id"], ids["key_eu"].as_str());
    assert_eq!(kms["retention_days"], Value::Null);
    let fl = flow_log(&inv, &ids["fl_eu_a"]);
    assert_eq!(fl["destination_type"], "cloud-watch-logs");
    assert_eq!(fl["log_group_name"], "/flow/kms");
    assert_eq!(fl["status"], "ACTIVE");
    assert_eq!(fl["deliver_logs_status"], "SUCCESS");
    assert_eq!(fl["max_aggregation_interval"], 600);
    assert!(fl["log_format"].as_str().unwrap().contains("${srcaddr}"));
    let ret = d("fl_eu_b_s1");
    assert_eq!(
        (ret["encryption"].as_str(), ret["retention_days"].as_i64()),
        (Some("none"), Some(14))
    );
    let plain = d("fl_us_a");
    assert_eq!((state(&plain).0, state(&plain).1), ("yes", "none"));
    for k in ["fl_us_a_missing", "fl_us_a_deleted"] {
        let m = d(k);
        assert_eq!(m["exists"], "no", "{k}: {m}");
        assert!(
            m["reason"].as_str().unwrap().contains("no log group named"),
            "{m}"
        );
    }
    assert_eq!(
        flow_log(&inv, &ids["fl_us_a_missing"])["deliver_logs_status"],
        "FAILED"
    );
    let aes = d("fl_eu_a_s3");
    assert_eq!(state(&aes), ("yes", "aws_managed", "fa-aes"));
    let bkms = d("fl_us_a_kms");
    assert_eq!(bkms["encryption"], "kms");
    assert_eq!(bkms["kms_key_id"], ids["key_us"].as_str());
    let none = d("fl_us_a_none");
    assert_eq!((state(&none).0, state(&none).1), ("yes", "none"));
    let gone = d("fl_us_a_gone");
    assert_eq!(gone["exists"], "no", "{gone}");
    assert!(
        gone["reason"].as_str().unwrap().contains("NoSuchBucket"),
        "{gone}"
    );
    // A delivery stream that does not exist (DescribeDeliveryStream: ResourceNotFoundException).
    let fh = d("fl_us_a_fh");
    assert_eq!(state(&fh), ("no", "unknown", "fa-stream"));
    assert_eq!(
        flow_log(&inv, &ids["fl_us_a_fh"])["destination_type"],
        "kinesis-data-firehose"
    );
    assert_eq!(d("fl_ap_a")["encryption"], "aws_managed");

    // Exactly the lower bound: 1 STS + 1 DescribeRegions + 5 listings per region + one
    // DescribeLogGroups per region with CloudWatch destinations + one call per distinct bucket
    // (fa-aes is referenced from two regions and read once, in the region that names it first)
    // + one DescribeDeliveryStream per distinct delivery stream, in its region.
    let got = multiset(
        moto.recorded_calls()
            .into_iter()
            .map(|c| (c.service, c.region, c.operation)),
    );
    let mut want = vec![
        call("sts", "us-east-1", "GetCallerIdentity"),
        call("ec2", "us-east-1", "DescribeRegions"),
        call("logs", "eu-west-1", "DescribeLogGroups"),
        call("logs", "us-east-1", "DescribeLogGroups"),
        call("s3", "ap-southeast-2", "GetBucketEncryption"),
        call("s3", "us-east-1", "GetBucketEncryption"),
        call("s3", "us-east-1", "GetBucketEncryption"),
        call("s3", "us-east-1", "GetBucketEncryption"),
        call("firehose", "us-east-1", "DescribeDeliveryStream"),
    ];
    for r in ["ap-southeast-2", "eu-west-1", "us-east-1"] {
        for op in [
            "DescribeVpcs",
            "DescribeSubnets",
            "DescribeFlowLogs",
            "DescribeNetworkInterfaces",
            "DescribeTransitGateways",
        ] {
            want.push(call("ec2", r, op));
        }
    }
    assert_eq!(got, multiset(want));
}

#[test]
fn describe_flow_logs_is_called_once_per_region_whatever_the_number_of_vpcs() {
    let moto = Moto::start();
    let mut ops = vec![json!({"op": "role", "key": "role", "name": "fl"})];
    ops.push(json!({"op": "vpcs", "region": "eu-central-1", "count": 30, "prefix": "v"}));
    ops.push(json!({"op": "log_group", "region": "eu-central-1", "name": "shared"}));
    for i in 0..30 {
        ops.push(json!({"op": "flow_log", "region": "eu-central-1", "resource": format!("$v{i}"), "log_group": "shared", "role": "$role"}));
    }
    let ids = moto.seed(&Value::Array(ops));
    moto.reset_recording();
    let inv = inventory_of(&moto.endpoint(), &["--region", "eu-central-1"]);
    let all = vpcs(&inv);
    assert_eq!(all.len(), 31);
    for i in 0..30 {
        assert_eq!(
            all[&ids[&format!("v{i}")]]["flow_logs"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
    let calls = moto.recorded_calls();
    let count = |op: &str| count_calls(&calls, op);
    assert_eq!(count("DescribeFlowLogs"), 1);
    assert_eq!(count("DescribeVpcs"), 1);
    assert_eq!(count("DescribeNetworkInterfaces"), 1);
    assert_eq!(count("DescribeTransitGateways"), 1);
    assert_eq!(count("DescribeLogGroups"), 1);
    assert_eq!(calls.len(), 1 + 1 + 5 + 1, "{calls:?}");
}

#[test]
fn pagination_follows_next_token_to_the_end() {
    let moto = Moto::start();
    let mut ops = vec![json!({"op": "role", "key": "role", "name": "fl"})];
    ops.push(json!({"op": "vpcs", "region": "eu-west-2", "count": 12, "prefix": "v"}));
    for i in 0..12 {
        ops.push(json!({"op": "subnet", "region": "eu-west-2", "key": format!("s{i}"), "vpc": format!("$v{i}"), "cidr": format!("10.{i}.1.0/24")}));
        ops.push(json!({"op": "flow_log", "region": "eu-west-2", "key": format!("fv{i}"), "resource": format!("$v{i}"), "log_group": "g", "role": "$role"}));
        if i % 2 == 0 {
            ops.push(json!({"op": "flow_log", "region": "eu-west-2", "key": format!("fs{i}"), "resource": format!("$s{i}"), "log_group": "g", "role": "$role"}));
        }
    }
    let ids = moto.seed(&Value::Array(ops));
    let (handler, stats) = paginating(5);
    let proxy = Proxy::start(moto.port, handler);
    moto.reset_recording();
    let inv = inventory_of(&proxy.endpoint(), &["--region", "eu-west-2"]);

    // 13 VPCs (with the default) -> 3 pages; 12 + 3 default subnets -> 3 pages; 18 logs -> 4 pages.
    assert_eq!(stats.pages("DescribeVpcs"), 3);
    assert_eq!(stats.pages("DescribeSubnets"), 3);
    assert_eq!(stats.pages("DescribeFlowLogs"), 4);
    // The collector asks for explicit pages.
    for op in ["DescribeVpcs", "DescribeSubnets", "DescribeFlowLogs"] {
        let sent = stats
            .max_results
            .lock()
            .unwrap()
            .get(op)
            .cloned()
            .unwrap_or_default();
        assert!(
            !sent.is_empty() && sent.iter().all(|m| m == "1000"),
            "{op}: {sent:?}"
        );
    }
    let all = vpcs(&inv);
    assert_eq!(all.len(), 13);
    for i in 0..12 {
        let v = &all[&ids[&format!("v{i}")]];
        assert_eq!(v["flow_logs"][0]["id"], ids[&format!("fv{i}")].as_str());
        assert_eq!(v["subnets"].as_array().unwrap().len(), 1);
        let sub_logs = v["subnets"][0]["flow_logs"].as_array().unwrap();
        assert_eq!(sub_logs.len(), usize::from(i % 2 == 0), "v{i}");
    }
    // moto saw each listing once; the proxy served the following pages.
    let calls = moto.recorded_calls();
    assert_eq!(count_calls(&calls, "DescribeFlowLogs"), 1);
}

#[test]
fn discovery_scans_enabled_regions_of_the_partition_minus_excluded() {
    let moto = Moto::start();
    let inv = inventory_of(
        &moto.endpoint(),
        &["--exclude-region", "eu-west-1,us-west-2"],
    );
    let scanned: Vec<&str> = each(&inv["scan"]["regions_scanned"])
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        scanned.contains(&"us-east-1") && scanned.contains(&"eu-central-1"),
        "{scanned:?}"
    );
    // Not opted in, other partitions, excluded.
    for absent in [
        "ap-east-1",
        "me-south-1",
        "il-central-1",
        "cn-north-1",
        "us-gov-west-1",
        "eu-west-1",
        "us-west-2",
    ] {
        assert!(!scanned.contains(&absent), "{absent} scanned: {scanned:?}");
    }
    assert_eq!(inv["scan"]["regions_requested"], json!([]));
    let regions = inv["regions"].as_array().unwrap();
    assert_eq!(regions.len(), scanned.len());
    for r in regions {
        assert_eq!(
            each(&r["vpcs"]).filter(|v| v["is_default"] == true).count(),
            1,
            "default VPC of {}",
            r["region"]
        );
    }
    let calls = moto.recorded_calls();
    assert_eq!(count_calls(&calls, "DescribeFlowLogs"), scanned.len());
}

#[test]
fn dump_then_replay_gives_the_same_inventory() {
    let moto = Moto::start();
    seed_world(&moto);
    let live = scan_at(&moto.endpoint())
        .quiet_output()
        .args(["--region", "eu-west-1,us-east-1"])
        .run()
        .assert_complete()
        .inventory();
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.json");
    write_json(&first, &live);
    moto.reset_recording();
    let replay = fa()
        .args(["scan", "--from-inventory"])
        .arg(&first)
        .dump_inventory()
        .quiet_output()
        .run()
        .assert_complete()
        .inventory();
    assert_eq!(replay, live);
    assert!(moto.recorded_calls().is_empty(), "replay must not call AWS");
}

#[test]
fn aws_endpoint_url_redirects_every_service() {
    let moto = Moto::start();
    let ids = moto.seed(&json!([
        {"op": "role", "key": "role", "name": "fl"},
        {"op": "log_group", "region": "eu-west-1", "name": "env-group", "retention": 30},
        {"op": "bucket", "region": "eu-west-1", "name": "fa-env-bucket", "encryption": "AES256"},
        {"op": "vpc", "region": "eu-west-1", "key": "v", "cidr": "10.1.0.0/16"},
        {"op": "flow_log", "region": "eu-west-1", "key": "a", "resource": "$v", "log_group": "env-group", "role": "$role"},
        {"op": "flow_log", "region": "eu-west-1", "key": "b", "resource": "$v", "bucket": "fa-env-bucket"}
    ]));
    moto.reset_recording();
    let inv = fa()
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .args(["scan", "--region", "eu-west-1"])
        .dump_inventory()
        .quiet_output()
        .run()
        .assert_complete()
        .inventory();
    let d = |k: &str| flow_log(&inv, &ids[k])["destination"].clone();
    assert_eq!(d("a")["retention_days"], 30);
    assert_eq!(state(&d("b")), ("yes", "aws_managed", "fa-env-bucket"));
    let services: std::collections::BTreeSet<String> = moto
        .recorded_calls()
        .into_iter()
        .map(|c| c.service)
        .collect();
    assert_eq!(
        services.into_iter().collect::<Vec<_>>(),
        vec!["ec2", "logs", "s3", "sts"]
    );
}

#[test]
fn log_groups_are_looked_up_in_batches_of_fifty() {
    let moto = Moto::start();
    let mut ops = vec![
        json!({"op": "role", "key": "role", "name": "fl"}),
        json!({"op": "vpc", "region": "eu-west-1", "key": "a", "cidr": "10.1.0.0/16"}),
        json!({"op": "vpc", "region": "eu-west-1", "key": "b", "cidr": "10.2.0.0/16"}),
    ];
    for i in 0..120 {
        let name = format!("/batch/{i:03}");
        if i % 10 != 0 {
            ops.push(json!({"op": "log_group", "region": "eu-west-1", "name": name}));
        }
        let vpc = if i % 2 == 0 { "$a" } else { "$b" };
        ops.push(json!({"op": "flow_log", "region": "eu-west-1", "resource": vpc, "log_group": name, "role": "$role"}));
    }
    moto.seed(&Value::Array(ops));

    // moto ignores logGroupIdentifiers; the proxy applies the filter as AWS does, reading all of
    // moto's pages itself, and records how many names each call asked for.
    let batches: Arc<Mutex<Vec<usize>>> = Arc::default();
    let b2 = batches.clone();
    let handler: Handler = Arc::new(move |req, forward| {
        if !req
            .header("X-Amz-Target")
            .is_some_and(|t| t.ends_with(".DescribeLogGroups"))
        {
            return forward(req);
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let wanted: Vec<String> = body["logGroupIdentifiers"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        b2.lock().unwrap().push(wanted.len());
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut upstream = req.clone();
            upstream.body = json!({"limit": 50, "nextToken": token})
                .to_string()
                .into_bytes();
            let resp: Value = serde_json::from_slice(&forward(&upstream).body).unwrap();
            for g in resp["logGroups"].as_array().unwrap() {
                if wanted.iter().any(|w| g["logGroupName"] == w.as_str()) {
                    found.push(g.clone());
                }
            }
            match resp["nextToken"].as_str() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        Response {
            status: 200,
            headers: vec![("Content-Type".into(), "application/x-amz-json-1.1".into())],
            body: json!({"logGroups": found}).to_string().into_bytes(),
        }
    });
    let proxy = Proxy::start(moto.port, handler);
    let inv = inventory_of(&proxy.endpoint(), &["--region", "eu-west-1"]);
    let mut sizes = batches.lock().unwrap().clone();
    sizes.sort();
    assert_eq!(sizes, vec![20, 50, 50], "one call per 50 names");
    let logs: Vec<Value> = vpcs(&inv)
        .values()
        .flat_map(|v| v["flow_logs"].as_array().unwrap().clone())
        .collect();
    assert_eq!(logs.len(), 120);
    for l in &logs {
        let name = l["log_group_name"].as_str().unwrap();
        let i: usize = name.trim_start_matches("/batch/").parse().unwrap();
        let want = if i.is_multiple_of(10) { "no" } else { "yes" };
        assert_eq!(l["destination"]["exists"], want, "{name}");
    }
}

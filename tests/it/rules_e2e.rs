//! End to end against moto: a two-region account seeded with every VPC-001/002/003 case, scanned
//! with `--format json`, and every verdict checked.

use crate::support::cmd::fa;
use crate::support::harness::*;
use crate::support::json::each;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn seed_every_case(moto: &Moto) -> BTreeMap<String, String> {
    let mut ops = vec![];
    for region in ["us-east-1", "eu-west-1"] {
        let r = |k: &str| format!("{k}_{region}");
        ops.extend([
            json!({"op": "kms_key", "region": region, "key": r("key")}),
            json!({"op": "role", "region": region, "key": r("role"), "name": format!("flow-logs-{region}")}),
            json!({"op": "log_group", "region": region, "name": format!("/fa/kms-365-{region}"), "kms_key": format!("${}", r("key")), "retention": 365}),
            json!({"op": "log_group", "region": region, "name": format!("/fa/kms-forever-{region}"), "kms_key": format!("${}", r("key"))}),
            json!({"op": "log_group", "region": region, "name": format!("/fa/plain-30-{region}"), "retention": 30}),
            json!({"op": "bucket", "region": region, "name": format!("fa-sse-{region}"), "encryption": "AES256"}),
            json!({"op": "bucket", "region": region, "name": format!("fa-plain-{region}")}),
        ]);
        let vpc = |k: &str, cidr: &str| json!({"op": "vpc", "region": region, "key": r(k), "cidr": cidr, "tags": {"Name": k}});
        let cw = |k: &str, res: &str, traffic: &str, group: &str| {
            json!({"op": "flow_log", "region": region, "key": r(k), "resource": format!("${}", r(res)),
                   "traffic": traffic, "log_group": group, "role": format!("${}", r("role"))})
        };
        let s3 = |k: &str, res: &str, bucket: &str| {
            json!({"op": "flow_log", "region": region, "key": r(k), "resource": format!("${}", r(res)),
                   "traffic": "ALL", "bucket": bucket})
        };
        ops.extend([
            vpc("good", "10.1.0.0/16"),
            cw("fl_good", "good", "ALL", &format!("/fa/kms-365-{region}")),
            vpc("forever", "10.2.0.0/16"),
            cw("fl_forever", "forever", "ALL", &format!("/fa/kms-forever-{region}")),
            vpc("nologs", "10.3.0.0/16"),
            vpc("reject", "10.4.0.0/16"),
            cw("fl_reject", "reject", "REJECT", &format!("/fa/kms-365-{region}")),
            vpc("accept", "10.5.0.0/16"),
            cw("fl_accept", "accept", "ACCEPT", &format!("/fa/kms-forever-{region}")),
            vpc("plain", "10.6.0.0/16"),
            cw("fl_plain", "plain", "ALL", &format!("/fa/plain-30-{region}")),
            vpc("s3sse", "10.7.0.0/16"),
            s3("fl_s3sse", "s3sse", &format!("fa-sse-{region}")),
            vpc("s3plain", "10.8.0.0/16"),
            s3("fl_s3plain", "s3plain", &format!("fa-plain-{region}")),
            vpc("missing", "10.9.0.0/16"),
            cw("fl_missing", "missing", "ALL", &format!("/fa/never-created-{region}")),
            vpc("mixed", "10.10.0.0/16"),
            cw("fl_mixed_kms", "mixed", "ALL", &format!("/fa/kms-365-{region}")),
            cw("fl_mixed_plain", "mixed", "REJECT", &format!("/fa/plain-30-{region}")),
            vpc("subnets", "10.11.0.0/16"),
            json!({"op": "subnet", "region": region, "key": r("sn1"), "vpc": format!("${}", r("subnets")), "cidr": "10.11.1.0/24"}),
            json!({"op": "subnet", "region": region, "key": r("sn2"), "vpc": format!("${}", r("subnets")), "cidr": "10.11.2.0/24"}),
            cw("fl_sn1", "sn1", "ALL", &format!("/fa/kms-365-{region}")),
            cw("fl_sn2", "sn2", "ALL", &format!("/fa/kms-365-{region}")),
        ]);
    }
    moto.seed(&Value::Array(ops))
}

fn scan_json(moto: &Moto, extra: &[&str]) -> (i32, Value) {
    let o = fa()
        .arg("scan")
        .endpoint(&moto.endpoint())
        .args(["--region", "us-east-1,eu-west-1"])
        .json_report()
        .args(extra)
        .run();
    o.assert_code_for(1, "expected findings");
    crate::support::report_schema::validate_against_schema(&o.file("report.json"));
    (o.code(), o.report())
}

/// (status, message) of one check on one VPC.
fn verdict(doc: &Value, vpc: &str, rule: &str, check: &str) -> (String, String) {
    let r = each(&doc["results"])
        .find(|r| r["resource"]["id"] == vpc && r["rule_id"] == rule && r["check_id"] == check)
        .unwrap_or_else(|| panic!("no result for {vpc} {rule} {check}"));
    (
        r["status"].as_str().unwrap().to_string(),
        r["message"].as_str().unwrap().to_string(),
    )
}

#[test]
fn every_vpc_001_002_003_verdict_against_moto() {
    let moto = Moto::start();
    let ids = seed_every_case(&moto);
    let (_, doc) = scan_json(&moto, &[]);
    assert_eq!(doc["scan"]["partial"], false, "{}", doc["scan"]);
    for region in ["us-east-1", "eu-west-1"] {
        let id = |k: &str| ids[&format!("{k}_{region}")].clone();
        let fl = |k: &str| ids[&format!("{k}_{region}")].clone();
        let v1 = |k: &str, c: &str| verdict(&doc, &id(k), "VPC-001", c);
        let st = |k: &str, rule: &str, c: &str| verdict(&doc, &id(k), rule, c).0;
        let all3 = |k: &str| {
            [
                st(k, "VPC-001", "flow-logs-enabled"),
                st(k, "VPC-001", "traffic-type-all"),
                st(k, "VPC-001", "destination-encrypted"),
            ]
        };
        // Compliant: KMS log group, ALL, a year of retention / never expire, delivering.
        assert_eq!(all3("good"), ["pass", "pass", "pass"], "{region}");
        assert_eq!(st("good", "VPC-002", "delivery-success"), "pass");
        assert_eq!(st("good", "VPC-003", "retention-minimum"), "pass");
        assert_eq!(all3("forever"), ["pass", "pass", "pass"]);
        let (s, m) = verdict(&doc, &id("forever"), "VPC-003", "retention-minimum");
        assert_eq!(s, "pass");
        assert!(m.contains("never expires"), "{m}");
        // No flow log.
        assert_eq!(all3("nologs"), ["fail", "skipped", "skipped"]);
        assert_eq!(st("nologs", "VPC-002", "delivery-success"), "skipped");
        assert_eq!(st("nologs", "VPC-003", "retention-minimum"), "skipped");
        // REJECT only / ACCEPT only.
        assert_eq!(all3("reject"), ["pass", "fail", "pass"]);
        assert!(v1("reject", "traffic-type-all").1.contains("(REJECT)"));
        assert_eq!(all3("accept"), ["pass", "fail", "pass"]);
        // Log group without KMS and with 30 days.
        assert_eq!(all3("plain"), ["pass", "pass", "fail"]);
        assert!(
            v1("plain", "destination-encrypted")
                .1
                .contains("has no KMS key associated")
        );
        let (s, m) = verdict(&doc, &id("plain"), "VPC-003", "retention-minimum");
        assert_eq!(s, "fail");
        assert!(m.contains("keeps events 30 days"), "{m}");
        // S3 with and without default encryption; S3 has no retention check.
        assert_eq!(all3("s3sse"), ["pass", "pass", "pass"]);
        assert_eq!(st("s3sse", "VPC-003", "retention-minimum"), "skipped");
        assert_eq!(all3("s3plain"), ["pass", "pass", "fail"]);
        assert!(
            v1("s3plain", "destination-encrypted")
                .1
                .contains("has no default encryption")
        );
        // Flow log to a log group that does not exist: delivery fails and is quoted.
        assert_eq!(all3("missing"), ["pass", "pass", "fail"]);
        assert!(
            v1("missing", "destination-encrypted")
                .1
                .contains("does not exist")
        );
        let (s, m) = verdict(&doc, &id("missing"), "VPC-002", "delivery-success");
        assert_eq!(s, "fail");
        assert!(
            m.contains(&fl("fl_missing")) && m.contains("\"Access error\""),
            "{m}"
        );
        assert_eq!(st("missing", "VPC-003", "retention-minimum"), "fail");
        // One unencrypted destination among several.
        assert_eq!(all3("mixed"), ["pass", "pass", "fail"]);
        let m = v1("mixed", "destination-encrypted").1;
        assert!(
            m.contains(&fl("fl_mixed_plain")) && !m.contains(&fl("fl_mixed_kms")),
            "{m}"
        );
        // Subnet-level logs only: not accepted by default.
        assert_eq!(all3("subnets"), ["fail", "skipped", "skipped"]);
        assert_eq!(st("subnets", "VPC-002", "delivery-success"), "pass");
    }
    // With subnet coverage accepted, the subnet-only VPC passes and says so.
    let (_, doc) = scan_json(&moto, &["--accept-subnet-coverage"]);
    for region in ["us-east-1", "eu-west-1"] {
        let (s, m) = verdict(
            &doc,
            &ids[&format!("subnets_{region}")],
            "VPC-001",
            "flow-logs-enabled",
        );
        assert_eq!(s, "pass");
        assert!(m.contains("coverage is by subnet"), "{m}");
    }
}

//! Failures: a region whose endpoint refuses or breaks becomes an error entry while every other
//! region is complete; S3 region redirects are followed; bad credentials stop the run.

use crate::support::cmd::{Fa, fa};
use crate::support::harness::*;
use crate::support::json::{each, each_mut};
use crate::support::proxy::{Handler, Proxy, Response};
use crate::support::scan::{inventory_of, scan_at, vpcs};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn seed_three_regions(moto: &Moto) -> std::collections::BTreeMap<String, String> {
    moto.seed(&json!([
        {"op": "role", "key": "role", "name": "fl"},
        {"op": "vpc", "region": "eu-west-1", "key": "eu", "cidr": "10.1.0.0/16"},
        {"op": "flow_log", "region": "eu-west-1", "key": "fl_eu", "resource": "$eu", "log_group": "g", "role": "$role"},
        {"op": "vpc", "region": "us-east-1", "key": "us", "cidr": "10.2.0.0/16"},
        {"op": "flow_log", "region": "us-east-1", "key": "fl_us", "resource": "$us", "log_group": "g", "role": "$role"},
        {"op": "vpc", "region": "ap-northeast-1", "key": "ap", "cidr": "10.3.0.0/16"}
    ]))
}

/// A proxy that answers every request signed for `region` with `status`/`code`, forwarding the rest.
fn failing_region(
    moto: &Moto,
    region: &'static str,
    status: u16,
    code: &'static str,
) -> (Proxy, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h2 = hits.clone();
    let proxy = Proxy::faulty(moto.port, move |req| {
        (req.scope().0 == region).then(|| {
            h2.fetch_add(1, Ordering::SeqCst);
            Response::injected(status, code)
        })
    });
    (proxy, hits)
}

fn check_partial(
    inv: &Value,
    failed: &str,
    code: &str,
    ids: &std::collections::BTreeMap<String, String>,
) {
    let errors = inv["errors"].as_array().unwrap();
    assert!(!errors.is_empty());
    let ops: Vec<&str> = errors
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops,
        vec![
            "DescribeFlowLogs",
            "DescribeNetworkInterfaces",
            "DescribeSubnets",
            "DescribeTransitGateways",
            "DescribeVpcs"
        ],
        "{errors:?}"
    );
    for e in errors {
        assert_eq!(e["region"], failed);
        assert_eq!(e["account_id"], ACCOUNT);
        assert_eq!(e["service"], "ec2");
        assert_eq!(e["code"], code);
        assert!(e["message"].as_str().unwrap().contains("injected"), "{e}");
    }
    // The failed region is scanned-but-absent; the others are complete.
    assert!(each(&inv["scan"]["regions_scanned"]).any(|r| r == failed));
    let present: Vec<&str> = each(&inv["regions"])
        .map(|r| r["region"].as_str().unwrap())
        .collect();
    assert!(!present.contains(&failed), "{present:?}");
    assert_eq!(present.len(), 2);
    let all = vpcs(inv);
    // Every VPC of the regions that worked carries its flow logs.
    for (vpc, log) in [("eu", "fl_eu"), ("us", "fl_us")] {
        if let Some(v) = all.get(&ids[vpc]) {
            assert_eq!(v["flow_logs"][0]["id"], ids[log].as_str());
        }
    }
    assert_eq!(
        all.len(),
        2 * 2,
        "two regions, each with its default VPC and one more"
    );
}

/// Scan three regions while `failed` answers every call with `status`/`code`; returns how many
/// requests reached the failing region.
fn scan_with_failing_region(
    failed: &'static str,
    status: u16,
    error: &'static str,
    max_attempts: &str,
) -> usize {
    let moto = Moto::start();
    let ids = seed_three_regions(&moto);
    let (proxy, hits) = failing_region(&moto, failed, status, error);
    let inv = scan_at(&proxy.endpoint())
        .args(["--region", "eu-west-1,us-east-1,ap-northeast-1"])
        .args(["--max-attempts", max_attempts])
        .run()
        .assert_code(3)
        .inventory();
    check_partial(&inv, failed, error, &ids);
    let others: Vec<&str> = [
        ("eu-west-1", "eu"),
        ("us-east-1", "us"),
        ("ap-northeast-1", "ap"),
    ]
    .into_iter()
    .filter(|(r, _)| *r != failed)
    .map(|(_, k)| k)
    .collect();
    assert!(all_present(&inv, &ids, &others));
    hits.load(Ordering::SeqCst)
}

#[test]
fn a_region_answering_403_is_an_error_entry_and_the_rest_is_complete() {
    // Access errors are not retried: one request per listing.
    assert_eq!(
        scan_with_failing_region("ap-northeast-1", 403, "UnauthorizedOperation", "3"),
        5
    );
}

#[test]
fn a_region_answering_500_is_retried_then_recorded() {
    // Five listings, two attempts each in the main pass, then eight each in the recovery pass
    // (its own budget; one pass: it recovers nothing, so there is no other).
    assert_eq!(
        scan_with_failing_region("eu-west-1", 500, "InternalError", "2"),
        5 * 2 + 5 * 8
    );
}

fn all_present(
    inv: &Value,
    ids: &std::collections::BTreeMap<String, String>,
    keys: &[&str],
) -> bool {
    let all = vpcs(inv);
    keys.iter().all(|k| all.contains_key(&ids[*k]))
}

#[test]
fn a_requested_region_that_is_not_enabled_is_an_error_entry() {
    let moto = Moto::start();
    let inv = scan_at(&moto.endpoint())
        .args(["--region", "eu-west-1,me-south-1"])
        .run()
        .assert_code(3)
        .inventory();
    assert_eq!(inv["errors"][0]["region"], "me-south-1");
    assert_eq!(inv["errors"][0]["code"], "RegionNotEnabled");
    assert_eq!(inv["regions"].as_array().unwrap().len(), 1);
    assert!(
        moto.recorded_calls()
            .iter()
            .all(|c| c.region != "me-south-1")
    );
}

#[test]
fn a_bucket_in_another_region_is_read_there_after_the_redirect() {
    let moto = Moto::start();
    let ids = moto.seed(&json!([
        {"op": "bucket", "region": "eu-west-1", "name": "fa-far-away", "encryption": "AES256"},
        {"op": "vpc", "region": "us-east-1", "key": "v", "cidr": "10.1.0.0/16"},
        {"op": "flow_log", "region": "us-east-1", "key": "fl", "resource": "$v", "bucket": "fa-far-away"}
    ]));
    let redirects = Arc::new(AtomicUsize::new(0));
    let r2 = redirects.clone();
    // Like S3: a request signed for the wrong region gets a 301 naming the bucket's region.
    let proxy = Proxy::faulty(moto.port, move |req| {
        let (region, service) = req.scope();
        (service == "s3" && region != "eu-west-1").then(|| {
            r2.fetch_add(1, Ordering::SeqCst);
            let mut r = Response::xml(
                301,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Bucket>fa-far-away</Bucket></Error>",
            );
            r.headers
                .push(("x-amz-bucket-region".into(), "eu-west-1".into()));
            r
        })
    });
    moto.reset_recording();
    let inv = inventory_of(&proxy.endpoint(), &["--region", "us-east-1"]);
    let log = &vpcs(&inv)[&ids["v"]]["flow_logs"][0];
    assert_eq!(log["destination"]["region"], "eu-west-1", "{log}");
    assert_eq!(log["destination"]["encryption"], "aws_managed");
    assert_eq!(redirects.load(Ordering::SeqCst), 1);
    let s3: Vec<_> = moto
        .recorded_calls()
        .into_iter()
        .filter(|c| c.service == "s3")
        .collect();
    assert_eq!(s3.len(), 1, "{s3:?}");
    assert_eq!(s3[0].region, "eu-west-1");
}

#[test]
fn unreadable_destinations_are_described_not_fatal() {
    let moto = Moto::start();
    let ids = moto.seed(&json!([
        {"op": "role", "key": "role", "name": "fl"},
        {"op": "bucket", "region": "us-east-1", "name": "fa-locked", "encryption": "AES256"},
        {"op": "log_group", "region": "us-east-1", "name": "locked"},
        {"op": "vpc", "region": "us-east-1", "key": "v", "cidr": "10.1.0.0/16"},
        {"op": "flow_log", "region": "us-east-1", "key": "a", "resource": "$v", "bucket": "fa-locked"},
        {"op": "flow_log", "region": "us-east-1", "key": "b", "resource": "$v", "log_group": "locked", "role": "$role"}
    ]));
    let proxy = Proxy::faulty(moto.port, |req| match req.scope().1.as_str() {
        "s3" => {
            let mut r = Response::xml(
                403,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
            );
            r.headers
                .push(("Content-Type".into(), "application/xml".into()));
            Some(r)
        }
        "logs" => Some(Response::json_error(
            400,
            "AccessDeniedException",
            "not allowed",
        )),
        _ => None,
    });
    let inv = inventory_of(
        &proxy.endpoint(),
        &["--region", "us-east-1", "--max-attempts", "1"],
    );
    assert_eq!(inv["errors"], json!([]));
    let logs = vpcs(&inv)[&ids["v"]]["flow_logs"]
        .as_array()
        .unwrap()
        .clone();
    for l in logs {
        let d = &l["destination"];
        assert_eq!(
            (d["exists"].as_str(), d["encryption"].as_str()),
            (Some("unknown"), Some("unknown")),
            "{d}"
        );
        assert!(
            d["reason"].as_str().unwrap().contains("AccessDenied"),
            "{d}"
        );
    }
}

#[test]
fn credentials_that_sts_rejects_stop_the_run_with_a_clear_message() {
    let moto = Moto::start();
    let proxy = sts_failing(
        &moto,
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    );
    let (stderr, _) = fatal(&proxy.endpoint(), &["--region", "us-east-1"]);
    assert!(
        stderr.contains("GetCallerIdentity") && stderr.contains("InvalidClientTokenId"),
        "{stderr}"
    );
    assert!(stderr.contains("credentials"), "{stderr}");
}

#[test]
fn a_region_that_does_not_answer_in_time_is_a_timeout_entry() {
    let moto = Moto::start();
    let ids = seed_three_regions(&moto);
    let handler: Handler = Arc::new(|req, forward| {
        if req.scope().0 == "us-east-1"
            && req
                .form("Action")
                .is_some_and(|a| a.starts_with("DescribeVpcs"))
        {
            std::thread::sleep(std::time::Duration::from_secs(4));
        }
        forward(req)
    });
    let proxy = Proxy::start(moto.port, handler);
    let inv = scan_at(&proxy.endpoint())
        .args([
            "--region",
            "eu-west-1,us-east-1",
            "--call-timeout",
            "1",
            "--max-attempts",
            "1",
        ])
        .run()
        .assert_code(3)
        .inventory();
    let errors = inv["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["region"], "us-east-1");
    assert_eq!(errors[0]["operation"], "DescribeVpcs");
    assert_eq!(errors[0]["code"], "Timeout");
    assert!(all_present(&inv, &ids, &["eu"]));
    assert_eq!(inv["regions"].as_array().unwrap().len(), 1);
}

/// A proxy answering every STS call with `status`/`code` (a query-protocol error), forwarding the rest.
fn sts_failing(moto: &Moto, status: u16, code: &'static str, message: &'static str) -> Proxy {
    Proxy::faulty(moto.port, move |req| {
        (req.scope().1 == "sts").then(|| Response::sts_error(status, code, message))
    })
}

/// `flowaudit scan` against `endpoint`, which must stop with exit 2: its stderr, and the `fix:`
/// line of the message.
fn fatal(endpoint: &str, args: &[&str]) -> (String, String) {
    let out = fa().arg("scan").endpoint(endpoint).args(args).run();
    let stderr = out.assert_code(2).stderr();
    let fix = fix_line(&stderr).to_string();
    (stderr, fix)
}

/// The `fix:` line of a fatal error message.
fn fix_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("fix: "))
        .unwrap_or_else(|| panic!("no fix line in:\n{stderr}"))
}

#[test]
fn a_throttled_sts_call_is_not_blamed_on_the_credentials() {
    let moto = Moto::start();
    let proxy = sts_failing(&moto, 400, "Throttling", "injected by the test proxy");
    let (stderr, fix) = fatal(
        &proxy.endpoint(),
        &["--region", "us-east-1", "--max-attempts", "1"],
    );
    assert!(
        stderr.contains("GetCallerIdentity") && stderr.contains("Throttling"),
        "{stderr}"
    );
    assert!(
        fix.contains("throttling") && fix.contains("--max-attempts"),
        "{fix}"
    );
    assert!(!fix.contains("credentials"), "{fix}");
}

#[test]
fn an_expired_token_asks_for_a_new_login() {
    let moto = Moto::start();
    let proxy = sts_failing(&moto, 400, "ExpiredToken", "injected by the test proxy");
    let (_, fix) = fatal(&proxy.endpoint(), &["--region", "us-east-1"]);
    assert!(
        fix.contains("expired or invalid") && fix.contains("log in again"),
        "{fix}"
    );
}

#[test]
fn a_denied_region_listing_names_the_missing_permission() {
    let moto = Moto::start();
    let proxy = Proxy::denying(moto.port, "DescribeRegions", 403, "UnauthorizedOperation");
    let (stderr, fix) = fatal(&proxy.endpoint(), &[]);
    assert!(stderr.contains("DescribeRegions"), "{stderr}");
    assert!(
        fix.contains("grant ec2:DescribeRegions") && fix.contains("--region"),
        "{fix}"
    );
}

#[test]
fn an_unreachable_endpoint_points_at_the_endpoint() {
    // A port that was free a moment ago: nothing answers there.
    let (_, fix) = fatal(
        &format!("http://127.0.0.1:{}", free_port()),
        &["--region", "us-east-1", "--max-attempts", "1"],
    );
    assert!(
        fix.contains("endpoint") && !fix.contains("credentials"),
        "{fix}"
    );
}

/// A proxy over three regions: eu-west-1 is throttled, ap-northeast-1 denies its flow logs, and
/// with `tgw_server_error` us-east-1 fails its transit gateway listing with a server error.
fn throttled_and_denied(moto: &Moto, tgw_server_error: bool) -> Proxy {
    Proxy::faulty(moto.port, move |req| {
        let action = req.action();
        match req.scope().0.as_str() {
            "eu-west-1" if action != "DescribeRegions" => {
                Some(Response::injected(503, "RequestLimitExceeded"))
            }
            "ap-northeast-1" if action == "DescribeFlowLogs" => {
                Some(Response::injected(403, "UnauthorizedOperation"))
            }
            "us-east-1" if tgw_server_error && action == "DescribeTransitGateways" => {
                Some(Response::injected(500, "InternalError"))
            }
            _ => None,
        }
    })
}

/// A scan of the three regions through `proxy`, one attempt per call.
fn three_regions(proxy: &Proxy) -> Fa {
    let mut c = fa();
    c.arg("scan").endpoint(&proxy.endpoint()).args([
        "--region",
        "eu-west-1,us-east-1,ap-northeast-1",
        "--max-attempts",
        "1",
    ]);
    c
}

#[test]
fn each_scan_error_in_the_text_summary_gets_the_fix_of_its_class() {
    let moto = Moto::start();
    seed_three_regions(&moto);
    let proxy = throttled_and_denied(&moto, false);
    let stdout = three_regions(&proxy).run().assert_code(3).stdout();
    let section = stdout
        .split("Scan errors")
        .nth(1)
        .unwrap_or_else(|| panic!("no scan errors in:\n{stdout}"));
    let lines: Vec<&str> = section
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    // The five throttled listings of eu-west-1 share one fix, said once after them; the denied
    // flow-log listing gets its own.
    let fixes: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.trim_start().strip_prefix("fix: "))
        .collect();
    assert_eq!(fixes.len(), 2, "{section}");
    assert!(
        fixes
            .iter()
            .any(|f| f.contains("throttling") && f.contains("--max-attempts")),
        "{fixes:?}"
    );
    assert!(
        fixes
            .iter()
            .any(|f| f.contains("grant ec2:DescribeFlowLogs")),
        "{fixes:?}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("RequestLimitExceeded"))
            .count(),
        5,
        "{section}"
    );
    // An unreadable region is said once: its place, its errors, every rule it blocks, its fix;
    // not again as checks that could not be evaluated.
    assert_eq!(
        stdout.matches("eu-west-1").count(),
        1,
        "the region is named once:\n{stdout}"
    );
    assert!(
        !stdout.contains("Checks that could not be evaluated"),
        "{stdout}"
    );
    let eu = section
        .split("123456789012 eu-west-1")
        .nth(1)
        .unwrap_or_else(|| panic!("{section}"));
    let blocks = eu
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("blocks "))
        .unwrap_or_else(|| panic!("{section}"));
    for rule in ["VPC-001 (flow-logs-enabled", "TGW-001 (", "VPC-005 ("] {
        assert!(blocks.contains(rule), "{rule}: {blocks}");
    }
}

#[test]
fn each_scan_error_in_the_json_report_carries_its_class_and_fix_and_reads_back() {
    use crate::support::browser::{assert_clean_run, browse};
    let moto = Moto::start();
    seed_three_regions(&moto);
    // And us-east-1 fails its transit gateway listing with a server error.
    let proxy = throttled_and_denied(&moto, true);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    three_regions(&proxy)
        .current_dir(d)
        .args(["-f", "json", "--output", "report.json"])
        .args(["--dump-inventory", "inventory.json"])
        .run()
        .assert_code(3);
    crate::support::report_schema::validate_against_schema(&d.join("report.json"));
    let read = |name: &str| read_json(&d.join(name));
    let report = read("report.json");
    let errors = report["scan"]["errors"].as_array().unwrap();
    let by_code =
        |code: &str| -> Vec<&Value> { errors.iter().filter(|e| e["code"] == code).collect() };
    let throttled = by_code("RequestLimitExceeded");
    assert_eq!(throttled.len(), 5, "{errors:?}");
    for e in &throttled {
        assert_eq!(e["region"], "eu-west-1");
        assert_eq!(e["class"], "throttling", "{e}");
        let fix = e["fix"].as_str().unwrap();
        assert!(
            fix.contains("--max-attempts") && !fix.contains("credentials"),
            "{fix}"
        );
    }
    let denied = by_code("UnauthorizedOperation");
    assert_eq!(denied.len(), 1, "{errors:?}");
    assert_eq!(denied[0]["class"], "access_denied");
    assert_eq!(
        denied[0]["fix"],
        "grant ec2:DescribeFlowLogs to the scanning role (docs/iam/scan-policy.json), or check for a service control policy that denies it"
    );
    let server = by_code("InternalError");
    assert_eq!(server.len(), 1, "{errors:?}");
    assert_eq!(server[0]["operation"], "DescribeTransitGateways");
    assert_eq!(server[0]["class"], "server");
    assert!(
        server[0]["fix"].as_str().unwrap().contains("server error"),
        "{}",
        server[0]
    );
    assert_eq!(errors.len(), 7, "{errors:?}");
    // The inventory file keeps its errors as they were: neither field.
    let inv = read("inventory.json");
    let inv_errors = inv["errors"].as_array().unwrap();
    assert_eq!(inv_errors.len(), errors.len());
    assert!(
        inv_errors
            .iter()
            .all(|e| e.get("class").is_none() && e.get("fix").is_none()),
        "{inv_errors:?}"
    );

    // `flowaudit report` reads the report back and writes the same entries.
    fa().current_dir(d)
        .args([
            "report",
            "report.json",
            "-f",
            "json",
            "--output",
            "again.json",
        ])
        .run()
        .assert_code(3);
    assert_eq!(
        read("again.json")["scan"]["errors"],
        report["scan"]["errors"]
    );

    // A saved class and fix are recomputed, not trusted: an edited report whose error names a
    // hostile operation gets the fix of its code, escaped in the HTML like every AWS value.
    let hostile = "<img src=x onerror=alert(1)>";
    let mut edited = report.clone();
    let t = errors
        .iter()
        .position(|e| e["code"] == "RequestLimitExceeded")
        .unwrap();
    edited["scan"]["errors"][t]["class"] = "other".into();
    edited["scan"]["errors"][t]["fix"] = "<b>trust me</b>".into();
    let e = each_mut(&mut edited["scan"]["errors"])
        .find(|e| e["code"] == "UnauthorizedOperation")
        .unwrap();
    e["operation"] = hostile.into();
    std::fs::write(
        d.join("edited.json"),
        serde_json::to_vec_pretty(&edited).unwrap(),
    )
    .unwrap();
    fa().current_dir(d)
        .args(["report", "edited.json", "-f", "json", "-f", "html"])
        .args(["--output-dir", "html"])
        .run()
        .assert_code(3);
    let rewritten = read("html/flowaudit.json");
    let entries = rewritten["scan"]["errors"].as_array().unwrap();
    assert_eq!(entries[t], errors[t], "recomputed from its code");
    let hostile_fix = format!(
        "grant ec2:{hostile} to the scanning role (docs/iam/scan-policy.json), or check for a service control policy that denies it"
    );
    assert!(
        entries.iter().any(|e| e["fix"] == hostile_fix.as_str()),
        "{entries:?}"
    );
    let page = std::fs::read_to_string(d.join("html/flowaudit.html")).unwrap();
    assert!(!page.contains(hostile), "unescaped in the HTML");
    let r = browse(
        &d.join("html/flowaudit.html"),
        &[
            "[...document.querySelectorAll('#scan-errors-table thead th')].map(c => c.textContent)"
                .to_string(),
            "[...document.querySelectorAll('#scan-errors-table tbody tr')].map(tr => [...tr.cells].map(c => c.textContent))"
                .to_string(),
            "document.querySelectorAll('#scan-errors-table img, #scan-errors-table b').length"
                .to_string(),
        ],
        None,
    );
    assert_clean_run(&r);
    let v = r["values"].as_array().unwrap();
    assert_eq!(v[0].as_array().unwrap().last().unwrap(), "Fix");
    let rows = v[1].as_array().unwrap();
    assert_eq!(rows.len(), entries.len());
    for (row, e) in rows.iter().zip(entries) {
        // Code, message and fix cells are the entry's.
        let cells = row.as_array().unwrap();
        assert_eq!(cells[4], e["code"]);
        assert_eq!(cells[6], e["fix"], "{row}");
    }
    assert!(
        rows.iter().any(|r| r[6] == hostile_fix.as_str()),
        "{rows:?}"
    );
    assert_eq!(v[2], 0, "no element injected");
}

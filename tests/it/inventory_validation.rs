//! Values are checked where they enter. A tampered inventory file is refused on load, read whole,
//! streamed or piped, with an error naming the file, the line and column, the JSON path and the
//! rule; a value of the wrong shape from AWS leaves its region out as an error entry; hostile free
//! text and IAM role paths, which are legitimate, load.

use crate::support::cmd::fa;
use crate::support::harness::*;
use crate::support::hostile::corpus;
use crate::support::json::each;
use crate::support::proxy::{Handler, Proxy};
use crate::support::scan::{scan_at, vpcs};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn demo() -> Value {
    repo_json("examples/demo-inventory.json")
}

/// A role ARN whose IAM path holds shell syntax: valid (IAM paths hold any printable ASCII).
const HOSTILE_ROLE: &str = "arn:aws:iam::111122223333:role/a'$(touch${IFS}x)'/r";

/// How an inventory file is read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Read {
    /// `scan --from-inventory FILE`: the head, then the VPCs in batches.
    Streamed,
    /// `scan --from-inventory FILE --dump-inventory COPY`: parsed whole.
    Whole,
    /// `scan --from-inventory /dev/stdin` from a pipe.
    Piped,
}

const EVERY_READ: [Read; 3] = [Read::Streamed, Read::Whole, Read::Piped];

/// Run a scan of the inventory at `file`, read as `how`, in `dir` (also the working directory);
/// returns the exit code, stderr and the name the file has in messages.
fn load(dir: &Path, file: &Path, how: Read) -> (i32, String, String) {
    let mut cmd = fa();
    cmd.current_dir(dir)
        .args(["scan", "--format", "json", "--output"])
        .arg(dir.join("report.json"));
    let copy = dir.join("copy.json");
    let _ = std::fs::remove_file(&copy);
    let _ = std::fs::remove_file(dir.join("report.json"));
    match how {
        Read::Streamed => cmd.arg("--from-inventory").arg(file),
        Read::Whole => cmd
            .arg("--from-inventory")
            .arg(file)
            .arg("--dump-inventory")
            .arg(&copy),
        // The program may stop reading early; a broken pipe is not the test's failure.
        Read::Piped => cmd
            .args(["--from-inventory", "/dev/stdin"])
            .stdin(std::fs::read(file).unwrap()),
    };
    let out = cmd.run();
    let origin = match how {
        Read::Piped => "/dev/stdin".to_string(),
        _ => file.display().to_string(),
    };
    (out.code(), out.stderr(), origin)
}

fn write(dir: &Path, name: &str, v: &Value) -> (PathBuf, String) {
    let text = serde_json::to_string_pretty(v).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, &text).unwrap();
    (path, text)
}

/// 1-based line and column of the only occurrence of `needle` in `text`.
fn line_column(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the file"));
    assert_eq!(text.rfind(needle), Some(at), "{needle} occurs once");
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = at - before.rfind('\n').map_or(0, |n| n + 1) + 1;
    (line, column)
}

/// (region, vpc) indices of the first VPC with a flow log and a subnet with a flow log, in a
/// region entry after the first (so that the streamed read has handed VPCs on before it).
fn places(v: &Value) -> ((usize, usize), (usize, usize, usize)) {
    let regions = v["regions"].as_array().unwrap();
    let mut logged = None;
    let mut subnet = None;
    for (r, region) in regions.iter().enumerate().skip(1) {
        for (i, vpc) in each(&region["vpcs"]).enumerate() {
            if logged.is_none() && !vpc["flow_logs"].as_array().unwrap().is_empty() {
                logged = Some((r, i));
            }
            for (s, sn) in each(&vpc["subnets"]).enumerate() {
                if subnet.is_none() && !sn["flow_logs"].as_array().unwrap().is_empty() {
                    subnet = Some((r, i, s));
                }
            }
        }
    }
    (logged.unwrap(), subnet.unwrap())
}

/// A JSON pointer to an `a.b[1].c` path.
fn pointer(path: &str) -> String {
    let mut p = String::new();
    for part in path.split('.') {
        let mut pieces = part.split('[');
        p.push('/');
        p.push_str(pieces.next().unwrap());
        for index in pieces {
            p.push('/');
            p.push_str(index.trim_end_matches(']'));
        }
    }
    p
}

/// The demo's flow log to a Firehose stream encrypted with a customer managed key.
const FIREHOSE_LOG: &str = "regions[2].vpcs[2].flow_logs[0]";

#[test]
fn tampered_values_are_refused_naming_file_position_path_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let base = demo();
    let ((r, v), (sr, sv, ss)) = places(&base);
    let fl = format!("regions[{r}].vpcs[{v}].flow_logs[0]");
    let sfl = format!("regions[{sr}].vpcs[{sv}].subnets[{ss}]");
    let cases: Vec<(String, &str, &str)> = vec![
        (
            "regions[0].region".into(),
            "eu-west-1$(touch x)",
            "expected a region name",
        ),
        (
            format!("regions[{r}].vpcs[{v}].id"),
            "vpc-$(touch x)",
            "expected `vpc-` followed by 8 or more lowercase hex digits",
        ),
        (
            format!("{fl}.id"),
            "fl-0123abcd'; touch x; '",
            "expected `fl-` followed by 8 or more lowercase hex digits",
        ),
        (
            format!("{fl}.resource_id"),
            "vpc-0123ABCD",
            "expected a resource id",
        ),
        (
            "scan.account_id".into(),
            "1111222233334",
            "expected an account id of 12 digits",
        ),
        (
            format!("regions[{r}].vpcs[{v}].owner_id"),
            "11112222333",
            "expected an account id of 12 digits",
        ),
        (
            format!("{fl}.deliver_logs_permission_arn"),
            "arn:aws:iam::111122223333:role/x\u{1b}[2J\ny",
            "expected an ARN whose resource is not empty and holds no control characters",
        ),
        (
            format!("{fl}.destination_arn"),
            "arn:aws:logs:eu-west-$(id):111122223333:log-group:x",
            "expected an ARN whose region is empty or a region name",
        ),
        (
            format!("regions[{r}].vpcs[{v}].arn"),
            "arn:aws:ec2:eu-west-1:1111222233334:vpc/vpc-0123abcd",
            "expected an ARN whose account is empty or 12 digits",
        ),
        (
            format!("{sfl}.id"),
            "subnet-0123ABCD",
            "expected `subnet-` followed by 8 or more lowercase hex digits",
        ),
        (
            format!("{sfl}.flow_logs[0].destination.kms_key_id"),
            "$(id)",
            "expected a KMS key",
        ),
        (
            format!("{fl}.log_group_name"),
            "/vpc/$(id)",
            "expected a log group name",
        ),
        (
            "errors[0].region".into(),
            "us-east-1`id`",
            "expected a region name",
        ),
        (
            "scan.regions_scanned[1]".into(),
            "eu-west-1\u{2028}",
            "expected a region name",
        ),
        (
            format!("{FIREHOSE_LOG}.destination.delivers_to[0].target"),
            "https://siem.example.com/\u{1b}[2J`id`",
            "expected an ARN, or an endpoint such as a URL",
        ),
        (
            format!("{FIREHOSE_LOG}.destination.delivers_to[0].type"),
            "http endpoint",
            "expected a destination type",
        ),
        (
            format!("{FIREHOSE_LOG}.destination.encryption_status"),
            "ENABLED\n",
            "expected uppercase letters and `_`",
        ),
    ];
    for (path, value, rule) in &cases {
        let mut v = base.clone();
        let slot = v
            .pointer_mut(&pointer(path))
            .unwrap_or_else(|| panic!("{path} is in the demo inventory"));
        assert!(slot.is_string() || slot.is_null(), "{path}: {slot}");
        *slot = json!(value);
        let (file, text) = write(dir.path(), "tampered.json", &v);
        let (line, column) = line_column(&text, &serde_json::to_string(value).unwrap());
        for how in EVERY_READ {
            let (code, err, origin) = load(dir.path(), &file, how);
            assert_eq!(code, 2, "{how:?} {path}: {err}");
            let head = format!("{origin}:{line}:{column}: invalid inventory at `{path}`: {rule}");
            assert!(err.contains(&head), "{how:?}: expected {head:?} in:\n{err}");
            assert!(err.contains("fix:"), "{err}");
            // The value is shown escaped: no control character reaches the terminal.
            assert!(!err.contains(['\u{1b}', '\u{2028}']), "{how:?}: {err:?}");
            assert!(err.contains(&format!("found {value:?}")), "{how:?}: {err}");
            assert!(!err.contains("panicked"), "{err}");
            assert!(
                !dir.path().join("copy.json").exists(),
                "{how:?}: nothing is written from a refused inventory"
            );
        }
    }
}

/// The refusal of a file read whole, and read as a scan streams it (head, then VPCs), through
/// the library; the same message both ways.
fn refused_by_the_library(file: &Path) -> String {
    use flowaudit::inventory::io::InventoryFile;
    let read = InventoryFile::read(file).unwrap();
    let whole = read.load().map(|_| ()).unwrap_err().to_string();
    let streamed = read
        .head()
        .and_then(|_| read.stream_resources(2, &mut |_| Ok(())))
        .unwrap_err()
        .to_string();
    assert_eq!(whole, streamed);
    whole
}

#[test]
fn every_hostile_value_is_refused_as_an_id_a_region_or_an_arn() {
    let values = corpus();
    assert!(values.len() > 10);
    let dir = tempfile::tempdir().unwrap();
    let base = demo();
    let ((r, v), _) = places(&base);
    for (name, value) in &values {
        // (path, tampered value, rule, also run the program)
        for (path, tampered, rule, program) in [
            (
                format!("regions[{r}].vpcs[{v}].id"),
                value.to_string(),
                "expected `vpc-`",
                true,
            ),
            (
                format!("regions[{r}].vpcs[{v}].flow_logs[0].id"),
                format!("fl-0a1b2c3d{value}"),
                "expected `fl-`",
                false,
            ),
            (
                format!("regions[{r}].region"),
                format!("eu-west-1{value}"),
                "expected a region name",
                false,
            ),
            (
                format!("regions[{r}].account_id"),
                format!("111122223333{value}"),
                "expected an account id",
                false,
            ),
            (
                format!("regions[{r}].vpcs[{v}].flow_logs[0].deliver_logs_permission_arn"),
                value.to_string(),
                "expected an ARN",
                false,
            ),
        ] {
            let mut inv = base.clone();
            *inv.pointer_mut(&pointer(&path)).unwrap() = json!(tampered);
            let (file, _) = write(dir.path(), "hostile.json", &inv);
            let mut errors = vec![refused_by_the_library(&file)];
            // The program itself, once per value.
            if program {
                let (code, err, _) = load(dir.path(), &file, Read::Streamed);
                assert_eq!(code, 2, "{name} at {path}: {err}");
                errors.push(err);
            }
            for err in errors {
                assert!(
                    err.contains(&format!("invalid inventory at `{path}`: {rule}")),
                    "{name} at {path}: {err}"
                );
                // Shown escaped and cut: the raw value never reaches the terminal when it holds
                // anything a terminal would act on, and a long value is shortened.
                if value
                    .contains(|c: char| c.is_control() || ('\u{2028}'..='\u{202e}').contains(&c))
                {
                    assert!(!err.contains(value), "{name}: {err:?}");
                }
                assert!(err.len() < 2_000, "{name}: {} bytes", err.len());
            }
        }
    }
}

#[test]
fn hostile_free_text_and_a_hostile_iam_path_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = demo();
    let ((r, i), _) = places(&v);
    let name = "a'$(touch${IFS}x)'`id`\"$HOME\";|&<>*?~!# \u{2028}\u{202e}\n<script>";
    let vpc = &mut v["regions"][r]["vpcs"][i];
    vpc["name"] = json!(name);
    vpc["tags"]["Name"] = json!(name);
    vpc["tags"]["$(touch x)"] = json!("${file(\"x\")}");
    let log = &mut vpc["flow_logs"][0];
    log["deliver_logs_permission_arn"] = json!(HOSTILE_ROLE);
    log["deliver_logs_error_message"] = json!("a\nb\u{1b}[2J$(id)");
    log["tags"]["k"] = json!("%{if}");
    let (file, _) = write(dir.path(), "legit.json", &v);
    for how in EVERY_READ {
        let (code, err, _) = load(dir.path(), &file, how);
        assert!(code != 2, "{how:?}: exit {code}: {err}");
        assert!(!err.contains("invalid inventory"), "{err}");
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
                .unwrap();
        assert!(
            report
                .to_string()
                .contains(&serde_json::to_string(name).unwrap()[1..20]),
            "{how:?}: the hostile name is data in the report"
        );
        if how == Read::Whole {
            // Saved again unchanged.
            let copy: Value = serde_json::from_str(
                &std::fs::read_to_string(dir.path().join("copy.json")).unwrap(),
            )
            .unwrap();
            assert_eq!(copy["regions"][r]["vpcs"][i], v["regions"][r]["vpcs"][i]);
        }
    }
    assert!(
        !dir.path().join("x").exists(),
        "nothing in the inventory was run"
    );
}

#[test]
fn a_value_of_the_wrong_shape_from_aws_makes_its_region_an_error_entry() {
    let moto = Moto::start();
    let name = "a'$(touch${IFS}x)'`id`\"$HOME\";|&<>*?~!#";
    let role = "arn:aws:iam::123456789012:role/a'$(touch${IFS}x)'/r";
    let ids = moto.seed(&json!([
        {"op": "kms_key", "region": "us-east-1", "key": "key"},
        {"op": "log_group", "region": "us-east-1", "name": "/vpc/encrypted", "kms_key": "$key"},
        {"op": "vpc", "region": "us-east-1", "key": "us", "cidr": "10.1.0.0/16", "tags": {"Name": name}},
        {"op": "flow_log", "region": "us-east-1", "key": "fl_us", "resource": "$us", "log_group": "/vpc/encrypted", "role": role},
        {"op": "vpc", "region": "eu-west-1", "key": "eu", "cidr": "10.2.0.0/16"}
    ]));
    let (eu, key) = (ids["eu"].clone(), ids["key"].clone());
    // The emulator answers well-formed values; the proxy puts values of the wrong shape into
    // the answers: a VPC id in eu-west-1's DescribeVpcs, and the KMS key of the log group.
    let handler: Handler = Arc::new(move |req, forward| {
        let (region, service) = req.scope();
        let mut resp = forward(req);
        let text = resp.text();
        if region == "eu-west-1" && req.form("Action").as_deref() == Some("DescribeVpcs") {
            resp.body = text
                .replace(
                    &format!("<vpcId>{eu}</vpcId>"),
                    "<vpcId>vpc-$(touch x)</vpcId>",
                )
                .into_bytes();
        } else if service == "logs" {
            resp.body = text.replace(&key, "$(id)").into_bytes();
        }
        resp
    });
    let proxy = Proxy::start(moto.port, handler);
    let inv = scan_at(&proxy.endpoint())
        .args(["--region", "eu-west-1,us-east-1"])
        .run()
        .assert_code_for(3, "partial")
        .inventory();

    // eu-west-1 is left out, with an error entry naming the listing, the field and the rule.
    let regions: Vec<&str> = each(&inv["regions"])
        .map(|r| r["region"].as_str().unwrap())
        .collect();
    assert_eq!(regions, ["us-east-1"]);
    let errors = inv["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(e["region"], "eu-west-1");
    assert_eq!(e["service"], "ec2");
    assert_eq!(e["operation"], "DescribeVpcs");
    assert_eq!(e["code"], "InvalidValue");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("vpcs["), "{message}");
    assert!(message.contains("].id`"), "{message}");
    assert!(
        message.contains("expected `vpc-` followed by 8 or more lowercase hex digits"),
        "{message}"
    );
    assert!(!vpcs(&inv).keys().any(|id| id.contains('$')));

    // us-east-1 is complete: the hostile Name tag and the role's IAM path are data and kept.
    let all = vpcs(&inv);
    let us = &all[&ids["us"]];
    assert_eq!(us["name"], name);
    let log = &us["flow_logs"][0];
    assert_eq!(log["id"], ids["fl_us"].as_str());
    assert_eq!(log["deliver_logs_permission_arn"], role);
    // The log group's KMS key of the wrong shape: the destination is unknown, with the reason.
    let d = &log["destination"];
    assert_eq!(d["exists"], "unknown", "{d}");
    assert_eq!(d["encryption"], "unknown", "{d}");
    assert!(d["kms_key_id"].is_null(), "{d}");
    let reason = d["reason"].as_str().unwrap();
    assert!(
        reason.contains("`destination.kms_key_id`") && reason.contains("expected a KMS key"),
        "{reason}"
    );

    // The inventory written loads again.
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = write(dir.path(), "collected.json", &inv);
    for how in EVERY_READ {
        let (code, err, _) = load(dir.path(), &file, how);
        assert_eq!(code, 3, "{how:?}: {err}");
    }
}

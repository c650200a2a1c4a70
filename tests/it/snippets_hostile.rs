//! Every remediation snippet of every built-in rule keeps every hostile value as data.
//!
//! For each field a template can use (ids, names, ARNs, reasons) and each value of the hostile
//! corpus (`tests/fixtures/hostile-values.json`), the demo inventory is evaluated twice: once with
//! that field set to a plain placeholder word and once with the hostile value. Each pair of
//! snippets is then proven by `tests/support/check_snippets.py`: the CLI snippet, run by bash with
//! `aws` replaced by a function that records its arguments, runs nothing else and passes exactly
//! the placeholder run's arguments with the value in place of the placeholder, byte for byte; the
//! Terraform parses with python-hcl2 and holds the value literally (or, as a name, reduced); the
//! CloudFormation parses, holds the value literally and passes cfn-lint.
//!
//! The inventories are built in memory: this tests what the templates do with any value, including
//! values that the checks on inventory files would refuse.

use crate::support::cmd::fa;
use crate::support::harness::{repo_path, run_ok, venv_bin};
use crate::support::hostile::corpus;
use crate::support::json::{each, each_mut};
use crate::support::scan::vpcs_mut;
use flowaudit::findings::{Finding, Status};
use flowaudit::inventory::Inventory;
use flowaudit::rules::snippet::{comment_text, hcl_name};
use flowaudit::rules::{EvalOptions, RuleSet, evaluate};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// A word every language writes as it is.
const PLACEHOLDER: &str = "zzqvalue7";

type Setter = fn(&mut Value, &str);

fn tgws(inv: &mut Value) -> impl Iterator<Item = &mut Value> {
    each_mut(&mut inv["regions"])
        .filter_map(|r| r.get_mut("transit_gateways"))
        .flat_map(|t| t.as_array_mut().unwrap().iter_mut())
}

/// `v` as the id of a resource (VPC, subnet, transit gateway) and of its flow logs' resource.
fn set_id(resource: &mut Value, v: &str) {
    set(resource, "id", v);
    for l in resource["flow_logs"].as_array_mut().unwrap() {
        set(l, "resource_id", v);
    }
}

/// `v` as the name of a resource and its Name tag.
fn set_name(resource: &mut Value, v: &str) {
    set(resource, "name", v);
    resource["tags"]["Name"] = json!(v);
}

/// Every flow log of the inventory: VPC-level, subnet-level and those of transit gateways.
fn logs(inv: &mut Value, f: impl Fn(&mut Value)) {
    for t in tgws(inv) {
        for key in ["flow_logs", "attachment_flow_logs"] {
            for l in t
                .get_mut(key)
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                f(l);
            }
        }
    }
    for vpc in vpcs_mut(inv) {
        for l in vpc["flow_logs"].as_array_mut().unwrap() {
            f(l);
        }
        for s in vpc["subnets"].as_array_mut().unwrap() {
            for l in s["flow_logs"].as_array_mut().unwrap() {
                f(l);
            }
        }
    }
}

fn set(o: &mut Value, key: &str, v: &str) {
    o[key] = json!(v);
}

/// The fields a template can use, each with what sets it everywhere in the inventory.
fn fields() -> Vec<(&'static str, Setter)> {
    vec![
        ("region", |inv, v| {
            for r in inv["regions"].as_array_mut().unwrap() {
                set(r, "region", v);
            }
            logs(inv, |l| {
                if l["destination"].get("region").is_some() {
                    set(&mut l["destination"], "region", v);
                }
            });
        }),
        ("account_id", |inv, v| {
            set(&mut inv["scan"], "account_id", v);
            for r in inv["regions"].as_array_mut().unwrap() {
                set(r, "account_id", v);
            }
            for vpc in vpcs_mut(inv) {
                set(vpc, "owner_id", v);
            }
            for t in tgws(inv) {
                set(t, "owner_id", v);
            }
        }),
        ("vpc_id", |inv, v| vpcs_mut(inv).for_each(|r| set_id(r, v))),
        ("vpc_name", |inv, v| {
            vpcs_mut(inv).for_each(|r| set_name(r, v))
        }),
        ("tgw_id", |inv, v| tgws(inv).for_each(|r| set_id(r, v))),
        ("tgw_name", |inv, v| tgws(inv).for_each(|r| set_name(r, v))),
        ("subnet_id", |inv, v| {
            for vpc in vpcs_mut(inv) {
                for s in vpc["subnets"].as_array_mut().unwrap() {
                    set_id(s, v);
                }
            }
        }),
        ("flow_log_id", |inv, v| logs(inv, |l| set(l, "id", v))),
        ("log_group_name", |inv, v| {
            logs(inv, |l| {
                if l["log_group_name"].is_string() {
                    set(l, "log_group_name", v);
                    set(&mut l["destination"], "name", v);
                }
            })
        }),
        ("bucket_name", |inv, v| {
            logs(inv, |l| {
                if l["destination_type"] == "s3" {
                    set(&mut l["destination"], "name", v);
                }
            })
        }),
        ("destination_arn", |inv, v| {
            logs(inv, |l| {
                if l["destination_arn"].is_string() {
                    set(l, "destination_arn", v);
                }
            })
        }),
        ("delivery_role_arn", |inv, v| {
            logs(inv, |l| {
                if l["deliver_logs_permission_arn"].is_string() {
                    set(l, "deliver_logs_permission_arn", v);
                }
            })
        }),
        ("stream_target", |inv, v| {
            logs(inv, |l| {
                if l["destination_type"] == "kinesis-data-firehose" {
                    l["destination"]["delivers_to"] =
                        json!([{"type": "http-endpoint", "target": v, "name": v}]);
                }
            })
        }),
        ("destination_reason", |inv, v| {
            logs(inv, |l| {
                if l["destination"]["reason"].is_string() {
                    set(&mut l["destination"], "reason", v);
                }
            })
        }),
    ]
}

/// The demo inventory, plus a VPC logged by subnet only whose subnet flow log aggregates over 600 s
/// into a log group that could not be read, so that subnet ids and reasons reach the snippets too.
fn base_inventory() -> Value {
    let mut inv: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("tests/fixtures/demo-inventory.json")).unwrap(),
    )
    .unwrap();
    let subnet_vpc = vpcs_mut(&mut inv)
        .find(|v| v["subnets"].as_array().is_some_and(|s| !s.is_empty()))
        .expect("the demo has a VPC logged by subnet")
        .clone();
    let mut extra = subnet_vpc;
    extra["id"] = json!("vpc-0a11ce00000000ff");
    for s in extra["subnets"].as_array_mut().unwrap() {
        for l in s["flow_logs"].as_array_mut().unwrap() {
            l["max_aggregation_interval"] = json!(600);
            l["destination"]["exists"] = json!("unknown");
            l["destination"]["encryption"] = json!("unknown");
            l["destination"]["kms_key_id"] = Value::Null;
            l["destination"]["reason"] = json!("AccessDeniedException: not authorized");
        }
    }
    inv["regions"][0]["vpcs"]
        .as_array_mut()
        .unwrap()
        .push(extra);
    inv
}

/// The results of the built-in rules with the field set to `value`, without and with subnet
/// coverage accepted (which takes other branches of the templates).
fn findings(rules: &RuleSet, base: &Value, setter: Setter, value: &str) -> Vec<Finding> {
    let mut inv = base.clone();
    setter(&mut inv, value);
    let inv: Inventory = serde_json::from_value(inv).expect("the inventory still deserializes");
    let mut out = evaluate(rules, &inv, &EvalOptions::default());
    let subnets = EvalOptions {
        accept_subnet_coverage: true,
        ..EvalOptions::default()
    };
    out.extend(evaluate(rules, &inv, &subnets));
    out
}

fn snippets(f: &Finding) -> Vec<(&'static str, &str)> {
    let Some(r) = &f.remediation else {
        return Vec::new();
    };
    [
        ("cli", r.cli.as_deref()),
        ("terraform", r.terraform.as_deref()),
        ("cloudformation", r.cloudformation.as_deref()),
    ]
    .into_iter()
    .filter_map(|(l, s)| s.map(|s| (l, s)))
    .collect()
}

#[test]
fn every_snippet_keeps_every_hostile_value_as_data() {
    let base = base_inventory();
    let rules = RuleSet::builtin().unwrap();
    let corpus = corpus();
    let mut cases = Vec::new();
    let mut seen = BTreeSet::new();
    // (rule, check, language) -> fields seen in it; and every field must reach some snippet.
    let mut covered: BTreeMap<(String, String, &str), BTreeSet<&str>> = BTreeMap::new();
    for (field, setter) in fields() {
        let benign = findings(&rules, &base, setter, PLACEHOLDER);
        for (name, value) in &corpus {
            let hostile = findings(&rules, &base, setter, value);
            assert_eq!(benign.len(), hostile.len(), "{field} = {name}");
            for (b, h) in benign.iter().zip(&hostile) {
                assert_eq!(
                    (&b.rule_id, &b.check_id, b.status),
                    (&h.rule_id, &h.check_id, h.status),
                    "{field} = {name}: the value changed a verdict"
                );
                if h.status == Status::Fail {
                    assert!(
                        h.remediation.is_some() || snippets(b).is_empty(),
                        "{field} = {name}: {}/{} lost its remediation",
                        h.rule_id,
                        h.check_id
                    );
                }
                for ((lang, bs), (_, hs)) in snippets(b).into_iter().zip(snippets(h)) {
                    if !bs.contains(PLACEHOLDER) {
                        continue;
                    }
                    covered
                        .entry((b.rule_id.clone(), b.check_id.clone(), lang))
                        .or_default()
                        .insert(field);
                    if !seen.insert((lang, bs.to_string(), hs.to_string())) {
                        continue;
                    }
                    cases.push(json!({
                        "id": format!("{}/{} {lang}, {field} = {name}", b.rule_id, b.check_id),
                        "lang": lang,
                        "benign": bs,
                        "hostile": hs,
                        "placeholder": PLACEHOLDER,
                        "value": value,
                        "name": hcl_name(value),
                        "comment": comment_text(value),
                    }));
                }
            }
        }
    }

    // Every snippet of every failing check of the demo takes at least one field, and every field
    // reaches some snippet: otherwise the field list above has gone stale.
    let demo = findings(&rules, &base, |_, _| {}, "");
    for f in demo.iter().filter(|f| f.status == Status::Fail) {
        for (lang, _) in snippets(f) {
            let key = (f.rule_id.clone(), f.check_id.clone(), lang);
            assert!(
                covered.contains_key(&key),
                "no field reaches the {lang} snippet of {}/{}",
                f.rule_id,
                f.check_id
            );
        }
    }
    let used: BTreeSet<&str> = covered.values().flatten().copied().collect();
    for (field, _) in fields() {
        assert!(used.contains(field), "field {field} reaches no snippet");
    }

    // FLOWAUDIT_SNIPPET_CASES=FILE keeps the cases, to run the checker on them by hand.
    let dir = tempfile::tempdir().unwrap();
    let file = std::env::var_os("FLOWAUDIT_SNIPPET_CASES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("cases.json"));
    std::fs::write(&file, serde_json::to_vec(&cases).unwrap()).unwrap();
    let out = run_ok(
        std::process::Command::new(venv_bin("python"))
            .arg(repo_path("tests/support/check_snippets.py"))
            .arg(&file),
    );
    let failures: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let shown: Vec<String> = failures
        .iter()
        .take(25)
        .map(|f| format!("- {}: {}", f["id"], f["why"]))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} snippets do not keep the value as data:\n{}",
        failures.len(),
        cases.len(),
        shown.join("\n")
    );
}

/// Run a CLI snippet in bash with `aws` recording its arguments, an empty PATH, and any other
/// command recorded instead of run; returns the calls and the other commands.
fn record_cli(script: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(&log, "").unwrap();
    let prelude = r#"aws() { { printf 'CALL\0'; for a in "$@"; do printf '%s\0' "$a"; done; } >> "$FA_LOG"; }
command_not_found_handle() { printf 'RAN\0%s\0' "$1" >> "$FA_LOG"; return 127; }
"#;
    let out = std::process::Command::new("/bin/bash")
        .arg("-c")
        .arg(format!("{prelude}{script}"))
        .current_dir(&work)
        .env_clear()
        .env("FA_LOG", &log)
        .env("PATH", "/nonexistent")
        .env("HOME", &work)
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_dir(&work).unwrap().count(),
        0,
        "the snippet created files:\n{script}"
    );
    let raw = std::fs::read(&log).unwrap();
    let mut parts = raw
        .split(|b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let (mut calls, mut ran) = (Vec::<Vec<String>>::new(), Vec::new());
    while let Some(p) = parts.next() {
        match p.as_str() {
            "CALL" => calls.push(Vec::new()),
            "RAN" => ran.push(parts.next().unwrap_or_default()),
            "" => {}
            _ => calls.last_mut().unwrap().push(p),
        }
    }
    (calls, ran)
}

/// A live scan against moto: a delivery role with a hostile IAM path and a hostile Name tag reach
/// the report as they are, and the snippets built from them run nothing but `aws`, with the role
/// ARN as one argument, byte for byte.
#[test]
fn live_scan_with_a_hostile_role_path_and_name_tag() {
    use crate::support::harness::Moto;
    let region = "us-east-1";
    let role = "arn:aws:iam::123456789012:role/a'$(touch${IFS}x)'`id`/r";
    let name = corpus()
        .into_iter()
        .find(|(n, _)| n == "shell-mix")
        .unwrap()
        .1
        + "\n\u{202e}\u{2028}# ${file(\"x\")}";
    let moto = Moto::start();
    let ids = moto.seed(&json!([
        {"op": "log_group", "name": "/flow/live", "kms_key": null, "retention": 365, "region": region},
        {"op": "vpc", "key": "slow", "cidr": "10.1.0.0/16", "tags": {"Name": name}, "region": region},
        {"op": "flow_log", "resource": "$slow", "traffic": "ALL", "log_group": "/flow/live", "role": role, "max_aggregation_interval": 600, "region": region},
        {"op": "vpc", "key": "bare", "cidr": "10.2.0.0/16", "tags": {"Name": name}, "region": region},
    ]));
    let dir = tempfile::tempdir().unwrap();
    fa().arg("scan")
        .endpoint(&moto.endpoint())
        .args(["--region", region])
        .args(["--format", "json", "--format", "text", "--output-dir"])
        .arg(dir.path())
        .run()
        .assert_code(1);
    let doc: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("flowaudit.json")).unwrap()).unwrap();
    let result = |vpc: &str, rule: &str, check: &str| -> Value {
        each(&doc["results"])
            .find(|r| r["resource"]["id"] == vpc && r["rule_id"] == rule && r["check_id"] == check)
            .unwrap_or_else(|| panic!("no {rule}/{check} result for {vpc}"))
            .clone()
    };
    // The values reach the report as they are.
    let slow = result(&ids["slow"], "VPC-004", "aggregation-interval");
    assert_eq!(slow["status"], "fail");
    assert_eq!(slow["resource"]["name"], json!(name));
    // The VPC-004 CLI snippet passes the role ARN as one argument and runs nothing else.
    let cli = slow["remediation"]["cli"].as_str().unwrap();
    let (calls, ran) = record_cli(cli);
    assert!(ran.is_empty(), "the snippet ran {ran:?}:\n{cli}");
    assert_eq!(calls.len(), 2, "{cli}");
    assert!(
        calls[1].iter().any(|a| a == role),
        "the role ARN is not one argument of {:?}",
        calls[1]
    );
    // The Name tag is in the VPC-001 snippets' comments, which it cannot end.
    let bare = result(&ids["bare"], "VPC-001", "flow-logs-enabled");
    assert_eq!(bare["status"], "fail");
    for lang in ["cli", "terraform", "cloudformation"] {
        let s = bare["remediation"][lang].as_str().unwrap();
        for line in s.lines().filter(|l| l.contains("(a'$(touch")) {
            assert!(line.trim_start().starts_with('#'), "{lang}: {line:?}");
        }
        assert!(!s.contains(['\u{202e}', '\u{2028}']), "{lang}: {s:?}");
    }
    let (calls, ran) = record_cli(bare["remediation"]["cli"].as_str().unwrap());
    assert!(ran.is_empty() && calls.len() == 3, "{calls:?} {ran:?}");
    // The text report shows the name without its controls.
    let text = std::fs::read_to_string(dir.path().join("flowaudit.txt")).unwrap();
    assert!(!text.contains(['\u{202e}', '\u{1b}']), "{text}");
}

/// A value a partial receives, from the template that includes it (`{{> p name=resource.name}}`)
/// or from the data it sees, is escaped exactly as the same value written in the template itself:
/// for each hostile value, the check whose snippets include partials renders the same bytes as
/// the check whose snippets write the values inline (which the test above proves for the built-in
/// snippets, themselves made of partials).
#[test]
fn values_a_partial_receives_are_escaped_as_in_the_template() {
    let inline = [
        "aws ec2 create-tags --resources {{resource.id}} --tags \"Key=Name,Value={{resource.name}}\" 'x{{resource.name}}' # {{resource.name}}",
        "resource \"aws_ec2_tag\" \"{{resource.id}}\" {\n  resource_id = \"{{resource.id}}\"\n  value       = \"{{resource.name}}\" # {{resource.name}}\n}",
        "Resources:\n  Tag{{resource.id}}:\n    Type: AWS::EC2::VPC\n    Properties:\n      Name: {{resource.name}}\n      Quoted: \"{{resource.name}}\"\n      Single: 'x{{resource.name}}'",
    ];
    let as_partial = |t: &str| {
        t.replace("{{resource.name}}", "{{name}}")
            .replace("{{resource.id}}", "{{id}}")
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    for (lang, t) in ["cli", "terraform", "cloudformation"].iter().zip(inline) {
        std::fs::write(
            dir.path().join(format!("lib/given-{lang}.hbs")),
            format!("{}\n", as_partial(t)),
        )
        .unwrap();
        std::fs::write(
            dir.path().join(format!("lib/seen-{lang}.hbs")),
            format!("{t}\n"),
        )
        .unwrap();
    }
    let check = |id: &str, snippet: &dyn Fn(&str, &str) -> String| {
        let mut out = format!(
            "[[checks]]\nid = \"{id}\"\ntitle = \"t\"\ncondition = \"false\"\npass = \"p\"\nfail = \"f\"\n[checks.remediation]\n"
        );
        for (lang, t) in ["cli", "terraform", "cloudformation"].iter().zip(inline) {
            out.push_str(&format!("{lang} = '''\n{}\n'''\n", snippet(lang, t)));
        }
        out
    };
    let rule = format!(
        "id = \"P-1\"\ntitle = \"t\"\ndescription = \"d\"\nseverity = \"low\"\n{}{}{}",
        check("inline", &|_, t| t.to_string()),
        check("given", &|lang, _| format!(
            "{{{{> given-{lang} id=resource.id name=resource.name}}}}"
        )),
        check("seen", &|lang, _| format!("{{{{> seen-{lang}}}}}")),
    );
    std::fs::write(dir.path().join("P-1.toml"), rule).unwrap();
    let rules = RuleSet::from_dir(dir.path()).unwrap();
    let base = base_inventory();
    let fields = fields();
    let (_, name_setter) = fields.iter().find(|(f, _)| *f == "vpc_name").unwrap();
    let (_, id_setter) = fields.iter().find(|(f, _)| *f == "vpc_id").unwrap();
    let mut compared = 0;
    for (name, value) in corpus() {
        for setter in [name_setter, id_setter] {
            let found = findings(&rules, &base, *setter, &value);
            let by_check =
                |c: &str| -> Vec<&Finding> { found.iter().filter(|f| f.check_id == c).collect() };
            let inline = by_check("inline");
            assert!(!inline.is_empty());
            for other in ["given", "seen"] {
                let other = by_check(other);
                assert_eq!(inline.len(), other.len());
                for (a, b) in inline.iter().zip(other) {
                    assert_eq!(a.resource.id, b.resource.id);
                    assert_eq!(
                        snippets(a),
                        snippets(b),
                        "{name}: {} renders another snippet through a partial",
                        b.check_id
                    );
                    assert_eq!(a.status, b.status, "{name}");
                    if snippets(a).len() == 3 {
                        compared += 1;
                    }
                }
            }
        }
    }
    assert!(compared > 0);
}

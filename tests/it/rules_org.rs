//! Rules and suppressions that depend on the account of each resource (`account` in CEL,
//! `ou` and `account_tags` in suppressions), over an organization inventory, through the binary.

use crate::support::cmd::{fa, scan_inventory};
use crate::support::harness::*;
use crate::support::hostile::{corpus, ou_name_glob, toml_string};
use crate::support::json::each;
use crate::support::results::suppression_indices;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const PROD: &str = "111111111111";
const DEV: &str = "222222222222";
const SANDBOX: &str = "333333333333";
/// Has VPCs in the inventory but no entry in its `accounts`.
const UNLISTED: &str = "444444444444";

/// An organization inventory: four accounts with one region each, each region with a VPC whose
/// only flow log keeps 30 days (`...1`) and a VPC without flow logs (`...2`); a suspended account
/// that was not scanned.
fn org_inventory(dir: &Path) -> PathBuf {
    org_inventory_with(dir, |_| {})
}

/// [`org_inventory`] with its `accounts` changed by `edit`.
fn org_inventory_with(dir: &Path, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let region = |acct: &str, n: u8| {
        let vpc = |i: u8| format!("vpc-0a11ce00000000{n}{i}");
        json!({"account_id": acct, "region": "eu-west-1", "vpcs": [
            {"id": vpc(1), "arn": format!("arn:aws:ec2:eu-west-1:{acct}:vpc/{}", vpc(1)),
             "is_default": false, "owner_id": acct, "shared": false, "cidr_block": "10.0.0.0/16",
             "state": "available", "flow_logs": [{
                "id": format!("fl-00000000000000{n}1"), "resource_id": vpc(1), "resource_type": "vpc",
                "status": "ACTIVE", "traffic_type": "ALL", "destination_type": "cloud-watch-logs",
                "log_group_name": "/vpc/flow", "deliver_logs_status": "SUCCESS",
                "max_aggregation_interval": 60,
                "destination_arn": format!("arn:aws:logs:eu-west-1:{acct}:log-group:/vpc/flow"),
                "deliver_logs_permission_arn": format!("arn:aws:iam::{acct}:role/flow-logs"),
                "destination": {"name": "/vpc/flow", "region": "eu-west-1", "exists": "yes",
                    "encryption": "kms", "kms_key_id": format!("arn:aws:kms:eu-west-1:{acct}:key/k"),
                    "retention_days": 30}}]},
            {"id": vpc(2), "arn": format!("arn:aws:ec2:eu-west-1:{acct}:vpc/{}", vpc(2)),
             "is_default": false, "owner_id": acct, "shared": false, "cidr_block": "10.1.0.0/16",
             "state": "available"}
        ]})
    };
    let workloads = json!({"id": "ou-ab12-11111111", "name": "Workloads"});
    let inv = json!({
        "schema": "flowaudit/inventory/v1",
        "scan": {"tool_version": "0.1.0", "started_at": "2026-01-15T09:00:00Z",
                 "finished_at": "2026-01-15T09:00:04Z", "account_id": "999999999999",
                 "regions_scanned": ["eu-west-1"]},
        "regions": [region(PROD, 1), region(DEV, 2), region(SANDBOX, 3), region(UNLISTED, 4)],
        "errors": [],
        "accounts": [
            {"id": PROD, "name": "web-prod", "status": "ACTIVE", "scanned": true,
             "ou_path": [workloads, {"id": "ou-ab12-22222222", "name": "Prod"}],
             "tags": {"env": "prod", "team": "web"}},
            {"id": DEV, "name": "web-dev", "status": "ACTIVE", "scanned": true,
             "ou_path": [workloads, {"id": "ou-ab12-33333333", "name": "Dev"}],
             "tags": {"env": "dev", "team": "web"}},
            {"id": SANDBOX, "name": "lab", "status": "ACTIVE", "scanned": true,
             "ou_path": [{"id": "ou-ab12-44444444", "name": "Sandbox"}],
             "tags": {"env": "prod", "team": "data-science"}},
            {"id": "555555555555", "name": "closed", "status": "SUSPENDED", "scanned": false,
             "skip_reason": "account is SUSPENDED",
             "ou_path": [workloads, {"id": "ou-ab12-22222222", "name": "Prod"}],
             "tags": {"env": "prod"}}
        ]
    });
    let mut inv = inv;
    edit(&mut inv["accounts"]);
    // In the order flowaudit writes an inventory: `accounts` after the regions.
    let text = format!(
        r#"{{"schema":{},"scan":{},"regions":{},"errors":[],"accounts":{}}}"#,
        inv["schema"], inv["scan"], inv["regions"], inv["accounts"]
    );
    let p = dir.join("org.json");
    std::fs::write(&p, text).unwrap();
    p
}

/// `scan --from-inventory INV -f json -o DIR/r.json EXTRA...`: the exit code and the report.
fn scan(dir: &Path, inv: &Path, extra: &[&str]) -> (i32, Value, String) {
    let report = dir.join("r.json");
    let _ = std::fs::remove_file(&report);
    let o = scan_inventory(inv)
        .args(["-f", "json", "-o"])
        .arg(&report)
        .args(extra)
        .run();
    let doc = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (o.code(), doc, o.stderr())
}

/// (status, message) of `rule`/`check` on the VPC `vpc` of `account`.
fn result(doc: &Value, rule: &str, check: &str, account: &str, vpc: &str) -> (String, String) {
    let r = each(&doc["results"])
        .find(|r| {
            r["rule_id"] == rule
                && r["check_id"] == check
                && r["resource"]["account_id"] == account
                && r["resource"]["id"] == vpc
        })
        .unwrap_or_else(|| panic!("no {rule}/{check} result for {vpc} in {account}"));
    (
        r["status"].as_str().unwrap().to_string(),
        r["message"].as_str().unwrap().to_string(),
    )
}

fn vpc_of(n: u8, i: u8) -> String {
    format!("vpc-0a11ce00000000{n}{i}")
}

#[test]
fn a_rule_and_its_parameters_depend_on_the_account_of_each_vpc() {
    let rules = repo_path("tests/fixtures/account-rules");
    let rules = rules.to_str().unwrap();
    // The rule's own tests give each case an account.
    let o = fa().args(["rules", "test", rules]).run();
    o.assert_code(0);
    assert!(
        o.stdout().contains("5 case(s): 5 passed, 0 failed"),
        "{}",
        o.stdout()
    );

    let dir = tempfile::tempdir().unwrap();
    let inv = org_inventory(dir.path());
    let (rc, doc, e) = scan(dir.path(), &inv, &["--rules", rules]);
    assert_eq!(rc, 1, "{e}");
    let acc =
        |account: &str, n: u8| result(&doc, "ACC-001", "retention-for-env", account, &vpc_of(n, 1));
    // The same VPC, logs kept 30 days: production needs 365, development 30.
    let (st, msg) = acc(PROD, 1);
    assert_eq!(st, "fail", "{msg}");
    assert!(
        msg.contains("in web-prod (Workloads/Prod) must keep flow logs 365 days for env prod"),
        "{msg}"
    );
    assert_eq!(acc(DEV, 2).0, "pass");
    // Outside Workloads, and unknown to the inventory's accounts: not judged.
    let (st, msg) = acc(SANDBOX, 3);
    assert_eq!(
        (st.as_str(), msg.as_str()),
        (
            "skipped",
            "vpc-0a11ce0000000031 is in account 333333333333, which is not under Workloads"
        )
    );
    assert_eq!(acc(UNLISTED, 4).0, "skipped");

    // The parameter is a table by environment; the config file changes it for every account.
    let cfg = dir.path().join("flowaudit.toml");
    std::fs::write(
        &cfg,
        "[rules.ACC-001]\nparams = { min_retention_by_env = { prod = 30, dev = 90 } }\n",
    )
    .unwrap();
    let (_, doc, e) = scan(
        dir.path(),
        &inv,
        &["--rules", rules, "--config", cfg.to_str().unwrap()],
    );
    let acc =
        |account: &str, n: u8| result(&doc, "ACC-001", "retention-for-env", account, &vpc_of(n, 1));
    assert_eq!(acc(PROD, 1).0, "pass", "{e}");
    let (st, msg) = acc(DEV, 2);
    assert_eq!(st, "fail");
    assert!(
        msg.contains("must keep flow logs 90 days for env dev"),
        "{msg}"
    );
}

#[test]
fn suppressions_by_ou_and_account_tags_in_an_organization_scan() {
    let dir = tempfile::tempdir().unwrap();
    let inv = org_inventory(dir.path());
    let supp = dir.path().join("s.toml");
    std::fs::write(
        &supp,
        r#"
[[suppression]]
rule = "VPC-001"
resource = "*"
ou = "Workloads/Prod*"
reason = "Production VPCs without logs are being decommissioned (SEC-7)"
expires = 2099-12-31

[[suppression]]
rule = "VPC-001"
resource = "*"
account_tags = { team = "data-*", env = "prod" }
reason = "Lab accounts log at the transit gateway (SEC-8)"
expires = 2099-12-31

[[suppression]]
rule = "VPC-001"
resource = "*"
ou = "ou-ab12-99999999"
reason = "No such OU"
expires = 2099-12-31
"#,
    )
    .unwrap();
    let (rc, doc, e) = scan(
        dir.path(),
        &inv,
        &["--suppressions", supp.to_str().unwrap()],
    );
    assert_eq!(rc, 1, "{e}");
    let st = |account: &str, n: u8| {
        result(&doc, "VPC-001", "flow-logs-enabled", account, &vpc_of(n, 2)).0
    };
    assert_eq!(st(PROD, 1), "suppressed");
    assert_eq!(st(SANDBOX, 3), "suppressed");
    assert_eq!(st(DEV, 2), "fail", "in Workloads/Dev, env dev");
    assert_eq!(st(UNLISTED, 4), "fail", "no OU path or tags are known");
    let sandbox = each(&doc["results"])
        .find(|r| r["resource"]["account_id"] == SANDBOX && r["status"] == "suppressed")
        .unwrap();
    assert_eq!(
        sandbox["suppression"]["reason"],
        "Lab accounts log at the transit gateway (SEC-8)"
    );
    assert_eq!(suppression_indices(&doc, "unmatched"), vec![3]);
    assert!(
        e.contains("suppression #3") && e.contains("matched no failing result"),
        "{e}"
    );

    // A bad glob in either field: exit 2, naming the file, line and column.
    for (text, at) in [
        ("ou = \"Workloads/[Prod\"", ":6:6: suppression #1: ou"),
        (
            "account_tags = { env = \"[\" }",
            ":6:24: suppression #1: account_tags.env \"[\" is not a valid glob",
        ),
    ] {
        std::fs::write(
            &supp,
            format!(
                "[[suppression]]\nrule = \"VPC-001\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2099-01-01\n{text}\n"
            ),
        )
        .unwrap();
        let (rc, _, e) = scan(
            dir.path(),
            &inv,
            &["--suppressions", supp.to_str().unwrap()],
        );
        assert_eq!(rc, 2, "{e}");
        assert!(e.contains(&format!("{}{at}", supp.display())), "{e}");
    }
}

/// Which of PROD, DEV and SANDBOX have their VPC without flow logs suppressed.
fn suppressed_of(doc: &Value) -> Vec<&'static str> {
    [(PROD, 1), (DEV, 2), (SANDBOX, 3)]
        .into_iter()
        .filter(|(a, n)| {
            result(doc, "VPC-001", "flow-logs-enabled", a, &vpc_of(*n, 2)).0 == "suppressed"
        })
        .map(|(a, _)| a)
        .collect()
}

#[test]
fn an_ou_named_like_another_ous_path_or_id_does_not_take_its_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    // DEV sits in an OU directly under the root named "Workloads/Prod", SANDBOX in one named
    // like the id of PROD's OU Prod.
    let inv = org_inventory_with(dir.path(), |accounts| {
        accounts[1]["ou_path"] = json!([{"id": "ou-ab12-55555555", "name": "Workloads/Prod"}]);
        accounts[2]["ou_path"] = json!([{"id": "ou-ab12-66666666", "name": "ou-ab12-22222222"}]);
    });
    let supp = dir.path().join("s.toml");
    let entries = |ous: &[&str]| {
        let text: String = ous
            .iter()
            .map(|ou| {
                format!(
                    "[[suppression]]\nrule = \"VPC-001\"\nresource = \"*\"\nou = {ou}\nreason = \"r\"\nexpires = 2099-12-31\n\n"
                )
            })
            .collect();
        std::fs::write(&supp, text).unwrap();
        scan(
            dir.path(),
            &inv,
            &["--suppressions", supp.to_str().unwrap()],
        )
    };
    // The path and the id of Prod: only PROD's failure is suppressed, the look-alikes' stay.
    for ou in ["\"Workloads/Prod\"", "\"ou-ab12-22222222\""] {
        let (rc, doc, e) = entries(&[ou]);
        assert_eq!(rc, 1, "{ou}: {e}");
        assert_eq!(suppressed_of(&doc), [PROD], "{ou}");
    }
    // The look-alikes, written as what they are: a `/` inside a name escaped, a name that looks
    // like an id written with a set.
    let (rc, doc, e) = entries(&["'Workloads\\/Prod'", "\"[o]u-ab12-22222222\""]);
    assert_eq!(rc, 1, "{e}");
    assert_eq!(suppressed_of(&doc), [DEV, SANDBOX]);
}

/// An inventory of one account per value of the hostile corpus: the value is its name, its email,
/// its `note` tag and the name of its OU (under an OU `Hostile`); each account has one VPC
/// without flow logs. Returns the inventory and the account ids, in corpus order.
fn hostile_org_inventory(dir: &Path) -> (PathBuf, Vec<String>) {
    let corpus = corpus();
    let ids: Vec<String> = (0..corpus.len())
        .map(|i| format!("7000000000{i:02}"))
        .collect();
    let regions: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, acct)| {
            let vpc = format!("vpc-0b0000000000{i:04x}");
            json!({"account_id": acct, "region": "eu-west-1", "vpcs": [
                {"id": vpc, "arn": format!("arn:aws:ec2:eu-west-1:{acct}:vpc/{vpc}"),
                 "is_default": false, "owner_id": acct, "shared": false,
                 "cidr_block": "10.0.0.0/16", "state": "available"}]})
        })
        .collect();
    let accounts: Vec<Value> = corpus
        .iter()
        .zip(&ids)
        .enumerate()
        .map(|(i, ((_, value), id))| {
            json!({"id": id, "name": value, "email": value, "status": "ACTIVE", "scanned": true,
                   "ou_path": [{"id": "ou-ab12-h0571e00", "name": "Hostile"},
                               {"id": format!("ou-ab12-{i:08}"), "name": value}],
                   "tags": {"note": value}})
        })
        .collect();
    let inv = json!({
        "schema": "flowaudit/inventory/v1",
        "scan": {"tool_version": "0.1.0", "started_at": "2026-01-15T09:00:00Z",
                 "finished_at": "2026-01-15T09:00:04Z", "account_id": "999999999999",
                 "regions_scanned": ["eu-west-1"]},
        "regions": regions,
        "errors": [],
        "accounts": accounts
    });
    let p = dir.join("hostile-org.json");
    std::fs::write(&p, serde_json::to_vec_pretty(&inv).unwrap()).unwrap();
    (p, ids)
}

#[test]
fn suppressions_match_hostile_ou_names_and_tags_as_data() {
    let dir = tempfile::tempdir().unwrap();
    let (inv, ids) = hostile_org_inventory(dir.path());
    let corpus = corpus();
    let supp = dir.path().join("s.toml");
    // One entry per value, by OU path or by tag, each with the value's name as its reason; in
    // corpus order and reversed, so that an entry matching another value's account would come
    // first for it in one of the two.
    let by_ou = |(_, v): &(String, String)| {
        format!(
            "ou = {}",
            toml_string(&format!("Hostile/{}", ou_name_glob(v)))
        )
    };
    let by_tag = |(_, v): &(String, String)| {
        format!(
            "account_tags = {{ note = {} }}",
            toml_string(&glob::Pattern::escape(v))
        )
    };
    for selector in [&by_ou as &dyn Fn(&(String, String)) -> String, &by_tag] {
        for reversed in [false, true] {
            let mut order: Vec<usize> = (0..corpus.len()).collect();
            if reversed {
                order.reverse();
            }
            let text: String = order
                .iter()
                .map(|&i| {
                    format!(
                        "[[suppression]]\nrule = \"VPC-001\"\nresource = \"*\"\n{}\nreason = {}\nexpires = 2099-12-31\n\n",
                        selector(&corpus[i]),
                        toml_string(&corpus[i].0)
                    )
                })
                .collect();
            std::fs::write(&supp, text).unwrap();
            let (rc, doc, e) = scan(
                dir.path(),
                &inv,
                &["--suppressions", supp.to_str().unwrap()],
            );
            assert_eq!(rc, 0, "every failure is suppressed: {e}");
            for (i, id) in ids.iter().enumerate() {
                let r = each(&doc["results"])
                    .find(|r| {
                        r["resource"]["account_id"] == id.as_str()
                            && r["check_id"] == "flow-logs-enabled"
                    })
                    .unwrap();
                assert_eq!(r["status"], "suppressed", "{}", corpus[i].0);
                assert_eq!(
                    r["suppression"]["reason"], corpus[i].0,
                    "only its own entry matches {}",
                    corpus[i].0
                );
            }
            assert_eq!(doc["suppressions"]["unmatched"], json!([]));
        }
    }
    // The values are kept as read.
    let (_, doc, _) = scan(dir.path(), &inv, &[]);
    for (a, (_, v)) in each(&doc["scan"]["account_details"]).zip(&corpus) {
        assert_eq!(
            (
                &a["name"],
                &a["email"],
                &a["tags"]["note"],
                &a["ou_path"][1]["name"]
            ),
            (&json!(v), &json!(v), &json!(v), &json!(v))
        );
    }

    // A hostile value in a bad `ou`: refused with the position of each entry, the value escaped.
    let text: String = corpus
        .iter()
        .map(|(_, v)| {
            format!(
                "[[suppression]]\nrule = \"VPC-001\"\nresource = \"*\"\nou = {}\nreason = \"r\"\nexpires = 2099-12-31\n",
                toml_string(&format!("{v}["))
            )
        })
        .collect();
    std::fs::write(&supp, text).unwrap();
    let (rc, _, e) = scan(
        dir.path(),
        &inv,
        &["--suppressions", supp.to_str().unwrap()],
    );
    assert_eq!(rc, 2, "{e}");
    for c in ['\r', '\u{85}', '\u{2028}', '\u{2029}', '\u{202e}'] {
        assert!(!e.contains(c), "raw {c:?} in {e}");
    }
    for (i, (_, v)) in corpus.iter().enumerate() {
        assert!(
            e.contains(&format!(
                "{}:{}:6: suppression #{}: ou {:?} is not a valid glob",
                supp.display(),
                6 * i + 4,
                i + 1,
                format!("{v}[")
            )),
            "{v:?}: {e}"
        );
    }
}

//! Organization-wide scans against moto: an organization with a management account and members
//! across nested OUs, one member closed and one whose role is refused by a proxy.

use crate::support::cmd::fa;
use crate::support::harness::*;
use crate::support::hostile::{corpus, ou_name_glob, toml_string};
use crate::support::json::each;
use crate::support::org::{
    CallLog, Refuse, VPCS, assumed, assumed_roles, callers, count_op, counts, org_proxy,
    org_proxy_answering, org_proxy_gated, org_proxy_holding, org_proxy_timed, org_scan, seed_org,
};
use crate::support::proxy::{Proxy, Request, Response};
use crate::support::results::{result, suppression_indices};
use crate::support::scan::destination;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The ids of `inventory.accounts`, in order.
fn account_ids(inv: &Value) -> Vec<String> {
    inv["accounts"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|a| a["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn account<'a>(inv: &'a Value, id: &str) -> &'a Value {
    each(&inv["accounts"])
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("account {id} not in {}", inv["accounts"]))
}

/// (account, region) of every region entry.
fn region_keys(inv: &Value) -> Vec<(String, String)> {
    each(&inv["regions"])
        .map(|r| {
            (
                r["account_id"].as_str().unwrap().to_string(),
                r["region"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn org_scan_reads_every_active_account_with_its_own_credentials() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let (gamma, closed) = (w.id("gamma").to_string(), w.id("closed").to_string());
    let (proxy, log) = org_proxy(
        &moto,
        Refuse {
            assume_role_into: vec![gamma.clone()],
            ..Default::default()
        },
    );
    let out = org_scan(&proxy.endpoint()).args(["--org"]).run();
    out.assert_code_for(3, "the refused account makes the scan partial");
    let (inv, report) = (out.inventory(), out.report());
    assert_eq!(inv["scan"]["account_id"], ACCOUNT);

    // Every selected account is listed, sorted by id, with its OU path, tags and role.
    let mut all: Vec<String> = w.members.values().cloned().collect();
    all.push(ACCOUNT.to_string());
    assert_eq!(account_ids(&inv), sorted(all));
    let alpha = account(&inv, w.id("alpha"));
    assert_eq!(alpha["name"], "alpha");
    assert_eq!(alpha["email"], "alpha@example.com");
    assert_eq!(alpha["status"], "ACTIVE");
    assert_eq!(
        alpha["ou_path"],
        json!([{"id": w.ou("Prod"), "name": "Prod"}])
    );
    assert_eq!(alpha["tags"], json!({"env": "prod", "team": "payments"}));
    assert_eq!(
        alpha["role_arn"],
        format!(
            "arn:aws:iam::{}:role/OrganizationAccountAccessRole",
            w.id("alpha")
        )
    );
    assert_eq!(alpha["scanned"], true);
    assert_eq!(
        account(&inv, w.id("beta"))["ou_path"],
        json!([{"id": w.ou("Prod"), "name": "Prod"}, {"id": w.ou("Nested"), "name": "Nested"}])
    );
    let mgmt = account(&inv, ACCOUNT);
    assert!(mgmt["role_arn"].is_null(), "{mgmt}");
    assert_eq!(mgmt["ou_path"], json!([]));
    // The closed account is listed with its status and not scanned.
    let c = account(&inv, &closed);
    assert_eq!(c["status"], "SUSPENDED");
    assert_eq!(c["scanned"], false);
    assert!(
        c["skip_reason"].as_str().unwrap().contains("SUSPENDED"),
        "{c}"
    );

    // The refused account is an account-wide error entry; the others are complete.
    let errors = inv["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(e["account_id"], gamma.as_str());
    assert!(e["region"].is_null());
    assert_eq!(
        (
            e["service"].as_str(),
            e["operation"].as_str(),
            e["code"].as_str()
        ),
        (Some("sts"), Some("AssumeRole"), Some("AccessDenied"))
    );
    assert!(e["message"].as_str().unwrap().contains(&gamma), "{e}");
    let scanned: BTreeSet<String> = [ACCOUNT, w.id("alpha"), w.id("beta"), w.id("delta")]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        region_keys(&inv),
        scanned
            .iter()
            .map(|a| (a.clone(), "us-east-1".to_string()))
            .collect::<Vec<_>>()
    );

    // Every VPC sits under its own account, and so do its results.
    let mut vpc_account: BTreeMap<String, String> = BTreeMap::new();
    for r in inv["regions"].as_array().unwrap() {
        for v in r["vpcs"].as_array().unwrap() {
            assert_eq!(v["owner_id"], r["account_id"], "{v}");
            vpc_account.insert(
                v["id"].as_str().unwrap().to_string(),
                r["account_id"].as_str().unwrap().to_string(),
            );
        }
    }
    for key in VPCS {
        let id = &w.ids[*key];
        if *key == "gamma_vpc" {
            assert!(
                !vpc_account.contains_key(id),
                "the refused account was read"
            );
        } else {
            assert_eq!(vpc_account[id], w.vpc_account(key), "{key}");
        }
    }
    let results = report["results"].as_array().unwrap();
    // Each VPC's flow-logs-enabled result: under the VPC's account, with its verdict.
    for (vpc, account, status) in [
        ("alpha_logged", w.id("alpha"), "pass"),
        ("alpha_bare", w.id("alpha"), "fail"),
        ("beta_bare", w.id("beta"), "fail"),
        ("delta_logged", w.id("delta"), "pass"),
        ("mgmt_vpc", ACCOUNT, "fail"),
    ] {
        let r = result(&report, "VPC-001", "flow-logs-enabled", &w.ids[vpc]);
        assert_eq!(
            (&r["resource"]["account_id"], &r["status"]),
            (&json!(account), &json!(status)),
            "{vpc}"
        );
    }
    for r in results {
        let vpc = r["resource"]["id"].as_str().unwrap();
        assert_eq!(
            r["resource"]["account_id"].as_str(),
            vpc_account.get(vpc).map(String::as_str)
        );
    }

    // Calls: the organization once, one AssumeRole per member tried (none for the caller's
    // own account), and per scanned account and region the lower bound of today.
    assert_eq!(count_op(&log, "ListAccounts"), 1);
    assert_eq!(count_op(&log, "ListRoots"), 1);
    // Root, Prod, Nested, Dev.
    assert_eq!(count_op(&log, "ListOrganizationalUnitsForParent"), 4);
    assert_eq!(count_op(&log, "ListAccountsForParent"), 4);
    assert_eq!(count_op(&log, "ListTagsForResource"), 6);
    assert_eq!(count_op(&log, "GetCallerIdentity"), 1);
    let members: Vec<String> = ["alpha", "beta", "gamma", "delta"]
        .iter()
        .map(|m| w.id(m).to_string())
        .collect();
    assert_eq!(sorted(assumed(&log)), sorted(members));
    let c = counts(&log);
    for a in &scanned {
        for op in [
            "DescribeRegions",
            "DescribeVpcs",
            "DescribeSubnets",
            "DescribeFlowLogs",
            "DescribeNetworkInterfaces",
            "DescribeTransitGateways",
        ] {
            assert_eq!(
                c.get(&(a.clone(), "us-east-1".into(), op.into())),
                Some(&1),
                "{op} in {a}: {c:?}"
            );
        }
    }
    // Each logged VPC's bucket is read once, by its own account.
    for (who, n) in [(w.id("alpha"), 1), (w.id("delta"), 1), (ACCOUNT, 0)] {
        assert_eq!(
            c.get(&(
                who.to_string(),
                "us-east-1".into(),
                "GetBucketEncryption".into()
            ))
            .copied()
            .unwrap_or(0),
            n,
            "{who}: {c:?}"
        );
    }
    // Nothing else, and nothing signed by an account that was not reached.
    // One ListBuckets per scanned account gives the owners of buckets.
    for a in &scanned {
        assert_eq!(
            c.get(&(a.clone(), "us-east-1".into(), "ListBuckets".into())),
            Some(&1),
            "{a}: {c:?}"
        );
    }
    let lower_bound = 1 + 1 + 1 + 4 + 4 + 6 + 4 + scanned.len() * 7 + 2;
    assert_eq!(log.lock().unwrap().len(), lower_bound, "{c:?}");
    assert!(
        log.lock().unwrap().iter().all(|c| c.account != gamma
            && c.account != closed
            && !c.account.starts_with("unknown")),
        "{c:?}"
    );
}

#[test]
fn selection_flags_choose_the_accounts() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let (proxy, log) = org_proxy(&moto, Refuse::default());
    let scanned_ids = |inv: &Value| -> Vec<String> {
        each(&inv["accounts"])
            .filter(|a| a["scanned"] == true)
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect()
    };
    let ids = |names: &[&str]| -> Vec<String> {
        sorted(
            names
                .iter()
                .map(|n| {
                    if *n == "mgmt" {
                        ACCOUNT.to_string()
                    } else {
                        w.id(n).to_string()
                    }
                })
                .collect(),
        )
    };

    // --ou takes the whole subtree: Prod holds alpha and, in Nested, beta.
    let inv = org_scan(&proxy.endpoint())
        .args(["--org", "--ou", w.ou("Prod")])
        .run()
        .assert_complete()
        .inventory();
    assert_eq!(account_ids(&inv), ids(&["alpha", "beta"]));
    assert_eq!(sorted(assumed(&log)), ids(&["alpha", "beta"]));
    // The same OU by its name, and Nested by its path of names.
    for (ou, want) in [("Prod", &["alpha", "beta"][..]), ("Prod/Nested", &["beta"])] {
        let inv = org_scan(&proxy.endpoint())
            .args(["--org", "--ou", ou])
            .run()
            .inventory();
        assert_eq!(account_ids(&inv), ids(want), "{ou}");
    }
    org_scan(&proxy.endpoint())
        .args(["--org", "--ou", "Prod/Nope"])
        .run()
        .assert_code(2)
        .stderr_has("--ou Prod/Nope: no organizational unit has this id, path or name");
    log.lock().unwrap().clear();

    // --exclude-ou leaves out a subtree; the caller's own account stays, unassumed.
    log.lock().unwrap().clear();
    let inv = org_scan(&proxy.endpoint())
        .args(["--org", "--exclude-ou", w.ou("Nested")])
        .run()
        .inventory();
    assert_eq!(
        account_ids(&inv),
        ids(&["mgmt", "alpha", "gamma", "delta", "closed"])
    );
    assert_eq!(scanned_ids(&inv), ids(&["mgmt", "alpha", "gamma", "delta"]));
    assert_eq!(sorted(assumed(&log)), ids(&["alpha", "gamma", "delta"]));

    // --account (a comma list) and --exclude-account, with --org.
    log.lock().unwrap().clear();
    let list = format!("{},{},{}", w.id("alpha"), w.id("delta"), ACCOUNT);
    let inv = org_scan(&proxy.endpoint())
        .args([
            "--org",
            "--account",
            &list,
            "--exclude-account",
            w.id("delta"),
            "--skip-self",
        ])
        .run()
        .inventory();
    assert_eq!(account_ids(&inv), ids(&["mgmt", "alpha"]));
    assert_eq!(scanned_ids(&inv), ids(&["alpha"]));
    assert!(
        account(&inv, ACCOUNT)["skip_reason"]
            .as_str()
            .unwrap()
            .contains("--skip-self")
    );
    assert_eq!(assumed(&log), ids(&["alpha"]));
    assert_eq!(
        region_keys(&inv),
        vec![(w.id("alpha").to_string(), "us-east-1".to_string())]
    );

    // --account alone: exactly those accounts, through their roles, without Organizations.
    log.lock().unwrap().clear();
    let inv = org_scan(&proxy.endpoint())
        .args(["--account", w.id("beta"), "--account", ACCOUNT])
        .run()
        .assert_complete()
        .inventory();
    assert_eq!(account_ids(&inv), ids(&["mgmt", "beta"]));
    assert!(account(&inv, w.id("beta"))["status"].is_null());
    assert_eq!(assumed(&log), ids(&["beta"]));
    assert!(
        log.lock()
            .unwrap()
            .iter()
            .all(|c| c.service != "organizations"),
        "no Organizations call without --org"
    );

    // --accounts-file: each entry's role, regions and tags.
    log.lock().unwrap().clear();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accounts.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[[accounts]]
id = "{delta}"
name = "delta from file"
role = "Audit"
regions = ["us-east-1"]
tags = {{ owner = "ops" }}

[[accounts]]
id = "{mgmt}"

[[accounts]]
id = "{alpha}"
role = "arn:aws:iam::{alpha}:role/path/Reader"
"#,
            delta = w.id("delta"),
            alpha = w.id("alpha"),
            mgmt = ACCOUNT
        ),
    )
    .unwrap();
    let inv = org_scan(&proxy.endpoint())
        .args([
            "--accounts-file",
            file.to_str().unwrap(),
            "--exclude-account",
            w.id("alpha"),
        ])
        .run()
        .assert_complete()
        .inventory();
    assert_eq!(account_ids(&inv), ids(&["mgmt", "delta"]));
    let d = account(&inv, w.id("delta"));
    assert_eq!(d["name"], "delta from file");
    assert_eq!(d["tags"], json!({"owner": "ops"}));
    assert_eq!(
        d["role_arn"],
        format!("arn:aws:iam::{}:role/Audit", w.id("delta"))
    );
    assert_eq!(
        assumed_roles(&log),
        vec![format!("arn:aws:iam::{}:role/Audit", w.id("delta"))]
    );
    assert_eq!(
        region_keys(&inv),
        sorted(vec![ACCOUNT.to_string(), w.id("delta").to_string()])
            .into_iter()
            .map(|a| (a, "us-east-1".to_string()))
            .collect::<Vec<_>>()
    );
}

#[test]
fn role_flags_reach_assume_role() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let (proxy, log) = org_proxy(&moto, Refuse::default());
    let inv = org_scan(&proxy.endpoint())
        .args([
            "--account",
            w.id("alpha"),
            "--role-arn-template",
            "arn:{partition}:iam::{account}:role/Audit",
            "--external-id",
            "ext-0123:abc",
            "--role-session-name",
            "audit-run",
            "--session-duration",
            "1800",
        ])
        .run()
        .assert_complete()
        .inventory();
    let calls: Vec<_> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|c| c.operation == "AssumeRole")
        .cloned()
        .collect();
    assert_eq!(calls.len(), 1);
    let p = &calls[0].params;
    assert_eq!(
        p["RoleArn"],
        format!("arn:aws:iam::{}:role/Audit", w.id("alpha"))
    );
    assert_eq!(p["ExternalId"], "ext-0123:abc");
    assert_eq!(p["RoleSessionName"], "audit-run");
    assert_eq!(p["DurationSeconds"], "1800");
    assert_eq!(
        account(&inv, w.id("alpha"))["role_arn"],
        format!("arn:aws:iam::{}:role/Audit", w.id("alpha"))
    );
    // The member's listings are signed with the assumed role's keys.
    assert!(
        log.lock()
            .unwrap()
            .iter()
            .any(|c| c.operation == "DescribeVpcs" && c.account == w.id("alpha"))
    );
    assert!(
        !log.lock()
            .unwrap()
            .iter()
            .any(|c| c.operation == "DescribeVpcs" && c.account == ACCOUNT)
    );
}

#[test]
fn organization_listing_failures() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    // Nothing can be scanned: exit 2 with the reason and the fix.
    let (proxy, _log) = org_proxy(
        &moto,
        Refuse {
            operations: vec!["ListAccounts".into()],
            ..Default::default()
        },
    );
    org_scan(&proxy.endpoint())
        .arg("--org")
        .run()
        .assert_code(2)
        .stderr_has(
            "cannot list the organization's accounts (Organizations ListAccounts): AccessDenied",
        )
        .stderr_has("fix: ");
    // With --account the named accounts are still scanned, and the failure is an error entry.
    let inv = org_scan(&proxy.endpoint())
        .args(["--org", "--account", w.id("beta")])
        .run()
        .assert_code(3)
        .inventory();
    assert_eq!(account_ids(&inv), vec![w.id("beta").to_string()]);
    assert_eq!(
        region_keys(&inv),
        vec![(w.id("beta").to_string(), "us-east-1".to_string())]
    );
    let e = &inv["errors"][0];
    assert_eq!(
        (e["operation"].as_str(), e["account_id"].as_str()),
        (Some("ListAccounts"), Some(ACCOUNT))
    );

    // The OU tree unreadable: accounts are scanned without OU paths; --ou cannot select.
    let (proxy, _log) = org_proxy(
        &moto,
        Refuse {
            operations: vec!["ListOrganizationalUnitsForParent".into()],
            ..Default::default()
        },
    );
    let inv = org_scan(&proxy.endpoint())
        .args(["--org", "--account", w.id("alpha")])
        .run()
        .assert_code(3)
        .inventory();
    assert_eq!(account(&inv, w.id("alpha"))["ou_path"], json!([]));
    assert_eq!(
        inv["errors"][0]["operation"],
        "ListOrganizationalUnitsForParent"
    );
    org_scan(&proxy.endpoint())
        .args(["--org", "--ou", w.ou("Dev")])
        .run()
        .assert_code(2);
}

/// An organization of 25 accounts (the management account and a0 to a23): two pages of
/// `ListAccounts` at 20 a page.
fn seed_two_pages(moto: &Moto) -> BTreeMap<String, String> {
    let mut ops = vec![json!({"op": "organization", "key": "root"})];
    for i in 0..24 {
        ops.push(json!({"op": "org_account", "key": format!("a{i}"), "name": format!("a{i}")}));
    }
    moto.seed(&Value::Array(ops))
}

#[test]
fn list_accounts_reads_every_page() {
    let moto = Moto::start();
    let ids = seed_two_pages(&moto);
    let (proxy, log) = org_proxy(&moto, Refuse::default());
    // 25 accounts, 20 a page: two pages, whichever accounts are then chosen.
    let inv = org_scan(&proxy.endpoint())
        .args(["--org", "--account", &ids["a23"]])
        .run()
        .assert_complete()
        .inventory();
    assert_eq!(count_op(&log, "ListAccounts"), 2);
    assert_eq!(account_ids(&inv), vec![ids["a23"].clone()]);
    assert_eq!(account(&inv, &ids["a23"])["name"], "a23");
}

#[test]
fn bad_account_flags_and_files_exit_2_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accounts.toml");
    std::fs::write(
        &file,
        "[[accounts]]\nid = \"111111111111\"\n\n[[accounts]]\nid = \"222222222222\"\nregions = [\"eu-west-1\", \"mars-1\"]\n",
    )
    .unwrap();
    let endpoint = "http://127.0.0.1:9";
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec!["--accounts-file".into(), file.display().to_string()],
            format!(
                "{}:6:25: accounts[1].regions: unknown region \"mars-1\"",
                file.display()
            ),
        ),
        (
            vec!["--account".into(), "12345".into()],
            "--account: \"12345\"".into(),
        ),
        (
            vec!["--org".into(), "--ou".into(), "ou-x".into()],
            "--ou: \"ou-x\"".into(),
        ),
        (
            vec!["--ou".into(), "ou-ab12-cd34ef56".into()],
            "--ou only applies to a scan of several accounts".into(),
        ),
        (
            vec![
                "--account".into(),
                "111111111111".into(),
                "--ou".into(),
                "ou-ab12-cd34ef56".into(),
            ],
            "only --org reads".into(),
        ),
        (
            vec![
                "--org".into(),
                "--role-arn-template".into(),
                "arn:aws:iam::111111111111:role/A".into(),
            ],
            "--role-arn-template".into(),
        ),
        (
            vec!["--skip-self".into()],
            "--skip-self only applies to a scan of several accounts".into(),
        ),
        (
            vec!["--org".into(), "--external-id".into(), "x".into()],
            "--external-id: \"x\"".into(),
        ),
    ];
    for (args, expected) in cases {
        let out = fa().arg("scan").endpoint(endpoint).args(&args).run();
        let stderr = out.assert_code(2).stderr_has(&expected).stderr();
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// The status of `check`'s result for the VPC `vpc` in a report.
fn status_of(report: &Value, check: &str, vpc: &str) -> String {
    let r = each(&report["results"])
        .find(|r| r["check_id"] == check && r["resource"]["id"] == vpc)
        .unwrap_or_else(|| panic!("no {check} result for {vpc}"));
    r["status"].as_str().unwrap().to_string()
}

/// Scan the organization again without `excluded` (the log is cleared first): the destination
/// of `flow_log` must be unknown; returns its reason.
fn unknown_without(proxy: &Proxy, log: &CallLog, excluded: &str, flow_log: &str) -> String {
    log.lock().unwrap().clear();
    let inv = org_scan(&proxy.endpoint())
        .args(["--org", "--exclude-account", excluded])
        .run()
        .assert_complete()
        .inventory();
    let d = destination(&inv, flow_log);
    assert_eq!(d["exists"], "unknown", "{d}");
    d["reason"].as_str().unwrap().to_string()
}

#[test]
fn a_central_bucket_is_read_with_its_owners_credentials_once() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let archive = w.id("delta").to_string();
    let ids = moto.seed(&json!([
        {"op": "bucket", "account": archive, "name": "central-flow-logs", "encryption": "AES256"},
        {"op": "flow_log", "account": w.id("alpha"), "key": "alpha_central", "resource": w.ids["alpha_bare"], "bucket": "central-flow-logs"},
        {"op": "flow_log", "account": w.id("beta"), "key": "beta_central", "resource": w.ids["beta_bare"], "bucket": "central-flow-logs"}
    ]));
    let (proxy, log) = org_proxy(
        &moto,
        Refuse {
            bucket_reads_except_owner: Some(("central-flow-logs".into(), archive.clone())),
            ..Default::default()
        },
    );
    let out = org_scan(&proxy.endpoint()).args(["--org"]).run();
    out.assert_complete();
    let (inv, report) = (out.inventory(), out.report());
    for key in ["alpha_central", "beta_central"] {
        let d = destination(&inv, &ids[key]);
        assert_eq!(
            (
                d["exists"].as_str(),
                d["encryption"].as_str(),
                d["name"].as_str()
            ),
            (Some("yes"), Some("aws_managed"), Some("central-flow-logs")),
            "{key}: {d}"
        );
    }
    let reads = callers(&log, "GetBucketEncryption");
    // alpha's and delta's own buckets, and the central bucket once, by its owner.
    assert_eq!(
        sorted(reads),
        sorted(vec![
            w.id("alpha").to_string(),
            archive.clone(),
            archive.clone()
        ])
    );
    assert_eq!(
        status_of(&report, "destination-encrypted", &w.ids["beta_bare"]),
        "pass"
    );

    // Without its owner in the scan, the central bucket cannot be read: unknown, and why.
    let reason = unknown_without(&proxy, &log, &archive, &ids["alpha_central"]);
    assert!(reason.contains("AccessDenied"), "{reason}");
    assert!(
        reason.contains("no scanned account lists the bucket as its own"),
        "{reason}"
    );
    assert!(reason.contains(w.id("alpha")), "{reason}");
}

#[test]
fn a_region_read_again_reads_a_central_bucket_with_its_owners_credentials() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let archive = w.id("delta").to_string();
    let ids = moto.seed(&json!([
        {"op": "bucket", "account": archive, "name": "central-flow-logs", "encryption": "AES256"},
        {"op": "flow_log", "account": w.id("alpha"), "key": "alpha_central", "resource": w.ids["alpha_bare"], "bucket": "central-flow-logs"}
    ]));
    // The first DescribeFlowLogs of every set of credentials is throttled: with one attempt a
    // call, every account's region is read again by the recovery pass.
    let keys = std::sync::Mutex::new(BTreeSet::<String>::new());
    let (proxy, log) = org_proxy_answering(
        &moto,
        Refuse {
            bucket_reads_except_owner: Some(("central-flow-logs".into(), archive.clone())),
            ..Default::default()
        },
        move |req| {
            let key = req
                .header("Authorization")?
                .split("Credential=")
                .nth(1)?
                .split('/')
                .next()?
                .to_string();
            (req.action() == "DescribeFlowLogs" && keys.lock().unwrap().insert(key))
                .then(|| Response::injected(503, "RequestLimitExceeded"))
        },
    );
    let out = org_scan(&proxy.endpoint())
        .args(["--org", "--max-attempts", "1"])
        .run();
    out.assert_complete();
    let (inv, report) = (out.inventory(), out.report());
    assert_eq!(report["scan"]["errors"], json!([]));
    assert!(
        report["scan"]["recovered"].as_u64().unwrap() >= 5,
        "{}",
        report["scan"]["recovered"]
    );
    let d = destination(&inv, &ids["alpha_central"]);
    assert_eq!(
        (d["exists"].as_str(), d["encryption"].as_str()),
        (Some("yes"), Some("aws_managed")),
        "{d}"
    );
    // Read by its owner only (once in all), never with the credentials of the flow log's account.
    let central = callers(&log, "GetBucketEncryption")
        .into_iter()
        .filter(|a| *a == archive)
        .count();
    assert_eq!(
        central, 2,
        "delta's own listing and the central bucket's read"
    );
}

#[test]
fn a_log_group_of_another_scanned_account_is_read_with_its_owners_credentials() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let archive = w.id("delta").to_string();
    let arn = format!("arn:aws:logs:us-east-1:{archive}:log-group:central-vpc-logs");
    let ids = moto.seed(&json!([
        {"op": "kms_key", "account": archive, "key": "key"},
        {"op": "log_group", "account": archive, "name": "central-vpc-logs", "kms_key": "$key", "retention": 400},
        {"op": "role", "account": w.id("alpha"), "key": "role", "name": "flow-logs-delivery"},
        {"op": "flow_log", "account": w.id("alpha"), "key": "alpha_central", "resource": w.ids["alpha_bare"],
         "destination_type": "cloud-watch-logs", "destination_arn": arn, "role": "$role"}
    ]));
    let (proxy, log) = org_proxy(&moto, Refuse::default());
    let out = org_scan(&proxy.endpoint()).args(["--org"]).run();
    out.assert_complete();
    let (inv, report) = (out.inventory(), out.report());
    let d = destination(&inv, &ids["alpha_central"]);
    assert_eq!(
        (
            d["exists"].as_str(),
            d["encryption"].as_str(),
            d["name"].as_str(),
            d["retention_days"].as_u64()
        ),
        (
            Some("yes"),
            Some("kms"),
            Some("central-vpc-logs"),
            Some(400)
        ),
        "{d}"
    );
    assert_eq!(d["kms_key_id"].as_str(), Some(ids["key"].as_str()), "{d}");
    // The group was looked up by its owner, not by alpha, whose flow log names it.
    assert_eq!(callers(&log, "DescribeLogGroups"), vec![archive.clone()]);
    assert_eq!(
        status_of(&report, "destination-encrypted", &w.ids["alpha_bare"]),
        "pass"
    );

    // Without its owner in the scan, nothing reads it: unknown, naming the owner.
    let reason = unknown_without(&proxy, &log, &archive, &ids["alpha_central"]);
    assert!(
        reason.contains(&format!("account {archive}, which this scan does not read")),
        "{reason}"
    );
    assert_eq!(
        callers(&log, "DescribeLogGroups"),
        Vec::<String>::new(),
        "no account may look up another account's log group"
    );
}

#[test]
fn max_in_flight_caps_the_calls_open_at_once_across_accounts() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let delay = std::time::Duration::from_millis(40);
    // Without a tight cap, several accounts' calls are open at once.
    let (proxy, log, peak) = org_proxy_timed(&moto, Refuse::default(), delay);
    org_scan(&proxy.endpoint())
        .args(["--org", "--exclude-account", w.id("closed")])
        .run()
        .assert_complete();
    let calls = log.lock().unwrap().len();
    assert!(
        peak.load(std::sync::atomic::Ordering::SeqCst) > 2,
        "the control run never overlapped"
    );
    // With --max-in-flight 2, never more than two, and the same calls.
    let (proxy, log, peak) = org_proxy_timed(&moto, Refuse::default(), delay);
    org_scan(&proxy.endpoint())
        .args([
            "--org",
            "--exclude-account",
            w.id("closed"),
            "--max-in-flight",
            "2",
        ])
        .run()
        .assert_complete();
    assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(log.lock().unwrap().len(), calls);
}

#[test]
fn accounts_of_an_inventory_file_are_checked_on_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut inv: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("examples/demo-inventory.json")).unwrap(),
    )
    .unwrap();
    inv["accounts"] = json!([
        {"id": "111122223333", "name": "a\u{1b}[2J", "email": null, "status": "ACTIVE",
         "ou_path": [{"id": "ou-ab12-cd34ef56", "name": "Prod"}], "tags": {"env": "prod"},
         "role_arn": "arn:aws:iam::111122223333:role/Audit", "scanned": true, "skip_reason": null},
        {"id": "444455556666", "status": "SUSPENDED", "scanned": false, "skip_reason": "closed"}
    ]);
    let load = |v: &Value, whole: bool| {
        let path = dir.path().join("inv.json");
        write_json(&path, v);
        let mut cmd = fa();
        cmd.args(["scan", "--format", "json", "--output"])
            .arg(dir.path().join("r.json"))
            .arg("--from-inventory")
            .arg(&path);
        if whole {
            cmd.arg("--dump-inventory")
                .arg(dir.path().join("copy.json"));
        }
        let out = cmd.run();
        (out.code(), out.stderr())
    };
    for whole in [false, true] {
        let (c, stderr) = load(&inv, whole);
        assert_ne!(c, 2, "a valid accounts list loads: {stderr}");
    }
    let copy: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("copy.json")).unwrap())
            .unwrap();
    // Kept as read, absent optional fields written as null or empty.
    assert_eq!(copy["accounts"][0], inv["accounts"][0]);
    let second = &copy["accounts"][1];
    assert_eq!(
        (
            &second["status"],
            &second["scanned"],
            &second["ou_path"],
            &second["role_arn"]
        ),
        (&json!("SUSPENDED"), &json!(false), &json!([]), &json!(null))
    );
    let cases = [
        (
            "/accounts/0/ou_path/0/id",
            json!("ou-$(touch x)"),
            "accounts[0].ou_path[0].id",
            "expected an organizational unit id",
        ),
        (
            "/accounts/1/id",
            json!("44445555666"),
            "accounts[1].id",
            "expected an account id of 12 digits",
        ),
        (
            "/accounts/1/id",
            json!("111122223333"),
            "accounts[1].id",
            "expected each account once",
        ),
        (
            "/accounts/0/role_arn",
            json!("arn:aws:iam::111122223333:role/x\n"),
            "accounts[0].role_arn",
            "expected an ARN",
        ),
        (
            "/accounts/1/status",
            json!("active; rm"),
            "accounts[1].status",
            "expected an account status",
        ),
    ];
    for (pointer, value, path, rule) in cases {
        let mut bad = inv.clone();
        *bad.pointer_mut(pointer).unwrap() = value;
        for whole in [false, true] {
            let (c, stderr) = load(&bad, whole);
            assert_eq!(c, 2, "{pointer} (whole: {whole}): {stderr}");
            assert!(
                stderr.contains(path) && stderr.contains(rule),
                "{pointer}: {stderr}"
            );
            assert!(stderr.contains("inv.json"), "{stderr}");
        }
    }
}

/// The statuses of the `flow-logs-enabled` results of `account` (one per VPC), with the reason
/// of those suppressed.
fn flow_logs_enabled(report: &Value, account: &str) -> Vec<(String, String)> {
    let out: Vec<(String, String)> = each(&report["results"])
        .filter(|r| r["resource"]["account_id"] == account && r["check_id"] == "flow-logs-enabled")
        .map(|r| {
            (
                r["status"].as_str().unwrap().to_string(),
                r["suppression"]["reason"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    assert!(!out.is_empty(), "no flow-logs-enabled result for {account}");
    out
}

#[test]
fn hostile_and_look_alike_names_from_organizations_stay_data_and_take_no_suppression() {
    let moto = Moto::start();
    let corpus = corpus();
    // Prod/Nested holds `real`; directly under the root, an OU named "Prod/Nested" holds `slash`
    // and one named like Nested's id holds `idlike`. Under an OU Hostile, one OU per value of the
    // hostile corpus, each holding an account with the value as its name, tag and (before
    // `@example.com`: Organizations wants 6 characters or more) email.
    let mut ops = vec![
        json!({"op": "organization", "key": "root"}),
        json!({"op": "ou", "key": "Prod", "parent": "$root", "name": "Prod"}),
        json!({"op": "ou", "key": "Nested", "parent": "$Prod", "name": "Nested"}),
        json!({"op": "ou", "key": "Slash", "parent": "$root", "name": "Prod/Nested"}),
        json!({"op": "ou", "key": "IdLike", "parent": "$root", "name": "$Nested"}),
        json!({"op": "ou", "key": "Hostile", "parent": "$root", "name": "Hostile"}),
        json!({"op": "org_account", "key": "real", "name": "real", "parent": "$Nested"}),
        json!({"op": "org_account", "key": "slash", "name": "slash", "parent": "$Slash"}),
        json!({"op": "org_account", "key": "idlike", "name": "idlike", "parent": "$IdLike"}),
    ];
    for (i, (_, v)) in corpus.iter().enumerate() {
        ops.push(json!({"op": "ou", "key": format!("h{i}"), "parent": "$Hostile", "name": v}));
        ops.push(
            json!({"op": "org_account", "key": format!("a{i}"), "name": v,
                        "email": format!("{v}@example.com"), "parent": format!("$h{i}"), "tags": {"note": v}}),
        );
    }
    let ids = moto.seed(&Value::Array(ops));
    let dir = tempfile::tempdir().unwrap();
    let supp = dir.path().join("s.toml");
    let mut text = String::new();
    let mut entry = |ou: &str, reason: &str| {
        text.push_str(&format!(
            "[[suppression]]\nrule = \"VPC-001\"\nresource = \"*\"\nou = {}\nreason = {}\nexpires = 2099-12-31\n\n",
            toml_string(ou),
            toml_string(reason)
        ));
    };
    entry("Prod/Nested", "by path");
    entry(&ids["Nested"], "by id");
    for (name, v) in &corpus {
        entry(&format!("Hostile/{}", ou_name_glob(v)), name);
    }
    std::fs::write(&supp, text).unwrap();
    let out = org_scan(&moto.endpoint())
        .args(["--org", "--suppressions", supp.to_str().unwrap()])
        .run();
    out.assert_code_for(1, "the management account's VPCs still fail");
    let (inv, report) = (out.inventory(), out.report());
    // The OU Prod/Nested, by path or id, is not the OUs named like it.
    assert!(
        flow_logs_enabled(&report, &ids["real"])
            .iter()
            .all(|(st, why)| st == "suppressed" && why == "by path"),
        "{:?}",
        flow_logs_enabled(&report, &ids["real"])
    );
    for lookalike in ["slash", "idlike"] {
        assert!(
            flow_logs_enabled(&report, &ids[lookalike])
                .iter()
                .all(|(st, _)| st == "fail"),
            "{lookalike}: {:?}",
            flow_logs_enabled(&report, &ids[lookalike])
        );
    }
    assert_eq!(
        account(&inv, &ids["slash"])["ou_path"],
        json!([{"id": ids["Slash"], "name": "Prod/Nested"}])
    );

    // Each hostile value is recorded as Organizations gave it, and its OU's escaped name selects
    // its account and no other.
    for (i, (name, v)) in corpus.iter().enumerate() {
        let id = &ids[&format!("a{i}")];
        let a = account(&inv, id);
        assert_eq!(
            (&a["name"], &a["email"], &a["tags"]["note"]),
            (&json!(v), &json!(format!("{v}@example.com")), &json!(v)),
            "{name}"
        );
        assert_eq!(
            a["ou_path"],
            json!([{"id": ids["Hostile"], "name": "Hostile"}, {"id": ids[&format!("h{i}")], "name": v}]),
            "{name}"
        );
        assert!(
            flow_logs_enabled(&report, id)
                .iter()
                .all(|(st, why)| st == "suppressed" && why == name),
            "{name}: {:?}",
            flow_logs_enabled(&report, id)
        );
    }
    // The entry by id comes after the one by path, which took `real`'s failures: it matched
    // nothing, the look-alike named like the id included.
    assert_eq!(suppression_indices(&report, "unmatched"), [2]);
    let stderr = out.stderr();
    for c in ['\r', '\u{85}', '\u{2028}', '\u{2029}', '\u{202e}'] {
        assert!(!stderr.contains(c), "raw {c:?} in {stderr}");
    }
}

#[test]
fn an_organization_nested_deeper_than_organizations_allows_is_an_error_entry() {
    let moto = Moto::start();
    let mut ops = vec![json!({"op": "organization", "key": "root"})];
    let mut parent = "$root".to_string();
    for level in 1..=6 {
        ops.push(json!({"op": "ou", "key": format!("L{level}"), "parent": parent, "name": format!("L{level}")}));
        parent = format!("$L{level}");
    }
    ops.push(json!({"op": "org_account", "key": "five", "name": "five", "parent": "$L5"}));
    ops.push(json!({"op": "org_account", "key": "six", "name": "six", "parent": "$L6"}));
    let ids = moto.seed(&Value::Array(ops));
    let inv = org_scan(&moto.endpoint())
        .args(["--org"])
        .run()
        .assert_code(3)
        .inventory();
    let errors = inv["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["operation"] == "ListOrganizationalUnitsForParent"
                && e["code"] == "InvalidValue"
                && e["message"].as_str().unwrap().contains(&ids["L6"])),
        "{errors:?}"
    );
    // Every account is scanned, without OU path; the inventory reads back.
    for who in ["five", "six"] {
        let a = account(&inv, &ids[who]);
        assert_eq!(
            (&a["scanned"], &a["ou_path"]),
            (&json!(true), &json!([])),
            "{who}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inv.json");
    std::fs::write(&path, serde_json::to_vec(&inv).unwrap()).unwrap();
    fa().args(["scan", "--format", "json", "--output"])
        .arg(dir.path().join("r.json"))
        .arg("--from-inventory")
        .arg(&path)
        .run()
        .assert_code(3);
    // `--ou` needs the tree: the scan stops.
    org_scan(&moto.endpoint())
        .args(["--org", "--ou", &ids["L1"]])
        .run()
        .assert_code(2)
        .stderr_has("cannot read the organization's units")
        .stderr_has("at most 5");
}

#[test]
fn a_refused_assume_role_gets_the_fix_of_its_cause() {
    let moto = Moto::start();
    let world = seed_org(&moto);
    let beta = world.id("beta").to_string();
    let not_authorized = format!(
        "User: arn:aws:iam::123456789012:user/audit is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{beta}:role/OrganizationAccountAccessRole"
    );
    let causes = [
        (
            403,
            "AccessDenied",
            not_authorized.clone(),
            "does not exist, or its trust policy",
        ),
        (
            403,
            "AccessDenied",
            format!("{not_authorized} with an explicit deny in a service control policy"),
            "service control policy",
        ),
        (
            403,
            "AccessDenied",
            format!(
                "{not_authorized} because no identity-based policy allows the sts:AssumeRole action"
            ),
            "may not call sts:AssumeRole",
        ),
        (
            403,
            "RegionDisabledException",
            format!(
                "STS is not activated in this region for account:{beta}. Your account administrator can activate STS in this region using the IAM Console."
            ),
            "STS is not activated",
        ),
    ];
    for (status, code, message, want) in causes {
        let refuse = Refuse {
            assume_role_into: vec![beta.clone()],
            assume_role_answer: Some((status, code.to_string(), message.clone())),
            ..Refuse::default()
        };
        let (proxy, _log) = org_proxy(&moto, refuse);
        let out = org_scan(&proxy.endpoint()).arg("--org").run();
        out.assert_code(3);
        let report = out.report();
        let entry = report["scan"]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["account_id"] == beta.as_str() && e["operation"] == "AssumeRole")
            .unwrap_or_else(|| panic!("{code}: no AssumeRole entry: {report}"))
            .clone();
        assert!(
            entry["fix"].as_str().unwrap().contains(want),
            "{code} {message}: {}",
            entry["fix"]
        );
    }
}

#[test]
fn every_account_and_region_shares_one_connection_pool() {
    use std::sync::atomic::Ordering;
    let moto = Moto::start();
    seed_org(&moto);
    // A keep-alive endpoint that counts the connections it accepts.
    let proxy = Proxy::faulty(moto.port, |_| None);
    let out = org_scan(&proxy.endpoint())
        .args([
            "--org",
            "--region",
            "us-east-1,eu-west-1",
            "--max-in-flight",
            "4",
        ])
        .run();
    out.assert_code(1);
    let calls = proxy.requests.load(Ordering::SeqCst);
    let connections = proxy.connections.load(Ordering::SeqCst);
    assert!(calls >= 60, "{calls} calls");
    // At most one connection per call in flight (4), plus the credential lookups' own
    // short-lived ones: never one per account, region or service.
    assert!(
        connections <= 8,
        "{connections} connections for {calls} calls"
    );
}

#[test]
fn no_account_waits_on_the_set_up_of_the_others_the_tree_or_the_tags() {
    use std::sync::atomic::Ordering;
    let moto = Moto::start();
    let w = seed_org(&moto);
    let ids = moto.seed(&json!([
        {"op": "bucket", "account": w.id("delta"), "name": "central-flow-logs", "encryption": "AES256"},
        {"op": "flow_log", "account": w.id("alpha"), "key": "alpha_central", "resource": w.ids["alpha_bare"], "bucket": "central-flow-logs"}
    ]));
    let args = ["--org", "--region", "us-east-1"];
    let (proxy, _) = org_proxy(&moto, Refuse::default());
    let free = org_scan(&proxy.endpoint()).args(args).run();
    free.assert_complete();
    let scanned: BTreeSet<String> = free.inventory()["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["scanned"].as_bool() != Some(false))
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert!(scanned.len() >= 5, "{scanned:?}");

    // Every answer a phase barrier would wait for (the tree, the tags, each account's bucket
    // list) is held until every scanned account has started its region listing. With a barrier
    // before the listings, the holds run out.
    let want = scanned.clone();
    let (proxy, log, ran_out) = org_proxy_gated(
        &moto,
        &["ListRoots", "ListTagsForResource", "ListBuckets"],
        move |seen| {
            let listing: BTreeSet<&str> = seen
                .iter()
                .filter(|c| c.operation == "DescribeVpcs")
                .map(|c| c.account.as_str())
                .collect();
            want.iter().all(|a| listing.contains(a.as_str()))
        },
        std::time::Duration::from_secs(30),
    );
    let gated = org_scan(&proxy.endpoint()).args(args).run();
    gated.assert_complete();
    assert!(
        !ran_out.load(Ordering::SeqCst),
        "a held answer was waited for before the region listings started"
    );
    for op in ["ListRoots", "ListTagsForResource", "ListBuckets"] {
        assert!(count_op(&log, op) > 0, "{op} was never called");
    }
    // The same inventory: OU paths and tags (read alongside) and the central bucket (read by its
    // owner once every bucket list is known) all arrive.
    let strip = |mut inv: Value| {
        inv["scan"]["started_at"] = Value::Null;
        inv["scan"]["finished_at"] = Value::Null;
        inv
    };
    assert_eq!(strip(gated.inventory()), strip(free.inventory()));
    let d = destination(&gated.inventory(), &ids["alpha_central"]);
    assert_eq!(d["encryption"].as_str(), Some("aws_managed"), "{d}");
    assert!(
        gated.inventory()["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| !a["ou_path"].as_array().unwrap().is_empty()),
        "no account got its OU path"
    );
}

#[test]
fn the_accounts_of_a_listing_page_are_scanned_while_the_next_page_is_read() {
    let moto = Moto::start();
    let ids = seed_two_pages(&moto);
    let args = ["--org", "--region", "us-east-1"];
    let (proxy, _) = org_proxy(&moto, Refuse::default());
    let whole = org_scan(&proxy.endpoint()).args(args).run();
    whole.assert_complete();
    // 25 accounts, 20 a page. The second page is held until a region listing has been seen:
    // with the whole list read before the first scan, the hold runs out.
    let held = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let held2 = held.clone();
    let (proxy, log, ran_out) = org_proxy_holding(
        &moto,
        move |req| {
            let second_page = req
                .header("X-Amz-Target")
                .is_some_and(|t| t.ends_with(".ListAccounts"))
                && String::from_utf8_lossy(&req.body).contains("NextToken");
            if second_page {
                held2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            second_page
        },
        |seen| seen.iter().any(|c| c.operation == "DescribeVpcs"),
        std::time::Duration::from_secs(30),
    );
    let paged = org_scan(&proxy.endpoint()).args(args).run();
    paged.assert_complete();
    assert!(
        !ran_out.load(std::sync::atomic::Ordering::SeqCst),
        "no account was scanned before the last page of accounts"
    );
    assert_eq!(count_op(&log, "ListAccounts"), 2);
    assert_eq!(
        held.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the second page was held"
    );
    let strip = |mut inv: Value| {
        inv["scan"]["started_at"] = Value::Null;
        inv["scan"]["finished_at"] = Value::Null;
        inv
    };
    let inv = paged.inventory();
    assert_eq!(account_ids(&inv).len(), 25, "{:?}", account_ids(&inv));
    assert!(account_ids(&inv).contains(&ids["a23"]));
    assert_eq!(strip(inv), strip(whole.inventory()));
}

/// A request for a page of `ListAccounts` after the first.
fn later_accounts_page(req: &Request) -> bool {
    req.header("X-Amz-Target")
        .is_some_and(|t| t.ends_with(".ListAccounts"))
        && String::from_utf8_lossy(&req.body).contains("NextToken")
}

#[test]
fn a_page_of_accounts_that_fails_is_asked_for_again_or_leaves_the_scan_partial() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let moto = Moto::start();
    let ids = seed_two_pages(&moto);
    // One attempt per call: every throttled answer reaches the listing's own cool-downs.
    let args = ["--org", "--region", "us-east-1", "--max-attempts", "1"];
    let (proxy, _log) = org_proxy(&moto, Refuse::default());
    let whole = org_scan(&proxy.endpoint()).args(args).run();
    whole.assert_complete();
    let all = account_ids(&whole.inventory());

    // The second page throttled twice, then answered: the listing goes on from that page (the
    // first page is asked for once) and the scan is complete.
    let tries = std::sync::Arc::new(AtomicUsize::new(0));
    let tries2 = tries.clone();
    let (proxy, log) = org_proxy_answering(&moto, Refuse::default(), move |req| {
        (later_accounts_page(req) && tries2.fetch_add(1, Ordering::SeqCst) < 2)
            .then(|| Response::json_error(400, "TooManyRequestsException", "Rate exceeded"))
    });
    let out = org_scan(&proxy.endpoint()).args(args).run();
    out.assert_complete();
    assert_eq!(
        tries.load(Ordering::SeqCst),
        3,
        "the second page was asked for three times"
    );
    assert_eq!(count_op(&log, "ListAccounts"), 2, "one answer per page");
    let inv = out.inventory();
    assert_eq!(account_ids(&inv), all);
    assert_eq!(all.len(), 25);
    assert_eq!(inv["errors"], json!([]));

    // The second page denied: the 20 accounts of the first are scanned, and the scan is
    // partial, with the listing's failure as its one error entry.
    let (proxy, _log) = org_proxy_answering(&moto, Refuse::default(), |req| {
        later_accounts_page(req).then(|| {
            Response::json_error(400, "AccessDeniedException", "the second page is denied")
        })
    });
    let out = org_scan(&proxy.endpoint()).args(args).run();
    out.assert_code_for(3, "accounts were left out");
    let inv = out.inventory();
    let listed = account_ids(&inv);
    assert_eq!(listed.len(), 20, "{listed:?}");
    assert!(!listed.contains(&ids["a23"]), "a23 is on the second page");
    assert!(listed.iter().all(|id| all.contains(id)), "{listed:?}");
    let scanned: std::collections::BTreeSet<String> =
        region_keys(&inv).into_iter().map(|(a, _)| a).collect();
    assert_eq!(scanned.into_iter().collect::<Vec<_>>(), listed);
    let errors = inv["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (
            errors[0]["account_id"].as_str(),
            errors[0]["service"].as_str(),
            errors[0]["operation"].as_str(),
            errors[0]["code"].as_str()
        ),
        (
            Some(ACCOUNT),
            Some("organizations"),
            Some("ListAccounts"),
            Some("AccessDeniedException")
        )
    );
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("stopped after 20 accounts")
            && message.contains("the second page is denied"),
        "{message}"
    );
}

#[test]
fn account_tags_are_read_only_when_a_rule_a_suppression_or_an_output_needs_them() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let dir = tempfile::tempdir().unwrap();
    let (proxy, log) = org_proxy(&moto, Refuse::default());
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    // The tag reads of one scan of the organization with `extra`, and its output.
    let tag_reads = |extra: &[&str]| {
        let before = count_op(&log, "ListTagsForResource");
        let out = fa()
            .arg("scan")
            .endpoint(&proxy.endpoint())
            .args(["--org", "--region", "us-east-1"])
            .args(extra)
            .run();
        assert!([0, 1].contains(&out.code()), "{}", out.stderr());
        (count_op(&log, "ListTagsForResource") - before, out)
    };
    // Nothing reads them: the text report, SARIF, Markdown.
    assert_eq!(tag_reads(&[]).0, 0);
    let sarif = p("r.sarif");
    assert_eq!(tag_reads(&["-f", "sarif", "-o", &sarif]).0, 0);
    let md = p("r.md");
    assert_eq!(tag_reads(&["-f", "markdown", "-o", &md]).0, 0);

    // A suppression by account tags: every scanned account's tags are read, and it matches.
    let supp = p("s.toml");
    std::fs::write(
        &supp,
        "[[suppression]]\nrule = \"VPC-001\"\nresource = \"*\"\naccount_tags = { team = \"payments\" }\nreason = \"Payments logs at the hub (SEC-9)\"\nexpires = 2099-12-31\n",
    )
    .unwrap();
    let (reads, out) = tag_reads(&["--suppressions", &supp]);
    assert!(reads > 0);
    assert!(
        out.stdout().contains("Payments logs at the hub (SEC-9)"),
        "{}",
        out.stdout()
    );
    assert!(
        !out.stderr().contains("matched no failing result"),
        "{}",
        out.stderr()
    );
    let alpha_vpcs = w.id("alpha");
    assert!(out.stdout().contains(alpha_vpcs), "{}", out.stdout());

    // A rule that reads `account.tags`, and the outputs that carry them.
    let rules = repo_path("tests/fixtures/account-rules");
    assert_eq!(tag_reads(&["--rules", rules.to_str().unwrap()]).0, reads);
    let json = p("r.json");
    assert_eq!(tag_reads(&["-f", "json", "-o", &json]).0, reads);
    let html = p("r.html");
    assert_eq!(tag_reads(&["-f", "html", "-o", &html]).0, reads);
    let inv = p("inv.json");
    assert_eq!(tag_reads(&["--dump-inventory", &inv]).0, reads);
}

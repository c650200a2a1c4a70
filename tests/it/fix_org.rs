//! `--fix` across the accounts of an organization: the accounts are named with `--account`, each
//! change is made with the credentials of its account's role (seen by the proxy, which records
//! the account that signed every call), the change log names the account and role, and `--undo`
//! reaches each account through the same role.

use crate::support::cmd::Fa;
use crate::support::fix::{fix_cmd, tmp, undo_cmd};
use crate::support::harness::*;
use crate::support::json::each;
use crate::support::org::{CallLog, Refuse, assumed_roles, count_op, org_proxy, seed_org};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const DEST: &str = "s3://alpha-flow-logs";

fn role(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole")
}

/// `flowaudit ARGS` (`fix`, or `scan --fix`) through `endpoint` in us-east-1, one attempt per call,
/// with its change log and JSON report in `dir`.
fn org_fix_cmd(endpoint: &str, dir: &Path, args: &[&str]) -> Fa {
    let mut c = fix_cmd(dir, args, DEST);
    c.endpoint(endpoint)
        .args(["--region", "us-east-1", "--fix-log"])
        .arg(dir.join("fix-log.json"))
        .args(["--format", "json", "-o"])
        .arg(dir.join("report.json"))
        .args(["--max-attempts", "1"]);
    c
}

/// `flowaudit fix --yes` through `endpoint` in us-east-1 with `extra`; (exit code, stderr).
fn org_fix(endpoint: &str, dir: &Path, extra: &[&str]) -> (i32, String) {
    let out = org_fix_cmd(endpoint, dir, &["fix", "--yes"])
        .args(extra)
        .run();
    (out.code(), out.stderr())
}

/// The flow logs of `account` in us-east-1, read straight from moto with the credentials of an
/// AssumeRole into it (the caller's own for the management account): id -> (resource, change tag).
fn flow_logs_as(moto: &Moto, account: &str) -> BTreeMap<String, (String, Option<String>)> {
    let script = r#"
import boto3, json, sys
ep, account, own = sys.argv[1], sys.argv[2], sys.argv[3]
kw = dict(region_name='us-east-1', endpoint_url=ep)
if account == own:
    creds = dict(aws_access_key_id='testing', aws_secret_access_key='testing')
else:
    sts = boto3.client('sts', aws_access_key_id='testing', aws_secret_access_key='testing', **kw)
    c = sts.assume_role(RoleArn=f'arn:aws:iam::{account}:role/OrganizationAccountAccessRole',
                        RoleSessionName='check')['Credentials']
    creds = dict(aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'],
                 aws_session_token=c['SessionToken'])
ec2 = boto3.client('ec2', **kw, **creds)
out = {}
for fl in ec2.describe_flow_logs()['FlowLogs']:
    tag = next((t['Value'] for t in fl.get('Tags', []) if t['Key'] == 'flowaudit:change'), None)
    out[fl['FlowLogId']] = [fl['ResourceId'], tag]
print(json.dumps(out))
"#;
    serde_json::from_value(python_json(script, [&moto.endpoint(), account, ACCOUNT])).unwrap()
}

/// The accounts that signed the calls of `operation`, with how many each signed.
fn signers(log: &CallLog, operation: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for c in log
        .lock()
        .unwrap()
        .iter()
        .filter(|c| c.operation == operation)
    {
        *m.entry(c.account.clone()).or_insert(0) += 1;
    }
    m
}

/// The change log's records of `account`.
fn records<'a>(log: &'a Value, account: &str) -> Vec<&'a Value> {
    each(&log["changes"])
        .filter(|c| c["account_id"] == account)
        .collect()
}

fn created(records: &[&Value]) -> BTreeSet<String> {
    records
        .iter()
        .flat_map(|c| each(&c["flow_log_ids"]))
        .map(|i| i.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_fix_across_two_members_writes_with_each_members_role_and_its_undo_too() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let (alpha, beta) = (w.id("alpha").to_string(), w.id("beta").to_string());
    let before: BTreeMap<String, _> = [ACCOUNT, &alpha, &beta, w.id("gamma")]
        .iter()
        .map(|a| (a.to_string(), flow_logs_as(&moto, a)))
        .collect();
    let (proxy, calls) = org_proxy(&moto, Refuse::default());
    let dir = tmp();
    let accounts = format!("{alpha},{beta}");
    let (c, err) = org_fix(
        &proxy.endpoint(),
        dir.path(),
        &["--org", "--account", &accounts],
    );
    assert_eq!(c, 0, "both members fixed and verified; stderr:\n{err}");

    // The plan is grouped by account, each header naming the role that reaches it.
    for (id, name) in [(&alpha, "alpha"), (&beta, "beta")] {
        let header = format!("account {id} ({name}), through {}: 2 changes", role(id));
        assert!(err.contains(&header), "no `{header}` in:\n{err}");
    }
    // Accounts in id order, each one's changes under its header.
    let mut order = [
        (alpha.clone(), "alpha", w.ids["alpha_bare"].clone()),
        (beta.clone(), "beta", w.ids["beta_bare"].clone()),
    ];
    order.sort();
    let at = |s: &str| err.find(s).unwrap_or_else(|| panic!("no {s} in:\n{err}"));
    let positions: Vec<usize> = order
        .iter()
        .flat_map(|(id, name, vpc)| [at(&format!("account {id} ({name})")), at(vpc)])
        .collect();
    assert!(positions.is_sorted(), "{positions:?} in:\n{err}");

    // Each member's flow logs were created with that member's credentials, and nothing else
    // was created anywhere.
    let log = read_json(&dir.path().join("fix-log.json"));
    assert_eq!(
        log["account_id"], ACCOUNT,
        "the caller's account ran the fix"
    );
    let create_signers = signers(&calls, "CreateFlowLogs");
    assert_eq!(
        create_signers,
        BTreeMap::from([(alpha.clone(), 2), (beta.clone(), 2)]),
        "CreateFlowLogs signed by each member, once per VPC"
    );
    for id in [&alpha, &beta] {
        let recs = records(&log, id);
        assert_eq!(recs.len(), 2, "{log:#}");
        for r in &recs {
            assert_eq!(r["role_arn"], role(id), "{r}");
            assert_eq!(r["outcome"], "applied", "{r}");
        }
        let now = flow_logs_as(&moto, id);
        let new: BTreeSet<String> = now
            .keys()
            .filter(|k| !before[id.as_str()].contains_key(*k))
            .cloned()
            .collect();
        assert_eq!(new, created(&recs), "read back as {id}");
        for r in &recs {
            let fl = r["flow_log_ids"][0].as_str().unwrap();
            assert_eq!(now[fl].0, r["vpc_id"].as_str().unwrap());
            assert_eq!(now[fl].1.as_deref(), r["change_id"].as_str());
        }
    }
    assert!(
        records(&log, ACCOUNT).is_empty(),
        "the caller's account is not named"
    );
    for id in [ACCOUNT, w.id("gamma")] {
        assert_eq!(flow_logs_as(&moto, id), before[id], "{id} untouched");
    }
    // One AssumeRole per member for the scan, one for the fix, one for the verification rescan.
    assert_eq!(
        signers(&calls, "AssumeRole"),
        BTreeMap::from([(ACCOUNT.to_string(), 6)])
    );
    // The report's fixes are verified under their own accounts.
    let report = read_json(&dir.path().join("report.json"));
    let fixes = report["fixes"].as_array().unwrap();
    assert_eq!(fixes.len(), 4);
    for f in fixes {
        assert_eq!(f["outcome"], "applied", "{f}");
        assert_eq!(f["verified"]["flow-logs-enabled"], "pass", "{f}");
    }

    // Undo reaches each member through the role the log records and deletes exactly those.
    calls.lock().unwrap().clear();
    undo_cmd(
        &dir.path().join("fix-log.json"),
        &proxy.endpoint(),
        dir.path(),
        &[],
    )
    .assert_code(0);
    let assumed: BTreeSet<String> = assumed_roles(&calls).into_iter().collect();
    assert_eq!(assumed, BTreeSet::from([role(&alpha), role(&beta)]));
    assert_eq!(count_op(&calls, "AssumeRole"), 2);
    assert_eq!(
        signers(&calls, "DeleteFlowLogs"),
        BTreeMap::from([(alpha.clone(), 2), (beta.clone(), 2)])
    );
    for id in [ACCOUNT, &alpha, &beta, w.id("gamma")] {
        assert_eq!(
            flow_logs_as(&moto, id),
            before[id],
            "{id} as before the fix"
        );
    }
    let log = read_json(&dir.path().join("fix-log.json"));
    assert!(
        each(&log["changes"]).all(|c| c["undone_at"].is_string()),
        "{log:#}"
    );
}

#[test]
fn a_fix_needs_the_accounts_named() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let (proxy, calls) = org_proxy(&moto, Refuse::default());
    let dir = tmp();
    let file = dir.path().join("accounts.toml");
    std::fs::write(&file, format!("[[accounts]]\nid = \"{}\"\n", w.id("alpha"))).unwrap();
    for flags in [
        vec!["--org"],
        vec!["--org", "--ou", w.ou("Prod")],
        vec!["--accounts-file", file.to_str().unwrap()],
        vec!["--org", "--exclude-account", w.id("beta")],
    ] {
        let (c, err) = org_fix(&proxy.endpoint(), dir.path(), &flags);
        assert_eq!(c, 2, "{flags:?}: {err}");
        assert!(
            err.contains("only the accounts named with --account") && err.contains(flags[0]),
            "{flags:?}: {err}"
        );
        assert!(!dir.path().join("fix-log.json").exists());
    }
    assert!(calls.lock().unwrap().is_empty(), "refused before any call");
    // An accounts file with --account names its accounts.
    let (c, err) = org_fix(
        &proxy.endpoint(),
        dir.path(),
        &[
            "--accounts-file",
            file.to_str().unwrap(),
            "--account",
            w.id("alpha"),
        ],
    );
    assert_eq!(c, 0, "{err}");
    let log = read_json(&dir.path().join("fix-log.json"));
    assert_eq!(records(&log, w.id("alpha")).len(), 2, "{log:#}");
    assert_eq!(
        signers(&calls, "CreateFlowLogs"),
        BTreeMap::from([(w.id("alpha").to_string(), 2)])
    );
}

#[test]
fn a_member_that_cannot_be_reached_fails_only_its_own_changes() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let (alpha, beta) = (w.id("alpha").to_string(), w.id("beta").to_string());
    let accounts = format!("{alpha},{beta}");

    // The role into beta is refused after the scan read it: its changes fail, alpha's go ahead.
    let (proxy, calls) = org_proxy(
        &moto,
        Refuse {
            assume_role_into_after: Some((beta.clone(), 1)),
            ..Default::default()
        },
    );
    let dir = tmp();
    let (c, err) = org_fix(
        &proxy.endpoint(),
        dir.path(),
        &["--org", "--account", &accounts],
    );
    assert_eq!(c, 1, "{err}");
    let log = read_json(&dir.path().join("fix-log.json"));
    for r in records(&log, &alpha) {
        assert_eq!(r["outcome"], "applied", "{r}");
    }
    let failed = records(&log, &beta);
    assert_eq!(failed.len(), 2, "{log:#}");
    for r in failed {
        assert_eq!(r["outcome"], "failed", "{r}");
        assert_eq!(r["role_arn"], role(&beta));
        let e = r["error"].as_str().unwrap();
        assert!(
            e.contains("cannot assume") && e.contains("AccessDenied"),
            "{e}"
        );
        assert_eq!(r["flow_log_ids"], serde_json::json!([]));
    }
    assert_eq!(
        signers(&calls, "CreateFlowLogs"),
        BTreeMap::from([(alpha.clone(), 2)])
    );
    assert!(err.contains("failed"), "{err}");

    // The scan itself could not reach gamma: nothing is planned for it, beta (left unfixed
    // above) is fixed, and the partial scan makes the exit code 3.
    let (proxy, calls) = org_proxy(
        &moto,
        Refuse {
            assume_role_into: vec![w.id("gamma").to_string()],
            ..Default::default()
        },
    );
    let dir = tmp();
    let accounts = format!("{beta},{}", w.id("gamma"));
    let (c, err) = org_fix(
        &proxy.endpoint(),
        dir.path(),
        &["--org", "--account", &accounts],
    );
    assert_eq!(c, 3, "{err}");
    let log = read_json(&dir.path().join("fix-log.json"));
    assert!(records(&log, w.id("gamma")).is_empty(), "{log:#}");
    assert!(
        !err.contains(&format!("account {} (gamma)", w.id("gamma"))),
        "{err}"
    );
    let report = read_json(&dir.path().join("report.json"));
    assert!(
        each(&report["fixes"]).all(|f| f["account_id"] != w.id("gamma")),
        "{report:#}"
    );
    assert_eq!(
        signers(&calls, "CreateFlowLogs"),
        BTreeMap::from([(beta.clone(), 2)])
    );
}

#[test]
fn undo_refuses_a_log_whose_account_it_cannot_prove_and_the_selection_flags() {
    let moto = Moto::start();
    let w = seed_org(&moto);
    let (alpha, beta) = (w.id("alpha").to_string(), w.id("beta").to_string());
    let (proxy, calls) = org_proxy(&moto, Refuse::default());
    let dir = tmp();
    let write_log = |role: Option<&str>| {
        let mut change = serde_json::json!({
            "time": "2026-11-23T11:14:13Z",
            "account_id": alpha,
            "region": "us-east-1",
            "vpc_id": w.ids["alpha_logged"],
            "action": "create-flow-log",
            "description": "edited",
            "outcome": "applied",
            "change_id": "a".repeat(32),
            "flow_log_ids": [w.ids["alpha_fl"]],
        });
        if let Some(r) = role {
            change["role_arn"] = r.into();
        }
        let log = serde_json::json!({
            "schema": "flowaudit/fix-log/v1",
            "tool_version": "0.1.0",
            "started_at": "2026-11-23T11:14:12Z",
            "account_id": ACCOUNT,
            "changes": [change],
        });
        let p = dir.path().join(format!("log-{}.json", role.is_some()));
        std::fs::write(&p, log.to_string()).unwrap();
        p
    };
    let undo = |log: &Path, extra: &[&str]| {
        let out = undo_cmd(log, &proxy.endpoint(), dir.path(), extra);
        (out.code(), out.stderr())
    };
    // No role recorded for a member account: the caller's credentials cannot prove it.
    let (c, err) = undo(&write_log(None), &[]);
    assert_eq!(c, 2, "{err}");
    assert!(err.contains("records no role"), "{err}");
    // A role of another account: refused before any AssumeRole.
    let (c, err) = undo(&write_log(Some(&role(&beta))), &[]);
    assert_eq!(c, 2, "{err}");
    assert!(err.contains("is not a role ARN of that account"), "{err}");
    assert_eq!(count_op(&calls, "AssumeRole"), 0);
    // The selection flags do not apply to an undo.
    let (c, err) = undo(&write_log(Some(&role(&alpha))), &["--org"]);
    assert_eq!(c, 2, "{err}");
    assert!(
        err.contains("--undo deletes what its change log records"),
        "{err}"
    );
    // The recorded role reaches alpha, where the record's tag does not match: refused, and the
    // flow log the seed created stays.
    let (c, err) = undo(&write_log(Some(&role(&alpha))), &[]);
    assert_eq!(c, 1, "{err}");
    assert!(err.contains("tag missing"), "{err}");
    assert_eq!(signers(&calls, "DeleteFlowLogs"), BTreeMap::new());
    assert!(flow_logs_as(&moto, &alpha).contains_key(&w.ids["alpha_fl"]));
    // --role-name replaces the recorded role.
    calls.lock().unwrap().clear();
    let (c, err) = undo(
        &write_log(Some(&role(&alpha))),
        &["--role-name", "FlowAuditFix"],
    );
    assert_eq!(c, 1, "{err}");
    assert_eq!(
        assumed_roles(&calls),
        vec![format!("arn:aws:iam::{alpha}:role/FlowAuditFix")]
    );
}

#[test]
fn a_sharded_fix_records_its_shard_and_fixes_only_its_accounts() {
    use flowaudit::collect::shard::shard_of;
    let moto = Moto::start();
    let w = seed_org(&moto);
    let (proxy, calls) = org_proxy(&moto, Refuse::default());
    let dir = tmp();
    let named = [w.id("alpha"), w.id("beta"), w.id("gamma")];
    let accounts = named.join(",");
    // Both shards of two, one through `flowaudit fix`, the other through `scan --fix`.
    let mut fixed_by_shard = Vec::new();
    for index in 0..2u32 {
        calls.lock().unwrap().clear();
        let mine: BTreeSet<String> = named
            .iter()
            .filter(|a| shard_of(a, 2) == index)
            .map(|a| a.to_string())
            .collect();
        let shard = format!("{index}/2");
        let extra = ["--org", "--account", &accounts, "--shard", &shard];
        let d = dir.path().join(format!("shard-{index}"));
        std::fs::create_dir(&d).unwrap();
        // The same as `scan --fix`.
        let verb: &[&str] = if index == 0 {
            &["fix", "--yes"]
        } else {
            &["scan", "--fix", "--yes"]
        };
        let c = org_fix_cmd(&proxy.endpoint(), &d, verb)
            .args(extra)
            .run()
            .code();
        let report = read_json(&d.join("report.json"));
        let s = &report["scan"]["shard"];
        assert_eq!(s["index"], index, "{report:#}");
        assert_eq!(s["count"], 2);
        let covered: BTreeSet<String> = each(&s["accounts"])
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        assert_eq!(covered, mine, "shard {index}");
        let scanned: BTreeSet<String> = each(&report["scan"]["accounts"])
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        assert_eq!(scanned, mine, "shard {index}");
        // Only the shard's accounts were changed, and every fix is of one of them.
        let signed: BTreeSet<String> = signers(&calls, "CreateFlowLogs").into_keys().collect();
        assert!(signed.is_subset(&mine), "{signed:?} not in {mine:?}");
        for f in report["fixes"].as_array().unwrap() {
            assert!(mine.contains(f["account_id"].as_str().unwrap()), "{f}");
            assert_eq!(f["outcome"], "applied", "{f}");
        }
        assert!(c == 0 || c == 1, "shard {index}: exit {c}");
        fixed_by_shard.push(signed);
    }
    // Between them the two shards fixed alpha, beta and gamma (each has a VPC without a flow
    // log), each in one shard only.
    assert!(fixed_by_shard[0].is_disjoint(&fixed_by_shard[1]));
    let all: BTreeSet<String> = fixed_by_shard.into_iter().flatten().collect();
    assert_eq!(
        all,
        named.iter().map(|a| a.to_string()).collect::<BTreeSet<_>>()
    );
}

//! Unit tests of suppressions: matching, expiry and the file format.

use super::*;
use crate::findings::{ResourceRef, Severity};
use std::sync::Arc;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn parse(text: &str) -> Suppressions {
    Suppressions::parse(Path::new("s.toml"), text).unwrap()
}

/// A failing result of `rule/check` on a VPC.
fn finding(rule: &str, check: &str, id: &str, account: &str, region: &str) -> Finding {
    Finding {
        rule_id: rule.into(),
        check_id: check.into(),
        status: Status::Fail,
        severity: Severity::High,
        resource: Arc::new(ResourceRef {
            kind: "vpc".into(),
            id: id.into(),
            arn: format!("arn:aws:ec2:{region}:{account}:vpc/{id}"),
            region: region.into(),
            account_id: account.into(),
            name: None,
            tags: Default::default(),
            network_interfaces: None,
            is_default: None,
        }),
        message: "m".into(),
        compliance: Default::default(),
        remediation: None,
        suppression: None,
    }
}

fn vpc(id: &str) -> Finding {
    finding(
        "VPC-001",
        "flow-logs-enabled",
        id,
        "111122223333",
        "eu-west-1",
    )
}

/// One entry with `extra` lines, in force until 2099.
fn one(extra: &str) -> Suppressions {
    parse(&format!(
        "[[suppression]]\nrule = \"VPC-001\"\nreason = \"accepted\"\nexpires = 2099-12-31\n{extra}\n"
    ))
}

fn today() -> NaiveDate {
    day("2025-06-01")
}

fn suppressed(s: &Suppressions, f: Finding) -> bool {
    let mut fs = [f];
    s.apply(&mut fs, today(), &[]);
    fs[0].status == Status::Suppressed
}

#[test]
fn an_ou_entry_in_a_single_account_scan_is_said_to_need_the_accounts() {
    let s = parse(
        "[[suppression]]\nrule = \"VPC-001\"\nresource = \"*\"\nou = \"Workloads/*\"\nreason = \"r\"\nexpires = 2099-01-01\n\
         [[suppression]]\nrule = \"VPC-001\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2099-01-01\n",
    );
    let why = s.unmatchable(1, &[]).unwrap();
    assert!(
        why.starts_with(
            "ou needs an organization scan (--org) or an accounts file (--accounts-file)"
        ),
        "{why}"
    );
    assert_eq!(s.unmatchable(2, &[]), None);
    let listed: Account =
        serde_json::from_value(serde_json::json!({"id": "111111111111", "scanned": true})).unwrap();
    assert_eq!(s.unmatchable(1, &[listed]), None);
}

#[test]
fn entries_name_loaded_rules_and_checks_regardless_of_case() {
    let rules = [
        ("VPC-001", vec!["flow-logs-enabled"]),
        ("VPC-002", vec!["delivery-success"]),
    ];
    let text = |rule: &str, check: &str| {
        format!(
            "[[suppression]]\nrule = \"{rule}\"\n{check}resource = \"*\"\nreason = \"r\"\nexpires = 2099-01-01\n"
        )
    };
    let s = parse(&text("vpc-002", ""))
        .check_rules(rules.clone())
        .unwrap();
    assert_eq!(s.entries[0].rule_id, "VPC-002");
    let e = parse(&text("VPC-01", ""))
        .check_rules(rules.clone())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "s.toml:2:8: suppression #1: unknown rule \"VPC-01\"; did you mean \"VPC-001\"?"
        ),
        "{e}"
    );
    let e = parse(&text("VPC-001", "check = \"flow-log\"\n"))
        .check_rules(rules)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("s.toml:3:9:") && e.contains("did you mean \"flow-logs-enabled\"?"),
        "{e}"
    );
}

#[test]
fn resource_glob_matches_the_id_or_the_arn() {
    let s = one("resource = \"vpc-0abc*\"");
    assert!(suppressed(&s, vpc("vpc-0abc123")));
    assert!(suppressed(&s, vpc("vpc-0abc")));
    assert!(!suppressed(&s, vpc("vpc-0abd123")));
    assert!(!suppressed(&s, vpc("xvpc-0abc123")), "a glob is anchored");
    let arn = one("resource = \"arn:aws:ec2:eu-west-1:111122223333:vpc/*\"");
    assert!(suppressed(&arn, vpc("vpc-1")));
    let other = one("resource = \"arn:aws:ec2:us-east-1:*\"");
    assert!(!suppressed(&other, vpc("vpc-1")));
    let exact = one("resource = \"vpc-1\"");
    assert!(suppressed(&exact, vpc("vpc-1")));
    assert!(!suppressed(&exact, vpc("vpc-10")));
}

#[test]
fn rule_and_check_must_match_and_no_check_means_every_check() {
    let every = one("resource = \"*\"");
    assert!(suppressed(&every, vpc("vpc-1")));
    assert!(suppressed(
        &every,
        finding(
            "VPC-001",
            "traffic-type-all",
            "vpc-1",
            "111122223333",
            "eu-west-1"
        )
    ));
    assert!(
        !suppressed(
            &every,
            finding(
                "VPC-002",
                "flow-logs-enabled",
                "vpc-1",
                "111122223333",
                "eu-west-1"
            )
        ),
        "another rule"
    );
    let check = one("resource = \"*\"\ncheck = \"traffic-type-all\"");
    assert!(!suppressed(&check, vpc("vpc-1")));
    assert!(suppressed(
        &check,
        finding(
            "VPC-001",
            "traffic-type-all",
            "vpc-1",
            "111122223333",
            "eu-west-1"
        )
    ));
}

#[test]
fn account_and_region_globs_narrow_the_entry() {
    let s = one("resource = \"*\"\naccount = \"1111*\"\nregion = \"eu-*\"");
    assert!(suppressed(&s, vpc("vpc-1")));
    assert!(!suppressed(
        &s,
        finding(
            "VPC-001",
            "flow-logs-enabled",
            "vpc-1",
            "222211113333",
            "eu-west-1"
        )
    ));
    assert!(!suppressed(
        &s,
        finding(
            "VPC-001",
            "flow-logs-enabled",
            "vpc-1",
            "111122223333",
            "us-east-1"
        )
    ));
    let region = one("resource = \"*\"\nregion = \"us-east-?\"");
    assert!(suppressed(
        &region,
        finding(
            "VPC-001",
            "flow-logs-enabled",
            "vpc-1",
            "999999999999",
            "us-east-2"
        )
    ));
    assert!(!suppressed(&region, vpc("vpc-1")));
}

#[test]
fn only_failing_results_are_suppressed_and_keep_their_original_status() {
    let s = one("resource = \"*\"");
    let mut fs = [vpc("vpc-1"), vpc("vpc-2"), vpc("vpc-3")];
    fs[1].status = Status::Pass;
    fs[2].status = Status::Error;
    let out = s.apply(&mut fs, today(), &[]);
    assert_eq!(out.suppressed, 1);
    assert_eq!(fs[0].status, Status::Suppressed);
    assert_eq!(
        fs[0].suppression,
        Some(SuppressionInfo {
            reason: "accepted".into(),
            expires: "2099-12-31".into(),
            original_status: Status::Fail,
        })
    );
    assert_eq!((fs[1].status, fs[2].status), (Status::Pass, Status::Error));
    assert!(fs[1].suppression.is_none() && fs[2].suppression.is_none());
}

#[test]
fn an_entry_applies_through_its_expiry_day_and_not_after() {
    let s = parse(
        "[[suppression]]\nrule = \"VPC-001\"\nresource = \"*\"\nreason = \"r\"\nexpires = \"2025-06-01\"\n",
    );
    let mut fs = [vpc("vpc-1")];
    let out = s.apply(&mut fs, day("2025-06-01"), &[]);
    assert_eq!(
        fs[0].status,
        Status::Suppressed,
        "the expiry day is included"
    );
    assert_eq!(out.expired, Vec::<usize>::new());
    let mut fs = [vpc("vpc-1")];
    let out = s.apply(&mut fs, day("2025-06-02"), &[]);
    assert_eq!(
        fs[0].status,
        Status::Fail,
        "an expired entry is not applied"
    );
    assert_eq!(
        out,
        Outcome {
            expired: vec![1],
            unmatched: vec![],
            suppressed: 0
        },
        "an expired entry is reported as expired, not as unmatched"
    );
}

#[test]
fn the_first_matching_entry_in_force_wins_and_the_others_report_unmatched() {
    let s = parse(
        r#"
[[suppression]]
rule = "VPC-001"
resource = "*"
reason = "expired, listed first"
expires = 2020-01-01

[[suppression]]
rule = "VPC-001"
resource = "vpc-1*"
reason = "first in force"
expires = 2030-01-01

[[suppression]]
rule = "VPC-001"
resource = "vpc-1"
reason = "second"
expires = 2031-01-01

[[suppression]]
rule = "VPC-009"
resource = "*"
reason = "matches nothing"
expires = 2031-01-01
"#,
    );
    assert_eq!(s.entries.len(), 4);
    assert_eq!(s.entry(2).unwrap().reason, "first in force");
    assert!(s.entry(5).is_none());
    let mut fs = [vpc("vpc-1"), vpc("vpc-12"), vpc("vpc-2")];
    let out = s.apply(&mut fs, today(), &[]);
    for f in &fs[..2] {
        let info = f.suppression.as_ref().unwrap();
        assert_eq!(
            (info.reason.as_str(), info.expires.as_str()),
            ("first in force", "2030-01-01")
        );
    }
    assert_eq!(fs[2].status, Status::Fail);
    assert_eq!(
        out,
        Outcome {
            expired: vec![1],
            unmatched: vec![3, 4],
            suppressed: 2
        }
    );
}

#[test]
fn the_streaming_applier_gives_the_same_outcome_as_apply() {
    let s = one("resource = \"vpc-1\"");
    let mut batch = [vpc("vpc-1"), vpc("vpc-2")];
    let whole = s.apply(&mut batch, today(), &[]);
    let mut applier = s.applier(today(), &[]);
    let mut streamed = [vpc("vpc-1"), vpc("vpc-2")];
    for f in streamed.iter_mut() {
        applier.apply(f);
    }
    assert_eq!(applier.finish(), whole);
    assert_eq!(
        batch.iter().map(|f| f.status).collect::<Vec<_>>(),
        streamed.iter().map(|f| f.status).collect::<Vec<_>>()
    );
    assert_eq!(whole.suppressed, 1);
}

#[test]
fn bad_entries_are_refused_with_their_position() {
    let err = Suppressions::parse(
        Path::new("s.toml"),
        "[[suppression]]\nrule = \"VPC-001\"\nresource = \"vpc-[\"\nreason = \" \"\nexpires = \"soon\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("s.toml:3:") && err.contains("resource \"vpc-[\" is not a valid glob"),
        "{err}"
    );
    assert!(
        err.contains("s.toml:4:") && err.contains("reason is empty"),
        "{err}"
    );
    assert!(
        err.contains("s.toml:5:") && err.contains("expires must be a date"),
        "{err}"
    );
    assert!(
        Suppressions::parse(Path::new("s.toml"), "[[suppression]]\nrule = \"VPC-001\"\n").is_err()
    );
}

/// Three accounts: one in Workloads/Prod, one in Workloads/Dev, one directly under the root.
fn org() -> Vec<Account> {
    serde_json::from_value(serde_json::json!([
        {"id": "111111111111", "scanned": true, "tags": {"env": "prod", "team": "web"},
         "ou_path": [{"id": "ou-ab12-11111111", "name": "Workloads"},
                     {"id": "ou-ab12-22222222", "name": "Prod"}]},
        {"id": "222222222222", "scanned": true, "tags": {"env": "dev"},
         "ou_path": [{"id": "ou-ab12-11111111", "name": "Workloads"},
                     {"id": "ou-ab12-33333333", "name": "Dev"}]},
        {"id": "333333333333", "scanned": true, "tags": {"env": "prod"}, "ou_path": []}
    ]))
    .unwrap()
}

/// Which of `ids` have their failure suppressed by one entry with `extra`, over `accounts`.
fn suppressed_among(extra: &str, accounts: &[Account], ids: &[&'static str]) -> Vec<&'static str> {
    let s = one(&format!("resource = \"*\"\n{extra}"));
    let mut fs: Vec<Finding> = ids
        .iter()
        .map(|a| finding("VPC-001", "flow-logs-enabled", "vpc-1", a, "eu-west-1"))
        .collect();
    s.apply(&mut fs, today(), accounts);
    ids.iter()
        .zip(&fs)
        .filter(|(_, f)| f.status == Status::Suppressed)
        .map(|(a, _)| *a)
        .collect()
}

/// Which of the three accounts' failures (and of an unlisted account's) `extra` suppresses.
fn suppressed_accounts(extra: &str) -> Vec<&'static str> {
    let ids = [
        "111111111111",
        "222222222222",
        "333333333333",
        "444444444444",
    ];
    suppressed_among(extra, &org(), &ids)
}

#[test]
fn ou_globs_match_the_path_of_names_any_path_above_it_and_ou_ids() {
    let (prod, dev, root) = ("111111111111", "222222222222", "333333333333");
    assert_eq!(suppressed_accounts("ou = \"Workloads/Prod\""), [prod]);
    assert_eq!(suppressed_accounts("ou = \"Workloads/P*\""), [prod]);
    // A path above the account's covers its whole subtree.
    assert_eq!(suppressed_accounts("ou = \"Workloads\""), [prod, dev]);
    assert_eq!(suppressed_accounts("ou = \"Workloads/*\""), [prod, dev]);
    // The path starts below the root: a name alone is not matched at any depth.
    assert!(suppressed_accounts("ou = \"Prod\"").is_empty());
    assert_eq!(suppressed_accounts("ou = \"*/Dev\""), [dev]);
    // An OU id covers its subtree.
    assert_eq!(suppressed_accounts("ou = \"ou-ab12-33333333\""), [dev]);
    assert_eq!(
        suppressed_accounts("ou = \"ou-ab12-11111111\""),
        [prod, dev]
    );
    // `*` is every listed account, those directly under the root too; never an account the
    // inventory does not list.
    assert_eq!(suppressed_accounts("ou = \"*\""), [prod, dev, root]);
    // Matching is case-sensitive, as for the other globs.
    assert!(suppressed_accounts("ou = \"workloads\"").is_empty());
}

/// Which of these accounts' failures `extra` suppresses: one in Workloads/Prod, one in an OU
/// directly under the root named `Workloads/Prod`, one in an OU directly under the root named
/// like the Prod OU's id.
fn suppressed_lookalikes(extra: &str) -> Vec<&'static str> {
    let accounts: Vec<Account> = serde_json::from_value(serde_json::json!([
        {"id": "111111111111", "scanned": true,
         "ou_path": [{"id": "ou-ab12-11111111", "name": "Workloads"},
                     {"id": "ou-ab12-22222222", "name": "Prod"}]},
        {"id": "555555555555", "scanned": true,
         "ou_path": [{"id": "ou-ab12-55555555", "name": "Workloads/Prod"}]},
        {"id": "666666666666", "scanned": true,
         "ou_path": [{"id": "ou-ab12-66666666", "name": "ou-ab12-22222222"}]}
    ]))
    .unwrap();
    suppressed_among(
        extra,
        &accounts,
        &["111111111111", "555555555555", "666666666666"],
    )
}

#[test]
fn look_alike_ou_names_match_neither_paths_nor_ids() {
    let (prod, slash, id_named) = ("111111111111", "555555555555", "666666666666");
    // A `/` in a name is not a step, and an id is compared with ids only.
    assert_eq!(suppressed_lookalikes("ou = \"Workloads/Prod\""), [prod]);
    assert_eq!(suppressed_lookalikes("ou = \"*/Prod\""), [prod]);
    assert_eq!(suppressed_lookalikes("ou = \"Workloads/*\""), [prod]);
    assert_eq!(suppressed_lookalikes("ou = \"ou-ab12-22222222\""), [prod]);
    // The look-alikes are written as what they are.
    assert_eq!(suppressed_lookalikes(r#"ou = 'Workloads\/Prod'"#), [slash]);
    assert_eq!(suppressed_lookalikes(r#"ou = "Workloads\\/Prod""#), [slash]);
    assert_eq!(
        suppressed_lookalikes("ou = \"[o]u-ab12-22222222\""),
        [id_named]
    );
    assert_eq!(
        suppressed_lookalikes("ou = \"ou-ab12-66666666\""),
        [id_named]
    );
    // A glob over names covers what its wildcards cover, `/` in a name included.
    assert_eq!(suppressed_lookalikes("ou = \"Workloads*\""), [prod, slash]);
    assert_eq!(suppressed_lookalikes("ou = \"*\""), [prod, slash, id_named]);
}

#[test]
fn account_tags_must_all_match_and_values_are_globs() {
    let (prod, dev, root) = ("111111111111", "222222222222", "333333333333");
    assert_eq!(
        suppressed_accounts("account_tags = { env = \"prod\" }"),
        [prod, root]
    );
    assert_eq!(
        suppressed_accounts("account_tags = { env = \"*\" }"),
        [prod, dev, root]
    );
    assert_eq!(
        suppressed_accounts("account_tags = { env = \"prod\", team = \"w*\" }"),
        [prod]
    );
    // A tag the account does not have does not match, even with `*`.
    assert!(suppressed_accounts("account_tags = { owner = \"*\" }").is_empty());
    // Both fields, and the other selectors, narrow together.
    assert_eq!(
        suppressed_accounts("ou = \"Workloads\"\naccount_tags = { env = \"d*\" }"),
        [dev]
    );
    assert!(suppressed_accounts("account = \"1*\"\naccount_tags = { env = \"dev\" }").is_empty());
}

#[test]
fn without_accounts_entries_naming_ou_or_tags_match_nothing() {
    for extra in ["ou = \"*\"", "account_tags = { env = \"*\" }"] {
        let s = one(&format!("resource = \"*\"\n{extra}"));
        let mut fs = [vpc("vpc-1")];
        let out = s.apply(&mut fs, today(), &[]);
        assert_eq!(fs[0].status, Status::Fail, "{extra}");
        assert_eq!(out.unmatched, vec![1]);
    }
}

#[test]
fn bad_ou_and_account_tags_are_refused_with_their_position() {
    let err = |text: &str| {
        Suppressions::parse(
            Path::new("s.toml"),
            &format!(
                "[[suppression]]\nrule = \"VPC-001\"\nresource = \"*\"\nreason = \"r\"\nexpires = 2099-01-01\n{text}"
            ),
        )
        .unwrap_err()
        .to_string()
    };
    let e = err("ou = \"Workloads/[\"\n");
    assert!(
        e.contains("s.toml:6:6: suppression #1: ou \"Workloads/[\" is not a valid glob"),
        "{e}"
    );
    let e = err("ou = \"\"\n");
    assert!(e.contains("s.toml:6:6: suppression #1: ou is empty"), "{e}");
    let e = err("account_tags = { env = \"prod\", team = \"[x\" }\n");
    assert!(
        e.contains("s.toml:6:39: suppression #1: account_tags.team \"[x\" is not a valid glob"),
        "{e}"
    );
    let e = err("account_tags = {}\n");
    assert!(
        e.contains("s.toml:6:16: suppression #1: account_tags is empty"),
        "{e}"
    );
    // Not a table of strings: the TOML error, positioned.
    let e = err("account_tags = { env = 3 }\n");
    assert!(
        e.contains("s.toml:6:") && e.contains("invalid suppressions file"),
        "{e}"
    );
    let e = err("account_tags = \"env=prod\"\n");
    assert!(
        e.contains("s.toml:6:") && e.contains("invalid suppressions file"),
        "{e}"
    );
    let e = err("ou = [\"Workloads\"]\n");
    assert!(
        e.contains("s.toml:6:") && e.contains("invalid suppressions file"),
        "{e}"
    );
}

#[test]
fn the_fields_as_written_are_kept() {
    let s = one("resource = \"*\"\nou = \"Workloads/*\"\naccount_tags = { env = \"prod\" }");
    let e = s.entry(1).unwrap();
    assert_eq!(e.ou.as_deref(), Some("Workloads/*"));
    assert_eq!(
        e.account_tags,
        BTreeMap::from([("env".to_string(), "prod".to_string())])
    );
}

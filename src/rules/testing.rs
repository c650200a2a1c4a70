//! Rule tests as data: `X.test.toml` beside `X.toml` holds cases — a VPC fragment in, the
//! expected status of every check out. `cargo test` and `flowaudit rules test` both run them.
//! The format is documented in `docs/rules.md`.

use super::eval::{Active, EvalOptions, evaluate_active};
use super::load::is_test_file;
use super::pos::{line_col, toml_error_at};
use super::{Rule, RuleSet};
use crate::error::Error;
use crate::findings::Status;
use crate::inventory::{Account, INVENTORY_SCHEMA, Inventory, OrgUnit, RegionInventory, ScanMeta};
use crate::kinds::ResourceKind;
use crate::term::{Escaped, escape};
use serde::Deserialize;
use serde_json::{Value as JsonValue, json};
use std::collections::BTreeMap;
use std::path::Path;

/// The account a test case scans unless it says otherwise.
pub const TEST_ACCOUNT: &str = "123456789012";
/// The region of a test case unless it says otherwise.
pub const TEST_REGION: &str = "us-east-1";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    /// The rule under test; defaults to the file name without `.test.toml`.
    #[serde(default)]
    rule: Option<String>,
    case: Vec<toml::Spanned<CaseFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    name: String,
    #[serde(default)]
    account_id: Option<String>,
    /// The account as an organization scan describes it (`account` in CEL); without it the
    /// account is known by its id alone, as in a single-account scan.
    #[serde(default)]
    account: Option<CaseAccount>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    accept_subnet_coverage: bool,
    #[serde(default)]
    params: BTreeMap<String, toml::Value>,
    #[serde(default)]
    vpc: toml::Table,
    /// The transit gateway of a case of a transit gateway rule.
    #[serde(default)]
    transit_gateway: Option<toml::Table>,
    expect: BTreeMap<String, Status>,
    /// The whole message of a check, pinned: the rendered message must be exactly this.
    #[serde(default)]
    message: BTreeMap<String, String>,
    #[serde(default)]
    message_contains: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    remediation_contains: BTreeMap<String, OneOrMany>,
}

impl CaseFile {
    /// The case's description of a resource of `kind`, if it has one.
    fn fragment(&self, kind: ResourceKind) -> Option<&toml::Table> {
        match kind {
            ResourceKind::Vpc => (!self.vpc.is_empty()).then_some(&self.vpc),
            ResourceKind::TransitGateway => self.transit_gateway.as_ref(),
        }
    }
}

/// The `account` of a case: what an inventory's `accounts` entry says of the case's account.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseAccount {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "crate::inventory::ou_path")]
    ou_path: Vec<OrgUnit>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn items(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(|s| s.as_str()).collect(),
        }
    }
}

/// The outcome of one test case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub file: String,
    pub rule_id: String,
    pub case: String,
    /// Empty when the case passed.
    pub failures: Vec<String>,
}

/// The outcome of a test run.
#[derive(Debug, Clone, Default)]
pub struct TestReport {
    pub cases: Vec<CaseResult>,
    /// Rules that have no test file.
    pub untested: Vec<String>,
}

impl TestReport {
    /// True when every case passed and every rule has tests.
    pub fn ok(&self) -> bool {
        self.untested.is_empty() && self.cases.iter().all(|c| c.failures.is_empty())
    }
    /// Number of failed cases.
    pub fn failed(&self) -> usize {
        self.cases.iter().filter(|c| !c.failures.is_empty()).count()
    }
}

/// A test file to run: its name (for messages), text, and the rule id its name implies.
pub struct TestSource {
    pub origin: String,
    pub text: String,
    pub stem_rule: String,
}

/// The embedded tests of the built-in pack.
pub fn builtin_tests() -> Vec<TestSource> {
    super::builtin::BUILTIN_FILES
        .iter()
        .filter(|(n, _)| is_test_file(n))
        .map(|(n, t)| TestSource {
            origin: format!("rules/{n}"),
            text: t.to_string(),
            stem_rule: n.trim_end_matches(".test.toml").to_string(),
        })
        .collect()
}

/// The test files of a directory.
pub fn dir_tests(dir: &Path) -> Result<Vec<TestSource>, Error> {
    let rd = std::fs::read_dir(dir).map_err(|e| {
        Error::input(format!(
            "cannot read rules directory {}: {}",
            Escaped(dir.display()),
            Escaped(e)
        ))
    })?;
    let mut paths: Vec<_> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .map(|n| is_test_file(&n.to_string_lossy()))
                .unwrap_or(false)
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| {
                Error::input(format!(
                    "cannot read test file {}: {}",
                    Escaped(p.display()),
                    Escaped(e)
                ))
            })?;
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            Ok(TestSource {
                origin: p.display().to_string(),
                text,
                stem_rule: name.trim_end_matches(".test.toml").to_string(),
            })
        })
        .collect()
}

/// Run test files against a rule set. A malformed test file is an input error; a case whose
/// results differ from its expectations is a failure in the report.
pub fn run(set: &RuleSet, tests: &[TestSource]) -> Result<TestReport, Error> {
    let mut report = TestReport::default();
    let mut errors = Vec::new();
    let mut tested = Vec::new();
    for t in tests {
        match run_file(set, t, &mut report) {
            Ok(id) => tested.push(id),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::input(errors.join("\n")));
    }
    report.untested = set
        .rules
        .iter()
        .filter(|r| !tested.contains(&r.id))
        .map(|r| r.id.clone())
        .collect();
    Ok(report)
}

fn run_file(set: &RuleSet, t: &TestSource, report: &mut TestReport) -> Result<String, String> {
    let file: TestFile = toml::from_str(&t.text).map_err(|e| {
        let at = toml_error_at(&t.origin, &t.text, &e);
        format!(
            "{at}: invalid rule test file: {}\n  fix: see docs/rules.md (rule tests)",
            escape(e.message().trim_end())
        )
    })?;
    let rule_id = file.rule.clone().unwrap_or_else(|| t.stem_rule.clone());
    let rule = set.get(&rule_id).ok_or_else(|| {
        format!(
            "{}: tests rule {}, which is not loaded\n  fix: set `rule = \"ID\"` at the top of the file, or name the file ID.test.toml",
            escape(&t.origin),
            escape(&rule_id)
        )
    })?;
    if file.case.is_empty() {
        return Err(format!("{}: the file has no [[case]]", escape(&t.origin)));
    }
    for spanned in &file.case {
        let case = spanned.get_ref();
        let failures = run_case(set, rule, case).map_err(|e| {
            let (l, c) = line_col(&t.text, spanned.span().start);
            format!("{}:{l}:{c}: case {:?}: {e}", escape(&t.origin), case.name)
        })?;
        report.cases.push(CaseResult {
            file: t.origin.clone(),
            rule_id: rule_id.clone(),
            case: case.name.clone(),
            failures,
        });
    }
    Ok(rule_id)
}

fn run_case(set: &RuleSet, rule: &Rule, case: &CaseFile) -> Result<Vec<String>, String> {
    let account = case
        .account_id
        .clone()
        .unwrap_or_else(|| TEST_ACCOUNT.into());
    let region = case.region.clone().unwrap_or_else(|| TEST_REGION.into());
    for k in case.expect.keys() {
        if !rule.checks.iter().any(|c| &c.id == k) {
            return Err(format!(
                "expect names check {k:?}, which rule {} does not have",
                rule.id
            ));
        }
    }
    for c in &rule.checks {
        if !case.expect.contains_key(&c.id) {
            return Err(format!(
                "expect has no status for check {:?}\n  fix: give the expected status of every check",
                c.id
            ));
        }
    }
    let kind = ResourceKind::parse(&rule.resource).unwrap_or(ResourceKind::Vpc);
    if let Some(other) = ResourceKind::ALL
        .into_iter()
        .find(|k| *k != kind && case.fragment(*k).is_some())
    {
        return Err(format!(
            "the case has a {}, but rule {} applies to {}\n  fix: describe the case's `{}`",
            other.name(),
            rule.id,
            kind.plural(),
            kind.name()
        ));
    }
    let fragment = serde_json::to_value(case.fragment(kind).cloned().unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let mut entry = RegionInventory::new(&account, &region);
    kind.push_json(
        &mut entry,
        &kind.test_defaults(&fragment, &account, &region),
    )
    .map_err(|e| {
        format!(
            "{}.{}: {}",
            kind.name(),
            Escaped(e.path()),
            Escaped(e.inner())
        )
    })?;
    let inv = Inventory {
        schema: INVENTORY_SCHEMA.into(),
        scan: ScanMeta {
            tool_version: env!("CARGO_PKG_VERSION").into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            finished_at: "2026-01-01T00:00:01Z".into(),
            account_id: account.clone(),
            regions_requested: vec![],
            regions_scanned: vec![region.clone()],
            resources_requested: Vec::new(),
            recovered: 0,
        },
        regions: vec![entry],
        errors: vec![],
        accounts: case
            .account
            .iter()
            .map(|a| Account {
                id: account.clone(),
                name: a.name.clone(),
                email: None,
                status: Some("ACTIVE".into()),
                ou_path: a.ou_path.clone(),
                tags: a.tags.clone(),
                role_arn: None,
                scanned: true,
                skip_reason: None,
            })
            .collect(),
    };
    let mut active = Active::new(rule);
    let mut params = active.params.clone();
    for (k, v) in &case.params {
        if !rule.parameters.contains_key(k) {
            return Err(format!(
                "params sets {k:?}, which rule {} does not declare",
                rule.id
            ));
        }
        params.insert(
            k.clone(),
            serde_json::to_value(v).map_err(|e| e.to_string())?,
        );
    }
    active.set_params(params);
    let opts = EvalOptions {
        accept_subnet_coverage: case.accept_subnet_coverage,
        ..EvalOptions::default()
    };
    let findings = evaluate_active(set, vec![active], &inv, &opts);
    let mut failures = Vec::new();
    for f in &findings {
        let want = case.expect[&f.check_id];
        if f.status != want {
            failures.push(format!(
                "check {}: expected {}, got {} ({})",
                f.check_id,
                want.as_str(),
                f.status.as_str(),
                f.message
            ));
        }
        if f.message.trim().is_empty() {
            failures.push(format!("check {}: the message is empty", f.check_id));
        }
        if let Some(whole) = case.message.get(&f.check_id)
            && f.message != *whole
        {
            failures.push(format!(
                "check {}: the message is not the one pinned\n    expected: {whole:?}\n    got:      {:?}",
                f.check_id, f.message
            ));
        }
        if let Some(subs) = case.message_contains.get(&f.check_id) {
            for s in subs.items() {
                if !f.message.contains(s) {
                    failures.push(format!(
                        "check {}: message does not contain {s:?}: {}",
                        f.check_id, f.message
                    ));
                }
            }
        }
        if let Some(subs) = case.remediation_contains.get(&f.check_id) {
            let text = f
                .remediation
                .as_ref()
                .map(|r| {
                    [&r.terraform, &r.cloudformation, &r.cli]
                        .iter()
                        .filter_map(|x| x.as_deref())
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default();
            for s in subs.items() {
                if !text.contains(s) {
                    failures.push(format!(
                        "check {}: remediation does not contain {s:?}",
                        f.check_id
                    ));
                }
            }
        }
    }
    for k in case
        .message
        .keys()
        .chain(case.message_contains.keys())
        .chain(case.remediation_contains.keys())
    {
        if !rule.checks.iter().any(|c| &c.id == k) {
            return Err(format!(
                "names check {k:?}, which rule {} does not have",
                rule.id
            ));
        }
    }
    Ok(failures)
}

/// Deep-merge `over` into `base` (objects merge, everything else replaces).
pub(crate) fn merge(base: &mut JsonValue, over: &JsonValue) {
    match (base, over) {
        (JsonValue::Object(b), JsonValue::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

pub(crate) fn log_with_defaults(
    frag: &JsonValue,
    resource_id: &str,
    kind: &str,
    n: usize,
    account: &str,
    region: &str,
) -> JsonValue {
    let mut base = json!({
        "id": format!("fl-{kind}{n}"),
        "resource_id": resource_id,
        "resource_type": kind,
        "status": "ACTIVE",
        "traffic_type": "ALL",
        "destination_type": "cloud-watch-logs",
        "log_group_name": "flow-logs",
        "destination_arn": format!("arn:aws:logs:{region}:{account}:log-group:flow-logs"),
        "deliver_logs_status": "SUCCESS",
        "destination": {
            "name": "flow-logs",
            "region": region,
            "exists": "yes",
            "encryption": "kms",
            "kms_key_id": format!("arn:aws:kms:{region}:{account}:key/test"),
        }
    });
    merge(&mut base, frag);
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every built-in rule has a test file, and every case in it passes.
    #[test]
    fn builtin_rule_tests_pass() {
        let set = RuleSet::builtin().unwrap_or_else(|e| panic!("{e}"));
        assert!(!set.rules.is_empty());
        let report = run(&set, &builtin_tests()).unwrap_or_else(|e| panic!("{e}"));
        let failures: Vec<String> = report
            .cases
            .iter()
            .filter(|c| !c.failures.is_empty())
            .map(|c| format!("{} / {}:\n  {}", c.rule_id, c.case, c.failures.join("\n  ")))
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(
            report.untested.is_empty(),
            "rules without tests: {:?}",
            report.untested
        );
        assert!(report.cases.len() >= set.rules.len());
    }

    #[test]
    fn a_case_gives_the_account_and_a_wrong_field_in_it_is_positioned() {
        let mut set = RuleSet::empty();
        set.compile_text(
            "A-1.toml",
            r#"id = "A-1"
title = "t"
description = "d"
severity = "low"
resource = "vpc"
[[checks]]
id = "c"
title = "t"
condition = "account.tags.exists(k, k == 'env' && account.tags[k] == 'prod') && account.ou_path.exists(u, u.name == 'Workloads')"
pass = "{{account.name}}"
fail = "{{account.id}}"
"#,
            super::super::RuleSource::Builtin,
        )
        .unwrap();
        let source = |text: &str| TestSource {
            origin: "A-1.test.toml".into(),
            text: text.into(),
            stem_rule: "A-1".into(),
        };
        let report = run(
            &set,
            &[source(
                r#"[[case]]
name = "prod"
account_id = "210987654321"
account = { name = "p", ou_path = [{ id = "ou-ab12-11111111", name = "Workloads" }], tags = { env = "prod" } }
expect = { c = "pass" }
message_contains = { c = "p" }

[[case]]
name = "no account"
expect = { c = "fail" }
message_contains = { c = "123456789012" }
"#,
            )],
        )
        .unwrap();
        assert!(report.ok(), "{:?}", report.cases);
        let e = run(
            &set,
            &[source(
                "[[case]]\nname = \"x\"\nexpect = { c = \"pass\" }\naccount = { nmae = \"p\" }\n",
            )],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("A-1.test.toml:4:") && e.contains("nmae"), "{e}");
        // An OU path deeper than Organizations allows.
        let units = |n: usize| {
            (0..n)
                .map(|i| format!("{{ id = \"ou-ab12-{i:08}\", name = \"L{i}\" }}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let case = |n: usize| {
            format!(
                "[[case]]\nname = \"x\"\nexpect = {{ c = \"fail\" }}\naccount = {{ ou_path = [{}] }}\n",
                units(n)
            )
        };
        assert!(run(&set, &[source(&case(crate::inventory::MAX_OU_DEPTH))]).is_ok());
        let e = run(&set, &[source(&case(crate::inventory::MAX_OU_DEPTH + 1))])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("A-1.test.toml:4:") && e.contains("more than 5 organizational units"),
            "{e}"
        );
    }
}

//! Suppressions (`--suppressions FILE`): accepted risks that stay visible in the report.
//!
//! ```toml
//! [[suppression]]
//! rule = "VPC-001"
//! check = "destination-encrypted"        # optional: every check of the rule when absent
//! resource = "vpc-0abc*"                  # glob over the resource id or ARN
//! account = "123456789012"                # optional glob
//! region = "eu-*"                         # optional glob
//! ou = "Workloads/Prod*"                  # optional glob over the account's OU path, or an OU id
//! account_tags = { env = "prod*" }        # optional: every tag present, each value a glob
//! reason = "Legacy VPC, decommissioned in Q3 (TICKET-42)"
//! expires = 2026-09-30                    # last day the entry applies
//! ```
//!
//! `ou` and `account_tags` read the inventory's `accounts` (an organization or accounts-file
//! scan); an account the inventory does not list has no OU path and no tags, so such an entry
//! never matches it. An `ou` that is an OU id in full is compared with the ids on the path only;
//! any other `ou` is matched against the path name by name, `\/` standing for a `/` inside a
//! name (see `ou_match.rs`). An entry applies to `fail` results only. A matched result keeps its
//! place in the report with status `suppressed`, the entry's reason and expiry, and its original
//! status.

use super::ou_match::{OuPath, OuPattern};
use super::pos::{line_col, toml_error_at};
use crate::error::Error;
use crate::findings::{Finding, Status, SuppressionInfo};
use crate::inventory::Account;
use crate::term::{Escaped, escape};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    #[serde(default)]
    suppression: Vec<Spanned<EntryFormat>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFormat {
    rule: Spanned<String>,
    #[serde(default)]
    check: Option<Spanned<String>>,
    resource: Spanned<String>,
    #[serde(default)]
    account: Option<Spanned<String>>,
    #[serde(default)]
    region: Option<Spanned<String>>,
    #[serde(default)]
    ou: Option<Spanned<String>>,
    #[serde(default)]
    account_tags: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    reason: Spanned<String>,
    expires: Spanned<toml::Value>,
}

/// One entry of the file, validated.
#[derive(Debug, Clone)]
pub struct Entry {
    /// 1-based position of the entry in the file.
    pub index: usize,
    pub rule_id: String,
    pub check_id: Option<String>,
    /// The resource glob as written.
    pub resource: String,
    pub account: Option<String>,
    pub region: Option<String>,
    /// The OU id or path glob as written.
    pub ou: Option<String>,
    /// The account tag globs as written (key → value glob).
    pub account_tags: BTreeMap<String, String>,
    pub reason: String,
    pub expires: NaiveDate,
    resource_pat: glob::Pattern,
    account_pat: Option<glob::Pattern>,
    region_pat: Option<glob::Pattern>,
    ou_pat: Option<OuPattern>,
    tag_pats: Vec<(String, glob::Pattern)>,
    /// Where `rule` and `check` are written (`FILE:LINE:COL`), for [`Suppressions::check_rules`].
    rule_at: String,
    check_at: Option<String>,
}

/// A loaded suppressions file.
#[derive(Debug, Clone)]
pub struct Suppressions {
    pub file: PathBuf,
    pub entries: Vec<Entry>,
}

/// What applying the file did, by entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Entries whose `expires` date has passed (they were not applied).
    pub expired: Vec<usize>,
    /// Entries in force that matched no failing result.
    pub unmatched: Vec<usize>,
    /// Number of results suppressed.
    pub suppressed: usize,
}

impl Suppressions {
    /// Read and validate a suppressions file.
    pub fn load(path: &Path) -> Result<Suppressions, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::input(format!(
                "cannot read suppressions file {}: {}",
                Escaped(path.display()),
                Escaped(e)
            ))
        })?;
        Self::parse(path, &text)
    }

    /// Parse a suppressions file's text; `path` names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Suppressions, Error> {
        let at = |off: usize| {
            let (l, c) = line_col(text, off);
            format!("{}:{l}:{c}", Escaped(path.display()))
        };
        let file: FileFormat = toml::from_str(text).map_err(|e| {
            let pos = toml_error_at(&path.display().to_string(), text, &e);
            Error::input(format!(
                "{pos}: invalid suppressions file: {}\n  fix: each [[suppression]] needs rule, resource, reason and expires (YYYY-MM-DD); check, account, region, ou and account_tags (a table of strings) are optional",
                escape(e.message().trim_end())
            ))
        })?;
        let mut errors = Vec::new();
        let mut entries = Vec::new();
        for (i, sp) in file.suppression.into_iter().enumerate() {
            let entry_span = sp.span();
            let e = sp.into_inner();
            let index = i + 1;
            let glob_of = |errors: &mut Vec<String>, s: &Spanned<String>, what: &str| {
                match glob::Pattern::new(s.get_ref()) {
                    Ok(p) => Some(p),
                    Err(err) => {
                        errors.push(format!(
                            "{}: suppression #{index}: {what} {:?} is not a valid glob: {}",
                            at(s.span().start),
                            s.get_ref(),
                            escape(err.msg)
                        ));
                        None
                    }
                }
            };
            let resource_pat = glob_of(&mut errors, &e.resource, "resource");
            let account_pat = e
                .account
                .as_ref()
                .map(|a| glob_of(&mut errors, a, "account"));
            let region_pat = e.region.as_ref().map(|r| glob_of(&mut errors, r, "region"));
            let ou_pat = e.ou.as_ref().map(|o| {
                if o.get_ref().is_empty() {
                    errors.push(format!(
                        "{}: suppression #{index}: ou is empty\n  fix: write an OU path such as \"Workloads/Prod\", an OU id, or \"*\" for every account of the organization",
                        at(o.span().start)
                    ));
                    return None;
                }
                match OuPattern::parse(o.get_ref()) {
                    Ok(p) => Some(p),
                    Err(msg) => {
                        errors.push(format!(
                            "{}: suppression #{index}: ou {:?} is not a valid glob: {}\n  fix: write an OU path such as \"Workloads/Prod*\" (`\\/` for a `/` inside a name) or an OU id",
                            at(o.span().start),
                            o.get_ref(),
                            msg
                        ));
                        None
                    }
                }
            });
            let mut tag_pats = Vec::new();
            let mut tags_ok = true;
            if let Some(t) = &e.account_tags {
                if t.get_ref().is_empty() {
                    errors.push(format!(
                        "{}: suppression #{index}: account_tags is empty\n  fix: name at least one tag, e.g. account_tags = {{ env = \"prod\" }}, or remove the field",
                        at(t.span().start)
                    ));
                    tags_ok = false;
                }
                for (k, v) in t.get_ref() {
                    match glob_of(&mut errors, v, &format!("account_tags.{}", escape(k))) {
                        Some(p) => tag_pats.push((k.clone(), p)),
                        None => tags_ok = false,
                    }
                }
            }
            if e.reason.get_ref().trim().is_empty() {
                errors.push(format!(
                    "{}: suppression #{index}: reason is empty\n  fix: say why the finding is accepted (a ticket, an owner)",
                    at(e.reason.span().start)
                ));
            }
            if e.rule.get_ref().trim().is_empty() {
                errors.push(format!(
                    "{}: suppression #{index}: rule is empty",
                    at(entry_span.start)
                ));
            }
            let expires = match parse_date(e.expires.get_ref()) {
                Some(d) => Some(d),
                None => {
                    errors.push(format!(
                        "{}: suppression #{index}: expires must be a date like 2026-12-31, not {}",
                        at(e.expires.span().start),
                        Escaped(e.expires.get_ref())
                    ));
                    None
                }
            };
            let ou_ok = !matches!(ou_pat, Some(None));
            if let (Some(resource_pat), Some(expires), true, true) =
                (resource_pat, expires, ou_ok, tags_ok)
            {
                entries.push(Entry {
                    index,
                    rule_at: at(e.rule.span().start),
                    check_at: e.check.as_ref().map(|c| at(c.span().start)),
                    rule_id: e.rule.into_inner(),
                    check_id: e.check.map(|c| c.into_inner()),
                    resource: e.resource.into_inner(),
                    account: e.account.map(|a| a.into_inner()),
                    region: e.region.map(|r| r.into_inner()),
                    ou: e.ou.map(|o| o.into_inner()),
                    account_tags: e
                        .account_tags
                        .map(|t| {
                            t.into_inner()
                                .into_iter()
                                .map(|(k, v)| (k, v.into_inner()))
                                .collect()
                        })
                        .unwrap_or_default(),
                    reason: e.reason.into_inner(),
                    expires,
                    resource_pat,
                    account_pat: account_pat.flatten(),
                    region_pat: region_pat.flatten(),
                    ou_pat: ou_pat.flatten(),
                    tag_pats,
                });
            }
        }
        if !errors.is_empty() {
            return Err(Error::input(errors.join("\n")));
        }
        Ok(Suppressions {
            file: path.to_path_buf(),
            entries,
        })
    }

    /// Check that every entry names a loaded rule (`rules`: their ids, and the ids of each one's
    /// checks) and one of its checks; rule ids are matched regardless of case, and each entry
    /// takes the rule's id as the rule writes it. An unknown id is an error naming the entry's
    /// position and the closest known id.
    pub fn check_rules<'r>(
        mut self,
        rules: impl IntoIterator<Item = (&'r str, Vec<&'r str>)>,
    ) -> Result<Suppressions, Error> {
        let rules: Vec<(&str, Vec<&str>)> = rules.into_iter().collect();
        let mut errors = Vec::new();
        for e in &mut self.entries {
            let Some((id, checks)) = rules
                .iter()
                .find(|(id, _)| id.eq_ignore_ascii_case(&e.rule_id))
            else {
                errors.push(format!(
                    "{}: suppression #{}: unknown rule {:?}{}\n  fix: use a rule id from `flowaudit rules list`",
                    e.rule_at,
                    e.index,
                    escape(&e.rule_id),
                    crate::suggest::hint(&e.rule_id, rules.iter().map(|(id, _)| *id))
                ));
                continue;
            };
            e.rule_id = id.to_string();
            if let Some(c) = &e.check_id
                && !checks.contains(&c.as_str())
            {
                errors.push(format!(
                    "{}: suppression #{}: rule {id} has no check {:?}{}\n  fix: use one of: {}",
                    e.check_at.as_deref().unwrap_or(&e.rule_at),
                    e.index,
                    escape(c),
                    crate::suggest::hint(c, checks.iter().copied()),
                    checks.join(", ")
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::input(errors.join("\n")));
        }
        Ok(self)
    }

    /// Why the entry with this index cannot match anything in a scan whose inventory lists
    /// `accounts`: its `ou` or `account_tags` read the inventory's accounts, which a
    /// single-account scan does not list. `None` when the entry can match.
    pub fn unmatchable(&self, index: usize, accounts: &[Account]) -> Option<String> {
        let e = self.entry(index)?;
        let fields: Vec<&str> = [
            e.ou_pat.is_some().then_some("ou"),
            (!e.tag_pats.is_empty()).then_some("account_tags"),
        ]
        .into_iter()
        .flatten()
        .collect();
        (accounts.is_empty() && !fields.is_empty()).then(|| {
            format!(
                "{} needs an organization scan (--org) or an accounts file (--accounts-file): a single-account scan does not know the account's {}",
                fields.join(" and "),
                if e.ou_pat.is_some() { "organizational units" } else { "tags" }
            )
        })
    }

    /// Suppress the failing results matched by an entry in force on `today`; `accounts` are
    /// the inventory's accounts, which `ou` and `account_tags` read.
    pub fn apply(
        &self,
        findings: &mut [Finding],
        today: NaiveDate,
        accounts: &[Account],
    ) -> Outcome {
        let mut applier = self.applier(today, accounts);
        for f in findings.iter_mut() {
            applier.apply(f);
        }
        applier.finish()
    }

    /// An applier for results that arrive one at a time (a streamed scan): call
    /// [`Applier::apply`] on each, then [`Applier::finish`].
    pub fn applier<'s>(&'s self, today: NaiveDate, accounts: &'s [Account]) -> Applier<'s> {
        let (live, expired): (Vec<&Entry>, Vec<&Entry>) =
            self.entries.iter().partition(|e| e.expires >= today);
        let needed = live
            .iter()
            .any(|e| e.ou_pat.is_some() || !e.tag_pats.is_empty());
        Applier {
            accounts: if needed {
                accounts
                    .iter()
                    .map(|a| (a.id.as_str(), AccountFacts::of(a)))
                    .collect()
            } else {
                HashMap::new()
            },
            hits: vec![0; live.len()],
            active: live,
            expired: expired.iter().map(|e| e.index).collect(),
            suppressed: 0,
        }
    }

    /// The entry with this 1-based index.
    pub fn entry(&self, index: usize) -> Option<&Entry> {
        self.entries.iter().find(|e| e.index == index)
    }
}

/// Applies the entries in force to results one at a time, counting what each entry matched.
pub struct Applier<'s> {
    active: Vec<&'s Entry>,
    /// What `ou` and `account_tags` match against, by account id (only when an entry needs it).
    accounts: HashMap<&'s str, AccountFacts<'s>>,
    hits: Vec<usize>,
    expired: Vec<usize>,
    suppressed: usize,
}

impl Applier<'_> {
    /// Suppress `f` if it fails and an entry in force matches it (the first such entry wins).
    pub fn apply(&mut self, f: &mut Finding) {
        if f.status != Status::Fail {
            return;
        }
        let account = self.accounts.get(f.resource.account_id.as_str());
        if let Some(i) = self.active.iter().position(|e| e.matches(f, account)) {
            self.hits[i] += 1;
            let e = self.active[i];
            f.suppression = Some(SuppressionInfo {
                reason: e.reason.clone(),
                expires: e.expires.format("%Y-%m-%d").to_string(),
                original_status: f.status,
            });
            f.status = Status::Suppressed;
            self.suppressed += 1;
        }
    }

    /// What the entries did: which expired, which matched nothing, how many results were suppressed.
    pub fn finish(self) -> Outcome {
        Outcome {
            unmatched: self
                .active
                .iter()
                .zip(&self.hits)
                .filter(|(_, n)| **n == 0)
                .map(|(e, _)| e.index)
                .collect(),
            expired: self.expired,
            suppressed: self.suppressed,
        }
    }
}

/// What an entry's `ou` and `account_tags` are matched against for one account.
struct AccountFacts<'a> {
    ou_path: OuPath<'a>,
    tags: &'a BTreeMap<String, String>,
}

impl<'a> AccountFacts<'a> {
    fn of(a: &'a Account) -> Self {
        AccountFacts {
            ou_path: OuPath::of(&a.ou_path),
            tags: &a.tags,
        }
    }
}

impl Entry {
    fn matches(&self, f: &Finding, account: Option<&AccountFacts>) -> bool {
        self.matches_resource(f) && self.matches_account(account)
    }

    /// `ou` and `account_tags`: an account the inventory does not list matches neither.
    fn matches_account(&self, account: Option<&AccountFacts>) -> bool {
        if self.ou_pat.is_none() && self.tag_pats.is_empty() {
            return true;
        }
        let Some(a) = account else {
            return false;
        };
        self.ou_pat.as_ref().is_none_or(|p| p.matches(&a.ou_path))
            && self
                .tag_pats
                .iter()
                .all(|(k, p)| a.tags.get(k).is_some_and(|v| p.matches(v)))
    }

    fn matches_resource(&self, f: &Finding) -> bool {
        self.rule_id.eq_ignore_ascii_case(&f.rule_id)
            && self.check_id.as_ref().is_none_or(|c| *c == f.check_id)
            && (self.resource_pat.matches(&f.resource.id)
                || self.resource_pat.matches(&f.resource.arn))
            && self
                .account_pat
                .as_ref()
                .is_none_or(|p| p.matches(&f.resource.account_id))
            && self
                .region_pat
                .as_ref()
                .is_none_or(|p| p.matches(&f.resource.region))
    }
}

fn parse_date(v: &toml::Value) -> Option<NaiveDate> {
    match v {
        toml::Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let d = dt.date?;
            NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
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
            serde_json::from_value(serde_json::json!({"id": "111111111111", "scanned": true}))
                .unwrap();
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
            Suppressions::parse(Path::new("s.toml"), "[[suppression]]\nrule = \"VPC-001\"\n")
                .is_err()
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
    fn suppressed_among(
        extra: &str,
        accounts: &[Account],
        ids: &[&'static str],
    ) -> Vec<&'static str> {
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
        assert!(
            suppressed_accounts("account = \"1*\"\naccount_tags = { env = \"dev\" }").is_empty()
        );
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
}

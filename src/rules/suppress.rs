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
    /// Whether an entry matches on account tags (which are then read from Organizations).
    pub fn reads_account_tags(&self) -> bool {
        self.entries.iter().any(|e| !e.account_tags.is_empty())
    }

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
mod tests;

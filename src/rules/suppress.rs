//! Suppressions (`--suppressions FILE`): accepted risks that stay visible in the report.
//!
//! ```toml
//! [[suppression]]
//! rule = "VPC-001"
//! check = "destination-encrypted"        # optional: every check of the rule when absent
//! resource = "vpc-0abc*"                  # glob over the resource id or ARN
//! account = "123456789012"                # optional glob
//! region = "eu-*"                         # optional glob
//! reason = "Legacy VPC, decommissioned in Q3 (TICKET-42)"
//! expires = 2026-09-30                    # last day the entry applies
//! ```
//!
//! An entry applies to `fail` results only. A matched result keeps its place in the report with
//! status `suppressed`, the entry's reason and expiry, and its original status.

use super::pos::{line_col, toml_error_at};
use crate::error::Error;
use crate::findings::{Finding, Status, SuppressionInfo};
use crate::term::{Escaped, escape};
use chrono::NaiveDate;
use serde::Deserialize;
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
    rule: String,
    #[serde(default)]
    check: Option<String>,
    resource: Spanned<String>,
    #[serde(default)]
    account: Option<Spanned<String>>,
    #[serde(default)]
    region: Option<Spanned<String>>,
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
    pub reason: String,
    pub expires: NaiveDate,
    resource_pat: glob::Pattern,
    account_pat: Option<glob::Pattern>,
    region_pat: Option<glob::Pattern>,
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
                "{pos}: invalid suppressions file: {}\n  fix: each [[suppression]] needs rule, resource, reason and expires (YYYY-MM-DD); check and account/region are optional",
                escape(e.message().trim_end())
            ))
        })?;
        let mut errors = Vec::new();
        let mut entries = Vec::new();
        for (i, sp) in file.suppression.into_iter().enumerate() {
            let entry_span = sp.span();
            let e = sp.into_inner();
            let index = i + 1;
            let mut glob_of =
                |s: &Spanned<String>, what: &str| match glob::Pattern::new(s.get_ref()) {
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
                };
            let resource_pat = glob_of(&e.resource, "resource");
            let account_pat = e.account.as_ref().map(|a| glob_of(a, "account"));
            let region_pat = e.region.as_ref().map(|r| glob_of(r, "region"));
            if e.reason.get_ref().trim().is_empty() {
                errors.push(format!(
                    "{}: suppression #{index}: reason is empty\n  fix: say why the finding is accepted (a ticket, an owner)",
                    at(e.reason.span().start)
                ));
            }
            if e.rule.trim().is_empty() {
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
            if let (Some(resource_pat), Some(expires)) = (resource_pat, expires) {
                entries.push(Entry {
                    index,
                    rule_id: e.rule,
                    check_id: e.check,
                    resource: e.resource.into_inner(),
                    account: e.account.map(|a| a.into_inner()),
                    region: e.region.map(|r| r.into_inner()),
                    reason: e.reason.into_inner(),
                    expires,
                    resource_pat,
                    account_pat: account_pat.flatten(),
                    region_pat: region_pat.flatten(),
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

    /// Suppress the failing results matched by an entry in force on `today`.
    pub fn apply(&self, findings: &mut [Finding], today: NaiveDate) -> Outcome {
        let mut applier = self.applier(today);
        for f in findings.iter_mut() {
            applier.apply(f);
        }
        applier.finish()
    }

    /// An applier for results that arrive one at a time (a streamed scan): call
    /// [`Applier::apply`] on each, then [`Applier::finish`].
    pub fn applier(&self, today: NaiveDate) -> Applier<'_> {
        let (live, expired): (Vec<&Entry>, Vec<&Entry>) =
            self.entries.iter().partition(|e| e.expires >= today);
        Applier {
            hits: vec![0; live.len()],
            active: live,
            expired: expired.iter().map(|e| e.index).collect(),
            suppressed: 0,
        }
    }

    /// The entry with this 1-based index.    /// The entry with this 1-based index.
    pub fn entry(&self, index: usize) -> Option<&Entry> {
        self.entries.iter().find(|e| e.index == index)
    }
}

/// Applies the entries in force to results one at a time, counting what each entry matched.
pub struct Applier<'s> {
    active: Vec<&'s Entry>,
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
        if let Some(i) = self.active.iter().position(|e| e.matches(f)) {
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

impl Entry {
    fn matches(&self, f: &Finding) -> bool {
        self.rule_id == f.rule_id
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

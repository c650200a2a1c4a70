//! The text format: a short terminal summary of a report (counts, failing results, scan errors).

use super::Reporter;
use super::v1::Document;
use crate::error::Error;
use crate::findings::Status;
use std::fmt::Write as _;

/// Writes a plain-text summary.
pub struct TextReporter;

impl Reporter for TextReporter {
    fn name(&self) -> &'static str {
        "text"
    }
    fn file_name(&self) -> &'static str {
        "flowaudit.txt"
    }
    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error> {
        Ok(render(doc).into_bytes())
    }
}

/// Replace control characters (terminal escape sequences included) in data taken from AWS.
pub fn clean(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

fn render(doc: &Document) -> String {
    let mut out = String::new();
    let count = |s: Status| doc.summary.by_status.get(s.as_str()).copied().unwrap_or(0);
    let mut resources: Vec<&str> = doc
        .results
        .iter()
        .map(|r| r.resource.arn.as_str())
        .collect();
    resources.sort_unstable();
    resources.dedup();
    let _ = writeln!(
        out,
        "flowaudit {}: account(s) {}, {} region(s), {} resource(s), {} rule(s)",
        doc.tool.version,
        clean(&doc.scan.accounts.join(", ")),
        doc.scan.regions.len(),
        resources.len(),
        doc.rules.len()
    );
    let _ = writeln!(
        out,
        "results: {} fail, {} error, {} suppressed, {} skipped, {} pass ({} total)",
        count(Status::Fail),
        count(Status::Error),
        count(Status::Suppressed),
        count(Status::Skipped),
        count(Status::Pass),
        doc.summary.total
    );
    let mut bad: Vec<_> = doc
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Error))
        .collect();
    bad.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule_id.cmp(&b.rule_id)));
    if !bad.is_empty() {
        let _ = writeln!(out, "\nfailing:");
        for r in bad {
            let _ = writeln!(
                out,
                "  {:<5} [{}] {}/{} {} {}: {}",
                r.status.as_str().to_uppercase(),
                r.severity.as_str(),
                clean(&r.rule_id),
                clean(&r.check_id),
                clean(&r.resource.region),
                clean(&r.resource.id),
                clean(&r.message)
            );
        }
    }
    if !doc.scan.errors.is_empty() {
        let _ = writeln!(out, "\nscan incomplete, not read:");
        for e in &doc.scan.errors {
            let _ = writeln!(
                out,
                "  {} {} {} {}: {}: {}",
                clean(&e.account_id),
                clean(e.region.as_deref().unwrap_or("(account)")),
                clean(&e.service),
                clean(&e.operation),
                clean(&e.code),
                clean(&e.message)
            );
        }
    }
    let s = &doc.suppressions;
    if !s.expired.is_empty() || !s.unmatched.is_empty() {
        let _ = writeln!(
            out,
            "\nsuppressions: {} expired, {} matched nothing",
            s.expired.len(),
            s.unmatched.len()
        );
    }
    out
}

//! What the finding exports (OCSF and ASFF) share: each result with its rule and check, the
//! scan's time, the partition of an ARN, AWS resource types, text cut to a field's limit, and the
//! writing of a JSON array one element at a time.

use crate::error::Error;
use crate::findings::{Finding, Severity};
use crate::kinds::ResourceKind;
use crate::report::v1::{CheckMeta, Document, RuleMeta};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;

/// The rules and checks of a document, by id, for looking up each result's own.
pub struct Catalog<'a> {
    rules: HashMap<&'a str, &'a RuleMeta>,
}

impl<'a> Catalog<'a> {
    pub fn new(doc: &'a Document) -> Self {
        Catalog {
            rules: doc.rules.iter().map(|r| (r.id.as_str(), r)).collect(),
        }
    }

    /// The rule of a result, when the document describes it (a merged or hand-made report may
    /// not).
    pub fn rule(&self, f: &Finding) -> Option<&'a RuleMeta> {
        self.rules.get(f.rule_id.as_str()).copied()
    }

    /// The check of a result.
    pub fn check(&self, f: &Finding) -> Option<&'a CheckMeta> {
        self.rule(f)
            .and_then(|r| r.checks.iter().find(|c| c.id == f.check_id))
    }

    /// A result's title: rule, check and the rule's title, as SARIF and the HTML name them.
    pub fn title(&self, f: &Finding) -> String {
        match (self.rule(f), self.check(f)) {
            (Some(r), Some(c)) => {
                format!("{} {}: {} ({})", f.rule_id, f.check_id, r.title, c.title)
            }
            (Some(r), None) => format!("{} {}: {}", f.rule_id, f.check_id, r.title),
            _ => format!("{} {}", f.rule_id, f.check_id),
        }
    }

    /// What to do about a result: the check's remediation prose, else the rule's description.
    pub fn advice(&self, f: &Finding) -> String {
        match (
            self.check(f).and_then(|c| c.remediation.as_deref()),
            self.rule(f),
        ) {
            (Some(text), _) => text.to_string(),
            (None, Some(r)) => r.description.clone(),
            (None, None) => String::new(),
        }
    }

    /// The rule's first `http(s)` reference, for a link to more.
    pub fn url(&self, f: &Finding) -> Option<&'a str> {
        self.rule(f)?
            .references
            .iter()
            .map(String::as_str)
            .find(|u| u.starts_with("https://") || u.starts_with("http://"))
    }
}

/// The time of a report's findings: when its scan finished, RFC 3339 as the report holds it,
/// and in milliseconds since the epoch (0 when the report's text is not a time).
pub struct ScanTime<'a> {
    pub rfc3339: &'a str,
    pub millis: i64,
}

impl<'a> ScanTime<'a> {
    pub fn of(doc: &'a Document) -> Self {
        let text = doc.scan.finished_at.as_str();
        ScanTime {
            rfc3339: text,
            millis: chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.timestamp_millis())
                .unwrap_or(0),
        }
    }

    /// The time in the form Security Hub takes (RFC 3339 with a `Z`), or the epoch when the
    /// report's text is not a time.
    pub fn iso(&self) -> String {
        chrono::DateTime::from_timestamp_millis(self.millis)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

/// The AWS partition an ARN names (`aws`, `aws-cn`, `aws-us-gov`, ...); `aws` when it names none.
pub fn partition(arn: &str) -> &str {
    match arn.split(':').nth(1) {
        Some(p) if !p.is_empty() && arn.starts_with("arn:") => p,
        _ => "aws",
    }
}

/// The CloudFormation-style type of a result's resource kind (a kind's
/// [`ResourceKind::aws_type`]; any other kind, e.g. a region standing for its resources, as the
/// report names it), as OCSF's `resources[].type` names it.
pub fn aws_type(kind: &str) -> &str {
    match ResourceKind::parse(kind) {
        Some(k) => k.aws_type(),
        None => kind,
    }
}

/// A result's resource type in ASFF ([`ResourceKind::asff_type`], else `Other`).
pub fn asff_type(kind: &str) -> &'static str {
    ResourceKind::parse(kind).map_or("Other", ResourceKind::asff_type)
}

/// Severity as OCSF's `severity_id` numbers it.
pub fn ocsf_severity(s: Severity) -> (u8, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// `text` cut to at most `max` characters at a character boundary, ending in `…` when cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Write `items` as a JSON array, one element per line, without holding the array in memory.
pub fn write_array<T: Serialize>(
    format: &str,
    items: impl Iterator<Item = T>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let fail = |e: &dyn std::fmt::Display| {
        Error::fatal(format!(
            "cannot write the {format} report: {}",
            crate::term::Escaped(e.to_string())
        ))
    };
    let mut first = true;
    out.write_all(b"[").map_err(|e| fail(&e))?;
    for item in items {
        out.write_all(if first { b"\n" } else { b",\n" })
            .map_err(|e| fail(&e))?;
        first = false;
        serde_json::to_writer(&mut *out, &item).map_err(|e| fail(&e))?;
    }
    out.write_all(if first { b"]\n" } else { b"\n]\n" })
        .map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_at_character_boundaries() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
        let wide = "é".repeat(10);
        let c = cut(&wide, 4);
        assert_eq!(c.chars().count(), 4);
        assert!(c.starts_with("ééé"));
    }

    #[test]
    fn partitions_come_from_the_arn() {
        assert_eq!(partition("arn:aws-cn:ec2:cn-north-1:1:vpc/vpc-1"), "aws-cn");
        assert_eq!(partition("arn:aws-us-gov:ec2:x"), "aws-us-gov");
        assert_eq!(partition("not an arn"), "aws");
        assert_eq!(partition("arn::ec2"), "aws");
    }

    #[test]
    fn arrays_are_written_element_by_element() {
        let mut out = Vec::new();
        write_array("x", [1, 2].into_iter(), &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[\n1,\n2\n]\n");
        let mut out = Vec::new();
        write_array("x", std::iter::empty::<u8>(), &mut out).unwrap();
        assert_eq!(out, b"[]\n");
    }
}

//! The Markdown format: a short summary for `$GITHUB_STEP_SUMMARY`, pull-request comments and
//! chat. Counts by severity and by rule, the failing resources (at most
//! [`MAX_RESOURCES`]), the scan errors, and the comparison with a baseline when there is one.
//! `flowaudit diff --format markdown` is written here too ([`render_diff`]).
//!
//! The output stays under GitHub's 1 MiB step-summary limit whatever the scan's size: every list
//! is cut to a fixed length, every value to [`MAX_VALUE`] characters, and the whole to
//! [`MAX_BYTES`]. Every value from AWS or an input file goes through
//! [`super::escape::markdown_inline`].

use super::Reporter;
use super::diff::{DiffDocument, LISTED_PER_CHANGE};
use super::escape::markdown_inline;
use super::v1::Document;
use super::v1::baseline::{Change, ChangeCounts, ChangeEntry};
use crate::error::Error;
use crate::findings::{Severity, Status};
use crate::inventory::error_class::fixes_after_runs;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Failing resources listed; the rest are counted.
pub const MAX_RESOURCES: usize = 50;
/// Scan errors listed; the rest are counted.
pub const MAX_ERRORS: usize = 50;
/// Error entries listed per unread part; the rest are counted.
const ERRORS_PER_PART: usize = 3;
/// Rows of the table by rule and check.
pub const MAX_RULE_ROWS: usize = 200;
/// Failing checks named per resource.
const MAX_CHECKS_PER_RESOURCE: usize = 10;
/// Characters kept of one value (before escaping).
pub const MAX_VALUE: usize = 200;
/// The most bytes a Markdown output has: under GitHub's 1 MiB step-summary limit.
pub const MAX_BYTES: usize = 1_000_000;

/// Writes the Markdown summary.
pub struct MarkdownReporter;

impl Reporter for MarkdownReporter {
    fn format(&self) -> super::Format {
        super::Format::Markdown
    }
    /// It lists failures only; everything else is counted from the summary.
    fn shows(&self, status: Status) -> bool {
        status == Status::Fail
    }
    fn shows_remediation(&self) -> bool {
        false
    }
    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error> {
        Ok(render(doc).into_bytes())
    }
}

/// A value cut to [`MAX_VALUE`] characters and escaped for inline Markdown.
fn md(s: &str) -> String {
    match s.char_indices().nth(MAX_VALUE) {
        Some((i, _)) => format!("{}…", markdown_inline(&s[..i])),
        None => markdown_inline(s),
    }
}

/// Cut `o` to [`MAX_BYTES`] at a line boundary, saying so.
fn bounded(mut o: String) -> String {
    const NOTE: &str =
        "\n_The summary was cut here to stay under 1 MiB; the JSON report has everything._\n";
    if o.len() <= MAX_BYTES {
        return o;
    }
    let mut cut = MAX_BYTES - NOTE.len();
    while !o.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = o[..cut].rfind('\n').map_or(0, |i| i + 1);
    o.truncate(cut);
    o.push_str(NOTE);
    o
}

const STATUS_COLUMNS: [Status; 5] = [
    Status::Fail,
    Status::Error,
    Status::Suppressed,
    Status::Skipped,
    Status::Pass,
];

fn count(counts: Option<&BTreeMap<String, usize>>, st: Status) -> usize {
    counts
        .and_then(|c| c.get(st.as_str()))
        .copied()
        .unwrap_or(0)
}

/// The Markdown summary of a report.
pub fn render(doc: &Document) -> String {
    let mut o = String::with_capacity(16 * 1024);
    let s = &doc.summary;
    let failing = count(Some(&s.by_status), Status::Fail);
    let _ = writeln!(
        o,
        "## flowaudit: {} failing of {} results\n",
        failing, s.total
    );
    let accounts = &doc.scan.accounts;
    let shown: Vec<String> = accounts.iter().take(10).map(|a| md(a)).collect();
    let more = if accounts.len() > 10 {
        format!(" and {} more", accounts.len() - 10)
    } else {
        String::new()
    };
    let _ = writeln!(
        o,
        "flowaudit {} · account{} {}{} · {} region{} · started {}{}\n",
        md(&doc.tool.version),
        if accounts.len() == 1 { "" } else { "s" },
        if shown.is_empty() {
            "none".to_string()
        } else {
            shown.join(", ")
        },
        more,
        doc.scan.regions.len(),
        if doc.scan.regions.len() == 1 { "" } else { "s" },
        md(&doc.scan.started_at),
        if doc.scan.partial {
            " · **partial: some parts could not be read**"
        } else {
            ""
        }
    );

    // By severity.
    o.push_str("| Severity | Fail | Error | Suppressed | Skipped | Pass |\n|---|---:|---:|---:|---:|---:|\n");
    for sev in Severity::ALL {
        let c = s.by_severity.get(sev.as_str());
        let _ = write!(o, "| {} ", sev.as_str());
        for st in STATUS_COLUMNS {
            let _ = write!(o, "| {} ", count(c, st));
        }
        o.push_str("|\n");
    }

    // By rule and check.
    let severity_of: BTreeMap<&str, Severity> = doc
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.severity))
        .collect();
    let rows: Vec<(&String, &String, &BTreeMap<String, usize>)> = s
        .by_check
        .iter()
        .flat_map(|(rule, checks)| checks.iter().map(move |(check, c)| (rule, check, c)))
        .collect();
    if !rows.is_empty() {
        o.push_str("\n### By rule\n\n| Rule | Check | Severity | Fail | Error | Suppressed | Skipped | Pass |\n|---|---|---|---:|---:|---:|---:|---:|\n");
        for (rule, check, c) in rows.iter().take(MAX_RULE_ROWS) {
            let sev = severity_of.get(rule.as_str()).map_or("", |s| s.as_str());
            let _ = write!(o, "| {} | {} | {sev} ", md(rule), md(check));
            for st in STATUS_COLUMNS {
                let _ = write!(o, "| {} ", count(Some(c), st));
            }
            o.push_str("|\n");
        }
        if rows.len() > MAX_RULE_ROWS {
            let _ = writeln!(o, "\n…and {} more checks.", rows.len() - MAX_RULE_ROWS);
        }
    }

    if let Some(b) = &doc.baseline {
        let _ = writeln!(
            o,
            "\n### Since the baseline {} ({})\n",
            md(&b.file),
            md(&b.started_at)
        );
        delta(&mut o, &b.counts, &b.changes, 4);
    }

    failing_resources(&mut o, doc, failing);
    scan_errors(&mut o, doc);
    bounded(o)
}

/// The failing resources, most severe first, each with its failing checks.
fn failing_resources(o: &mut String, doc: &Document, failing: usize) {
    if failing == 0 {
        return;
    }
    struct Res<'a> {
        severity: Severity,
        name: Option<&'a str>,
        checks: Vec<String>,
    }
    let mut by_resource: BTreeMap<(&str, &str, &str), Res> = BTreeMap::new();
    for f in doc.results.iter().filter(|f| f.status == Status::Fail) {
        let r = &f.resource;
        let e = by_resource
            .entry((&r.account_id, &r.region, &r.id))
            .or_insert_with(|| Res {
                severity: f.severity,
                name: r.name.as_deref(),
                checks: Vec::new(),
            });
        e.severity = e.severity.max(f.severity);
        e.checks.push(format!("{}/{}", f.rule_id, f.check_id));
    }
    let mut list: Vec<_> = by_resource.into_iter().collect();
    list.sort_by(|a, b| b.1.severity.cmp(&a.1.severity).then_with(|| a.0.cmp(&b.0)));
    let _ = writeln!(
        o,
        "\n### Failing resources ({})\n\n| Severity | Account | Region | Resource | Name | Failing checks |\n|---|---|---|---|---|---|",
        list.len()
    );
    for ((account, region, id), r) in list.iter().take(MAX_RESOURCES) {
        let mut checks: Vec<String> = r
            .checks
            .iter()
            .take(MAX_CHECKS_PER_RESOURCE)
            .map(|c| md(c))
            .collect();
        if r.checks.len() > MAX_CHECKS_PER_RESOURCE {
            checks.push(format!(
                "and {} more",
                r.checks.len() - MAX_CHECKS_PER_RESOURCE
            ));
        }
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            r.severity.as_str(),
            md(account),
            md(region),
            md(id),
            r.name.map(md).unwrap_or_default(),
            checks.join(", ")
        );
    }
    if list.len() > MAX_RESOURCES {
        let _ = writeln!(
            o,
            "\n…and {} more failing resources.",
            list.len() - MAX_RESOURCES
        );
    }
}

fn scan_errors(o: &mut String, doc: &Document) {
    let errors = &doc.scan.errors;
    if errors.is_empty() {
        return;
    }
    let parts = super::unread::parts(doc);
    let _ = writeln!(
        o,
        "\n### Scan errors ({} in {} {}): the scan is partial\n",
        errors.len(),
        parts.len(),
        if parts.len() == 1 { "part" } else { "parts" }
    );
    let listed: Vec<_> = parts.iter().take(MAX_ERRORS).collect();
    let fixes = fixes_after_runs(listed.iter().map(|p| p.errors[0]));
    for (i, part) in listed.iter().enumerate() {
        let mut calls: Vec<String> = part
            .errors
            .iter()
            .take(ERRORS_PER_PART)
            .map(|e| {
                format!(
                    "{}:{}: {}: {}",
                    md(&e.service),
                    md(&e.operation),
                    md(&e.code),
                    md(&e.message)
                )
            })
            .collect();
        if part.errors.len() > ERRORS_PER_PART {
            calls.push(format!("…and {} more", part.errors.len() - ERRORS_PER_PART));
        }
        let _ = writeln!(
            o,
            "- {} {} {}",
            md(part.account),
            part.region.map_or("(account-wide)".to_string(), md),
            calls.join("; ")
        );
        if !part.blocked.is_empty() {
            let _ = writeln!(
                o,
                "  - blocks {}",
                super::unread::blocked_text(&part.blocked, &|s| md(s))
            );
        }
        // The fix of its error class, said once after a run of parts that share it.
        if let Some(fix) = &fixes[i] {
            let _ = writeln!(o, "  - fix: {}", markdown_inline(fix));
        }
    }
    if parts.len() > MAX_ERRORS {
        let _ = writeln!(o, "- …and {} more", parts.len() - MAX_ERRORS);
    }
}

/// The counts of a comparison, then the entries of each change (at most
/// [`LISTED_PER_CHANGE`] each) with headings of `level`.
fn delta(o: &mut String, counts: &ChangeCounts, changes: &[ChangeEntry], level: usize) {
    o.push_str("| Change | Results |\n|---|---:|\n");
    for c in Change::ALL {
        let _ = writeln!(o, "| {} | {} |", c.title(), counts.get(c));
    }
    let hashes = "#".repeat(level);
    for c in Change::ALL {
        let entries: Vec<&ChangeEntry> = changes.iter().filter(|e| e.change == c).collect();
        if entries.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "\n{hashes} {} ({})\n\n| Severity | Rule / check | Account | Region | Resource | Name | Before → now |\n|---|---|---|---|---|---|---|",
            c.title(),
            entries.len()
        );
        for e in entries.iter().take(LISTED_PER_CHANGE) {
            let _ = writeln!(
                o,
                "| {} | {}/{} | {} | {} | {} | {} | {} → {} |",
                e.severity.as_str(),
                md(&e.rule_id),
                md(&e.check_id),
                md(&e.account_id),
                md(&e.region),
                md(&e.resource_id),
                e.resource_name.as_deref().map(md).unwrap_or_default(),
                e.old_status.map_or("none", Status::as_str),
                e.new_status.map_or("none", Status::as_str)
            );
        }
        if entries.len() > LISTED_PER_CHANGE {
            let _ = writeln!(
                o,
                "\n…and {} more (the JSON output lists every one).",
                entries.len() - LISTED_PER_CHANGE
            );
        }
    }
}

/// `flowaudit diff --format markdown`.
pub fn render_diff(d: &DiffDocument) -> String {
    let mut o = String::with_capacity(16 * 1024);
    let at = d.new_at_or_above(d.fail_on);
    let _ = writeln!(
        o,
        "## flowaudit diff: {} new failure{} at or above {}\n",
        at,
        if at == 1 { "" } else { "s" },
        d.fail_on.as_str()
    );
    let _ = writeln!(
        o,
        "{} ({}) → {} ({}){}\n",
        md(&d.old.file),
        md(&d.old.started_at),
        md(&d.new.file),
        md(&d.new.started_at),
        if d.new.partial {
            " · **the new scan is partial**"
        } else {
            ""
        }
    );
    delta(&mut o, &d.counts, &d.changes, 3);
    bounded(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_and_escaped() {
        let long = "|".repeat(MAX_VALUE + 50);
        let m = md(&long);
        assert_eq!(m.matches("\\|").count(), MAX_VALUE);
        assert!(m.ends_with('…'));
        assert_eq!(md("a`b"), "a\\`b");
    }

    #[test]
    fn an_output_over_the_limit_is_cut_at_a_line() {
        let big = "x".repeat(99) + "\n";
        let o = bounded(big.repeat(20_000));
        assert!(o.len() <= MAX_BYTES, "{}", o.len());
        assert!(o.ends_with("has everything._\n"));
        let body = &o[..o.len() - 80];
        assert!(
            body.lines()
                .all(|l| l.is_empty() || l.len() == 99 || l.starts_with('_'))
        );
    }
}

//! The terminal summary: counts grouped by rule and severity, then the failing resources.
//!
//! Colour is decided by the caller (a terminal and no `NO_COLOR`), never here. Every string from
//! AWS goes through [`escape`] (`crate::term`) so a tag value cannot move the cursor or recolour the screen.

use super::Reporter;
use super::v1::Document;
use crate::error::Error;
use crate::findings::{Finding, Severity, Status};
use crate::term::escape;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Writes the short human summary.
pub struct TextReporter {
    /// Use ANSI colours.
    pub color: bool,
}

impl Reporter for TextReporter {
    fn format(&self) -> super::Format {
        super::Format::Text
    }
    /// The text lists failures and errors; the rest it only counts (from the summary).
    fn shows(&self, status: Status) -> bool {
        matches!(status, Status::Fail | Status::Error)
    }
    fn shows_remediation(&self) -> bool {
        false
    }
    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error> {
        Ok(render_text(doc, self.color).into_bytes())
    }
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn status(&self, st: Status, s: &str) -> String {
        match st {
            Status::Fail => self.wrap("1;31", s),
            Status::Error => self.wrap("1;35", s),
            Status::Suppressed => self.wrap("33", s),
            Status::Skipped => self.wrap("2", s),
            Status::Pass => self.wrap("32", s),
        }
    }
    fn severity(&self, sev: Severity, s: &str) -> String {
        match sev {
            Severity::Critical => self.wrap("1;41;97", s),
            Severity::High => self.wrap("1;31", s),
            Severity::Medium => self.wrap("33", s),
            Severity::Low => self.wrap("36", s),
            Severity::Info => self.wrap("2", s),
        }
    }
}

/// Pad to a width measured in characters (colour codes are added after padding).
fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

fn rpad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{}{s}", " ".repeat(width - n))
    }
}

/// Render the summary as text.
pub fn render_text(doc: &Document, color: bool) -> String {
    let p = Paint { on: color };
    // Room for a line and a message per result shown, so that a long report is not copied as it
    // grows (memory not written to is not used).
    let mut o = String::with_capacity(4096 + doc.results.len() * 320);
    render_header(&mut o, &p, doc);
    render_totals(&mut o, &p, doc);
    render_by_rule(&mut o, &p, doc);
    render_failing(&mut o, &p, doc);
    render_errored(&mut o, &p, doc);
    render_scan_errors(&mut o, &p, doc);
    if let Some(fixes) = &doc.fixes {
        render_fixes(&mut o, &p, fixes);
    }
    render_suppressions(&mut o, &p, doc);
    o
}

/// The first lines: the tool, the accounts, the number of regions and when the scan ran.
fn render_header(o: &mut String, p: &Paint, doc: &Document) {
    let scan = &doc.scan;
    let accounts = if scan.accounts.is_empty() {
        "(none)".to_string()
    } else {
        scan.accounts
            .iter()
            .map(|a| escape(a))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        o,
        "{} {} · account {} · {} region{}",
        p.bold(&escape(&doc.tool.name)),
        escape(&doc.tool.version),
        accounts,
        scan.regions.len(),
        if scan.regions.len() == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        o,
        "{}",
        p.dim(&format!(
            "scanned {} → {}",
            escape(&scan.started_at),
            escape(&scan.finished_at)
        ))
    );
    o.push('\n');
}

/// Totals by status (from the summary: the document may hold only the results shown below).
fn render_totals(o: &mut String, p: &Paint, doc: &Document) {
    let mut parts = Vec::new();
    for st in Status::ALL {
        let n = doc.summary.by_status.get(st.as_str()).copied().unwrap_or(0);
        parts.push(p.status(st, &format!("{n} {}", st.as_str())));
    }
    let _ = writeln!(
        o,
        "{} {}  ({} results)",
        p.bold("Results:"),
        parts.join(" · "),
        doc.summary.total
    );
}

/// Counts by (severity, rule/check) and status.
fn render_by_rule(o: &mut String, p: &Paint, doc: &Document) {
    let severity_of: BTreeMap<&str, Severity> = doc
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.severity))
        .collect();
    // The applicability of each check's fix (`safe`, `unsafe`, `manual`), from the rules.
    let fix_of: BTreeMap<(&str, &str), &str> = doc
        .rules
        .iter()
        .flat_map(|r| {
            r.checks
                .iter()
                .map(|c| ((r.id.as_str(), c.id.as_str()), c.fix.applicability.as_str()))
        })
        .collect();
    let mut fixes: BTreeMap<String, &str> = BTreeMap::new();
    let mut groups: BTreeMap<(std::cmp::Reverse<Severity>, String), BTreeMap<Status, usize>> =
        BTreeMap::new();
    for (rule, checks) in &doc.summary.by_check {
        let sev = severity_of
            .get(rule.as_str())
            .copied()
            .unwrap_or(Severity::Info);
        for (check, counts) in checks {
            let name = format!("{rule}/{check}");
            if let Some(f) = fix_of.get(&(rule.as_str(), check.as_str())) {
                fixes.insert(name.clone(), f);
            }
            let row = groups.entry((std::cmp::Reverse(sev), name)).or_default();
            for st in Status::ALL {
                row.insert(st, counts.get(st.as_str()).copied().unwrap_or(0));
            }
        }
    }
    if !groups.is_empty() {
        let width = groups
            .keys()
            .map(|(_, r)| r.chars().count())
            .max()
            .unwrap_or(10)
            .max(10);
        o.push('\n');
        let _ = writeln!(o, "{}", p.bold("By rule and severity"));
        let header = format!(
            "  {}  {}  {}  {}  {}  {}  {}  FIX",
            pad("SEVERITY", 8),
            pad("RULE/CHECK", width),
            rpad("FAIL", 5),
            rpad("ERROR", 5),
            rpad("SUPPR", 5),
            rpad("SKIP", 5),
            rpad("PASS", 5)
        );
        let _ = writeln!(o, "{}", p.dim(&header));
        for ((sev, rule), counts) in &groups {
            let c = |st: Status| counts.get(&st).copied().unwrap_or(0);
            let cell = |st: Status| {
                let n = c(st);
                let s = rpad(&n.to_string(), 5);
                if n > 0 { p.status(st, &s) } else { p.dim(&s) }
            };
            let _ = writeln!(
                o,
                "  {}  {}  {}  {}  {}  {}  {}  {}",
                p.severity(sev.0, &pad(sev.0.as_str(), 8)),
                pad(&escape(rule), width),
                cell(Status::Fail),
                cell(Status::Error),
                cell(Status::Suppressed),
                cell(Status::Skipped),
                cell(Status::Pass),
                p.dim(fixes.get(rule).copied().unwrap_or("-"))
            );
        }
    }
}

/// The failing resources, most severe first.
fn render_failing(o: &mut String, p: &Paint, doc: &Document) {
    let mut failing: Vec<&Finding> = doc
        .results
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    // Most severe first, then by rule, check, account, region and resource. The few distinct
    // rules, checks, accounts and regions are ranked once, so that sorting many failures
    // compares strings only for the resource ids.
    let rank = |key: &dyn Fn(&Finding) -> (&str, &str)| -> BTreeMap<(&str, &str), usize> {
        let mut m: BTreeMap<(&str, &str), usize> = failing.iter().map(|f| (key(f), 0)).collect();
        for (i, v) in m.values_mut().enumerate() {
            *v = i;
        }
        m
    };
    let checks = rank(&|f| (&f.rule_id, &f.check_id));
    let places = rank(&|f| (&f.resource.account_id, &f.resource.region));
    failing.sort_by_cached_key(|f| {
        (
            std::cmp::Reverse(f.severity),
            checks[&(f.rule_id.as_str(), f.check_id.as_str())],
            places[&(f.resource.account_id.as_str(), f.resource.region.as_str())],
            f.resource.id.as_str(),
        )
    });
    o.push('\n');
    if failing.is_empty() {
        let _ = writeln!(o, "{}", p.status(Status::Pass, "No failing resources."));
    } else {
        let _ = writeln!(
            o,
            "{}",
            p.bold(&format!("Failing resources ({})", failing.len()))
        );
        for f in failing {
            let r = &f.resource;
            let name = match &r.name {
                Some(n) if !n.is_empty() => format!(" \"{}\"", escape(n)),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "  {}  {}/{}  {} {} {}{}",
                p.severity(f.severity, &pad(f.severity.as_str(), 8)),
                escape(&f.rule_id),
                escape(&f.check_id),
                escape(&r.account_id),
                escape(&r.region),
                p.bold(&escape(&r.id)),
                name
            );
            if !f.message.is_empty() {
                let _ = writeln!(o, "            {}", escape(&f.message));
            }
        }
    }
}

/// The checks that could not be evaluated, with why.
fn render_errored(o: &mut String, p: &Paint, doc: &Document) {
    let errored: Vec<&Finding> = doc
        .results
        .iter()
        .filter(|f| f.status == Status::Error)
        .collect();
    if !errored.is_empty() {
        o.push('\n');
        let _ = writeln!(
            o,
            "{}",
            p.status(
                Status::Error,
                &format!("Checks that could not be evaluated ({})", errored.len())
            )
        );
        for f in errored {
            let _ = writeln!(
                o,
                "  {}/{}  {} {} {}: {}",
                escape(&f.rule_id),
                escape(&f.check_id),
                escape(&f.resource.account_id),
                escape(&f.resource.region),
                escape(&f.resource.id),
                escape(&f.message)
            );
        }
    }
}

/// The parts of the scan that could not be read.
fn render_scan_errors(o: &mut String, p: &Paint, doc: &Document) {
    let scan = &doc.scan;
    if !scan.errors.is_empty() {
        o.push('\n');
        let _ = writeln!(
            o,
            "{}",
            p.status(
                Status::Error,
                &format!(
                    "Scan errors ({}): the scan is partial, results may be missing",
                    scan.errors.len()
                )
            )
        );
        for e in &scan.errors {
            let _ = writeln!(
                o,
                "  {} {} {}:{}  {}: {}",
                escape(&e.account_id),
                escape(e.region.as_deref().unwrap_or("(account-wide)")),
                escape(&e.service),
                escape(&e.operation),
                escape(&e.code),
                escape(&e.message)
            );
        }
    }
}

/// The suppressions that expired or matched nothing.
fn render_suppressions(o: &mut String, p: &Paint, doc: &Document) {
    let sup = &doc.suppressions;
    if !sup.expired.is_empty() || !sup.unmatched.is_empty() {
        o.push('\n');
        let _ = writeln!(
            o,
            "{}",
            p.status(
                Status::Suppressed,
                &format!(
                    "Suppressions: {} expired, {} matched nothing{}",
                    sup.expired.len(),
                    sup.unmatched.len(),
                    sup.file
                        .as_deref()
                        .map(|f| format!(" ({})", escape(f)))
                        .unwrap_or_default()
                )
            )
        );
        for (what, list) in [("expired", &sup.expired), ("unmatched", &sup.unmatched)] {
            for e in list {
                let _ = writeln!(
                    o,
                    "  {what} #{}: {} {} (expires {}): {}",
                    e.index,
                    escape(&e.rule_id),
                    escape(&e.resource),
                    escape(&e.expires),
                    escape(&e.reason)
                );
            }
        }
    }
}

/// The `--fix` section: one line per change with its outcome, what it created and the status of
/// the checks it targeted after the verification rescan.
fn render_fixes(o: &mut String, p: &Paint, fixes: &[crate::report::v1::FixOutcome]) {
    o.push('\n');
    let failed = fixes.iter().filter(|f| f.outcome == "failed").count();
    let _ = writeln!(
        o,
        "{} {} change{}, {}",
        p.bold("Fixes:"),
        fixes.len(),
        if fixes.len() == 1 { "" } else { "s" },
        if failed == 0 {
            p.status(Status::Pass, "none failed")
        } else {
            p.status(Status::Fail, &format!("{failed} failed"))
        }
    );
    for f in fixes {
        let outcome = match f.outcome.as_str() {
            "applied" | "dry_run_ok" => p.status(Status::Pass, &pad(&f.outcome, 10)),
            "failed" => p.status(Status::Fail, &pad(&f.outcome, 10)),
            _ => p.status(Status::Skipped, &pad(&f.outcome, 10)),
        };
        let target = if f.vpc_id.is_empty() {
            escape(&f.action).into_owned()
        } else {
            format!("{} {}", escape(&f.vpc_id), escape(&f.action))
        };
        let mut line = format!("  {outcome} {} {}", escape(&f.region), target);
        if !f.created.is_empty() {
            let created: Vec<String> = f.created.iter().map(|c| escape(c).into_owned()).collect();
            line.push_str(&format!(" => created {}", created.join(", ")));
        }
        if !f.verified.is_empty() {
            let v: Vec<String> = f
                .verified
                .iter()
                .map(|(check, st)| format!("{}: {}", escape(check), escape(st)))
                .collect();
            line.push_str(&format!(" [now {}]", v.join(", ")));
        }
        if let Some(e) = &f.error {
            line.push_str(&format!(" — {}", escape(e)));
        }
        let _ = writeln!(o, "{line}");
    }
}

#[cfg(test)]
mod fix_section_tests {
    use super::*;
    use crate::report::v1::FixOutcome;

    #[test]
    fn fixes_show_outcome_created_ids_new_status_and_escaped_errors() {
        let ok = FixOutcome {
            account_id: "111122223333".into(),
            region: "eu-west-1".into(),
            vpc_id: "vpc-1".into(),
            action: "create-flow-log".into(),
            description: "d".into(),
            outcome: "applied".into(),
            error: None,
            created: vec!["fl-9".into()],
            verified: [
                ("flow-logs-enabled".to_string(), "pass".to_string()),
                ("traffic-type-all".to_string(), "pass".to_string()),
            ]
            .into(),
        };
        let bad = FixOutcome {
            vpc_id: "vpc-2".into(),
            outcome: "failed".into(),
            error: Some("UnauthorizedOperation: no\u{1b}[2J".into()),
            created: Vec::new(),
            verified: Default::default(),
            ..ok.clone()
        };
        let mut o = String::new();
        render_fixes(&mut o, &Paint { on: false }, &[ok, bad]);
        assert!(o.contains("Fixes: 2 changes, 1 failed"), "{o}");
        assert!(
            o.contains("applied    eu-west-1 vpc-1 create-flow-log => created fl-9 [now flow-logs-enabled: pass, traffic-type-all: pass]"),
            "{o}"
        );
        assert!(
            o.contains("failed     eu-west-1 vpc-2 create-flow-log — UnauthorizedOperation: no"),
            "{o}"
        );
        assert!(!o.contains('\u{1b}'), "{o:?}");
    }
}

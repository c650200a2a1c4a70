//! The terminal summary: counts grouped by rule and severity, then the failing resources.
//!
//! Colour is decided by the caller (a terminal and no `NO_COLOR`), never here. Every string from
//! AWS goes through [`escape`] (`crate::term`) so a tag value cannot move the cursor or recolour the screen.

use super::Reporter;
use super::v1::Document;
use crate::error::Error;
use crate::findings::{Finding, Severity, Status};
use crate::inventory::error_class::fixes_after_runs;
use crate::term::escape;
use std::collections::{BTreeMap, HashMap};
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
    /// The text lists failures, errors and suppressed results; the rest it only counts (from
    /// the summary).
    fn shows(&self, status: Status) -> bool {
        matches!(status, Status::Fail | Status::Error | Status::Suppressed)
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
    render_baseline(&mut o, &p, doc);
    render_by_rule(&mut o, &p, doc);
    if several_accounts(doc) {
        render_by_account(&mut o, &p, doc);
        render_skipped_accounts(&mut o, &p, doc);
        render_failing_by_account(&mut o, &p, doc);
    } else {
        render_skipped_accounts(&mut o, &p, doc);
        render_failing(&mut o, &p, doc);
    }
    render_unused_default_vpcs(&mut o, doc);
    render_suppressed(&mut o, &p, doc, several_accounts(doc));
    render_errored(&mut o, &p, doc);
    render_scan_errors(&mut o, &p, doc);
    if let Some(fixes) = &doc.fixes {
        render_fixes(&mut o, &p, fixes);
    }
    render_suppressions(&mut o, &p, doc);
    o
}

/// True when the report covers more than one account (scanned or not): then the summary has a
/// table by account and the failing resources are grouped by account.
fn several_accounts(doc: &Document) -> bool {
    doc.scan.accounts.len() > 1 || doc.scan.account_details.len() > 1
}

/// The first lines: the tool, the accounts (their number when there are several), the number of
/// regions and when the scan ran.
fn render_header(o: &mut String, p: &Paint, doc: &Document) {
    let scan = &doc.scan;
    let skipped = scan.account_details.iter().filter(|a| !a.scanned).count();
    let accounts = if several_accounts(doc) {
        let n = scan.accounts.len();
        format!(
            "{n} account{}{}",
            if n == 1 { "" } else { "s" },
            if skipped > 0 {
                format!(" (+{skipped} not scanned)")
            } else {
                String::new()
            }
        )
    } else if scan.accounts.is_empty() {
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
        "{} {} · {}{} · {} region{}",
        p.bold(&escape(&doc.tool.name)),
        escape(&doc.tool.version),
        if several_accounts(doc) {
            ""
        } else {
            "account "
        },
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

/// With `--baseline`: one line of what changed since then.
fn render_baseline(o: &mut String, p: &Paint, doc: &Document) {
    if let Some(b) = &doc.baseline {
        let _ = writeln!(
            o,
            "{} {} ({}): {}",
            p.bold("Since the baseline"),
            escape(&b.file),
            escape(&b.started_at),
            b.counts.line()
        );
    }
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
    // (severity, rule/check) -> (status counts, the fix's applicability).
    type Row<'d> = (BTreeMap<Status, usize>, Option<&'d str>);
    let mut groups: BTreeMap<(std::cmp::Reverse<Severity>, String), Row> = BTreeMap::new();
    for (rule, checks) in &doc.summary.by_check {
        let sev = severity_of
            .get(rule.as_str())
            .copied()
            .unwrap_or(Severity::Info);
        for (check, counts) in checks {
            let (row, fix) = groups
                .entry((std::cmp::Reverse(sev), format!("{rule}/{check}")))
                .or_default();
            *fix = fix_of.get(&(rule.as_str(), check.as_str())).copied();
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
        for ((sev, rule), (counts, fix)) in &groups {
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
                p.dim(fix.unwrap_or("-"))
            );
        }
    }
}

/// The failing results, most severe first, then by rule and check, then the resources with the
/// most network interfaces first (the busiest unlogged VPC is the most urgent; a resource without
/// a count comes last), then by account, region and resource.
fn failing_sorted(doc: &Document) -> Vec<&Finding> {
    let mut failing: Vec<&Finding> = doc
        .results
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    // The few distinct rules, checks, accounts and regions are ranked once, so that sorting many
    // failures compares strings only for the resource ids.
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
            std::cmp::Reverse(f.resource.network_interfaces),
            places[&(f.resource.account_id.as_str(), f.resource.region.as_str())],
            f.resource.id.as_str(),
        )
    });
    failing
}

/// One failing result: severity, rule/check, (account,) region, resource and name, then its
/// message on a line of its own; `indent` goes before both.
fn write_failure(o: &mut String, p: &Paint, f: &Finding, with_account: bool, indent: &str) {
    let r = &f.resource;
    let mut name = match &r.name {
        Some(n) if !n.is_empty() => format!(" \"{}\"", escape(n)),
        _ => String::new(),
    };
    match (r.is_default, r.network_interfaces) {
        (Some(true), Some(n)) => {
            let _ = write!(
                name,
                " (default VPC, {n} network interface{})",
                if n == 1 { "" } else { "s" }
            );
        }
        (Some(true), None) => name.push_str(" (default VPC)"),
        (_, Some(n)) => {
            let _ = write!(
                name,
                " ({n} network interface{})",
                if n == 1 { "" } else { "s" }
            );
        }
        (_, None) => {}
    }
    let account = if with_account {
        format!("{} ", escape(&r.account_id))
    } else {
        String::new()
    };
    let _ = writeln!(
        o,
        "{indent}  {}  {}/{}  {account}{} {}{}",
        p.severity(f.severity, &pad(f.severity.as_str(), 8)),
        escape(&f.rule_id),
        escape(&f.check_id),
        escape(&r.region),
        p.bold(&escape(&r.id)),
        name
    );
    if !f.message.is_empty() {
        let _ = writeln!(o, "{indent}            {}", escape(&f.message));
    }
}

/// The suppressed results, most severe first, each with the reason and expiry of the entry that
/// suppressed it: what a reader would otherwise not see is failing.
fn render_suppressed(o: &mut String, p: &Paint, doc: &Document, with_account: bool) {
    let mut suppressed: Vec<&Finding> = doc
        .results
        .iter()
        .filter(|f| f.status == Status::Suppressed)
        .collect();
    if suppressed.is_empty() {
        return;
    }
    suppressed.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.severity),
            &a.rule_id,
            &a.check_id,
            &a.resource.account_id,
            &a.resource.region,
            &a.resource.id,
        )
            .cmp(&(
                std::cmp::Reverse(b.severity),
                &b.rule_id,
                &b.check_id,
                &b.resource.account_id,
                &b.resource.region,
                &b.resource.id,
            ))
    });
    o.push('\n');
    let _ = writeln!(
        o,
        "{}",
        p.status(
            Status::Suppressed,
            &format!("Suppressed results ({})", suppressed.len())
        )
    );
    for f in suppressed {
        write_failure(o, p, f, with_account, "");
        if let Some(s) = &f.suppression {
            let _ = writeln!(
                o,
                "            suppressed until {}: {}",
                escape(&s.expires),
                escape(&s.reason)
            );
        }
    }
}

/// How many failing VPCs are default VPCs without network interfaces (AWS creates one in every
/// region; most are never used), and the flag that judges unused VPCs `skipped`.
fn render_unused_default_vpcs(o: &mut String, doc: &Document) {
    let unused: std::collections::BTreeSet<(&str, &str, &str)> = doc
        .results
        .iter()
        .filter(|f| {
            f.status == Status::Fail
                && f.resource.is_default == Some(true)
                && f.resource.network_interfaces == Some(0)
        })
        .map(|f| {
            (
                f.resource.account_id.as_str(),
                f.resource.region.as_str(),
                f.resource.id.as_str(),
            )
        })
        .collect();
    if !unused.is_empty() {
        let n = unused.len();
        let _ = writeln!(
            o,
            "\n{n} of the failing VPCs {} default VPC{} with no network interfaces: --skip-unused judges VPCs without network interfaces `skipped`.",
            if n == 1 { "is a" } else { "are" },
            if n == 1 { "" } else { "s" }
        );
    }
}

/// The failing resources, most severe first.
fn render_failing(o: &mut String, p: &Paint, doc: &Document) {
    let failing = failing_sorted(doc);
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
            write_failure(o, p, f, true, "");
        }
    }
}

/// The account's name and OU path, from the report's account details: (name, OU path), each
/// escaped; `-` when unknown, `(root)` for an account directly under the organization root.
fn account_labels(doc: &Document, id: &str) -> (String, String) {
    match doc.scan.account_details.iter().find(|a| a.id == id) {
        Some(a) => (
            a.name
                .as_deref()
                .map(|n| escape(n).into_owned())
                .unwrap_or_else(|| "-".into()),
            ou_label(&a.ou_path),
        ),
        None => ("-".into(), "-".into()),
    }
}

/// An OU path as `Workloads/Prod` (names escaped), or `(root)` when empty.
fn ou_label(path: &[crate::inventory::OrgUnit]) -> String {
    if path.is_empty() {
        "(root)".into()
    } else {
        path.iter()
            .map(|u| escape(&crate::inventory::ou_name_in_path(&u.name)).into_owned())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// A column as wide as its widest value (and its title), but at most 40 characters: a longer
/// value overflows its own row only.
fn column_width<'a>(title: &str, values: impl Iterator<Item = &'a str>) -> usize {
    values
        .map(|v| v.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(title.chars().count(), 40.max(title.chars().count()))
}

/// One row per scanned account: its name, OU path and result counts, and the number of parts of
/// it that could not be read.
fn render_by_account(o: &mut String, p: &Paint, doc: &Document) {
    let mut ids: Vec<&str> = doc
        .scan
        .accounts
        .iter()
        .map(String::as_str)
        .chain(doc.summary.by_account.keys().map(String::as_str))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<(String, String, String, &str)> = ids
        .iter()
        .map(|id| {
            let (name, ou) = account_labels(doc, id);
            (escape(id).into_owned(), name, ou, *id)
        })
        .collect();
    let w_id = column_width("ACCOUNT", rows.iter().map(|r| r.0.as_str()));
    let w_name = column_width("NAME", rows.iter().map(|r| r.1.as_str()));
    let w_ou = column_width("OU", rows.iter().map(|r| r.2.as_str()));
    o.push('\n');
    let _ = writeln!(o, "{}", p.bold(&format!("By account ({})", rows.len())));
    let header = format!(
        "  {}  {}  {}  {}  {}  {}  {}  {}",
        pad("ACCOUNT", w_id),
        pad("NAME", w_name),
        pad("OU", w_ou),
        rpad("FAIL", 5),
        rpad("ERROR", 5),
        rpad("SUPPR", 5),
        rpad("SKIP", 5),
        rpad("PASS", 5)
    );
    let _ = writeln!(o, "{}", p.dim(header.trim_end()));
    for (id, name, ou, raw_id) in &rows {
        let counts = doc.summary.by_account.get(*raw_id);
        let cell = |st: Status| {
            let n = counts
                .and_then(|c| c.get(st.as_str()))
                .copied()
                .unwrap_or(0);
            let s = rpad(&n.to_string(), 5);
            if n > 0 { p.status(st, &s) } else { p.dim(&s) }
        };
        let scan_errors = doc
            .scan
            .errors
            .iter()
            .filter(|e| e.account_id == *raw_id)
            .count();
        let note = if scan_errors > 0 {
            format!(
                "  {}",
                p.status(
                    Status::Error,
                    &format!(
                        "partial: {scan_errors} scan error{}",
                        if scan_errors == 1 { "" } else { "s" }
                    )
                )
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "  {}  {}  {}  {}  {}  {}  {}  {}{note}",
            pad(id, w_id),
            pad(name, w_name),
            pad(ou, w_ou),
            cell(Status::Fail),
            cell(Status::Error),
            cell(Status::Suppressed),
            cell(Status::Skipped),
            cell(Status::Pass)
        );
    }
}

/// The accounts that were selected but not scanned, with why.
fn render_skipped_accounts(o: &mut String, p: &Paint, doc: &Document) {
    let skipped: Vec<&crate::inventory::Account> = doc
        .scan
        .account_details
        .iter()
        .filter(|a| !a.scanned)
        .collect();
    if skipped.is_empty() {
        return;
    }
    o.push('\n');
    let _ = writeln!(
        o,
        "{}",
        p.status(
            Status::Skipped,
            &format!("Accounts not scanned ({})", skipped.len())
        )
    );
    for a in skipped {
        let name = match &a.name {
            Some(n) => format!(" \"{}\"", escape(n)),
            None => String::new(),
        };
        let status = match &a.status {
            Some(s) => format!(" [{}]", escape(s)),
            None => String::new(),
        };
        let _ = writeln!(
            o,
            "  {}{name} {}{status}: {}",
            escape(&a.id),
            ou_label(&a.ou_path),
            escape(a.skip_reason.as_deref().unwrap_or("not scanned"))
        );
    }
}

/// The failing resources grouped by account (in account order), each group most severe first.
fn render_failing_by_account(o: &mut String, p: &Paint, doc: &Document) {
    let failing = failing_sorted(doc);
    o.push('\n');
    if failing.is_empty() {
        let _ = writeln!(o, "{}", p.status(Status::Pass, "No failing resources."));
        return;
    }
    let _ = writeln!(
        o,
        "{}",
        p.bold(&format!("Failing resources ({})", failing.len()))
    );
    let mut groups: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in failing {
        groups.entry(&f.resource.account_id).or_default().push(f);
    }
    for (account, list) in groups {
        let (name, ou) = account_labels(doc, account);
        let name = if name == "-" {
            String::new()
        } else {
            format!(" \"{name}\"")
        };
        let ou = if ou == "-" {
            String::new()
        } else {
            format!(" · {ou}")
        };
        let _ = writeln!(
            o,
            "  {}{name}{ou} ({} failing)",
            p.bold(&escape(account)),
            list.len()
        );
        for f in list {
            write_failure(o, p, f, false, "  ");
        }
    }
}

/// The checks that could not be evaluated, with why: one line per resource and cause, naming
/// the checks it blocked (an unreadable region blocks every check of every VPC rule).
fn render_errored(o: &mut String, p: &Paint, doc: &Document) {
    // (account, region, resource, message) -> blocked checks, in the order first met.
    let mut groups: Vec<(&Finding, Vec<&Finding>)> = Vec::new();
    let mut index: HashMap<(&str, &str, &str, &str), usize> = HashMap::new();
    let mut checks = 0;
    for f in doc.results.iter().filter(|f| f.status == Status::Error) {
        checks += 1;
        let r = &f.resource;
        let key = (
            r.account_id.as_str(),
            r.region.as_str(),
            r.id.as_str(),
            f.message.as_str(),
        );
        match index.get(&key) {
            Some(&i) => groups[i].1.push(f),
            None => {
                index.insert(key, groups.len());
                groups.push((f, vec![f]));
            }
        }
    }
    if groups.is_empty() {
        return;
    }
    o.push('\n');
    let resources = index
        .keys()
        .map(|(a, r, id, _)| (*a, *r, *id))
        .collect::<std::collections::HashSet<_>>()
        .len();
    let _ = writeln!(
        o,
        "{}",
        p.status(
            Status::Error,
            &format!(
                "Checks that could not be evaluated ({checks} on {resources} {})",
                if resources == 1 {
                    "resource"
                } else {
                    "resources"
                }
            )
        )
    );
    for (first, blocked) in groups {
        let r = &first.resource;
        let what = if r.kind == "region" {
            "(whole region)".to_string()
        } else {
            escape(&r.id).to_string()
        };
        let _ = writeln!(
            o,
            "  {} {} {what}: {}",
            escape(&r.account_id),
            escape(&r.region),
            escape(&first.message)
        );
        let _ = writeln!(o, "    blocks {}", blocked_checks(&blocked));
    }
}

/// `VPC-001 (flow-logs-enabled, traffic-type-all), VPC-002 (delivery-success)`, rules in the
/// order met.
fn blocked_checks(blocked: &[&Finding]) -> String {
    let mut rules: Vec<(&str, Vec<&str>)> = Vec::new();
    for f in blocked {
        match rules.iter_mut().find(|(r, _)| *r == f.rule_id) {
            Some((_, checks)) => checks.push(&f.check_id),
            None => rules.push((&f.rule_id, vec![&f.check_id])),
        }
    }
    rules
        .iter()
        .map(|(rule, checks)| {
            let checks: Vec<String> = checks.iter().map(|c| escape(c).to_string()).collect();
            format!("{} ({})", escape(rule), checks.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The parts of the scan that could not be read, each followed by the fix that fits its class
/// of error (said once for a run of errors that share it).
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
        let fixes = fixes_after_runs(&scan.errors);
        for (i, e) in scan.errors.iter().enumerate() {
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
            if let Some(fix) = &fixes[i] {
                let _ = writeln!(o, "    fix: {}", escape(fix));
            }
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
    use crate::report::v1::Outcome;
    o.push('\n');
    let failed = fixes
        .iter()
        .filter(|f| f.outcome == Outcome::Failed)
        .count();
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
        let name = pad(f.outcome.as_str(), 10);
        let outcome = match f.outcome {
            Outcome::Applied | Outcome::DryRunOk => p.status(Status::Pass, &name),
            Outcome::Failed => p.status(Status::Fail, &name),
            Outcome::Skipped => p.status(Status::Skipped, &name),
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
            outcome: crate::report::v1::Outcome::Applied,
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
            outcome: crate::report::v1::Outcome::Failed,
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

//! The summary at the top of the text: the tool and scan, totals by status, the change since
//! the baseline, the counts by rule and by account, and the accounts not scanned.

use super::paint::{Paint, column_width, pad, rpad};
use crate::findings::{Severity, Status};
use crate::inventory::{Account, OrgUnit, ou_name_in_path};
use crate::report::v1::Document;
use crate::term::escape;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// True when the report covers more than one account (scanned or not): then the summary has a
/// table by account and the failing resources are grouped by account.
pub(super) fn several_accounts(doc: &Document) -> bool {
    doc.scan.accounts.len() > 1 || doc.scan.account_details.len() > 1
}

/// The first lines: the tool, the accounts (their number when there are several), the number of
/// regions and when the scan ran.
pub(super) fn render_header(o: &mut String, p: &Paint, doc: &Document) {
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
            "scanned {} → {}{}",
            escape(&scan.started_at),
            escape(&scan.finished_at),
            match scan.recovered {
                0 => String::new(),
                1 => " · 1 part recovered after a transient failure".to_string(),
                n => format!(" · {n} parts recovered after transient failures"),
            }
        ))
    );
    o.push('\n');
}

/// Totals by status (from the summary: the document may hold only the results shown below).
pub(super) fn render_totals(o: &mut String, p: &Paint, doc: &Document) {
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
pub(super) fn render_baseline(o: &mut String, p: &Paint, doc: &Document) {
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
pub(super) fn render_by_rule(o: &mut String, p: &Paint, doc: &Document) {
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

/// The account's name and OU path, from the report's account details: (name, OU path), each
/// escaped; `-` when unknown, `(root)` for an account directly under the organization root.
pub(super) fn account_labels(doc: &Document, id: &str) -> (String, String) {
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
fn ou_label(path: &[OrgUnit]) -> String {
    if path.is_empty() {
        "(root)".into()
    } else {
        path.iter()
            .map(|u| escape(&ou_name_in_path(&u.name)).into_owned())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// One row per scanned account: its name, OU path and result counts, and the number of parts of
/// it that could not be read.
pub(super) fn render_by_account(o: &mut String, p: &Paint, doc: &Document) {
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
pub(super) fn render_skipped_accounts(o: &mut String, p: &Paint, doc: &Document) {
    let skipped: Vec<&Account> = doc
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

//! What went wrong: the checks that could not be evaluated, the parts of the scan that could not
//! be read (each with its fix), and the suppressions that expired or matched nothing.

use super::paint::Paint;
use crate::findings::{Finding, Status};
use crate::inventory::error_class::fixes_after_runs;
use crate::report::v1::Document;
use crate::term::escape;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The checks that could not be evaluated, with why: one line per resource and cause, naming
/// the checks it blocked (an unreadable region blocks every check of every VPC rule).
pub(super) fn render_errored(o: &mut String, p: &Paint, doc: &Document) {
    // (account, region, resource, message) -> blocked checks, in the order first met.
    let mut groups: Vec<(&Finding, Vec<&Finding>)> = Vec::new();
    let mut index: HashMap<(&str, &str, &str, &str), usize> = HashMap::new();
    let mut checks = 0;
    // A whole region the scan could not read is said once, with its scan error.
    let unread: std::collections::HashSet<(&str, &str)> = doc
        .scan
        .errors
        .iter()
        .filter_map(|e| Some((e.account_id.as_str(), e.region.as_deref()?)))
        .collect();
    for f in doc.results.iter().filter(|f| {
        f.status == Status::Error
            && !(f.resource.kind == "region"
                && unread.contains(&(f.resource.account_id.as_str(), f.resource.region.as_str())))
    }) {
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

/// The parts of the scan that could not be read: each account-region (or account) once, with
/// its errors, the rules it left unevaluated and the fix that fits its class of error (said once
/// for a run of parts that share it).
pub(super) fn render_scan_errors(o: &mut String, p: &Paint, doc: &Document) {
    let scan = &doc.scan;
    if scan.errors.is_empty() {
        return;
    }
    let parts = crate::report::unread::parts(doc);
    o.push('\n');
    let _ = writeln!(
        o,
        "{}",
        p.status(
            Status::Error,
            &format!(
                "Scan errors ({} in {} {}): the scan is partial, results may be missing",
                scan.errors.len(),
                parts.len(),
                if parts.len() == 1 { "part" } else { "parts" }
            )
        )
    );
    let fixes = fixes_after_runs(parts.iter().map(|part| part.errors[0]));
    for (i, part) in parts.iter().enumerate() {
        let place = format!(
            "  {} {}",
            escape(part.account),
            escape(part.region.unwrap_or("(account-wide)"))
        );
        for (k, e) in part.errors.iter().enumerate() {
            let lead = if k == 0 {
                place.clone()
            } else {
                " ".repeat(place.chars().count())
            };
            let _ = writeln!(
                o,
                "{lead} {}:{}  {}: {}",
                escape(&e.service),
                escape(&e.operation),
                escape(&e.code),
                escape(&e.message)
            );
        }
        if !part.blocked.is_empty() {
            let _ = writeln!(
                o,
                "    blocks {}",
                crate::report::unread::blocked_text(&part.blocked, &|s| escape(s).to_string())
            );
        }
        if let Some(fix) = &fixes[i] {
            let _ = writeln!(o, "    fix: {}", escape(fix));
        }
    }
}

/// The suppressions that expired or matched nothing.
pub(super) fn render_suppressions(o: &mut String, p: &Paint, doc: &Document) {
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

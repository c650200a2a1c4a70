//! The results the text lists one by one: the failing resources (grouped by account when the
//! report covers several), the unused default VPCs among them, and the suppressed results.

use super::paint::{Paint, pad};
use super::summary::account_labels;
use crate::findings::{Finding, Status};
use crate::report::v1::Document;
use crate::term::escape;
use std::collections::BTreeMap;
use std::fmt::Write as _;

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
pub(super) fn render_suppressed(o: &mut String, p: &Paint, doc: &Document, with_account: bool) {
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
pub(super) fn render_unused_default_vpcs(o: &mut String, doc: &Document) {
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
pub(super) fn render_failing(o: &mut String, p: &Paint, doc: &Document) {
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

/// The failing resources grouped by account (in account order), each group most severe first.
pub(super) fn render_failing_by_account(o: &mut String, p: &Paint, doc: &Document) {
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

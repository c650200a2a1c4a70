//! The `--fix` section of the text: one line per change and its outcome.

use super::paint::{Paint, pad};
use crate::findings::Status;
use crate::report::v1::{FixOutcome, Outcome};
use crate::term::escape;
use std::fmt::Write as _;

/// The `--fix` section: one line per change with its outcome, what it created and the status of
/// the checks it targeted after the verification rescan.
pub(super) fn render_fixes(o: &mut String, p: &Paint, fixes: &[FixOutcome]) {
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
        let target = if f.resource_id.is_empty() {
            escape(&f.action).into_owned()
        } else {
            format!("{} {}", escape(&f.resource_id), escape(&f.action))
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
mod tests {
    use super::*;

    #[test]
    fn fixes_show_outcome_created_ids_new_status_and_escaped_errors() {
        let ok = FixOutcome {
            account_id: "111122223333".into(),
            region: "eu-west-1".into(),
            resource_id: "vpc-1".into(),
            action: "create-flow-log".into(),
            description: "d".into(),
            outcome: Outcome::Applied,
            error: None,
            created: vec!["fl-9".into()],
            verified: [
                ("flow-logs-enabled".to_string(), "pass".to_string()),
                ("traffic-type-all".to_string(), "pass".to_string()),
            ]
            .into(),
        };
        let bad = FixOutcome {
            resource_id: "vpc-2".into(),
            outcome: Outcome::Failed,
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

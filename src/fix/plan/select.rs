//! Which failing results of a resource the fix settings select, sorted by the fix their checks
//! declare: a new flow log, key associations, or a manual fix.

use crate::findings::{Applicability, Finding, FixAction, Status};
use crate::fix::settings::FixSettings;
use std::collections::BTreeSet;

/// What the selected failing results of one resource call for, by the fix their checks declare.
#[derive(Default)]
pub(super) struct Wanted<'f> {
    /// Checks a new ALL flow log fixes.
    pub(super) flow: Vec<String>,
    /// The rules of those checks.
    pub(super) flow_rules: BTreeSet<String>,
    /// (rule, check) of failing checks whose fix associates KMS keys, and whether it may run.
    pub(super) enc: Vec<(String, String, bool)>,
    /// Failures left to their snippets, with why.
    pub(super) manual: Vec<(&'f Finding, String)>,
}

impl Wanted<'_> {
    /// Nothing of the resource's failures is for `--fix` to plan.
    pub(super) fn is_empty(&self) -> bool {
        self.flow.is_empty() && self.enc.is_empty() && self.manual.is_empty()
    }
}

/// Why a fix of this applicability is not applied with these settings; `None` when it is.
fn held_back(fix: Applicability, s: &FixSettings) -> Option<String> {
    match fix {
        Applicability::Safe => None,
        Applicability::Unsafe if s.unsafe_fixes => None,
        Applicability::Unsafe => Some("unsafe fix, applied only with --unsafe-fixes".to_string()),
        Applicability::Manual => Some("manual fix".to_string()),
    }
}

/// Failing results of the resource `id` (a VPC or a transit gateway) in `region` that the
/// settings select, sorted by the fix their checks declare in the rule files.
pub(super) fn failing_targets<'f>(
    findings: &'f [Finding],
    account_id: &str,
    region: &str,
    id: &str,
    s: &FixSettings,
) -> Wanted<'f> {
    let mut w = Wanted::default();
    for f in findings {
        if f.status != Status::Fail
            || f.resource.id != id
            || f.resource.region != region
            || f.resource.account_id != account_id
            || !s.rule_selected(&f.rule_id, &f.check_id)
        {
            continue;
        }
        let Some(fix) = s.checks.get(&f.rule_id, &f.check_id) else {
            continue;
        };
        let held = held_back(fix.applicability, s);
        match (fix.action, held) {
            (Some(FixAction::CreateFlowLog), None) => {
                if !w.flow.contains(&f.check_id) {
                    w.flow.push(f.check_id.clone());
                }
                w.flow_rules.insert(f.rule_id.clone());
            }
            (Some(FixAction::AssociateKmsKey), held) => {
                w.enc
                    .push((f.rule_id.clone(), f.check_id.clone(), held.is_none()))
            }
            (_, Some(why)) => w.manual.push((f, why)),
            (None, None) => w.manual.push((f, "manual fix".to_string())),
        }
    }
    w.flow.sort();
    w
}

//! Evaluating the loaded rules over an inventory: one finding per (rule, check, resource).
//!
//! Each CEL program was compiled once at load; here every resource's CEL view is built once and
//! shared by all rules. Resources are spread over the available cores.

mod check;
#[cfg(test)]
mod fixtures;
mod parallel;
mod region_errors;
mod runner;
mod template_ctx;

pub use runner::{BATCH, Batch, Evaluator, batches_of};

use super::load::{Rule, RuleSet};
use super::view;
use crate::findings::{Compliance, Finding, Status};
use crate::inventory::Inventory;
use serde_json::{Value as J, json};

/// Scan-wide options that rules see as the `options` CEL variable.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// Accept a VPC whose subnets all have an active flow log as covered (VPC-001).
    pub accept_subnet_coverage: bool,
    /// Leave `remediation` empty on failures: for outputs that do not show the snippets,
    /// rendering them would be wasted work.
    pub skip_remediation: bool,
    /// Leave the message empty on results of these statuses (`pass`, `skipped` or `fail`), and
    /// skip the `let`s only those messages name: for outputs that only count such results.
    /// `error` messages are always written.
    pub skip_messages: Vec<Status>,
}

/// What a verdict carries besides its status, decided once per scan from [`EvalOptions`].
#[derive(Debug, Clone, Copy)]
struct Wants {
    remediation: bool,
    pass: bool,
    fail: bool,
    skipped: bool,
}

impl Wants {
    fn new(opts: &EvalOptions) -> Self {
        let msg = |st| !opts.skip_messages.contains(&st);
        let fail = msg(Status::Fail);
        Wants {
            // Remediation goes with the failure it fixes.
            remediation: fail && !opts.skip_remediation,
            pass: msg(Status::Pass),
            fail,
            skipped: msg(Status::Skipped),
        }
    }
}

/// A rule as evaluated: its compliance (shared by its results) and its parameter values.
pub(crate) struct Active<'r> {
    pub rule: &'r Rule,
    pub compliance: Compliance,
    pub params: serde_json::Map<String, J>,
    pub params_val: Box<dyn cel::common::value::Val>,
    /// `params` and `rule` as templates see them, built once.
    params_json: J,
    rule_json: J,
    /// Each check as templates see it (`check`).
    checks_json: Vec<J>,
}

impl<'r> Active<'r> {
    /// The rule with its configured parameters.
    pub fn new(rule: &'r Rule) -> Self {
        Active {
            rule,
            compliance: Compliance::from(rule.compliance.clone()),
            params: rule.params.clone(),
            params_val: view::shared_val(rule.params_cel.clone()),
            params_json: J::Object(rule.params.clone()),
            rule_json: json!({"id": rule.id, "title": rule.title, "severity": rule.severity.as_str()}),
            checks_json: rule
                .checks
                .iter()
                .map(|c| json!({"id": c.id, "title": c.title}))
                .collect(),
        }
    }

    /// Replace the parameter values (rule tests set their own).
    pub fn set_params(&mut self, params: serde_json::Map<String, J>) {
        self.params_json = J::Object(params.clone());
        self.params_val = view::shared_val(view::json_to_cel(&self.params_json));
        self.params = params;
    }
}

/// Evaluate every rule over every resource of the inventory.
pub fn evaluate(rules: &RuleSet, inv: &Inventory, opts: &EvalOptions) -> Vec<Finding> {
    let active: Vec<Active> = rules.rules.iter().map(Active::new).collect();
    evaluate_active(rules, active, inv, opts)
}

/// Evaluate the given rules (which belong to `rules`) over the inventory.
pub(crate) fn evaluate_active<'r>(
    rules: &'r RuleSet,
    active: Vec<Active<'r>>,
    inv: &Inventory,
    opts: &EvalOptions,
) -> Vec<Finding> {
    let head = inv.head();
    let ev = Evaluator::with_active(rules, active, opts, &head);
    let mut all = Vec::new();
    ev.batches(batches_of(inv), &mut |mut part| all.append(&mut part));
    all.append(&mut ev.unlisted_regions());
    all
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn parameters_change_the_verdict() {
        let set = rules();
        let mut a = Active::new(&set.rules[0]);
        let mut p = a.params.clone();
        p.insert("limit".into(), json!(5));
        a.set_params(p);
        let r = by_check(&evaluate_active(
            &set,
            vec![a],
            &inventory("available", 2, json!([])),
            &EvalOptions::default(),
        ));
        assert_eq!(r["lazy"], (Status::Pass, "ok 5".to_string()));
        assert_eq!(r["after"].0, Status::Skipped);
    }
}

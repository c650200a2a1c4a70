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

pub use runner::{BATCH, Evaluator, batches_of};

use super::cel_values;
use super::load::{Rule, RuleSet};
use crate::findings::{Compliance, Finding, Status, StatusSet};
use crate::inventory::Inventory;
use serde_json::{Value as JsonValue, json};

/// Scan-wide options that rules see as the `options` CEL variable, and what the outputs need.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// Accept a VPC whose subnets all have an active flow log as covered (VPC-001).
    pub accept_subnet_coverage: bool,
    /// Skip every VPC rule on a VPC whose network interfaces were counted and are none.
    pub skip_unused: bool,
    /// What the requested outputs show of each result; what no output shows is not rendered.
    pub needs: Needs,
}

/// What the requested outputs need of each result, decided once per scan from the outputs: the
/// results they keep, the messages they show and whether they show remediation snippets.
/// Rendering what no output shows would be wasted work, so it is not done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// Results of these statuses are kept whole; the others are only counted.
    pub kept: StatusSet,
    /// Messages of results of these statuses are rendered, with the `let`s they name; an
    /// `error` message is always written.
    pub messages: StatusSet,
    /// Remediation snippets of failures are rendered (only with their failure's message).
    pub remediation: bool,
}

impl Default for Needs {
    /// Everything: every result, message and snippet.
    fn default() -> Self {
        Needs {
            kept: StatusSet::ALL,
            messages: StatusSet::ALL,
            remediation: true,
        }
    }
}

impl Needs {
    /// The message of a result of this status is rendered.
    pub fn message(&self, status: Status) -> bool {
        self.messages.contains(status)
    }

    /// The remediation of a failure is rendered: it goes with the failure it fixes.
    pub fn remediation(&self) -> bool {
        self.remediation && self.message(Status::Fail)
    }
}

/// A rule as evaluated: its compliance (shared by its results) and its parameter values.
pub(crate) struct Active<'r> {
    pub rule: &'r Rule,
    pub compliance: Compliance,
    pub params: serde_json::Map<String, JsonValue>,
    pub params_val: Box<dyn cel::common::value::Val>,
    /// `params` and `rule` as templates see them, built once.
    params_json: JsonValue,
    rule_json: JsonValue,
    /// Each check as templates see it (`check`).
    checks_json: Vec<JsonValue>,
}

impl<'r> Active<'r> {
    /// The rule with its configured parameters.
    pub fn new(rule: &'r Rule) -> Self {
        Active {
            rule,
            compliance: Compliance::from(rule.compliance.clone()),
            params: rule.params.clone(),
            params_val: cel_values::shared_val(rule.params_cel.clone()),
            params_json: JsonValue::Object(rule.params.clone()),
            rule_json: json!({"id": rule.id, "title": rule.title, "severity": rule.severity.as_str()}),
            checks_json: rule
                .checks
                .iter()
                .map(|c| json!({"id": c.id, "title": c.title}))
                .collect(),
        }
    }

    /// Replace the parameter values (rule tests set their own).
    pub fn set_params(&mut self, params: serde_json::Map<String, JsonValue>) {
        self.params_json = JsonValue::Object(params.clone());
        self.params_val = cel_values::shared_val(cel_values::json_to_cel(&self.params_json));
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

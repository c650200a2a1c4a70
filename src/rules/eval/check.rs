//! Evaluating the rules on one resource: `applies_if`, `let`s, conditions, and the rendering of
//! messages and remediation into one verdict per check.

use super::template_ctx::{TemplateCtx, render, render_with, resource_label};
use super::{Active, Needs};
use crate::findings::{Finding, Remediation, ResourceRef, Status};
use crate::kinds::{Resource, ResourceKind};
use crate::rules::cel_values;
use crate::rules::load::{Check, Expr, RemediationTpl, Rule, RuleSet};
use crate::rules::snippet::{self, Lang};
use cel::Context;
use cel::common::types::{CelMap, CelMapKey, CelString};
use cel::common::value::Val;
use serde_json::Value as JsonValue;
use std::collections::HashMap;
use std::sync::Arc;

/// The verdict of one check before it becomes a finding.
#[derive(Clone)]
struct Verdict {
    status: Status,
    message: String,
    remediation: Option<Remediation>,
}

/// One account as rules (`account`) and templates see it.
pub(super) struct AccountView {
    pub cel: Box<dyn Val>,
    pub json: JsonValue,
}

/// What the resources of one batch are judged with: the scan's rules, what the outputs need,
/// the options (as templates and as CEL see them) and the resources' account.
pub(super) struct Judging<'a> {
    pub rules: &'a RuleSet,
    pub needs: Needs,
    pub options: &'a JsonValue,
    pub options_cel: &'a dyn Val,
    pub account: &'a AccountView,
}

impl Judging<'_> {
    /// Evaluate `rules_of_kind` (the rules of the resource's kind) on one resource of a region
    /// (`resource` is its reference), appending one finding per check to `out`.
    pub(super) fn resource(
        &self,
        rules_of_kind: &[&Active],
        (kind, item, resource): (ResourceKind, &dyn Resource, Arc<ResourceRef>),
        (region, account): (&str, &str),
        out: &mut Vec<Finding>,
    ) {
        let name = kind.variable();
        let rules = self.rules;
        let mut root = Context::with_env(Arc::clone(&rules.env));
        root.add_variable_as_val(name, item.cel_value(region, account));
        root.add_variable_as_val("resource", cel_values::resource_value(&resource));
        root.add_variable_as_val("options", self.options_cel.clone_as_boxed());
        root.add_variable_as_val("account", self.account.cel.clone_as_boxed());
        let base = || {
            let mut base = serde_json::Map::new();
            base.insert(
                "resource".into(),
                serde_json::to_value(resource.as_ref()).unwrap_or(JsonValue::Null),
            );
            base.insert(name.into(), item.template_json(region, account));
            base.insert("options".into(), self.options.clone());
            base.insert("account".into(), self.account.json.clone());
            base
        };
        let mut tctx = TemplateCtx::new(&base);
        for a in rules_of_kind {
            let rule = a.rule;
            let verdicts = eval_rule(rules, a, &root, &mut tctx, self.needs);
            for (check, v) in rule.checks.iter().zip(verdicts) {
                out.push(Finding {
                    rule_id: rule.id.clone(),
                    check_id: check.id.clone(),
                    status: v.status,
                    severity: rule.severity,
                    resource: Arc::clone(&resource),
                    message: v.message,
                    compliance: a.compliance.clone(),
                    remediation: v.remediation,
                    suppression: None,
                });
            }
        }
    }
}

/// Evaluate one rule's checks on one resource whose CEL view is in `root`.
fn eval_rule<'x>(
    rules: &RuleSet,
    a: &'x Active<'x>,
    root: &Context,
    tctx: &mut TemplateCtx<'x>,
    needs: Needs,
) -> Vec<Verdict> {
    let rule = a.rule;
    let mut statuses: HashMap<CelMapKey<'static>, Box<dyn cel::common::value::Val>> =
        HashMap::new();
    // One scope below the resource's: `params`, `checks` and, for a check, its `let`s. (CEL
    // looks a name up scope by scope, so fewer scopes are fewer lookups.)
    let scope = |statuses: &HashMap<_, _>| {
        let mut scope = root.new_inner_scope();
        scope.add_variable_as_val("params", a.params_val.clone());
        scope.add_variable_as_val("checks", checks_value(statuses));
        scope
    };
    tctx.focus(a, None);
    if let Err(v) = applies(
        rules,
        &rule.applies_if,
        &scope(&statuses),
        &rule.tpl_skip,
        tctx,
        ("rule", &rule.id),
        needs,
    ) {
        return rule.checks.iter().map(|_| v.clone()).collect();
    }
    let mut out = Vec::with_capacity(rule.checks.len());
    for (i, check) in rule.checks.iter().enumerate() {
        tctx.focus(a, Some(i));
        let v = eval_check(rules, rule, check, scope(&statuses), tctx, needs);
        statuses.insert(
            CelMapKey::from(check.id.clone()),
            Box::new(CelString::from(v.status.as_str().to_string())),
        );
        out.push(v);
    }
    out
}

fn checks_value(
    statuses: &HashMap<CelMapKey<'static>, Box<dyn cel::common::value::Val>>,
) -> Box<dyn cel::common::value::Val> {
    Box::new(CelMap::from(statuses.clone()))
}

/// Evaluate one check in `inner`, the scope its `let`s are bound in.
fn eval_check(
    rules: &RuleSet,
    rule: &Rule,
    check: &Check,
    mut inner: Context,
    tctx: &mut TemplateCtx,
    needs: Needs,
) -> Verdict {
    if let Err(v) = applies(
        rules,
        &check.applies_if,
        &inner,
        &check.tpl_skip,
        tctx,
        ("check", &check.id),
        needs,
    ) {
        return v;
    }
    let mut done = vec![false; check.lets.len()];
    if let Err(e) = bind_lets(check, &check.lets_for_condition, &mut done, &mut inner) {
        return error(e);
    }
    let status = match eval_bool(&check.condition, &inner) {
        Ok(true) => Status::Pass,
        Ok(false) => Status::Fail,
        Err(e) => {
            return error(format!(
                "check {}: condition could not be evaluated: {e}",
                check.id
            ));
        }
    };
    if !needs.message(status) {
        return quiet(status);
    }
    let with_remediation = needs.remediation();
    // Only the lets the outcome's templates name are computed; without remediation, a failure
    // needs only those of its message.
    let (need, json) = match (status, with_remediation) {
        (Status::Pass, _) => (&check.lets_for_pass, &check.json_for_pass),
        (_, true) => (&check.lets_for_fail, &check.json_for_fail),
        (_, false) => (&check.lets_for_fail_message, &check.json_for_fail_message),
    };
    if let Err(e) = bind_lets(check, need, &mut done, &mut inner) {
        return error(e);
    }
    let mut bound = Vec::new();
    for (i, (name, _)) in check.lets.iter().enumerate() {
        if json[i]
            && let Some(v) = inner.get_variable(name.as_str())
        {
            bound.push((name.as_str(), cel_values::val_to_json(v.as_ref())));
        }
    }
    for (name, v) in bound.iter_mut() {
        tctx.set(name, std::mem::take(v));
    }
    let tpl = if status == Status::Pass {
        &check.tpl_pass
    } else {
        &check.tpl_fail
    };
    let mut v = rendered(status, render(rules, tpl, tctx));
    if with_remediation && status == Status::Fail && v.status == Status::Fail {
        let tpls = check
            .tpl_remediation
            .as_ref()
            .unwrap_or(&rule.tpl_remediation);
        match remediation(rules, tpls, tctx) {
            Ok(r) => v.remediation = r,
            Err(e) => v = error(e),
        }
    }
    for (name, _) in &bound {
        tctx.remove(name);
    }
    v
}

/// `Ok` when the rule or check (named by `label`: kind and id) applies; otherwise the `skipped` verdict with its
/// skip message, or an `error` verdict when `applies_if` cannot be evaluated.
fn applies(
    rules: &RuleSet,
    cond: &Option<Expr>,
    ctx: &Context,
    tpl_skip: &Option<String>,
    tctx: &mut TemplateCtx,
    (kind, id): (&str, &str),
    needs: Needs,
) -> Result<(), Verdict> {
    let Some(cond) = cond else {
        return Ok(());
    };
    match eval_bool(cond, ctx) {
        Ok(true) => Ok(()),
        Ok(false) if !needs.message(Status::Skipped) => Err(quiet(Status::Skipped)),
        Ok(false) => Err(rendered(
            Status::Skipped,
            match tpl_skip {
                Some(t) => render(rules, t, tctx),
                None => Ok(format!(
                    "{kind} {id} does not apply to {}",
                    resource_label(tctx)
                )),
            },
        )),
        Err(e) => Err(error(format!(
            "{kind} {id}: applies_if could not be evaluated: {e}"
        ))),
    }
}

/// Evaluate, in order, the `let`s of `want` not yet `done`, binding each in `ctx`.
fn bind_lets(
    check: &Check,
    want: &[bool],
    done: &mut [bool],
    ctx: &mut Context,
) -> Result<(), String> {
    for (i, (name, expr)) in check.lets.iter().enumerate() {
        if !want[i] || done[i] {
            continue;
        }
        let v = cel::Value::resolve_val(expr.program.expression(), ctx)
            .map(|v| v.into_owned())
            .map_err(|e| format!("check {}: let {name} could not be evaluated: {e}", check.id))?;
        ctx.add_variable_as_val(name.as_str(), v);
        done[i] = true;
    }
    Ok(())
}

fn remediation(
    rules: &RuleSet,
    t: &RemediationTpl,
    tctx: &mut TemplateCtx,
) -> Result<Option<Remediation>, String> {
    if t.terraform.is_none() && t.cloudformation.is_none() && t.cli.is_none() {
        return Ok(None);
    }
    let mut one = |n: &Option<String>, lang: Lang| -> Result<Option<String>, String> {
        n.as_ref()
            .map(|n| {
                let marked = render_with(&rules.snippets, n, tctx)?;
                snippet::finish(lang, &marked)
                    .map_err(|e| format!("remediation could not be rendered: {e}"))
            })
            .transpose()
    };
    Ok(Some(Remediation {
        terraform: one(&t.terraform, Lang::Terraform)?,
        cloudformation: one(&t.cloudformation, Lang::CloudFormation)?,
        cli: one(&t.cli, Lang::Shell)?,
    }))
}

fn eval_bool(e: &Expr, ctx: &Context) -> Result<bool, String> {
    let v = cel::Value::resolve_val(e.program.expression(), ctx).map_err(|err| err.to_string())?;
    match v.downcast_ref::<cel::common::types::CelBool>() {
        Some(b) => Ok(*b.inner()),
        None => Err(format!(
            "`{}` returned {}, not a bool",
            e.source.trim(),
            v.get_type().name()
        )),
    }
}

fn rendered(status: Status, msg: Result<String, String>) -> Verdict {
    match msg {
        Ok(message) => Verdict {
            status,
            message,
            remediation: None,
        },
        Err(e) => error(e),
    }
}

/// A verdict whose message no requested output shows.
fn quiet(status: Status) -> Verdict {
    Verdict {
        status,
        message: String::new(),
        remediation: None,
    }
}

fn error(message: String) -> Verdict {
    Verdict {
        status: Status::Error,
        message,
        remediation: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{EvalOptions, evaluate};
    use super::*;
    use serde_json::json;

    #[test]
    fn runtime_errors_are_error_results_and_unused_lets_are_not_evaluated() {
        let r = verdicts(1);
        expect(
            &r,
            "missing-key",
            Status::Error,
            "check missing-key: condition",
        );
        expect(&r, "missing-key", Status::Error, "no_such_field");
        expect(&r, "not-bool", Status::Error, "not a bool");
        // One log is within the limit: the let that would fail is never evaluated.
        assert_eq!(r["lazy"], (Status::Pass, "ok 1".to_string()));
        assert_eq!(r["after"], (Status::Skipped, "lazy was after".to_string()));
    }

    #[test]
    fn a_let_needed_by_the_outcome_that_fails_is_an_error_and_later_checks_see_it() {
        let r = verdicts(2);
        expect(&r, "lazy", Status::Error, "let boom");
        // `checks['lazy']` is `error`, not `fail`: the dependent check is skipped.
        expect(&r, "after", Status::Skipped, "lazy was after");
    }

    #[test]
    fn without_their_messages_results_keep_their_status_and_skip_the_message_lets() {
        let set = rules();
        let skip = |statuses: Vec<Status>| {
            let opts = EvalOptions {
                needs: Needs {
                    messages: Status::ALL
                        .into_iter()
                        .filter(|s| !statuses.contains(s))
                        .collect(),
                    ..Needs::default()
                },
                ..EvalOptions::default()
            };
            by_check(&evaluate(
                &set,
                &inventory("available", 2, json!([])),
                &opts,
            ))
        };
        // The fail message of `lazy` names a let that cannot be evaluated; unrendered, the
        // failure stays a failure, and `after` sees it.
        let r = skip(vec![Status::Fail, Status::Pass]);
        assert_eq!(r["lazy"], (Status::Fail, String::new()));
        assert_eq!(r["after"], (Status::Pass, String::new()));
        // Error messages are always written.
        expect(&r, "missing-key", Status::Error, "no_such_field");
        let r = skip(vec![Status::Skipped]);
        expect(&r, "lazy", Status::Error, "let boom");
        assert_eq!(r["after"], (Status::Skipped, String::new()));
        // Skipped by the rule's own applies_if: no message either.
        let f = evaluate(
            &set,
            &inventory("pending", 0, json!([])),
            &EvalOptions {
                needs: Needs {
                    messages: [
                        Status::Pass,
                        Status::Fail,
                        Status::Error,
                        Status::Suppressed,
                    ]
                    .into_iter()
                    .collect(),
                    ..Needs::default()
                },
                ..EvalOptions::default()
            },
        );
        assert!(
            f.iter()
                .all(|f| f.status == Status::Skipped && f.message.is_empty())
        );
    }

    #[test]
    fn rule_applies_if_skips_every_check_with_its_message() {
        let set = rules();
        let f = evaluate(
            &set,
            &inventory("pending", 0, json!([])),
            &EvalOptions::default(),
        );
        assert_eq!(f.len(), 4);
        assert!(
            f.iter()
                .all(|f| f.status == Status::Skipped && f.message == "vpc-1 is pending")
        );
    }

    #[test]
    fn lets_only_the_remediation_names_are_computed_only_when_it_is_rendered() {
        const RULE: &str = r#"
id = "T-2"
title = "t"
description = "d"
severity = "low"
resource = "vpc"

[[checks]]
id = "c"
title = "always fails"
let = [{ name = "boom", expr = "vpc.tags['no_such_field']" }]
condition = "false"
pass = "p"
fail = "failed"

[checks.remediation]
cli = "aws ec2 something {{boom}}"
"#;
        let set = compile(RULE);
        let inv = inventory("available", 0, json!([]));
        let with = evaluate(&set, &inv, &EvalOptions::default());
        assert_eq!(with[0].status, Status::Error, "{}", with[0].message);
        assert!(with[0].message.contains("let boom"), "{}", with[0].message);
        let without = evaluate(
            &set,
            &inv,
            &EvalOptions {
                needs: Needs {
                    remediation: false,
                    ..Needs::default()
                },
                ..EvalOptions::default()
            },
        );
        assert_eq!(
            (without[0].status, without[0].message.as_str()),
            (Status::Fail, "failed")
        );
        assert!(without[0].remediation.is_none());
    }
}

//! Evaluating the loaded rules over an inventory: one finding per (rule, check, resource).
//!
//! Each CEL program was compiled once at load; here every resource's CEL view is built once and
//! shared by all rules. Resources are spread over the available cores.

use super::load::{Check, Expr, RemediationTpl, Rule, RuleSet};
use super::view;
use crate::findings::{Compliance, Finding, Remediation, ResourceRef, Status};
use crate::inventory::{Inventory, Vpc};
use cel::Context;
use cel::objects::{Key, Map};
use serde_json::{Value as J, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Scan-wide options that rules see as the `options` CEL variable.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// Accept a VPC whose subnets all have an active flow log as covered (VPC-001).
    pub accept_subnet_coverage: bool,
}

/// A rule as evaluated: its compliance (shared by its results) and its parameter values.
pub(crate) struct Active<'r> {
    pub rule: &'r Rule,
    pub compliance: Compliance,
    pub params: serde_json::Map<String, J>,
    pub params_cel: cel::Value,
}

impl<'r> Active<'r> {
    /// The rule with its configured parameters.
    pub fn new(rule: &'r Rule) -> Self {
        Active {
            rule,
            compliance: Compliance::from(rule.compliance.clone()),
            params: rule.params.clone(),
            params_cel: rule.params_cel.clone(),
        }
    }
}

/// Evaluate every rule over every resource of the inventory.
pub fn evaluate(rules: &RuleSet, inv: &Inventory, opts: &EvalOptions) -> Vec<Finding> {
    let active: Vec<Active> = rules.rules.iter().map(Active::new).collect();
    evaluate_active(rules, &active, inv, opts)
}

/// Evaluate the given rules (which belong to `rules`) over the inventory.
pub(crate) fn evaluate_active(
    rules: &RuleSet,
    active: &[Active],
    inv: &Inventory,
    opts: &EvalOptions,
) -> Vec<Finding> {
    let options = json!({
        "accept_subnet_coverage": opts.accept_subnet_coverage,
        "account_id": inv.scan.account_id,
    });
    let vpcs: Vec<(&str, &str, &Vpc)> = inv
        .regions
        .iter()
        .flat_map(|r| {
            r.vpcs
                .iter()
                .map(move |v| (r.region.as_str(), r.account_id.as_str(), v))
        })
        .collect();
    let vpc_rules: Vec<&Active> = active.iter().filter(|a| a.rule.resource == "vpc").collect();
    if vpcs.is_empty() || vpc_rules.is_empty() {
        return Vec::new();
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(vpcs.len().div_ceil(256))
        .max(1);
    let chunk = vpcs.len().div_ceil(threads);
    let eval_chunk = |part: &[(&str, &str, &Vpc)]| -> Vec<Finding> {
        let mut out = Vec::new();
        let options_cel = view::json_to_cel(&options);
        for (region, account, vpc) in part {
            if let Some(msg) = unreadable(inv, region, account) {
                let resource = vpc_ref(region, account, vpc);
                for a in &vpc_rules {
                    for c in &a.rule.checks {
                        out.push(Finding {
                            rule_id: a.rule.id.clone(),
                            check_id: c.id.clone(),
                            status: Status::Error,
                            severity: a.rule.severity,
                            resource: resource.clone(),
                            message: format!("VPC {} cannot be judged: {msg}", vpc.id),
                            compliance: a.compliance.clone(),
                            remediation: None,
                            suppression: None,
                        });
                    }
                }
                continue;
            }
            eval_vpc(
                rules,
                &vpc_rules,
                region,
                account,
                vpc,
                &options,
                &options_cel,
                &mut out,
            );
        }
        out
    };
    if threads == 1 {
        return eval_chunk(&vpcs);
    }
    std::thread::scope(|sc| {
        let handles: Vec<_> = vpcs
            .chunks(chunk)
            .map(|part| sc.spawn(move || eval_chunk(part)))
            .collect();
        let mut all = Vec::new();
        for h in handles {
            match h.join() {
                Ok(mut v) => all.append(&mut v),
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        all
    })
}

fn vpc_ref(region: &str, account: &str, vpc: &Vpc) -> ResourceRef {
    ResourceRef {
        kind: "vpc".into(),
        id: vpc.id.clone(),
        arn: vpc.arn.clone(),
        region: region.to_string(),
        account_id: account.to_string(),
        name: vpc.name.clone(),
        tags: vpc.tags.clone(),
    }
}

/// Why the EC2 data of a region is incomplete, if it is: a VPC whose flow logs or subnets could
/// not be listed must not be judged as having none.
fn unreadable(inv: &Inventory, region: &str, account: &str) -> Option<String> {
    let errs: Vec<String> = inv
        .errors
        .iter()
        .filter(|e| {
            e.service == "ec2" && e.account_id == account && e.region.as_deref() == Some(region)
        })
        .map(|e| {
            format!(
                "{} failed in {region}: {}: {}",
                e.operation, e.code, e.message
            )
        })
        .collect();
    (!errs.is_empty()).then(|| errs.join("; "))
}

/// The data message and remediation templates are rendered with; one per resource, updated in
/// place for each rule and check so that it is never copied.
struct TemplateCtx(handlebars::Context);

impl TemplateCtx {
    fn map(&mut self) -> &mut serde_json::Map<String, J> {
        let data = self.0.data_mut();
        if !data.is_object() {
            *data = J::Object(serde_json::Map::new());
        }
        match data {
            J::Object(m) => m,
            _ => unreachable!("just made an object"),
        }
    }
    fn set(&mut self, k: &str, v: J) {
        self.map().insert(k.to_string(), v);
    }
    fn remove(&mut self, k: &str) {
        self.map().remove(k);
    }
    fn get(&self, k: &str) -> &J {
        &self.0.data()[k]
    }
}

/// The verdict of one check before it becomes a finding.
struct Verdict {
    status: Status,
    message: String,
    remediation: Option<Remediation>,
}

#[allow(clippy::too_many_arguments)]
fn eval_vpc(
    rules: &RuleSet,
    vpc_rules: &[&Active],
    region: &str,
    account: &str,
    vpc: &Vpc,
    options: &J,
    options_cel: &cel::Value,
    out: &mut Vec<Finding>,
) {
    let resource = vpc_ref(region, account, vpc);
    let resource_json = serde_json::to_value(&resource).unwrap_or(J::Null);
    let mut root = Context::with_env(Arc::clone(&rules.env));
    root.add_variable_from_value("vpc", view::vpc_value(region, account, vpc));
    root.add_variable_from_value("resource", view::json_to_cel(&resource_json));
    root.add_variable_from_value("options", options_cel.clone());
    let mut base = serde_json::Map::new();
    base.insert("resource".into(), resource_json);
    base.insert("vpc".into(), view::vpc_json(region, account, vpc));
    base.insert("options".into(), options.clone());
    let mut tctx = TemplateCtx(handlebars::Context::from(J::Object(base)));
    for a in vpc_rules {
        let rule = a.rule;
        tctx.set("params", J::Object(a.params.clone()));
        tctx.set(
            "rule",
            json!({"id": rule.id, "title": rule.title, "severity": rule.severity.as_str()}),
        );
        let verdicts = eval_rule(rules, a, &root, &mut tctx);
        for (check, v) in rule.checks.iter().zip(verdicts) {
            out.push(Finding {
                rule_id: rule.id.clone(),
                check_id: check.id.clone(),
                status: v.status,
                severity: rule.severity,
                resource: resource.clone(),
                message: v.message,
                compliance: a.compliance.clone(),
                remediation: v.remediation,
                suppression: None,
            });
        }
    }
}

/// Evaluate one rule's checks on one resource whose CEL view is in `root`.
fn eval_rule(rules: &RuleSet, a: &Active, root: &Context, tctx: &mut TemplateCtx) -> Vec<Verdict> {
    let rule = a.rule;
    let mut scope = root.new_inner_scope();
    scope.add_variable_from_value("params", a.params_cel.clone());
    let mut statuses: HashMap<Key, cel::Value> = HashMap::new();
    scope.add_variable_from_value("checks", checks_value(&statuses));
    tctx.remove("check");
    if let Some(cond) = &rule.applies_if {
        match eval_bool(cond, &scope) {
            Ok(true) => {}
            Ok(false) => {
                let msg = match &rule.tpl_skip {
                    Some(t) => render(rules, t, tctx),
                    None => Ok(format!(
                        "rule {} does not apply to {}",
                        rule.id,
                        resource_label(tctx)
                    )),
                };
                return rule
                    .checks
                    .iter()
                    .map(|_| rendered(Status::Skipped, msg.clone()))
                    .collect();
            }
            Err(e) => {
                let msg = format!("rule {}: applies_if could not be evaluated: {e}", rule.id);
                return rule.checks.iter().map(|_| error(msg.clone())).collect();
            }
        }
    }
    let mut out = Vec::with_capacity(rule.checks.len());
    for check in &rule.checks {
        tctx.set("check", json!({"id": check.id, "title": check.title}));
        let v = eval_check(rules, rule, check, &scope, tctx);
        statuses.insert(
            Key::String(Arc::new(check.id.clone())),
            cel::Value::String(Arc::new(v.status.as_str().to_string())),
        );
        scope.add_variable_from_value("checks", checks_value(&statuses));
        out.push(v);
    }
    out
}

fn checks_value(statuses: &HashMap<Key, cel::Value>) -> cel::Value {
    cel::Value::Map(Map {
        map: Arc::new(statuses.clone()),
    })
}

fn eval_check(
    rules: &RuleSet,
    rule: &Rule,
    check: &Check,
    scope: &Context,
    tctx: &mut TemplateCtx,
) -> Verdict {
    if let Some(cond) = &check.applies_if {
        match eval_bool(cond, scope) {
            Ok(true) => {}
            Ok(false) => {
                let msg = match &check.tpl_skip {
                    Some(t) => render(rules, t, tctx),
                    None => Ok(format!(
                        "check {} does not apply to {}",
                        check.id,
                        resource_label(tctx)
                    )),
                };
                return rendered(Status::Skipped, msg);
            }
            Err(e) => {
                return error(format!(
                    "check {}: applies_if could not be evaluated: {e}",
                    check.id
                ));
            }
        }
    }
    let mut inner = scope.new_inner_scope();
    let mut bound = Vec::with_capacity(check.lets.len());
    for ((name, expr), used) in check.lets.iter().zip(&check.let_in_templates) {
        match expr.program.execute(&inner) {
            Ok(v) => {
                if *used {
                    bound.push((name.as_str(), view::cel_to_json(&v)));
                }
                inner.add_variable_from_value(name.as_str(), v);
            }
            Err(e) => {
                return error(format!(
                    "check {}: let {name} could not be evaluated: {e}",
                    check.id
                ));
            }
        }
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
    for (name, v) in bound.iter_mut() {
        tctx.set(name, std::mem::take(v));
    }
    let tpl = if status == Status::Pass {
        &check.tpl_pass
    } else {
        &check.tpl_fail
    };
    let mut v = rendered(status, render(rules, tpl, tctx));
    if status == Status::Fail && v.status == Status::Fail {
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

fn remediation(
    rules: &RuleSet,
    t: &RemediationTpl,
    tctx: &TemplateCtx,
) -> Result<Option<Remediation>, String> {
    if t.terraform.is_none() && t.cloudformation.is_none() && t.cli.is_none() {
        return Ok(None);
    }
    let one = |n: &Option<String>| -> Result<Option<String>, String> {
        n.as_ref().map(|n| render(rules, n, tctx)).transpose()
    };
    Ok(Some(Remediation {
        terraform: one(&t.terraform)?,
        cloudformation: one(&t.cloudformation)?,
        cli: one(&t.cli)?,
    }))
}

fn eval_bool(e: &Expr, ctx: &Context) -> Result<bool, String> {
    match e.program.execute(ctx) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!(
            "`{}` returned {}, not a bool",
            e.source.trim(),
            other.type_of()
        )),
        Err(err) => Err(err.to_string()),
    }
}

fn render(rules: &RuleSet, name: &str, tctx: &TemplateCtx) -> Result<String, String> {
    rules
        .templates
        .render_with_context(name, &tctx.0)
        .map(|s| s.trim().to_string())
        .map_err(|e| format!("template could not be rendered: {e}"))
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

fn error(message: String) -> Verdict {
    Verdict {
        status: Status::Error,
        message,
        remediation: None,
    }
}

fn resource_label(tctx: &TemplateCtx) -> String {
    let r = tctx.get("resource");
    format!(
        "{} {}",
        r["type"].as_str().unwrap_or("resource"),
        r["id"].as_str().unwrap_or("")
    )
}

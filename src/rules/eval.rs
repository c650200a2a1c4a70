//! Evaluating the loaded rules over an inventory: one finding per (rule, check, resource).
//!
//! Each CEL program was compiled once at load; here every resource's CEL view is built once and
//! shared by all rules. Resources are spread over the available cores.

use super::load::{Check, Expr, RemediationTpl, Rule, RuleSet};
use super::snippet::{self, Lang};
use super::view;
use crate::findings::{Compliance, Finding, Remediation, ResourceRef, Status};
use crate::inventory::{Inventory, InventoryHead, ScanError, Vpc, VpcBatch};
use cel::Context;
use cel::common::types::{CelMap, CelMapKey, CelString};
use serde_json::{Value as J, json};
use std::collections::HashMap;
use std::sync::Arc;

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

/// Consecutive VPCs of one region entry (by its index in the inventory and its head), evaluated
/// as one unit of work.
pub struct Batch<'v> {
    pub region: usize,
    pub vpcs: std::borrow::Cow<'v, [Vpc]>,
}

impl From<VpcBatch> for Batch<'static> {
    fn from(b: VpcBatch) -> Self {
        Batch {
            region: b.region,
            vpcs: std::borrow::Cow::Owned(b.vpcs),
        }
    }
}

/// The VPCs of an inventory in memory, in batches of [`BATCH`].
pub fn batches_of(inv: &Inventory) -> impl Iterator<Item = Batch<'_>> + Send {
    inv.regions.iter().enumerate().flat_map(|(region, r)| {
        r.vpcs.chunks(BATCH).map(move |c| Batch {
            region,
            vpcs: std::borrow::Cow::Borrowed(c),
        })
    })
}

/// Evaluation prepared once per scan: the rules with their parameters, the options, and the
/// scan's errors. It then judges batches of VPCs as they come, so that an inventory can be
/// evaluated while it is read; the order of results is that of the batches, followed by
/// [`Evaluator::unlisted_regions`].
pub struct Evaluator<'a> {
    rules: &'a RuleSet,
    active: Vec<Active<'a>>,
    head: &'a InventoryHead,
    options: J,
    wants: Wants,
}

/// VPCs evaluated as one unit of work; results are handed on per batch.
pub const BATCH: usize = 256;

impl<'a> Evaluator<'a> {
    /// Prepare to evaluate every rule of `rules` over the inventory whose head is `head`.
    pub fn new(rules: &'a RuleSet, opts: &EvalOptions, head: &'a InventoryHead) -> Self {
        let active = rules.rules.iter().map(Active::new).collect();
        Self::with_active(rules, active, opts, head)
    }

    pub(crate) fn with_active(
        rules: &'a RuleSet,
        active: Vec<Active<'a>>,
        opts: &EvalOptions,
        head: &'a InventoryHead,
    ) -> Self {
        Evaluator {
            rules,
            active,
            head,
            options: json!({
                "accept_subnet_coverage": opts.accept_subnet_coverage,
                "account_id": head.scan.account_id,
            }),
            wants: Wants::new(opts),
        }
    }

    fn vpc_rules(&self) -> Vec<&Active<'a>> {
        self.active
            .iter()
            .filter(|a| a.rule.resource == "vpc")
            .collect()
    }

    /// Evaluate batches of VPCs, spread over the available cores, handing each batch's results to
    /// `emit` in batch order, on the calling thread. `source` is pulled from the worker threads,
    /// so it may itself wait for input (an inventory file being read).
    pub fn batches<'v>(
        &self,
        source: impl Iterator<Item = Batch<'v>> + Send,
        emit: &mut dyn FnMut(Vec<Finding>),
    ) {
        let vpc_rules = self.vpc_rules();
        if vpc_rules.is_empty() {
            return;
        }
        let per_vpc: usize = vpc_rules.iter().map(|a| a.rule.checks.len()).sum();
        let broken: Vec<Option<String>> = self
            .head
            .regions
            .iter()
            .map(|k| unreadable(&self.head.errors, &k.region, &k.account_id))
            .collect();
        let work = |batch: Batch| -> Vec<Finding> {
            let key = self.head.regions.get(batch.region);
            let (name, account) = key.map_or(("", ""), |k| (&*k.region, &*k.account_id));
            let broken = match key {
                Some(_) => broken[batch.region].clone(),
                // Cannot happen when the batches come from the inventory the head was read from;
                // said rather than skipped if it does.
                None => Some(format!(
                    "its region entry #{} is not in the inventory's list of regions",
                    batch.region + 1
                )),
            };
            let mut out = Vec::with_capacity(batch.vpcs.len() * per_vpc);
            let options_cel = view::shared_val(view::json_to_cel(&self.options));
            for vpc in batch.vpcs.iter() {
                if let Some(msg) = &broken {
                    let message = format!("VPC {} cannot be judged: {msg}", vpc.id);
                    push_errors(
                        &mut out,
                        &vpc_rules,
                        &Arc::new(vpc_ref(name, account, vpc)),
                        &message,
                    );
                    continue;
                }
                self.eval_vpc(
                    &vpc_rules,
                    name,
                    account,
                    vpc,
                    options_cel.as_ref(),
                    &mut out,
                );
            }
            out
        };
        ordered_parallel(source, &work, emit);
    }

    /// Error results for the regions whose VPCs could not be listed at all: every check of every
    /// VPC rule, on a `region` resource whose ARN stands for all VPCs of the region, so that the
    /// report shows what was not evaluated.
    pub fn unlisted_regions(&self) -> Vec<Finding> {
        let vpc_rules = self.vpc_rules();
        let errors = &self.head.errors;
        let mut out = Vec::new();
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for e in errors.iter().filter(|e| e.service == "ec2") {
            let Some(region) = e.region.as_deref() else {
                continue;
            };
            if self.head.lists(&e.account_id, region)
                || seen.contains(&(e.account_id.as_str(), region))
            {
                continue;
            }
            seen.push((e.account_id.as_str(), region));
            let why = unreadable(errors, region, &e.account_id).unwrap_or_default();
            let resource = Arc::new(ResourceRef {
                kind: "region".into(),
                id: region.to_string(),
                arn: format!("arn:aws:ec2:{region}:{}:vpc/*", e.account_id),
                region: region.to_string(),
                account_id: e.account_id.clone(),
                name: None,
                tags: Default::default(),
            });
            let message = format!(
                "The VPCs of {region} in account {} could not be listed, so they were not evaluated: {why}",
                e.account_id
            );
            push_errors(&mut out, &vpc_rules, &resource, &message);
        }
        out
    }
}

/// Run `work` on every item of `source` on every core and hand the results to `emit` in
/// source order, on the calling thread, while later items are still being worked on. The workers
/// pull items from `source` themselves. At most a few items per worker are ahead of `emit`, so
/// memory stays bounded however many items there are.
fn ordered_parallel<W: Send, R: Send>(
    source: impl Iterator<Item = W> + Send,
    work: &(dyn Fn(W) -> R + Sync),
    emit: &mut dyn FnMut(R),
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Condvar, Mutex, mpsc};
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    if threads <= 1 {
        for w in source {
            emit(work(w));
        }
        return;
    }
    let window = threads * 4;
    // The source and the index of the next item it gives, under one lock so that indexes
    // follow the source's order.
    let source = Mutex::new((source, 0usize));
    let stop = AtomicBool::new(false);
    let emitted = (Mutex::new(0usize), Condvar::new());
    let (tx, rx) = mpsc::channel::<(usize, std::thread::Result<R>)>();
    std::thread::scope(|sc| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (source, stop, emitted) = (&source, &stop, &emitted);
            sc.spawn(move || {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let next = {
                        let mut s = source.lock().unwrap_or_else(|p| p.into_inner());
                        let item = s.0.next();
                        let i = s.1;
                        s.1 += 1;
                        item.map(|w| (i, w))
                    };
                    let Some((i, item)) = next else {
                        break;
                    };
                    {
                        let (lock, cv) = emitted;
                        let mut done = lock.lock().unwrap_or_else(|p| p.into_inner());
                        while i >= *done + window && !stop.load(Ordering::Relaxed) {
                            done = cv.wait(done).unwrap_or_else(|p| p.into_inner());
                        }
                    }
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(item)));
                    if tx.send((i, r)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut want = 0;
        let mut panicked = None;
        for (i, r) in rx {
            pending.insert(i, r);
            while let Some(r) = pending.remove(&want) {
                match r {
                    Ok(r) => emit(r),
                    Err(p) => {
                        panicked.get_or_insert(p);
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                want += 1;
                let (lock, cv) = &emitted;
                *lock.lock().unwrap_or_else(|p| p.into_inner()) = want;
                cv.notify_all();
            }
            if panicked.is_some() {
                break;
            }
        }
        if let Some(p) = panicked {
            stop.store(true, Ordering::Relaxed);
            emitted.1.notify_all();
            std::panic::resume_unwind(p);
        }
    });
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
fn unreadable(errors: &[ScanError], region: &str, account: &str) -> Option<String> {
    let errs: Vec<String> = errors
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

/// One `error` result per check of every rule, all on `resource` with the same message.
fn push_errors(
    out: &mut Vec<Finding>,
    rules: &[&Active],
    resource: &Arc<ResourceRef>,
    message: &str,
) {
    for a in rules {
        for c in &a.rule.checks {
            out.push(Finding {
                rule_id: a.rule.id.clone(),
                check_id: c.id.clone(),
                status: Status::Error,
                severity: a.rule.severity,
                resource: Arc::clone(resource),
                message: message.to_string(),
                compliance: a.compliance.clone(),
                remediation: None,
                suppression: None,
            });
        }
    }
}

/// The data message and remediation templates are rendered with: one per resource, built on
/// its first rendering (a scan whose outputs show few messages renders few), then updated in
/// place for each rule and check so that it is never copied.
struct TemplateCtx<'x> {
    data: Option<handlebars::Context>,
    /// The resource's own part (`resource`, `vpc`, `options`).
    base: &'x dyn Fn() -> serde_json::Map<String, J>,
    /// The rule (and its check) the next rendering is for, and what `data` holds.
    want: (Option<&'x Active<'x>>, Option<usize>),
    has: (Option<&'x Active<'x>>, Option<usize>),
}

impl<'x> TemplateCtx<'x> {
    fn new(base: &'x dyn Fn() -> serde_json::Map<String, J>) -> Self {
        TemplateCtx {
            data: None,
            base,
            want: (None, None),
            has: (None, None),
        }
    }
    /// Render for this rule, and this check of it (`None`: the rule itself).
    fn focus(&mut self, a: &'x Active<'x>, check: Option<usize>) {
        self.want = (Some(a), check);
    }
    /// The data, built and focused.
    fn map(&mut self) -> &mut serde_json::Map<String, J> {
        let base = self.base;
        let data = self
            .data
            .get_or_insert_with(|| handlebars::Context::from(J::Object(base())))
            .data_mut();
        if !data.is_object() {
            *data = J::Object(serde_json::Map::new());
        }
        let J::Object(m) = data else {
            unreachable!("just made an object")
        };
        let same = |x: Option<&Active>, y: Option<&Active>| match (x, y) {
            (Some(x), Some(y)) => std::ptr::eq(x, y),
            (x, y) => x.is_none() && y.is_none(),
        };
        if !same(self.want.0, self.has.0) {
            if let Some(a) = self.want.0 {
                m.insert("params".into(), a.params_json.clone());
                m.insert("rule".into(), a.rule_json.clone());
            }
            self.has = (self.want.0, None);
            m.remove("check");
        }
        if self.want.1 != self.has.1 {
            match (self.want.0, self.want.1) {
                (Some(a), Some(i)) => {
                    m.insert("check".into(), a.checks_json[i].clone());
                }
                _ => {
                    m.remove("check");
                }
            }
            self.has.1 = self.want.1;
        }
        m
    }
    fn set(&mut self, k: &str, v: J) {
        self.map().insert(k.to_string(), v);
    }
    fn remove(&mut self, k: &str) {
        if let Some(d) = self.data.as_mut()
            && let J::Object(m) = d.data_mut()
        {
            m.remove(k);
        }
    }
    /// The data as handlebars takes it.
    fn context(&mut self) -> &handlebars::Context {
        self.map();
        self.data.as_ref().expect("built by map")
    }
}

/// The verdict of one check before it becomes a finding.
#[derive(Clone)]
struct Verdict {
    status: Status,
    message: String,
    remediation: Option<Remediation>,
}

impl Evaluator<'_> {
    /// Evaluate every VPC rule on one VPC, appending one finding per check to `out`.
    fn eval_vpc(
        &self,
        vpc_rules: &[&Active],
        region: &str,
        account: &str,
        vpc: &Vpc,
        options_cel: &dyn cel::common::value::Val,
        out: &mut Vec<Finding>,
    ) {
        let (rules, options) = (self.rules, &self.options);
        let resource = Arc::new(vpc_ref(region, account, vpc));
        let mut root = Context::with_env(Arc::clone(&rules.env));
        root.add_variable_as_val("vpc", view::vpc_value(region, account, vpc));
        root.add_variable_as_val("resource", view::resource_value(&resource));
        root.add_variable_as_val("options", options_cel.clone_as_boxed());
        let base = || {
            let mut base = serde_json::Map::new();
            base.insert(
                "resource".into(),
                serde_json::to_value(resource.as_ref()).unwrap_or(J::Null),
            );
            base.insert("vpc".into(), view::vpc_json(region, account, vpc));
            base.insert("options".into(), options.clone());
            base
        };
        let mut tctx = TemplateCtx::new(&base);
        for a in vpc_rules {
            let rule = a.rule;
            let verdicts = eval_rule(rules, a, &root, &mut tctx, self.wants);
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
    wants: Wants,
) -> Vec<Verdict> {
    let rule = a.rule;
    let mut scope = root.new_inner_scope();
    scope.add_variable_as_val("params", a.params_val.clone());
    let mut statuses: HashMap<CelMapKey<'static>, Box<dyn cel::common::value::Val>> =
        HashMap::new();
    scope.add_variable_as_val("checks", checks_value(&statuses));
    tctx.focus(a, None);
    if let Err(v) = applies(
        rules,
        &rule.applies_if,
        &scope,
        &rule.tpl_skip,
        tctx,
        ("rule", &rule.id),
        wants,
    ) {
        return rule.checks.iter().map(|_| v.clone()).collect();
    }
    let mut out = Vec::with_capacity(rule.checks.len());
    for (i, check) in rule.checks.iter().enumerate() {
        tctx.focus(a, Some(i));
        let v = eval_check(rules, rule, check, &scope, tctx, wants);
        statuses.insert(
            CelMapKey::from(check.id.clone()),
            Box::new(CelString::from(v.status.as_str().to_string())),
        );
        scope.add_variable_as_val("checks", checks_value(&statuses));
        out.push(v);
    }
    out
}

fn checks_value(
    statuses: &HashMap<CelMapKey<'static>, Box<dyn cel::common::value::Val>>,
) -> Box<dyn cel::common::value::Val> {
    Box::new(CelMap::from(statuses.clone()))
}

fn eval_check(
    rules: &RuleSet,
    rule: &Rule,
    check: &Check,
    scope: &Context,
    tctx: &mut TemplateCtx,
    wants: Wants,
) -> Verdict {
    if let Err(v) = applies(
        rules,
        &check.applies_if,
        scope,
        &check.tpl_skip,
        tctx,
        ("check", &check.id),
        wants,
    ) {
        return v;
    }
    let mut inner = scope.new_inner_scope();
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
    if !(if status == Status::Pass {
        wants.pass
    } else {
        wants.fail
    }) {
        return quiet(status);
    }
    let with_remediation = wants.remediation;
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
            bound.push((name.as_str(), view::val_to_json(v.as_ref())));
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
    wants: Wants,
) -> Result<(), Verdict> {
    let Some(cond) = cond else {
        return Ok(());
    };
    match eval_bool(cond, ctx) {
        Ok(true) => Ok(()),
        Ok(false) if !wants.skipped => Err(quiet(Status::Skipped)),
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

fn render(rules: &RuleSet, name: &str, tctx: &mut TemplateCtx) -> Result<String, String> {
    render_with(&rules.templates, name, tctx)
}

fn render_with(
    registry: &handlebars::Handlebars<'static>,
    name: &str,
    tctx: &mut TemplateCtx,
) -> Result<String, String> {
    thread_local! {
        /// Reused for every rendering on the thread: rendering to a new `String` would allocate
        /// a large buffer per message.
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with_borrow_mut(|buf| {
        buf.clear();
        registry
            .render_with_context_to_write(name, tctx.context(), &mut *buf)
            .map_err(|e| format!("template could not be rendered: {e}"))?;
        std::str::from_utf8(buf)
            .map(|s| s.trim().to_string())
            .map_err(|e| format!("template could not be rendered: {e}"))
    })
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

fn resource_label(tctx: &mut TemplateCtx) -> String {
    let r = &tctx.map()["resource"];
    format!(
        "{} {}",
        r["type"].as_str().unwrap_or("resource"),
        r["id"].as_str().unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSource;

    const RULE: &str = r#"
id = "T-1"
title = "t"
description = "d"
severity = "high"
resource = "vpc"
applies_if = "vpc.state == 'available'"
skip_message = "{{resource.id}} is {{vpc.state}}"

[parameters]
limit = { default = 1, description = "l" }

[[checks]]
id = "missing-key"
title = "a key that does not exist"
condition = "vpc.no_such_field == 1"
pass = "p"
fail = "f"

[[checks]]
id = "not-bool"
title = "a condition that is not a bool"
condition = "size(vpc.flow_logs)"
pass = "p"
fail = "f"

[[checks]]
id = "lazy"
title = "a let only the fail message uses"
let = [{ name = "boom", expr = "vpc.no_such_field" }]
condition = "size(vpc.flow_logs) <= params.limit"
pass = "ok {{params.limit}}"
fail = "too many: {{boom}}"

[[checks]]
id = "after"
title = "depends on an earlier check"
applies_if = "checks['lazy'] == 'fail'"
skip_message = "lazy was {{check.id}}"
condition = "true"
pass = "ran"
fail = "f"
"#;

    fn inventory(state: &str, logs: usize, errors: serde_json::Value) -> Inventory {
        let log = |i: usize| {
            json!({"id": format!("fl-{i}"), "resource_id": "vpc-1", "resource_type": "vpc",
                   "status": "ACTIVE", "traffic_type": "ALL", "destination_type": "s3",
                   "destination": {"exists": "yes", "encryption": "aws_managed"}})
        };
        serde_json::from_value(json!({
            "schema": "flowaudit/inventory/v1",
            "scan": {"tool_version": "t", "started_at": "a", "finished_at": "b", "account_id": "111111111111"},
            "regions": [{"account_id": "111111111111", "region": "eu-west-1", "vpcs": [{
                "id": "vpc-1", "arn": "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-1", "is_default": false,
                "owner_id": "111111111111", "shared": false, "cidr_block": "10.0.0.0/16", "state": state,
                "flow_logs": (0..logs).map(log).collect::<Vec<_>>()
            }]}],
            "errors": errors
        }))
        .unwrap()
    }

    fn compile(text: &str) -> RuleSet {
        let mut set = RuleSet::empty();
        set.compile_text("t.toml", text, RuleSource::Builtin)
            .unwrap_or_else(|e| panic!("{e}"));
        set
    }

    fn rules() -> RuleSet {
        compile(RULE)
    }

    fn by_check(findings: &[Finding]) -> BTreeMap<String, (Status, String)> {
        findings
            .iter()
            .map(|f| (f.check_id.clone(), (f.status, f.message.clone())))
            .collect()
    }

    use std::collections::BTreeMap;

    /// Evaluate the test rule on an available VPC with `logs` flow logs.
    fn verdicts(logs: usize) -> BTreeMap<String, (Status, String)> {
        let set = rules();
        let inv = inventory("available", logs, json!([]));
        by_check(&evaluate(&set, &inv, &EvalOptions::default()))
    }

    /// Assert the status of a check and that its message contains `needle`.
    fn expect(r: &BTreeMap<String, (Status, String)>, check: &str, status: Status, needle: &str) {
        let (st, msg) = &r[check];
        assert_eq!(*st, status, "{check}: {msg}");
        assert!(msg.contains(needle), "{check}: {msg:?} lacks {needle:?}");
    }

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
                skip_messages: statuses,
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
                skip_messages: vec![Status::Skipped],
                ..EvalOptions::default()
            },
        );
        assert!(
            f.iter()
                .all(|f| f.status == Status::Skipped && f.message.is_empty())
        );
    }

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
    fn incomplete_ec2_data_gives_errors_not_verdicts() {
        let set = rules();
        let errs = json!([{"account_id": "111111111111", "region": "eu-west-1", "service": "ec2",
            "operation": "DescribeFlowLogs", "code": "Throttling", "message": "Rate exceeded"},
            {"account_id": "111111111111", "region": "us-west-2", "service": "ec2",
            "operation": "DescribeVpcs", "code": "AccessDenied", "message": "no"}]);
        let f = evaluate(
            &set,
            &inventory("available", 0, errs),
            &EvalOptions::default(),
        );
        assert_eq!(f.len(), 8);
        assert!(f.iter().all(|f| f.status == Status::Error));
        let vpc: Vec<_> = f.iter().filter(|f| f.resource.kind == "vpc").collect();
        assert_eq!(vpc.len(), 4);
        assert!(
            vpc[0]
                .message
                .contains("DescribeFlowLogs failed in eu-west-1: Throttling")
        );
        let region: Vec<_> = f.iter().filter(|f| f.resource.kind == "region").collect();
        assert_eq!(region.len(), 4);
        assert_eq!(
            region[0].resource.arn,
            "arn:aws:ec2:us-west-2:111111111111:vpc/*"
        );
        assert!(region[0].message.contains("could not be listed"));
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
let = [{ name = "boom", expr = "vpc.no_such_field" }]
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
                skip_remediation: true,
                ..EvalOptions::default()
            },
        );
        assert_eq!(
            (without[0].status, without[0].message.as_str()),
            (Status::Fail, "failed")
        );
        assert!(without[0].remediation.is_none());
    }

    #[test]
    fn vpcs_of_an_unknown_region_entry_are_errors_not_dropped() {
        let set = rules();
        let inv = inventory("available", 0, json!([]));
        let head = inv.head();
        let ev = Evaluator::new(&set, &EvalOptions::default(), &head);
        let mut got = Vec::new();
        ev.batches(
            std::iter::once(Batch {
                region: 7,
                vpcs: std::borrow::Cow::Borrowed(&inv.regions[0].vpcs),
            }),
            &mut |mut part| got.append(&mut part),
        );
        assert_eq!(got.len(), 4, "one result per check");
        assert!(got.iter().all(|f| f.status == Status::Error
            && f.message.contains("region entry #8")
            && f.resource.id == "vpc-1"));
    }

    #[test]
    fn ordered_parallel_emits_every_batch_once_in_order() {
        let items: Vec<usize> = (0..5_000).collect();
        let mut got = Vec::new();
        let mut batches = 0;
        ordered_parallel(
            items.chunks(7),
            &|part: &[usize]| {
                // Uneven work, so that batches finish out of order.
                if part[0].is_multiple_of(3) {
                    std::thread::sleep(std::time::Duration::from_micros(300));
                }
                part.to_vec()
            },
            &mut |v| {
                batches += 1;
                got.extend(v)
            },
        );
        assert_eq!(got, items);
        assert_eq!(batches, items.len().div_ceil(7));
    }

    #[test]
    fn a_panic_in_a_batch_reaches_the_caller_instead_of_hanging() {
        let items: Vec<usize> = (0..200).collect();
        let r = std::panic::catch_unwind(|| {
            ordered_parallel(
                items.iter(),
                &|p: &usize| {
                    assert!(*p != 50, "boom");
                    *p
                },
                &mut |_| {},
            )
        });
        assert!(r.is_err());
    }
}

//! CEL helpers (docs/rules.md, "Partials and helpers"): their checks, and their expansion into
//! the expressions that call them.
//!
//! A helper call `name(a, b)` becomes a binding of its parameters to the arguments (each argument
//! evaluated once, where the call stands) around a copy of the helper's expression, which may read
//! only its parameters. The expansion happens while the rule's expression is parsed (the helper is
//! a macro of the CEL environment), so what runs is plain CEL and the field checks of `fields.rs`
//! see through it.

use crate::rules::pos::{inside_string, line_col};
use crate::term::escape;
use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedEntryExpr, IdedExpr, ListExpr, LiteralValue,
    MapEntryExpr, MapExpr, SelectExpr, StructExpr, StructFieldExpr,
};
use cel::parser::MacroExprHelper;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use toml::Spanned;

/// A CEL helper: its parameters and the expression they are bound in.
pub(crate) struct Helper {
    pub origin: String,
    pub params: Vec<String>,
    /// The expression as written.
    pub source: String,
    pub(super) body: IdedExpr,
}

/// A helper as read, before its checks: its file, the file's text and its declaration.
pub(super) struct Declared {
    pub(super) origin: String,
    pub(super) text: Arc<str>,
    pub(super) params: Spanned<Vec<String>>,
    pub(super) expr: Spanned<String>,
    pub(super) name_span: std::ops::Range<usize>,
}

/// Compile the declared helpers, in the order they were declared, recording their errors.
pub(super) fn compile_helpers(
    order: Vec<String>,
    mut declared: BTreeMap<String, Declared>,
    env: &Arc<cel::Env>,
    errors: &mut Vec<String>,
) -> BTreeMap<String, Helper> {
    let arity: BTreeMap<String, usize> = declared
        .iter()
        .map(|(n, d)| (n.clone(), d.params.get_ref().len()))
        .collect();
    let mut out = BTreeMap::new();
    let mut calls_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in order {
        let Some(d) = declared.remove(&name) else {
            continue;
        };
        let before = errors.len();
        let err_at = |errors: &mut Vec<String>, (l, c): (usize, usize), what: String| {
            errors.push(format!(
                "{}:{l}:{c}: helper {}: {what}",
                escape(&d.origin),
                escape(&name)
            ))
        };
        let name_at = line_col(&d.text, d.name_span.start);
        if !valid_ident(&name) || is_function(env, &name) || name == "has" {
            err_at(
                errors,
                name_at,
                format!(
                    "the name {:?} is not usable\n  fix: use a CEL identifier that is not the name of a CEL function or macro",
                    escape(&name)
                ),
            );
        }
        let params_at = line_col(&d.text, d.params.span().start);
        let mut seen = BTreeSet::new();
        for p in d.params.get_ref() {
            if !valid_ident(p) || !seen.insert(p.as_str()) {
                err_at(
                    errors,
                    params_at,
                    format!(
                        "parameter {:?} is not usable\n  fix: give each parameter a distinct CEL identifier",
                        escape(p)
                    ),
                );
            }
        }
        let span = d.expr.span();
        let source = d.expr.get_ref().clone();
        let inside = |rel: (usize, usize)| inside_string(&d.text, &span, &source, rel);
        let program = match env.compile(&source) {
            Ok(p) => p,
            Err(errs) => {
                for e in &errs.errors {
                    let rel = (e.pos.0.max(1) as usize, e.pos.1.max(1) as usize);
                    err_at(
                        errors,
                        inside(rel),
                        format!(
                            "CEL expression does not compile: {}\n  fix: correct the expression (CEL syntax: https://cel.dev)",
                            e.msg
                        ),
                    );
                }
                if errs.errors.is_empty() {
                    err_at(
                        errors,
                        inside((1, 1)),
                        "CEL expression does not compile".into(),
                    );
                }
                continue;
            }
        };
        let offset = |id: u64| {
            program
                .source_info()
                .offset_for(id)
                .map_or(0, |(s, _)| s as usize)
        };
        let mut free = Vec::new();
        free_variables(program.expression(), &mut Vec::new(), &mut free);
        for (id, v) in free {
            if !d.params.get_ref().contains(&v) {
                err_at(
                    errors,
                    inside(line_col(&source, offset(id))),
                    format!(
                        "the expression reads {v:?}, which is not a parameter of the helper\n  fix: a helper reads only its parameters ({}); pass the value as an argument",
                        d.params.get_ref().join(", ")
                    ),
                );
            }
        }
        let mut calls = Vec::new();
        global_calls(program.expression(), &mut calls);
        for (id, f, argc) in calls {
            let at = inside(line_col(&source, offset(id)));
            match arity.get(&f) {
                Some(n) if *n == argc => calls_of.entry(name.clone()).or_default().push(f),
                Some(n) => err_at(
                    errors,
                    at,
                    format!("helper {f} takes {n} argument(s), not {argc}"),
                ),
                None if is_function(env, &f) => {}
                None => err_at(
                    errors,
                    at,
                    format!(
                        "there is no function or helper {f:?}\n  fix: use a CEL function or a helper"
                    ),
                ),
            }
        }
        if errors.len() == before {
            out.insert(
                name,
                Helper {
                    origin: d.origin,
                    params: d.params.into_inner(),
                    source: d.expr.get_ref().clone(),
                    body: program.expression().clone(),
                },
            );
        }
    }
    // A helper that calls itself, directly or not, would never finish expanding.
    for start in calls_of.keys() {
        let mut stack = vec![start];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            for c in calls_of.get(n).into_iter().flatten() {
                if c == start {
                    if let Some(h) = out.get(start) {
                        errors.push(format!(
                            "{}: helper {}: it calls itself (through the helpers it calls)\n  fix: break the cycle",
                            escape(&h.origin),
                            escape(start)
                        ));
                    }
                    stack.clear();
                    break;
                }
                if seen.insert(c) {
                    stack.push(c);
                }
            }
        }
    }
    out
}

fn valid_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True when `name` is a global function of the environment: a call to it with no arguments
/// fails for another reason than the name being unknown.
pub(super) fn is_function(env: &Arc<cel::Env>, name: &str) -> bool {
    let Ok(p) = env.compile(&format!("{name}()")) else {
        return true;
    };
    let ctx = cel::Context::with_env(Arc::clone(env));
    !matches!(p.execute(&ctx), Err(cel::ExecutionError::UndeclaredReference(n)) if n.as_str() == name)
}

/// Every call of a global function named by an identifier (not an operator): its node id, name
/// and number of arguments.
pub(super) fn global_calls(e: &IdedExpr, out: &mut Vec<(u64, String, usize)>) {
    if let Expr::Call(c) = &e.expr
        && c.target.is_none()
        && c.func_name.starts_with(|ch: char| ch.is_ascii_alphabetic())
    {
        out.push((e.id, c.func_name.clone(), c.args.len()));
    }
    children(e, &mut |x| global_calls(x, out));
}

/// The identifiers `e` reads that no comprehension around them binds, with their node ids.
fn free_variables(e: &IdedExpr, bound: &mut Vec<String>, out: &mut Vec<(u64, String)>) {
    match &e.expr {
        Expr::Ident(n) => {
            if !bound.contains(n) {
                out.push((e.id, n.clone()));
            }
        }
        Expr::Comprehension(c) => {
            free_variables(&c.iter_range, bound, out);
            free_variables(&c.accu_init, bound, out);
            let depth = bound.len();
            bound.push(c.iter_var.clone());
            bound.extend(c.iter_var2.clone());
            bound.push(c.accu_var.clone());
            free_variables(&c.loop_cond, bound, out);
            free_variables(&c.loop_step, bound, out);
            free_variables(&c.result, bound, out);
            bound.truncate(depth);
        }
        _ => children(e, &mut |x| free_variables(x, bound, out)),
    }
}

/// Call `f` on each direct sub-expression of `e`.
fn children(e: &IdedExpr, f: &mut dyn FnMut(&IdedExpr)) {
    match &e.expr {
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                f(t);
            }
            c.args.iter().for_each(f);
        }
        Expr::Comprehension(c) => {
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                f(x);
            }
        }
        Expr::List(l) => l.elements.iter().for_each(f),
        Expr::Map(m) => entries(&m.entries, f),
        Expr::Struct(s) => entries(&s.entries, f),
        Expr::Select(s) => f(&s.operand),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn entries(es: &[IdedEntryExpr], f: &mut dyn FnMut(&IdedExpr)) {
    for x in es {
        match &x.expr {
            EntryExpr::MapEntry(m) => {
                f(&m.key);
                f(&m.value);
            }
            EntryExpr::StructField(s) => f(&s.value),
        }
    }
}

/// The expansion of the call `name(args)`: the parameters bound to the arguments around a copy
/// of the helper's expression. One parameter is bound directly (its argument is evaluated outside
/// the binding); several are first bound to names no expression can write (`@0`, `@1`, ...), so
/// that no argument sees another's parameter.
pub(super) fn expand(
    helpers: &BTreeMap<String, Helper>,
    name: &str,
    m: &mut MacroExprHelper<'_>,
    args: Vec<IdedExpr>,
) -> IdedExpr {
    let h = &helpers[name];
    let body = copy(helpers, &h.body, m);
    if let ([p], [_]) = (h.params.as_slice(), args.as_slice()) {
        let arg = args.into_iter().next().expect("one argument");
        return bind(m, p, arg, body);
    }
    let mut inner = body;
    for (i, p) in h.params.iter().enumerate().rev() {
        let hidden = m.next_expr(Expr::Ident(format!("@{i}")));
        inner = bind(m, p, hidden, inner);
    }
    for (i, arg) in args.into_iter().enumerate().rev() {
        inner = bind(m, &format!("@{i}"), arg, inner);
    }
    inner
}

/// `body` with `var` bound to the value of `init`: a comprehension over no element whose
/// accumulator is `var` (what `cel.bind` expands to).
fn bind(m: &mut MacroExprHelper<'_>, var: &str, init: IdedExpr, body: IdedExpr) -> IdedExpr {
    let empty = m.next_expr(Expr::List(ListExpr::new(Vec::new())));
    let never = m.next_expr(Expr::Literal(LiteralValue::Boolean(false.into())));
    let same = m.next_expr(Expr::Ident(var.to_string()));
    m.next_expr(Expr::Comprehension(Box::new(ComprehensionExpr {
        iter_range: empty,
        iter_var: "#unused".into(),
        iter_var2: None,
        accu_var: var.to_string(),
        accu_init: init,
        loop_cond: never,
        loop_step: same,
        result: body,
    })))
}

/// A copy of `e` whose nodes have ids of the expression being parsed (placed where the call
/// stands), with the helper calls in it expanded.
fn copy(helpers: &BTreeMap<String, Helper>, e: &IdedExpr, m: &mut MacroExprHelper<'_>) -> IdedExpr {
    let expr = match &e.expr {
        Expr::Call(c) => {
            let args: Vec<IdedExpr> = c.args.iter().map(|a| copy(helpers, a, m)).collect();
            if c.target.is_none()
                && helpers
                    .get(&c.func_name)
                    .is_some_and(|h| h.params.len() == args.len())
            {
                return expand(helpers, &c.func_name, m, args);
            }
            Expr::Call(CallExpr {
                func_name: c.func_name.clone(),
                target: c.target.as_ref().map(|t| Box::new(copy(helpers, t, m))),
                args,
            })
        }
        Expr::Comprehension(c) => Expr::Comprehension(Box::new(ComprehensionExpr {
            iter_range: copy(helpers, &c.iter_range, m),
            iter_var: c.iter_var.clone(),
            iter_var2: c.iter_var2.clone(),
            accu_var: c.accu_var.clone(),
            accu_init: copy(helpers, &c.accu_init, m),
            loop_cond: copy(helpers, &c.loop_cond, m),
            loop_step: copy(helpers, &c.loop_step, m),
            result: copy(helpers, &c.result, m),
        })),
        Expr::List(l) => Expr::List(ListExpr::new_with_optionals(
            l.elements.iter().map(|x| copy(helpers, x, m)).collect(),
            l.optional_indices.clone(),
        )),
        Expr::Map(x) => Expr::Map(MapExpr {
            entries: copy_entries(helpers, &x.entries, m),
        }),
        Expr::Struct(s) => Expr::Struct(StructExpr {
            type_name: s.type_name.clone(),
            entries: copy_entries(helpers, &s.entries, m),
        }),
        Expr::Select(s) => Expr::Select(SelectExpr {
            operand: Box::new(copy(helpers, &s.operand, m)),
            field: s.field.clone(),
            test: s.test,
        }),
        other => other.clone(),
    };
    m.next_expr(expr)
}

fn copy_entries(
    helpers: &BTreeMap<String, Helper>,
    es: &[IdedEntryExpr],
    m: &mut MacroExprHelper<'_>,
) -> Vec<IdedEntryExpr> {
    es.iter()
        .map(|x| {
            let expr = match &x.expr {
                EntryExpr::MapEntry(e) => EntryExpr::MapEntry(MapEntryExpr {
                    key: copy(helpers, &e.key, m),
                    value: copy(helpers, &e.value, m),
                    optional: e.optional,
                }),
                EntryExpr::StructField(f) => EntryExpr::StructField(StructFieldExpr {
                    field: f.field.clone(),
                    value: copy(helpers, &f.value, m),
                    optional: f.optional,
                }),
            };
            IdedEntryExpr {
                id: m.next_expr(Expr::Unspecified).id,
                expr,
            }
        })
        .collect()
}

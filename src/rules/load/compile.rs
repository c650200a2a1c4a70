//! Compiling a rule file into a rule: CEL and template compilation, field checks, and the load
//! errors, each with the file, line and column of what is wrong.

use super::library::{Library, TemplateRefs};
use super::model::{
    Check, Expr, FixDecl, ParamSpec, RemediationText, RemediationTpl, Rule, RuleSet, RuleSource,
};
use super::schema::{CheckFile, FixFile, RemediationFile, RuleFile};
use crate::findings::{Applicability, FixAction};
use crate::kinds::ResourceKind;
use crate::rules::fields::Fields;
use crate::rules::pos::{inside_string, line_col, toml_error_at};
use crate::term::escape;
use handlebars::Handlebars;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use toml::Spanned;

/// Names that CEL expressions may use as variables besides each resource kind's own
/// ([`ResourceKind::variable`]); `let` names may not shadow any of them.
pub(crate) const RESERVED_NAMES: &[&str] = &[
    "resource", "account", "params", "options", "checks", "rule", "check",
];

/// Every name a `let` may not take: the resource kinds' variables, then [`RESERVED_NAMES`].
fn reserved_names() -> Vec<&'static str> {
    ResourceKind::ALL
        .iter()
        .map(|k| k.variable())
        .chain(RESERVED_NAMES.iter().copied())
        .collect()
}

fn is_reserved(name: &str) -> bool {
    reserved_names().contains(&name)
}

/// Parse and compile one rule file; every problem found is one error line.
pub(super) fn compile_file(
    set: &mut RuleSet,
    origin: &str,
    text: &str,
    source: RuleSource,
) -> Result<Rule, Vec<String>> {
    let file: RuleFile = toml::from_str(text).map_err(|e| {
        let at = toml_error_at(origin, text, &e);
        let rule = toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| {
                t.get("id")
                    .and_then(|v| v.as_str())
                    .map(|s| format!(" rule {}:", escape(s)))
            })
            .unwrap_or_default();
        vec![format!(
            "{at}:{rule} {}\n  fix: see docs/rules.md for the rule file format",
            escape(e.message().trim_end())
        )]
    })?;
    set.seq += 1;
    let seq = set.seq;
    let mut c = Compiler {
        origin,
        text,
        rule_id: file.id.get_ref().clone(),
        env: &set.env,
        library: &set.library,
        templates: &mut set.templates,
        snippets: &mut set.snippets,
        seq,
        errors: Vec::new(),
        fields: Fields::new(crate::rules::VPC, Vec::new()),
    };
    let rule = c.rule(file, source);
    if c.errors.is_empty() {
        Ok(rule.expect("a rule compiles when no error was recorded"))
    } else {
        Err(c.errors)
    }
}

struct Compiler<'a> {
    origin: &'a str,
    text: &'a str,
    rule_id: String,
    env: &'a Arc<cel::Env>,
    /// The partials and helpers the rule may use.
    library: &'a Library,
    templates: &'a mut Handlebars<'static>,
    snippets: &'a mut Handlebars<'static>,
    seq: usize,
    errors: Vec<String>,
    /// What the rule's expressions may read, to refuse fields their values do not have.
    fields: Fields,
}

impl Compiler<'_> {
    fn err_at(&mut self, span: &std::ops::Range<usize>, what: String) {
        let (l, c) = line_col(self.text, span.start);
        self.errors.push(format!(
            "{}:{l}:{c}: rule {}: {what}",
            escape(self.origin),
            escape(&self.rule_id)
        ));
    }

    /// An error at a (1-based line, column) position of `value`, the string at `span`.
    fn err_inside(
        &mut self,
        span: &std::ops::Range<usize>,
        value: &str,
        rel: (usize, usize),
        what: String,
    ) {
        let (l, c) = inside_string(self.text, span, value, rel);
        self.errors.push(format!(
            "{}:{l}:{c}: rule {}: {what}",
            escape(self.origin),
            escape(&self.rule_id)
        ));
    }

    fn rule(&mut self, f: RuleFile, source: RuleSource) -> Option<Rule> {
        let id_span = f.id.span();
        if !valid_id(f.id.get_ref()) {
            self.err_at(
                &id_span,
                format!(
                    "id {:?} is not valid\n  fix: use letters, digits, '-', '_' or '.' (e.g. VPC-001)",
                    f.id.get_ref()
                ),
            );
        }
        let (kind_span, kind) = match f.resource {
            Some(r) => (r.span(), r.into_inner()),
            None => (id_span.clone(), crate::rules::VPC.to_string()),
        };
        if !crate::rules::RESOURCE_KINDS.contains(&kind.as_str()) {
            self.err_at(
                &kind_span,
                format!(
                    "resource kind {kind:?} is not supported\n  fix: use one of: {}",
                    crate::rules::RESOURCE_KINDS.join(", ")
                ),
            );
        }
        if f.checks.is_empty() {
            self.err_at(
                &id_span,
                "the rule has no checks\n  fix: add at least one [[checks]] table".into(),
            );
        }
        let mut parameters = BTreeMap::new();
        for (name, p) in f.parameters {
            let span = p.span();
            let p = p.into_inner();
            if !valid_ident(&name) {
                self.err_at(
                    &span,
                    format!("parameter name {name:?} is not a CEL identifier\n  fix: use letters, digits and '_'"),
                );
            }
            let default = match serde_json::to_value(&p.default) {
                Ok(v) => v,
                Err(e) => {
                    self.err_at(
                        &span,
                        format!("parameter {name}: default cannot be used: {e}"),
                    );
                    serde_json::Value::Null
                }
            };
            parameters.insert(
                name,
                ParamSpec {
                    default,
                    description: p.description,
                },
            );
        }
        self.fields = Fields::new(&kind, parameters.keys().cloned().collect());
        let applies_if = f.applies_if.map(|s| self.expr(s, "applies_if", None));
        let (skip_message, tpl_skip) = match f.skip_message {
            Some(s) => {
                let (src, name) = self.template(s, "skip_message");
                (Some(src), Some(name))
            }
            None => (None, None),
        };
        let (remediation, tpl_remediation) = self.remediation(f.remediation, "remediation");
        let mut seen = BTreeSet::new();
        let mut checks = Vec::new();
        for mut c in f.checks {
            let cid_span = c.id.span();
            let cid = c.id.get_ref().clone();
            if !valid_id(&cid) {
                self.err_at(
                    &cid_span,
                    format!(
                        "check id {cid:?} is not valid\n  fix: use letters, digits, '-', '_' or '.'"
                    ),
                );
            }
            if !seen.insert(cid.clone()) {
                self.err_at(
                    &cid_span,
                    format!(
                        "duplicate check id {cid:?}\n  fix: give every check of a rule a unique id"
                    ),
                );
            }
            let fix = c
                .fix
                .take()
                .map(|f| self.fix(&cid, f, &parameters))
                .unwrap_or_default();
            checks.push(self.check(c).map(|mut c| {
                c.fix = fix;
                c
            }));
        }
        let params: serde_json::Map<String, serde_json::Value> = parameters
            .iter()
            .map(|(k, v)| (k.clone(), v.default.clone()))
            .collect();
        let params_cel =
            crate::rules::cel_values::json_to_cel(&serde_json::Value::Object(params.clone()));
        let checks: Option<Vec<Check>> = checks.into_iter().collect();
        let mut checks = checks?;
        for c in &mut checks {
            let rem = c.remediation.as_ref().unwrap_or(&remediation).clone();
            let expand = |t: &str| self.library.with_partials(t);
            assign_lets(c, &rem, &expand);
        }
        Some(Rule {
            id: f.id.into_inner(),
            title: f.title,
            description: f.description,
            severity: f.severity,
            resource: kind,
            compliance: f.compliance,
            references: f.references,
            parameters,
            params,
            applies_if: applies_if.flatten(),
            skip_message,
            remediation,
            checks,
            source,
            origin: self.origin.to_string(),
            tpl_skip,
            tpl_remediation,
            params_cel,
        })
    }

    fn check(&mut self, c: CheckFile) -> Option<Check> {
        let cid = c.id.into_inner();
        let field = |f: &str| format!("check {cid}: {f}");
        self.fields.clear_lets();
        let applies_if = c
            .applies_if
            .map(|s| self.expr(s, &field("applies_if"), None));
        let mut lets = Vec::new();
        let mut names = BTreeSet::new();
        for l in c.lets {
            let span = l.name.span();
            let name = l.name.into_inner();
            if !valid_ident(&name) || is_reserved(&name) {
                self.err_at(
                    &span,
                    format!(
                        "check {cid}: let name {name:?} is not usable\n  fix: use a CEL identifier other than {}",
                        reserved_names().join(", ")
                    ),
                );
            }
            if !names.insert(name.clone()) {
                self.err_at(
                    &span,
                    format!("check {cid}: let name {name:?} is defined twice"),
                );
            }
            let e = self.expr(l.expr, &field(&format!("let {name}")), Some(&name));
            lets.push((name, e));
        }
        let condition = self.expr(c.condition, &field("condition"), None);
        let (pass_message, tpl_pass) = self.template(c.pass, &field("pass"));
        let (fail_message, tpl_fail) = self.template(c.fail, &field("fail"));
        let (skip_message, tpl_skip) = match c.skip_message {
            Some(s) => {
                let (src, name) = self.template(s, &field("skip_message"));
                (Some(src), Some(name))
            }
            None => (None, None),
        };
        let (remediation, tpl_remediation) = match c.remediation {
            Some(r) => {
                let (t, n) = self.remediation(r, &field("remediation"));
                (Some(t), Some(n))
            }
            None => (None, None),
        };
        let lets: Option<Vec<(String, Expr)>> =
            lets.into_iter().map(|(n, e)| e.map(|e| (n, e))).collect();
        let applies_if = match applies_if {
            Some(None) => return None,
            Some(Some(e)) => Some(e),
            None => None,
        };
        Some(Check {
            lets_for_condition: Vec::new(),
            lets_for_pass: Vec::new(),
            lets_for_fail: Vec::new(),
            lets_for_fail_message: Vec::new(),
            json_for_pass: Vec::new(),
            json_for_fail: Vec::new(),
            json_for_fail_message: Vec::new(),
            id: cid,
            title: c.title,
            fix: FixDecl::default(),
            applies_if,
            lets: lets?,
            condition: condition?,
            pass_message,
            fail_message,
            skip_message,
            remediation,
            tpl_pass,
            tpl_fail,
            tpl_skip,
            tpl_remediation,
        })
    }

    /// `[checks.fix]`: a known action and applicability, and limits named by integer parameters.
    fn fix(&mut self, cid: &str, f: FixFile, parameters: &BTreeMap<String, ParamSpec>) -> FixDecl {
        let mut out = FixDecl::default();
        let span = f.applicability.span();
        let name = f.applicability.into_inner();
        match Applicability::ALL.iter().find(|a| a.as_str() == name) {
            Some(a) => out.applicability = *a,
            None => self.err_at(
                &span,
                format!(
                    "check {cid}: fix applicability {name:?} is unknown\n  fix: use one of: {}",
                    Applicability::ALL.map(|a| a.as_str()).join(", ")
                ),
            ),
        }
        if let Some(a) = f.action {
            let span = a.span();
            let name = a.into_inner();
            match FixAction::ALL.iter().find(|x| x.as_str() == name) {
                Some(x) if x.changes_existing() && out.applicability == Applicability::Safe => self
                    .err_at(
                        &span,
                        format!(
                            "check {cid}: fix action {name} changes an existing resource, so it cannot be safe\n  fix: declare applicability = \"unsafe\" (applied with --unsafe-fixes) or \"manual\""
                        ),
                    ),
                Some(_) if out.applicability == Applicability::Manual => self.err_at(
                    &span,
                    format!(
                        "check {cid}: a manual fix has no action (the plan shows the remediation snippet)\n  fix: drop action, or declare applicability = \"safe\" or \"unsafe\""
                    ),
                ),
                Some(x) => out.action = Some(*x),
                None => self.err_at(
                    &span,
                    format!(
                        "check {cid}: fix action {name:?} is unknown\n  fix: use one of: {} (the actions flowaudit implements), or applicability = \"manual\"",
                        FixAction::ALL.map(|a| a.as_str()).join(", ")
                    ),
                ),
            }
        } else if out.applicability != Applicability::Manual {
            self.err_at(
                &span,
                format!(
                    "check {cid}: a {name} fix needs an action\n  fix: add action = one of: {}",
                    FixAction::ALL.map(|a| a.as_str()).join(", ")
                ),
            );
        }
        if let Some(c) = f.creates {
            let c = c.into_inner();
            out.encrypted = c.encrypted;
            for (field, p) in [
                ("max_aggregation_interval", c.max_aggregation_interval),
                ("min_retention_days", c.min_retention_days),
            ] {
                let Some(p) = p else { continue };
                let span = p.span();
                let param = p.into_inner();
                match parameters.get(&param) {
                    Some(spec) if spec.default.is_i64() => {}
                    Some(_) => self.err_at(
                        &span,
                        format!(
                            "check {cid}: fix.creates.{field} names parameter {param:?}, which is not an integer\n  fix: name an integer parameter of this rule"
                        ),
                    ),
                    None => self.err_at(
                        &span,
                        format!(
                            "check {cid}: fix.creates.{field} names parameter {param:?}, which the rule does not declare\n  fix: name one of the rule's [parameters]{}",
                            if parameters.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    ": {}",
                                    parameters.keys().cloned().collect::<Vec<_>>().join(", ")
                                )
                            }
                        ),
                    ),
                }
                match field {
                    "max_aggregation_interval" => out.max_aggregation_interval = Some(param),
                    _ => out.min_retention_days = Some(param),
                }
            }
        }
        out
    }

    fn remediation(&mut self, r: RemediationFile, what: &str) -> (RemediationText, RemediationTpl) {
        let mut text = RemediationText {
            summary: r
                .summary
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            ..RemediationText::default()
        };
        let mut tpl = RemediationTpl::default();
        if let Some(s) = r.terraform {
            let (a, b) = self.snippet(s, &format!("{what}.terraform"));
            text.terraform = Some(a);
            tpl.terraform = Some(b);
        }
        if let Some(s) = r.cloudformation {
            let (a, b) = self.snippet(s, &format!("{what}.cloudformation"));
            text.cloudformation = Some(a);
            tpl.cloudformation = Some(b);
        }
        if let Some(s) = r.cli {
            let (a, b) = self.snippet(s, &format!("{what}.cli"));
            text.cli = Some(a);
            tpl.cli = Some(b);
        }
        (text, tpl)
    }

    /// Compile a CEL expression and check the fields it reads; `let_name` when it defines a `let`.
    fn expr(&mut self, s: Spanned<String>, what: &str, let_name: Option<&str>) -> Option<Expr> {
        let span = s.span();
        let source = s.into_inner();
        if source.trim().is_empty() {
            self.err_at(&span, format!("{what}: the CEL expression is empty"));
            return None;
        }
        match self.env.compile(&source) {
            Ok(program) => {
                for u in self.fields.check(&program, let_name) {
                    let rel = line_col(&source, u.offset);
                    self.err_inside(&span, &source, rel, format!("{what}: {}", u.message));
                }
                for (at, message) in self.library.bad_calls(self.env, &program) {
                    let rel = line_col(&source, at);
                    self.err_inside(&span, &source, rel, format!("{what}: {message}"));
                }
                Some(Expr { source, program })
            }
            Err(errs) => {
                for e in &errs.errors {
                    // Both 1-based.
                    let rel = (e.pos.0.max(1) as usize, e.pos.1.max(1) as usize);
                    self.err_inside(
                        &span,
                        &source,
                        rel,
                        format!(
                            "{what}: CEL expression does not compile: {}\n  fix: correct the expression (CEL syntax: https://cel.dev)",
                            e.msg
                        ),
                    );
                }
                if errs.errors.is_empty() {
                    self.err_at(&span, format!("{what}: CEL expression does not compile"));
                }
                None
            }
        }
    }

    /// A message template.
    fn template(&mut self, s: Spanned<String>, what: &str) -> (String, String) {
        self.register(s, what, false)
    }

    /// A remediation template: its values are escaped for its language, so nothing may write a
    /// value unescaped (`{{{…}}}`, `{{&…}}`) and its text may not hold the value markers.
    fn snippet(&mut self, s: Spanned<String>, what: &str) -> (String, String) {
        let span = s.span();
        if let Some(at) = s.get_ref().find(crate::rules::snippet::MARKERS) {
            let rel = line_col(s.get_ref(), at);
            self.err_inside(
                &span,
                s.get_ref(),
                rel,
                format!("{what}: the template holds the reserved character U+E000 or U+E001\n  fix: remove it"),
            );
        }
        let (source, name) = self.register(s, what, true);
        let mut refs = TemplateRefs::default();
        if let Some(t) = self.snippets.get_template(&name) {
            refs.walk(t);
        }
        for (l, c) in refs.unescaped {
            self.err_inside(
                &span,
                &source,
                (l, c),
                format!("{what}: a remediation template may not write a value unescaped with {{{{{{…}}}}}} or {{{{&…}}}}\n  fix: write {{{{value}}}}: values are escaped for the snippet's language (docs/rules.md)"),
            );
        }
        (source, name)
    }

    fn register(&mut self, s: Spanned<String>, what: &str, snippet: bool) -> (String, String) {
        let span = s.span();
        let source = s.into_inner();
        let name = format!("{}:{}:{what}", self.seq, self.rule_id);
        let registry = if snippet {
            &mut *self.snippets
        } else {
            &mut *self.templates
        };
        match registry.register_template_string(&name, &source) {
            Ok(()) => {
                // Every partial it includes exists, and is named, not computed.
                let mut refs = TemplateRefs::default();
                if let Some(t) = registry.get_template(&name) {
                    refs.walk(t);
                }
                for (p, at) in refs.partials {
                    if !self.library.partials.contains_key(&p) {
                        let msg = self.library.no_partial(&p);
                        self.err_inside(&span, &source, at, format!("{what}: {msg}"));
                    }
                }
                for at in refs.dynamic {
                    self.err_inside(&span, &source, at, format!("{what}: a partial's name must be written out, so that it can be checked when rules are loaded\n  fix: write {{{{> name}}}}"));
                }
            }
            Err(e) => {
                let msg = e.reason().to_string();
                match e.pos() {
                // Both 1-based.
                Some((l, c)) => self.err_inside(
                    &span,
                    &source,
                    (l, c),
                    format!("{what}: template does not compile: {msg}\n  fix: correct the handlebars template; see docs/rules.md"),
                ),
                None => self.err_at(
                    &span,
                    format!("{what}: template does not compile: {msg}\n  fix: correct the handlebars template; see docs/rules.md"),
                ),
            }
            }
        }
        (source, name)
    }
}

/// Decide which `let`s each outcome of a check needs, so that values only a message uses are
/// computed only when that message is rendered.
/// `expand` gives a template's text with that of the partials it includes.
fn assign_lets(c: &mut Check, rem: &RemediationText, expand: &dyn Fn(&str) -> String) {
    let names: Vec<&str> = c.lets.iter().map(|(n, _)| n.as_str()).collect();
    let n = names.len();
    let refs = |e: &Expr| -> Vec<bool> {
        let r = e.program.references();
        names.iter().map(|x| r.has_variable(x)).collect()
    };
    // Close a set of lets over the lets their expressions use (a let only uses earlier ones).
    let close = |mut set: Vec<bool>| -> Vec<bool> {
        for i in (0..n).rev() {
            if set[i] {
                for (j, used) in refs(&c.lets[i].1).into_iter().enumerate() {
                    if used && j < i {
                        set[j] = true;
                    }
                }
            }
        }
        set
    };
    let mentioned = |texts: &[Option<&str>]| -> Vec<bool> {
        let texts: Vec<String> = texts.iter().flatten().map(|t| expand(t)).collect();
        names
            .iter()
            .map(|x| texts.iter().any(|t| mentions(t, x)))
            .collect()
    };
    let cond = close(refs(&c.condition));
    let json_pass = mentioned(&[Some(&c.pass_message)]);
    let json_fail = mentioned(&[
        Some(&c.fail_message),
        rem.terraform.as_deref(),
        rem.cloudformation.as_deref(),
        rem.cli.as_deref(),
    ]);
    let json_fail_message = mentioned(&[Some(&c.fail_message)]);
    let union =
        |a: &[bool], b: &[bool]| -> Vec<bool> { a.iter().zip(b).map(|(x, y)| *x || *y).collect() };
    c.lets_for_pass = close(union(&cond, &json_pass));
    c.lets_for_fail = close(union(&cond, &json_fail));
    c.lets_for_fail_message = close(union(&cond, &json_fail_message));
    c.lets_for_condition = cond;
    c.json_for_pass = json_pass;
    c.json_for_fail = json_fail;
    c.json_for_fail_message = json_fail_message;
}

/// True when a handlebars expression (`{{ ... }}`) of `template` contains `name` as a whole identifier.
fn mentions(template: &str, name: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let after_open = &rest[open + 2..];
        let Some(close) = after_open.find("}}") else {
            return false;
        };
        let expr = &after_open[..close];
        if expr.match_indices(name).any(|(i, _)| {
            let before = expr[..i].chars().next_back();
            let after = expr[i + name.len()..].chars().next();
            !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
        }) {
            return true;
        }
        rest = &after_open[close + 2..];
    }
    false
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn valid_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

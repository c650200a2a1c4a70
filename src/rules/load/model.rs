//! The compiled form of rules: what evaluation reads (`Rule`, `Check`, their CEL programs and the
//! names of their templates) and the loaded `RuleSet` with its lookups.

use super::library::Library;
use crate::error::Error;
use crate::findings::{Applicability, CheckFix, CreatesLimits, FixAction, FixCatalog, Severity};
use crate::term::escape;
use handlebars::Handlebars;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a rule came from: the embedded pack or a file given with `--rules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSource {
    Builtin,
    File(PathBuf),
}

impl RuleSource {
    /// `builtin` or the file path, as the report shows it.
    pub fn label(&self) -> String {
        match self {
            RuleSource::Builtin => "builtin".into(),
            RuleSource::File(p) => p.display().to_string(),
        }
    }
}

/// A compiled CEL expression and its source text.
#[derive(Debug)]
pub struct Expr {
    pub source: String,
    pub(crate) program: cel::Program,
}

/// A rule parameter: its default and what it means.
#[derive(Debug, Clone)]
pub struct ParamSpec {
    pub default: serde_json::Value,
    pub description: String,
}

/// Remediation template sources (handlebars), one per format.
#[derive(Debug, Clone, Default)]
pub struct RemediationText {
    /// How to fix a failing resource, in prose (not a template).
    pub summary: Option<String>,
    pub terraform: Option<String>,
    pub cloudformation: Option<String>,
    pub cli: Option<String>,
}

/// Names of registered templates; `None` where the rule has no such template.
#[derive(Debug, Clone, Default)]
pub(crate) struct RemediationTpl {
    pub terraform: Option<String>,
    pub cloudformation: Option<String>,
    pub cli: Option<String>,
}

/// A check's fix as its rule file declares it; limits name the rule's parameters, whose values
/// in effect (after the config file) [`RuleSet::fix_catalog`] reads.
#[derive(Debug, Clone, PartialEq)]
pub struct FixDecl {
    pub action: Option<FixAction>,
    pub applicability: Applicability,
    /// Parameter names.
    pub max_aggregation_interval: Option<String>,
    pub min_retention_days: Option<String>,
    pub encrypted: bool,
}

impl Default for FixDecl {
    fn default() -> Self {
        FixDecl {
            action: None,
            applicability: Applicability::Manual,
            max_aggregation_interval: None,
            min_retention_days: None,
            encrypted: false,
        }
    }
}

/// One compiled check of a rule.
#[derive(Debug)]
pub struct Check {
    pub id: String,
    pub title: String,
    /// How a failing result is fixed (`[checks.fix]`; manual when the file has none).
    pub fix: FixDecl,
    pub applies_if: Option<Expr>,
    pub lets: Vec<(String, Expr)>,
    pub condition: Expr,
    /// Template sources, for `rules show`.
    pub pass_message: String,
    pub fail_message: String,
    pub skip_message: Option<String>,
    /// Check-specific remediation; falls back to the rule's.
    pub remediation: Option<RemediationText>,
    pub(crate) tpl_pass: String,
    pub(crate) tpl_fail: String,
    pub(crate) tpl_skip: Option<String>,
    pub(crate) tpl_remediation: Option<RemediationTpl>,
    /// Which `let`s are evaluated: those the condition needs (always), and those the templates
    /// of the outcome need (after the condition); each mask is indexed like `lets`.
    pub(crate) lets_for_condition: Vec<bool>,
    pub(crate) lets_for_pass: Vec<bool>,
    pub(crate) lets_for_fail: Vec<bool>,
    /// The lets a failure needs when its remediation is not rendered (the message alone).
    pub(crate) lets_for_fail_message: Vec<bool>,
    /// Which `let`s the pass / fail templates (fail: with remediation) name, to give them as data.
    pub(crate) json_for_pass: Vec<bool>,
    pub(crate) json_for_fail: Vec<bool>,
    pub(crate) json_for_fail_message: Vec<bool>,
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    /// Resource kind (`vpc`).
    pub resource: String,
    pub compliance: BTreeMap<String, Vec<String>>,
    pub references: Vec<String>,
    pub parameters: BTreeMap<String, ParamSpec>,
    /// Parameter values in effect: defaults overridden by the config file.
    pub params: serde_json::Map<String, serde_json::Value>,
    pub applies_if: Option<Expr>,
    pub skip_message: Option<String>,
    pub remediation: RemediationText,
    pub checks: Vec<Check>,
    pub source: RuleSource,
    /// The file name or path the rule was read from, for messages.
    pub origin: String,
    pub(crate) tpl_skip: Option<String>,
    pub(crate) tpl_remediation: RemediationTpl,
    pub(crate) params_cel: cel::Value,
}

impl Rule {
    /// The fix of one of this rule's checks, with the limits' parameter values in effect.
    pub fn check_fix(&self, c: &Check) -> CheckFix {
        let int = |name: &Option<String>| {
            name.as_ref()
                .and_then(|n| self.params.get(n))
                .and_then(|v| v.as_i64())
        };
        CheckFix {
            action: c.fix.action,
            applicability: c.fix.applicability,
            creates: CreatesLimits {
                max_aggregation_interval: int(&c.fix.max_aggregation_interval),
                min_retention_days: int(&c.fix.min_retention_days),
                encrypted: c.fix.encrypted,
            },
        }
    }
}

/// The loaded rules, with the CEL environment and the compiled templates they share.
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub(crate) env: Arc<cel::Env>,
    /// Message templates (pass, fail, skip): values lose their control characters.
    pub(crate) templates: Handlebars<'static>,
    /// Remediation templates: values are marked, then escaped for the snippet's language and
    /// their place in it (`crate::rules::snippet`).
    pub(crate) snippets: Handlebars<'static>,
    /// The partials and helpers the rules may use.
    pub(super) library: Library,
    /// Rules compiled so far: each rule's templates are registered under a name of its own.
    pub(super) seq: usize,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules)
            .finish()
    }
}

impl RuleSet {
    /// The partials the templates of `rule` include, directly or not: (name, where it is
    /// defined, its text), for `rules show`.
    pub fn partials_of(&self, rule: &Rule) -> Vec<(String, String, String)> {
        let snippets = |r: &'_ RemediationText| {
            [&r.terraform, &r.cloudformation, &r.cli]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
        };
        let mut texts: Vec<String> = snippets(&rule.remediation);
        texts.extend(rule.skip_message.iter().cloned());
        for c in &rule.checks {
            texts.extend([c.pass_message.clone(), c.fail_message.clone()]);
            texts.extend(c.skip_message.iter().cloned());
            if let Some(r) = &c.remediation {
                texts.extend(snippets(r));
            }
        }
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        self.library
            .included_by(&texts)
            .into_iter()
            .map(|(n, p)| (n.to_string(), p.origin.clone(), p.text.clone()))
            .collect()
    }

    /// Whether some rule may read the account's tags: one of its expressions, templates, the
    /// partials they include or the library's helpers reads `account.tags`, or the whole
    /// `account` (see [`reads_account_tags`]). Account
    /// tags cost one Organizations call per account, made only when something reads them.
    pub fn reads_account_tags(&self) -> bool {
        let exprs = |a: &Option<Expr>| a.iter().map(|e| e.source.clone()).collect::<Vec<_>>();
        let mut texts: Vec<String> = Vec::new();
        let mut templates: Vec<String> = Vec::new();
        for r in &self.rules {
            texts.extend(exprs(&r.applies_if));
            for c in &r.checks {
                texts.extend(exprs(&c.applies_if));
                texts.extend(c.lets.iter().map(|(_, e)| e.source.clone()));
                texts.push(c.condition.source.clone());
            }
            templates.extend(self.partials_of(r).into_iter().map(|(_, _, text)| text));
            let snippets = |m: &RemediationText| {
                [&m.terraform, &m.cloudformation, &m.cli]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
            };
            templates.extend(r.skip_message.iter().cloned());
            templates.extend(snippets(&r.remediation));
            for c in &r.checks {
                templates.extend([c.pass_message.clone(), c.fail_message.clone()]);
                templates.extend(c.skip_message.iter().cloned());
                templates.extend(c.remediation.iter().flat_map(snippets));
            }
        }
        texts.extend(self.library.helpers.values().map(|h| h.source.clone()));
        texts.iter().any(|t| reads_account_tags(&cel_code(t)))
            || templates.iter().any(|t| reads_account_tags(&mustaches(t)))
    }

    /// The fix of every check, with the limits' parameter values in effect.
    pub fn fix_catalog(&self) -> FixCatalog {
        FixCatalog(
            self.rules
                .iter()
                .flat_map(|r| {
                    r.checks
                        .iter()
                        .map(move |c| ((r.id.clone(), c.id.clone()), r.check_fix(c)))
                })
                .collect(),
        )
    }

    /// Find a rule by id; ids are matched regardless of case (`vpc-001` is VPC-001).
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.id == id)
            .or_else(|| self.rules.iter().find(|r| r.id.eq_ignore_ascii_case(id)))
    }

    /// Each rule's id with the ids of its checks.
    pub fn ids_and_checks(&self) -> impl Iterator<Item = (&str, Vec<&str>)> {
        self.rules.iter().map(|r| {
            (
                r.id.as_str(),
                r.checks.iter().map(|c| c.id.as_str()).collect(),
            )
        })
    }

    /// The rule `id` names (regardless of case), or an error naming the closest id:
    /// `what` says where the id was given (`--fix-rule`, `rules show`).
    pub fn lookup(&self, what: &str, id: &str) -> Result<&Rule, Error> {
        self.get(id).ok_or_else(|| {
            Error::input(format!(
                "{what}: unknown rule {:?}{}\n  fix: use an id from `flowaudit rules list`: {}",
                escape(id),
                crate::suggest::hint(id, self.rules.iter().map(|r| r.id.as_str())),
                escape(
                    &self
                        .rules
                        .iter()
                        .map(|r| r.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            ))
        })
    }
}

/// Whether `text` may read the account's tags: it names the identifier `account` other than as
/// `account.FIELD` with a field other than `tags` (`account.tags`, `account['tags']`, a bare
/// `account` bound or passed on all count).
fn reads_account_tags(text: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices("account").any(|(i, w)| {
        if text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| ident(c) || c == '.')
        {
            return false;
        }
        let rest = &text[i + w.len()..];
        if rest.chars().next().is_some_and(ident) {
            return false;
        }
        match rest.trim_start().strip_prefix('.') {
            Some(field) => {
                let field = field.trim_start();
                let end = field.find(|c: char| !ident(c)).unwrap_or(field.len());
                end == 0 || &field[..end] == "tags"
            }
            None => true,
        }
    })
}

/// A CEL expression without the text of its string literals.
fn cel_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(_) if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => {
                quote = None;
                out.push(' ');
            }
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None => out.push(c),
        }
    }
    out
}

/// What the `{{ }}` expressions of a Handlebars template say, without the text around them.
fn mustaches(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let inner = &rest[start + 2..];
        let end = inner.find("}}").unwrap_or(inner.len());
        out.push_str(&inner[..end]);
        out.push(' ');
        rest = &inner[end..];
    }
    out
}

//! Loading rule files: TOML parsing with positions, CEL compilation and template compilation.
//!
//! Everything that can be wrong with a rule is found here, once, before any resource is
//! evaluated; each problem names the file, the rule, the line and column, and what is wrong.

use super::fields::Fields;
use super::pos::{inside_string, line_col, toml_error_at};
use crate::error::Error;
use crate::findings::{Applicability, CheckFix, CreatesLimits, FixAction, FixCatalog, Severity};
use crate::term::{Escaped, escape};
use handlebars::Handlebars;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// Names that CEL expressions may use as variables; `let` names may not shadow them.
pub(crate) const RESERVED_NAMES: &[&str] = &[
    "vpc",
    "transit_gateway",
    "resource",
    "account",
    "params",
    "options",
    "checks",
    "rule",
    "check",
];

// ---------- the file format (docs/rules.md) ----------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: Spanned<String>,
    title: String,
    description: String,
    severity: Severity,
    /// The resource kind; `vpc` when absent.
    #[serde(default)]
    resource: Option<Spanned<String>>,
    #[serde(default)]
    applies_if: Option<Spanned<String>>,
    #[serde(default)]
    skip_message: Option<Spanned<String>>,
    #[serde(default)]
    compliance: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    parameters: BTreeMap<String, Spanned<ParamFile>>,
    #[serde(default)]
    remediation: RemediationFile,
    checks: Vec<CheckFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamFile {
    default: toml::Value,
    description: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemediationFile {
    /// Plain prose: how to fix a failing resource (SARIF rule help; not a template).
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    terraform: Option<Spanned<String>>,
    #[serde(default)]
    cloudformation: Option<Spanned<String>>,
    #[serde(default)]
    cli: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    applies_if: Option<Spanned<String>>,
    #[serde(default)]
    skip_message: Option<Spanned<String>>,
    #[serde(default, rename = "let")]
    lets: Vec<LetFile>,
    condition: Spanned<String>,
    pass: Spanned<String>,
    fail: Spanned<String>,
    #[serde(default)]
    remediation: Option<RemediationFile>,
    #[serde(default)]
    fix: Option<FixFile>,
}

/// `[checks.fix]`: how a failing result of the check is fixed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixFile {
    #[serde(default)]
    action: Option<Spanned<String>>,
    applicability: Spanned<String>,
    #[serde(default)]
    creates: Option<Spanned<CreatesFile>>,
}

/// `[checks.fix.creates]`: limits on what any fix creates, each named by a rule parameter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreatesFile {
    #[serde(default)]
    max_aggregation_interval: Option<Spanned<String>>,
    #[serde(default)]
    min_retention_days: Option<Spanned<String>>,
    #[serde(default)]
    encrypted: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LetFile {
    name: Spanned<String>,
    expr: Spanned<String>,
}

// ---------- the compiled form ----------

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
    /// their place in it (`super::snippet`).
    pub(crate) snippets: Handlebars<'static>,
    seq: usize,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules)
            .finish()
    }
}

/// How a value is written into a message or a remediation snippet. Values come from AWS (a Name
/// tag, an error message): each control character (a line break above all) becomes a space, so a
/// value can never start a new line of code in a Terraform, CloudFormation or shell snippet.
/// Nothing else is changed: the formats escape for their own context.
pub(crate) fn template_value(s: &str) -> String {
    // Control characters are C0 (and DEL), one byte each, or C1, whose UTF-8 encoding starts
    // with 0xC2: text without those bytes has none.
    if !s.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2) {
        return s.to_string();
    }
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

// `{{join list sep}}`: the items of a list, each written as `{{this}}` would write it, separated
// by `sep`. The same as the `#each` / `#unless @last` idiom, at a fraction of its cost; anything
// but a list is written as it is.
handlebars::handlebars_helper!(join: |list: Json, sep: str| {
        use handlebars::JsonRender;
        match list {
            serde_json::Value::Array(items) => items
                .iter()
                .map(|v| v.render())
                .collect::<Vec<_>>()
                .join(sep),
            other => other.render(),
        }
    }
);

/// The CEL environment every rule is compiled and run with: the standard library plus the
/// strings, lists and math extensions.
pub(crate) fn cel_env() -> cel::Env {
    let mut env = cel::Env::stdlib();
    // The extensions declare distinct functions; failure would be a bug in the crate.
    let _ = env.add_extension(cel::extensions::strings);
    let _ = env.add_extension(cel::extensions::lists);
    let _ = env.add_extension(cel::extensions::math);
    env
}

impl RuleSet {
    /// An empty rule set.
    pub fn empty() -> RuleSet {
        let mut templates = Handlebars::new();
        templates.register_escape_fn(template_value);
        templates.register_helper("join", Box::new(join));
        let mut snippets = Handlebars::new();
        snippets.register_escape_fn(super::snippet::mark);
        snippets.register_helper("join", Box::new(join));
        RuleSet {
            rules: Vec::new(),
            env: Arc::new(cel_env()),
            templates,
            snippets,
            seq: 0,
        }
    }

    /// The built-in pack only.
    pub fn builtin() -> Result<RuleSet, Error> {
        let mut set = RuleSet::empty();
        set.add_builtin()?;
        Ok(set)
    }

    /// The built-in pack, then each directory in order; a rule whose id is already loaded replaces it.
    pub fn load(dirs: &[PathBuf]) -> Result<RuleSet, Error> {
        let mut set = RuleSet::builtin()?;
        for d in dirs {
            set.add_dir(d)?;
        }
        Ok(set)
    }

    /// Only the rules of one directory (for `rules test DIR` and `rules validate DIR`).
    pub fn from_dir(dir: &Path) -> Result<RuleSet, Error> {
        let mut set = RuleSet::empty();
        set.add_dir(dir)?;
        Ok(set)
    }

    /// Add the embedded pack.
    pub fn add_builtin(&mut self) -> Result<(), Error> {
        let files: Vec<(String, String, RuleSource)> = super::builtin::BUILTIN_FILES
            .iter()
            .filter(|(n, _)| !is_test_file(n))
            .map(|(n, t)| (format!("rules/{n}"), t.to_string(), RuleSource::Builtin))
            .collect();
        self.add_files(files)
    }

    /// Add every rule file (`*.toml` that is not `*.test.toml`) of a directory.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), Error> {
        let mut files = Vec::new();
        for path in rule_files_in(dir)? {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Error::input(format!(
                    "cannot read rule file {}: {}",
                    Escaped(path.display()),
                    Escaped(e)
                ))
            })?;
            files.push((path.display().to_string(), text, RuleSource::File(path)));
        }
        if files.is_empty() {
            return Err(Error::input(format!(
                "--rules {}: the directory holds no rule files (*.toml)\n  fix: put one TOML file per rule in it; see docs/rules.md",
                Escaped(dir.display())
            )));
        }
        self.add_files(files)
    }

    /// Parse and compile a batch of files; all their errors are reported together.
    fn add_files(&mut self, files: Vec<(String, String, RuleSource)>) -> Result<(), Error> {
        let mut errors = Vec::new();
        let mut loaded: Vec<Rule> = Vec::new();
        for (origin, text, source) in files {
            match self.compile_file(&origin, &text, source) {
                Ok(rule) => {
                    if let Some(prev) = loaded.iter().find(|r| r.id.eq_ignore_ascii_case(&rule.id))
                    {
                        errors.push(format!(
                            "{}: rule {}: the id is also used by {}\n  fix: give every rule a unique id",
                            escape(&origin),
                            escape(&rule.id),
                            escape(&prev.origin)
                        ));
                    } else {
                        loaded.push(rule);
                    }
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        if !errors.is_empty() {
            return Err(Error::input(format!(
                "invalid rule file(s):\n{}",
                errors.join("\n")
            )));
        }
        for rule in loaded {
            match self
                .rules
                .iter()
                .position(|r| r.id.eq_ignore_ascii_case(&rule.id))
            {
                Some(i) => self.rules[i] = rule,
                None => self.rules.push(rule),
            }
        }
        self.rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(())
    }

    /// Parse one rule file's text (public for `rules validate` of single files and tests).
    pub fn compile_text(
        &mut self,
        origin: &str,
        text: &str,
        source: RuleSource,
    ) -> Result<(), Error> {
        self.add_files(vec![(origin.to_string(), text.to_string(), source)])
    }

    fn compile_file(
        &mut self,
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
        self.seq += 1;
        let seq = self.seq;
        let mut c = Compiler {
            origin,
            text,
            rule_id: file.id.get_ref().clone(),
            env: &self.env,
            templates: &mut self.templates,
            snippets: &mut self.snippets,
            seq,
            errors: Vec::new(),
            fields: Fields::new(super::VPC, Vec::new()),
        };
        let rule = c.rule(file, source);
        if c.errors.is_empty() {
            Ok(rule.expect("a rule compiles when no error was recorded"))
        } else {
            Err(c.errors)
        }
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

/// True for rule test files (`X.test.toml`).
pub(crate) fn is_test_file(name: &str) -> bool {
    name.ends_with(".test.toml")
}

/// The rule files of a directory, sorted.
pub(crate) fn rule_files_in(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let rd = std::fs::read_dir(dir).map_err(|e| {
        Error::input(format!(
            "cannot read rules directory {}: {}\n  fix: pass a directory that holds rule files (*.toml)",
            Escaped(dir.display()),
            Escaped(e)
        ))
    })?;
    let mut out: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            p.is_file() && name.ends_with(".toml") && !is_test_file(&name)
        })
        .collect();
    out.sort();
    Ok(out)
}

struct Compiler<'a> {
    origin: &'a str,
    text: &'a str,
    rule_id: String,
    env: &'a cel::Env,
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
            None => (id_span.clone(), super::VPC.to_string()),
        };
        if !super::RESOURCE_KINDS.contains(&kind.as_str()) {
            self.err_at(
                &kind_span,
                format!(
                    "resource kind {kind:?} is not supported\n  fix: use one of: {}",
                    super::RESOURCE_KINDS.join(", ")
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
        let params_cel = super::cel_values::json_to_cel(&serde_json::Value::Object(params.clone()));
        let checks: Option<Vec<Check>> = checks.into_iter().collect();
        let mut checks = checks?;
        for c in &mut checks {
            let rem = c.remediation.as_ref().unwrap_or(&remediation).clone();
            assign_lets(c, &rem);
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
            if !valid_ident(&name) || RESERVED_NAMES.contains(&name.as_str()) {
                self.err_at(
                    &span,
                    format!(
                        "check {cid}: let name {name:?} is not usable\n  fix: use a CEL identifier other than {}",
                        RESERVED_NAMES.join(", ")
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
        if let Some(at) = s.get_ref().find(super::snippet::MARKERS) {
            let rel = line_col(s.get_ref(), at);
            self.err_inside(
                &span,
                s.get_ref(),
                rel,
                format!("{what}: the template holds the reserved character U+E000 or U+E001\n  fix: remove it"),
            );
        }
        let (source, name) = self.register(s, what, true);
        let mut raw = Vec::new();
        if let Some(t) = self.snippets.get_template(&name) {
            unescaped_expressions(t, &mut raw);
        }
        for (l, c) in raw {
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
        if let Err(e) = registry.register_template_string(&name, &source) {
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
        (source, name)
    }
}

/// Where (line, column; 1-based) each `{{{…}}}` or `{{&…}}` expression of a template stands,
/// nested blocks included.
fn unescaped_expressions(t: &handlebars::Template, out: &mut Vec<(usize, usize)>) {
    use handlebars::template::TemplateElement;
    for (i, e) in t.elements.iter().enumerate() {
        match e {
            TemplateElement::HtmlExpression(_) => {
                let at = t.mapping.get(i).map(|m| (m.0, m.1)).unwrap_or((1, 1));
                out.push(at);
            }
            TemplateElement::HelperBlock(h) => {
                for inner in [&h.template, &h.inverse].into_iter().flatten() {
                    unescaped_expressions(inner, out);
                }
            }
            _ => {}
        }
    }
}

/// Decide which `let`s each outcome of a check needs, so that values only a message uses are
/// computed only when that message is rendered.
fn assign_lets(c: &mut Check, rem: &RemediationText) {
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
        names
            .iter()
            .map(|x| texts.iter().flatten().any(|t| mentions(t, x)))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-check rule with `fix` as its `[checks.fix]` table (empty: none).
    fn rule_with_fix(fix: &str) -> String {
        format!(
            r#"id = "X-1"
title = "t"
description = "d"
severity = "low"
resource = "vpc"
[parameters]
limit = {{ default = 60, description = "d" }}
name = {{ default = "x", description = "d" }}
[[checks]]
id = "c"
title = "t"
condition = "true"
pass = "p"
fail = "f"
{fix}
"#
        )
    }

    #[test]
    fn a_check_declares_its_fix_and_defaults_to_manual() {
        let mut set = RuleSet::empty();
        set.compile_text("r.toml", &rule_with_fix(""), RuleSource::Builtin)
            .unwrap();
        assert_eq!(set.rules[0].checks[0].fix, FixDecl::default());
        let mut set = RuleSet::empty();
        set.compile_text(
            "r.toml",
            &rule_with_fix(
                "[checks.fix]\naction = \"create-flow-log\"\napplicability = \"safe\"\ncreates = { max_aggregation_interval = \"limit\", encrypted = true }",
            ),
            RuleSource::Builtin,
        )
        .unwrap();
        let cat = set.fix_catalog();
        let f = cat.get("X-1", "c").unwrap();
        assert_eq!(f.action, Some(FixAction::CreateFlowLog));
        assert_eq!(f.applicability, Applicability::Safe);
        assert_eq!(f.creates.max_aggregation_interval, Some(60));
        assert!(f.creates.encrypted);
        assert_eq!(f.describe(), "safe fix (create-flow-log)");
    }

    #[test]
    fn a_bad_fix_declaration_is_a_positioned_load_error() {
        for (fix, at, needle) in [
            (
                "[checks.fix]\naction = \"delete-vpc\"\napplicability = \"safe\"",
                "r.toml:16:10:",
                "fix action \"delete-vpc\" is unknown",
            ),
            (
                "[checks.fix]\naction = \"create-flow-log\"\napplicability = \"sometimes\"",
                "r.toml:17:17:",
                "fix applicability \"sometimes\" is unknown",
            ),
            (
                "[checks.fix]\naction = \"associate-kms-key\"\napplicability = \"safe\"",
                "r.toml:16:10:",
                "changes an existing resource, so it cannot be safe",
            ),
            (
                "[checks.fix]\naction = \"create-flow-log\"\napplicability = \"manual\"",
                "r.toml:16:10:",
                "a manual fix has no action",
            ),
            (
                "[checks.fix]\napplicability = \"unsafe\"",
                "r.toml:16:17:",
                "a unsafe fix needs an action",
            ),
            (
                "[checks.fix]\napplicability = \"manual\"\ncreates = { min_retention_days = \"nope\" }",
                "r.toml:17:34:",
                "names parameter \"nope\", which the rule does not declare",
            ),
            (
                "[checks.fix]\napplicability = \"manual\"\ncreates = { min_retention_days = \"name\" }",
                "r.toml:17:34:",
                "which is not an integer",
            ),
        ] {
            let mut set = RuleSet::empty();
            let e = set
                .compile_text("r.toml", &rule_with_fix(fix), RuleSource::Builtin)
                .unwrap_err()
                .to_string();
            assert!(e.contains(at) && e.contains(needle), "{fix}: {e}");
            assert!(e.contains("rule X-1: check c: "), "{e}");
        }
        // An unknown key is refused by the file format, with its position.
        let mut set = RuleSet::empty();
        let e = set
            .compile_text(
                "r.toml",
                &rule_with_fix("[checks.fix]\napplicability = \"manual\"\nwhen = \"always\""),
                RuleSource::Builtin,
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("r.toml:17:") && e.contains("when"), "{e}");
    }

    #[test]
    fn values_lose_their_control_characters_and_nothing_else() {
        assert_eq!(template_value("plain é ü → ok"), "plain é ü → ok");
        assert_eq!(template_value("a\nb\r\tc\u{7f}d"), "a b  c d");
        // C1 controls (NEL, CSI) are two bytes in UTF-8, like `é` and `ü`.
        assert_eq!(template_value("x\u{85}y\u{9b}z é"), "x y z é");
    }

    /// Rule X-1 with one check whose `cli` remediation is `cli` (from line 14 of the file on).
    fn rule_with_cli(cli: &str) -> String {
        format!(
            r#"id = "X-1"
title = "t"
description = "d"
severity = "low"
resource = "vpc"
[[checks]]
id = "c"
title = "t"
condition = "true"
pass = "{{{{{{resource.id}}}}}} is fine in a message"
fail = "f"
[checks.remediation]
cli = """
{cli}
"""
"#
        )
    }

    #[test]
    fn unescaped_values_in_remediation_are_refused_with_their_position() {
        let rule = |cli: &str| rule_with_cli(&format!("aws ec2 x\n  --a {cli}"));
        let mut set = RuleSet::empty();
        set.compile_text("r.toml", &rule("{{resource.id}}"), RuleSource::Builtin)
            .unwrap();
        for (bad, col) in [("{{{resource.id}}}", 7), ("x {{& resource.id}}", 9)] {
            let mut set = RuleSet::empty();
            let e = set
                .compile_text("r.toml", &rule(bad), RuleSource::Builtin)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!("r.toml:15:{col}: rule X-1: check c: remediation.cli: a remediation template may not write a value unescaped")),
                "{e}"
            );
        }
        // Inside a block too.
        let mut set = RuleSet::empty();
        let e = set
            .compile_text(
                "r.toml",
                &rule("{{#if resource.id}}{{{resource.id}}}{{/if}}"),
                RuleSource::Builtin,
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("r.toml:15:"), "{e}");
        let mut set = RuleSet::empty();
        let e = set
            .compile_text("r.toml", &rule("\u{e000}"), RuleSource::Builtin)
            .unwrap_err()
            .to_string();
        assert!(e.contains("r.toml:15:7: rule X-1: check c: remediation.cli: the template holds the reserved character"), "{e}");
    }

    #[test]
    fn positions_after_line_ending_backslashes_and_escapes_are_those_of_the_file() {
        // The backslash at the end of line 14 joins it with line 15 in the value; the escaped
        // quotes on line 15 take two characters each in the file.
        let text = rule_with_cli("aws ec2 x \\\n    --a \\\"q\\\" {{{resource.id}}}");
        let mut set = RuleSet::empty();
        let e = set
            .compile_text("r.toml", &text, RuleSource::Builtin)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("r.toml:15:15: rule X-1: check c: remediation.cli: a remediation template may not write a value unescaped"),
            "{e}"
        );
        // CEL and Handlebars report 1-based columns: the error is at the offending character.
        let error = |from: &str, to: &str| {
            let text = text
                .replace("{{{resource.id}}}", "{{resource.id}}")
                .replace(from, to);
            let mut set = RuleSet::empty();
            set.compile_text("r.toml", &text, RuleSource::Builtin)
                .unwrap_err()
                .to_string()
        };
        // `)` at line 9, column 17.
        let e = error("condition = \"true\"", "condition = \"1 +)\"");
        assert!(
            e.contains(
                "r.toml:9:17: rule X-1: check c: condition: CEL expression does not compile"
            ),
            "{e}"
        );
        // The same `)` on the line after a line-ending backslash: line 11, column 8.
        let e = error(
            "condition = \"true\"",
            "condition = \"\"\"\nsize(vpc.subnets) > \\\n   0 &&)\"\"\"",
        );
        assert!(
            e.contains(
                "r.toml:11:8: rule X-1: check c: condition: CEL expression does not compile"
            ),
            "{e}"
        );
        // `{{/each}}` closing `{{#if}}` starts at line 10, column 22.
        let e = error(
            "pass = \"{{resource.id}} is fine in a message\"",
            "pass = \"ab {{#if x}}c{{/each}}\"",
        );
        assert!(
            e.contains("r.toml:10:22: rule X-1: check c: pass: template does not compile"),
            "{e}"
        );
    }

    #[test]
    fn join_writes_the_items_as_each_would_and_escapes_them() {
        let set = RuleSet::empty();
        let data = serde_json::json!({"l": ["a", "b\nc", 3, true], "s": "x\ny", "e": []});
        let render = |t: &str| set.templates.render_template(t, &data).unwrap();
        let each = render("{{#each l}}{{this}}{{#unless @last}}, {{/unless}}{{/each}}");
        assert_eq!(render("{{join l ', '}}"), each);
        assert_eq!(each, "a, b c, 3, true");
        assert_eq!(render("{{join s ', '}}"), "x y");
        assert_eq!(render("[{{join e '; '}}]"), "[]");
    }

    /// A one-check rule of resource kind `kind` with a `limit` parameter, `lets` and `condition`.
    fn rule_reading(kind: &str, lets: &str, condition: &str) -> String {
        format!(
            r#"id = "X-3"
title = "t"
description = "d"
severity = "low"
resource = "{kind}"
[parameters]
limit = {{ default = 60, description = "d" }}
table = {{ default = {{ prod = 1 }}, description = "d" }}
[[checks]]
id = "c"
title = "t"
let = [{lets}]
condition = """
{condition}"""
pass = "p"
fail = "f"
"#
        )
    }

    fn load_error(kind: &str, lets: &str, condition: &str) -> Option<String> {
        let mut set = RuleSet::empty();
        set.compile_text(
            "r.toml",
            &rule_reading(kind, lets, condition),
            RuleSource::Builtin,
        )
        .err()
        .map(|e| e.to_string())
    }

    #[test]
    fn a_field_the_value_does_not_have_is_a_positioned_load_error() {
        // The condition starts on line 14 of the file.
        for (condition, at, what) in [
            (
                "size(vpc.active_vpc_log) > 0",
                "r.toml:14:10:",
                "the vpc has no field \"active_vpc_log\"; did you mean \"active_vpc_logs\"?",
            ),
            (
                "vpc.id != '' &&\n  vpc.subnets.all(s, s.flowlogs.size() > 0)",
                "r.toml:15:24:",
                "the subnet has no field \"flowlogs\"; did you mean \"flow_logs\"?",
            ),
            (
                "vpc.active_logs.exists(l, l.destination.encrypted == 'kms')",
                "r.toml:14:41:",
                "the flow log destination has no field \"encrypted\"",
            ),
            (
                "vpc.subnets.filter(s, s.state == 'available').exists(s, s.nam == '')",
                "r.toml:14:59:",
                "the subnet has no field \"nam\"; did you mean \"name\"?",
            ),
            (
                "vpc.subnets.map(s, s.flow_logs).exists(ls, ls.exists(l, l.statu == ''))",
                "r.toml:14:59:",
                "the flow log has no field \"statu\"; did you mean \"status\"?",
            ),
            (
                "vpc.flow_logs[0].destination.delivers_to.all(t, t.kind != '')",
                "r.toml:14:51:",
                "the delivery stream destination has no field \"kind\"",
            ),
            (
                "has(vpc.is_shared)",
                "r.toml:14:9:",
                "the vpc has no field \"is_shared\"",
            ),
            (
                "vpc['cidr'] != ''",
                "r.toml:14:6:",
                "the vpc has no field \"cidr\"",
            ),
            (
                "account.ou_path.exists(u, u.path == 'x')",
                "r.toml:14:29:",
                "the organizational unit has no field \"path\"",
            ),
            (
                "options.accept_subnets",
                "r.toml:14:9:",
                "the options has no field \"accept_subnets\"; did you mean \"accept_subnet_coverage\"?",
            ),
            (
                "resource.kind == 'vpc'",
                "r.toml:14:10:",
                "the resource has no field \"kind\"",
            ),
            (
                "params.limt > 0",
                "r.toml:14:8:",
                "the rule has no parameter \"limt\"; did you mean \"limit\"?",
            ),
        ] {
            let e = load_error("vpc", "", condition).unwrap_or_else(|| panic!("{condition}"));
            assert!(
                e.contains(&format!("{at} rule X-3: check c: condition: {what}")),
                "{condition}: {e}"
            );
            assert!(e.contains("fix: "), "{e}");
        }
        // In a transit gateway rule, `transit_gateway` is checked too.
        let e = load_error("transit_gateway", "", "transit_gateway.subnets.size() > 0").unwrap();
        assert!(
            e.contains("the transit_gateway has no field \"subnets\""),
            "{e}"
        );
        // A `let` has the shape of its value, in the lets after it and the condition.
        let e = load_error(
            "vpc",
            "{ name = \"logs\", expr = \"vpc.active_logs\" }, { name = \"n\", expr = \"logs.filter(l, l.activ).size()\" }",
            "n > 0",
        )
        .unwrap();
        assert!(
            e.contains("r.toml:12:")
                && e.contains("check c: let n: the flow log has no field \"activ\""),
            "{e}"
        );
    }

    #[test]
    fn fields_of_values_of_unknown_shape_are_not_guessed() {
        for condition in [
            // Every field the value has.
            "vpc.subnets.all(s, s.availability_zone != '' && s.active_logs.size() >= 0)",
            "has(resource.network_interfaces) && resource.network_interfaces > 0",
            "vpc.active_logs.exists(l, l.destination.delivers_to.exists(t, t.label != ''))",
            // A comprehension variable shadows the variable of the same name.
            "vpc.subnets.exists(vpc, vpc.availability_zone != '')",
            // Map keys, parameter values, check statuses, lists of no known shape.
            "'env' in account.tags && account.tags.env == 'prod'",
            "params.table.prod > 0 && params.limit > 0",
            "checks.anything == 'pass' || true",
            "[1, 2].exists(x, x.anything) || {'a': 1}.a > 0",
            "vpc.tags.map(k, k.whatever).size() >= 0",
            // `transit_gateway` is not a variable of a vpc rule: not checked.
            "transit_gateway.anything",
        ] {
            assert_eq!(load_error("vpc", "", condition), None, "{condition}");
        }
    }

    #[test]
    fn the_built_in_rules_and_the_example_rules_load() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        RuleSet::load(&[
            root.join("tests/fixtures/user-rules"),
            root.join("tests/fixtures/account-rules"),
        ])
        .unwrap();
    }

    #[test]
    fn a_let_may_not_shadow_the_account() {
        let text = r#"id = "X-2"
title = "t"
description = "d"
severity = "low"
resource = "vpc"
[[checks]]
id = "c"
title = "t"
let = [{ name = "account", expr = "1" }]
condition = "true"
pass = "p"
fail = "f"
"#;
        let mut set = RuleSet::empty();
        let e = set
            .compile_text("r.toml", text, RuleSource::Builtin)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("r.toml:9:") && e.contains("let name \"account\" is not usable"),
            "{e}"
        );
    }
}

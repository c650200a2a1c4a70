//! The rule library (docs/rules.md, "Partials and helpers"): Handlebars partials (`lib/*.hbs`)
//! that templates include with `{{> name}}`, and CEL helpers (`lib/*.toml`, see `helpers.rs`)
//! that expressions call like functions; where they come from, and the checks of partials.

use super::helpers::{Declared, Helper, compile_helpers, expand, global_calls, is_function};
use super::schema::LibraryFile;
use crate::rules::pos::{line_col, toml_error_at};
use crate::suggest;
use crate::term::escape;
use cel::parser::Macro;
use handlebars::template::{Parameter, Template, TemplateElement};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A file of a library folder: a partial (`NAME.hbs`) or a helper file (`*.toml`).
pub(crate) struct LibFile {
    /// The path (or `rules/lib/NAME` for the built-in library), for messages.
    pub origin: String,
    /// The file name.
    pub name: String,
    pub text: String,
}

/// A partial a template includes, and where (1-based line and column of its `{{>`).
type Include = (String, (usize, usize));

/// A partial: where it is defined, its text and the partials it includes.
pub(crate) struct Partial {
    pub origin: String,
    pub text: String,
    uses: Vec<Include>,
}

/// The partials and helpers rules may use.
#[derive(Default)]
pub(crate) struct Library {
    pub partials: BTreeMap<String, Partial>,
    pub helpers: Arc<BTreeMap<String, Helper>>,
}

impl Library {
    /// The library of the rule directories `dirs` (each the files of its `lib/` folder, in
    /// order) over the built-in one: a directory's partial or helper replaces the built-in one of
    /// its name; two directories may not define the same name. Helpers are compiled in `env`, the
    /// environment without them.
    pub fn build(
        builtin: Vec<LibFile>,
        dirs: Vec<Vec<LibFile>>,
        env: &Arc<cel::Env>,
    ) -> Result<Library, Vec<String>> {
        let mut errors = Vec::new();
        let mut partials: BTreeMap<String, (String, String)> = BTreeMap::new();
        let mut helpers: BTreeMap<String, Declared> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        let n_dirs = dirs.len();
        // The directories first, in order; then the built-in library, whose names a directory
        // defines are hidden.
        for (i, files) in dirs.into_iter().chain([builtin]).enumerate() {
            let is_builtin = i == n_dirs;
            for f in files {
                if let Some(stem) = f.name.strip_suffix(".hbs") {
                    let name = stem.to_string();
                    if !valid_name(&name) {
                        errors.push(format!(
                            "{}: partial name {:?} is not valid\n  fix: name the file with letters, digits, '-' and '_', starting with a letter (e.g. encrypt-destination-cli.hbs)",
                            escape(&f.origin),
                            escape(&name)
                        ));
                        continue;
                    }
                    match partials.get(&name) {
                        Some(_) if is_builtin => {}
                        Some((other, _)) => errors.push(format!(
                            "{}: partial {} is also defined by {}\n  fix: define each partial in one rule directory",
                            escape(&f.origin),
                            escape(&name),
                            escape(other)
                        )),
                        None => {
                            partials.insert(name, (f.origin, f.text));
                        }
                    }
                } else if f.name.ends_with(".toml") {
                    let text: Arc<str> = Arc::from(f.text.as_str());
                    let file: LibraryFile = match toml::from_str(&f.text) {
                        Ok(x) => x,
                        Err(e) => {
                            errors.push(format!(
                                "{}: {}\n  fix: see docs/rules.md#partials-and-helpers for the helper file format",
                                toml_error_at(&f.origin, &f.text, &e),
                                escape(e.message().trim_end())
                            ));
                            continue;
                        }
                    };
                    for h in file.helper {
                        let name_span = h.name.span();
                        let name = h.name.into_inner();
                        match helpers.get(&name) {
                            Some(_) if is_builtin => continue,
                            Some(other) => {
                                let (l, c) = line_col(&f.text, name_span.start);
                                errors.push(format!(
                                    "{}:{l}:{c}: helper {} is also defined by {}\n  fix: define each helper once, in one rule directory",
                                    escape(&f.origin),
                                    escape(&name),
                                    escape(&other.origin)
                                ));
                                continue;
                            }
                            None => {}
                        }
                        order.push(name.clone());
                        helpers.insert(
                            name,
                            Declared {
                                origin: f.origin.clone(),
                                text: text.clone(),
                                params: h.params,
                                expr: h.expr,
                                name_span,
                            },
                        );
                    }
                }
            }
        }
        let mut lib = Library::default();
        for (name, (origin, text)) in partials {
            match partial(&origin, &text) {
                Ok(uses) => {
                    lib.partials.insert(name, Partial { origin, text, uses });
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        for (name, p) in &lib.partials {
            for (used, (l, c)) in &p.uses {
                if !lib.partials.contains_key(used) {
                    errors.push(format!(
                        "{}:{l}:{c}: partial {}: {}",
                        escape(&p.origin),
                        escape(name),
                        lib.no_partial(used)
                    ));
                }
            }
        }
        if let Some((name, p)) = lib.partials.iter().find(|(n, _)| lib.partial_cycle(n)) {
            errors.push(format!(
                "{}: partial {} includes itself (through the partials it includes)\n  fix: break the cycle",
                escape(&p.origin),
                escape(name)
            ));
        }
        lib.helpers = Arc::new(compile_helpers(order, helpers, env, &mut errors));
        if errors.is_empty() {
            Ok(lib)
        } else {
            Err(errors)
        }
    }

    /// Register the partials with the template registries and the helpers with the CEL
    /// environment, as macros.
    pub fn install(
        &self,
        env: &mut cel::Env,
        registries: [&mut handlebars::Handlebars<'static>; 2],
    ) -> Result<(), String> {
        for r in registries {
            for (name, p) in &self.partials {
                r.register_partial(name, &p.text)
                    .map_err(|e| format!("partial {name}: {e}"))?;
            }
        }
        for (name, h) in self.helpers.iter() {
            let helpers = Arc::clone(&self.helpers);
            let n = name.clone();
            env.add_macro(Macro::global(
                name.clone(),
                h.params.len(),
                move |m, _, args| Ok(Some(expand(&helpers, &n, m, std::mem::take(args)))),
            ))
            .map_err(|e| format!("helper {name}: {e}"))?;
        }
        Ok(())
    }

    /// What is wrong with a reference to the partial `name`, which the library does not have.
    pub fn no_partial(&self, name: &str) -> String {
        format!(
            "there is no partial {:?}{}\n  fix: use one of: {} (lib/*.hbs of the rule directory or the built-in library; see docs/rules.md#partials-and-helpers)",
            escape(name),
            suggest::hint(name, self.partials.keys().map(|s| s.as_str())),
            self.partials.keys().cloned().collect::<Vec<_>>().join(", ")
        )
    }

    /// True when the partial `start` includes itself, directly or not.
    fn partial_cycle(&self, start: &str) -> bool {
        let mut stack: Vec<&str> = vec![start];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            for (u, _) in self
                .partials
                .get(n)
                .map(|p| p.uses.as_slice())
                .unwrap_or(&[])
            {
                if u == start {
                    return true;
                }
                if seen.insert(u.as_str()) {
                    stack.push(u);
                }
            }
        }
        false
    }

    /// The partials `texts` include, directly or not, in the order they are first reached.
    pub fn included_by<'a>(&'a self, texts: &[&str]) -> Vec<(&'a str, &'a Partial)> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut todo: Vec<String> = texts.iter().flat_map(|t| partial_names(t)).collect();
        todo.reverse();
        while let Some(n) = todo.pop() {
            if let Some((name, p)) = self.partials.get_key_value(&n)
                && seen.insert(n)
            {
                out.push((name.as_str(), p));
                let mut more = partial_names(&p.text);
                more.reverse();
                todo.extend(more);
            }
        }
        out
    }

    /// `text` followed by the text of every partial it includes, directly or not: what a
    /// template mentions, for deciding which `let`s it needs.
    pub fn with_partials(&self, text: &str) -> String {
        let mut out = text.to_string();
        let mut seen = BTreeSet::new();
        let mut todo = partial_names(text);
        while let Some(n) = todo.pop() {
            if let Some(p) = self.partials.get(&n)
                && seen.insert(n)
            {
                out.push('\n');
                out.push_str(&p.text);
                todo.extend(partial_names(&p.text));
            }
        }
        out
    }

    /// The problems with the calls of `program` to functions: a call to a helper with the wrong
    /// number of arguments, or to a name that is neither a function nor a helper. Each is the
    /// byte offset of the call in the expression and the message.
    pub fn bad_calls(&self, env: &Arc<cel::Env>, program: &cel::Program) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        let mut calls = Vec::new();
        global_calls(program.expression(), &mut calls);
        for (id, name, argc) in calls {
            let msg = if let Some(h) = self.helpers.get(&name) {
                format!(
                    "helper {name} takes {} argument(s) ({}), not {argc}\n  fix: call it as {name}({})",
                    h.params.len(),
                    h.params.join(", "),
                    h.params.join(", ")
                )
            } else if is_function(env, &name) {
                continue;
            } else {
                format!(
                    "there is no function or helper {name:?}{}\n  fix: use a CEL function, or a helper of lib/*.toml of the rule directory or the built-in library{} (see docs/rules.md#partials-and-helpers)",
                    suggest::hint(&name, self.helpers.keys().map(|s| s.as_str())),
                    if self.helpers.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ": {}",
                            self.helpers.keys().cloned().collect::<Vec<_>>().join(", ")
                        )
                    }
                )
            };
            // The parser places a call at its `(`: the name stands just before it.
            let at = program
                .source_info()
                .offset_for(id)
                .map_or(0, |(s, _)| (s as usize).saturating_sub(name.len()));
            out.push((at, msg));
        }
        out
    }
}

/// A partial name: letters, digits, `-` and `_`, starting with a letter.
fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Check a partial file: it compiles, writes no value unescaped, holds no value marker and
/// names the partials it includes; the partials it includes, with their positions.
fn partial(origin: &str, text: &str) -> Result<Vec<Include>, Vec<String>> {
    let at = |(l, c): (usize, usize), what: String| format!("{}:{l}:{c}: {what}", escape(origin));
    let mut errors = Vec::new();
    if let Some(i) = text.find(crate::rules::snippet::MARKERS) {
        errors.push(at(
            line_col(text, i),
            "the partial holds the reserved character U+E000 or U+E001\n  fix: remove it".into(),
        ));
    }
    let t = match Template::compile(text) {
        Ok(t) => t,
        Err(e) => {
            errors.push(at(
                e.pos().unwrap_or((1, 1)),
                format!(
                    "partial does not compile: {}\n  fix: correct the handlebars template; see docs/rules.md",
                    e.reason()
                ),
            ));
            return Err(errors);
        }
    };
    let mut refs = TemplateRefs::default();
    refs.walk(&t);
    for p in refs.unescaped {
        errors.push(at(p, "a partial may not write a value unescaped with {{{…}}} or {{&…}}\n  fix: write {{value}}: values are escaped for the snippet's language (docs/rules.md)".into()));
    }
    for p in refs.dynamic {
        errors.push(at(
            p,
            "a partial's name must be written out, so that it can be checked when rules are loaded\n  fix: write {{> name}}".into(),
        ));
    }
    if errors.is_empty() {
        Ok(refs.partials)
    } else {
        Err(errors)
    }
}

/// What a template refers to: the partials it includes (by name), the partials whose name is
/// computed, and its unescaped expressions; each with its (line, column).
#[derive(Default)]
pub(crate) struct TemplateRefs {
    pub partials: Vec<Include>,
    pub dynamic: Vec<(usize, usize)>,
    pub unescaped: Vec<(usize, usize)>,
}

impl TemplateRefs {
    /// Walk a template, nested blocks included.
    pub fn walk(&mut self, t: &Template) {
        for (i, e) in t.elements.iter().enumerate() {
            let pos = t.mapping.get(i).map(|m| (m.0, m.1)).unwrap_or((1, 1));
            match e {
                TemplateElement::HtmlExpression(_) => self.unescaped.push(pos),
                TemplateElement::HelperBlock(h) => {
                    for inner in [&h.template, &h.inverse].into_iter().flatten() {
                        self.walk(inner);
                    }
                }
                TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                    match &d.name {
                        Parameter::Name(n) if n == "@partial-block" => {}
                        Parameter::Name(n) => self.partials.push((n.clone(), pos)),
                        _ => self.dynamic.push(pos),
                    }
                    if let Some(inner) = &d.template {
                        self.walk(inner);
                    }
                }
                TemplateElement::DecoratorBlock(d) => {
                    if let Some(inner) = &d.template {
                        self.walk(inner);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The names after each `{{>` (or `{{#>`, with `~` whitespace control) of a template's text.
fn partial_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        rest = &rest[i + 2..];
        let t = rest.trim_start_matches('~').trim_start_matches('#');
        if let Some(after) = t.strip_prefix('>') {
            let name: String = after
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

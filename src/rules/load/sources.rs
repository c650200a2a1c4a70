//! Where rules come from, and the environments they are compiled in: the CEL environment, the
//! message and snippet template registries, the built-in pack and rule directories.

use super::compile::compile_file;
use super::library::{LibFile, Library};
use super::model::{Rule, RuleSet, RuleSource};
use crate::error::Error;
use crate::term::{Escaped, escape};
use handlebars::Handlebars;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
        snippets.register_escape_fn(crate::rules::snippet::mark);
        snippets.register_helper("join", Box::new(join));
        RuleSet {
            rules: Vec::new(),
            env: Arc::new(cel_env()),
            templates,
            snippets,
            library: Library::default(),
            seq: 0,
        }
    }

    /// An empty rule set whose rules may use the built-in library and that of each directory
    /// (its `lib/` folder), which replaces built-in partials and helpers of the same name.
    pub fn with_library(dirs: &[PathBuf]) -> Result<RuleSet, Error> {
        let builtin = crate::rules::builtin::BUILTIN_LIBRARY
            .iter()
            .map(|(n, t)| LibFile {
                origin: format!("rules/lib/{n}"),
                name: n.to_string(),
                text: t.to_string(),
            })
            .collect();
        let mut own = Vec::new();
        for d in dirs {
            own.push(library_files(d)?);
        }
        let library = Library::build(builtin, own, &Arc::new(cel_env())).map_err(|e| {
            Error::input(format!("invalid rule library file(s):\n{}", e.join("\n")))
        })?;
        let mut set = RuleSet::empty();
        let RuleSet {
            env,
            templates,
            snippets,
            ..
        } = &mut set;
        let env = Arc::get_mut(env)
            .ok_or_else(|| Error::internal("the CEL environment is shared while rules load"))?;
        library
            .install(env, [templates, snippets])
            .map_err(Error::internal)?;
        set.library = library;
        Ok(set)
    }

    /// The built-in pack only.
    pub fn builtin() -> Result<RuleSet, Error> {
        let mut set = RuleSet::with_library(&[])?;
        set.add_builtin()?;
        Ok(set)
    }

    /// The built-in pack, then each directory in order; a rule whose id is already loaded replaces it.
    pub fn load(dirs: &[PathBuf]) -> Result<RuleSet, Error> {
        let mut set = RuleSet::with_library(dirs)?;
        set.add_builtin()?;
        for d in dirs {
            set.add_dir(d)?;
        }
        Ok(set)
    }

    /// Only the rules of one directory (for `rules test DIR` and `rules validate DIR`), with the
    /// built-in library and the directory's own.
    pub fn from_dir(dir: &Path) -> Result<RuleSet, Error> {
        let mut set = RuleSet::with_library(&[dir.to_path_buf()])?;
        set.add_dir(dir)?;
        Ok(set)
    }

    /// Add the embedded pack.
    pub fn add_builtin(&mut self) -> Result<(), Error> {
        let files: Vec<(String, String, RuleSource)> = crate::rules::builtin::BUILTIN_FILES
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
            match compile_file(self, &origin, &text, source) {
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

/// The files of the library folder of a rule directory (`DIR/lib/`, none when it has none),
/// sorted: partials (`*.hbs`) and helper files (`*.toml`).
fn library_files(dir: &Path) -> Result<Vec<LibFile>, Error> {
    let lib = dir.join("lib");
    if !lib.is_dir() {
        return Ok(Vec::new());
    }
    let cannot = |p: &Path, e: std::io::Error| {
        Error::input(format!(
            "cannot read rule library {}: {}",
            Escaped(p.display()),
            Escaped(e)
        ))
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&lib)
        .map_err(|e| cannot(&lib, e))?
        .map(|e| e.map(|e| e.path()).map_err(|e| cannot(&lib, e)))
        .collect::<Result<_, _>>()?;
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !(path.is_file() && (name.ends_with(".hbs") || name.ends_with(".toml"))) {
            return Err(Error::input(format!(
                "{}: a rule library holds only partials (*.hbs) and helper files (*.toml)\n  fix: move it out of {}",
                Escaped(path.display()),
                Escaped(lib.display())
            )));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| cannot(&path, e))?;
        out.push(LibFile {
            origin: path.display().to_string(),
            name,
            text,
        });
    }
    Ok(out)
}

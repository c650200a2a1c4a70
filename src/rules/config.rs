//! The configuration file (`--config flowaudit.toml`): scan options and rule parameters.
//!
//! ```toml
//! [scan]
//! accept_subnet_coverage = true
//! skip_unused = true
//! fail_on = "high"
//!
//! [rules.VPC-003]
//! params = { min_retention_days = 400 }
//!
//! [rules.VPC-004]
//! enabled = false
//! ```

use super::RuleSet;
use super::pos::{line_col, toml_error_at};
use crate::error::Error;
use crate::findings::Severity;
use crate::term::{Escaped, escape};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The parsed configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub scan: ScanConfig,
    #[serde(default)]
    pub rules: BTreeMap<String, Spanned<RuleConfig>>,
    /// The file and its text, for positioned errors.
    #[serde(skip)]
    origin: Option<(PathBuf, String)>,
}

/// `[scan]`: defaults for the scan flags; a flag on the command line wins.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    #[serde(default)]
    pub accept_subnet_coverage: Option<bool>,
    #[serde(default)]
    pub fail_on: Option<Severity>,
    /// Same as `--skip-unused`.
    #[serde(default)]
    pub skip_unused: Option<bool>,
}

/// `[rules.ID]`: parameters of one rule, and whether it runs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub params: BTreeMap<String, Spanned<toml::Value>>,
}

impl Config {
    /// Read and parse a configuration file.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::input(format!(
                "cannot read config file {}: {}",
                Escaped(path.display()),
                Escaped(e)
            ))
        })?;
        let mut c: Config = toml::from_str(&text).map_err(|e| {
            let at = toml_error_at(&path.display().to_string(), &text, &e);
            Error::input(format!(
                "{at}: invalid config file: {}\n  fix: see docs/guide.md (Rules) for the format",
                escape(e.message().trim_end())
            ))
        })?;
        c.origin = Some((path.to_path_buf(), text));
        Ok(c)
    }

    fn at(&self, span: std::ops::Range<usize>) -> String {
        match &self.origin {
            Some((p, t)) => {
                let (l, c) = line_col(t, span.start);
                format!("{}:{l}:{c}", Escaped(p.display()))
            }
            None => "config".into(),
        }
    }

    /// Set rule parameters and drop disabled rules. Unknown rules, unknown parameters and values
    /// of the wrong type are errors.
    pub fn apply(&self, set: &mut RuleSet) -> Result<(), Error> {
        let mut errors = Vec::new();
        let mut disabled = Vec::new();
        let known: Vec<String> = set.rules.iter().map(|r| r.id.clone()).collect();
        for (id, rc) in &self.rules {
            // Rule ids are matched regardless of case.
            let Some(rule) = set.rules.iter_mut().find(|r| r.id.eq_ignore_ascii_case(id)) else {
                errors.push(format!(
                    "{}: [rules.{}]: no rule has this id{}\n  fix: use an id from `flowaudit rules list`",
                    self.at(rc.span()),
                    escape(id),
                    escape(&crate::suggest::hint(id, known.iter().map(|s| s.as_str())))
                ));
                continue;
            };
            let rc_inner = rc.get_ref();
            if rc_inner.enabled == Some(false) {
                disabled.push(rule.id.clone());
            }
            for (name, value) in &rc_inner.params {
                let Some(spec) = rule.parameters.get(name) else {
                    let known: Vec<&str> = rule.parameters.keys().map(|s| s.as_str()).collect();
                    errors.push(format!(
                        "{}: rule {} has no parameter {name:?}\n  fix: known parameters: {}",
                        self.at(value.span()),
                        escape(id),
                        if known.is_empty() {
                            "(none)".to_string()
                        } else {
                            escape(&known.join(", ")).into_owned()
                        }
                    ));
                    continue;
                };
                let v = serde_json::to_value(value.get_ref()).unwrap_or(serde_json::Value::Null);
                if json_kind(&v) != json_kind(&spec.default) {
                    errors.push(format!(
                        "{}: rule {} parameter {} must be {} (like its default {}), not {}",
                        self.at(value.span()),
                        escape(id),
                        escape(name),
                        json_kind(&spec.default),
                        Escaped(&spec.default),
                        json_kind(&v)
                    ));
                    continue;
                }
                rule.params.insert(name.clone(), v);
            }
            rule.params_cel =
                super::cel_values::json_to_cel(&serde_json::Value::Object(rule.params.clone()));
        }
        if !errors.is_empty() {
            return Err(Error::input(errors.join("\n")));
        }
        set.rules.retain(|r| !disabled.contains(&r.id));
        Ok(())
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "a table",
    }
}

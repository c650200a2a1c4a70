//! The rule file format (docs/rules.md, "Rule file"): the TOML tables of a rule file as read,
//! with the positions of the values whose problems are reported.

use crate::findings::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFile {
    pub(super) id: Spanned<String>,
    pub(super) title: String,
    pub(super) description: String,
    pub(super) severity: Severity,
    /// The resource kind; `vpc` when absent.
    #[serde(default)]
    pub(super) resource: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) applies_if: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) skip_message: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) compliance: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub(super) references: Vec<String>,
    #[serde(default)]
    pub(super) parameters: BTreeMap<String, Spanned<ParamFile>>,
    #[serde(default)]
    pub(super) remediation: RemediationFile,
    pub(super) checks: Vec<CheckFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ParamFile {
    pub(super) default: toml::Value,
    pub(super) description: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RemediationFile {
    /// Plain prose: how to fix a failing resource (SARIF rule help; not a template).
    #[serde(default)]
    pub(super) summary: Option<String>,
    #[serde(default)]
    pub(super) terraform: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) cloudformation: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) cli: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckFile {
    pub(super) id: Spanned<String>,
    pub(super) title: String,
    #[serde(default)]
    pub(super) applies_if: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) skip_message: Option<Spanned<String>>,
    #[serde(default, rename = "let")]
    pub(super) lets: Vec<LetFile>,
    pub(super) condition: Spanned<String>,
    pub(super) pass: Spanned<String>,
    pub(super) fail: Spanned<String>,
    #[serde(default)]
    pub(super) remediation: Option<RemediationFile>,
    #[serde(default)]
    pub(super) fix: Option<FixFile>,
}

/// `[checks.fix]`: how a failing result of the check is fixed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FixFile {
    #[serde(default)]
    pub(super) action: Option<Spanned<String>>,
    pub(super) applicability: Spanned<String>,
    #[serde(default)]
    pub(super) creates: Option<Spanned<CreatesFile>>,
}

/// `[checks.fix.creates]`: limits on what any fix creates, each named by a rule parameter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreatesFile {
    #[serde(default)]
    pub(super) max_aggregation_interval: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) min_retention_days: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) encrypted: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LetFile {
    pub(super) name: Spanned<String>,
    pub(super) expr: Spanned<String>,
}

/// A helper file of a rule library (`lib/*.toml`): CEL helpers, in the order they are declared.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LibraryFile {
    #[serde(default)]
    pub(super) helper: Vec<HelperFile>,
}

/// `[[helper]]`: a name that stands for a CEL expression of its parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HelperFile {
    pub(super) name: Spanned<String>,
    pub(super) params: Spanned<Vec<String>>,
    /// What the helper computes (documentation for readers of the file).
    #[allow(dead_code)]
    pub(super) description: String,
    pub(super) expr: Spanned<String>,
}

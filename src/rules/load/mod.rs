//! Loading rule files: TOML parsing with positions, CEL compilation and template compilation.
//!
//! Everything that can be wrong with a rule is found here, once, before any resource is
//! evaluated; each problem names the file, the rule, the line and column, and what is wrong.
//!
//! - [`schema`]: the rule file format, as read;
//! - [`model`]: the compiled rules and the loaded set;
//! - [`compile`]: from the one to the other;
//! - [`library`]: the partials and CEL helpers rules may use, [`helpers`] their expansion;
//! - [`sources`]: the built-in pack, rule directories and the environments rules compile in.

mod compile;
mod helpers;
mod library;
mod model;
mod schema;
mod sources;

pub(crate) use model::RemediationTpl;
pub use model::{Check, Expr, FixDecl, ParamSpec, RemediationText, Rule, RuleSet, RuleSource};
pub(crate) use sources::is_test_file;

#[cfg(test)]
mod tests;

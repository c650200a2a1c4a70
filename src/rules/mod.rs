//! The rule engine: rules are data files (`rules/*.toml`), evaluated with CEL over the inventory.
//! Pure: inventory in, findings out. The rule file format and the evaluation context are
//! documented in `docs/rules.md`.

pub(crate) mod cel_values;
pub mod config;
mod eval;
mod fields;
mod load;
mod ou_match;
pub(crate) mod pos;
pub(crate) mod shape;
pub mod snippet;
pub mod suppress;
pub mod testing;

pub use eval::{BATCH, EvalOptions, Evaluator, Needs, batches_of, evaluate};
pub use load::{Check, Expr, FixDecl, ParamSpec, RemediationText, Rule, RuleSet, RuleSource};

pub mod builtin;

/// Resource kinds a rule can apply to ([`ResourceKind::NAMES`]). Each kind has its own CEL
/// variable (see `docs/rules.md`).
pub const RESOURCE_KINDS: &[&str] = &ResourceKind::NAMES;

/// The resource kind of VPC rules (the default of a rule file): CEL variable `vpc`.
pub const VPC: &str = ResourceKind::Vpc.name();
/// The resource kind of transit gateway rules: CEL variable `transit_gateway`.
pub const TRANSIT_GATEWAY: &str = ResourceKind::TransitGateway.name();

use crate::kinds::ResourceKind;

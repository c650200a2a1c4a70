//! Arguments of `flowaudit rules`.

/// `flowaudit rules` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct RulesArgs {}

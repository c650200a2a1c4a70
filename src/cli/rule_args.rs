//! Flags that choose and tune the rules.

/// Rule flags of `scan`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Rules")]
pub struct RuleArgs {}

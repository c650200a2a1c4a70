//! Flags of the optional remediation step (`--fix`).

/// Fix flags of `scan`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Fix")]
pub struct FixArgs {}

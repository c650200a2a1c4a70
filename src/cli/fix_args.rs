//! Flags of the optional remediation step (`--fix`).

/// Fix flags of `scan`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Fix")]
pub struct FixArgs {}

/// Arguments of `flowaudit fix` (a scan followed by fixes).
#[derive(Debug, Clone, clap::Args)]
pub struct FixCommandArgs {}

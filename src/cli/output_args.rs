//! Flags that choose the output formats and files.

use std::path::PathBuf;

/// Output flags of `scan`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Write the output to FILE (atomically), or `-` for standard output.
    #[arg(long, short = 'o', value_name = "FILE", default_value = "-")]
    pub output: PathBuf,
}

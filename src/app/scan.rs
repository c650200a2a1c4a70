//! `flowaudit scan`: inventory → rules → report (→ fix).

use super::obtain_inventory;
use crate::cli::ScanArgs;
use crate::error::{Error, ExitStatus};

/// Run a scan and write its outputs; returns the exit status.
pub fn scan(args: ScanArgs) -> Result<ExitStatus, Error> {
    let inv = obtain_inventory(&args.collect)?;
    let mut text =
        serde_json::to_string_pretty(&inv).map_err(|e| Error::internal(e.to_string()))?;
    text.push('\n');
    crate::fsutil::write_atomic(&args.output.output, text.as_bytes())?;
    Ok(if inv.is_partial() {
        ExitStatus::Partial
    } else {
        ExitStatus::Clean
    })
}

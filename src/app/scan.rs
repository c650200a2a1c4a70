//! `flowaudit scan`: inventory → rules → report (→ fix).

use super::obtain_inventory;
use super::output::{check_output_args, write_outputs};
use crate::cli::ScanArgs;
use crate::error::{Error, ExitStatus};

/// Run a scan and write its outputs; returns the exit status.
pub fn scan(args: ScanArgs) -> Result<ExitStatus, Error> {
    check_output_args(&args.output)?;
    let _fix = super::fix_cmd::prepare(&args.fix, &args.collect)?;
    let inv = obtain_inventory(&args.collect)?;
    // Until the rule engine lands, the inventory itself is the output.
    let _ = write_outputs;
    let mut text =
        serde_json::to_string_pretty(&inv).map_err(|e| Error::internal(e.to_string()))?;
    text.push('\n');
    let out = args.output.output.clone().unwrap_or_else(|| "-".into());
    crate::fsutil::write_atomic(&out, text.as_bytes())?;
    Ok(if inv.is_partial() {
        ExitStatus::Partial
    } else {
        ExitStatus::Clean
    })
}

//! `flowaudit scan`: the scan pipeline, with the fix step when `--fix` is given.

use super::pipeline;
use crate::cli::ScanArgs;
use crate::error::{Error, ExitStatus};

/// Run `flowaudit scan`.
pub fn scan(args: ScanArgs) -> Result<ExitStatus, Error> {
    pipeline::run(args)
}

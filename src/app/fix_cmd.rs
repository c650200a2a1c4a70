//! `flowaudit fix`: scan, then plan, confirm, apply and verify fixes; or `--undo` a change log.

use crate::cli::fix_args::FixCommandArgs;
use crate::error::{Error, ExitStatus};

/// Run `flowaudit fix`.
pub fn fix(_args: FixCommandArgs) -> Result<ExitStatus, Error> {
    Err(Error::input("`flowaudit fix` is not available yet"))
}

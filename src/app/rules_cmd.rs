//! `flowaudit rules ...`: list, show, test and validate rule files.

use crate::cli::rules_cmd::RulesArgs;
use crate::error::{Error, ExitStatus};

/// Run a `rules` subcommand.
pub fn rules(_args: RulesArgs) -> Result<ExitStatus, Error> {
    Err(Error::input("`flowaudit rules` is not available yet"))
}

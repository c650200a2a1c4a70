//! The pipeline behind each subcommand: wires collect, rules, report and fix together.
//! This is the only layer that prints to the terminal.

mod accounts_file;
mod closing;
mod collect_step;
mod diff_cmd;
mod file_kind;
mod fix_cmd;
mod fix_settings;
mod fix_step;
mod logging;
mod output;
mod pipeline;
mod publish_cmd;
mod publish_step;
mod report_cmd;
mod rules_cmd;
mod scan;
mod watch_cmd;

use crate::cli::{Cli, Command};
use crate::error::{Error, ExitStatus};
use clap::Parser;

/// Entry point: parse arguments, run, and return the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                ExitStatus::Usage.code()
            } else {
                0
            };
            let _ = e.print();
            return code;
        }
    };
    logging::init(cli.verbose, cli.quiet);
    match run(cli) {
        Ok(status) => status.code(),
        Err(e) => {
            // `Error`'s text is terminal-safe: see `crate::error`.
            eprintln!("flowaudit: error: {e}");
            e.exit_status().code()
        }
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<ExitStatus, Error> {
    match cli.command {
        Command::Scan(args) => scan::scan(args),
        Command::Rules(args) => rules_cmd::rules(args),
        Command::Fix(args) => fix_cmd::fix(args),
        Command::Report(args) => report_cmd::report(args),
        Command::Diff(args) => diff_cmd::diff(args),
        Command::Publish(args) => publish_cmd::publish(args),
        Command::Watch(args) => watch_cmd::watch(args),
    }
}

//! The one error type the binary turns into a message and an exit code.
//!
//! A message may have several lines of its own (`...\n  fix: ...`). Data quoted in it (paths,
//! values from files, parser and AWS error texts) is escaped with [`crate::term::escape`] where the
//! message is built, so it stays on its line; `Display` then escapes every control character
//! but the message's own line breaks ([`crate::term::escape_lines`]), so no data reaches the
//! terminal raw even where a piece was missed.

use crate::term::escape_lines;
use std::fmt;

/// Process exit codes; documented in the README and kept stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Scan complete, no failing result at or above `--fail-on`.
    Clean = 0,
    /// At least one failing result at or above `--fail-on` (or a planned fix failed).
    Findings = 1,
    /// Usage or input error: bad flag, unknown region, malformed file.
    Usage = 2,
    /// The scan is incomplete: some region or account could not be read. Takes precedence over 1.
    Partial = 3,
}

impl ExitStatus {
    /// The numeric process exit code.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// Why a command stopped early.
#[derive(Debug)]
pub enum Error {
    /// Bad input from the user (flags, files); exit code 2. The message names the file, position and fix.
    Input(String),
    /// The run could not go on (credentials, identity, an I/O failure writing output); exit code 2.
    Fatal(String),
    /// A bug or an impossible state.
    Internal(String),
}

impl Error {
    /// Bad user input; the message should say where and how to fix it.
    pub fn input(msg: impl Into<String>) -> Self {
        Error::Input(msg.into())
    }
    /// A run-stopping failure that is not the input's fault.
    pub fn fatal(msg: impl Into<String>) -> Self {
        Error::Fatal(msg.into())
    }
    /// Something that should not happen.
    pub fn internal(msg: impl Into<String>) -> Self {
        Error::Internal(msg.into())
    }
    /// The exit status this error maps to.
    pub fn exit_status(&self) -> ExitStatus {
        ExitStatus::Usage
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(m) | Error::Fatal(m) => f.write_str(&escape_lines(m)),
            Error::Internal(m) => write!(f, "internal error: {}", escape_lines(m)),
        }
    }
}

impl std::error::Error for Error {}

//! `--fix`: the only code that writes to AWS. Plan, confirm, apply idempotently, verify.
//!
//! - [`settings`] validates every fix flag before anything is scanned or changed;
//! - [`plan`] turns failing results into changes (pure);
//! - [`apply`] makes the changes, each independent, each recorded in the [`changelog`] at once;
//! - [`verify`] fills the report's `fixes` section from a rescan of the touched regions;
//! - [`undo`] deletes exactly what a change log records as created.
//!
//! Confirmation and printing belong to the caller (`app`), which is the only layer that prints.

pub mod apply;
pub mod changelog;
pub mod plan;
pub mod settings;
pub mod undo;
pub mod verify;

pub use apply::{ChangeResult, apply};
pub use changelog::{ChangeLog, ChangeLogFile, ChangeRecord, Outcome};
pub use plan::{Action, Change, Plan, plan};
pub use settings::{FixDestination, FixSettings};

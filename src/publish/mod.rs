//! `flowaudit publish`: a report's findings written to where security teams collect them.
//!
//! - [`plan`] decides what goes where (pure): the hub of each finding, the scope a report speaks
//!   for, which findings imported earlier are archived, and the batches;
//! - [`crate::pace`] keeps calls within a service's rate (a token bucket);
//! - [`securityhub`] makes the calls: `GetFindings` to find what flowaudit imported earlier,
//!   `BatchImportFindings` to import and archive. Nothing else is called.
//!
//! Printing belongs to the caller (`app`).

pub mod plan;
pub mod securityhub;

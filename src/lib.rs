//! flowaudit: a compliance scanner for AWS VPC Flow Logs.
//!
//! Data flows one way: [`cli`] → [`collect`] → [`inventory::Inventory`] → [`rules`] →
//! [`report`] and [`fix`]. See `docs/architecture.md`.

pub mod app;
pub mod cli;
pub mod collect;
pub mod error;
pub mod findings;
pub mod fix;
pub mod fsutil;
pub mod inventory;
pub mod kinds;
pub mod pace;
pub mod publish;
pub mod report;
pub mod rules;
pub mod suggest;
pub mod term;
pub mod watch;

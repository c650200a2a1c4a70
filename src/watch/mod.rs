//! `flowaudit watch`: drift within seconds. CloudTrail management events reach an SQS queue
//! through an EventBridge rule; each one is read into what it can have changed ([`event`]),
//! mapped to the resources to re-check with what the watcher holds ([`state`]), and every
//! verdict that changed is written out. The loop itself, and its AWS calls, are the caller's
//! (`app`).

pub mod event;
pub mod state;

//! Helpers shared by the integration tests; test files import from here, never from each other.

pub mod browser;
pub mod cmd;
pub mod fix;
pub mod harness;
pub mod hostile;
pub mod json;
pub mod org;
pub mod page;
pub mod proxy;
pub mod report_fixture;
pub mod report_schema;
pub mod results;
pub mod sarif;
pub mod scan;

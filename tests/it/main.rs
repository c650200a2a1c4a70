//! The one integration-test binary (every extra binary relinks the AWS SDK).

mod cli;
mod collect;
mod demo;
mod faults;
mod harness;
mod proxy;
mod report_json;
mod rules_cli;
mod rules_e2e;
mod smoke;

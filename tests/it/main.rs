//! The one integration-test binary (every extra binary relinks the AWS SDK).

mod harness;
mod report_json;
mod rules_cli;
mod rules_e2e;
mod smoke;

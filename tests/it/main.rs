//! The one integration-test binary (every extra binary relinks the AWS SDK).

mod harness;
mod report_fixture;
mod report_html;
mod report_sarif;
mod report_text;
mod smoke;

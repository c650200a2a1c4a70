//! The one integration-test binary (every extra binary relinks the AWS SDK).

mod cli;
mod collect;
mod demo;
mod faults;
mod fix;
mod harness;
mod inventory_validation;
mod proxy;
mod report_e2e;
mod report_fixture;
mod report_html;
mod report_json;
mod report_remediation;
mod report_sarif;
mod report_text;
mod rules_cli;
mod rules_e2e;
mod scan_stream;
mod smoke;
mod snapshots;
mod snippets_hostile;
mod terminal_and_files;
mod undo_tamper;

//! The one integration-test binary (every extra binary relinks the AWS SDK).
//! Shared helpers live in `support/`; each other module is a file of tests.

mod cli;
mod collect;
mod demo;
mod deploy_files;
mod diff;
mod faults;
mod fix_apply;
mod fix_iam;
mod fix_org;
mod fix_undo;
mod fix_undo_tamper;
mod iam_org;
mod in_use;
mod inventory_validation;
mod org_scan;
mod report_accounts;
mod report_e2e;
mod report_html;
mod report_json;
mod report_markdown;
mod report_merge;
mod report_remediation;
mod report_sarif;
mod report_text;
mod rules_cli;
mod rules_e2e;
mod rules_org;
mod scan_stream;
mod shards;
mod smoke;
mod snapshots;
mod snippets_hostile;
mod support;
mod terminal_and_files;

//! Flags of the optional remediation step (`--fix`) and of `flowaudit fix`.

use super::{collect_args::CollectArgs, output_args::OutputArgs, rule_args::RuleArgs};
use std::path::PathBuf;

/// Fix flags of `scan`: `--fix` turns the step on, the rest configure it.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Fix")]
pub struct FixArgs {
    /// After the scan, fix failing flow-log findings: plan, confirm, apply, verify.
    #[arg(long)]
    pub fix: bool,
    #[command(flatten)]
    pub settings: FixSettingsArgs,
    /// Set by `flowaudit fix`: messages name the command, not `--fix`.
    #[arg(skip)]
    pub command: bool,
}

/// How fixes are made; shared by `scan --fix` and `flowaudit fix`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FixSettingsArgs {
    /// Where new flow logs deliver: `s3://BUCKET[/PREFIX]` or `cloudwatch:LOG_GROUP`.
    #[arg(long, value_name = "DEST")]
    pub fix_destination: Option<String>,
    /// IAM role ARN that VPC Flow Logs assumes to write to CloudWatch Logs (required for `cloudwatch:`).
    #[arg(long, value_name = "ARN")]
    pub fix_delivery_role: Option<String>,
    /// Custom flow-log record format (e.g. '${version} ${vpc-id} ${srcaddr} ...'); default: AWS's default format.
    #[arg(long, value_name = "FORMAT")]
    pub fix_log_format: Option<String>,
    /// Maximum aggregation interval of new flow logs, in seconds: 60 or 600. Default: what VPC-004
    /// accepts (60 under its default parameter); a value VPC-004 would flag is refused.
    #[arg(long, value_name = "SECONDS", value_parser = parse_aggregation_interval)]
    pub fix_max_aggregation_interval: Option<i32>,
    /// Tag every resource the fix creates with KEY=VALUE (repeatable).
    #[arg(long = "fix-tag", value_name = "KEY=VALUE")]
    pub fix_tags: Vec<String>,
    /// KMS key ARN for log groups the fix creates and for `--unsafe-fixes` key associations;
    /// repeat it with one key per region (a key is used only in the region of its ARN).
    #[arg(long, value_name = "KEY_ARN")]
    pub fix_kms_key: Vec<String>,
    /// Retention of log groups the fix creates, in days (a value CloudWatch Logs accepts); raised to
    /// what VPC-003 needs when not given, refused when given below it.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub fix_retention_days: i32,
    /// Also make changes that alter existing resources: associate `--fix-kms-key` with unencrypted log groups.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Fix only results of these rules (`RULE` or `RULE/CHECK`, repeatable).
    #[arg(long = "fix-rule", value_name = "RULE[/CHECK]")]
    pub fix_rules: Vec<String>,
    /// Fix only VPCs whose id matches this glob (repeatable), e.g. `vpc-0abc*`.
    #[arg(long = "fix-resource", value_name = "GLOB")]
    pub fix_resources: Vec<String>,
    /// Apply without asking for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Send every EC2 call with DryRun (proves permissions) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the change log to FILE (default: flowaudit-fix-YYYYMMDDTHHMMSSZ.json in the current directory).
    #[arg(long, value_name = "FILE")]
    pub fix_log: Option<PathBuf>,
}

impl FixSettingsArgs {
    /// Names of the fix flags that were given, to reject them when `--fix` is not.
    pub fn given_flags(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |set: bool, name: &'static str| {
            if set {
                v.push(name)
            }
        };
        add(self.fix_destination.is_some(), "--fix-destination");
        add(self.fix_delivery_role.is_some(), "--fix-delivery-role");
        add(self.fix_log_format.is_some(), "--fix-log-format");
        add(
            self.fix_max_aggregation_interval.is_some(),
            "--fix-max-aggregation-interval",
        );
        add(!self.fix_tags.is_empty(), "--fix-tag");
        add(!self.fix_kms_key.is_empty(), "--fix-kms-key");
        add(self.fix_retention_days != 365, "--fix-retention-days");
        add(self.unsafe_fixes, "--unsafe-fixes");
        add(!self.fix_rules.is_empty(), "--fix-rule");
        add(!self.fix_resources.is_empty(), "--fix-resource");
        add(self.yes, "--yes");
        add(self.dry_run, "--dry-run");
        add(self.fix_log.is_some(), "--fix-log");
        v
    }
}

/// Arguments of `flowaudit fix` (a scan followed by fixes, or `--undo`). A fix changes AWS, so
/// it needs a live scan: `--from-inventory` is refused, and not offered in the help.
#[derive(Debug, Clone, clap::Args)]
#[command(mut_arg("from_inventory", |a| a.hide(true)))]
pub struct FixCommandArgs {
    /// Undo a previous fix: delete exactly what the change log FILE records as created.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix_destination", "from_inventory"])]
    pub undo: Option<PathBuf>,
    #[command(flatten)]
    pub collect: CollectArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten, next_help_heading = "Fix")]
    pub settings: FixSettingsArgs,
}

fn parse_aggregation_interval(s: &str) -> Result<i32, String> {
    match s {
        "60" => Ok(60),
        "600" => Ok(600),
        _ => Err(format!(
            "{s:?} is not an aggregation interval VPC Flow Logs accepts; use 60 or 600"
        )),
    }
}

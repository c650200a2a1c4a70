//! Arguments of `flowaudit rules`.

use std::path::PathBuf;

/// `flowaudit rules` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

/// The `rules` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum RulesCommand {
    /// List the rules: id, severity, title and checks.
    List(RuleSelection),
    /// Show everything about one rule: checks, CEL, parameters, compliance mappings, remediation.
    Show {
        /// The rule id, e.g. VPC-001.
        id: String,
        #[command(flatten)]
        selection: RuleSelection,
    },
    /// Run rule test files (X.test.toml beside X.toml): the built-in pack, or the rules in DIR.
    Test {
        /// A directory of rule files and their test files; without it, the built-in pack is tested.
        dir: Option<PathBuf>,
    },
    /// Check the rule files in DIR (and their test files) without running a scan.
    Validate {
        /// A directory of rule files.
        dir: PathBuf,
    },
}

/// Which rules `list` and `show` look at.
#[derive(Debug, Clone, clap::Args)]
pub struct RuleSelection {
    /// Also load rule files from DIR (repeatable); same-id rules replace built-in ones.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Configuration file whose parameter values and disabled rules to apply.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format: `text`, or `json` (the report's rule metadata plus parameters and
    /// remediation templates).
    #[arg(long, short = 'f', value_enum, value_name = "FORMAT", default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
    /// The same as `--format json` (the flag of earlier versions).
    #[arg(long, hide = true, conflicts_with = "format")]
    pub json: bool,
}

/// What `rules list` and `rules show` write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

impl RuleSelection {
    /// True when JSON is asked for.
    pub fn json(&self) -> bool {
        self.json || self.format == RulesFormat::Json
    }
}

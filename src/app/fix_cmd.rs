//! `flowaudit fix`: the scan pipeline with its fix step on, or `--undo` a change log. The plan
//! and progress go to standard error, so standard output stays free for the report.

use super::fix_step::confirm;
use super::pipeline;
use super::runtime;
use crate::cli::ScanArgs;
use crate::cli::collect_args::CollectArgs;
use crate::cli::fix_args::{FixArgs, FixCommandArgs, FixSettingsArgs};
use crate::collect;
use crate::collect::CollectOptions;
use crate::error::{Error, ExitStatus};
use crate::fix::{self, ChangeLogFile};
use crate::term::{Escaped, escape};

/// Run `flowaudit fix`: a scan with the fix step on, or `--undo FILE`.
pub fn fix(args: FixCommandArgs) -> Result<ExitStatus, Error> {
    if let Some(path) = &args.undo {
        return undo(path, &args.collect, &args.settings);
    }
    pipeline::run(ScanArgs {
        collect: args.collect,
        rules: args.rules,
        output: args.output,
        fix: FixArgs {
            fix: true,
            settings: args.settings,
        },
    })
}

fn undo(
    path: &std::path::Path,
    collect_args: &CollectArgs,
    s: &FixSettingsArgs,
) -> Result<ExitStatus, Error> {
    let extra: Vec<&str> = s
        .given_flags()
        .into_iter()
        .filter(|f| !matches!(*f, "--yes" | "--dry-run"))
        .collect();
    if !extra.is_empty() {
        return Err(Error::input(format!(
            "--undo takes only --yes and --dry-run from the fix flags, not {}\n  fix: drop {}",
            extra.join(", "),
            extra.join(", ")
        )));
    }
    if collect_args.org.multi_account() {
        return Err(Error::input(format!(
            "--undo works in the caller's account only, not with {}\n  fix: drop them, and run the undo with the credentials of the account the change log records",
            collect_args.org.given_flags().join(", ")
        )));
    }
    let mut file = ChangeLogFile::open(path.to_path_buf())?;
    if fix::undo::undo_steps(file.log()).is_empty() {
        eprintln!(
            "flowaudit undo: {} records nothing left to delete",
            Escaped(path.display())
        );
        return Ok(ExitStatus::Clean);
    }
    let opts = CollectOptions::try_from(collect_args)?;
    collect::validate(&opts)?;
    let rt = runtime()?;
    let aws = rt.block_on(fix::aws::connect(&opts));
    // Every resource is read back and checked before anything is deleted or confirmed.
    let checked = rt.block_on(fix::undo::check(&file, &aws))?;
    let proven = checked
        .iter()
        .filter(|c| c.verdict == fix::undo::Verdict::Delete)
        .count();
    let n = checked.len();
    let not_proven = n - proven;
    eprintln!(
        "flowaudit undo plan ({}): {proven} deletion{}{}{}",
        Escaped(path.display()),
        if proven == 1 { "" } else { "s" },
        if not_proven > 0 {
            format!(", {not_proven} not deleted (see below)")
        } else {
            String::new()
        },
        if s.dry_run {
            " (dry run: EC2 calls carry DryRun, nothing is deleted)"
        } else {
            ""
        }
    );
    for (i, c) in checked.iter().enumerate() {
        let why = match &c.verdict {
            fix::undo::Verdict::Delete => String::new(),
            fix::undo::Verdict::Refuse(r) => format!(" — refused: {r}"),
            fix::undo::Verdict::Unverified(e) => {
                format!(" — cannot check it: {}", escape(e))
            }
        };
        eprintln!("  {:>3}. {}{why}", i + 1, escape(&c.step.describe()));
    }
    if proven > 0 && !s.dry_run && !confirm(proven, s.yes, "make", "deletion")? {
        eprintln!("flowaudit: nothing was deleted");
        return Ok(if not_proven > 0 {
            ExitStatus::Findings
        } else {
            ExitStatus::Clean
        });
    }
    let results = rt.block_on(fix::undo::undo(&mut file, checked, &aws, s.dry_run))?;
    let (mut failed, mut refused) = (0, 0);
    for r in &results {
        match r.outcome {
            fix::undo::UndoOutcome::Failed => failed += 1,
            fix::undo::UndoOutcome::Refused => refused += 1,
            _ => {}
        }
        eprintln!(
            "  {:<10} {}{}",
            r.outcome.as_str(),
            escape(&r.step.describe()),
            r.detail
                .as_deref()
                .map(|d| format!(" — {}", escape(d)))
                .unwrap_or_default()
        );
    }
    if refused > 0 {
        eprintln!(
            "flowaudit: {refused} of {n} deletions refused: nothing shows flowaudit created {} (what a fix creates carries the {} tag of its record); left in place and kept in the change log",
            if refused == 1 {
                "that resource"
            } else {
                "those resources"
            },
            fix::plan::CHANGE_TAG,
        );
    }
    if failed > 0 {
        eprintln!(
            "flowaudit: {failed} of {n} deletions failed; the change log keeps them for another --undo"
        );
    }
    if failed + refused > 0 {
        Ok(ExitStatus::Findings)
    } else {
        Ok(ExitStatus::Clean)
    }
}

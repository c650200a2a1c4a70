//! `flowaudit fix`: the scan pipeline with its fix step on, or `--undo` a change log. The plan
//! and progress go to standard error, so standard output stays free for the report.

use super::collect_step::runtime;
use super::fix_step::confirm;
use super::pipeline;
use crate::cli::ScanArgs;
use crate::cli::collect_args::CollectArgs;
use crate::cli::fix_args::{FixArgs, FixCommandArgs, FixSettingsArgs};
use crate::cli::org_args::{DEFAULT_ROLE_NAME, DEFAULT_SESSION_NAME};
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
    pipeline::run_fix(ScanArgs {
        collect: args.collect,
        rules: args.rules,
        output: args.output,
        fix: FixArgs {
            fix: true,
            settings: args.settings,
            command: true,
        },
        publish: None,
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
    // The change log names the accounts and the role that reached each one: only the flags
    // that say how to reach them apply.
    let selection: Vec<&str> = collect_args
        .org
        .given_flags()
        .into_iter()
        .filter(|f| {
            matches!(
                *f,
                "--org"
                    | "--ou"
                    | "--exclude-ou"
                    | "--account"
                    | "--exclude-account"
                    | "--accounts-file"
                    | "--skip-self"
            )
        })
        .collect();
    if !selection.is_empty() {
        return Err(Error::input(format!(
            "--undo deletes what its change log records, in the accounts the log names, not in accounts chosen with {}\n  fix: drop {}; the log records the role of each account (override it with --role-name or --role-arn-template, add --external-id if the role needs one)",
            selection.join(", "),
            selection.join(", ")
        )));
    }
    super::file_kind::expect(path, super::file_kind::FileKind::ChangeLog, "--undo")?;
    let mut file = ChangeLogFile::open(path.to_path_buf())?;
    if fix::undo::undo_steps(file.log()).is_empty() {
        eprintln!(
            "flowaudit undo: {} records nothing left to delete",
            Escaped(path.display())
        );
        return Ok(ExitStatus::Clean);
    }
    let reach = super::collect_step::reach_options(&collect_args.org)?;
    let override_role = collect_args.org.role_arn_template.is_some()
        || collect_args.org.role_name != DEFAULT_ROLE_NAME;
    // The caller's connection settings, without the role flags (they only say how the accounts
    // of the log are reached).
    let mut plain = collect_args.clone();
    plain.org.role_name = DEFAULT_ROLE_NAME.into();
    plain.org.role_arn_template = None;
    plain.org.external_id = None;
    plain.org.role_session_name = DEFAULT_SESSION_NAME.into();
    plain.org.session_duration = None;
    let opts = CollectOptions::try_from(&plain)?;
    collect::validate(&opts)?;
    let rt = runtime()?;
    // Every account is reached and every resource is read back and checked before anything is
    // deleted or confirmed.
    let accounts = rt.block_on(async {
        let caller = crate::collect::sessions::connect(&opts).await;
        fix::undo::reach(
            &file,
            caller,
            &reach,
            override_role,
            opts.call_timeout.as_secs().max(1),
        )
        .await
    })?;
    let checked = rt.block_on(fix::undo::check(&file, &accounts))?;
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
            fix::undo::Verdict::InUse(u) => format!(" — kept: {u}"),
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
    let results = rt.block_on(fix::undo::undo(&mut file, checked, &accounts, s.dry_run))?;
    let (mut failed, mut refused, mut kept) = (0, 0, 0);
    for r in &results {
        match r.outcome {
            fix::undo::UndoOutcome::Failed => failed += 1,
            fix::undo::UndoOutcome::Refused => refused += 1,
            fix::undo::UndoOutcome::Kept => kept += 1,
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
    if kept > 0 {
        let (noun, it) = if kept == 1 {
            ("log group", "it")
        } else {
            ("log groups", "them")
        };
        eprintln!(
            "flowaudit: {kept} {noun} kept: flow logs this undo did not delete still deliver to {it}; the change log keeps {it} for another --undo once nothing else uses {it}"
        );
    }
    if failed > 0 {
        eprintln!(
            "flowaudit: {failed} of {n} deletions failed; the change log keeps them for another --undo"
        );
    }
    if failed + refused + kept > 0 {
        Ok(ExitStatus::Findings)
    } else {
        Ok(ExitStatus::Clean)
    }
}

//! The `--fix` step of the scan pipeline (`scan --fix` and `flowaudit fix`): check the fix flags,
//! print the plan, confirm, apply and verify. Also the confirmation prompt `--undo` uses. The
//! plan and progress go to standard error, so standard output stays free for the report.

use super::collect_step::runtime;
use crate::cli::collect_args::CollectArgs;
use crate::cli::fix_args::{FixArgs, FixSettingsArgs};
use crate::collect;
use crate::collect::CollectOptions;
use crate::error::Error;
use crate::findings::Finding;
use crate::fix::settings::RETENTION_DAYS;
use crate::fix::{self, ChangeLogFile, FixSettings, Outcome, Plan};
use crate::inventory::Inventory;
use crate::report::v1::FixOutcome;
use crate::rules::{FixDecl, RuleSet};
use crate::term::{Escaped, escape};
use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};

/// Validate the fix flags of a scan before anything runs: `None` when `--fix` is off. What a fix
/// creates must pass the scan's own rules (`rules`), so settings the flags leave open follow their
/// parameters, and a flag that would create a failing result is refused.
pub(crate) fn prepare(
    args: &FixArgs,
    collect: &CollectArgs,
    rules: &RuleSet,
) -> Result<Option<FixSettings>, Error> {
    if !args.fix {
        let given = args.settings.given_flags();
        if !given.is_empty() {
            return Err(Error::input(format!(
                "{} only {} with --fix\n  fix: add --fix (or run `flowaudit fix`), or drop {}",
                given.join(", "),
                if given.len() == 1 { "applies" } else { "apply" },
                if given.len() == 1 { "it" } else { "them" }
            )));
        }
        return Ok(None);
    }
    // `flowaudit fix` is named as the command, `scan --fix` by its flag.
    let who = if args.command { "fix" } else { "--fix" };
    if collect.from_inventory.is_some() {
        return Err(Error::input(format!(
            "{who} needs a live scan: it changes AWS, so it cannot act on a saved inventory\n  fix: drop --from-inventory"
        )));
    }
    if args.settings.fix_destination.is_none() {
        return Err(super::fix_settings::missing_destination(who));
    }
    if collect.org.multi_account() && collect.org.accounts.is_empty() {
        let chosen: Vec<&str> = collect
            .org
            .given_flags()
            .into_iter()
            .filter(|f| {
                matches!(
                    *f,
                    "--org" | "--ou" | "--exclude-ou" | "--exclude-account" | "--accounts-file"
                )
            })
            .collect();
        return Err(Error::input(format!(
            "--fix across accounts changes only the accounts named with --account, not every account {} {}\n  fix: name the accounts to fix with --account ID (repeatable, or a comma-separated list), e.g. --account 111111111111,222222222222",
            chosen.join(", "),
            if chosen.len() == 1 {
                "selects"
            } else {
                "select"
            }
        )));
    }
    let mut settings = FixSettings::try_from(&args.settings)?;
    check_rule_filters(&mut settings, rules)?;
    fit_to_rules(&mut settings, &args.settings, rules)?;
    if let Some(p) = &settings.log_file {
        fix::changelog::refuse_existing(p)?;
    }
    Ok(Some(settings))
}

/// Every `--fix-rule` names a loaded rule (regardless of case; the filter takes the rule's own
/// id) and, with `/CHECK`, one of its checks: a typo would otherwise select nothing, silently.
fn check_rule_filters(s: &mut FixSettings, rules: &RuleSet) -> Result<(), Error> {
    for f in &mut s.rules {
        let what = match &f.check_id {
            Some(c) => format!("--fix-rule {}/{}", escape(&f.rule_id), escape(c)),
            None => format!("--fix-rule {}", escape(&f.rule_id)),
        };
        let rule = rules.lookup(&what, &f.rule_id)?;
        f.rule_id = rule.id.clone();
        if let Some(c) = &f.check_id
            && !rule.checks.iter().any(|x| &x.id == c)
        {
            let checks: Vec<&str> = rule.checks.iter().map(|x| x.id.as_str()).collect();
            return Err(Error::input(format!(
                "{what}: rule {} has no check {:?}{}\n  fix: use one of: {}",
                rule.id,
                escape(c),
                crate::suggest::hint(c, checks.iter().copied()),
                checks.join(", ")
            )));
        }
    }
    Ok(())
}

/// The `--fix-resource` patterns that match no resource of any kind of the inventory.
pub(crate) fn unmatched_resource_patterns<'s>(s: &'s FixSettings, inv: &Inventory) -> Vec<&'s str> {
    s.resources
        .iter()
        .filter(|p| {
            !inv.regions.iter().any(|r| {
                crate::kinds::ResourceKind::ALL
                    .iter()
                    .any(|k| k.listed(r).iter().any(|x| p.matches(x.id())))
            })
        })
        .map(|p| p.as_str())
        .collect()
}

/// The name of the parameter a check's `fix.creates` limit reads, for messages.
fn limit_param(
    rules: &RuleSet,
    rule: &str,
    check: &str,
    pick: fn(&FixDecl) -> &Option<String>,
) -> String {
    rules
        .get(rule)
        .and_then(|r| r.checks.iter().find(|c| c.id == check))
        .and_then(|c| pick(&c.fix).clone())
        .unwrap_or_default()
}

/// Make what the fix creates pass the loaded rules. Each check's `[checks.fix.creates]` names
/// the rule parameter that limits it (`docs/rules.md`): with the built-in rules, the aggregation
/// interval of new flow logs follows VPC-004 `max_aggregation_seconds` and the retention of new
/// log groups VPC-003 `min_retention_days`. A setting no flag gave takes the value every such
/// check accepts; a flag that would create a failing result is refused (exit 2). The plan
/// refuses a new log group without a KMS key when a check needs encryption.
fn fit_to_rules(s: &mut FixSettings, args: &FixSettingsArgs, rules: &RuleSet) -> Result<(), Error> {
    s.checks = rules.fix_catalog();
    let tightest_interval = s
        .checks
        .limits()
        .filter_map(|(r, c, l)| l.max_aggregation_interval.map(|v| (v, r, c)))
        .min_by_key(|x| x.0);
    if let Some((max, rule, check)) = tightest_interval {
        let param = limit_param(rules, rule, check, |d| &d.max_aggregation_interval);
        match s.max_aggregation_interval {
            Some(given) if i64::from(given) > max => {
                return Err(Error::input(format!(
                    "--fix-max-aggregation-interval {given}: the new flow logs would fail {rule}/{check}, which accepts at most {max} seconds ({param})\n  fix: use --fix-max-aggregation-interval 60, or raise the rule's {param} in the config file"
                )));
            }
            Some(_) => {}
            // AWS takes 60 or 600 seconds, 600 when none is given.
            None if max >= 600 => {}
            None if max >= 60 => s.max_aggregation_interval = Some(60),
            None => {
                return Err(Error::input(format!(
                    "{rule}/{check} accepts at most {max} seconds of aggregation ({param}), less than AWS allows (60 or 600): every flow log the fix creates would fail it\n  fix: set {param} to 60 or more in the config file, or disable {rule}"
                )));
            }
        }
    }
    let tightest_retention = s
        .checks
        .limits()
        .filter_map(|(r, c, l)| l.min_retention_days.map(|v| (v, r, c)))
        .max_by_key(|x| x.0);
    if let Some((min, rule, check)) = tightest_retention
        && i64::from(s.retention_days) < min
    {
        let param = limit_param(rules, rule, check, |d| &d.min_retention_days);
        // The smallest retention CloudWatch Logs accepts that meets the rule.
        let fits = RETENTION_DAYS
            .iter()
            .copied()
            .find(|d| i64::from(*d) >= min);
        match fits {
            Some(d) if !args.given_flags().contains(&"--fix-retention-days") => {
                s.retention_days = d
            }
            _ => {
                return Err(Error::input(format!(
                    "--fix-retention-days {}: new log groups would fail {rule}/{check}, which needs at least {min} days ({param})\n  fix: use --fix-retention-days {}",
                    s.retention_days,
                    fits.unwrap_or(RETENTION_DAYS[RETENTION_DAYS.len() - 1])
                )));
            }
        }
    }
    Ok(())
}

/// What the fix step hands back to the scan pipeline.
pub(crate) struct FixStep {
    /// The report's `fixes` section.
    pub fixes: Vec<FixOutcome>,
    /// The inventory after the fix (touched regions collected again), when something changed.
    pub inventory: Option<Inventory>,
    /// True when a planned change failed or did not verify.
    pub failed: bool,
}

/// Plan, confirm, apply and verify. `evaluate` runs the rules over an inventory (used on the
/// inventory after the fix, so the report shows the account as it now is).
pub(crate) fn run_fix_step(
    settings: &FixSettings,
    collect_args: &CollectArgs,
    inv: &Inventory,
    findings: &[Finding],
    evaluate: &dyn Fn(&Inventory) -> Result<Vec<Finding>, Error>,
) -> Result<FixStep, Error> {
    for p in unmatched_resource_patterns(settings, inv) {
        eprintln!(
            "flowaudit: warning: --fix-resource {:?} matches no VPC or transit gateway of the scan",
            escape(p)
        );
    }
    let plan = fix::plan(inv, findings, settings);
    print_plan(&plan, settings.dry_run);
    if !plan.problems.is_empty() {
        return Err(Error::input(format!(
            "the plan cannot be applied as asked; nothing was changed:\n{}",
            plan.problems
                .iter()
                .map(|p| format!("  {}", escape(p)))
                .collect::<Vec<_>>()
                .join("\n")
        )));
    }
    if plan.is_empty() {
        return Ok(FixStep {
            fixes: Vec::new(),
            inventory: None,
            failed: false,
        });
    }
    if !settings.dry_run && !confirm(plan.changes.len(), settings.yes, "apply", "change")? {
        eprintln!("flowaudit: nothing was changed");
        let fixes = plan
            .changes
            .iter()
            .map(|c| declined(c, "declined at the confirmation prompt"))
            .collect();
        // Not applied: the run did not do what it planned (exit 1).
        return Ok(FixStep {
            fixes,
            inventory: None,
            failed: true,
        });
    }
    let mut log = match (&settings.log_file, settings.dry_run) {
        (Some(p), _) => Some(ChangeLogFile::create(p.clone(), &inv.scan.account_id)?),
        (None, false) => Some(ChangeLogFile::create(
            fix::changelog::default_path(chrono::Utc::now()),
            &inv.scan.account_id,
        )?),
        (None, true) => None,
    };
    let opts = CollectOptions::try_from(collect_args)?;
    let rt = runtime()?;
    let results = rt.block_on(async {
        let accounts = reach_accounts(&opts, inv, &plan).await;
        fix::apply(&plan, settings, &accounts, log.as_mut()).await
    })?;
    for r in &results {
        let rec = &r.record;
        let created = [rec.flow_log_ids.clone(), rec.log_groups_created.clone()].concat();
        let target = match &r.change.resource_id {
            Some(v) => format!("{v} {}", rec.action),
            None => rec.action.clone(),
        };
        eprintln!(
            "  {:<10} {} {}: {}{}{}",
            rec.outcome.as_str(),
            escape(&rec.account_id),
            escape(&rec.region),
            escape(&target),
            if created.is_empty() {
                String::new()
            } else {
                format!(" => created {}", escape(&created.join(", ")))
            },
            rec.error
                .as_deref()
                .map(|e| format!(" — {}", escape(e)))
                .unwrap_or_default()
        );
    }
    if let Some(l) = &log {
        eprintln!(
            "flowaudit: change log written to {}",
            Escaped(l.path().display())
        );
    }
    let touched = fix::verify::touched_regions(&results);
    let (fixes, inventory) = if settings.dry_run {
        (
            fix::verify::outcomes(&results, None, &settings.checks),
            None,
        )
    } else if touched.is_empty() {
        // Nothing changed anywhere: the scan's own results are still current.
        (
            fix::verify::outcomes(&results, Some(findings), &settings.checks),
            None,
        )
    } else {
        let mut again = collect_args.clone();
        again.regions = touched.iter().map(|(_, r)| r.clone()).collect();
        again.regions.sort();
        again.regions.dedup();
        again.exclude_regions.clear();
        let mut opts = CollectOptions::try_from(&again)?;
        rescan_accounts(&mut opts, inv, &touched);
        match rt.block_on(collect::collect(&opts)) {
            Ok(after) => {
                let merged = fix::verify::merge_rescan(inv, &after);
                let findings_after = evaluate(&merged)?;
                (
                    fix::verify::outcomes(&results, Some(&findings_after), &settings.checks),
                    Some(merged),
                )
            }
            Err(e) => {
                eprintln!(
                    "flowaudit: warning: the changes were made, but the verification rescan failed: {e}"
                );
                let mut o = fix::verify::outcomes(&results, None, &settings.checks);
                fix::verify::mark_unverified(&mut o, &settings.checks);
                (o, None)
            }
        }
    };
    let failed = fixes.iter().any(fix::verify::is_failure);
    let n_failed = fixes.iter().filter(|o| fix::verify::is_failure(o)).count();
    if n_failed > 0 {
        eprintln!(
            "flowaudit: {n_failed} of {} planned changes failed or did not verify:",
            fixes.len()
        );
        for o in fixes.iter().filter(|o| fix::verify::is_failure(o)) {
            eprintln!(
                "  {} {} {}: {}",
                escape(&o.region),
                escape(&o.resource_id),
                escape(&o.action),
                o.error
                    .as_deref()
                    .map(|e| escape(e).into_owned())
                    .unwrap_or_else(|| format!("still failing after the rescan: {:?}", o.verified))
            );
        }
    }
    Ok(FixStep {
        fixes,
        inventory,
        failed,
    })
}

/// The clients the fix writes with: the caller's own, plus, in a scan of several accounts, one
/// assumed-role session for each account the plan changes, through the role the scan read it with.
async fn reach_accounts(
    opts: &CollectOptions,
    inv: &Inventory,
    plan: &Plan,
) -> crate::collect::sessions::Accounts {
    let caller = crate::collect::sessions::connect(opts).await;
    let Some(a) = &opts.accounts else {
        return crate::collect::sessions::Accounts::caller_only(&inv.scan.account_id, caller);
    };
    let changed: BTreeSet<&str> = plan.changes.iter().map(|c| c.account_id.as_str()).collect();
    let roles = inv
        .accounts
        .iter()
        .filter(|acc| changed.contains(acc.id.as_str()))
        .filter_map(|acc| {
            let role = acc.role_arn.clone()?;
            Some((acc.id.clone(), (role, a.external_id_for(&acc.id))))
        })
        .collect();
    crate::collect::sessions::Accounts::reach(
        &inv.scan.account_id,
        caller,
        roles,
        a,
        opts.call_timeout.as_secs().max(1),
    )
    .await
}

/// Narrow the verification rescan of a scan of several accounts to the touched regions of each
/// touched account, each reached through the role the scan used (as an accounts-file source:
/// per account its role, external id and regions).
fn rescan_accounts(
    opts: &mut CollectOptions,
    inv: &Inventory,
    touched: &BTreeSet<(String, String)>,
) {
    let Some(a) = &opts.accounts else { return };
    let entries = inv
        .accounts
        .iter()
        .filter(|acc| touched.iter().any(|(id, _)| *id == acc.id))
        .map(|acc| collect::accounts::FileAccount {
            id: acc.id.clone(),
            name: acc.name.clone(),
            role: acc.role_arn.clone(),
            external_id: a.external_id_for(&acc.id),
            regions: touched
                .iter()
                .filter(|(id, _)| *id == acc.id)
                .map(|(_, r)| r.clone())
                .collect(),
            tags: acc.tags.clone(),
        })
        .collect();
    opts.accounts = Some(collect::accounts::AccountsOptions {
        source: collect::accounts::AccountSource::File(entries),
        ous: Vec::new(),
        exclude_ous: Vec::new(),
        accounts: Vec::new(),
        exclude_accounts: Vec::new(),
        skip_self: false,
        ..a.clone()
    });
}

fn declined(c: &fix::Change, why: &str) -> FixOutcome {
    FixOutcome {
        account_id: c.account_id.clone(),
        region: c.region.clone(),
        resource_id: c.resource_id.clone().unwrap_or_default(),
        action: c.action.name().into(),
        description: c.describe(),
        outcome: Outcome::Skipped,
        error: Some(why.into()),
        created: Vec::new(),
        verified: Default::default(),
    }
}

fn print_plan(plan: &Plan, dry_run: bool) {
    let n = plan.changes.len();
    let mode = if dry_run {
        " (dry run: EC2 calls carry DryRun, nothing is changed)"
    } else {
        ""
    };
    if n == 0 {
        eprintln!("flowaudit fix plan: nothing to change{mode}");
    } else {
        eprintln!(
            "flowaudit fix plan: {n} change{}{mode}",
            if n == 1 { "" } else { "s" }
        );
    }
    // Each line is one line: its data pieces are escaped where the plan is built, and the line
    // is escaped whole again here, so nothing in it can drive the terminal.
    for l in plan.lines() {
        eprintln!("{}", escape(&l));
    }
}

/// Ask on the terminal unless `--yes`; without a terminal, refuse (exit code 2).
pub(crate) fn confirm(n: usize, yes: bool, verb: &str, noun: &str) -> Result<bool, Error> {
    if yes {
        return Ok(true);
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Error::input(format!(
            "not applying the {n} planned {noun}{}: there is no terminal to confirm on and --yes was not given; nothing was changed\n  fix: review the plan above, then re-run with --yes (or --dry-run to test permissions)",
            if n == 1 { "" } else { "s" }
        )));
    }
    if n == 1 {
        eprint!("{verb} this {noun}? [y/N] ");
    } else {
        eprint!("{verb} these {n} {noun}s? [y/N] ");
    }
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::fatal(format!("cannot read the answer from the terminal: {e}")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(edit: impl FnOnce(&mut FixSettingsArgs)) -> (FixSettings, FixSettingsArgs) {
        let mut a = FixSettingsArgs {
            fix_destination: Some("s3://flow-bucket".into()),
            fix_retention_days: 365,
            ..Default::default()
        };
        edit(&mut a);
        (FixSettings::try_from(&a).unwrap(), a)
    }

    fn rules_with(config: &str) -> RuleSet {
        let mut rules = RuleSet::builtin().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flowaudit.toml");
        std::fs::write(&path, config).unwrap();
        crate::rules::config::Config::load(&path)
            .unwrap()
            .apply(&mut rules)
            .unwrap();
        rules
    }

    #[test]
    fn new_flow_logs_take_the_interval_vpc_004_accepts() {
        let (mut s, a) = settings(|_| {});
        fit_to_rules(&mut s, &a, &RuleSet::builtin().unwrap()).unwrap();
        assert_eq!(s.max_aggregation_interval, Some(60));
        // A rule that accepts 600 s leaves AWS's default.
        let lax = rules_with("[rules.VPC-004]\nparams = { max_aggregation_seconds = 600 }\n");
        let (mut s, a) = settings(|_| {});
        fit_to_rules(&mut s, &a, &lax).unwrap();
        assert_eq!(s.max_aggregation_interval, None);
        // Without VPC-004 nothing is decided for it.
        let off = rules_with("[rules.VPC-004]\nenabled = false\n");
        let (mut s, a) = settings(|_| {});
        fit_to_rules(&mut s, &a, &off).unwrap();
        assert_eq!(s.max_aggregation_interval, None);
    }

    #[test]
    fn a_flag_that_would_fail_a_rule_is_refused() {
        let (mut s, a) = settings(|a| a.fix_max_aggregation_interval = Some(600));
        let e = fit_to_rules(&mut s, &a, &RuleSet::builtin().unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--fix-max-aggregation-interval 600") && e.contains("VPC-004"),
            "{e}"
        );
        let (mut s, a) = settings(|a| a.fix_retention_days = 30);
        let e = fit_to_rules(&mut s, &a, &RuleSet::builtin().unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--fix-retention-days 30") && e.contains("VPC-003"),
            "{e}"
        );
        assert!(e.contains("use --fix-retention-days 365"), "{e}");
    }

    #[test]
    fn new_log_groups_keep_what_vpc_003_needs_unless_a_flag_says_less() {
        let strict = rules_with("[rules.VPC-003]\nparams = { min_retention_days = 400 }\n");
        let (mut s, a) = settings(|_| {});
        fit_to_rules(&mut s, &a, &strict).unwrap();
        assert_eq!(s.retention_days, 400);
        let (mut s, a) = settings(|a| a.fix_retention_days = 731);
        fit_to_rules(&mut s, &a, &strict).unwrap();
        assert_eq!(s.retention_days, 731);
    }
}

//! The collect step every subcommand that scans shares: the collector's options from the flags
//! (accounts, roles, shards, progress display), the async runtime, and the inventory (collected,
//! or read from `--from-inventory`).

use super::{accounts_file, file_kind};
use crate::collect::{self, CollectOptions, Progress};
use crate::error::Error;
use crate::inventory::{self, Inventory};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

/// The async runtime the AWS calls run on: one thread. Every subcommand drives its calls as one
/// task (futures joined, never spawned), so the only other tasks are the HTTP client's
/// connections. On a multi-thread runtime those ran on worker threads, and each call crossed
/// threads twice (a futex and an event-fd wake-up each way); on one thread they do not, which
/// cuts the CPU per call by about a fifth (docs/performance.md). Rule evaluation spreads over
/// threads of its own.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::fatal(format!("cannot start the async runtime: {e}")))
}

/// Collect from AWS, or load `--from-inventory`; save `--dump-inventory`. `account_tags`: read
/// the Organizations tags of each account (see [`super::pipeline::account_tags_needed`]).
pub fn obtain_inventory(
    args: &crate::cli::collect_args::CollectArgs,
    account_tags: bool,
) -> Result<Inventory, Error> {
    let inv = match &args.from_inventory {
        Some(path) => {
            file_kind::expect(path, file_kind::FileKind::Inventory, "--from-inventory")?;
            inventory::io::load(path)?
        }
        None => {
            let mut opts = CollectOptions::try_from(args)?;
            if let Some(a) = opts.accounts.as_mut() {
                a.read_tags = account_tags;
            }
            runtime()?.block_on(collect::collect(&opts))?
        }
    };
    if let Some(path) = &args.dump_inventory {
        inventory::io::save(&inv, path)?;
    }
    Ok(inv)
}

/// The collector's options (and the AWS connection settings the fixer shares) from the flags.
/// The account flags are checked here (an accounts file is read and checked whole), before
/// any AWS call.
impl TryFrom<&crate::cli::collect_args::CollectArgs> for CollectOptions {
    type Error = Error;

    fn try_from(args: &crate::cli::collect_args::CollectArgs) -> Result<CollectOptions, Error> {
        let opts = CollectOptions {
            regions: args.regions.clone(),
            exclude_regions: args.exclude_regions.clone(),
            profile: args.profile.clone(),
            endpoint_url: args.endpoint_url.clone(),
            concurrency: args.concurrency as usize,
            max_attempts: args.max_attempts,
            call_timeout: Duration::from_secs(args.call_timeout),
            max_in_flight: args.org.max_in_flight as usize,
            accounts: accounts_options(&args.org)?,
            targets: if args.resources.is_empty() {
                None
            } else {
                Some(collect::targets::Targets::parse(
                    &args.resources,
                    &args.regions,
                )?)
            },
            progress: progress_bar(),
            pool: None,
        };
        collect::validate(&opts)?;
        Ok(opts)
    }
}

/// The account selection of the flags; `None` for a scan of the caller's account alone.
pub(crate) fn accounts_options(
    a: &crate::cli::org_args::OrgArgs,
) -> Result<Option<collect::accounts::AccountsOptions>, Error> {
    use collect::accounts::{AccountSource, AccountsOptions};
    let source = if a.org {
        AccountSource::Organization
    } else if let Some(path) = &a.accounts_file {
        AccountSource::File(accounts_file::load(path)?)
    } else if !a.accounts.is_empty() {
        AccountSource::Listed
    } else {
        let given: Vec<&str> = a
            .given_flags()
            .into_iter()
            .filter(|f| *f != "--account-concurrency")
            .collect();
        if let Some(flag) = given.first() {
            return Err(Error::input(format!(
                "{flag} only applies to a scan of several accounts\n  fix: add --org, --account ID or --accounts-file FILE, or leave out {}",
                given.join(", ")
            )));
        }
        return Ok(None);
    };
    let trimmed = |v: &[String]| v.iter().map(|s| s.trim().to_string()).collect::<Vec<_>>();
    Ok(Some(AccountsOptions {
        source,
        ous: trimmed(&a.ous),
        exclude_ous: trimmed(&a.exclude_ous),
        accounts: trimmed(&a.accounts),
        exclude_accounts: trimmed(&a.exclude_accounts),
        role: role_spec(a),
        external_id: a.external_id.clone(),
        session_name: a.role_session_name.clone(),
        session_duration: a.session_duration.map(|s| Duration::from_secs(s.into())),
        skip_self: a.skip_self,
        concurrency: a.account_concurrency as usize,
        shard: a
            .shard
            .map(|s| resolve_shard(s, &|k| std::env::var(k).ok()))
            .transpose()?,
        read_tags: true,
    }))
}

/// The role assumed in each account: `--role-arn-template` when given, else `--role-name`.
fn role_spec(a: &crate::cli::org_args::OrgArgs) -> collect::accounts::RoleSpec {
    use collect::accounts::RoleSpec;
    match &a.role_arn_template {
        Some(t) => RoleSpec::Template(t.clone()),
        None => RoleSpec::Name(a.role_name.clone()),
    }
}

/// How other accounts are reached, from the role flags alone (`--role-name`,
/// `--role-arn-template`, `--external-id`, `--role-session-name`, `--session-duration`), for
/// `fix --undo`, which reaches the accounts its change log names.
pub(crate) fn reach_options(
    a: &crate::cli::org_args::OrgArgs,
) -> Result<collect::accounts::AccountsOptions, Error> {
    use collect::accounts::{AccountSource, AccountsOptions};
    let o = AccountsOptions {
        source: AccountSource::Listed,
        ous: Vec::new(),
        exclude_ous: Vec::new(),
        accounts: Vec::new(),
        exclude_accounts: Vec::new(),
        role: role_spec(a),
        external_id: a.external_id.clone(),
        session_name: a.role_session_name.clone(),
        session_duration: a.session_duration.map(|s| Duration::from_secs(s.into())),
        skip_self: false,
        concurrency: 1,
        shard: None,
        read_tags: false,
    };
    collect::accounts::validate_options(&o)?;
    Ok(o)
}

/// The job-array index variables `--shard auto/COUNT` reads, in order.
const SHARD_INDEX_VARS: [&str; 2] = ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"];

/// The shard of `--shard`: its index as given, or for `auto`, from the first of
/// [`SHARD_INDEX_VARS`] that `env` has.
pub(crate) fn resolve_shard(
    spec: crate::cli::org_args::ShardSpec,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<collect::shard::Shard, Error> {
    let count = spec.count;
    let index = match spec.index {
        Some(i) => i,
        None => {
            let Some((var, value)) = SHARD_INDEX_VARS
                .iter()
                .find_map(|v| env(v).map(|value| (*v, value)))
            else {
                return Err(Error::input(format!(
                    "--shard auto/{count}: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) is set\n  fix: run it as an indexed job or array job, or give the index: --shard INDEX/{count}"
                )));
            };
            value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|i| *i < count)
                .ok_or_else(|| {
                    Error::input(format!(
                        "--shard auto/{count}: {var} is {}, not a shard index from 0 to {}\n  fix: run {count} shards (completions or array size {count}), or give the number of shards the job runs: --shard auto/N",
                        crate::term::escape(&value),
                        count - 1
                    ))
                })?
        }
    };
    Ok(collect::shard::Shard { index, count })
}

/// A progress display on stderr when it is a terminal; nothing otherwise.
pub(crate) fn progress_bar() -> Option<collect::ProgressFn> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} regions {pos}/{len} · {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let vpcs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    Some(Arc::new(move |p: Progress| match p {
        Progress::RegionsPlanned { total } => bar.inc_length(total as u64),
        Progress::RegionDone { vpcs: n, .. } => {
            let total = vpcs.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
            bar.set_message(format!("{total} VPCs found"));
            bar.inc(1);
        }
        Progress::Finished => bar.finish_and_clear(),
    }))
}

//! `flowaudit watch --queue-url URL`: the loop. Messages are received from SQS, read into
//! events, gathered for `--window-ms`, mapped to re-checks; each re-check is a targeted scan
//! (or a scan of a whole account-region), evaluated with every rule; every verdict that changed
//! is one JSON line on stdout. A message is deleted only once the lines it caused are written,
//! so a crash re-handles it. SIGTERM and SIGINT finish the batch in hand and exit 0.

use super::collect_step::runtime;
use super::pipeline::ScanRules;
use crate::cli::watch_args::WatchArgs;
use crate::collect::accounts::{AccountSource, AccountsOptions};
use crate::collect::clients::Clients;
use crate::collect::targets::{Target, Targets};
use crate::collect::{self, CollectOptions};
use crate::error::{Error, ExitStatus};
use crate::findings::Finding;
use crate::inventory::Account;
use crate::report::merge;
use crate::term::escape;
use crate::watch::event::{self, Event, NotAnEvent};
use crate::watch::state::{Change, Place, PlaceCheck, State};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// SIGTERM and SIGINT ask the loop to stop after the batch in hand.
fn catch_signals() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGTERM, handler);
        libc::signal(libc::SIGINT, handler);
    }
}

/// Run `flowaudit watch`.
pub fn watch(args: WatchArgs) -> Result<ExitStatus, Error> {
    let c = &args.collect;
    let refused: Vec<&str> = [
        (c.dump_inventory.is_some(), "--dump-inventory"),
        (c.from_inventory.is_some(), "--from-inventory"),
        (!c.resources.is_empty(), "--resource"),
        (c.org.shard.is_some(), "--shard"),
    ]
    .into_iter()
    .filter_map(|(given, flag)| given.then_some(flag))
    .collect();
    if !refused.is_empty() {
        return Err(Error::input(format!(
            "watch re-checks what each event names; {} does not apply to it\n  fix: drop {}",
            refused.join(", "),
            refused.join(", ")
        )));
    }
    let rules = ScanRules::prepare(&args.rules)?;
    let mut via = match args.publish {
        Some(_) => Some(super::publish_step::via_of_scan(
            &args.collect,
            super::collect_step::accounts_options(&args.collect.org)?,
        )?),
        None => None,
    };
    let mut opts = CollectOptions::try_from(&args.collect)?;
    opts.progress = None;
    // One connection pool for the whole watch: the queue, every re-check and every publish.
    opts.pool = Some(crate::collect::clients::shared_http_client(
        opts.max_in_flight,
    ));
    if let Some(v) = via.as_mut() {
        v.settings.pool = opts.pool.clone();
    }
    let queue_region = queue_region(&args.queue_url)
        .or_else(|| c.regions.first().cloned())
        .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()));
    catch_signals();
    runtime()?.block_on(run(&args, &rules, opts, queue_region, via.as_ref()))
}

/// The region an SQS queue URL names (`https://sqs.REGION.amazonaws.com/...`, or the legacy
/// `https://REGION.queue.amazonaws.com/...`).
fn queue_region(url: &str) -> Option<String> {
    let host = url.split("://").nth(1)?.split('/').next()?;
    let parts: Vec<&str> = host.split('.').collect();
    let region = match parts[..] {
        ["sqs", region, ..] => region,
        [region, "queue", ..] => region,
        _ => return None,
    };
    crate::inventory::validate::region(region)
        .ok()
        .map(|_| region.to_string())
}

/// What the watcher covers: accounts and regions.
struct Scope {
    accounts: BTreeSet<String>,
    regions: BTreeSet<String>,
}

impl Scope {
    fn covers(&self, e: &Event) -> bool {
        self.accounts.contains(&e.account) && self.regions.contains(&e.region)
    }
}

/// One line of output: a verdict that changed.
#[derive(Serialize)]
struct Line<'a> {
    change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    was: Option<&'static str>,
    events: &'a [String],
    result: &'a Finding,
}

/// Counts for the health line.
#[derive(Default)]
struct Counts {
    events: usize,
    rechecks: usize,
    changes: usize,
    errors: usize,
}

async fn run(
    args: &WatchArgs,
    rules: &ScanRules,
    opts: CollectOptions,
    queue_region: Option<String>,
    via: Option<&super::publish_step::Via>,
) -> Result<ExitStatus, Error> {
    let fallback = queue_region.clone().unwrap_or_else(|| "us-east-1".into());
    let clients = Clients::load(&opts, &fallback).await;
    let sqs = {
        let mut b = aws_sdk_sqs::config::Builder::from(&clients.sdk);
        if let Some(r) = &queue_region {
            b = b.region(aws_config::Region::new(r.clone()));
        }
        aws_sdk_sqs::Client::from_conf(b.build())
    };

    // The state: a baseline report's verdicts, or a scan of what the watcher covers.
    let mut state = State::default();
    // What the organization says of each account (name, OU path, tags): a re-check reaches one
    // account by its id alone, and its rules and suppressions still need them.
    let mut known: HashMap<String, Account> = HashMap::new();
    let scope = match &args.baseline {
        Some(path) => {
            super::file_kind::expect(path, super::file_kind::FileKind::Report, "--baseline")?;
            let mut results = Vec::new();
            let head = merge::read(
                path,
                Some(&mut |f: Finding| {
                    results.push(f);
                    Ok(())
                }),
            )?;
            state.seed(results);
            known.extend(
                head.scan
                    .account_details
                    .into_iter()
                    .map(|a| (a.id.clone(), a)),
            );
            Scope {
                accounts: head.scan.accounts.into_iter().collect(),
                regions: head.scan.regions.into_iter().collect(),
            }
        }
        None => {
            let inv = collect::collect(&opts).await?;
            let doc = rules.run(&inv)?;
            state.index(&inv);
            state.seed(doc.results.clone());
            known.extend(inv.accounts.iter().map(|a| (a.id.clone(), a.clone())));
            Scope {
                accounts: doc.scan.accounts.iter().cloned().collect(),
                regions: doc.scan.regions.iter().cloned().collect(),
            }
        }
    };
    tracing::info!(resources = state.resources(), "watching");
    eprintln!(
        "flowaudit: watch: {} resources in {} accounts and {} regions; reading {}",
        state.resources(),
        scope.accounts.len(),
        scope.regions.len(),
        escape(&args.queue_url)
    );

    let mut logged: HashSet<String> = HashSet::new();
    let mut counts = Counts::default();
    let mut last_health = Instant::now();
    let stdout = std::io::stdout();
    while !STOP.load(Ordering::SeqCst) {
        // Gather a batch: the first message waits (long poll), the rest of the window does not.
        let mut batch: Vec<aws_sdk_sqs::types::Message> = Vec::new();
        let started = Instant::now();
        let mut first = true;
        loop {
            let wait = if first {
                if args.once { 1 } else { 5 }
            } else {
                0
            };
            let got = sqs
                .receive_message()
                .queue_url(&args.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(wait)
                .send()
                .await;
            let msgs = match got {
                Ok(o) => o.messages.unwrap_or_default(),
                Err(e) => {
                    counts.errors += 1;
                    let f = crate::collect::errors::classify(&e, 30);
                    eprintln!(
                        "flowaudit: error: cannot receive from the queue: {}",
                        escape(&f.summary())
                    );
                    if args.once {
                        return Ok(ExitStatus::Partial);
                    }
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    Vec::new()
                }
            };
            let n = msgs.len();
            batch.extend(msgs);
            first = false;
            let window = Duration::from_millis(args.window_ms);
            if n == 0 && (batch.is_empty() || started.elapsed() >= window) {
                break;
            }
            if batch.len() >= 100 || (n == 0 && started.elapsed() >= window) {
                break;
            }
            if n == 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        if batch.is_empty() {
            health(&mut counts, &mut last_health, false);
            if args.once {
                break;
            }
            continue;
        }

        // Read each message.
        let mut events: Vec<(Event, String)> = Vec::new();
        let mut done: Vec<String> = Vec::new();
        for m in &batch {
            let receipt = m.receipt_handle().unwrap_or_default().to_string();
            let id = m.message_id().unwrap_or_default().to_string();
            match event::parse(m.body().unwrap_or_default()) {
                Ok(e) if !scope.covers(&e) => {
                    tracing::info!(event = %escape(&e.id), account = %escape(&e.account), region = %escape(&e.region), "an event outside what watch covers");
                    done.push(receipt);
                }
                Ok(e) => {
                    counts.events += 1;
                    events.push((e, receipt));
                }
                Err(why) => {
                    if logged.insert(id.clone()) {
                        counts.errors += 1;
                        let why = match why {
                            NotAnEvent::Malformed(w) => format!("not an event watch reads: {w}"),
                            NotAnEvent::Unknown(w) => format!("an event watch has no use for: {w}"),
                        };
                        eprintln!(
                            "flowaudit: warning: message {}: {}; left to the queue's redrive policy",
                            escape(&id),
                            escape(&why)
                        );
                    }
                }
            }
        }

        // Re-check, write, then delete what was handled.
        let only: Vec<Event> = events.iter().map(|(e, _)| e.clone()).collect();
        let plan = state.plan(&only);
        let mut failed_places: BTreeSet<Place> = BTreeSet::new();
        for (place, check) in &plan {
            counts.rechecks += 1;
            match recheck(&opts, rules, place, check, &known).await {
                Ok((inv, doc)) => {
                    let changes = state.apply(place, check, &inv, doc.results.clone());
                    counts.changes += changes.len();
                    write_changes(&stdout, &changes)?;
                    // The events stay on the queue until what they changed is published too.
                    if let (Some(target), Some(via)) = (args.publish, via)
                        && !changes.is_empty()
                        && super::publish_step::publish_document_async(target, &doc, via).await?
                            != ExitStatus::Clean
                    {
                        counts.errors += 1;
                        failed_places.insert(place.clone());
                    }
                }
                Err(why) => {
                    counts.errors += 1;
                    eprintln!(
                        "flowaudit: error: re-check of account {} region {} failed: {}; its events stay on the queue",
                        escape(&place.0),
                        escape(&place.1),
                        escape(&why)
                    );
                    failed_places.insert(place.clone());
                }
            }
        }
        for (e, receipt) in events {
            let place = (e.account.clone(), e.region.clone());
            let in_failed = failed_places.contains(&place)
                || plan.iter().any(|(p, c)| {
                    failed_places.contains(p)
                        && (c.whole.contains(&e.id)
                            || c.resources.values().any(|ids| ids.contains(&e.id)))
                });
            if !in_failed {
                done.push(receipt);
            }
        }
        delete(&sqs, &args.queue_url, done).await;
        health(&mut counts, &mut last_health, false);
    }
    health(&mut counts, &mut last_health, true);
    Ok(ExitStatus::Clean)
}

/// Re-check `check` in `place`: a targeted scan of its resources, or a scan of the whole
/// account-region; the results of every rule. A re-check that could not read everything fails.
async fn recheck(
    base: &CollectOptions,
    rules: &ScanRules,
    place: &Place,
    check: &PlaceCheck,
    known: &HashMap<String, Account>,
) -> Result<(crate::inventory::Inventory, crate::report::v1::Document), String> {
    let mut opts = base.clone();
    opts.regions = vec![place.1.clone()];
    opts.exclude_regions = Vec::new();
    opts.targets = if check.whole.is_empty() {
        Some(Targets(
            check
                .resources
                .keys()
                .map(|(kind, id)| Target {
                    kind: *kind,
                    id: id.clone(),
                    account: Some(place.0.clone()),
                    region: place.1.clone(),
                })
                .collect(),
        ))
    } else {
        None
    };
    // Other accounts through their role, the caller's own with its credentials.
    if let Some(a) = &base.accounts {
        opts.accounts = Some(AccountsOptions {
            source: match &a.source {
                AccountSource::File(entries) => AccountSource::File(entries.clone()),
                _ => AccountSource::Listed,
            },
            ous: Vec::new(),
            exclude_ous: Vec::new(),
            accounts: vec![place.0.clone()],
            exclude_accounts: Vec::new(),
            skip_self: false,
            shard: None,
            ..a.clone()
        });
    }
    let mut inv = collect::collect(&opts).await.map_err(|e| e.to_string())?;
    for a in &mut inv.accounts {
        if let Some(k) = known.get(&a.id) {
            a.name = a.name.take().or_else(|| k.name.clone());
            if a.ou_path.is_empty() {
                a.ou_path = k.ou_path.clone();
            }
            if a.tags.is_empty() {
                a.tags = k.tags.clone();
            }
        }
    }
    if let Some(e) = inv.errors.first() {
        return Err(format!(
            "{} {}: {}: {}",
            e.service, e.operation, e.code, e.message
        ));
    }
    let doc = rules.run(&inv).map_err(|e| e.to_string())?;
    Ok((inv, doc))
}

fn write_changes(stdout: &std::io::Stdout, changes: &[Change]) -> Result<(), Error> {
    let mut out = stdout.lock();
    for c in changes {
        let line = Line {
            change: c.change,
            was: c.was.map(|s| s.as_str()),
            events: &c.events,
            result: &c.result,
        };
        let text = serde_json::to_string(&line)
            .map_err(|e| Error::fatal(format!("cannot write a change: {e}")))?;
        writeln!(out, "{text}")
            .and_then(|_| out.flush())
            .map_err(|e| Error::fatal(format!("cannot write to standard output: {e}")))?;
    }
    Ok(())
}

async fn delete(sqs: &aws_sdk_sqs::Client, queue: &str, receipts: Vec<String>) {
    for chunk in receipts.chunks(10) {
        let entries: Vec<aws_sdk_sqs::types::DeleteMessageBatchRequestEntry> = chunk
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(r)
                    .build()
                    .ok()
            })
            .collect();
        if let Err(e) = sqs
            .delete_message_batch()
            .queue_url(queue)
            .set_entries(Some(entries))
            .send()
            .await
        {
            let f = crate::collect::errors::classify(&e, 30);
            eprintln!(
                "flowaudit: warning: cannot delete handled messages ({}); they will be handled again",
                escape(&f.summary())
            );
        }
    }
}

/// Once a minute (and at the end), one line of counts on stderr.
fn health(counts: &mut Counts, last: &mut Instant, end: bool) {
    if !end && last.elapsed() < Duration::from_secs(60) {
        return;
    }
    let n = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    eprintln!(
        "flowaudit: watch: {}, {}, {}, {}{}",
        n(counts.events, "event"),
        n(counts.rechecks, "re-check"),
        n(counts.changes, "change"),
        n(counts.errors, "error"),
        if end {
            " (stopping)"
        } else {
            " in the last minute"
        }
    );
    *counts = Counts::default();
    *last = Instant::now();
}

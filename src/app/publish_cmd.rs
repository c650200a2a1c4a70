//! `flowaudit publish`: the findings of saved reports imported into AWS Security Hub (the
//! publishing itself, shared with `scan --publish` and `watch --publish`, is `publish_step.rs`).
//!
//! The reports are read a result at a time; only the active findings (failures, suppressed
//! failures, results that could not be evaluated) are kept, as ASFF. Each goes to the hub of its
//! own account and region, through the caller's credentials for the caller's account and an
//! assumed role for every other one.

use super::publish_step::{Via, publish_plan, recorded_roles};
use crate::cli::publish_args::{PublishArgs, PublishTarget};
use crate::collect::accounts::{AccountSource, AccountsOptions, RoleSpec};
use crate::collect::clients::{ClientSettings, validate_endpoint};
use crate::error::{Error, ExitStatus};
use crate::findings::Finding;
use crate::publish::plan::{Plan, Scope, is_active};
use crate::report::asff;
use crate::report::export::{Catalog, ScanTime};
use crate::report::merge::{self, Merged};
use crate::term::escape;
use std::time::Duration;

/// Run `flowaudit publish`.
pub fn publish(args: PublishArgs) -> Result<ExitStatus, Error> {
    let PublishTarget::Securityhub = args.target;
    if let Some(url) = &args.endpoint_url {
        validate_endpoint(url, "--endpoint-url")?;
    }
    let via = via_of(&args)?;
    let mut inputs = Vec::with_capacity(args.files.len());
    for p in &args.files {
        super::file_kind::expect(p, super::file_kind::FileKind::Report, "flowaudit publish")?;
        inputs.push((p.display().to_string(), merge::read(p, None)?));
    }
    let Merged {
        doc,
        mut overlap,
        warnings,
    } = merge::merge_heads(&inputs)?;
    for w in &warnings {
        eprintln!("flowaudit: warning: {}", escape(w));
    }
    let mut scope = Scope::default();
    for (_, head) in &inputs {
        scope.add(head);
    }
    let mut plan = Plan::new(scope);
    {
        let catalog = Catalog::new(&doc);
        let time = ScanTime::of(&doc).iso();
        for (i, p) in args.files.iter().enumerate() {
            merge::read(
                p,
                Some(&mut |f: Finding| {
                    if overlap.take(i, &f) && is_active(&f) {
                        plan.add(asff::finding(&doc, &catalog, &time, &f));
                    }
                    Ok(())
                }),
            )?;
        }
    }
    let roles = recorded_roles(inputs.iter().map(|(_, h)| h));
    publish_plan(plan, &doc, &roles, &via)
}

fn via_of(args: &PublishArgs) -> Result<Via, Error> {
    let role = match &args.role_arn_template {
        Some(t) => RoleSpec::Template(t.clone()),
        None => RoleSpec::Name(args.role_name_or_default()),
    };
    let accounts = AccountsOptions {
        source: AccountSource::Listed,
        ous: Vec::new(),
        exclude_ous: Vec::new(),
        accounts: Vec::new(),
        exclude_accounts: Vec::new(),
        role,
        external_id: args.external_id.clone(),
        session_name: args.role_session_name.clone(),
        session_duration: args.session_duration.map(|s| Duration::from_secs(s.into())),
        skip_self: false,
        concurrency: 1,
        shard: None,
        read_tags: false,
    };
    crate::collect::accounts::validate_options(&accounts)?;
    Ok(Via {
        settings: ClientSettings {
            profile: args.profile.clone(),
            endpoint_url: args.endpoint_url.clone(),
            max_attempts: args.max_attempts,
            call_timeout: Duration::from_secs(args.call_timeout),
            max_in_flight: 64,
            pool: None,
        },
        accounts,
        override_role: args.role_name.is_some() || args.role_arn_template.is_some(),
    })
}

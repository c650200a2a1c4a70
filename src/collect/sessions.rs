//! The sessions of the accounts a command writes to (`fix`, `fix --undo`, `publish`): the
//! caller's own clients and one assumed-role session per member account, made as the scan makes
//! them (the collector's clients: endpoint override, standard retries with `--max-attempts`,
//! per-attempt timeout, one connection pool), plus error formatting. Only STS is called here;
//! the writing calls are the callers'.

use crate::collect::CollectOptions;
use crate::collect::accounts::{self, AccountsOptions};
use crate::collect::clients::Clients;
use crate::term::escape;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use std::collections::BTreeMap;

/// The collector's clients: the same credentials chain, endpoint override, retries and timeouts.
pub type Aws = Clients;

/// Load the AWS configuration the way the scan does (default region us-east-1 when none is set).
pub async fn connect(opts: &CollectOptions) -> Aws {
    Clients::load(opts, "us-east-1").await
}

/// The account id and ARN partition of the caller's credentials (STS GetCallerIdentity); fatal
/// when they cannot be read, since no account can be written to without them.
pub async fn identify(caller: &Aws) -> Result<(String, String), crate::error::Error> {
    let who = caller
        .sts()
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            crate::error::Error::fatal(format!(
                "cannot identify the account of the credentials (sts:GetCallerIdentity): {}",
                escape(&error_text(&e))
            ))
        })?;
    let account = who.account().unwrap_or_default().to_string();
    let partition = who
        .arn()
        .and_then(|a| a.split(':').nth(1))
        .unwrap_or("aws")
        .to_string();
    Ok((account, partition))
}

/// The clients of every account a fix, an undo or a publish writes to: the caller's own account with the
/// caller's credentials, every other one through the role that reaches it (the scan's role, or
/// the one a change log records), assumed the way the scan assumes it.
pub struct Accounts {
    caller_id: String,
    caller: Aws,
    members: BTreeMap<String, Member>,
}

struct Member {
    role_arn: String,
    /// The account's clients, or why its role could not be assumed.
    clients: Result<Aws, String>,
}

impl Accounts {
    /// The caller's own account only (a single-account fix or undo).
    pub fn caller_only(caller_id: &str, caller: Aws) -> Accounts {
        Accounts {
            caller_id: caller_id.to_string(),
            caller,
            members: BTreeMap::new(),
        }
    }

    /// The caller's account, plus one assumed-role session for each of `roles` (account ->
    /// (role ARN, external id)). A refused AssumeRole makes only that account unreachable.
    pub async fn reach(
        caller_id: &str,
        caller: Aws,
        roles: BTreeMap<String, (String, Option<String>)>,
        o: &AccountsOptions,
        timeout_secs: u64,
    ) -> Accounts {
        let mut members = BTreeMap::new();
        for (account, (role_arn, external_id)) in roles {
            if account == caller_id {
                continue;
            }
            let clients =
                accounts::reach_role(&caller, o, &account, &role_arn, external_id, timeout_secs)
                    .await
                    .map_err(|e| format!("{} ({})", e.message, e.code));
            members.insert(account, Member { role_arn, clients });
        }
        Accounts {
            caller_id: caller_id.to_string(),
            caller,
            members,
        }
    }

    /// The caller's account id.
    pub fn caller_id(&self) -> &str {
        &self.caller_id
    }

    /// The caller's clients.
    pub fn caller(&self) -> &Aws {
        &self.caller
    }

    /// The clients that write to `account`, or why it cannot be reached.
    pub fn clients(&self, account: &str) -> Result<&Aws, String> {
        if account == self.caller_id {
            return Ok(&self.caller);
        }
        match self.members.get(account) {
            Some(m) => m.clients.as_ref().map_err(Clone::clone),
            None => Err(format!(
                "no role reaches account {}: it is neither the caller's account nor one the scan reached",
                escape(account)
            )),
        }
    }

    /// The role assumed to reach `account`; `None` for the caller's own account.
    pub fn role_arn(&self, account: &str) -> Option<&str> {
        self.members.get(account).map(|m| m.role_arn.as_str())
    }

    /// The member accounts and whether each was reached.
    pub fn members(&self) -> impl Iterator<Item = (&str, &str, Result<&Aws, &str>)> {
        self.members.iter().map(|(a, m)| {
            (
                a.as_str(),
                m.role_arn.as_str(),
                m.clients.as_ref().map_err(String::as_str),
            )
        })
    }

    /// Mark `account` unreachable (its identity did not match, ...).
    pub fn refuse(&mut self, account: &str, why: String) {
        if let Some(m) = self.members.get_mut(account) {
            m.clients = Err(why);
        }
    }
}

/// The error code of an SDK error (`AccessDenied`, `DryRunOperation`, ...), if the service sent one.
pub fn error_code<E>(e: &E) -> Option<String>
where
    E: ProvideErrorMetadata,
{
    e.code().map(str::to_string)
}

/// `CODE: message` for a service error, or the full error chain for transport failures.
pub fn error_text<E>(e: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => {
            let mut s = e.to_string();
            let mut src = e.source();
            while let Some(inner) = src {
                s.push_str(": ");
                s.push_str(&inner.to_string());
                src = inner.source();
            }
            s
        }
    }
}

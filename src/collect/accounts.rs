//! The accounts of a multi-account scan: which ones (selection over the organization, an
//! accounts file or `--account`), with which role each one is read, and the assumed-role
//! sessions that reach them.

use super::clients::{Clients, Paced};
use super::errors::{CallFailure, classify};
use super::org::OrgListing;
use crate::error::Error;
use crate::inventory::validate;
use crate::inventory::{Account, ScanError};
use crate::term::escape;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{self, ProvideCredentials, error::CredentialsError};
use aws_sdk_sts::operation::assume_role::builders::AssumeRoleFluentBuilder;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Where the accounts come from.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountSource {
    /// Every account of the organization (`--org`).
    Organization,
    /// The entries of an accounts file.
    File(Vec<FileAccount>),
    /// Exactly the `--account` ids.
    Listed,
}

/// One entry of an accounts file, checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FileAccount {
    pub id: String,
    pub name: Option<String>,
    /// A role name or a role ARN.
    pub role: Option<String>,
    pub external_id: Option<String>,
    /// Regions to scan in this account (instead of `--region`); empty means not given.
    pub regions: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// The role assumed in every account that does not name its own.
#[derive(Debug, Clone, PartialEq)]
pub enum RoleSpec {
    /// `--role-name`.
    Name(String),
    /// `--role-arn-template` with `{account}` and `{partition}`.
    Template(String),
}

/// How a multi-account scan chooses and reaches its accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountsOptions {
    pub source: AccountSource,
    pub ous: Vec<String>,
    pub exclude_ous: Vec<String>,
    pub accounts: Vec<String>,
    pub exclude_accounts: Vec<String>,
    pub role: RoleSpec,
    pub external_id: Option<String>,
    pub session_name: String,
    pub session_duration: Option<Duration>,
    pub skip_self: bool,
    /// Accounts collected at once.
    pub concurrency: usize,
    /// `--shard`: only the selected accounts of this shard are scanned (and listed).
    pub shard: Option<super::shard::Shard>,
    /// Read each account's Organizations tags (`ListTagsForResource`): only when a rule, a
    /// suppression or an output needs them. An accounts file's tags are kept either way.
    pub read_tags: bool,
}

impl AccountsOptions {
    /// The external id of `account`'s AssumeRole: its accounts-file entry's, else `--external-id`.
    pub fn external_id_for(&self, account: &str) -> Option<String> {
        if let AccountSource::File(entries) = &self.source
            && let Some(e) = entries.iter().find(|e| e.id == account)
        {
            return e.external_id.clone().or_else(|| self.external_id.clone());
        }
        self.external_id.clone()
    }

    /// The regions asked for in `account`: its accounts-file entry's, else `base` (`--region`;
    /// empty for every enabled region).
    pub fn regions_for(&self, account: &str, base: &[String]) -> Vec<String> {
        if let AccountSource::File(entries) = &self.source
            && let Some(e) = entries.iter().find(|e| e.id == account)
            && !e.regions.is_empty()
        {
            return e.regions.clone();
        }
        base.to_vec()
    }

    /// The role `--role-name` or `--role-arn-template` gives for `account`.
    pub fn flag_role_arn(&self, account: &str, partition: &str) -> Result<String, String> {
        role_for(self, account, partition, None)
    }
}

// ---------------------------------------------------------------------------------------------
// Checks of the flag values (before any AWS call).

/// IAM's characters for role names and session names: letters, digits and `+=,.@_-`.
fn iam_chars(s: &str, extra: &[u8]) -> bool {
    s.bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"+=,.@_-".contains(&c) || extra.contains(&c))
}

/// A role name (optionally with a path, `audit/Reader`), as IAM allows it.
pub fn role_name(s: &str) -> Result<(), &'static str> {
    let ok = !s.is_empty()
        && s.len() <= 512
        && !s.starts_with('/')
        && !s.ends_with('/')
        && !s.contains("//")
        && iam_chars(s, b"/");
    ok.then_some(())
        .ok_or("expected a role name: letters, digits and `+=,.@_-` (a path before it with `/`)")
}

/// A role ARN: `arn:PARTITION:iam::ACCOUNT:role/NAME`.
pub fn role_arn(s: &str) -> Result<(), &'static str> {
    const RULE: &str = "expected a role ARN `arn:PARTITION:iam::ACCOUNT:role/NAME`";
    validate::arn(s).map_err(|_| RULE)?;
    let mut parts = s.splitn(6, ':');
    let (_, _, service, region, account, resource) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next().unwrap_or(""),
    );
    let ok = service == Some("iam")
        && region == Some("")
        && account.is_some_and(|a| validate::account_id(a).is_ok())
        && resource
            .strip_prefix("role/")
            .is_some_and(|n| role_name(n).is_ok());
    ok.then_some(()).ok_or(RULE)
}

/// A role session name: 2 to 64 of letters, digits and `+=,.@_-`.
pub fn session_name(s: &str) -> Result<(), &'static str> {
    ((2..=64).contains(&s.len()) && iam_chars(s, b""))
        .then_some(())
        .ok_or("expected 2 to 64 letters, digits or `+=,.@_-`")
}

/// An external id: 2 to 1224 of letters, digits and `+=,.@:/_-`.
pub fn external_id(s: &str) -> Result<(), &'static str> {
    ((2..=1224).contains(&s.len()) && iam_chars(s, b":/"))
        .then_some(())
        .ok_or("expected 2 to 1224 letters, digits or `+=,.@:/_-`")
}

/// The role ARN a template gives for an account, or why the template cannot give one.
pub fn expand_template(template: &str, account: &str, partition: &str) -> Result<String, String> {
    if !template.contains("{account}") {
        return Err("the template has no `{account}`".into());
    }
    let arn = template
        .replace("{account}", account)
        .replace("{partition}", partition);
    if let Some(at) = arn.find(['{', '}']) {
        return Err(format!(
            "unknown placeholder at {:?}; only {{account}} and {{partition}} are replaced",
            &arn[at..]
        ));
    }
    role_arn(&arn).map_err(|rule| format!("{rule}, found {}", validate::show(&arn)))?;
    let arn_account = arn.split(':').nth(4).unwrap_or("");
    if arn_account != account {
        return Err(format!(
            "the role ARN names account {arn_account}, not the account it is for ({account})"
        ));
    }
    Ok(arn)
}

fn bad(flag: &str, value: &str, rule: &str, fix: &str) -> Error {
    Error::input(format!(
        "{flag}: {}: {rule}\n  fix: {fix}",
        validate::show(value)
    ))
}

/// Check every account flag's value: account ids, OU ids, role, session name, external id.
pub fn validate_options(o: &AccountsOptions) -> Result<(), Error> {
    for (flag, ids) in [
        ("--account", &o.accounts),
        ("--exclude-account", &o.exclude_accounts),
    ] {
        for id in ids {
            validate::account_id(id).map_err(|r| {
                bad(
                    flag,
                    id,
                    r,
                    "give 12-digit account ids, repeated or separated by commas",
                )
            })?;
        }
    }
    for (flag, ids) in [("--ou", &o.ous), ("--exclude-ou", &o.exclude_ous)] {
        // An id (what starts as one must be one: a typo is caught before any call), or a path
        // or name of OUs, resolved once the tree is listed: any other text but empty or holding
        // control characters.
        for id in ids {
            if id.starts_with("ou-") || id.starts_with("r-") {
                validate::ou_id(id).map_err(|r| {
                    bad(
                        flag,
                        id,
                        r,
                        "give organizational unit ids as `aws organizations list-organizational-units-for-parent` shows them",
                    )
                })?;
            } else if id.is_empty() || id.chars().any(char::is_control) {
                return Err(bad(
                    flag,
                    id,
                    "expected an OU id, a path of OU names or an OU name",
                    "give an OU id as `aws organizations list-organizational-units-for-parent` shows it, a path such as Workloads/Prod, or the name of one OU",
                ));
            }
        }
        if !ids.is_empty() && o.source != AccountSource::Organization {
            return Err(Error::input(format!(
                "{flag} selects accounts by organizational unit, which only --org reads\n  fix: add --org, or choose accounts with --account"
            )));
        }
    }
    match &o.role {
        RoleSpec::Name(n) => role_name(n).map_err(|r| {
            bad(
                "--role-name",
                n,
                r,
                "give the role's name, e.g. OrganizationAccountAccessRole",
            )
        })?,
        RoleSpec::Template(t) => {
            expand_template(t, "123456789012", "aws").map_err(|e| {
                Error::input(format!(
                    "--role-arn-template: {}: {e}\n  fix: write it as 'arn:{{partition}}:iam::{{account}}:role/NAME'",
                    validate::show(t)
                ))
            })?;
        }
    }
    session_name(&o.session_name).map_err(|r| {
        bad(
            "--role-session-name",
            &o.session_name,
            r,
            "use a short name such as flowaudit",
        )
    })?;
    if let Some(x) = &o.external_id {
        external_id(x).map_err(|r| {
            bad(
                "--external-id",
                x,
                r,
                "give the external id the role's trust policy requires",
            )
        })?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Selection.

/// An account chosen by the selection, with how it is reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The inventory record (`scanned` and `skip_reason` already decided).
    pub account: Account,
    /// Regions asked for in this account (empty: every enabled region).
    pub regions: Vec<String>,
    /// The external id for this account's AssumeRole.
    pub external_id: Option<String>,
}

impl Target {
    /// True when the account is read with the caller's own credentials.
    pub fn is_caller(&self) -> bool {
        self.account.scanned && self.account.role_arn.is_none()
    }
}

fn role_for(
    o: &AccountsOptions,
    account: &str,
    partition: &str,
    own: Option<&str>,
) -> Result<String, String> {
    match own {
        Some(arn) if arn.starts_with("arn:") => Ok(arn.to_string()),
        Some(name) => Ok(format!("arn:{partition}:iam::{account}:role/{name}")),
        None => match &o.role {
            RoleSpec::Name(name) => Ok(format!("arn:{partition}:iam::{account}:role/{name}")),
            RoleSpec::Template(t) => expand_template(t, account, partition),
        },
    }
}

fn blank(id: &str) -> Account {
    Account {
        id: id.to_string(),
        name: None,
        email: None,
        status: None,
        ou_path: Vec::new(),
        tags: BTreeMap::new(),
        role_arn: None,
        scanned: true,
        skip_reason: None,
    }
}

/// Choose the accounts: the source's accounts, narrowed by `--ou` / `--exclude-ou` (whole
/// subtrees), then `--account` / `--exclude-account`, sorted by id. Accounts that are selected
/// but not ACTIVE, and the caller's account under `--skip-self`, are kept with `scanned: false`.
/// An `--account`, `--ou` or `--exclude-ou` naming nothing the source has is an input error.
/// With `--shard`, only the accounts of that shard remain (the partition of the whole selection).
pub fn select(
    o: &AccountsOptions,
    org: Option<&OrgListing>,
    caller: &str,
    partition: &str,
    base_regions: &[String],
) -> Result<Vec<Target>, Error> {
    let mut targets: Vec<Target> = match (&o.source, org) {
        (AccountSource::Organization, Some(org)) => {
            // Ids, paths and names, each to the one id it names.
            let resolve = |flag: &str, values: &[String]| -> Result<Vec<String>, Error> {
                values
                    .iter()
                    .map(|v| {
                        org.resolve_ou(v).map_err(|why| {
                            Error::input(format!(
                                "{flag} {}: {}\n  fix: give an OU id (`aws organizations list-organizational-units-for-parent`), a path of OU names from the root such as Workloads/Prod, or the name of one OU",
                                escape(v),
                                escape(&why)
                            ))
                        })
                    })
                    .collect()
            };
            let ous = resolve("--ou", &o.ous)?;
            let exclude_ous = resolve("--exclude-ou", &o.exclude_ous)?;
            org.accounts
                .iter()
                .filter(|a| {
                    let ancestors = org.ancestors(&a.id);
                    (ous.is_empty() || ous.iter().any(|ou| ancestors.contains(ou)))
                        && !exclude_ous.iter().any(|ou| ancestors.contains(ou))
                })
                .map(|a| Target {
                    account: Account {
                        name: a.name.clone(),
                        email: a.email.clone(),
                        status: a.status.clone(),
                        ou_path: org.ou_path(&a.id),
                        ..blank(&a.id)
                    },
                    regions: base_regions.to_vec(),
                    external_id: o.external_id.clone(),
                })
                .collect()
        }
        (AccountSource::File(entries), _) => entries
            .iter()
            .map(|e| Target {
                account: Account {
                    name: e.name.clone(),
                    tags: e.tags.clone(),
                    // The entry's own role, resolved below.
                    role_arn: e.role.clone(),
                    ..blank(&e.id)
                },
                regions: o.regions_for(&e.id, base_regions),
                external_id: o.external_id_for(&e.id),
            })
            .collect(),
        _ => o
            .accounts
            .iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|id| Target {
                account: blank(id),
                regions: base_regions.to_vec(),
                external_id: o.external_id.clone(),
            })
            .collect(),
    };
    if !o.accounts.is_empty() {
        let known: BTreeSet<&str> = targets.iter().map(|t| t.account.id.as_str()).collect();
        if let Some(missing) = o.accounts.iter().find(|a| !known.contains(a.as_str())) {
            let source = match o.source {
                AccountSource::File(_) => "the accounts file does not list it",
                _ if o.ous.is_empty() && o.exclude_ous.is_empty() => {
                    "it is not an account of the organization"
                }
                _ => {
                    "it is not an account of the organization under the --ou / --exclude-ou selection"
                }
            };
            return Err(Error::input(format!(
                "--account {}: {source}\n  fix: check the id, or leave it out",
                escape(missing)
            )));
        }
        targets.retain(|t| o.accounts.contains(&t.account.id));
    }
    targets.retain(|t| !o.exclude_accounts.contains(&t.account.id));
    targets.sort_by(|a, b| a.account.id.cmp(&b.account.id));
    targets.dedup_by(|a, b| a.account.id == b.account.id);
    if let Some(shard) = o.shard {
        targets.retain(|t| shard.owns(&t.account.id));
    }
    for t in &mut targets {
        let a = &mut t.account;
        let own_role = a.role_arn.take();
        if let Some(status) = a.status.as_deref().filter(|s| *s != "ACTIVE") {
            a.scanned = false;
            a.skip_reason = Some(format!(
                "the account's status is {status}: only ACTIVE accounts are scanned"
            ));
        } else if a.id == caller && o.skip_self {
            a.scanned = false;
            a.skip_reason = Some("the caller's own account, left out by --skip-self".into());
        } else if a.id != caller {
            a.role_arn = Some(
                role_for(o, &a.id, partition, own_role.as_deref())
                    .map_err(|e| Error::input(format!("account {}: {e}", escape(&a.id))))?,
            );
        }
    }
    Ok(targets)
}

// ---------------------------------------------------------------------------------------------
// Reaching an account.

/// Credentials are renewed when they have less than this left.
const RENEW_BEFORE: Duration = Duration::from_secs(10 * 60);

/// An assumed-role session in one account: the credentials of one AssumeRole, renewed with
/// another AssumeRole when they come within [`RENEW_BEFORE`] of their expiry. The clients of the
/// account ask it for credentials before every call.
#[derive(Debug)]
pub struct RoleSession {
    request: AssumeRoleFluentBuilder,
    timeout_secs: u64,
    current: tokio::sync::Mutex<Credentials>,
}

impl RoleSession {
    /// Assume the role once. The failure is the account's: its error entry says why.
    pub async fn start(
        caller: &Clients,
        role_arn: &str,
        external_id: Option<&str>,
        o: &AccountsOptions,
        timeout_secs: u64,
    ) -> Result<Arc<RoleSession>, CallFailure> {
        let request = caller
            .sts()
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(&o.session_name)
            .set_external_id(external_id.map(str::to_string))
            .set_duration_seconds(o.session_duration.map(|d| d.as_secs() as i32));
        let creds = caller
            .limit
            .run_paced(Paced::AssumeRole, assume(&request, timeout_secs))
            .await?;
        Ok(Arc::new(RoleSession {
            request,
            timeout_secs,
            current: tokio::sync::Mutex::new(creds),
        }))
    }

    async fn credentials(&self) -> provider::Result {
        let mut current = self.current.lock().await;
        if needs_renewal(current.expiry(), SystemTime::now()) {
            tracing::debug!("renewing assumed-role credentials");
            // Asked for by a call that holds its place under the cap on calls in flight
            // already: the renewal takes none of its own, or a full cap would wait on itself.
            *current = assume(&self.request, self.timeout_secs)
                .await
                .map_err(|f| CredentialsError::provider_error(f.summary()))?;
        }
        Ok(current.clone())
    }
}

/// True when credentials expiring at `expiry` must be renewed at `now`.
fn needs_renewal(expiry: Option<SystemTime>, now: SystemTime) -> bool {
    expiry.is_some_and(|e| {
        e.duration_since(now)
            .map_or(true, |left| left < RENEW_BEFORE)
    })
}

async fn assume(
    request: &AssumeRoleFluentBuilder,
    timeout_secs: u64,
) -> Result<Credentials, CallFailure> {
    let out = request
        .clone()
        .send()
        .await
        .map_err(|e| classify(&e, timeout_secs))?;
    let c = out.credentials().ok_or_else(|| CallFailure {
        code: super::errors::INVALID_VALUE.into(),
        message: "the AssumeRole answer holds no credentials".into(),
        status: None,
        bucket_region: None,
    })?;
    let expiry = SystemTime::try_from(*c.expiration()).ok();
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        expiry,
        "flowaudit-assume-role",
    ))
}

/// The credentials provider of an account's clients.
#[derive(Debug, Clone)]
pub struct SessionProvider(pub Arc<RoleSession>);

impl ProvideCredentials for SessionProvider {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.0.credentials())
    }
}

/// The clients of one account: `None` for the caller's own (the caller's clients), else those of
/// one assumed-role session. A refused AssumeRole is the account's error entry.
pub async fn reach(
    clients: &Clients,
    a: &AccountsOptions,
    t: &Target,
    timeout_secs: u64,
) -> Result<Option<Clients>, ScanError> {
    let Some(role) = &t.account.role_arn else {
        return Ok(None);
    };
    reach_role(
        clients,
        a,
        &t.account.id,
        role,
        t.external_id.clone(),
        timeout_secs,
    )
    .await
    .map(Some)
}

/// The clients of `account` through `role_arn` (an account a scan or a change log names), the
/// way a scan reaches it: one AssumeRole with `o`'s session settings and `external_id`.
pub async fn reach_role(
    clients: &Clients,
    o: &AccountsOptions,
    account: &str,
    role_arn: &str,
    external_id: Option<String>,
    timeout_secs: u64,
) -> Result<Clients, ScanError> {
    let id = account;
    let role = role_arn;
    match RoleSession::start(clients, role, external_id.as_deref(), o, timeout_secs).await {
        Ok(session) => {
            tracing::debug!(account = %escape(id), role = %escape(role), "AssumeRole");
            Ok(clients.with_credentials(SessionProvider(session)))
        }
        Err(f) => {
            tracing::warn!(account = %escape(id), code = %escape(&f.code), "the account's role could not be assumed");
            Err(ScanError {
                message: format!("cannot assume {role}: {}", f.message),
                ..super::errors::account_error(id, "sts", "AssumeRole", &f)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(source: AccountSource) -> AccountsOptions {
        AccountsOptions {
            source,
            ous: vec![],
            exclude_ous: vec![],
            accounts: vec![],
            exclude_accounts: vec![],
            role: RoleSpec::Name("OrganizationAccountAccessRole".into()),
            external_id: None,
            session_name: "flowaudit".into(),
            session_duration: None,
            skip_self: false,
            concurrency: 8,
            shard: None,
            read_tags: true,
        }
    }

    #[test]
    fn templates_need_the_account_and_give_a_role_arn() {
        assert_eq!(
            expand_template(
                "arn:{partition}:iam::{account}:role/Audit",
                "111111111111",
                "aws-cn"
            )
            .unwrap(),
            "arn:aws-cn:iam::111111111111:role/Audit"
        );
        assert!(
            expand_template("arn:aws:iam::222222222222:role/Audit", "1", "aws")
                .unwrap_err()
                .contains("{account}")
        );
        assert!(
            expand_template("arn:aws:iam::{account}:role/{name}", "111111111111", "aws")
                .unwrap_err()
                .contains("placeholder")
        );
        assert!(expand_template("arn:aws:s3::{account}:role/x", "111111111111", "aws").is_err());
        assert!(expand_template("arn:aws:iam::{account}1:role/x", "111111111111", "aws").is_err());
    }

    #[test]
    fn flag_values_are_checked() {
        let mut o = opts(AccountSource::Listed);
        o.accounts = vec!["12345".into()];
        let e = validate_options(&o).unwrap_err().to_string();
        assert!(e.starts_with("--account: \"12345\""), "{e}");
        let mut o = opts(AccountSource::Organization);
        o.exclude_ous = vec!["ou-1".into()];
        assert!(
            validate_options(&o)
                .unwrap_err()
                .to_string()
                .contains("--exclude-ou")
        );
        let mut o = opts(AccountSource::Listed);
        o.ous = vec!["ou-ab12-cd34ef56".into()];
        assert!(
            validate_options(&o)
                .unwrap_err()
                .to_string()
                .contains("only --org")
        );
        let mut o = opts(AccountSource::Organization);
        o.role = RoleSpec::Template("arn:aws:iam::1:role/x".into());
        assert!(
            validate_options(&o)
                .unwrap_err()
                .to_string()
                .contains("--role-arn-template")
        );
        let mut o = opts(AccountSource::Organization);
        o.session_name = "a b".into();
        assert!(validate_options(&o).is_err());
        let mut o = opts(AccountSource::Organization);
        o.external_id = Some("x".into());
        assert!(validate_options(&o).is_err());
        o.external_id = Some("ext-1:/=".into());
        assert!(validate_options(&o).is_ok());
    }

    #[test]
    fn listed_and_file_selection() {
        let caller = "123456789012";
        let mut o = opts(AccountSource::Listed);
        o.accounts = vec!["222222222222".into(), caller.into(), "111111111111".into()];
        o.exclude_accounts = vec!["111111111111".into()];
        let t = select(&o, None, caller, "aws", &[]).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].account.id, caller);
        assert!(t[0].is_caller());
        assert_eq!(
            t[1].account.role_arn.as_deref(),
            Some("arn:aws:iam::222222222222:role/OrganizationAccountAccessRole")
        );
        o.skip_self = true;
        let t = select(&o, None, caller, "aws", &[]).unwrap();
        assert!(!t[0].account.scanned);
        assert!(!t[0].is_caller());

        let file = vec![
            FileAccount {
                id: "333333333333".into(),
                role: Some("Audit".into()),
                regions: vec!["eu-west-1".into()],
                external_id: Some("xx".into()),
                ..Default::default()
            },
            FileAccount {
                id: "444444444444".into(),
                role: Some("arn:aws:iam::444444444444:role/R".into()),
                ..Default::default()
            },
        ];
        let mut o = opts(AccountSource::File(file));
        o.external_id = Some("flag".into());
        let t = select(&o, None, caller, "aws", &["us-east-1".into()]).unwrap();
        assert_eq!(
            t[0].account.role_arn.as_deref(),
            Some("arn:aws:iam::333333333333:role/Audit")
        );
        assert_eq!(t[0].regions, vec!["eu-west-1"]);
        assert_eq!(t[0].external_id.as_deref(), Some("xx"));
        assert_eq!(
            t[1].account.role_arn.as_deref(),
            Some("arn:aws:iam::444444444444:role/R")
        );
        assert_eq!(t[1].regions, vec!["us-east-1"]);
        assert_eq!(t[1].external_id.as_deref(), Some("flag"));
        o.accounts = vec!["555555555555".into()];
        let e = select(&o, None, caller, "aws", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("accounts file does not list it"), "{e}");
    }

    #[test]
    fn organization_selection_by_subtree_account_and_status() {
        use crate::collect::org::{OrgAccount, tests::sample};
        let caller = "123456789012";
        let mut org = sample();
        let acct = |id: &str, status: &str| OrgAccount {
            id: id.into(),
            name: Some(format!("n{id}")),
            email: None,
            status: Some(status.into()),
        };
        org.accounts = vec![
            acct("222222222222", "ACTIVE"),
            acct(caller, "ACTIVE"),
            acct("111111111111", "SUSPENDED"),
        ];
        let ids = |t: &[Target]| t.iter().map(|t| t.account.id.clone()).collect::<Vec<_>>();
        let o = opts(AccountSource::Organization);
        let t = select(&o, Some(&org), caller, "aws", &[]).unwrap();
        assert_eq!(ids(&t), vec!["111111111111", caller, "222222222222"]);
        assert!(!t[0].account.scanned);
        assert!(
            t[0].account
                .skip_reason
                .as_deref()
                .unwrap()
                .contains("SUSPENDED")
        );
        assert_eq!(
            t[0].account
                .ou_path
                .iter()
                .map(|u| u.name.as_str())
                .collect::<Vec<_>>(),
            vec!["Prod", "Nested"]
        );
        assert!(t[1].is_caller());
        assert!(t[2].account.role_arn.is_some());
        // The whole subtree of an OU.
        let mut o = opts(AccountSource::Organization);
        o.ous = vec!["ou-ab12-prod0001".into()];
        assert_eq!(
            ids(&select(&o, Some(&org), caller, "aws", &[]).unwrap()),
            vec!["111111111111"]
        );
        let mut o = opts(AccountSource::Organization);
        o.exclude_ous = vec!["ou-ab12-prod0001".into(), "ou-ab12-dev00001".into()];
        assert_eq!(
            ids(&select(&o, Some(&org), caller, "aws", &[]).unwrap()),
            vec![caller]
        );
        o.ous = vec!["ou-ab12-none0001".into()];
        let e = select(&o, Some(&org), caller, "aws", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("no such organizational unit"), "{e}");
        let mut o = opts(AccountSource::Organization);
        o.accounts = vec!["999999999999".into()];
        let e = select(&o, Some(&org), caller, "aws", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an account of the organization"), "{e}");
        o.accounts = vec!["222222222222".into()];
        assert_eq!(
            ids(&select(&o, Some(&org), caller, "aws", &[]).unwrap()),
            vec!["222222222222"]
        );
        let mut o = opts(AccountSource::Organization);
        o.role = RoleSpec::Template("arn:{partition}:iam::{account}:role/Audit".into());
        let t = select(&o, Some(&org), caller, "aws-cn", &[]).unwrap();
        assert_eq!(
            t[2].account.role_arn.as_deref(),
            Some("arn:aws-cn:iam::222222222222:role/Audit")
        );
    }

    #[test]
    fn renewal_comes_before_expiry() {
        let now = SystemTime::now();
        assert!(!needs_renewal(None, now));
        assert!(!needs_renewal(Some(now + Duration::from_secs(3600)), now));
        assert!(needs_renewal(Some(now + Duration::from_secs(60)), now));
        assert!(needs_renewal(Some(now - Duration::from_secs(60)), now));
    }
}

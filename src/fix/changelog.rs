//! The change log: a JSON file listing every change a fix made, rewritten atomically after each
//! change so it survives a crash, and the input of `flowaudit fix --undo`.

use crate::error::Error;
use crate::term::{Escaped, escape};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Schema id of the change log file.
pub const CHANGE_LOG_SCHEMA: &str = "flowaudit/fix-log/v1";

/// What became of one change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The change was made.
    Applied,
    /// `--dry-run`: AWS confirmed the call would have succeeded; nothing changed.
    DryRunOk,
    /// The change was not made; `error` says why.
    Failed,
    /// Nothing needed doing (e.g. the log group already existed), or it was not attempted.
    Skipped,
}

impl Outcome {
    /// The wire name (`applied`, `dry_run_ok`, `failed`, `skipped`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::DryRunOk => "dry_run_ok",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One change as recorded in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeRecord {
    /// RFC 3339 UTC time the change finished.
    pub time: String,
    pub account_id: String,
    /// The role assumed to make the change in `account_id`; absent when the change was made
    /// with the caller's own credentials. `--undo` reaches the account through it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    pub region: String,
    /// The resource the change is for (a VPC or a transit gateway); `None` for region-level
    /// changes (log groups). Named `vpc_id` in the file (the change-log format, unchanged).
    #[serde(default, rename = "vpc_id")]
    pub resource_id: Option<String>,
    /// `create-flow-log`, `create-log-group` or `associate-kms-key`.
    pub action: String,
    pub description: String,
    pub outcome: Outcome,
    #[serde(default)]
    pub error: Option<String>,
    /// The change id of a change that creates something: [`CHANGE_ID_LEN`] hex digits of fresh
    /// randomness ([`new_change_id`]), drawn when the change was made. It is the ClientToken sent
    /// with CreateFlowLogs, everything the change created carries it as the `flowaudit:change`
    /// tag, and `--undo` deletes nothing whose tag does not equal it. `None` for changes that
    /// create nothing.
    #[serde(default)]
    pub change_id: Option<String>,
    /// Only in logs of earlier versions, which had no `change_id`: their change id, derived from
    /// public values (a SHA-256 of account, region, resource and destination), so anyone could
    /// compute it. `--undo` refuses records that have only this. Never written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
    /// Flow logs this change created.
    #[serde(default)]
    pub flow_log_ids: Vec<String>,
    /// Log groups this change created (not ones that already existed).
    #[serde(default)]
    pub log_groups_created: Vec<String>,
    /// Set by `--undo` once everything this change created has been deleted.
    #[serde(default)]
    pub undone_at: Option<String>,
}

impl ChangeRecord {
    /// True when the change created something that `--undo` would delete.
    pub fn created_anything(&self) -> bool {
        !self.flow_log_ids.is_empty() || !self.log_groups_created.is_empty()
    }
}

/// The whole change log file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeLog {
    /// Always [`CHANGE_LOG_SCHEMA`].
    pub schema: String,
    pub tool_version: String,
    /// RFC 3339 UTC time the fix started.
    pub started_at: String,
    pub account_id: String,
    pub changes: Vec<ChangeRecord>,
}

impl ChangeLog {
    /// An empty log for a fix starting now.
    pub fn new(account_id: &str) -> ChangeLog {
        ChangeLog {
            schema: CHANGE_LOG_SCHEMA.into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            started_at: now_rfc3339(),
            account_id: account_id.into(),
            changes: Vec::new(),
        }
    }

    /// Read and validate a change log file.
    pub fn load(path: &Path) -> Result<ChangeLog, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::input(format!(
                "cannot read change log {}: {}\n  fix: pass the file a previous `--fix` run wrote (--fix-log)",
                Escaped(path.display()),
                Escaped(e)
            ))
        })?;
        Self::from_str(&text, &path.display().to_string())
    }

    /// Parse a change log; `origin` names the source in error messages.
    pub fn from_str(text: &str, origin: &str) -> Result<ChangeLog, Error> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let log: ChangeLog = serde_path_to_error::deserialize(de).map_err(|e| {
            let inner = e.inner();
            Error::input(format!(
                "{}:{}:{}: invalid change log at `{}`: {}\n  fix: pass the unmodified file a `--fix` run wrote ({CHANGE_LOG_SCHEMA})",
                escape(origin),
                inner.line(),
                inner.column(),
                Escaped(e.path()),
                Escaped(inner)
            ))
        })?;
        if log.schema != CHANGE_LOG_SCHEMA {
            return Err(Error::input(format!(
                "{}: field `schema` is {:?}, expected {CHANGE_LOG_SCHEMA:?}\n  fix: pass a change log written by `flowaudit fix` or `scan --fix`",
                escape(origin),
                log.schema
            )));
        }
        Ok(log)
    }

    /// Serialize as pretty JSON.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let mut v = serde_json::to_vec_pretty(self).map_err(|e| Error::internal(e.to_string()))?;
        v.push(b'\n');
        Ok(v)
    }
}

/// A change log bound to its file: every update is written atomically before returning.
pub struct ChangeLogFile {
    path: PathBuf,
    log: ChangeLog,
}

impl ChangeLogFile {
    /// Start a new log and write it (empty) at once, so an unwritable path stops the fix
    /// before anything is changed.
    /// An existing file is never overwritten: it may be the record another `--undo` needs. The
    /// file is created owner-only (0600, it holds account details), never through a symbolic
    /// link (`create_new` refuses any existing name, a link included, and `O_NOFOLLOW` is set
    /// too), and is then only replaced by rename ([`crate::fsutil::write_private`]).
    pub fn create(path: PathBuf, account_id: &str) -> Result<ChangeLogFile, Error> {
        use std::os::unix::fs::OpenOptionsExt;
        refuse_existing(&path)?;
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    exists_error(&path)
                } else {
                    Error::fatal(format!(
                        "cannot write {}: {}\n  the change log records what the fix created; fix: pass a writable --fix-log FILE",
                        Escaped(path.display()),
                        Escaped(e)
                    ))
                }
            })?;
        if !created.metadata().is_ok_and(|m| m.is_file()) {
            return Err(Error::fatal(format!(
                "cannot write {}: not a regular file\n  the change log records what the fix created; fix: pass a new file name to --fix-log",
                Escaped(path.display())
            )));
        }
        drop(created);
        let f = ChangeLogFile {
            path,
            log: ChangeLog::new(account_id),
        };
        f.write()?;
        Ok(f)
    }

    /// Open an existing log for `--undo` (updates are written back to the same file).
    pub fn open(path: PathBuf) -> Result<ChangeLogFile, Error> {
        let log = ChangeLog::load(&path)?;
        Ok(ChangeLogFile { path, log })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The log as recorded so far.
    pub fn log(&self) -> &ChangeLog {
        &self.log
    }

    /// Append a record and write the file.
    pub fn record(&mut self, rec: ChangeRecord) -> Result<(), Error> {
        self.log.changes.push(rec);
        self.write()
    }

    /// Mark change `index` as undone now and write the file.
    pub fn mark_undone(&mut self, index: usize) -> Result<(), Error> {
        if let Some(c) = self.log.changes.get_mut(index) {
            c.undone_at = Some(now_rfc3339());
        }
        self.write()
    }

    fn write(&self) -> Result<(), Error> {
        crate::fsutil::write_private(&self.path, &self.log.to_bytes()?).map_err(|e| {
            Error::fatal(format!(
                "{e}\n  the change log records what the fix created; fix: pass a writable --fix-log FILE"
            ))
        })
    }
}

/// The default change log name: `flowaudit-fix-YYYYMMDDTHHMMSSZ.json` in the current directory
/// (with `-2`, `-3`, ... appended when a run in the same second already wrote one).
pub fn default_path(now: chrono::DateTime<chrono::Utc>) -> PathBuf {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let first = PathBuf::from(format!("flowaudit-fix-{stamp}.json"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| PathBuf::from(format!("flowaudit-fix-{stamp}-{n}.json")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Refuse a `--fix-log` path that already exists (checked before the scan starts, and again
/// when the file is created).
pub fn refuse_existing(path: &Path) -> Result<(), Error> {
    // A symbolic link counts as existing, even one that points nowhere.
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(exists_error(path));
    }
    Ok(())
}

fn exists_error(path: &Path) -> Error {
    Error::input(format!(
        "--fix-log {}: the file already exists, and a change log is never overwritten (it is what `flowaudit fix --undo` reads)\n  fix: pass a new file name, or move the old log away",
        Escaped(path.display())
    ))
}

/// Hex digits of a change id (128 random bits).
pub const CHANGE_ID_LEN: usize = 32;

/// A new change id: 16 bytes from the operating system's random source, as [`CHANGE_ID_LEN`]
/// lowercase hex digits. Nothing about the change goes into it, so it cannot be computed from
/// what is public; only the change log and the tag it is set as hold it.
pub fn new_change_id() -> Result<String, Error> {
    let mut bytes = [0u8; CHANGE_ID_LEN / 2];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::fatal(format!(
            "cannot draw a change id from the operating system's random source: {e}"
        ))
    })?;
    Ok(hex::encode(bytes))
}

/// True when `s` has the form of a change id: [`CHANGE_ID_LEN`] lowercase hex digits. The ids of
/// earlier versions (64 digits, derived from public values) never have it.
pub fn is_change_id(s: &str) -> bool {
    s.len() == CHANGE_ID_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The current time, RFC 3339 UTC with seconds.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(vpc: &str, ids: &[&str], groups: &[&str]) -> ChangeRecord {
        ChangeRecord {
            time: now_rfc3339(),
            role_arn: None,
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            resource_id: Some(vpc.into()),
            action: "create-flow-log".into(),
            description: "d".into(),
            outcome: Outcome::Applied,
            error: None,
            change_id: Some("t".into()),
            client_token: None,
            flow_log_ids: ids.iter().map(|s| s.to_string()).collect(),
            log_groups_created: groups.iter().map(|s| s.to_string()).collect(),
            undone_at: None,
        }
    }

    #[test]
    fn every_record_is_on_disk_before_record_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.json");
        let mut f = ChangeLogFile::create(path.clone(), "111122223333").unwrap();
        assert!(ChangeLog::load(&path).unwrap().changes.is_empty());
        f.record(rec("vpc-1", &["fl-1"], &[])).unwrap();
        assert_eq!(ChangeLog::load(&path).unwrap().changes.len(), 1);
        f.record(rec("vpc-2", &["fl-2"], &["/g"])).unwrap();
        let back = ChangeLog::load(&path).unwrap();
        assert_eq!(back, *f.log());
        assert_eq!(back.changes[1].log_groups_created, vec!["/g"]);
        f.mark_undone(0).unwrap();
        assert!(
            ChangeLog::load(&path).unwrap().changes[0]
                .undone_at
                .is_some()
        );
    }

    #[test]
    fn unwritable_log_path_fails_before_any_change() {
        let e = ChangeLogFile::create(PathBuf::from("/nonexistent-dir-q/log.json"), "1")
            .err()
            .unwrap();
        let m = e.to_string();
        assert!(
            m.contains("/nonexistent-dir-q/log.json") && m.contains("--fix-log"),
            "{m}"
        );
    }

    #[test]
    fn bad_log_files_are_named_with_position() {
        let e = ChangeLog::from_str("{\"schema\": 3}", "x.json")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.json:1:") && e.contains("schema"), "{e}");
        let mut log = ChangeLog::new("1");
        log.schema = "other".into();
        let text = String::from_utf8(log.to_bytes().unwrap()).unwrap();
        let e = ChangeLog::from_str(&text, "y.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected \"flowaudit/fix-log/v1\""), "{e}");
    }

    #[test]
    fn an_existing_log_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.json");
        std::fs::write(&path, "precious").unwrap();
        let m = ChangeLogFile::create(path.clone(), "1")
            .err()
            .unwrap()
            .to_string();
        assert!(
            m.contains("already exists") && m.contains("old.json"),
            "{m}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
    }

    #[test]
    fn the_log_is_owner_only_from_creation_to_the_last_update() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.json");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let mut f = ChangeLogFile::create(path.clone(), "111122223333").unwrap();
        assert_eq!(mode(&path), 0o600);
        f.record(rec("vpc-1", &["fl-1"], &[])).unwrap();
        assert_eq!(mode(&path), 0o600);
        // An --undo of a log someone made readable leaves it owner-only again.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut again = ChangeLogFile::open(path.clone()).unwrap();
        again.mark_undone(0).unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_link_at_the_log_path_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        let link = dir.path().join("log.json");
        // A link to a file that does not exist yet: following it would create the target.
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let m = ChangeLogFile::create(link.clone(), "1")
            .err()
            .unwrap()
            .to_string();
        assert!(m.contains("already exists"), "{m}");
        assert!(!target.exists());
    }

    #[test]
    fn hostile_keys_and_values_in_a_log_are_escaped_in_errors() {
        let e = ChangeLog::from_str(
            "{\"schema\": \"flowaudit/fix-log/v1\", \"a\\u001b[31m\\u202e\\n  fix: x\": 1}",
            "x.json",
        )
        .unwrap_err();
        let Error::Input(m) = &e else { panic!("{e:?}") };
        assert!(
            !m.contains('\u{1b}') && !m.contains('\u{202e}'),
            "raw control in {m:?}"
        );
        assert!(m.contains("a\\u{1b}[31m\\u{202e}\\u{a}  fix: x"), "{m}");
        // The message's own line break is kept; the one in the key is not.
        assert_eq!(m.lines().count(), 2, "{m}");
        let mut log = ChangeLog::new("1");
        log.schema = "other\u{9b}2J".into();
        let text = String::from_utf8(log.to_bytes().unwrap()).unwrap();
        let m = ChangeLog::from_str(&text, "dir/\u{1b}]0;t\u{7}.json")
            .unwrap_err()
            .to_string();
        assert!(!m.chars().any(|c| c.is_control() && c != '\n'), "{m:?}");
    }

    #[test]
    fn default_name_is_timestamped() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:06:07Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            default_path(t),
            PathBuf::from("flowaudit-fix-20260304T050607Z.json")
        );
    }

    #[test]
    fn change_ids_are_random_hex_and_old_ids_do_not_pass_for_them() {
        let ids: std::collections::BTreeSet<String> =
            (0..64).map(|_| new_change_id().unwrap()).collect();
        assert_eq!(ids.len(), 64, "every draw differs");
        assert!(ids.iter().all(|i| is_change_id(i)), "{ids:?}");
        // An id of earlier versions (SHA-256, 64 digits), other lengths, upper case, non-hex.
        for bad in [
            "0".repeat(64),
            "a".repeat(31),
            "a".repeat(33),
            "A".repeat(32),
            format!("{}g", "a".repeat(31)),
            String::new(),
        ] {
            assert!(!is_change_id(&bad), "{bad}");
        }
    }

    #[test]
    fn logs_of_earlier_versions_load_with_their_token_and_new_logs_never_write_one() {
        let old = r#"{"schema": "flowaudit/fix-log/v1", "tool_version": "0.1.0",
            "started_at": "2026-01-02T03:04:00Z", "account_id": "1", "changes": [
            {"time": "t", "account_id": "1", "region": "r", "vpc_id": "vpc-1",
             "action": "create-flow-log", "description": "d", "outcome": "applied",
             "client_token": "ab", "flow_log_ids": ["fl-1"]}]}"#;
        let log = ChangeLog::from_str(old, "old.json").unwrap();
        let c = &log.changes[0];
        assert_eq!(
            (c.change_id.as_deref(), c.client_token.as_deref()),
            (None, Some("ab"))
        );
        let mut log = ChangeLog::new("1");
        log.changes.push(ChangeRecord {
            client_token: None,
            ..rec("vpc-1", &["fl-1"], &[])
        });
        let text = String::from_utf8(log.to_bytes().unwrap()).unwrap();
        assert!(
            text.contains("\"change_id\": \"t\"") && !text.contains("client_token"),
            "{text}"
        );
    }
}

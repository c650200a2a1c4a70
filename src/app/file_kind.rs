//! What kind of file a path holds, told from its first bytes: flowaudit's own JSON files by their
//! `schema`, SARIF by its `$schema` and `runs`, and the text formats by their first character.
//! A command given another kind of file than it takes says what the file is and which command
//! takes it, rather than a parser error about a field.

use crate::error::Error;
use crate::fix::changelog::CHANGE_LOG_SCHEMA;
use crate::inventory::INVENTORY_SCHEMA;
use crate::report::diff::DIFF_SCHEMA;
use crate::report::v1::REPORT_SCHEMA;
use crate::term::Escaped;
use std::io::Read;
use std::path::Path;

/// How much of a file is read to tell its kind.
const PREFIX: u64 = 4096;

/// A kind of file flowaudit reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Inventory,
    Report,
    Diff,
    ChangeLog,
    Sarif,
    Html,
    Markdown,
    /// Any other text, such as the text report.
    Text,
}

impl FileKind {
    /// What the file is, for a message: "a flowaudit report (flowaudit/report/v1)".
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Inventory => "an inventory (flowaudit/inventory/v1)",
            FileKind::Report => "a JSON report (flowaudit/report/v1)",
            FileKind::Diff => "a comparison (flowaudit/diff/v1)",
            FileKind::ChangeLog => "a change log (flowaudit/fix-log/v1)",
            FileKind::Sarif => "a SARIF log",
            FileKind::Html => "an HTML page",
            FileKind::Markdown => "a Markdown document",
            FileKind::Text => "a text file, not JSON",
        }
    }

    /// Which command reads this kind, for a message.
    pub fn taken_by(self) -> &'static str {
        match self {
            FileKind::Inventory => {
                "an inventory is read by `flowaudit scan --from-inventory FILE` (and written by --dump-inventory)"
            }
            FileKind::Report => {
                "a JSON report is read by `flowaudit report FILE...`, `flowaudit diff OLD NEW` and `--baseline FILE` (write one with `-f json`)"
            }
            FileKind::Diff => {
                "a comparison is written by `flowaudit diff -f json`; no command reads it back"
            }
            FileKind::ChangeLog => "a change log is read by `flowaudit fix --undo FILE`",
            FileKind::Sarif | FileKind::Html | FileKind::Markdown | FileKind::Text => {
                "flowaudit reads back only its JSON files: give the JSON report (`-f json`) or the inventory (--dump-inventory)"
            }
        }
    }
}

/// The kind of file whose first bytes are `prefix`, when they tell it; `None` for JSON that names
/// no kind flowaudit knows (the reader's own error then says what is wrong).
pub fn sniff(prefix: &[u8]) -> Option<FileKind> {
    let text = String::from_utf8_lossy(prefix);
    let body = text.trim_start_matches('\u{feff}').trim_start();
    match body.chars().next() {
        None => return None,
        Some('{') => {}
        Some('<') => return Some(FileKind::Html),
        Some('#') => return Some(FileKind::Markdown),
        Some('[') => return None,
        Some(_) => return Some(FileKind::Text),
    }
    // The value of the first `"schema"` key; SARIF's is `"$schema"`, so it is not matched.
    let schema = body.find("\"schema\"").and_then(|at| {
        let rest = body[at + "\"schema\"".len()..].trim_start();
        let rest = rest.strip_prefix(':')?.trim_start().strip_prefix('"')?;
        Some(&rest[..rest.find('"')?])
    });
    match schema {
        Some(s) if s == INVENTORY_SCHEMA => Some(FileKind::Inventory),
        Some(s) if s == REPORT_SCHEMA => Some(FileKind::Report),
        Some(s) if s == DIFF_SCHEMA => Some(FileKind::Diff),
        Some(s) if s == CHANGE_LOG_SCHEMA => Some(FileKind::ChangeLog),
        _ if body.contains("\"$schema\"") && body.contains("sarif") => Some(FileKind::Sarif),
        _ if body.contains("\"runs\"") && body.contains("\"version\"") => Some(FileKind::Sarif),
        _ => None,
    }
}

/// Refuse (exit 2) a file at `path` that is plainly another kind than `expected`, naming what
/// it is and which command takes it; a file whose kind cannot be told, or that cannot be read,
/// is left to the reader, whose errors name the position. Pipes and devices (`-`, `/dev/stdin`)
/// are left to the reader too.
pub fn expect(path: &Path, expected: FileKind, flag: &str) -> Result<(), Error> {
    // Only a regular file is read twice: a pipe or a device would lose what was read here.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut prefix = Vec::new();
    if file.take(PREFIX).read_to_end(&mut prefix).is_err() {
        return Ok(());
    }
    match sniff(&prefix) {
        Some(kind) if kind != expected => Err(Error::input(format!(
            "{}: this file is {}, and {flag} takes {}\n  fix: {}",
            Escaped(path.display()),
            kind.describe(),
            expected.describe(),
            kind.taken_by()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_told_from_its_first_bytes() {
        let json = |schema: &str| format!("{{\n  \"schema\": \"{schema}\",\n  \"x\": 1}}");
        assert_eq!(
            sniff(json(INVENTORY_SCHEMA).as_bytes()),
            Some(FileKind::Inventory)
        );
        assert_eq!(
            sniff(json(REPORT_SCHEMA).as_bytes()),
            Some(FileKind::Report)
        );
        assert_eq!(sniff(json(DIFF_SCHEMA).as_bytes()), Some(FileKind::Diff));
        assert_eq!(
            sniff(json(CHANGE_LOG_SCHEMA).as_bytes()),
            Some(FileKind::ChangeLog)
        );
        assert_eq!(
            sniff(br#"{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": []}"#),
            Some(FileKind::Sarif)
        );
        assert_eq!(sniff(b"<!doctype html>"), Some(FileKind::Html));
        assert_eq!(sniff(b"# flowaudit"), Some(FileKind::Markdown));
        assert_eq!(sniff(b"flowaudit 0.1.0 scan"), Some(FileKind::Text));
        // Unknown JSON and empty files are the reader's to judge.
        assert_eq!(sniff(br#"{"schema": "other"}"#), None);
        assert_eq!(sniff(b"{"), None);
        assert_eq!(sniff(b""), None);
    }
}

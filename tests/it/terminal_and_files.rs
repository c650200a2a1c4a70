//! Data never drives the terminal (errors quoting hostile keys from inventory, change log and
//! rule files come out escaped), and output files are never written through a planted link;
//! inventory dumps are owner-only.

use crate::support::cmd::fa;
use crate::support::harness::*;

/// A key with an escape sequence (red), a right-to-left override, an Arabic letter mark and a
/// line break followed by text that imitates a `fix:` line.
const HOSTILE_KEY: &str = "a\u{1b}[31m\u{202e}\u{61c}\n  fix: rm -rf";
const HOSTILE_SHOWN: &str = "a\\u{1b}[31m\\u{202e}\\u{61c}\\u{a}  fix: rm -rf";

/// No raw control or bidi character but line breaks.
fn assert_terminal_safe(text: &str) {
    for c in text.chars() {
        let bidi = matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(
            (!c.is_control() || c == '\n') && !bidi,
            "raw {c:?} reached the terminal: {text:?}"
        );
    }
}

fn demo() -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(repo_path("examples/demo-inventory.json")).unwrap(),
    )
    .unwrap()
}

#[test]
fn a_hostile_key_in_an_inventory_file_is_escaped_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    for (at, v) in [
        ("top", {
            let mut v = demo();
            v[HOSTILE_KEY] = serde_json::json!(1);
            v
        }),
        ("vpc", {
            let mut v = demo();
            v["regions"][0]["vpcs"][0][HOSTILE_KEY] = serde_json::json!(1);
            v
        }),
    ] {
        let path = dir.path().join(format!("{at}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        let out = fa().args(["scan", "--from-inventory"]).arg(&path).run();
        let err = out.stderr();
        assert_eq!(out.code(), 2, "{err}");
        assert!(err.contains(HOSTILE_SHOWN), "{at}: {err}");
        assert_terminal_safe(&err);
        // The key's line break did not start a line: one `fix:` line, the real one.
        assert_eq!(
            err.lines()
                .filter(|l| l.trim_start().starts_with("fix:"))
                .count(),
            1,
            "{err}"
        );
    }
}

#[test]
fn a_hostile_key_in_a_change_log_is_escaped_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.json");
    let log = serde_json::json!({
        "schema": "flowaudit/fix-log/v1",
        "tool_version": "0.1.0",
        "started_at": "2026-01-01T00:00:00Z",
        "account_id": "111122223333",
        "changes": [{
            "time": "2026-01-01T00:00:00Z",
            "account_id": "111122223333",
            "region": "us-east-1",
            "action": "create-flow-log",
            "description": "d",
            "outcome": "applied",
            HOSTILE_KEY: "x"
        }]
    });
    std::fs::write(&path, serde_json::to_string_pretty(&log).unwrap()).unwrap();
    let out = fa().args(["fix", "--undo"]).arg(&path).run();
    let err = out.stderr();
    assert_eq!(out.code(), 2, "{err}");
    assert!(err.contains(HOSTILE_SHOWN), "{err}");
    assert!(err.contains("changes[0]"), "{err}");
    assert_terminal_safe(&err);
}

#[test]
fn a_hostile_key_in_a_rule_file_is_escaped_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo_path("rules/VPC-001.toml")).unwrap();
    // A TOML quoted key holding the same characters, as escapes.
    let key = "\"a\\u001B[31m\\u202E\\u061C\\n  fix: rm -rf\"";
    std::fs::write(
        dir.path().join("VPC-001.toml"),
        format!("{key} = 1\n{text}"),
    )
    .unwrap();
    let out = fa().args(["rules", "validate"]).arg(dir.path()).run();
    let err = out.stderr();
    assert_eq!(out.code(), 2, "{err}");
    assert!(err.contains(HOSTILE_SHOWN), "{err}");
    assert_terminal_safe(&err);
}

/// A FIFO with a reader that does not wait for a writer: a writer that wrongly opens it
/// neither blocks nor goes unnoticed.
fn fifo_with_reader(dir: &std::path::Path) -> (std::path::PathBuf, std::fs::File) {
    use std::os::unix::fs::OpenOptionsExt;
    let fifo = dir.join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    (fifo, reader)
}

#[test]
fn a_link_planted_at_an_in_place_output_is_refused_and_its_target_untouched() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let (fifo, mut reader) = fifo_with_reader(dir.path());
    for (flag, name) in [
        ("--output", "report.json"),
        ("--dump-inventory", "inv.json"),
    ] {
        let link = dir.path().join(name);
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        let out = fa()
            .args(["scan", "--format", "json", "--from-inventory"])
            .arg(repo_path("examples/demo-inventory.json"))
            .arg(flag)
            .arg(&link)
            .run();
        let err = out.stderr();
        assert_eq!(out.code(), 2, "{flag}: {err}");
        assert!(
            err.contains("symbolic link") && err.contains(name),
            "{flag}: {err}"
        );
        let mut got = Vec::new();
        let _ = reader.read_to_end(&mut got);
        assert!(got.is_empty(), "{flag}: written through the link");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}

#[test]
fn the_standard_output_descriptor_name_is_still_an_output() {
    let out = fa()
        .args(["scan", "--format", "json", "--from-inventory"])
        .arg(repo_path("examples/demo-inventory.json"))
        .args(["--output", "/dev/stdout"])
        .run();
    assert!([0, 1, 3].contains(&out.code()), "{}", out.stderr());
    let doc: serde_json::Value = out.json();
    assert!(doc["results"].is_array());
}

#[test]
fn an_inventory_dump_is_owner_only_and_reports_are_not() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("inv.json");
    let report = dir.path().join("report.json");
    // A dump replacing a readable file is owner-only too.
    std::fs::write(&dump, "old").unwrap();
    std::fs::set_permissions(&dump, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = fa()
        .args(["scan", "--format", "json", "--from-inventory"])
        .arg(repo_path("examples/demo-inventory.json"))
        .arg("--dump-inventory")
        .arg(&dump)
        .arg("--output")
        .arg(&report)
        .run();
    assert!([0, 1, 3].contains(&out.code()), "{}", out.stderr());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dump), 0o600);
    assert!(
        std::fs::read_to_string(&dump)
            .unwrap()
            .contains("flowaudit/inventory/v1")
    );
    // A report gets what a plain create gives: 0644 less the umask.
    let probe = dir.path().join("probe");
    std::fs::write(&probe, "").unwrap();
    assert_eq!(mode(&report), mode(&probe) & 0o644);
}

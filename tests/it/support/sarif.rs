//! SARIF checks: the SARIF 2.1.0 JSON Schema (with the venv's jsonschema) and the SARIF multitool.

use crate::support::harness::{repo_path, venv_bin};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The SARIF 2.1.0 schema that serde-sarif ships, found through `cargo metadata`, or, if cargo
/// cannot answer, in Cargo's registry sources at the version Cargo.lock names.
fn sarif_schema() -> PathBuf {
    static SCHEMA: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let schema = schema_from_cargo_metadata()
                .or_else(schema_from_registry)
                .expect("serde-sarif's schema.json: neither cargo metadata nor the registry sources have it");
            assert!(schema.is_file(), "no SARIF schema at {}", schema.display());
            schema
        })
        .clone()
}

fn schema_from_cargo_metadata() -> Option<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Only the host's dependencies, so that no download is needed.
    let rustc = Command::new("rustc")
        .arg("-vV")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))?;
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
        ])
        .arg(host)
        .arg("--manifest-path")
        .arg(repo_path("Cargo.toml"))
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "cargo metadata failed, looking in the registry instead: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let meta: Value = serde_json::from_slice(&out.stdout).ok()?;
    let pkg = meta["packages"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == "serde-sarif")?;
    let manifest = PathBuf::from(pkg["manifest_path"].as_str()?);
    Some(manifest.parent()?.join("src/schema.json"))
}

fn schema_from_registry() -> Option<PathBuf> {
    let lock = std::fs::read_to_string(repo_path("Cargo.lock")).ok()?;
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"serde-sarif\""))?
        .lines()
        .find_map(|l| l.strip_prefix("version = "))?
        .trim_matches('"')
        .to_string();
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    std::fs::read_dir(home.join("registry/src"))
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| {
            e.path()
                .join(format!("serde-sarif-{version}/src/schema.json"))
        })
        .find(|p| p.is_file())
}

const VALIDATE_PY: &str = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
doc = json.load(open(sys.argv[2], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(doc), key=lambda e: list(e.absolute_path))
for e in errors[:30]:
    print("/".join(map(str, e.absolute_path)), ":", e.message[:300])
sys.exit(1 if errors else 0)
"#;

/// What a checker printed, when it failed.
fn failure_output(out: &std::process::Output) -> Option<String> {
    (!out.status.success()).then(|| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The schema errors of `file`, or `None` when it matches the SARIF 2.1.0 schema.
pub fn schema_errors(file: &Path) -> Option<String> {
    let out = Command::new(venv_bin("python"))
        .args(["-c", VALIDATE_PY])
        .arg(sarif_schema())
        .arg(file)
        .output()
        .expect("run python jsonschema");
    failure_output(&out)
}

/// `FLOWAUDIT_SARIF_VALIDATE`, or `<repo>/../shared/tools/sarif-validate`.
fn multitool() -> PathBuf {
    std::env::var_os("FLOWAUDIT_SARIF_VALIDATE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_path("../shared/tools/sarif-validate"))
}

/// Fail unless `file` matches the SARIF 2.1.0 schema.
pub fn assert_sarif_valid(file: &Path) {
    if let Some(errs) = schema_errors(file) {
        panic!(
            "{} does not match the SARIF 2.1.0 schema:\n{errs}",
            file.display()
        );
    }
}

/// The errors of the SARIF multitool (spec rules and GitHub ingestion rules), or `None`.
pub fn multitool_errors(files: &[&Path]) -> Option<String> {
    let tool = multitool();
    assert!(
        tool.exists(),
        "SARIF validator not found at {} (set FLOWAUDIT_SARIF_VALIDATE)",
        tool.display()
    );
    let out = Command::new(&tool)
        .args(files)
        .stdin(Stdio::null())
        .output()
        .expect("run sarif-validate");
    failure_output(&out)
}

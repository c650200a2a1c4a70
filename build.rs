//! Embeds the built-in rule pack: every `rules/*.toml` file (rules and their test files) becomes an
//! entry of `BUILTIN_FILES`, and every file of the rule library `rules/lib/` (partials `*.hbs`,
//! helper files `*.toml`) an entry of `BUILTIN_LIBRARY`. So a new built-in rule, partial or
//! helper file is a new file in `rules/` and nothing else.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = root.join("rules");
    let rules = embed(&dir, &[".toml"]);
    assert!(rules.len() > 4, "no rule files in {}", dir.display());
    write("builtin_rules.rs", &rules);
    let lib = embed(&dir.join("lib"), &[".hbs", ".toml"]);
    write("builtin_library.rs", &lib);
}

/// The array expression of (file name, `include_str!` of the file) of the files of `dir` whose
/// names end with one of `ends`, sorted by name.
fn embed(dir: &Path, ends: &[&str]) -> String {
    println!("cargo:rerun-if-changed={}", dir.display());
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read the rule directory {}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .map(|e| {
            e.expect("rule directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| ends.iter().any(|end| n.ends_with(end)) && dir.join(n).is_file())
        .collect();
    names.sort();
    let mut out = String::from("&[\n");
    for n in &names {
        let path = dir.join(n);
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            out,
            "    ({n:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("]\n");
    out
}

fn write(name: &str, text: &str) {
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join(name);
    std::fs::write(&dest, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
}

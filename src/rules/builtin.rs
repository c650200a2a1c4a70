//! The built-in rule pack, embedded in the binary: every `rules/*.toml` file (rules and their
//! tests), listed by `build.rs`. A new built-in rule is a new file in `rules/`, with no Rust change.

/// (file name, contents) of every file of the built-in pack, sorted by name.
pub static BUILTIN_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

#[cfg(test)]
mod tests {
    use super::BUILTIN_FILES;

    /// Every file in `rules/` is embedded, and every embedded file still exists.
    #[test]
    fn every_rule_file_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = BUILTIN_FILES.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(
            on_disk, embedded,
            "the embedded pack differs from rules/: rebuild (build.rs lists rules/*.toml)"
        );
    }
}

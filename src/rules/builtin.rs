//! The built-in rule pack, embedded in the binary: every `rules/*.toml` file (rules and their
//! tests) and every file of the rule library `rules/lib/` (partials and helpers), listed by
//! `build.rs`. A new built-in rule is a new file in `rules/`, with no Rust change.

/// (file name, contents) of every file of the built-in pack, sorted by name.
pub static BUILTIN_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// (file name, contents) of every file of the built-in rule library (`rules/lib/`), sorted by name.
pub static BUILTIN_LIBRARY: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/builtin_library.rs"));

#[cfg(test)]
mod tests {
    use super::{BUILTIN_FILES, BUILTIN_LIBRARY};

    /// The names of the files of `rules/DIR` whose names end with one of `ends`, sorted.
    fn on_disk(dir: &str, ends: &[&str]) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| ends.iter().any(|end| n.ends_with(end)))
            .collect();
        names.sort();
        names
    }

    /// Every file in `rules/` and `rules/lib/` is embedded, and every embedded file still exists.
    #[test]
    fn every_rule_file_is_embedded() {
        for (dir, ends, embedded) in [
            ("rules", &[".toml"][..], BUILTIN_FILES),
            ("rules/lib", &[".hbs", ".toml"][..], BUILTIN_LIBRARY),
        ] {
            let mut names: Vec<String> = embedded.iter().map(|(n, _)| n.to_string()).collect();
            names.sort();
            assert_eq!(
                on_disk(dir, ends),
                names,
                "the embedded pack differs from {dir}/: rebuild (build.rs lists its files)"
            );
        }
    }
}

//! The built-in rule pack, embedded in the binary: every `rules/*.toml` file (rules and their
//! tests). A new built-in rule is two lines here; a test fails if a file in `rules/` is missing.

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        /// (file name, contents) of every file of the built-in pack.
        pub static BUILTIN_FILES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../rules/", $name)))),*
        ];
    };
}

embed![
    "VPC-001.toml",
    "VPC-001.test.toml",
    "VPC-002.toml",
    "VPC-002.test.toml",
    "VPC-003.toml",
    "VPC-003.test.toml",
    "VPC-004.toml",
    "VPC-004.test.toml",
];

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
            "update the embed! list in src/rules/builtin.rs"
        );
    }
}

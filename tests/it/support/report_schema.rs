//! The JSON documents flowaudit writes against their published schemas (`docs/*.schema.json`).

use crate::support::harness::{repo_path, run_ok, venv_bin};
use std::path::Path;

/// Validate a report file against the published JSON Schema with the venv's jsonschema.
pub fn validate_against_schema(report: &Path) {
    validate("docs/report-v1.schema.json", report);
}

/// Validate `file` against the JSON Schema `schema` (a path in the repository).
pub fn validate(schema: &str, file: &Path) {
    run_ok(std::process::Command::new(venv_bin("python")).args([
        "-c",
        "import json,sys,jsonschema\n\
         s=json.load(open(sys.argv[1]))\n\
         jsonschema.Draft202012Validator.check_schema(s)\n\
         jsonschema.validate(json.load(open(sys.argv[2])), s, cls=jsonschema.Draft202012Validator)\n\
         print('valid')",
        repo_path(schema).to_str().unwrap(),
        file.to_str().unwrap(),
    ]));
}

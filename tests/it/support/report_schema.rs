//! The JSON report against its published schema (`docs/report-v1.schema.json`).

use crate::support::harness::{repo_path, run, venv_bin};

/// Validate a report file against the published JSON Schema with the venv's jsonschema.
pub fn validate_against_schema(report: &std::path::Path) {
    let out = run(std::process::Command::new(venv_bin("python")).args([
        "-c",
        "import json,sys,jsonschema\n\
         s=json.load(open(sys.argv[1]))\n\
         jsonschema.Draft202012Validator.check_schema(s)\n\
         jsonschema.validate(json.load(open(sys.argv[2])), s, cls=jsonschema.Draft202012Validator)\n\
         print('valid')",
        repo_path("docs/report-v1.schema.json").to_str().unwrap(),
        report.to_str().unwrap(),
    ]));
    assert!(
        out.status.success(),
        "report does not match docs/report-v1.schema.json:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

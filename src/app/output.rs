//! Writing the report document in the formats the user asked for.

use crate::cli::output_args::{FormatName, OutputArgs};
use crate::error::Error;
use crate::report::{Reporter, json::JsonReporter, text::TextReporter, v1::Document};
use std::path::PathBuf;

/// The reporter for a format name.
pub fn reporter_for(format: FormatName) -> Result<Box<dyn Reporter>, Error> {
    match format {
        FormatName::Json => Ok(Box::new(JsonReporter)),
        FormatName::Text => Ok(Box::new(TextReporter)),
        other => Err(Error::input(format!(
            "--format {}: this format is not available in this build",
            format_label(other)
        ))),
    }
}

fn format_label(f: FormatName) -> &'static str {
    match f {
        FormatName::Json => "json",
        FormatName::Sarif => "sarif",
        FormatName::Html => "html",
        FormatName::Text => "text",
    }
}

/// Validate the format/output combination before any work is done.
pub fn check_output_args(args: &OutputArgs) -> Result<(), Error> {
    let mut seen = Vec::new();
    for f in &args.formats {
        if seen.contains(f) {
            return Err(Error::input(format!(
                "--format {} is given twice; name each format once",
                format_label(*f)
            )));
        }
        seen.push(*f);
    }
    if args.formats.len() > 1 && args.output_dir.is_none() {
        return Err(Error::input(
            "several --format values need --output-dir DIR (one file per format); --output takes a single format",
        ));
    }
    for f in &args.formats {
        reporter_for(*f)?;
    }
    Ok(())
}

/// Render and write every requested format; each file is written atomically.
pub fn write_outputs(doc: &Document, args: &OutputArgs) -> Result<(), Error> {
    let formats = if args.formats.is_empty() {
        vec![FormatName::Text]
    } else {
        args.formats.clone()
    };
    for f in formats {
        let reporter = reporter_for(f)?;
        let bytes = reporter.render(doc)?;
        let path = match (&args.output_dir, &args.output) {
            (Some(dir), _) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::fatal(format!(
                        "cannot create output directory {}: {e}",
                        dir.display()
                    ))
                })?;
                dir.join(reporter.file_name())
            }
            (None, Some(p)) => p.clone(),
            (None, None) => PathBuf::from("-"),
        };
        crate::fsutil::write_atomic(&path, &bytes)?;
    }
    Ok(())
}

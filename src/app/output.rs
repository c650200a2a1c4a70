//! Writing the report document in the formats the user asked for.

use crate::cli::output_args::OutputArgs;
use crate::error::Error;
use crate::report::{
    Format, Reporter, html::HtmlReporter, json::JsonReporter, sarif::SarifReporter,
    text::TextReporter, v1::Document,
};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// What a reporter needs to know beyond the document; decided here, in the app layer.
#[derive(Debug, Clone, Default)]
pub struct ReporterOptions {
    /// ANSI colour in the text format.
    pub color: bool,
    /// `--template-dir` for the HTML format.
    pub template_dir: Option<PathBuf>,
    /// `--sarif-category`, the first part of the SARIF `automationDetails.id`.
    pub sarif_category: String,
}

impl ReporterOptions {
    /// Options for writing `format` to `path` (`-` is standard output).
    pub fn for_output(args: &OutputArgs, format: Format, path: &Path) -> ReporterOptions {
        ReporterOptions {
            color: format == Format::Text
                && path.as_os_str() == "-"
                && color_wanted(
                    std::io::stdout().is_terminal(),
                    std::env::var_os("NO_COLOR").as_deref(),
                ),
            template_dir: args.template_dir.clone(),
            sarif_category: args.sarif_category.trim_end_matches('/').to_string(),
        }
    }
}

/// Colour only on a terminal, and never when `NO_COLOR` is set to a non-empty value.
pub fn color_wanted(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// The reporter for a format name.
pub fn reporter_for(format: Format, opts: &ReporterOptions) -> Result<Box<dyn Reporter>, Error> {
    Ok(match format {
        Format::Json => Box::new(JsonReporter),
        Format::Sarif => Box::new(SarifReporter {
            category: if opts.sarif_category.is_empty() {
                crate::report::sarif::DEFAULT_CATEGORY.to_string()
            } else {
                opts.sarif_category.clone()
            },
        }),
        Format::Html => Box::new(HtmlReporter::new(opts.template_dir.as_deref())?),
        Format::Text => Box::new(TextReporter { color: opts.color }),
    })
}

fn requested(args: &OutputArgs) -> Vec<Format> {
    if args.formats.is_empty() {
        vec![Format::Text]
    } else {
        args.formats.clone()
    }
}

/// Validate the format/output combination (and load `--template-dir`) before any work is done.
pub fn check_output_args(args: &OutputArgs) -> Result<(), Error> {
    let mut seen = Vec::new();
    for f in &args.formats {
        if seen.contains(f) {
            return Err(Error::input(format!(
                "--format {} is given twice; name each format once",
                f.name()
            )));
        }
        seen.push(*f);
    }
    if args.formats.len() > 1 && args.output_dir.is_none() {
        return Err(Error::input(
            "several --format values need --output-dir DIR (one file per format); --output takes a single format",
        ));
    }
    if args.template_dir.is_some() && !requested(args).contains(&Format::Html) {
        return Err(Error::input(
            "--template-dir only changes the HTML report; add --format html or drop --template-dir",
        ));
    }
    let category = args.sarif_category.trim_end_matches('/');
    if category.is_empty()
        || category
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::input(format!(
            "--sarif-category {:?}: must be a non-empty name without spaces, e.g. flowaudit or prod-audit",
            args.sarif_category
        )));
    }
    for f in requested(args) {
        reporter_for(f, &ReporterOptions::for_output(args, f, Path::new("-")))?;
    }
    Ok(())
}

/// One requested output: its format, where it goes, and the reporter that writes it.
pub struct Output {
    pub format: Format,
    /// `-` is standard output.
    pub path: PathBuf,
    pub reporter: Box<dyn Reporter>,
}

/// The outputs the flags ask for, in the order given (creating `--output-dir` if needed).
pub fn outputs(args: &OutputArgs) -> Result<Vec<Output>, Error> {
    let mut out = Vec::new();
    for f in requested(args) {
        let file_name = f.file_name();
        let path = match (&args.output_dir, &args.output) {
            (Some(dir), _) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::fatal(format!(
                        "cannot create output directory {}: {}",
                        crate::term::Escaped(dir.display()),
                        crate::term::Escaped(e)
                    ))
                })?;
                dir.join(file_name)
            }
            (None, Some(p)) => p.clone(),
            (None, None) => PathBuf::from("-"),
        };
        let reporter = reporter_for(f, &ReporterOptions::for_output(args, f, &path))?;
        out.push(Output {
            format: f,
            path,
            reporter,
        });
    }
    Ok(out)
}

/// Render one output from the document and write it atomically.
pub fn write_output(doc: &Document, o: &Output) -> Result<(), Error> {
    crate::fsutil::write_atomic_with(&o.path, |out| o.reporter.render_to(doc, out))
}

/// Render and write every requested format; each file is written atomically.
pub fn write_outputs(doc: &Document, args: &OutputArgs) -> Result<(), Error> {
    for o in outputs(args)? {
        write_output(doc, &o)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        assert!(color_wanted(true, None));
        assert!(color_wanted(true, Some(OsStr::new(""))));
        assert!(!color_wanted(true, Some(OsStr::new("1"))));
        assert!(!color_wanted(false, None));
    }
}

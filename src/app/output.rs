//! Writing the report document in the formats the user asked for.

use crate::cli::output_args::OutputArgs;
use crate::error::Error;
use crate::report::html::org as html_org;
use crate::report::json::DocumentText;
use crate::report::sarif::{MAX_RUNS_PER_FILE, account_file_name, run_accounts};
use crate::report::{
    Format, Reporter, asff::AsffReporter, html::HtmlReporter, json::JsonReporter,
    markdown::MarkdownReporter, ocsf::OcsfReporter, sarif::SarifReporter, text::TextReporter,
    v1::Document,
};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
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
        Format::Sarif => Box::new(sarif_reporter(opts)),
        Format::Html => Box::new(HtmlReporter::new(opts.template_dir.as_deref())?),
        Format::Text => Box::new(TextReporter { color: opts.color }),
        Format::Markdown => Box::new(MarkdownReporter),
        Format::Ocsf => Box::new(OcsfReporter),
        Format::Asff => Box::new(AsffReporter),
    })
}

fn sarif_reporter(opts: &ReporterOptions) -> SarifReporter {
    SarifReporter {
        category: if opts.sarif_category.is_empty() {
            crate::report::sarif::DEFAULT_CATEGORY.to_string()
        } else {
            opts.sarif_category.clone()
        },
        ..SarifReporter::default()
    }
}

fn requested(args: &OutputArgs) -> Vec<Format> {
    if args.formats.is_empty() {
        vec![Format::Text]
    } else {
        args.formats.clone()
    }
}

/// What every command's `-f` flags must be: each format named once, and several only with
/// `--output-dir` (one file per format). `name` gives a format's flag value.
pub fn check_formats<F: PartialEq>(
    formats: &[F],
    name: impl Fn(&F) -> &'static str,
    has_output_dir: bool,
) -> Result<(), Error> {
    for (i, f) in formats.iter().enumerate() {
        if formats[..i].contains(f) {
            return Err(Error::input(format!(
                "--format {} is given twice; name each format once",
                name(f)
            )));
        }
    }
    if formats.len() > 1 && !has_output_dir {
        return Err(Error::input(
            "several --format values need --output-dir DIR (one file per format); --output takes a single format",
        ));
    }
    Ok(())
}

/// Where a format's output goes: `file_name` in `--output-dir` (created if needed), else
/// `--output FILE`, else standard output (`-`).
pub fn output_path(
    output_dir: Option<&Path>,
    output: Option<&Path>,
    file_name: &str,
) -> Result<PathBuf, Error> {
    Ok(match (output_dir, output) {
        (Some(dir), _) => {
            create_output_dir(dir)?;
            dir.join(file_name)
        }
        (None, Some(p)) => p.to_path_buf(),
        (None, None) => PathBuf::from("-"),
    })
}

/// Validate the format/output combination (and load `--template-dir`) before any work is done.
pub fn check_output_args(args: &OutputArgs) -> Result<(), Error> {
    check_formats(&args.formats, |f| f.name(), args.output_dir.is_some())?;
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
    /// The `--output-dir` the file is in, if it is in one.
    pub dir: Option<PathBuf>,
    pub reporter: Box<dyn Reporter>,
    /// The SARIF reporter again, for the per-account files of a report with more accounts than a
    /// SARIF file takes runs; `None` for the other formats.
    pub sarif: Option<SarifReporter>,
}

/// Create `--output-dir DIR` (and its parents) if needed.
pub fn create_output_dir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::fatal(format!(
            "cannot create output directory {}: {}",
            crate::term::Escaped(dir.display()),
            crate::term::Escaped(e)
        ))
    })
}

/// The outputs the flags ask for, in the order given (creating `--output-dir` if needed).
pub fn outputs(args: &OutputArgs) -> Result<Vec<Output>, Error> {
    let mut out = Vec::new();
    for f in requested(args) {
        let path = output_path(
            args.output_dir.as_deref(),
            args.output.as_deref(),
            f.file_name(),
        )?;
        let opts = ReporterOptions::for_output(args, f, &path);
        let reporter = reporter_for(f, &opts)?;
        let sarif = (f == Format::Sarif).then(|| sarif_reporter(&opts));
        out.push(Output {
            format: f,
            path,
            dir: args.output_dir.clone(),
            reporter,
            sarif,
        });
    }
    Ok(out)
}

/// Render one output from the document and write it atomically. SARIF for more accounts than a
/// SARIF file takes runs is one file per account in the output directory.
pub fn write_output(doc: &Document, o: &Output) -> Result<(), Error> {
    if let Some(sarif) = &o.sarif {
        check_outputs(doc, std::slice::from_ref(o))?;
        let accounts = run_accounts(doc);
        if let Some(dir) = o
            .dir
            .as_deref()
            .filter(|_| accounts.len() > MAX_RUNS_PER_FILE)
        {
            for account in &accounts {
                let bytes = sarif.render_account(doc, account)?;
                crate::fsutil::write_atomic_with(&dir.join(account_file_name(account)), |out| {
                    out.write_all(&bytes).map_err(|e| {
                        Error::fatal(format!(
                            "cannot write the sarif report of account {}: {}",
                            crate::term::escape(account),
                            crate::term::Escaped(e)
                        ))
                    })
                })?;
            }
            return Ok(());
        }
    }
    if let Some(dir) = o.dir.as_deref()
        && o.reporter.embeds_document()
        && crate::report::html::is_organization(doc)
    {
        let mut text = DocumentText::of(doc)?;
        if let Some(written) = o.reporter.write_pages(doc, &mut text, dir) {
            return written;
        }
    }
    crate::fsutil::write_atomic_with(&o.path, |out| o.reporter.render_to(doc, out))
}

/// The text of the report document for the outputs that embed it (the HTML report), kept in a
/// temporary file in the directory of the first such output; `None` when none of `outputs` does.
pub fn document_text(outputs: &[&Output]) -> Result<Option<DocumentText>, Error> {
    let Some(o) = outputs.iter().find(|o| o.reporter.embeds_document()) else {
        return Ok(None);
    };
    let dir = match o.path.parent() {
        _ if o.path.as_os_str() == "-" => std::env::temp_dir(),
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    DocumentText::in_dir(&dir).map(Some)
}

/// Write the report document as `write` produces it: to the JSON output `json` (atomically), to
/// `text` (the document's text for the formats that embed it), or to both. At least one of them
/// must be given.
pub fn write_document<T>(
    json: Option<&Output>,
    text: Option<&mut DocumentText>,
    write: impl FnOnce(&mut dyn Write) -> Result<T, Error>,
) -> Result<T, Error> {
    match (json, text) {
        (Some(o), text) => {
            let mut written = None;
            crate::fsutil::write_atomic_with(&o.path, |out| {
                written = Some(match text {
                    Some(t) => write(&mut Tee(out, t))?,
                    None => write(out)?,
                });
                Ok(())
            })?;
            written.ok_or_else(|| Error::internal("the json report was not written"))
        }
        (None, Some(t)) => write(t),
        (None, None) => Err(Error::internal(
            "the report document was written to no output",
        )),
    }
}

/// Writes everything to both writers.
struct Tee<'a>(&'a mut dyn Write, &'a mut DocumentText);

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_all(buf)?;
        self.1.write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()?;
        self.1.flush()
    }
}

/// [`write_output`], where an output that embeds the whole document takes it from `text` (the
/// document's text, written while the results were produced) rather than from `doc`, which then
/// holds only the results the outputs show.
pub fn write_output_with(
    doc: &Document,
    o: &Output,
    mut text: Option<&mut DocumentText>,
) -> Result<(), Error> {
    if let (Some(t), Some(dir)) = (text.as_deref_mut(), o.dir.as_deref())
        && let Some(written) = o.reporter.write_pages(doc, t, dir)
    {
        return written;
    }
    match text {
        Some(t) if o.reporter.embeds_document() => {
            crate::fsutil::write_atomic_with(&o.path, |out| {
                o.reporter.render_embedding(doc, t, out)
            })
        }
        _ => write_output(doc, o),
    }
}

/// Check the outputs before anything is written, as soon as the accounts are known (before the
/// results are evaluated): every output path can be written ([`crate::fsutil::check_writable`]);
/// SARIF for more accounts than a SARIF file takes runs needs `--output-dir` (refused, exit 2,
/// when one of `outputs` is SARIF to a single file or standard output), and then each account's
/// file has a name of its own, which is checked too.
pub fn check_outputs(doc: &Document, outputs: &[Output]) -> Result<(), Error> {
    for o in outputs {
        crate::fsutil::check_writable(&o.path)?;
    }
    let single = outputs
        .iter()
        .any(|o| o.format == Format::Sarif && o.dir.is_none());
    let accounts = run_accounts(doc);
    let runs = accounts.len();
    if single && runs > MAX_RUNS_PER_FILE {
        return Err(Error::input(format!(
            "the SARIF report covers {runs} accounts, one run each, and GitHub code scanning accepts at most {MAX_RUNS_PER_FILE} runs in a file\n  fix: write it with --output-dir DIR (not --output or standard output): each account is then written to DIR/flowaudit-<account>.sarif with its own category"
        )));
    }
    for dir in outputs
        .iter()
        .filter(|o| o.sarif.is_some())
        .filter_map(|o| o.dir.as_deref())
        .filter(|_| runs > MAX_RUNS_PER_FILE)
    {
        check_account_files(dir, &accounts, account_file_name)?;
    }
    for dir in outputs
        .iter()
        .filter(|o| o.format == Format::Html)
        .filter_map(|o| o.dir.as_deref())
        .filter(|_| crate::report::html::is_organization(doc))
    {
        check_account_files(dir, &doc.scan.accounts, html_org::account_page)?;
        crate::fsutil::check_writable(&dir.join(html_org::INDEX_FILE))?;
    }
    Ok(())
}

/// Each account's file in `dir` (named by `name`) can be written, and no two accounts share one.
fn check_account_files(
    dir: &Path,
    accounts: &[String],
    name: fn(&str) -> String,
) -> Result<(), Error> {
    let mut names: HashMap<String, &str> = HashMap::with_capacity(accounts.len());
    for account in accounts {
        let file = name(account);
        crate::fsutil::check_writable(&dir.join(&file))?;
        if let Some(other) = names.insert(file, account) {
            return Err(Error::input(format!(
                "accounts {} and {} would both be written to {}; nothing was written",
                crate::inventory::validate::show(other),
                crate::inventory::validate::show(account),
                crate::term::Escaped(dir.join(name(account)).display())
            )));
        }
    }
    Ok(())
}

/// Render and write every requested format; each file is written atomically.
pub fn write_outputs(doc: &Document, outputs: &[Output]) -> Result<(), Error> {
    check_outputs(doc, outputs)?;
    for o in outputs {
        write_output(doc, o)?;
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

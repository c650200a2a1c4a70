//! Output formats. Each format is one module behind [`Reporter`]; none of them touches AWS.

pub mod asff;
pub mod diff;
pub mod escape;
pub mod export;
pub mod html;
pub mod json;
pub mod markdown;
pub mod merge;
pub mod ocsf;
pub mod sarif;
pub mod text;
pub mod unread;
pub mod v1;
pub mod values;

use crate::error::Error;
use crate::findings::Status;
use v1::Document;

/// The output formats: the one list of their names (`--format`) and file names (`--output-dir`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// JSON report, schema flowaudit/report/v1 (docs/report-v1.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// One self-contained HTML file.
    Html,
    /// A short terminal summary.
    Text,
    /// A short Markdown summary (GitHub step summary, pull-request comments, chat).
    Markdown,
    /// OCSF 1.6.0 Compliance Findings (class 2003), for Security Lake and SIEMs.
    Ocsf,
    /// AWS Security Finding Format, as Security Hub's BatchImportFindings takes it.
    Asff,
}

impl Format {
    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Html => "html",
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Ocsf => "ocsf",
            Format::Asff => "asff",
        }
    }

    /// The file name `--output-dir` writes.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "flowaudit.json",
            Format::Sarif => "flowaudit.sarif",
            Format::Html => "flowaudit.html",
            Format::Text => "flowaudit.txt",
            Format::Markdown => "flowaudit.md",
            Format::Ocsf => "flowaudit.ocsf.json",
            Format::Asff => "flowaudit.asff.json",
        }
    }
}

/// An output format: turns the report document into bytes.
pub trait Reporter {
    /// Which format this is.
    fn format(&self) -> Format;
    /// Render the document.
    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error>;
    /// Whether the format shows results of this status. A scan keeps in memory only the results
    /// some requested format shows; the summary always counts every result.
    fn shows(&self, status: Status) -> bool {
        let _ = status;
        true
    }
    /// Whether the format shows the remediation snippets of failures; when no requested format
    /// does, they are not rendered.
    fn shows_remediation(&self) -> bool {
        true
    }
    /// Whether the format embeds the whole report document, as the JSON report writes it. A scan
    /// then writes that text once, while the results are produced ([`json::DocumentText`]), and
    /// renders the format with [`Reporter::render_embedding`]; the document it passes keeps only
    /// the results [`Reporter::shows`].
    fn embeds_document(&self) -> bool {
        false
    }
    /// Render `doc` into `out`, embedding `text`, the JSON text of the whole document (whose
    /// results `doc` may hold only in part). Formats that embed the document override this.
    fn render_embedding(
        &self,
        doc: &Document,
        text: &mut json::document_text::DocumentText,
        out: &mut dyn std::io::Write,
    ) -> Result<(), Error> {
        let _ = text;
        self.render_to(doc, out)
    }
    /// Write `doc` into `dir` as several pages (an index and one per account), reading its
    /// results from `text`, when this format does so for `doc` (the HTML report of an
    /// organization); `None` when it writes one file.
    fn write_pages(
        &self,
        doc: &Document,
        text: &mut json::document_text::DocumentText,
        dir: &std::path::Path,
    ) -> Option<Result<(), Error>> {
        let _ = (doc, text, dir);
        None
    }
    /// Render the document into `out`. Formats that can stream override this so that a large
    /// report is never held in memory whole; the default renders, then writes the bytes.
    fn render_to(&self, doc: &Document, out: &mut dyn std::io::Write) -> Result<(), Error> {
        let bytes = self.render(doc)?;
        out.write_all(&bytes).map_err(|e| {
            Error::fatal(format!(
                "cannot write the {} report: {}",
                self.format().name(),
                crate::term::Escaped(e)
            ))
        })
    }
}

//! The HTML format: one self-contained file, rendered with Handlebars from `templates/`.
//!
//! The templates are embedded in the binary; `--template-dir DIR` replaces any of them by a file of
//! the same name. The page embeds the JSON report document once, as script-safe JSON, copied from
//! the document's text ([`DocumentText`], written once while a scan produces its results), and
//! the client-side results table builds its rows from it with `textContent`; so the HTML and the
//! JSON cannot disagree, and no result is held in memory for the page. The template data is that
//! document without its results ([`PageData`]); Handlebars HTML-escapes every value.
//! A Content-Security-Policy with a per-document nonce forbids every network request and any script
//! or style the template did not write itself.

mod helpers;
pub mod org;
pub mod page_data;
pub mod snippet;

use super::Reporter;
use super::escape::copy_json_for_script;
use super::json::document_text::DocumentText;
use super::v1::baseline::BaselineSection;
use super::v1::{
    Document, FixOutcome, RuleMeta, ScanSection, Summary, SuppressionSection, ToolInfo,
};
use crate::error::Error;
use crate::findings::{Finding, Status};
use crate::term::{Escaped, escape};
use handlebars::Handlebars;
use helpers::Verbatim;
use page_data::{LeftOut, PageBuilder};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The main page template.
pub const PAGE_TEMPLATE: &str = "report.html.hbs";
/// The stylesheet, included in the page as the partial `style`.
pub const STYLE_TEMPLATE: &str = "report.css";
/// The script, included in the page as the partial `script`.
pub const SCRIPT_TEMPLATE: &str = "report.js";

/// The templates shipped in the binary: (file name, partial name, text).
const EMBEDDED: [(&str, &str, &str); 3] = [
    (
        PAGE_TEMPLATE,
        "page",
        include_str!("../../../templates/report.html.hbs"),
    ),
    (
        STYLE_TEMPLATE,
        "style",
        include_str!("../../../templates/report.css"),
    ),
    (
        SCRIPT_TEMPLATE,
        "script",
        include_str!("../../../templates/report.js"),
    ),
];

/// Writes the self-contained HTML report.
pub struct HtmlReporter {
    registry: Handlebars<'static>,
    /// Where the templates came from, for error messages.
    origin: String,
}

impl HtmlReporter {
    /// Load the embedded templates, each replaced by `DIR/<name>` when `template_dir` has it.
    /// Errors name the file, line and column.
    pub fn new(template_dir: Option<&Path>) -> Result<HtmlReporter, Error> {
        let mut registry = Handlebars::new();
        registry.set_prevent_indent(true);
        helpers::register_helpers(&mut registry);
        let mut overridden = 0;
        if let Some(dir) = template_dir
            && !dir.is_dir()
        {
            return Err(Error::input(format!(
                "--template-dir {}: not a directory\n  fix: pass a directory holding any of {PAGE_TEMPLATE}, {STYLE_TEMPLATE}, {SCRIPT_TEMPLATE}",
                Escaped(dir.display())
            )));
        }
        for (file, name, text) in EMBEDDED {
            let custom: Option<PathBuf> =
                template_dir.map(|d| d.join(file)).filter(|p| p.is_file());
            let (origin, source) = match &custom {
                Some(p) => {
                    overridden += 1;
                    let t = std::fs::read_to_string(p).map_err(|e| {
                        Error::input(format!(
                            "cannot read template {}: {}",
                            Escaped(p.display()),
                            Escaped(e)
                        ))
                    })?;
                    (p.display().to_string(), t)
                }
                None => (format!("templates/{file} (built in)"), text.to_string()),
            };
            registry
                .register_template_string(name, &source)
                .map_err(|e| {
                    Error::input(format!(
                        "{}: invalid Handlebars template: {}{}\n  fix: correct the template syntax (see templates/{file} in the flowaudit sources for the built-in version)",
                        escape(&origin),
                        Escaped(e.reason()),
                        match e.pos() {
                            Some((l, c)) => format!(" at line {l}, column {c}"),
                            None => String::new(),
                        }
                    ))
                })?;
        }
        if let Some(dir) = template_dir
            && overridden == 0
        {
            return Err(Error::input(format!(
                "--template-dir {}: holds none of {PAGE_TEMPLATE}, {STYLE_TEMPLATE}, {SCRIPT_TEMPLATE}\n  fix: copy the files to change from templates/ in the flowaudit sources into that directory",
                Escaped(dir.display())
            )));
        }
        let origin = match template_dir {
            Some(d) => format!("templates in {}", Escaped(d.display())),
            None => "built-in templates".to_string(),
        };
        Ok(HtmlReporter { registry, origin })
    }
}

impl Reporter for HtmlReporter {
    fn format(&self) -> super::Format {
        super::Format::Html
    }
    /// The page's own tables show the suppressed results; every other result reaches the page
    /// through the embedded document.
    fn shows(&self, status: Status) -> bool {
        status == Status::Suppressed
    }
    fn embeds_document(&self) -> bool {
        true
    }
    fn write_pages(
        &self,
        doc: &Document,
        text: &mut DocumentText,
        dir: &Path,
    ) -> Option<Result<(), Error>> {
        is_organization(doc).then(|| self.write_organization(doc, text, dir))
    }
    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.render_to(doc, &mut out)?;
        Ok(out)
    }
    fn render_to(&self, doc: &Document, out: &mut dyn Write) -> Result<(), Error> {
        let mut text = DocumentText::of(doc)?;
        self.render_embedding(doc, &mut text, out)
    }
    fn render_embedding(
        &self,
        doc: &Document,
        text: &mut DocumentText,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        let mut builder = PageBuilder::new(page_data::data_limit());
        read_results(text, &mut |f| builder.add(&f))?;
        let (data, left_out) = builder.finish(doc);
        let nonce = hex::encode(&text.sha256()[..16]);
        self.write_page(doc, nonce, &data, left_out, &Links::default(), out)
    }
}

/// A report of more accounts than this is written as an organization's pages (with
/// `--output-dir`, [`org`]); the same number as the runs of a SARIF file.
pub const MAX_ACCOUNTS_PER_PAGE: usize = super::sarif::MAX_RUNS_PER_FILE;

/// Whether `doc` is written as an organization's pages when written to a directory.
pub fn is_organization(doc: &Document) -> bool {
    doc.scan.accounts.len() > MAX_ACCOUNTS_PER_PAGE
}

/// Read every result of the document `text`, one at a time.
fn read_results(text: &mut DocumentText, each: &mut dyn FnMut(Finding)) -> Result<(), Error> {
    let mut json = text.reader().map_err(write_failed)?;
    page_data::for_each_result(&mut json, each).map_err(|e| {
        Error::fatal(format!(
            "cannot read the report data for the html report: {}",
            Escaped(e)
        ))
    })
}

fn write_failed(e: std::io::Error) -> Error {
    Error::fatal(format!("cannot write the html report: {}", Escaped(e)))
}

/// The links between the pages of an organization: on an account's page, the organization's
/// page; on the organization's page, each account's.
#[derive(Serialize, Default)]
pub struct Links {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_pages: Option<std::collections::BTreeMap<String, String>>,
}

impl HtmlReporter {
    /// Write the page of `doc` with its data (`data`, from [`PageBuilder::finish`]).
    fn write_page(
        &self,
        doc: &Document,
        nonce: String,
        data: &[u8],
        left_out: LeftOut,
        links: &Links,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        // Where the page embeds its data: no value can contain it, because Handlebars escapes
        // `<` in every value, and no template can guess it.
        let marker = format!("<flowaudit-report-json {nonce}>");
        // The document-specific helpers are registered on a copy of the registry.
        let mut registry = self.registry.clone();
        registry.register_helper("report_json", Box::new(Verbatim(marker.clone())));
        registry.register_helper("csp_nonce", Box::new(Verbatim(nonce)));
        let page = registry
            .render("page", &PageData::of(doc, left_out, links))
            .map_err(|e| {
                Error::input(format!(
                    "rendering the HTML report with the {}: {}",
                    self.origin,
                    Escaped(e)
                ))
            })?;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
        let mut parts = page.split(&marker);
        if let Some(first) = parts.next() {
            w.write_all(first.as_bytes()).map_err(write_failed)?;
        }
        for part in parts {
            copy_json_for_script(&mut &data[..], &mut w).map_err(write_failed)?;
            w.write_all(part.as_bytes()).map_err(write_failed)?;
        }
        w.flush().map_err(write_failed)
    }
}

/// The data the page template renders: the report document without its `results`, which only
/// the embedded document carries in full, plus their number and the suppressed ones (for the
/// page's table of suppressed results). A page is thus rendered without holding every result.
#[derive(Serialize)]
struct PageData<'a> {
    schema: &'a str,
    tool: &'a ToolInfo,
    scan: &'a ScanSection,
    rules: &'a [RuleMeta],
    summary: &'a Summary,
    suppressions: &'a SuppressionSection,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<&'a Vec<FixOutcome>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a BaselineSection>,
    /// The number of results (the summary counts every result; `doc.results` may hold fewer).
    result_count: usize,
    /// The suppressed results, in report order.
    suppressed_results: Vec<&'a Finding>,
    /// What the page's data leaves out, when it leaves anything out.
    #[serde(skip_serializing_if = "Option::is_none")]
    left_out: Option<LeftOut>,
    #[serde(flatten)]
    links: &'a Links,
}

impl<'a> PageData<'a> {
    fn of(doc: &'a Document, left_out: LeftOut, links: &'a Links) -> PageData<'a> {
        let Document {
            schema,
            tool,
            scan,
            rules,
            results,
            summary,
            suppressions,
            fixes,
            baseline,
        } = doc;
        PageData {
            schema,
            tool,
            scan,
            rules,
            summary,
            suppressions,
            fixes: fixes.as_ref(),
            baseline: baseline.as_ref(),
            result_count: summary.total,
            suppressed_results: results
                .iter()
                .filter(|f| f.status == Status::Suppressed)
                .collect(),
            left_out: left_out.any().then_some(left_out),
            links,
        }
    }
}

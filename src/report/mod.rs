//! Output formats. Each format is one module behind [`Reporter`]; none of them touches AWS.

pub mod escape;
pub mod html;
pub mod json;
pub mod sarif;
pub mod text;
pub mod v1;

use crate::error::Error;
use crate::findings::Status;
use v1::Document;

/// An output format: turns the report document into bytes.
pub trait Reporter {
    /// Short name used by `--format`.
    fn name(&self) -> &'static str;
    /// File name used with `--output-dir`.
    fn file_name(&self) -> &'static str;
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
    /// Render the document into `out`. Formats that can stream override this so that a large
    /// report is never held in memory whole; the default renders, then writes the bytes.
    fn render_to(&self, doc: &Document, out: &mut dyn std::io::Write) -> Result<(), Error> {
        let bytes = self.render(doc)?;
        out.write_all(&bytes).map_err(|e| {
            Error::fatal(format!(
                "cannot write the {} report: {}",
                self.name(),
                crate::term::Escaped(e)
            ))
        })
    }
}

//! The JSON format: the report document itself, pretty-printed.

pub mod document_text;

pub use document_text::DocumentText;

use super::Reporter;
use super::v1::baseline::BaselineSection;
use super::v1::{Document, Producer, Streamed, Summary, SuppressionSection};
use crate::error::Error;
use document_text::write_pretty;
use std::io::Write;

/// Writes `flowaudit/report/v1` JSON.
pub struct JsonReporter;

impl Reporter for JsonReporter {
    fn format(&self) -> super::Format {
        super::Format::Json
    }
    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error> {
        let mut out = serde_json::to_vec_pretty(doc).map_err(|e| Error::internal(e.to_string()))?;
        out.push(b'\n');
        Ok(out)
    }
    fn render_to(&self, doc: &Document, out: &mut dyn Write) -> Result<(), Error> {
        write_pretty(doc, out)
    }
}

impl JsonReporter {
    /// Write the report while its results are produced: `doc` gives everything but the results,
    /// summary and suppression bookkeeping, which `produce` supplies (see [`Streamed`]). The
    /// bytes are those [`Reporter::render_to`] writes for the finished document.
    pub fn render_streamed(
        &self,
        doc: &Document,
        produce: Producer<'_>,
        out: &mut dyn Write,
    ) -> Result<(Summary, SuppressionSection), Error> {
        self.write_streamed(Streamed::new(doc, produce), out)
    }

    /// [`JsonReporter::render_streamed`] with a `baseline` section, which the producer puts into
    /// `baseline` once it has produced every result.
    pub fn render_streamed_with_baseline(
        &self,
        doc: &Document,
        produce: Producer<'_>,
        baseline: &std::cell::RefCell<Option<BaselineSection>>,
        out: &mut dyn Write,
    ) -> Result<(Summary, SuppressionSection), Error> {
        self.write_streamed(Streamed::new(doc, produce).with_baseline(baseline), out)
    }

    fn write_streamed(
        &self,
        streamed: Streamed<'_>,
        out: &mut dyn Write,
    ) -> Result<(Summary, SuppressionSection), Error> {
        if let Err(e) = write_pretty(&streamed, out) {
            return Err(streamed.take_error().unwrap_or(e));
        }
        streamed.finish()
    }
}

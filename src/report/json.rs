//! The JSON format: the report document itself, pretty-printed.

use super::Reporter;
use super::v1::Document;
use crate::error::Error;

/// Writes `flowaudit/report/v1` JSON.
pub struct JsonReporter;

impl Reporter for JsonReporter {
    fn name(&self) -> &'static str {
        "json"
    }
    fn file_name(&self) -> &'static str {
        "flowaudit.json"
    }
    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error> {
        let mut out = serde_json::to_vec_pretty(doc).map_err(|e| Error::internal(e.to_string()))?;
        out.push(b'\n');
        Ok(out)
    }
    fn render_to(&self, doc: &Document, out: &mut dyn std::io::Write) -> Result<(), Error> {
        // A buffer of its own, so that the many small writes of the serializer are not calls
        // through `dyn Write`.
        let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
        serde_json::to_writer_pretty(&mut w, doc)
            .and_then(|()| {
                use std::io::Write;
                w.write_all(b"\n")
                    .and_then(|()| w.flush())
                    .map_err(serde_json::Error::io)
            })
            .map_err(|e| Error::fatal(format!("cannot write the json report: {e}")))
    }
}

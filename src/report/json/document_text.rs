//! How the JSON report writes a value, and the JSON text of a report document that a scan keeps
//! for the formats that embed the whole document ([`DocumentText`]).

use crate::error::Error;
use crate::report::v1::Document;
use sha2::{Digest, Sha256};
use std::io::Write;

/// Write `value` as the JSON report writes it: pretty-printed, then a newline.
pub(super) fn write_pretty<T: serde::Serialize>(
    value: &T,
    out: &mut dyn Write,
) -> Result<(), Error> {
    // A buffer of its own, so that the many small writes of the serializer are not calls
    // through `dyn Write`.
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut w, value)
        .and_then(|()| {
            w.write_all(b"\n")
                .and_then(|()| w.flush())
                .map_err(serde_json::Error::io)
        })
        .map_err(|e| {
            Error::fatal(format!(
                "cannot write the json report: {}",
                crate::term::Escaped(e)
            ))
        })
}

/// The JSON text of a report document, kept for the formats that embed the whole document (the
/// HTML report, [`crate::report::Reporter::embeds_document`]). A scan writes it once, while the
/// results are produced, into a temporary file (or into memory for a document already in
/// memory), so that the embedding format never holds every result. Its SHA-256 is computed on
/// the way.
pub struct DocumentText {
    sink: Sink,
    hasher: Sha256,
}

enum Sink {
    Memory(Vec<u8>),
    /// An unnamed temporary file, removed by the system when it is closed.
    File(std::io::BufWriter<std::fs::File>),
}

impl DocumentText {
    /// The text of a document held in memory: `doc`, written as the JSON report writes it.
    pub fn of(doc: &Document) -> Result<DocumentText, Error> {
        let mut text = DocumentText {
            sink: Sink::Memory(Vec::new()),
            hasher: Sha256::new(),
        };
        write_pretty(doc, &mut text)?;
        Ok(text)
    }

    /// An empty text kept in a temporary file in `dir` (the directory of the output that embeds
    /// it, so that it is on a file system the run may write).
    pub fn in_dir(dir: &std::path::Path) -> Result<DocumentText, Error> {
        let file = tempfile::tempfile_in(dir).map_err(|e| {
            Error::fatal(format!(
                "cannot create a temporary file in {} for the report data: {}",
                crate::term::Escaped(dir.display()),
                crate::term::Escaped(e)
            ))
        })?;
        Ok(DocumentText {
            sink: Sink::File(std::io::BufWriter::with_capacity(1 << 16, file)),
            hasher: Sha256::new(),
        })
    }

    /// The SHA-256 of the text written so far.
    pub fn sha256(&self) -> [u8; 32] {
        self.hasher.clone().finalize().into()
    }

    /// The text from its beginning.
    pub fn reader(&mut self) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        use std::io::Seek;
        match &mut self.sink {
            Sink::Memory(v) => Ok(Box::new(&v[..])),
            Sink::File(w) => {
                w.flush()?;
                let f = w.get_mut();
                f.seek(std::io::SeekFrom::Start(0))?;
                Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, f)))
            }
        }
    }
}

impl Write for DocumentText {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = match &mut self.sink {
            Sink::Memory(v) => v.write(buf)?,
            Sink::File(w) => w.write(buf)?,
        };
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Memory(_) => Ok(()),
            Sink::File(w) => w.flush(),
        }
    }
}

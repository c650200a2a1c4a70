//! Output formats. Each format is one module behind [`Reporter`]; none of them touches AWS.

pub mod escape;
pub mod html;
pub mod json;
pub mod sarif;
pub mod text;
pub mod v1;

use crate::error::Error;
use v1::Document;

/// An output format: turns the report document into bytes.
pub trait Reporter {
    /// Short name used by `--format`.
    fn name(&self) -> &'static str;
    /// File name used with `--output-dir`.
    fn file_name(&self) -> &'static str;
    /// Render the document.
    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error>;
}

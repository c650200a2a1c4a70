//! The terminal summary: counts grouped by rule and severity, then the failing resources.
//!
//! Colour is decided by the caller (a terminal and no `NO_COLOR`), never here. Every string from
//! AWS goes through [`crate::term::escape`] so a tag value cannot move the cursor or recolour
//! the screen. This file puts the sections in order; the files beside it write them.

mod errors;
mod fixes;
mod paint;
mod results;
mod summary;

use super::Reporter;
use super::v1::Document;
use crate::error::Error;
use crate::findings::Status;
use errors::{render_errored, render_scan_errors, render_suppressions};
use fixes::render_fixes;
use paint::Paint;
use results::{
    render_failing, render_failing_by_account, render_suppressed, render_unused_default_vpcs,
};
use summary::{
    render_baseline, render_by_account, render_by_rule, render_header, render_skipped_accounts,
    render_totals, several_accounts,
};

/// Writes the short human summary.
pub struct TextReporter {
    /// Use ANSI colours.
    pub color: bool,
}

impl Reporter for TextReporter {
    fn format(&self) -> super::Format {
        super::Format::Text
    }
    /// The text lists failures, errors and suppressed results; the rest it only counts (from
    /// the summary).
    fn shows(&self, status: Status) -> bool {
        matches!(status, Status::Fail | Status::Error | Status::Suppressed)
    }
    fn shows_remediation(&self) -> bool {
        false
    }
    fn render(&self, doc: &Document) -> Result<Vec<u8>, Error> {
        Ok(render_text(doc, self.color).into_bytes())
    }
}

/// Render the summary as text.
pub fn render_text(doc: &Document, color: bool) -> String {
    let p = Paint { on: color };
    // Room for a line and a message per result shown, so that a long report is not copied as it
    // grows (memory not written to is not used).
    let mut o = String::with_capacity(4096 + doc.results.len() * 320);
    render_header(&mut o, &p, doc);
    render_totals(&mut o, &p, doc);
    render_baseline(&mut o, &p, doc);
    render_by_rule(&mut o, &p, doc);
    if several_accounts(doc) {
        render_by_account(&mut o, &p, doc);
        render_skipped_accounts(&mut o, &p, doc);
        render_failing_by_account(&mut o, &p, doc);
    } else {
        render_skipped_accounts(&mut o, &p, doc);
        render_failing(&mut o, &p, doc);
    }
    render_unused_default_vpcs(&mut o, doc);
    render_suppressed(&mut o, &p, doc, several_accounts(doc));
    render_errored(&mut o, &p, doc);
    render_scan_errors(&mut o, &p, doc);
    if let Some(fixes) = &doc.fixes {
        render_fixes(&mut o, &p, fixes);
    }
    render_suppressions(&mut o, &p, doc);
    o
}

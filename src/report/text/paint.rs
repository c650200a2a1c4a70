//! Layout for the terminal: colours (when the caller allows them) and column padding.

use crate::findings::{Severity, Status};

/// Colours the text when `on` (a terminal without `NO_COLOR`, as the caller decides).
pub(super) struct Paint {
    pub(super) on: bool,
}

impl Paint {
    pub(super) fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub(super) fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub(super) fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    pub(super) fn status(&self, st: Status, s: &str) -> String {
        match st {
            Status::Fail => self.wrap("1;31", s),
            Status::Error => self.wrap("1;35", s),
            Status::Suppressed => self.wrap("33", s),
            Status::Skipped => self.wrap("2", s),
            Status::Pass => self.wrap("32", s),
        }
    }
    pub(super) fn severity(&self, sev: Severity, s: &str) -> String {
        match sev {
            Severity::Critical => self.wrap("1;41;97", s),
            Severity::High => self.wrap("1;31", s),
            Severity::Medium => self.wrap("33", s),
            Severity::Low => self.wrap("36", s),
            Severity::Info => self.wrap("2", s),
        }
    }
}

/// Pad to a width measured in characters (colour codes are added after padding).
pub(super) fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

pub(super) fn rpad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{}{s}", " ".repeat(width - n))
    }
}

/// A column as wide as its widest value (and its title), but at most 40 characters: a longer
/// value overflows its own row only.
pub(super) fn column_width<'a>(title: &str, values: impl Iterator<Item = &'a str>) -> usize {
    values
        .map(|v| v.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(title.chars().count(), 40.max(title.chars().count()))
}

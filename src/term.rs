//! The one escaper for text printed on a terminal.
//!
//! Everything flowaudit prints that carries data (values from AWS, from inventory, change log,
//! rule, config and suppressions files, and the text of parser errors that quote those files)
//! goes through [`escape`] (or its [`Escaped`] adapter) before it is printed: errors, warnings,
//! log events, the fix plan and its confirmation prompt, undo lines and the text report. Control
//! characters (C0, DEL, C1), the line and paragraph separators (U+2028, U+2029) and the
//! bidirectional-text controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) are shown
//! as `\u{..}` instead of being interpreted, so data can neither send escape sequences to the
//! terminal, nor move the cursor, nor start a line (in a pager or log viewer that breaks lines at
//! the separators), nor reorder what is shown.
//!
//! Messages that have several lines of their own (`...\n  fix: ...`) escape each data piece
//! with [`escape`] where it enters the message, so a line break inside data cannot forge a line;
//! the finished message is then printed through [`escape_lines`], which keeps line breaks and
//! escapes everything else, so a data piece that was missed still cannot drive the terminal.
//!
//! This module is a leaf: it uses nothing else in the crate, so every layer can call it.

use std::borrow::Cow;
use std::fmt;

/// Make one line of data safe to print: every control character, line breaks included, the line
/// and paragraph separators and every bidi control are shown as `\u{..}` (hex code point). Text without them is returned as it is,
/// without copying.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_with(s, false)
}

/// Like [`escape`], but line breaks (`\n`) are kept: for a message whose own text has several
/// lines. Data inside it must already have been escaped with [`escape`], or a line break in the
/// data would start a line of its own.
pub fn escape_lines(s: &str) -> Cow<'_, str> {
    escape_with(s, true)
}

/// Shows a value's `Display` text escaped with [`escape`]: for paths, parser errors, I/O errors
/// and other values that are not already strings (`Escaped(path.display())`).
#[derive(Debug, Clone, Copy)]
pub struct Escaped<T>(pub T);

impl<T: fmt::Display> fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        f.write_str(&escape(&text))
    }
}

/// True for the characters [`escape`] shows as `\u{..}`: those that [`breaks_text`].
pub fn is_escaped(c: char) -> bool {
    breaks_text(c)
}

/// True for a character that can end a line or reorder text: a control character (C0, DEL, C1),
/// the line and paragraph separators (U+2028, U+2029), or a bidi control.
pub fn breaks_text(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_bidi_control(c)
}

/// The bidirectional-text controls, which can make text display in another order than it is read.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// True for a byte that may start an escaped character: a C0 control, DEL, the lead byte of the
/// C1 controls (U+0080–U+009F are C2 80–C2 9F), of U+061C (D8 9C) and of the separators and
/// the other bidi controls (E2 80 A8.., E2 80 8E.. and E2 81 A6..).
fn may_start_escape(b: u8) -> bool {
    b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xd8 || b == 0xe2
}

fn escape_with(s: &str, keep_line_breaks: bool) -> Cow<'_, str> {
    // Fast path: clean text (the whole text report, most messages) is not copied.
    let first = s
        .bytes()
        .position(|b| may_start_escape(b) && !(keep_line_breaks && b == b'\n'));
    let Some(first) = first else {
        return Cow::Borrowed(s);
    };
    let (head, tail) = s.split_at(first);
    let mut out: Option<String> = None;
    for (i, c) in tail.char_indices() {
        let keep = !is_escaped(c) || (keep_line_breaks && c == '\n');
        match (&mut out, keep) {
            (None, true) => {}
            (None, false) => {
                let mut o = String::with_capacity(s.len() + 8);
                o.push_str(head);
                o.push_str(&tail[..i]);
                push_escaped(&mut o, c);
                out = Some(o);
            }
            (Some(o), true) => o.push(c),
            (Some(o), false) => push_escaped(o, c),
        }
    }
    match out {
        Some(o) => Cow::Owned(o),
        // Only lead bytes of characters that are kept (é, →, €, ...).
        None => Cow::Borrowed(s),
    }
}

fn push_escaped(out: &mut String, c: char) {
    use fmt::Write as _;
    let _ = write!(out, "\\u{{{:x}}}", c as u32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_controls_are_shown_not_interpreted() {
        assert_eq!(escape("a\x1b[31mb\nc"), "a\\u{1b}[31mb\\u{a}c");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(
            escape("a\u{85}b\u{9b}c\u{2066}d"),
            "a\\u{85}b\\u{9b}c\\u{2066}d"
        );
        assert_eq!(escape("\r\t\u{7f}\u{0}"), "\\u{d}\\u{9}\\u{7f}\\u{0}");
        for c in [
            '\u{061c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
            '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            let s = format!("a{c}b");
            assert_eq!(escape(&s), format!("a\\u{{{:x}}}b", c as u32), "{c:?}");
        }
        // U+061C alone: its lead byte D8 must leave the fast path.
        assert_eq!(escape("\u{061c}"), "\\u{61c}");
        // The line and paragraph separators start a line in some viewers.
        assert_eq!(escape("a\u{2028}b\u{2029}c"), "a\\u{2028}b\\u{2029}c");
    }

    #[test]
    fn clean_text_is_borrowed_and_neighbours_of_escaped_characters_are_kept() {
        let clean = "vpc-0abc us-east-1 é → … ¡ € ؛ ، \u{200d} \u{2070} plain";
        assert!(matches!(escape(clean), Cow::Borrowed(_)));
        assert_eq!(escape(clean), clean);
        // U+061B and U+061D share D8 with U+061C and stay.
        assert_eq!(
            escape("\u{061b}\u{061c}\u{061d}"),
            "\u{061b}\\u{61c}\u{061d}"
        );
    }

    #[test]
    fn escape_lines_keeps_only_line_breaks() {
        assert!(matches!(escape_lines("a\n  fix: b"), Cow::Borrowed(_)));
        assert_eq!(
            escape_lines("a\u{1b}]0;t\u{7}\n  fix: \u{202e}b\r"),
            "a\\u{1b}]0;t\\u{7}\n  fix: \\u{202e}b\\u{d}"
        );
        // Escaping escaped text changes nothing.
        let once = escape("k\u{1b}\n\u{202e}").into_owned();
        assert_eq!(escape(&once), once);
        assert_eq!(escape_lines(&once), once);
    }

    #[test]
    fn escaped_adapter_escapes_display_text() {
        let p = std::path::Path::new("/tmp/a\u{1b}[2Jb");
        assert_eq!(format!("{}", Escaped(p.display())), "/tmp/a\\u{1b}[2Jb");
        assert_eq!(format!("{}", Escaped(42)), "42");
    }
}

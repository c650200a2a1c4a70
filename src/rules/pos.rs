//! Line and column arithmetic for errors that point into TOML files and the strings inside them.

use std::ops::Range;

/// 1-based (line, column) of a byte offset in `text`; the column counts characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte offset where the contents of the TOML string literal at `span` start
/// (after the opening quotes, and after the newline that may follow `"""` or `'''`).
pub fn string_content_start(text: &str, span: &Range<usize>) -> usize {
    let lit = text.get(span.start..span.end).unwrap_or("");
    let mut start = span.start;
    if lit.starts_with("\"\"\"") || lit.starts_with("'''") {
        start += 3;
        let rest = &text[start..];
        if rest.starts_with("\r\n") {
            start += 2;
        } else if rest.starts_with('\n') {
            start += 1;
        }
    } else if lit.starts_with('"') || lit.starts_with('\'') {
        start += 1;
    }
    start
}

/// The file position of a (1-based line, 1-based column) position inside the string literal at `span`.
pub fn inside_string(
    text: &str,
    span: &Range<usize>,
    rel_line: usize,
    rel_col: usize,
) -> (usize, usize) {
    let (line, col) = line_col(text, string_content_start(text, span));
    let rel_line = rel_line.max(1);
    let rel_col = rel_col.max(1);
    if rel_line == 1 {
        (line, col + rel_col - 1)
    } else {
        (line + rel_line - 1, rel_col)
    }
}

/// `origin:line:col` of a TOML parse error (just `origin` when it has no position), escaped for
/// the terminal: it starts an error message.
pub fn toml_error_at(origin: &str, text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(s) => {
            let (l, c) = line_col(text, s.start);
            format!("{}:{l}:{c}", crate::term::escape(origin))
        }
        None => crate::term::escape(origin).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let t = "a = 1\nbb = \"x\"\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, 11), (2, 6));
    }

    #[test]
    fn positions_inside_basic_and_multiline_strings() {
        let t = "k = \"abc\"\nm = '''\nline1\nline2 x'''\n";
        let s1 = 4..9;
        assert_eq!(inside_string(t, &s1, 1, 2), (1, 7));
        let start = t.find("'''").unwrap();
        let s2 = start..t.len() - 1;
        assert_eq!(inside_string(t, &s2, 2, 7), (4, 7));
        assert_eq!(inside_string(t, &s2, 1, 1), (3, 1));
    }
}

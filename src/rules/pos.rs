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

/// The file position of a (1-based line, 1-based column) position of `value`, the value of the
/// string literal at `span`. The value is what the literal means, so escapes (`\"`, `\u00e9`) and
/// the line-ending backslash of a multi-line string (which drops the line break and the
/// indentation after it) are read back to where they stand in the file.
pub fn inside_string(
    text: &str,
    span: &Range<usize>,
    value: &str,
    (rel_line, rel_col): (usize, usize),
) -> (usize, usize) {
    let at = value_offset(value, rel_line, rel_col);
    line_col(text, literal_offset(text, span, at))
}

/// The byte offset in `value` of a (1-based line, 1-based column in characters) position; past
/// the end of a line or of the value, its end.
fn value_offset(value: &str, rel_line: usize, rel_col: usize) -> usize {
    let mut line_start = 0;
    for _ in 1..rel_line.max(1) {
        match value[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return value.len(),
        }
    }
    let line = &value[line_start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    line_start
        + line
            .char_indices()
            .nth(rel_col.max(1) - 1)
            .map_or(line.len(), |(i, _)| i)
}

/// The byte offset in `text` where byte `at` of the value of the string literal at `span` was
/// written.
fn literal_offset(text: &str, span: &Range<usize>, at: usize) -> usize {
    let lit = text.get(span.start..span.end).unwrap_or("");
    let start = string_content_start(text, span);
    let multi = lit.starts_with("\"\"\"") || lit.starts_with("'''");
    let closing = match lit.chars().next() {
        Some('"' | '\'') if multi => 3,
        Some('"' | '\'') => 1,
        _ => 0,
    };
    let end = span.end.saturating_sub(closing).clamp(start, text.len());
    let body = text.get(start..end).unwrap_or("");
    // Literal strings ('…' and '''…''') have no escapes: the value is the text.
    if lit.starts_with('\'') {
        return start + at.min(body.len());
    }
    let mut decoded = 0;
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' && multi {
            let rest = &body[i + 1..];
            let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            if rest[blanks..].starts_with(['\n', '\r']) {
                // A line-ending backslash: it and every blank and line break after it mean
                // nothing.
                while chars
                    .next_if(|&(_, n)| matches!(n, ' ' | '\t' | '\n' | '\r'))
                    .is_some()
                {}
                continue;
            }
        }
        if decoded >= at {
            return start + i;
        }
        if c != '\\' {
            decoded += c.len_utf8();
            continue;
        }
        let digits = match chars.next().map(|(_, n)| n) {
            Some('u') => 4,
            Some('U') => 8,
            Some('x') => 2,
            Some(_) => {
                // \b \t \n \f \r \" \\ \e: one ASCII character.
                decoded += 1;
                continue;
            }
            None => break,
        };
        let hex: String = (0..digits)
            .filter_map(|_| chars.next().map(|(_, d)| d))
            .collect();
        decoded += u32::from_str_radix(&hex, 16)
            .ok()
            .and_then(char::from_u32)
            .map_or(1, char::len_utf8);
    }
    end
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
        assert_eq!(inside_string(t, &s1, "abc", (1, 2)), (1, 7));
        let start = t.find("'''").unwrap();
        let s2 = start..t.len() - 1;
        let v = "line1\nline2 x";
        assert_eq!(inside_string(t, &s2, v, (2, 7)), (4, 7));
        assert_eq!(inside_string(t, &s2, v, (1, 1)), (3, 1));
    }

    /// The value of `k` in `t`, as the TOML parser reads it.
    fn parsed(t: &str) -> String {
        let v: toml::Table = toml::from_str(t).unwrap();
        v["k"].as_str().unwrap().to_string()
    }

    #[test]
    fn escapes_and_line_ending_backslashes_are_read_back_to_the_file() {
        // Line-ending backslashes join the lines: the value's one line spans three in the file.
        let t = "k = \"\"\"\nfirst \\\n    second \\  \n\n  third {{x\"\"\"\n";
        let v = parsed(t);
        assert_eq!(v, "first second third {{x");
        let span = 4..t.len() - 1;
        let col = |needle: &str| v[..v.find(needle).unwrap()].chars().count() + 1;
        assert_eq!(inside_string(t, &span, &v, (1, col("second"))), (3, 5));
        assert_eq!(inside_string(t, &span, &v, (1, col("third"))), (5, 3));
        assert_eq!(inside_string(t, &span, &v, (1, col("{{x"))), (5, 9));
        // Escapes take more room in the file than in the value.
        let t = "k = \"a\\\"b\\u00e9\\tc {{x\"\n";
        let v = parsed(t);
        assert_eq!(v, "a\"b\u{e9}\tc {{x");
        let span = 4..t.len() - 1;
        // `b` (value column 3) and `{{x` (value column 8).
        assert_eq!(inside_string(t, &span, &v, (1, 3)), (1, 9));
        assert_eq!(inside_string(t, &span, &v, (1, 8)), (1, 20));
        // Past the end: the end of the value.
        assert_eq!(inside_string(t, &span, &v, (3, 1)), (1, 23));
    }
}

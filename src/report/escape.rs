//! Escaping of untrusted strings (tag values, names from AWS) for each output context.
//!
//! Everything taken from AWS is data, never markup: each format passes such strings through the
//! function for its context before they reach a reader. The text format uses the one terminal
//! escaper, [`crate::term::escape`].

/// Escape a string for inline Markdown (CommonMark and GitHub Flavored Markdown), escaping only
/// what could change the rendering, so that the source stays readable (`eu-west-1`,
/// `2026-01-15T08:00:00Z` and `VPC-001` are left as they are):
///
/// - always: `\`, `|` (table cells), `*`, `[`, `]`, `<`, `>`, `&`, backticks and `~` (emphasis,
///   links and images, raw HTML and autolinks, entities, code spans, strikethrough), and `@`
///   (GitHub's e-mail autolinks);
/// - `_` unless it is between two letters or digits (intraword, where it cannot emphasise);
/// - the `:` of a URL scheme (`https://`) and the `.` of a leading `www.` (GitHub's autolinks).
///
/// The value goes inside a line (a table cell, after a list marker or a label): flowaudit's
/// Markdown never starts a line with a value, so `#`, `-`, `+` and `1.` need no escape.
///
/// Line breaks, other control characters, the line and paragraph separators and the bidi
/// controls ([`crate::term::breaks_text`]) become spaces, so the value can neither start a new
/// block (heading, list, fence) nor reorder the text around it.
pub fn markdown_inline(s: &str) -> String {
    let chars: Vec<char> = s
        .chars()
        .map(|c| if crate::term::breaks_text(c) { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(s.len() + 8);
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
    for (i, &c) in chars.iter().enumerate() {
        let escape = match c {
            '\\' | '|' | '*' | '[' | ']' | '<' | '>' | '&' | '`' | '~' | '@' => true,
            '_' => !(word(i.checked_sub(1).and_then(|p| chars.get(p))) && word(chars.get(i + 1))),
            ':' => chars.get(i + 1) == Some(&'/') && chars.get(i + 2) == Some(&'/'),
            '.' => {
                i >= 3
                    && chars[i - 3..i]
                        .iter()
                        .collect::<String>()
                        .eq_ignore_ascii_case("www")
                    && (i == 3 || !word(chars.get(i - 4)))
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Wrap text in a fenced Markdown code block whose fence is longer than any backtick run inside,
/// so the content cannot close the block early.
pub fn markdown_code_block(lang: &str, body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let lang: String = lang.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let body = body.trim_end_matches('\n');
    format!("{fence}{lang}\n{body}\n{fence}")
}

/// Copy JSON text from `input` to `out` for embedding inside an HTML `<script>` element, without
/// holding it whole: whitespace outside strings is dropped, and `<`, `>` and `&` become `\u003c`,
/// `\u003e`, `\u0026` (U+2028/U+2029 become `\u2028`/`\u2029`), so the text can never contain
/// `</script>` or `<!--`, yet parses back to the identical value. `input` must be valid JSON
/// text (as serde_json writes it).
pub fn copy_json_for_script(
    input: &mut dyn std::io::Read,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 1 << 16];
    let mut res: Vec<u8> = Vec::with_capacity((1 << 16) + 1024);
    // Bytes of a possible U+2028/U+2029 sequence cut by the end of a read.
    let mut carry = 0usize;
    let (mut in_str, mut esc) = (false, false);
    loop {
        let n = input.read(&mut buf[carry..])?;
        let end = carry + n;
        let eof = n == 0;
        let bytes = &buf[..end];
        let mut i = 0;
        res.clear();
        while i < end {
            let b = bytes[i];
            if b == 0xE2 && !eof && i + 2 >= end {
                break;
            }
            let rep: Option<(&[u8], usize)> = match b {
                b'<' => Some((b"\\u003c", 1)),
                b'>' => Some((b"\\u003e", 1)),
                b'&' => Some((b"\\u0026", 1)),
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
                0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA8) => {
                    Some((b"\\u2028", 3))
                }
                0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA9) => {
                    Some((b"\\u2029", 3))
                }
                _ => None,
            };
            if let Some((text, len)) = rep {
                res.extend_from_slice(text);
                i += len;
                esc = false;
                continue;
            }
            if in_str {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                }
                res.push(b);
            } else if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                in_str = b == b'"';
                res.push(b);
            }
            i += 1;
        }
        out.write_all(&res)?;
        if eof {
            return Ok(());
        }
        carry = end - i;
        buf.copy_within(i..end, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_inline_neutralises_markup() {
        let hostile = "**x** [y](javascript:alert(1)) `c` a|b <img src=x onerror=alert(1)>\n# h";
        let e = markdown_inline(hostile);
        assert_eq!(
            e,
            r"\*\*x\*\* \[y\](javascript:alert(1)) \`c\` a\|b \<img src=x onerror=alert(1)\> # h"
        );
        assert!(!e.contains('\n'));
    }

    #[test]
    fn markdown_inline_leaves_plain_text_plain() {
        for plain in [
            "eu-west-1",
            "2026-01-15T08:00:00Z",
            "VPC-001",
            "flow_logs_enabled",
            "a.b (c)",
        ] {
            assert_eq!(markdown_inline(plain), plain);
        }
        assert_eq!(markdown_inline("_x_"), r"\_x\_");
        assert_eq!(
            markdown_inline("see https://e.example"),
            r"see https\://e.example"
        );
        assert_eq!(markdown_inline("www.e.example"), r"www\.e.example");
        assert_eq!(markdown_inline("a@b.example"), r"a\@b.example");
        assert_eq!(markdown_inline("~~x~~"), r"\~\~x\~\~");
    }

    #[test]
    fn code_block_fence_outlasts_backticks_in_body() {
        let b = markdown_code_block("sh", "echo ```` done");
        assert!(b.starts_with("`````sh\n"), "{b}");
        assert!(b.ends_with("\n`````"), "{b}");
    }

    fn json_for_script(v: &serde_json::Value, chunk: usize) -> String {
        // A reader that returns at most `chunk` bytes at a time, to cut sequences at every place.
        struct Chunked<'a>(&'a [u8], usize);
        impl std::io::Read for Chunked<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.1.min(buf.len()).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let raw = serde_json::to_vec_pretty(v).unwrap();
        let mut out = Vec::new();
        copy_json_for_script(&mut Chunked(&raw, chunk), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn script_json_cannot_close_the_script_and_round_trips() {
        let v = serde_json::json!({
            "n": "</script><!--<script>&\u{2028}\u{2029} \"q\" \\\" x\n y",
            "list": [1, {"a b": " spaced  "}],
            "e": "\u{e9}\u{2027}\u{202e}",
        });
        for chunk in [1, 2, 3, 7, 1 << 20] {
            let s = json_for_script(&v, chunk);
            assert!(
                !s.contains('<') && !s.contains('>') && !s.contains('&'),
                "{s}"
            );
            assert!(!s.contains('\u{2028}') && !s.contains('\u{2029}'), "{s}");
            assert!(
                !s.contains('\n') && !s.contains(": "),
                "whitespace kept: {s}"
            );
            assert!(
                s.contains(" spaced  "),
                "whitespace in strings dropped: {s}"
            );
            assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
        }
    }
}

//! Escaping of untrusted strings (tag values, names from AWS) for each output context.
//!
//! Everything taken from AWS is data, never markup: each format passes such strings through the
//! function for its context before they reach a reader. The text format uses the one terminal
//! escaper, [`crate::term::escape`].

/// Escape a string for inline Markdown (CommonMark and GitHub Flavored Markdown).
///
/// Every ASCII punctuation character is backslash-escaped, which CommonMark defines as literal, so no
/// emphasis, link, image, code span, table cell, autolink or raw HTML can start. Line breaks, other
/// control characters, the line and paragraph separators and the bidi controls
/// ([`crate::term::breaks_text`]) become spaces, so the value can neither start a new block
/// (heading, list, fence) nor reorder the text around it.
pub fn markdown_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else if crate::term::breaks_text(c) {
            out.push(' ');
        } else {
            out.push(c);
        }
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

/// Serialize a JSON value for embedding inside an HTML `<script>` element: `<`, `>` and `&` become
/// `\u003c`, `\u003e`, `\u0026` (and U+2028/U+2029 are escaped), so the text can never contain
/// `</script>` or `<!--`, yet parses back to the identical value.
pub fn json_for_script(value: &serde_json::Value) -> Result<String, serde_json::Error> {
    let raw = serde_json::to_string(value)?;
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len() + raw.len() / 16);
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let rep = match bytes[i] {
            b'<' => Some(("\\u003c", 1)),
            b'>' => Some(("\\u003e", 1)),
            b'&' => Some(("\\u0026", 1)),
            // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA8) => {
                Some(("\\u2028", 3))
            }
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA9) => {
                Some(("\\u2029", 3))
            }
            _ => None,
        };
        match rep {
            Some((text, len)) => {
                out.push_str(&raw[start..i]);
                out.push_str(text);
                i += len;
                start = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&raw[start..]);
    Ok(out)
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
            r"\*\*x\*\* \[y\]\(javascript\:alert\(1\)\) \`c\` a\|b \<img src\=x onerror\=alert\(1\)\> \# h"
        );
        assert!(!e.contains('\n'));
    }

    #[test]
    fn code_block_fence_outlasts_backticks_in_body() {
        let b = markdown_code_block("sh", "echo ```` done");
        assert!(b.starts_with("`````sh\n"), "{b}");
        assert!(b.ends_with("\n`````"), "{b}");
    }

    #[test]
    fn script_json_cannot_close_the_script_and_round_trips() {
        let v = serde_json::json!({"n": "</script><!--<script>&\u{2028}"});
        let s = json_for_script(&v).unwrap();
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
    }
}

//! Values written into remediation snippets: escaped for the language of the snippet and for
//! where in it they stand.
//!
//! A remediation template is rendered with an escape function ([`mark`]) that does not escape a
//! value but wraps it in two private-use characters, hex-encoded in between. [`finish`] then reads
//! the rendered snippet as its language's lexer would (comments, quoted strings, bare words) and
//! replaces each marked value by the escaped form that fits where it stands. So a rule author
//! writes `{{resource.id}}` anywhere and gets a value that is data, never code:
//!
//! - shell (`cli`): a bare word only when made of `[A-Za-z0-9_@%+=:,./-]`, otherwise single-quoted
//!   with `'` written `'\''`; always exactly one word. Inside the template's own quotes the value
//!   continues them safely.
//! - Terraform (HCL): inside a string, `\`, `"`, `${`, `%{`, line terminators and other control
//!   characters are escaped; in a block label, a reference or any other place outside a string the
//!   value is reduced to `[A-Za-z0-9_-]` (see [`hcl_name`]), the same way everywhere.
//! - CloudFormation (YAML): a plain scalar only when it cannot be read as anything but that
//!   text, otherwise a double-quoted scalar with JSON-style escapes.
//! - in a comment of any language every line terminator (CR, LF, U+0085, U+2028, U+2029) and
//!   every other control character becomes a space.

use crate::term::breaks_text;
use sha2::Digest;

/// A snippet language: one per remediation template kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// `cli`: POSIX shell.
    Shell,
    /// `terraform`: HCL.
    Terraform,
    /// `cloudformation`: YAML.
    CloudFormation,
}

const START: char = '\u{e000}';
const END: char = '\u{e001}';

/// The two marker characters: a template's own text may not hold them (refused at load: they
/// would be taken for a value).
pub(crate) const MARKERS: [char; 2] = [START, END];

/// The escape function of the snippet templates: the value, hex-encoded between two markers.
pub(crate) fn mark(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(value.len() * 2 + 6);
    out.push(START);
    for b in value.bytes() {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out.push(END);
    out
}

/// The value a marker holds: its bytes, two hex digits each (as [`mark`] writes them), as UTF-8.
/// Decoded here rather than with `hex::decode`, whose iterator costs about 2% of the
/// instructions of a JSON report.
fn unmark(hex: &str) -> Option<String> {
    fn digit(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        }
    }
    let hex = hex.as_bytes();
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let mut bytes = Vec::with_capacity(hex.len() / 2);
    for pair in hex.chunks_exact(2) {
        bytes.push(digit(pair[0])? << 4 | digit(pair[1])?);
    }
    String::from_utf8(bytes).ok()
}

/// Replace every marked value of a rendered snippet by its escaped form.
pub(crate) fn finish(lang: Lang, rendered: &str) -> Result<String, String> {
    if !rendered.contains(START) {
        return Ok(rendered.to_string());
    }
    match lang {
        Lang::Shell => finish_with(Shell::default(), rendered),
        Lang::Terraform => finish_with(Hcl::default(), rendered),
        Lang::CloudFormation => finish_with(Yaml::default(), rendered),
    }
}

fn finish_with<L: Lexer>(mut lexer: L, rendered: &str) -> Result<String, String> {
    let mut out = String::with_capacity(rendered.len());
    let mut rest = rendered;
    while let Some(i) = rest.find(START) {
        lexer.text_run(&rest[..i], &mut out);
        let after = &rest[i + START.len_utf8()..];
        let end = after
            .find(END)
            .ok_or("a value marker is not closed (a helper cut a value)")?;
        let value = unmark(&after[..end]).ok_or("a value marker holds no value")?;
        rest = &after[end + END.len_utf8()..];
        let next = rest.chars().next();
        lexer.value(&value, next, &mut out);
    }
    lexer.text_run(rest, &mut out);
    lexer.end(&mut out);
    if out.contains(MARKERS) {
        return Err("a value marker was left in the snippet".into());
    }
    Ok(out)
}

/// Reads a snippet's template text one character at a time and writes values where they stand.
trait Lexer {
    /// Template text: written as it is, and read to know where the next value stands.
    fn text(&mut self, c: char, out: &mut String);
    /// A run of template text, exactly as [`Lexer::text`] on each of its characters.
    fn text_run(&mut self, run: &str, out: &mut String) {
        for c in run.chars() {
            self.text(c, out);
        }
    }
    /// A value; `next` is the template text's next character.
    fn value(&mut self, v: &str, next: Option<char>, out: &mut String);
    /// The end of the snippet.
    fn end(&mut self, _out: &mut String) {}
}

/// Which bytes a lexer, in its present state, may copy without looking at them one by one.
type Plain = fn(u8) -> bool;

/// [`Lexer::text_run`] for a lexer that can tell, in its present state, which printable ASCII
/// bytes change nothing but what was written last: each run of them is copied at once and handed
/// to `after` (its last character), and every other character (control characters and
/// non-ASCII ones included) goes through [`Lexer::text`].
/// `plain` answers `None` when, in the present state, every character must go through `text`.
fn runs<L: Lexer>(
    lexer: &mut L,
    mut run: &str,
    out: &mut String,
    plain: fn(&L) -> Option<Plain>,
    after: fn(&mut L, char),
) {
    while let Some(c) = run.chars().next() {
        if let Some(plain) = plain(lexer) {
            let n = run
                .bytes()
                .position(|b| !(b.is_ascii() && !b.is_ascii_control() && plain(b)))
                .unwrap_or(run.len());
            if n > 0 {
                out.push_str(&run[..n]);
                after(lexer, char::from(run.as_bytes()[n - 1]));
                run = &run[n..];
                continue;
            }
        }
        lexer.text(c, out);
        run = &run[c.len_utf8()..];
    }
}

/// A value in a comment: line terminators (CR, LF, NEL, LS, PS), other control characters and
/// bidi controls become spaces, so the value can neither end the comment nor reorder what
/// follows on its line.
pub fn comment_text(v: &str) -> String {
    v.chars()
        .map(|c| if breaks_text(c) { ' ' } else { c })
        .collect()
}

/// One character of a value inside a double-quoted string, HCL's or YAML's (both take the
/// JSON-style escapes): `\` and `"` escaped, and every character that could break a line or
/// reorder text (and the byte-order mark) written as `\n`, `\r`, `\t` or `\uNNNN`, so the
/// string holds the value literally.
fn push_quoted(c: char, out: &mut String) {
    match c {
        '\\' => out.push_str(r"\\"),
        '"' => out.push_str("\\\""),
        '\n' => out.push_str(r"\n"),
        '\r' => out.push_str(r"\r"),
        '\t' => out.push_str(r"\t"),
        c if breaks_text(c) || c == '\u{feff}' => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push(c),
    }
}

// ---------- shell ----------

fn shell_bare(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '_' | '@' | '%' | '+' | '=' | ':' | ',' | '.' | '/' | '-')
}

/// One shell word that the shell reads back as exactly `v`.
pub fn shell_word(v: &str) -> String {
    if !v.is_empty() && v.chars().all(shell_bare) {
        return v.to_string();
    }
    format!("'{}'", v.replace('\'', r"'\''"))
}

#[derive(Default, PartialEq, Eq, Clone, Copy)]
enum ShState {
    #[default]
    Word,
    Single,
    Double,
    Comment,
}

struct Shell {
    state: ShState,
    /// The next character starts a word (a `#` there starts a comment).
    word_start: bool,
    /// The previous character was an unquoted or double-quoted backslash.
    escaped: bool,
}

impl Default for Shell {
    fn default() -> Self {
        Shell {
            state: ShState::Word,
            word_start: true,
            escaped: false,
        }
    }
}

impl Shell {
    /// The bytes that, in the present state, only end a word start.
    fn plain(&self) -> Option<Plain> {
        if self.escaped {
            return None;
        }
        Some(match self.state {
            ShState::Word => |b| {
                !(b.is_ascii_whitespace()
                    || matches!(
                        b,
                        b'#' | b'\''
                            | b'"'
                            | b'\\'
                            | b';'
                            | b'&'
                            | b'|'
                            | b'('
                            | b')'
                            | b'<'
                            | b'>'
                    ))
            },
            ShState::Single => |b| b != b'\'',
            ShState::Double => |b| !matches!(b, b'\\' | b'"'),
            ShState::Comment => |b| b != b'\n',
        })
    }
}

impl Lexer for Shell {
    fn text_run(&mut self, run: &str, out: &mut String) {
        runs(self, run, out, Shell::plain, |l, _| l.word_start = false);
    }

    fn text(&mut self, c: char, out: &mut String) {
        out.push(c);
        if self.escaped {
            self.escaped = false;
            self.word_start = false;
            return;
        }
        match self.state {
            ShState::Word => match c {
                '#' if self.word_start => self.state = ShState::Comment,
                '\'' => self.state = ShState::Single,
                '"' => self.state = ShState::Double,
                '\\' => self.escaped = true,
                c if c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '<' | '>') => {
                    self.word_start = true;
                    return;
                }
                _ => {}
            },
            ShState::Single => {
                if c == '\'' {
                    self.state = ShState::Word;
                }
            }
            ShState::Double => match c {
                '\\' => self.escaped = true,
                '"' => self.state = ShState::Word,
                _ => {}
            },
            ShState::Comment => {
                if c == '\n' {
                    self.state = ShState::Word;
                    self.word_start = true;
                    return;
                }
            }
        }
        self.word_start = false;
    }

    fn value(&mut self, v: &str, _next: Option<char>, out: &mut String) {
        match self.state {
            ShState::Word => out.push_str(&shell_word(v)),
            // Inside the template's single quotes: end them, write the quote, start them again.
            ShState::Single => out.push_str(&v.replace('\'', r"'\''")),
            // Inside double quotes, `$`, `` ` ``, `\` and (interactively) `!` are live: end the
            // double quotes around a single-quoted word.
            ShState::Double => {
                if !v.is_empty() && v.chars().all(shell_bare) {
                    out.push_str(v);
                } else {
                    out.push('"');
                    out.push_str(&shell_word(v));
                    out.push('"');
                }
            }
            ShState::Comment => out.push_str(&comment_text(v)),
        }
        if self.state != ShState::Comment {
            self.word_start = false;
        }
    }
}

// ---------- Terraform (HCL) ----------

/// A value reduced to a Terraform name: every character outside `[A-Za-z0-9_-]` becomes `_`,
/// and when anything was changed (or the value is empty) a short hash of the value is appended,
/// so that two different values never reduce to the same name.
pub fn hcl_name(v: &str) -> String {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if !v.is_empty() && v.chars().all(ok) {
        return v.to_string();
    }
    let mut out: String = v
        .chars()
        .take(64)
        .map(|c| if ok(c) { c } else { '_' })
        .collect();
    let digest = sha2::Sha256::digest(v.as_bytes());
    out.push('_');
    out.push_str(&hex::encode(&digest[..4]));
    out
}

/// The inside of an HCL quoted string that reads back as exactly `v`.
pub fn hcl_string(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => push_quoted(c, &mut out),
        }
    }
    out
}

#[derive(Default, PartialEq, Eq, Clone, Copy)]
enum HclState {
    #[default]
    Code,
    /// A quoted string; `label` when it is a block label (`resource "type" "name"`).
    Str {
        label: bool,
    },
    /// `${ ... }` or `%{ ... }` inside a string, with its brace depth.
    Interp {
        depth: u32,
        label: bool,
    },
    LineComment,
    BlockComment,
}

#[derive(Default)]
struct Hcl {
    state: HclState,
    /// The previous character was a backslash inside a string.
    escaped: bool,
    /// An unpaired `$` or `%` just written inside a string: a `{` now opens an interpolation.
    opener: Option<char>,
    /// Where the line being written starts in the output (to tell labels from values). Values
    /// never hold a line break: each is escaped, reduced or blanked where it stands.
    line_start: usize,
    prev: Option<char>,
}

impl Hcl {
    /// The bytes that, in the present state, change nothing but the previous character (and,
    /// in a string, end an unpaired `$` or `%`).
    fn plain(&self) -> Option<Plain> {
        if self.escaped {
            return None;
        }
        Some(match self.state {
            HclState::Code => |b| !matches!(b, b'#' | b'/' | b'*' | b'"' | b'\n'),
            HclState::Str { .. } => |b| !matches!(b, b'\\' | b'"' | b'{' | b'$' | b'%' | b'\n'),
            HclState::Interp { .. } => |b| !matches!(b, b'{' | b'}' | b'\n'),
            HclState::LineComment => |b| b != b'\n',
            HclState::BlockComment => |b| !matches!(b, b'/' | b'\n'),
        })
    }

    /// The text before a string on its line opens a block: a type keyword followed by labels only.
    fn opens_label(&self, out: &str) -> bool {
        let mut s = out[self.line_start..].trim_start();
        if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return false;
        }
        let kw = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(s.len());
        s = &s[kw..];
        loop {
            s = s.trim_start();
            if s.is_empty() {
                return true;
            }
            let Some(rest) = s.strip_prefix('"') else {
                return false;
            };
            match rest.find(['"', '\\']) {
                Some(i) if rest.as_bytes()[i] == b'"' => s = &rest[i + 1..],
                _ => return false,
            }
        }
    }

    /// The state after `c`, written at the end of `out` (what came before it is `out`'s own).
    fn step(&mut self, c: char, prev: Option<char>, out: &str) -> HclState {
        match self.state {
            HclState::Code => match c {
                '#' => HclState::LineComment,
                '/' if prev == Some('/') => HclState::LineComment,
                '*' if prev == Some('/') => HclState::BlockComment,
                '"' => HclState::Str {
                    label: self.opens_label(out),
                },
                _ => HclState::Code,
            },
            HclState::Str { label } => {
                let opener = self.opener.take();
                match c {
                    '\\' => {
                        self.escaped = true;
                        HclState::Str { label }
                    }
                    '"' => HclState::Code,
                    '{' if opener.is_some() => HclState::Interp { depth: 1, label },
                    '$' | '%' if opener != Some(c) => {
                        self.opener = Some(c);
                        HclState::Str { label }
                    }
                    _ => HclState::Str { label },
                }
            }
            HclState::Interp { depth, label } => match c {
                '{' => HclState::Interp {
                    depth: depth + 1,
                    label,
                },
                '}' if depth == 1 => HclState::Str { label },
                '}' => HclState::Interp {
                    depth: depth - 1,
                    label,
                },
                _ => HclState::Interp { depth, label },
            },
            HclState::LineComment if c == '\n' => HclState::Code,
            HclState::BlockComment if c == '/' && prev == Some('*') => HclState::Code,
            s => s,
        }
    }
}

/// A number written as it is in code; anything else there becomes a name.
fn is_number(v: &str) -> bool {
    v.parse::<f64>().is_ok_and(f64::is_finite)
        && v.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
}

impl Lexer for Hcl {
    fn text_run(&mut self, run: &str, out: &mut String) {
        runs(self, run, out, Hcl::plain, |l, last| {
            l.prev = Some(last);
            if matches!(l.state, HclState::Str { .. }) {
                l.opener = None;
            }
        });
    }

    fn text(&mut self, c: char, out: &mut String) {
        let prev = self.prev.replace(c);
        if self.escaped {
            self.escaped = false;
        } else {
            self.state = self.step(c, prev, out);
        }
        out.push(c);
        if c == '\n' {
            self.line_start = out.len();
        }
    }

    fn value(&mut self, v: &str, next: Option<char>, out: &mut String) {
        let written = match self.state {
            HclState::Str { label: false } => {
                let mut s = hcl_string(v);
                // The template's unpaired `$` or `%` right before a value that starts with `{`,
                // or the value's last `$` or `%` right before the template's `{`, would open an
                // interpolation: double it.
                if let Some(o) = self.opener.take()
                    && v.starts_with('{')
                {
                    s.insert(0, o);
                }
                if next == Some('{')
                    && let Some(last) = s.chars().next_back().filter(|c| matches!(c, '$' | '%'))
                {
                    s.push(last);
                }
                s
            }
            HclState::LineComment => comment_text(v),
            // `*/` in a value must not end a block comment.
            HclState::BlockComment => comment_text(v).replace("*/", "* /"),
            HclState::Code | HclState::Interp { .. } if is_number(v) => v.to_string(),
            _ => hcl_name(v),
        };
        self.opener = None;
        out.push_str(&written);
        self.prev = written.chars().next_back().or(self.prev);
    }
}

// ---------- CloudFormation (YAML) ----------

/// A YAML double-quoted scalar (with its quotes) that reads back as exactly `v`.
pub fn yaml_double(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    yaml_double_inside(v, &mut out);
    out.push('"');
    out
}

fn yaml_double_inside(v: &str, out: &mut String) {
    for c in v.chars() {
        push_quoted(c, out);
    }
}

fn yaml_plain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-')
}

/// True when `v` written as a plain scalar reads back as the string `v`.
fn yaml_plain_ok(v: &str) -> bool {
    const WORDS: &[&str] = &["y", "yes", "n", "no", "true", "false", "on", "off", "null"];
    v.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '_')
        && v.chars().all(yaml_plain_char)
        && !WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
}

#[derive(Default, PartialEq, Eq, Clone, Copy)]
enum YamlState {
    #[default]
    Plain,
    /// A plain scalar of the template that a value made into a double-quoted one: the rest of
    /// the scalar is written inside the quotes, which close where the scalar ends.
    Requoted,
    Double,
    Single,
    Comment,
}

#[derive(Default)]
struct Yaml {
    state: YamlState,
    escaped: bool,
    /// Where the plain scalar being written starts in `out`, if one is.
    scalar_start: Option<usize>,
    /// The last character written, and whether only indentation precedes it on its line.
    prev: Option<char>,
    /// The last non-blank character of the line, outside scalars (`:`, `-`, `[`, `{`, `,`).
    last_sig: Option<char>,
}

impl Yaml {
    /// The bytes that, in the present state, change nothing but the previous character (and,
    /// inside a plain scalar, the last significant one).
    fn plain(&self) -> Option<Plain> {
        if self.escaped {
            return None;
        }
        match self.state {
            YamlState::Comment => Some(|b| b != b'\n'),
            YamlState::Double => Some(|b| !matches!(b, b'\\' | b'"')),
            YamlState::Single => Some(|b| b != b'\''),
            YamlState::Requoted => {
                Some(|b| !matches!(b, b'\n' | b' ' | b'\t' | b'#' | b'\\' | b'"'))
            }
            YamlState::Plain if self.scalar_start.is_some() => {
                Some(|b| !matches!(b, b'\n' | b' ' | b'\t' | b'#'))
            }
            // Outside a scalar any character may start one.
            YamlState::Plain => None,
        }
    }

    /// A scalar may start here: at the start of a line, after `: `, `- `, `[`, `{` or `,`.
    fn at_scalar_start(&self) -> bool {
        let after_blank = matches!(self.prev, None | Some(' ' | '\t' | '\n'));
        match self.last_sig {
            None => after_blank,
            Some(':' | '-') => after_blank,
            Some('[' | '{' | ',') => true,
            _ => false,
        }
    }

    fn step(&mut self, c: char, prev: Option<char>, out: &mut String) {
        if self.escaped {
            self.escaped = false;
            out.push(c);
            return;
        }
        match self.state {
            YamlState::Comment => {
                out.push(c);
                if c == '\n' {
                    self.state = YamlState::Plain;
                    self.last_sig = None;
                }
            }
            YamlState::Double => {
                out.push(c);
                match c {
                    '\\' => self.escaped = true,
                    '"' => self.state = YamlState::Plain,
                    _ => {}
                }
            }
            YamlState::Single => {
                out.push(c);
                if c == '\'' {
                    self.state = YamlState::Plain;
                }
            }
            YamlState::Requoted => {
                let blank = |c: Option<char>| matches!(c, Some(' ' | '\t'));
                if c == '\n' || (blank(Some(c)) && prev == Some(':')) || (c == '#' && blank(prev)) {
                    // The scalar ends here; a `:` before a blank or the line's end was the
                    // mapping indicator, not part of it.
                    let colon = prev == Some(':') && c != '#';
                    if colon {
                        out.pop();
                    }
                    self.close_requoted(out);
                    if colon {
                        out.push(':');
                    }
                    out.push(c);
                    self.last_sig = if colon { Some(':') } else { None };
                    if c == '#' {
                        self.state = YamlState::Comment;
                    }
                    return;
                }
                match c {
                    '\\' => out.push_str(r"\\"),
                    '"' => out.push_str("\\\""),
                    c => out.push(c),
                }
            }
            YamlState::Plain => {
                let in_scalar = self.scalar_start.is_some();
                let start = !in_scalar && self.at_scalar_start();
                out.push(c);
                match c {
                    '\n' => {
                        self.last_sig = None;
                        self.scalar_start = None;
                    }
                    ' ' | '\t' => {
                        if prev == Some(':') {
                            self.scalar_start = None;
                        }
                    }
                    '#' if matches!(prev, None | Some(' ' | '\t' | '\n')) => {
                        self.state = YamlState::Comment;
                        self.scalar_start = None;
                    }
                    '"' if start => self.state = YamlState::Double,
                    '\'' if start => self.state = YamlState::Single,
                    '-' | '[' | '{' | ',' if !in_scalar => self.last_sig = Some(c),
                    _ => {
                        if start {
                            self.scalar_start = Some(out.len() - c.len_utf8());
                        }
                        self.last_sig = Some(c);
                    }
                }
            }
        }
    }

    fn close_requoted(&mut self, out: &mut String) {
        // Blanks before the end of the scalar stay outside the quotes.
        let trimmed = out.trim_end_matches([' ', '\t']).len();
        out.insert(trimmed, '"');
        self.state = YamlState::Plain;
        self.scalar_start = None;
    }
}

impl Lexer for Yaml {
    fn text_run(&mut self, run: &str, out: &mut String) {
        runs(self, run, out, Yaml::plain, |l, last| {
            l.prev = Some(last);
            if l.state == YamlState::Plain {
                l.last_sig = Some(last);
            }
        });
    }

    fn text(&mut self, c: char, out: &mut String) {
        let prev = self.prev;
        self.step(c, prev, out);
        self.prev = Some(c);
    }

    fn value(&mut self, v: &str, _next: Option<char>, out: &mut String) {
        match self.state {
            YamlState::Comment => out.push_str(&comment_text(v)),
            YamlState::Double | YamlState::Requoted => yaml_double_inside(v, out),
            // A single-quoted scalar can neither hold a line break nor escape a control
            // character: they become spaces, as in a comment.
            YamlState::Single => out.push_str(&comment_text(v).replace('\'', "''")),
            YamlState::Plain => {
                if let Some(start) = self.scalar_start {
                    // Inside a plain scalar of the template.
                    if !v.chars().all(yaml_plain_char) {
                        let head = out.split_off(start);
                        out.push('"');
                        yaml_double_inside(&head, out);
                        yaml_double_inside(v, out);
                        self.state = YamlState::Requoted;
                    } else {
                        out.push_str(v);
                    }
                } else if self.at_scalar_start() && yaml_plain_ok(v) {
                    self.scalar_start = Some(out.len());
                    out.push_str(v);
                } else if self.at_scalar_start() {
                    // The whole scalar, unless the template goes on with it.
                    self.scalar_start = Some(out.len());
                    out.push('"');
                    yaml_double_inside(v, out);
                    self.state = YamlState::Requoted;
                } else {
                    out.push_str(&yaml_double(v));
                }
                self.last_sig = Some('v');
            }
        }
        self.prev = out.chars().next_back().or(self.prev);
        if self.state == YamlState::Requoted {
            // The quote is open: what the template writes next belongs to the scalar.
            self.prev = Some('v');
        }
    }

    fn end(&mut self, out: &mut String) {
        if self.state == YamlState::Requoted {
            self.close_requoted(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lexer fed one character at a time, as [`Lexer::text_run`] does without a fast path.
    struct OneByOne<L>(L);

    impl<L: Lexer> Lexer for OneByOne<L> {
        fn text(&mut self, c: char, out: &mut String) {
            self.0.text(c, out);
        }
        fn value(&mut self, v: &str, next: Option<char>, out: &mut String) {
            self.0.value(v, next, out);
        }
        fn end(&mut self, out: &mut String) {
            self.0.end(out);
        }
    }

    #[test]
    fn runs_of_text_are_lexed_as_their_characters_one_by_one() {
        const PIECES: &[&str] = &[
            "a",
            "Z0",
            " ",
            "\t",
            "\n",
            "\r\n",
            "#",
            "'",
            "\"",
            "\\",
            ";",
            "&",
            "|",
            "(",
            ")",
            "<",
            ">",
            "/",
            "*",
            "{",
            "}",
            "$",
            "%",
            ":",
            "-",
            "[",
            ",",
            "=",
            "é",
            "\u{2028}",
            "\u{85}",
            "\u{b}",
            "\u{c}",
            "\u{a0}",
            "key: ",
            "  - ",
            "resource \"t\" \"",
            "# c ",
            "/*",
            "*/",
            "${",
            "%{",
            "--a ",
            "VALUE",
            "VALUE",
            "VALUE",
        ];
        const VALUES: &[&str] = &[
            "", "vpc-1", "a b", "$(id)", "${x}", "%{y}", "a'b", "x\"y", "{", "}", "$", "%", "1.5",
            "yes", "a\nb", "\u{2028}", "*/", "#x", "é", "x: y", "- z", "\\",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..4000 {
            let mut t = String::new();
            for _ in 0..next(40) {
                match PIECES[next(PIECES.len())] {
                    "VALUE" => t.push_str(&mark(VALUES[next(VALUES.len())])),
                    p => t.push_str(p),
                }
            }
            assert_eq!(
                finish_with(Shell::default(), &t),
                finish_with(OneByOne(Shell::default()), &t),
                "shell {t:?}"
            );
            assert_eq!(
                finish_with(Hcl::default(), &t),
                finish_with(OneByOne(Hcl::default()), &t),
                "hcl {t:?}"
            );
            assert_eq!(
                finish_with(Yaml::default(), &t),
                finish_with(OneByOne(Yaml::default()), &t),
                "yaml {t:?}"
            );
        }
    }

    fn snip(lang: Lang, template: &str, v: &str) -> String {
        let rendered = template.replace("{}", &mark(v));
        finish(lang, &rendered).unwrap()
    }

    #[test]
    fn marks_round_trip_and_clean_text_is_untouched() {
        assert_eq!(finish(Lang::Shell, "aws ec2 x").unwrap(), "aws ec2 x");
        let v = "a'b\n\u{2028}é$(x)";
        assert_eq!(
            snip(Lang::Shell, "x '{}'", v),
            format!("x '{}'", v.replace('\'', r"'\''"))
        );
        assert!(finish(Lang::Shell, "a \u{e000}zz\u{e001}").is_err());
        assert!(finish(Lang::Shell, "a \u{e000}61").is_err());
    }

    #[test]
    fn shell_values_are_one_word_in_every_position() {
        assert_eq!(
            snip(Lang::Shell, "aws --x {}", "eu-west-1"),
            "aws --x eu-west-1"
        );
        assert_eq!(snip(Lang::Shell, "aws --x {}", "$(id)"), "aws --x '$(id)'");
        assert_eq!(snip(Lang::Shell, "aws --x {}", ""), "aws --x ''");
        assert_eq!(snip(Lang::Shell, "aws --x {}", "a'b"), r"aws --x 'a'\''b'");
        assert_eq!(
            snip(Lang::Shell, "aws --x /p/{}", "a b"),
            "aws --x /p/'a b'"
        );
        assert_eq!(
            snip(Lang::Shell, "aws --x '{}'", "a'b"),
            r"aws --x 'a'\''b'"
        );
        assert_eq!(snip(Lang::Shell, "aws --x \"{}\"", "ok"), "aws --x \"ok\"");
        assert_eq!(
            snip(Lang::Shell, "aws --x \"p/{}\"", "$HOME!"),
            "aws --x \"p/\"'$HOME!'\"\""
        );
    }

    #[test]
    fn shell_comments_lose_line_terminators_but_not_their_words() {
        for t in ["\r", "\n", "\u{85}", "\u{2028}", "\u{2029}"] {
            let out = snip(Lang::Shell, "# x {} y\necho {}", &format!("a{t}rm -rf /"));
            // In the comment the value loses its line break; as an argument it keeps it.
            assert_eq!(out, format!("# x a rm -rf / y\necho 'a{t}rm -rf /'"));
        }
        // `#` inside a word is not a comment.
        assert_eq!(snip(Lang::Shell, "echo a#{}", "$x"), "echo a#'$x'");
    }

    #[test]
    fn terraform_strings_hold_the_value_and_nothing_runs() {
        assert_eq!(
            snip(Lang::Terraform, "x = \"{}\"", "vpc-1"),
            "x = \"vpc-1\""
        );
        assert_eq!(
            snip(Lang::Terraform, "x = \"{}\"", "${file(\"x\")}%{if}\\\n"),
            r#"x = "$${file(\"x\")}%%{if}\\\n""#
        );
        assert_eq!(
            snip(Lang::Terraform, "x = \"{}\"", "a\u{2028}b"),
            "x = \"a\\u2028b\""
        );
        // The template's `$` before the value, or the value's `$` before the template's `{`.
        assert_eq!(snip(Lang::Terraform, "x = \"${}\"", "{a}"), "x = \"$${a}\"");
        assert_eq!(
            snip(Lang::Terraform, "x = \"{}{a}\"", "a$"),
            "x = \"a$${a}\""
        );
        // After an interpolation of the template the string goes on.
        assert_eq!(
            snip(Lang::Terraform, "x = \"${var.a}/{}\"", "a\"b"),
            "x = \"${var.a}/a\\\"b\""
        );
    }

    #[test]
    fn terraform_names_are_reduced_the_same_way_everywhere() {
        let t = "resource \"aws_flow_log\" \"fl_{}\" {\n  log_destination = aws_x.fl_{}.arn\n  vpc_id = \"{}\"\n}";
        let out = snip(Lang::Terraform, t, "a\"b");
        let name = hcl_name("a\"b");
        assert!(name.starts_with("a_b_") && name.len() == 12, "{name}");
        assert_eq!(
            out,
            format!(
                "resource \"aws_flow_log\" \"fl_{name}\" {{\n  log_destination = aws_x.fl_{name}.arn\n  vpc_id = \"a\\\"b\"\n}}"
            )
        );
        assert_eq!(hcl_name("vpc-0abc_1"), "vpc-0abc_1");
        assert_ne!(hcl_name("a.b"), hcl_name("a/b"));
        assert_eq!(hcl_name("").len(), 9);
        assert_eq!(hcl_name(&"x".repeat(10_000)), "x".repeat(10_000));
        assert_eq!(hcl_name(&format!("{}$", "x".repeat(10_000))).len(), 64 + 9);
    }

    #[test]
    fn terraform_comments_lose_line_terminators() {
        let out = snip(Lang::Terraform, "# {}\n/* {} */\nx = 1", "a\nb */ c");
        assert_eq!(out, "# a b */ c\n/* a b * / c */\nx = 1");
    }

    #[test]
    fn cloudformation_plain_scalars_only_when_they_read_back_as_text() {
        let y = |t: &str, v: &str| snip(Lang::CloudFormation, t, v);
        assert_eq!(y("  ResourceId: {}", "vpc-1"), "  ResourceId: vpc-1");
        assert_eq!(y("  ResourceId: {}", "!Ref x"), "  ResourceId: \"!Ref x\"");
        assert_eq!(y("  ResourceId: {}", "true"), "  ResourceId: \"true\"");
        assert_eq!(y("  ResourceId: {}", "-x"), "  ResourceId: \"-x\"");
        assert_eq!(y("  ResourceId: {}", "a: b"), "  ResourceId: \"a: b\"");
        assert_eq!(
            y("  ResourceId: {}", "a\u{2028}b"),
            "  ResourceId: \"a\\u2028b\""
        );
        assert_eq!(y("  Name: \"{}\"", "a\"b\n"), "  Name: \"a\\\"b\\n\"");
        assert_eq!(y("  Name: '{}'", "a'b\nc"), "  Name: 'a''b c'");
        assert_eq!(y("  # {} x\n  A: 1", "a\nB: 2"), "  # a B: 2 x\n  A: 1");
        assert_eq!(y("  FlowLog{}:\n", "0"), "  FlowLog0:\n");
    }

    #[test]
    fn cloudformation_values_inside_plain_scalars_quote_the_whole_scalar() {
        let y = |t: &str, v: &str| snip(Lang::CloudFormation, t, v);
        assert_eq!(
            y("  Name: /a/{}\n  B: 1", "vpc-1"),
            "  Name: /a/vpc-1\n  B: 1"
        );
        assert_eq!(
            y("  Name: /a/{}/b # c\n  B: 1", "x: #y"),
            "  Name: \"/a/x: #y/b\" # c\n  B: 1"
        );
        assert_eq!(y("  Key{}: 1", "a b"), "  \"Keya b\": 1");
        assert_eq!(y("  Name: {}/b", "a b"), "  Name: \"a b/b\"");
        assert_eq!(y("  Name: {}", "a b"), "  Name: \"a b\"");
        assert_eq!(y("- {}", "a\nb"), "- \"a\\nb\"");
    }

    #[test]
    fn bidi_controls_are_escaped_in_code_and_blanked_in_comments() {
        let v = "a\u{202e}b";
        assert_eq!(snip(Lang::Shell, "# {}", v), "# a b");
        assert_eq!(snip(Lang::Shell, "x {}", v), format!("x '{v}'"));
        assert_eq!(snip(Lang::Terraform, "x = \"{}\"", v), "x = \"a\\u202eb\"");
        // Both quoted forms share one escaper, the byte-order mark included.
        assert_eq!(hcl_string("a\u{feff}b"), "a\\ufeffb");
        assert_eq!(yaml_double("a\u{feff}b"), "\"a\\ufeffb\"");
        assert_eq!(snip(Lang::CloudFormation, "x: {}", v), "x: \"a\\u202eb\"");
    }
}

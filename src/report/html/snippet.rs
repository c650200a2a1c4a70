//! Texts that repeat from result to result but for the ids in them (remediation snippets,
//! messages, ARNs), stored once as a template with the ids left out.
//!
//! A template is a JSON array of parts: a string is literal text, a number `n` is the `n`th value
//! of the result's resource: 0 its id, 1 its account id, 2 its region, 3 its name ([`VALUES`]);
//! from [`FIRST_OWN`] on, a value of the result itself, each word with a digit of its texts (the
//! ids and generated names a snippet holds besides the resource's: flow logs, log groups). The
//! page's script expands a template by joining its parts with the numbers replaced by the values;
//! the expansion is exactly the original text, checked here when the template is made: the
//! values are the very words taken out of it.
//!
//! Only values made of letters, digits, `-` and `_` are taken out of a text: a snippet writes a
//! value escaped for its language (HCL, YAML, a shell), and such a value is written the same in
//! every one of them, so replacing its occurrences never touches an escape sequence.

use serde_json::Value;
use std::collections::HashMap;

/// What the numbers of a template stand for, in order.
pub const VALUES: [&str; 4] = ["resource id", "account id", "region", "resource name"];

/// The values of a resource, in the order of [`VALUES`].
pub type Values<'a> = [&'a str; 4];

/// Values shorter than this are left in the text: they are not worth a part of their own.
const SHORTEST: usize = 4;

/// Whether `v` may be taken out of a text.
fn plain(v: &str) -> bool {
    v.len() >= SHORTEST
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The first number of a template that stands for a value of the result itself: `n` is the
/// result's own value `n - FIRST_OWN`.
pub const FIRST_OWN: usize = VALUES.len();

fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Whether a word (letters, digits, `-`, `_`) of a text is taken out as a value of the result:
/// one with a digit, as the ids and generated names a text holds (`fl-0a1b`, `flow-28892`).
fn own_word(w: &str) -> bool {
    w.len() >= SHORTEST && w.bytes().any(|b| b.is_ascii_digit())
}

fn push_text(out: &mut Vec<Value>, t: &str) {
    if !t.is_empty() {
        out.push(Value::String(t.to_string()));
    }
}

/// The parts of the literal text `t`, its words with a digit taken out into `own`.
fn take_words(t: &str, own: &mut Vec<String>, out: &mut Vec<Value>) {
    let b = t.as_bytes();
    let (mut i, mut from) = (0, 0);
    while i < b.len() {
        if !word_byte(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && word_byte(b[i]) {
            i += 1;
        }
        let w = &t[start..i];
        if own_word(w) {
            push_text(out, &t[from..start]);
            let k = match own.iter().position(|x| x == w) {
                Some(k) => k,
                None => {
                    own.push(w.to_string());
                    own.len() - 1
                }
            };
            out.push(Value::from(FIRST_OWN + k));
            from = i;
        }
    }
    push_text(out, &t[from..]);
}

/// The parts of `text` with every occurrence of a plain value of `values` replaced by its index
/// (the earliest occurrence first; at one position, the longest value), and, given `own`, every
/// other word with a digit replaced by the number of its place in `own` (added there if new).
pub fn parts(text: &str, values: Values<'_>, own: Option<&mut Vec<String>>) -> Vec<Value> {
    let p = resource_parts(text, values);
    let Some(own) = own else {
        return p;
    };
    let mut out = Vec::with_capacity(p.len());
    for part in p {
        match part {
            Value::String(t) => take_words(&t, own, &mut out),
            n => out.push(n),
        }
    }
    if out.is_empty() {
        out.push(Value::String(String::new()));
    }
    out
}

fn resource_parts(text: &str, values: Values<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = text;
    let usable: Vec<(usize, &str)> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| plain(v))
        .map(|(i, v)| (i, *v))
        .collect();
    loop {
        let next = usable
            .iter()
            .filter_map(|(i, v)| rest.find(v).map(|at| (at, std::cmp::Reverse(v.len()), *i)))
            .min();
        match next {
            Some((at, std::cmp::Reverse(len), i)) => {
                if at > 0 {
                    out.push(Value::String(rest[..at].to_string()));
                }
                out.push(Value::from(i));
                rest = &rest[at + len..];
            }
            None => {
                if !rest.is_empty() || out.is_empty() {
                    out.push(Value::String(rest.to_string()));
                }
                return out;
            }
        }
    }
}

/// The text of a template's parts with `values` and the result's `own` values put in: the
/// inverse of [`parts`].
pub fn expand(parts: &[Value], values: Values<'_>, own: &[String]) -> Option<String> {
    let mut s = String::new();
    for p in parts {
        match p {
            Value::String(t) => s.push_str(t),
            Value::Number(n) => {
                let n = usize::try_from(n.as_u64()?).ok()?;
                match n.checked_sub(FIRST_OWN) {
                    Some(k) => s.push_str(own.get(k)?),
                    None => s.push_str(values.get(n)?),
                }
            }
            _ => return None,
        }
    }
    Some(s)
}

/// The templates of a page, each stored once.
#[derive(Default)]
pub struct Templates {
    index: HashMap<String, usize>,
    /// Each template's parts as JSON text, in the order they were first seen.
    list: Vec<String>,
    /// The bytes of `list`.
    bytes: usize,
}

impl Templates {
    /// The index of the template of `text` for a resource of these values; given `own`, the
    /// result's own values (see [`parts`]).
    pub fn of(
        &mut self,
        text: &str,
        values: Values<'_>,
        mut own: Option<&mut Vec<String>>,
    ) -> usize {
        let mut p = parts(text, values, own.as_deref_mut());
        let own_now: &[String] = own.as_deref().map_or(&[], |v| v.as_slice());
        if expand(&p, values, own_now).as_deref() != Some(text) {
            p = vec![Value::String(text.to_string())];
        }
        let json = Value::Array(p).to_string();
        if let Some(i) = self.index.get(&json) {
            return *i;
        }
        let i = self.list.len();
        self.bytes += json.len() + 1;
        self.index.insert(json.clone(), i);
        self.list.push(json);
        i
    }

    /// The size of the templates as the page writes them.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The templates, as a JSON array.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (n, t) in self.list.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(t.as_bytes());
        }
        out.push(b']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_with_a_digit_become_the_results_own_values() {
        let t = "# log group /vpc/flow-28892 keeps events 30 days\naws logs put-retention-policy --log-group-name '/vpc/flow-28892' --region eu-west-1 # fl-0a1b_x\\nflow-28892";
        let mut own = Vec::new();
        let p = parts(t, V, Some(&mut own));
        assert_eq!(own, ["flow-28892", "fl-0a1b_x", "nflow-28892"]);
        assert_eq!(expand(&p, V, &own).unwrap(), t);
        // Another result's text of the same form has the same parts.
        let mut own2 = Vec::new();
        let t2 = t.replace("28892", "7").replace("0a1b", "9f9f");
        assert_eq!(parts(&t2, V, Some(&mut own2)), p);
        assert_eq!(own2[0], "flow-7");
        let mut ts = Templates::default();
        let mut o = Vec::new();
        assert_eq!(
            ts.of(t, V, Some(&mut o)),
            ts.of(&t2, V, Some(&mut Vec::new()))
        );
        // Numbers past the own values do not expand.
        assert_eq!(expand(&[Value::from(FIRST_OWN + 5)], V, &own), None);
    }

    const V: Values = ["vpc-0abc1234", "123456789012", "eu-west-1", ""];

    #[test]
    fn ids_become_numbers_and_expand_back_exactly() {
        let t = "resource \"aws_flow_log\" \"vpc-0abc1234\" {\n  vpc_id = \"vpc-0abc1234\" # eu-west-1 123456789012\n}";
        let p = parts(t, V, None);
        assert_eq!(p.iter().filter(|x| x.is_number()).count(), 4);
        assert_eq!(expand(&p, V, &[]).unwrap(), t);
        // The same text for another VPC gives the same parts.
        let other = ["vpc-0fff", "210987654321", "us-east-1", ""];
        let t2 = t
            .replace("vpc-0abc1234", other[0])
            .replace("123456789012", other[1])
            .replace("eu-west-1", other[2]);
        assert_eq!(parts(&t2, other, None), p);
    }

    #[test]
    fn values_that_are_not_plain_stay_in_the_text() {
        let v = ["vpc-\"x\"", "123456789012", "eu", "two words"];
        let t = "id vpc-\"x\" in eu of 123456789012, two words";
        let p = parts(t, v, None);
        assert_eq!(p.iter().filter(|x| x.is_number()).count(), 1);
        assert_eq!(expand(&p, v, &[]).unwrap(), t);
        assert_eq!(parts("", v, None), vec![Value::String(String::new())]);
        assert_eq!(
            parts("", v, Some(&mut Vec::new())),
            vec![Value::String(String::new())]
        );
    }

    #[test]
    fn overlapping_values_take_the_longest_and_a_template_is_stored_once() {
        let v = ["eu-west-1-vpc", "123456789012", "eu-west-1", "west"];
        let t = "eu-west-1-vpc eu-west-1";
        let p = parts(t, v, None);
        assert_eq!(p, vec![Value::from(0), Value::from(" "), Value::from(2)]);
        let mut ts = Templates::default();
        let a = ts.of(t, v, None);
        let b = ts.of(
            "x-west-1-vpc x-west-1",
            ["x-west-1-vpc", "123456789012", "x-west-1", "west"],
            None,
        );
        assert_eq!(a, b);
        let mut out = Vec::new();
        ts.write_json(&mut out);
        assert_eq!(String::from_utf8(out).unwrap(), r#"[[0," ",2]]"#);
    }
}

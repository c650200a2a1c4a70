//! Texts that repeat from result to result but for the ids in them (remediation snippets,
//! messages, ARNs), stored once as a template with the ids left out.
//!
//! A template is a JSON array of parts: a string is literal text, a number `n` is the `n`th value
//! of the result's resource: 0 its id, 1 its account id, 2 its region, 3 its name ([`VALUES`]). The page's
//! script expands a template by joining its parts with the numbers replaced by the values; the
//! expansion is exactly the original text, checked here when the template is made.
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

/// The parts of `text` with every occurrence of a plain value of `values` replaced by its index
/// (the earliest occurrence first; at one position, the longest value).
pub fn parts(text: &str, values: Values<'_>) -> Vec<Value> {
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

/// The text of a template's parts with `values` put in: the inverse of [`parts`].
pub fn expand(parts: &[Value], values: Values<'_>) -> Option<String> {
    let mut s = String::new();
    for p in parts {
        match p {
            Value::String(t) => s.push_str(t),
            Value::Number(n) => s.push_str(values.get(usize::try_from(n.as_u64()?).ok()?)?),
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
    /// The index of the template of `text` for a resource of these values.
    pub fn of(&mut self, text: &str, values: Values<'_>) -> usize {
        let mut p = parts(text, values);
        if expand(&p, values).as_deref() != Some(text) {
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

    const V: Values = ["vpc-0abc1234", "123456789012", "eu-west-1", ""];

    #[test]
    fn ids_become_numbers_and_expand_back_exactly() {
        let t = "resource \"aws_flow_log\" \"vpc-0abc1234\" {\n  vpc_id = \"vpc-0abc1234\" # eu-west-1 123456789012\n}";
        let p = parts(t, V);
        assert_eq!(p.iter().filter(|x| x.is_number()).count(), 4);
        assert_eq!(expand(&p, V).unwrap(), t);
        // The same text for another VPC gives the same parts.
        let other = ["vpc-0fff", "210987654321", "us-east-1", ""];
        let t2 = t
            .replace("vpc-0abc1234", other[0])
            .replace("123456789012", other[1])
            .replace("eu-west-1", other[2]);
        assert_eq!(parts(&t2, other), p);
    }

    #[test]
    fn values_that_are_not_plain_stay_in_the_text() {
        let v = ["vpc-\"x\"", "123456789012", "eu", "two words"];
        let t = "id vpc-\"x\" in eu of 123456789012, two words";
        let p = parts(t, v);
        assert_eq!(p.iter().filter(|x| x.is_number()).count(), 1);
        assert_eq!(expand(&p, v).unwrap(), t);
        assert_eq!(parts("", v), vec![Value::String(String::new())]);
    }

    #[test]
    fn overlapping_values_take_the_longest_and_a_template_is_stored_once() {
        let v = ["eu-west-1-vpc", "123456789012", "eu-west-1", "west"];
        let t = "eu-west-1-vpc eu-west-1";
        let p = parts(t, v);
        assert_eq!(p, vec![Value::from(0), Value::from(" "), Value::from(2)]);
        let mut ts = Templates::default();
        let a = ts.of(t, v);
        let b = ts.of(
            "x-west-1-vpc x-west-1",
            ["x-west-1-vpc", "123456789012", "x-west-1", "west"],
        );
        assert_eq!(a, b);
        let mut out = Vec::new();
        ts.write_json(&mut out);
        assert_eq!(String::from_utf8(out).unwrap(), r#"[[0," ",2]]"#);
    }
}

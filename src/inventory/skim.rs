//! The JSON skimmer: follows the structure of an inventory text (strings and brackets) without
//! parsing it, to take out the resources before the head is parsed, and to find the position of
//! a value by its path for error messages.

use crate::kinds::ResourceKind;

/// The inventory text with the value of each region entry's resource lists (`vpcs`,
/// `transit_gateways`: [`ResourceKind::field`]) replaced by `[]`, found by following the JSON
/// structure (strings and brackets) rather than parsing it, which is many times faster. `None`
/// when the text does not have the expected shape; a malformed text is not detected here (the
/// parse of the result, or of the resources, reports it).
pub(super) fn without_resources(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(1 << 14);
    let mut copied = 0;
    let mut i = ws(b, 0);
    let mut top = Object::open(b, &mut i)?;
    while let Some(key) = top.key(b, &mut i)? {
        if key != b"regions" {
            i = skip_value(b, i)?;
            continue;
        }
        if b.get(i) != Some(&b'[') {
            return None;
        }
        i = ws(b, i + 1);
        if b.get(i) == Some(&b']') {
            i += 1;
            continue;
        }
        loop {
            let mut entry = Object::open(b, &mut i)?;
            while let Some(key) = entry.key(b, &mut i)? {
                let end = skip_value(b, i)?;
                if is_resource_field(key) {
                    out.extend_from_slice(&b[copied..i]);
                    out.extend_from_slice(b"[]");
                    copied = end;
                }
                i = end;
            }
            i = ws(b, i);
            match b.get(i) {
                Some(b',') => i = ws(b, i + 1),
                Some(b']') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    out.extend_from_slice(&b[copied..]);
    Some(out)
}

/// The members of a JSON object being walked by [`without_resources`].
struct Object {
    first: bool,
}

impl Object {
    /// Step over `{` at `*i`.
    fn open(b: &[u8], i: &mut usize) -> Option<Object> {
        (b.get(*i) == Some(&b'{')).then(|| {
            *i += 1;
            Object { first: true }
        })
    }

    /// The next key (its raw bytes), leaving `*i` at its value; `Some(None)` after the
    /// closing `}`, which `*i` is then past.
    fn key<'b>(&mut self, b: &'b [u8], i: &mut usize) -> Option<Option<&'b [u8]>> {
        *i = ws(b, *i);
        match b.get(*i)? {
            b'}' => {
                *i += 1;
                return Some(None);
            }
            b',' if !self.first => *i = ws(b, *i + 1),
            _ if self.first => {}
            _ => return None,
        }
        self.first = false;
        let start = *i;
        let end = skip_string(b, start)?;
        let colon = ws(b, end);
        if b.get(colon) != Some(&b':') {
            return None;
        }
        *i = ws(b, colon + 1);
        Some(Some(&b[start + 1..end - 1]))
    }
}

/// The index after the whitespace at `i`.
fn ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// The index after the string that starts (with its quote) at `i`.
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        j += memchr::memchr2(b'"', b'\\', b.get(j..)?)?;
        if b[j] == b'"' {
            return Some(j + 1);
        }
        j += 2;
    }
}

/// The index after the value that starts at `i`: a string, an array or object (brackets
/// counted, strings stepped over), or a scalar.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => skip_string(b, i),
        b'[' | b'{' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                // Between strings there are only a few bytes (`": "`, `, `, numbers,
                // indentation): step to the next one that matters.
                j += b
                    .get(j..)?
                    .iter()
                    .position(|c| matches!(c, b'"' | b'[' | b'{' | b']' | b'}'))?;
                match b[j] {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'[' | b'{' => depth += 1,
                    _ => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                }
                j += 1;
            }
        }
        _ => {
            let n = b[i..]
                .iter()
                .position(|c| matches!(c, b',' | b']' | b'}') || c.is_ascii_whitespace())
                .unwrap_or(b.len() - i);
            (n > 0).then_some(i + n)
        }
    }
}

/// True when `key` (raw bytes) is the field of a region entry that lists a resource kind.
fn is_resource_field(key: &[u8]) -> bool {
    ResourceKind::ALL
        .iter()
        .any(|k| k.field().as_bytes() == key)
}

/// The offset of the value at `path` (`regions[0].vpcs[3].id`) in the JSON `text`, found by
/// following its structure as [`without_resources`] does; `None` when it cannot be followed.
pub(super) fn locate(b: &[u8], path: &str) -> Option<usize> {
    let mut i = ws(b, 0);
    for segment in path.split('.') {
        let (key, mut indices) = segment.split_at(segment.find('[').unwrap_or(segment.len()));
        let mut object = Object::open(b, &mut i)?;
        while object.key(b, &mut i)?? != key.as_bytes() {
            i = skip_value(b, i)?;
        }
        while let Some(rest) = indices.strip_prefix('[') {
            let (n, after) = rest.split_once(']')?;
            indices = after;
            if b.get(i) != Some(&b'[') {
                return None;
            }
            i = ws(b, i + 1);
            for _ in 0..n.parse::<usize>().ok()? {
                i = ws(b, skip_value(b, i)?);
                if b.get(i) != Some(&b',') {
                    return None;
                }
                i = ws(b, i + 1);
            }
        }
    }
    Some(i)
}

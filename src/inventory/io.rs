//! Loading and saving inventories, with errors that name the file and position.

use super::validate::{self, Invalid};
use super::{FlowLog, INVENTORY_SCHEMA, Inventory, InventoryHead, TransitGateway, Vpc, VpcBatch};
use crate::error::Error;
use crate::term::{Escaped, escape};
use std::path::Path;

/// Read and validate an inventory file.
pub fn load(path: &Path) -> Result<Inventory, Error> {
    InventoryFile::read(path)?.load()
}

/// An inventory file read into memory, to be parsed whole ([`InventoryFile::load`]) or in
/// parts: its head ([`InventoryFile::head`]), then its VPCs a batch at a time
/// ([`InventoryFile::stream_vpcs`]), so that the parsed inventory is never held whole. The
/// text is several times smaller than the parsed inventory, and parsing it from memory is
/// about twice as fast as from a reader.
pub struct InventoryFile {
    origin: String,
    bytes: Vec<u8>,
}

impl InventoryFile {
    /// Read the file (a regular file or a pipe).
    pub fn read(path: &Path) -> Result<InventoryFile, Error> {
        let bytes = read_file(path).map_err(|e| cannot_read(path, e))?;
        Ok(InventoryFile {
            origin: path.display().to_string(),
            bytes,
        })
    }

    /// Parse and validate the whole inventory.
    pub fn load(&self) -> Result<Inventory, Error> {
        // Parsed without tracking the field path, which costs time on every value; only a
        // text that fails is parsed a second time, with tracking, to say where it is wrong.
        match serde_json::from_slice::<Inventory>(&self.bytes) {
            Ok(inv) => check(Ok(inv), &self.origin, &self.bytes),
            Err(_) => check(
                serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(
                    &self.bytes,
                )),
                &self.origin,
                &self.bytes,
            ),
        }
    }

    /// The inventory's head: everything but the contents of its regions. Errors name the
    /// file and position, as [`InventoryFile::load`]'s do.
    pub fn head(&self) -> Result<InventoryHead, Error> {
        // Parsing the VPCs only to skip them takes most of the time: the text without them is
        // parsed instead when its structure allows, the whole text otherwise (or on any error,
        // so that errors are the same).
        let fast = without_vpcs(&self.bytes)
            .and_then(|text| serde_json::from_slice::<InventoryHead>(&text).ok());
        match fast
            .map(Ok)
            .unwrap_or_else(|| serde_json::from_slice::<InventoryHead>(&self.bytes))
        {
            Ok(head) => {
                check_schema(&head.schema, &self.origin)?;
                validate::head(&head).map_err(|e| refused(&e, &self.origin, &self.bytes))?;
                Ok(head)
            }
            Err(_) => self.load().map(|inv| inv.head()),
        }
    }

    /// Parse the VPCs in batches of up to `batch`, handing each batch to `on_batch` with the
    /// index of its region entry; a region entry's transit gateways come as one batch of their
    /// own (without VPCs), where the entry holds them. Meant to follow [`InventoryFile::head`], which reads
    /// everything else (the region entries' accounts and names included). Each region entry
    /// is still checked whole (unknown fields, `other_flow_logs`, the shapes of its values,
    /// see [`validate`]); a batch holds only VPCs whose values passed. An error from
    /// `on_batch` stops the parsing and is returned; a malformed inventory gives
    /// [`InventoryFile::load`]'s positioned error, a refused value its own.
    pub fn stream_vpcs(
        &self,
        batch: usize,
        on_batch: &mut dyn FnMut(VpcBatch) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut de = serde_json::Deserializer::from_slice(&self.bytes);
        let mut sink = Sink {
            on_batch,
            batch: batch.max(1),
            failed: None,
            invalid: None,
        };
        match serde::de::DeserializeSeed::deserialize(Top(&mut sink), &mut de)
            .and_then(|()| de.end())
        {
            Ok(()) => Ok(()),
            Err(_) if sink.failed.is_some() => Err(sink.failed.take().expect("checked")),
            Err(_) if sink.invalid.is_some() => Err(refused(
                &sink.invalid.take().expect("checked"),
                &self.origin,
                &self.bytes,
            )),
            // Parse the whole text again, tracking the path, to say where it is wrong.
            Err(e) => Err(match self.load() {
                Err(positioned) => positioned,
                Ok(_) => Error::internal(format!(
                    "{}:{}:{}: the inventory parsed whole but not in batches: {}",
                    escape(&self.origin),
                    e.line(),
                    e.column(),
                    Escaped(&e)
                )),
            }),
        }
    }
}

/// The bytes of a file. A large regular file is read in parts on several threads: most of the
/// cost of reading is the kernel's filling fresh memory, which then runs on every core
/// rather than on one while the others wait.
pub(super) fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::FileExt;
    const PART: usize = 16 << 20;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let Ok(len) = usize::try_from(meta.len()) else {
        return std::fs::read(path);
    };
    if !meta.is_file() || threads < 2 || len < 2 * PART {
        return std::fs::read(path);
    }
    // Zeroed memory from the allocator is fresh from the system, so nothing touches it
    // before the reads do.
    let mut buf = vec![0u8; len];
    let per = len.div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = buf
            .chunks_mut(per)
            .enumerate()
            .map(|(i, part)| {
                let file = &file;
                s.spawn(move || file.read_exact_at(part, (i * per) as u64))
            })
            .collect();
        parts.into_iter().try_for_each(|p| {
            p.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })?;
    // A file that grew meanwhile is read to its end, as a plain read would.
    let mut rest = &file;
    std::io::Seek::seek(&mut rest, std::io::SeekFrom::Start(len as u64))?;
    rest.read_to_end(&mut buf)?;
    Ok(buf)
}

/// The inventory text with the value of each region entry's `vpcs` replaced by `[]`, found by
/// following the JSON structure (strings and brackets) rather than parsing it, which is many
/// times faster. `None` when the text does not have the expected shape; a malformed text is
/// not detected here (the parse of the result, or of the VPCs, reports it).
pub(super) fn without_vpcs(b: &[u8]) -> Option<Vec<u8>> {
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
                if key == b"vpcs" {
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

/// The members of a JSON object being walked by [`without_vpcs`].
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

/// Where [`InventoryFile::stream_vpcs`] hands its batches, and the error that stopped it:
/// the callback's, or a refused value.
struct Sink<'a> {
    on_batch: &'a mut dyn FnMut(VpcBatch) -> Result<(), Error>,
    batch: usize,
    failed: Option<Error>,
    invalid: Option<Invalid>,
}

impl Sink<'_> {
    fn hand<E: serde::de::Error>(&mut self, b: VpcBatch) -> Result<(), E> {
        (self.on_batch)(b).map_err(|e| {
            self.failed = Some(e);
            E::custom("stopped")
        })
    }

    /// Stop the parsing at a value of the wrong shape; `checked` names its path within the
    /// region entry `region`.
    fn check<E: serde::de::Error>(
        &mut self,
        region: usize,
        checked: Result<(), Invalid>,
    ) -> Result<(), E> {
        checked.map_err(|e| {
            self.invalid = Some(e.within(format_args!("regions[{region}]")));
            E::custom("refused value")
        })
    }
}

/// Visits the top-level object: each element of `regions`, skipping the rest (which
/// [`InventoryFile::head`] has read).
struct Top<'s, 'a>(&'s mut Sink<'a>);

impl<'de> serde::de::DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Top<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a flowaudit inventory object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "regions" {
                map.next_value_seed(Regions(&mut *self.0))?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Visits the `regions` array one entry at a time.
struct Regions<'s, 'a>(&'s mut Sink<'a>);

impl<'de> serde::de::DeserializeSeed<'de> for Regions<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Regions<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of regions")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while seq
            .next_element_seed(Region {
                sink: &mut *self.0,
                index,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }
}

/// Visits one region entry: its VPCs in batches; its other fields checked and dropped.
struct Region<'s, 'a> {
    sink: &'s mut Sink<'a>,
    index: usize,
}

const REGION_FIELDS: &[&str] = &[
    "account_id",
    "region",
    "vpcs",
    "other_flow_logs",
    "transit_gateways",
];

impl<'de> serde::de::DeserializeSeed<'de> for Region<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Region<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a region entry")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        use serde::de::Error as _;
        let mut seen = [false; 5];
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let Some(field) = REGION_FIELDS.iter().position(|f| *f == key) else {
                return Err(A::Error::unknown_field(&key, REGION_FIELDS));
            };
            if std::mem::replace(&mut seen[field], true) {
                return Err(A::Error::duplicate_field(REGION_FIELDS[field]));
            }
            match field {
                0 => {
                    let account = map.next_value::<String>()?;
                    let checked = validate::field("account_id", &account, validate::account_id);
                    self.sink.check(self.index, checked)?;
                }
                1 => {
                    let region = map.next_value::<String>()?;
                    let checked = validate::field("region", &region, validate::region);
                    self.sink.check(self.index, checked)?;
                }
                2 => map.next_value_seed(Vpcs {
                    sink: &mut *self.sink,
                    index: self.index,
                })?,
                4 => {
                    let tgws = map.next_value::<Vec<TransitGateway>>()?;
                    for (i, t) in tgws.iter().enumerate() {
                        let checked = validate::transit_gateway(t)
                            .map_err(|e| e.within(format_args!("transit_gateways[{i}]")));
                        self.sink.check(self.index, checked)?;
                    }
                    if !tgws.is_empty() {
                        self.sink.hand(VpcBatch {
                            region: self.index,
                            vpcs: Vec::new(),
                            transit_gateways: tgws,
                        })?;
                    }
                }
                _ => {
                    let logs = map.next_value::<Vec<FlowLog>>()?;
                    for (i, log) in logs.iter().enumerate() {
                        let checked = validate::flow_log(log)
                            .map_err(|e| e.within(format_args!("other_flow_logs[{i}]")));
                        self.sink.check(self.index, checked)?;
                    }
                }
            }
        }
        for (field, name) in REGION_FIELDS.iter().enumerate().take(3) {
            if !seen[field] {
                return Err(A::Error::missing_field(name));
            }
        }
        Ok(())
    }
}

/// Visits a region's `vpcs` array, handing the VPCs on in batches.
struct Vpcs<'s, 'a> {
    sink: &'s mut Sink<'a>,
    index: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for Vpcs<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Vpcs<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of VPCs")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let size = self.sink.batch;
        let mut vpcs = Vec::with_capacity(size);
        let mut at = 0usize;
        while let Some(v) = seq.next_element::<Vpc>()? {
            let checked = validate::vpc(&v).map_err(|e| e.within(format_args!("vpcs[{at}]")));
            self.sink.check(self.index, checked)?;
            at += 1;
            vpcs.push(v);
            if vpcs.len() == size {
                let full = std::mem::replace(&mut vpcs, Vec::with_capacity(size));
                self.sink.hand(VpcBatch {
                    region: self.index,
                    vpcs: full,
                    transit_gateways: Vec::new(),
                })?;
            }
        }
        if !vpcs.is_empty() {
            self.sink.hand(VpcBatch {
                region: self.index,
                vpcs,
                transit_gateways: Vec::new(),
            })?;
        }
        Ok(())
    }
}

fn cannot_read(path: &Path, e: std::io::Error) -> Error {
    Error::input(format!(
        "cannot read inventory file {}: {}",
        Escaped(path.display()),
        Escaped(e)
    ))
}

/// Parse an inventory from text; `origin` names the source in error messages.
pub fn from_str(text: &str, origin: &str) -> Result<Inventory, Error> {
    let de = &mut serde_json::Deserializer::from_str(text);
    check(
        serde_path_to_error::deserialize(de),
        origin,
        text.as_bytes(),
    )
}

/// Turn a parse result into the inventory or an input error naming the position and path:
/// the text's, or that of a value of the wrong shape (`text` is what was parsed).
fn check(
    parsed: Result<Inventory, serde_path_to_error::Error<serde_json::Error>>,
    origin: &str,
    text: &[u8],
) -> Result<Inventory, Error> {
    let inv: Inventory = parsed.map_err(|e| {
        let inner = e.inner();
        if inner.is_io() {
            return Error::input(format!(
                "cannot read inventory file {}: {}",
                escape(origin),
                Escaped(inner)
            ));
        }
        Error::input(format!(
            "{}:{}:{}: invalid inventory at `{}`: {}\n  fix: the file must be a flowaudit inventory ({INVENTORY_SCHEMA}) as written by `flowaudit scan --dump-inventory FILE`; see docs/inventory.md",
            escape(origin),
            inner.line(),
            inner.column(),
            Escaped(e.path()),
            Escaped(inner)
        ))
    })?;
    check_schema(&inv.schema, origin)?;
    validate::inventory(&inv).map_err(|e| refused(&e, origin, text))?;
    Ok(inv)
}

/// The input error for a value of the wrong shape: the file, the line and column of the
/// value when its path can be followed in `text`, the path, the rule and the value escaped.
fn refused(e: &Invalid, origin: &str, text: &[u8]) -> Error {
    let at = match locate(text, &e.path) {
        Some(offset) => {
            let before = &text[..offset];
            let line = memchr::memchr_iter(b'\n', before).count() + 1;
            let column = offset - memchr::memrchr(b'\n', before).map_or(0, |n| n + 1) + 1;
            format!("{origin}:{line}:{column}")
        }
        None => origin.to_string(),
    };
    Error::input(format!(
        "{at}: invalid inventory at {e}\n  fix: values that name AWS resources (ids, account ids, regions, ARNs, KMS keys, log groups) must have the shape AWS gives them; re-create the file with `flowaudit scan --dump-inventory FILE` (see docs/inventory.md, \"Checked values\")"
    ))
}

/// The offset of the value at `path` (`regions[0].vpcs[3].id`) in the JSON `text`, found by
/// following its structure as [`without_vpcs`] does; `None` when it cannot be followed.
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

fn check_schema(schema: &str, origin: &str) -> Result<(), Error> {
    if schema != INVENTORY_SCHEMA {
        return Err(Error::input(format!(
            "{}: field `schema` is {schema:?}, expected {INVENTORY_SCHEMA:?}\n  fix: re-create the file with `flowaudit scan --dump-inventory FILE` using this version of flowaudit",
            escape(origin)
        )));
    }
    Ok(())
}

/// Write an inventory atomically as pretty JSON, owner-only (0600): it holds account details.
pub fn save(inv: &Inventory, path: &Path) -> Result<(), Error> {
    let mut text = serde_json::to_string_pretty(inv).map_err(|e| Error::internal(e.to_string()))?;
    text.push('\n');
    crate::fsutil::write_private(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use crate::inventory::io;
    use crate::inventory::*;
    use std::path::PathBuf;

    fn demo() -> PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-inventory.json")
    }

    /// Stream a file in batches of 2 VPCs; returns the batches.
    fn stream_all(path: &std::path::Path) -> Result<Vec<VpcBatch>, crate::error::Error> {
        let mut got = Vec::new();
        io::InventoryFile::read(path)?.stream_vpcs(2, &mut |b| {
            got.push(b);
            Ok(())
        })?;
        Ok(got)
    }

    #[test]
    fn head_and_streamed_vpcs_are_the_loaded_inventory() {
        let inv = io::load(&demo()).unwrap();
        assert!(inv.regions.len() > 1);
        assert_eq!(
            io::InventoryFile::read(&demo()).unwrap().head().unwrap(),
            inv.head()
        );
        let batches = stream_all(&demo()).unwrap();
        // A batch holds VPCs (up to 2) or a region entry's transit gateways.
        assert!(
            batches
                .iter()
                .all(|b| b.vpcs.is_empty() != b.transit_gateways.is_empty() && b.vpcs.len() <= 2)
        );
        assert!(batches.iter().any(|b| b.vpcs.len() == 2));
        assert!(batches.iter().any(|b| !b.transit_gateways.is_empty()));
        let mut regions: Vec<Vec<Vpc>> = vec![Vec::new(); inv.regions.len()];
        let mut tgws: Vec<Vec<TransitGateway>> = vec![Vec::new(); inv.regions.len()];
        let mut last = 0;
        for b in batches {
            assert!(b.region >= last, "batches come in file order");
            last = b.region;
            regions[b.region].extend(b.vpcs);
            tgws[b.region].extend(b.transit_gateways);
        }
        let expected: Vec<Vec<Vpc>> = inv.regions.iter().map(|r| r.vpcs.clone()).collect();
        assert_eq!(regions, expected);
        let expected: Vec<Vec<TransitGateway>> = inv
            .regions
            .iter()
            .map(|r| r.transit_gateways.clone())
            .collect();
        assert_eq!(tgws, expected);
    }

    #[test]
    fn a_large_file_read_in_parts_is_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        // Not a multiple of any part size, and different in every part.
        let data: Vec<u8> = (0..40_000_003u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        assert!(io::read_file(&path).unwrap() == data);
        let small = dir.path().join("small");
        std::fs::write(&small, b"{}").unwrap();
        assert_eq!(io::read_file(&small).unwrap(), b"{}");
        assert!(io::read_file(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn the_head_is_read_from_the_text_without_its_vpcs_whatever_they_hold() {
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(demo()).unwrap()).unwrap();
        // Brackets, quotes and backslashes in strings, and `vpcs` as a tag key and a nested key.
        let vpc = v["regions"][0]["vpcs"][0].as_object_mut().unwrap();
        vpc.insert(
            "tags".into(),
            serde_json::json!({"vpcs": "]}\"[{", "x\\": "\\\"", "vpcs]": "{\"vpcs\": []}"}),
        );
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("pretty.json", serde_json::to_string_pretty(&v).unwrap()),
            ("compact.json", serde_json::to_string(&v).unwrap()),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, &text).unwrap();
            let reduced = io::without_vpcs(text.as_bytes()).expect("the expected shape");
            let mut expected = v.clone();
            for r in expected["regions"].as_array_mut().unwrap() {
                r["vpcs"] = serde_json::json!([]);
            }
            let got: serde_json::Value = serde_json::from_slice(&reduced).unwrap();
            assert_eq!(got, expected, "{name}");
            let full = io::load(&path).unwrap();
            assert_eq!(
                io::InventoryFile::read(&path).unwrap().head().unwrap(),
                full.head()
            );
        }
        // Anything else is left to the parser.
        for odd in [
            "[]",
            "{\"regions\": 3}",
            "{\"regions\": [1]}",
            "{\"a\" 1}",
            "{\"regions\": [{\"vpcs\": [}",
        ] {
            assert!(io::without_vpcs(odd.as_bytes()).is_none(), "{odd}");
        }
    }

    /// The demo inventory with one VPC field of the last region renamed, in a temporary file.
    fn broken_last_region() -> (tempfile::TempDir, PathBuf, usize) {
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(demo()).unwrap()).unwrap();
        let regions = v["regions"].as_array_mut().unwrap();
        let last = regions.len() - 1;
        let vpc = regions[last]["vpcs"][0].as_object_mut().unwrap();
        let state = vpc.remove("state").unwrap();
        vpc.insert("stat".into(), state);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inv.json");
        std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        (dir, path, last)
    }

    #[test]
    fn a_malformed_region_met_while_streaming_gets_the_positioned_error() {
        let (_dir, path, last) = broken_last_region();
        // The head does not read the VPCs.
        assert!(io::InventoryFile::read(&path).unwrap().head().is_ok());
        let mut seen = std::collections::BTreeSet::new();
        let err = io::InventoryFile::read(&path)
            .unwrap()
            .stream_vpcs(1, &mut |b| {
                seen.insert(b.region);
                Ok(())
            })
            .unwrap_err()
            .to_string();
        assert_eq!(
            seen,
            (0..last).collect(),
            "the VPCs before the broken one were handed over"
        );
        assert!(err.starts_with(&format!("{}:", path.display())), "{err}");
        assert!(err.contains(&format!("regions[{last}].vpcs[0]")), "{err}");
        assert!(err.contains("stat"), "{err}");
        assert!(err.contains("fix:"), "{err}");
    }

    #[test]
    fn an_error_from_the_callback_stops_the_reading_and_is_returned() {
        let mut calls = 0;
        let err = io::InventoryFile::read(&demo())
            .unwrap()
            .stream_vpcs(1, &mut |_| {
                calls += 1;
                Err(crate::error::Error::fatal("disk full"))
            })
            .unwrap_err();
        assert_eq!(calls, 1);
        assert_eq!(err.to_string(), "disk full");
    }

    #[test]
    fn a_value_of_the_wrong_shape_is_refused_on_every_load_path_with_its_position() {
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(demo()).unwrap()).unwrap();
        let last = v["regions"].as_array().unwrap().len() - 1;
        v["regions"][last]["vpcs"][1]["id"] = serde_json::json!("vpc-$(touch x)");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inv.json");
        let text = serde_json::to_string_pretty(&v).unwrap();
        std::fs::write(&path, &text).unwrap();
        let at = text.find("\"vpc-$(touch x)\"").unwrap();
        let line = text[..at].matches('\n').count() + 1;
        let column = at - text[..at].rfind('\n').unwrap();
        let expected = format!(
            "{}:{line}:{column}: invalid inventory at `regions[{last}].vpcs[1].id`: expected `vpc-` followed by 8 or more lowercase hex digits, found \"vpc-$(touch x)\"\n  fix:",
            path.display()
        );
        let file = io::InventoryFile::read(&path).unwrap();
        let whole = file.load().unwrap_err().to_string();
        assert!(whole.starts_with(&expected), "{whole}");
        let text_err = io::from_str(&text, &path.display().to_string())
            .unwrap_err()
            .to_string();
        assert_eq!(text_err, whole);
        // The head does not hold the VPCs; the streamed VPCs stop at the refused one, after
        // handing on the regions before it, and never the refused VPC.
        assert!(file.head().is_ok());
        let mut handed = Vec::new();
        let streamed = file
            .stream_vpcs(1, &mut |b| {
                handed.extend(b.vpcs.into_iter().map(|v| v.id));
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(streamed, crate::error::Error::Input(_)));
        assert_eq!(streamed.to_string(), whole);
        assert!(!handed.is_empty());
        assert!(handed.iter().all(|id| !id.contains('$')), "{handed:?}");

        // A refused value in the head, and in `other_flow_logs`, read streamed.
        let mut h = v.clone();
        h["regions"][last]["vpcs"][1]["id"] = serde_json::json!("vpc-0123abcd");
        h["errors"][0]["account_id"] = serde_json::json!("1234");
        std::fs::write(&path, serde_json::to_string(&h).unwrap()).unwrap();
        let err = io::InventoryFile::read(&path)
            .unwrap()
            .head()
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("{}:1:", path.display()))
                && err.contains(
                    "at `errors[0].account_id`: expected an account id of 12 digits, found \"1234\""
                ),
            "{err}"
        );
        let mut o = h.clone();
        o["errors"][0]["account_id"] = serde_json::json!("111122223333");
        let log = v["regions"][1]["vpcs"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|vpc| vpc["flow_logs"].as_array().unwrap().first().cloned())
            .unwrap();
        let mut log = log;
        log["resource_id"] = serde_json::json!("eni-\u{202e}0123abcd");
        o["regions"][0]["other_flow_logs"] = serde_json::json!([log]);
        std::fs::write(&path, serde_json::to_string_pretty(&o).unwrap()).unwrap();
        let file = io::InventoryFile::read(&path).unwrap();
        assert!(file.head().is_ok());
        let err = file
            .stream_vpcs(2, &mut |_| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("at `regions[0].other_flow_logs[0].resource_id`: expected a resource id")
                && err.contains("\"eni-\\u{202e}0123abcd\""),
            "{err}"
        );
        assert_eq!(file.load().unwrap_err().to_string(), err);
    }

    #[test]
    fn locate_follows_a_path_in_pretty_and_compact_text() {
        let v = serde_json::json!({
            "schema": "s",
            "regions": [
                {"a": [1, {"x": "]"}], "vpcs": [{"id": "v0"}, {"id": "v1", "flow_logs": [{"id": "f"}]}]},
                {"vpcs": []}
            ],
            "errors": [{"region": null}]
        });
        for text in [
            serde_json::to_string_pretty(&v).unwrap(),
            serde_json::to_string(&v).unwrap(),
        ] {
            let b = text.as_bytes();
            let at = |p: &str| io::locate(b, p).map(|i| &text[i..]);
            let starts = |p: &str, with: &str| {
                let got = at(p).unwrap_or_else(|| panic!("{p} not found in {text}"));
                assert!(got.starts_with(with), "{p}: {got}");
            };
            starts("regions[0].vpcs[1].id", "\"v1\"");
            starts("regions[0].vpcs[1].flow_logs[0].id", "\"f\"");
            starts("errors[0].region", "null");
            starts("schema", "\"s\"");
            assert_eq!(at("regions[0].vpcs[2].id"), None);
            assert_eq!(at("regions[2]"), None);
            assert_eq!(at("nothing"), None);
            assert_eq!(at("schema.x"), None);
        }
    }

    #[test]
    fn a_head_with_a_wrong_schema_or_a_bad_error_entry_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(demo()).unwrap();
        let wrong = dir.path().join("schema.json");
        std::fs::write(
            &wrong,
            text.replace(INVENTORY_SCHEMA, "flowaudit/inventory/v9"),
        )
        .unwrap();
        let err = io::InventoryFile::read(&wrong)
            .unwrap()
            .head()
            .unwrap_err()
            .to_string();
        assert!(err.contains("flowaudit/inventory/v9"), "{err}");
        let bad = dir.path().join("bad.json");
        std::fs::write(
            &bad,
            "{\"schema\": \"flowaudit/inventory/v1\", \"scan\": 3}",
        )
        .unwrap();
        let err = io::InventoryFile::read(&bad)
            .unwrap()
            .head()
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(&format!("{}:1:", bad.display())), "{err}");
        assert!(err.contains("`scan`"), "{err}");
    }
}

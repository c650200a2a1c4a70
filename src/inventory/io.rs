//! Loading and saving inventories, with errors that name the file and position.

use super::skim::{locate, without_resources};
use super::validate::{self, Invalid};
use super::{FlowLog, INVENTORY_SCHEMA, Inventory, InventoryHead};
use crate::error::Error;
use crate::kinds::{KindFn, Resource, ResourceBatch, ResourceKind, Resources};
use crate::term::{Escaped, escape};
use std::path::Path;

/// Read and validate an inventory file.
pub fn load(path: &Path) -> Result<Inventory, Error> {
    InventoryFile::read(path)?.load()
}

/// An inventory file read into memory, to be parsed whole ([`InventoryFile::load`]) or in
/// parts: its head ([`InventoryFile::head`]), then its resources a batch at a time
/// ([`InventoryFile::stream_resources`]), so that the parsed inventory is never held whole. The
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
        // Parsing the resources only to skip them takes most of the time: the text without them
        // is parsed instead when its structure allows, the whole text otherwise (or on any
        // error, so that errors are the same).
        let fast = without_resources(&self.bytes)
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

    /// Parse the resources in batches of up to `batch` resources of one kind, in file order,
    /// handing each batch to `on_batch` with the index of its region entry. Meant to follow
    /// [`InventoryFile::head`], which reads everything else (the region entries' accounts and
    /// names included). Each region entry is still checked whole (unknown fields,
    /// `other_flow_logs`, the shapes of its values, see [`validate`]); a batch holds only
    /// resources whose values passed. An error from `on_batch` stops the parsing and is
    /// returned; a malformed inventory gives [`InventoryFile::load`]'s positioned error, a
    /// refused value its own.
    pub fn stream_resources(
        &self,
        batch: usize,
        on_batch: &mut dyn FnMut(ResourceBatch<'static>) -> Result<(), Error>,
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

/// Where [`InventoryFile::stream_resources`] hands its batches, and the error that stopped it:
/// the callback's, or a refused value.
struct Sink<'a> {
    on_batch: &'a mut dyn FnMut(ResourceBatch<'static>) -> Result<(), Error>,
    batch: usize,
    failed: Option<Error>,
    invalid: Option<Invalid>,
}

impl Sink<'_> {
    fn hand<E: serde::de::Error>(&mut self, b: ResourceBatch<'static>) -> Result<(), E> {
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

/// Visits one region entry: its resources in batches; its other fields checked and dropped.
struct Region<'s, 'a> {
    sink: &'s mut Sink<'a>,
    index: usize,
}

/// The fields of a region entry other than its resource lists ([`ResourceKind::field`]).
const REGION_FIELDS: [&str; 3] = ["account_id", "region", "other_flow_logs"];

/// Every field of a region entry: [`REGION_FIELDS`], then each kind's list.
static ALL_REGION_FIELDS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    REGION_FIELDS
        .into_iter()
        .chain(ResourceKind::ALL.iter().map(|k| k.field()))
        .collect()
});

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
        let fields: &'static [&'static str] = &ALL_REGION_FIELDS;
        let mut seen = vec![false; fields.len()];
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let Some(field) = fields.iter().position(|f| *f == key) else {
                return Err(A::Error::unknown_field(&key, fields));
            };
            if std::mem::replace(&mut seen[field], true) {
                return Err(A::Error::duplicate_field(fields[field]));
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
                2 => {
                    let logs = map.next_value::<Vec<FlowLog>>()?;
                    for (i, log) in logs.iter().enumerate() {
                        let checked = validate::flow_log(log)
                            .map_err(|e| e.within(format_args!("other_flow_logs[{i}]")));
                        self.sink.check(self.index, checked)?;
                    }
                }
                n => map.next_value_seed(Listed {
                    kind: ResourceKind::ALL[n - REGION_FIELDS.len()],
                    sink: &mut *self.sink,
                    index: self.index,
                })?,
            }
        }
        let required = REGION_FIELDS[..2].iter().copied().chain(
            ResourceKind::ALL
                .iter()
                .filter(|k| !k.optional_in_region_entry())
                .map(|k| k.field()),
        );
        for name in required {
            if !fields.iter().zip(&seen).any(|(f, s)| *f == name && *s) {
                return Err(A::Error::missing_field(name));
            }
        }
        Ok(())
    }
}

/// Visits a region's list of resources of one kind, handing them on in batches.
struct Listed<'s, 'a> {
    kind: ResourceKind,
    sink: &'s mut Sink<'a>,
    index: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for Listed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        struct Typed<'s, 'a, 'de, D>(Listed<'s, 'a>, D, std::marker::PhantomData<&'de ()>);
        impl<'de, D: serde::Deserializer<'de>> KindFn for Typed<'_, '_, 'de, D> {
            type Out = Result<(), D::Error>;
            fn call<R: Resource + serde::de::DeserializeOwned>(self) -> Self::Out {
                self.1.deserialize_seq(Items::<R> {
                    listed: self.0,
                    items: std::marker::PhantomData,
                })
            }
        }
        self.kind.with(Typed(self, d, std::marker::PhantomData))
    }
}

/// [`Listed`] once the kind's type is known.
struct Items<'s, 'a, R> {
    listed: Listed<'s, 'a>,
    items: std::marker::PhantomData<R>,
}

impl<'de, R: Resource + serde::de::DeserializeOwned> serde::de::Visitor<'de> for Items<'_, '_, R> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "an array of {}", self.listed.kind.plural())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Listed { kind, sink, index } = self.listed;
        let size = sink.batch;
        let mut items: Vec<R> = Vec::with_capacity(size);
        let mut at = 0usize;
        while let Some(x) = seq.next_element::<R>()? {
            let checked = x
                .validate()
                .map_err(|e| e.within(format_args!("{}[{at}]", kind.field())));
            sink.check(index, checked)?;
            at += 1;
            items.push(x);
            if items.len() == size {
                let full = std::mem::replace(&mut items, Vec::with_capacity(size));
                sink.hand(ResourceBatch {
                    region: index,
                    resources: Resources::owned(full),
                })?;
            }
        }
        if !items.is_empty() {
            sink.hand(ResourceBatch {
                region: index,
                resources: Resources::owned(items),
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
mod tests;

//! Binding finished PDFs into one volume, with a bookmark per part.
//!
//! A town's 合订本 is the contents pages followed by every department's form
//! exactly as it was published on its own. Binding the PDFs already made
//! (instead of laying out hundreds of pages again in one Typst document)
//! costs a fraction of the time and memory, and guarantees the volume shows
//! the very pages each department submitted. The parts' structure trees
//! (tagging) cannot be joined this way, so the volume is untagged; each
//! department's own PDF stays tagged.
//!
//! The volume is written as it is read: a few parts are parsed at a time,
//! on all cores, and each part's objects go straight to the output,
//! numbered in a block of its own past the parts before it. Only the page
//! tree, the bookmarks and the catalog are made at the end, so memory holds
//! the output and a handful of parsed parts, never the whole town parsed.
//!
//! Binding again after one department changed copies every other part's
//! bytes from the last volume ([`Binding`] says where they are): a part
//! keeps its object numbers, and so its bytes, as long as the parts before
//! it keep their blocks.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat, Writer};
use serde::{Deserialize, Serialize};

/// Document information of the volume.
pub struct Info<'a> {
    pub title: &'a str,
    pub author: &'a str,
    /// `D:20240101000000Z`: from the data or `SOURCE_DATE_EPOCH`, never the clock.
    pub date: &'a str,
}

fn text(s: &str) -> Object {
    // UTF-16BE with a byte order mark: how PDF text strings carry Chinese.
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// A page's attribute, looked up through its parents (MediaBox, Resources…
/// may be inherited from the page tree that is about to be replaced).
fn inherited(doc: &Document, page: ObjectId, key: &[u8]) -> Option<Object> {
    let mut current = page;
    for _ in 0..64 {
        let node = doc.get_dictionary(current).ok()?;
        if let Ok(v) = node.get(key) {
            return Some(v.clone());
        }
        current = node.get(b"Parent").ok()?.as_reference().ok()?;
    }
    None
}

/// Calls `f` on every reference inside `obj` (`f` may replace it).
fn each_ref(obj: &mut Object, f: &mut impl FnMut(&mut Object)) {
    match obj {
        Object::Reference(_) => f(obj),
        Object::Array(items) => items.iter_mut().for_each(|o| each_ref(o, f)),
        Object::Dictionary(dict) => dict.iter_mut().for_each(|(_, o)| each_ref(o, f)),
        Object::Stream(stream) => stream.dict.iter_mut().for_each(|(_, o)| each_ref(o, f)),
        _ => {}
    }
}

/// A part read and cut loose from its own catalog: the objects its pages
/// need, numbered 1…n in a stable order, and which of them are its pages.
struct Prepared {
    objects: Vec<Object>,
    pages: Vec<u32>,
}

fn prepare(pdf: &[u8]) -> anyhow::Result<Prepared> {
    let mut doc = Document::load_mem(pdf)?;
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    for &page in &pages {
        let mut dict = doc.get_dictionary(page)?.clone();
        for key in [&b"MediaBox"[..], b"Resources", b"CropBox", b"Rotate"] {
            if !dict.has(key)
                && let Some(v) = inherited(&doc, page, key)
            {
                dict.set(key, v);
            }
        }
        // The volume's page tree replaces the part's; tags do not survive.
        dict.remove(b"Parent");
        dict.remove(b"StructParents");
        doc.objects.insert(page, Object::Dictionary(dict));
    }
    // Keep what the pages reach (contents, fonts, images, links); the
    // part's catalog, page tree, structure tree and metadata fall away.
    let mut keep: BTreeSet<ObjectId> = pages.iter().copied().collect();
    let mut queue: VecDeque<ObjectId> = pages.iter().copied().collect();
    while let Some(id) = queue.pop_front() {
        if let Some(obj) = doc.objects.get_mut(&id) {
            each_ref(obj, &mut |r| {
                if let Object::Reference(id) = r
                    && keep.insert(*id)
                {
                    queue.push_back(*id);
                }
            });
        }
    }
    keep.retain(|id| doc.objects.contains_key(id));
    let local: BTreeMap<ObjectId, u32> = keep.iter().zip(1..).map(|(id, n)| (*id, n)).collect();
    let mut objects = Vec::with_capacity(local.len());
    for id in &keep {
        let mut obj = doc.objects.remove(id).unwrap_or(Object::Null);
        // A reference to something that is not there reads as null.
        each_ref(&mut obj, &mut |r| {
            *r = match r {
                Object::Reference(id) if local.contains_key(id) => {
                    Object::Reference((local[id], 0))
                }
                _ => Object::Null,
            }
        });
        objects.push(obj);
    }
    Ok(Prepared {
        objects,
        pages: pages.iter().map(|p| local[p]).collect(),
    })
}

/// The output file as it grows: bytes, and where each object starts.
struct Out {
    bytes: Vec<u8>,
    offsets: BTreeMap<u32, usize>,
}

impl Out {
    fn object(&mut self, id: u32, obj: &Object) -> anyhow::Result<()> {
        self.offsets.insert(id, self.bytes.len());
        writeln!(self.bytes, "{id} 0 obj")?;
        Writer::write_object(&mut self.bytes, obj)?;
        self.bytes.extend_from_slice(b"\nendobj\n");
        Ok(())
    }
}

/// How many parts are parsed at once: enough to keep every core busy,
/// few enough that memory holds only a handful.
const CHUNK: usize = 8;

/// Object numbers are given out to parts in blocks of this many. A part
/// whose object count changes a little keeps its block, so the parts after
/// it keep their numbers and their bytes, and binding again can copy them
/// from the last volume instead of reading their PDFs (see [`Binding`]).
/// The numbers a part leaves unused are simply absent from the
/// cross-reference table.
const BLOCK: u32 = 64;

/// Where each part of a bound volume sits, recorded so that the next
/// binding can copy the parts that did not change from the last volume's
/// bytes. A part is copied only when its key and first object number are
/// the ones recorded, so the volume is byte for byte what binding every
/// part afresh makes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    parts: Vec<Placed>,
}

impl Binding {
    /// Whether a part with this key was bound first, where the contents go.
    pub fn first_key_is(&self, key: &str) -> bool {
        self.parts.first().is_some_and(|p| p.key == key)
    }
}

/// One part in a bound volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Placed {
    key: String,
    /// Its first object number; its objects are numbered on from there.
    first: u32,
    /// Where its objects' bytes start in the volume.
    start: usize,
    /// Each object's start, counted from `start`; the last object ends
    /// at `len`.
    offsets: Vec<usize>,
    len: usize,
    /// Its pages' object numbers, in order.
    pages: Vec<u32>,
}

/// The last volume, to copy unchanged parts from: its bytes (the caller
/// has checked they are the ones written) and how they were bound.
pub struct Last<'a> {
    pub bytes: &'a [u8],
    pub binding: &'a Binding,
}

/// One part of the volume: what identifies its bytes (a digest), where
/// its PDF is, and its bookmark title (none for the contents pages).
pub struct Source<'a> {
    pub key: String,
    pub pdf: Pdf<'a>,
    pub bookmark: Option<String>,
}

/// Where a part's PDF is.
pub enum Pdf<'a> {
    Bytes(&'a [u8]),
    /// Read only when the last volume cannot give the part.
    File(&'a Path),
    /// Not made: the caller knows the last volume holds it at its place.
    Kept,
}

/// Binds `parts` in order into one PDF, copying from `last` each part it
/// holds with the same key at the same object numbers. Returns the bytes
/// and how they were bound.
pub fn bind(
    parts: &[Source<'_>],
    info: &Info<'_>,
    last: Option<&Last<'_>>,
) -> anyhow::Result<(Vec<u8>, Binding)> {
    // The last volume's parts by key and place: a part is copied when it
    // comes to the same place; the others are read, in order (a part's
    // place needs the object count of every part before it).
    let recorded: BTreeMap<(&str, u32), &Placed> = last
        .map(|l| {
            l.binding
                .parts
                .iter()
                .map(|p| ((p.key.as_str(), p.first), p))
                .collect()
        })
        .unwrap_or_default();
    let size_hint = parts
        .iter()
        .map(|p| match p.pdf {
            Pdf::Bytes(b) => b.len(),
            _ => 0,
        })
        .sum::<usize>()
        + last.map_or(0, |l| l.bytes.len());
    let mut out = Out {
        bytes: Vec::with_capacity(size_hint + 4096),
        offsets: BTreeMap::new(),
    };
    out.bytes
        .extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
    let pages_id = 1;
    let mut next_id = 2;
    let mut kids: Vec<Object> = Vec::new();
    let mut marks: Vec<(&str, u32)> = Vec::new();
    let mut binding = Binding::default();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut k = 0;
    while k < parts.len() {
        // Copy what the last volume holds at this place.
        if let (Some(last), Some(placed)) = (last, recorded.get(&(parts[k].key.as_str(), next_id)))
        {
            let bytes = last
                .bytes
                .get(placed.start..placed.start + placed.len)
                .with_context(|| format!("上次的合订本比记录的短（第 {} 份）", k + 1))?;
            let start = out.bytes.len();
            out.bytes.extend_from_slice(bytes);
            for (n, at) in (placed.first..).zip(&placed.offsets) {
                out.offsets.insert(n, start + at);
            }
            finish_part(&parts[k], &placed.pages, &mut kids, &mut marks);
            next_id += block(placed.offsets.len());
            binding.parts.push(Placed {
                start,
                ..(*placed).clone()
            });
            k += 1;
            continue;
        }
        // Read the parts from here up to the next one the last volume
        // could give (at most a chunk), on all cores.
        let mut end = k + 1;
        while end < parts.len()
            && end - k < CHUNK
            && !recorded.keys().any(|(key, _)| *key == parts[end].key)
        {
            end += 1;
        }
        let chunk = &parts[k..end];
        let prepared = prepare_all(chunk, threads);
        for (i, (part, prepared)) in chunk.iter().zip(prepared).enumerate() {
            let prepared = prepared.with_context(|| format!("无法读取第 {} 份 PDF", k + i + 1))?;
            let first = next_id;
            let shift = first - 1;
            let start = out.bytes.len();
            let mut offsets = Vec::with_capacity(prepared.objects.len());
            for (n, mut obj) in prepared.objects.into_iter().enumerate() {
                each_ref(&mut obj, &mut |r| {
                    if let Object::Reference(id) = r {
                        id.0 += shift;
                    }
                });
                if let Object::Dictionary(d) = &mut obj
                    && prepared.pages.contains(&(n as u32 + 1))
                {
                    d.set("Parent", (pages_id, 0));
                }
                offsets.push(out.bytes.len() - start);
                out.object(n as u32 + first, &obj)?;
            }
            let pages: Vec<u32> = prepared.pages.iter().map(|p| p + shift).collect();
            finish_part(part, &pages, &mut kids, &mut marks);
            next_id += block(offsets.len());
            binding.parts.push(Placed {
                key: part.key.clone(),
                first,
                start,
                len: out.bytes.len() - start,
                offsets,
                pages,
            });
        }
        k = end;
    }
    let count = kids.len() as i64;
    let mut pages = Dictionary::new();
    pages.set("Type", Object::Name(b"Pages".to_vec()));
    pages.set("Kids", Object::Array(kids));
    pages.set("Count", Object::Integer(count));
    out.object(pages_id, &Object::Dictionary(pages))?;

    // Bookmarks: one flat outline, an item per part.
    let outlines_id = next_id;
    let first_mark = outlines_id + 1;
    let n = marks.len() as u32;
    for (i, (title, page)) in marks.iter().enumerate() {
        let id = first_mark + i as u32;
        let mut item = Dictionary::new();
        item.set("Title", text(title));
        item.set("Parent", (outlines_id, 0));
        if i > 0 {
            item.set("Prev", (id - 1, 0));
        }
        if i + 1 < marks.len() {
            item.set("Next", (id + 1, 0));
        }
        item.set(
            "Dest",
            Object::Array(vec![
                Object::Reference((*page, 0)),
                Object::Name(b"XYZ".to_vec()),
                Object::Null,
                Object::Null,
                Object::Null,
            ]),
        );
        out.object(id, &Object::Dictionary(item))?;
    }
    let mut outlines = Dictionary::new();
    outlines.set("Type", Object::Name(b"Outlines".to_vec()));
    if n > 0 {
        outlines.set("First", (first_mark, 0));
        outlines.set("Last", (first_mark + n - 1, 0));
    }
    outlines.set("Count", Object::Integer(n as i64));
    out.object(outlines_id, &Object::Dictionary(outlines))?;

    let catalog_id = first_mark + n;
    let mut catalog = Dictionary::new();
    catalog.set("Type", Object::Name(b"Catalog".to_vec()));
    catalog.set("Pages", (pages_id, 0));
    catalog.set("Lang", text("zh-CN"));
    catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    catalog.set("Outlines", (outlines_id, 0));
    out.object(catalog_id, &Object::Dictionary(catalog))?;

    let info_id = catalog_id + 1;
    let mut meta = Dictionary::new();
    meta.set("Title", text(info.title));
    meta.set("Author", text(info.author));
    meta.set(
        "Creator",
        text(&format!("jixiao {}", env!("CARGO_PKG_VERSION"))),
    );
    meta.set("CreationDate", Object::string_literal(info.date));
    meta.set("ModDate", Object::string_literal(info.date));
    out.object(info_id, &Object::Dictionary(meta))?;

    // Cross-reference table: a subsection for each run of numbers in use
    // (the numbers a part's block leaves unused are not listed).
    let xref = out.bytes.len();
    let size = info_id + 1;
    out.bytes
        .extend_from_slice(b"xref\n0 1\n0000000000 65535 f\r\n");
    let ids: Vec<(u32, usize)> = out.offsets.iter().map(|(&id, &at)| (id, at)).collect();
    for run in ids.chunk_by(|a, b| b.0 == a.0 + 1) {
        writeln!(out.bytes, "{} {}", run[0].0, run.len())?;
        for (_, at) in run {
            write!(out.bytes, "{at:010} 00000 n\r\n")?;
        }
    }
    write!(
        out.bytes,
        "trailer\n<< /Size {size} /Root {catalog_id} 0 R /Info {info_id} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    )?;
    Ok((out.bytes, binding))
}

/// The object numbers a part of `count` objects takes: whole blocks, at
/// least one.
fn block(count: usize) -> u32 {
    (count as u32).div_ceil(BLOCK).max(1) * BLOCK
}

/// A part's pages join the page tree, its first page gets its bookmark.
fn finish_part<'a>(
    part: &'a Source<'_>,
    pages: &[u32],
    kids: &mut Vec<Object>,
    marks: &mut Vec<(&'a str, u32)>,
) {
    if let (Some(title), Some(&first)) = (&part.bookmark, pages.first()) {
        marks.push((title, first));
    }
    kids.extend(pages.iter().map(|&p| Object::Reference((p, 0))));
}

/// Reads `chunk`'s PDFs on up to `threads` threads, results in order.
fn prepare_all(chunk: &[Source<'_>], threads: usize) -> Vec<anyhow::Result<Prepared>> {
    let read = |p: &Source<'_>| match p.pdf {
        Pdf::Bytes(pdf) => prepare(pdf),
        Pdf::File(path) => std::fs::read(path)
            .with_context(|| format!("无法读取“{}”", path.display()))
            .and_then(|pdf| prepare(&pdf)),
        Pdf::Kept => Err(anyhow::anyhow!(
            "上次的合订本里没有这一份，也没有给出它的 PDF"
        )),
    };
    if chunk.len() == 1 {
        return vec![read(&chunk[0])];
    }
    std::thread::scope(|scope| {
        let per = chunk.len().div_ceil(threads);
        let handles: Vec<_> = chunk
            .chunks(per)
            .map(|group| scope.spawn(move || group.iter().map(read).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .zip(chunk.chunks(per))
            .flat_map(|(h, group)| {
                // A part lopdf panicked on fails its group, one error
                // per part, so results stay in step with the parts.
                h.join().unwrap_or_else(|_| {
                    group
                        .iter()
                        .map(|_| Err(anyhow::anyhow!("读取 PDF 时出错")))
                        .collect()
                })
            })
            .collect()
    })
}

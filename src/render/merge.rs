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
//! on all cores, and each part's objects go straight to the output with
//! their numbers shifted past the parts before it. Only the page tree, the
//! bookmarks and the catalog are made at the end, so memory holds the
//! output and a handful of parsed parts, never the whole town parsed.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::Write;

use anyhow::Context;
use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat, Writer};

/// One part of the volume: its PDF, and its bookmark title (none for the
/// contents pages).
pub struct Part<'a> {
    pub pdf: &'a [u8],
    pub bookmark: Option<String>,
}

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
    offsets: Vec<Option<usize>>,
}

impl Out {
    fn object(&mut self, id: u32, obj: &Object) -> anyhow::Result<()> {
        let i = id as usize;
        if self.offsets.len() <= i {
            self.offsets.resize(i + 1, None);
        }
        self.offsets[i] = Some(self.bytes.len());
        writeln!(self.bytes, "{id} 0 obj")?;
        Writer::write_object(&mut self.bytes, obj)?;
        self.bytes.extend_from_slice(b"\nendobj\n");
        Ok(())
    }
}

/// How many parts are parsed at once: enough to keep every core busy,
/// few enough that memory holds only a handful.
const CHUNK: usize = 8;

/// Binds `parts` in order into one PDF.
pub fn bind(parts: &[Part<'_>], info: &Info<'_>) -> anyhow::Result<Vec<u8>> {
    let mut out = Out {
        bytes: Vec::with_capacity(parts.iter().map(|p| p.pdf.len()).sum::<usize>() + 4096),
        offsets: vec![None],
    };
    out.bytes
        .extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
    let pages_id = 1;
    let mut next_id = 2;
    let mut kids: Vec<Object> = Vec::new();
    let mut marks: Vec<(&str, u32)> = Vec::new();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut number = 0;
    for chunk in parts.chunks(CHUNK) {
        let prepared: Vec<anyhow::Result<Prepared>> = std::thread::scope(|scope| {
            let per = chunk.len().div_ceil(threads);
            let handles: Vec<_> = chunk
                .chunks(per)
                .map(|group| {
                    scope.spawn(move || group.iter().map(|p| prepare(p.pdf)).collect::<Vec<_>>())
                })
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
        });
        for (part, prepared) in chunk.iter().zip(prepared) {
            number += 1;
            let prepared = prepared.with_context(|| format!("无法读取第 {number} 份 PDF"))?;
            let shift = next_id - 1;
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
                out.object(n as u32 + 1 + shift, &obj)?;
            }
            let part_pages: Vec<u32> = prepared.pages.iter().map(|p| p + shift).collect();
            if let (Some(title), Some(&first)) = (&part.bookmark, part_pages.first()) {
                marks.push((title, first));
            }
            kids.extend(part_pages.iter().map(|&p| Object::Reference((p, 0))));
            next_id = out.offsets.len() as u32;
        }
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

    // Cross-reference table: every number is used (a part's objects are
    // numbered densely), so there are no free entries but object 0.
    let xref = out.bytes.len();
    let size = out.offsets.len();
    write!(out.bytes, "xref\n0 {size}\n0000000000 65535 f\r\n")?;
    for (id, at) in out.offsets.iter().enumerate().skip(1) {
        let at = at.with_context(|| format!("合订本缺少第 {id} 号对象"))?;
        write!(out.bytes, "{at:010} 00000 n\r\n")?;
    }
    write!(
        out.bytes,
        "trailer\n<< /Size {size} /Root {catalog_id} 0 R /Info {info_id} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    )?;
    Ok(out.bytes)
}

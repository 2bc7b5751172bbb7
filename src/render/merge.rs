//! Binding finished PDFs into one volume, with a bookmark per part.
//!
//! A town's 合订本 is the contents pages followed by every department's form
//! exactly as it was published on its own. Binding the PDFs already made
//! (instead of laying out hundreds of pages again in one Typst document)
//! costs a fraction of the time and memory, and guarantees the volume shows
//! the very pages each department submitted. The parts' structure trees
//! (tagging) cannot be joined this way, so the volume is untagged; each
//! department's own PDF stays tagged.

use std::collections::BTreeMap;

use anyhow::Context;
use lopdf::{Bookmark, Dictionary, Document, Object, ObjectId, StringFormat};

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

/// Binds `parts` in order into one PDF.
pub fn bind(parts: &[Part<'_>], info: &Info<'_>) -> anyhow::Result<Vec<u8>> {
    let mut out = Document::with_version("1.7");
    let pages_id = out.new_object_id();
    let mut next_id = out.max_id + 1;
    let mut kids: Vec<Object> = Vec::new();
    for (n, part) in parts.iter().enumerate() {
        let mut doc =
            Document::load_mem(part.pdf).with_context(|| format!("无法读取第 {} 份 PDF", n + 1))?;
        doc.renumber_objects_with(next_id);
        next_id = doc.max_id + 1;
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
            dict.set("Parent", pages_id);
            // Tags of the part do not survive binding.
            dict.remove(b"StructParents");
            doc.objects.insert(page, Object::Dictionary(dict));
        }
        if let (Some(title), Some(&first)) = (&part.bookmark, pages.first()) {
            out.add_bookmark(
                Bookmark::new(title.clone(), [0.0, 0.0, 0.0], 0, first),
                None,
            );
        }
        kids.extend(pages.iter().map(|&p| Object::Reference(p)));
        // Everything but the part's catalog and page tree nodes; whatever
        // only they referenced (structure tree, metadata) is pruned below.
        let skip: BTreeMap<ObjectId, ()> = doc
            .objects
            .iter()
            .filter(|(_, o)| {
                o.as_dict()
                    .ok()
                    .and_then(|d| d.get(b"Type").ok())
                    .and_then(|t| t.as_name().ok())
                    .is_some_and(|t| t == b"Catalog" || t == b"Pages")
            })
            .map(|(id, _)| (*id, ()))
            .collect();
        for (id, obj) in doc.objects {
            if !skip.contains_key(&id) {
                out.objects.insert(id, obj);
            }
        }
    }
    out.max_id = next_id;
    let count = kids.len() as i64;
    let mut pages = Dictionary::new();
    pages.set("Type", Object::Name(b"Pages".to_vec()));
    pages.set("Kids", Object::Array(kids));
    pages.set("Count", Object::Integer(count));
    out.objects.insert(pages_id, Object::Dictionary(pages));

    let mut catalog = Dictionary::new();
    catalog.set("Type", Object::Name(b"Catalog".to_vec()));
    catalog.set("Pages", pages_id);
    catalog.set("Lang", text("zh-CN"));
    catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    let catalog_id = out.add_object(catalog);
    out.trailer.set("Root", catalog_id);
    if let Some(outline) = out.build_outline()
        && let Ok(Object::Dictionary(c)) = out.get_object_mut(catalog_id)
    {
        c.set("Outlines", outline);
    }

    let mut meta = Dictionary::new();
    meta.set("Title", text(info.title));
    meta.set("Author", text(info.author));
    meta.set(
        "Creator",
        text(&format!("jixiao {}", env!("CARGO_PKG_VERSION"))),
    );
    meta.set("CreationDate", Object::string_literal(info.date));
    meta.set("ModDate", Object::string_literal(info.date));
    let info_id = out.add_object(meta);
    out.trailer.set("Info", info_id);

    out.prune_objects();
    out.compress();
    let mut bytes = Vec::new();
    out.save_to(&mut bytes).context("无法写出合订本 PDF")?;
    Ok(bytes)
}

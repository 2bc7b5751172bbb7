//! Characters no font can show: found in the data before layout (each
//! named with its field), and, as a last guard, in the laid-out document.

use std::collections::HashSet;

use typst::layout::Frame;
use typst_layout::PagedDocument;

use super::Typesetter;
use crate::diagnostic::Diagnostic;
use crate::model::Document;
use crate::model::field::Field;
use crate::model::labels;
use crate::render::fonts::{self, FontSet};

impl Typesetter {
    /// See [`unrenderable`].
    pub fn unrenderable(&self, doc: &Document) -> Vec<(char, Field)> {
        unrenderable(&self.font_set, doc)
    }

    pub(super) fn glyph_errors(&self, doc: &Document) -> Vec<Diagnostic> {
        self.unrenderable(doc)
            .into_iter()
            .map(|(c, field)| no_glyph(c, &field))
            .collect()
    }
}

/// The characters of a document no declared font has, each once, with the
/// field it is first in. Typst would otherwise draw an empty box (tofu)
/// without a word.
pub fn unrenderable(fonts: &FontSet, doc: &Document) -> Vec<(char, Field)> {
    let mut reported: HashSet<(char, bool)> = HashSet::new();
    let mut found = Vec::new();
    let mut scan = |text: &str, is_title: bool, field: &Field| {
        for c in text.chars() {
            let covered = if is_title {
                fonts.title_covers(c)
            } else {
                fonts.body_covers(c)
            };
            // Each missing character once, in the first field it is in.
            if !covered && fonts::needs_glyph(c) && reported.insert((c, is_title)) {
                found.push((c, field.clone()));
            }
        }
    };
    // The town is also set in the title's face.
    scan(&doc.town, true, &Field::of("town"));
    scan(labels::TITLE, true, &Field::of("town"));
    for (field, text) in doc.texts() {
        scan(text, false, &field);
    }
    found
}

/// The characters no font has as errors, each pointing at the character
/// inside its field's value in `source` (the data file's text).
pub fn glyph_errors(fonts: &FontSet, doc: &Document, source: &str) -> Vec<Diagnostic> {
    unrenderable(fonts, doc)
        .into_iter()
        .map(|(c, field)| {
            let d = no_glyph(c, &field);
            let at = field.span_in(source).and_then(|value| {
                let at = value.start + source.get(value)?.find(c)?;
                Some(at..at + c.len_utf8())
            });
            match at {
                Some(at) => d.at(at),
                None => d,
            }
        })
        .collect()
}

/// The error for a character no font has, in the form's words.
pub fn no_glyph(c: char, field: &Field) -> Diagnostic {
    Diagnostic::error(format!(
        "“{}”中的字符“{c}”（U+{:04X}）没有字体可以显示",
        field.name(),
        c as u32
    ))
    .of(field)
    .note("请改用常用字，或用 --font-path 指定含有这个字的字体文件夹")
}

/// Characters drawn as the `.notdef` glyph anywhere in the document.
pub(super) fn missing_glyphs(doc: &PagedDocument) -> Vec<char> {
    fn walk(frame: &Frame, out: &mut Vec<char>) {
        for (_, item) in frame.items() {
            match item {
                typst::layout::FrameItem::Group(g) => walk(&g.frame, out),
                typst::layout::FrameItem::Text(t) => {
                    for g in t.glyphs.iter().filter(|g| g.id == 0) {
                        let c = t.text.get(g.range()).and_then(|s| s.chars().next());
                        if let Some(c) = c.filter(|c| fonts::needs_glyph(*c) && !out.contains(c)) {
                            out.push(c);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for page in doc.pages() {
        walk(&page.frame, &mut out);
    }
    out
}

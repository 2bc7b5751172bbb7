//! The per-document `World` and the template sandbox.
//!
//! A [`DocWorld`] is the shared [`Typesetter`] plus one document's data,
//! served as `/data.json` (or `/town.json`). The template may read only
//! files under its own folder and the data file: absolute paths resolve
//! inside that folder, `..` cannot leave it, a symlink cannot lead out of
//! it, and packages (`@preview/…`) are refused without any network access.

use std::path::PathBuf;

use typst::diag::{FileError, FileResult, PackageError};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

use super::Typesetter;

/// A main template file and the folder it may read from.
pub(super) struct Template {
    pub(super) main: Source,
    /// `None` for the embedded templates, which read only each other.
    pub(super) root: Option<PathBuf>,
    /// Label for messages: `templates/form.typ` or the user's path.
    pub(super) shown: String,
    pub(super) data_id: FileId,
}

pub(super) fn project_file(path: &str) -> FileId {
    // Paths here are constants or already validated, so `new` cannot fail;
    // fall back to the root if it ever did.
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| VirtualPath::new("/").expect("root"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl Typesetter {
    /// Reads a file next to a template: an embedded one, or one under a
    /// user's template folder — never outside it.
    pub(super) fn template_file(&self, template: &Template, id: FileId) -> FileResult<Bytes> {
        let Some(root) = &template.root else {
            return match self.embedded.get(&id) {
                Some(src) => Ok(Bytes::from_string(src.clone())),
                None => Err(FileError::NotFound(PathBuf::from(
                    id.get().vpath().get_without_slash(),
                ))),
            };
        };
        let mut cache = self.files.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(id)
            .or_insert_with(|| {
                let full = root.join(id.get().vpath().get_without_slash());
                let real = full
                    .canonicalize()
                    .map_err(|e| FileError::from_io(e, &full))?;
                // A symlink may not lead out of the template folder either.
                if !real.starts_with(root) {
                    return Err(FileError::AccessDenied);
                }
                std::fs::read(&real)
                    .map(Bytes::new)
                    .map_err(|e| FileError::from_io(e, &real))
            })
            .clone()
    }
}

/// The per-document part of the World: the shared part, the template in
/// use and this document's data.
pub(super) struct DocWorld<'a> {
    pub(super) ts: &'a Typesetter,
    pub(super) template: &'a Template,
    pub(super) data: Bytes,
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.ts.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.ts.book
    }

    fn main(&self) -> FileId {
        self.template.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.template.main.id() {
            return Ok(self.template.main.clone());
        }
        if self.template.root.is_none()
            && let Some(src) = self.ts.embedded.get(&id)
        {
            return Ok(src.clone());
        }
        let parse = || {
            let bytes = self.file(id)?;
            let text = std::str::from_utf8(&bytes).map_err(|_| FileError::InvalidUtf8)?;
            Ok(Source::new(id, text.to_string()))
        };
        // The data differs from document to document: never cached; nor is
        // anything asked of the embedded templates (they read only each other).
        if id == self.template.data_id || self.template.root.is_none() {
            return parse();
        }
        let mut cache = self.ts.sources.lock().unwrap_or_else(|e| e.into_inner());
        cache.entry(id).or_insert_with(parse).clone()
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let VirtualRoot::Package(spec) = id.get().root() {
            return Err(FileError::Package(PackageError::Other(Some(
                format!(
                    "不支持下载或使用包 {spec}：jixiao 不联网；请把需要的文件放在模板所在的文件夹中"
                )
                .into(),
            ))));
        }
        if id == self.template.data_id {
            return Ok(self.data.clone());
        }
        if id == self.template.main.id() {
            return Ok(Bytes::from_string(self.template.main.clone()));
        }
        self.ts.template_file(self.template, id)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.ts.font_set.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // Output must not depend on the clock.
        None
    }
}

//! The PDF: the Typst template compiled in-process, with the bundled fonts.
//!
//! [`Typesetter`] is the shared, built-once part of a Typst `World`: the
//! standard library, the font book and parsed fonts, the template. Each
//! document gets a tiny [`DocWorld`] on top that serves the form's data as
//! `/data.json` — the template reads it with `json(...)`, so texts are data,
//! never markup. A batch pays for fonts and the template parse once.
//!
//! The template may read only files under its own folder and the data file:
//! absolute paths resolve inside that folder, `..` cannot leave it, and
//! packages (`@preview/…`) are refused without any network access.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use typst::diag::{FileError, FileResult, PackageError, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::layout::Frame;
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use super::fonts::{self, FontSet};
use super::view::{self, View};
use crate::diagnostic::Diagnostic;
use crate::model::Document;

/// The templates compiled into the binary: one department's form, the
/// drawing they share, and the town's combined volume.
const EMBEDDED: &[(&str, &str)] = &[
    ("form.typ", include_str!("../../templates/form.typ")),
    ("form-lib.typ", include_str!("../../templates/form-lib.typ")),
    ("town.typ", include_str!("../../templates/town.typ")),
];
const FORM_MAIN: &str = "form.typ";
const TOWN_MAIN: &str = "town.typ";
const FORM_DATA: &str = "/data.json";
const TOWN_DATA: &str = "/town.json";

/// PDF flavours a user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Standard {
    /// Plain PDF 1.7, tagged for accessibility.
    #[default]
    #[value(name = "pdf")]
    Plain,
    /// PDF/A-2b, for archives.
    #[value(name = "a-2b")]
    A2b,
}

/// Settings that are the same for every document of a run.
#[derive(Debug, Clone, Default)]
pub struct PdfSettings {
    pub standard: Standard,
    /// Seconds since 1970 for the PDF's date (`SOURCE_DATE_EPOCH`); without
    /// it the date is 1 January of the budget year, so output never depends
    /// on the clock.
    pub source_date_epoch: Option<i64>,
}

/// A rendered PDF and what Typst warned about.
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: usize,
    pub warnings: Vec<Diagnostic>,
}

/// A main template file and the folder it may read from.
struct Template {
    main: Source,
    /// `None` for the embedded templates, which read only each other.
    root: Option<PathBuf>,
    /// Label for messages: `templates/form.typ` or the user's path.
    shown: String,
    data_id: FileId,
}

/// The shared part of the World: built once, used for every document.
pub struct Typesetter {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    font_set: FontSet,
    form: Template,
    town: Template,
    /// The embedded templates, parsed once.
    embedded: HashMap<FileId, Source>,
    /// Files of a user's template folder, read once.
    files: Mutex<HashMap<FileId, FileResult<Bytes>>>,
    /// Typst files of a user's template folder, parsed once: a library the
    /// template imports is otherwise parsed (and its syntax tree hashed)
    /// again for every document.
    sources: Mutex<HashMap<FileId, FileResult<Source>>>,
}

fn project_file(path: &str) -> FileId {
    // Paths here are constants or already validated, so `new` cannot fail;
    // fall back to the root if it ever did.
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| VirtualPath::new("/").expect("root"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl Typesetter {
    /// Loads fonts (bundled, plus `font_paths`) and the templates (embedded,
    /// or `template` from disk: then its folder's `town.typ`, if any, draws
    /// the combined volume, else the embedded one does).
    pub fn new(template: Option<&Path>, font_paths: &[PathBuf]) -> anyhow::Result<Self> {
        let font_set = FontSet::load(font_paths)?;
        let embedded: HashMap<FileId, Source> = EMBEDDED
            .iter()
            .map(|(name, text)| {
                let id = project_file(&format!("/{name}"));
                (id, Source::new(id, text.to_string()))
            })
            .collect();
        let builtin = |name: &str, data: &str| Template {
            main: embedded[&project_file(&format!("/{name}"))].clone(),
            root: None,
            shown: format!("templates/{name}"),
            data_id: project_file(data),
        };
        let (form, town) = match template {
            None => (builtin(FORM_MAIN, FORM_DATA), builtin(TOWN_MAIN, TOWN_DATA)),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!(
                        "无法读取模板“{}”：{}",
                        path.display(),
                        crate::files::describe_io(&e)
                    )
                })?;
                let dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let root = dir.canonicalize().map_err(|e| {
                    anyhow::anyhow!(
                        "无法读取模板文件夹“{}”：{}",
                        dir.display(),
                        crate::files::describe_io(&e)
                    )
                })?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let form = Template {
                    main: Source::new(project_file(&format!("/{name}")), text),
                    root: Some(root.clone()),
                    shown: path.display().to_string(),
                    data_id: project_file(FORM_DATA),
                };
                let town_path = root.join(TOWN_MAIN);
                let town = match std::fs::read_to_string(&town_path) {
                    Ok(text) => Template {
                        main: Source::new(project_file(&format!("/{TOWN_MAIN}")), text),
                        root: Some(root),
                        shown: town_path.display().to_string(),
                        data_id: project_file(TOWN_DATA),
                    },
                    Err(_) => builtin(TOWN_MAIN, TOWN_DATA),
                };
                (form, town)
            }
        };
        Ok(Typesetter {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(font_set.book.clone()),
            fonts: font_set.fonts.clone(),
            font_set,
            form,
            town,
            embedded,
            files: Mutex::new(HashMap::new()),
            sources: Mutex::new(HashMap::new()),
        })
    }

    pub fn fonts(&self) -> &FontSet {
        &self.font_set
    }

    /// Renders one department's form to PDF bytes, or says why it cannot.
    pub fn render(
        &self,
        doc: &Document,
        settings: &PdfSettings,
    ) -> Result<Rendered, Vec<Diagnostic>> {
        self.check_glyphs(doc)?;
        let mut data = serde_json::to_value(View::new(doc)).unwrap_or_default();
        data["fonts"] = self.families();
        let ident = format!("jixiao/{}/{}", doc.year, doc.department);
        self.compile(
            &self.form,
            data,
            ident,
            timestamp(doc.year, settings),
            settings,
        )
    }

    /// Renders the contents pages of a town's combined volume (合订本):
    /// `entries` are the departments with the volume page their form starts on.
    pub fn render_contents(
        &self,
        town: &str,
        year: i32,
        entries: &[(String, usize)],
        settings: &PdfSettings,
    ) -> Result<Rendered, Vec<Diagnostic>> {
        let data = serde_json::json!({
            "title": volume_title(town, year),
            "town": town,
            "year": year.to_string(),
            "fonts": self.families(),
            "entries": entries
                .iter()
                .map(|(department, page)| serde_json::json!({ "department": department, "page": page }))
                .collect::<Vec<_>>(),
        });
        let ident = format!("jixiao/{year}/{town}");
        self.compile(&self.town, data, ident, timestamp(year, settings), settings)
    }

    fn families(&self) -> serde_json::Value {
        serde_json::json!({ "title": self.font_set.title, "body": self.font_set.body })
    }

    fn compile(
        &self,
        template: &Template,
        data: serde_json::Value,
        ident: String,
        timestamp: Timestamp,
        settings: &PdfSettings,
    ) -> Result<Rendered, Vec<Diagnostic>> {
        let world = DocWorld {
            ts: self,
            template,
            data: Bytes::new(data.to_string().into_bytes()),
        };
        let warned = typst::compile::<PagedDocument>(&world);
        let mut warnings: Vec<Diagnostic> = warned
            .warnings
            .iter()
            .map(|w| self.diagnostic(&world, w))
            .collect();
        let document = warned.output.map_err(|errs| {
            errs.iter()
                .map(|e| self.diagnostic(&world, e))
                .collect::<Vec<_>>()
        })?;
        let tofu = missing_glyphs(&document);
        if !tofu.is_empty() {
            return Err(tofu
                .into_iter()
                .map(|c| {
                    Diagnostic::error(format!(
                        "模板中的字符“{c}”（U+{:04X}）没有字体可以显示",
                        c as u32
                    ))
                    .field(template.shown.clone())
                })
                .collect());
        }
        let options = PdfOptions {
            ident: Smart::Custom(ident),
            creator: Smart::Custom(Some(format!("jixiao {}", env!("CARGO_PKG_VERSION")))),
            timestamp: Some(timestamp),
            standards: match settings.standard {
                Standard::Plain => PdfStandards::default(),
                Standard::A2b => PdfStandards::new(&[PdfStandard::A_2b]).map_err(|e| {
                    vec![Diagnostic::error(format!(
                        "PDF 标准设置有误：{}",
                        e.message()
                    ))]
                })?,
            },
            ..PdfOptions::default()
        };
        let pdf = typst_pdf::pdf(&document, &options).map_err(|errs| {
            errs.iter()
                .map(|e| self.diagnostic(&world, e))
                .collect::<Vec<_>>()
        })?;
        warnings.dedup();
        Ok(Rendered {
            pdf,
            pages: document.pages().len(),
            warnings,
        })
    }

    /// The characters of a document no declared font has, each once, with
    /// the field it is first in. Typst would otherwise draw an empty box
    /// (tofu) without a word.
    pub fn unrenderable(&self, doc: &Document) -> Vec<(char, String)> {
        let mut reported: HashSet<(char, bool)> = HashSet::new();
        let mut found = Vec::new();
        let mut scan = |text: &str, is_title: bool, field: &str| {
            for c in text.chars() {
                let covered = if is_title {
                    self.font_set.title_covers(c)
                } else {
                    self.font_set.body_covers(c)
                };
                // Each missing character once, in the first field it is in.
                if !covered && fonts::needs_glyph(c) && reported.insert((c, is_title)) {
                    found.push((c, field.to_string()));
                }
            }
        };
        let title_field = "镇（街道）名称（标题）";
        scan(&doc.town, true, title_field);
        scan("部门整体预算绩效目标表", true, title_field);
        for (field, text) in view::texts(doc) {
            scan(&text, false, &field);
        }
        found
    }

    fn check_glyphs(&self, doc: &Document) -> Result<(), Vec<Diagnostic>> {
        let errors: Vec<Diagnostic> = self
            .unrenderable(doc)
            .into_iter()
            .map(|(c, field)| no_glyph(c, &field))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// A Typst diagnostic in our words, located in the template.
    fn diagnostic(&self, world: &DocWorld<'_>, d: &SourceDiagnostic) -> Diagnostic {
        let mut place = world.template.shown.clone();
        if let Some(id) = d.span.id()
            && let Some(range) = world.range(d.span)
            && let Ok(src) = world.source(id)
        {
            let (line, col) = crate::diagnostic::line_col(src.text(), range.start);
            let file = if id == world.template.main.id() {
                world.template.shown.clone()
            } else {
                id.get().vpath().get_with_slash().to_string()
            };
            place = format!("{file}:{line}:{col}");
        }
        let base = match d.severity {
            typst::diag::Severity::Error => Diagnostic::error(format!("模板出错：{}", d.message)),
            typst::diag::Severity::Warning => {
                Diagnostic::warning(format!("模板警告：{}", d.message))
            }
        };
        d.hints.iter().fold(base.field(place), |acc, h| {
            acc.note(format!("提示：{}", h.v))
        })
    }

    /// Reads a file next to a template: an embedded one, or one under a
    /// user's template folder — never outside it.
    fn template_file(&self, template: &Template, id: FileId) -> FileResult<Bytes> {
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

/// The error for a character no font has, in the form's words.
pub fn no_glyph(c: char, field: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "“{field}”中的字符“{c}”（U+{:04X}）没有字体可以显示",
        c as u32
    ))
    .field(field.to_string())
    .note("请改用常用字，或用 --font-path 指定含有这个字的字体文件夹")
}

/// `2024年大朗镇部门整体预算绩效目标表（合订本）`
pub fn volume_title(town: &str, year: i32) -> String {
    format!("{year}年{town}部门整体预算绩效目标表（合订本）")
}

fn timestamp(year: i32, settings: &PdfSettings) -> Timestamp {
    let from_epoch = settings.source_date_epoch.and_then(|secs| {
        let days = secs.div_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let rem = secs.rem_euclid(86_400);
        Datetime::from_ymd_hms(
            y,
            m,
            d,
            (rem / 3600) as u8,
            (rem % 3600 / 60) as u8,
            (rem % 60) as u8,
        )
    });
    let date = from_epoch
        .or_else(|| Datetime::from_ymd_hms(year, 1, 1, 0, 0, 0))
        .or_else(|| Datetime::from_ymd_hms(2000, 1, 1, 0, 0, 0))
        .expect("a valid constant date");
    Timestamp::new_utc(date)
}

/// `SOURCE_DATE_EPOCH` seconds as a PDF date string `D:YYYYMMDDHHmmSSZ`.
pub fn pdf_date(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "D:{y:04}{m:02}{d:02}{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m as u8, d as u8)
}

/// Characters drawn as the `.notdef` glyph anywhere in the document.
fn missing_glyphs(doc: &PagedDocument) -> Vec<char> {
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

/// The per-document part of the World: the shared part, the template in
/// use and this document's data.
struct DocWorld<'a> {
    ts: &'a Typesetter,
    template: &'a Template,
    data: Bytes,
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
        self.ts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // Output must not depend on the clock.
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_from_epoch_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}

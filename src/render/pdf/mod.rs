//! The PDF: the Typst template compiled in-process, with the bundled fonts.
//!
//! [`Typesetter`] is the shared, built-once part of a Typst `World`: the
//! standard library, the font book and parsed fonts, the template. Each
//! document gets a tiny [`DocWorld`] on top that serves the form's data as
//! `/data.json` — the template reads it with `json(...)`, so texts are data,
//! never markup. A batch pays for fonts and the template parse once.
//!
//! The template may read only files under its own folder and the data file
//! (see `world`); characters no font has are caught before layout (see
//! `glyphs`).

mod glyphs;
mod world;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use typst::diag::{FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Smart};
use typst::syntax::{FileId, Source};
use typst::text::FontBook;
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::{Page, PagedDocument};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use glyphs::missing_glyphs;
pub use glyphs::{glyph_errors, no_glyph, unrenderable};
use world::{DocWorld, Template, project_file};

use super::date::DocDate;
use super::fonts::FontSet;
use crate::diagnostic::Diagnostic;
use crate::layout::measure;
use crate::layout::view::Data;
use crate::model::Document;

/// The templates compiled into the binary: one department's form, the
/// drawing they share, and the town's combined volume.
const EMBEDDED: &[(&str, &str)] = &[
    ("form.typ", include_str!("../../../templates/form.typ")),
    (
        "form-lib.typ",
        include_str!("../../../templates/form-lib.typ"),
    ),
    ("town.typ", include_str!("../../../templates/town.typ")),
];
/// The embedded templates' texts, for telling one build's outputs from
/// another's.
pub fn embedded_templates() -> impl Iterator<Item = &'static str> {
    EMBEDDED.iter().map(|(_, text)| *text)
}

const FORM_MAIN: &str = "form.typ";
const TOWN_MAIN: &str = "town.typ";
const FORM_DATA: &str = "/data.json";
const TOWN_DATA: &str = "/town.json";

/// PDF flavours a user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Standard {
    /// Plain PDF 1.7, tagged for accessibility.
    #[default]
    Plain,
    /// PDF/A-2b, for archives.
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

/// The shared part of the World: built once, used for every document.
pub struct Typesetter {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    /// Shared with a reloaded template's typesetter (see
    /// [`Typesetter::reload_template`]): fonts are read once per process.
    font_set: Arc<FontSet>,
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

impl Typesetter {
    /// Loads fonts (bundled, plus `font_paths`) and the templates (embedded,
    /// or `template` from disk: then its folder's `town.typ`, if any, draws
    /// the combined volume, else the embedded one does).
    pub fn new(template: Option<&Path>, font_paths: &[PathBuf]) -> anyhow::Result<Self> {
        Self::with_fonts(template, Arc::new(FontSet::load(font_paths)?))
    }

    /// Reads the template again (it was edited), keeping the fonts. On an
    /// error the typesetter is left as it was.
    pub fn reload_template(&mut self, template: Option<&Path>) -> anyhow::Result<()> {
        *self = Self::with_fonts(template, Arc::clone(&self.font_set))?;
        Ok(())
    }

    fn with_fonts(template: Option<&Path>, font_set: Arc<FontSet>) -> anyhow::Result<Self> {
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
        self.typeset(doc, settings)?.rendered(settings)
    }

    /// Lays one department's form out, once, for the PDF and the pages'
    /// pictures alike; or says why it cannot.
    pub fn typeset(
        &self,
        doc: &Document,
        settings: &PdfSettings,
    ) -> Result<Typeset<'_>, Vec<Diagnostic>> {
        self.typeset_from(doc, None, settings)
    }

    /// [`Typesetter::typeset`] of a document read from `source` (the data
    /// file's text): a character no font has is pointed at in it.
    pub fn typeset_from(
        &self,
        doc: &Document,
        source: Option<&str>,
        settings: &PdfSettings,
    ) -> Result<Typeset<'_>, Vec<Diagnostic>> {
        let missing = match source {
            Some(source) => glyph_errors(&self.font_set, doc, source),
            None => self.glyph_errors(doc),
        };
        if !missing.is_empty() {
            return Err(missing);
        }
        // Written straight to bytes: no JSON tree in between.
        #[derive(serde::Serialize)]
        struct WithFonts<'a> {
            #[serde(flatten)]
            data: Data,
            fonts: Families<'a>,
        }
        let data = serde_json::to_vec(&WithFonts {
            data: Data::new(doc),
            fonts: self.families(),
        })
        .unwrap_or_default();
        let ident = format!("jixiao/{}/{}", doc.year, doc.department);
        self.compile(&self.form, data, ident, timestamp(doc.year, settings))
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
            "measures": measure::MEASURES,
            "entries": entries
                .iter()
                .map(|(department, page)| serde_json::json!({ "department": department, "page": page }))
                .collect::<Vec<_>>(),
        });
        let ident = format!("jixiao/{year}/{town}");
        let data = serde_json::to_vec(&data).unwrap_or_default();
        self.compile(&self.town, data, ident, timestamp(year, settings))?
            .rendered(settings)
    }

    fn families(&self) -> Families<'_> {
        Families {
            title: &self.font_set.title,
            body: &self.font_set.body,
        }
    }

    fn compile<'a>(
        &'a self,
        template: &'a Template,
        data: Vec<u8>,
        ident: String,
        timestamp: Timestamp,
    ) -> Result<Typeset<'a>, Vec<Diagnostic>> {
        let world = DocWorld {
            ts: self,
            template,
            data: Bytes::new(data),
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
        warnings.dedup();
        Ok(Typeset {
            world,
            document,
            ident,
            timestamp,
            warnings,
        })
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
}

/// A document laid out once: its PDF and its pages' pictures are all
/// drawn from these same pages.
pub struct Typeset<'a> {
    world: DocWorld<'a>,
    document: PagedDocument,
    ident: String,
    timestamp: Timestamp,
    /// What Typst warned about while laying it out.
    pub warnings: Vec<Diagnostic>,
}

impl Typeset<'_> {
    /// The laid-out pages, for [`picture`](crate::render::picture).
    pub fn pages(&self) -> &[Page] {
        self.document.pages()
    }

    /// The PDF of these pages.
    pub fn pdf(&self, settings: &PdfSettings) -> Result<Vec<u8>, Vec<Diagnostic>> {
        let ts = self.world.ts;
        let options = PdfOptions {
            ident: Smart::Custom(self.ident.clone()),
            creator: Smart::Custom(Some(format!("jixiao {}", env!("CARGO_PKG_VERSION")))),
            timestamp: Some(self.timestamp),
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
        typst_pdf::pdf(&self.document, &options).map_err(|errs| {
            errs.iter()
                .map(|e| ts.diagnostic(&self.world, e))
                .collect::<Vec<_>>()
        })
    }

    /// The PDF with the page count and the warnings.
    fn rendered(self, settings: &PdfSettings) -> Result<Rendered, Vec<Diagnostic>> {
        let pdf = self.pdf(settings)?;
        Ok(Rendered {
            pdf,
            pages: self.document.pages().len(),
            warnings: self.warnings,
        })
    }
}

/// The font families the template sets titles and text in, present ones
/// only, official first.
#[derive(serde::Serialize)]
struct Families<'a> {
    title: &'a [String],
    body: &'a [String],
}

/// `2024年大朗镇部门整体预算绩效目标表（合订本）`
pub fn volume_title(town: &str, year: i32) -> String {
    format!("{year}年{town}部门整体预算绩效目标表（合订本）")
}

/// The PDF's date (see [`DocDate`]).
fn timestamp(year: i32, settings: &PdfSettings) -> Timestamp {
    Timestamp::new_utc(DocDate::new(year, settings.source_date_epoch).typst())
}

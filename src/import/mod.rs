//! Forms that already exist, brought in without retyping: a workbook or the
//! budget system's text export becomes a [`Document`](crate::model::Document)
//! and then a data file in the house format.
//!
//! [`table`] reads any input into one view of cells (an xlsx's cells as
//! their number formats show them, through `xlsx_format`); [`form`] finds the
//! form's labels in it and fills a document, recording which cell each
//! value came from and reporting every cell it could not use; [`toml_out`]
//! writes the document as `jixiao new` lays a data file out.

pub mod form;
pub mod table;
pub mod text;
pub mod toml_out;
mod xlsx_format;

use std::path::Path;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{self, Loaded};
use crate::render::xlsx::summary;

pub use form::{Finding, Imported, Use};

/// What one input file held.
#[derive(Debug, Clone)]
pub struct Forms {
    /// The forms found, one per sheet, in the workbook's order.
    pub forms: Vec<Imported>,
    /// Sheets passed over, and why: warnings for the town workbook's 汇总
    /// and sheets that are not forms, errors for forms that could not be
    /// read.
    pub skipped: Vec<Finding>,
}

/// Reads every form in a file's bytes. `stem` names a text export's form,
/// `ext` is the file's extension (lower case, no dot). `Err` when the file
/// cannot be read or holds no form; the message names the first label not
/// found.
pub fn import(bytes: &[u8], stem: &str, ext: &str) -> Result<Forms, Finding> {
    let tables = table::read(bytes, stem, ext).map_err(|e| Finding {
        severity: Severity::Error,
        cell: None,
        field: None,
        message: e.0,
    })?;
    let several = tables.len() > 1;
    // A hidden sheet (an old copy of the form, the lists behind a
    // drop-down) is not what the workbook shows, so it is read only when
    // the workbook shows nothing else.
    let shows_any = tables.iter().any(|t| !t.hidden && !t.cells.is_empty());
    let mut forms = Vec::new();
    let mut skipped = Vec::new();
    let mut first_error = None;
    for t in &tables {
        if t.cells.is_empty() {
            continue;
        }
        if t.hidden && shows_any {
            skipped.push(Finding {
                severity: Severity::Warning,
                cell: None,
                field: None,
                message: format!(
                    "工作表“{}”在工作簿中是隐藏的，已跳过；要导入它，请先在 Excel/WPS 中取消隐藏",
                    t.name
                ),
            });
            continue;
        }
        if several && t.name == summary::SHEET {
            skipped.push(Finding {
                severity: Severity::Warning,
                cell: None,
                field: None,
                message: format!("工作表“{}”是全镇汇总表，不是部门的表，已跳过", t.name),
            });
            continue;
        }
        let split = form::split_inline_values(t);
        let t = split.as_ref().unwrap_or(t);
        match form::recognise(t) {
            Ok(f) => forms.push(f),
            Err(mut e) => {
                if several {
                    e.message = format!("工作表“{}”{}", t.name, e.message);
                }
                if first_error.is_none() {
                    first_error = Some(e.clone());
                }
                // A sheet naming a department was meant to be a form: its
                // failure is an error; any other sheet is passed over.
                if !form::names_a_department(t) {
                    e.severity = Severity::Warning;
                }
                e.message.push_str("，已跳过");
                skipped.push(e);
            }
        }
    }
    if forms.is_empty() {
        return Err(first_error.unwrap_or(Finding {
            severity: Severity::Error,
            cell: None,
            field: None,
            message: "文件中没有任何内容".into(),
        }));
    }
    Ok(Forms { forms, skipped })
}

/// A form as `jixiao check` sees it: written as a data file in memory and
/// loaded. Each diagnostic that names a field gains a note with the source
/// cell (`原表中的位置：Sheet1!E8`), so a clerk fixes the workbook, not the
/// file. Returns the data file's text and what loading it found.
pub fn check(form: &Imported) -> (String, crate::model::Loaded) {
    let text = toml_out::write(&form.document);
    let mut loaded = crate::model::load(text.as_bytes());
    for d in &mut loaded.diagnostics {
        if let Some(cell) = d.path.as_deref().and_then(|p| form.cell_of(p)) {
            d.notes.push(format!("原表中的位置：{cell}"));
        }
    }
    (text, loaded)
}

/// The forms in one file, its size bounded before it is read.
pub fn read_file(path: &Path) -> Result<Forms, String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("无法读取：{}", crate::files::describe_io(&e)))?;
    let ext = path
        .extension()
        .map_or_else(String::new, |s| s.to_string_lossy().to_lowercase());
    if ext == "toml" {
        return Err("这已经是数据文件，不需要导入；请用 jixiao check 检查".into());
    }
    if meta.is_dir() {
        return Err("这是一个文件夹；请写出其中的文件，如 文件夹/*.xlsx".into());
    }
    if meta.len() > table::MAX_FILE_BYTES {
        return Err(format!(
            "文件有 {} MB，超过可读取的上限 {} MB，不像是一份绩效目标表",
            meta.len() / (1024 * 1024),
            table::MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    let bytes =
        std::fs::read(path).map_err(|e| format!("无法读取：{}", crate::files::describe_io(&e)))?;
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    // The caller says it is an error; the message keeps only the cell.
    import(&bytes, &stem, &ext).map_err(|e| match e.cell {
        Some(cell) => format!("{cell}：{}", e.message),
        None => e.message,
    })
}

/// The extensions of the files `import`, `check`, `render` and `batch`
/// read as existing forms (workbooks and the budget system's export).
pub const FORM_FILES: &[&str] = &["xlsx", "xlsm", "xls", "xlsb", "ods", "txt"];

/// Whether `path` names a workbook or an export rather than a data file.
pub fn is_form_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| {
        let e = e.to_string_lossy().to_lowercase();
        FORM_FILES.contains(&e.as_str())
    })
}

/// One form of a file, loaded as `check` and `render` see it.
pub struct LoadedForm {
    /// The sheet, when the file holds several forms; else `None`.
    pub sheet: Option<String>,
    pub loaded: Loaded,
    /// For a form read from a workbook: where each value came from.
    sources: std::collections::BTreeMap<String, String>,
    several: bool,
}

impl LoadedForm {
    fn plain(loaded: Loaded) -> LoadedForm {
        LoadedForm {
            sheet: None,
            loaded,
            sources: Default::default(),
            several: false,
        }
    }

    /// Points a later finding (the glyph check's) at the source cell of
    /// its field, when the form came from a workbook.
    pub fn place(&self, mut d: Diagnostic) -> Diagnostic {
        if !self.sources.is_empty() {
            locate(&mut d, &self.sources, self.several);
        }
        d
    }
}

/// Loads every form of `path`: a data file as such; a workbook or export
/// through the importer, each diagnostic pointing at its source cell.
/// With `strict`, warnings count as errors. A file that cannot be read is
/// one form with that error.
pub fn load_any(path: &Path, strict: bool) -> Vec<LoadedForm> {
    if !is_form_file(path) {
        return vec![LoadedForm::plain(model::load_file(path, strict))];
    }
    let failed = |d: Diagnostic| Loaded {
        source: String::new(),
        document: None,
        diagnostics: vec![d],
    };
    let forms = match read_file(path) {
        Ok(f) => f,
        Err(why) => {
            return vec![LoadedForm::plain(failed(
                Diagnostic::error(why).field("文件"),
            ))];
        }
    };
    let several = forms.forms.len() > 1;
    let mut out: Vec<LoadedForm> = forms
        .forms
        .iter()
        .map(|f| LoadedForm {
            sheet: several.then(|| f.sheet.clone()),
            loaded: load_form(f, several, strict),
            sources: f.sources.clone(),
            several,
        })
        .collect();
    // Sheets that were meant to be forms and could not be read.
    for s in forms.skipped.iter().filter(|s| s.is_error()) {
        out.push(LoadedForm::plain(failed(finding(s, several))));
    }
    out
}

/// A form read from a workbook, checked as a data file would be, every
/// finding at its cell: what the importer could not read, then what the
/// checks found.
pub fn load_form(form: &Imported, several: bool, strict: bool) -> Loaded {
    let text = toml_out::write(&form.document);
    let mut loaded = model::load(text.as_bytes());
    // What the importer could not read is told once, in its words at its
    // cell: not again as a key the data file lacks (`indicators = …`).
    let unread: Vec<String> = (form.report.iter())
        .filter(|f| f.is_error())
        .filter_map(|f| f.field.as_ref().map(ToString::to_string))
        .collect();
    loaded.diagnostics.retain(|d| {
        !d.path
            .as_deref()
            .is_some_and(|p| unread.iter().any(|u| form::is_within(p, u)))
    });
    for d in &mut loaded.diagnostics {
        locate(d, &form.sources, several);
    }
    let mut diagnostics: Vec<Diagnostic> =
        form.report.iter().map(|f| finding(f, several)).collect();
    diagnostics.append(&mut loaded.diagnostics);
    if strict {
        for d in &mut diagnostics {
            d.severity = Severity::Error;
        }
    }
    let failed = form.errors() > 0 || diagnostics.iter().any(Diagnostic::is_error);
    Loaded {
        source: text,
        document: if failed { None } else { loaded.document },
        diagnostics,
    }
}

/// Points a finding about a form read from a workbook at its cell (see
/// [`form::cell_of`]), never at a line of the data file the clerk did not
/// write.
fn locate(d: &mut Diagnostic, sources: &std::collections::BTreeMap<String, String>, several: bool) {
    let cell = d.path.as_deref().and_then(|p| form::cell_of(sources, p));
    d.cell = cell.map(|c| shown_cell(c, several));
    d.span = None;
}

/// A cell as a message shows it after the file name: `F6` when the file
/// holds one form (its sheet goes without saying), `Sheet1!F6` otherwise.
fn shown_cell(cell: &str, several: bool) -> String {
    match cell.rsplit_once('!') {
        Some((_, at)) if !several => at.to_string(),
        _ => cell.to_string(),
    }
}

fn finding(f: &Finding, several: bool) -> Diagnostic {
    let mut d = match f.severity {
        Severity::Error => Diagnostic::error(f.message.clone()),
        Severity::Warning => Diagnostic::warning(f.message.clone()),
    };
    if let Some(field) = &f.field {
        d = d.of(field);
    }
    d.cell = f.cell.as_deref().map(|c| shown_cell(c, several));
    d
}

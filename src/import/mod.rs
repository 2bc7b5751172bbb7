//! Forms that already exist, brought in without retyping: a workbook or the
//! budget system's text export becomes a [`Document`](crate::model::Document)
//! and then a data file in the house format.
//!
//! [`table`] reads any input into one view of cells; [`form`] finds the
//! form's labels in it and fills a document, recording which cell each
//! value came from and reporting every cell it could not use; [`toml_out`]
//! writes the document as `jixiao new` lays a data file out.

pub mod form;
pub mod table;
pub mod text;
pub mod toml_out;

use crate::diagnostic::Severity;
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
    let mut forms = Vec::new();
    let mut skipped = Vec::new();
    let mut first_error = None;
    for t in &tables {
        if t.cells.is_empty() {
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

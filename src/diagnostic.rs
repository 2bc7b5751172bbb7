//! One diagnostic type for everything a user can get wrong.
//!
//! TOML syntax errors, structural errors (unknown key, wrong type, missing
//! field), rule violations (unbalanced budget) and template errors all become
//! a [`Diagnostic`]: a severity, a Chinese message, the form's own field name
//! and a byte span into the source. [`render`] prints them the way compilers
//! do — `file:line:column`, the source line, a caret under the mistake — with
//! columns counted in characters and carets sized by display width, so they
//! line up under Chinese text too.

use std::fmt::Write as _;
use std::ops::Range;

use unicode_width::UnicodeWidthStr;

/// How bad a diagnostic is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    /// Likely a mistake, but the form can still be rendered (unless `--strict`).
    Warning,
    /// The form is wrong and must not be rendered.
    Error,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        }
    }
}

/// One finding about one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// What is wrong, in Chinese, with the figures when there are figures.
    pub message: String,
    /// The form's name for the field, e.g. `预算整体情况 › 财政拨款`.
    pub field: Option<String>,
    /// Where the field is in a data file, e.g. `budget.fiscal_funds`; lets
    /// a form read from a workbook point at the workbook's cell.
    pub path: Option<String>,
    /// Byte range in the source the mistake is at.
    pub span: Option<Range<usize>>,
    /// For a form read from a workbook or a text export: the cell the
    /// mistake is in (`F6`, `Sheet1!F6`, `第14行第3列`), shown instead of a
    /// line of the source.
    pub cell: Option<String>,
    /// Short text printed under the caret.
    pub label: Option<String>,
    /// Further explanation or a hint how to fix it.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, message)
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, message)
    }

    fn new(severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            message: message.into(),
            field: None,
            path: None,
            span: None,
            cell: None,
            label: None,
            notes: Vec::new(),
        }
    }

    pub fn at(mut self, span: Range<usize>) -> Self {
        self.span = Some(span);
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The field the mistake is in: its name on the form and its path.
    pub fn of(mut self, field: &crate::model::field::Field) -> Self {
        self.field = Some(field.name());
        self.path = Some(field.to_string());
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// 1-based line and column (in characters) of the start of the span.
    pub fn line_col(&self, source: &str) -> Option<(usize, usize)> {
        self.span.as_ref().map(|s| line_col(source, s.start))
    }
}

/// 1-based line and character column of a byte offset (clamped to the text).
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset);
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Renders diagnostics of one file as plain text, in source order.
pub fn render(path: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        render_one(&mut out, path, source, d);
    }
    out
}

/// Where a diagnostic is, as printed after `-->`: `file:line:column`,
/// `file!D6` (a workbook's cell), `file：第14行第3列` (an export's), or the
/// file alone.
pub fn location(path: &str, source: &str, d: &Diagnostic) -> String {
    match (&d.cell, &d.span) {
        (Some(cell), _) => {
            let sep = if cell.starts_with('第') { "：" } else { "!" };
            format!("{path}{sep}{cell}")
        }
        (None, Some(span)) => {
            let (line, col) = line_col(source, span.start);
            format!("{path}:{line}:{col}")
        }
        (None, None) => path.to_string(),
    }
}

fn render_one(out: &mut String, path: &str, source: &str, d: &Diagnostic) {
    let _ = writeln!(out, "{}：{}", d.severity.label(), d.message);
    let field = d
        .field
        .as_ref()
        .map(|f| format!("（{f}）"))
        .unwrap_or_default();
    let _ = writeln!(out, "  --> {}{field}", location(path, source, d));
    let span = match (&d.cell, &d.span) {
        (None, Some(span)) => span,
        _ => {
            for n in &d.notes {
                let _ = writeln!(out, "   = {n}");
            }
            out.push('\n');
            return;
        }
    };
    let (line, _) = line_col(source, span.start);
    let start = floor_char_boundary(source, span.start);
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let text = source[line_start..line_end].trim_end_matches('\r');
    let end = floor_char_boundary(source, span.end).clamp(start, line_start + text.len());
    let num = line.to_string();
    let pad = " ".repeat(num.len());
    let indent = source[line_start..start].width();
    let carets = source[start..end].width().max(1);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{num} | {text}");
    let _ = write!(out, "{pad} | {}{}", " ".repeat(indent), "^".repeat(carets));
    match &d.label {
        Some(l) => {
            let _ = writeln!(out, " {l}");
        }
        None => out.push('\n'),
    }
    for n in &d.notes {
        let _ = writeln!(out, "{pad} = {n}");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_carets_follow_display_width() {
        let src = "a = 1\nname = \"党建\"\n";
        let start = src.find('"').unwrap();
        let d = Diagnostic::error("不对").at(start..start + 8).label("名称");
        assert_eq!(d.line_col(src), Some((2, 8)));
        let text = render("f.toml", src, &[d]);
        assert!(text.contains("f.toml:2:8"), "{text}");
        // `"党建"` is 6 columns wide: two quotes + two wide characters.
        assert!(text.contains("  |        ^^^^^^ 名称"), "{text}");
    }

    #[test]
    fn spans_past_the_end_do_not_panic() {
        let src = "名称";
        let d = Diagnostic::error("x").at(1..100);
        let text = render("f.toml", src, &[d]);
        assert!(text.contains("f.toml:1:1"), "{text}");
    }
}

//! `jixiao check`: load every file, print what is wrong, say how it went.
//!
//! Data files, and the workbooks and exports departments send in: a
//! workbook is read as `jixiao import` reads it, checked in memory, and
//! every mistake is shown at its cell (`党建.xlsx!F6（预算整体情况 › 财政拨款）`).
//! With `--format json`, the same findings as one JSON document on stdout
//! (see [`crate::render::json`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::{CheckArgs, CheckFormatArg};
use crate::diagnostic::{self, Diagnostic};
use crate::files;
use crate::import;
use crate::model::Loaded;
use crate::render::fonts::FontSet;
use crate::render::json::Findings;
use crate::render::pdf::glyph_errors;

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    if args.format == CheckFormatArg::Json {
        return run_json(args);
    }
    let roots = roots(args);
    let found = files::collect(&roots, files::DATA_AND_WORKBOOKS)?;
    if found.is_empty() {
        err!("{}", nothing_found(&roots));
        return Ok(ExitCode::from(1));
    }
    // The fonts `render` would use: a form that passes here renders.
    let fonts = FontSet::load(&args.fonts.font_path)?;
    let (mut forms, mut failed) = (0, 0);
    let (mut errors, mut warnings) = (0, 0);
    for path in &found {
        for (sheet, loaded) in load(path, args.strict, &fonts) {
            forms += 1;
            let shown = match &sheet {
                Some(sheet) => format!("{}（{sheet}）", path.display()),
                None => path.display().to_string(),
            };
            err_raw!(
                "{}",
                diagnostic::render(
                    &path.display().to_string(),
                    &loaded.source,
                    &loaded.diagnostics
                )
            );
            errors += loaded.errors();
            warnings += loaded.warnings();
            if loaded.errors() > 0 {
                failed += 1;
                out!(
                    "✗ {shown}：{} 个错误，{} 个警告",
                    loaded.errors(),
                    loaded.warnings()
                );
            } else if loaded.warnings() > 0 {
                out!("! {shown}：无错误，{} 个警告", loaded.warnings());
            } else {
                out!("✓ {shown}");
            }
        }
    }
    out!(
        "共检查 {forms} 个表：{} 个通过，{failed} 个有错误（错误 {errors} 个，警告 {warnings} 个）",
        forms - failed
    );
    Ok(ExitCode::from(u8::from(failed > 0)))
}

/// `--format json`: the same checks, one JSON document on stdout and
/// nothing else. What the human format reports as a failure of the whole
/// command (a path that does not exist, fonts that cannot be loaded) is in
/// the document too, so a consumer always gets one to read.
fn run_json(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let roots = roots(args);
    let mut findings = Findings::new();
    let mut found = Vec::new();
    for root in &roots {
        match files::collect(std::slice::from_ref(root), files::DATA_AND_WORKBOOKS) {
            Ok(files) => found.extend(files),
            Err(e) => {
                let d = Diagnostic::error(format!("{e:#}")).field("文件");
                findings.add(&root.display().to_string(), None, "", &[d]);
            }
        }
    }
    found.sort();
    found.dedup();
    if found.is_empty() && !findings.failed() {
        findings.add_run_error(nothing_found(&roots));
    }
    match FontSet::load(&args.fonts.font_path) {
        Ok(fonts) => {
            for path in &found {
                let shown = path.display().to_string();
                for (sheet, loaded) in load(path, args.strict, &fonts) {
                    findings.add(
                        &shown,
                        sheet.as_deref(),
                        &loaded.source,
                        &loaded.diagnostics,
                    );
                }
            }
        }
        Err(e) => findings.add_run_error(format!("{e:#}")),
    }
    {
        use std::io::Write as _;
        // A closed pipe is no error, as for the human format.
        let _ = std::io::stdout().lock().write_all(&findings.to_bytes());
    }
    Ok(ExitCode::from(u8::from(findings.failed())))
}

fn roots(args: &CheckArgs) -> Vec<PathBuf> {
    if args.paths.is_empty() {
        vec![PathBuf::from("data")]
    } else {
        args.paths.clone()
    }
}

fn nothing_found(roots: &[PathBuf]) -> String {
    format!(
        "没有找到数据文件或工作簿（.toml、.xlsx、.xls、.ods；查找范围：{}）",
        files::show_all(roots)
    )
}

/// Every form of one file, checked as `render` would check it, glyphs
/// included: the sheet (when the file holds several forms) and what was
/// found.
fn load(path: &Path, strict: bool, fonts: &FontSet) -> Vec<(Option<String>, Loaded)> {
    import::load_any(path, strict)
        .into_iter()
        .map(|mut form| {
            let mut loaded = std::mem::take(&mut form.loaded);
            if let Some(doc) = &loaded.document {
                let missing = glyph_errors(fonts, doc, &loaded.source);
                if !missing.is_empty() {
                    loaded
                        .diagnostics
                        .extend(missing.into_iter().map(|d| form.place(d)));
                    loaded.document = None;
                }
            }
            (form.sheet.take(), loaded)
        })
        .collect()
}

//! `jixiao check`: load every file, print what is wrong, say how it went.
//!
//! Data files, and the workbooks and exports departments send in: a
//! workbook is read as `jixiao import` reads it, checked in memory, and
//! every mistake is shown at its cell (`党建.xlsx!F6（预算整体情况 › 财政拨款）`).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::CheckArgs;
use crate::diagnostic;
use crate::files;
use crate::import;
use crate::render::fonts::FontSet;
use crate::render::pdf::glyph_errors;

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from("data")]
    } else {
        args.paths.clone()
    };
    let found = files::collect(&roots, files::DATA_AND_WORKBOOKS)?;
    if found.is_empty() {
        err!(
            "没有找到数据文件或工作簿（.toml、.xlsx、.xls、.ods；查找范围：{}）",
            files::show_all(&roots)
        );
        return Ok(ExitCode::from(1));
    }
    // The fonts `render` would use: a form that passes here renders.
    let fonts = FontSet::load(&args.fonts.font_path)?;
    let (mut forms, mut failed) = (0, 0);
    let (mut errors, mut warnings) = (0, 0);
    for path in &found {
        for mut form in import::load_any(path, args.strict) {
            forms += 1;
            let mut loaded = std::mem::take(&mut form.loaded);
            if let Some(doc) = &loaded.document {
                let missing = glyph_errors(&fonts, doc, &loaded.source);
                if !missing.is_empty() {
                    loaded
                        .diagnostics
                        .extend(missing.into_iter().map(|d| form.place(d)));
                    loaded.document = None;
                }
            }
            let shown = match &form.sheet {
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

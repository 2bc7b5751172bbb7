//! `jixiao check`: load every file, print what is wrong, say how it went.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::CheckArgs;
use crate::diagnostic;
use crate::files;
use crate::model;
use crate::render::fonts::FontSet;
use crate::render::pdf::glyph_errors;

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from("data")]
    } else {
        args.paths.clone()
    };
    let found = files::collect(&roots)?;
    if found.is_empty() {
        err!(
            "没有找到 .toml 数据文件（查找范围：{}）",
            files::show_all(&roots)
        );
        return Ok(ExitCode::from(1));
    }
    // The fonts `render` would use: a form that passes here renders.
    let fonts = FontSet::load(&args.fonts.font_path)?;
    let mut failed = 0;
    let (mut errors, mut warnings) = (0, 0);
    for path in &found {
        let mut loaded = model::load_file(path, args.strict);
        if let Some(doc) = &loaded.document {
            let missing = glyph_errors(&fonts, doc, &loaded.source);
            if !missing.is_empty() {
                loaded.diagnostics.extend(missing);
                loaded.document = None;
            }
        }
        let shown = path.display().to_string();
        err_raw!(
            "{}",
            diagnostic::render(&shown, &loaded.source, &loaded.diagnostics)
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
    out!(
        "共检查 {} 个文件：{} 个通过，{} 个有错误（错误 {errors} 个，警告 {warnings} 个）",
        found.len(),
        found.len() - failed,
        failed
    );
    Ok(ExitCode::from(u8::from(failed > 0)))
}

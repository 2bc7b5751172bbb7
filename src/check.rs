//! `jixiao check`: load every file, print what is wrong, say how it went.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::CheckArgs;
use crate::diagnostic::{self, Diagnostic, Severity};
use crate::files;
use crate::model::{self, Loaded};

/// Loads one file from disk; an unreadable file becomes a diagnostic.
pub fn check_file(path: &Path, strict: bool) -> Loaded {
    let mut loaded = match std::fs::read(path) {
        Ok(bytes) => model::load(&bytes),
        Err(e) => Loaded {
            source: String::new(),
            document: None,
            diagnostics: vec![
                Diagnostic::error(format!("无法读取文件：{}", files::describe_io(&e)))
                    .field("文件"),
            ],
        },
    };
    if strict {
        for d in &mut loaded.diagnostics {
            d.severity = Severity::Error;
        }
        if loaded.errors() > 0 {
            loaded.document = None;
        }
    }
    loaded
}

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from("data")]
    } else {
        args.paths.clone()
    };
    let found = files::collect(&roots)?;
    if found.is_empty() {
        eprintln!(
            "没有找到 .toml 数据文件（查找范围：{}）",
            files::show_all(&roots)
        );
        return Ok(ExitCode::from(1));
    }
    let mut failed = 0;
    let (mut errors, mut warnings) = (0, 0);
    for path in &found {
        let loaded = check_file(path, args.strict);
        let shown = path.display().to_string();
        eprint!(
            "{}",
            diagnostic::render(&shown, &loaded.source, &loaded.diagnostics)
        );
        errors += loaded.errors();
        warnings += loaded.warnings();
        if loaded.errors() > 0 {
            failed += 1;
            println!(
                "✗ {shown}：{} 个错误，{} 个警告",
                loaded.errors(),
                loaded.warnings()
            );
        } else if loaded.warnings() > 0 {
            println!("! {shown}：无错误，{} 个警告", loaded.warnings());
        } else {
            println!("✓ {shown}");
        }
    }
    println!(
        "共检查 {} 个文件：{} 个通过，{} 个有错误（错误 {errors} 个，警告 {warnings} 个）",
        found.len(),
        found.len() - failed,
        failed
    );
    Ok(ExitCode::from(u8::from(failed > 0)))
}

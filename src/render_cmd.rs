//! `jixiao render`: check, then write `<stem>.pdf` for each file given.
//!
//! A file that fails the check renders nothing; the others still render.
//! Outputs are written atomically, so a failure never leaves half a file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::check::check_file;
use crate::cli::RenderArgs;
use crate::diagnostic;
use crate::files;
use crate::render::pdf::{PdfSettings, Typesetter};

/// Where a file's outputs go: `-o DIR` → `DIR/<stem>`; otherwise `out/`
/// mirroring the path under `data/` (`data/2024/x.toml` → `out/2024/x`).
pub fn output_stem(input: &Path, out_dir: Option<&Path>) -> PathBuf {
    let stem = input.file_stem().unwrap_or_default();
    match out_dir {
        Some(dir) => dir.join(stem),
        None => {
            let rel = input
                .strip_prefix("data")
                .ok()
                .and_then(Path::parent)
                .unwrap_or(Path::new(""));
            Path::new("out").join(rel).join(stem)
        }
    }
}

pub fn run(args: &RenderArgs) -> anyhow::Result<ExitCode> {
    let typesetter = Typesetter::new(args.pdf.template.as_deref(), &args.pdf.font_path)?;
    let settings = PdfSettings {
        standard: args.pdf.pdf_standard,
        source_date_epoch: args.pdf.source_date_epoch,
    };
    let mut failed = 0;
    for input in &args.files {
        let shown = input.display().to_string();
        let checked = check_file(input, false);
        let l = &checked.loaded;
        eprint!("{}", diagnostic::render(&shown, &l.source, &l.diagnostics));
        let Some(doc) = &l.document else {
            println!("✗ {shown}：有 {} 个错误，未生成", l.errors());
            failed += 1;
            continue;
        };
        let stem = output_stem(input, args.output.as_deref());
        match typesetter.render(doc, &settings) {
            Ok(r) => {
                eprint!("{}", diagnostic::render(&shown, &l.source, &r.warnings));
                let path = stem.with_extension("pdf");
                match files::write_atomic(&path, &r.pdf) {
                    Ok(()) => println!("✓ {shown} → {}（{} 页）", path.display(), r.pages),
                    Err(e) => {
                        eprintln!("错误：{e:#}");
                        failed += 1;
                    }
                }
            }
            Err(errors) => {
                eprint!("{}", diagnostic::render(&shown, &l.source, &errors));
                println!("✗ {shown}：生成 PDF 失败，未写入任何文件");
                failed += 1;
            }
        }
    }
    Ok(ExitCode::from(u8::from(failed > 0)))
}

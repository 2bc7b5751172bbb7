//! `jixiao import`: existing forms in, data files out. Each file is read,
//! each form in it written as `<stem>.toml` (or `<stem>/<sheet>.toml` when
//! a workbook holds several), checked as `jixiao check` would, and every
//! cell that was not used or not readable is named on stderr.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::ImportArgs;
use crate::diagnostic;
use crate::files;
use crate::import::{self, Imported};
use crate::names;

/// Where one form goes.
enum Target {
    Stdout,
    File(PathBuf),
}

pub fn run(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let mut failed = 0usize;
    let mut written = 0usize;
    // Everything is read first, so that "several forms, no -o" is refused
    // before anything is printed.
    let mut read: Vec<(PathBuf, Vec<Imported>)> = Vec::new();
    for path in &args.files {
        let shown = path.display().to_string();
        match import::read_file(path) {
            Ok(forms) => {
                for s in &forms.skipped {
                    err!("{shown}：{s}");
                    if s.is_error() {
                        failed += 1;
                    }
                }
                read.push((path.clone(), forms.forms));
            }
            Err(why) => {
                err!("✗ {shown}：{why}");
                failed += 1;
            }
        }
    }
    let total: usize = read.iter().map(|(_, f)| f.len()).sum();
    if args.output.is_none() && total > 1 {
        err!("读到 {total} 个表：输出到屏幕只能是一个表，请用 -o 指定输出文件夹");
        return Ok(ExitCode::from(2));
    }

    for (path, forms) in &read {
        let stem = path
            .file_stem()
            .map(|s| names::safe_name(&s.to_string_lossy()))
            .unwrap_or_else(|| "导入".into());
        let several = forms.len() > 1;
        for form in forms {
            let target = match &args.output {
                None => Target::Stdout,
                Some(dir) if several => Target::File(
                    dir.join(&stem)
                        .join(format!("{}.toml", names::safe_name(&form.sheet))),
                ),
                Some(dir) => Target::File(dir.join(format!("{stem}.toml"))),
            };
            match write_form(path, form, &target, args) {
                Ok(true) => written += 1,
                Ok(false) => failed += 1,
                Err(e) => {
                    err!("✗ {e:#}");
                    failed += 1;
                }
            }
        }
    }
    if args.output.is_some() || failed > 0 {
        err!("共导入 {written} 个表，{failed} 个未能导入或未通过检查");
    }
    Ok(ExitCode::from(u8::from(failed > 0)))
}

/// Reports, checks and writes one form; `Ok(true)` when it was written
/// and passes the check.
fn write_form(
    source: &Path,
    form: &Imported,
    target: &Target,
    args: &ImportArgs,
) -> anyhow::Result<bool> {
    let shown = source.display();
    for f in &form.report {
        err!("{shown}：{f}");
    }
    let name = match target {
        Target::Stdout => format!("{}（导入结果）", form.sheet),
        Target::File(p) => p.display().to_string(),
    };
    if form.errors() > 0 && !args.partial {
        err!(
            "✗ {shown}（{}）：有 {} 处读不出，没有写出；改正原表后再导入，或加 --partial 写出已读到的内容",
            form.sheet,
            form.errors()
        );
        return Ok(false);
    }

    let (text, loaded) = import::check(form);
    err_raw!(
        "{}",
        diagnostic::render(&name, &loaded.source, &loaded.diagnostics)
    );

    match target {
        Target::Stdout => out_raw!("{text}"),
        Target::File(path) => {
            if args.force {
                files::write_atomic(path, text.as_bytes())?;
            } else {
                files::write_new(path, text.as_bytes())?;
            }
        }
    }
    let ok = loaded.errors() == 0 && form.errors() == 0;
    if let Target::File(p) = target {
        if ok {
            err!("✓ {} → {}", shown, p.display());
        } else {
            err!(
                "✗ {} → {}：已写出，但有 {} 个错误待改正",
                shown,
                p.display(),
                loaded.errors() + form.errors()
            );
        }
    }
    Ok(ok)
}

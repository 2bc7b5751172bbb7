//! `jixiao new`: a commented blank form for a new department, or next
//! year's form from last year's (`--from`).
//!
//! The scaffold is a real data file with every key and its Chinese help; a
//! test fills its blanks and checks that it passes, so it cannot rot.
//! `--from` moves a form on by one year (`model::rollover`): one file, or a
//! folder of them into a new folder with the same relative paths. A file
//! that exists is never overwritten.

use std::path::Path;
use std::process::ExitCode;

use crate::cli::NewArgs;
use crate::diagnostic;
use crate::files;
use crate::import;
use crate::model::{self, rollover};

/// The blank form, with every key documented.
pub const SCAFFOLD: &str = include_str!("scaffold.toml");

pub fn run(args: &NewArgs) -> anyhow::Result<ExitCode> {
    if let Some(from) = &args.from {
        return from_last_year(from, args.file.as_deref());
    }
    match &args.file {
        Some(path) => {
            files::write_new(path, SCAFFOLD.as_bytes())?;
            err!(
                "已生成“{}”。填好 \"\" 处的内容后，运行 jixiao check {} 检查。",
                path.display(),
                path.display()
            );
        }
        None => out_raw!("{SCAFFOLD}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `new TARGET --from FROM`: one form, or every data file of a folder.
fn from_last_year(from: &Path, target: Option<&Path>) -> anyhow::Result<ExitCode> {
    let meta = std::fs::metadata(from)
        .map_err(|e| anyhow::anyhow!("无法读取“{}”：{}", from.display(), files::describe_io(&e)))?;
    if !meta.is_dir() {
        let target = match target {
            // Into a folder that exists: under the source's own name.
            Some(t) if t.is_dir() => Some(t.join(from.file_name().unwrap_or_default())),
            Some(t) => Some(t.to_path_buf()),
            None => None,
        };
        let target = target.map(|t| {
            if import::is_form_file(&t) {
                t.with_extension("toml")
            } else {
                t
            }
        });
        let ok = advance_one(from, target.as_deref());
        return Ok(ExitCode::from(u8::from(!ok)));
    }
    let Some(target) = target else {
        err!(
            "“{}”是文件夹：请写出新文件夹的路径，如 jixiao new data/2025 --from {}",
            from.display(),
            from.display()
        );
        return Ok(ExitCode::from(2));
    };
    let found = files::collect(&[from.to_path_buf()], files::DATA)?;
    if found.is_empty() {
        err!("“{}”中没有数据文件（.toml）", from.display());
        return Ok(ExitCode::from(1));
    }
    let mut failed = 0usize;
    for path in &found {
        let rel = path.strip_prefix(from).unwrap_or(path);
        if !advance_one(path, Some(&target.join(rel))) {
            failed += 1;
        }
    }
    err!(
        "共 {} 个表：{} 个已生成下一年度的表，{failed} 个未能生成或带着错误",
        found.len(),
        found.len() - failed
    );
    Ok(ExitCode::from(u8::from(failed > 0)))
}

/// Writes next year's form of `from` to `target` (stdout when `None`) and
/// says on stderr what to review; `true` when it was written and passes
/// the check's rules.
fn advance_one(from: &Path, target: Option<&Path>) -> bool {
    let shown = from.display().to_string();
    let bytes = match last_years_file(from) {
        Ok(bytes) => bytes,
        Err(why) => {
            err!("✗ {shown}：{why}");
            return false;
        }
    };
    let next = match rollover::advance(&bytes) {
        Ok(next) => next,
        Err(failed) => {
            err_raw!(
                "{}",
                diagnostic::render(&shown, &failed.source, &failed.diagnostics)
            );
            err!("✗ {shown}：读不出这份表，没有生成下一年度的表；先用 jixiao check 改正");
            return false;
        }
    };
    let name = match target {
        Some(t) => {
            if let Err(e) = files::write_new(t, next.text.as_bytes()) {
                err!("✗ {e:#}");
                return false;
            }
            t.display().to_string()
        }
        // Only the year's value changed: the source's lines are the new
        // form's lines.
        None => {
            out_raw!("{}", next.text);
            shown.clone()
        }
    };
    err_raw!("{}", diagnostic::render(&name, &next.text, &next.mentions));
    // The rules of the source travel with it: say so now, not at render.
    let checked = model::load(next.text.as_bytes());
    let errors: Vec<_> = checked
        .diagnostics
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    err_raw!("{}", diagnostic::render(&name, &next.text, &errors));

    let mut said = format!("✓ {shown} → {name}：预算年度 {} → {}", next.from, next.to);
    if !next.mentions.is_empty() {
        said.push_str(&format!(
            "；{} 处文字仍写着 {} 年，已逐处列出，请核对",
            next.mentions.len(),
            next.from
        ));
    }
    if !next.comment_lines.is_empty() {
        let lines: Vec<String> = next.comment_lines.iter().map(usize::to_string).collect();
        said.push_str(&format!(
            "；注释中也提到 {} 年（第 {} 行），未改动",
            next.from,
            lines.join("、")
        ));
    }
    if !errors.is_empty() {
        said = said.replacen('✓', "✗", 1);
        said.push_str(&format!(
            "；原表就有 {} 个错误，已一并带过来，请改正",
            errors.len()
        ));
    }
    err!("{said}");
    errors.is_empty()
}

/// The data file's bytes; a workbook or export (one department's) is
/// imported first, as `jixiao import` would write it.
fn last_years_file(from: &Path) -> Result<Vec<u8>, String> {
    if !import::is_form_file(from) {
        return std::fs::read(from).map_err(|e| format!("无法读取：{}", files::describe_io(&e)));
    }
    let forms = import::read_file(from)?;
    let [form] = forms.forms.as_slice() else {
        return Err(format!(
            "其中有 {} 个部门的表；请先用 jixiao import 拆成数据文件，再对文件夹用 --from",
            forms.forms.len()
        ));
    };
    if form.errors() > 0 {
        let first = form
            .report
            .iter()
            .find(|f| f.is_error())
            .map(ToString::to_string)
            .unwrap_or_default();
        return Err(format!(
            "有 {} 处读不出（{first}）；先用 jixiao import 导入并改正",
            form.errors()
        ));
    }
    Ok(import::toml_out::write(&form.document).into_bytes())
}

//! `jixiao new`: a commented blank form for a new department.
//!
//! The scaffold is a real data file with every key and its Chinese help; a
//! test fills its blanks and checks that it passes, so it cannot rot.

use std::process::ExitCode;

use crate::cli::NewArgs;
use crate::files;

/// The blank form, with every key documented.
pub const SCAFFOLD: &str = include_str!("scaffold.toml");

pub fn run(args: &NewArgs) -> anyhow::Result<ExitCode> {
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

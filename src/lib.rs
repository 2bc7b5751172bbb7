//! jixiao（绩效）: one TOML file per department in, that department's
//! 部门整体预算绩效目标表 out.
//!
//! The pipeline: [`model`] loads and validates a file into a
//! [`model::Document`]; commands ([`check`], …) drive it; [`diagnostic`]
//! prints what went wrong; [`files`] finds inputs and writes outputs atomically.

pub mod batch;
pub mod batch_cmd;
pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod files;
pub mod model;
pub mod render;
pub mod scaffold;
pub mod town;

use std::process::ExitCode;

use cli::{Cli, Command};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::New(args) => scaffold::run(&args),
        Command::Render(args) => batch_cmd::render(&args),
        Command::Batch(args) => batch_cmd::run(&args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "jixiao", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema(args) => {
            let text = schema_text();
            match args.output {
                Some(path) => files::write_atomic(&path, text.as_bytes())?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The JSON Schema as the committed `data/jixiao.schema.json` holds it.
pub fn schema_text() -> String {
    let mut s = serde_json::to_string_pretty(model::schema()).unwrap_or_default();
    s.push('\n');
    s
}

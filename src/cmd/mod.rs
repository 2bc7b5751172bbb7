//! The commands, one file each: take the parsed command line, call the
//! library, print, and say how it went as an exit code. Nothing below this
//! layer knows about the command line.

/// Prints a line to stdout (colour only on a terminal). A closed pipe, as
/// in `jixiao check | head -1`, is no error: the rest of the output is
/// dropped and the work goes on to its end, as ripgrep does.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(anstream::stdout(), $($t)*);
    }};
}

/// Prints to stdout without a line end; see [`out!`].
macro_rules! out_raw {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(anstream::stdout(), $($t)*);
    }};
}

/// Prints a line to stderr; see [`out!`].
macro_rules! err {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(anstream::stderr(), $($t)*);
    }};
}

/// Prints to stderr without a line end; see [`out!`].
macro_rules! err_raw {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(anstream::stderr(), $($t)*);
    }};
}

pub mod check;
pub mod import;
pub mod new;
pub mod render;
pub mod watch;

use std::process::ExitCode;

use crate::cli::{Cli, Command, SchemaOf};
use crate::files;
use crate::render::json;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::New(args) => new::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Render(args) => render::render(&args),
        Command::Batch(args) => render::run(&args),
        Command::Watch(args) => watch::run(&args),
        Command::Completions { shell } => {
            let mut cmd = crate::cli::command();
            clap_complete::generate(shell, &mut cmd, "jixiao", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema(args) => {
            let text = match args.of {
                SchemaOf::Data => schema_text(),
                SchemaOf::Render => json::schema_text(&json::form_schema()),
                SchemaOf::Check => json::schema_text(&json::check_schema()),
            };
            match args.output {
                Some(path) => files::write_atomic(&path, text.as_bytes())?,
                None => out_raw!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The JSON Schema as the committed `data/jixiao.schema.json` holds it.
pub fn schema_text() -> String {
    json::schema_text(crate::model::schema())
}

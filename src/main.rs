//! The `jixiao` binary: parse the command line, run it, map the outcome to
//! an exit code (0 all good, 1 a form or file failed, 2 usage error).

use std::process::ExitCode;

// Typst allocates many small, short-lived objects per document; mimalloc
// serves them faster than the system allocator (measured in `benches/pdf.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    jixiao::memory::small_pages();
    let cli = jixiao::cli::parse();
    match jixiao::cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "错误：{e:#}");
            ExitCode::from(1)
        }
    }
}

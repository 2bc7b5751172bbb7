//! Helpers shared by the test modules.

use std::path::{Path, PathBuf};

use jixiao::diagnostic::{Diagnostic, Severity};
use jixiao::model::{self, Loaded};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn seed_path() -> PathBuf {
    root().join("data/2024/党建工作办公室.toml")
}

pub fn seed_source() -> String {
    std::fs::read_to_string(seed_path()).expect("seed data file")
}

pub fn load_path(path: &Path) -> Loaded {
    model::load(&std::fs::read(path).expect("fixture"))
}

pub fn load_str(s: &str) -> Loaded {
    model::load(s.as_bytes())
}

/// `(severity, line, field)` of each diagnostic, the facts a clerk acts on.
pub fn summary(l: &Loaded) -> Vec<(Severity, usize, String)> {
    l.diagnostics
        .iter()
        .map(|d: &Diagnostic| {
            (
                d.severity,
                d.line_col(&l.source).map_or(0, |(line, _)| line),
                d.field.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// The seed with one textual replacement, which must apply exactly once.
pub fn seed_with(from: &str, to: &str) -> String {
    let s = seed_source();
    assert_eq!(
        s.matches(from).count(),
        1,
        "{from:?} must occur once in the seed"
    );
    s.replacen(from, to, 1)
}

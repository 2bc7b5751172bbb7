//! Helpers shared by the test modules.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jixiao::diagnostic::{Diagnostic, Severity};
use jixiao::model::{self, Document, Loaded};
use jixiao::render::pdf::Typesetter;

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

/// The seed as another department of the same town: same figures, its own
/// name, so a batch has several valid forms.
pub fn department(name: &str) -> String {
    seed_with(
        "department = \"东莞市大朗镇党建工作办公室\"",
        &format!("department = \"东莞市大朗镇{name}\""),
    )
}

/// Every file under `dir`, recursively (symlinks not followed), sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                _ => found.push(p),
            }
        }
    }
    found.sort();
    found
}

/// Files under `dir` whose name marks them as our temp files.
pub fn temp_files(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".jixiao-"))
        })
        .collect()
}

/// A PDF's text by `pdftotext` (in content order with `raw`), all white
/// space removed: Typst sets thin spaces between Chinese and digits, and a
/// cell's text wraps anywhere.
pub fn pdf_text(pdf: &Path, raw: bool) -> String {
    let mut cmd = std::process::Command::new("pdftotext");
    if raw {
        cmd.arg("-raw");
    }
    let out = cmd
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is needed (bash .ci/setup installs poppler-utils)");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect()
}

/// The typesetter with the bundled fonts and templates, built once per run.
pub fn typesetter() -> &'static Typesetter {
    static TS: OnceLock<Typesetter> = OnceLock::new();
    TS.get_or_init(|| Typesetter::new(None, &[]).expect("bundled fonts and template"))
}

/// The valid form of `src`; panics with its diagnostics otherwise.
pub fn doc_of(src: &str) -> Document {
    let l = load_str(src);
    l.document.unwrap_or_else(|| panic!("{:#?}", l.diagnostics))
}

pub fn seed_doc() -> Document {
    doc_of(&seed_source())
}

/// The seed without its one 其他需完成的任务 (allowed: it is optional).
pub fn seed_without_other_tasks() -> String {
    let s = seed_source();
    let start = s.find("[[other_tasks]]").expect("other tasks");
    let end = s.find("# 绩效指标").expect("indicators");
    format!("{}{}", &s[..start], &s[end..])
}

/// The seed with its task amounts in 万元.
pub fn seed_in_wan() -> String {
    let mut src = seed_with("task_unit = \"元\"", "task_unit = \"万元\"");
    for (yuan, wan) in [
        ("2800000.00", "280.00"),
        ("1680000.00", "168.00"),
        ("690000.00", "69.00"),
        ("1150000.00", "115.00"),
        ("320000.00", "32.00"),
        ("200000.00", "20.00"),
        ("= 360000.00", "= 36.00"),
        ("2830000.00", "283.00"),
        ("= 60000.00", "= 6.00"),
        ("378000.00", "37.80"),
    ] {
        src = src.replacen(yuan, wan, 1);
    }
    src
}

/// The `jixiao` binary, run in `dir`.
pub fn jixiao_in(dir: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("jixiao").expect("the binary");
    c.current_dir(dir);
    c
}

/// `dir/收到的/`, as the finance bureau receives it: the seed's workbook
/// (`党建.xlsx`) and one whose 财政拨款 is 1,047.80, off balance at D6
/// (`坏.xlsx`).
pub fn received_workbooks(dir: &Path) -> PathBuf {
    let got = dir.join("收到的");
    std::fs::create_dir_all(&got).unwrap();
    let doc = seed_doc();
    std::fs::write(
        got.join("党建.xlsx"),
        jixiao::render::xlsx::workbook(&doc, None).unwrap(),
    )
    .unwrap();
    let mut wrong = doc;
    wrong.budget.fiscal_funds = Some(rust_decimal::Decimal::new(104_780, 2));
    std::fs::write(
        got.join("坏.xlsx"),
        jixiao::render::xlsx::workbook(&wrong, None).unwrap(),
    )
    .unwrap();
    got
}

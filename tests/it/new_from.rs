//! `jixiao new NEXT --from LAST`: next year's form from this year's, as a
//! clerk starts it in January — the year moved on, everything else kept,
//! and the texts that still name last year listed for review.

use std::path::Path;

use crate::support::*;

const SEED: &str = "2024/党建工作办公室.toml";
const NEXT: &str = "2025/党建工作办公室.toml";

/// A folder with `text` at `2024/党建工作办公室.toml`.
fn with_source(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(SEED);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    dir
}

fn new_from(dir: &Path, target: &str, from: &str) -> std::process::Output {
    jixiao_in(dir)
        .args(["new", target, "--from", from])
        .output()
        .unwrap()
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `(line, field)` of every warning printed, from its `--> file:line:col（field）`.
fn warned(stderr: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_warning = false;
    for line in stderr.lines() {
        if line.starts_with("警告：") {
            in_warning = true;
        } else if line.starts_with("错误：") {
            in_warning = false;
        } else if let Some(at) = line.trim_start().strip_prefix("--> ")
            && in_warning
        {
            let (place, field) = at.split_once('（').expect("a field name");
            let mut parts = place.rsplit(':');
            let _col = parts.next();
            let line_no: usize = parts.next().unwrap().parse().unwrap();
            out.push((line_no, field.trim_end_matches('）').to_string()));
            in_warning = false;
        }
    }
    out
}

/// Lines (from 1) where a double-quoted text on the line holds `needle`:
/// the form's texts, not its comments or keys.
fn lines_with_quoted(text: &str, needle: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#'))
        .filter(|(_, l)| l.split('"').skip(1).step_by(2).any(|q| q.contains(needle)))
        .map(|(i, _)| i + 1)
        .collect()
}

#[test]
fn the_year_moves_on_and_nothing_else_changes() {
    let dir = with_source(&seed_source());
    let out = new_from(dir.path(), NEXT, SEED);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let (old, new) = (read(dir.path(), SEED), read(dir.path(), NEXT));
    let differ: Vec<(&str, &str)> = old
        .lines()
        .zip(new.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(old.lines().count(), new.lines().count());
    assert_eq!(
        differ,
        [(
            "year = 2024             # 预算年度",
            "year = 2025             # 预算年度"
        )],
        "only the year line differs, its comment and alignment kept"
    );
    assert_eq!(new.len(), old.len(), "not a byte more or less");

    // The same form, a year on, and it passes check as the source does.
    let mut expected = seed_doc();
    expected.year = 2025;
    assert_eq!(doc_of(&new), expected);
    jixiao_in(dir.path()).args(["check", NEXT]).assert().code(0);
}

#[test]
fn a_windows_file_keeps_its_line_ends_and_the_year_its_place() {
    // Notepad's line ends, and the year typed with a digit separator.
    let src = seed_with("year = 2024   ", "year = 2_024 ").replace('\n', "\r\n");
    let dir = with_source(&src);
    let out = new_from(dir.path(), NEXT, SEED);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        read(dir.path(), NEXT),
        src.replacen("year = 2_024 ", "year = 2025 ", 1)
    );
}

#[test]
fn each_text_naming_the_old_year_is_listed_at_its_line() {
    let seed = seed_source();
    let dir = with_source(&seed);
    let out = new_from(dir.path(), NEXT, SEED);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();

    let lines: Vec<usize> = warned(&stderr).iter().map(|(l, _)| *l).collect();
    let expected = lines_with_quoted(&seed, "2024");
    assert!(!expected.is_empty(), "the seed has dates in 2024");
    assert_eq!(lines, expected, "{stderr}");
    // Each is named by the form's own field, and shown as the clerk typed it.
    for (line, field) in warned(&stderr) {
        assert!(field.starts_with("绩效指标 › "), "{line}: {field}");
        assert!(
            field.ends_with("实施周期指标值") || field.ends_with("年度指标值"),
            "{line}: {field}"
        );
    }
    assert!(stderr.contains("“2024年12月31日”"), "{stderr}");
    // The texts are kept as they were.
    assert_eq!(
        lines_with_quoted(&read(dir.path(), NEXT), "2024"),
        expected,
        "texts are not changed"
    );
    // The comments that name 2024 (the file's heading) are pointed out, not changed.
    let comment_lines: Vec<String> = seed
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with('#') && l.contains("2024"))
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    assert!(!comment_lines.is_empty());
    assert!(
        stderr.contains(&format!(
            "注释中也提到 2024 年（第 {} 行）",
            comment_lines.join("、")
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{} 处文字仍写着 2024 年", expected.len())),
        "{stderr}"
    );
}

#[test]
fn numbers_and_amounts_are_not_year_mentions() {
    // A task amount written as the text "2024" (the tasks still add up), and
    // texts with numbers that only contain 2024.
    let mut src = seed_with("amount = 2800000.00", "amount = 2997976.00");
    src = src.replacen("amount = 200000.00", "amount = \"2024\"", 1);
    src = src.replacen(
        "target = \"保障基本支出, 维持部门正常运转。\"",
        "target = \"\"\"\n覆盖12024户，人均2024.50元，\n2024-12-31前完成。\"\"\"",
        1,
    );
    let dir = with_source(&src);
    let loaded = load_str(&src);
    assert_eq!(loaded.errors(), 0, "{:#?}", loaded.diagnostics);

    let out = new_from(dir.path(), NEXT, SEED);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let multi_line = src
        .lines()
        .position(|l| l.starts_with("2024-12-31前完成"))
        .unwrap()
        + 1;
    let mut expected = lines_with_quoted(&src, "2024年12月31日");
    expected.push(multi_line);
    expected.sort();
    let lines: Vec<usize> = warned(&stderr).iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, expected, "{stderr}");
    assert!(stderr.contains("“2024-12-31”"), "{stderr}");
    assert!(
        warned(&stderr)
            .iter()
            .any(|(l, f)| *l == multi_line && f.ends_with("期望达到的目标(概述)")),
        "{stderr}"
    );
    let mut doc = doc_of(&src);
    doc.year = 2025;
    assert_eq!(doc_of(&read(dir.path(), NEXT)), doc);
}

#[test]
fn an_existing_file_is_never_overwritten() {
    let dir = with_source(&seed_source());
    std::fs::create_dir_all(dir.path().join("2025")).unwrap();
    std::fs::write(dir.path().join(NEXT), "mine").unwrap();
    let out = new_from(dir.path(), NEXT, SEED);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("已存在"));
    assert_eq!(read(dir.path(), NEXT), "mine");
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn a_source_that_does_not_parse_is_refused_and_nothing_is_written() {
    let dir = with_source(&seed_with("[info]", "[infos]"));
    let out = new_from(dir.path(), NEXT, SEED);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{SEED}:")),
        "at its line: {stderr}"
    );
    assert!(stderr.contains("没有生成"), "{stderr}");
    assert!(!dir.path().join(NEXT).exists());

    // A year with no next year in range.
    let dir = with_source(&seed_with("year = 2024 ", "year = 2100 "));
    let out = new_from(dir.path(), NEXT, SEED);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("无法顺延"));
    assert!(!dir.path().join(NEXT).exists());
}

#[test]
fn a_source_with_a_rule_broken_moves_on_with_its_mistake_shown() {
    let dir = with_source(&seed_with(
        "fiscal_funds = 1046.80",
        "fiscal_funds = 1047.80",
    ));
    let out = new_from(dir.path(), NEXT, SEED);
    assert_eq!(out.status.code(), Some(1), "written, but not clean");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("收入合计"), "{stderr}");
    assert!(stderr.contains(&format!("{NEXT}:")), "{stderr}");
    assert!(read(dir.path(), NEXT).contains("year = 2025"));
}

#[test]
fn a_folder_moves_on_file_by_file_with_the_same_paths() {
    let dir = tempfile::tempdir().unwrap();
    let files = ["data/2024/甲.toml", "data/2024/二组/乙.toml"];
    for (i, f) in files.iter().enumerate() {
        let path = dir.path().join(f);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, department(&format!("第{i}办公室"))).unwrap();
    }
    let out = jixiao_in(dir.path())
        .args(["new", "data/2025", "--from", "data/2024"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    for f in files {
        let next = f.replace("2024/", "2025/");
        let doc = doc_of(&read(dir.path(), &next));
        assert_eq!(doc.year, 2025, "{next}");
        let mut old = doc_of(&read(dir.path(), f));
        old.year = 2025;
        assert_eq!(doc, old, "{next}");
    }
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        warned(&stderr).len(),
        2 * lines_with_quoted(&seed_source(), "2024").len(),
        "warnings per file: {stderr}"
    );
    jixiao_in(dir.path())
        .args(["check", "data/2025"])
        .assert()
        .code(0);

    // Again: nothing is overwritten, each file says so.
    std::fs::write(dir.path().join("data/2025/甲.toml"), "mine").unwrap();
    let again = jixiao_in(dir.path())
        .args(["new", "data/2025", "--from", "data/2024"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&again.stderr)
            .matches("已存在")
            .count(),
        2
    );
    assert_eq!(read(dir.path(), "data/2025/甲.toml"), "mine");

    // A folder needs a folder to go to.
    jixiao_in(dir.path())
        .args(["new", "--from", "data/2024"])
        .assert()
        .code(2);
}

#[test]
fn a_workbook_is_imported_then_moved_on() {
    let dir = tempfile::tempdir().unwrap();
    let seed = seed_doc();
    let bytes = jixiao::render::xlsx::workbook(&seed, None).unwrap();
    std::fs::write(dir.path().join("党建.xlsx"), bytes).unwrap();
    let out = new_from(dir.path(), "2025.toml", "党建.xlsx");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let mut expected = seed;
    expected.year = 2025;
    assert_eq!(doc_of(&read(dir.path(), "2025.toml")), expected);
}

#[test]
fn without_a_file_the_form_goes_to_stdout() {
    let dir = with_source(&seed_source());
    let out = jixiao_in(dir.path())
        .args(["new", "--from", SEED])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(doc_of(&text).year, 2025);
    assert!(warned(&String::from_utf8(out.stderr).unwrap()).len() > 1);
}

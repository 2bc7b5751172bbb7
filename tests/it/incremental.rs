//! `jixiao batch` again over a folder it already rendered: only what
//! changed is made again, as the clerk sees it in the summary and in the
//! outputs' bytes and times of change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::support::*;

const VOLUME: &str = "out/2024年大朗镇合订本.pdf";
const BOOK: &str = "out/2024年大朗镇汇总.xlsx";

/// A data folder with `n` valid departments of one town.
fn town(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data/2024")).unwrap();
    for i in 0..n {
        add(dir.path(), i);
    }
    dir
}

fn add(dir: &Path, i: usize) {
    std::fs::write(
        dir.join(format!("data/2024/部门{i}.toml")),
        department(&format!("第{i}办公室")),
    )
    .unwrap();
}

/// Runs `jixiao batch --quiet ARGS` in `dir`; its stdout.
fn batch(dir: &Path, args: &[&str], code: i32) -> String {
    let out = jixiao_in(dir)
        .args(["batch", "--quiet"])
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .clone();
    String::from_utf8(out.stdout).unwrap()
}

/// Asserts the summary's last line counts `rendered` and `current`.
fn assert_counts(stdout: &str, total: usize, rendered: usize, current: usize) {
    let mut expected = format!("共 {total} 个部门：{rendered} 个已生成");
    if current > 0 {
        expected += &format!("，{current} 个已是最新");
    }
    expected += "，";
    assert!(stdout.contains(&expected), "want “{expected}”:\n{stdout}");
}

/// Every output under `out/` (the state file left out), with its time of change.
fn times(dir: &Path) -> BTreeMap<PathBuf, SystemTime> {
    files_under(&dir.join("out"))
        .into_iter()
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| {
            let t = std::fs::metadata(&p).unwrap().modified().unwrap();
            (p.strip_prefix(dir).unwrap().to_path_buf(), t)
        })
        .collect()
}

/// The outputs whose time of change differs between `a` and `b`, or that
/// one of them lacks.
fn changed(a: &BTreeMap<PathBuf, SystemTime>, b: &BTreeMap<PathBuf, SystemTime>) -> Vec<String> {
    let mut names: Vec<&PathBuf> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|p| a.get(*p) != b.get(*p))
        .map(|p| p.display().to_string())
        .collect()
}

fn read(dir: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(dir.join(rel)).unwrap()
}

fn pages(pdf: &Path) -> usize {
    lopdf::Document::load(pdf).unwrap().get_pages().len()
}

#[test]
fn a_batch_with_nothing_changed_writes_nothing() {
    let t = town(3);
    assert_counts(&batch(t.path(), &[], 0), 3, 3, 0);
    let before = times(t.path());
    assert_eq!(before.len(), 3 * 2 + 2, "{before:?}");
    let stdout = batch(t.path(), &[], 0);
    assert_counts(&stdout, 3, 0, 3);
    assert!(stdout.contains("已是最新"), "{stdout}");
    assert!(
        stdout.contains("汇总：out/2024年大朗镇合订本.pdf（已是最新）"),
        "{stdout}"
    );
    assert_eq!(changed(&before, &times(t.path())), Vec::<String>::new());
}

#[test]
fn an_edited_department_alone_is_rendered_again_and_the_town_outputs_follow() {
    let t = town(3);
    batch(t.path(), &[], 0);
    let before = times(t.path());
    let old_pdf = read(t.path(), "out/2024/部门1.pdf");
    let edited =
        department("第1办公室").replace("按时拨付村(社区)办公经费补助", "按时拨付补助经费");
    std::fs::write(t.path().join("data/2024/部门1.toml"), edited).unwrap();

    assert_counts(&batch(t.path(), &[], 0), 3, 1, 2);
    let mut changed = changed(&before, &times(t.path()));
    changed.sort();
    assert_eq!(
        changed,
        [
            "out/2024/部门1.pdf",
            "out/2024/部门1.xlsx",
            "out/2024年大朗镇合订本.pdf",
            "out/2024年大朗镇汇总.xlsx",
        ]
    );
    assert_ne!(read(t.path(), "out/2024/部门1.pdf"), old_pdf);
    assert!(pdf_text(&t.path().join(VOLUME), false).contains("按时拨付补助经费"));
}

/// The volume bound again from the last one is, byte for byte, the volume
/// a batch into an empty folder binds: after a small edit, after an edit
/// that adds many pages (so the parts after it move), and after a
/// department is removed.
#[test]
fn a_volume_bound_again_is_the_volume_a_fresh_batch_binds() {
    let t = town(4);
    let fresh = |n: usize| {
        let dir = format!("fresh{n}");
        let _ = std::fs::remove_dir_all(t.path().join(&dir));
        batch(t.path(), &["-o", &dir], 0);
        read(t.path(), &format!("{dir}/2024年大朗镇合订本.pdf"))
    };
    batch(t.path(), &[], 0);

    let small = department("第1办公室").replace("按时拨付村(社区)办公经费补助", "按时拨付补助经费");
    std::fs::write(t.path().join("data/2024/部门1.toml"), small).unwrap();
    assert_counts(&batch(t.path(), &[], 0), 4, 1, 3);
    assert!(read(t.path(), VOLUME) == fresh(1), "after a small edit");

    // Every task's target a few thousand characters longer: tens of pages
    // more, more objects than the part's block holds.
    let long = "按时拨付村(社区)办公经费补助，".repeat(200);
    let big = department("第1办公室").replace("target = \"", &format!("target = \"{long}"));
    std::fs::write(t.path().join("data/2024/部门1.toml"), big).unwrap();
    assert_counts(&batch(t.path(), &[], 0), 4, 1, 3);
    assert!(pages(&t.path().join("out/2024/部门1.pdf")) > 20);
    assert!(
        read(t.path(), VOLUME) == fresh(2),
        "after many pages were added"
    );

    std::fs::remove_file(t.path().join("data/2024/部门2.toml")).unwrap();
    batch(t.path(), &[], 0);
    assert!(
        read(t.path(), VOLUME) == fresh(3),
        "after a department was removed"
    );
    assert!(
        pdf_text(&t.path().join(VOLUME), false).contains("按时拨付村(社区)办公经费补助，按时拨付")
    );
}

/// A volume someone changed by hand is never copied from: the next
/// volume is still the one a fresh batch binds.
#[test]
fn a_volume_changed_by_hand_is_not_copied_from() {
    let t = town(3);
    batch(t.path(), &[], 0);
    let volume = t.path().join(VOLUME);
    let mut bytes = std::fs::read(&volume).unwrap();
    // Same length, one department's text changed: only its digest tells.
    let at = bytes.len() / 2;
    bytes[at..at + 8].copy_from_slice(b"XXXXXXXX");
    std::fs::write(&volume, &bytes).unwrap();
    let edited =
        department("第0办公室").replace("按时拨付村(社区)办公经费补助", "按时拨付补助经费");
    std::fs::write(t.path().join("data/2024/部门0.toml"), edited).unwrap();
    batch(t.path(), &[], 0);
    batch(t.path(), &["-o", "fresh"], 0);
    assert!(read(t.path(), VOLUME) == read(t.path(), "fresh/2024年大朗镇合订本.pdf"));
}

#[test]
fn a_changed_template_folder_renders_everything() {
    let t = town(2);
    let tpl = t.path().join("模板");
    std::fs::create_dir_all(&tpl).unwrap();
    for f in ["form.typ", "form-lib.typ", "town.typ"] {
        std::fs::copy(root().join("templates").join(f), tpl.join(f)).unwrap();
    }
    let args = ["--template", "模板/form.typ"];
    assert_counts(&batch(t.path(), &args, 0), 2, 2, 0);
    assert_counts(&batch(t.path(), &args, 0), 2, 0, 2);
    // A file the template imports, not the template itself.
    let lib = tpl.join("form-lib.typ");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, format!("// 修改过\n{text}")).unwrap();
    assert_counts(&batch(t.path(), &args, 0), 2, 2, 0);
    // The built-in template is another template.
    assert_counts(&batch(t.path(), &[], 0), 2, 2, 0);
}

#[test]
fn changed_fonts_render_everything() {
    let t = town(2);
    let fonts = t.path().join("字体");
    std::fs::create_dir_all(&fonts).unwrap();
    let font = fonts.join("fang.ttf");
    std::fs::copy(root().join("fonts/FandolFang-Regular.ttf"), &font).unwrap();
    let args = ["--font-path", "字体"];
    assert_counts(&batch(t.path(), &args, 0), 2, 2, 0);
    assert_counts(&batch(t.path(), &args, 0), 2, 0, 2);
    // The same file, replaced (its time of change moves).
    let f = std::fs::File::options().write(true).open(&font).unwrap();
    f.set_modified(SystemTime::now() + std::time::Duration::from_secs(60))
        .unwrap();
    drop(f);
    assert_counts(&batch(t.path(), &args, 0), 2, 2, 0);
    // A font added to the folder.
    std::fs::copy(
        root().join("fonts/NotoSerifSC-Black.ttf"),
        fonts.join("b.ttf"),
    )
    .unwrap();
    assert_counts(&batch(t.path(), &args, 0), 2, 2, 0);
}

#[test]
fn a_changed_option_renders_everything() {
    let t = town(2);
    batch(t.path(), &[], 0);
    for args in [
        &["--pdf-standard", "a-2b"][..],
        &["--source-date-epoch", "1700000000"],
        &["--strict"],
    ] {
        assert_counts(&batch(t.path(), args, 0), 2, 2, 0);
        assert_counts(&batch(t.path(), args, 0), 2, 0, 2);
    }
    // PDFs only, then both again: the workbooks are made again too.
    let before = times(t.path());
    assert_counts(&batch(t.path(), &["--format", "pdf"], 0), 2, 2, 0);
    let after = times(t.path());
    assert_eq!(
        before[Path::new("out/2024/部门0.xlsx")],
        after[Path::new("out/2024/部门0.xlsx")]
    );
    assert_ne!(
        before[Path::new("out/2024/部门0.pdf")],
        after[Path::new("out/2024/部门0.pdf")]
    );
    assert_counts(&batch(t.path(), &[], 0), 2, 2, 0);
}

#[test]
fn a_deleted_output_is_made_again() {
    let t = town(3);
    batch(t.path(), &[], 0);
    let book = read(t.path(), "out/2024/部门2.xlsx");
    std::fs::remove_file(t.path().join("out/2024/部门2.xlsx")).unwrap();
    assert_counts(&batch(t.path(), &[], 0), 3, 1, 2);
    assert_eq!(read(t.path(), "out/2024/部门2.xlsx"), book);

    // The volume alone: the departments stay as they are.
    let before = times(t.path());
    let volume = read(t.path(), VOLUME);
    std::fs::remove_file(t.path().join(VOLUME)).unwrap();
    assert_counts(&batch(t.path(), &[], 0), 3, 0, 3);
    assert_eq!(read(t.path(), VOLUME), volume);
    assert_eq!(changed(&before, &times(t.path())), [VOLUME]);
}

#[test]
fn an_output_changed_by_someone_else_is_made_again() {
    let t = town(2);
    batch(t.path(), &[], 0);
    let pdf = read(t.path(), "out/2024/部门0.pdf");
    let book = read(t.path(), BOOK);
    std::fs::write(
        t.path().join("out/2024/部门0.pdf"),
        b"%PDF-1.7 edited by hand",
    )
    .unwrap();
    std::fs::write(t.path().join(BOOK), b"not a workbook").unwrap();
    assert_counts(&batch(t.path(), &[], 0), 2, 1, 1);
    assert_eq!(read(t.path(), "out/2024/部门0.pdf"), pdf);
    assert_eq!(read(t.path(), BOOK), book);
}

#[test]
fn an_added_department_joins_the_town_outputs() {
    let t = town(2);
    batch(t.path(), &[], 0);
    add(t.path(), 2);
    let stdout = batch(t.path(), &[], 0);
    assert_counts(&stdout, 3, 1, 2);
    assert_eq!(pages(&t.path().join(VOLUME)), 1 + 3 * 5);
    assert!(pdf_text(&t.path().join(VOLUME), false).contains("东莞市大朗镇第2办公室"));
    let wb: calamine::Xlsx<_> = calamine::open_workbook(t.path().join(BOOK)).unwrap();
    use calamine::Reader;
    assert_eq!(wb.sheet_names().len(), 1 + 3);
}

#[test]
fn a_removed_department_leaves_the_volume_and_its_outputs_are_reported_stale() {
    let t = town(3);
    batch(t.path(), &[], 0);
    std::fs::remove_file(t.path().join("data/2024/部门1.toml")).unwrap();
    let stdout = batch(t.path(), &[], 0);
    assert_counts(&stdout, 2, 0, 2);
    assert_eq!(pages(&t.path().join(VOLUME)), 1 + 2 * 5);
    assert!(!pdf_text(&t.path().join(VOLUME), false).contains("第1办公室"));
    let stale = stdout
        .split_once("没有对应的数据文件")
        .map(|(_, rest)| rest.to_string())
        .unwrap_or_else(|| panic!("no stale outputs reported:\n{stdout}"));
    for f in ["out/2024/部门1.pdf", "out/2024/部门1.xlsx"] {
        assert!(stale.contains(f), "{f} not reported:\n{stdout}");
        assert!(t.path().join(f).exists(), "{f} was deleted");
    }
    assert!(!stale.contains("部门0"), "{stdout}");
    // Reported as long as they are there; not once they are removed.
    assert!(batch(t.path(), &[], 0).contains("out/2024/部门1.pdf"));
    std::fs::remove_file(t.path().join("out/2024/部门1.pdf")).unwrap();
    std::fs::remove_file(t.path().join("out/2024/部门1.xlsx")).unwrap();
    assert!(!batch(t.path(), &[], 0).contains("没有对应的数据文件"));
}

#[test]
fn a_damaged_or_lost_state_file_renders_everything() {
    let t = town(2);
    batch(t.path(), &[], 0);
    let state = t.path().join("out/.jixiao.state.json");
    let text = std::fs::read_to_string(&state).unwrap();
    std::fs::write(&state, &text[..text.len() / 2]).unwrap();
    assert_counts(&batch(t.path(), &[], 0), 2, 2, 0);
    assert_counts(&batch(t.path(), &[], 0), 2, 0, 2);
    std::fs::remove_file(&state).unwrap();
    assert_counts(&batch(t.path(), &[], 0), 2, 2, 0);
    // A state that says a department is current when its outputs are not
    // (copied from another folder): the outputs' bytes decide.
    std::fs::write(t.path().join("out/2024/部门0.pdf"), b"other").unwrap();
    assert_counts(&batch(t.path(), &[], 0), 2, 1, 1);
}

#[test]
fn force_renders_everything() {
    let t = town(2);
    batch(t.path(), &[], 0);
    let before = times(t.path());
    let stdout = batch(t.path(), &["--force"], 0);
    assert_counts(&stdout, 2, 2, 0);
    assert!(!stdout.contains("已是最新"), "{stdout}");
    assert_eq!(changed(&before, &times(t.path())).len(), before.len());
}

#[test]
fn an_invalid_file_is_never_taken_as_up_to_date() {
    let t = town(2);
    let good = department("第0办公室");
    let bad = good.replace("fiscal_funds = 1046.80", "fiscal_funds = 1047.80");
    let file = t.path().join("data/2024/部门0.toml");
    batch(t.path(), &[], 0);
    std::fs::write(&file, &bad).unwrap();
    for _ in 0..2 {
        let stdout = batch(t.path(), &[], 1);
        assert!(stdout.contains("数据有误"), "{stdout}");
        assert!(
            stdout.contains("共 2 个部门：0 个已生成，1 个已是最新，1 个失败"),
            "{stdout}"
        );
    }
    // Put back as it was when it last rendered: rendered again all the same,
    // since its failure was recorded.
    std::fs::write(&file, &good).unwrap();
    assert_counts(&batch(t.path(), &[], 0), 2, 1, 1);
}

#[test]
fn another_output_folder_has_its_own_state() {
    let t = town(2);
    batch(t.path(), &[], 0);
    assert_counts(&batch(t.path(), &["-o", "out2"], 0), 2, 2, 0);
    assert_counts(&batch(t.path(), &["-o", "out2"], 0), 2, 0, 2);
    assert_counts(&batch(t.path(), &[], 0), 2, 0, 2);
}

/// Shards finishing into one folder at the same time keep each other's
/// entries: a full batch afterwards finds every department current.
#[test]
fn two_batches_into_one_folder_keep_each_others_state() {
    let t = town(6);
    let spawn = |shard: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("jixiao"))
            .current_dir(t.path())
            .args(["batch", "--quiet", "--jobs", "1", "--shard", shard])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn("1/2"), spawn("2/2"));
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let stdout = batch(t.path(), &[], 0);
    assert_counts(&stdout, 6, 0, 6);
    assert_eq!(pages(&t.path().join(VOLUME)), 1 + 6 * 5);
    assert!(temp_files(&t.path().join("out")).is_empty());
}

/// After Ctrl-C, what was written counts as done and the rest is rendered.
#[cfg(unix)]
#[test]
fn an_interrupted_batch_resumes_where_it_stopped() {
    let t = town(30);
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jixiao"))
        .current_dir(t.path())
        .args(["batch", "--quiet", "--jobs", "2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let first = t.path().join("out/2024/部门0.pdf");
    for _ in 0..600 {
        if first.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let done = files_under(&t.path().join("out"))
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .count();
    assert!((1..30).contains(&done), "{done} written before the stop");
    assert_counts(&batch(t.path(), &[], 0), 30, 30 - done, done);
}

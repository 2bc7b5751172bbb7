//! `jixiao batch` and `jixiao render` as a user runs them, in temp folders.

use std::path::Path;

use assert_cmd::Command;

use crate::support::*;

fn jixiao(dir: &Path) -> Command {
    jixiao_in(dir)
}

/// A data folder with `n` valid departments (in two subfolders) and the
/// given broken files.
fn town(n: usize, broken: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..n {
        let sub = if i % 2 == 0 { "2024" } else { "2024/二组" };
        let path = dir
            .path()
            .join("data")
            .join(sub)
            .join(format!("部门{i}.toml"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, department(&format!("第{i}办公室"))).unwrap();
    }
    for (name, text) in broken {
        std::fs::write(dir.path().join("data/2024").join(name), text).unwrap();
    }
    dir
}

fn outputs(dir: &Path, ext: &str) -> Vec<String> {
    files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
        .collect()
}

/// The titles of a PDF's top-level bookmarks, in order.
fn bookmarks(pdf: &Path) -> Vec<String> {
    let doc = lopdf::Document::load(pdf).unwrap();
    let catalog = doc.catalog().unwrap();
    let outlines = doc
        .get_dictionary(catalog.get(b"Outlines").unwrap().as_reference().unwrap())
        .unwrap();
    let mut item = outlines.get(b"First").and_then(|o| o.as_reference()).ok();
    let mut titles = Vec::new();
    while let Some(id) = item {
        let d = doc.get_dictionary(id).unwrap();
        let bytes = d.get(b"Title").unwrap().as_str().unwrap();
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        titles.push(String::from_utf16(&units).unwrap());
        item = d.get(b"Next").and_then(|o| o.as_reference()).ok();
    }
    titles
}

#[test]
fn a_broken_file_costs_only_itself() {
    let broken = seed_with("fiscal_funds = 1046.80", "fiscal_funds = 1047.80");
    let t = town(3, &[("坏.toml", broken)]);
    let out = jixiao(t.path())
        .args(["batch", "--quiet"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stdout.contains("坏") && stdout.contains("数据有误"),
        "{stdout}"
    );
    assert!(
        stdout.contains("共 4 个部门：3 个已生成，1 个失败"),
        "{stdout}"
    );
    assert!(stderr.contains("坏.toml:17:16"), "{stderr}");
    let pdfs = outputs(&t.path().join("out"), "pdf");
    assert!(pdfs.contains(&"2024/部门0.pdf".to_string()), "{pdfs:?}");
    assert!(
        pdfs.contains(&"2024/二组/部门1.pdf".to_string()),
        "{pdfs:?}"
    );
    assert!(!pdfs.iter().any(|p| p.contains("坏")), "{pdfs:?}");
    assert_eq!(
        outputs(&t.path().join("out"), "xlsx").len(),
        3 + 1,
        "3 departments + the town workbook"
    );
    assert!(temp_files(&t.path().join("out")).is_empty());
}

#[test]
fn a_clean_batch_exits_0_and_a_rerun_replaces_outputs() {
    let t = town(2, &[]);
    jixiao(t.path()).args(["batch", "--quiet"]).assert().code(0);
    let first = std::fs::read(t.path().join("out/2024/部门0.pdf")).unwrap();
    jixiao(t.path())
        .args(["batch", "--quiet", "--jobs", "1", "--force"])
        .assert()
        .code(0);
    let second = std::fs::read(t.path().join("out/2024/部门0.pdf")).unwrap();
    assert!(first == second, "the same data gives the same PDF");
    assert!(temp_files(&t.path().join("out")).is_empty());
}

/// The creation date a workbook records in `docProps/core.xml`.
fn workbook_created(path: &Path) -> String {
    use std::io::Read;
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut core = String::new();
    zip.by_name("docProps/core.xml")
        .unwrap()
        .read_to_string(&mut core)
        .unwrap();
    let start = core.find("<dcterms:created").expect("a creation date");
    let value = &core[start..];
    let value = &value[value.find('>').unwrap() + 1..];
    value[..value.find('<').unwrap()].to_string()
}

/// The creation date `pdfinfo` reads from a PDF, as ISO 8601.
fn pdf_created(path: &Path) -> String {
    let out = std::process::Command::new("pdfinfo")
        .arg("-isodates")
        .arg(path)
        .output()
        .expect("pdfinfo (poppler-utils) runs");
    let info = String::from_utf8_lossy(&out.stdout).into_owned();
    info.lines()
        .find_map(|l| l.strip_prefix("CreationDate:"))
        .unwrap_or_else(|| panic!("no CreationDate: {info}"))
        .trim()
        .to_string()
}

#[test]
fn every_output_records_the_same_date() {
    let t = town(2, &[]);
    // Without a date: 1 January of the budget year, in the PDFs, the
    // departments' workbooks and the town's workbook alike.
    jixiao(t.path()).args(["batch", "--quiet"]).assert().code(0);
    let out = t.path().join("out");
    let pdfs = outputs(&out, "pdf");
    let books = outputs(&out, "xlsx");
    assert_eq!((pdfs.len(), books.len()), (3, 3), "{pdfs:?} {books:?}");
    let all_dated = |when: &str| {
        for p in &pdfs {
            assert_eq!(pdf_created(&out.join(p)), when, "{p}");
        }
        for b in &books {
            assert_eq!(workbook_created(&out.join(b)), when, "{b}");
        }
    };
    all_dated("2024-01-01T00:00:00Z");
    // `--source-date-epoch` (or SOURCE_DATE_EPOCH) moves every one of them.
    jixiao(t.path())
        .args(["batch", "--quiet", "--source-date-epoch", "1700000000"])
        .assert()
        .code(0);
    all_dated("2023-11-14T22:13:20Z");
    jixiao(t.path())
        .env("SOURCE_DATE_EPOCH", "1600000000")
        .args(["batch", "--quiet"])
        .assert()
        .code(0);
    all_dated("2020-09-13T12:26:40Z");
}

#[test]
fn shards_cover_every_file_exactly_once() {
    let t = town(9, &[]);
    let mut all = Vec::new();
    for k in 1..=3 {
        let out = format!("shard{k}");
        jixiao(t.path())
            .args([
                "batch",
                "--quiet",
                "--format",
                "pdf",
                "--shard",
                &format!("{k}/3"),
                "-o",
                &out,
            ])
            .assert()
            .code(0);
        let got = outputs(&t.path().join(&out), "pdf");
        assert!(
            !got.iter().any(|p| p.contains("合订本")),
            "no combined outputs in a shard"
        );
        all.extend(got);
    }
    all.sort();
    let mut expected = outputs(&t.path().join("data"), "toml");
    for e in &mut expected {
        *e = e.replace(".toml", ".pdf");
    }
    expected.sort();
    assert_eq!(all, expected);
}

#[test]
fn the_town_outputs_hold_every_department() {
    use calamine::Reader;
    let t = town(3, &[]);
    jixiao(t.path()).args(["batch", "--quiet"]).assert().code(0);
    let book = t.path().join("out/2024年大朗镇汇总.xlsx");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&book).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(names[0], "汇总");
    let summary = wb.worksheet_range("汇总").unwrap();
    let col0: Vec<String> = summary.rows().map(|r| r[0].to_string()).collect();
    for i in 0..3 {
        assert!(
            col0.contains(&format!("东莞市大朗镇第{i}办公室")),
            "{col0:?}"
        );
    }
    assert_eq!(col0.last().unwrap(), "合计");
    // The totals row adds up (3 × 1,046.80 万元 of 财政拨款, column F).
    let total = summary.rows().next_back().unwrap()[5].clone();
    assert_eq!(total.to_string(), "3140.4", "{total:?}");

    let volume = t.path().join("out/2024年大朗镇合订本.pdf");
    let text = pdf_text(&volume, false);
    assert!(text.contains("目录"), "a contents page");
    for i in 0..3 {
        assert!(
            text.matches(&format!("东莞市大朗镇第{i}办公室")).count() >= 2,
            "listed and drawn"
        );
    }
    let info = std::process::Command::new("pdfinfo")
        .arg(&volume)
        .output()
        .unwrap();
    let info = String::from_utf8(info.stdout).unwrap();
    assert!(info.contains("合订本"), "{info}");
    assert!(
        info.contains("Pages:           16"),
        "1 contents page + 3 × 5: {info}"
    );
    // In the stable order of the data files' paths: 2024/二组/部门1 sorts first.
    assert_eq!(
        bookmarks(&volume),
        [
            "目录",
            "东莞市大朗镇第1办公室",
            "东莞市大朗镇第0办公室",
            "东莞市大朗镇第2办公室"
        ]
    );
}

#[test]
fn usage_errors_exit_2_and_help_has_examples() {
    let t = tempfile::tempdir().unwrap();
    jixiao(t.path())
        .args(["batch", "--shard", "5/3"])
        .assert()
        .code(2);
    jixiao(t.path())
        .args(["batch", "--no-such-flag"])
        .assert()
        .code(2);
    let out = jixiao(t.path())
        .args(["batch", "--help"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert!(String::from_utf8(out.stdout).unwrap().contains("例："));
    let out = jixiao(t.path())
        .args(["completions", "bash"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert!(String::from_utf8(out.stdout).unwrap().contains("jixiao"));
    jixiao(t.path()).arg("--version").assert().code(0);
}

#[test]
fn render_writes_pdf_and_xlsx_beside_each_other() {
    let t = town(1, &[]);
    let out = jixiao(t.path())
        .args(["render", "data/2024/部门0.toml"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("out/2024/部门0.pdf"), "{stdout}");
    assert!(t.path().join("out/2024/部门0.pdf").is_file());
    assert!(t.path().join("out/2024/部门0.xlsx").is_file());
    jixiao(t.path())
        .args([
            "render",
            "--format",
            "pdf",
            "data/2024/部门0.toml",
            "-o",
            "only-pdf",
        ])
        .assert()
        .code(0);
    assert_eq!(outputs(&t.path().join("only-pdf"), "pdf"), ["部门0.pdf"]);
    assert!(outputs(&t.path().join("only-pdf"), "xlsx").is_empty());
}

#[test]
fn an_invalid_file_renders_nothing_and_keeps_old_outputs() {
    let t = town(1, &[]);
    jixiao(t.path())
        .args(["render", "data/2024/部门0.toml"])
        .assert()
        .code(0);
    let before = std::fs::read(t.path().join("out/2024/部门0.pdf")).unwrap();
    std::fs::write(
        t.path().join("data/2024/部门0.toml"),
        seed_with("fiscal_funds = 1046.80", "fiscal_funds = 1047.80"),
    )
    .unwrap();
    jixiao(t.path())
        .args(["render", "data/2024/部门0.toml"])
        .assert()
        .code(1);
    assert!(before == std::fs::read(t.path().join("out/2024/部门0.pdf")).unwrap());
}

#[test]
fn departments_sharing_their_first_31_characters_get_distinct_sheets() {
    use calamine::Reader;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let common = "东莞市大朗镇人民政府关于基层党建工作的专项工作领导小组办公室";
    for (i, tail) in ["甲", "乙"].iter().enumerate() {
        std::fs::write(
            dir.path().join(format!("data/{i}.toml")),
            seed_with(
                "department = \"东莞市大朗镇党建工作办公室\"",
                &format!("department = \"{common}{tail}\""),
            ),
        )
        .unwrap();
    }
    jixiao(dir.path())
        .args(["batch", "--quiet", "--format", "xlsx"])
        .assert()
        .code(0);
    let wb: calamine::Xlsx<_> =
        calamine::open_workbook(dir.path().join("out/2024年大朗镇汇总.xlsx")).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_ne!(names[1], names[2]);
    assert!(
        names.iter().all(|n| n.encode_utf16().count() <= 31),
        "{names:?}"
    );
}

/// Issue 13: `./data/…`, an absolute path and `data/…` all mirror the
/// folders under `data/`, so two years' forms of one department never
/// overwrite each other.
#[test]
fn render_mirrors_data_however_the_path_is_typed() {
    let t = town(1, &[]);
    std::fs::create_dir_all(t.path().join("data/2025")).unwrap();
    std::fs::copy(
        t.path().join("data/2024/部门0.toml"),
        t.path().join("data/2025/部门0.toml"),
    )
    .unwrap();
    let abs = t.path().join("data/2025/部门0.toml");
    jixiao(t.path())
        .args(["render", "./data/2024/部门0.toml", "--format", "xlsx"])
        .arg(&abs)
        .assert()
        .code(0);
    assert_eq!(
        outputs(&t.path().join("out"), "xlsx"),
        ["2024/部门0.xlsx", "2025/部门0.xlsx"]
    );
}

/// Issue 13: two inputs that would write one output are refused, and
/// nothing is written.
#[test]
fn two_inputs_with_one_output_are_refused() {
    let t = town(1, &[]);
    std::fs::create_dir_all(t.path().join("data/2025")).unwrap();
    std::fs::copy(
        t.path().join("data/2024/部门0.toml"),
        t.path().join("data/2025/部门0.toml"),
    )
    .unwrap();
    let out = jixiao(t.path())
        .args([
            "render",
            "data/2024/部门0.toml",
            "data/2025/部门0.toml",
            "-o",
            "交财政分局",
        ])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("会互相覆盖"), "{stderr}");
    assert!(!t.path().join("交财政分局").exists());
}

/// Issue 13: `jixiao check | head -1` over many files ends quietly, as
/// ripgrep does, never with a panic, and the exit code still means what it
/// says.
#[test]
fn a_closed_pipe_ends_quietly() {
    let t = town(6, &[]);
    let bin = assert_cmd::cargo::cargo_bin("jixiao");
    for args in [&["check", "data"][..], &["batch", "--quiet"][..]] {
        let mut child = std::process::Command::new(&bin)
            .current_dir(t.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before jixiao writes a line.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
    assert!(t.path().join("out/2024/部门0.pdf").is_file());
}

/// Every file, relative to `dir`, with its bytes.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".jixiao"))
        })
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.strip_prefix(dir).unwrap().display().to_string(), bytes)
        })
        .collect()
}

/// A town big enough for worker processes (`--jobs 2`, eight departments
/// and a broken file) gives the outputs, byte for byte, the summary and
/// the diagnostics of one thread in one process; and its state makes the
/// next run render nothing.
#[test]
fn worker_processes_give_what_one_thread_gives() {
    let broken = seed_with("fiscal_funds = 1046.80", "fiscal_funds = 1047.80");
    let t = town(8, &[("坏.toml", broken)]);
    let run = |jobs: &str, out: &str| {
        let o = jixiao(t.path())
            .args(["batch", "--quiet", "--jobs", jobs, "-o", out])
            .assert()
            .code(1)
            .get_output()
            .clone();
        (
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8(o.stderr).unwrap(),
        )
    };
    let (out2, err2) = run("2", "workers");
    let (out1, err1) = run("1", "one");
    assert!(out2.contains("共 9 个部门：8 个已生成，1 个失败"), "{out2}");
    assert!(err2.contains("坏.toml:17:16"), "{err2}");
    let strip_time = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("用时"))
            .map(|l| l.replace("workers", "one"))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip_time(&out2), strip_time(&out1));
    assert_eq!(err2, err1);
    let (workers, one) = (
        contents(&t.path().join("workers")),
        contents(&t.path().join("one")),
    );
    assert_eq!(
        workers.len(),
        8 * 2 + 2,
        "forms, the town workbook and volume"
    );
    assert!(
        workers == one,
        "the same bytes on worker processes as on one thread"
    );
    let again = jixiao(t.path())
        .args(["batch", "--quiet", "--jobs", "2", "-o", "workers"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let again = String::from_utf8(again.stdout).unwrap();
    assert!(
        again.contains("0 个已生成，8 个已是最新，1 个失败"),
        "{again}"
    );
}

/// A worker that dies costs only the department it had in hand: that one
/// is reported, every other one is rendered.
#[test]
fn a_worker_that_dies_costs_only_the_department_in_hand() {
    let t = town(8, &[]);
    let o = jixiao(t.path())
        .env("JIXIAO_INTERNAL_WORKER_DIE_ON", "部门3.toml")
        .args(["batch", "--quiet", "--jobs", "2"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let (stdout, stderr) = (
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    );
    assert!(
        stdout.contains("共 8 个部门：7 个已生成，1 个失败"),
        "{stdout}"
    );
    assert!(
        stderr.contains("部门3.toml") && stderr.contains("工作进程意外退出"),
        "{stderr}"
    );
    let pdfs = outputs(&t.path().join("out"), "pdf");
    assert_eq!(pdfs.len(), 7 + 1, "{pdfs:?}");
    assert!(!pdfs.iter().any(|p| p.ends_with("部门3.pdf")), "{pdfs:?}");
    assert!(temp_files(&t.path().join("out")).is_empty());
}

/// When every worker dies, the batch renders what is left itself.
#[test]
fn when_every_worker_dies_the_batch_renders_the_rest_itself() {
    let t = town(8, &[]);
    let o = jixiao(t.path())
        .env("JIXIAO_INTERNAL_WORKER_DIE_ON", "*")
        .args([
            "batch",
            "--quiet",
            "--jobs",
            "2",
            "--no-town-pdf",
            "--no-town-xlsx",
        ])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.contains("共 8 个部门：6 个已生成，2 个失败"),
        "{stdout}"
    );
    assert_eq!(outputs(&t.path().join("out"), "pdf").len(), 6);
    // `JIXIAO_WORKERS=0`: threads in one process, no worker to end.
    let o = jixiao(t.path())
        .env("JIXIAO_INTERNAL_WORKER_DIE_ON", "*")
        .env("JIXIAO_WORKERS", "0")
        .args([
            "batch",
            "--quiet",
            "--jobs",
            "2",
            "--force",
            "--no-town-pdf",
            "--no-town-xlsx",
        ])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.contains("共 8 个部门：8 个已生成，0 个失败"),
        "{stdout}"
    );
}

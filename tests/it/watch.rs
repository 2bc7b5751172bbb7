//! `jixiao watch` as a clerk uses it: started on a data folder, then files
//! are saved, saved by rename, broken, fixed, deleted, and the watch is
//! stopped with Ctrl-C. Every wait polls, up to a minute on a busy machine.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::*;

const PATIENCE: Duration = Duration::from_secs(60);

/// A running `jixiao watch`, its stdout lines and stderr text collected as
/// they come.
struct Watch {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

impl Watch {
    fn start(dir: &Path, args: &[&str]) -> Watch {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jixiao"))
            .current_dir(dir)
            .arg("watch")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let out = child.stdout.take().unwrap();
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let mut err = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Watch {
            child,
            lines,
            stderr,
        }
    }

    fn seen(&self) -> usize {
        self.lines.lock().unwrap().len()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn all(&self) -> String {
        format!(
            "stdout:\n{}\nstderr:\n{}",
            self.lines.lock().unwrap().join("\n"),
            self.stderr()
        )
    }

    /// The first stdout line from `from` on that contains every one of
    /// `words`, and its index.
    fn wait_for(&self, from: usize, words: &[&str]) -> (usize, String) {
        let start = Instant::now();
        loop {
            {
                let lines = self.lines.lock().unwrap();
                if let Some((i, l)) = lines
                    .iter()
                    .enumerate()
                    .skip(from)
                    .find(|(_, l)| words.iter().all(|w| l.contains(w)))
                {
                    return (i, l.clone());
                }
            }
            assert!(
                start.elapsed() < PATIENCE,
                "no line with {words:?} after line {from}\n{}",
                self.all()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for_stderr(&self, text: &str) {
        let start = Instant::now();
        while !self.stderr().contains(text) {
            assert!(
                start.elapsed() < PATIENCE,
                "stderr never said {text:?}\n{}",
                self.all()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ctrl-C, straight from this process: spawning `kill` can take longer
    /// than a render on a busy machine.
    #[cfg(unix)]
    fn ctrl_c(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on our own child; no memory is involved.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    }

    /// Ctrl-C, then the exit code.
    #[cfg(unix)]
    fn interrupt(&mut self) -> Option<i32> {
        self.ctrl_c();
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(start.elapsed() < PATIENCE, "did not stop\n{}", self.all());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // A failed test must not leave a watch running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temp folder with `data/<name>.toml` for each department name.
fn data(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    for name in names {
        std::fs::write(
            dir.path().join(format!("data/{name}.toml")),
            department(&format!("{name}办公室")),
        )
        .unwrap();
    }
    dir
}

/// The text of a workbook's parts, for finding a department's name in it.
fn workbook_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        let _ = part.read_to_string(&mut text);
    }
    text
}

/// How many stdout lines mention `file` and `word`.
fn count(w: &Watch, file: &str, word: &str) -> usize {
    w.lines
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains(file) && l.contains(word))
        .count()
}

fn leftovers(dir: &Path) -> Vec<PathBuf> {
    temp_files(dir)
}

/// The loop of issue 14: save → new outputs; save by rename → again;
/// a mistake → the error, and the outputs stay byte for byte; fixed →
/// rendered; Ctrl-C → exit 0, no temp file. Only the saved file renders.
#[cfg(unix)]
#[test]
fn each_save_renders_again_and_a_mistake_keeps_the_last_outputs() {
    let t = data(&["甲", "乙"]);
    let dir = t.path();
    let xlsx = dir.join("out/甲.xlsx");
    let mut w = Watch::start(dir, &["data", "-o", "out", "--format", "xlsx"]);
    let (i, first) = w.wait_for(0, &["甲.toml", "已生成"]);
    assert!(first.contains("out/甲.xlsx"), "{first}");
    w.wait_for(0, &["乙.toml", "已生成"]);
    assert!(workbook_text(&xlsx).contains("甲办公室"));

    // Saved in place.
    let from = w.seen().max(i + 1);
    std::fs::write(dir.join("data/甲.toml"), department("甲改名办公室")).unwrap();
    let (i, _) = w.wait_for(from, &["甲.toml", "已生成"]);
    assert!(workbook_text(&xlsx).contains("甲改名办公室"), "{}", w.all());

    // Saved by rename, as many editors do: a temp file renamed over it.
    let tmp = dir.join("data/.甲.toml.swp");
    std::fs::write(&tmp, department("甲第三版办公室")).unwrap();
    std::fs::rename(&tmp, dir.join("data/甲.toml")).unwrap();
    let (i, _) = w.wait_for(i + 1, &["甲.toml", "已生成"]);
    assert!(
        workbook_text(&xlsx).contains("甲第三版办公室"),
        "{}",
        w.all()
    );

    // A mistake: reported at its line, the workbook stays as it was.
    let before = std::fs::read(&xlsx).unwrap();
    let broken = seed_with("fiscal_funds = 1046.80", "fiscal_funds = 1047.80");
    std::fs::write(dir.join("data/甲.toml"), broken).unwrap();
    let (i, bad) = w.wait_for(i + 1, &["甲.toml", "有错误"]);
    assert!(bad.contains("上一次的输出保持不变"), "{bad}");
    w.wait_for_stderr("甲.toml:17:16");
    assert!(
        std::fs::read(&xlsx).unwrap() == before,
        "the workbook changed"
    );

    // Fixed: rendered again.
    std::fs::write(dir.join("data/甲.toml"), department("甲第四版办公室")).unwrap();
    w.wait_for(i + 1, &["甲.toml", "已生成"]);
    assert!(
        workbook_text(&xlsx).contains("甲第四版办公室"),
        "{}",
        w.all()
    );

    // Each save rendered once: reading a changed file is no change.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(count(&w, "甲.toml", "已生成"), 4, "{}", w.all());

    assert_eq!(w.interrupt(), Some(0), "{}", w.all());
    assert!(w.stderr().contains("已停止监视"), "{}", w.all());
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
    assert_eq!(count(&w, "乙.toml", "已生成"), 1, "{}", w.all());
}

/// Editing the template, or a file it imports, renders every watched form
/// again with it; a template that no longer compiles keeps every PDF.
#[cfg(unix)]
#[test]
fn a_template_change_renders_every_file_again() {
    let t = data(&["甲", "乙"]);
    let dir = t.path();
    std::fs::create_dir_all(dir.join("tpl")).unwrap();
    let main = "#import \"helper.typ\": mark\n#let d = json(\"/data.json\")\n#set page(width: 12cm, height: 4cm)\n#set text(font: d.fonts.body)\n#mark(d.department)";
    std::fs::write(dir.join("tpl/form.typ"), main).unwrap();
    std::fs::write(dir.join("tpl/helper.typ"), "#let mark(x) = [初稿：#x]").unwrap();
    let mut w = Watch::start(
        dir,
        &[
            "data",
            "-o",
            "out",
            "--format",
            "pdf",
            "--template",
            "tpl/form.typ",
        ],
    );
    w.wait_for(0, &["甲.toml", "已生成"]);
    w.wait_for(0, &["乙.toml", "已生成"]);
    let pdfs = [dir.join("out/甲.pdf"), dir.join("out/乙.pdf")];
    for p in &pdfs {
        assert!(pdf_text(p, false).contains("初稿"), "{}", p.display());
    }

    let from = w.seen();
    std::fs::write(dir.join("tpl/helper.typ"), "#let mark(x) = [定稿：#x]").unwrap();
    let (i, _) = w.wait_for(from, &["模板已修改"]);
    w.wait_for(i, &["甲.toml", "已生成"]);
    w.wait_for(i, &["乙.toml", "已生成"]);
    for p in &pdfs {
        let text = pdf_text(p, false);
        assert!(text.contains("定稿") && !text.contains("初稿"), "{text}");
    }

    let before: Vec<Vec<u8>> = pdfs.iter().map(|p| std::fs::read(p).unwrap()).collect();
    std::fs::write(dir.join("tpl/helper.typ"), "#let mark(x) = [#x").unwrap();
    let (i, _) = w.wait_for(i + 1, &["模板已修改"]);
    w.wait_for(i, &["甲.toml", "有错误"]);
    w.wait_for(i, &["乙.toml", "有错误"]);
    assert!(w.stderr().contains("模板出错"), "{}", w.all());
    let after: Vec<Vec<u8>> = pdfs.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(before == after, "a broken template replaced a PDF");

    // The template gone: said so, the last one is kept, the PDFs stay.
    std::fs::remove_file(dir.join("tpl/form.typ")).unwrap();
    w.wait_for_stderr("模板无法读取，继续使用上一次的模板");
    let after: Vec<Vec<u8>> = pdfs.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(before == after, "a PDF changed without a template");
    assert_eq!(w.interrupt(), Some(0), "{}", w.all());
}

/// A deleted form is reported and its outputs stay; a new form, or a
/// folder of them, is rendered; an emptied file is a save in progress, not
/// a mistake.
#[cfg(unix)]
#[test]
fn deleted_new_and_emptied_files() {
    let t = data(&["甲", "乙"]);
    let dir = t.path();
    let mut w = Watch::start(dir, &["data", "-o", "out", "--format", "xlsx"]);
    w.wait_for(0, &["甲.toml", "已生成"]);
    let (i, _) = w.wait_for(0, &["乙.toml", "已生成"]);

    std::fs::remove_file(dir.join("data/乙.toml")).unwrap();
    let (i, gone) = w.wait_for(i + 1, &["乙.toml", "已删除"]);
    assert!(gone.contains("out/乙.xlsx"), "{gone}");
    assert!(dir.join("out/乙.xlsx").is_file());

    std::fs::create_dir_all(dir.join("data/2025")).unwrap();
    std::fs::write(dir.join("data/2025/丙.toml"), department("丙办公室")).unwrap();
    let (i, new) = w.wait_for(i + 1, &["丙.toml", "已生成"]);
    assert!(new.contains("out/2025/丙.xlsx"), "{new}");

    // A folder moved in whole: its files were there before it was watched.
    std::fs::create_dir_all(dir.join("incoming/2026")).unwrap();
    std::fs::write(dir.join("incoming/2026/丁.toml"), department("丁办公室")).unwrap();
    std::fs::rename(dir.join("incoming/2026"), dir.join("data/2026")).unwrap();
    let (i, moved) = w.wait_for(i + 1, &["丁.toml", "已生成"]);
    assert!(moved.contains("out/2026/丁.xlsx"), "{moved}");

    let before = std::fs::read(dir.join("out/甲.xlsx")).unwrap();
    std::fs::write(dir.join("data/甲.toml"), "").unwrap();
    let (i, waiting) = w.wait_for(i + 1, &["甲.toml"]);
    assert!(waiting.contains("正在写入"), "{waiting}\n{}", w.all());
    assert!(std::fs::read(dir.join("out/甲.xlsx")).unwrap() == before);

    // Written slowly, in pieces: rendered once it is whole, never an error.
    let mut f = std::fs::File::create(dir.join("data/甲.toml")).unwrap();
    let text = department("甲新版办公室");
    let bytes = text.as_bytes();
    for chunk in bytes.chunks(bytes.len() / 4 + 1) {
        f.write_all(chunk).unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(f);
    let (_, done) = w.wait_for(i + 1, &["甲.toml", "已生成"]);
    assert_eq!(count(&w, "甲.toml", "有错误"), 0, "{done}\n{}", w.all());
    assert!(workbook_text(&dir.join("out/甲.xlsx")).contains("甲新版办公室"));
    assert_eq!(w.interrupt(), Some(0), "{}", w.all());
    assert!(leftovers(dir).is_empty());
}

/// One data file, watched as `render` would write it (`data/` mirrored
/// into `out/`), survives being saved by rename.
#[cfg(unix)]
#[test]
fn one_file_is_watched_through_a_save_by_rename() {
    let t = data(&[]);
    let dir = t.path();
    std::fs::create_dir_all(dir.join("data/2024")).unwrap();
    let file = dir.join("data/2024/甲.toml");
    std::fs::write(&file, department("甲办公室")).unwrap();
    let mut w = Watch::start(dir, &["data/2024/甲.toml", "--format", "xlsx"]);
    let (i, first) = w.wait_for(0, &["甲.toml", "已生成"]);
    assert!(first.contains("out/2024/甲.xlsx"), "{first}");
    let mut i = i;
    for round in ["二", "三"] {
        let tmp = dir.join("data/2024/甲.toml.new");
        std::fs::write(&tmp, department(&format!("甲第{round}版办公室"))).unwrap();
        std::fs::rename(&tmp, &file).unwrap();
        i = w.wait_for(i + 1, &["甲.toml", "已生成"]).0;
        let text = workbook_text(&dir.join("out/2024/甲.xlsx"));
        assert!(text.contains(&format!("甲第{round}版")), "{}", w.all());
    }
    assert_eq!(w.interrupt(), Some(0), "{}", w.all());
}

/// A form whose data is right but whose PDF cannot be made (a character no
/// font has) writes neither output: the PDF and the workbook stay the last
/// good pair, not a new workbook beside an old PDF.
#[cfg(unix)]
#[test]
fn a_form_that_cannot_be_printed_keeps_both_outputs() {
    let t = data(&["甲"]);
    let dir = t.path();
    let mut w = Watch::start(dir, &["data", "-o", "out"]);
    let (i, _) = w.wait_for(0, &["甲.toml", "已生成"]);
    let outputs = [dir.join("out/甲.pdf"), dir.join("out/甲.xlsx")];
    let before: Vec<Vec<u8>> = outputs.iter().map(|p| std::fs::read(p).unwrap()).collect();
    std::fs::write(dir.join("data/甲.toml"), department("😀办公室")).unwrap();
    let (_, bad) = w.wait_for(i + 1, &["甲.toml", "有错误"]);
    assert!(bad.contains("上一次的输出保持不变"), "{bad}");
    w.wait_for_stderr("😀");
    let after: Vec<Vec<u8>> = outputs.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(before == after, "an output was replaced\n{}", w.all());
    assert_eq!(w.interrupt(), Some(0), "{}", w.all());
}

/// A second Ctrl-C while forms are being rendered exits at once with 130,
/// and leaves no temp file behind.
#[cfg(unix)]
#[test]
fn a_second_ctrl_c_during_a_render_exits_130_without_temp_files() {
    let t = data(&["部门00"]);
    let dir = t.path();
    // Forms of about 150 pages, each some 0.2 s of rendering even on an
    // idle machine: the two signals fall while one is being rendered.
    let long: String = "长文本".chars().cycle().take(100_000).collect();
    let slow = seed_with(
        "target = \"保障基本支出, 维持部门正常运转。\"",
        &format!("target = \"{long}\""),
    );
    for i in 1..12 {
        std::fs::write(dir.join(format!("data/部门{i:02}.toml")), &slow).unwrap();
    }
    let mut w = Watch::start(dir, &["data", "-o", "out", "--format", "pdf"]);
    w.wait_for(0, &["已生成"]);
    w.ctrl_c();
    // Apart, so the two are two signals, not one pending twice.
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(w.interrupt(), Some(130), "{}", w.all());
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
    for p in files_under(&dir.join("out")) {
        let pdf = std::fs::read(&p).unwrap();
        assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"), "{}", p.display());
    }
}

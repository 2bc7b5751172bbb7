//! A town batch, end to end: 100 synthetic departments of varied sizes,
//! PDF + XLSX (+ the town's workbook and volume), by the release binary —
//! wall time and peak memory — and, side by side in the same run, the same
//! PDFs made one process per document by the Typst CLI, the way a user
//! would script it (two at a time on this machine's two cores), when
//! `TYPST` names a `typst` binary.
//!
//! Then the daily loop: one department edited and the batch run again into
//! the same folder (only that department, the town's workbook and volume
//! are made again), and once more with nothing changed. Then the PDFs
//! alone, on worker processes (the default) and on threads in one process
//! (`JIXIAO_WORKERS=0`), one after the other.
//!
//! `cargo bench --bench batch` (optionally `-- N` departments).
//! Targets: 100 departments ≤ 3 s wall, ≤ 300 MB peak; jixiao ≥ 2.5× the CLI;
//! the batch after one edit ≤ 0.25 s wall.
//!
//! The departments are generated into a temp folder from the seed (never
//! committed as data), sized around the seed: 3–15 key tasks and 7–56
//! indicators (the seed has 9 and 31), texts that are windows of the seed's
//! own wording at random places and of random length, figures that balance
//! so every form passes the check. The run prints the average page count.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn seed() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/2024/党建工作办公室.toml"
    ))
    .unwrap()
}

/// A cheap deterministic generator (xorshift), so every run builds the same town.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One synthetic department derived from the seed's texts.
fn department(i: usize, rng: &mut Rng) -> String {
    let seed = seed();
    let head_end = seed.find("[budget]").unwrap();
    let head = seed[..head_end].replace(
        "东莞市大朗镇党建工作办公室",
        &format!("东莞市大朗镇合成部门{i:03}"),
    );
    // Texts are windows of the seed's own wording at random places, so
    // departments neither share paragraphs (which memoisation would make
    // free) nor read like noise.
    let corpus: Vec<char> = seed
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_ascii())
        .collect();
    let window = |rng: &mut Rng, len: usize| -> String {
        let start = rng.next((corpus.len() - len) as u64) as usize;
        corpus[start..start + len].iter().collect()
    };
    let text = |rng: &mut Rng| -> String {
        let len = 10 + rng.next(110) as usize;
        window(rng, len)
    };
    // Indicator values are mostly short, as in the seed (≥90%, 100%…).
    let value = |rng: &mut Rng| -> String {
        match rng.next(4) {
            0 => "≥90%".to_string(),
            1 => "100%".to_string(),
            2 => format!("{}个", 1 + rng.next(200)),
            _ => {
                let len = 8 + rng.next(60) as usize;
                window(rng, len)
            }
        }
    };

    // Sizes vary around the seed (9 tasks, 31 indicators, 5 pages).
    let tasks = 3 + rng.next(13) as usize;
    let mut total_yuan: u64 = 0;
    let mut body = String::new();
    for t in 0..tasks {
        let amount = 100 * (1 + rng.next(50_000)); // whole hundreds of 元: exact in 万元
        total_yuan += amount;
        body += &format!(
            "[[tasks]]\nname = \"合成任务{t}\"\ncontent = [\"{}\", \"{}\"]\namount = {amount}.00\ntarget = \"{}\"\n\n",
            text(rng),
            text(rng),
            text(rng)
        );
    }
    body += "[[other_tasks]]\nname = \"保障部门日常办公运转\"\ncontent = \"按时支付日常公用支出\"\namount = 378000.00\ntarget = \"保障基本支出。\"\n\n";
    let groups = [
        ("产出指标", "数量指标"),
        ("产出指标", "质量指标"),
        ("产出指标", "时效指标"),
        ("产出指标", "成本指标"),
        ("效益指标", "社会效益指标"),
        ("效益指标", "可持续影响指标"),
        ("满意度指标", "服务对象满意度指标"),
    ];
    for (l1, l2) in groups {
        body += &format!("[[indicators]]\nlevel1 = \"{l1}\"\nlevel2 = \"{l2}\"\n\n");
        for k in 0..1 + rng.next(8) {
            body += &format!(
                "[[indicators.items]]\nname = \"{l2}{k}\"\nperiod = \"{}\"\nannual = [\"{}\", \"{}\"]\n\n",
                value(rng),
                value(rng),
                value(rng)
            );
        }
    }
    let project = total_yuan as f64 / 10_000.0;
    let budget = format!(
        "[budget]\nbasic_expense = 37.80\nproject_expense = {project:.2}\nfiscal_funds = {:.2}\nother_funds = 0.00\nspecial_funds = 0.00\nother_development = 0.00\ncity_level = \"\"\ntransfer = 0.00\n\n[overall]\ngoals = [\"{}\", \"{}\"]\n\n",
        project + 37.80,
        text(rng),
        text(rng)
    );
    format!("{head}{budget}{body}[satisfaction]\nperiod = \"基本满意\"\nannual = \"基本满意\"\n")
}

/// Wall time of `cmd`, and its peak memory in MB: on Linux, the memory of
/// the process and its worker processes together (proportional set size:
/// pages they share, such as the binary's embedded fonts, counted once),
/// sampled every 20 ms; elsewhere the largest child's peak.
fn measure(cmd: &mut Command) -> (f64, f64) {
    let t = Instant::now();
    let mut child = cmd.spawn().expect("runs");
    let mut peak: f64 = 0.0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        peak = peak.max(tree_rss_mb(child.id()));
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let secs = t.elapsed().as_secs_f64();
    assert!(status.success(), "{cmd:?} failed");
    (secs, if peak > 0.0 { peak } else { children_peak_mb() })
}

/// The proportional set size of process `pid` and all its descendants,
/// in MB (Linux; 0 elsewhere).
fn tree_rss_mb(pid: u32) -> f64 {
    let rss = |pid: u32| -> f64 {
        std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("Pss:"))?.to_string();
                line.split_whitespace().nth(1)?.parse::<f64>().ok()
            })
            .map_or(0.0, |kb| kb / 1024.0)
    };
    // Every process's parent, from /proc/PID/stat (its fourth field, after
    // the name in parentheses).
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let ppid = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((p, ppid))
        })
        .collect();
    let children = |pid: u32| -> Vec<u32> {
        parents
            .iter()
            .filter(|(_, pp)| *pp == pid)
            .map(|(p, _)| *p)
            .collect()
    };
    let mut stack = vec![pid];
    let mut total = 0.0;
    while let Some(p) = stack.pop() {
        total += rss(p);
        stack.extend(children(p));
    }
    total
}

#[cfg(not(unix))]
fn children_peak_mb() -> f64 {
    // No getrusage for children on Windows: the figure is not measured.
    f64::NAN
}

#[cfg(unix)]
fn children_peak_mb() -> f64 {
    // SAFETY: getrusage only writes the struct we hand it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss as f64 / 1024.0
}

fn count(dir: &Path, ext: &str) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == ext) {
                n += 1;
            }
        }
    }
    n
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_jixiao"));
    let tmp = tempfile::tempdir().unwrap();
    // `JIXIAO_BENCH_KEEP=1`: keep the generated town to run by hand.
    let (_guard, base) = if std::env::var_os("JIXIAO_BENCH_KEEP").is_some() {
        let kept = tmp.keep();
        println!("generated town kept in {}", kept.display());
        (None, kept)
    } else {
        let base = tmp.path().to_path_buf();
        (Some(tmp), base)
    };
    let data = base.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..n {
        std::fs::write(
            data.join(format!("部门{i:03}.toml")),
            department(i, &mut rng),
        )
        .unwrap();
    }
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!("{n} synthetic departments, {cores} cores");

    let out = base.join("out-all");
    let (secs, peak) = measure(
        Command::new(&bin)
            .arg("batch")
            .arg(&data)
            .arg("-o")
            .arg(&out)
            .arg("--quiet")
            .stdout(std::process::Stdio::null()),
    );
    println!(
        "jixiao batch, PDF + XLSX + town workbook and volume: {secs:.2} s wall, peak {peak:.0} MB, all its processes together ({} PDFs, {} workbooks)",
        count(&out, "pdf"),
        count(&out, "xlsx"),
    );
    // The same folder again: one department edited, then nothing changed.
    let again = |what: &str, expect: &str, target: &str| {
        let t = Instant::now();
        let run = Command::new(&bin)
            .arg("batch")
            .arg(&data)
            .arg("-o")
            .arg(&out)
            .arg("--quiet")
            .output()
            .expect("runs");
        let secs = t.elapsed().as_secs_f64();
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "{stdout}");
        assert!(stdout.contains(expect), "want “{expect}”:\n{stdout}");
        println!("jixiao batch again, {what} {secs:.2} s wall{target}");
    };
    let edited = data.join(format!("部门{:03}.toml", n / 2));
    let text = std::fs::read_to_string(&edited).unwrap();
    let at = text.rfind("annual = \"基本满意\"").unwrap();
    let text = format!(
        "{}annual = \"满意\"{}",
        &text[..at],
        &text[at + "annual = \"基本满意\"".len()..]
    );
    std::fs::write(&edited, text).unwrap();
    again(
        "one department edited:           ",
        &format!("1 个已生成，{} 个已是最新", n - 1),
        " (target ≤ 0.25 s)",
    );
    again(
        "nothing changed:                 ",
        &format!("0 个已生成，{n} 个已是最新"),
        "",
    );

    let pages: usize = (0..n)
        .map(|i| {
            let pdf = out.join(format!("部门{i:03}.pdf"));
            lopdf::Document::load(&pdf).map_or(0, |d| d.get_pages().len())
        })
        .sum();
    println!(
        "departments average {:.1} pages (the seed: 5)",
        pages as f64 / n as f64
    );

    // PDFs only: on worker processes (what `batch` does with 2 cores or
    // more), and on threads in one process (`JIXIAO_WORKERS=0`), one after
    // the other.
    let pdfs_only = |out: &str, workers: bool| {
        let out = base.join(out);
        let mut cmd = Command::new(&bin);
        cmd.arg("batch")
            .arg(&data)
            .arg("-o")
            .arg(&out)
            .args([
                "--quiet",
                "--format",
                "pdf",
                "--no-town-pdf",
                "--no-town-xlsx",
            ])
            .stdout(std::process::Stdio::null());
        if !workers {
            cmd.env("JIXIAO_WORKERS", "0");
        }
        let (secs, peak) = measure(&mut cmd);
        assert_eq!(count(&out, "pdf"), n);
        (secs, peak)
    };
    let (jx, peak) = pdfs_only("out-pdf", true);
    println!(
        "jixiao batch, PDFs only, {cores} worker processes:     {jx:.2} s wall, peak {peak:.0} MB ({:.1} ms per department)",
        jx * 1e3 / n as f64
    );
    let (threads, peak) = pdfs_only("out-threads", false);
    println!(
        "jixiao batch, PDFs only, {cores} threads in one process: {threads:.2} s wall, peak {peak:.0} MB (the processes {:.2}× faster)",
        threads / jx
    );

    let Some(typst) = std::env::var_os("TYPST") else {
        println!(
            "Typst CLI, one process per document: not measured (set TYPST to a typst 0.15 binary)"
        );
        return;
    };
    // The same documents for the CLI: the template folder, the fonts, and
    // each department's data as the `/data.json` jixiao would serve.
    let work = base.join("cli");
    std::fs::create_dir_all(&work).unwrap();
    let ts = jixiao::render::pdf::Typesetter::new(None, &[]).unwrap();
    let fonts = serde_json::json!({ "title": ts.fonts().title, "body": ts.fonts().body });
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut jobs = Vec::new();
    for i in 0..n {
        let src = std::fs::read(data.join(format!("部门{i:03}.toml"))).unwrap();
        let doc = jixiao::model::load(&src).document.unwrap();
        let mut view = serde_json::to_value(jixiao::layout::view::Data::new(&doc)).unwrap();
        view["fonts"] = fonts.clone();
        let dir = work.join(format!("{i:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        for t in ["form.typ", "form-lib.typ"] {
            std::fs::copy(root.join("templates").join(t), dir.join(t)).unwrap();
        }
        std::fs::write(dir.join("data.json"), view.to_string()).unwrap();
        jobs.push(dir);
    }
    let t = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..cores {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(dir) = jobs.get(i) else { break };
                    let status = Command::new(&typst)
                        .args(["compile", "--ignore-system-fonts", "--font-path"])
                        .arg(root.join("fonts"))
                        .arg("--root")
                        .arg(dir)
                        .arg(dir.join("form.typ"))
                        .arg(dir.join("form.pdf"))
                        .status()
                        .expect("typst runs");
                    assert!(status.success(), "typst failed on {}", dir.display());
                }
            });
        }
    });
    let cli = t.elapsed().as_secs_f64();
    println!(
        "Typst CLI, one process per document ({cores} at a time): {cli:.2} s wall ({:.1} ms per department)",
        cli * 1e3 / n as f64
    );
    println!(
        "jixiao is {:.1}× faster for the PDFs (target ≥ 2.5×)",
        cli / jx
    );
}

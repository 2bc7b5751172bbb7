//! What reading existing forms costs (`cargo bench --bench import`):
//! - one workbook imported, warm, in process: the seed's own workbook and
//!   the seed's text export, each N times (default 200); target ≤ 20 ms;
//! - `jixiao check` over a folder of 100 departments' workbooks, as the
//!   finance bureau runs it, one process, wall time; target ≤ 2 s.
//!
//! A plain binary, like the other benches.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn median_ms(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(times[times.len() / 2]), ms(times[0]))
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let seed = std::fs::read(root.join("data/2024/党建工作办公室.toml")).expect("the seed");
    let doc = jixiao::model::load(&seed)
        .document
        .expect("the seed is valid");
    let book = jixiao::render::xlsx::workbook(&doc, None).expect("a workbook");
    let export = std::fs::read(root.join("tests/fixtures/seed.txt")).expect("the export");

    for (what, bytes, ext) in [
        ("the seed's workbook (.xlsx)", &book, "xlsx"),
        ("the seed's text export (.txt)", &export, "txt"),
    ] {
        for _ in 0..5 {
            std::hint::black_box(jixiao::import::import(bytes, "seed", ext).is_ok());
        }
        let times: Vec<Duration> = (0..n.max(1))
            .map(|_| {
                let t = Instant::now();
                let forms = jixiao::import::import(bytes, "seed", ext).expect("imports");
                let e = t.elapsed();
                std::hint::black_box(forms);
                e
            })
            .collect();
        let (median, min) = median_ms(times);
        println!(
            "import {what}: median {median:.2} ms, min {min:.2} ms over {n} runs (target ≤ 20 ms)"
        );
    }

    // 100 departments' workbooks in one folder, each its own department.
    let dir = std::env::temp_dir().join(format!("jixiao-bench-import-{}", std::process::id()));
    let got = dir.join("收到的");
    std::fs::create_dir_all(&got).expect("a temp folder");
    for i in 0..100 {
        let mut d = doc.clone();
        d.department = format!("东莞市大朗镇第{i:03}办公室");
        let bytes = jixiao::render::xlsx::workbook(&d, None).expect("a workbook");
        std::fs::write(got.join(format!("部门{i:03}.xlsx")), bytes).expect("written");
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_jixiao"));
    let mut walls = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let out = Command::new(&bin)
            .current_dir(&dir)
            .args(["check", "收到的"])
            .output()
            .expect("jixiao runs");
        walls.push(t.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (median, min) = median_ms(walls);
    println!(
        "jixiao check of 100 workbooks: median {:.2} s, min {:.2} s over 3 runs (target ≤ 2 s)",
        median / 1000.0,
        min / 1000.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

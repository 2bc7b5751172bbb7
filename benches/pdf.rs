//! PDF benchmark on the seed: font loading, warm compile + export, cold
//! process start to PDF written, and peak memory over 100 renders.
//!
//! `cargo bench --bench pdf` (release build). Prints each figure beside its
//! target; the process-based figures use the release binary cargo built.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use jixiao::render::pdf::{PdfSettings, Typesetter};

// The allocator the `jixiao` binary uses, so in-process figures match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn stats(mut xs: Vec<Duration>) -> (f64, f64, f64) {
    xs.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean = xs.iter().map(|d| ms(*d)).sum::<f64>() / xs.len() as f64;
    (ms(xs[0]), ms(xs[xs.len() / 2]), mean)
}

/// Peak resident memory of this process so far, in MB (Linux).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    jixiao::memory::small_pages();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let seed = root.join("data/2024/党建工作办公室.toml");
    let doc = jixiao::model::load(&std::fs::read(&seed).unwrap())
        .document
        .expect("the seed is valid");
    let settings = PdfSettings::default();

    let t = Instant::now();
    let ts = Typesetter::new(None, &[]).unwrap();
    let fonts = t.elapsed();
    println!(
        "font book + template, once per process: {:.1} ms",
        fonts.as_secs_f64() * 1e3
    );

    let first = Instant::now();
    let r = ts.render(&doc, &settings).unwrap();
    println!(
        "first render in the process: {:.1} ms ({} pages, {} KB)",
        first.elapsed().as_secs_f64() * 1e3,
        r.pages,
        r.pdf.len() / 1024
    );

    // Warm: the same document again (memoised parts reused, as in a batch
    // re-render), and fresh documents (each a different department name, so
    // nothing of the layout can be reused).
    let mut same = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        ts.render(&doc, &settings).unwrap();
        same.push(t.elapsed());
    }
    let (min, med, mean) = stats(same);
    println!(
        "warm render, same document:  min {min:.1} ms, median {med:.1} ms, mean {mean:.1} ms (target ≤ 25 ms)"
    );
    let mut fresh = Vec::new();
    for i in 0..100 {
        let mut d = doc.clone();
        d.department = format!("东莞市大朗镇第{i}办公室");
        let t = Instant::now();
        ts.render(&d, &settings).unwrap();
        fresh.push(t.elapsed());
        typst::comemo::evict(10);
    }
    let (min, med, mean) = stats(fresh);
    println!(
        "warm render, new documents: min {min:.1} ms, median {med:.1} ms, mean {mean:.1} ms (target ≤ 25 ms)"
    );
    if let Some(mb) = peak_rss_mb() {
        println!("peak memory after 100+ renders in one process: {mb:.0} MB (target ≤ 250 MB)");
    }

    // Cold: a new process per run, start to PDF on disk.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_jixiao"));
    let out = std::env::temp_dir().join(format!("jixiao-bench-{}", std::process::id()));
    let mut cold = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let status = std::process::Command::new(&bin)
            .args(["render", "--format", "pdf", "-o"])
            .arg(&out)
            .arg(&seed)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        cold.push(t.elapsed());
    }
    let _ = std::fs::remove_dir_all(&out);
    let (min, med, mean) = stats(cold);
    println!(
        "cold `jixiao render` (process start to PDF written): min {min:.0} ms, median {med:.0} ms, mean {mean:.0} ms (target ≤ 300 ms)"
    );
}

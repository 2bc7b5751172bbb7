//! How long one department's workbook takes, warm: the seed rendered N times
//! (`cargo bench --bench xlsx`, or `-- N` for another count). Target: ≤ 10 ms.
//!
//! A plain binary, not criterion: the figure we care about is a millisecond
//! budget per department in a town batch, and the dependency tree stays lean.

use std::time::{Duration, Instant};

use jixiao::render::xlsx;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/2024/党建工作办公室.toml");
    let bytes = std::fs::read(path).expect("the seed data file");
    let doc = jixiao::model::load(&bytes)
        .document
        .expect("the seed is valid");

    // Warm up: first-use allocations, page cache, CPU frequency.
    let mut size = 0;
    for _ in 0..10 {
        size = xlsx::workbook(&doc, None).expect("renders").len();
    }

    let mut times: Vec<Duration> = (0..n.max(1))
        .map(|_| {
            let t = Instant::now();
            let book = xlsx::workbook(&doc, None).expect("renders");
            let e = t.elapsed();
            std::hint::black_box(book);
            e
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = times.iter().map(|&d| ms(d)).sum::<f64>() / times.len() as f64;
    println!(
        "xlsx workbook (seed, {size} bytes), {} runs: min {:.3} ms, median {:.3} ms, mean {:.3} ms",
        times.len(),
        ms(times[0]),
        ms(times[times.len() / 2]),
        mean
    );
}

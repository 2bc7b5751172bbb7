//! Many departments at once: parallel, isolated, atomic, summarised.
//!
//! The pipeline for one file is [`process`]: check → render PDF (and the
//! workbook) to bytes → write each output atomically. [`run`] spreads files
//! over worker threads sharing one [`Typesetter`] (fonts and template loaded
//! once), evicting Typst's memo cache as it goes so memory stays flat. A file
//! that fails — bad data, a template error, a disk that is full, even a panic
//! deep in a library — costs only itself: it is reported and the rest go on.
//! `jixiao render` is the same pipeline over the files it is given.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::diagnostic::Diagnostic;
use crate::files;
use crate::model::Document;
use crate::render::pdf::{PdfSettings, Typesetter};

/// Which outputs to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// PDF and workbook.
    #[default]
    All,
    Pdf,
    Xlsx,
    /// The validated form as JSON, alone.
    Json,
}

impl Format {
    pub fn pdf(self) -> bool {
        matches!(self, Format::All | Format::Pdf)
    }

    pub fn xlsx(self) -> bool {
        matches!(self, Format::All | Format::Xlsx)
    }

    pub fn json(self) -> bool {
        self == Format::Json
    }
}

/// Settings shared by every file of a run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub format: Format,
    pub strict: bool,
    pub pdf: PdfSettings,
    /// Write nothing unless every format rendered: `watch` keeps a file's
    /// last good PDF and workbook together while it is being edited. A
    /// batch writes what it can.
    pub all_or_nothing: bool,
}

/// One file to process and where its outputs go (without extension).
#[derive(Debug, Clone)]
pub struct Job {
    pub input: PathBuf,
    pub stem: PathBuf,
}

/// How one file went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Outputs written.
    Done,
    /// The data has errors: nothing rendered.
    Invalid,
    /// The data is fine but the PDF or the workbook could not be made (the
    /// other may have been written).
    RenderFailed,
    /// Rendered, but an output could not be written.
    WriteFailed,
    /// Not started because the run was interrupted.
    Skipped,
    /// Not rendered: its outputs are those of this data with these
    /// settings, as the batch state records (see [`crate::state`]).
    UpToDate,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Done => "已生成",
            Status::Invalid => "数据有误",
            Status::RenderFailed => "生成失败",
            Status::WriteFailed => "写入失败",
            Status::Skipped => "未处理（已中断）",
            Status::UpToDate => "已是最新",
        }
    }

    /// Whether the department's outputs are all in place and current.
    pub fn ok(self) -> bool {
        matches!(self, Status::Done | Status::UpToDate)
    }
}

/// What happened to one file.
#[derive(Debug)]
pub struct Report {
    pub input: PathBuf,
    pub status: Status,
    /// The file's text, for printing the diagnostics.
    pub source: String,
    /// Data diagnostics (check), then rendering warnings and errors.
    pub diagnostics: Vec<Diagnostic>,
    pub errors: usize,
    pub warnings: usize,
    pub outputs: Vec<PathBuf>,
    /// The SHA-256 of each output as written, beside `outputs`.
    pub digests: Vec<String>,
    pub pages: usize,
    /// The form, when its data is valid (for the combined outputs).
    pub document: Option<Document>,
    /// A write error, in words.
    pub failure: Option<String>,
    /// An up-to-date department's name and town, from the batch state: its
    /// form is loaded only when the town's outputs are made again.
    pub known: Option<Known>,
}

/// What the summary and the town's outputs need of a department that was
/// not rendered.
#[derive(Debug, Clone)]
pub struct Known {
    pub department: String,
    pub town: String,
    pub year: i32,
}

impl Report {
    pub(crate) fn new(input: &Path, status: Status) -> Report {
        Report {
            input: input.to_path_buf(),
            status,
            source: String::new(),
            diagnostics: Vec::new(),
            errors: 0,
            warnings: 0,
            outputs: Vec::new(),
            digests: Vec::new(),
            pages: 0,
            document: None,
            failure: None,
            known: None,
        }
    }

    /// The department's name when known, else the file name.
    pub fn name(&self) -> String {
        match (&self.document, &self.known) {
            (Some(d), _) => d.department.clone(),
            (None, Some(k)) => k.department.clone(),
            (None, None) => self
                .input
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }

    /// The (year, town) the department belongs to, when known.
    pub fn town(&self) -> Option<(i32, &str)> {
        match (&self.document, &self.known) {
            (Some(d), _) => Some((d.year, d.town.as_str())),
            (None, Some(k)) => Some((k.year, k.town.as_str())),
            (None, None) => None,
        }
    }
}

/// Check, render and write one file. Never panics: a panic inside the
/// renderers becomes a failed report for this file only.
pub fn process(job: &Job, ts: &Typesetter, opts: &Options) -> Report {
    match catch_unwind(AssertUnwindSafe(|| process_inner(job, ts, opts))) {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let mut r = Report::new(&job.input, Status::RenderFailed);
            r.diagnostics.push(
                Diagnostic::error(format!("内部错误，这个部门没有生成：{what}"))
                    .note("这是 jixiao 的缺陷，请把数据文件交给维护人员"),
            );
            r.errors = 1;
            r
        }
    }
}

fn process_inner(job: &Job, ts: &Typesetter, opts: &Options) -> Report {
    let mut report = Report::new(&job.input, Status::Invalid);
    let mut forms = crate::import::load_any(&job.input, opts.strict);
    if forms.len() > 1 {
        report.errors = 1;
        report.diagnostics.push(
            Diagnostic::error(format!(
                "这个文件中有 {} 个部门的表；请先用 jixiao import 拆成每个部门一个文件",
                forms.len()
            ))
            .field("文件"),
        );
        return report;
    }
    let Some(mut form) = forms.pop() else {
        return report;
    };
    let l = std::mem::take(&mut form.loaded);
    report.errors = l.errors();
    report.warnings = l.warnings();
    report.diagnostics = l.diagnostics;
    report.source = l.source;
    let Some(doc) = l.document else {
        return report;
    };

    // Each format is made on its own: a workbook that cannot hold a
    // 50,000-character text does not cost the department its PDF.
    let mut failed = false;
    let mut made = Vec::new();
    if opts.format.pdf() {
        match render_pdf(ts, &doc, &report.source, opts) {
            Ok(r) => {
                report.pages = r.pages;
                report.warnings += r.warnings.len();
                report.diagnostics.extend(r.warnings);
                made.push((job.stem.with_extension("pdf"), r.pdf));
            }
            Err(errors) => {
                // A form from a workbook: at the cell, not the data file.
                report.errors += errors.len();
                report
                    .diagnostics
                    .extend(errors.into_iter().map(|d| form.place(d)));
                failed = true;
            }
        }
    }
    if opts.format.xlsx() {
        match crate::render::xlsx::workbook(&doc) {
            Ok(bytes) => made.push((job.stem.with_extension("xlsx"), bytes)),
            Err(e) => {
                report.errors += 1;
                report
                    .diagnostics
                    .push(Diagnostic::error(format!("生成 Excel 工作簿失败：{e:#}")));
                failed = true;
            }
        }
    }
    if opts.format.json() {
        made.push((
            job.stem.with_extension("json"),
            crate::render::json::form(&doc),
        ));
    }
    if !(failed && opts.all_or_nothing) {
        for (path, bytes) in made {
            failed |= !write(&mut report, path, &bytes);
        }
    }
    report.document = Some(doc);
    report.status = match (failed, report.failure.is_some()) {
        (false, _) => Status::Done,
        (true, true) => Status::WriteFailed,
        (true, false) => Status::RenderFailed,
    };
    report
}

/// The PDF, after making sure every character has a font: one that has
/// none is a data mistake, reported at the line it is on.
fn render_pdf(
    ts: &Typesetter,
    doc: &Document,
    source: &str,
    opts: &Options,
) -> Result<crate::render::pdf::Rendered, Vec<Diagnostic>> {
    let missing = crate::render::pdf::glyph_errors(ts.fonts(), doc, source);
    if !missing.is_empty() {
        return Err(missing);
    }
    ts.render(doc, &opts.pdf)
}

/// Writes one output atomically; on failure records why and returns false.
fn write(report: &mut Report, path: PathBuf, bytes: &[u8]) -> bool {
    match files::write_atomic(&path, bytes) {
        Ok(()) => {
            report.outputs.push(path);
            report.digests.push(crate::state::digest(bytes));
            true
        }
        Err(e) => {
            // Both formats may fail to write: keep every reason.
            let why = format!("{e:#}");
            report.failure = Some(match report.failure.take() {
                Some(first) => format!("{first}；{why}"),
                None => why,
            });
            false
        }
    }
}

/// Processes `jobs` on `threads` workers; `on_done` sees each report as it
/// finishes (for progress). Returns the reports in the order of `jobs`.
/// When `stop` becomes true, workers finish the file in hand and take no more.
pub fn run(
    jobs: &[Job],
    ts: &Typesetter,
    opts: &Options,
    threads: usize,
    stop: &AtomicBool,
    mut on_done: impl FnMut(&Report),
) -> Vec<Report> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Report)>();
    let mut reports: Vec<Option<Report>> = jobs.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, jobs.len().max(1)) {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let report = process(job, ts, opts);
                    // Keep Typst's memo cache from growing with every document.
                    typst::comemo::evict(10);
                    if tx.send((i, report)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (i, report) in rx {
            on_done(&report);
            reports[i] = Some(report);
        }
    });
    reports
        .into_iter()
        .zip(jobs)
        .map(|(r, job)| r.unwrap_or_else(|| Report::new(&job.input, Status::Skipped)))
        .collect()
}

/// Loads the forms of the up-to-date departments `which` (indices into
/// `reports`), on `threads` workers: the town's outputs are being made
/// again and need every member's form. A file that no longer passes its
/// check becomes a failed report.
pub fn load_forms(reports: &mut [Report], which: &[usize], strict: bool, threads: usize) {
    let next = AtomicUsize::new(0);
    let inputs: Vec<PathBuf> = which.iter().map(|&i| reports[i].input.clone()).collect();
    let mut loaded: Vec<Option<crate::model::Loaded>> = inputs.iter().map(|_| None).collect();
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, inputs.len().max(1)) {
            let tx = tx.clone();
            let (next, inputs) = (&next, &inputs);
            scope.spawn(move || {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(k) else { break };
                    if tx
                        .send((k, crate::model::load_file(input, strict)))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (k, l) in rx {
            loaded[k] = Some(l);
        }
    });
    for (&i, l) in which.iter().zip(loaded) {
        let Some(l) = l else { continue };
        let r = &mut reports[i];
        match l.document {
            Some(doc) => r.document = Some(doc),
            None => {
                r.status = Status::Invalid;
                r.errors = l.errors();
                r.warnings = l.warnings();
                r.diagnostics = l.diagnostics;
                r.source = l.source;
            }
        }
    }
}

/// `K/N`: this run takes the files whose path hashes to K among N shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("“{s}”不是有效的分片，应写成 K/N，如 1/4（1 ≤ K ≤ N）");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether the file at `rel` (relative to the data folder, `/`-separated)
    /// belongs to this shard. A file's shard depends on its path alone, so it
    /// stays put when other files come and go, and every machine agrees.
    pub fn contains(&self, rel: &Path) -> bool {
        let key = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        // FNV-1a, 64 bit: stable across versions and platforms, unlike std's hasher.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in key.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        (h % u64::from(self.count)) as u32 == self.index - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("a/b".parse::<Shard>().is_err());
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { index: k, count: 3 }).collect();
        for i in 0..200 {
            let p = PathBuf::from(format!("2024/部门{i}.toml"));
            assert_eq!(shards.iter().filter(|s| s.contains(&p)).count(), 1);
        }
    }
}

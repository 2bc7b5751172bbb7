//! A batch's departments rendered by worker processes instead of threads.
//!
//! Two threads rendering in one process share Typst's memo cache and its
//! locks; two processes of one thread each render the same departments
//! faster (README's performance table). So a batch with departments
//! enough for it starts one worker per core: the same program, with the
//! same command line and [`ENV`] set. A worker reads one job per line on
//! its standard input, renders it as [`batch::process`] does, and answers
//! with one line, the report, on its standard output; end of input ends
//! it. The parent hands the next job to whichever worker answers first,
//! so a long form does not hold the others up.
//!
//! Nothing is lost when a worker cannot start or dies: a worker that
//! cannot be started leaves its jobs to the others, or to a thread of the
//! parent when none started; the job a dying worker had in hand is
//! reported as failed, and the rest go on.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::batch::{self, Job, Known, Options, Report, Status};
use crate::diagnostic::Diagnostic;
use crate::render::pdf::Typesetter;

/// Set on a worker's environment: the command it runs serves jobs
/// ([`serve`]) instead of running a batch of its own.
pub const ENV: &str = "JIXIAO_INTERNAL_BATCH_WORKER";

/// In test builds: a worker given a job whose file has this name (or any
/// job, for `*`) exits at once, as a crash would end it.
#[cfg(debug_assertions)]
pub const DIE_ON: &str = "JIXIAO_INTERNAL_WORKER_DIE_ON";

/// How many documents back Typst's memo cache keeps what a document used.
/// What every form shares (the template, its fixed parts) is used again by
/// each document and stays; what one department's texts made is not used
/// by the next. Three, not the threads' ten: a worker renders one document
/// at a time, and with three the workers took 40% less memory and no more
/// time (README's performance table).
const MAX_AGE: usize = 3;

/// Below this many departments per worker, starting the workers (each
/// loads the fonts and the template) costs more than it wins.
const MIN_JOBS_PER_WORKER: usize = 4;

/// Whether this process is a worker.
pub fn is_worker() -> bool {
    std::env::var_os(ENV).is_some()
}

/// One job on the wire. Paths travel as text: a batch with a path that is
/// not Unicode renders on threads instead.
#[derive(Serialize, Deserialize)]
struct WireJob {
    input: String,
    stem: String,
}

/// A report on the wire: all of [`Report`] but the form, which the parent
/// reads again only when the town's workbook needs it; the department's
/// name, town and year come along as [`Known`].
#[derive(Serialize, Deserialize)]
struct WireReport {
    input: PathBuf,
    status: Status,
    source: String,
    diagnostics: Vec<Diagnostic>,
    errors: usize,
    warnings: usize,
    outputs: Vec<PathBuf>,
    digests: Vec<String>,
    removed: Vec<PathBuf>,
    pages: usize,
    failure: Option<String>,
    known: Option<Known>,
}

impl From<Report> for WireReport {
    fn from(r: Report) -> Self {
        let known = r.known.or_else(|| {
            r.document.map(|d| Known {
                department: d.department,
                town: d.town,
                year: d.year,
            })
        });
        WireReport {
            input: r.input,
            status: r.status,
            source: r.source,
            diagnostics: r.diagnostics,
            errors: r.errors,
            warnings: r.warnings,
            outputs: r.outputs,
            digests: r.digests,
            removed: r.removed,
            pages: r.pages,
            failure: r.failure,
            known,
        }
    }
}

impl From<WireReport> for Report {
    fn from(w: WireReport) -> Self {
        let mut r = Report::new(&w.input, w.status);
        r.source = w.source;
        r.diagnostics = w.diagnostics;
        r.errors = w.errors;
        r.warnings = w.warnings;
        r.outputs = w.outputs;
        r.digests = w.digests;
        r.removed = w.removed;
        r.pages = w.pages;
        r.failure = w.failure;
        r.known = w.known;
        r
    }
}

/// The worker's side: renders each job read from standard input and writes
/// its report to standard output, one line each, until input ends.
pub fn serve(ts: &Typesetter, opts: &Options) -> std::io::Result<()> {
    let stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lines() {
        let line = line?;
        let Ok(job) = serde_json::from_str::<WireJob>(&line) else {
            break;
        };
        let job = Job {
            input: PathBuf::from(job.input),
            stem: PathBuf::from(job.stem),
        };
        #[cfg(debug_assertions)]
        if std::env::var_os(DIE_ON)
            .is_some_and(|v| v == "*" || job.input.file_name() == Some(v.as_os_str()))
        {
            std::process::exit(101);
        }
        let report = WireReport::from(batch::process(&job, ts, opts));
        typst::comemo::evict(MAX_AGE);
        let text = serde_json::to_string(&report).map_err(std::io::Error::other)?;
        writeln!(stdout, "{text}")?;
        stdout.flush()?;
    }
    Ok(())
}

/// Set to `0` in the environment, a batch renders on threads in one
/// process: for a system where a program may not start itself again.
pub const OFF: &str = "JIXIAO_WORKERS";

/// Whether `jobs` on `workers` cores are worth worker processes.
pub fn worth_it(jobs: &[Job], workers: usize) -> bool {
    std::env::var_os(OFF).is_none_or(|v| v != "0")
        && workers >= 2
        && jobs.len() >= workers * MIN_JOBS_PER_WORKER
        && jobs
            .iter()
            .all(|j| j.input.to_str().is_some() && j.stem.to_str().is_some())
}

/// Renders `jobs` on `workers` worker processes, which run this program's
/// own command line; `typesetter` gives the parent's typesetter for jobs no
/// worker could take. `on_done` sees each report as it arrives. Returns
/// the reports in the order of `jobs`. When `stop` becomes true, no more
/// jobs are handed out.
pub fn run<'t>(
    jobs: &[Job],
    workers: usize,
    typesetter: impl FnOnce() -> Option<&'t Typesetter>,
    opts: &Options,
    stop: &AtomicBool,
    mut on_done: impl FnMut(&Report),
) -> Vec<Report> {
    let (mut reports, taken) = batch::spread(
        jobs,
        workers,
        stop,
        Worker::start,
        |worker, job| match worker.ask(job) {
            Some(report) => (report, true),
            None => (died(job), false),
        },
        &mut on_done,
    );
    // Jobs no worker took (none could start, or every one died): here, on
    // this thread.
    if taken < jobs.len()
        && !stop.load(Ordering::Relaxed)
        && let Some(ts) = typesetter()
    {
        let rest = batch::run(&jobs[taken..], ts, opts, 1, stop, &mut on_done);
        for (slot, r) in reports[taken..].iter_mut().zip(rest) {
            slot.get_or_insert(r);
        }
    }
    batch::in_order(reports, jobs)
}

/// The report of a job whose worker died while rendering it.
fn died(job: &Job) -> Report {
    let mut r = Report::new(&job.input, Status::RenderFailed);
    r.diagnostics.push(
        Diagnostic::error("内部错误：生成这个部门的工作进程意外退出，这个部门没有生成")
            .note("其他部门不受影响；请单独再生成一次这个文件，如仍失败，请把数据文件交给维护人员"),
    );
    r.errors = 1;
    r
}

/// One worker process and its two pipes. Dropped, it ends the worker's
/// input, so the worker exits, and waits for it.
struct Worker {
    child: Child,
    /// `None` once closed.
    input: Option<std::process::ChildStdin>,
    output: BufReader<std::process::ChildStdout>,
}

impl Worker {
    /// Starts this program again with the same arguments, as a worker.
    fn start() -> Option<Worker> {
        let exe = std::env::current_exe().ok()?;
        let mut child = Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // The parent prints every diagnostic from the reports.
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let input = Some(child.stdin.take()?);
        let output = BufReader::new(child.stdout.take()?);
        Some(Worker {
            child,
            input,
            output,
        })
    }

    /// Hands `job` to the worker and reads its report; `None` if the
    /// worker is gone.
    fn ask(&mut self, job: &Job) -> Option<Report> {
        let wire = WireJob {
            input: path_text(&job.input)?,
            stem: path_text(&job.stem)?,
        };
        let line = serde_json::to_string(&wire).ok()?;
        let input = self.input.as_mut()?;
        writeln!(input, "{line}").ok()?;
        input.flush().ok()?;
        let mut answer = String::new();
        match self.output.read_line(&mut answer) {
            Ok(n) if n > 0 => serde_json::from_str::<WireReport>(&answer)
                .ok()
                .map(Report::from),
            _ => None,
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        drop(self.input.take());
        let _ = self.child.wait();
    }
}

fn path_text(p: &Path) -> Option<String> {
    p.to_str().map(str::to_string)
}

//! `jixiao watch`: check and render again on every save, for a clerk who
//! edits a form and looks at it.
//!
//! One [`Typesetter`] serves the whole session: fonts and template are
//! loaded once, and an edited `--template` folder reloads the template, not
//! the fonts. The file system's change notices (notify) and the stop signal
//! arrive on one channel, so Ctrl-C ends a wait at once.
//!
//! What counts as a save, and what is done about it:
//! - **Debounced:** notices are gathered until the watched files have been
//!   quiet for [`QUIET`] (at most [`MAX_WAIT`] after the first), so an
//!   editor's several writes, or "save all", make one round.
//! - **Save by rename** (write a temp file, rename it over the form): the
//!   rename is a notice for the form's own path, the temp file (hidden, or
//!   not `.toml`) is none. Folders are watched, never a file's inode, so the
//!   watch survives the rename.
//! - **A file still being written** is read until two reads [`SETTLE`]
//!   apart agree; an empty file is taken for a save in progress and waits
//!   for the next notice. What a slow writer leaves half-way is at worst
//!   data with errors: reported, nothing written, and the writer's next
//!   write renders it again.
//! - **A file with errors writes nothing** ([`Options::all_or_nothing`]):
//!   its last good PDF and workbook stay as they were, together.
//! - **A deleted file** is reported; its outputs stay.
//! - **Stopping:** the first Ctrl-C (or SIGTERM, SIGHUP) lets the files in
//!   hand finish and ends with exit code 0, the normal end of a watch; a
//!   second one during a render removes the temp files being written and
//!   exits with 130 at once.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use anyhow::Context;
use notify::{EventKind, RecursiveMode, Watcher};

use super::render::{default_jobs, options, output_stem, print_diagnostics};
use crate::batch::{self, Job, Options, Report};
use crate::cli::WatchArgs;
use crate::files;
use crate::render::pdf::Typesetter;

const OK: Style = AnsiColor::Green.on_default();
const BAD: Style = AnsiColor::Red.on_default().bold();

/// How long the watched files must be quiet before a round starts.
const QUIET: Duration = Duration::from_millis(300);
/// A round starts at the latest this long after its first notice, however
/// busy the files are.
const MAX_WAIT: Duration = Duration::from_secs(3);
/// The pause between two reads of a changed file that must agree.
const SETTLE: Duration = Duration::from_millis(50);
/// How many reads a file gets to settle (2 s) before it waits for its next
/// notice.
const SETTLE_READS: usize = 40;

/// What arrives on the channel the main loop waits on.
enum Msg {
    Fs(notify::Result<notify::Event>),
    Stop,
}

pub fn run(args: &WatchArgs) -> anyhow::Result<ExitCode> {
    let scope = Scope::new(args)?;
    let ts = Typesetter::new(
        args.make.pdf.template.as_deref(),
        &args.make.pdf.fonts.font_path,
    )?;
    let opts = Options {
        all_or_nothing: true,
        ..options(&args.make)
    };
    let (tx, rx) = mpsc::channel();
    let stop = stop_on_signal(tx.clone());
    // Watching starts before the first round, so a save during it is not lost.
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = tx.send(Msg::Fs(event));
    })
    .context("无法开始监视文件")?;
    for (path, mode) in scope.watches() {
        watcher
            .watch(&path, mode)
            .with_context(|| format!("无法监视“{}”", path.display()))?;
    }
    let mut session = Session {
        known: scope.files()?.into_iter().collect(),
        scope,
        ts,
        opts,
        stop,
        template: args.make.pdf.template.clone(),
    };
    let also = match &session.template {
        Some(t) => format!("和模板“{}”所在的文件夹", t.display()),
        None => String::new(),
    };
    err!(
        "正在监视“{}”（{} 个数据文件）{also}：保存后自动检查并重新生成，按 Ctrl-C 停止。",
        session.scope.root.display(),
        session.known.len()
    );
    session.render_all();
    while !session.stopped() {
        let round = gather(&rx, &session.scope);
        if round.stop || session.stopped() {
            break;
        }
        if round.template && session.reload() {
            session.render_all();
        } else {
            session.saved(&round.data);
        }
    }
    err!("已停止监视。");
    Ok(ExitCode::SUCCESS)
}

/// A watch under way: what it renders with, and the data files it knows.
struct Session {
    scope: Scope,
    ts: Typesetter,
    opts: Options,
    stop: Arc<AtomicBool>,
    template: Option<PathBuf>,
    /// The data files rendered or tried, as shown: a deletion is reported
    /// for these only (not for an editor's temp file that came and went).
    known: BTreeSet<PathBuf>,
}

impl Session {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn render_all(&self) {
        let all: Vec<PathBuf> = self.known.iter().cloned().collect();
        render(&all, &self.scope, &self.ts, &self.opts, &self.stop);
    }

    /// Reads the edited template again; false (and the old one kept) when
    /// it cannot be read.
    fn reload(&mut self) -> bool {
        if let Err(e) = self.ts.reload_template(self.template.as_deref()) {
            err!(
                "[{}] {BAD}✗{BAD:#} 模板无法读取，继续使用上一次的模板：{e:#}",
                now()
            );
            return false;
        }
        match self.scope.files() {
            Ok(found) => self.known = found.into_iter().collect(),
            Err(e) => err!("{BAD}错误{BAD:#}：{e:#}"),
        }
        out!(
            "[{}] 模板已修改，全部重新生成（{} 个文件）",
            now(),
            self.known.len()
        );
        true
    }

    /// Renders the files of one round once they have settled.
    fn saved(&mut self, paths: &BTreeSet<PathBuf>) {
        let settled = settle(paths, &self.stop);
        if self.stopped() {
            return;
        }
        for path in &settled.gone {
            if self.known.remove(path) {
                let outs = existing_outputs(&self.scope.job(path), &self.opts);
                let kept = if outs.is_empty() {
                    String::new()
                } else {
                    format!("，它的输出没有删除：{}", files::show_all(&outs))
                };
                out!("[{}] − {} 已删除{kept}", now(), path.display());
            }
        }
        for path in &settled.waiting {
            out!(
                "[{}] … {} 正在写入（文件为空或仍在变化），等保存完成",
                now(),
                path.display()
            );
        }
        self.known.extend(settled.ready.iter().cloned());
        render(
            &settled.ready,
            &self.scope,
            &self.ts,
            &self.opts,
            &self.stop,
        );
    }
}

/// The first Ctrl-C, SIGTERM or SIGHUP ends the watch once the files in
/// hand are written; a second one exits at once, after removing the temp
/// files being written.
fn stop_on_signal(tx: mpsc::Sender<Msg>) -> Arc<AtomicBool> {
    super::render::on_interrupt(
        "\n正在停止监视（正在生成的文件写完后退出；再按一次 Ctrl-C 立即退出）……",
        move || {
            let _ = tx.send(Msg::Stop);
        },
    )
}

/// What is watched, and where each data file's outputs go.
struct Scope {
    /// The data folder, or the one data file, as typed: files are shown
    /// under it as the clerk typed it.
    root: PathBuf,
    /// The same, absolute, and with links resolved: notices carry one or
    /// the other, depending on the platform.
    root_abs: [PathBuf; 2],
    /// `root` is one data file, not a folder.
    single: bool,
    output: Option<PathBuf>,
    /// Where outputs go, absolute: a PDF or workbook written there is no
    /// change to the template.
    out_abs: PathBuf,
    /// The `--template` file's folder, absolute: everything the template
    /// may read is in it.
    template_abs: Option<[PathBuf; 2]>,
}

/// A path absolute, and absolute with its links resolved (the first again
/// when it cannot be resolved).
fn both(path: &Path) -> anyhow::Result<[PathBuf; 2]> {
    let abs =
        std::path::absolute(path).with_context(|| format!("无法确定“{}”的位置", path.display()))?;
    let real = abs.canonicalize().unwrap_or_else(|_| abs.clone());
    Ok([abs, real])
}

impl Scope {
    fn new(args: &WatchArgs) -> anyhow::Result<Scope> {
        let root = args.path.clone().unwrap_or_else(|| PathBuf::from("data"));
        let meta =
            std::fs::metadata(&root).with_context(|| format!("找不到“{}”", root.display()))?;
        let out = args.output.clone().unwrap_or_else(|| PathBuf::from("out"));
        let template_abs = match &args.make.pdf.template {
            Some(t) => {
                let dir = t
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                Some(both(dir)?)
            }
            None => None,
        };
        Ok(Scope {
            root_abs: both(&root)?,
            single: !meta.is_dir(),
            root,
            output: args.output.clone(),
            out_abs: std::path::absolute(&out).unwrap_or(out),
            template_abs,
        })
    }

    /// The data files now there.
    fn files(&self) -> anyhow::Result<Vec<PathBuf>> {
        if self.single {
            return Ok(vec![self.root.clone()]);
        }
        files::collect(std::slice::from_ref(&self.root), files::DATA)
    }

    /// What to render for `input`, as `render` (one file) or `batch` (a
    /// folder) would.
    fn job(&self, input: &Path) -> Job {
        let stem = if self.single {
            output_stem(input, self.output.as_deref())
        } else {
            let rel = input.strip_prefix(&self.root).unwrap_or(input);
            self.out_dir().join(rel.with_extension(""))
        };
        Job {
            input: input.to_path_buf(),
            stem,
        }
    }

    /// The output folder as typed (`out` by default), so outputs are shown
    /// as the clerk would type them.
    fn out_dir(&self) -> PathBuf {
        self.output.clone().unwrap_or_else(|| PathBuf::from("out"))
    }

    /// The folders to watch, none inside another watched recursively. A
    /// file is watched through its folder: an editor that saves by renaming
    /// a new file over it replaces the file the watch was on.
    fn watches(&self) -> Vec<(PathBuf, RecursiveMode)> {
        let mut all = Vec::new();
        let [root, _] = &self.root_abs;
        if self.single {
            let dir = root.parent().unwrap_or(root).to_path_buf();
            all.push((dir, RecursiveMode::NonRecursive));
        } else {
            all.push((root.clone(), RecursiveMode::Recursive));
        }
        if let Some([dir, _]) = &self.template_abs {
            all.push((dir.clone(), RecursiveMode::Recursive));
        }
        // `a` makes watching `b` needless.
        let covers = |(a, am): &(PathBuf, RecursiveMode), (b, bm): &(PathBuf, RecursiveMode)| {
            *am == RecursiveMode::Recursive
                && b.starts_with(a)
                && (a != b || *bm == RecursiveMode::NonRecursive)
        };
        let mut kept: Vec<(PathBuf, RecursiveMode)> = Vec::new();
        for w in &all {
            if !all.iter().any(|o| covers(o, w)) && !kept.contains(w) {
                kept.push(w.clone());
            }
        }
        kept
    }

    /// The data file a notice's path is, as shown to the clerk; `None` for
    /// anything else (outputs, an editor's temp and backup files).
    fn data_file(&self, path: &Path) -> Option<PathBuf> {
        let rel = self
            .root_abs
            .iter()
            .find_map(|r| path.strip_prefix(r).ok())?;
        if self.single {
            return rel.as_os_str().is_empty().then(|| self.root.clone());
        }
        let toml = rel
            .extension()
            .is_some_and(|e| files::DATA.iter().any(|x| e.eq_ignore_ascii_case(x)));
        (toml && !hidden(rel)).then(|| self.root.join(rel))
    }

    /// The folder under a watched data folder a notice's path is, as shown.
    fn data_folder(&self, path: &Path) -> Option<PathBuf> {
        if self.single || !path.is_dir() {
            return None;
        }
        let rel = self
            .root_abs
            .iter()
            .find_map(|r| path.strip_prefix(r).ok())?;
        (!rel.as_os_str().is_empty() && !hidden(rel)).then(|| self.root.join(rel))
    }

    /// Whether a notice's path is a file the template may read.
    fn template_file(&self, path: &Path) -> bool {
        let Some(dirs) = &self.template_abs else {
            return false;
        };
        // Our own outputs, when they are written into the template's folder.
        let output = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pdf") || e.eq_ignore_ascii_case("xlsx"));
        if output && path.starts_with(&self.out_abs) {
            return false;
        }
        dirs.iter()
            .find_map(|d| path.strip_prefix(d).ok())
            .is_some_and(|rel| !rel.as_os_str().is_empty() && !hidden(rel))
    }
}

/// A hidden entry on the way, an owner file of an open workbook (`~$…`),
/// or an editor's backup (`…~`), as `files::collect` skips them.
fn hidden(rel: &Path) -> bool {
    rel.components().any(|c| {
        let name = c.as_os_str().to_string_lossy();
        name.starts_with(['.', '~']) || name.ends_with('~')
    })
}

/// One round of changes.
#[derive(Default)]
struct Round {
    data: BTreeSet<PathBuf>,
    template: bool,
    stop: bool,
}

/// Waits for the next change and gathers the ones after it until the
/// files have been quiet for [`QUIET`], or [`MAX_WAIT`] has passed since
/// the first. Notices about other files (our own outputs, an editor's temp
/// files, reads) neither start a round nor delay one.
fn gather(rx: &mpsc::Receiver<Msg>, scope: &Scope) -> Round {
    let mut round = Round::default();
    // The first and the last notice of a change.
    let mut seen: Option<(Instant, Instant)> = None;
    loop {
        let msg = match seen {
            None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
            Some((first, last)) => {
                let left = MAX_WAIT
                    .saturating_sub(first.elapsed())
                    .min(QUIET.saturating_sub(last.elapsed()));
                rx.recv_timeout(left)
            }
        };
        let event = match msg {
            Ok(Msg::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                round.stop = true;
                return round;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => return round,
            Ok(Msg::Fs(Err(e))) => {
                err!("[{}] 监视出错：{e}", now());
                continue;
            }
            Ok(Msg::Fs(Ok(event))) => event,
        };
        if !counts(&event.kind) {
            continue;
        }
        let mut relevant = false;
        for path in &event.paths {
            if let Some(dir) = scope.data_folder(path) {
                // A folder copied or moved in: its files may have been
                // written before its own watch began.
                let found = files::collect(&[dir], files::DATA).unwrap_or_default();
                relevant |= !found.is_empty();
                round.data.extend(found);
            } else if let Some(file) = scope.data_file(path) {
                round.data.insert(file);
                relevant = true;
            } else if scope.template_file(path) {
                round.template = true;
                relevant = true;
            }
        }
        if relevant {
            let now = Instant::now();
            seen = Some((seen.map_or(now, |(first, _)| first), now));
        }
    }
}

/// Whether a notice can mean new content: not a mere read or open (our
/// own reads of a changed file make those).
fn counts(kind: &EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// The changed files, sorted by what to do with them.
#[derive(Default)]
struct Settled {
    /// Read twice with the same content: render.
    ready: Vec<PathBuf>,
    /// Not there any more.
    gone: Vec<PathBuf>,
    /// Empty, or still changing after [`SETTLE_READS`] reads: wait for the
    /// next notice.
    waiting: Vec<PathBuf>,
}

/// A file's content as one read saw it.
#[derive(PartialEq)]
enum Snapshot {
    Gone,
    /// Cannot be read (no permission…): the pipeline says why.
    Unreadable,
    Bytes(Vec<u8>),
}

fn snapshot(path: &Path) -> Snapshot {
    match std::fs::read(path) {
        Ok(bytes) => Snapshot::Bytes(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Snapshot::Gone,
        Err(_) => Snapshot::Unreadable,
    }
}

/// Reads each changed file until two reads [`SETTLE`] apart agree: a
/// writer still at work shows as content that changes between them. All
/// files are read in each pass, so a hundred files saved at once (a `git
/// checkout`) settle as fast as one.
fn settle(paths: &BTreeSet<PathBuf>, stop: &AtomicBool) -> Settled {
    let mut settled = Settled::default();
    let mut pending: Vec<(PathBuf, Snapshot)> =
        paths.iter().map(|p| (p.clone(), snapshot(p))).collect();
    for _ in 0..SETTLE_READS {
        if pending.is_empty() || stop.load(Ordering::SeqCst) {
            break;
        }
        std::thread::sleep(SETTLE);
        let mut still = Vec::new();
        for (path, before) in pending {
            let now = snapshot(&path);
            if now != before {
                still.push((path, now));
                continue;
            }
            match now {
                Snapshot::Gone => settled.gone.push(path),
                Snapshot::Bytes(b) if b.iter().all(u8::is_ascii_whitespace) => {
                    settled.waiting.push(path)
                }
                _ => settled.ready.push(path),
            }
        }
        pending = still;
    }
    settled.waiting.extend(pending.into_iter().map(|(p, _)| p));
    settled
}

/// Checks and renders `inputs`, one line each as it finishes.
fn render(inputs: &[PathBuf], scope: &Scope, ts: &Typesetter, opts: &Options, stop: &AtomicBool) {
    if inputs.is_empty() {
        return;
    }
    let jobs: Vec<Job> = inputs.iter().map(|i| scope.job(i)).collect();
    let started = Instant::now();
    let one = jobs.len() == 1;
    let reports = batch::run(&jobs, ts, opts, default_jobs(None), stop, |r| {
        print_diagnostics(r);
        let took = one.then(|| started.elapsed());
        line(r, &scope.job(&r.input), opts, took);
    });
    if !one {
        let failed = reports
            .iter()
            .filter(|r| !r.status.ok() && r.status != batch::Status::Skipped)
            .count();
        let done = reports.iter().filter(|r| r.status.ok()).count();
        out!(
            "[{}] 共 {} 个文件：{done} 个已生成，{failed} 个有错误（用时 {:.2} 秒）",
            now(),
            reports.len(),
            started.elapsed().as_secs_f64()
        );
    }
}

/// The line a clerk reads after each render: time, file, outcome, outputs.
fn line(r: &Report, job: &Job, opts: &Options, took: Option<Duration>) {
    let shown = r.input.display();
    if r.status.ok() {
        let took = took
            .map(|d| format!("（用时 {:.2} 秒）", d.as_secs_f64()))
            .unwrap_or_default();
        out!(
            "[{}] {OK}✓{OK:#} {shown} 已生成 → {}{took}",
            now(),
            files::show_all(&r.outputs)
        );
        return;
    }
    let kept = if !r.outputs.is_empty() {
        format!("只写入了 {}", files::show_all(&r.outputs))
    } else if existing_outputs(job, opts).is_empty() {
        "没有写入输出".to_string()
    } else {
        "上一次的输出保持不变".to_string()
    };
    out!(
        "[{}] {BAD}✗{BAD:#} {shown} 有错误：{}（{} 个错误），{kept}",
        now(),
        r.status.label(),
        r.errors
    );
}

/// The outputs of `job` that exist now.
fn existing_outputs(job: &Job, opts: &Options) -> Vec<PathBuf> {
    [(opts.format.pdf(), "pdf"), (opts.format.xlsx(), "xlsx")]
        .into_iter()
        .filter(|(wanted, _)| *wanted)
        .map(|(_, ext)| job.stem.with_extension(ext))
        .filter(|p| p.is_file())
        .collect()
}

/// The time of day for the log, local.
fn now() -> String {
    chrono::Local::now().format("%H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scope typed as `shown`, at `root` on disk.
    fn scope(shown: &str, root: &str, single: bool, template: Option<&str>) -> Scope {
        let abs = |p: &str| PathBuf::from(p);
        Scope {
            root: PathBuf::from(shown),
            root_abs: [abs(root), abs(root)],
            single,
            output: None,
            out_abs: abs("/w/out"),
            template_abs: template.map(|t| [abs(t), abs(t)]),
        }
    }

    #[test]
    fn only_data_files_and_template_files_are_changes() {
        let s = scope("data", "/w/data", false, Some("/w/tpl"));
        let shown = |p: &str| s.data_file(Path::new(p));
        assert_eq!(
            shown("/w/data/2024/甲.toml"),
            Some(PathBuf::from("data/2024/甲.toml"))
        );
        assert!(shown("/w/data/2024/甲.TOML").is_some());
        // An editor's temp, swap and backup files, and a workbook's owner file.
        for other in [
            "/w/data/2024/.甲.toml.swp",
            "/w/data/2024/.goutputstream-X1Y2",
            "/w/data/2024/甲.toml~",
            "/w/data/.git/x.toml",
            "/w/data/~$甲.toml",
            "/w/data/2024/甲.pdf",
            "/w/elsewhere/甲.toml",
        ] {
            assert_eq!(shown(other), None, "{other}");
        }
        assert!(s.template_file(Path::new("/w/tpl/form.typ")));
        assert!(s.template_file(Path::new("/w/tpl/img/logo.png")));
        assert!(!s.template_file(Path::new("/w/tpl/.form.typ.swp")));
        assert!(!s.template_file(Path::new("/w/data/2024/甲.toml")));
        // Outputs written into the template's folder are no template change;
        // nor do they hide the template when the two folders are one.
        let s = Scope {
            out_abs: PathBuf::from("/w"),
            template_abs: Some([PathBuf::from("/w"), PathBuf::from("/w")]),
            ..scope("data", "/w/data", false, None)
        };
        assert!(!s.template_file(Path::new("/w/甲.pdf")));
        assert!(!s.template_file(Path::new("/w/2024/甲.xlsx")));
        assert!(s.template_file(Path::new("/w/form.typ")));
        assert!(s.data_file(Path::new("/w/data/甲.toml")).is_some());
    }

    #[test]
    fn a_single_file_is_watched_through_its_folder() {
        let s = scope("甲.toml", "/w/data/甲.toml", true, None);
        assert_eq!(
            s.watches(),
            vec![(PathBuf::from("/w/data"), RecursiveMode::NonRecursive)]
        );
        assert_eq!(
            s.data_file(Path::new("/w/data/甲.toml")),
            Some(PathBuf::from("甲.toml"))
        );
        assert_eq!(s.data_file(Path::new("/w/data/乙.toml")), None);
    }

    #[test]
    fn a_folder_inside_another_watched_one_is_not_watched_twice() {
        let s = scope("data", "/w/tpl/data", false, Some("/w/tpl"));
        assert_eq!(
            s.watches(),
            vec![(PathBuf::from("/w/tpl"), RecursiveMode::Recursive)]
        );
        let s = scope("data", "/w/data", false, Some("/w/tpl"));
        assert_eq!(s.watches().len(), 2);
    }
}

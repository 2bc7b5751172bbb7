//! `jixiao batch` and `jixiao render`: the command-line face of [`batch`](crate::batch).
//!
//! Finds the files, picks this shard, shows progress (a bar on a terminal,
//! plain lines otherwise), prints the summary table to stdout and the
//! diagnostics of each failed file to stderr, and maps the outcome to the
//! exit code: 0 all rendered, 1 any failed, 130 interrupted.

use std::collections::{BTreeSet, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anstyle::{AnsiColor, Style};
use unicode_width::UnicodeWidthStr;

use crate::batch::{self, Job, Options, Report};
use crate::cli::{BatchArgs, FormatArg, MakeArgs, RenderArgs};
use crate::diagnostic;
use crate::files;
use crate::render::pdf::{PdfSettings, Typesetter};
use crate::state::{self, State, Update};
use crate::town;
use crate::workers;

const OK: Style = AnsiColor::Green.on_default();
const BAD: Style = AnsiColor::Red.on_default().bold();

pub(super) fn options(make: &MakeArgs) -> Options {
    let MakeArgs {
        format,
        strict,
        pdf,
        pictures,
    } = make;
    let format = FormatArg::combine(format);
    // `--pages` picks the pages of the pictures: without a picture format
    // it would do nothing, and the clerk who typed it would wait for
    // pictures that never come.
    if pictures.pages.is_some() && format.pictures().next().is_none() {
        err!(
            "提示：--pages 只选择图片的页，这次没有生成图片；要图片请加 --format png 或 --format svg"
        );
    }
    Options {
        format,
        strict: *strict,
        pdf: PdfSettings {
            standard: pdf.pdf_standard.into(),
            source_date_epoch: pdf.source_date_epoch,
        },
        all_or_nothing: false,
        pictures: pictures.into(),
        digests: false,
    }
}

/// Stops the workers on the first Ctrl-C, SIGTERM (what Kubernetes sends
/// a Job's pod) or SIGHUP: the departments in hand are finished. A second
/// one exits at once, after removing the temp files being written: outputs
/// already in place are whole, the others keep their earlier version.
fn interrupt_flag() -> Arc<AtomicBool> {
    on_interrupt(
        "\n正在停止：处理中的部门完成后退出（再按一次 Ctrl-C 立即退出，正在写的文件不会留下）……",
        || {},
    )
}

/// The flag the first Ctrl-C, SIGTERM or SIGHUP sets, after printing
/// `message` and calling `then`; a second one exits with 130 at once,
/// after removing the temp files being written.
pub(super) fn on_interrupt(
    message: &'static str,
    then: impl Fn() + Send + 'static,
) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // Failing to install the handler only loses the graceful stop.
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            files::abandon_writes();
            std::process::exit(130);
        }
        err!("{message}");
        then();
    });
    stop
}

/// Where a file's outputs go: `-o DIR` → `DIR/<stem>`; otherwise `out/`
/// mirroring the path under `data/` (`data/2024/x.toml` → `out/2024/x`),
/// however the path was typed: `./data/…`, `.\data\…` (PowerShell's tab
/// completion), or absolute.
pub fn output_stem(input: &Path, out_dir: Option<&Path>) -> PathBuf {
    let stem = input.file_stem().unwrap_or_default();
    match out_dir {
        Some(dir) => dir.join(stem),
        None => {
            let rel = std::env::current_dir()
                .ok()
                .and_then(|cwd| {
                    let data = normalize(&cwd.join("data"));
                    normalize(&cwd.join(input))
                        .strip_prefix(&data)
                        .ok()
                        .and_then(Path::parent)
                        .map(Path::to_path_buf)
                })
                .unwrap_or_default();
            Path::new("out").join(rel).join(stem)
        }
    }
}

/// `a/./b/../c` → `a/c`, without asking the file system.
fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Two inputs whose outputs would be the same file (two years' forms of
/// one department sent to one `-o` folder): one would overwrite the other
/// without a word, so neither is rendered.
fn clashes(jobs: &[Job]) -> Option<String> {
    // Windows and macOS compare file names without regard to case.
    let key = |p: &Path| normalize(p).to_string_lossy().to_lowercase();
    let mut seen: std::collections::HashMap<String, &Path> = std::collections::HashMap::new();
    let mut lines = Vec::new();
    for j in jobs {
        // A workbook rendered into its own folder would be replaced by its
        // own output.
        for ext in ["pdf", "xlsx"] {
            let out = j.stem.with_extension(ext);
            if jobs.iter().any(|i| key(&i.input) == key(&out)) {
                lines.push(format!("“{}”会被自己的输出覆盖", out.display()));
            }
        }
        if let Some(first) = seen.insert(key(&j.stem), &j.input) {
            lines.push(format!(
                "“{}”和“{}”都会写到“{}”",
                first.display(),
                j.input.display(),
                j.stem.display()
            ));
        }
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

pub fn render(args: &RenderArgs) -> anyhow::Result<ExitCode> {
    let ts = Typesetter::new(
        args.make.pdf.template.as_deref(),
        &args.make.pdf.fonts.font_path,
    )?;
    let opts = options(&args.make);
    let jobs: Vec<Job> = args
        .files
        .iter()
        .map(|f| Job {
            input: f.clone(),
            stem: output_stem(f, args.output.as_deref()),
        })
        .collect();
    if let Some(clash) = clashes(&jobs) {
        err!("错误：两个文件的输出会互相覆盖，没有生成任何文件：\n{clash}");
        err!("请分开生成，或用 -o 指定不同的输出文件夹");
        return Ok(ExitCode::from(2));
    }
    let stop = interrupt_flag();
    let reports = batch::run(&jobs, &ts, &opts, default_jobs(None), &stop, |r| {
        print_diagnostics(r);
        line(r);
    });
    Ok(exit_code(&reports, &stop))
}

pub fn run(args: &BatchArgs) -> anyhow::Result<ExitCode> {
    if workers::is_worker() {
        return serve(args);
    }
    let started = Instant::now();
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("data"));
    let out = args.output.clone().unwrap_or_else(|| PathBuf::from("out"));
    let found = files::collect(std::slice::from_ref(&dir), files::DATA)?;
    let jobs: Vec<Job> = found
        .iter()
        .filter_map(|input| {
            let rel = input.strip_prefix(&dir).unwrap_or(input);
            if args.shard.is_some_and(|s| !s.contains(rel)) {
                return None;
            }
            Some(Job {
                input: input.clone(),
                stem: out.join(rel.with_extension("")),
            })
        })
        .collect();
    if jobs.is_empty() {
        err!(
            "没有要处理的数据文件（在“{}”中找到 {} 个 .toml 文件{}）",
            dir.display(),
            found.len(),
            if args.shard.is_some() {
                "，本分片分到 0 个"
            } else {
                ""
            }
        );
        return Ok(ExitCode::from(u8::from(found.is_empty())));
    }
    let opts = batch_options(args);
    let (template, font_paths) = (
        args.make.pdf.template.as_deref(),
        &args.make.pdf.fonts.font_path,
    );
    let threads = default_jobs(args.jobs);

    // Which departments are current: their data and outputs read and hashed.
    let recipe = state::recipe(&opts, template, font_paths, &out);
    let recorded = State::load(&out);
    let checked: Vec<(Option<String>, Option<Report>)> = in_parallel(&jobs, threads, |j| {
        let data = std::fs::read(&j.input).ok().map(|b| state::digest(&b));
        let current = match &data {
            Some(d) if !args.force => recorded.up_to_date(&out, &j.stem, &j.input, d, &recipe),
            _ => None,
        };
        (data, current)
    });
    let to_render: Vec<Job> = jobs
        .iter()
        .zip(&checked)
        .filter(|(_, (_, current))| current.is_none())
        .map(|(j, _)| j.clone())
        .collect();
    let mut ts = None;
    if !to_render.is_empty() {
        ts = Some(Typesetter::new(template, font_paths)?);
    }
    if !args.quiet && to_render.len() < jobs.len() {
        err!(
            "{} 个部门已是最新，生成其余 {} 个（--force 全部重新生成）",
            jobs.len() - to_render.len(),
            to_render.len()
        );
    }
    let stop = interrupt_flag();
    let bar =
        (!args.quiet && std::io::stderr().is_terminal() && !to_render.is_empty()).then(|| {
            let bar = indicatif::ProgressBar::new(to_render.len() as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
    let total = to_render.len();
    let mut done = 0;
    // The town's workbook holds every member's form: when departments are
    // rendered again, the workbook will most likely be made again too, so
    // the forms of the current ones are read on the side meanwhile.
    let preload = args.shard.is_none()
        && !args.no_town_xlsx
        && opts.format.xlsx()
        && !to_render.is_empty()
        && to_render.len() < jobs.len();
    let (rendered, preloaded) = std::thread::scope(|scope| {
        let preloaded = preload.then(|| {
            scope.spawn(|| {
                checked
                    .iter()
                    .map(|(_, current)| {
                        let r = current.as_ref()?;
                        crate::model::load_file(&r.input, args.make.strict).document
                    })
                    .collect::<Vec<_>>()
            })
        });
        let on_done = |r: &Report| {
            done += 1;
            match &bar {
                Some(bar) => {
                    bar.set_message(r.name());
                    bar.inc(1);
                }
                None if !args.quiet => {
                    let mark = if r.status.ok() { "✓" } else { "✗" };
                    err!("[{done}/{total}] {mark} {}", r.input.display());
                }
                None => {}
            }
        };
        let rendered = match &ts {
            Some(_) if workers::worth_it(&to_render, threads) => {
                workers::run(&to_render, threads, || ts.as_ref(), &opts, &stop, on_done)
            }
            Some(ts) => batch::run(&to_render, ts, &opts, threads, &stop, on_done),
            None => Vec::new(),
        };
        // A form that no longer loads is left for the town run to report.
        let preloaded = preloaded.and_then(|h| h.join().ok()).unwrap_or_default();
        (rendered, preloaded)
    });
    let mut preloaded = preloaded.into_iter();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut rendered = rendered.into_iter();
    let mut data = Vec::with_capacity(jobs.len());
    let mut reports: Vec<Report> = Vec::with_capacity(jobs.len());
    for (job, (digest, current)) in jobs.iter().zip(checked) {
        data.push(digest);
        let document = preloaded.next().flatten();
        reports.push(match current {
            Some(mut r) => {
                r.document = document;
                r
            }
            None => rendered
                .next()
                .unwrap_or_else(|| Report::new(&job.input, batch::Status::Skipped)),
        });
    }

    // What the state will say of each department, then the town's outputs.
    let (mut update, entries) = state::record(&out, &recipe, &recorded, &jobs, &reports, &data);
    let (combined, towns) = if args.shard.is_none() && !stop.load(Ordering::Relaxed) {
        let run = TownRun {
            args,
            opts: &opts,
            out: &out,
            recipe: &recipe,
            recorded: &recorded,
            threads,
        };
        let (combined, towns) = run.write(&mut reports, &jobs, &entries, &mut update, &mut ts);
        (combined, Some(towns))
    } else {
        (Vec::new(), None)
    };
    let current_keys: BTreeSet<String> = jobs.iter().map(|j| state::key(&out, &j.stem)).collect();
    update.stale = recorded.stale(&out, &current_keys, towns.as_ref());
    let stale = update.stale.outputs.clone();
    if let Err(e) = state::save(&out, update) {
        err!("警告：无法记录生成状态（{e:#}），下次会重新生成这些部门");
    }

    out_raw!("{}", summary(&reports));
    for r in reports.iter().filter(|r| !r.status.ok()) {
        print_diagnostics(r);
    }
    let failed = reports.iter().filter(|r| !r.status.ok()).count();
    let up_to_date = reports
        .iter()
        .filter(|r| r.status == batch::Status::UpToDate)
        .count();
    for (path, result, current) in &combined {
        match result {
            Ok(()) if *current => out!("汇总：{}（已是最新）", path.display()),
            Ok(()) => out!("汇总：{}", path.display()),
            Err(e) => {
                err!("{BAD}错误{BAD:#}：{e:#}");
            }
        }
    }
    if !stale.is_empty() {
        out!("以下输出已没有对应的数据文件（没有删除；不再需要时请手动删除）：");
        for p in &stale {
            out!("  {}", p.display());
        }
    }
    out!(
        "共 {} 个部门：{OK}{} 个已生成{OK:#}{}，{}{} 个失败{}（用时 {:.2} 秒）",
        reports.len(),
        reports.len() - failed - up_to_date,
        if up_to_date > 0 {
            format!("，{OK}{up_to_date} 个已是最新{OK:#}")
        } else {
            String::new()
        },
        if failed > 0 {
            BAD.render().to_string()
        } else {
            String::new()
        },
        failed,
        if failed > 0 {
            BAD.render_reset().to_string()
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64()
    );
    let code = exit_code(&reports, &stop);
    if combined.iter().any(|(_, r, _)| r.is_err()) && code == ExitCode::SUCCESS {
        return Ok(ExitCode::from(1));
    }
    Ok(code)
}

/// A batch's settings, the same in its worker processes: the state
/// records each output's digest.
fn batch_options(args: &BatchArgs) -> Options {
    Options {
        digests: true,
        ..options(&args.make)
    }
}

/// A worker process of a batch (see [`workers`]): the parent's command
/// line, so the same template, fonts and settings; jobs come on stdin.
fn serve(args: &BatchArgs) -> anyhow::Result<ExitCode> {
    let ts = Typesetter::new(
        args.make.pdf.template.as_deref(),
        &args.make.pdf.fonts.font_path,
    )?;
    let opts = batch_options(args);
    // The parent stops handing out jobs on the first Ctrl-C (the console
    // sends it to the worker too), and the job in hand is finished; a
    // second one exits at once, without leaving a temp file.
    let _stop = on_interrupt("", || {});
    workers::serve(&ts, &opts)?;
    Ok(ExitCode::SUCCESS)
}

/// What deciding and writing the town's outputs needs of the run.
struct TownRun<'a> {
    args: &'a BatchArgs,
    opts: &'a Options,
    out: &'a Path,
    recipe: &'a str,
    recorded: &'a State,
    threads: usize,
}

/// A town output written now, or found up to date (`true`), or why not.
type Combined = (PathBuf, anyhow::Result<()>, bool);

impl TownRun<'_> {
    /// Makes again the town outputs that are out of date, loading the forms
    /// of up-to-date members the workbook needs; records what it wrote in
    /// `update`. Returns each output's outcome and the names (relative to
    /// the output folder) of every town output of this run.
    fn write(
        &self,
        reports: &mut [Report],
        jobs: &[Job],
        entries: &state::Entries,
        update: &mut Update,
        ts: &mut Option<Typesetter>,
    ) -> (Vec<Combined>, BTreeSet<String>) {
        let (args, opts, out, recipe, recorded) =
            (self.args, self.opts, self.out, self.recipe, self.recorded);
        let (template, font_paths) = (
            args.make.pdf.template.as_deref(),
            &args.make.pdf.fonts.font_path,
        );
        let mut combined: Vec<Combined> = Vec::new();
        let mut names = BTreeSet::new();
        let want_book = !args.no_town_xlsx && opts.format.xlsx();
        let want_volume = !args.no_town_pdf && opts.format.pdf();
        // A town output is made again when what it is made of changed (a
        // member's data or outputs, a member added or removed, a failed
        // file it lists), or it is missing or was changed since.
        let parts = |g: &town::Group<'_>, kind: &str| -> Option<String> {
            let members: Option<Vec<(&str, &state::Entry)>> = g
                .members
                .iter()
                .map(|r| entries.get(&r.input).map(|(k, e)| (k.as_str(), e)))
                .collect();
            let failed = g.failed.iter().filter(|_| kind == "workbook").map(|r| {
                format!(
                    "{}\u{0}{}",
                    r.input.file_stem().unwrap_or_default().to_string_lossy(),
                    town::failed_why(r)
                )
            });
            Some(state::parts(kind, recipe, members?, failed))
        };
        let current = |path: &Path, parts: &Option<String>| {
            !args.force
                && parts
                    .as_deref()
                    .is_some_and(|p| recorded.combined_up_to_date(out, path, p))
        };
        let mut plan: HashMap<PathBuf, Option<String>> = HashMap::new();
        let mut need_forms: Vec<(i32, String)> = Vec::new();
        for g in town::groups(reports, out) {
            names.insert(state::key(out, &g.workbook));
            names.insert(state::key(out, &g.volume));
            let book = parts(&g, "workbook");
            let volume = parts(&g, "volume");
            if want_book {
                if current(&g.workbook, &book) {
                    combined.push((g.workbook.clone(), Ok(()), true));
                } else {
                    need_forms.push((g.year, g.town.clone()));
                    plan.insert(g.workbook.clone(), book);
                }
            }
            if want_volume {
                if current(&g.volume, &volume) {
                    combined.push((g.volume.clone(), Ok(()), true));
                } else {
                    plan.insert(g.volume.clone(), volume);
                }
            }
        }
        // The workbook holds every member's form: load those not rendered now.
        let unloaded: Vec<usize> = (0..reports.len())
            .filter(|&i| {
                let r = &reports[i];
                r.document.is_none()
                    && r.status.ok()
                    && r.town()
                        .is_some_and(|(y, t)| need_forms.iter().any(|(ny, nt)| *ny == y && nt == t))
            })
            .collect();
        batch::load_forms(reports, &unloaded, args.make.strict, self.threads);
        for &i in unloaded.iter().filter(|&&i| !reports[i].status.ok()) {
            update.remove.push(state::key(out, &jobs[i].stem));
        }
        if !plan.is_empty() && ts.is_none() {
            match Typesetter::new(template, font_paths) {
                Ok(t) => *ts = Some(t),
                Err(e) => combined.push((out.to_path_buf(), Err(e), false)),
            }
        }
        if let Some(ts) = &ts {
            for g in town::groups(reports, out) {
                let (book, volume) = (plan.get(&g.workbook), plan.get(&g.volume));
                if book.is_none() && volume.is_none() {
                    continue;
                }
                let asked = town::Asked {
                    workbook: book.is_some(),
                    volume: volume.is_some(),
                    last: (!args.force)
                        .then(|| recorded.binding(out, &g.volume))
                        .flatten()
                        .map(|(binding, sha256)| town::LastVolume { binding, sha256 }),
                    recipe,
                };
                for (path, result) in town::write_group(&g, ts, opts, &asked) {
                    let key = state::key(out, &path);
                    match (result, plan.get(&path).cloned().flatten()) {
                        (Ok(w), Some(parts)) => {
                            update.combined(out, &path, parts, w.sha256, w.binding);
                            combined.push((path, Ok(()), false));
                        }
                        (result, _) => {
                            update.remove_combined.push(key);
                            combined.push((path, result.map(drop), false));
                        }
                    }
                }
            }
        }
        (combined, names)
    }
}

/// `f` over `items` on `threads` workers, results in the order of `items`.
fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

pub(super) fn default_jobs(jobs: Option<usize>) -> usize {
    jobs.filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn exit_code(reports: &[Report], stop: &AtomicBool) -> ExitCode {
    if stop.load(Ordering::Relaxed) {
        err!("已中断：未处理的部门没有生成，已有的输出文件保持不变。");
        return ExitCode::from(130);
    }
    ExitCode::from(u8::from(reports.iter().any(|r| !r.status.ok())))
}

pub(super) fn print_diagnostics(r: &Report) {
    let shown = r.input.display().to_string();
    err_raw!("{}", diagnostic::render(&shown, &r.source, &r.diagnostics));
    if let Some(f) = &r.failure {
        err!("错误：{f}\n");
    }
}

/// One line per file, for `render`.
fn line(r: &Report) {
    let shown = r.input.display();
    if r.status.ok() {
        out!("{OK}✓{OK:#} {shown} → {}", show_outputs(&r.outputs));
    } else {
        let written = if r.outputs.is_empty() {
            "未写入任何文件".to_string()
        } else {
            format!("只写入了 {}", show_outputs(&r.outputs))
        };
        out!(
            "{BAD}✗{BAD:#} {shown}：{}（{} 个错误），{written}",
            r.status.label(),
            r.errors
        );
    }
    if !r.removed.is_empty() {
        out!(
            "  删除了这份表已没有的页的旧图片：{}",
            files::show_all(&r.removed)
        );
    }
}

/// The outputs, one after another; a run of page pictures is shown as its
/// first and last page: `x-第1页.png … 第5页.png（5 张）`.
fn show_outputs(outputs: &[PathBuf]) -> String {
    // `d/x-第3页.png` → the series `d/x.png`, and `第3页.png`.
    fn series(p: &Path) -> Option<(PathBuf, &str)> {
        let name = p.file_name()?.to_str()?;
        let (stem, page) = name.rsplit_once("-第")?;
        let (digits, ext) = page.split_once("页.")?;
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| {
            (
                p.with_file_name(format!("{stem}.{ext}")),
                &name[stem.len() + 1..],
            )
        })
    }
    let mut shown: Vec<String> = Vec::new();
    let mut i = 0;
    while i < outputs.len() {
        let first = &outputs[i];
        let mut last = i;
        if let Some((key, _)) = series(first) {
            while last + 1 < outputs.len()
                && series(&outputs[last + 1]).is_some_and(|(k, _)| k == key)
            {
                last += 1;
            }
        }
        shown.push(match series(&outputs[last]) {
            Some((_, page)) if last > i => {
                format!("{} … {page}（{} 张）", first.display(), last - i + 1)
            }
            _ => first.display().to_string(),
        });
        i = last + 1;
    }
    shown.join("、")
}

fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(s.width())))
}

/// The table a clerk reads at the end: one row per department.
fn summary(reports: &[Report]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let names: Vec<String> = reports.iter().map(Report::name).collect();
    let w = names.iter().map(|n| n.width()).max().unwrap_or(4).max(4);
    // The status column is as wide as its widest label (未处理（已中断）: 16).
    let sw = reports
        .iter()
        .map(|r| r.status.label().width())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        s,
        "{}  {}  错误  警告  输出",
        pad("部门", w),
        pad("状态", sw)
    );
    for (r, name) in reports.iter().zip(&names) {
        let style = if r.status.ok() { OK } else { BAD };
        let outs = if r.outputs.is_empty() {
            r.input.display().to_string()
        } else {
            show_outputs(&r.outputs)
        };
        let _ = writeln!(
            s,
            "{}  {style}{}{style:#}  {:>4}  {:>4}  {}",
            pad(name, w),
            pad(r.status.label(), sw),
            r.errors,
            r.warnings,
            outs
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Status;

    #[test]
    fn a_run_of_page_pictures_shows_as_its_first_and_last_page() {
        let outs: Vec<PathBuf> = [
            "甲.pdf",
            "甲-第1页.png",
            "甲-第2页.png",
            "甲-第3页.png",
            "甲-第1页.svg",
        ]
        .iter()
        .map(|n| Path::new("out").join(n))
        .collect();
        let shown = show_outputs(&outs);
        let sep = std::path::MAIN_SEPARATOR;
        assert_eq!(
            shown,
            format!(
                "out{sep}甲.pdf、out{sep}甲-第1页.png … 第3页.png（3 张）、out{sep}甲-第1页.svg"
            )
        );
    }

    /// The status column is as wide as its widest label, 未处理（已中断）
    /// included (16 columns, not 8), so the columns after it line up.
    #[test]
    fn the_summary_columns_line_up_whatever_the_status() {
        let done = Report::new(Path::new("data/甲.toml"), Status::Done);
        let skipped = Report::new(Path::new("data/乙.toml"), Status::Skipped);
        let text = summary(&[done, skipped]);
        let text = anstream::adapter::strip_str(&text).to_string();
        let columns: Vec<usize> = text
            .lines()
            .map(|l| l[..l.find("data/").or_else(|| l.find("输出")).unwrap()].width())
            .collect();
        assert_eq!(columns.len(), 3, "{text}");
        assert!(
            columns.windows(2).all(|w| w[0] == w[1]),
            "{columns:?}\n{text}"
        );
    }
}

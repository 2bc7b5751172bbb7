//! The town's combined outputs: one workbook and one volume for everyone.
//!
//! After a batch, the departments that rendered are grouped by town and
//! year (in the batch's stable order, by data file path) into a workbook
//! with a first sheet 汇总 — one row per department, a totals row — then a
//! sheet per department, and a PDF volume (合订本) with a contents page and a
//! bookmark per department.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::batch::{Options, Report};
use crate::files;
use crate::names;
use crate::render::date::DocDate;
use crate::render::merge;
use crate::render::pdf::{Typesetter, volume_title};
use crate::render::xlsx::summary::{self, Entry};

/// One (town, year) of a batch: its members, in the batch's order, and
/// where its combined outputs go.
pub struct Group<'a> {
    pub year: i32,
    pub town: String,
    pub members: Vec<&'a Report>,
    /// Files that failed, listed in the workbook when the batch has only
    /// this town (a failed file has no town).
    pub failed: Vec<&'a Report>,
    pub workbook: PathBuf,
    pub volume: PathBuf,
}

/// The towns of `reports`, from the departments whose outputs are in place.
pub fn groups<'a>(reports: &'a [Report], out: &Path) -> Vec<Group<'a>> {
    let mut by_town: BTreeMap<(i32, String), Vec<&Report>> = BTreeMap::new();
    for r in reports.iter().filter(|r| r.status.ok()) {
        if let Some((year, town)) = r.town() {
            by_town.entry((year, town.to_string())).or_default().push(r);
        }
    }
    let failed: Vec<&Report> = reports.iter().filter(|r| !r.status.ok()).collect();
    let single = by_town.len() == 1;
    let mut taken: Vec<String> = Vec::new();
    let mut groups = Vec::new();
    for ((year, town), members) in by_town {
        // The town comes from a data file: it names the files, never their
        // folder. Two towns that come out alike get `(2)`, `(3)`.
        let mut name = names::safe_name(&town);
        let mut k = 1;
        // Windows file names ignore case.
        let key = |n: &str| format!("{year}{}", n.to_lowercase());
        while taken.contains(&key(&name)) {
            k += 1;
            name = format!("{}({k})", names::safe_name(&town));
        }
        taken.push(key(&name));
        groups.push(Group {
            year,
            workbook: out.join(format!("{year}年{name}汇总.xlsx")),
            volume: out.join(format!("{year}年{name}合订本.pdf")),
            town,
            members,
            failed: if single { failed.clone() } else { Vec::new() },
        });
    }
    groups
}

/// Writes the combined outputs of every (town, year) in `reports`; one
/// result per file it tried to write.
pub fn write(
    reports: &[Report],
    out: &Path,
    ts: &Typesetter,
    opts: &Options,
    pdf: bool,
    xlsx: bool,
) -> Vec<anyhow::Result<PathBuf>> {
    groups(reports, out)
        .iter()
        .flat_map(|g| {
            write_group(
                g,
                ts,
                opts,
                xlsx && opts.format.xlsx(),
                pdf && opts.format.pdf(),
            )
        })
        .map(|(path, result)| result.map(|_| path))
        .collect()
}

/// Writes one town's workbook and volume, as asked: for each file it
/// tried to write, the SHA-256 of the bytes written, or why it failed.
/// Every member's form must be loaded for the workbook.
pub fn write_group(
    g: &Group<'_>,
    ts: &Typesetter,
    opts: &Options,
    workbook: bool,
    volume_too: bool,
) -> Vec<(PathBuf, anyhow::Result<String>)> {
    let written = |bytes: Vec<u8>, path: &Path| {
        files::write_atomic(path, &bytes).map(|()| crate::state::digest(&bytes))
    };
    // The workbook is made on its own thread while the volume is bound:
    // both only read the departments' results.
    let (book, bound) = std::thread::scope(|scope| {
        let book = workbook.then(|| {
            scope.spawn(|| {
                let mut entries: Vec<Entry<'_>> = Vec::new();
                for r in &g.members {
                    let doc = r.document.as_ref().ok_or_else(|| {
                        anyhow::anyhow!("生成汇总工作簿时出现内部错误：“{}”的表没有读入", r.name())
                    })?;
                    entries.push(Entry::Done {
                        doc,
                        warnings: r.warnings,
                    });
                }
                entries.extend(g.failed.iter().map(|r| {
                    Entry::Failed {
                        name: r
                            .input
                            .file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        why: failed_why(r),
                    }
                }));
                summary::workbook(g.year, &g.town, &entries)
                    .and_then(|bytes| written(bytes, &g.workbook))
            })
        });
        let bound = volume_too.then(|| {
            volume(g.year, &g.town, &g.members, ts, opts)
                .and_then(|bytes| written(bytes, &g.volume))
        });
        let book = book.map(|handle| {
            handle
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("生成汇总工作簿时出现内部错误")))
        });
        (book, bound)
    });
    let book = book.map(|r| (g.workbook.clone(), r));
    let bound = bound.map(|r| (g.volume.clone(), r));
    book.into_iter().chain(bound).collect()
}

/// What the workbook says of a file that failed.
pub fn failed_why(r: &Report) -> String {
    if r.errors > 0 {
        format!("{}：有 {} 个错误，未汇总", r.status.label(), r.errors)
    } else {
        format!("{}，未汇总", r.status.label())
    }
}

/// The 合订本: contents pages, then each department's PDF as written, each
/// with a bookmark; page numbers in the contents count volume pages.
fn volume(
    year: i32,
    town: &str,
    members: &[&Report],
    ts: &Typesetter,
    opts: &Options,
) -> anyhow::Result<Vec<u8>> {
    let mut parts: Vec<(String, Vec<u8>, usize)> = Vec::new();
    for r in members {
        let Some(pdf) = r
            .outputs
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        else {
            continue;
        };
        let bytes = std::fs::read(pdf).with_context(|| format!("无法读取“{}”", pdf.display()))?;
        parts.push((r.name(), bytes, r.pages));
    }
    let entries = |contents_pages: usize| -> Vec<(String, usize)> {
        let mut page = contents_pages + 1;
        parts
            .iter()
            .map(|(name, _, pages)| {
                let e = (name.clone(), page);
                page += pages;
                e
            })
            .collect()
    };
    let fail = |errs: Vec<crate::diagnostic::Diagnostic>| {
        let text: Vec<String> = errs.iter().map(|e| e.message.clone()).collect();
        anyhow::anyhow!("生成合订本目录失败：{}", text.join("；"))
    };
    // The contents' own length moves every page number: lay it out once
    // assuming one page, again if it turned out longer.
    let mut contents = ts
        .render_contents(town, year, &entries(1), &opts.pdf)
        .map_err(fail)?;
    if contents.pages != 1 {
        contents = ts
            .render_contents(town, year, &entries(contents.pages), &opts.pdf)
            .map_err(fail)?;
    }
    let mut bound = vec![merge::Part {
        pdf: &contents.pdf,
        bookmark: Some("目录".to_string()),
    }];
    bound.extend(parts.iter().map(|(name, pdf, _)| merge::Part {
        pdf,
        bookmark: Some(name.clone()),
    }));
    let date = DocDate::new(year, opts.pdf.source_date_epoch).pdf();
    let title = volume_title(town, year);
    merge::bind(
        &bound,
        &merge::Info {
            title: &title,
            author: town,
            date: &date,
        },
    )
}

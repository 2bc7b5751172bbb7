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
use crate::render::merge::{self, Binding};
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

/// A town output as written: the SHA-256 of its bytes and, for a volume,
/// how it was bound.
pub struct Written {
    pub sha256: String,
    pub binding: Option<Binding>,
}

/// The town's last volume as a batch recorded it: how it was bound, and
/// the digest of the bytes written then.
#[derive(Clone, Copy)]
pub struct LastVolume<'a> {
    pub binding: &'a Binding,
    pub sha256: &'a str,
}

/// What to make of one town.
pub struct Asked<'a> {
    pub workbook: bool,
    pub volume: bool,
    /// The last volume, to copy its unchanged parts from.
    pub last: Option<LastVolume<'a>>,
    /// The batch's recipe (`state::recipe`): what, besides its entries,
    /// the contents pages are made from.
    pub recipe: &'a str,
}

/// Writes one town's workbook and volume, as asked: for each file it
/// tried to write, what was written, or why it failed. Every member's form
/// must be loaded for the workbook.
pub fn write_group(
    g: &Group<'_>,
    ts: &Typesetter,
    opts: &Options,
    asked: &Asked<'_>,
) -> Vec<(PathBuf, anyhow::Result<Written>)> {
    let written = |bytes: Vec<u8>, path: &Path, binding: Option<Binding>| {
        files::write_atomic(path, &bytes).map(|()| Written {
            sha256: crate::state::digest(&bytes),
            binding,
        })
    };
    // The workbook is made on its own thread while the volume is bound:
    // both only read the departments' results.
    let (book, bound) = std::thread::scope(|scope| {
        let book = asked.workbook.then(|| {
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
                summary::workbook(g.year, &g.town, &entries, opts.pdf.source_date_epoch)
                    .and_then(|bytes| written(bytes, &g.workbook, None))
            })
        });
        let bound = asked.volume.then(|| {
            volume(g, ts, opts, asked)
                .and_then(|(bytes, binding)| written(bytes, &g.volume, Some(binding)))
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
/// with a bookmark; page numbers in the contents count volume pages. Parts
/// the last volume holds unchanged are copied from it.
fn volume(
    g: &Group<'_>,
    ts: &Typesetter,
    opts: &Options,
    asked: &Asked<'_>,
) -> anyhow::Result<(Vec<u8>, Binding)> {
    let (year, town) = (g.year, g.town.as_str());
    // The last volume counts only if it is still the file written then.
    let last_bytes = asked.last.and_then(|l| {
        std::fs::read(&g.volume)
            .ok()
            .filter(|bytes| crate::state::digest(bytes) == l.sha256)
            .map(|bytes| (bytes, l.binding))
    });
    // Each member's PDF, known by its digest: the batch took it when it
    // wrote or checked the file; otherwise it is read here.
    struct Member {
        name: String,
        pages: usize,
        key: String,
        path: PathBuf,
        bytes: Option<Vec<u8>>,
    }
    let mut members: Vec<Member> = Vec::new();
    for r in &g.members {
        let Some((i, pdf)) = r
            .outputs
            .iter()
            .enumerate()
            .find(|(_, p)| p.extension().is_some_and(|e| e == "pdf"))
        else {
            continue;
        };
        let (key, bytes) = match r.digests.get(i) {
            Some(d) => (d.clone(), None),
            None => {
                let bytes =
                    std::fs::read(pdf).with_context(|| format!("无法读取“{}”", pdf.display()))?;
                (crate::state::digest(&bytes), Some(bytes))
            }
        };
        members.push(Member {
            name: r.name(),
            pages: r.pages,
            key,
            path: pdf.clone(),
            bytes,
        });
    }
    let entries = |contents_pages: usize| -> Vec<(String, usize)> {
        let mut page = contents_pages + 1;
        members
            .iter()
            .map(|m| {
                let e = (m.name.clone(), page);
                page += m.pages;
                e
            })
            .collect()
    };
    // The contents pages are made from the recipe, the settings and the
    // members' names and page counts: when those are as last time, the
    // last volume's contents pages are the ones this run would make.
    let contents_key = {
        let mut what = format!(
            "contents\u{0}{}\u{0}{:?}\u{0}{year}\u{0}{town}",
            asked.recipe, opts.pdf
        );
        for m in &members {
            what.push_str(&format!("\u{0}{}\u{0}{}", m.name, m.pages));
        }
        crate::state::digest(what.as_bytes())
    };
    let kept = last_bytes
        .as_ref()
        .is_some_and(|(_, b)| b.first_key_is(&contents_key));
    let fail = |errs: Vec<crate::diagnostic::Diagnostic>| {
        let text: Vec<String> = errs.iter().map(|e| e.message.clone()).collect();
        anyhow::anyhow!("生成合订本目录失败：{}", text.join("；"))
    };
    let contents = if kept {
        None
    } else {
        // The contents' own length moves every page number: lay it out
        // once assuming one page, again if it turned out longer.
        let mut contents = ts
            .render_contents(town, year, &entries(1), &opts.pdf)
            .map_err(fail)?;
        if contents.pages != 1 {
            contents = ts
                .render_contents(town, year, &entries(contents.pages), &opts.pdf)
                .map_err(fail)?;
        }
        Some(contents)
    };
    let mut sources = vec![merge::Source {
        key: contents_key,
        pdf: contents
            .as_ref()
            .map_or(merge::Pdf::Kept, |c| merge::Pdf::Bytes(&c.pdf)),
        bookmark: Some("目录".to_string()),
    }];
    sources.extend(members.iter().map(|m| {
        merge::Source {
            key: m.key.clone(),
            pdf: m
                .bytes
                .as_deref()
                .map_or(merge::Pdf::File(&m.path), merge::Pdf::Bytes),
            bookmark: Some(m.name.clone()),
        }
    }));
    let date = DocDate::new(year, opts.pdf.source_date_epoch).pdf();
    let title = volume_title(town, year);
    let last = last_bytes
        .as_ref()
        .map(|(bytes, binding)| merge::Last { bytes, binding });
    merge::bind(
        &sources,
        &merge::Info {
            title: &title,
            author: town,
            date: &date,
        },
        last.as_ref(),
    )
}

//! What a batch remembers between runs, so that it renders only what changed.
//!
//! One small file in the output folder, [`FILE`], records for each
//! department the SHA-256 of the data it was rendered from, a digest of
//! everything else that decides its outputs (the [`recipe`]: jixiao's
//! version, the templates, the fonts, the options), and the SHA-256 of
//! each output as written; and for each town output, a digest of its parts
//! and of its bytes. A department is up to date when all of that still
//! holds, outputs read back and hashed included, so an output deleted or
//! changed by someone else is made again. Whatever cannot be trusted — no
//! file, a damaged one, one from another version of jixiao — counts as
//! "nothing is up to date": the worst a lost state costs is a full render,
//! never a wrong skip.
//!
//! Several processes may finish into one folder at once (`--shard`): each
//! merges its own entries into the file as it is on disk at the end, under
//! a lock file, and writes it atomically, so no run drops another's entries
//! and no reader ever sees half a file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::batch::{Job, Known, Options, Report, Status};
use crate::render::merge::Binding;

/// The state file, in the output folder. Hidden, so a walk of the folder
/// (`jixiao check out`) passes it by; not `.jixiao-…`, the temp files'
/// prefix.
pub const FILE: &str = ".jixiao.state.json";

/// Held while the state file is read, merged and replaced.
const LOCK: &str = ".jixiao.state.lock";

/// The layout of [`FILE`]; a file of another layout is ignored.
const LAYOUT: u32 = 2;

/// SHA-256 of `bytes`, in hex.
pub fn digest(bytes: &[u8]) -> String {
    hex(&sha2::Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A digest of everything besides a department's data that decides its
/// outputs: this build (version, embedded templates, the bundled fonts'
/// sums), every option of the run, the files of a `--template` folder (by
/// content; hidden files and the output folder left out), and the font
/// files of `--font-path` (by path, size and time of change: a system
/// font folder is gigabytes). A template or font folder that cannot be
/// read gives a digest no state holds, so everything is rendered and the
/// renderer reports the problem.
pub fn recipe(
    opts: &Options,
    template: Option<&Path>,
    font_paths: &[PathBuf],
    out: &Path,
) -> String {
    let mut h = sha2::Sha256::new();
    let mut put = |part: &[u8]| {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    };
    put(env!("CARGO_PKG_VERSION").as_bytes());
    put(&LAYOUT.to_le_bytes());
    for text in crate::render::pdf::embedded_templates() {
        put(text.as_bytes());
    }
    put(crate::render::fonts::BUNDLED_SUMS.as_bytes());
    // Every option, whatever is added to them later.
    put(format!("{opts:?}").as_bytes());
    if let Some(path) = template {
        put(b"template");
        put(path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .as_bytes());
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        match template_files(dir, out) {
            Ok(files) => {
                for (rel, bytes) in files {
                    put(rel.as_bytes());
                    put(&bytes);
                }
            }
            Err(_) => put(b"unreadable"),
        }
    }
    match crate::render::fonts::font_files(font_paths) {
        Ok(files) => {
            for f in files {
                put(f.to_string_lossy().as_bytes());
                match std::fs::metadata(&f) {
                    Ok(m) => {
                        put(&m.len().to_le_bytes());
                        let nanos = m
                            .modified()
                            .ok()
                            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                            .map_or(0, |d| d.as_nanos());
                        put(&nanos.to_le_bytes());
                    }
                    Err(_) => put(b"unreadable"),
                }
            }
        }
        Err(_) => put(b"unreadable"),
    }
    hex(&h.finalize())
}

/// The files a template in `dir` could read, with their contents, sorted:
/// everything under `dir` but hidden entries and the output folder.
fn template_files(dir: &Path, out: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let root = dir.canonicalize()?;
    let out = out.canonicalize().ok();
    let mut found = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        if out.as_deref() == Some(d.as_path()) {
            continue;
        }
        for e in std::fs::read_dir(&d)? {
            let e = e?;
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let p = e.path();
            let ty = e.file_type()?;
            if ty.is_dir() {
                stack.push(p);
            } else if p.is_file() {
                let rel = p.strip_prefix(&root).unwrap_or(&p);
                found.push((slashed(rel), std::fs::read(&p)?));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// A path relative to the output folder, `/`-separated on every system.
fn slashed(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// `path` relative to `out`, as the state names it.
pub fn key(out: &Path, path: &Path) -> String {
    slashed(path.strip_prefix(out).unwrap_or(path))
}

/// The state file's contents.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    jixiao: String,
    layout: u32,
    /// By output stem (`2024/党建工作办公室`), relative to the output folder.
    #[serde(default)]
    departments: BTreeMap<String, Entry>,
    /// By file (`2024年大朗镇合订本.pdf`), relative to the output folder.
    #[serde(default)]
    combined: BTreeMap<String, Combined>,
}

/// One department as last rendered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The data file, as an absolute path: to tell a department whose
    /// file was removed from one this run was not asked about.
    input: String,
    /// SHA-256 of the data file's bytes.
    data: String,
    recipe: String,
    outputs: Vec<Output>,
    department: String,
    town: String,
    year: i32,
    warnings: usize,
    pages: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Output {
    path: String,
    sha256: String,
}

/// One town output as last made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Combined {
    /// Digest of what it was made from (see [`parts`]).
    parts: String,
    sha256: String,
    /// A volume's binding, to copy its unchanged parts next time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    binding: Option<Binding>,
}

/// Whether the file at `path` holds exactly the bytes with this digest.
fn holds(path: &Path, sha256: &str) -> bool {
    std::fs::read(path).is_ok_and(|bytes| digest(&bytes) == sha256)
}

impl State {
    /// The state in `out`; an empty one when there is none, or it cannot
    /// be read, or it was written by another version of jixiao.
    pub fn load(out: &Path) -> State {
        std::fs::read(out.join(FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<State>(&bytes).ok())
            .filter(|s| s.jixiao == env!("CARGO_PKG_VERSION") && s.layout == LAYOUT)
            .unwrap_or_default()
    }

    /// The report of a department whose outputs are current: its data
    /// (`data`, the SHA-256 of the file's bytes) and recipe are those
    /// recorded, and every output it wrote is still there, byte for byte.
    pub fn up_to_date(
        &self,
        out: &Path,
        stem: &Path,
        input: &Path,
        data: &str,
        recipe: &str,
    ) -> Option<Report> {
        let e = self.departments.get(&key(out, stem))?;
        if e.data != data || e.recipe != recipe || e.outputs.is_empty() {
            return None;
        }
        let mut r = Report::new(input, Status::UpToDate);
        for o in &e.outputs {
            let path = out.join(&o.path);
            if !holds(&path, &o.sha256) {
                return None;
            }
            r.outputs.push(path);
            r.digests.push(o.sha256.clone());
        }
        r.warnings = e.warnings;
        r.pages = e.pages;
        r.known = Some(Known {
            department: e.department.clone(),
            town: e.town.clone(),
            year: e.year,
        });
        Some(r)
    }

    /// Whether the town output `path` was made from `parts` and is still
    /// as it was written.
    pub fn combined_up_to_date(&self, out: &Path, path: &Path, parts: &str) -> bool {
        self.combined
            .get(&key(out, path))
            .is_some_and(|c| c.parts == parts && holds(path, &c.sha256))
    }

    /// How the town output `path` was bound when last written, and the
    /// digest of the bytes written then.
    pub fn binding(&self, out: &Path, path: &Path) -> Option<(&Binding, &str)> {
        let c = self.combined.get(&key(out, path))?;
        Some((c.binding.as_ref()?, c.sha256.as_str()))
    }

    /// Departments recorded here whose data file is gone, and which are
    /// not among `current` (stems of this run): their outputs that are
    /// still on disk. Then town outputs that no town of this run makes.
    pub fn stale(
        &self,
        out: &Path,
        current: &BTreeSet<String>,
        towns: Option<&BTreeSet<String>>,
    ) -> Stale {
        let mut s = Stale::default();
        for (k, e) in &self.departments {
            if current.contains(k) || Path::new(&e.input).exists() {
                continue;
            }
            let left: Vec<PathBuf> = e
                .outputs
                .iter()
                .map(|o| out.join(&o.path))
                .filter(|p| p.exists())
                .collect();
            if left.is_empty() {
                s.forget.push(k.clone());
            } else {
                s.outputs.extend(left);
            }
        }
        if let Some(towns) = towns {
            for k in self.combined.keys().filter(|k| !towns.contains(*k)) {
                let path = out.join(k);
                if path.exists() {
                    s.outputs.push(path);
                } else {
                    s.forget_combined.push(k.clone());
                }
            }
        }
        s
    }

    /// The entry recorded for `stem`, when there is one.
    pub fn entry(&self, out: &Path, stem: &Path) -> Option<&Entry> {
        self.departments.get(&key(out, stem))
    }
}

/// Outputs left by departments (or towns) no longer in the data.
#[derive(Debug, Default)]
pub struct Stale {
    /// Still on disk: reported, never deleted.
    pub outputs: Vec<PathBuf>,
    /// Departments whose outputs are all gone: dropped from the state.
    forget: Vec<String>,
    forget_combined: Vec<String>,
}

/// The entry for a department just rendered (`report` must be done).
pub fn entry(report: &Report, out: &Path, data: &str, recipe: &str) -> Option<Entry> {
    // Rendered here, with the form, or by a worker process, which sends
    // the name, town and year without it.
    let (year, town) = report.town()?;
    Some(Entry {
        input: std::fs::canonicalize(&report.input)
            .unwrap_or_else(|_| report.input.clone())
            .to_string_lossy()
            .into_owned(),
        data: data.to_string(),
        recipe: recipe.to_string(),
        outputs: report
            .outputs
            .iter()
            .zip(&report.digests)
            .map(|(p, d)| Output {
                path: key(out, p),
                sha256: d.clone(),
            })
            .collect(),
        department: report.name(),
        town: town.to_string(),
        year,
        warnings: report.warnings,
        pages: report.pages,
    })
}

/// Each department in place after this run, by data file: its key and its
/// entry (as recorded, or as rendered now).
pub type Entries = std::collections::HashMap<PathBuf, (String, Entry)>;

/// What this run changes in the state for its departments (`reports` and
/// `data`, the data files' digests, beside `jobs`), and the entry of each
/// department in place.
pub fn record(
    out: &Path,
    recipe: &str,
    recorded: &State,
    jobs: &[Job],
    reports: &[Report],
    data: &[Option<String>],
) -> (Update, Entries) {
    let mut update = Update::default();
    let mut entries = Entries::new();
    for ((job, r), digest) in jobs.iter().zip(reports).zip(data) {
        let key = key(out, &job.stem);
        match r.status {
            Status::UpToDate => {
                if let Some(e) = recorded.entry(out, &job.stem) {
                    entries.insert(job.input.clone(), (key, e.clone()));
                }
            }
            Status::Done => match digest.as_deref().and_then(|d| entry(r, out, d, recipe)) {
                Some(e) => {
                    update.set.push((key.clone(), e.clone()));
                    entries.insert(job.input.clone(), (key, e));
                }
                None => update.remove.push(key),
            },
            Status::Skipped => {}
            _ => update.remove.push(key),
        }
    }
    (update, entries)
}

/// A digest of what a town output is made from: its kind and path, the
/// recipe, each member's entry in order, and the failed files it lists.
pub fn parts<'a>(
    kind: &str,
    recipe: &str,
    members: impl IntoIterator<Item = (&'a str, &'a Entry)>,
    failed: impl IntoIterator<Item = String>,
) -> String {
    let mut h = sha2::Sha256::new();
    let mut put = |part: &[u8]| {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    };
    put(kind.as_bytes());
    put(recipe.as_bytes());
    for (k, e) in members {
        put(k.as_bytes());
        put(serde_json::to_string(e).unwrap_or_default().as_bytes());
    }
    put(b"failed");
    for f in failed {
        put(f.as_bytes());
    }
    hex(&h.finalize())
}

/// What one run changes in the state.
#[derive(Debug, Default)]
pub struct Update {
    /// Departments rendered now.
    pub set: Vec<(String, Entry)>,
    /// Departments that failed now: not up to date, whatever was before.
    pub remove: Vec<String>,
    pub set_combined: Vec<(String, Combined)>,
    pub remove_combined: Vec<String>,
    pub stale: Stale,
}

impl Update {
    pub fn combined(
        &mut self,
        out: &Path,
        path: &Path,
        parts: String,
        sha256: String,
        binding: Option<Binding>,
    ) {
        self.set_combined.push((
            key(out, path),
            Combined {
                parts,
                sha256,
                binding,
            },
        ));
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
            && self.remove.is_empty()
            && self.set_combined.is_empty()
            && self.remove_combined.is_empty()
            && self.stale.forget.is_empty()
            && self.stale.forget_combined.is_empty()
    }
}

/// Merges `update` into the state file in `out` as it is now (another
/// process may have written it since this run read it) and replaces it
/// atomically, under a lock so that two runs finishing at once both keep
/// their entries.
pub fn save(out: &Path, update: Update) -> anyhow::Result<()> {
    if update.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(out)?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(out.join(LOCK))?;
    // A file system without locks still gets an atomic replace: at worst
    // a run that finishes at the same moment loses its entries, and its
    // departments are rendered again next time.
    let _ = lock.lock();
    let mut s = State::load(out);
    s.jixiao = env!("CARGO_PKG_VERSION").to_string();
    s.layout = LAYOUT;
    for k in update.remove.iter().chain(&update.stale.forget) {
        s.departments.remove(k);
    }
    s.departments.extend(update.set);
    for k in update
        .remove_combined
        .iter()
        .chain(&update.stale.forget_combined)
    {
        s.combined.remove(k);
    }
    s.combined.extend(update.set_combined);
    let mut text = serde_json::to_string_pretty(&s)?;
    text.push('\n');
    crate::files::write_atomic(&out.join(FILE), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_or_foreign_state_is_no_state() {
        let dir = tempfile::tempdir().unwrap();
        let mut update = Update::default();
        update.remove_combined.push("x".into());
        update.set_combined.push((
            "a.pdf".into(),
            Combined {
                parts: "p".into(),
                sha256: "s".into(),
                binding: None,
            },
        ));
        save(dir.path(), update).unwrap();
        assert_eq!(State::load(dir.path()).combined.len(), 1);
        let path = dir.path().join(FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        assert!(State::load(dir.path()).combined.is_empty());
        std::fs::write(
            &path,
            text.replace(env!("CARGO_PKG_VERSION"), "0.0.0-other"),
        )
        .unwrap();
        assert!(State::load(dir.path()).combined.is_empty());
    }

    #[test]
    fn every_option_changes_the_recipe() {
        let out = Path::new("out");
        let base = Options::default();
        let a = recipe(&base, None, &[], out);
        assert_eq!(a, recipe(&base, None, &[], out));
        let strict = Options {
            strict: true,
            ..Options::default()
        };
        let epoch = Options {
            pdf: crate::render::pdf::PdfSettings {
                source_date_epoch: Some(0),
                ..Default::default()
            },
            ..Options::default()
        };
        let pdf_only = Options {
            format: crate::batch::Format::PDF,
            ..Options::default()
        };
        for other in [strict, epoch, pdf_only] {
            assert_ne!(a, recipe(&other, None, &[], out), "{other:?}");
        }
    }
}

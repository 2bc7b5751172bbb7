//! Finding data files and writing outputs without ever leaving half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Data files only, as `batch` walks a data folder.
pub const DATA: &[&str] = &["toml"];

/// Data files and the workbooks departments send in, as `check` walks a
/// folder of them.
pub const DATA_AND_WORKBOOKS: &[&str] = &["toml", "xlsx", "xlsm", "xls", "ods"];

/// Every file with one of `exts` under the given folders, and the files
/// given themselves, sorted, without duplicates. Hidden entries (`.git`, `.~lock`) are skipped, and symlinked
/// folders are not followed, so a link loop cannot trap the walk.
pub fn collect(roots: &[PathBuf], exts: &[&str]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for root in roots {
        let meta =
            std::fs::metadata(root).with_context(|| format!("找不到“{}”", root.display()))?;
        if meta.is_dir() {
            walk(root, exts, &mut out)?;
        } else {
            out.push(root.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("无法读取文件夹“{}”", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("无法读取文件夹“{}”", dir.display()))?;
        let name = entry.file_name();
        // Hidden entries, and the owner files Excel and WPS keep beside a
        // workbook that is open (`~$党建.xlsx`).
        if name.to_string_lossy().starts_with(['.', '~']) {
            continue;
        }
        let path = entry.path();
        let ty = entry.file_type()?;
        if ty.is_dir() {
            walk(&path, exts, out)?;
        } else if path
            .extension()
            .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
            && (ty.is_file() || path.is_file())
        {
            out.push(path);
        }
    }
    Ok(())
}

pub fn show_all(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join("、")
}

/// An I/O error in words a clerk understands.
pub fn describe_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    let what = match e.kind() {
        NotFound => "文件或文件夹不存在",
        PermissionDenied => "没有权限",
        AlreadyExists => "文件已存在",
        StorageFull => "磁盘已满",
        ReadOnlyFilesystem => "磁盘是只读的",
        IsADirectory => "这是一个文件夹，不是文件",
        NotADirectory => "路径中有一段不是文件夹",
        _ => "",
    };
    if what.is_empty() {
        e.to_string()
    } else {
        format!("{what}（{e}）")
    }
}

/// Writes `bytes` to `path` atomically: a temp file in the same folder,
/// flushed to disk, then renamed over the target. A failure at any point
/// leaves the old file (if any) untouched and no temp file behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let (tmp, _registered) = temp_with(path, bytes)?;
    let mut tmp = Some(tmp);
    replace_retrying(LOCKS, || {
        let t = tmp
            .take()
            .ok_or_else(|| std::io::Error::other("temp file gone"))?;
        t.persist(path).map(drop).map_err(|e| {
            let err = std::io::Error::new(e.error.kind(), e.error.to_string());
            tmp = Some(e.file);
            err
        })
    })
    .map_err(|e| {
        let why = describe_replace(LOCKS, &e);
        anyhow::anyhow!("无法写入“{}”：{why}", path.display())
    })
}

/// Creates a new file; refuses to overwrite one that exists, even one that
/// appears while this file is being written.
pub fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let (tmp, _registered) = temp_with(path, bytes)?;
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => anyhow::bail!(
            "“{}”已存在，为免覆盖没有写入；请换一个文件名",
            path.display()
        ),
        Err(e) => anyhow::bail!("无法写入“{}”：{}", path.display(), describe_io(&e.error)),
    }
}

/// Removes the files directly in `dir` that `stale` picks by name (never
/// a folder, never a hidden file), and returns them. A folder that does
/// not exist has nothing to remove.
pub fn remove_stale(dir: &Path, stale: impl Fn(&str) -> bool) -> anyhow::Result<Vec<PathBuf>> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => anyhow::bail!("无法读取文件夹“{}”：{}", dir.display(), describe_io(&e)),
    };
    let mut picked: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| !n.starts_with('.') && stale(n))
        })
        .map(|e| e.path())
        .collect();
    picked.sort();
    for p in &picked {
        std::fs::remove_file(p)
            .map_err(|e| anyhow::anyhow!("无法删除“{}”：{}", p.display(), describe_io(&e)))?;
    }
    Ok(picked)
}

/// The temp files being written now, so that a process told to stop at
/// once can remove them before it exits.
static IN_FLIGHT: std::sync::Mutex<InFlight> = std::sync::Mutex::new(InFlight {
    paths: Vec::new(),
    abandoned: false,
});

struct InFlight {
    paths: Vec<PathBuf>,
    /// Set by [`abandon_writes`]: no new temp file may start.
    abandoned: bool,
}

fn in_flight() -> std::sync::MutexGuard<'static, InFlight> {
    IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner())
}

/// A temp file's place in [`IN_FLIGHT`], given up when the write is done
/// (renamed into place, or failed and removed).
struct Registered(PathBuf);

impl Drop for Registered {
    fn drop(&mut self) {
        in_flight().paths.retain(|p| p != &self.0);
    }
}

/// Removes every temp file being written and lets no new one start: for a
/// process about to exit at once (a second Ctrl-C). Outputs already renamed
/// into place are whole; the rest keep their earlier version.
pub fn abandon_writes() {
    let mut f = in_flight();
    f.abandoned = true;
    for p in f.paths.drain(..) {
        let _ = std::fs::remove_file(p);
    }
}

/// A temp file beside `path` holding `bytes`, flushed to disk.
fn temp_with(path: &Path, bytes: &[u8]) -> anyhow::Result<(tempfile::NamedTempFile, Registered)> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("无法创建文件夹“{}”：{}", dir.display(), describe_io(&e)))?;
    let fail =
        |e: std::io::Error| anyhow::anyhow!("无法写入“{}”：{}", path.display(), describe_io(&e));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".jixiao-").suffix(".tmp");
    // Outputs are ordinary files (0666 less the umask), not the private
    // 0600 of a temp file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let (mut tmp, reg) = {
        let mut f = in_flight();
        if f.abandoned {
            anyhow::bail!("正在退出，没有写入“{}”", path.display());
        }
        let tmp = builder.tempfile_in(dir).map_err(fail)?;
        f.paths.push(tmp.path().to_path_buf());
        let reg = Registered(tmp.path().to_path_buf());
        (tmp, reg)
    };
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    Ok((tmp, reg))
}

/// How long replacing a file keeps trying while it is locked (ms).
const RETRIES: [u64; 5] = [50, 100, 200, 300, 400];

/// Whether "access denied" on replacing a file means it is locked: true on
/// Windows, where a file that a virus scanner or the search indexer holds
/// for a moment cannot be replaced, and neither can one that WPS, Excel or
/// a PDF reader has open. Elsewhere it means what it says.
const LOCKS: bool = cfg!(windows);

/// Runs `replace` until it succeeds, retrying for about a second while the
/// target is locked (see [`LOCKS`]).
fn replace_retrying(
    locks: bool,
    mut replace: impl FnMut() -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut waits = RETRIES.iter();
    loop {
        match replace() {
            Err(e) if locks && e.kind() == std::io::ErrorKind::PermissionDenied => {
                match waits.next() {
                    Some(ms) => std::thread::sleep(std::time::Duration::from_millis(*ms)),
                    None => return Err(e),
                }
            }
            other => return other,
        }
    }
}

/// A failed replace in words: where files lock, "access denied" almost
/// always means the file is open in another program.
fn describe_replace(locks: bool, e: &std::io::Error) -> String {
    if locks && e.kind() == std::io::ErrorKind::PermissionDenied {
        format!("文件可能正在被 WPS/Excel/PDF 阅读器打开，请关闭后重试（{e}）")
    } else {
        describe_io(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_output_is_retried_then_named_as_open_elsewhere() {
        let denied = || std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        // Locked for a moment (an indexer): the third try succeeds.
        let mut tries = 0;
        let r = replace_retrying(true, || {
            tries += 1;
            if tries < 3 { Err(denied()) } else { Ok(()) }
        });
        assert!(r.is_ok());
        assert_eq!(tries, 3);
        // Open in Excel: every try fails, and the message says what to do.
        let mut tries = 0;
        let e = replace_retrying(true, || {
            tries += 1;
            Err(denied())
        })
        .unwrap_err();
        assert_eq!(tries, RETRIES.len() + 1);
        let text = describe_replace(true, &e);
        assert!(
            text.contains("WPS/Excel/PDF 阅读器打开，请关闭后重试"),
            "{text}"
        );
        // Where files do not lock, access denied is not retried.
        let mut tries = 0;
        let e = replace_retrying(false, || {
            tries += 1;
            Err(denied())
        })
        .unwrap_err();
        assert_eq!(tries, 1);
        assert!(describe_replace(false, &e).contains("没有权限"));
    }
}

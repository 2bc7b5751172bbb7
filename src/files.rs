//! Finding data files and writing outputs without ever leaving half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Every `*.toml` under the given files and folders, sorted, without
/// duplicates. Hidden entries (`.git`, `.~lock`) are skipped, and symlinked
/// folders are not followed, so a link loop cannot trap the walk.
pub fn collect(roots: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for root in roots {
        let meta =
            std::fs::metadata(root).with_context(|| format!("找不到“{}”", root.display()))?;
        if meta.is_dir() {
            walk(root, &mut out)?;
        } else {
            out.push(root.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("无法读取文件夹“{}”", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("无法读取文件夹“{}”", dir.display()))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let ty = entry.file_type()?;
        if ty.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
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
    let mut tmp = builder.tempfile_in(dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Creates a new file; refuses to overwrite one that exists.
pub fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.exists() {
        anyhow::bail!(
            "“{}”已存在，为免覆盖没有写入；请换一个文件名",
            path.display()
        );
    }
    write_atomic(path, bytes)
}

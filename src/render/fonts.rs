//! The fonts a form is set in: bundled in the binary, official ones preferred.
//!
//! Official forms use 方正小标宋简体 for titles and 仿宋_GB2312 for text
//! (GB/T 9704). Those are proprietary, so the binary carries open stand-ins
//! (see `fonts/README.md`): Noto Serif SC Black for titles, FandolFang for
//! text, Noto Serif SC Regular as the fallback for every GBK character that
//! FandolFang lacks. A user who has the official fonts points `--font-path`
//! at them; the template is given the official family first whenever the
//! font book has it. System fonts are never searched, so a form renders the
//! same on every machine.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontInfo};

/// The bundled faces, parsed lazily by Typst from static bytes.
const BUNDLED: &[&[u8]] = &[
    include_bytes!("../../fonts/FandolFang-Regular.ttf"),
    include_bytes!("../../fonts/NotoSerifSC-Regular.ttf"),
    include_bytes!("../../fonts/NotoSerifSC-Black.ttf"),
];

/// The bundled fonts' SHA-256 sums, as `fonts/fetch.sh` verifies them: the
/// identity of the faces this binary carries, without hashing 30 MB at
/// every start (a test keeps it true).
pub const BUNDLED_SUMS: &str = include_str!("../../fonts/SHA256SUMS");
/// The bundled faces' font-book entries, in the order of [`BUNDLED`] and
/// of the faces in each file. They never change, so they are worked out
/// from the files once and kept beside them: reading them from the files
/// means walking the character maps of three CJK fonts at every start. A
/// test keeps the copy current.
const BUNDLED_BOOK: &str = include_str!("../../fonts/book.json");

/// One entry of `fonts/book.json`: face `index` of `BUNDLED[file]`.
#[derive(serde::Serialize, serde::Deserialize)]
struct BundledFace {
    file: usize,
    index: u32,
    info: FontInfo,
}

/// The bundled faces' entries as Typst reads them from the files.
fn read_bundled() -> Vec<BundledFace> {
    BUNDLED
        .iter()
        .enumerate()
        .flat_map(|(file, data)| {
            (0u32..)
                .zip(FontInfo::iter(data))
                .map(move |(index, info)| BundledFace { file, index, info })
        })
        .collect()
}

/// The bundled faces' entries: the kept copy, or, should it not parse or
/// leave a file out, the entries read from the files.
fn bundled() -> Vec<BundledFace> {
    serde_json::from_str::<Vec<BundledFace>>(BUNDLED_BOOK)
        .ok()
        .filter(|faces| {
            faces.iter().all(|f| f.file < BUNDLED.len())
                && (0..BUNDLED.len()).all(|file| faces.iter().any(|f| f.file == file))
        })
        .unwrap_or_else(read_bundled)
}

/// Title families in order of preference (official first).
const TITLE: &[&str] = &[
    "方正小标宋简体",
    "FZXiaoBiaoSong-B05S",
    "方正小标宋_GBK",
    "Noto Serif SC",
];

/// Text families in order of preference (official first). The last two are
/// bundled and together cover GBK, so they are always in the list.
const BODY: &[&str] = &[
    "仿宋_GB2312",
    "FangSong_GB2312",
    "仿宋",
    "FangSong",
    "FandolFang R",
    "Noto Serif SC",
];

/// A font book with its fonts, built once per process. A font is parsed
/// only when a document uses it: pointing `--font-path` at a system folder
/// of hundreds of fonts reads each file once for its names and coverage,
/// and keeps none of them in memory until one is used.
pub struct FontSet {
    pub book: FontBook,
    slots: Vec<Slot>,
    /// The families the template sets titles in, present ones only.
    pub title: Vec<String>,
    /// The families the template sets text in, present ones only.
    pub body: Vec<String>,
    /// Which characters the title and body families have, built once: the
    /// glyph check asks for every character of every form.
    title_cover: Cover,
    body_cover: Cover,
}

/// A set of characters as one bit per code point (136 KB): a lookup is a
/// shift and a mask, where a font's own coverage list is scanned run by run.
struct Cover(Vec<u64>);

impl Cover {
    fn of<'a>(infos: impl Iterator<Item = &'a typst::text::FontInfo>) -> Cover {
        let mut bits = vec![0u64; (char::MAX as usize + 1).div_ceil(64)];
        for info in infos {
            for c in info.coverage.iter() {
                if let Some(word) = bits.get_mut(c as usize / 64) {
                    *word |= 1 << (c % 64);
                }
            }
        }
        Cover(bits)
    }

    fn contains(&self, c: char) -> bool {
        let c = c as usize;
        self.0[c / 64] & (1 << (c % 64)) != 0
    }
}

/// Where one face of the book comes from, and the face once parsed.
struct Slot {
    source: Source,
    index: u32,
    font: OnceLock<Option<Font>>,
}

enum Source {
    Bundled(&'static [u8]),
    File(PathBuf),
}

impl Slot {
    fn font(&self) -> Option<Font> {
        self.font
            .get_or_init(|| {
                let data = match &self.source {
                    Source::Bundled(data) => Bytes::new(*data),
                    Source::File(path) => Bytes::new(std::fs::read(path).ok()?),
                };
                Font::new(data, self.index)
            })
            .clone()
    }
}

impl FontSet {
    /// The bundled fonts, plus every font file found in `extra` folders
    /// (and their subfolders, each once, however they are linked).
    pub fn load(extra: &[PathBuf]) -> anyhow::Result<FontSet> {
        let mut infos: Vec<FontInfo> = Vec::new();
        let mut slots: Vec<Slot> = Vec::new();
        for face in bundled() {
            infos.push(face.info);
            slots.push(Slot {
                source: Source::Bundled(BUNDLED[face.file]),
                index: face.index,
                font: OnceLock::new(),
            });
        }
        let mut seen = Vec::new();
        for dir in extra {
            load_dir(dir, &mut infos, &mut slots, &mut seen)?;
        }
        let book = FontBook::from_infos(infos);
        let present = |list: &[&str]| {
            list.iter()
                .filter(|f| book.contains_family(&f.to_lowercase()))
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
        };
        let title = present(TITLE);
        let body = present(BODY);
        let cover = |families: &[String]| {
            let faces: Vec<usize> = families
                .iter()
                .flat_map(|f| book.select_family(&f.to_lowercase()).collect::<Vec<_>>())
                .collect();
            Cover::of(faces.into_iter().filter_map(|id| book.info(id)))
        };
        let (title_cover, body_cover) = (cover(&title), cover(&body));
        Ok(FontSet {
            title,
            body,
            title_cover,
            body_cover,
            book,
            slots,
        })
    }

    /// Face `index` of the book, parsed on first use.
    pub fn font(&self, index: usize) -> Option<Font> {
        self.slots.get(index).and_then(Slot::font)
    }

    /// Whether some font of the body families has a glyph for `c`.
    pub fn body_covers(&self, c: char) -> bool {
        self.body_cover.contains(c)
    }

    /// Whether some font of the title families has a glyph for `c`.
    pub fn title_covers(&self, c: char) -> bool {
        self.title_cover.contains(c)
    }
}

fn load_dir(
    dir: &Path,
    infos: &mut Vec<FontInfo>,
    slots: &mut Vec<Slot>,
    seen: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    for path in font_files_in(dir, seen)? {
        // A font that cannot be read is skipped, as a font it cannot parse
        // is: one broken file in a system folder must not stop the work.
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        for (index, info) in (0u32..).zip(FontInfo::iter(&data)) {
            infos.push(info);
            slots.push(Slot {
                source: Source::File(path.clone()),
                index,
                font: OnceLock::new(),
            });
        }
    }
    Ok(())
}

/// The font files `--font-path` folders give, in the order they are
/// loaded: each folder's entries sorted, subfolders each once.
pub fn font_files(dirs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for dir in dirs {
        out.extend(font_files_in(dir, &mut seen)?);
    }
    Ok(out)
}

fn font_files_in(dir: &Path, seen: &mut Vec<PathBuf>) -> anyhow::Result<Vec<PathBuf>> {
    // A folder linked into itself is read once, not forever.
    let real = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if seen.contains(&real) {
        return Ok(Vec::new());
    }
    seen.push(real);
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("无法读取字体文件夹“{}”：{e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    // Sorted, so the same folder gives the same font book on every machine.
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            out.extend(font_files_in(&path, seen)?);
            continue;
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if matches!(ext.as_str(), "ttf" | "otf" | "ttc" | "otc") {
            out.push(path);
        }
    }
    Ok(out)
}

/// Characters that need no glyph: spaces, line breaks, joiners.
pub fn needs_glyph(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_font_folder_linked_into_itself_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.ttf"), BUNDLED[0]).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
        let set = FontSet::load(&[dir.path().to_path_buf()]).unwrap();
        let bundled = FontSet::load(&[]).unwrap();
        // The bundled faces, and the copy once.
        assert_eq!(set.slots.len(), bundled.slots.len() + 1);
        assert!(set.font(set.slots.len() - 1).is_some());
    }

    /// `fonts/book.json` says what Typst reads from the bundled files;
    /// `UPDATE=1 cargo test --lib fonts` rewrites it after a font changed.
    #[test]
    fn the_kept_font_book_matches_the_bundled_files() {
        let read = serde_json::to_string(&read_bundled()).unwrap() + "\n";
        if std::env::var_os("UPDATE").is_some() {
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/fonts/book.json"),
                &read,
            )
            .unwrap();
            return;
        }
        assert!(
            BUNDLED_BOOK == read,
            "fonts/book.json is not what the bundled fonts hold; UPDATE=1 cargo test --lib fonts rewrites it"
        );
        let kept: Vec<FontInfo> = bundled().into_iter().map(|f| f.info).collect();
        let read: Vec<FontInfo> = read_bundled().into_iter().map(|f| f.info).collect();
        assert_eq!(kept, read);
    }

    #[test]
    fn the_recorded_sums_are_those_of_the_bundled_fonts() {
        use sha2::Digest as _;
        for data in BUNDLED {
            let sum: String = sha2::Sha256::digest(data)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert!(
                BUNDLED_SUMS.lines().any(|l| l.starts_with(&sum)),
                "a bundled font's SHA-256 {sum} is not in fonts/SHA256SUMS"
            );
        }
    }

    #[test]
    fn bundled_fonts_cover_gbk_names_and_the_yuan_sign() {
        let set = FontSet::load(&[]).unwrap();
        assert_eq!(set.body, ["FandolFang R", "Noto Serif SC"]);
        assert_eq!(set.title, ["Noto Serif SC"]);
        for c in "堃镕喆赟埗￥①⑩≥≤党建大朗镇".chars() {
            assert!(set.body_covers(c), "{c} not covered");
            assert!(set.title_covers(c), "{c} not covered by the title font");
        }
        assert!(
            !set.body_covers('𠀀'),
            "CJK Extension B is not in the bundled faces"
        );
    }
}

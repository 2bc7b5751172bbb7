//! Names made from data for things outside the form: file names and
//! worksheet names. A data file comes from other people, so whatever it
//! says, the names made here stay a single harmless file-name component or
//! a sheet name Excel accepts.

use std::path::{Path, PathBuf};

/// Longest piece of a file name taken from data, in characters. A Chinese
/// character is three bytes on Linux, and a name component may be 255
/// bytes (255 UTF-16 units on Windows), so 50 leaves room for the rest of
/// the name (`2024年…部门整体预算绩效目标表合订本.pdf`).
pub const MAX_NAME_CHARS: usize = 50;

/// Names Windows reserves for devices, with or without an extension.
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "COM0", "COM1", "COM2", "COM3", "COM4",
    "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³", "LPT0", "LPT1", "LPT2", "LPT3",
    "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
];

/// A text from a data file (a town, a department, a sheet name) made safe
/// to use as one piece of a file name on every system: no path separators,
/// nothing Windows forbids (`<>:"/\|?*`, control characters), no leading
/// dot (no `..`, no hidden file), no trailing dot or space, no device name
/// (`CON`, `NUL`, `COM1` …), at most [`MAX_NAME_CHARS`] characters, never
/// empty. Nothing in a data file can choose where an output goes.
pub fn safe_name(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    out = out.trim().to_string();
    if out.starts_with('.') {
        out = format!("_{}", out.trim_start_matches('.'));
    }
    out = out.chars().take(MAX_NAME_CHARS).collect();
    let trimmed = out.trim_end_matches(['.', ' ']);
    out = if trimmed.is_empty() {
        "_".to_string()
    } else {
        trimmed.to_string()
    };
    let stem = out.split('.').next().unwrap_or_default().trim_end();
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem)) {
        out.insert(stem.len(), '_');
    }
    out
}

/// Excel compares sheet names without regard to case.
pub fn same_sheet(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// A valid, readable worksheet name for a department: the characters Excel
/// forbids (`[ ] : * ? / \`, control characters) become `_`, apostrophes are
/// taken off both ends, and the name is cut to Excel's 31 UTF-16 units.
pub fn sheet_name(department: &str) -> String {
    let cleaned: String = department
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut out = String::new();
    let mut units = 0;
    for c in cleaned.trim().trim_matches('\'').chars() {
        units += c.len_utf16();
        if units > 31 {
            break;
        }
        out.push(c);
    }
    // Cutting can leave an apostrophe or a space at the end.
    let out = out.trim_end().trim_end_matches('\'').trim_end();
    if out.is_empty() {
        "部门".to_string()
    } else if out.eq_ignore_ascii_case("history") {
        // Excel reserves "History" for its change tracking.
        format!("{out}_")
    } else {
        out.to_string()
    }
}

/// Excel sheet names are unique case-insensitively and at most 31 UTF-16
/// units: two departments whose names share their first 31 characters get
/// `…(2)`, `…(3)`.
pub fn unique_sheet_name(base: &str, used: &[String]) -> String {
    let taken = |n: &str| used.iter().any(|u| same_sheet(u, n));
    let mut name = base.to_string();
    let mut k = 1;
    while taken(&name) {
        k += 1;
        let suffix = format!("({k})");
        let mut units = suffix.len();
        name = base
            .chars()
            .take_while(|c| {
                units += c.len_utf16();
                units <= 31
            })
            .collect::<String>()
            + &suffix;
    }
    name
}

/// The file of page `n` (from 1) of a document of `count` pages, beside
/// `stem`'s other outputs: `党建工作办公室-第1页.png`. The number has as many
/// digits as `count` (`第01页` … `第12页`), so the names sort in page
/// order in any file list.
pub fn page_file(stem: &Path, n: usize, count: usize, ext: &str) -> PathBuf {
    let width = count.max(1).to_string().len();
    let name = stem.file_name().unwrap_or_default().to_string_lossy();
    stem.with_file_name(format!("{name}-第{n:0width$}页.{ext}"))
}

/// The page number in `file`, when it is named as [`page_file`] names a
/// page of `stem` with extension `ext`, with any number of digits.
pub fn page_of(file: &str, stem: &Path, ext: &str) -> Option<usize> {
    let name = stem.file_name()?.to_str()?;
    let digits = file
        .strip_prefix(name)?
        .strip_prefix("-第")?
        .strip_suffix(ext)?
        .strip_suffix("页.")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_data_stay_one_harmless_component() {
        for (given, safe) in [
            ("大朗镇", "大朗镇"),
            ("/../../../../../tmp/pwned", "_.._.._.._.._.._tmp_pwned"),
            ("..", "_"),
            ("...", "_"),
            ("", "_"),
            ("   ", "_"),
            ("a/b\\c", "a_b_c"),
            ("<>:\"|?*", "_______"),
            ("镇\u{0}名\n", "镇_名_"),
            (".hidden", "_hidden"),
            ("尾点.", "尾点"),
            ("尾空 . ", "尾空"),
            ("CON", "CON_"),
            ("con.txt", "con_.txt"),
            ("Com1", "Com1_"),
            ("LPT9.汇总", "LPT9_.汇总"),
            ("CONSOLE", "CONSOLE"),
        ] {
            assert_eq!(safe_name(given), safe, "{given:?}");
        }
        let long = "镇".repeat(300);
        assert_eq!(safe_name(&long).chars().count(), MAX_NAME_CHARS);
        for s in [
            "/../../x",
            "..",
            "a/../..",
            "C:\\Windows",
            "NUL",
            " .. ",
            "\\\\server\\share",
        ] {
            let n = safe_name(s);
            let p = std::path::Path::new(&n);
            assert_eq!(p.components().count(), 1, "{s:?} → {n:?}");
            assert!(
                matches!(p.components().next(), Some(std::path::Component::Normal(_))),
                "{s:?} → {n:?}"
            );
        }
    }

    #[test]
    fn sheet_names_stay_unique_and_short() {
        let long = "东莞市大朗镇".repeat(6); // 36 characters
        let a: String = long.chars().take(31).collect();
        let used = vec![a.clone()];
        let b = unique_sheet_name(&a, &used);
        assert_ne!(a, b);
        assert!(b.encode_utf16().count() <= 31);
        assert!(b.ends_with("(2)"));
        let used = vec![a.clone(), b.clone()];
        assert!(unique_sheet_name(&a, &used).ends_with("(3)"));
        assert_eq!(unique_sheet_name("汇总表", &used), "汇总表");
        // CJK Extension B characters take two UTF-16 units each.
        let wide = "𠀀".repeat(15) + "部";
        let used = vec![wide.clone()];
        let c = unique_sheet_name(&wide, &used);
        assert!(c.encode_utf16().count() <= 31 && c.ends_with("(2)"), "{c}");
    }

    #[test]
    fn page_files_sort_in_page_order_and_are_recognised() {
        let stem = Path::new("out/2024/党建工作办公室");
        let first = page_file(stem, 1, 5, "png");
        assert_eq!(first, Path::new("out/2024/党建工作办公室-第1页.png"));
        let names: Vec<String> = (1..=12)
            .map(|n| page_file(stem, n, 12, "svg").to_string_lossy().into_owned())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(names[0].ends_with("-第01页.svg"), "{}", names[0]);
        assert_eq!(page_of("党建工作办公室-第01页.svg", stem, "svg"), Some(1));
        assert_eq!(page_of("党建工作办公室-第7页.png", stem, "png"), Some(7));
        for other in [
            "党建工作办公室-第7页.svg",
            "党建工作办公室-第页.png",
            "党建工作办公室-第x页.png",
            "党建工作办公室-第1页-第1页.png",
            "党建工作办公室-封面.png",
            "党建-第1页.png",
        ] {
            assert_eq!(page_of(other, stem, "png"), None, "{other}");
        }
    }
}

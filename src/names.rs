//! Names made from data for things outside the form: file names and
//! worksheet names. A data file comes from other people, so whatever it
//! says, the names made here stay a single harmless file-name component or
//! a sheet name Excel accepts.

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
}

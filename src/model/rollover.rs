//! Next year's form from this year's (`jixiao new FILE --from LAST`).
//!
//! A department's form changes little from one year to the next, so the
//! clerk starts from last year's file. The budget year is the one value the
//! form's structure depends on (the title's `(2025年)` and the PDF's date
//! are drawn from it), so it is the one value that changes, and the file
//! is otherwise kept byte for byte — texts, amounts, comments, blank lines,
//! alignment, and Windows line ends. The new year is spliced in at the
//! span the parser gives the old one. (toml_edit, the crate for editing a
//! TOML document in place, writes every line end as `\n`: a file saved by
//! Notepad would change on every line.) The text is written as UTF-8
//! without a byte order mark, as every file jixiao writes, whatever
//! encoding the source was read in.
//!
//! Texts that still name the old year (`2024年12月31日`, `2024年度`,
//! `2024-12-31`, `二〇二四年`) are left as they are: whether a deadline
//! moves with the year is the clerk's decision. Each is reported as a
//! warning at its line, column and field, so the clerk reviews exactly
//! those. A year is a number standing alone: `12024`, `2024.50` and
//! `2,024` are not mentions, and amounts are never searched, even when
//! written as text.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::field::Field;
use super::validate::YEARS;
use super::{Loaded, parse};
use crate::diagnostic::{self, Diagnostic};

/// A form moved on by one year.
#[derive(Debug, Clone)]
pub struct Rollover {
    /// The source's budget year.
    pub from: i64,
    /// The new form's.
    pub to: i64,
    /// The new data file.
    pub text: String,
    /// A warning for each place a text of `text` names `from`, in order.
    pub mentions: Vec<Diagnostic>,
    /// Lines (from 1) of `text` whose comments name `from`; comments are
    /// kept as they are too, but are not the form's texts.
    pub comment_lines: Vec<usize>,
}

/// Moves the form in `bytes` (a data file) on to the next budget year.
/// `Err` with what `check` would report when the file's encoding, syntax or
/// shape is wrong, or its year has no next year in range; a form that
/// breaks a rule (an unbalanced budget) still moves on, the mistake with it.
pub fn advance(bytes: &[u8]) -> Result<Rollover, Box<Loaded>> {
    let (source, raw) = parse(bytes)?;
    let from = *raw.year.get_ref();
    let to = from + 1;
    let refuse = |d: Diagnostic| Box::new(Loaded::failed(source.clone(), vec![d]));
    if !YEARS.contains(&from) || !YEARS.contains(&to) {
        return Err(refuse(
            Diagnostic::error(format!(
                "预算年度 {from} 无法顺延到下一年（年度应在 {}–{} 之间）",
                YEARS.start(),
                YEARS.end()
            ))
            .at(raw.year.span())
            .of(&Field::of("year"))
            .label("年度"),
        ));
    }
    let text = set_year(&source, raw.year.span(), to);

    let root = DeTable::parse(&text).map_err(|e| {
        refuse(Diagnostic::error(format!(
            "改写预算年度后文件无法读取：{}",
            e.message()
        )))
    })?;
    let mut strings = Vec::new();
    collect_strings(root.get_ref(), &Field::root(), &mut strings);
    let year_span = root.get_ref().get("year").map(Spanned::span);

    let mut mentions = Vec::new();
    for (field, span) in strings.iter().filter(|(f, _)| !f.is_amount()) {
        for m in find(&text[span.clone()], from) {
            let at = span.start + m.start..span.start + m.end;
            mentions.push(
                Diagnostic::warning(format!(
                    "这处文字仍写着 {from} 年（“{}”），预算年度已改为 {to}",
                    &text[at.clone()]
                ))
                .at(at)
                .of(field)
                .label(format!("仍是 {from} 年"))
                .note(format!(
                    "文字没有改动；如果这里应是 {to} 年，请手工修改，再运行 jixiao check"
                )),
            );
        }
    }
    mentions.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));

    let inside = |at: usize| {
        strings.iter().any(|(_, s)| s.contains(&at))
            || year_span.as_ref().is_some_and(|s| s.contains(&at))
    };
    let mut comment_lines: Vec<usize> = find(&text, from)
        .into_iter()
        .filter(|m| !inside(m.start))
        .map(|m| diagnostic::line_col(&text, m.start).0)
        .collect();
    comment_lines.dedup();

    Ok(Rollover {
        from,
        to,
        text,
        mentions,
        comment_lines,
    })
}

/// `source` with the value at `span` (the year's) replaced by `year`.
fn set_year(source: &str, span: Range<usize>, year: i64) -> String {
    format!("{}{year}{}", &source[..span.start], &source[span.end..])
}

/// Every string value under `table`, with its field and the span of its
/// literal (quotes included).
fn collect_strings(table: &DeTable<'_>, at: &Field, out: &mut Vec<(Field, Range<usize>)>) {
    for (key, value) in table {
        collect_value(value, &at.key(key.get_ref()), out);
    }
}

fn collect_value(value: &Spanned<DeValue<'_>>, at: &Field, out: &mut Vec<(Field, Range<usize>)>) {
    match value.get_ref() {
        DeValue::String(_) => out.push((at.clone(), value.span())),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_value(item, &at.at(i), out);
            }
        }
        DeValue::Table(t) => collect_strings(t, at, out),
        _ => {}
    }
}

/// Chinese numerals as years are written in them: 二〇二四 (or 二零二四).
const CHINESE_DIGITS: [[char; 10]; 2] = [
    ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'],
    ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'],
];

/// Characters that continue a date after its year (`2024年12月31日`,
/// `2024-12-31`, `2024年度`): the mention shown and underlined.
fn continues_date(c: char) -> bool {
    c.is_ascii_digit() || "年月日号度-/.".contains(c)
}

/// Where `text` names `year`: the year in Arabic or Chinese digits,
/// standing alone, with the date it begins. Byte ranges, in order.
pub fn find(text: &str, year: i64) -> Vec<Range<usize>> {
    let arabic = year.to_string();
    let mut spellings = vec![arabic.clone()];
    for digits in CHINESE_DIGITS {
        spellings.push(
            arabic
                .bytes()
                .map(|b| digits[usize::from(b - b'0')])
                .collect(),
        );
    }
    spellings.dedup();
    let mut found: Vec<Range<usize>> = Vec::new();
    for (k, spelling) in spellings.iter().enumerate() {
        let chinese = k > 0;
        for (start, _) in text.match_indices(spelling.as_str()) {
            let end = start + spelling.len();
            let before = text[..start].chars().next_back();
            let after = &text[end..];
            let alone = if chinese {
                let numeral =
                    |c: char| CHINESE_DIGITS.iter().flatten().any(|d| *d == c) || c == '十';
                !before.is_some_and(numeral) && !after.chars().next().is_some_and(numeral)
            } else {
                stands_alone(before, &text[..start], after)
            };
            if alone {
                let tail: usize = after
                    .chars()
                    .take_while(|c| continues_date(*c))
                    .map(char::len_utf8)
                    .sum();
                found.push(start..end + tail);
            }
        }
    }
    found.sort_by_key(|r| r.start);
    found
}

/// Whether four digits between `before` and `after` are a year, not part
/// of a larger number: no digit either side, no decimal or thousands part
/// (`2024.50`, `2,024`, `2024,000`), but a date with dots (`2024.12.31`).
fn stands_alone(before: Option<char>, head: &str, after: &str) -> bool {
    if before.is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    // `0.2024`, `1,2024`: the tail of a number.
    if matches!(before, Some('.' | ',')) {
        let prev = head[..head.len() - 1].chars().next_back();
        if prev.is_some_and(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    let mut rest = after.chars();
    match rest.next() {
        Some(c) if c.is_ascii_digit() => false,
        Some('.') => {
            // `2024.12.31` is a date; `2024.50` and `2024.5` are figures.
            let month: String = rest.clone().take_while(char::is_ascii_digit).collect();
            if month.is_empty() {
                return true;
            }
            let mut after_month = rest.skip(month.len());
            month.len() <= 2
                && after_month.next() == Some('.')
                && after_month.next().is_some_and(|c| c.is_ascii_digit())
        }
        Some(',') => !rest.next().is_some_and(|c| c.is_ascii_digit()),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str, year: i64) -> Vec<&str> {
        find(text, year).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn a_year_is_found_with_its_date_and_only_standing_alone() {
        assert_eq!(shown("2024年12月31日前完成", 2024), ["2024年12月31日"]);
        assert_eq!(shown("截至2024-12-31", 2024), ["2024-12-31"]);
        assert_eq!(shown("2024.12.31", 2024), ["2024.12.31"]);
        assert_eq!(shown("2024年度预算", 2024), ["2024年度"]);
        assert_eq!(
            shown("二〇二四年、二零二四年", 2024),
            ["二〇二四年", "二零二四年"]
        );
        assert_eq!(shown("2023—2024年", 2024), ["2024年"]);
        assert_eq!(shown("(2024)", 2024), ["2024"]);
        for not_a_year in [
            "12024",
            "20245",
            "2024.50元",
            "2024.5",
            "2,024",
            "2024,000",
            "0.2024",
            "1,2024",
            "十二〇二四",
            "2023年",
        ] {
            assert!(shown(not_a_year, 2024).is_empty(), "{not_a_year}");
        }
    }
}

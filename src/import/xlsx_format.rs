//! The number formats of an xlsx (or xlsm) workbook's cells, which calamine
//! does not pass on: a `1` formatted `0%` shows `100%`, a `34` formatted
//! `0"人"` shows `34人`, a date formatted `yyyy"年"m"月"` shows `2024年12月`.
//!
//! Only what the form's cells use is understood: percents, literal text
//! around a number (`0"人"`, `#,##0.00"万元"`, `"约"0`, `0\人`), literal text
//! around a text (`@"人"`), and dates that show a year and month or a year
//! only. Every other format gives `None`, and the cell keeps the text the
//! importer gave it before formats were read. xls and ods workbooks are not
//! read here at all (see `table::read_workbook_inner`).
//!
//! The same pass over a sheet's XML notes the rows it keeps hidden, which
//! calamine does not pass on either.
//!
//! The parts are read from the zip through [`read_part`], bounded in size
//! and, for the XML parsers, in nodes: a hostile workbook costs at most that,
//! and a part beyond the bounds is read without its formats.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::ExcelDateTime;
use rust_decimal::{Decimal, RoundingStrategy};

use super::table::{MAX_COLS, MAX_ROWS};

/// Largest part read for its formats. A form's sheet is a few hundred
/// kilobytes of XML; a sheet of 200 000 cells (table.rs's bound) is about 10 MB.
const MAX_PART_BYTES: u64 = 16 * 1024 * 1024;
/// Largest number of XML nodes parsed in one part: about five per cell
/// for table.rs's 200 000 cells.
const MAX_NODES: u32 = 1_000_000;
/// Most decimals a format may ask for.
const MAX_DECIMALS: u32 = 20;

/// The formats of a workbook: its styles, and where each sheet is.
pub struct Formats<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// `<workbookPr date1904="1"/>`: serial numbers count from 1904.
    pub date1904: bool,
    /// The format of each cell style (`cellXfs` index); `None` for one
    /// shown as the importer shows it without formats.
    styles: Vec<Option<NumFmt>>,
    /// Sheet name → worksheet part (`xl/worksheets/sheet1.xml`).
    parts: HashMap<String, String>,
}

/// A sheet's cells that have a format [`NumFmt`] understands, and its
/// hidden rows.
#[derive(Default)]
pub struct SheetFormats<'f> {
    cells: HashMap<(u32, u32), &'f NumFmt>,
    /// Rows (from 0) the sheet keeps hidden, in order.
    pub hidden_rows: Vec<u32>,
}

impl SheetFormats<'_> {
    /// The format of the cell at row `row`, column `col` (from 0).
    pub fn at(&self, row: u32, col: u32) -> Option<&NumFmt> {
        self.cells.get(&(row, col)).copied()
    }
}

impl<'a> Formats<'a> {
    /// The workbook's styles and sheets; `None` when a part is missing,
    /// damaged or beyond the bounds (the workbook is then read as without
    /// formats or hidden rows). Without a styles part, no cell has a format.
    pub fn read(bytes: &'a [u8]) -> Option<Self> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let styles = match read_part(&mut zip, "xl/styles.xml") {
            Some(xml) => styles(&parse(&xml)?),
            None => Vec::new(),
        };
        let workbook_xml = read_part(&mut zip, "xl/workbook.xml")?;
        let rels_xml = read_part(&mut zip, "xl/_rels/workbook.xml.rels")?;
        let workbook = parse(&workbook_xml)?;
        let rels = parse(&rels_xml)?;
        let targets: HashMap<&str, &str> = rels
            .descendants()
            .filter(|n| n.has_tag_name("Relationship"))
            .filter_map(|n| Some((n.attribute("Id")?, n.attribute("Target")?)))
            .collect();
        let mut parts = HashMap::new();
        for s in workbook.descendants().filter(|n| n.has_tag_name("sheet")) {
            // `r:id`, in whichever namespace (transitional or strict).
            let id = s
                .attributes()
                .find(|a| a.name() == "id" && a.namespace().is_some())
                .map(|a| a.value());
            if let (Some(name), Some(target)) =
                (s.attribute("name"), id.and_then(|id| targets.get(id)))
            {
                parts.insert(name.to_string(), part_path(target));
            }
        }
        let date1904 = workbook
            .descendants()
            .find(|n| n.has_tag_name("workbookPr"))
            .and_then(|n| n.attribute("date1904"))
            .is_some_and(|v| v == "1" || v == "true");
        Some(Formats {
            zip,
            date1904,
            styles,
            parts,
        })
    }

    /// The formatted cells and hidden rows of sheet `name`; none when its
    /// part cannot be read within the bounds. The part is parsed only when
    /// a style has a format understood here or a row may be hidden.
    pub fn sheet(&mut self, name: &str) -> SheetFormats<'_> {
        let mut out = SheetFormats::default();
        let Some(part) = self.parts.get(name) else {
            return out;
        };
        let Some(xml) = read_part(&mut self.zip, part) else {
            return out;
        };
        let formats = self.styles.iter().any(Option::is_some);
        if !formats && !xml.contains("hidden=") {
            return out;
        }
        let Some(doc) = parse(&xml) else {
            return out;
        };
        let mut row = 0u32;
        for r in doc.descendants().filter(|n| n.has_tag_name("row")) {
            row = r
                .attribute("r")
                .and_then(|v| v.parse::<u32>().ok())
                .and_then(|v| v.checked_sub(1))
                .unwrap_or(row);
            if r.attribute("hidden")
                .is_some_and(|v| v == "1" || v == "true")
                && row < MAX_ROWS
            {
                out.hidden_rows.push(row);
            }
            if !formats {
                row = row.saturating_add(1);
                continue;
            }
            let mut col = 0u32;
            for c in r.children().filter(|n| n.has_tag_name("c")) {
                let (at_row, at_col) = c
                    .attribute("r")
                    .and_then(cell_position)
                    .unwrap_or((row, col));
                col = at_col.saturating_add(1);
                if at_row >= MAX_ROWS || at_col >= MAX_COLS {
                    continue;
                }
                let style = c.attribute("s").and_then(|s| s.parse::<usize>().ok());
                if let Some(Some(f)) = style.and_then(|s| self.styles.get(s)) {
                    out.cells.insert((at_row, at_col), f);
                }
            }
            row = row.saturating_add(1);
        }
        out
    }
}

/// A part of the zip as text, at most [`MAX_PART_BYTES`] whatever its
/// entry claims; `None` when missing, larger, damaged or not UTF-8.
fn read_part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<String> {
    let file = zip.by_name(name).ok()?;
    if file.size() > MAX_PART_BYTES {
        return None;
    }
    let mut bytes = Vec::with_capacity(file.size() as usize);
    file.take(MAX_PART_BYTES + 1).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > MAX_PART_BYTES {
        return None;
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec()).ok()
}

fn parse(xml: &str) -> Option<roxmltree::Document<'_>> {
    let opt = roxmltree::ParsingOptions {
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(xml, opt).ok()
}

/// A relationship's target as a zip entry name: relative to `xl/`, or
/// absolute from the package's root.
fn part_path(target: &str) -> String {
    let mut segments: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        vec!["xl"]
    };
    for s in target.split('/') {
        match s {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    segments.join("/")
}

/// `E12` → (11, 4).
fn cell_position(r: &str) -> Option<(u32, u32)> {
    let letters = r.len()
        - r.trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .len();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = r[..letters].bytes().try_fold(0u32, |n, b| {
        Some(n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1))
    })?;
    let row: u32 = r[letters..].parse().ok()?;
    Some((row.checked_sub(1)?, col - 1))
}

/// Each cell style's format: `cellXfs`' `numFmtId`s, looked up in
/// `numFmts` and then among the built-in formats.
fn styles(doc: &roxmltree::Document<'_>) -> Vec<Option<NumFmt>> {
    let custom: HashMap<u32, &str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("numFmt"))
        .filter_map(|n| {
            Some((
                n.attribute("numFmtId")?.parse().ok()?,
                n.attribute("formatCode")?,
            ))
        })
        .collect();
    let Some(xfs) = doc.descendants().find(|n| n.has_tag_name("cellXfs")) else {
        return Vec::new();
    };
    let mut parsed: HashMap<u32, Option<NumFmt>> = HashMap::new();
    xfs.children()
        .filter(|n| n.has_tag_name("xf"))
        .map(|xf| {
            let id: u32 = xf.attribute("numFmtId")?.parse().ok()?;
            parsed
                .entry(id)
                .or_insert_with(|| {
                    custom
                        .get(&id)
                        .copied()
                        .or_else(|| builtin(id))
                        .and_then(NumFmt::parse)
                })
                .clone()
        })
        .collect()
}

/// The built-in formats that matter here: percents and dates (with the
/// zh-CN meaning of the locale-dependent ids 27–58).
fn builtin(id: u32) -> Option<&'static str> {
    Some(match id {
        9 => "0%",
        10 => "0.00%",
        14 => "m/d/yyyy",
        15 => "d-mmm-yy",
        16 => "d-mmm",
        17 => "mmm-yy",
        27 | 36 | 50 | 52 | 57 => "yyyy\"年\"m\"月\"",
        28 | 29 | 51 | 53 | 54 | 58 => "m\"月\"d\"日\"",
        30 => "m-d-yy",
        31 => "yyyy\"年\"m\"月\"d\"日\"",
        _ => return None,
    })
}

/// A number format as far as it is understood here.
#[derive(Debug, Clone, PartialEq)]
pub struct NumFmt {
    /// The first section: positive numbers (and zero with fewer than three
    /// sections), and dates.
    first: Section,
    /// How many `;`-separated sections the code has.
    sections: usize,
    /// The text section (`@` with literals around it), when it adds any.
    text: Option<Vec<Piece>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Section {
    Number(Number),
    Date(DateShape),
    /// Anything else: shown as without formats.
    Other,
}

/// A number between literals: `"≥"0%`, `#,##0.00"万元"`.
#[derive(Debug, Clone, PartialEq)]
struct Number {
    prefix: String,
    suffix: String,
    /// How many `%` (each multiplies by 100).
    percent: u32,
    body: Body,
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    /// `General`: the number as the importer writes it.
    General,
    Digits {
        /// `0`s before the point: integer digits always shown.
        int_min: usize,
        /// `#,##0`: thousands separators.
        grouping: bool,
        /// A decimal point is shown.
        point: bool,
        /// `0`s after the point, and all placeholders after it.
        dec_min: u32,
        dec_max: u32,
    },
}

/// What a date format shows, as far as it changes the form's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateShape {
    /// `yyyy"年"m"月"`: `2024年12月`.
    YearMonth,
    /// `yyyy"年"`: `2024年`.
    Year,
    /// A full date (`2024年12月31日`, the form's way) or month and day.
    Full,
    /// A time of day, or a format not understood: shown as without formats.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Literal(String),
    /// `@`: the cell's text.
    Text,
}

/// A token of one section.
enum Tok {
    /// Quoted or escaped text, shown as it is.
    Literal(String),
    /// A character outside quotes.
    Char(char),
    /// `[...]`: a colour, a locale, a condition.
    Bracket(String),
    /// `General` (`G/通用格式` in Chinese Excel and WPS).
    General,
}

impl NumFmt {
    /// `None` when nothing in `code` changes what the importer shows.
    pub fn parse(code: &str) -> Option<NumFmt> {
        let sections = split_sections(code)?;
        let first = sections.first().map_or(Section::Other, |s| section(s));
        let text = sections
            .last()
            .filter(|s| s.contains('@'))
            .and_then(|s| text_section(s));
        let f = NumFmt {
            first,
            sections: sections.len(),
            text,
        };
        (f.first != Section::Other || f.text.is_some()).then_some(f)
    }

    /// Whether numbers under this format are dates (calamine already reads
    /// most such cells as dates; the zh-CN built-in ids it reads as numbers).
    pub fn is_date(&self) -> bool {
        matches!(
            self.first,
            Section::Date(DateShape::YearMonth | DateShape::Year | DateShape::Full)
        )
    }

    /// A number as the format shows it; `None` for a negative number, a
    /// zero with a zero section, and formats not understood.
    pub fn number(&self, n: Decimal) -> Option<String> {
        let Section::Number(f) = &self.first else {
            return None;
        };
        if (n.is_sign_negative() && !n.is_zero()) || (n.is_zero() && self.sections >= 3) {
            return None;
        }
        let mut v = n;
        for _ in 0..f.percent {
            v = v.checked_mul(Decimal::ONE_HUNDRED)?;
        }
        let digits = match f.body {
            Body::General => v.normalize().to_string(),
            Body::Digits {
                int_min,
                grouping,
                point,
                dec_min,
                dec_max,
            } => {
                let mut r =
                    v.round_dp_with_strategy(dec_max, RoundingStrategy::MidpointAwayFromZero);
                r.rescale(dec_max);
                let s = r.abs().to_string();
                let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
                let mut frac = frac.to_string();
                while frac.len() > dec_min as usize && frac.ends_with('0') {
                    frac.pop();
                }
                let int = if int == "0" && int_min == 0 { "" } else { int };
                let mut int = format!("{int:0>int_min$}");
                if grouping {
                    int = group(&int);
                }
                if point { format!("{int}.{frac}") } else { int }
            }
        };
        Some(format!("{}{digits}{}", f.prefix, f.suffix))
    }

    /// A date as the format shows it, when that is not the form's full
    /// date: `2024年12月`, `2024年`.
    pub fn date(&self, d: &ExcelDateTime) -> Option<String> {
        if !d.is_datetime() {
            return None;
        }
        let (y, m, ..) = d.to_ymd_hms_milli();
        match self.first {
            Section::Date(DateShape::YearMonth) => Some(format!("{y}年{m}月")),
            Section::Date(DateShape::Year) => Some(format!("{y}年")),
            _ => None,
        }
    }

    /// A text cell with the literals of the text section around it.
    pub fn text(&self, s: &str) -> Option<String> {
        let pieces = self.text.as_ref()?;
        Some(
            pieces
                .iter()
                .map(|p| match p {
                    Piece::Literal(l) => l.as_str(),
                    Piece::Text => s,
                })
                .collect(),
        )
    }
}

/// `1234567` → `1,234,567`.
fn group(int: &str) -> String {
    let n = int.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The sections of a code, split at `;` outside quotes, escapes and
/// brackets; `None` for an unterminated quote.
fn split_sections(code: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped, mut bracket) = (0, false, false, false);
    for (i, c) in code.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '"' => quoted = !quoted,
            _ if quoted => {}
            '\\' | '_' | '*' => escaped = true,
            '[' => bracket = true,
            ']' => bracket = false,
            ';' if !bracket => {
                out.push(&code[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return None;
    }
    out.push(&code[start..]);
    Some(out)
}

/// The characters up to `end` (consumed, not returned); `None` when the
/// section ends first.
fn until(it: &mut std::str::CharIndices<'_>, end: char) -> Option<String> {
    let mut s = String::new();
    loop {
        match it.next()? {
            (_, c) if c == end => return Some(s),
            (_, c) => s.push(c),
        }
    }
}

fn tokens(section: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut it = section.char_indices();
    while let Some((i, c)) = it.next() {
        match c {
            '"' => out.push(Tok::Literal(until(&mut it, '"')?)),
            '\\' => out.push(Tok::Literal(it.next()?.1.to_string())),
            // Padding the width of the next character, or filling the cell
            // with it: nothing of the text.
            '_' | '*' => {
                it.next()?;
            }
            '[' => out.push(Tok::Bracket(until(&mut it, ']')?)),
            _ => {
                let rest = &section[i..];
                let keyword = ["general", "g/通用格式"].into_iter().find(|k| {
                    rest.get(..k.len())
                        .is_some_and(|r| r.eq_ignore_ascii_case(k))
                });
                match keyword {
                    Some(k) => {
                        for _ in 1..k.chars().count() {
                            it.next();
                        }
                        out.push(Tok::General);
                    }
                    None => out.push(Tok::Char(c)),
                }
            }
        }
    }
    Some(out)
}

/// What a bracket means: `Some(None)` for a colour or locale (nothing
/// shown), `Some(Some(symbol))` for a currency, `None` for a condition,
/// `[DBNum1]` numerals, an elapsed time and anything else.
fn bracket(b: &str) -> Option<Option<String>> {
    const COLOURS: [&str; 16] = [
        "black", "blue", "cyan", "green", "magenta", "red", "white", "yellow", "黑色", "蓝色",
        "青色", "绿色", "洋红", "红色", "白色", "黄色",
    ];
    let lower = b.to_ascii_lowercase();
    if COLOURS.contains(&lower.as_str()) {
        return Some(None);
    }
    for p in ["color", "颜色"] {
        if let Some(n) = lower.strip_prefix(p)
            && !n.is_empty()
            && n.chars().all(|c| c.is_ascii_digit())
        {
            return Some(None);
        }
    }
    let currency = b.strip_prefix('$')?;
    let symbol = currency.split('-').next().unwrap_or("");
    Some((!symbol.is_empty()).then(|| symbol.to_string()))
}

/// A character shown as it is without quotes.
fn is_literal(c: char) -> bool {
    !c.is_ascii() || " $-+():!^&'~{}<>=".contains(c)
}

fn section(s: &str) -> Section {
    let Some(toks) = tokens(s) else {
        return Section::Other;
    };
    let is_date = toks
        .iter()
        .any(|t| matches!(t, Tok::Char(c) if "yYmMdDhHsS".contains(*c)));
    if is_date {
        Section::Date(date_shape(&toks))
    } else {
        number_section(&toks).map_or(Section::Other, Section::Number)
    }
}

fn date_shape(toks: &[Tok]) -> DateShape {
    let (mut y, mut m, mut d) = (false, false, false);
    for t in toks {
        match t {
            Tok::Literal(_) => {}
            Tok::Bracket(b) => {
                if bracket(b).is_none() {
                    return DateShape::Other;
                }
            }
            Tok::General => return DateShape::Other,
            Tok::Char(c) => match c.to_ascii_lowercase() {
                'y' => y = true,
                'm' => m = true,
                'd' => d = true,
                // 上午/下午 (AM/PM) unquoted.
                '上' | '下' => return DateShape::Other,
                c if c.is_ascii_alphabetic() => return DateShape::Other,
                _ => {}
            },
        }
    }
    match (y, m, d) {
        (true, true, false) => DateShape::YearMonth,
        (true, false, false) => DateShape::Year,
        (_, true, true) => DateShape::Full,
        _ => DateShape::Other,
    }
}

/// A number with literals around it, when that shows more than the plain
/// number: a percent or a literal that is not only spaces.
fn number_section(toks: &[Tok]) -> Option<Number> {
    #[derive(PartialEq)]
    enum At {
        Before,
        Body,
        After,
    }
    let mut at = At::Before;
    let (mut prefix, mut suffix, mut body) = (String::new(), String::new(), String::new());
    let mut general = false;
    let mut percent = 0u32;
    let mut literal = |at: &mut At, s: &str| {
        if *at == At::Before {
            prefix.push_str(s);
        } else {
            *at = At::After;
            suffix.push_str(s);
        }
    };
    for t in toks {
        match t {
            Tok::Literal(s) => literal(&mut at, s),
            Tok::Bracket(b) => {
                if let Some(symbol) = bracket(b)? {
                    literal(&mut at, &symbol);
                }
            }
            Tok::General => {
                if at != At::Before {
                    return None;
                }
                general = true;
                at = At::Body;
            }
            Tok::Char('%') => {
                percent += 1;
                literal(&mut at, "%");
            }
            Tok::Char(c @ ('0' | '#' | '?' | '.' | ',')) => {
                if at == At::After || general {
                    return None;
                }
                at = At::Body;
                body.push(*c);
            }
            Tok::Char(c) if is_literal(*c) => literal(&mut at, &c.to_string()),
            Tok::Char(_) => return None,
        }
    }
    if prefix.trim().is_empty() && suffix.trim().is_empty() && percent == 0 {
        return None;
    }
    let body = if general {
        Body::General
    } else {
        digits(&body)?
    };
    Some(Number {
        prefix,
        suffix,
        percent,
        body,
    })
}

/// `#,##0.00` and the like; `None` for no placeholder, two points, or a
/// comma that scales by thousands.
fn digits(body: &str) -> Option<Body> {
    let (int, dec, point) = match body.split_once('.') {
        Some((i, d)) => (i, d, true),
        None => (body, "", false),
    };
    let placeholder = |c: char| matches!(c, '0' | '#' | '?');
    if dec.contains(['.', ',']) || int.ends_with(',') || !body.contains(placeholder) {
        return None;
    }
    let dec_max = dec.chars().count() as u32;
    if dec_max > MAX_DECIMALS {
        return None;
    }
    Some(Body::Digits {
        int_min: int.matches('0').count(),
        grouping: int.contains(','),
        point,
        dec_min: dec.matches('0').count() as u32,
        dec_max,
    })
}

/// The text section's pieces, when it adds a literal to the text.
fn text_section(s: &str) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    for t in tokens(s)? {
        pieces.push(match t {
            Tok::Literal(l) => Piece::Literal(l),
            Tok::Char('@') => Piece::Text,
            Tok::Char(c) if is_literal(c) => Piece::Literal(c.to_string()),
            Tok::Bracket(b) => match bracket(&b)? {
                Some(symbol) => Piece::Literal(symbol),
                None => continue,
            },
            Tok::Char(_) | Tok::General => return None,
        });
    }
    pieces
        .iter()
        .any(|p| matches!(p, Piece::Literal(l) if !l.trim().is_empty()))
        .then_some(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn shown(code: &str, n: &str) -> Option<String> {
        NumFmt::parse(code)?.number(Decimal::from_str(n).unwrap())
    }

    #[test]
    fn percents_show_the_value_times_a_hundred_with_the_formats_decimals() {
        assert_eq!(shown("0%", "1").as_deref(), Some("100%"));
        assert_eq!(shown("0%", "0.95").as_deref(), Some("95%"));
        assert_eq!(shown("0%", "0.955").as_deref(), Some("96%"));
        assert_eq!(shown("0.0%", "0.955").as_deref(), Some("95.5%"));
        assert_eq!(shown("0.00%", "0.9").as_deref(), Some("90.00%"));
        assert_eq!(shown("\"≥\"0%", "0.9").as_deref(), Some("≥90%"));
        assert_eq!(shown("0.0#%", "0.12345").as_deref(), Some("12.35%"));
        assert_eq!(shown("0.0#%", "0.5").as_deref(), Some("50.0%"));
    }

    #[test]
    fn literals_stand_around_the_number() {
        assert_eq!(shown("0\"人\"", "34").as_deref(), Some("34人"));
        assert_eq!(shown("0\\人", "34").as_deref(), Some("34人"));
        assert_eq!(shown("0人", "34").as_deref(), Some("34人"));
        assert_eq!(shown("\"约\"0", "500").as_deref(), Some("约500"));
        assert_eq!(
            shown("#,##0\"元\"", "2800000").as_deref(),
            Some("2,800,000元")
        );
        assert_eq!(shown("0.00\"万元\"", "37.8").as_deref(), Some("37.80万元"));
        assert_eq!(shown("0\"个\";-0\"个\"", "3").as_deref(), Some("3个"));
        assert_eq!(shown("[Red]0\"个\"", "3").as_deref(), Some("3个"));
        assert_eq!(shown("General\"人\"", "1.5").as_deref(), Some("1.5人"));
        assert_eq!(shown("G/通用格式\"人\"", "19").as_deref(), Some("19人"));
        assert_eq!(
            shown("[$¥-804]#,##0.00", "1046.8").as_deref(),
            Some("¥1,046.80")
        );
    }

    #[test]
    fn what_is_not_understood_is_shown_as_without_formats() {
        for code in [
            "General",
            "0",
            "0.00",
            "#,##0.00",
            "#,##0.00_ ",
            "0.00_);[Red]\\(0.00\\)",
            "@",
            "0.00E+00",
            "# ?/?",
            "#,##0,\"千\"",
            "[>100]0\"个\"",
            "[DBNum1]0\"个\"",
            "0\"个\"0",
        ] {
            assert_eq!(shown(code, "3"), None, "{code}");
        }
        // Negatives, and a zero with its own section.
        assert_eq!(shown("0\"人\"", "-3"), None);
        assert_eq!(shown("0\"人\";-0\"人\";\"无\"", "0"), None);
        assert_eq!(shown("0\"人\"", "0").as_deref(), Some("0人"));
    }

    #[test]
    fn dates_keep_what_they_show() {
        let shape = |code: &str| match NumFmt::parse(code).map(|f| f.first) {
            Some(Section::Date(s)) => s,
            _ => DateShape::Other,
        };
        assert_eq!(shape("yyyy\"年\"m\"月\""), DateShape::YearMonth);
        assert_eq!(shape("yyyy\"年\"m\"月\";@"), DateShape::YearMonth);
        assert_eq!(shape("yyyy年m月"), DateShape::YearMonth);
        assert_eq!(shape("[$-804]yyyy\"年\"mm\"月\""), DateShape::YearMonth);
        assert_eq!(shape("yyyy\"年\""), DateShape::Year);
        assert_eq!(shape("yyyy\"年\"m\"月\"d\"日\""), DateShape::Full);
        assert_eq!(shape("yyyy/m/d"), DateShape::Full);
        assert_eq!(shape("yyyy-mm-dd h:mm:ss"), DateShape::Other);
        assert_eq!(shape("[DBNum1]yyyy\"年\"m\"月\""), DateShape::Other);
        let d = ExcelDateTime::new(45627.0, calamine::ExcelDateTimeType::DateTime, false);
        let f = NumFmt::parse("yyyy\"年\"m\"月\"").unwrap();
        assert_eq!(f.date(&d).as_deref(), Some("2024年12月"));
        assert_eq!(NumFmt::parse("yyyy/m/d").unwrap().date(&d), None);
    }

    #[test]
    fn a_text_section_puts_its_literals_around_the_text() {
        let f = NumFmt::parse("@\"人\"").unwrap();
        assert_eq!(f.text("34").as_deref(), Some("34人"));
        assert_eq!(f.number(Decimal::from(34)), None);
        let f = NumFmt::parse("0\"个\";;;\"约\"@").unwrap();
        assert_eq!(f.text("5").as_deref(), Some("约5"));
        assert_eq!(NumFmt::parse("@"), None);
    }

    #[test]
    fn parts_and_cells_are_found_as_excel_names_them() {
        assert_eq!(
            part_path("worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            part_path("/xl/worksheets/sheet2.xml"),
            "xl/worksheets/sheet2.xml"
        );
        assert_eq!(part_path("../xl/worksheets/s.xml"), "xl/worksheets/s.xml");
        assert_eq!(cell_position("E12"), Some((11, 4)));
        assert_eq!(cell_position("AA1"), Some((0, 26)));
        assert_eq!(cell_position("12"), None);
        assert_eq!(cell_position("A0"), None);
    }
}

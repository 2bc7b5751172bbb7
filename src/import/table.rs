//! One view of a sheet, whatever it was read from: its non-empty cells,
//! each with its text as shown, its position and its merged range.
//!
//! The form recogniser (`import::form`) only ever sees a [`Table`]; the
//! readers here turn workbooks (xlsx, xls, ods, through calamine) and the
//! budget system's tab-separated text export into one. Every reader bounds
//! what it reads, so a hostile file ends in a Chinese error, not a hang.

use std::io::{Cursor, Read, Seek};
use std::str::FromStr;

use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, Sheets};
use rust_decimal::Decimal;

use super::xlsx_format::{Formats, NumFmt, SheetFormats};

/// Largest input file read, in bytes. A form is a few hundred kilobytes.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Largest total a workbook's parts may unpack to.
const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// Largest unpacking ratio of one part; real sheets stay far below it.
const MAX_RATIO: u64 = 250;
/// Rows and columns a form can use; cells beyond are refused.
pub const MAX_ROWS: u32 = 20_000;
pub const MAX_COLS: u32 = 256;
/// Non-empty cells read from one sheet.
const MAX_CELLS: usize = 200_000;

/// Where a table came from, which decides how cells are named in messages
/// and whether columns can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A worksheet: cells keep their columns, merged cells are ranges.
    Workbook,
    /// The budget system's text export: a merged cell appears once and the
    /// rows below it lack it, so columns shift.
    TextExport,
}

/// One non-empty cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Row and column from 0.
    pub row: u32,
    pub col: u32,
    /// Last row and column of its merged range (itself when not merged).
    pub last_row: u32,
    pub last_col: u32,
    /// The text as the cell shows it: lines joined with `\n`, trimmed. In
    /// an xlsx, with the cell's number format where it is one
    /// `xlsx_format` understands (`0%` shows `1` as `100%`).
    pub text: String,
    /// The exact value of a numeric cell (the shortest decimal that reads
    /// back as the stored binary number), whatever its format shows;
    /// `None` for a text cell, so a text amount is never read through `f64`.
    pub number: Option<Decimal>,
}

/// A sheet's non-empty cells, row by row, left to right.
#[derive(Debug, Clone)]
pub struct Table {
    /// The sheet's name, or the file's stem for a text export.
    pub name: String,
    pub origin: Origin,
    pub cells: Vec<Cell>,
    /// Formula cells that the workbook holds no result for (a workbook
    /// written by a program and never opened in Excel or WPS): row, column
    /// and the formula. Read as blank, since jixiao does not compute them.
    pub uncomputed: Vec<(u32, u32, String)>,
    /// A sheet the workbook keeps hidden.
    pub hidden: bool,
    /// Rows (from 0) the sheet keeps hidden, in order.
    pub hidden_rows: Vec<u32>,
}

impl Table {
    /// `Sheet1!E12`, or `第14行第3列` for the text export.
    pub fn cell_ref(&self, c: &Cell) -> String {
        self.ref_at(c.row, c.col)
    }

    /// [`Table::cell_ref`] of the cell at `row`, `col` (from 0).
    pub fn ref_at(&self, row: u32, col: u32) -> String {
        match self.origin {
            Origin::Workbook => format!("{}!{}", self.name, a1(row, col)),
            Origin::TextExport => format!("第{}行第{}列", row + 1, col + 1),
        }
    }

    /// The cells of one row, left to right.
    pub fn row(&self, row: u32) -> impl Iterator<Item = (usize, &Cell)> {
        let start = self.cells.partition_point(|c| c.row < row);
        self.cells[start..]
            .iter()
            .enumerate()
            .take_while(move |(_, c)| c.row == row)
            .map(move |(i, c)| (start + i, c))
    }

    /// The last row holding a cell, plus one.
    pub fn rows(&self) -> u32 {
        self.cells.last().map_or(0, |c| c.row + 1)
    }

    fn sort(&mut self) {
        self.cells.sort_by_key(|c| (c.row, c.col));
    }
}

/// `E12` for row 11, column 4.
pub fn a1(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let r = (n - 1) % 26;
        letters.push(char::from(b'A' + r as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

/// Why a file could not be read as tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(pub String);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

fn fail<T>(msg: impl Into<String>) -> Result<T, ReadError> {
    Err(ReadError(msg.into()))
}

/// What the bytes are, judged by their first bytes rather than the file's
/// name (a clerk's `.xls` is often an `.xlsx` renamed, and back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Zip,
    Ole,
    Text,
}

fn sniff(bytes: &[u8]) -> Container {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Container::Zip
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Container::Ole
    } else {
        Container::Text
    }
}

/// Reads every sheet of a file. `stem` names a text export's only table;
/// `ext` (lower case, no dot) says whether a file that is not a zip was
/// meant to be a workbook.
pub fn read(bytes: &[u8], stem: &str, ext: &str) -> Result<Vec<Table>, ReadError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return fail(format!(
            "文件有 {} MB，超过可读取的上限 {} MB，不像是一份绩效目标表",
            bytes.len() / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    let workbook_ext = matches!(ext, "xlsx" | "xlsm" | "xls" | "ods" | "xlsb");
    match sniff(bytes) {
        Container::Zip => {
            check_zip(bytes)?;
            read_workbook(bytes)
        }
        Container::Ole => {
            if is_encrypted_ooxml(bytes) {
                return fail(
                    "工作簿设有打开密码（已加密），无法读取；请在 Excel/WPS 中取消密码后另存，再导入",
                );
            }
            read_workbook(bytes)
        }
        Container::Text if workbook_ext => fail(format!(
            "文件扩展名是 .{ext}，但内容不是 Excel/WPS 工作簿（不是 zip 压缩包，也不是旧版 .xls）；文件可能已损坏，或只是改了扩展名"
        )),
        Container::Text => Ok(vec![read_text(bytes, stem)?]),
    }
}

/// An encrypted xlsx is an OLE file holding an `EncryptedPackage` stream;
/// its directory names are UTF-16.
fn is_encrypted_ooxml(bytes: &[u8]) -> bool {
    let name: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.windows(name.len()).any(|w| w == name.as_slice())
}

/// Refuses a zip whose parts would unpack to far more than any form: the
/// sizes come from the zip's central directory, before anything is unpacked.
fn check_zip(bytes: &[u8]) -> Result<(), ReadError> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const ENTRY: &[u8] = b"PK\x01\x02";
    let corrupt = || {
        ReadError(
            "工作簿文件已损坏（zip 目录不完整），无法读取；请在 Excel/WPS 中打开后另存再导入"
                .into(),
        )
    };
    // The end record sits in the last 64 KiB + 22 bytes.
    let tail_start = bytes.len().saturating_sub(65_557);
    let eocd = bytes[tail_start..]
        .windows(4)
        .rposition(|w| w == EOCD)
        .map(|p| tail_start + p)
        .ok_or_else(corrupt)?;
    let u16_at = |p: usize| -> Option<u64> {
        bytes
            .get(p..p + 2)
            .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let u32_at = |p: usize| -> Option<u64> {
        bytes
            .get(p..p + 4)
            .map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
    };
    let entries = u16_at(eocd + 10).ok_or_else(corrupt)?;
    let dir = u32_at(eocd + 16).ok_or_else(corrupt)? as usize;
    let mut at = dir;
    let mut total: u64 = 0;
    for _ in 0..entries {
        if bytes.get(at..at + 4) != Some(ENTRY) {
            return Err(corrupt());
        }
        let packed = u32_at(at + 20).ok_or_else(corrupt)?;
        let unpacked = u32_at(at + 24).ok_or_else(corrupt)?;
        let name_len = u16_at(at + 28).ok_or_else(corrupt)? as usize;
        let extra_len = u16_at(at + 30).ok_or_else(corrupt)? as usize;
        let comment_len = u16_at(at + 32).ok_or_else(corrupt)? as usize;
        // 0xFFFFFFFF means the size is in a zip64 record: more than 4 GB.
        if unpacked == u64::from(u32::MAX) || unpacked > packed.max(1) * MAX_RATIO {
            return fail("工作簿中的数据解压后异常巨大（疑似“zip 炸弹”），为安全起见不予读取");
        }
        total += unpacked;
        at += 46 + name_len + extra_len + comment_len;
    }
    if total > MAX_UNPACKED_BYTES {
        return fail("工作簿中的数据解压后异常巨大（疑似“zip 炸弹”），为安全起见不予读取");
    }
    Ok(())
}

/// A workbook's sheets. The parsers are third-party code fed hostile
/// bytes: should one of them panic, that is a damaged file, not a crash.
fn read_workbook(bytes: &[u8]) -> Result<Vec<Table>, ReadError> {
    std::panic::catch_unwind(|| read_workbook_inner(bytes))
        .unwrap_or_else(|_| fail("无法读取工作簿：文件已损坏；请在 Excel/WPS 中打开后另存，再导入"))
}

fn read_workbook_inner(bytes: &[u8]) -> Result<Vec<Table>, ReadError> {
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(open_error)?;
    // Sheets of cells only: a chart sheet holds none.
    let sheets: Vec<(String, bool)> = wb
        .sheets_metadata()
        .iter()
        .filter(|s| !matches!(s.typ, calamine::SheetType::ChartSheet))
        .map(|s| (s.name.clone(), s.visible != calamine::SheetVisible::Visible))
        .collect();
    // Number formats are read for xlsx and xlsm only; calamine passes on
    // none, so xls, xlsb and ods cells keep the text of their bare value.
    let mut formats = match &wb {
        Sheets::Xlsx(_) => Formats::read(bytes),
        _ => None,
    };
    let mut tables = Vec::new();
    for (name, hidden) in sheets {
        let mut t = match &mut wb {
            Sheets::Xlsx(x) => {
                let date1904 = formats.as_ref().is_some_and(|f| f.date1904);
                let shown = formats.as_mut().map(|f| f.sheet(&name)).unwrap_or_default();
                xlsx_sheet(x, &name, &shown, date1904)?
            }
            other => ranged_sheet(other, &name)?,
        };
        t.sort();
        t.hidden = hidden;
        tables.push(t);
    }
    Ok(tables)
}

fn open_error(e: calamine::Error) -> ReadError {
    use calamine::{Error, XlsError};
    match e {
        Error::Xls(XlsError::Password) => ReadError(
            "工作簿设有密码保护，无法读取；请在 Excel/WPS 中取消密码后另存，再导入".into(),
        ),
        e => ReadError(format!(
            "无法读取工作簿，文件可能已损坏或不是 Excel/WPS 格式（{e}）"
        )),
    }
}

/// An xlsx sheet, streamed cell by cell so a sheet that claims a million
/// rows costs nothing until its cells are read, and too many stop the read.
fn xlsx_sheet<RS: Read + Seek>(
    wb: &mut calamine::Xlsx<RS>,
    name: &str,
    formats: &SheetFormats<'_>,
    date1904: bool,
) -> Result<Table, ReadError> {
    let bad = |e: calamine::XlsxError| {
        ReadError(format!("无法读取工作表“{name}”，文件可能已损坏（{e}）"))
    };
    let merges = match wb.worksheet_merge_cells(name) {
        Some(r) => r.map_err(bad)?,
        None => Vec::new(),
    };
    let mut cells = Vec::new();
    // Cells written out with no value: a formula without its result, or
    // (harmless) an empty cell written long-hand.
    let mut valueless = std::collections::HashSet::new();
    {
        let mut reader = wb.worksheet_cells_reader(name).map_err(bad)?;
        while let Some(c) = reader.next_cell().map_err(bad)? {
            let (row, col) = c.get_position();
            // `<v/>` (as some programs write a formula's missing result)
            // reads as an empty string.
            let empty = match c.get_value() {
                calamine::DataRef::Empty => true,
                calamine::DataRef::String(s) => s.is_empty(),
                calamine::DataRef::SharedString(s) => s.is_empty(),
                _ => false,
            };
            if empty && valueless.len() < MAX_UNCOMPUTED {
                valueless.insert((row, col));
            }
            let data = Data::from(c.get_value().clone());
            let shown = formats
                .at(row, col)
                .and_then(|f| formatted(f, &data, date1904));
            let Some(value) = shown.or_else(|| value_of(&data)) else {
                continue;
            };
            push(&mut cells, name, row, col, value)?;
        }
    }
    let uncomputed = if valueless.is_empty() {
        Vec::new()
    } else {
        formulas_at(wb, name, &valueless)
    };
    Ok(Table {
        name: name.to_string(),
        origin: Origin::Workbook,
        cells: merged(cells, &merges),
        uncomputed,
        hidden: false,
        hidden_rows: formats.hidden_rows.clone(),
    })
}

/// Most formula cells without a result reported per sheet.
const MAX_UNCOMPUTED: usize = 1000;

/// The formulas of the cells at `at`, read in a second pass over the sheet
/// (only when some cell had no value, which a workbook saved by Excel or
/// WPS seldom has). A sheet whose formulas cannot be read gives none: the
/// values were read already.
fn formulas_at<RS: Read + Seek>(
    wb: &mut calamine::Xlsx<RS>,
    name: &str,
    at: &std::collections::HashSet<(u32, u32)>,
) -> Vec<(u32, u32, String)> {
    let mut found = Vec::new();
    let Ok(mut reader) = wb.worksheet_cells_reader(name) else {
        return found;
    };
    while let Ok(Some(c)) = reader.next_formula() {
        let (row, col) = c.get_position();
        let f = c.get_value().trim();
        if !f.is_empty() && at.contains(&(row, col)) {
            found.push((row, col, f.trim_start_matches('=').to_string()));
        }
    }
    found.sort();
    found
}

/// An xls or ods sheet, read whole (these formats are bounded by the file
/// size check).
fn ranged_sheet<RS: Read + Seek>(wb: &mut Sheets<RS>, name: &str) -> Result<Table, ReadError> {
    let range = wb
        .worksheet_range(name)
        .map_err(|e| ReadError(format!("无法读取工作表“{name}”，文件可能已损坏（{e}）")))?;
    let merges = match wb {
        Sheets::Xls(x) => x.worksheet_merge_cells(name).unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut cells = Vec::new();
    for (row, col, v) in range.used_cells() {
        let (row, col) = (
            range.start().map_or(0, |s| s.0) + row as u32,
            range.start().map_or(0, |s| s.1) + col as u32,
        );
        let Some(value) = value_of(v) else {
            continue;
        };
        push(&mut cells, name, row, col, value)?;
    }
    Ok(Table {
        name: name.to_string(),
        origin: Origin::Workbook,
        cells: merged(cells, &merges),
        uncomputed: Vec::new(),
        hidden: false,
        hidden_rows: Vec::new(),
    })
}

/// A cell's value as the importer keeps it; `None` for an empty cell.
fn value_of(v: &Data) -> Option<Value> {
    Some(match v {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Int(i) => Value::Number(Decimal::from(*i)),
        Data::Float(f) => Value::Float(*f),
        Data::Bool(b) => Value::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(d) => Value::Text(date_text(d)),
        Data::Error(e) => Value::Text(format!("#{e:?}")),
        Data::Empty => return None,
    })
}

/// A cell as its number format shows it, for the formats `xlsx_format`
/// understands; `None` keeps [`value_of`]'s value.
fn formatted(f: &NumFmt, v: &Data, date1904: bool) -> Option<Value> {
    let number = |n: Decimal| f.number(n).map(|text| Value::Shown { text, number: n });
    match v {
        // A date format calamine does not know (the zh-CN built-in ids):
        // a serial number from 1900 (or 1904) up to the year 9999.
        Data::Float(x) if f.is_date() && (0.0..2_958_466.0).contains(x) => {
            let d = ExcelDateTime::new(*x, ExcelDateTimeType::DateTime, date1904);
            Some(Value::Text(f.date(&d).unwrap_or_else(|| date_text(&d))))
        }
        Data::Float(x) => number(float_decimal(*x)?),
        Data::Int(i) => number(Decimal::from(*i)),
        Data::DateTime(d) => f.date(d).map(Value::Text),
        Data::String(s) => f.text(s).map(Value::Text),
        _ => None,
    }
}

/// A date cell as the form writes dates, `2024年12月31日` (Excel turns
/// such a text into a date as it is typed); a time of day is kept.
fn date_text(d: &calamine::ExcelDateTime) -> String {
    if !d.is_datetime() {
        return d.to_string();
    }
    let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
    if (h, min, s) == (0, 0, 0) {
        format!("{y}年{m}月{day}日")
    } else {
        format!("{y}年{m}月{day}日 {h:02}:{min:02}")
    }
}

enum Value {
    Text(String),
    Number(Decimal),
    Float(f64),
    /// A number and the text its format shows.
    Shown {
        text: String,
        number: Decimal,
    },
}

fn push(cells: &mut Vec<Cell>, sheet: &str, row: u32, col: u32, v: Value) -> Result<(), ReadError> {
    if row >= MAX_ROWS || col >= MAX_COLS || cells.len() >= MAX_CELLS {
        return fail(format!(
            "工作表“{sheet}”的内容超出一张绩效目标表的范围（单元格 {}），不予读取",
            a1(row, col)
        ));
    }
    let (text, number) = match v {
        Value::Text(s) => (clean(&s), None),
        Value::Number(d) => (d.to_string(), Some(d)),
        Value::Float(f) => match float_decimal(f) {
            Some(d) => (d.normalize().to_string(), Some(d)),
            None => (f.to_string(), None),
        },
        Value::Shown { text, number } => (clean(&text), Some(number)),
    };
    if text.is_empty() {
        return Ok(());
    }
    cells.push(Cell {
        row,
        col,
        last_row: row,
        last_col: col,
        text,
        number,
    });
    Ok(())
}

/// The shortest decimal that reads back as `f` (what Excel shows with
/// enough digits), exactly; `None` for NaN, infinities and numbers beyond
/// a decimal's range.
pub fn float_decimal(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    Decimal::from_str(&format!("{f}")).ok()
}

/// Gives each cell its merged range; a merge's other cells are dropped
/// when empty (a merge that hides text keeps that text as its own cell).
fn merged(mut cells: Vec<Cell>, merges: &[calamine::Dimensions]) -> Vec<Cell> {
    for m in merges {
        if let Some(c) = cells
            .iter_mut()
            .find(|c| (c.row, c.col) == (m.start.0, m.start.1))
        {
            c.last_row = m.end.0.max(c.row);
            c.last_col = m.end.1.max(c.col);
        }
    }
    cells
}

/// Line breaks as `\n`, each line trimmed, blank lines dropped.
fn clean(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The budget system's export: one line a row, cells split by tabs, HTML
/// paragraphs and entities inside cells.
pub fn read_text(bytes: &[u8], stem: &str) -> Result<Table, ReadError> {
    let text = decode_text(bytes)?;
    let mut cells = Vec::new();
    for (row, line) in text.lines().enumerate() {
        let row = row as u32;
        for (col, raw) in line.split('\t').enumerate() {
            let col = col as u32;
            let t = clean(&html_text(raw));
            if t.is_empty() {
                continue;
            }
            if row >= MAX_ROWS || col >= MAX_COLS || cells.len() >= MAX_CELLS {
                return fail(format!(
                    "文本文件超出一张绩效目标表的范围（第{}行第{}列），不予读取",
                    row + 1,
                    col + 1
                ));
            }
            cells.push(Cell {
                row,
                col,
                last_row: row,
                last_col: col,
                text: t,
                number: None,
            });
        }
    }
    if cells.is_empty() {
        return fail("文件是空的，没有任何内容");
    }
    Ok(Table {
        name: stem.to_string(),
        origin: Origin::TextExport,
        cells,
        uncomputed: Vec::new(),
        hidden: false,
        hidden_rows: Vec::new(),
    })
}

/// UTF-8 (with or without a byte order mark), UTF-16 with a mark, or
/// GB18030 (what the budget system writes on a Chinese Windows). Bytes that
/// are none of these are not a text export.
fn decode_text(bytes: &[u8]) -> Result<String, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    for (bom, enc) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return enc
                .decode_without_bom_handling_and_without_replacement(rest)
                .map(|s| s.into_owned())
                .ok_or_else(|| ReadError("文本文件是 UTF-16 编码，但其中有损坏的字符".into()));
        }
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
        .ok_or_else(|| {
            ReadError("文件既不是工作簿，也不是可识别编码（UTF-8、GBK）的文本导出文件".into())
        })
}

/// A cell of the export as text: `<p>` and `<br>` become line breaks, other
/// tags go, entities are decoded.
pub fn html_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        match after.find('>') {
            Some(close) => {
                let tag = after[1..close].trim().to_ascii_lowercase();
                let name = tag
                    .trim_start_matches('/')
                    .split(|c: char| c.is_whitespace() || c == '/')
                    .next()
                    .unwrap_or("");
                if matches!(name, "p" | "br" | "div" | "li") {
                    out.push('\n');
                } else if !is_tag_name(name) {
                    // Not a tag: a `<` in the text itself.
                    out.push_str(&after[..=close]);
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    entities(&out)
}

fn is_tag_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `&nbsp;` `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` `&#NNN;` `&#xHH;`.
fn entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let semi = after.find(';').filter(|&i| i <= 10);
        let decoded = semi.and_then(|i| {
            let name = &after[1..i];
            let c = match name {
                "nbsp" => Some(' '),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let n = if let Some(h) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                        u32::from_str_radix(h, 16).ok()
                    } else {
                        name.strip_prefix('#').and_then(|d| d.parse().ok())
                    };
                    n.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, i))
        });
        match decoded {
            Some((c, i)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_excel_names_them() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(11, 4), "E12");
        assert_eq!(a1(0, 25), "Z1");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(2, 702), "AAA3");
    }

    #[test]
    fn html_in_export_cells_becomes_text() {
        assert_eq!(
            clean(&html_text("<p>目标1: 甲。</p> <p>目标2: 乙&amp;丙</p>")),
            "目标1: 甲。\n目标2: 乙&丙"
        );
        assert_eq!(html_text("a<br>b<BR/>c"), "a\nb\nc");
        assert_eq!(
            html_text("&lt;x&gt; &quot;q&quot; &#8805;90% &#x4E00;"),
            "<x> \"q\" ≥90% 一"
        );
        assert_eq!(html_text("1 < 2 & 3"), "1 < 2 & 3");
        assert_eq!(html_text("&nbsp;x&unknown;"), " x&unknown;");
    }

    #[test]
    fn text_export_keeps_line_and_column() {
        let t = read_text("a\tb\n\t\tc&amp;\n".as_bytes(), "x").unwrap();
        let c = &t.cells[2];
        assert_eq!((c.row, c.col, c.text.as_str()), (1, 2, "c&"));
        assert_eq!(t.cell_ref(c), "第2行第3列");
    }

    #[test]
    fn not_a_zip_is_a_clear_error() {
        let e = read(b"hello", "x", "xlsx").unwrap_err();
        assert!(e.0.contains("不是 zip"), "{e}");
        let e = read(b"PK\x03\x04garbage", "x", "xlsx").unwrap_err();
        assert!(e.0.contains("损坏"), "{e}");
    }

    #[test]
    fn floats_become_their_shortest_decimal() {
        assert_eq!(float_decimal(37.8).unwrap().to_string(), "37.8");
        assert_eq!(
            float_decimal(0.1 + 0.2).unwrap().to_string(),
            "0.30000000000000004"
        );
        assert_eq!(float_decimal(f64::NAN), None);
    }
}

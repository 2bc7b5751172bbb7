//! The workbook for the finance bureau (财政分局): the same table as the PDF,
//! cell for cell, with amounts as numbers it can add up.
//!
//! Pipeline: [`Document`] → [`Grid`] (every cell placed, texts from the
//! `View`) → here, where cells only get drawn: formats, merged ranges, row
//! heights and print setup. Like the PDF, the result is bytes; writing files
//! is `files::write_atomic`'s job.
//!
//! Decisions worth knowing:
//! - Texts are always written with `write_string`: a text such as `=1+1` or
//!   `@SUM(A1)` stays a text, never a formula.
//! - Amounts go from `Decimal` to `f64` only at the cell, formatted
//!   `#,##0.00` so they show as the PDF prints them; a blank amount is an
//!   empty cell, never 0.
//! - Excel does not grow a row for wrapped text in merged cells (and grows
//!   it for no cell of a file it did not lay out itself), so row heights are
//!   computed here from each text's display width (CJK counts as two Latin
//!   characters) and the width of the columns it spans.
//! - Output is deterministic: the document date is the PDF's (1 January of
//!   the budget year, or `SOURCE_DATE_EPOCH`), never the clock, so the same
//!   form gives the same bytes.
//!
//! # Sheet columns
//!
//! Part 1 of the form has five columns (label | c1 | c2 | c3 | c4) and part 2
//! six (label | 一级 | 二级 | 三级 | 实施周期指标值 | 年度指标值). One worksheet
//! holds both in six sheet columns: part 2 maps one to one, and part 1's c1
//! spans B:C, which are part 2's two narrow label columns (一级 and 二级) and
//! together about as wide as the PDF's c1. Every amount and count therefore
//! sits alone in a single, unmerged cell of D, E or F, where a formula or a
//! sum can reach it. The title and the year line span A:F.
//!
//! | sheet column | part 1 | part 2 |
//! |---|---|---|
//! | A | row label | 绩效指标; 满意度调查（服务对象满意度） spans A:D |
//! | B:C | c1: 财政供养人员数, the budget labels, 名称 (任务N: …) | B 一级指标, C 二级指标 |
//! | D | c2: counts, 预算金额(万元), 主要实施内容 | 三级指标 |
//! | E | c3: 下属二级单位数, 收入来源 / 按预算级次划分, 拟投入的资金 | 实施周期指标值 |
//! | F | c4: counts, 预算金额(万元), 期望达到的目标(概述) | 年度指标值 |

pub mod summary;

use anyhow::{Context, Result, bail};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use unicode_width::UnicodeWidthChar;

use crate::layout::grid::{Cell, Grid, Kind, Part};
use crate::layout::measure::{self, BODY_PT, SUBTITLE_PT, TITLE_PT};
use crate::model::Document;
use crate::names;
use crate::render::date::DocDate;

/// Sheet columns the form occupies (A–F).
pub const COLUMNS: u16 = 6;

/// Part 1's five columns (label, c1, c2, c3, c4) as (first sheet column,
/// sheet columns spanned).
const PART1: [(u16, u16); 5] = [(0, 1), (1, 2), (3, 1), (4, 1), (5, 1)];

/// A grid cell moved from form columns to sheet columns.
pub fn on_sheet(cell: &Cell) -> Cell {
    let (col, colspan) = match cell.part {
        Part::Title => (0, COLUMNS),
        Part::Budget => {
            let at = |c: u16| PART1.get(usize::from(c)).copied().unwrap_or((c, 1));
            let (first, _) = at(cell.col);
            let (last, span) = at(cell.last_col());
            (first, last + span - first)
        }
        Part::Indicators => (cell.col, cell.colspan),
    };
    Cell {
        col,
        colspan,
        ..cell.clone()
    }
}

/// Sheet column widths (A–F) in Excel's units: the width of one digit of the
/// workbook's default font, Calibri 11, i.e. 7 pixels plus 5 pixels of
/// padding per column. About 2.4 + 1.8 + 2.2 + 3.5 + 4.0 + 4.0 cm = 17.9 cm,
/// the PDF's text width; the PDF's own widths, averaged over its two parts,
/// decided the split (see `grid` for what each column holds).
const WIDTHS: [f64; COLUMNS as usize] = [12.5, 9.0, 11.0, 18.0, 21.0, 21.0];

/// 宋体 for the table; `charset 134` (GB2312) and family 3 are what Excel
/// itself writes for it, which makes a Chinese Excel pick the right face.
const BODY_FONT: &str = "宋体";
/// 黑体 for the title: every Chinese Windows has it (方正小标宋简体, the
/// official title face, is often missing and would fall back silently).
const TITLE_FONT: &str = "黑体";
const GB2312: u8 = 134;
const FAMILY_MODERN: u8 = 3;

/// Line height as a multiple of the font size. 宋体 itself needs about 1.3;
/// 1.45 leaves room for the fallback fonts of LibreOffice or WPS.
const LINE_SPACING: f64 = 1.45;
/// Space above and below the text of a cell, in points.
const CELL_PAD_PT: f64 = 6.0;
/// Pixels of a column not available to text (Excel's left and right inset).
const CELL_PAD_PX: f64 = 6.0;
/// Excel's largest row height, in points.
const MAX_ROW_PT: f64 = 409.0;
/// Excel's largest cell text, in UTF-16 code units.
const MAX_CELL_CHARS: usize = 32_767;

/// An empty workbook as jixiao saves them. Its parts are compressed at
/// deflate's level 3, not the default 6: compression was the largest part
/// of saving a town's workbook of a hundred sheets, and level 3 is faster
/// for files somewhat larger (level 1 would make them much larger).
pub fn new_workbook() -> Workbook {
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(3);
    wb
}

/// The workbook of one department: one worksheet named after it. Its date
/// is the one the PDF records (see [`DocDate`]): `source_date_epoch`, or
/// 1 January of the budget year.
pub fn workbook(doc: &Document, source_date_epoch: Option<i64>) -> Result<Vec<u8>> {
    let mut wb = new_workbook();
    wb.set_properties(&properties(doc, source_date_epoch));
    add_sheet(&mut wb, doc, &names::sheet_name(&doc.department))?;
    Ok(wb.save_to_buffer()?)
}

/// Document properties fixed by the form, so that output is reproducible:
/// title, department as author, town as company, and the document's date
/// ([`DocDate`]) as the creation date. A town workbook can use the first
/// department's, or build its own the same way.
pub fn properties(doc: &Document, source_date_epoch: Option<i64>) -> DocProperties {
    let props = DocProperties::new()
        .set_title(format!("{}部门整体预算绩效目标表", doc.town))
        .set_subject(format!("{}（{}年）", doc.department, doc.year))
        .set_author(&doc.department)
        .set_company(&doc.town)
        .set_keywords(format!("部门整体预算绩效目标表, {}", doc.year));
    dated(props, doc.year, source_date_epoch)
}

/// `props` with the document's date ([`DocDate`]) as its creation date.
pub(super) fn dated(
    props: DocProperties,
    year: i32,
    source_date_epoch: Option<i64>,
) -> DocProperties {
    match DocDate::new(year, source_date_epoch).excel() {
        Some(date) => props.set_creation_datetime(&date),
        None => props,
    }
}

/// Adds one department's form to `wb` as a worksheet named `sheet_name`
/// (use [`names::sheet_name`] to make one from the department). The sheet is built
/// apart and added only when complete, so on error `wb` is unchanged.
pub fn add_sheet(wb: &mut Workbook, doc: &Document, sheet_name: &str) -> Result<()> {
    if wb
        .worksheets()
        .iter()
        .any(|ws| names::same_sheet(&ws.name(), sheet_name))
    {
        bail!("工作表名称“{sheet_name}”已被使用，同一工作簿中不能重复");
    }
    wb.push_worksheet(form_sheet(doc, sheet_name)?);
    Ok(())
}

/// One department's form as a worksheet named `sheet_name`, apart from
/// any workbook (so a town's sheets can be drawn on several threads).
pub fn form_sheet(doc: &Document, sheet_name: &str) -> Result<Worksheet> {
    let mut ws = Worksheet::new();
    ws.set_name(sheet_name)
        .with_context(|| format!("工作表名称“{sheet_name}”不符合 Excel 的要求"))?;
    draw(&mut ws, &Grid::new(doc))?;
    Ok(ws)
}

/// The formats, made once per sheet.
struct Formats {
    title: Format,
    subtitle: Format,
    /// Labels and headings: bold, centred.
    label: Format,
    /// Texts: wrapped, top left.
    text: Format,
    /// `#,##0.00`, right.
    amount: Format,
    /// Whole numbers, right.
    count: Format,
}

impl Formats {
    fn new() -> Formats {
        let font = |name: &str, pt: f64| {
            Format::new()
                .set_font_name(name)
                .set_font_size(pt)
                .set_font_family(FAMILY_MODERN)
                .set_font_charset(GB2312)
        };
        let cell = || font(BODY_FONT, BODY_PT).set_border(FormatBorder::Thin);
        Formats {
            // Bold as well: where 黑体 is missing, the fallback still reads
            // as a heading.
            title: font(TITLE_FONT, TITLE_PT)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            subtitle: font(BODY_FONT, SUBTITLE_PT)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            label: cell()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            text: cell()
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::Top)
                .set_text_wrap(),
            amount: cell()
                .set_align(FormatAlign::Right)
                .set_align(FormatAlign::VerticalCenter)
                .set_num_format("#,##0.00"),
            count: cell()
                .set_align(FormatAlign::Right)
                .set_align(FormatAlign::VerticalCenter)
                .set_num_format("0"),
        }
    }

    fn of(&self, kind: Kind) -> &Format {
        match kind {
            Kind::Title => &self.title,
            Kind::Subtitle => &self.subtitle,
            Kind::RowLabel | Kind::Label | Kind::Header => &self.label,
            Kind::Text => &self.text,
            Kind::Amount | Kind::TaskAmount => &self.amount,
            Kind::Count => &self.count,
        }
    }
}

/// `A1`-style name of a cell, for messages.
fn cell_ref(row: u32, col: u16) -> String {
    let mut name = String::new();
    let mut c = u32::from(col) + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        name.insert(0, char::from(b'A' + rem as u8));
        c = (c - 1) / 26;
    }
    format!("{name}{}", row + 1)
}

fn draw(ws: &mut Worksheet, grid: &Grid) -> Result<()> {
    let formats = Formats::new();
    let cells: Vec<Cell> = grid.cells.iter().map(on_sheet).collect();
    for (col, width) in WIDTHS.iter().enumerate() {
        ws.set_column_width(col as u16, *width)?;
    }

    for cell in &cells {
        write_cell(ws, cell, formats.of(cell.kind))?;
    }

    for (row, height) in row_heights(&cells, grid.rows).into_iter().enumerate() {
        ws.set_row_height(row as u32, height)?;
    }

    // Print setup: A4 portrait, one page wide, centred, the PDF's margins,
    // the part-2 header on every page, numbered pages.
    let last_row = grid.rows.saturating_sub(1);
    print_on_a4(ws).set_portrait().set_screen_gridlines(false);
    ws.set_repeat_rows(grid.header_row, grid.header_row)?;
    ws.set_print_area(0, 0, last_row, COLUMNS - 1)?;
    Ok(())
}

/// The print setup every sheet shares: A4, one page wide, centred, the
/// PDF's margins, numbered pages. The caller sets the orientation.
fn print_on_a4(ws: &mut Worksheet) -> &mut Worksheet {
    let m = measure::MARGINS;
    ws.set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        .set_margins(
            measure::inches(m.x),
            measure::inches(m.x),
            measure::inches(m.top),
            measure::inches(m.bottom),
            0.3,
            0.3,
        )
        .set_footer("&C第 &P 页 共 &N 页")
}

fn write_cell(ws: &mut Worksheet, cell: &Cell, format: &Format) -> Result<()> {
    let (row, col) = (cell.row, cell.col);
    if cell.text.encode_utf16().count() > MAX_CELL_CHARS {
        let start: String = cell.text.chars().take(20).collect();
        bail!(
            "“{start}……”超过 Excel 单元格的上限 {MAX_CELL_CHARS} 个字符（单元格 {}），无法写入工作簿",
            cell_ref(row, col)
        );
    }
    if cell.is_merged() {
        // merge_range writes a string; a number is written over its first
        // cell below, with the same format, as rust_xlsxwriter documents.
        ws.merge_range(
            row,
            col,
            cell.last_row(),
            cell.last_col(),
            if cell.kind.is_numeric() {
                ""
            } else {
                &cell.text
            },
            format,
        )?;
    }
    match cell.number {
        Some(n) if cell.kind.is_numeric() => {
            let value = n
                .to_f64()
                .with_context(|| format!("金额 {n} 无法写入工作簿"))?;
            ws.write_number_with_format(row, col, value, format)?;
        }
        // A blank amount stays an empty (but bordered) cell: blank is not 0.
        _ if cell.text.is_empty() => {
            if !cell.is_merged() {
                ws.write_blank(row, col, format)?;
            }
        }
        _ => {
            if !cell.is_merged() {
                ws.write_string_with_format(row, col, &cell.text, format)?;
            }
        }
    }
    Ok(())
}

/// Font size of a cell's text, in points.
fn font_pt(kind: Kind) -> f64 {
    match kind {
        Kind::Title => TITLE_PT,
        Kind::Subtitle => SUBTITLE_PT,
        _ => BODY_PT,
    }
}

/// A column's width in pixels, as Excel draws it (Calibri 11 default font).
fn column_px(col: u16) -> f64 {
    let w = WIDTHS.get(usize::from(col)).copied().unwrap_or(8.43);
    (w * 7.0 + 5.0).trunc()
}

/// The height (points) a cell needs for its text at its merged width.
fn needed_height(cell: &Cell) -> f64 {
    let px: f64 = (cell.col..=cell.last_col()).map(column_px).sum();
    text_height(&cell.text, font_pt(cell.kind), px)
}

/// Pixels of one half-width unit (a Latin character, half a CJK one) at
/// `pt`: half an em, pt × 96/72 ÷ 2.
fn unit_px(pt: f64) -> f64 {
    pt * 96.0 / 72.0 / 2.0
}

/// The height (points) `text` at `pt` needs in a column `px` pixels wide.
/// One unit of the width is kept spare for CJK line-breaking rules (no 。
/// or ，at the start of a line) and for bold faces.
fn text_height(text: &str, pt: f64, px: f64) -> f64 {
    let units = (((px - CELL_PAD_PX) / unit_px(pt)).floor() as usize)
        .saturating_sub(1)
        .max(2);
    let lines = wrapped_lines(text, units);
    lines as f64 * pt * LINE_SPACING + CELL_PAD_PT
}

/// The pixels a column needs to show `text` at `pt` on one line (its
/// longest, when it has several): the same measure as [`text_height`], so
/// a text in a column this wide takes one line there.
fn fitting_px(text: &str, pt: f64) -> u32 {
    let units = text
        .split('\n')
        .map(|line| {
            line.chars()
                .map(|c| c.width_cjk().unwrap_or(0))
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    ((units + 1) as f64 * unit_px(pt) + CELL_PAD_PX).ceil() as u32
}

/// Lines `text` takes when wrapped at `units` half-width units: each `\n`
/// starts a line; CJK breaks anywhere, a run of Latin letters and digits
/// moves to the next line whole (as Excel and LibreOffice wrap words) unless
/// it is longer than a line itself.
pub fn wrapped_lines(text: &str, units: usize) -> usize {
    let units = units.max(1);
    let mut total = 0;
    for line in text.split('\n') {
        let mut lines = 1;
        let mut used = 0;
        let mut word: Vec<usize> = Vec::new();
        let place = |word: &mut Vec<usize>, lines: &mut usize, used: &mut usize| {
            let w: usize = word.iter().sum();
            if *used + w <= units {
                *used += w;
            } else if w <= units {
                *lines += 1;
                *used = w;
            } else {
                for &cw in word.iter() {
                    if *used + cw > units {
                        *lines += 1;
                        *used = 0;
                    }
                    *used += cw;
                }
            }
            word.clear();
        };
        for c in line.chars() {
            // Ambiguous-width characters (①, “”, ≥, ：) are full width in
            // Chinese fonts, hence the CJK width.
            let cw = c.width_cjk().unwrap_or(0);
            if c.is_ascii_graphic() {
                word.push(cw);
            } else {
                place(&mut word, &mut lines, &mut used);
                word.push(cw);
                place(&mut word, &mut lines, &mut used);
            }
        }
        place(&mut word, &mut lines, &mut used);
        total += lines;
    }
    total.max(1)
}

/// Every row's height in points: the tallest single-row cell in it; then a
/// cell merged down several rows that needs more than they add up to gets
/// the difference on its last row.
fn row_heights(cells: &[Cell], rows: u32) -> Vec<f64> {
    let mut heights = vec![0.0_f64; rows as usize];
    let mut spanning: Vec<&Cell> = Vec::new();
    for cell in cells {
        if cell.rowspan > 1 {
            spanning.push(cell);
        } else if let Some(h) = heights.get_mut(cell.row as usize) {
            *h = h.max(needed_height(cell));
        }
    }
    // Shorter spans first, so an outer span sees its inner ones' growth.
    spanning.sort_by_key(|c| (c.rowspan, c.row, c.col));
    for cell in spanning {
        let rows = cell.row as usize..=cell.last_row() as usize;
        let have: f64 = heights.get(rows.clone()).map_or(0.0, |h| h.iter().sum());
        let need = needed_height(cell);
        if need > have
            && let Some(h) = heights.get_mut(*rows.end())
        {
            *h += need - have;
        }
    }
    // Whole pixels (0.75 pt), within Excel's limit; text beyond 409 pt in one
    // row can only be read in the cell itself.
    heights
        .into_iter()
        .map(|h| ((h / 0.75).ceil() * 0.75).min(MAX_ROW_PT))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_counts_cjk_double_and_keeps_words_whole() {
        assert_eq!(wrapped_lines("", 10), 1);
        assert_eq!(wrapped_lines("一二三四五", 10), 1);
        assert_eq!(wrapped_lines("一二三四五六", 10), 2);
        assert_eq!(wrapped_lines("一\n二", 10), 2);
        // "abcdef" does not fit after 三 and moves whole.
        assert_eq!(wrapped_lines("一二三abcdef", 10), 2);
        // A word longer than a line is broken.
        assert_eq!(wrapped_lines("abcdefghijklmnopqrstu", 10), 3);
        // ① is full width in a Chinese font.
        assert_eq!(wrapped_lines("①①①①①①", 10), 2);
    }

    #[test]
    fn cell_names() {
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(14, 5), "F15");
        assert_eq!(cell_ref(0, 26), "AA1");
    }
}

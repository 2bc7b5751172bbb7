//! The town's workbook: a first sheet 汇总, then each department's form
//! sheet. 汇总 reads like a report: a title (`2024年大朗镇部门整体预算绩效目标汇总表`),
//! the headings, one row per department with its check result in words,
//! and a totals row. Its columns are as wide as what they show, measured
//! as the form sheets' row heights are; the title and headings stay in
//! view, and it prints on A4 landscape. It draws with the form sheets'
//! formats.

use anyhow::Result;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, Formula, Worksheet, utility::column_number_to_name};

use super::{Formats, fitting_px, print_on_a4, text_height};
use crate::layout::measure::{BODY_PT, TITLE_PT};
use crate::model::Document;
use crate::model::document::format_amount;
use crate::model::labels::{self, BudgetField};
use crate::names;

/// The name of the first sheet.
pub const SHEET: &str = "汇总";

/// One row of 汇总.
pub enum Entry<'a> {
    /// A department that rendered, with the warnings its check found.
    Done { doc: &'a Document, warnings: usize },
    /// A data file that did not, named by its file; `why` says how it went.
    Failed { name: String, why: String },
}

/// The columns after 部门名称, 财政供养人员数 and 下属二级单位数.
fn headers() -> Vec<String> {
    let mut h: Vec<String> = vec![
        labels::DEPARTMENT.into(),
        labels::STAFF.into(),
        labels::SUBUNITS.into(),
    ];
    h.extend(
        BudgetField::ALL
            .iter()
            .map(|f| format!("{}(万元)", f.label())),
    );
    h.push("重点任务资金合计(万元)".into());
    h.push("其他任务资金合计(万元)".into());
    h.push("检查结果".into());
    h
}

/// The amount columns of a department, in 万元: the budget's eight, then
/// the task totals (the other tasks' blank when it has none).
fn amounts(d: &Document) -> Vec<Option<Decimal>> {
    let mut a: Vec<Option<Decimal>> = BudgetField::ALL.iter().map(|f| f.get(&d.budget)).collect();
    a.push(Some(d.task_unit.to_wan(d.tasks_total())));
    a.push((!d.other_tasks.is_empty()).then(|| d.task_unit.to_wan(d.other_tasks_total())));
    a
}

/// The sheet's title: `2024年大朗镇部门整体预算绩效目标汇总表`.
pub fn title(year: i32, town: &str) -> String {
    let form = labels::TITLE.strip_suffix('表').unwrap_or(labels::TITLE);
    format!("{year}年{town}{form}汇总表")
}

/// The rows above the departments: the title, then the column headings.
const TITLE_ROW: u32 = 0;
const HEADER_ROW: u32 = 1;
const FIRST_ROW: u32 = 2;

/// The narrowest column, in pixels: a heading wraps in two or three lines
/// of six characters.
const MIN_COLUMN_PX: u32 = 96;
/// The widest, in pixels (about 40 characters): a longer name wraps and
/// its row grows.
const MAX_COLUMN_PX: u32 = 580;

/// A department's check result in words.
fn result(warnings: usize) -> String {
    if warnings > 0 {
        format!("通过，有 {warnings} 个警告")
    } else {
        "通过".into()
    }
}

/// One cell of a row before it is written: its text as shown (for
/// measuring) and what goes into the cell.
enum Value {
    Text(String),
    Count(u64),
    Amount(Option<Decimal>),
}

impl Value {
    /// The text the cell shows, as its number format prints it.
    fn shown(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::Count(n) => n.to_string(),
            Value::Amount(a) => a.map(format_amount).unwrap_or_default(),
        }
    }
}

/// The cells of a department's row, in the order of [`headers`].
fn row_of(entry: &Entry<'_>, columns: usize) -> Vec<Value> {
    match entry {
        Entry::Done { doc: d, warnings } => {
            let mut r = vec![
                Value::Text(d.department.clone()),
                Value::Count(u64::from(d.staff)),
                Value::Count(u64::from(d.subunits)),
            ];
            r.extend(amounts(d).into_iter().map(Value::Amount));
            r.push(Value::Text(result(*warnings)));
            r
        }
        Entry::Failed { name, why } => {
            let mut r = vec![Value::Text(name.clone())];
            r.extend((2..columns).map(|_| Value::Amount(None)));
            r.push(Value::Text(why.clone()));
            r
        }
    }
}

/// The town's workbook for `year`: 汇总, then a sheet per department. Its
/// date is the departments': 1 January of `year`, or `source_date_epoch`.
pub fn workbook(
    year: i32,
    town: &str,
    entries: &[Entry<'_>],
    source_date_epoch: Option<i64>,
) -> Result<Vec<u8>> {
    let mut wb = super::new_workbook();
    let props = DocProperties::new()
        .set_title(format!("{year}年{town}{}汇总", labels::TITLE))
        .set_author(town);
    wb.set_properties(&super::dated(props, year, source_date_epoch));
    let f = Formats::new();
    let headers = headers();
    let columns = headers.len();
    let last_col = (columns - 1) as u16;
    let amount_cols = BudgetField::ALL.len() + 2;

    // Every department's row, then the totals row, before anything is
    // written: the columns are measured on what they will show.
    let rows: Vec<Vec<Value>> = entries.iter().map(|e| row_of(e, columns)).collect();
    let mut totals = vec![Decimal::ZERO; amount_cols];
    let (mut staff_total, mut sub_total) = (0u64, 0u64);
    for e in entries {
        if let Entry::Done { doc: d, .. } = e {
            staff_total += u64::from(d.staff);
            sub_total += u64::from(d.subunits);
            for (t, a) in totals.iter_mut().zip(amounts(d)) {
                *t += a.unwrap_or_default();
            }
        }
    }
    let mut total_row = vec![
        Value::Text("合计".into()),
        Value::Count(staff_total),
        Value::Count(sub_total),
    ];
    total_row.extend(totals.iter().map(|t| Value::Amount(Some(*t))));
    total_row.push(Value::Text(String::new()));

    // Wide enough for the longest text of the column on one line, the
    // headings excepted (they wrap), within the bounds above.
    let widths: Vec<u32> = (0..columns)
        .map(|c| {
            rows.iter()
                .chain([&total_row])
                .map(|r| r.get(c).map_or(0, |v| fitting_px(&v.shown(), BODY_PT)))
                .max()
                .unwrap_or(0)
                .clamp(MIN_COLUMN_PX, MAX_COLUMN_PX)
        })
        .collect();
    let all_px: f64 = widths.iter().map(|w| f64::from(*w)).sum();

    let sheet = wb.add_worksheet();
    sheet.set_name(SHEET)?;
    for (c, w) in (0u16..).zip(&widths) {
        sheet.set_column_width_pixels(c, *w)?;
    }
    let height = |texts: &mut dyn Iterator<Item = (usize, String)>, pt: f64| {
        let h = texts
            .map(|(c, t)| text_height(&t, pt, f64::from(widths[c])))
            .fold(0.0, f64::max);
        (h / 0.75).ceil() * 0.75
    };

    let title = title(year, town);
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, last_col, &title, &f.title)?;
    let title_h = text_height(&title, TITLE_PT, all_px);
    sheet.set_row_height(TITLE_ROW, (title_h / 0.75).ceil() * 0.75)?;

    for (c, h) in (0u16..).zip(&headers) {
        sheet.write_string_with_format(HEADER_ROW, c, h, &f.label)?;
    }
    sheet.set_row_height(
        HEADER_ROW,
        height(&mut headers.iter().cloned().enumerate(), BODY_PT),
    )?;

    let mut row = FIRST_ROW;
    for cells in &rows {
        for (c, v) in (0u16..).zip(cells) {
            match v {
                Value::Text(t) => sheet.write_string_with_format(row, c, t, &f.text)?,
                Value::Count(n) => sheet.write_number_with_format(row, c, *n as f64, &f.count)?,
                Value::Amount(Some(a)) => {
                    let n = a.to_f64().unwrap_or_default();
                    sheet.write_number_with_format(row, c, n, &f.amount)?
                }
                Value::Amount(None) => sheet.write_blank(row, c, &f.amount)?,
            };
        }
        let mut texts = cells.iter().enumerate().filter_map(|(c, v)| match v {
            Value::Text(t) => Some((c, t.clone())),
            _ => None,
        });
        sheet.set_row_height(row, height(&mut texts, BODY_PT))?;
        row += 1;
    }
    // Totals: live SUM formulas carrying their exact result, so a reader
    // that does not recalculate still shows the right figure.
    let (first, last) = (FIRST_ROW + 1, row); // 1-based rows of the departments
    let sum = |col: u16| {
        let letter = column_number_to_name(col);
        Formula::new(format!("=SUM({letter}{first}:{letter}{last})"))
    };
    sheet.write_string_with_format(row, 0, "合计", &f.label)?;
    for (col, value) in [(1u16, staff_total), (2, sub_total)] {
        sheet.write_formula_with_format(
            row,
            col,
            sum(col).set_result(value.to_string()),
            &f.count,
        )?;
    }
    for (i, total) in totals.iter().enumerate() {
        let col = 3 + i as u16;
        let result = total.normalize().to_string();
        sheet.write_formula_with_format(row, col, sum(col).set_result(result), &f.amount)?;
    }
    sheet.write_blank(row, last_col, &f.text)?;

    // On screen the title, the headings and the names stay in view; on
    // paper: A4 landscape, one page wide, the headings on every page.
    sheet.set_freeze_panes(FIRST_ROW, 1)?;
    print_on_a4(sheet).set_landscape();
    sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    sheet.set_print_area(TITLE_ROW, 0, row, last_col)?;

    // The departments' sheets: named in order, drawn on every core, added
    // in order.
    let mut used: Vec<String> = vec![SHEET.into()];
    let mut forms: Vec<(&Document, String)> = Vec::new();
    for e in entries {
        let Entry::Done { doc, .. } = e else { continue };
        let name = names::unique_sheet_name(&names::sheet_name(&doc.department), &used);
        used.push(name.clone());
        forms.push((doc, name));
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = forms.len().div_ceil(threads).max(1);
    let sheets: Vec<Result<Vec<Worksheet>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = forms
            .chunks(per)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(doc, name)| super::form_sheet(doc, name))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("生成汇总工作簿时出现内部错误")))
            })
            .collect()
    });
    for chunk in sheets {
        for ws in chunk? {
            wb.push_worksheet(ws);
        }
    }
    Ok(wb.save_to_buffer()?)
}

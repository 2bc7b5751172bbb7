//! The town's workbook: a first sheet 汇总, one row per department and a
//! totals row, then each department's form sheet. It draws with the same
//! formats as the form sheets.

use anyhow::Result;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, Formula, Workbook, utility::column_number_to_name};

use super::Formats;
use crate::model::Document;
use crate::model::labels::{self, BudgetField};
use crate::names;
use crate::render::date::DocDate;

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

/// The town's workbook for `year`: 汇总, then a sheet per department.
pub fn workbook(year: i32, town: &str, entries: &[Entry<'_>]) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let mut props = DocProperties::new()
        .set_title(format!("{year}年{town}{}汇总", labels::TITLE))
        .set_author(town);
    if let Some(created) = DocDate::new(year, None).excel() {
        props = props.set_creation_datetime(&created);
    }
    wb.set_properties(&props);
    let f = Formats::new();
    let headers = headers();
    let status_col = (headers.len() - 1) as u16;
    let amount_cols = BudgetField::ALL.len() + 2;

    let sheet = wb.add_worksheet();
    sheet.set_name(SHEET)?;
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_footer("&C第 &P 页 共 &N 页");
    sheet.set_row_height(0, 42)?;
    for (c, h) in (0u16..).zip(&headers) {
        sheet.write_string_with_format(0, c, h, &f.label)?;
        sheet.set_column_width(c, if c == 0 { 30 } else { 13 })?;
    }
    let mut totals = vec![Decimal::ZERO; amount_cols];
    let mut filled = vec![false; amount_cols];
    let mut row = 1u32;
    let (mut staff_total, mut sub_total) = (0u64, 0u64);
    for e in entries {
        match e {
            Entry::Done { doc: d, warnings } => {
                sheet.write_string_with_format(row, 0, &d.department, &f.text)?;
                sheet.write_number_with_format(row, 1, f64::from(d.staff), &f.count)?;
                sheet.write_number_with_format(row, 2, f64::from(d.subunits), &f.count)?;
                staff_total += u64::from(d.staff);
                sub_total += u64::from(d.subunits);
                for (i, a) in amounts(d).iter().enumerate() {
                    let col = 3 + i as u16;
                    match a {
                        Some(v) => {
                            totals[i] += *v;
                            filled[i] = true;
                            let n = v.to_f64().unwrap_or_default();
                            sheet.write_number_with_format(row, col, n, &f.amount)?;
                        }
                        None => {
                            sheet.write_blank(row, col, &f.amount)?;
                        }
                    }
                }
                let status = if *warnings > 0 {
                    format!("无误（{warnings} 个警告）")
                } else {
                    "无误".into()
                };
                sheet.write_string_with_format(row, status_col, status, &f.text)?;
            }
            Entry::Failed { name, why } => {
                sheet.write_string_with_format(row, 0, name, &f.text)?;
                for c in 1..status_col {
                    sheet.write_blank(row, c, &f.amount)?;
                }
                sheet.write_string_with_format(row, status_col, why, &f.text)?;
            }
        }
        row += 1;
    }
    // Totals: live SUM formulas carrying their exact result, so a reader
    // that does not recalculate still shows the right figure.
    let last = row; // 1-based number of the last data row
    let sum = |col: u16| {
        let letter = column_number_to_name(col);
        Formula::new(format!("=SUM({letter}2:{letter}{last})"))
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
    for i in 0..amount_cols {
        let col = 3 + i as u16;
        let result = if filled[i] {
            totals[i].normalize().to_string()
        } else {
            "0".into()
        };
        sheet.write_formula_with_format(row, col, sum(col).set_result(result), &f.amount)?;
    }
    sheet.write_blank(row, status_col, &f.text)?;
    sheet.set_freeze_panes(1, 1)?;

    let mut used: Vec<String> = vec![SHEET.into()];
    for e in entries {
        let Entry::Done { doc, .. } = e else { continue };
        let name = names::unique_sheet_name(&names::sheet_name(&doc.department), &used);
        used.push(name.clone());
        super::add_sheet(&mut wb, doc, &name)?;
    }
    Ok(wb.save_to_buffer()?)
}

//! The town's combined outputs: one workbook and one volume for everyone.
//!
//! After a batch, the departments that rendered are grouped by town and
//! year (in the batch's stable order, by data file path) into a workbook
//! with a first sheet 汇总 — one row per department, a totals row — then a
//! sheet per department, and a PDF volume (合订本) with a contents page and a
//! bookmark per department.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

use crate::batch::{Options, Report};
use crate::files;
use crate::model::Document;
use crate::render::merge;
use crate::render::pdf::{Typesetter, volume_title};
use crate::render::xlsx;

/// Writes the combined outputs of every (town, year) in `reports`; one
/// result per file it tried to write.
pub fn write(
    reports: &[Report],
    out: &Path,
    ts: &Typesetter,
    opts: &Options,
    pdf: bool,
    xlsx: bool,
) -> Vec<anyhow::Result<PathBuf>> {
    let mut groups: BTreeMap<(i32, String), Vec<&Report>> = BTreeMap::new();
    for r in reports.iter().filter(|r| r.status.ok()) {
        if let Some(d) = &r.document {
            groups.entry((d.year, d.town.clone())).or_default().push(r);
        }
    }
    let failed: Vec<&Report> = reports.iter().filter(|r| !r.status.ok()).collect();
    let single = groups.len() == 1;
    let mut results = Vec::new();
    for ((year, town), members) in &groups {
        let base = out.join(format!("{year}年{town}部门整体预算绩效目标表"));
        // The workbook is made on its own thread while the volume is bound:
        // both only read the departments' results.
        let (book, bound) = std::thread::scope(|scope| {
            let book = (xlsx && opts.format.xlsx()).then(|| {
                scope.spawn(|| {
                    // Failed files have no town; list them where there is only one.
                    let extra: &[&Report] = if single { &failed } else { &[] };
                    let path = base.with_file_name(format!("{year}年{town}汇总.xlsx"));
                    workbook(*year, town, members, extra)
                        .and_then(|bytes| files::write_atomic(&path, &bytes))
                        .map(|()| path)
                })
            });
            let bound = (pdf && opts.format.pdf()).then(|| {
                let path = base.with_file_name(format!("{year}年{town}合订本.pdf"));
                volume(*year, town, members, ts, opts)
                    .and_then(|bytes| files::write_atomic(&path, &bytes))
                    .map(|()| path)
            });
            let book = book.map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("生成汇总工作簿时出现内部错误")))
            });
            (book, bound)
        });
        results.extend(book);
        results.extend(bound);
    }
    results
}

/// The 合订本: contents pages, then each department's PDF as written, each
/// with a bookmark; page numbers in the contents count volume pages.
fn volume(
    year: i32,
    town: &str,
    members: &[&Report],
    ts: &Typesetter,
    opts: &Options,
) -> anyhow::Result<Vec<u8>> {
    let mut parts: Vec<(String, Vec<u8>, usize)> = Vec::new();
    for r in members {
        let (Some(d), Some(pdf)) = (
            &r.document,
            r.outputs
                .iter()
                .find(|p| p.extension().is_some_and(|e| e == "pdf")),
        ) else {
            continue;
        };
        let bytes = std::fs::read(pdf).with_context(|| format!("无法读取“{}”", pdf.display()))?;
        parts.push((d.department.clone(), bytes, r.pages));
    }
    let entries = |contents_pages: usize| -> Vec<(String, usize)> {
        let mut page = contents_pages + 1;
        parts
            .iter()
            .map(|(name, _, pages)| {
                let e = (name.clone(), page);
                page += pages;
                e
            })
            .collect()
    };
    let fail = |errs: Vec<crate::diagnostic::Diagnostic>| {
        let text: Vec<String> = errs.iter().map(|e| e.message.clone()).collect();
        anyhow::anyhow!("生成合订本目录失败：{}", text.join("；"))
    };
    // The contents' own length moves every page number: lay it out once
    // assuming one page, again if it turned out longer.
    let mut contents = ts
        .render_contents(town, year, &entries(1), &opts.pdf)
        .map_err(fail)?;
    if contents.pages != 1 {
        contents = ts
            .render_contents(town, year, &entries(contents.pages), &opts.pdf)
            .map_err(fail)?;
    }
    let mut bound = vec![merge::Part {
        pdf: &contents.pdf,
        bookmark: Some("目录".to_string()),
    }];
    bound.extend(parts.iter().map(|(name, pdf, _)| merge::Part {
        pdf,
        bookmark: Some(name.clone()),
    }));
    let date = format!("D:{year:04}0101000000Z");
    let date = match opts.pdf.source_date_epoch {
        Some(secs) => crate::render::pdf::pdf_date(secs),
        None => date,
    };
    let title = volume_title(town, year);
    merge::bind(
        &bound,
        &merge::Info {
            title: &title,
            author: town,
            date: &date,
        },
    )
}

const HEADERS: &[&str] = &[
    "部门名称",
    "财政供养人员数",
    "下属二级单位数",
    "基本支出(万元)",
    "项目支出(万元)",
    "财政拨款(万元)",
    "其他资金(万元)",
    "财政专项资金(万元)",
    "其他事业发展性支出(万元)",
    "市本级使用资金(万元)",
    "拟用于对下转移支付资金(万元)",
    "重点任务资金合计(万元)",
    "其他任务资金合计(万元)",
    "检查结果",
];

/// Task totals in 万元, whatever the form's task unit.
fn wan(d: &Document, total: Decimal) -> Decimal {
    total * d.task_unit.in_yuan() / Decimal::from(10_000)
}

fn amounts(d: &Document) -> [Option<Decimal>; 10] {
    let b = &d.budget;
    [
        b.basic_expense,
        b.project_expense,
        b.fiscal_funds,
        b.other_funds,
        b.special_funds,
        b.other_development,
        b.city_level,
        b.transfer,
        Some(wan(d, d.tasks_total())),
        (!d.other_tasks.is_empty()).then(|| wan(d, d.other_tasks_total())),
    ]
}

fn workbook(
    year: i32,
    town: &str,
    members: &[&Report],
    failed: &[&Report],
) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(year.clamp(1900, 9999) as u16, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{year}年{town}部门整体预算绩效目标表汇总"))
            .set_author(town)
            .set_creation_datetime(&created),
    );
    let font = |f: Format| {
        f.set_font_name("宋体")
            .set_font_charset(134)
            .set_font_size(10.5)
    };
    let head = font(Format::new())
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_border(FormatBorder::Thin);
    let text = font(Format::new())
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    let money = font(Format::new())
        .set_num_format("#,##0.00")
        .set_border(FormatBorder::Thin);
    let count = font(Format::new())
        .set_num_format("0")
        .set_border(FormatBorder::Thin);

    let sheet = wb.add_worksheet();
    sheet.set_name("汇总")?;
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_footer("&C第 &P 页 共 &N 页");
    sheet.set_row_height(0, 42)?;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &head)?;
        sheet.set_column_width(c as u16, if c == 0 { 30 } else { 13 })?;
    }
    let mut totals = [Decimal::ZERO; 10];
    let mut filled = [false; 10];
    let mut row = 1u32;
    let mut staff_total = 0u64;
    let mut sub_total = 0u64;
    for r in members {
        let Some(d) = &r.document else { continue };
        sheet.write_string_with_format(row, 0, &d.department, &text)?;
        sheet.write_number_with_format(row, 1, f64::from(d.staff), &count)?;
        sheet.write_number_with_format(row, 2, f64::from(d.subunits), &count)?;
        staff_total += u64::from(d.staff);
        sub_total += u64::from(d.subunits);
        for (i, a) in amounts(d).iter().enumerate() {
            let col = 3 + i as u16;
            match a {
                Some(v) => {
                    totals[i] += *v;
                    filled[i] = true;
                    sheet.write_number_with_format(
                        row,
                        col,
                        v.to_f64().unwrap_or_default(),
                        &money,
                    )?;
                }
                None => {
                    sheet.write_blank(row, col, &money)?;
                }
            }
        }
        let status = if r.warnings > 0 {
            format!("无误（{} 个警告）", r.warnings)
        } else {
            "无误".into()
        };
        sheet.write_string_with_format(row, 13, status, &text)?;
        row += 1;
    }
    for r in failed {
        let name = r
            .input
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        sheet.write_string_with_format(row, 0, &name, &text)?;
        for c in 1..13 {
            sheet.write_blank(row, c, &money)?;
        }
        sheet.write_string_with_format(
            row,
            13,
            format!("{}（{} 个错误），未汇总", r.status.label(), r.errors),
            &text,
        )?;
        row += 1;
    }
    // Totals: live SUM formulas carrying their exact result, so a reader
    // that does not recalculate still shows the right figure.
    let last = row; // 1-based number of the last data row
    sheet.write_string_with_format(row, 0, "合计", &head)?;
    for (col, value) in [(1u16, staff_total), (2, sub_total)] {
        let letter = rust_xlsxwriter::utility::column_number_to_name(col);
        let f = rust_xlsxwriter::Formula::new(format!("=SUM({letter}2:{letter}{last})"))
            .set_result(value.to_string());
        sheet.write_formula_with_format(row, col, f, &count)?;
    }
    for i in 0..10 {
        let col = 3 + i as u16;
        let letter = rust_xlsxwriter::utility::column_number_to_name(col);
        let f = rust_xlsxwriter::Formula::new(format!("=SUM({letter}2:{letter}{last})"))
            .set_result(if filled[i] {
                totals[i].normalize().to_string()
            } else {
                "0".into()
            });
        sheet.write_formula_with_format(row, col, f, &money)?;
    }
    sheet.write_blank(row, 13, &text)?;
    sheet.set_freeze_panes(1, 1)?;

    let mut used: Vec<String> = vec!["汇总".into()];
    for r in members {
        let Some(d) = &r.document else { continue };
        let name = unique_sheet_name(&xlsx::sheet_name(&d.department), &used);
        used.push(name.clone());
        xlsx::add_sheet(&mut wb, d, &name)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// Excel sheet names are unique case-insensitively and at most 31 UTF-16
/// units: two departments whose names share their first 31 characters get
/// `…(2)`, `…(3)`.
pub fn unique_sheet_name(base: &str, used: &[String]) -> String {
    let taken = |n: &str| used.iter().any(|u| u.to_lowercase() == n.to_lowercase());
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

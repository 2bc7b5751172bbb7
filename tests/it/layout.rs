//! The PDF and the workbook draw one grid: read both back and compare.
//!
//! Every non-empty cell of the workbook, in row-major order, must appear in
//! the PDF's text stream in the same order. Labels merged over several rows
//! are checked only for presence: Typst emits such a cell after its rows.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use jixiao::model::Document;
use jixiao::model::document::format_amount;
use jixiao::render::pdf::PdfSettings;
use jixiao::render::xlsx;
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use crate::support::*;

/// The workbook's texts in row-major order, each with whether it is merged
/// over several rows; a number comes with every way the PDF may print it.
fn workbook_texts(doc: &Document) -> Vec<(Vec<String>, bool)> {
    let bytes = xlsx::workbook(doc, None).expect("workbook");
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).expect("sheet");
    book.load_merged_regions().expect("merged regions");
    let tall: Vec<(u32, u32)> = book
        .merged_regions_by_sheet(&sheet)
        .iter()
        .filter(|(_, _, d)| d.end.0 > d.start.0)
        .map(|(_, _, d)| d.start)
        .collect();
    let mut out = Vec::new();
    let (r0, c0) = range.start().unwrap_or((0, 0));
    for (r, row) in range.rows().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let at = (r0 + r as u32, c0 + c as u32);
            let forms = match v {
                Data::Empty => continue,
                Data::String(s) if s.trim().is_empty() => continue,
                Data::String(s) => vec![squash(s)],
                Data::Float(f) => {
                    let d = Decimal::from_f64(*f).expect("a finite amount");
                    let mut forms = vec![format_amount(d)];
                    if f.fract() == 0.0 {
                        forms.push(format!("{f:.0}"));
                    }
                    forms
                }
                Data::Int(i) => vec![i.to_string()],
                other => panic!("unexpected cell {other:?} at {at:?}"),
            };
            out.push((forms, tall.contains(&at)));
        }
    }
    out
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect()
}

fn assert_same_order(name: &str, doc: &Document) {
    let cells = workbook_texts(doc);
    let pdf = typesetter()
        .render(doc, &PdfSettings::default())
        .unwrap_or_else(|e| panic!("{e:#?}"))
        .pdf;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("form.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = pdf_text(&path, true);
    let mut at = 0;
    for (forms, tall) in &cells {
        if *tall {
            assert!(
                forms.iter().any(|f| text.contains(f.as_str())),
                "{name}: merged label {forms:?} is not in the PDF"
            );
            continue;
        }
        // A cell's beginning: a row that breaks across pages splits the
        // rest of its cells' texts between the pages.
        let next = forms
            .iter()
            .map(|f| f.chars().take(8).collect::<String>())
            .filter_map(|f| text[at..].find(f.as_str()).map(|i| (i, f.len())))
            .min();
        match next {
            Some((i, len)) => at += i + len,
            None => panic!(
                "{name}: {forms:?} is not in the PDF after {:?}",
                &text[text.floor_char_boundary(at.saturating_sub(60))..at]
            ),
        }
    }
    assert!(cells.len() > 50, "{name}: only {} cells", cells.len());
}

#[test]
fn the_pdf_shows_the_workbooks_cells_in_the_same_order() {
    assert_same_order("seed", &seed_doc());
    assert_same_order("no other tasks", &doc_of(&seed_without_other_tasks()));
    assert_same_order("tasks in 万元", &doc_of(&seed_in_wan()));
    let empty_group = seed_with(
        "level2 = \"质量指标\"\n",
        "level2 = \"数量指标\"\n\n[[indicators]]\nlevel1 = \"产出指标\"\nlevel2 = \"质量指标\"\n",
    );
    let doc = doc_of(&empty_group);
    assert!(
        doc.indicators[0].groups.iter().any(|g| g.items.is_empty()),
        "the form has an empty 二级 group in 产出指标"
    );
    assert_same_order("empty 二级 group", &doc);
}

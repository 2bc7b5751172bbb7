//! The workbook as the finance bureau gets it: read back with calamine (values,
//! types, merged ranges), and its XML parts compared with the goldens in
//! `tests/fixtures/xlsx/` (`UPDATE=1 cargo test xlsx` rewrites them).

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use jixiao::layout::view::View;
use jixiao::layout::{Grid, Kind, Part};
use jixiao::model::Document;
use jixiao::render::xlsx;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::Workbook;

use crate::support::*;

const SHEET: &str = "东莞市大朗镇党建工作办公室";

fn render(doc: &Document) -> Vec<u8> {
    xlsx::workbook(doc, None).unwrap_or_else(|e| panic!("{e:#}"))
}

fn open(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("a readable xlsx")
}

fn range(bytes: &[u8], sheet: &str) -> calamine::Range<Data> {
    open(bytes).worksheet_range(sheet).expect("the sheet")
}

/// One part of the xlsx (a zip), as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("xlsx is a zip");
    let mut s = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut s)
        .expect("UTF-8 XML");
    s
}

/// `(row, col)` of an `A1` reference, zero based.
fn pos(a1: &str) -> (u32, u32) {
    let letters: String = a1.chars().take_while(char::is_ascii_uppercase).collect();
    let col = letters
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1))
        - 1;
    let row: u32 = a1[letters.len()..].parse().expect("row number");
    (row - 1, col)
}

fn a1(row: u32, col: u32) -> String {
    format!("{}{}", char::from(b'A' + col as u8), row + 1)
}

fn value(r: &calamine::Range<Data>, cell: &str) -> Data {
    r.get_value(pos(cell)).cloned().unwrap_or(Data::Empty)
}

fn text(r: &calamine::Range<Data>, cell: &str) -> String {
    match value(r, cell) {
        Data::String(s) => s,
        other => panic!("{cell} is {other:?}, not a text"),
    }
}

fn number(r: &calamine::Range<Data>, cell: &str) -> f64 {
    match value(r, cell) {
        Data::Float(f) => f,
        Data::Int(i) => i as f64,
        other => panic!("{cell} is {other:?}, not a number"),
    }
}

/// The `<c r="…" …>` element of a cell in the sheet XML.
fn cell_xml<'a>(sheet: &'a str, cell: &str) -> &'a str {
    let start = sheet
        .find(&format!("<c r=\"{cell}\""))
        .unwrap_or_else(|| panic!("{cell} not in the sheet XML"));
    let rest = &sheet[start..];
    let open_end = rest.find('>').expect("a closed tag") + 1;
    if rest[..open_end].ends_with("/>") {
        &rest[..open_end]
    } else {
        &rest[..rest.find("</c>").expect("</c>") + 4]
    }
}

/// `src` with `from` replaced by `to`, which must occur exactly once.
fn replace_once(src: &str, from: &str, to: &str) -> String {
    assert_eq!(src.matches(from).count(), 1, "{from:?} must occur once");
    src.replacen(from, to, 1)
}

fn attr<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = xml.find(&key)? + key.len();
    let len = xml[start..].find('"')?;
    Some(&xml[start..start + len])
}

/// The number format code of a cell, through its style index.
fn num_format(bytes: &[u8], cell: &str) -> String {
    let sheet = part(bytes, "xl/worksheets/sheet1.xml");
    let styles = part(bytes, "xl/styles.xml");
    let s: usize = attr(cell_xml(&sheet, cell), "s")
        .unwrap_or("0")
        .parse()
        .unwrap();
    let xfs = &styles[styles.find("<cellXfs").unwrap()..];
    let xf = xfs.split("<xf ").nth(s + 1).expect("the cell's xf");
    let id = attr(&format!(" {xf}"), "numFmtId")
        .expect("numFmtId")
        .to_string();
    match id.as_str() {
        "0" => "General".into(),
        "1" => "0".into(),
        "4" => "#,##0.00".into(),
        _ => {
            let key = format!("<numFmt numFmtId=\"{id}\" formatCode=\"");
            let at = styles.find(&key).expect("custom numFmt") + key.len();
            styles[at..at + styles[at..].find('"').unwrap()].to_string()
        }
    }
}

#[test]
fn every_seed_text_and_amount_is_in_its_cell() {
    let doc = seed_doc();
    let bytes = render(&doc);
    let r = range(&bytes, SHEET);
    let view = View::new(&doc);

    // Fixed places, by hand from the form (rows are 1-based here).
    assert_eq!(text(&r, "A1"), "大朗镇部门整体预算绩效目标表");
    assert_eq!(text(&r, "A2"), "(2024年)");
    assert_eq!(text(&r, "A3"), "部门名称");
    assert_eq!(text(&r, "B3"), "东莞市大朗镇党建工作办公室");
    assert_eq!(text(&r, "B4"), "财政供养人员数");
    assert_eq!(number(&r, "D4"), 19.0);
    assert_eq!(text(&r, "E4"), "下属二级单位数");
    assert_eq!(number(&r, "F4"), 0.0);
    assert_eq!(text(&r, "A5"), "预算整体情况");
    assert_eq!(text(&r, "D5"), "预算金额(万元)");
    assert_eq!(number(&r, "D6"), 37.8);
    assert_eq!(number(&r, "F6"), 1046.8);
    assert_eq!(number(&r, "D7"), 1009.0);
    assert_eq!(text(&r, "E10"), "拟用于对下转移支付资金");
    assert!(text(&r, "B11").starts_with("目标1: 承担基层党的政治建设"));
    assert!(text(&r, "B11").contains("\n目标7: 保障基本支出, 维持部门正常运转。"));
    assert_eq!(text(&r, "A12"), "年度重点工作任务");
    assert_eq!(text(&r, "E12"), "拟投入的资金(元)");
    assert_eq!(text(&r, "B13"), "任务1: 为村(社区)办公经费提供经费保障");
    assert_eq!(number(&r, "E13"), 2_800_000.0);
    assert!(text(&r, "D18").starts_with("①成立东莞市老干部大学"));
    assert!(text(&r, "D18").contains("\n②关心下一代工作委员会工作支出"));
    assert_eq!(number(&r, "E21"), 60_000.0);
    assert_eq!(text(&r, "A22"), "其他需完成的任务(可选填)");
    assert_eq!(text(&r, "B22"), "保障部门日常办公运转");
    assert_eq!(number(&r, "E22"), 378_000.0);
    assert_eq!(value(&r, "A23"), Data::Empty);
    assert_eq!(text(&r, "B23"), "一级指标");
    assert_eq!(text(&r, "F23"), "年度指标值");
    assert_eq!(text(&r, "A24"), "绩效指标");
    assert_eq!(text(&r, "B24"), "产出指标");
    assert_eq!(text(&r, "C24"), "数量指标");
    assert_eq!(text(&r, "D27"), "聘请人数");
    assert_eq!(text(&r, "E27"), "①社工：3人\n②党建组织员：31人");
    assert_eq!(text(&r, "E36"), "①社工：1年\n②党建组织员：3年");
    assert_eq!(text(&r, "F36"), "①社工：1年\n②党建组织员：1年");
    assert_eq!(text(&r, "B41"), "效益指标");
    assert_eq!(text(&r, "C41"), "经济效益指标");
    assert_eq!(text(&r, "C50"), "服务对象满意度指标");
    assert_eq!(text(&r, "A56"), "满意度调查（服务对象满意度）");
    assert_eq!(text(&r, "E56"), "基本满意");
    assert_eq!(text(&r, "F56"), "基本满意");
    assert_eq!(r.end(), Some((55, 5)), "A1:F56 and nothing beyond");

    // Every cell of the grid, as the PDF prints it: texts identical to the
    // View's, numbers exact.
    let grid = Grid::new(&doc);
    for c in grid.cells.iter().map(xlsx::on_sheet) {
        let at = a1(c.row, u32::from(c.col));
        match (c.kind.is_numeric(), c.number) {
            (true, Some(n)) => assert_eq!(number(&r, &at), n.to_f64().unwrap(), "{at}"),
            _ if c.text.is_empty() => assert_eq!(value(&r, &at), Data::Empty, "{at}"),
            _ => assert_eq!(text(&r, &at), c.text, "{at}"),
        }
    }

    // And everything the View holds is somewhere in the sheet.
    let all: Vec<String> = r
        .used_cells()
        .filter_map(|(_, _, d)| match d {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let mut expected = vec![view.title.clone(), view.year_line.clone(), view.department];
    expected.extend(view.goals.iter().cloned());
    for t in view.tasks.iter().chain(&view.other_tasks) {
        expected.push(t.name.clone());
        expected.extend(t.content.iter().cloned());
        expected.extend(t.target.iter().cloned());
    }
    for l in &view.indicators {
        expected.push(l.name.clone());
        for g in &l.groups {
            expected.push(g.name.clone());
            for i in &g.items {
                expected.push(i.name.clone());
                expected.extend(i.period.iter().cloned());
                expected.extend(i.annual.iter().cloned());
            }
        }
    }
    let missing: Vec<_> = expected
        .iter()
        .filter(|e| !all.iter().any(|s| s.contains(e.as_str())))
        .collect();
    assert!(missing.is_empty(), "not in the sheet: {missing:#?}");
}

#[test]
fn amounts_are_numbers_with_the_forms_format() {
    let bytes = render(&seed_doc());
    let r = range(&bytes, SHEET);
    for cell in ["D6", "F6", "D7", "F7", "D9", "D10", "F10", "E13", "E22"] {
        assert!(matches!(value(&r, cell), Data::Float(_)), "{cell}");
        assert_eq!(num_format(&bytes, cell), "#,##0.00", "{cell}");
    }
    for cell in ["D4", "F4"] {
        assert!(
            matches!(value(&r, cell), Data::Float(_) | Data::Int(_)),
            "{cell}"
        );
        assert_eq!(num_format(&bytes, cell), "0", "{cell}");
    }
    // The task amounts add up to 项目支出 in 元, as numbers.
    let sum: f64 = (13..=21).map(|row| number(&r, &format!("E{row}"))).sum();
    assert_eq!(sum, 10_090_000.0);
}

#[test]
fn a_blank_amount_is_an_empty_bordered_cell_not_zero() {
    let bytes = render(&seed_doc());
    let r = range(&bytes, SHEET);
    // 市本级使用资金 is blank in the seed; 拟用于对下转移支付资金 is 0.00.
    assert_eq!(text(&r, "E9"), "市本级使用资金");
    assert_eq!(value(&r, "F9"), Data::Empty);
    assert_eq!(number(&r, "F10"), 0.0);
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    let f9 = cell_xml(&sheet, "F9");
    assert!(!f9.contains("<v>"), "{f9}");
    // Same style as its filled neighbours: border and number format.
    assert_eq!(attr(f9, "s"), attr(cell_xml(&sheet, "F10"), "s"), "{f9}");
}

#[test]
fn merged_ranges_are_the_pdfs() {
    let bytes = render(&seed_doc());
    let mut merged: Vec<String> = open(&bytes)
        .worksheet_merge_cells(SHEET)
        .expect("the sheet")
        .expect("merge cells")
        .iter()
        .map(|d| format!("{}:{}", a1(d.start.0, d.start.1), a1(d.end.0, d.end.1)))
        .collect();
    merged.sort();
    let mut expected: Vec<String> = [
        // Title, year line, 部门名称's text.
        "A1:F1", "A2:F2", "B3:F3", //
        // c1 spans B:C in every part-1 row; 预算整体情况 down its six rows.
        "B4:C4", "A5:A10", "B5:C5", "B6:C6", "B7:C7", "B8:C8", "B9:C9", "B10:C10",
        // 总体绩效目标's text; 年度重点工作任务 over its header and nine tasks.
        "B11:F11", "A12:A21", "B12:C12", "B13:C13", "B14:C14", "B15:C15", "B16:C16", "B17:C17",
        "B18:C18", "B19:C19", "B20:C20", "B21:C21", //
        // The one other task: its label spans one row, so only c1 is merged.
        "B22:C22", //
        // Part 2: 绩效指标, 一级 and 二级 down their rows (经济效益指标 has one
        // empty row, so no merge); the closing row across A:D.
        "A24:A55", "B24:B40", "C24:C27", "C28:C32", "C33:C36", "C37:C40", "B41:B55", "C42:C45",
        "C46:C49", "C50:C55", "A56:D56",
    ]
    .map(String::from)
    .to_vec();
    expected.sort();
    assert_eq!(merged, expected);
}

#[test]
fn the_part_2_header_repeats_and_the_print_setup_is_the_forms() {
    let bytes = render(&seed_doc());
    let wb = part(&bytes, "xl/workbook.xml");
    assert!(
        wb.contains(&format!(
            "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">{SHEET}!$23:$23</definedName>"
        )),
        "{wb}"
    );
    assert!(
        wb.contains(&format!(
            "<definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">{SHEET}!$A$1:$F$56</definedName>"
        )),
        "{wb}"
    );
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    for needle in [
        "<pageSetUpPr fitToPage=\"1\"/>",
        "<printOptions horizontalCentered=\"1\"/>",
        "paperSize=\"9\"",
        "orientation=\"portrait\"",
        "fitToHeight=\"0\"",
        "<oddFooter>&amp;C第 &amp;P 页 共 &amp;N 页</oddFooter>",
    ] {
        assert!(sheet.contains(needle), "{needle} not in the sheet XML");
    }
    // Fonts: 宋体 with the GB2312 charset for the table, 黑体 for the title.
    let styles = part(&bytes, "xl/styles.xml");
    assert!(styles.contains("<name val=\"宋体\"/><family val=\"3\"/><charset val=\"134\"/>"));
    assert!(styles.contains("<name val=\"黑体\"/><family val=\"3\"/><charset val=\"134\"/>"));
}

#[test]
fn rows_grow_with_their_text() {
    let bytes = render(&seed_doc());
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    let height = |row: u32| -> f64 {
        let start = sheet.find(&format!("<row r=\"{row}\"")).expect("row");
        attr(&sheet[start..], "ht").expect("ht").parse().unwrap()
    };
    // A one-line row, the seven goals, and 补助发放标准 (three long sub-items).
    assert!(height(3) < 25.0, "{}", height(3));
    assert!(height(11) > 7.0 * 10.5 * 1.25, "{}", height(11));
    assert!(height(37) > height(11), "{}", height(37));
    for row in 1..=56 {
        assert!(height(row) >= 20.0 && height(row) <= 409.0, "row {row}");
    }
}

#[test]
fn texts_that_look_like_formulas_stay_texts() {
    let src = seed_with("name = \"保障部门日常办公运转\"", "name = \"=1+1\"");
    let src = replace_once(&src, "name = \"聘请人数\"", "name = \"@SUM(A1)\"");
    let src = replace_once(
        &src,
        "[satisfaction]          # 满意度调查（服务对象满意度）\nperiod = \"基本满意\"\nannual = \"基本满意\"",
        "[satisfaction]\nperiod = \"-1\"\nannual = \"+A1\"",
    );
    let bytes = render(&doc_of(&src));
    let mut book = open(&bytes);
    let r = book.worksheet_range(SHEET).unwrap();
    assert_eq!(value(&r, "B22"), Data::String("=1+1".into()));
    assert_eq!(value(&r, "D27"), Data::String("@SUM(A1)".into()));
    assert_eq!(value(&r, "E56"), Data::String("-1".into()));
    assert_eq!(value(&r, "F56"), Data::String("+A1".into()));
    let formulas = book.worksheet_formula(SHEET).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula anywhere"
    );
    assert!(!part(&bytes, "xl/worksheets/sheet1.xml").contains("<f>"));
}

#[test]
fn a_second_render_is_byte_identical() {
    let doc = seed_doc();
    let a = render(&doc);
    let b = render(&doc);
    assert!(a == b, "two renders of the same form differ");
    // The document date is the budget year's 1 January, not the clock.
    let core = part(&a, "docProps/core.xml");
    assert!(
        core.contains("<dcterms:created xsi:type=\"dcterms:W3CDTF\">2024-01-01T00:00:00Z"),
        "{core}"
    );
}

#[test]
fn sheet_names_follow_excels_rules() {
    assert_eq!(jixiao::names::sheet_name(SHEET), SHEET);
    assert_eq!(
        jixiao::names::sheet_name("a[b]:c*d?e/f\\g"),
        "a_b__c_d_e_f_g"
    );
    assert_eq!(jixiao::names::sheet_name("'引号'"), "引号");
    assert_eq!(jixiao::names::sheet_name("''"), "部门");
    assert_eq!(jixiao::names::sheet_name(" 前后空格 "), "前后空格");
    assert_eq!(jixiao::names::sheet_name("制表\t符"), "制表_符");
    assert_eq!(jixiao::names::sheet_name("History"), "History_");
    // 31 UTF-16 units: 31 BMP characters, or fewer when some take two.
    let long = "东莞市大朗镇".repeat(6);
    assert_eq!(
        jixiao::names::sheet_name(&long),
        long.chars().take(31).collect::<String>()
    );
    let astral = "𠀀".repeat(20);
    assert_eq!(jixiao::names::sheet_name(&astral), "𠀀".repeat(15));
    // A cut that ends on an apostrophe drops it.
    let cut = format!("{}'尾", "部".repeat(30));
    assert_eq!(jixiao::names::sheet_name(&cut), "部".repeat(30));

    // A department with every forbidden character still gives a workbook
    // whose sheet (and its print titles) Excel and calamine accept.
    let src = seed_with(
        "department = \"东莞市大朗镇党建工作办公室\"",
        "department = \"'党建[办]:*?/\\\\ 2024'\"",
    );
    let bytes = render(&doc_of(&src));
    let book = open(&bytes);
    assert_eq!(book.sheet_names(), vec!["党建_办______ 2024".to_string()]);
    let wb = part(&bytes, "xl/workbook.xml");
    assert!(wb.contains("'党建_办______ 2024'!$23:$23"), "{wb}");
}

#[test]
fn departments_share_a_workbook_and_names_may_not_repeat() {
    let a = seed_doc();
    let b = doc_of(&seed_with(
        "department = \"东莞市大朗镇党建工作办公室\"",
        "department = \"东莞市大朗镇宣传教育文体旅游办公室\"",
    ));
    let mut wb = Workbook::new();
    xlsx::add_sheet(&mut wb, &a, &jixiao::names::sheet_name(&a.department)).unwrap();
    xlsx::add_sheet(&mut wb, &b, &jixiao::names::sheet_name(&b.department)).unwrap();
    // Excel ignores case: a repeat is refused and the workbook is unchanged.
    let err = xlsx::add_sheet(&mut wb, &a, SHEET).unwrap_err();
    assert!(format!("{err}").contains("已被使用"), "{err}");
    let err = xlsx::add_sheet(&mut wb, &a, "bad/name").unwrap_err();
    assert!(format!("{err:#}").contains("不符合"), "{err:#}");
    let bytes = wb.save_to_buffer().unwrap();
    let book = open(&bytes);
    assert_eq!(
        book.sheet_names(),
        vec![
            SHEET.to_string(),
            "东莞市大朗镇宣传教育文体旅游办公室".to_string()
        ]
    );
    let r = range(&bytes, "东莞市大朗镇宣传教育文体旅游办公室");
    assert_eq!(text(&r, "B3"), "东莞市大朗镇宣传教育文体旅游办公室");
    assert_eq!(number(&r, "F6"), 1046.8);
}

#[test]
fn a_form_without_other_tasks_keeps_the_row_empty() {
    let doc = doc_of(&seed_without_other_tasks());
    assert!(doc.other_tasks.is_empty());
    let bytes = render(&doc);
    let r = range(&bytes, SHEET);
    assert_eq!(text(&r, "A22"), "其他需完成的任务(可选填)");
    for cell in ["B22", "D22", "E22", "F22"] {
        assert_eq!(value(&r, cell), Data::Empty, "{cell}");
    }
    assert_eq!(text(&r, "B23"), "一级指标");
    // The grid marks it as text cells, not amounts.
    let grid = Grid::new(&doc);
    assert_eq!(
        grid.at(Part::Budget, 21, 3).map(|c| c.kind),
        Some(Kind::Text)
    );
}

/// The golden parts: the sheet (cells, merges, heights, print setup), the
/// styles (fonts, borders, number formats) and the strings. One element per
/// line, so a difference names the cell or style that changed.
#[test]
fn the_seed_workbook_matches_the_golden_parts() {
    let bytes = render(&seed_doc());
    let dir = root().join("tests/fixtures/xlsx");
    let update = std::env::var_os("UPDATE").is_some_and(|v| v == "1");
    for name in [
        "xl/worksheets/sheet1.xml",
        "xl/styles.xml",
        "xl/sharedStrings.xml",
    ] {
        let actual = part(&bytes, name).replace("><", ">\n<") + "\n";
        let file = dir.join(name.rsplit('/').next().unwrap());
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&file, &actual).unwrap();
            continue;
        }
        let golden = std::fs::read_to_string(&file).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (UPDATE=1 cargo test xlsx writes it)",
                file.display()
            )
        });
        if golden != actual {
            let (g, a): (Vec<&str>, Vec<&str>) =
                (golden.lines().collect(), actual.lines().collect());
            let i = (0..g.len().max(a.len()))
                .find(|&i| g.get(i) != a.get(i))
                .unwrap_or(g.len().min(a.len()));
            let show = |l: Option<&&str>| l.map_or("<end of file>".to_string(), |l| l.to_string());
            panic!(
                "{name} differs from {} at line {}:\n  golden: {}\n  actual: {}\n(UPDATE=1 cargo test xlsx rewrites the goldens after a deliberate change)",
                file.display(),
                i + 1,
                show(g.get(i)),
                show(a.get(i)),
            );
        }
    }
}

/// Texts that trouble spreadsheets: formula starts, XML specials, Excel's
/// own `_xHHHH_` escapes, control characters, astral CJK and emoji, leading
/// and trailing spaces, line breaks.
fn awkward_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let pool: Vec<&str> = vec![
        "=", "+", "-", "@", "=1+1", "@SUM(A1)", "<", ">", "&", "\"", "'", "_x0041_", "_x", "\t",
        "\n", " ", "\u{1}", "\u{1f}", "\u{7f}", "\u{200B}", "党建", "①", "≥90%", "𠀀", "😀", "[",
        "]", ":", "*", "?", "/", "\\", "1,046.80",
    ];
    proptest::collection::vec(proptest::sample::select(pool), 1..12)
        .prop_map(|parts| parts.concat())
}

proptest::proptest! {
    // A few cases in CI; more by hand with PROPTEST_CASES=2000.
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(32),
        ..Default::default()
    })]

    /// Whatever a document holds, the workbook renders, Excel's rules hold,
    /// and every cell reads back as the grid placed it.
    #[test]
    fn any_document_reads_back_cell_for_cell(
        department in awkward_text(),
        texts in proptest::collection::vec(awkward_text(), 6),
        cents in proptest::collection::vec(proptest::option::of(0i64..100_000_000_000_000), 8),
        tasks in 0usize..3,
        others in 0usize..2,
        groups in proptest::collection::vec(0usize..3, 0..4),
    ) {
        use jixiao::model::document::{Group, Indicator, Level1, Text};
        use rust_decimal::Decimal;
        let mut doc = seed_doc();
        doc.department = department.clone();
        doc.town = texts[0].clone();
        doc.tasks.truncate(tasks);
        if let Some(t) = doc.tasks.first_mut() {
            t.name = texts[1].clone();
            t.content = Text::Items(vec![texts[2].clone(), texts[3].clone()]);
            t.amount = Decimal::new(cents[0].unwrap_or(0), 2);
        }
        doc.other_tasks.truncate(others);
        let b = &mut doc.budget;
        for (field, c) in [
            &mut b.basic_expense, &mut b.project_expense, &mut b.fiscal_funds, &mut b.other_funds,
            &mut b.special_funds, &mut b.other_development, &mut b.city_level, &mut b.transfer,
        ].into_iter().zip(&cents) {
            *field = c.map(|c| Decimal::new(c, 2));
        }
        doc.indicators = vec![Level1 {
            name: texts[4].clone(),
            groups: groups.iter().map(|&n| Group {
                name: texts[5].clone(),
                items: (0..n).map(|i| Indicator {
                    name: format!("{}{i}", texts[1]),
                    period: Text::One(texts[2].clone()),
                    annual: Text::Items(vec![texts[3].clone()]),
                }).collect(),
            }).collect(),
        }];
        doc.satisfaction = [texts[4].clone(), texts[5].clone()];

        let bytes = xlsx::workbook(&doc, None).map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e:#}")))?;
        let name = jixiao::names::sheet_name(&department);
        let mut book = open(&bytes);
        proptest::prop_assert_eq!(book.sheet_names(), vec![name.clone()]);
        let r = book.worksheet_range(&name).unwrap();
        for c in Grid::new(&doc).cells.iter().map(xlsx::on_sheet) {
            let at = a1(c.row, u32::from(c.col));
            let got = value(&r, &at);
            match (c.kind.is_numeric(), c.number) {
                (true, Some(n)) => proptest::prop_assert_eq!(got, Data::Float(n.to_f64().unwrap()), "{}", at),
                _ if c.text.is_empty() => proptest::prop_assert_eq!(got, Data::Empty, "{}", at),
                _ => proptest::prop_assert_eq!(got, Data::String(c.text.clone()), "{}", at),
            }
        }
    }
}

/// The town workbook of three departments (one with a long name, one with
/// warnings) and a file that failed.
fn town_book() -> (Vec<u8>, Vec<String>) {
    use xlsx::summary::{self, Entry};
    let a = seed_doc();
    let mut b = seed_doc();
    b.department = "东莞市大朗镇宣传教育文体旅游办公室（大朗镇新时代文明实践中心）".into();
    let mut c = seed_doc();
    c.department = "东莞市大朗镇财政分局".into();
    let entries = [
        Entry::Done {
            doc: &a,
            warnings: 0,
        },
        Entry::Done {
            doc: &b,
            warnings: 2,
        },
        Entry::Done {
            doc: &c,
            warnings: 0,
        },
        Entry::Failed {
            name: "坏表".into(),
            why: "数据有误：有 3 个错误，未汇总".into(),
        },
    ];
    let names = [&a, &b, &c].iter().map(|d| d.department.clone()).collect();
    (
        summary::workbook(2024, "大朗镇", &entries, None).unwrap(),
        names,
    )
}

/// The last column of the 汇总 sheet's heading row (row 2), as a letter.
fn last_heading_column(r: &calamine::Range<Data>) -> (u32, String) {
    let mut col = 0;
    while !matches!(value(r, &a1(1, col + 1)), Data::Empty) {
        col += 1;
    }
    (col, a1(0, col).trim_end_matches('1').to_string())
}

#[test]
fn the_town_summary_has_a_title_over_the_whole_table() {
    let (bytes, names) = town_book();
    let r = range(&bytes, "汇总");
    assert_eq!(text(&r, "A1"), "2024年大朗镇部门整体预算绩效目标汇总表");
    assert_eq!(text(&r, "A2"), "部门名称");
    let (last, letter) = last_heading_column(&r);
    assert_eq!(text(&r, &a1(1, last)), "检查结果");
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains(&format!("<mergeCell ref=\"A1:{letter}1\"/>")),
        "the title spans the table: {sheet}"
    );
    // The departments follow the headings, in order, then the totals.
    for (i, name) in names.iter().enumerate() {
        assert_eq!(&text(&r, &format!("A{}", i + 3)), name);
    }
    assert_eq!(text(&r, "A7"), "合计");
    let f7 = cell_xml(&sheet, "F7");
    assert!(f7.contains("<f>SUM(F3:F6)</f>"), "{f7}");
    assert_eq!(number(&r, "F7"), 3140.4, "3 × 1,046.80 exactly");
}

#[test]
fn the_town_summary_says_each_result_in_words() {
    let (bytes, _) = town_book();
    let r = range(&bytes, "汇总");
    let (last, _) = last_heading_column(&r);
    let result = |row: u32| text(&r, &a1(row, last));
    assert_eq!(result(2), "通过");
    assert_eq!(result(3), "通过，有 2 个警告");
    assert_eq!(result(4), "通过");
    assert_eq!(result(5), "数据有误：有 3 个错误，未汇总");
}

#[test]
fn the_town_summary_keeps_its_headings_in_view_and_prints_on_a4_landscape() {
    let (bytes, _) = town_book();
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    // Title and headings frozen, and the names.
    let pane = &sheet[sheet.find("<pane ").expect("a frozen pane")..];
    let pane = &pane[..pane.find("/>").unwrap()];
    assert_eq!(attr(pane, "xSplit"), Some("1"), "{pane}");
    assert_eq!(attr(pane, "ySplit"), Some("2"), "{pane}");
    assert_eq!(attr(pane, "topLeftCell"), Some("B3"), "{pane}");
    assert_eq!(attr(pane, "state"), Some("frozen"), "{pane}");
    for needle in [
        "<pageSetUpPr fitToPage=\"1\"/>",
        "paperSize=\"9\"",
        "orientation=\"landscape\"",
        "fitToHeight=\"0\"",
        "<printOptions horizontalCentered=\"1\"/>",
        "<oddFooter>&amp;C第 &amp;P 页 共 &amp;N 页</oddFooter>",
    ] {
        assert!(sheet.contains(needle), "{needle} not in {sheet}");
    }
    // One page wide: Excel's default fitToWidth is 1, so it is written only
    // when it is something else.
    assert!(
        attr(&sheet[sheet.find("<pageSetup ").unwrap()..], "fitToWidth").is_none_or(|w| w == "1")
    );
    let margins = &sheet[sheet.find("<pageMargins ").unwrap()..];
    for side in ["left", "right", "top", "bottom"] {
        let m: f64 = attr(margins, side).unwrap().parse().unwrap();
        assert!((0.5..1.0).contains(&m), "{side} margin {m} in");
    }
    let wb = part(&bytes, "xl/workbook.xml");
    assert!(
        wb.contains(
            "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">汇总!$2:$2</definedName>"
        ),
        "the headings on every printed page: {wb}"
    );
}

#[test]
fn the_town_summary_columns_fit_the_department_names() {
    let (bytes, names) = town_book();
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    let col = &sheet[sheet
        .find("<col min=\"1\" max=\"1\"")
        .expect("column A's width")..];
    let width: f64 = attr(col, "width").unwrap().parse().unwrap();
    // Excel's column width is in digits of Calibri 11, 7 pixels each. A
    // Chinese character of 宋体 10.5 pt is 14 pixels wide, a Latin one 7;
    // Excel keeps some pixels of each cell for its insets.
    let needed = names
        .iter()
        .map(|n| {
            n.chars()
                .map(|c| if c.is_ascii() { 7.0 } else { 14.0 })
                .sum::<f64>()
        })
        .fold(0.0, f64::max);
    assert!(
        width * 7.0 >= needed + 6.0,
        "column A is {width} wide ({} px), the longest name needs {needed} px",
        width * 7.0
    );
    // Not a column of the old fixed width: it was measured.
    assert!(width * 7.0 < needed + 60.0, "{width}");
    // The longest name's row does not grow: it fits on one line.
    let rows: Vec<&str> = sheet.split("<row ").skip(1).collect();
    let height = |i: usize| -> f64 {
        attr(&format!(" {}", rows[i]), "ht").map_or(15.0, |h| h.parse().unwrap())
    };
    assert_eq!(
        height(3),
        height(2),
        "row 4 (the long name) as tall as row 3"
    );
}

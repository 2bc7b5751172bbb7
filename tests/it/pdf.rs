//! The PDF as a reader gets it: text read back with poppler's `pdftotext`
//! (installed by `.ci/setup`), fonts listed with `pdffonts`.

use std::process::Command;

use jixiao::layout::Part;
use jixiao::layout::measure::{self, Width};
use jixiao::model::Document;
use jixiao::render::pdf::{PdfSettings, Rendered, Standard, Typesetter};

use crate::support::*;

fn render(doc: &Document) -> Rendered {
    typesetter()
        .render(doc, &PdfSettings::default())
        .unwrap_or_else(|e| panic!("{e:#?}"))
}

fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("form.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" { &["-"][..] } else { &[] })
        .output()
        .unwrap_or_else(|e| {
            panic!("{tool} is needed (bash .ci/setup installs poppler-utils): {e}")
        });
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The text in content order with all white space and page footers removed,
/// so a cell's text is one run however it wrapped or broke across pages.
fn flat_text(pdf: &[u8]) -> String {
    let raw = poppler("pdftotext", &["-raw", "-enc", "UTF-8"], pdf);
    let squashed: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = String::new();
    let mut rest = squashed.as_str();
    // Drop 第X页共Y页 footers that interrupt a cell broken across pages.
    while let Some(i) = rest.find('第') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail
            .find("页共")
            .filter(|&j| tail[3..j].chars().all(|c| c.is_ascii_digit()))
            .and_then(|j| tail[j + 6..].find('页').map(|k| j + 6 + k + 3))
            .filter(|&k| tail[..k].chars().filter(|c| c.is_ascii_digit()).count() <= 6);
        match end {
            Some(k) => rest = &tail[k..],
            None => {
                out.push('第');
                rest = &tail[3..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_seed_pdf_has_every_text_and_amount() {
    let doc = doc_of(&seed_source());
    let r = render(&doc);
    assert!((3..=6).contains(&r.pages), "{} pages", r.pages);
    assert!(r.warnings.is_empty(), "{:#?}", r.warnings);
    let text = flat_text(&r.pdf);
    let view = jixiao::layout::view::View::new(&doc);
    let mut expected = vec![
        view.title.clone(),
        view.year_line.clone(),
        view.department.clone(),
        "1,046.80".into(),
        "1,009.00".into(),
        "37.80".into(),
        "2,800,000.00".into(),
        "378,000.00".into(),
        "满意度调查（服务对象满意度）".into(),
        "拟投入的资金(元)".into(),
    ];
    expected.extend(view.goals.iter().cloned());
    for t in view.tasks.iter().chain(&view.other_tasks) {
        expected.push(t.name.clone());
        expected.extend(t.content.iter().cloned());
        expected.push(t.amount.clone());
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
        .filter(|e| !text.contains(&squash(e)))
        .collect();
    assert!(
        missing.is_empty(),
        "not in the PDF text: {missing:#?}\n\n{text}"
    );
    // Page numbers in the footer, with the total.
    let raw = poppler("pdftotext", &["-enc", "UTF-8"], &r.pdf);
    assert!(
        squash(&raw).contains(&format!("第1页共{}页", r.pages)),
        "{raw}"
    );
}

#[test]
fn a_second_render_is_byte_identical() {
    let doc = doc_of(&seed_source());
    let a = render(&doc).pdf;
    let b = render(&doc).pdf;
    assert!(a == b, "two renders of the same form differ");
    // And a fresh typesetter (another process, in effect) agrees too.
    let other = Typesetter::new(None, &[]).unwrap();
    let c = other.render(&doc, &PdfSettings::default()).unwrap().pdf;
    assert!(a == c, "a new typesetter renders differently");
}

#[test]
fn markup_characters_print_literally() {
    let nasty = r#"#set text(red) $x^2$ *粗* _斜_ <l> @ref [a] \ `c` // 注释 /* x */ = 标题"#;
    let src = seed_with(
        "name = \"保障部门日常办公运转\"",
        &format!("name = {}", toml_string(nasty)),
    );
    let r = render(&doc_of(&src));
    let text = flat_text(&r.pdf);
    assert!(text.contains(&squash(nasty)), "{text}");
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

#[test]
fn gbk_names_and_the_yuan_sign_render_from_the_sc_fallback() {
    let name = "堃镕喆赟埗￥";
    let src = seed_with(
        "department = \"东莞市大朗镇党建工作办公室\"",
        &format!("department = \"东莞市大朗镇{name}办公室\""),
    );
    let r = render(&doc_of(&src));
    assert!(flat_text(&r.pdf).contains(name));
    let fonts = poppler("pdffonts", &[], &r.pdf);
    assert!(fonts.contains("NotoSerifSC-Regular"), "{fonts}");
    assert!(fonts.contains("FandolFang"), "{fonts}");
    // Embedded and subset: every font line says emb=yes sub=yes.
    for line in fonts.lines().skip(2) {
        assert!(line.contains(" yes yes "), "{line}");
    }
}

#[test]
fn a_character_no_font_has_is_an_error_naming_it_and_its_field() {
    let src = seed_with("name = \"补贴数量\"", "name = \"补贴数量𠀀\"");
    let errs = match typesetter().render(&doc_of(&src), &PdfSettings::default()) {
        Ok(_) => panic!("must not render tofu"),
        Err(e) => e,
    };
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert!(
        errs[0].message.contains("“𠀀”（U+20000）"),
        "{}",
        errs[0].message
    );
    assert!(
        errs[0]
            .message
            .contains("绩效指标 › 第1节 › 三级指标 › 第2项 › 名称"),
        "{}",
        errs[0].message
    );
}

#[test]
fn pdf_a_2b_renders_and_says_so() {
    let doc = doc_of(&seed_source());
    let settings = PdfSettings {
        standard: Standard::A2b,
        source_date_epoch: Some(1_700_000_000),
    };
    let r = typesetter()
        .render(&doc, &settings)
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let info = poppler("pdfinfo", &[], &r.pdf);
    assert!(info.contains("部门整体预算绩效目标表"), "{info}");
    let pdf = String::from_utf8_lossy(&r.pdf);
    assert!(
        pdf.contains("pdfaid:part"),
        "no PDF/A identification in XMP"
    );
}

#[test]
fn metadata_has_title_author_and_language() {
    let r = render(&doc_of(&seed_source()));
    let info = poppler("pdfinfo", &[], &r.pdf);
    assert!(info.contains("大朗镇部门整体预算绩效目标表"), "{info}");
    assert!(info.contains("东莞市大朗镇党建工作办公室"), "{info}");
    assert!(info.contains("Tagged:          yes"), "{info}");
    let pdf = String::from_utf8_lossy(&r.pdf);
    assert!(
        pdf.contains("/Lang (zh-CN)") || pdf.contains("zh-CN"),
        "no language"
    );
}

#[test]
fn long_latin_runs_stay_inside_their_cell() {
    let long = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let src = seed_with("name = \"聘请人数\"", &format!("name = \"{long}\""));
    let r = render(&doc_of(&src));
    // bbox of every word: none may reach past the right margin of A4.
    let bbox = poppler("pdftotext", &["-bbox"], &r.pdf);
    let page_width = 595.3;
    for line in bbox.lines().filter(|l| l.contains("<word")) {
        let x_max: f64 = line
            .split("xMax=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap();
        assert!(x_max < page_width - 40.0, "text reaches the margin: {line}");
    }
    assert!(flat_text(&r.pdf).contains(long));
}

/// A word of the text layer and its box, in points from the page's top left.
struct Word {
    text: String,
    x: (f64, f64),
    y: (f64, f64),
}

/// The words of page `page` (1-based), as `pdftotext -bbox` reads them.
fn words(pdf: &[u8], page: usize) -> Vec<Word> {
    let n = page.to_string();
    let html = poppler("pdftotext", &["-bbox", "-f", &n, "-l", &n], pdf);
    html.lines()
        .filter(|l| l.trim_start().starts_with("<word"))
        .map(|l| {
            let num = |key: &str| -> f64 {
                l.split(&format!("{key}=\""))
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("no {key} in {l}"))
            };
            let text = l.split('>').nth(1).and_then(|s| s.split('<').next());
            Word {
                text: text.unwrap_or_default().to_string(),
                x: (num("xMin"), num("xMax")),
                y: (num("yMin"), num("yMax")),
            }
        })
        .collect()
}

fn page_count(pdf: &[u8]) -> usize {
    poppler("pdfinfo", &[], pdf)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count")
}

/// Checks that a merged label shows on a page whose rows all belong to its
/// block: set in its column, whole, and centred on the block's rows there.
/// `parts` are the label's lines as the column wraps it; `column` its left
/// and right edges; rows' text starts at `rows_from` and lies between
/// `below` (a repeated header's bottom, or 0) and `above` (the next block's
/// top, or the page's footer).
fn assert_label(
    page: usize,
    ws: &[Word],
    parts: &[&str],
    column: (f64, f64),
    rows_from: f64,
    (below, above): (f64, f64),
) {
    let found: Vec<&Word> = parts
        .iter()
        .map(|part| {
            ws.iter()
                .find(|w| w.text == *part && w.x.0 >= column.0 && w.x.1 <= column.1)
                .unwrap_or_else(|| panic!("page {page}: no “{part}” in its column {column:?}"))
        })
        .collect();
    let label_mid = (found[0].y.0 + found[found.len() - 1].y.1) / 2.0;
    // The rows: every word right of the label columns, in the range.
    let rows: Vec<&Word> = ws
        .iter()
        .filter(|w| w.x.0 >= rows_from && w.y.0 > below && w.y.1 < above)
        .collect();
    let top = rows.iter().map(|w| w.y.0).fold(f64::MAX, f64::min);
    let bottom = rows.iter().map(|w| w.y.1).fold(0.0, f64::max);
    assert!(
        (label_mid - (top + bottom) / 2.0).abs() < 15.0,
        "page {page}: {parts:?} at y {label_mid:.0}, rows from {top:.0} to {bottom:.0}"
    );
}

/// The top of a page's footer line (第 N 页), in points from the top.
const FOOTER: f64 = 841.9 - 57.0;

/// Merged label cells crossing a page break (typst#4707 would leave them
/// blank on the later pages): every page that holds rows of a long 二级
/// group shows its 绩效指标, 一级 and 二级 names again, in their columns
/// and centred on the group's rows there; so does every page of a long
/// task list.
#[test]
fn merged_labels_show_again_on_every_page_their_rows_reach() {
    let items: String = (1..=90)
        .map(|i| format!("[[indicators.items]]\nname = \"数量项{i}\"\nperiod = \"≥{i}个\"\nannual = \"≥{i}个\"\n\n"))
        .collect();
    let tasks: String = (1..=50)
        .map(|i| format!("[[tasks]]\nname = \"加测任务{i}\"\ncontent = \"按时完成\"\namount = 0.00\ntarget = \"完成\"\n\n"))
        .collect();
    let src = seed_with(
        "level2 = \"数量指标\"\n",
        &format!("level2 = \"数量指标\"\n\n{items}"),
    )
    .replacen("\n[[tasks]]\n", &format!("\n{tasks}[[tasks]]\n"), 1);
    let pdf = render(&doc_of(&src)).pdf;
    // Columns' left edges, in points, from the layout's measures.
    let cm = 72.0 / 2.54;
    let left = measure::MARGINS.x * cm;
    let edge = |part, n: usize| {
        left + measure::columns(part)[..n]
            .iter()
            .map(|w| match w {
                Width::Cm(x) => x * cm,
                Width::Fr(_) => panic!("label columns are fixed"),
            })
            .sum::<f64>()
    };
    let label_end = edge(Part::Budget, 1);
    let (c1, c2, c3) = (
        edge(Part::Indicators, 1),
        edge(Part::Indicators, 2),
        edge(Part::Indicators, 3),
    );
    let (mut task_pages, mut item_pages, mut whole_pages, mut ended_pages) = (0, 0, 0, 0);
    for p in 1..=page_count(&pdf) {
        let ws = words(&pdf, p);
        let has = |t: &str| ws.iter().any(|w| w.text.contains(t));
        // Pages given over to the block alone, after the one it starts on.
        if has("加测任务") {
            task_pages += 1;
            if !has("名称") && !has("其他需完成") {
                whole_pages += 1;
                assert_label(
                    p,
                    &ws,
                    &["年度重点工作", "任务"],
                    (left, label_end),
                    label_end,
                    (0.0, FOOTER),
                );
            }
        }
        if has("数量项") {
            item_pages += 1;
            if !has("其他需完成") && !has("质量指标") {
                whole_pages += 1;
                let header = ws
                    .iter()
                    .find(|w| w.text == "三级指标")
                    .expect("header on every page");
                let rows = (header.y.1, FOOTER);
                assert_label(p, &ws, &["绩效", "指标"], (left, c1), c3, rows);
                assert_label(p, &ws, &["产出指标"], (c1, c2), c3, rows);
                assert_label(p, &ws, &["数量指标"], (c2, c3), c3, rows);
            }
        }
        // The page where 产出指标 ends, below the rest of a row broken
        // across the page before: the label is centred on all of its rows
        // there, the broken row's rest included.
        if p > 1 && !has("数量项") && !has("加测任务") && has("经济效益") {
            ended_pages += 1;
            let header = ws
                .iter()
                .find(|w| w.text == "三级指标")
                .expect("header on every page");
            let next = ws
                .iter()
                .find(|w| w.text.starts_with("经济效益"))
                .expect("the next 二级 group");
            let rows = (header.y.1, next.y.0);
            assert_label(p, &ws, &["产出指标"], (c1, c2), c3, rows);
            assert_label(p, &ws, &["成本指标"], (c2, c3), c3, rows);
        }
    }
    assert!(
        task_pages >= 3 && item_pages >= 3,
        "{task_pages} task pages, {item_pages} item pages"
    );
    assert!(
        whole_pages >= 2,
        "only {whole_pages} pages of one block alone"
    );
    assert_eq!(ended_pages, 1, "the page where 产出指标 ends");
}

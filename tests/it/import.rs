//! `jixiao import`: existing forms (the budget system's text export,
//! jixiao's own workbooks, a workbook typed by a clerk) read back into the
//! same `Document`, and bad input refused clearly.

use jixiao::import::{self, Imported, Use};
use jixiao::model::Document;

use crate::support;

use support::seed_doc;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(support::root().join("tests/fixtures").join(name)).expect("fixture")
}

/// The only form in `bytes`, with an empty report of errors.
fn only_form(bytes: &[u8], ext: &str) -> Imported {
    let forms = import::import(bytes, "表", ext).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(forms.forms.len(), 1, "{:?}", forms.skipped);
    forms.forms.into_iter().next().unwrap()
}

fn no_errors(f: &Imported) {
    let errors: Vec<String> = f
        .report
        .iter()
        .filter(|x| x.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Every non-empty cell is a label, a value, or in the report by name.
fn all_accounted(f: &Imported) {
    for (cell, u) in &f.uses {
        if *u == Use::Reported {
            assert!(
                f.report.iter().any(|r| r.cell.as_deref() == Some(cell)),
                "{cell} reported without a finding"
            );
        }
    }
}

#[test]
fn the_seed_export_imports_to_the_seed_document() {
    let f = only_form(&fixture("seed.txt"), "txt");
    no_errors(&f);
    all_accounted(&f);
    let unused: Vec<String> = f.report.iter().map(ToString::to_string).collect();
    assert!(unused.is_empty(), "{unused:#?}");
    assert_eq!(f.document, seed_doc());
    assert_eq!(f.sources["budget.fiscal_funds"], "第10行第5列");
    assert_eq!(f.sources["tasks[5].content[1]"], "第22行第3列");
}

/// `write` then `load` gives the document back.
fn toml_round_trip(doc: &Document) {
    let text = import::toml_out::write(doc);
    let loaded = jixiao::model::load(text.as_bytes());
    let shown = jixiao::diagnostic::render("导入.toml", &loaded.source, &loaded.diagnostics);
    assert_eq!(loaded.document.as_ref(), Some(doc), "{shown}\n{text}");
}

#[test]
fn the_seed_written_as_toml_loads_back() {
    let doc = seed_doc();
    toml_round_trip(&doc);
    let text = import::toml_out::write(&doc);
    // The house layout: the same keys, in the same order, as data/.
    let keys = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && !l.trim().is_empty())
            .filter_map(|l| l.split([' ', '=']).next().map(str::to_string))
            .filter(|k| !k.starts_with(']') && !k.starts_with('"'))
            .collect()
    };
    assert_eq!(keys(&text), keys(&support::seed_source()));
    // Line for line the file in data/, but for the line saying where it
    // came from and the spaces before comments.
    let squeeze = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| !l.starts_with("# 由"))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(squeeze(&text), squeeze(&support::seed_source()));
    assert!(text.contains("basic_expense = 37.80"), "{text}");
    assert!(text.contains("city_level = \"\""), "{text}");
}

#[test]
fn the_seeds_own_workbook_imports_to_the_seed() {
    let doc = seed_doc();
    let bytes = jixiao::render::xlsx::workbook(&doc, None).unwrap();
    let f = only_form(&bytes, "xlsx");
    no_errors(&f);
    all_accounted(&f);
    assert!(f.report.is_empty(), "{:#?}", f.report);
    assert_eq!(f.document, doc);
    assert_eq!(f.sources["budget.fiscal_funds"], format!("{}!F6", f.sheet));
}

#[test]
fn a_town_workbook_gives_each_department_back() {
    use jixiao::render::xlsx::summary::{self, Entry};
    let a = seed_doc();
    let mut b = seed_doc();
    b.department = "东莞市大朗镇宣传教育文体旅游办公室".into();
    b.other_tasks.clear();
    b.budget.basic_expense = None;
    b.budget.fiscal_funds = b.budget.project_expense;
    let entries = [
        Entry::Done {
            doc: &a,
            warnings: 0,
        },
        Entry::Done {
            doc: &b,
            warnings: 0,
        },
    ];
    let bytes = summary::workbook(2024, "大朗镇", &entries, None).unwrap();
    let forms = import::import(&bytes, "2024年大朗镇汇总", "xlsx").unwrap();
    assert_eq!(forms.forms.len(), 2);
    assert_eq!(forms.skipped.len(), 1, "{:?}", forms.skipped);
    assert!(forms.skipped[0].message.contains(summary::SHEET));
    assert_eq!(forms.forms[0].document, a);
    assert_eq!(forms.forms[1].document, b);
    for f in &forms.forms {
        no_errors(f);
        all_accounted(f);
    }
}

mod generated {
    //! Varied valid forms: blank amounts, 万元 tasks, no other tasks, empty
    //! 二级 groups, sub-item lists, texts with TOML's own characters.

    use jixiao::model::Document;
    use jixiao::model::document::{Budget, Group, Indicator, Level1, Task, TaskUnit, Text};
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn text() -> impl Strategy<Value = String> {
        let pool = [
            "补助",
            "党建",
            "x = 1",
            "# 注",
            "\"引号\"",
            "\\反斜杠",
            "'单'",
            "≥90%",
            "2024年12月31日",
            "a,b",
            "[方括号]",
            "{花}",
            "约500人/年；",
            "（社区）",
            "PDF",
            "、",
        ];
        proptest::collection::vec(proptest::sample::select(pool.to_vec()), 1..5)
            .prop_map(|v| v.join(""))
    }

    fn rich() -> impl Strategy<Value = Text> {
        prop_oneof![
            text().prop_map(Text::One),
            proptest::collection::vec(text(), 1..4).prop_map(Text::Items),
        ]
    }

    /// An amount in the task unit whose sum stays exact in 万元 cents.
    fn task_amount(unit: TaskUnit) -> impl Strategy<Value = Decimal> {
        (0i64..200_000).prop_map(move |n| match unit {
            TaskUnit::Yuan => Decimal::new(n * 100, 0),
            TaskUnit::WanYuan => Decimal::new(n, 2),
        })
    }

    fn tasks(unit: TaskUnit, n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Task>> {
        proptest::collection::vec(
            (text(), rich(), task_amount(unit), rich()).prop_map(
                |(name, content, amount, target)| Task {
                    name,
                    content,
                    amount,
                    target,
                },
            ),
            n,
        )
    }

    fn indicators() -> impl Strategy<Value = Vec<Level1>> {
        let level1 =
            proptest::sample::select(vec!["产出指标", "效益指标", "满意度指标", "自定一级"]);
        let level2 = proptest::sample::select(vec![
            "数量指标",
            "质量指标",
            "经济效益指标",
            "服务对象满意度指标",
            "自定=二级#",
        ]);
        let item = (text(), rich(), rich()).prop_map(|(name, period, annual)| Indicator {
            name,
            period,
            annual,
        });
        let group =
            (level2, proptest::collection::vec(item, 0..3)).prop_map(|(name, items)| Group {
                name: name.to_string(),
                items,
            });
        proptest::collection::vec((level1, proptest::collection::vec(group, 1..3)), 1..4).prop_map(
            |ls| {
                let mut out: Vec<Level1> = Vec::new();
                for (name, groups) in ls {
                    match out.last_mut() {
                        Some(l) if l.name == name => l.groups.extend(groups),
                        _ => out.push(Level1 {
                            name: name.to_string(),
                            groups,
                        }),
                    }
                }
                // Two 二级 groups of one name in a row are one group to
                // a reader of the sheet (a clerk types the name on each
                // row), as two 一级 blocks of one name are.
                for l in &mut out {
                    let mut groups: Vec<Group> = Vec::new();
                    for g in std::mem::take(&mut l.groups) {
                        match groups.last_mut() {
                            Some(last) if last.name == g.name => last.items.extend(g.items),
                            _ => groups.push(g),
                        }
                    }
                    l.groups = groups;
                }
                out
            },
        )
    }

    pub fn document() -> impl Strategy<Value = Document> {
        prop_oneof![Just(TaskUnit::Yuan), Just(TaskUnit::WanYuan)].prop_flat_map(|unit| {
            (
                (text(), text(), 0u32..500, 0u32..20),
                proptest::collection::vec(text(), 1..4),
                tasks(unit, 1..4),
                tasks(unit, 0..3),
                indicators(),
                (text(), text()),
                (
                    proptest::option::of(0i64..100_000),
                    proptest::option::of(0i64..100_000),
                    0u8..3,
                    any::<bool>(),
                ),
            )
                .prop_map(
                    move |(
                        (town, department, staff, subunits),
                        goals,
                        tasks,
                        other_tasks,
                        indicators,
                        (s1, s2),
                        (special, other_dev, levels, other_blank),
                    )| {
                        let wan = |d: Decimal| unit.to_wan(d);
                        let project: Decimal = tasks.iter().map(|t| wan(t.amount)).sum();
                        let basic: Option<Decimal> = if other_tasks.is_empty() {
                            (!other_blank).then(|| Decimal::new(3780, 2))
                        } else {
                            Some(other_tasks.iter().map(|t| wan(t.amount)).sum())
                        };
                        let total = project + basic.unwrap_or_default();
                        let (city_level, transfer) = match levels {
                            0 => (None, None),
                            1 => (None, Some(Decimal::ZERO)),
                            _ => (Some(total), Some(Decimal::ZERO)),
                        };
                        Document {
                            town: format!("{town}镇"),
                            year: 2025,
                            department,
                            task_unit: unit,
                            staff,
                            subunits,
                            budget: Budget {
                                basic_expense: basic,
                                project_expense: Some(project),
                                fiscal_funds: Some(total),
                                other_funds: (!other_blank).then_some(Decimal::ZERO),
                                special_funds: special.map(|n| Decimal::new(n, 2)),
                                other_development: other_dev.map(|n| Decimal::new(n, 2)),
                                city_level,
                                transfer,
                            },
                            goals,
                            tasks,
                            other_tasks,
                            indicators,
                            satisfaction: [s1, s2],
                        }
                    },
                )
        })
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(32),
        .. proptest::prelude::ProptestConfig::default()
    })]

    #[test]
    fn any_valid_form_round_trips_through_toml_and_its_workbook(doc in generated::document()) {
        // Only forms `check` accepts are the law's business.
        let text = import::toml_out::write(&doc);
        let loaded = jixiao::model::load(text.as_bytes());
        let shown = jixiao::diagnostic::render("导入.toml", &loaded.source, &loaded.diagnostics);
        proptest::prop_assert_eq!(loaded.document.as_ref(), Some(&doc), "{}\n{}", shown, text);

        let bytes = jixiao::render::xlsx::workbook(&doc, None).unwrap();
        let f = only_form(&bytes, "xlsx");
        no_errors(&f);
        all_accounted(&f);
        proptest::prop_assert!(f.report.is_empty(), "{:#?}", f.report);
        proptest::prop_assert_eq!(&f.document, &doc);
    }

    #[test]
    fn any_valid_form_typed_by_a_clerk_imports_back(doc in generated::document()) {
        let fiscal = doc.budget.fiscal_funds.map(jixiao::model::document::format_amount);
        let f = only_form(&clerk_workbook(&doc, &fiscal.unwrap_or_default()), "xlsx");
        no_errors(&f);
        all_accounted(&f);
        proptest::prop_assert!(f.report.is_empty(), "{:#?}", f.report);
        proptest::prop_assert_eq!(&f.document, &doc);
    }
}

/// The seed typed into a workbook the way a clerk lays it out, not the way
/// jixiao writes it: title on row 2, a blank row, part 1 in five columns,
/// numbering typed with full-width colons, sub-items in one cell, some
/// amounts typed as text. `fiscal` is what the clerk typed for 财政拨款.
fn clerk_workbook(doc: &Document, fiscal: &str) -> Vec<u8> {
    use jixiao::model::document::Text;
    use jixiao::model::labels::{self, BudgetField};
    use rust_decimal::prelude::ToPrimitive;
    use rust_xlsxwriter::{Format, Workbook};

    let f = Format::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Sheet1").unwrap();
    let num = |d: rust_decimal::Decimal| d.to_f64().unwrap();
    let items = |t: &Text, sep: &str| t.lines().join(sep);
    ws.merge_range(1, 0, 1, 5, &format!("{}{}", doc.town, labels::TITLE), &f)
        .unwrap();
    ws.write(2, 0, format!("（{}年）", doc.year)).unwrap();
    let mut r = 4;
    ws.write(r, 0, labels::DEPARTMENT).unwrap();
    ws.merge_range(r, 1, r, 4, &doc.department, &f).unwrap();
    r += 1;
    ws.write(r, 0, labels::BASIC_INFO).unwrap();
    ws.write(r, 1, labels::STAFF).unwrap();
    ws.write(r, 2, doc.staff).unwrap();
    ws.write(r, 3, labels::SUBUNITS).unwrap();
    ws.write(r, 4, doc.subunits).unwrap();
    r += 1;
    ws.merge_range(r, 0, r + 5, 0, labels::BUDGET, &f).unwrap();
    for half in &labels::BUDGET_HALVES {
        ws.write(r, 1, half.heads[0]).unwrap();
        ws.write(r, 2, "预算金额（万元）").unwrap();
        ws.write(r, 3, half.heads[1]).unwrap();
        ws.write(r, 4, "预算金额（万元）").unwrap();
        r += 1;
        for row in half.rows {
            for (k, field) in row.into_iter().enumerate() {
                let c = 1 + 2 * k as u16;
                ws.write(r, c, field.label()).unwrap();
                match (field, field.get(&doc.budget)) {
                    (BudgetField::FiscalFunds, _) => ws.write(r, c + 1, fiscal).map(|_| ()),
                    (BudgetField::ProjectExpense, Some(d)) => ws
                        .write(r, c + 1, jixiao::model::document::format_amount(d))
                        .map(|_| ()),
                    (_, Some(d)) => ws.write(r, c + 1, num(d)).map(|_| ()),
                    (_, None) => Ok(()),
                }
                .unwrap();
            }
            r += 1;
        }
    }
    ws.write(r, 0, labels::OVERALL).unwrap();
    let goals: Vec<String> = (doc.goals.iter().enumerate())
        .map(|(i, g)| format!("目标{}：{g}", i + 1))
        .collect();
    ws.merge_range(r, 1, r, 4, &goals.join("\n"), &f).unwrap();
    r += 1;
    ws.write(r, 0, labels::TASKS).unwrap();
    let amount_head = format!("拟投入的资金（{}）", doc.task_unit.label());
    for (c, h) in [
        "名称",
        "主要实施内容",
        amount_head.as_str(),
        "期望达到的目标（概述）",
    ]
    .into_iter()
    .enumerate()
    {
        ws.write(r, 1 + c as u16, h).unwrap();
    }
    r += 1;
    for (i, t) in doc.tasks.iter().enumerate() {
        ws.write(r, 1, format!("任务{}：{}", i + 1, t.name))
            .unwrap();
        ws.write(r, 2, items(&t.content, "\n")).unwrap();
        if i % 2 == 0 {
            ws.write(r, 3, num(t.amount)).unwrap();
        } else {
            ws.write(r, 3, jixiao::model::document::format_amount(t.amount))
                .unwrap();
        }
        ws.write(r, 4, items(&t.target, " ")).unwrap();
        r += 1;
    }
    ws.write(r, 0, "其他需完成的任务（可选填）").unwrap();
    for t in &doc.other_tasks {
        ws.write(r, 1, &t.name).unwrap();
        ws.write(r, 2, items(&t.content, "\n")).unwrap();
        ws.write(r, 3, num(t.amount)).unwrap();
        ws.write(r, 4, items(&t.target, "\n")).unwrap();
        r += 1;
    }
    r += 1;
    for (c, h) in labels::INDICATOR_HEADS.into_iter().enumerate() {
        ws.write(r, 1 + c as u16, h).unwrap();
    }
    r += 1;
    let rows = |n: usize| n.max(1) as u32;
    let all: u32 = doc
        .indicators
        .iter()
        .flat_map(|l| &l.groups)
        .map(|g| rows(g.items.len()))
        .sum();
    // A merged range is at least two cells; one row is written plainly.
    let down = |ws: &mut rust_xlsxwriter::Worksheet, r: u32, n: u32, c: u16, text: &str| {
        if n > 1 {
            ws.merge_range(r, c, r + n - 1, c, text, &f).map(|_| ())
        } else {
            ws.write(r, c, text).map(|_| ())
        }
        .unwrap()
    };
    down(ws, r, all, 0, labels::INDICATORS);
    for l1 in &doc.indicators {
        let n1: u32 = l1.groups.iter().map(|g| rows(g.items.len())).sum();
        down(ws, r, n1, 1, &l1.name);
        for g in &l1.groups {
            down(ws, r, rows(g.items.len()), 2, &g.name);
            if g.items.is_empty() {
                r += 1;
            }
            for it in &g.items {
                ws.write(r, 3, &it.name).unwrap();
                ws.write(r, 4, items(&it.period, " ")).unwrap();
                ws.write(r, 5, items(&it.annual, "\n")).unwrap();
                r += 1;
            }
        }
    }
    ws.merge_range(r, 0, r, 3, labels::SATISFACTION, &f)
        .unwrap();
    ws.write(r, 4, &doc.satisfaction[0]).unwrap();
    ws.write(r, 5, &doc.satisfaction[1]).unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn a_workbook_typed_by_a_clerk_imports_to_its_form() {
    let doc = seed_doc();
    let f = only_form(&clerk_workbook(&doc, "1,046.80"), "xlsx");
    no_errors(&f);
    all_accounted(&f);
    assert!(f.report.is_empty(), "{:#?}", f.report);
    assert_eq!(f.document, doc);
    assert_eq!(f.sources["budget.fiscal_funds"], "Sheet1!E8");
    assert_eq!(f.sources["overall.goals[2]"], "Sheet1!B13");
}

#[test]
fn text_where_an_amount_belongs_points_at_that_cell() {
    let f = only_form(&clerk_workbook(&seed_doc(), "一千零四十六"), "xlsx");
    let errors: Vec<_> = f.report.iter().filter(|x| x.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].cell.as_deref(), Some("Sheet1!E8"));
    let shown = errors[0].to_string();
    assert!(shown.contains("预算整体情况 › 财政拨款"), "{shown}");
    assert!(shown.contains("一千零四十六"), "{shown}");
    assert_eq!(f.document.budget.fiscal_funds, None);
}

#[test]
fn a_workbook_that_is_not_the_form_names_the_first_label_not_found() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, "姓名").unwrap();
    ws.write(0, 1, "年龄").unwrap();
    ws.write(1, 0, "张三").unwrap();
    ws.write(1, 1, 30).unwrap();
    let e = import::import(&wb.save_to_buffer().unwrap(), "名单", "xlsx").unwrap_err();
    assert!(e.message.contains("找不到“部门名称”"), "{e}");

    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet();
    let e = import::import(&wb.save_to_buffer().unwrap(), "空", "xlsx").unwrap_err();
    assert!(e.message.contains("没有任何内容"), "{e}");
}

#[test]
fn broken_workbooks_are_clear_errors_not_panics() {
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (b"just text, not a zip".to_vec(), "xlsx", "不是 zip"),
        (b"PK\x03\x04\x14\x00garbage".to_vec(), "xlsx", "损坏"),
        (
            {
                let mut b = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
                b.extend(vec![0; 64]);
                b.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
                b
            },
            "xlsx",
            "密码",
        ),
        (
            {
                let mut b = jixiao::render::xlsx::workbook(&seed_doc(), None).unwrap();
                b.truncate(b.len() / 2);
                b
            },
            "xlsx",
            "损坏",
        ),
    ];
    for (bytes, ext, says) in cases {
        let e = import::import(&bytes, "坏", ext).unwrap_err();
        assert!(e.message.contains(says), "{says}: {e}");
    }
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_unpacked() {
    use std::io::Write as _;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..16 {
            z.write_all(&zeros).unwrap();
        }
        z.finish().unwrap();
    }
    let started = std::time::Instant::now();
    let e = import::import(buf.get_ref(), "炸弹", "xlsx").unwrap_err();
    assert!(e.message.contains("zip 炸弹"), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

mod cli {
    use crate::support::*;

    /// Issue 11: the finance bureau checks the workbooks departments send
    /// in with one command; each mistake is shown at its cell, with the
    /// same field name as for a data file.
    #[test]
    fn check_reads_a_folder_of_workbooks_and_points_at_cells() {
        let dir = tempfile::tempdir().unwrap();
        let got = received_workbooks(dir.path());
        // The owner file Excel keeps beside an open workbook is no form.
        std::fs::write(got.join("~$党建.xlsx"), "lock").unwrap();
        let out = jixiao_in(dir.path())
            .args(["check", "收到的"])
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stdout.contains("✓ 收到的/党建.xlsx"), "{stdout}");
        assert!(stdout.contains("✗ 收到的/坏.xlsx：1 个错误"), "{stdout}");
        assert!(stdout.contains("共检查 2 个表"), "{stdout}");
        assert!(
            stderr.contains("--> 收到的/坏.xlsx!D6（预算整体情况）"),
            "{stderr}"
        );
        // No line of a data file the clerk never wrote.
        assert!(!stderr.contains(" | "), "{stderr}");
    }

    /// Issue 11: `render` takes a workbook as it takes a data file, and
    /// the form is the same, so the PDF is too.
    #[test]
    fn render_takes_a_workbook_and_makes_the_same_pdf() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("党建.xlsx"),
            jixiao::render::xlsx::workbook(&seed_doc(), None).unwrap(),
        )
        .unwrap();
        std::fs::copy(seed_path(), dir.path().join("党建.toml")).unwrap();
        for (input, out) in [("党建.xlsx", "a"), ("党建.toml", "b")] {
            jixiao_in(dir.path())
                .args(["render", "--format", "pdf", input, "-o", out])
                .assert()
                .code(0);
        }
        let a = std::fs::read(dir.path().join("a/党建.pdf")).unwrap();
        let b = std::fs::read(dir.path().join("b/党建.pdf")).unwrap();
        assert!(a == b, "the workbook's PDF differs from the data file's");
        // Rendering a workbook into its own folder would replace it.
        jixiao_in(dir.path())
            .args(["render", "党建.xlsx", "-o", "."])
            .assert()
            .code(2);
    }

    #[test]
    fn the_seed_export_goes_to_stdout_as_the_seed_form() {
        let out = jixiao_in(&root())
            .args(["import", "tests/fixtures/seed.txt"])
            .assert()
            .code(0)
            .get_output()
            .clone();
        let loaded = jixiao::model::load(&out.stdout);
        assert_eq!(loaded.document, load_path(&seed_path()).document);
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn files_are_written_once_and_overwritten_only_with_force() {
        let dir = tempfile::tempdir().unwrap();
        let seed = root().join("tests/fixtures/seed.txt");
        let run = |force: bool| {
            let mut c = jixiao_in(dir.path());
            c.arg("import").arg(&seed).args(["-o", "out"]);
            if force {
                c.arg("--force");
            }
            c.assert()
        };
        run(false).code(0);
        let written = dir.path().join("out/seed.toml");
        assert_eq!(
            load_path(&written).document,
            load_path(&seed_path()).document
        );
        let again = run(false).code(1).get_output().clone();
        assert!(String::from_utf8_lossy(&again.stderr).contains("已存在"));
        run(true).code(0);
    }

    #[test]
    fn a_town_workbook_becomes_a_folder_of_departments() {
        use jixiao::render::xlsx::summary::{self, Entry};
        let dir = tempfile::tempdir().unwrap();
        let a = load_path(&seed_path()).document.unwrap();
        let mut b = a.clone();
        b.department = "东莞市大朗镇财政分局".into();
        let bytes = summary::workbook(
            2024,
            "大朗镇",
            &[
                Entry::Done {
                    doc: &a,
                    warnings: 0,
                },
                Entry::Done {
                    doc: &b,
                    warnings: 0,
                },
            ],
            None,
        )
        .unwrap();
        std::fs::write(dir.path().join("全镇.xlsx"), bytes).unwrap();
        jixiao_in(dir.path())
            .args(["import", "全镇.xlsx"])
            .assert()
            .code(2);
        jixiao_in(dir.path())
            .args(["import", "全镇.xlsx", "-o", "data"])
            .assert()
            .code(0);
        for d in [&a, &b] {
            let path = dir
                .path()
                .join("data/全镇")
                .join(format!("{}.toml", jixiao::names::sheet_name(&d.department)));
            assert_eq!(
                load_path(&path).document.as_ref(),
                Some(d),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn a_wrong_cell_is_named_and_partial_still_writes() {
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(root().join("tests/fixtures/seed.txt"))
            .unwrap()
            .replace("37.80", "三十七点八");
        std::fs::write(dir.path().join("坏.txt"), text).unwrap();
        let out = jixiao_in(dir.path())
            .args(["import", "坏.txt", "-o", "out"])
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("第10行第3列（预算整体情况 › 基本支出）"),
            "{stderr}"
        );
        assert!(!dir.path().join("out/坏.toml").exists());
        jixiao_in(dir.path())
            .args(["import", "坏.txt", "-o", "out", "--partial"])
            .assert()
            .code(1);
        let written = std::fs::read_to_string(dir.path().join("out/坏.toml")).unwrap();
        assert!(written.contains("basic_expense = \"\""), "{written}");
    }
}

/// Every fixture under `tests/fixtures/import/` is the seed form in some
/// other dress (GBK with CRLF, extra rows around it, the export pasted into
/// an .ods sheet): each reads back as the seed, and each of its non-empty
/// cells is used or reported by name.
#[test]
fn every_fixture_is_the_seed_and_every_cell_is_accounted_for() {
    let dir = support::root().join("tests/fixtures/import");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.push(support::root().join("tests/fixtures/seed.txt"));
    paths.sort();
    assert!(paths.len() >= 4);
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let ext = path.extension().unwrap().to_string_lossy().to_string();
        let tables = import::table::read(&bytes, "x", &ext).unwrap();
        let cells: usize = tables.iter().map(|t| t.cells.len()).sum();
        let f = only_form(&bytes, &ext);
        let shown = path.display();
        no_errors(&f);
        all_accounted(&f);
        assert_eq!(f.uses.len(), cells, "{shown}");
        assert_eq!(f.document, seed_doc(), "{shown}");
        let reported: Vec<&str> = f.report.iter().filter_map(|r| r.cell.as_deref()).collect();
        if path.ends_with("export_with_extra_rows.txt") {
            assert_eq!(
                reported,
                ["第5行第1列", "第65行第1列", "第65行第2列"],
                "{shown}"
            );
        } else {
            assert!(reported.is_empty(), "{shown}: {reported:?}");
        }
    }
}

/// `jixiao import` of the seed export with `edit` applied to its text,
/// which must fail the checks: the folder, and what stderr said.
fn import_seed_text_edited(edit: impl FnOnce(String) -> String) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(support::root().join("tests/fixtures/seed.txt")).unwrap();
    std::fs::write(dir.path().join("差.txt"), edit(text)).unwrap();
    let out = support::jixiao_in(dir.path())
        .args(["import", "差.txt", "-o", "out"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (dir, stderr)
}

#[test]
fn a_wrong_task_sum_is_traced_back_to_its_cell() {
    let (dir, stderr) = import_seed_text_edited(|t| {
        t.replace("1,009.00", "1,019.00")
            .replace("1,046.80", "1,056.80")
    });
    assert!(stderr.contains("原表中的位置：第11行第3列"), "{stderr}");
    assert!(dir.path().join("out/差.toml").exists());
}

/// An error about a whole block, such as the budget not balancing, names
/// the block's first cell in the source, as `check` of the same file does.
#[test]
fn an_unbalanced_budget_is_traced_back_to_its_block() {
    let (_dir, stderr) =
        import_seed_text_edited(|t| t.replace("财政拨款\t1,046.80", "财政拨款\t1,047.80"));
    let balance = stderr
        .split("\n\n")
        .find(|d| d.contains("≠ 收入合计"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(balance.contains("原表中的位置：第10行"), "{balance}");
}

/// The seed export with its lines edited by `edit`.
fn seed_text_with(edit: impl FnOnce(&mut Vec<&str>)) -> Vec<u8> {
    let text = String::from_utf8(fixture("seed.txt")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    edit(&mut lines);
    lines.join("\n").into_bytes()
}

#[test]
fn a_second_department_row_is_an_error_at_that_row() {
    let bytes = seed_text_with(|l| {
        let dept = l[6];
        l.insert(8, dept);
    });
    let f = only_form(&bytes, "txt");
    all_accounted(&f);
    let errors: Vec<String> = f
        .report
        .iter()
        .filter(|x| x.is_error())
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("第9行第1列"), "{}", errors[0]);
    assert!(errors[0].contains("第二次出现“部门名称”"), "{}", errors[0]);
    assert_eq!(f.document, seed_doc());
}

#[test]
fn a_form_that_ends_early_says_where() {
    let bytes = seed_text_with(|l| l.truncate(40));
    let f = only_form(&bytes, "txt");
    all_accounted(&f);
    let errors: Vec<&jixiao::import::Finding> = f.report.iter().filter(|x| x.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].cell.as_deref(), Some("第40行第6列"));
    assert!(errors[0].message.contains("表格到这里就结束了"));
    // What was read is kept, for --partial to write.
    assert_eq!(f.document.tasks, seed_doc().tasks);
}

#[test]
fn a_numeric_cell_with_more_than_cents_is_rounded_and_reported() {
    let mut doc = seed_doc();
    doc.budget.special_funds = Some(rust_decimal::Decimal::new(5, 3));
    let bytes = jixiao::render::xlsx::workbook(&doc, None).unwrap();
    let f = only_form(&bytes, "xlsx");
    no_errors(&f);
    assert_eq!(
        f.document.budget.special_funds,
        Some(rust_decimal::Decimal::new(1, 2))
    );
    let notes: Vec<String> = f.report.iter().map(ToString::to_string).collect();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(
        notes[0].contains("0.005") && notes[0].contains("0.01"),
        "{}",
        notes[0]
    );
    assert_eq!(
        f.cell_of("budget.special_funds"),
        f.report[0].cell.as_deref()
    );
    assert_eq!(
        f.cell_of("tasks[5].content[1]"),
        f.cell_of("tasks[5].content")
    );
    // A whole block: its first value's cell.
    assert_eq!(f.cell_of("budget"), f.cell_of("budget.basic_expense"));
    assert!(f.cell_of("budget").is_some());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(48),
        .. proptest::prelude::ProptestConfig::default()
    })]

    /// A damaged workbook or export ends in a form or a clear error, never
    /// a panic: bytes of the seed's workbook overwritten, or the file cut.
    #[test]
    fn damaged_inputs_never_panic(
        at in proptest::collection::vec((0.0f64..1.0, proptest::prelude::any::<u8>()), 1..8),
        cut in proptest::option::of(0.5f64..1.0),
        text in proptest::prelude::any::<bool>(),
    ) {
        let (mut bytes, ext) = if text {
            (fixture("seed.txt"), "txt")
        } else {
            (jixiao::render::xlsx::workbook(&seed_doc(), None).unwrap(), "xlsx")
        };
        for (pos, b) in at {
            let i = ((bytes.len() as f64) * pos) as usize;
            if let Some(x) = bytes.get_mut(i) {
                *x = b;
            }
        }
        if let Some(cut) = cut {
            bytes.truncate(((bytes.len() as f64) * cut) as usize + 1);
        }
        match import::import(&bytes, "坏", ext) {
            Ok(forms) => {
                for f in &forms.forms {
                    all_accounted(f);
                    let _ = import::toml_out::write(&f.document);
                }
            }
            Err(e) => proptest::prop_assert!(!e.message.is_empty()),
        }
    }
}

#[test]
fn a_broken_department_sheet_in_a_town_workbook_is_an_error_not_a_skip() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("说明").unwrap();
    ws.write(0, 0, "本工作簿由各部门填写").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("坏部门").unwrap();
    ws.write(0, 0, "部门名称").unwrap();
    ws.write(0, 1, "某办公室").unwrap();
    let seed = jixiao::render::xlsx::workbook(&seed_doc(), None).unwrap();
    // The seed's sheet, copied cell by cell through the importer's own view.
    let table = &import::table::read(&seed, "x", "xlsx").unwrap()[0];
    let ws = wb.add_worksheet();
    ws.set_name("党建").unwrap();
    for c in &table.cells {
        match c.number {
            Some(n) => ws.write(
                c.row,
                c.col as u16,
                rust_decimal::prelude::ToPrimitive::to_f64(&n).unwrap(),
            ),
            None => ws.write(c.row, c.col as u16, &c.text),
        }
        .unwrap();
    }
    let forms = import::import(&wb.save_to_buffer().unwrap(), "全镇", "xlsx").unwrap();
    assert_eq!(forms.forms.len(), 1);
    assert_eq!(forms.forms[0].document, seed_doc());
    let skipped: Vec<(bool, String)> = forms
        .skipped
        .iter()
        .map(|s| (s.is_error(), s.message.clone()))
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:#?}");
    assert!(
        !skipped[0].0 && skipped[0].1.contains("说明"),
        "{skipped:#?}"
    );
    assert!(
        skipped[1].0 && skipped[1].1.contains("坏部门"),
        "{skipped:#?}"
    );
}

#[test]
fn a_town_name_with_spaces_keeps_them() {
    let mut doc = seed_doc();
    doc.town = "x = 1镇".into();
    let f = only_form(&jixiao::render::xlsx::workbook(&doc, None).unwrap(), "xlsx");
    assert_eq!(f.document.town, "x = 1镇");
}

#[test]
fn a_date_cell_reads_as_the_form_writes_dates() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 12, 31).unwrap();
    let format = rust_xlsxwriter::Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    ws.write_datetime_with_format(0, 0, &date, &format).unwrap();
    let tables = import::table::read(&wb.save_to_buffer().unwrap(), "x", "xlsx").unwrap();
    assert_eq!(tables[0].cells[0].text, "2024年12月31日");
    assert_eq!(tables[0].cells[0].number, None);
}

#[test]
fn a_fraction_in_a_text_cell_is_flagged_as_a_possible_percentage() {
    let mut doc = seed_doc();
    doc.indicators[0].groups[1].items[0].annual = jixiao::model::document::Text::One("0.9".into());
    // Written as jixiao writes texts, then turned into a number cell the
    // way Excel stores a typed `90%`.
    let table_bytes = jixiao::render::xlsx::workbook(&doc, None).unwrap();
    let table = &import::table::read(&table_bytes, "x", "xlsx").unwrap()[0];
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for c in &table.cells {
        if c.text == "0.9" {
            ws.write(c.row, c.col as u16, 0.9).unwrap();
        } else if let Some(n) = c.number {
            ws.write(
                c.row,
                c.col as u16,
                rust_decimal::prelude::ToPrimitive::to_f64(&n).unwrap(),
            )
            .unwrap();
        } else {
            ws.write(c.row, c.col as u16, &c.text).unwrap();
        }
    }
    let f = only_form(&wb.save_to_buffer().unwrap(), "xlsx");
    assert_eq!(f.document, doc);
    let notes: Vec<String> = f.report.iter().map(ToString::to_string).collect();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(
        notes[0].contains("90%") && notes[0].contains("年度指标值"),
        "{}",
        notes[0]
    );
}

#[test]
fn a_totals_row_under_the_tasks_is_reported_not_imported() {
    let bytes = seed_text_with(|l| l.insert(25, "\t合 计\t\t10,090,000.00\t"));
    let f = only_form(&bytes, "txt");
    no_errors(&f);
    all_accounted(&f);
    assert_eq!(f.document, seed_doc());
    let notes: Vec<String> = f.report.iter().map(ToString::to_string).collect();
    assert_eq!(notes.len(), 2, "{notes:#?}");
    assert!(notes[0].contains("第26行第2列"), "{}", notes[0]);
    assert!(notes[1].contains("第26行第4列"), "{}", notes[1]);
}

#[test]
fn the_first_missing_label_in_the_forms_order_is_named() {
    // Without 财政供养人员数 and 总体绩效目标, the first is named.
    let bytes = seed_text_with(|l| {
        l[7] = "基本信息\t人数\t19\t下属二级单位数\t0";
        l[14] = "目标\t无";
    });
    let e = import::import(&bytes, "缺", "txt").unwrap_err();
    assert!(e.message.contains("找不到“财政供养人员数”"), "{e}");
    let bytes = seed_text_with(|l| l[14] = "目标\t无");
    let e = import::import(&bytes, "缺", "txt").unwrap_err();
    assert!(e.message.contains("找不到“总体绩效目标”"), "{e}");
}

/// Workbooks laid out by hand rather than by jixiao: the seed's own
/// workbook as the importer reads it, edited the way clerks lay the form
/// out in Excel or WPS, and written again.
mod by_hand {
    use super::*;
    use jixiao::import::table::Cell;
    use rust_decimal::prelude::ToPrimitive;

    /// The seed's cells, as the importer reads jixiao's own workbook.
    fn seed_cells() -> Vec<Cell> {
        let seed = jixiao::render::xlsx::workbook(&seed_doc(), None).unwrap();
        import::table::read(&seed, "x", "xlsx")
            .unwrap()
            .remove(0)
            .cells
    }

    /// A workbook whose first sheet holds `cells`, merged ranges kept.
    fn book(cells: &[Cell]) -> rust_xlsxwriter::Workbook {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Sheet1").unwrap();
        let f = rust_xlsxwriter::Format::new();
        for c in cells {
            let (r, col) = (c.row, c.col as u16);
            if c.last_row > c.row || c.last_col > c.col {
                ws.merge_range(r, col, c.last_row, c.last_col as u16, "", &f)
                    .unwrap();
            }
            match c.number {
                Some(n) => ws.write_number(r, col, n.to_f64().unwrap()),
                None => ws.write_string(r, col, &c.text),
            }
            .unwrap();
        }
        wb
    }

    /// The seed's workbook with `edit` applied to its cells.
    fn relaid(edit: impl FnOnce(&mut Vec<Cell>)) -> Vec<u8> {
        let mut cells = seed_cells();
        edit(&mut cells);
        book(&cells).save_to_buffer().unwrap()
    }

    /// The cell reading `text` (its first line).
    fn find<'a>(cells: &'a mut [Cell], text: &str) -> &'a mut Cell {
        cells
            .iter_mut()
            .find(|c| c.text.lines().next() == Some(text) || c.text.starts_with(text))
            .unwrap_or_else(|| panic!("no cell “{text}”"))
    }

    /// `n` empty rows inserted before row `at`; merged ranges across it grow.
    fn insert_rows(cells: &mut [Cell], at: u32, n: u32) {
        for c in cells {
            if c.row >= at {
                c.row += n;
                c.last_row += n;
            } else if c.last_row >= at {
                c.last_row += n;
            }
        }
    }

    fn text_cell(row: u32, col: u32, text: &str) -> Cell {
        Cell {
            row,
            col,
            last_row: row,
            last_col: col,
            text: text.into(),
            number: None,
        }
    }

    /// The report's lines, for a failing assertion.
    fn said(f: &Imported) -> String {
        f.report
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The form read back is the seed, with nothing left unread.
    fn is_the_seed(bytes: &[u8]) -> Imported {
        let f = only_form(bytes, "xlsx");
        no_errors(&f);
        all_accounted(&f);
        assert_eq!(f.document, seed_doc(), "{}", said(&f));
        f
    }

    /// A clerk's workbook often holds more than the form: a chart on a
    /// sheet of its own, and hidden sheets (an old copy of the form, the
    /// lists behind a drop-down). The chart sheet holds no cells and is
    /// passed over; a hidden sheet is not read as a form while the workbook
    /// shows one, and the report says so.
    #[test]
    fn a_chart_sheet_and_a_hidden_old_copy_are_passed_over() {
        let cells = seed_cells();
        let mut wb = book(&cells);
        let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
        chart.add_series().set_values("Sheet1!$C$5:$C$6");
        wb.add_chartsheet()
            .set_name("图表")
            .unwrap()
            .insert_chart(0, 0, &chart)
            .unwrap();
        // Last year's form, kept hidden.
        let old = wb.add_worksheet();
        old.set_name("2023年").unwrap().set_hidden(true);
        for c in &cells {
            match c.number {
                Some(n) => old.write_number(c.row, c.col as u16, n.to_f64().unwrap()),
                None => old.write_string(c.row, c.col as u16, c.text.replace("2024", "2023")),
            }
            .unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        let forms = import::import(&bytes, "表", "xlsx").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(forms.forms.len(), 1, "{:?}", forms.skipped);
        assert_eq!(forms.forms[0].sheet, "Sheet1");
        assert_eq!(forms.forms[0].document, seed_doc());
        let hidden = forms
            .skipped
            .iter()
            .find(|f| f.message.contains("2023年"))
            .unwrap_or_else(|| panic!("the hidden sheet is not named: {:?}", forms.skipped));
        assert!(
            !hidden.is_error() && hidden.message.contains("隐藏"),
            "{hidden}"
        );
        assert!(
            !forms.skipped.iter().any(|f| f.message.contains("图表")),
            "{:?}",
            forms.skipped
        );
    }

    /// A row hidden in Excel is still part of the sheet, so its values are
    /// read; but the clerk may have hidden it to leave it out, so the
    /// report names the row. Rows hidden with nothing the form uses pass
    /// without a word.
    #[test]
    fn a_hidden_row_is_read_and_named() {
        let mut cells = seed_cells();
        let task = find(&mut cells, "任务3").row;
        let mut wb = book(&cells);
        let ws = wb.worksheet_from_index(0).unwrap();
        ws.set_row_hidden(task).unwrap();
        // An empty row below the form, hidden too.
        ws.set_row_hidden(cells.iter().map(|c| c.last_row).max().unwrap() + 3)
            .unwrap();
        let f = only_form(&wb.save_to_buffer().unwrap(), "xlsx");
        assert_eq!(f.document, seed_doc(), "{}", said(&f));
        let hidden: Vec<_> = f
            .report
            .iter()
            .filter(|r| r.message.contains("隐藏"))
            .collect();
        assert_eq!(hidden.len(), 1, "{}", said(&f));
        assert!(!hidden[0].is_error(), "{}", hidden[0]);
        assert!(
            hidden[0].message.contains(&format!("第{}行", task + 1))
                && hidden[0]
                    .cell
                    .as_deref()
                    .is_some_and(|c| c.ends_with(&(task + 1).to_string())),
            "{}",
            hidden[0]
        );
    }

    /// A workbook written by a program that stores formulas without their
    /// results (Excel and WPS store both): the value the clerk sees in
    /// Excel is unknown to the importer, which says so at the cell rather
    /// than read a blank amount silently. The same workbook with the
    /// result stored reads as the seed.
    #[test]
    fn a_formula_without_its_result_is_an_error_at_its_cell() {
        let mut cells = seed_cells();
        let label = find(&mut cells, "基本支出").clone();
        let at = cells
            .iter()
            .position(|c| c.row == label.row && c.col == label.last_col + 1)
            .expect("基本支出's amount");
        let amount = cells.remove(at);
        let mut wb = book(&cells);
        let formula = rust_xlsxwriter::Formula::new(format!("={}-0", amount.text))
            .set_result(amount.text.clone());
        wb.worksheet_from_index(0)
            .unwrap()
            .write_formula(amount.row, amount.col as u16, formula)
            .unwrap();
        let with_result = wb.save_to_buffer().unwrap();
        let f = only_form(&with_result, "xlsx");
        assert_eq!(f.document, seed_doc(), "{}", said(&f));

        // The result left out, or written as an empty `<v/>`.
        for empty in ["", "<v/>"] {
            let without = without_formula_results(&with_result, empty);
            assert_ne!(without, with_result, "a result was taken out");
            let f = only_form(&without, "xlsx");
            let cell = format!("Sheet1!{}", import::table::a1(amount.row, amount.col));
            let e = f
                .report
                .iter()
                .find(|r| r.is_error() && r.cell.as_deref() == Some(cell.as_str()))
                .unwrap_or_else(|| panic!("{empty}: no error at {cell}:\n{}", said(&f)));
            assert!(
                e.message.contains("公式") && e.message.contains("保存后再导入"),
                "{e}"
            );
            assert!(e.message.contains(&format!("={}-0", amount.text)), "{e}");
        }
    }

    /// The workbook with every formula's stored result replaced by `empty`
    /// (nothing, or `<v/>`), as programs that never compute them write it.
    fn without_formula_results(xlsx: &[u8], empty: &str) -> Vec<u8> {
        use std::io::{Read as _, Write as _};
        let mut zin = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for i in 0..zin.len() {
                let mut f = zin.by_index(i).unwrap();
                let name = f.name().unwrap().to_string();
                let mut bytes = Vec::new();
                f.read_to_end(&mut bytes).unwrap();
                if name.starts_with("xl/worksheets/") {
                    let xml = String::from_utf8(bytes).unwrap();
                    let mut kept = String::new();
                    let mut rest = xml.as_str();
                    while let Some(i) = rest.find("</f><v>") {
                        kept.push_str(&rest[..i + 4]);
                        kept.push_str(empty);
                        let after = &rest[i + 4..];
                        let end = after.find("</v>").unwrap() + 4;
                        rest = &after[end..];
                    }
                    kept.push_str(rest);
                    bytes = kept.into_bytes();
                }
                z.start_file(name, opts).unwrap();
                z.write_all(&bytes).unwrap();
            }
            z.finish().unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn labels_typed_on_every_row_instead_of_merged_read_as_one_block() {
        let f = is_the_seed(&relaid(|cells| {
            let mut typed = Vec::new();
            for c in cells.iter_mut() {
                if c.last_row > c.row {
                    for row in c.row + 1..=c.last_row {
                        typed.push(Cell {
                            row,
                            last_row: row,
                            ..c.clone()
                        });
                    }
                    c.last_row = c.row;
                }
            }
            cells.extend(typed);
            cells.sort_by_key(|c| (c.row, c.col));
        }));
        // Every repeated label is known as one, not reported as stray.
        assert!(
            !f.report
                .iter()
                .any(|r| r.message.contains("不是表中的内容")),
            "{}",
            said(&f)
        );
    }

    #[test]
    fn goals_a_row_each_under_a_merged_label_are_all_read() {
        is_the_seed(&relaid(|cells| {
            let goals = find(cells, "目标1").clone();
            let lines: Vec<String> = goals.text.lines().map(str::to_string).collect();
            assert!(lines.len() > 2);
            let extra = lines.len() as u32 - 1;
            insert_rows(cells, goals.row + 1, extra);
            find(cells, labels::OVERALL).last_row = goals.row + extra;
            let first = find(cells, "目标1");
            first.text = lines[0].clone();
            for (k, line) in lines.iter().enumerate().skip(1) {
                let mut c = goals.clone();
                c.row += k as u32;
                c.last_row = c.row;
                c.text = line.clone();
                cells.push(c);
            }
            cells.sort_by_key(|c| (c.row, c.col));
        }));
    }

    use jixiao::model::labels;

    #[test]
    fn numbering_typed_by_hand_and_goals_wrapped_by_hand_are_read() {
        is_the_seed(&relaid(|cells| {
            for (i, typed) in [(1, "1、"), (2, "（2）"), (3, "三、"), (4, "4. ")] {
                let c = find(cells, &format!("任务{i}"));
                let name = c.text.split_once([':', '：']).unwrap().1.trim();
                c.text = format!("{typed}{name}");
            }
            // A long goal broken over two lines with Alt+Enter.
            let g = find(cells, "目标1");
            let (first, rest) = g.text.split_once('\n').unwrap();
            let cut = first.char_indices().nth(12).unwrap().0;
            g.text = format!("{}\n{}\n{rest}", &first[..cut], &first[cut..]);
        }));
    }

    #[test]
    fn title_and_year_in_one_cell_and_labels_with_colons_are_read() {
        for title in [
            "大朗镇部门整体预算绩效目标表\n（2024年）",
            "大朗镇部门整体预算绩效目标表(2024年)",
            "大朗镇2024年部门整体预算绩效目标表",
        ] {
            is_the_seed(&relaid(|cells| {
                find(cells, "大朗镇部门整体预算绩效目标表").text = title.into();
                cells.retain(|c| !matches!(c.text.as_str(), "（2024年）" | "(2024年)"));
                find(cells, labels::DEPARTMENT).text = "部门名称：".into();
                // A zero-width space pasted from a web page.
                find(cells, labels::STAFF).text = "财政供养\u{200B}人员数".into();
            }));
        }
    }

    #[test]
    fn values_merged_across_both_columns_fill_both() {
        is_the_seed(&relaid(|cells| {
            let (period, annual) = {
                let head = |t: &str| cells.iter().find(|c| c.text == t).unwrap().col;
                (head(labels::PERIOD), head(labels::ANNUAL))
            };
            let mut merged = 0;
            let same: Vec<(u32, String)> = cells
                .iter()
                .filter(|c| c.col == annual && c.row > 0)
                .map(|c| (c.row, c.text.clone()))
                .collect();
            for (row, text) in same {
                let Some(p) = cells
                    .iter_mut()
                    .find(|c| c.row == row && c.col == period && c.text == text)
                else {
                    continue;
                };
                if p.text == labels::PERIOD {
                    continue;
                }
                p.last_col = annual;
                merged += 1;
                cells.retain(|c| !(c.row == row && c.col == annual));
            }
            // Every indicator and 满意度调查 read the same in the seed.
            assert!(merged > 20, "{merged}");
        }));
    }

    /// Indicators whose values read the same, with each value merged down
    /// over their rows, as a clerk tidies a sheet: every indicator the
    /// merge covers takes its value.
    #[test]
    fn values_merged_down_over_several_indicators_are_each_ones() {
        let mut doc = seed_doc();
        let group = doc
            .indicators
            .iter_mut()
            .flat_map(|l| l.groups.iter_mut())
            .find(|g| g.items.len() >= 3)
            .expect("the seed has a group of three indicators");
        let (first, rest) = group.items.split_first_mut().unwrap();
        for item in rest.iter_mut().take(2) {
            item.period = first.period.clone();
            item.annual = first.annual.clone();
        }
        let names: Vec<String> = group.items.iter().take(3).map(|i| i.name.clone()).collect();
        let bytes = relaid(|cells| {
            let head = |cells: &[Cell], t: &str| cells.iter().find(|c| c.text == t).unwrap().col;
            let (period, annual) = (head(cells, labels::PERIOD), head(cells, labels::ANNUAL));
            let rows: Vec<u32> = names.iter().map(|n| find(cells, n).row).collect();
            assert_eq!(
                rows[2],
                rows[0] + 2,
                "the three indicators are on three rows"
            );
            for col in [period, annual] {
                cells.retain(|c| !(c.col == col && (c.row == rows[1] || c.row == rows[2])));
                let top = cells
                    .iter_mut()
                    .find(|c| c.col == col && c.row == rows[0])
                    .unwrap();
                top.last_row = rows[2];
            }
        });
        let f = only_form(&bytes, "xlsx");
        no_errors(&f);
        all_accounted(&f);
        assert_eq!(f.document, doc, "{}", said(&f));
    }

    /// 部门名称 and the name typed in one cell merged across the row, as
    /// on forms that leave no cell for the value; and the label as other
    /// versions of the form write it, 单位名称.
    #[test]
    fn the_department_in_its_label_cell_and_as_unit_name_are_read() {
        let one_cell = |cells: &mut Vec<Cell>, label: &str| {
            let at = cells
                .iter()
                .position(|c| c.text == labels::DEPARTMENT)
                .unwrap();
            let value = cells.remove(at + 1);
            let c = &mut cells[at];
            c.text = format!("{label}：{}", value.text);
            c.last_col = value.last_col;
        };
        let f = is_the_seed(&relaid(|cells| one_cell(cells, labels::DEPARTMENT)));
        assert_eq!(
            f.cell_of("department"),
            Some("Sheet1!B3"),
            "{:?}",
            f.sources
        );
        is_the_seed(&relaid(|cells| one_cell(cells, "单 位 名 称")));
        is_the_seed(&relaid(|cells| {
            find(cells, labels::DEPARTMENT).text = "单位名称".into()
        }));
    }

    /// Part 2's header in two rows: `指标值` merged over 实施周期指标值 and
    /// 年度指标值, the other heads merged down over both rows.
    #[test]
    fn a_header_of_two_rows_is_read() {
        is_the_seed(&relaid(|cells| {
            let head = find(cells, labels::LEVEL3).row;
            insert_rows(cells, head + 1, 1);
            let (mut period, mut annual) = (0, 0);
            for c in cells.iter_mut().filter(|c| c.row == head) {
                if c.text == labels::PERIOD || c.text == labels::ANNUAL {
                    c.row += 1;
                    c.last_row = c.row;
                    if c.text == labels::PERIOD {
                        period = c.col;
                    } else {
                        annual = c.col;
                    }
                } else if c.last_row == head {
                    c.last_row += 1;
                }
            }
            let mut over = text_cell(head, period, "指标值");
            over.last_col = annual;
            let at = cells
                .iter()
                .position(|c| (c.row, c.col) > (head, period))
                .unwrap();
            cells.insert(at, over);
        }));
    }

    /// A 合计 row a clerk added under the key tasks is not a task; a total
    /// that is not the tasks' sum is named, with both figures, since a
    /// task may have been left out.
    #[test]
    fn a_totals_row_under_the_tasks_is_checked_against_their_sum() {
        let sum: rust_decimal::Decimal = seed_doc().tasks.iter().map(|t| t.amount).sum();
        let with_total = |total: rust_decimal::Decimal| {
            relaid(|cells| {
                let last = format!("任务{}", seed_doc().tasks.len());
                let (row, name_col) = {
                    let c = find(cells, &last);
                    (c.row, c.col)
                };
                let amount_col = cells
                    .iter()
                    .find(|c| c.row == row && c.number.is_some())
                    .unwrap()
                    .col;
                insert_rows(cells, row + 1, 1);
                let at = cells.iter().position(|c| c.row > row).unwrap();
                let mut amount = text_cell(row + 1, amount_col, "");
                amount.number = Some(total);
                amount.text = total.to_string();
                cells.insert(at, amount);
                cells.insert(at, text_cell(row + 1, name_col, "合计"));
            })
        };
        let f = only_form(&with_total(sum), "xlsx");
        no_errors(&f);
        assert_eq!(f.document, seed_doc(), "{}", said(&f));
        assert!(!said(&f).contains("加起来是"), "{}", said(&f));

        let wrong = sum - rust_decimal::Decimal::new(10_000, 0);
        let f = only_form(&with_total(wrong), "xlsx");
        no_errors(&f);
        all_accounted(&f);
        assert_eq!(f.document, seed_doc(), "{}", said(&f));
        let note = f
            .report
            .iter()
            .find(|r| r.message.contains("加起来是"))
            .unwrap_or_else(|| panic!("{}", said(&f)));
        let shown = |d| jixiao::model::document::format_amount(d);
        assert!(note.message.contains(&shown(wrong)), "{note}");
        assert!(note.message.contains(&shown(sum)), "{note}");
    }

    /// A part the importer cannot find is one error at its cell: not again
    /// as a key the data file lacks, in the data file's words, which a
    /// clerk who sent a workbook never wrote.
    #[test]
    fn a_part_not_found_is_told_once_in_the_forms_words() {
        let bytes = relaid(|cells| {
            let row = find(cells, "满意度调查").row;
            cells.retain(|c| c.row != row);
        });
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("表.xlsx");
        std::fs::write(&path, bytes).unwrap();
        let forms = import::load_any(&path, false);
        assert_eq!(forms.len(), 1);
        let errors: Vec<String> = (forms[0].loaded.diagnostics.iter())
            .filter(|d| d.is_error())
            .map(|d| d.message.clone())
            .collect();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("找不到“满意度调查"), "{errors:#?}");
    }

    /// Two tasks with the same 期望达到的目标, the cell merged down over
    /// both rows: the second task's target is the merged text, not blank.
    /// An amount merged so cannot be shared out, and the error names the
    /// merged range.
    #[test]
    fn a_task_target_merged_down_over_two_tasks_is_both_and_a_merged_amount_is_an_error() {
        let mut doc = seed_doc();
        doc.tasks[1].target = doc.tasks[0].target.clone();
        let merge = |cells: &mut Vec<Cell>, col_of: &dyn Fn(&[Cell]) -> u32| {
            let rows = (find(cells, "任务1").row, find(cells, "任务2").row);
            let col = col_of(cells);
            cells.retain(|c| !(c.col == col && c.row == rows.1));
            let top = cells
                .iter_mut()
                .find(|c| c.col == col && c.row == rows.0)
                .unwrap();
            top.last_row = rows.1;
            rows
        };
        let target_col = |cells: &[Cell]| {
            cells
                .iter()
                .find(|c| c.text.starts_with("期望达到的目标"))
                .unwrap()
                .col
        };
        let f = only_form(&relaid(|cells| _ = merge(cells, &target_col)), "xlsx");
        no_errors(&f);
        all_accounted(&f);
        assert_eq!(f.document, doc, "{}", said(&f));

        let amount_col = |cells: &[Cell]| {
            cells
                .iter()
                .find(|c| c.text.starts_with("拟投入的资金"))
                .unwrap()
                .col
        };
        let mut rows = (0, 0);
        let f = only_form(&relaid(|cells| rows = merge(cells, &amount_col)), "xlsx");
        let err = f
            .report
            .iter()
            .find(|x| x.is_error() && x.message.contains("合并"))
            .unwrap_or_else(|| panic!("{}", said(&f)));
        assert!(
            err.message
                .contains(&format!("{}:", err.cell.clone().unwrap())),
            "{err}"
        );
        assert!(err.message.contains(&format!("{}", rows.1 + 1)), "{err}");
    }

    #[test]
    fn nothing_typed_as_wu_or_a_dash_is_read_as_nothing() {
        let bytes = relaid(|cells| {
            // 无 in the empty 经济效益指标 group's row.
            let g = find(cells, "经济效益指标").clone();
            for (k, t) in ["无", "/", "—"].into_iter().enumerate() {
                cells.push(text_cell(g.row, g.col + 1 + k as u32, t));
            }
            // A dash in the blank 市本级使用资金.
            let city = find(cells, "市本级使用资金").clone();
            cells.push(text_cell(city.row, city.last_col + 1, "-"));
            cells.sort_by_key(|c| (c.row, c.col));
        });
        let f = is_the_seed(&bytes);
        assert!(
            f.report
                .iter()
                .any(|r| !r.is_error() && r.message.contains("“-”按空白读取")),
            "{}",
            said(&f)
        );

        // 无 where the other tasks go: there are none.
        let f = only_form(
            &relaid(|cells| {
                let other = find(cells, "其他需完成的任务").clone();
                cells.retain(|c| !(c.row == other.row && c.col > other.col));
                cells.push(text_cell(other.row, other.col + 1, "无"));
                cells.sort_by_key(|c| (c.row, c.col));
            }),
            "xlsx",
        );
        no_errors(&f);
        assert!(
            f.document.other_tasks.is_empty(),
            "{:?}",
            f.document.other_tasks
        );
    }

    #[test]
    fn amounts_typed_with_their_unit_are_read_and_a_wrong_unit_is_an_error() {
        let with_unit = |unit_of_task1: &'static str| {
            relaid(move |cells| {
                let head = cells
                    .iter()
                    .find(|c| c.text.starts_with(labels::TASK_AMOUNT))
                    .unwrap()
                    .col;
                let mut first = true;
                for c in cells
                    .iter_mut()
                    .filter(|c| c.col == head && c.number.is_some())
                {
                    let n = c.number.take().unwrap();
                    c.text = if first {
                        first = false;
                        match unit_of_task1 {
                            "万元" => format!("{}万元", n / rust_decimal::Decimal::from(10_000)),
                            _ => format!("{n}元"),
                        }
                    } else {
                        format!("{n}元")
                    };
                }
            })
        };
        is_the_seed(&with_unit("元"));
        let f = only_form(&with_unit("万元"), "xlsx");
        let e = f
            .report
            .iter()
            .find(|r| r.is_error())
            .unwrap_or_else(|| panic!("{}", said(&f)));
        assert!(
            e.message.contains("单位是“万元”") && e.message.contains("这一栏的单位是“元”"),
            "{e}"
        );
        assert!(e.to_string().contains("任务1 › 拟投入的资金"), "{e}");
    }

    #[test]
    fn a_notes_sheet_that_lists_the_labels_is_passed_over() {
        let mut wb = book(&seed_cells());
        let notes = wb.add_worksheet();
        notes.set_name("填表说明").unwrap();
        for (r, (label, how)) in [
            ("栏目", "填写要求"),
            ("部门名称", "填写部门全称"),
            ("财政供养人员数", "按编制内实有人数填写"),
        ]
        .into_iter()
        .enumerate()
        {
            notes.write(r as u32, 0, label).unwrap();
            notes.write(r as u32, 1, how).unwrap();
        }
        let forms = import::import(&wb.save_to_buffer().unwrap(), "全镇", "xlsx").unwrap();
        assert_eq!(forms.forms.len(), 1);
        assert_eq!(forms.forms[0].document, seed_doc());
        assert_eq!(forms.skipped.len(), 1);
        assert!(!forms.skipped[0].is_error(), "{}", forms.skipped[0]);
    }

    /// Another town's shape of the form: no 按预算级次划分 block, and no
    /// 下属二级单位数. The rest is read; each missing field is named.
    #[test]
    fn a_form_without_some_rows_of_part_1_is_read_and_the_gaps_named() {
        let bytes = relaid(|cells| {
            let row = find(cells, "按预算级次划分").row;
            let transfer = find(cells, "拟用于对下转移支付资金").row;
            let col = find(cells, "按预算级次划分").col;
            cells.retain(|c| {
                !((c.row == row || c.row == transfer || c.row == row + 1) && c.col >= col)
            });
            let sub = find(cells, labels::SUBUNITS).clone();
            cells.retain(|c| !(c.row == sub.row && c.col >= sub.col));
        });
        let f = only_form(&bytes, "xlsx");
        let mut want = seed_doc();
        want.budget.transfer = None;
        assert_eq!(f.document, want, "{}", said(&f));
        let errors: Vec<String> = f
            .report
            .iter()
            .filter(|r| r.is_error())
            .map(ToString::to_string)
            .collect();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("下属二级单位数"), "{errors:#?}");
        for gone in ["市本级使用资金", "拟用于对下转移支付资金"] {
            assert!(
                f.report
                    .iter()
                    .any(|r| !r.is_error() && r.message.contains(gone)),
                "{}",
                said(&f)
            );
        }
    }

    #[test]
    fn a_blank_indicator_value_is_told_in_the_columns_words() {
        let f = only_form(
            &relaid(|cells| {
                let annual = cells.iter().find(|c| c.text == labels::ANNUAL).unwrap().col;
                let row = find(cells, "补助发放准确率").row;
                cells.retain(|c| !(c.row == row && c.col == annual));
            }),
            "xlsx",
        );
        let errors: Vec<String> = f
            .report
            .iter()
            .filter(|r| r.is_error())
            .map(ToString::to_string)
            .collect();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("三级指标这一行不完整"), "{errors:#?}");
    }
}

mod number_formats {
    //! An xlsx cell reads as its number format shows it: a fraction
    //! formatted `0%` as a percent, a count formatted `0"人"` with its unit,
    //! a date formatted `yyyy"年"m"月"` as a month; amounts stay the numbers
    //! they are, whatever their format.

    use jixiao::model::Document;
    use jixiao::model::document::Text;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    use super::{all_accounted, no_errors, only_form};
    use crate::support::seed_doc;

    /// What a clerk typed where the workbook shows a text.
    enum Typed {
        Number(f64, &'static str),
        /// Year, month, day.
        Date(u16, u8, u8, &'static str),
    }

    /// jixiao's own workbook of `doc`, written again cell by cell as Excel
    /// stores a clerk's typing: every number formatted `numbers`, and each
    /// cell that shows a text of `typed` holding the value typed there, in
    /// its format.
    fn retyped(doc: &Document, numbers: &str, typed: &[(&str, Typed)]) -> Vec<u8> {
        let own = jixiao::render::xlsx::workbook(doc, None).unwrap();
        let table = &jixiao::import::table::read(&own, "x", "xlsx").unwrap()[0];
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let number_format = Format::new().set_num_format(numbers);
        for c in &table.cells {
            let (row, col) = (c.row, c.col as u16);
            match typed.iter().find(|(shown, _)| *shown == c.text) {
                Some((_, Typed::Number(n, f))) => {
                    let f = Format::new().set_num_format(*f);
                    ws.write_number_with_format(row, col, *n, &f).unwrap();
                }
                Some((_, Typed::Date(y, m, d, f))) => {
                    let f = Format::new().set_num_format(*f);
                    let date = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                    ws.write_datetime_with_format(row, col, &date, &f).unwrap();
                }
                None => match c.number {
                    Some(n) => {
                        let n = rust_decimal::prelude::ToPrimitive::to_f64(&n).unwrap();
                        ws.write_number_with_format(row, col, n, &number_format)
                            .unwrap();
                    }
                    None => {
                        ws.write(row, col, &c.text).unwrap();
                    }
                },
            }
        }
        wb.save_to_buffer().unwrap()
    }

    /// The seed with indicator values a clerk would type as numbers.
    fn doc_with(values: [&str; 4]) -> Document {
        let mut doc = seed_doc();
        let groups = &mut doc.indicators[0].groups;
        groups[0].items[0].period = Text::One(values[0].into());
        groups[0].items[0].annual = Text::One(values[1].into());
        groups[1].items[0].period = Text::One(values[2].into());
        groups[2].items[0].annual = Text::One(values[3].into());
        doc
    }

    /// The form read back, with nothing to report: no error, and no
    /// warning asking whether a fraction was meant as a percent.
    fn imports_as(bytes: &[u8], doc: &Document) {
        let f = only_form(bytes, "xlsx");
        no_errors(&f);
        all_accounted(&f);
        let notes: Vec<String> = f.report.iter().map(ToString::to_string).collect();
        assert!(notes.is_empty(), "{notes:#?}");
        assert_eq!(&f.document, doc);
    }

    #[test]
    fn percents_units_and_months_read_as_the_sheet_shows_them() {
        let doc = doc_with(["34人", "100%", "95%", "2024年12月"]);
        let bytes = retyped(
            &doc,
            "#,##0.00",
            &[
                ("34人", Typed::Number(34.0, "0\"人\"")),
                ("100%", Typed::Number(1.0, "0%")),
                ("95%", Typed::Number(0.95, "0%")),
                ("2024年12月", Typed::Date(2024, 12, 1, "yyyy\"年\"m\"月\"")),
            ],
        );
        imports_as(&bytes, &doc);
    }

    #[test]
    fn decimals_literals_and_thousands_come_from_the_format() {
        let doc = doc_with(["约1,500元", "95.5%", "≥90%", "2024年"]);
        let bytes = retyped(
            &doc,
            "#,##0.00",
            &[
                ("约1,500元", Typed::Number(1500.0, "\"约\"#,##0\"元\"")),
                ("95.5%", Typed::Number(0.955, "0.0%")),
                ("≥90%", Typed::Number(0.9, "\"≥\"0%")),
                ("2024年", Typed::Date(2024, 6, 30, "yyyy\"年\"")),
            ],
        );
        imports_as(&bytes, &doc);
    }

    #[test]
    fn a_full_date_keeps_the_forms_way_of_writing_it() {
        // The seed's 时效指标 read 2024年12月31日.
        let doc = seed_doc();
        for format in ["yyyy\"年\"m\"月\"d\"日\"", "yyyy/m/d"] {
            let bytes = retyped(
                &doc,
                "#,##0.00",
                &[("2024年12月31日", Typed::Date(2024, 12, 31, format))],
            );
            imports_as(&bytes, &doc);
        }
    }

    #[test]
    fn amounts_and_counts_are_their_numbers_whatever_their_format() {
        // Budget amounts, task amounts, 财政供养人员数 and 下属二级单位数,
        // all formatted alike.
        let doc = seed_doc();
        for format in ["#,##0.00", "#,##0.00\"万元\"", "0%", "\"¥\"#,##0.00"] {
            let f = only_form(&retyped(&doc, format, &[]), "xlsx");
            no_errors(&f);
            assert_eq!(f.document, doc, "{format}");
        }
    }
}

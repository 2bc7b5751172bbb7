//! `jixiao import`: existing forms (the budget system's text export,
//! jixiao's own workbooks, a workbook typed by a clerk) read back into the
//! same `Document`, and bad input refused clearly.

use jixiao::import::{self, Imported, Use};
use jixiao::model::Document;

use crate::support;

fn seed_doc() -> Document {
    support::load_path(&support::seed_path())
        .document
        .expect("the seed data file is valid")
}

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
    assert!(text.contains("basic_expense = 37.80"), "{text}");
    assert!(text.contains("city_level = \"\""), "{text}");
}

#[test]
fn the_seeds_own_workbook_imports_to_the_seed() {
    let doc = seed_doc();
    let bytes = jixiao::render::xlsx::workbook(&doc).unwrap();
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
    let bytes = summary::workbook(2024, "大朗镇", &entries).unwrap();
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

        let bytes = jixiao::render::xlsx::workbook(&doc).unwrap();
        let f = only_form(&bytes, "xlsx");
        no_errors(&f);
        all_accounted(&f);
        proptest::prop_assert!(f.report.is_empty(), "{:#?}", f.report);
        proptest::prop_assert_eq!(&f.document, &doc);
    }
}

//! The real 2024 form: it checks clean and nothing of it is lost.

use jixiao::model::document::{Text, format_amount};
use jixiao::model::{self, Document};
use rust_decimal::Decimal;

use crate::support::*;

/// Every cell text of the original export, split at tabs and ①②③ marks,
/// with the derived numbering (目标N: / 任务N: ) taken off.
fn seed_cells() -> Vec<String> {
    // A verbatim copy of the text export the form was read from.
    let raw = std::fs::read_to_string(root().join("tests/fixtures/seed.txt")).expect("seed export");
    let mut cells = Vec::new();
    for cell in raw.split(['\t', '\n']) {
        let cell = cell.replace("<p>", "\n").replace("</p>", "\n");
        for part in cell.split(['\n', '①', '②', '③']) {
            let part = part.trim();
            let part = strip_number(part, "目标").unwrap_or(part);
            let part = strip_number(part, "任务").unwrap_or(part);
            if !part.is_empty() {
                cells.push(part.to_string());
            }
        }
    }
    cells
}

fn strip_number<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(word)?;
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    (digits > 0).then(|| rest[digits..].strip_prefix(": ").unwrap_or(&rest[digits..]))
}

/// Everything the document holds, as the strings the form prints.
fn doc_strings(d: &Document) -> Vec<String> {
    let mut v = vec![
        d.town.clone(),
        format!("{}部门整体预算绩效目标表", d.town),
        format!("({}年)", d.year),
        d.department.clone(),
        d.staff.to_string(),
        d.subunits.to_string(),
    ];
    let b = &d.budget;
    for a in [
        b.basic_expense,
        b.project_expense,
        b.fiscal_funds,
        b.other_funds,
        b.special_funds,
        b.other_development,
        b.city_level,
        b.transfer,
    ]
    .into_iter()
    .flatten()
    {
        v.push(format_amount(a));
    }
    v.extend(d.goals.iter().cloned());
    let text = |t: &Text| match t {
        Text::One(s) => vec![s.clone()],
        Text::Items(items) => items.clone(),
    };
    for t in d.tasks.iter().chain(&d.other_tasks) {
        v.push(t.name.clone());
        v.extend(text(&t.content));
        v.push(format_amount(t.amount));
        v.extend(text(&t.target));
    }
    for l1 in &d.indicators {
        v.push(l1.name.clone());
        for g in &l1.groups {
            v.push(g.name.clone());
            for i in &g.items {
                v.push(i.name.clone());
                v.extend(text(&i.period));
                v.extend(text(&i.annual));
            }
        }
    }
    v.extend(d.satisfaction.iter().cloned());
    v
}

#[test]
fn the_seed_checks_clean() {
    seed_doc();
}

#[test]
fn every_cell_of_the_seed_is_in_the_model() {
    let doc = doc_strings(&seed_doc());
    // Labels of the form itself, which the template prints, not the data.
    let fixed = [
        "部门名称",
        "基本信息",
        "财政供养人员数",
        "下属二级单位数",
        "预算整体情况",
        "部门预算支出",
        "预算金额(万元)",
        "收入来源",
        "基本支出",
        "财政拨款",
        "项目支出",
        "其他资金",
        "事业发展性支出",
        "按预算级次划分",
        "财政专项资金",
        "市本级使用资金",
        "其他事业发展性支出",
        "拟用于对下转移支付资金",
        "总体绩效目标",
        "年度重点工作任务",
        "名称",
        "主要实施内容",
        "拟投入的资金(元)",
        "期望达到的目标(概述)",
        "其他需完成的任务(可选填)",
        "一级指标",
        "二级指标",
        "三级指标",
        "实施周期指标值",
        "年度指标值",
        "绩效指标",
        "满意度调查（服务对象满意度）",
    ];
    let mut missing = Vec::new();
    for cell in seed_cells() {
        if fixed.contains(&cell.as_str()) {
            continue;
        }
        if !doc.contains(&cell) {
            missing.push(cell);
        }
    }
    assert!(
        missing.is_empty(),
        "seed cells not in the model: {missing:#?}"
    );
}

#[test]
fn the_seed_keeps_its_order_and_counts() {
    let d = seed_doc();
    assert_eq!(d.goals.len(), 7);
    assert_eq!(d.tasks.len(), 9);
    assert_eq!(d.other_tasks.len(), 1);
    assert_eq!(d.tasks[0].name, "为村(社区)办公经费提供经费保障");
    assert_eq!(d.tasks[8].name, "做好党建组织员的管理与素质提升");
    let shape: Vec<(String, Vec<(String, usize)>)> = d
        .indicators
        .iter()
        .map(|l| {
            let groups = l
                .groups
                .iter()
                .map(|g| (g.name.clone(), g.items.len()))
                .collect();
            (l.name.clone(), groups)
        })
        .collect();
    let expect = |l1: &str, gs: &[(&str, usize)]| {
        (
            l1.to_string(),
            gs.iter()
                .map(|(n, c)| (n.to_string(), *c))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        shape,
        vec![
            expect(
                "产出指标",
                &[
                    ("数量指标", 4),
                    ("质量指标", 5),
                    ("时效指标", 4),
                    ("成本指标", 4)
                ]
            ),
            expect(
                "效益指标",
                &[
                    ("经济效益指标", 0),
                    ("社会效益指标", 4),
                    ("生态效益指标", 4),
                    ("服务对象满意度指标", 6)
                ]
            ),
        ]
    );
    // The two values of an indicator may differ.
    let period = &d.indicators[0].groups[2].items[3];
    assert_eq!(period.name, "社工、党建组织员服务周期");
    assert_eq!(period.period.joined(), "①社工：1年\n②党建组织员：3年");
    assert_eq!(period.annual.joined(), "①社工：1年\n②党建组织员：1年");
}

#[test]
fn the_seed_amounts_are_exact_and_balance() {
    let d = seed_doc();
    let dec = |s: &str| s.parse::<Decimal>().unwrap();
    assert_eq!(d.budget.basic_expense, Some(dec("37.80")));
    assert_eq!(d.budget.project_expense, Some(dec("1009.00")));
    assert_eq!(d.budget.fiscal_funds, Some(dec("1046.80")));
    assert_eq!(d.budget.city_level, None, "市本级使用资金 is blank, not 0");
    assert_eq!(d.budget.transfer, Some(Decimal::ZERO));
    assert_eq!(d.tasks_total(), dec("10090000"));
    assert_eq!(d.other_tasks_total(), dec("378000"));
    assert_eq!((d.staff, d.subunits), (19, 0));
}

#[test]
fn the_committed_schema_is_what_the_binary_prints() {
    let committed = std::fs::read_to_string(root().join("data/jixiao.schema.json")).unwrap();
    assert_eq!(
        committed,
        jixiao::cmd::schema_text(),
        "data/jixiao.schema.json is stale: run `cargo run -- schema -o data/jixiao.schema.json`"
    );
    // The editor help is Chinese and names the form's fields.
    assert!(committed.contains("财政拨款"));
    assert!(committed.contains("\"additionalProperties\": false"));
}

#[test]
fn the_scaffold_passes_once_its_blanks_are_filled() {
    let blank = model::load(jixiao::cmd::new::SCAFFOLD.as_bytes());
    assert!(blank.errors() > 0, "an unfilled scaffold must not pass");
    assert!(blank.document.is_none());
    let filled = jixiao::cmd::new::SCAFFOLD.replace("\"\"", "\"待填写内容\"");
    let l = load_str(&filled);
    assert!(l.diagnostics.is_empty(), "{:#?}", l.diagnostics);
    assert!(l.document.is_some());
}

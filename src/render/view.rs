//! The form's cells as printed: numbering and amount formats applied once.
//!
//! The Typst template receives this as `/data.json`; it only draws. Every
//! string here is data — the template never evaluates it as markup.

use serde::Serialize;

use crate::model::Document;
use crate::model::document::{Task, Text, format_amount};

/// The form as the template and the workbook print it.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    /// `大朗镇部门整体预算绩效目标表`
    pub title: String,
    /// `(2024年)`
    pub year_line: String,
    pub year: String,
    pub department: String,
    pub staff: String,
    pub subunits: String,
    pub budget: BudgetView,
    /// `目标1: …`, one per line.
    pub goals: Vec<String>,
    /// `元` or `万元`, as in the header `拟投入的资金(元)`.
    pub task_unit: &'static str,
    pub tasks: Vec<TaskView>,
    pub other_tasks: Vec<TaskView>,
    pub indicators: Vec<Level1View>,
    pub satisfaction: [String; 2],
    /// The same rows again, flattened and ready to draw (see [`Rows`]).
    pub rows: Rows,
}

/// The tables' rows as the built-in template draws them. Typst script is
/// slow next to Rust, and the template runs twice per render (Typst lays a
/// document out again once it knows the page numbers); working the rows out
/// in the template took about 2,400 function calls per render. So
/// everything that does not depend on where the pages break is worked out
/// here: cells' texts, and each row's merged label cells with the rows they
/// span.
#[derive(Debug, Clone, Serialize)]
pub struct Rows {
    pub tasks: Vec<TaskRow>,
    pub other_tasks: Vec<TaskRow>,
    pub indicators: Vec<IndicatorRow>,
}

/// A cell's text: one string with a line break (`\n`) between lines, or,
/// when a line holds a long run with no break opportunity (a number, a
/// code, a Latin word of 10 or more characters) that the template must
/// make breakable, the lines one by one.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Text(String),
    Lines(Vec<String>),
}

impl Cell {
    fn new(lines: Vec<String>) -> Cell {
        if lines.iter().any(|l| has_long_run(l)) {
            Cell::Lines(lines)
        } else {
            Cell::Text(lines.join("\n"))
        }
    }
}

/// Ten or more characters in a row that are neither spaces nor Han: a line
/// cannot break inside them, so they could spill out of a narrow cell.
fn has_long_run(s: &str) -> bool {
    use unicode_script::{Script, UnicodeScript};
    let mut run = 0;
    for c in s.chars() {
        if c.is_whitespace() || c.script() == Script::Han {
            run = 0;
        } else {
            run += 1;
            if run >= 10 {
                return true;
            }
        }
    }
    false
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskRow {
    pub name: Cell,
    pub content: Cell,
    pub amount: String,
    pub target: Cell,
}

/// One 三级指标 row, with the 绩效指标, 一级 and 二级 label cells it lies in:
/// `(label, first row, row after the last)`, rows counted in `indicators`.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorRow {
    pub name: Cell,
    pub period: Cell,
    pub annual: Cell,
    pub spans: [(String, usize, usize); 3],
}

impl Rows {
    fn new(d: &Document, tasks: &[TaskView], other_tasks: &[TaskView]) -> Rows {
        let task_row = |t: &TaskView| TaskRow {
            name: Cell::new(vec![t.name.clone()]),
            content: Cell::new(t.content.clone()),
            amount: t.amount.clone(),
            target: Cell::new(t.target.clone()),
        };
        let mut indicators = Vec::new();
        let total: usize = d
            .indicators
            .iter()
            .flat_map(|l| &l.groups)
            .map(|g| g.items.len().max(1))
            .sum();
        let mut row = 0;
        for l in &d.indicators {
            let l1_len: usize = l.groups.iter().map(|g| g.items.len().max(1)).sum();
            let l1 = (l.name.clone(), row, row + l1_len);
            for g in &l.groups {
                let l2 = (g.name.clone(), row, row + g.items.len().max(1));
                let spans = || [("绩效指标".to_string(), 0, total), l1.clone(), l2.clone()];
                if g.items.is_empty() {
                    let blank = || Cell::Text(String::new());
                    indicators.push(IndicatorRow {
                        name: blank(),
                        period: blank(),
                        annual: blank(),
                        spans: spans(),
                    });
                }
                for i in &g.items {
                    indicators.push(IndicatorRow {
                        name: Cell::new(vec![i.name.clone()]),
                        period: Cell::new(i.period.lines()),
                        annual: Cell::new(i.annual.lines()),
                        spans: spans(),
                    });
                }
                row = l2.2;
            }
        }
        Rows {
            tasks: tasks.iter().map(task_row).collect(),
            other_tasks: other_tasks.iter().map(task_row).collect(),
            indicators,
        }
    }
}

/// Budget amounts formatted `1,046.80`; a blank stays an empty string.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetView {
    pub basic_expense: String,
    pub project_expense: String,
    pub fiscal_funds: String,
    pub other_funds: String,
    pub special_funds: String,
    pub other_development: String,
    pub city_level: String,
    pub transfer: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    /// `任务1: 名称` for key tasks, the bare name for other tasks.
    pub name: String,
    pub content: Vec<String>,
    pub amount: String,
    pub target: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Level1View {
    pub name: String,
    pub groups: Vec<GroupView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub name: String,
    pub items: Vec<IndicatorView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorView {
    pub name: String,
    pub period: Vec<String>,
    pub annual: Vec<String>,
}

fn blank_or(a: Option<rust_decimal::Decimal>) -> String {
    a.map(format_amount).unwrap_or_default()
}

fn task(t: &Task, name: String) -> TaskView {
    TaskView {
        name,
        content: t.content.lines(),
        amount: format_amount(t.amount),
        target: t.target.lines(),
    }
}

impl View {
    pub fn new(d: &Document) -> View {
        let b = &d.budget;
        let tasks: Vec<TaskView> = d
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| task(t, format!("任务{}: {}", i + 1, t.name)))
            .collect();
        let other_tasks: Vec<TaskView> = d
            .other_tasks
            .iter()
            .map(|t| task(t, t.name.clone()))
            .collect();
        View {
            rows: Rows::new(d, &tasks, &other_tasks),
            title: format!("{}部门整体预算绩效目标表", d.town),
            year_line: format!("({}年)", d.year),
            year: d.year.to_string(),
            department: d.department.clone(),
            staff: d.staff.to_string(),
            subunits: d.subunits.to_string(),
            budget: BudgetView {
                basic_expense: blank_or(b.basic_expense),
                project_expense: blank_or(b.project_expense),
                fiscal_funds: blank_or(b.fiscal_funds),
                other_funds: blank_or(b.other_funds),
                special_funds: blank_or(b.special_funds),
                other_development: blank_or(b.other_development),
                city_level: blank_or(b.city_level),
                transfer: blank_or(b.transfer),
            },
            goals: d
                .goals
                .iter()
                .enumerate()
                .map(|(i, g)| format!("目标{}: {g}", i + 1))
                .collect(),
            task_unit: d.task_unit.label(),
            tasks,
            other_tasks,
            indicators: d
                .indicators
                .iter()
                .map(|l| Level1View {
                    name: l.name.clone(),
                    groups: l
                        .groups
                        .iter()
                        .map(|g| GroupView {
                            name: g.name.clone(),
                            items: g
                                .items
                                .iter()
                                .map(|i| IndicatorView {
                                    name: i.name.clone(),
                                    period: i.period.lines(),
                                    annual: i.annual.lines(),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            satisfaction: d.satisfaction.clone(),
        }
    }
}

/// Every text of a document with the form's name for its field, for checks
/// that must name the field (a character no font can show, say).
pub fn texts(d: &Document) -> Vec<(String, String)> {
    let mut out = vec![
        ("镇（街道）名称".to_string(), d.town.clone()),
        ("部门名称".to_string(), d.department.clone()),
    ];
    let text = |t: &Text| t.lines().join("\n");
    for (i, g) in d.goals.iter().enumerate() {
        out.push((format!("总体绩效目标 › 目标{}", i + 1), g.clone()));
    }
    let tasks = d
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("年度重点工作任务 › 任务{}", i + 1), t))
        .chain(
            d.other_tasks
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("其他需完成的任务 第{}项", i + 1), t)),
        );
    for (f, t) in tasks {
        out.push((format!("{f} › 名称"), t.name.clone()));
        out.push((format!("{f} › 主要实施内容"), text(&t.content)));
        out.push((format!("{f} › 期望达到的目标"), text(&t.target)));
    }
    for l in &d.indicators {
        out.push(("绩效指标 › 一级指标".to_string(), l.name.clone()));
        for g in &l.groups {
            out.push((format!("{} › 二级指标", l.name), g.name.clone()));
            for i in &g.items {
                let f = format!("{} › {} › {}", l.name, g.name, i.name);
                out.push((
                    format!("{} › {} › 三级指标", l.name, g.name),
                    i.name.clone(),
                ));
                out.push((format!("{f} › 实施周期指标值"), text(&i.period)));
                out.push((format!("{f} › 年度指标值"), text(&i.annual)));
            }
        }
    }
    out.push((
        "满意度调查 › 实施周期指标值".to_string(),
        d.satisfaction[0].clone(),
    ));
    out.push((
        "满意度调查 › 年度指标值".to_string(),
        d.satisfaction[1].clone(),
    ));
    out
}

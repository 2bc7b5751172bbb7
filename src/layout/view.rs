//! The form's texts as printed (numbering and amount formats applied once),
//! and the data the PDF template reads.
//!
//! The Typst template receives [`Data`] as `/data.json`: the form's fields
//! as printed ([`View`], for a user's own template to draw its own way) and
//! the [`Grid`] ready to draw, which the built-in template draws cell for
//! cell. Every string here is data: the template never evaluates it as
//! markup.

use serde::Serialize;

use super::grid::{Grid, Kind, Part};
use super::measure::{self, Measures, Width};
use crate::model::Document;
use crate::model::document::{Task, format_amount};

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
}

/// What the template reads as `/data.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Data {
    #[serde(flatten)]
    pub view: View,
    /// The form's two tables, cell for cell (see [`PartView`]).
    pub grid: [PartView; 2],
    pub measures: Measures,
}

impl Data {
    pub fn new(d: &Document) -> Data {
        let view = View::new(d);
        let grid = Grid::from_view(d, &view);
        Data {
            grid: [
                PartView::new(&grid, Part::Budget),
                PartView::new(&grid, Part::Indicators),
            ],
            view,
            measures: measure::MEASURES,
        }
    }
}

/// One table of the form as the template draws it: its columns, and its
/// cells in drawing order (row by row, left to right, a merged cell at its
/// first row). Rows count from the part's first row below its heading.
#[derive(Debug, Clone, Serialize)]
pub struct PartView {
    pub columns: &'static [Width],
    /// Cells at the start that form the heading row repeated on every page.
    pub header: usize,
    pub cells: Vec<CellView>,
}

/// One cell as the template draws it.
#[derive(Debug, Clone, Serialize)]
pub struct CellView {
    /// `row-label` (heads a block of rows; shown again on a later page its
    /// rows reach), `label`, `header`, `text` or `amount`.
    pub kind: &'static str,
    pub row: u32,
    pub col: u16,
    /// Rows spanned; left out when 1.
    #[serde(skip_serializing_if = "is_one")]
    pub rowspan: u32,
    /// Columns spanned; left out when 1.
    #[serde(skip_serializing_if = "is_one")]
    pub colspan: u16,
    pub body: Cell,
    /// Only on the row's anchor, the first cell starting in the row that
    /// spans no other row: its distance from the table's left edge, in cm.
    /// The anchor carries the row's position markers for the page
    /// backgrounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<f64>,
    /// Only on a row label: its column's distance from the table's left
    /// edge and its width, in cm, for drawing it again on a later page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<[f64; 2]>,
}

fn is_one<T: Into<u32> + Copy>(n: &T) -> bool {
    (*n).into() == 1
}

/// The distance from a part's left edge to column `col` and the width of
/// `span` columns from there, in cm; `None` past a column whose width is a
/// share of the rest (the label columns on the left are all fixed).
fn place_cm(part: Part, col: u16, span: u16) -> Option<[f64; 2]> {
    let cols = measure::columns(part);
    let cm = |range: std::ops::Range<usize>| -> Option<f64> {
        cols.get(range)?
            .iter()
            .map(|w| match w {
                Width::Cm(x) => Some(*x),
                Width::Fr(_) => None,
            })
            .sum()
    };
    let (col, span) = (usize::from(col), usize::from(span));
    Some([cm(0..col)?, cm(col..col + span)?])
}

impl PartView {
    fn new(g: &Grid, part: Part) -> PartView {
        let first = g.first_row(part);
        // Part 2's heading row repeats on every page: it takes no row
        // markers, and rows count from the row after it.
        let header = if part == Part::Indicators && g.header_row >= first {
            g.part(part).filter(|c| c.row == g.header_row).count()
        } else {
            0
        };
        let body = if header > 0 { g.header_row + 1 } else { first };
        let mut anchored: Vec<u32> = Vec::new();
        let cells: Vec<CellView> = g
            .part(part)
            .enumerate()
            .map(|(i, c)| {
                let anchor = i >= header && c.rowspan == 1 && !anchored.contains(&c.row);
                if anchor {
                    anchored.push(c.row);
                }
                let anchor = anchor
                    .then(|| place_cm(part, c.col, c.colspan).map(|[dx, _]| dx))
                    .flatten();
                let block = (c.kind == Kind::RowLabel)
                    .then(|| place_cm(part, c.col, c.colspan))
                    .flatten();
                CellView {
                    kind: match c.kind {
                        Kind::RowLabel => "row-label",
                        Kind::Label => "label",
                        Kind::Header => "header",
                        Kind::Amount | Kind::TaskAmount | Kind::Count => "amount",
                        Kind::Text | Kind::Title | Kind::Subtitle => "text",
                    },
                    row: c.row.saturating_sub(body),
                    col: c.col,
                    rowspan: c.rowspan,
                    colspan: c.colspan,
                    body: Cell::new(&c.text),
                    anchor,
                    block,
                }
            })
            .collect();
        PartView {
            columns: measure::columns(part),
            header,
            cells,
        }
    }
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
    /// A cell of `text`, its lines separated by `\n` (which never belongs
    /// to a long run).
    fn new(text: &str) -> Cell {
        if has_long_run(text) {
            Cell::Lines(text.split('\n').map(str::to_string).collect())
        } else {
            Cell::Text(text.to_string())
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

/// An amount as printed; a blank stays an empty string.
pub fn blank_or(a: Option<rust_decimal::Decimal>) -> String {
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

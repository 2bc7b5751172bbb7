//! The form as one grid of cells: which text or amount sits in which row and
//! column, what it spans, and what kind of cell it is.
//!
//! Pipeline: [`Document`] → [`View`] (texts as printed) → [`Grid`] (texts
//! placed) → renderers that only draw: the workbook (`render::xlsx`) and the
//! PDF template, which receives the grid as data. This is the one place
//! that knows the form's row order, its spans and its empty-row rules.
//!
//! # Form coordinates
//!
//! Rows count from the title (row 0) down, over the whole form. Columns
//! count within a cell's [`Part`]: the title block has one column; part 1
//! five (label | c1 | c2 | c3 | c4); part 2 six (label | 一级 | 二级 | 三级 |
//! 实施周期指标值 | 年度指标值). How the workbook fits both parts into six
//! sheet columns is the workbook's business (`render::xlsx`).

use rust_decimal::Decimal;

use super::view::{self, View};
use crate::model::Document;
use crate::model::labels;

/// A block of the form with its own columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// The title and the year line above the table: one column.
    Title,
    /// Part 1, 部门名称 … 其他需完成的任务: label | c1 | c2 | c3 | c4.
    Budget,
    /// Part 2, 绩效指标 and 满意度调查: label | 一级 | 二级 | 三级 |
    /// 实施周期指标值 | 年度指标值.
    Indicators,
}

impl Part {
    /// Columns of the part.
    pub fn columns(self) -> u16 {
        match self {
            Part::Title => 1,
            Part::Budget => 5,
            Part::Indicators => 6,
        }
    }
}

/// What a cell is, which decides how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `大朗镇部门整体预算绩效目标表`, above the table.
    Title,
    /// `(2024年)`, under the title.
    Subtitle,
    /// A label heading a block of rows in the left columns (部门名称,
    /// 预算整体情况, 年度重点工作任务, 绩效指标, a 一级 or 二级 name, …).
    /// When its rows cross a page break, the PDF shows it again.
    RowLabel,
    /// A label in front of a value (财政供养人员数, 基本支出 …).
    Label,
    /// A column heading (预算金额(万元), 名称, 一级指标 …).
    Header,
    /// A text the department wrote, wrapped, top left; may be empty.
    Text,
    /// An amount of 预算整体情况, in 万元; blank when the form leaves it blank.
    Amount,
    /// A task's 拟投入的资金, in the form's task unit (元 or 万元).
    TaskAmount,
    /// A whole count: 财政供养人员数, 下属二级单位数.
    Count,
}

impl Kind {
    /// Amounts and counts carry a number; everything else is text.
    pub fn is_numeric(self) -> bool {
        matches!(self, Kind::Amount | Kind::TaskAmount | Kind::Count)
    }
}

/// One cell (or merged range) of the form, in form coordinates (see the
/// module documentation); rows and columns count from 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub part: Part,
    pub row: u32,
    /// Column within the part.
    pub col: u16,
    /// Rows spanned (1 = not merged down).
    pub rowspan: u32,
    /// Columns spanned (1 = not merged across).
    pub colspan: u16,
    pub kind: Kind,
    /// The text exactly as the PDF prints it: numbered (`任务1: …`, `①…`),
    /// lines joined with `\n`, amounts formatted (`1,046.80`); `""` is blank.
    pub text: String,
    /// The exact value of an amount or a count; `None` for texts and for a
    /// blank amount (which is not 0).
    pub number: Option<Decimal>,
}

impl Cell {
    pub fn last_row(&self) -> u32 {
        self.row + self.rowspan.saturating_sub(1)
    }

    pub fn last_col(&self) -> u16 {
        self.col + self.colspan.saturating_sub(1)
    }

    /// Whether the cell is a merged range rather than a single cell.
    pub fn is_merged(&self) -> bool {
        self.rowspan > 1 || self.colspan > 1
    }
}

/// The whole form as placed cells, in the order the PDF draws them (row by
/// row, left to right, a merged cell at its first row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub cells: Vec<Cell>,
    /// Rows used, title rows included.
    pub rows: u32,
    /// The first row of the bordered table (below the title and year line).
    pub table_start: u32,
    /// The part-2 header row (一级指标 … 年度指标值), which the PDF repeats at
    /// the top of every page and the workbook prints as a repeated row.
    pub header_row: u32,
}

/// Places cells row by row.
struct Builder {
    cells: Vec<Cell>,
    row: u32,
    part: Part,
}

impl Builder {
    fn put(&mut self, col: u16, colspan: u16, rowspan: u32, kind: Kind, text: &str) {
        self.cells.push(Cell {
            part: self.part,
            row: self.row,
            col,
            rowspan: rowspan.max(1),
            colspan: colspan.max(1),
            kind,
            text: text.to_string(),
            number: None,
        });
    }

    /// An amount or a count, with its exact value.
    fn number(&mut self, col: u16, kind: Kind, text: &str, number: Option<Decimal>) {
        self.put(col, 1, 1, kind, text);
        if let Some(c) = self.cells.last_mut() {
            c.number = number;
        }
    }

    fn next_row(&mut self) {
        self.row += 1;
    }
}

/// Sub-items one per line, as the PDF sets them.
fn joined(lines: &[String]) -> String {
    lines.join("\n")
}

/// Rows counted for a vector length; sheet rows are `u32`, far beyond any form.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Grid {
    /// Lays the form out; see the module documentation for the columns.
    pub fn new(doc: &Document) -> Grid {
        Grid::from_view(doc, &View::new(doc))
    }

    /// Lays the form out with its texts as printed, `v = View::new(doc)`.
    pub fn from_view(doc: &Document, v: &View) -> Grid {
        let mut g = Builder {
            cells: Vec::new(),
            row: 0,
            part: Part::Title,
        };

        g.put(0, 1, 1, Kind::Title, &v.title);
        g.next_row();
        g.put(0, 1, 1, Kind::Subtitle, &v.year_line);
        g.next_row();
        let table_start = g.row;

        // ── Part 1: label | c1 | c2 | c3 | c4 ──
        g.part = Part::Budget;
        g.put(0, 1, 1, Kind::RowLabel, labels::DEPARTMENT);
        g.put(1, 4, 1, Kind::Text, &v.department);
        g.next_row();

        g.put(0, 1, 1, Kind::RowLabel, labels::BASIC_INFO);
        g.put(1, 1, 1, Kind::Label, labels::STAFF);
        g.number(2, Kind::Count, &v.staff, Some(doc.staff.into()));
        g.put(3, 1, 1, Kind::Label, labels::SUBUNITS);
        g.number(4, Kind::Count, &v.subunits, Some(doc.subunits.into()));
        g.next_row();

        // Two sub-tables of three rows: a heading row (部门预算支出 |
        // 预算金额(万元) | 收入来源 | 预算金额(万元)), then two rows of
        // label | amount | label | amount.
        let budget_rows = count(labels::BUDGET_HALVES.len() * 3);
        g.put(0, 1, budget_rows, Kind::RowLabel, labels::BUDGET);
        for half in &labels::BUDGET_HALVES {
            for (i, head) in (0u16..).zip(half.heads) {
                g.put(1 + 2 * i, 1, 1, Kind::Header, head);
                g.put(2 + 2 * i, 1, 1, Kind::Header, labels::BUDGET_AMOUNT);
            }
            g.next_row();
            for row in half.rows {
                for (i, field) in (0u16..).zip(row) {
                    let n = field.get(&doc.budget);
                    g.put(1 + 2 * i, 1, 1, Kind::Label, field.label());
                    g.number(2 + 2 * i, Kind::Amount, &view::blank_or(n), n);
                }
                g.next_row();
            }
        }

        g.put(0, 1, 1, Kind::RowLabel, labels::OVERALL);
        g.put(1, 4, 1, Kind::Text, &joined(&v.goals));
        g.next_row();

        // Task blocks: the label spans the heading (key tasks only) and the
        // task rows.
        g.put(
            0,
            1,
            1 + count(v.tasks.len()),
            Kind::RowLabel,
            labels::TASKS,
        );
        g.put(1, 1, 1, Kind::Header, labels::TASK_NAME);
        g.put(2, 1, 1, Kind::Header, labels::TASK_CONTENT);
        g.put(3, 1, 1, Kind::Header, &labels::task_amount(v.task_unit));
        g.put(4, 1, 1, Kind::Header, labels::TASK_TARGET);
        g.next_row();
        for (tv, t) in v.tasks.iter().zip(&doc.tasks) {
            task_row(&mut g, tv, t.amount);
        }

        let others = count(v.other_tasks.len());
        g.put(0, 1, others, Kind::RowLabel, labels::OTHER_TASKS);
        if others == 0 {
            // No other tasks: the row stays, with four empty cells.
            for c in 1..5 {
                g.put(c, 1, 1, Kind::Text, "");
            }
            g.next_row();
        }
        for (tv, t) in v.other_tasks.iter().zip(&doc.other_tasks) {
            task_row(&mut g, tv, t.amount);
        }

        // ── Part 2: label | 一级 | 二级 | 三级 | 实施周期指标值 | 年度指标值 ──
        g.part = Part::Indicators;
        let header_row = g.row;
        g.put(0, 1, 1, Kind::Header, "");
        for (c, h) in (1u16..).zip(labels::INDICATOR_HEADS) {
            g.put(c, 1, 1, Kind::Header, h);
        }
        g.next_row();

        // A 二级 group without 三级 indicators still shows one empty row.
        let group_rows = |items: usize| count(items.max(1));
        let all: u32 = v
            .indicators
            .iter()
            .flat_map(|l| &l.groups)
            .map(|gr| group_rows(gr.items.len()))
            .sum();
        // A label spanning no rows is not drawn at all.
        if all > 0 {
            g.put(0, 1, all, Kind::RowLabel, labels::INDICATORS);
        }
        for l1 in &v.indicators {
            let n1: u32 = l1.groups.iter().map(|gr| group_rows(gr.items.len())).sum();
            if n1 > 0 {
                g.put(1, 1, n1, Kind::RowLabel, &l1.name);
            }
            for gr in &l1.groups {
                g.put(2, 1, group_rows(gr.items.len()), Kind::RowLabel, &gr.name);
                if gr.items.is_empty() {
                    for c in 3..6 {
                        g.put(c, 1, 1, Kind::Text, "");
                    }
                    g.next_row();
                }
                for it in &gr.items {
                    g.put(3, 1, 1, Kind::Text, &it.name);
                    g.put(4, 1, 1, Kind::Text, &joined(&it.period));
                    g.put(5, 1, 1, Kind::Text, &joined(&it.annual));
                    g.next_row();
                }
            }
        }

        g.put(0, 4, 1, Kind::RowLabel, labels::SATISFACTION);
        g.put(4, 1, 1, Kind::Text, &v.satisfaction[0]);
        g.put(5, 1, 1, Kind::Text, &v.satisfaction[1]);
        g.next_row();

        Grid {
            cells: g.cells,
            rows: g.row,
            table_start,
            header_row,
        }
    }

    /// The cells of one part, in drawing order.
    pub fn part(&self, part: Part) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(move |c| c.part == part)
    }

    /// The first row of a part.
    pub fn first_row(&self, part: Part) -> u32 {
        self.part(part).map(|c| c.row).min().unwrap_or(self.rows)
    }

    /// The cell whose top-left corner is at `(row, col)` of `part`, if any.
    pub fn at(&self, part: Part, row: u32, col: u16) -> Option<&Cell> {
        self.part(part).find(|c| c.row == row && c.col == col)
    }
}

/// 名称 | 主要实施内容 | 拟投入的资金 | 期望达到的目标, one task.
fn task_row(g: &mut Builder, t: &crate::layout::view::TaskView, amount: Decimal) {
    g.put(1, 1, 1, Kind::Text, &t.name);
    g.put(2, 1, 1, Kind::Text, &joined(&t.content));
    g.number(3, Kind::TaskAmount, &t.amount, Some(amount));
    g.put(4, 1, 1, Kind::Text, &joined(&t.target));
    g.next_row();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Document {
        let src = include_str!("../../data/2024/党建工作办公室.toml");
        crate::model::load(src.as_bytes())
            .document
            .expect("the seed is valid")
    }

    /// No two cells cover the same place, and every place of every row is
    /// covered by a cell of that row's part: each part is a partition of
    /// its rectangle.
    #[test]
    fn cells_tile_each_part_exactly() {
        let g = Grid::new(&seed());
        let mut seen: Vec<Option<(Part, Vec<u8>)>> = vec![None; g.rows as usize];
        for c in &g.cells {
            for r in c.row..=c.last_row() {
                let (part, row) = seen[r as usize]
                    .get_or_insert_with(|| (c.part, vec![0; c.part.columns() as usize]));
                assert_eq!(*part, c.part, "row {r} is in two parts");
                for k in c.col..=c.last_col() {
                    row[k as usize] += 1;
                }
            }
        }
        for (r, row) in seen.iter().enumerate() {
            let (_, row) = row.as_ref().expect("every row has cells");
            assert!(row.iter().all(|&n| n == 1), "row {r}: {row:?}");
        }
    }

    #[test]
    fn numbers_sit_in_single_cells_with_the_printed_text() {
        let g = Grid::new(&seed());
        for c in g.cells.iter().filter(|c| c.kind.is_numeric()) {
            assert!(!c.is_merged(), "{c:?}");
            match c.number {
                Some(n) if c.kind == Kind::Count => assert_eq!(c.text, n.to_string()),
                Some(n) => assert_eq!(c.text, crate::model::document::format_amount(n)),
                None => assert_eq!(c.text, ""),
            }
        }
    }
}

//! The form as one grid of cells: which text or amount sits in which row and
//! column, what it spans, and what kind of cell it is.
//!
//! Pipeline: [`Document`] → [`View`] (texts as printed) → [`Grid`] (texts
//! placed) → a renderer that only draws (the workbook in `xlsx`). The grid
//! follows `templates/form.typ` cell for cell, in the same order and with the
//! same merges, and takes every text from the [`View`], so the workbook says
//! exactly what the PDF says. Only the PDF's page-break splitting of merged
//! labels has no counterpart: a worksheet keeps one merged range per label.
//!
//! # Column layout
//!
//! Part 1 of the form has five columns (label | c1 | c2 | c3 | c4) and part 2
//! six (label | 一级 | 二级 | 三级 | 实施周期指标值 | 年度指标值). One worksheet
//! holds both in six sheet columns: part 2 maps one to one, and part 1's c1
//! spans B:C, which are part 2's two narrow label columns (一级 and 二级) and
//! together about as wide as the PDF's c1. Every amount and count therefore
//! sits alone in a single, unmerged cell of D, E or F, where a formula or a
//! sum can reach it.
//!
//! | sheet column | part 1 | part 2 |
//! |---|---|---|
//! | A | row label (部门名称, 基本信息, 预算整体情况, 总体绩效目标, 年度重点工作任务, 其他需完成的任务(可选填)) | 绩效指标 (merged down all indicator rows); 满意度调查（服务对象满意度） spans A:D |
//! | B:C (merged in every part-1 row) | c1: 财政供养人员数, 部门预算支出 / 基本支出 / 项目支出 / 事业发展性支出 / 财政专项资金 / 其他事业发展性支出, 名称 (任务N: …) | B 一级指标, C 二级指标 (each merged down its group) |
//! | D | c2: 财政供养人员数 (count), 预算金额(万元) (amount), 主要实施内容 | 三级指标 |
//! | E | c3: 下属二级单位数 label, 收入来源 / 按预算级次划分 labels, 拟投入的资金 (amount in the task unit) | 实施周期指标值 |
//! | F | c4: 下属二级单位数 (count), 预算金额(万元) (amount), 期望达到的目标(概述) | 年度指标值 |
//!
//! The title and the year line above the table span A:F; 部门名称's and
//! 总体绩效目标's texts span B:F (c1–c4).

use rust_decimal::Decimal;

use crate::model::Document;
use crate::render::view::View;

/// Sheet columns the form occupies (A–F).
pub const COLUMNS: u16 = 6;

/// Part 1's five columns (label, c1, c2, c3, c4) as (first sheet column,
/// sheet columns spanned); see the module documentation.
const PART1: [(u16, u16); 5] = [(0, 1), (1, 2), (3, 1), (4, 1), (5, 1)];

/// What a cell is, which decides how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `大朗镇部门整体预算绩效目标表`, above the table.
    Title,
    /// `(2024年)`, under the title.
    Subtitle,
    /// A row label (部门名称, 预算整体情况, 一级/二级指标 names …) or a
    /// label in front of a value (财政供养人员数, 基本支出 …).
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

/// One cell (or merged range) of the sheet; rows and columns count from 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub row: u32,
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
}

impl Builder {
    fn put(&mut self, col: u16, colspan: u16, rowspan: u32, kind: Kind, text: &str) {
        self.cells.push(Cell {
            row: self.row,
            col,
            rowspan: rowspan.max(1),
            colspan: colspan.max(1),
            kind,
            text: text.to_string(),
            number: None,
        });
    }

    /// An amount or count in part 1's form column `c`, which is always a
    /// single sheet column.
    fn part1_number(&mut self, c: usize, kind: Kind, text: &str, number: Option<Decimal>) {
        self.part1(c, 1, kind, text);
        if let Some(c) = self.cells.last_mut() {
            c.number = number;
        }
    }

    /// A cell in part 1's form column `c` (0 = label … 4 = c4).
    fn part1(&mut self, c: usize, rowspan: u32, kind: Kind, text: &str) {
        let (col, span) = PART1.get(c).copied().unwrap_or((0, 1));
        self.put(col, span, rowspan, kind, text);
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
        let v = View::new(doc);
        let mut g = Builder {
            cells: Vec::new(),
            row: 0,
        };
        let last = COLUMNS;

        g.put(0, last, 1, Kind::Title, &v.title);
        g.next_row();
        g.put(0, last, 1, Kind::Subtitle, &v.year_line);
        g.next_row();
        let table_start = g.row;

        // ── Part 1 ──
        g.part1(0, 1, Kind::Label, "部门名称");
        g.put(1, last - 1, 1, Kind::Text, &v.department);
        g.next_row();

        g.part1(0, 1, Kind::Label, "基本信息");
        g.part1(1, 1, Kind::Label, "财政供养人员数");
        g.part1_number(2, Kind::Count, &v.staff, Some(doc.staff.into()));
        g.part1(3, 1, Kind::Label, "下属二级单位数");
        g.part1_number(4, Kind::Count, &v.subunits, Some(doc.subunits.into()));
        g.next_row();

        let (b, bv) = (&doc.budget, &v.budget);
        g.part1(0, 6, Kind::Label, "预算整体情况");
        // Two sub-tables of three rows: a heading row (部门预算支出 |
        // 预算金额(万元) | 收入来源 | 预算金额(万元)), then two rows of
        // label | amount | label | amount.
        let amount = |label, text: &str, n| (label, text.to_string(), n);
        let halves = [
            (
                ["部门预算支出", "收入来源"],
                [
                    [
                        amount("基本支出", &bv.basic_expense, b.basic_expense),
                        amount("财政拨款", &bv.fiscal_funds, b.fiscal_funds),
                    ],
                    [
                        amount("项目支出", &bv.project_expense, b.project_expense),
                        amount("其他资金", &bv.other_funds, b.other_funds),
                    ],
                ],
            ),
            (
                ["事业发展性支出", "按预算级次划分"],
                [
                    [
                        amount("财政专项资金", &bv.special_funds, b.special_funds),
                        amount("市本级使用资金", &bv.city_level, b.city_level),
                    ],
                    [
                        amount(
                            "其他事业发展性支出",
                            &bv.other_development,
                            b.other_development,
                        ),
                        amount("拟用于对下转移支付资金", &bv.transfer, b.transfer),
                    ],
                ],
            ),
        ];
        for (heads, rows) in halves {
            for (i, head) in heads.into_iter().enumerate() {
                g.part1(1 + 2 * i, 1, Kind::Header, head);
                g.part1(2 + 2 * i, 1, Kind::Header, "预算金额(万元)");
            }
            g.next_row();
            for row in rows {
                for (i, (label, text, n)) in row.into_iter().enumerate() {
                    g.part1(1 + 2 * i, 1, Kind::Label, label);
                    g.part1_number(2 + 2 * i, Kind::Amount, &text, n);
                }
                g.next_row();
            }
        }

        g.part1(0, 1, Kind::Label, "总体绩效目标");
        g.put(1, last - 1, 1, Kind::Text, &joined(&v.goals));
        g.next_row();

        // Task blocks: the label spans the heading (key tasks only) and the
        // task rows.
        g.part1(0, 1 + count(v.tasks.len()), Kind::Label, "年度重点工作任务");
        g.part1(1, 1, Kind::Header, "名称");
        g.part1(2, 1, Kind::Header, "主要实施内容");
        g.part1(
            3,
            1,
            Kind::Header,
            &format!("拟投入的资金({})", v.task_unit),
        );
        g.part1(4, 1, Kind::Header, "期望达到的目标(概述)");
        g.next_row();
        for (tv, t) in v.tasks.iter().zip(&doc.tasks) {
            task_row(&mut g, tv, t.amount);
        }

        let others = count(v.other_tasks.len());
        g.part1(0, others, Kind::Label, "其他需完成的任务(可选填)");
        if others == 0 {
            // The PDF keeps the row with four empty cells.
            for c in 1..5 {
                g.part1(c, 1, Kind::Text, "");
            }
            g.next_row();
        }
        for (tv, t) in v.other_tasks.iter().zip(&doc.other_tasks) {
            task_row(&mut g, tv, t.amount);
        }

        // ── Part 2 ──
        let header_row = g.row;
        for (c, h) in [
            "",
            "一级指标",
            "二级指标",
            "三级指标",
            "实施周期指标值",
            "年度指标值",
        ]
        .into_iter()
        .enumerate()
        {
            g.put(c as u16, 1, 1, Kind::Header, h);
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
        // As in the PDF, a label spanning no rows is not drawn at all.
        if all > 0 {
            g.put(0, 1, all, Kind::Label, "绩效指标");
        }
        for l1 in &v.indicators {
            let n1: u32 = l1.groups.iter().map(|gr| group_rows(gr.items.len())).sum();
            if n1 > 0 {
                g.put(1, 1, n1, Kind::Label, &l1.name);
            }
            for gr in &l1.groups {
                g.put(2, 1, group_rows(gr.items.len()), Kind::Label, &gr.name);
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

        g.put(0, 4, 1, Kind::Label, "满意度调查（服务对象满意度）");
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

    /// The cell whose top-left corner is at `(row, col)`, if any.
    pub fn at(&self, row: u32, col: u16) -> Option<&Cell> {
        self.cells.iter().find(|c| c.row == row && c.col == col)
    }
}

/// 名称 | 主要实施内容 | 拟投入的资金 | 期望达到的目标, one task.
fn task_row(g: &mut Builder, t: &crate::render::view::TaskView, amount: Decimal) {
    g.part1(1, 1, Kind::Text, &t.name);
    g.part1(2, 1, Kind::Text, &joined(&t.content));
    g.part1_number(3, Kind::TaskAmount, &t.amount, Some(amount));
    g.part1(4, 1, Kind::Text, &joined(&t.target));
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

    /// No two cells cover the same sheet cell, and every table cell is
    /// covered: the grid is a partition of the rectangle.
    #[test]
    fn cells_tile_the_sheet_exactly() {
        let g = Grid::new(&seed());
        let mut seen = vec![vec![0u8; COLUMNS as usize]; g.rows as usize];
        for c in &g.cells {
            for r in c.row..=c.last_row() {
                for k in c.col..=c.last_col() {
                    seen[r as usize][k as usize] += 1;
                }
            }
        }
        for (r, row) in seen.iter().enumerate() {
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

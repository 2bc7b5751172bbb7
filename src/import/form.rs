//! Finds the form in a [`Table`] by its labels and fills a [`Document`].
//!
//! Labels come from `model::labels`, the one declaration of the form's
//! texts; nothing here depends on fixed coordinates. A value is the cell to
//! the right of its label (part 1), or the cell under a column heading (the
//! task table; part 2 of a workbook). Part 2 of the budget system's text
//! export has lost its columns, so there the meaning decides: the national
//! framework says which 二级 names belong to which 一级, and an indicator
//! named …满意度 belongs to 服务对象满意度指标.
//!
//! Every non-empty cell ends up in the document (its TOML path recorded in
//! [`Imported::sources`]), as a label of the form, or in the report.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::table::{Cell, Origin, Table};
use super::text;
use crate::diagnostic::Severity;
use crate::model::Document;
use crate::model::document::{
    Budget, Group, Indicator, Level1, Task, TaskUnit, Text, format_amount,
};
use crate::model::field::Field;
use crate::model::labels::{self, BudgetField};
use crate::model::validate::fold;

/// The national framework (财预〔2020〕10号): each 一级指标 and its 二级指标.
pub const FRAMEWORK: [(&str, &[&str]); 3] = [
    (
        "产出指标",
        &["数量指标", "质量指标", "时效指标", "成本指标"],
    ),
    (
        "效益指标",
        &[
            "经济效益指标",
            "社会效益指标",
            "生态效益指标",
            "可持续影响指标",
        ],
    ),
    ("满意度指标", &["服务对象满意度指标"]),
];

/// The 一级 a 二级 name belongs to in the national framework.
fn framework_level1(level2: &str) -> Option<&'static str> {
    FRAMEWORK
        .iter()
        .find(|(_, l2s)| l2s.contains(&level2))
        .map(|(l1, _)| *l1)
}

fn is_level1(s: &str) -> bool {
    FRAMEWORK.iter().any(|(l1, _)| *l1 == s)
}

fn is_level2(s: &str) -> bool {
    framework_level1(s).is_some()
}

/// An indicator named like this is a 服务对象满意度 indicator.
const SATISFIED: &str = "满意度";
/// A 二级 group named like this holds them.
const SATISFIED_GROUP: &str = "满意度指标";

/// Names of a totals row under the task table.
const TOTALS: [&str; 3] = ["合计", "小计", "总计"];

/// One thing the import has to say about one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// The cell, as [`Table::cell_ref`] names it.
    pub cell: Option<String>,
    /// The field of the data file the cell was meant for.
    pub field: Option<Field>,
    pub message: String,
}

impl Finding {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `错误：Sheet1!E12（预算整体情况 › 财政拨款）：……`
impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Error => "错误",
            Severity::Warning => "提示",
        };
        write!(f, "{level}：")?;
        match (&self.cell, &self.field) {
            (Some(c), Some(field)) => write!(f, "{c}（{}）：", field.name())?,
            (Some(c), None) => write!(f, "{c}：")?,
            (None, Some(field)) => write!(f, "{}：", field.name())?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

/// What became of one source cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Use {
    /// One of the form's own labels or headings.
    Label,
    /// A value, at this TOML path.
    Value(String),
    /// Not used; the report says why.
    Reported,
}

/// One form read from one table.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The sheet (or file stem) it was read from.
    pub sheet: String,
    /// The form as read; with errors in the report, the values that could
    /// not be read are left blank or 0 for the clerk to finish.
    pub document: Document,
    /// For every value filled, the cell it came from, keyed by its TOML
    /// path (`budget.fiscal_funds`, `tasks[6].target`, `tasks[5].content[1]`).
    pub sources: BTreeMap<String, String>,
    /// Every non-empty cell of the table with what became of it.
    pub uses: Vec<(String, Use)>,
    pub report: Vec<Finding>,
}

impl Imported {
    pub fn errors(&self) -> usize {
        self.report.iter().filter(|f| f.is_error()).count()
    }

    /// The cell a TOML path's value came from (see [`cell_of`]): how a
    /// diagnostic about the data file points into the workbook.
    pub fn cell_of(&self, path: &str) -> Option<&str> {
        cell_of(&self.sources, path)
    }
}

/// The cell a data-file path came from in `sources`: its own, the cell of
/// the nearest value that encloses it (`tasks[5].content[1]` →
/// `tasks[5].content`), or, for a whole block (`budget`), the cell of the
/// block's first value.
pub fn cell_of<'a>(sources: &'a BTreeMap<String, String>, path: &str) -> Option<&'a str> {
    let mut p = path;
    loop {
        if let Some(c) = sources.get(p) {
            return Some(c);
        }
        match p.rfind(['.', '[']) {
            Some(cut) => p = &p[..cut],
            None => break,
        }
    }
    sources
        .iter()
        .find(|(k, _)| is_within(k, path))
        .map(|(_, c)| c.as_str())
}

/// Whether data-file path `path` is `block` or a value inside it
/// (`budget.basic_expense` and `tasks[2].name` are within `budget` and `tasks`).
pub fn is_within(path: &str, block: &str) -> bool {
    path.strip_prefix(block)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// `s` as compared with a label: no spaces or invisible characters,
/// half-width brackets and colons, no colon at the end (`部门名称：`).
fn norm(s: &str) -> String {
    let mut n: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !is_invisible(*c))
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '：' => ':',
            c => c,
        })
        .collect();
    while n.ends_with(':') {
        n.pop();
    }
    n
}

/// Whether a cell reading `n` (normalised) is the label `want`
/// (normalised), or the name other versions of the form give it: 部门名称
/// is `单位名称` or `部门(单位)名称` on forms shared with other units.
fn reads_as(n: &str, want: &str) -> bool {
    n == want
        || (want == labels::DEPARTMENT
            && matches!(n, "单位名称" | "部门(单位)名称" | "单位(部门)名称"))
}

/// Zero-width characters that a copy from a web page or a chat leaves in a
/// cell without showing.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// A 一级 or 二级 name as the national framework spells it, when it is one
/// of the framework's written with stray spaces; else as typed.
fn level_name(s: &str) -> String {
    let n = norm(s);
    FRAMEWORK
        .iter()
        .flat_map(|(l1, l2s)| std::iter::once(l1).chain(l2s.iter()))
        .find(|name| norm(name) == n)
        .map_or_else(|| fold(s), |name| (*name).to_string())
}

/// Whether `n` (normalised) heads the task table's column `want`, as the
/// form writes it or as clerks shorten it: `任务名称`, `拟投入资金(元)`,
/// `期望达到的目标`.
fn is_task_head(want: &str, n: &str) -> bool {
    match want {
        labels::TASK_NAME => n == norm(want) || n == "任务名称",
        labels::TASK_AMOUNT => task_amount_unit(n).is_some(),
        labels::TASK_TARGET => n.starts_with("期望达到的目标"),
        _ => n == norm(want),
    }
}

/// What follows `拟投入的资金` (or `拟投入资金`) in a heading: `(元)`.
fn task_amount_unit(n: &str) -> Option<&str> {
    n.strip_prefix(&norm(labels::TASK_AMOUNT))
        .or_else(|| n.strip_prefix("拟投入资金"))
}

/// Whether `n` (normalised) is the 其他需完成的任务 label, however its
/// bracketed note is written: `其他需完成的任务`, `其他任务（选填）`.
fn is_other_tasks(n: &str) -> bool {
    let bare = n.split('(').next().unwrap_or(n);
    bare.starts_with("其他") && bare.ends_with("任务") && bare.chars().count() <= 10
}

/// The sheet is not the form, or lacks `label`.
fn not_a_form(label: &str) -> Finding {
    Finding {
        severity: Severity::Error,
        cell: None,
        field: None,
        message: format!("不是部门整体预算绩效目标表，或表格不完整：找不到“{label}”"),
    }
}

/// Whether `t` was meant to be a form: it has a 部门名称 label that is not
/// a line of filling-in instructions (`部门名称 | 填写部门全称` on a
/// 填表说明 sheet).
pub fn names_a_department(t: &Table) -> bool {
    if ["说明", "填表", "注意事项", "示例"]
        .iter()
        .any(|w| t.name.contains(w))
    {
        return false;
    }
    let want = norm(labels::DEPARTMENT);
    let instruction = |s: &str| s.contains("填写") || s.contains("填报") || s.starts_with('请');
    t.cells.iter().enumerate().any(|(i, c)| {
        reads_as(&norm(&c.text), &want)
            && !t
                .cells
                .get(i + 1)
                .is_some_and(|n| n.row == c.row && instruction(&n.text))
    })
}

/// `t` with part 1's label-and-value cells split in two: a clerk may type
/// `部门名称：东莞市大朗镇党建工作办公室` (or `财政供养人员数：19人`) in one
/// cell, often merged across the row. The label keeps the cell's first
/// column and the value takes the rest of the merge, or the empty cell to
/// its right; `None` when no cell needs it.
pub fn split_inline_values(t: &Table) -> Option<Table> {
    let heads = [labels::DEPARTMENT, labels::STAFF, labels::SUBUNITS];
    let split = |i: usize| -> Option<(&'static str, String)> {
        let c = &t.cells[i];
        let n = norm(&c.text);
        let (typed, rest) = n.split_once(':')?;
        let head = heads.iter().find(|h| reads_as(typed, &norm(h)))?;
        if rest.is_empty() {
            return None;
        }
        let room = c.last_col > c.col
            || !t
                .cells
                .get(i + 1)
                .is_some_and(|n| n.row == c.row && n.col == c.col + 1);
        // The value: what follows the first colon, as typed.
        let at = c.text.find([':', '：'])?;
        let colon = c.text[at..].chars().next()?.len_utf8();
        room.then(|| (*head, c.text[at + colon..].trim().to_string()))
    };
    let found: Vec<(usize, (&str, String))> = (0..t.cells.len())
        .filter_map(|i| split(i).map(|s| (i, s)))
        .collect();
    if found.is_empty() {
        return None;
    }
    let mut out = t.clone();
    for (i, (head, value)) in found.into_iter().rev() {
        let c = out.cells[i].clone();
        let last_col = c.last_col.max(c.col + 1);
        out.cells[i].text = head.to_string();
        out.cells[i].last_col = c.col;
        out.cells.insert(
            i + 1,
            Cell {
                row: c.row,
                col: c.col + 1,
                last_row: c.last_row,
                last_col,
                text: value,
                number: None,
            },
        );
    }
    Some(out)
}

/// Reads the form in `t`; `Err` when `t` is not the form at all, naming
/// the first label not found.
pub fn recognise(t: &Table) -> Result<Imported, Finding> {
    let mut r = Reader {
        t,
        norms: t.cells.iter().map(|c| norm(&c.text)).collect(),
        used: vec![None; t.cells.len()],
        sources: BTreeMap::new(),
        report: Vec::new(),
    };
    let doc = r.form()?;
    let mut uses = Vec::with_capacity(t.cells.len());
    for (i, c) in t.cells.iter().enumerate() {
        let u = match r.used[i].clone() {
            Some(u) => u,
            None => {
                r.report.push(Finding {
                    severity: Severity::Warning,
                    cell: Some(t.cell_ref(c)),
                    field: None,
                    message: format!("“{}”不是表中的内容，没有导入", excerpt(&c.text)),
                });
                Use::Reported
            }
        };
        uses.push((t.cell_ref(c), u));
    }
    // A hidden row's values are imported like any other: the clerk may
    // have hidden a row meant to be left out, so each such row is named.
    for &row in &t.hidden_rows {
        let used = t
            .row(row)
            .find(|(i, _)| matches!(uses[*i].1, Use::Value(_)));
        if let Some((_, c)) = used {
            r.report.push(Finding {
                severity: Severity::Warning,
                cell: Some(t.cell_ref(c)),
                field: None,
                message: format!(
                    "第{}行在工作簿中是隐藏的，其中的内容已照常导入；如果这一行不该填报，请在工作簿中删除它后再导入",
                    row + 1
                ),
            });
        }
    }
    // A formula without its result would import as blank what the clerk
    // sees as a number or a text in Excel: an error, so nothing is lost
    // without a word.
    for (row, col, formula) in &t.uncomputed {
        r.report.push(Finding {
            severity: Severity::Error,
            cell: Some(t.ref_at(*row, *col)),
            field: None,
            message: format!(
                "这个单元格是公式（={}），但工作簿中没有保存它的计算结果，无法读出它的值；请用 Excel 或 WPS 打开这个工作簿、保存后再导入",
                excerpt(formula)
            ),
        });
    }
    Ok(Imported {
        sheet: t.name.clone(),
        document: doc,
        sources: r.sources,
        uses,
        report: r.report,
    })
}

fn excerpt(s: &str) -> String {
    let one_line = s.replace('\n', " ");
    let mut out: String = one_line.chars().take(30).collect();
    if one_line.chars().count() > 30 {
        out.push('…');
    }
    out
}

struct Reader<'t> {
    t: &'t Table,
    /// Each cell's text as compared with labels.
    norms: Vec<String>,
    used: Vec<Option<Use>>,
    sources: BTreeMap<String, String>,
    report: Vec<Finding>,
}

/// A 二级 group as read, before its 一级 is settled.
struct RawGroup {
    level1: Option<(String, Option<usize>)>,
    level2: String,
    level2_cell: Option<usize>,
    items: Vec<[usize; 3]>,
}

impl Reader<'_> {
    fn cell(&self, i: usize) -> &Cell {
        &self.t.cells[i]
    }

    fn label(&mut self, i: usize) {
        self.used[i] = Some(Use::Label);
    }

    fn value(&mut self, i: usize, field: &Field) {
        let path = field.to_string();
        self.used[i] = Some(Use::Value(path.clone()));
        self.sources.insert(path, self.t.cell_ref(self.cell(i)));
    }

    /// A sub-item's own path, from the cell of its text.
    fn source_only(&mut self, i: usize, field: &Field) {
        self.sources
            .insert(field.to_string(), self.t.cell_ref(self.cell(i)));
    }

    /// An error about cell `at`; a cell not used otherwise is reported by
    /// this error alone.
    fn error(&mut self, at: Option<usize>, field: Option<&Field>, message: String) {
        if let Some(i) = at
            && self.used[i].is_none()
        {
            self.used[i] = Some(Use::Reported);
        }
        self.find_note(Severity::Error, at, field, message);
    }

    fn find_note(
        &mut self,
        severity: Severity,
        at: Option<usize>,
        field: Option<&Field>,
        message: String,
    ) {
        self.report.push(Finding {
            severity,
            cell: at.map(|i| self.t.cell_ref(self.cell(i))),
            field: field.cloned(),
            message,
        });
    }

    /// The first cell in rows `from..to` reading `label`.
    fn find(&self, label: &str, from: u32, to: u32) -> Option<usize> {
        let want = norm(label);
        (self.t.cells.iter().zip(&self.norms))
            .position(|(c, n)| c.row >= from && c.row < to && reads_as(n, &want))
    }

    fn find_all(&self, label: &str, from: u32, to: u32) -> Vec<usize> {
        let want = norm(label);
        (self.t.cells.iter().zip(&self.norms).enumerate())
            .filter(|(_, (c, n))| c.row >= from && c.row < to && reads_as(n, &want))
            .map(|(i, _)| i)
            .collect()
    }

    fn require(&self, label: &str, from: u32, to: u32) -> Result<usize, Finding> {
        self.find(label, from, to).ok_or_else(|| not_a_form(label))
    }

    /// Whether every cell of `cells` (at least one) says "nothing here"
    /// (`无`, `/`, `-`); such cells are then taken as read.
    fn all_placeholders(&mut self, cells: &[usize]) -> bool {
        let all = !cells.is_empty()
            && cells
                .iter()
                .all(|&i| text::is_placeholder(&self.cell(i).text));
        if all {
            for &i in cells {
                self.label(i);
            }
        }
        all
    }

    /// The value cell right of label `i`: the next cell in its row, unless
    /// that is another label (then the value is blank).
    fn right_of(&self, i: usize, labels: &[String]) -> Option<usize> {
        let c = self.cell(i);
        let next = i + 1;
        let n = self.t.cells.get(next)?;
        (n.row == c.row && n.col > c.last_col && !labels.contains(&self.norms[next]))
            .then_some(next)
    }

    fn form(&mut self) -> Result<Document, Finding> {
        let end = self.t.rows();
        let dept_label = self.require(labels::DEPARTMENT, 0, end)?;
        let top = self.cell(dept_label).row;
        self.label(dept_label);
        for again in self.find_all(labels::DEPARTMENT, top + 1, end) {
            self.error(
                Some(again),
                None,
                format!(
                    "表中第二次出现“{}”：一张表只能有一个部门",
                    labels::DEPARTMENT
                ),
            );
        }

        // Labels in front of part 1's values; a value cell never reads so.
        let mut part1: Vec<String> = [labels::STAFF, labels::SUBUNITS, labels::BUDGET_AMOUNT]
            .iter()
            .map(|s| norm(s))
            .collect();
        for f in BudgetField::ALL {
            part1.push(norm(f.label()));
        }
        for h in &labels::BUDGET_HALVES {
            part1.extend(h.heads.iter().map(|s| norm(s)));
        }

        // The form's frame (总体绩效目标, the task table) must be there; a
        // label of part 1 missing from a form of another shape is reported
        // at its field and its value left blank. When the frame is missing,
        // the sheet is not read, and the first label missing in the form's
        // order is named.
        let overall = self.find(labels::OVERALL, top, end);
        let overall_row = overall.map_or(end, |i| self.cell(i).row);
        let staff_label = self.find(labels::STAFF, top, overall_row);
        let subunits_label = self.find(labels::SUBUNITS, top, overall_row);
        let budget_labels: Vec<(BudgetField, Option<usize>)> = BudgetField::ALL
            .into_iter()
            .map(|f| (f, self.find(f.label(), top, overall_row)))
            .collect();
        let first_missing = [
            (labels::STAFF, staff_label),
            (labels::SUBUNITS, subunits_label),
        ]
        .into_iter()
        .chain(budget_labels.iter().map(|(f, i)| (f.label(), *i)))
        .find(|(_, i)| i.is_none())
        .map(|(l, _)| l);
        let frame = |r: Result<usize, Finding>| r.map_err(|e| first_missing.map_or(e, not_a_form));
        let overall_label = frame(self.require(labels::OVERALL, top, end))?;
        let content_head = frame(self.require(labels::TASK_CONTENT, overall_row, end))?;
        let head_row = self.cell(content_head).row;
        let mut heads = [0usize; 4];
        for (k, want) in [
            labels::TASK_NAME,
            labels::TASK_CONTENT,
            labels::TASK_AMOUNT,
            labels::TASK_TARGET,
        ]
        .into_iter()
        .enumerate()
        {
            let found = self
                .t
                .row(head_row)
                .find(|(_, c)| is_task_head(want, &norm(&c.text)));
            heads[k] = match found {
                Some((i, _)) => i,
                None => {
                    return Err(Finding {
                        severity: Severity::Error,
                        cell: Some(self.t.cell_ref(self.cell(content_head))),
                        field: None,
                        message: format!("任务表的表头缺少“{want}”"),
                    });
                }
            };
        }

        // Title block, above 部门名称.
        let (town, year) = self.title(top);

        let department = match self.right_of(dept_label, &part1) {
            Some(i) => {
                self.value(i, &Field::of("department"));
                fold(&self.cell(i).text)
            }
            None => {
                self.error(
                    Some(dept_label),
                    Some(&Field::of("department")),
                    "部门名称没有填写".into(),
                );
                String::new()
            }
        };

        // Labels that head several rows, merged or typed on each of them.
        for l in [labels::BASIC_INFO, labels::BUDGET] {
            for i in self.find_all(l, top, overall_row) {
                self.label(i);
            }
        }
        for l in [labels::BUDGET_AMOUNT]
            .into_iter()
            .chain(labels::BUDGET_HALVES.iter().flat_map(|h| h.heads))
        {
            for i in self.find_all(l, top, overall_row) {
                self.label(i);
            }
        }
        let staff = self.count(staff_label, labels::STAFF, &part1, "staff");
        let subunits = self.count(subunits_label, labels::SUBUNITS, &part1, "subunits");

        let mut budget = Budget::default();
        for (f, i) in budget_labels {
            let field = Field::of("budget").key(f.key());
            let Some(i) = i else {
                self.find_note(
                    Severity::Warning,
                    None,
                    Some(&field),
                    format!("表中没有“{}”这一栏，按空白读取", f.label()),
                );
                continue;
            };
            self.label(i);
            *f.slot(&mut budget) = match self.right_of(i, &part1) {
                Some(v) => self.amount(v, &field, "万元", true),
                None => None,
            };
        }

        self.label(overall_label);
        let tasks_label = self.find(labels::TASKS, overall_row + 1, head_row + 1);
        let goals_end = tasks_label.map_or(head_row, |i| self.cell(i).row.min(head_row));
        let goals = self.goals(overall_label, overall_row..goals_end.max(overall_row + 1));

        // The task table runs from its heading to part 2's heading.
        for i in heads {
            self.label(i);
        }
        let task_unit = self.task_unit(heads[2]);
        let level3_head = self.find(labels::LEVEL3, head_row + 1, end);
        let part2_row = level3_head.map_or(end, |i| self.cell(i).row);
        for i in self.find_all(labels::TASKS, overall_row, part2_row) {
            self.label(i);
        }
        // 其他需完成的任务, however its note is written, in the label column
        // left of the task names (or exactly as the form writes it).
        let name_col = self.cell(heads[0]).col;
        let exact = norm(labels::OTHER_TASKS);
        let others: Vec<usize> = (0..self.t.cells.len())
            .filter(|&i| {
                let c = self.cell(i);
                c.row > head_row
                    && c.row < part2_row
                    && self.used[i].is_none()
                    && (self.norms[i] == exact
                        || (c.col < name_col && is_other_tasks(&self.norms[i])))
            })
            .collect();
        let other_row = others.first().map_or(part2_row, |&i| self.cell(i).row);
        for i in others {
            self.label(i);
        }
        let slots = self.slots(&heads);
        let unit = task_unit.label();
        let tasks = self.tasks(head_row + 1..other_row, &slots, "tasks", unit);
        let other_tasks = self.tasks(other_row..part2_row, &slots, "other_tasks", unit);
        if tasks.is_empty() {
            self.error(
                Some(content_head),
                Some(&Field::of("tasks")),
                "表头下面没有任何年度重点工作任务".into(),
            );
        }

        let (indicators, satisfaction) = match level3_head {
            Some(h) => self.part2(h),
            None => {
                let last = self.t.cells.len().checked_sub(1);
                self.find_note(
                    Severity::Error,
                    last,
                    Some(&Field::of("indicators")),
                    format!(
                        "表格到这里就结束了：找不到绩效指标的表头“{}”",
                        labels::LEVEL3
                    ),
                );
                (Vec::new(), [String::new(), String::new()])
            }
        };

        Ok(Document {
            town,
            year,
            department,
            task_unit,
            staff,
            subunits,
            budget,
            goals,
            tasks,
            other_tasks,
            indicators,
            satisfaction,
        })
    }

    /// 总体绩效目标: the cells right of its label in `rows` (one cell with
    /// every goal, or a goal a row under a label merged down or typed
    /// again), split into goals.
    fn goals(&mut self, label: usize, rows: std::ops::Range<u32>) -> Vec<String> {
        let f = Field::of("overall").key("goals");
        let label_col = self.cell(label).last_col;
        let overall = norm(labels::OVERALL);
        let cells: Vec<usize> = (0..self.t.cells.len())
            .filter(|&i| {
                let c = self.cell(i);
                rows.contains(&c.row) && self.used[i].is_none() && !c.text.is_empty()
            })
            .collect();
        let mut goals = Vec::new();
        for i in cells {
            if self.cell(i).col <= label_col {
                if self.norms[i] == overall {
                    self.label(i);
                }
                continue;
            }
            let these = text::goals(&self.cell(i).text);
            if goals.is_empty() {
                self.value(i, &f);
            } else {
                self.value(i, &f.at(goals.len()));
            }
            for k in goals.len()..goals.len() + these.len() {
                self.source_only(i, &f.at(k));
            }
            goals.extend(these);
        }
        if goals.is_empty() {
            self.error(Some(label), Some(&f), "总体绩效目标没有填写".into());
        }
        goals
    }

    /// Town and year from the title block above row `top`.
    fn title(&mut self, top: u32) -> (String, i32) {
        let title = norm(labels::TITLE);
        let mut town = None;
        let mut year = None;
        for i in 0..self.t.cells.len() {
            let c = self.cell(i);
            if c.row >= top {
                break;
            }
            let n = norm(&c.text);
            if let Some(at) = n.find(&title) {
                // Spaces in a town's name are the town's; elsewhere they
                // are layout.
                let typed = fold(&c.text);
                let prefix = typed
                    .trim()
                    .find(labels::TITLE)
                    .map_or(n[..at].to_string(), |k| typed.trim()[..k].to_string());
                town = Some((i, prefix));
                self.value(i, &Field::of("town"));
                // The year in the same cell, after the title: `…目标表（2024年）`.
                if let Some(y) = year_line(&n[at + title.len()..]) {
                    year = Some(y);
                    self.source_only(i, &Field::of("year"));
                }
            } else if let Some(y) = year_line(&n) {
                year = Some(y);
                self.value(i, &Field::of("year"));
            }
        }
        // A year may lead the title, `2024年大朗镇…`, or stand between the
        // town and the title, `大朗镇2024年部门…`, when no line says it.
        let town = town.map(|(i, prefix)| {
            let (lead, rest) = leading_year(prefix.trim());
            let (trail, rest) = trailing_year(rest);
            match lead.or(trail) {
                Some(y) if year.is_none_or(|known| known == y) => {
                    year = Some(y);
                    self.source_only(i, &Field::of("year"));
                    rest.trim().to_string()
                }
                _ => prefix.trim().to_string(),
            }
        });
        let town = town.unwrap_or_else(|| {
            self.error(
                None,
                Some(&Field::of("town")),
                format!(
                    "找不到标题“××镇{}”，镇（街道）名称请手工填写",
                    labels::TITLE
                ),
            );
            String::new()
        });
        let year = year.unwrap_or_else(|| {
            self.error(
                None,
                Some(&Field::of("year")),
                "找不到标题下的“(××××年)”，预算年度请手工填写".into(),
            );
            0
        });
        (town, year)
    }

    /// 财政供养人员数 or 下属二级单位数 (`key`), right of its label.
    fn count(&mut self, label: Option<usize>, name: &str, part1: &[String], key: &str) -> u32 {
        let field = &Field::of("info").key(key);
        let Some(label) = label else {
            self.error(
                None,
                Some(field),
                format!("表中没有“{name}”这一栏，请在原表中补上"),
            );
            return 0;
        };
        self.label(label);
        let Some(i) = self.right_of(label, part1) else {
            self.error(Some(label), Some(field), "没有填写人数/单位数".into());
            return 0;
        };
        self.value(i, field);
        let c = self.cell(i).clone();
        let n = match c.number {
            Some(d) => u32::try_from(d.normalize().mantissa())
                .ok()
                .filter(|_| d.fract().is_zero()),
            // `19人`, `3个`: the unit the label already says.
            None => c
                .text
                .trim()
                .trim_end_matches(['人', '个', '名', '家'])
                .trim()
                .parse::<u32>()
                .ok(),
        };
        n.unwrap_or_else(|| {
            let text = c.text.clone();
            self.error(
                Some(i),
                Some(field),
                format!("应为非负整数，这里是“{}”", excerpt(&text)),
            );
            0
        })
    }

    /// An amount cell: a number (rounded to cents, with a note if that
    /// changed it) or text read exactly. `-`, `/` or `无` reads as blank
    /// where the form allows a blank (`may_be_blank`), with a note. A unit
    /// typed after the number (`2,800,000.00元`) must be the column's `unit`.
    fn amount(
        &mut self,
        i: usize,
        field: &Field,
        unit: &str,
        may_be_blank: bool,
    ) -> Option<Decimal> {
        self.value(i, field);
        let c = self.cell(i).clone();
        if c.number.is_none() && text::is_placeholder(&c.text) {
            let text = excerpt(&c.text);
            if may_be_blank {
                self.find_note(
                    Severity::Warning,
                    Some(i),
                    Some(field),
                    format!("“{text}”按空白读取（没有这项资金）"),
                );
            } else {
                self.error(
                    Some(i),
                    Some(field),
                    format!("拟投入的资金没有填写（“{text}”不是金额）"),
                );
            }
            return None;
        }
        match c.number {
            Some(d) => {
                let r = text::cents(d);
                if r != d {
                    self.find_note(
                        Severity::Warning,
                        Some(i),
                        Some(field),
                        format!("单元格中的数是 {d}，已按两位小数取为 {r}"),
                    );
                }
                Some(r)
            }
            None => match text::amount_with_unit(&c.text) {
                Some((d, None)) => Some(d),
                Some((d, Some(typed))) if typed == unit => Some(d),
                Some((_, Some(typed))) => {
                    self.error(
                        Some(i),
                        Some(field),
                        format!(
                            "金额写的单位是“{typed}”，这一栏的单位是“{unit}”，请按“{unit}”填写"
                        ),
                    );
                    None
                }
                None => {
                    self.error(
                        Some(i),
                        Some(field),
                        format!("这里应是金额，却是“{}”", excerpt(&c.text)),
                    );
                    None
                }
            },
        }
    }

    /// 元 or 万元, from `拟投入的资金(元)`.
    fn task_unit(&mut self, head: usize) -> TaskUnit {
        let n = norm(&self.cell(head).text);
        let unit = task_amount_unit(&n)
            .unwrap_or("")
            .trim_start_matches('(')
            .trim_end_matches(')');
        for u in [TaskUnit::Yuan, TaskUnit::WanYuan] {
            if unit == u.label() {
                if u != TaskUnit::Yuan {
                    self.source_only(head, &Field::of("task_unit"));
                }
                return u;
            }
        }
        self.error(
            Some(head),
            Some(&Field::of("task_unit")),
            format!(
                "看不出任务资金的单位（应为“{}”或“{}”），按元读取",
                labels::task_amount("元"),
                labels::task_amount("万元")
            ),
        );
        TaskUnit::Yuan
    }

    /// Column ranges under the headings `heads` (left to right): each runs
    /// to the column before the next heading; the last one is open.
    fn slots(&self, heads: &[usize]) -> Vec<(u32, u32)> {
        (0..heads.len())
            .map(|k| {
                let start = self.cell(heads[k]).col;
                let end = heads
                    .get(k + 1)
                    .map_or(u32::MAX, |&n| self.cell(n).col.saturating_sub(1));
                (start, end.max(start))
            })
            .collect()
    }

    /// The cells of `row` under each slot (the first cell in each).
    fn row_slots(&self, row: u32, slots: &[(u32, u32)]) -> Vec<Option<usize>> {
        let mut out = vec![None; slots.len()];
        for (i, c) in self.t.row(row) {
            if self.used[i].is_some() {
                continue;
            }
            if let Some(k) = slots.iter().position(|&(s, e)| c.col >= s && c.col <= e)
                && out[k].is_none()
            {
                out[k] = Some(i);
            }
        }
        out
    }

    /// Part 2's cells of `row` under each heading (as [`row_slots`](
    /// Self::row_slots)); a 实施周期指标值 merged across 年度指标值 fills
    /// both, as a clerk merges the two when they read the same; and a value
    /// merged down over the rows of several indicators is each one's.
    fn value_slots(&self, row: u32, slots: &[(u32, u32)]) -> Vec<Option<usize>> {
        let mut out = self.row_slots(row, slots);
        if out[2].is_some() {
            for k in [3, 4] {
                out[k] = out[k].or_else(|| self.merged_down(row, slots[k]));
            }
        }
        if let (Some(p), None) = (out[3], out[4])
            && self.cell(p).last_col >= slots[4].0
        {
            out[4] = Some(p);
        }
        out
    }

    /// A cell merged down from an earlier row over `row`, in `slot`'s
    /// columns: one text a clerk merged over several rows that read the same.
    fn merged_down(&self, row: u32, (start, end): (u32, u32)) -> Option<usize> {
        (0..self.t.cells.len()).find(|&i| {
            let c = self.cell(i);
            c.row < row && row <= c.last_row && c.col <= end && c.last_col >= start
        })
    }

    fn tasks(
        &mut self,
        rows: std::ops::Range<u32>,
        slots: &[(u32, u32)],
        key: &str,
        unit: &str,
    ) -> Vec<Task> {
        let mut out = Vec::new();
        for row in rows {
            let mut cells = self.row_slots(row, slots);
            if cells.iter().all(Option::is_none) {
                continue;
            }
            // A task's content or target merged down over the next tasks'
            // rows is theirs too; an amount merged so cannot be shared out.
            let merged_amount = if cells[0].is_some() {
                for k in [1, 3] {
                    cells[k] = cells[k].or_else(|| self.merged_down(row, slots[k]));
                }
                cells[2]
                    .is_none()
                    .then(|| self.merged_down(row, slots[2]))
                    .flatten()
            } else {
                None
            };
            // `无` typed in an unused task row (其他需完成的任务 left empty).
            let amount_empty = cells[2].is_none_or(|i| {
                text::is_placeholder(&self.cell(i).text)
                    || self.cell(i).number.is_some_and(|d| d.is_zero())
            });
            let texts_empty = [cells[0], cells[1], cells[3]]
                .iter()
                .flatten()
                .all(|&i| text::is_placeholder(&self.cell(i).text));
            if amount_empty && texts_empty {
                for &c in cells.iter().flatten() {
                    self.label(c);
                }
                continue;
            }
            // A totals row a clerk added: the form adds the tasks up itself.
            if let Some(i) = cells[0].or(cells[1])
                && TOTALS.contains(&self.norms[i].as_str())
            {
                let name = self.cell(i).text.clone();
                // A total that is not the tasks' sum: a task left out, or
                // one too many.
                let typed = cells[2].and_then(|a| {
                    let c = self.cell(a);
                    c.number
                        .or_else(|| text::amount_with_unit(&c.text).map(|(d, _)| d))
                        .map(|d| (a, d))
                });
                let sum: Decimal = out.iter().map(|t: &Task| t.amount).sum();
                if let Some((a, total)) = typed
                    && total != sum
                {
                    self.used[a] = Some(Use::Reported);
                    self.find_note(
                        Severity::Warning,
                        Some(a),
                        None,
                        format!(
                            "“{name}”一行写的是 {} {unit}，上面各任务的资金加起来是 {} {unit}：请核对有没有漏填或多填的任务（合计行本身不导入）",
                            format_amount(total),
                            format_amount(sum)
                        ),
                    );
                }
                for &c in cells.iter().flatten() {
                    if self.used[c].is_some() {
                        continue;
                    }
                    self.used[c] = Some(Use::Reported);
                    let text = excerpt(&self.cell(c).text);
                    self.find_note(
                        Severity::Warning,
                        Some(c),
                        None,
                        format!(
                            "“{text}”在“{name}”行，这一行不是任务，没有导入（合计由各任务相加，jixiao check 会核对）"
                        ),
                    );
                }
                continue;
            }
            let f = Field::of(key).at(out.len());
            let name = match cells[0] {
                Some(i) => {
                    self.value(i, &f.key("name"));
                    fold(text::strip_number(&self.cell(i).text, labels::TASK))
                }
                None => String::new(),
            };
            let content = self.rich(cells[1], &f.key("content"));
            let amount = match cells[2] {
                Some(i) => self.amount(i, &f.key("amount"), unit, false),
                None => None,
            };
            let amount = amount.unwrap_or_else(|| {
                if let Some(m) = merged_amount {
                    let c = self.cell(m);
                    let range = format!(
                        "{}:{}",
                        self.t.cell_ref(c),
                        crate::import::table::a1(c.last_row, c.last_col)
                    );
                    self.error(
                        Some(m),
                        Some(&f.key("amount")),
                        format!("拟投入的资金合并了几个任务的行（{range}）：请取消合并，每个任务的资金分开填写"),
                    );
                } else if cells[2].is_none() {
                    let at = cells.iter().flatten().next().copied();
                    self.error(at, Some(&f.key("amount")), "拟投入的资金没有填写".into());
                }
                Decimal::ZERO
            });
            let target = self.rich(cells[3], &f.key("target"));
            out.push(Task {
                name,
                content,
                amount,
                target,
            });
        }
        out
    }

    fn rich(&mut self, cell: Option<usize>, field: &Field) -> Text {
        let Some(i) = cell else {
            return Text::One(String::new());
        };
        self.value(i, field);
        self.numeric_text(i, field);
        let t = text::rich(&self.cell(i).text);
        if let Text::Items(items) = &t {
            for k in 0..items.len() {
                self.source_only(i, &field.at(k));
            }
        }
        t
    }

    /// A text field whose cell shows a bare fraction: it may have been
    /// meant as `90%`, or be shown so by a number format not read (an xls,
    /// an ods); the clerk is asked to look. An xlsx cell formatted `0%`
    /// already reads `90%`.
    fn numeric_text(&mut self, i: usize, field: &Field) {
        if let Some(n) = self.cell(i).number
            && !n.fract().is_zero()
            && self.cell(i).text.parse::<Decimal>().is_ok_and(|t| t == n)
        {
            self.find_note(
                Severity::Warning,
                Some(i),
                Some(field),
                format!(
                    "这个格子存的是数 {n}，已按文字“{n}”导入；如原表显示为百分数（如 {}%），请改正",
                    (n * rust_decimal::Decimal::ONE_HUNDRED).normalize()
                ),
            );
        }
    }

    /// Part 2, from its heading `level3_head` to 满意度调查.
    fn part2(&mut self, level3_head: usize) -> (Vec<Level1>, [String; 2]) {
        let end = self.t.rows();
        let head_row = self.cell(level3_head).row;
        let mut heads = Vec::new();
        // The header may take two rows: `指标值` over 实施周期指标值 and
        // 年度指标值, the other heads merged down over both.
        let mut body = head_row + 1;
        for h in labels::INDICATOR_HEADS {
            match self
                .find(h, head_row, head_row + 1)
                .or_else(|| self.find(h, head_row + 1, head_row + 2))
            {
                Some(i) => {
                    self.label(i);
                    heads.push(i);
                    body = body.max(self.cell(i).row + 1);
                }
                None => {
                    self.error(
                        Some(level3_head),
                        Some(&Field::of("indicators")),
                        format!("绩效指标的表头缺少“{h}”"),
                    );
                }
            }
        }
        // 满意度调查（服务对象满意度）, or only its first words.
        let sat = (0..self.t.cells.len()).find(|&i| {
            let r = self.cell(i).row;
            r > head_row && r < end && self.norms[i].starts_with("满意度调查")
        });
        let sat_row = match sat {
            Some(i) => self.cell(i).row,
            None => {
                let last = self.t.cells.len().checked_sub(1);
                self.find_note(
                    Severity::Error,
                    last,
                    Some(&Field::of("satisfaction")),
                    format!("表格到这里就结束了：找不到“{}”", labels::SATISFACTION),
                );
                end
            }
        };
        for i in self.find_all(labels::INDICATORS, head_row, sat_row + 1) {
            self.label(i);
        }
        if body > head_row + 1 {
            for i in self.find_all("指标值", head_row, head_row + 1) {
                self.label(i);
            }
        }
        let mut positional = self.t.origin == Origin::Workbook && heads.len() == 5;
        let slots = self.slots(&heads);
        let rows = body..sat_row;
        let groups = if positional {
            let (used, reported) = (self.used.clone(), self.report.len());
            let groups = self.groups_by_column(rows.clone(), &slots);
            let errors = |r: &[Finding]| r.iter().filter(|f| f.is_error()).count();
            let by_column = errors(&self.report[reported..]);
            if by_column > 0 {
                // The columns may not hold (the text export pasted into a
                // sheet): read by meaning, as the export itself, and keep
                // whichever reading finds fewer mistakes, so that a real
                // mistake in a workbook is told in its columns' words.
                let column_state = (
                    std::mem::replace(&mut self.used, used),
                    self.report.split_off(reported),
                );
                let by_meaning = self.groups_by_meaning(rows);
                if errors(&self.report[reported..]) < by_column {
                    positional = false;
                    by_meaning
                } else {
                    self.used = column_state.0;
                    self.report.truncate(reported);
                    self.report.extend(column_state.1);
                    groups
                }
            } else {
                groups
            }
        } else {
            self.groups_by_meaning(rows)
        };
        let indicators = self.level1s(groups);

        let mut satisfaction = [String::new(), String::new()];
        if let Some(s) = sat {
            self.label(s);
            let values: Vec<Option<usize>> = if positional {
                let cells = self.value_slots(sat_row, &slots);
                vec![cells[3], cells[4]]
            } else {
                let rest: Vec<usize> = self
                    .t
                    .row(sat_row)
                    .filter(|(i, c)| *i > s && !c.text.is_empty())
                    .map(|(i, _)| i)
                    .take(2)
                    .collect();
                vec![rest.first().copied(), rest.get(1).copied()]
            };
            for (k, key) in ["period", "annual"].into_iter().enumerate() {
                let f = Field::of("satisfaction").key(key);
                match values[k] {
                    Some(i) => {
                        self.value(i, &f);
                        self.numeric_text(i, &f);
                        satisfaction[k] = fold(&self.cell(i).text);
                    }
                    None => self.error(Some(s), Some(&f), "没有填写".into()),
                }
            }
        }
        (indicators, satisfaction)
    }

    /// A workbook's part 2: each value under its heading; a 一级 cell
    /// holds for the groups below it until the next.
    fn groups_by_column(
        &mut self,
        rows: std::ops::Range<u32>,
        slots: &[(u32, u32)],
    ) -> Vec<RawGroup> {
        let mut groups: Vec<RawGroup> = Vec::new();
        let mut level1: Option<(String, Option<usize>)> = None;
        for row in rows {
            let c = self.value_slots(row, slots);
            if let Some(i) = c[0] {
                let name = level_name(&self.cell(i).text);
                // A 一级 typed again on each of its rows, not merged.
                if level1.as_ref().is_some_and(|(l, _)| *l == name) {
                    self.label(i);
                } else {
                    level1 = Some((name, Some(i)));
                }
            }
            if let Some(i) = c[1] {
                let name = level_name(&self.cell(i).text);
                // A 二级 typed again on each of its rows: the same group.
                let same = groups.last().is_some_and(|g| {
                    g.level2 == name
                        && g.level2_cell != Some(i)
                        && g.level1.as_ref().map(|l| &l.0) == level1.as_ref().map(|l| &l.0)
                });
                if same {
                    self.label(i);
                } else {
                    groups.push(RawGroup {
                        level1: level1.clone(),
                        level2: name,
                        level2_cell: Some(i),
                        items: Vec::new(),
                    });
                }
            }
            let typed: Vec<usize> = [c[2], c[3], c[4]].into_iter().flatten().collect();
            if c[2].is_some() && self.all_placeholders(&typed) {
                // `无` or `/` typed in an empty group's row: no indicator.
            } else if let [Some(n), Some(p), Some(a)] = [c[2], c[3], c[4]] {
                self.push_item(&mut groups, [n, p, a]);
            } else if let Some(i) = c[2].or(c[3]).or(c[4]) {
                self.error(
                    Some(i),
                    None,
                    "三级指标这一行不完整：名称、实施周期指标值、年度指标值都要填写".into(),
                );
            }
        }
        groups
    }

    /// The text export's part 2, whose merged cells are missing so that
    /// columns shift: leading cells that are 一级 or 二级 names (of the
    /// national framework) open blocks, the last three are an indicator.
    /// An indicator named …满意度 met outside a 满意度 group waits for the
    /// 服务对象满意度指标 group printed a row after it.
    fn groups_by_meaning(&mut self, rows: std::ops::Range<u32>) -> Vec<RawGroup> {
        let mut groups: Vec<RawGroup> = Vec::new();
        let mut waiting: Vec<[usize; 3]> = Vec::new();
        for row in rows {
            let cells: Vec<usize> = (self.t.row(row))
                .filter(|(i, _)| self.used[*i].is_none())
                .map(|(i, _)| i)
                .collect();
            let (mut l1, mut l2) = (None, None);
            let mut k = 0;
            while let Some(&i) = cells.get(k) {
                let n = level_name(&self.cell(i).text);
                if l1.is_none() && l2.is_none() && is_level1(&n) {
                    l1 = Some(i);
                } else if l2.is_none() && is_level2(&n) {
                    l2 = Some(i);
                } else {
                    break;
                }
                k += 1;
            }
            let rest = &cells[k..];
            let item = match rest.len() {
                0 => None,
                // `无` or `/` typed in an empty group's row.
                _ if self.all_placeholders(rest) => None,
                1 | 2 => {
                    for &i in rest {
                        let text = excerpt(&self.cell(i).text);
                        self.error(
                            Some(i),
                            None,
                            format!("看不出“{text}”是哪个指标的哪一项：三级指标、实施周期指标值、年度指标值应各占一格"),
                        );
                    }
                    None
                }
                n => {
                    // Names outside the framework, in front of an indicator.
                    let unknown = &rest[..n - 3];
                    match (unknown, l1, l2) {
                        ([a], _, None) => l2 = Some(*a),
                        ([a, b], None, None) => (l1, l2) = (Some(*a), Some(*b)),
                        _ => {}
                    }
                    Some([rest[n - 3], rest[n - 2], rest[n - 1]])
                }
            };
            let level1 = l1.map(|i| (level_name(&self.cell(i).text), Some(i)));
            if let Some(i) = l2 {
                let level2 = level_name(&self.cell(i).text);
                let mut items = Vec::new();
                if level2.ends_with(SATISFIED_GROUP) {
                    items.append(&mut waiting);
                } else if let Some(g) = groups.last_mut() {
                    g.items.append(&mut waiting);
                }
                groups.push(RawGroup {
                    level1,
                    level2,
                    level2_cell: Some(i),
                    items,
                });
            } else if let Some(l) = level1 {
                match groups.last_mut() {
                    Some(g) if g.level1.is_none() => g.level1 = Some(l),
                    _ => {}
                }
            }
            if let Some(it) = item {
                let name = fold(&self.cell(it[0]).text);
                let in_satisfied = groups
                    .last()
                    .is_some_and(|g| g.level2.ends_with(SATISFIED_GROUP));
                if name.ends_with(SATISFIED) && !in_satisfied && !groups.is_empty() {
                    waiting.push(it);
                } else {
                    if let Some(g) = groups.last_mut() {
                        g.items.append(&mut waiting);
                    }
                    self.push_item(&mut groups, it);
                }
            }
        }
        if let Some(g) = groups.last_mut() {
            g.items.append(&mut waiting);
        }
        groups
    }

    /// Settles each group's 一级 and builds the document's part 2. A group
    /// without its own 一级 takes the one above it, unless the framework
    /// puts it under the 一级 printed next (the export prints 效益指标 a
    /// row after 经济效益指标's).
    fn level1s(&mut self, groups: Vec<RawGroup>) -> Vec<Level1> {
        let mut out: Vec<Level1> = Vec::new();
        let mut current: Option<(String, Option<usize>)> = None;
        for gi in 0..groups.len() {
            let g = &groups[gi];
            let level1 = match &g.level1 {
                Some(l) => l.clone(),
                None => {
                    let next = groups[gi + 1..].iter().find_map(|g| g.level1.clone());
                    let framework = framework_level1(&g.level2);
                    let current_name = current.as_ref().map(|c| c.0.as_str());
                    match (&next, framework) {
                        (Some(n), Some(f)) if n.0 == f && current_name != Some(f) => n.clone(),
                        _ => match (&current, framework) {
                            (Some(c), _) => c.clone(),
                            (None, Some(f)) => (f.to_string(), None),
                            (None, None) => {
                                self.error(
                                    g.level2_cell,
                                    Some(&Field::of("indicators").at(gi).key("level1")),
                                    format!("看不出二级指标“{}”属于哪个一级指标", g.level2),
                                );
                                (String::new(), None)
                            }
                        },
                    }
                }
            };
            current = Some(level1.clone());
            let f = Field::of("indicators").at(gi);
            if let Some(i) = level1.1 {
                if self.used[i].is_none() {
                    self.value(i, &f.key("level1"));
                } else {
                    self.source_only(i, &f.key("level1"));
                }
            }
            if let Some(i) = g.level2_cell {
                self.value(i, &f.key("level2"));
            }
            let mut items = Vec::new();
            for (ii, &[n, p, a]) in g.items.iter().enumerate() {
                let fi = f.key("items").at(ii);
                self.value(n, &fi.key("name"));
                let name = fold(&self.cell(n).text);
                let period = self.rich(Some(p), &fi.key("period"));
                let annual = self.rich(Some(a), &fi.key("annual"));
                items.push(Indicator {
                    name,
                    period,
                    annual,
                });
            }
            let group = Group {
                name: g.level2.clone(),
                items,
            };
            match out.last_mut() {
                Some(l) if l.name == level1.0 => l.groups.push(group),
                _ => out.push(Level1 {
                    name: level1.0,
                    groups: vec![group],
                }),
            }
        }
        out
    }

    fn push_item(&mut self, groups: &mut Vec<RawGroup>, item: [usize; 3]) {
        if groups.is_empty() {
            self.error(Some(item[0]), None, "这个三级指标前面没有二级指标".into());
            groups.push(RawGroup {
                level1: None,
                level2: String::new(),
                level2_cell: None,
                items: Vec::new(),
            });
        }
        if let Some(g) = groups.last_mut() {
            g.items.push(item);
        }
    }
}

/// `2024年大朗镇` → (2024, `大朗镇`).
fn leading_year(s: &str) -> (Option<i32>, &str) {
    let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 4
        && let Some(rest) = s[digits..].strip_prefix('年')
    {
        return (s[..digits].parse().ok(), rest.trim_start_matches('度'));
    }
    (None, s)
}

/// `大朗镇2024年` → (2024, `大朗镇`).
fn trailing_year(s: &str) -> (Option<i32>, &str) {
    let t = s.strip_suffix('度').unwrap_or(s);
    if let Some(t) = t.strip_suffix('年') {
        let digits = t.len() - t.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 4 {
            let at = t.len() - digits;
            return (t[at..].parse().ok(), &s[..at]);
        }
    }
    (None, s)
}

/// `(2024年)`, `（2024年度）`, `2024年` → 2024.
fn year_line(n: &str) -> Option<i32> {
    let inner = n.trim_start_matches('(').trim_end_matches(')');
    let inner = inner.strip_suffix('度').unwrap_or(inner);
    let digits = inner.strip_suffix('年')?;
    (digits.len() == 4 && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_framework_is_the_one_the_rules_know() {
        let mut ours: Vec<&str> = FRAMEWORK
            .iter()
            .flat_map(|(_, l2)| l2.iter().copied())
            .collect();
        let mut theirs = crate::model::validate::LEVEL2_NAMES.to_vec();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn years_are_read_from_the_title_block() {
        assert_eq!(year_line("(2024年)"), Some(2024));
        assert_eq!(year_line("(2025年度)"), Some(2025));
        assert_eq!(year_line("2024年"), Some(2024));
        assert_eq!(year_line("(24年)"), None);
        assert_eq!(leading_year("2024年大朗镇"), (Some(2024), "大朗镇"));
        assert_eq!(leading_year("大朗镇"), (None, "大朗镇"));
        assert_eq!(trailing_year("大朗镇2024年"), (Some(2024), "大朗镇"));
        assert_eq!(trailing_year("大朗镇2024年度"), (Some(2024), "大朗镇"));
        assert_eq!(trailing_year("大朗镇"), (None, "大朗镇"));
    }

    #[test]
    fn labels_compare_without_spaces_or_full_width_brackets() {
        assert_eq!(norm("拟投入的资金（元）"), norm("拟投入的资金(元)"));
        assert_eq!(norm(" 部门 名称 "), "部门名称");
    }
}

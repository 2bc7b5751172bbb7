//! A [`Document`] written as a data file in the house format: the key
//! order, comments and layout of `jixiao new` and the files under `data/`,
//! so an imported form reads like one typed by hand.
//!
//! The law it keeps: `model::load(write(&d)).document == Some(d)` for every
//! valid `d`. Every string goes through [`string`], a TOML basic-string
//! encoder; amounts are exact decimal literals.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use unicode_width::UnicodeWidthStr;

use crate::model::Document;
use crate::model::document::{Task, Text};
use crate::model::labels::BudgetField;

/// Column the trailing comments of the top keys line up at.
const COMMENT_COL: usize = 24;
/// Column the budget's comments line up at.
const BUDGET_COMMENT_COL: usize = 27;

/// The data file for `doc`.
pub fn write(doc: &Document) -> String {
    let mut s = String::new();
    s.push_str("#:schema ../jixiao.schema.json\n");
    let _ = writeln!(
        s,
        "# 部门整体预算绩效目标表 —— {}，{} 年",
        one_line(&doc.department),
        doc.year
    );
    s.push_str(
        "# 由已有的表格导入（jixiao import）。检查：jixiao check；生成：jixiao render。\n\n",
    );

    line(
        &mut s,
        &format!("town = {}", string(&doc.town)),
        "镇（街道）名称，用于标题",
        COMMENT_COL,
    );
    line(
        &mut s,
        &format!("year = {}", doc.year),
        "预算年度",
        COMMENT_COL,
    );
    line(
        &mut s,
        &format!("department = {}", string(&doc.department)),
        "部门名称",
        COMMENT_COL,
    );
    line(
        &mut s,
        &format!("task_unit = {}", string(doc.task_unit.label())),
        "任务资金单位：\"元\" 或 \"万元\"",
        COMMENT_COL,
    );
    s.push('\n');

    line(&mut s, "[info]", "基本信息", COMMENT_COL);
    line(
        &mut s,
        &format!("staff = {}", doc.staff),
        "财政供养人员数",
        COMMENT_COL,
    );
    line(
        &mut s,
        &format!("subunits = {}", doc.subunits),
        "下属二级单位数",
        COMMENT_COL,
    );
    s.push('\n');

    line(
        &mut s,
        "[budget]",
        "预算整体情况（单位：万元；留空写 \"\"，与 0 不同）",
        COMMENT_COL,
    );
    for f in BudgetField::ALL {
        let value = match f.get(&doc.budget) {
            Some(d) => amount(d),
            None => "\"\"".to_string(),
        };
        line(
            &mut s,
            &format!("{} = {value}", f.key()),
            &budget_comment(f),
            BUDGET_COMMENT_COL,
        );
    }
    s.push('\n');

    line(
        &mut s,
        "[overall]",
        "总体绩效目标（编号 目标1、目标2…… 自动生成）",
        COMMENT_COL,
    );
    s.push_str("goals = ");
    list(&mut s, &doc.goals);
    s.push('\n');

    s.push_str("# 年度重点工作任务：每个任务一节 [[tasks]]，编号 任务1、任务2…… 自动生成\n");
    for t in &doc.tasks {
        task(&mut s, "tasks", t);
    }
    if doc.other_tasks.is_empty() {
        s.push_str("# 其他需完成的任务（可选填）：无\n\n");
    } else {
        s.push_str("# 其他需完成的任务（可选填）\n");
        for t in &doc.other_tasks {
            task(&mut s, "other_tasks", t);
        }
    }

    s.push_str(
        "# 绩效指标：每个二级指标一节 [[indicators]]，其下每个三级指标一节 [[indicators.items]]\n",
    );
    for l1 in &doc.indicators {
        for g in &l1.groups {
            s.push_str("[[indicators]]\n");
            let _ = writeln!(s, "level1 = {}", string(&l1.name));
            let _ = writeln!(s, "level2 = {}", string(&g.name));
            s.push('\n');
            for it in &g.items {
                s.push_str("[[indicators.items]]\n");
                let _ = writeln!(s, "name = {}", string(&it.name));
                text(&mut s, "period", &it.period);
                text(&mut s, "annual", &it.annual);
                s.push('\n');
            }
        }
    }

    line(
        &mut s,
        "[satisfaction]",
        "满意度调查（服务对象满意度）",
        COMMENT_COL,
    );
    let _ = writeln!(s, "period = {}", string(&doc.satisfaction[0]));
    let _ = writeln!(s, "annual = {}", string(&doc.satisfaction[1]));
    s
}

/// `基本支出`, `财政拨款（收入来源）`: the label, and which column it sits in.
fn budget_comment(f: BudgetField) -> String {
    let head = crate::model::labels::BUDGET_HALVES
        .iter()
        .find_map(|h| {
            h.rows
                .iter()
                .find_map(|r| r.iter().position(|x| *x == f))
                .map(|col| h.heads[col])
        })
        .unwrap_or("");
    match f {
        // Expenses are what the form is about; their heading goes unsaid.
        BudgetField::BasicExpense | BudgetField::ProjectExpense | BudgetField::OtherDevelopment => {
            f.label().to_string()
        }
        _ => format!("{}（{head}）", f.label()),
    }
}

fn task(s: &mut String, table: &str, t: &Task) {
    let _ = writeln!(s, "[[{table}]]");
    let _ = writeln!(s, "name = {}", string(&t.name));
    text(s, "content", &t.content);
    let _ = writeln!(s, "amount = {}", amount(t.amount));
    text(s, "target", &t.target);
    s.push('\n');
}

fn text(s: &mut String, key: &str, t: &Text) {
    match t {
        Text::One(v) => {
            let _ = writeln!(s, "{key} = {}", string(v));
        }
        Text::Items(items) => {
            let _ = write!(s, "{key} = ");
            list(s, items);
        }
    }
}

/// A list of strings, one a line.
fn list(s: &mut String, items: &[String]) {
    if items.is_empty() {
        s.push_str("[]\n");
        return;
    }
    s.push_str("[\n");
    for it in items {
        let _ = writeln!(s, "  {},", string(it));
    }
    s.push_str("]\n");
}

/// `code` then its comment at display column `col` (at least two spaces).
fn line(s: &mut String, code: &str, comment: &str, col: usize) {
    let pad = col.saturating_sub(code.width()).max(2);
    let _ = writeln!(s, "{code}{}# {comment}", " ".repeat(pad));
}

/// An amount with at least two decimals (`37.80`), never fewer digits than
/// it has: a third decimal stays for `check` to report.
pub fn amount(d: Decimal) -> String {
    let mut d = d;
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

/// A TOML basic string: quotes, backslashes and control characters escaped,
/// everything else as it is.
pub fn string(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A text for a comment line: line breaks as spaces.
fn one_line(v: &str) -> String {
    v.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn strings_are_escaped_for_toml() {
        assert_eq!(string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(string("x = 1 # y"), "\"x = 1 # y\"");
        assert_eq!(string("一\n二\u{1}"), "\"一\\n二\\u0001\"");
        let v: toml::Table = toml::from_str(&format!("k = {}", string("'\"\\\n#="))).unwrap();
        assert_eq!(v["k"].as_str(), Some("'\"\\\n#="));
    }

    #[test]
    fn amounts_keep_two_decimals_and_every_digit() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(amount(d("37.8")), "37.80");
        assert_eq!(amount(d("1009")), "1009.00");
        assert_eq!(amount(d("0")), "0.00");
        assert_eq!(amount(d("1.005")), "1.005");
        assert_eq!(amount(d("-2.5")), "-2.50");
    }
}

//! The rules: what a well-shaped form must also satisfy to be right.
//!
//! Runs on the raw (spanned) form after the structural check passed and
//! produces the plain [`Document`] plus every rule violation, each pointing
//! at the value to fix. Money is exact: an amount is read from the literal
//! text in the file (`37.80`, `1_046.80`, `"1,046.80"`) straight into a
//! `Decimal` — never through a float — so `37.805` is caught as three
//! decimals and the sums balance to the cent.

use std::str::FromStr;

use rust_decimal::Decimal;
use toml::Spanned;

use super::document::{Budget, Document, Group, Indicator, Level1, Task, Text, format_amount};
use super::field::Field;
use super::raw::{self, Amount, RawForm, RawTask, TaskUnit};
use crate::diagnostic::Diagnostic;
use crate::model::labels::BudgetField;
use crate::names;

/// Budget years outside this range are surely a typo.
pub const YEARS: std::ops::RangeInclusive<i64> = 2000..=2100;

/// The 二级指标 names of the national framework (财预〔2020〕10号 and
/// its provincial forms). Anything else is most likely a typo.
pub const LEVEL2_NAMES: &[&str] = &[
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
];

struct Rules<'a> {
    source: &'a str,
    diagnostics: Vec<Diagnostic>,
}

/// Checks the rules and builds the document. The document is only
/// meaningful when no error was reported.
pub fn validate(raw: &RawForm, source: &str) -> (Document, Vec<Diagnostic>) {
    let mut r = Rules {
        source,
        diagnostics: Vec::new(),
    };
    let town_field = Field::of("town");
    let department_field = Field::of("department");
    let town = r.text(&raw.town, &town_field);
    let department = r.text(&raw.department, &department_field);
    r.named(
        &raw.town,
        &town,
        &town_field,
        "合订本和汇总表的文件名",
        names::safe_name,
    );
    r.named(
        &raw.department,
        &department,
        &department_field,
        "工作簿的工作表名",
        names::sheet_name,
    );
    let year = *raw.year.get_ref();
    if !YEARS.contains(&year) {
        r.push(
            Diagnostic::error(format!(
                "预算年度 {year} 不在合理范围（{}–{}）内",
                YEARS.start(),
                YEARS.end()
            ))
            .at(raw.year.span())
            .of(&Field::of("year"))
            .label("请写四位数年份，如 2024"),
        );
    }
    let task_unit = raw
        .task_unit
        .as_ref()
        .map_or(TaskUnit::Yuan, |u| *u.get_ref());
    let info = Field::of("info");
    let staff = r.count(&raw.info.staff, &info.key("staff"));
    let subunits = r.count(&raw.info.subunits, &info.key("subunits"));

    let mut budget = Budget::default();
    for f in BudgetField::ALL {
        *f.slot(&mut budget) = raw
            .budget
            .get(f)
            .as_ref()
            .and_then(|a| r.amount(a, &Field::of("budget").key(f.key())));
    }

    let goals = raw
        .overall
        .goals
        .get_ref()
        .iter()
        .enumerate()
        .map(|(i, g)| r.text(g, &Field::of("overall").key("goals").at(i)))
        .collect();
    let tasks: Vec<Task> = raw
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| r.task(t, &Field::of("tasks").at(i)))
        .collect();
    let other_tasks: Vec<Task> = raw
        .other_tasks
        .iter()
        .enumerate()
        .map(|(i, t)| r.task(t, &Field::of("other_tasks").at(i)))
        .collect();
    let indicators = r.indicators(&raw.indicators);
    let sat = Field::of("satisfaction");
    let satisfaction = [
        r.text(&raw.satisfaction.period, &sat.key("period")),
        r.text(&raw.satisfaction.annual, &sat.key("annual")),
    ];

    let doc = Document {
        town,
        year: i32::try_from(year).unwrap_or_default(),
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
    };
    // Sums only mean something once every amount in them was read.
    if !r.diagnostics.iter().any(Diagnostic::is_error) {
        r.balances(raw, &doc);
    }
    (doc, r.diagnostics)
}

/// Joins the lines of a multi-line TOML string the way Chinese text wants:
/// no space between two CJK characters, one space between two Latin words.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let (Some(prev), Some(next)) = (out.chars().last(), line.chars().next())
            && prev.is_ascii_alphanumeric()
            && next.is_ascii_alphanumeric()
        {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

impl Rules<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Characters a form must not carry: control characters (which XML 1.0,
    /// and so every workbook, forbids), direction overrides (which make the
    /// text shown differ from the text stored) and invisible zero-width ones.
    fn invisible(&mut self, text: &str, span: std::ops::Range<usize>, field: &Field) {
        for c in text.chars() {
            let code = c as u32;
            let (error, what) = match c {
                '\n' | '\r' | '\t' => continue,
                c if c.is_control() => (true, "不可见的控制字符"),
                '\u{FFFE}' | '\u{FFFF}' => (true, "无效字符"),
                '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => (true, "文字方向控制字符"),
                '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' => (false, "看不见的零宽字符"),
                _ => continue,
            };
            let message = format!("“{}”中有{what} U+{code:04X}", field.name());
            let d = if error {
                Diagnostic::error(message)
            } else {
                Diagnostic::warning(message)
            };
            self.push(
                d.at(span.clone())
                    .of(field)
                    .label(format!("这段文字含有 U+{code:04X}"))
                    .note("多半是从网页或其他文件复制时带进来的；请删掉后重新输入这段文字"),
            );
            return;
        }
    }

    /// A warning when a name made from `text` (a file name, a sheet name)
    /// had to differ from it: the clerk then finds the output by a name
    /// the data does not say.
    fn named(
        &mut self,
        s: &Spanned<String>,
        text: &str,
        field: &Field,
        what: &str,
        make: fn(&str) -> String,
    ) {
        let made = make(text);
        if text.is_empty() || made == text {
            return;
        }
        self.push(
            Diagnostic::warning(format!(
                "“{}”不能原样用作{what}，已改写为“{made}”",
                field.name()
            ))
            .at(s.span())
            .of(field)
            .label("含有文件名或工作表名不允许的字符，或太长")
            .note("文件名和工作表名中不能有 < > : \" / \\ | ? * [ ] 等符号，不能以点开头或结尾"),
        );
    }

    /// A required text: folded, and not empty.
    fn text(&mut self, s: &Spanned<String>, field: &Field) -> String {
        self.invisible(s.get_ref(), s.span(), field);
        let folded = fold(s.get_ref());
        if folded.is_empty() {
            self.push(
                Diagnostic::error(format!("“{}”不能为空", field.name()))
                    .at(s.span())
                    .of(field)
                    .label("请填写内容"),
            );
        }
        folded
    }

    fn rich(&mut self, t: &Spanned<raw::Text>, field: &Field) -> Text {
        match t.get_ref() {
            raw::Text::One(s) => Text::One(self.text(&Spanned::new(t.span(), s.clone()), field)),
            raw::Text::Items(items) if items.is_empty() => {
                self.push(
                    Diagnostic::error(format!("“{}”不能为空", field.name()))
                        .at(t.span())
                        .of(field)
                        .label("列表里至少写一项"),
                );
                Text::Items(Vec::new())
            }
            raw::Text::Items(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, s) in items.iter().enumerate() {
                    let item = field.at(i);
                    self.invisible(s, t.span(), &item);
                    let f = fold(s);
                    if f.is_empty() {
                        self.push(
                            Diagnostic::error(format!("“{}”是空的", item.name()))
                                .at(t.span())
                                .of(&item)
                                .label("分项不能为空"),
                        );
                    }
                    out.push(f);
                }
                Text::Items(out)
            }
        }
    }

    fn count(&mut self, n: &Spanned<i64>, field: &Field) -> u32 {
        match u32::try_from(*n.get_ref()) {
            Ok(v) => v,
            Err(_) => {
                self.push(
                    Diagnostic::error(format!(
                        "“{}”应为非负整数，这里写的是 {}",
                        field.name(),
                        n.get_ref()
                    ))
                    .at(n.span())
                    .of(field)
                    .label("应为 0 或正整数"),
                );
                0
            }
        }
    }

    /// Reads an amount exactly from its literal text; `None` for a blank.
    fn amount(&mut self, a: &Spanned<Amount>, field: &Field) -> Option<Decimal> {
        let span = a.span();
        // The field's name only for a message: it walks the schema.
        let name = || field.name();
        let literal = match a.get_ref() {
            Amount::Text(s) if s.trim().is_empty() => return None,
            Amount::Text(s) => s.trim().replace([',', '，'], ""),
            Amount::Integer(_) | Amount::Float(_) => self
                .source
                .get(span.clone())
                .unwrap_or_default()
                .replace('_', ""),
        };
        let bad = |msg: String, label: &str| {
            Diagnostic::error(msg)
                .at(span.clone())
                .of(field)
                .label(label.to_string())
        };
        if literal.contains(['e', 'E']) || literal.contains("inf") || literal.contains("nan") {
            self.push(
                bad(
                    format!("“{}”请写成普通的小数，这里写的是 {literal}", name()),
                    "不要用科学计数法",
                )
                .note("例如 1046.80"),
            );
            return None;
        }
        let Ok(d) = Decimal::from_str(literal.trim_start_matches('+')) else {
            self.push(
                bad(
                    format!("“{}”不是有效的金额：{literal}", name()),
                    "应为金额，如 1046.80",
                )
                .note("金额写数字，如 1046.80；留空写 \"\""),
            );
            return None;
        };
        if d.is_sign_negative() && !d.is_zero() {
            self.push(bad(
                format!("“{}”不能为负数，这里写的是 {literal}", name()),
                "金额不能为负",
            ));
        }
        if d.scale() > 2 {
            self.push(bad(
                format!("“{}”最多两位小数，这里写的是 {literal}", name()),
                "最多两位小数",
            ));
        }
        Some(d)
    }

    fn task(&mut self, t: &RawTask, field: &Field) -> Task {
        let name = self.text(&t.name, &field.key("name"));
        let content = self.rich(&t.content, &field.key("content"));
        let target = self.rich(&t.target, &field.key("target"));
        let amount_field = field.key("amount");
        let amount = match self.amount(&t.amount, &amount_field) {
            Some(a) => a,
            None => {
                if matches!(t.amount.get_ref(), Amount::Text(s) if s.trim().is_empty()) {
                    self.push(
                        Diagnostic::error(format!("“{}”不能留空", amount_field.name()))
                            .at(t.amount.span())
                            .of(&amount_field)
                            .label("请填写金额，没有写 0"),
                    );
                }
                Decimal::ZERO
            }
        };
        Task {
            name,
            content,
            amount,
            target,
        }
    }

    fn indicators(&mut self, groups: &[raw::RawGroup]) -> Vec<Level1> {
        let mut levels: Vec<Level1> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for (gi, g) in groups.iter().enumerate() {
            let field = Field::of("indicators").at(gi);
            let l1 = self.text(&g.level1, &field.key("level1"));
            let l2 = self.text(&g.level2, &field.key("level2"));
            if !l2.is_empty() && !LEVEL2_NAMES.contains(&l2.as_str()) {
                let mut d = Diagnostic::warning(format!(
                    "二级指标“{l2}”不在全国通用的指标体系中，可能写错了"
                ))
                .at(g.level2.span())
                .of(&field.key("level2"))
                .label("不常见的二级指标");
                let best = LEVEL2_NAMES
                    .iter()
                    .map(|n| (strsim::levenshtein(&l2, n), *n))
                    .min()
                    .filter(|(dist, _)| *dist <= 2);
                if let Some((_, n)) = best {
                    d = d.note(format!("是不是要写“{n}”？"));
                }
                self.push(d.note(format!("通用的二级指标：{}", LEVEL2_NAMES.join("、"))));
            }
            let mut items = Vec::with_capacity(g.items.len());
            let mut names: Vec<&str> = Vec::new();
            for (ii, it) in g.items.iter().enumerate() {
                let f = field.key("items").at(ii);
                let name = self.text(&it.name, &f.key("name"));
                if names.contains(&it.name.get_ref().trim()) {
                    self.push(
                        Diagnostic::warning(format!("二级指标“{l2}”下的三级指标“{name}”重复出现"))
                            .at(it.name.span())
                            .of(&f.key("name"))
                            .label("重复的三级指标"),
                    );
                }
                names.push(it.name.get_ref().trim());
                items.push(Indicator {
                    name,
                    period: self.rich(&it.period, &f.key("period")),
                    annual: self.rich(&it.annual, &f.key("annual")),
                });
            }
            let group = Group { name: l2, items };
            match levels.last_mut() {
                Some(last) if last.name == l1 => last.groups.push(group),
                _ => {
                    if seen.contains(&l1) {
                        self.push(
                            Diagnostic::warning(format!(
                                "一级指标“{l1}”前面已经出现过，这里又出现：表中会分成两块"
                            ))
                            .at(g.level1.span())
                            .of(&field.key("level1"))
                            .label("不连续的一级指标")
                            .note("同一一级指标的各节请连续书写"),
                        );
                    }
                    seen.push(l1.clone());
                    levels.push(Level1 {
                        name: l1,
                        groups: vec![group],
                    });
                }
            }
        }
        levels
    }

    /// The sums a form must balance, compared exactly, in 万元 and in the
    /// task unit.
    fn balances(&mut self, raw: &RawForm, doc: &Document) {
        let b = &doc.budget;
        let rb = &raw.budget;
        let z = |x: Option<Decimal>| x.unwrap_or(Decimal::ZERO);
        let span_of = |a: &Option<Spanned<Amount>>| a.as_ref().map(Spanned::span);
        let fmt = |d: Decimal| format_amount(d);

        // 基本支出 + 项目支出 = 财政拨款 + 其他资金
        let spend = z(b.basic_expense) + z(b.project_expense);
        let income = z(b.fiscal_funds) + z(b.other_funds);
        if spend != income {
            let at = span_of(&rb.fiscal_funds)
                .or_else(|| span_of(&rb.basic_expense))
                .unwrap_or(0..0);
            self.push(
                Diagnostic::error(format!(
                    "支出合计 {} 万元 ≠ 收入合计 {} 万元（相差 {} 万元）",
                    fmt(spend),
                    fmt(income),
                    fmt((spend - income).abs())
                ))
                .at(at)
                .of(&Field::of("budget"))
                .label("收支不平衡")
                .note(format!(
                    "基本支出 {} + 项目支出 {} 应等于 财政拨款 {} + 其他资金 {}",
                    fmt(z(b.basic_expense)),
                    fmt(z(b.project_expense)),
                    fmt(z(b.fiscal_funds)),
                    fmt(z(b.other_funds))
                )),
            );
        }

        // Σ 重点任务资金 = 项目支出; Σ 其他任务资金 = 基本支出 (when any).
        let unit = doc.task_unit;
        let checks = [
            (
                "年度重点工作任务",
                doc.tasks_total(),
                BudgetField::ProjectExpense,
                raw.tasks.first().map(|t| t.amount.span()),
            ),
            (
                "其他需完成的任务",
                doc.other_tasks_total(),
                BudgetField::BasicExpense,
                raw.other_tasks.first().map(|t| t.amount.span()),
            ),
        ];
        for (what, total, field, first_task) in checks {
            if what == "其他需完成的任务" && doc.other_tasks.is_empty() {
                continue;
            }
            let against = field.label();
            let budget = field.get(b);
            let budget_span = span_of(rb.get(field));
            let total_wan = unit.to_wan(total);
            let budget_wan = z(budget);
            if total_wan == budget_wan {
                continue;
            }
            let shown_total = match unit {
                TaskUnit::Yuan => format!("{} 元（{} 万元）", fmt(total), fmt_wan(total_wan)),
                TaskUnit::WanYuan => format!("{} 万元", fmt(total)),
            };
            self.push(
                Diagnostic::error(format!(
                    "{what}资金合计 {shown_total} ≠ {against} {} 万元（相差 {} 万元）",
                    fmt(budget_wan),
                    fmt_wan((total_wan - budget_wan).abs())
                ))
                .at(budget_span.or(first_task).unwrap_or(0..0))
                .of(&Field::of("budget").key(field.key()))
                .label(format!("应等于{what}资金合计"))
                .note(format!(
                    "各项“拟投入的资金”之和（单位：{}）应等于{against}（单位：万元）",
                    unit.label()
                )),
            );
        }

        // 市本级使用资金 + 拟用于对下转移支付资金 = 总额, when both are filled.
        if let (Some(city), Some(transfer)) = (b.city_level, b.transfer) {
            let total = income;
            if city + transfer != total {
                self.push(
                    Diagnostic::error(format!(
                        "按预算级次划分合计 {} 万元 ≠ 收入合计 {} 万元（相差 {} 万元）",
                        fmt(city + transfer),
                        fmt(total),
                        fmt((city + transfer - total).abs())
                    ))
                    .at(span_of(&rb.city_level).unwrap_or(0..0))
                    .of(&Field::of("budget").key("city_level"))
                    .label("级次合计不等于总额")
                    .note("市本级使用资金 + 拟用于对下转移支付资金 应等于 财政拨款 + 其他资金；其中一项留空则不检查"),
                );
            }
        }
    }
}

/// 万元 figures converted from 元 may have up to six decimals; show them all
/// when they are not whole cents, so a difference of 1 元 is not shown as 0.00.
fn fmt_wan(d: Decimal) -> String {
    if d.normalize().scale() <= 2 {
        format_amount(d)
    } else {
        let n = d.normalize();
        let int = format_amount(n.trunc());
        let frac = n.fract().abs().to_string();
        format!(
            "{}{}",
            int.trim_end_matches(".00"),
            frac.trim_start_matches('0')
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_joins_chinese_without_spaces_and_latin_with_one() {
        assert_eq!(fold("贯彻落实\n  东财文件"), "贯彻落实东财文件");
        assert_eq!(fold("PDF\nexport"), "PDF export");
        assert_eq!(fold("  单行  "), "单行");
        assert_eq!(fold("a\r\n\r\n b"), "a b");
    }

    #[test]
    fn sub_cent_differences_are_shown() {
        assert_eq!(fmt_wan(Decimal::from_str("0.0001").unwrap()), "0.0001");
        assert_eq!(fmt_wan(Decimal::from_str("1234.5").unwrap()), "1,234.50");
        assert_eq!(
            fmt_wan(Decimal::from_str("1234.5678").unwrap()),
            "1,234.5678"
        );
    }
}

//! The validated form: plain types, exact decimals, nothing left to check.
//!
//! Everything downstream (the PDF template, the workbook, the batch summary)
//! reads only this. Numbers (目标N, 任务N, ①②③) are not stored: they are
//! derived from order where the form is drawn.

use rust_decimal::Decimal;

use super::field::Field;

pub use super::raw::TaskUnit;

impl TaskUnit {
    /// The unit as the form prints it.
    pub fn label(self) -> &'static str {
        match self {
            TaskUnit::Yuan => "元",
            TaskUnit::WanYuan => "万元",
        }
    }

    /// How many 元 one unit is.
    pub fn in_yuan(self) -> Decimal {
        match self {
            TaskUnit::Yuan => Decimal::ONE,
            TaskUnit::WanYuan => Decimal::from(10_000),
        }
    }

    /// An amount in this unit, in 万元 (the budget's unit), exactly.
    pub fn to_wan(self, amount: Decimal) -> Decimal {
        amount * self.in_yuan() / Decimal::from(10_000)
    }
}

/// One department's form for one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub town: String,
    pub year: i32,
    pub department: String,
    pub task_unit: TaskUnit,
    /// 财政供养人员数
    pub staff: u32,
    /// 下属二级单位数
    pub subunits: u32,
    pub budget: Budget,
    /// 总体绩效目标, in order (目标1 first).
    pub goals: Vec<String>,
    /// 年度重点工作任务
    pub tasks: Vec<Task>,
    /// 其他需完成的任务（可选填）
    pub other_tasks: Vec<Task>,
    /// 绩效指标, 一级 → 二级 → 三级.
    pub indicators: Vec<Level1>,
    /// 满意度调查（服务对象满意度）: 实施周期指标值, 年度指标值.
    pub satisfaction: [String; 2],
}

/// 预算整体情况, in 万元; `None` is a blank cell, which is not 0.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Budget {
    /// 基本支出
    pub basic_expense: Option<Decimal>,
    /// 项目支出
    pub project_expense: Option<Decimal>,
    /// 财政拨款
    pub fiscal_funds: Option<Decimal>,
    /// 其他资金
    pub other_funds: Option<Decimal>,
    /// 财政专项资金
    pub special_funds: Option<Decimal>,
    /// 其他事业发展性支出
    pub other_development: Option<Decimal>,
    /// 市本级使用资金
    pub city_level: Option<Decimal>,
    /// 拟用于对下转移支付资金
    pub transfer: Option<Decimal>,
}

/// A task row: 名称 | 主要实施内容 | 拟投入的资金 | 期望达到的目标.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub name: String,
    pub content: Text,
    /// In the form's task unit (元 unless `task_unit` says otherwise).
    pub amount: Decimal,
    pub target: Text,
}

/// A text cell: one paragraph, or sub-items shown as ①②③ on their own lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    One(String),
    Items(Vec<String>),
}

impl Text {
    /// The lines as printed, sub-items numbered ①②③….
    pub fn lines(&self) -> Vec<String> {
        match self {
            Text::One(s) => vec![s.clone()],
            Text::Items(items) => items
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{}{s}", circled(i + 1)))
                .collect(),
        }
    }

    /// All lines joined with line breaks, as one cell shows it.
    pub fn joined(&self) -> String {
        self.lines().join("\n")
    }
}

/// ① … ⑳ for 1–20, ㉑ … ㊿ for 21–50, `(n)` beyond.
pub fn circled(n: usize) -> String {
    let c = match n {
        1..=20 => char::from_u32(0x2460 + n as u32 - 1),
        21..=35 => char::from_u32(0x3251 + n as u32 - 21),
        36..=50 => char::from_u32(0x32B1 + n as u32 - 36),
        _ => None,
    };
    c.map_or_else(|| format!("({n})"), String::from)
}

/// 一级指标 and its 二级 groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level1 {
    pub name: String,
    pub groups: Vec<Group>,
}

/// 二级指标 and its 三级 indicators (possibly none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub items: Vec<Indicator>,
}

/// 三级指标 with 实施周期指标值 and 年度指标值.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub name: String,
    pub period: Text,
    pub annual: Text,
}

impl Document {
    /// Every text of the form with its field, for checks that must name
    /// the field (a character no font can show, say). Sub-items come one
    /// by one, each its own field.
    pub fn texts(&self) -> Vec<(Field, &str)> {
        let mut out = vec![
            (Field::of("town"), self.town.as_str()),
            (Field::of("department"), self.department.as_str()),
        ];
        fn text<'a>(out: &mut Vec<(Field, &'a str)>, field: Field, t: &'a Text) {
            match t {
                Text::One(s) => out.push((field, s)),
                Text::Items(items) => {
                    for (i, s) in items.iter().enumerate() {
                        out.push((field.at(i), s));
                    }
                }
            }
        }
        for (i, g) in self.goals.iter().enumerate() {
            out.push((Field::of("overall").key("goals").at(i), g));
        }
        let tasks = (self.tasks.iter().enumerate())
            .map(|(i, t)| (Field::of("tasks").at(i), t))
            .chain(
                (self.other_tasks.iter().enumerate())
                    .map(|(i, t)| (Field::of("other_tasks").at(i), t)),
            );
        for (f, t) in tasks {
            out.push((f.key("name"), &t.name));
            text(&mut out, f.key("content"), &t.content);
            text(&mut out, f.key("target"), &t.target);
        }
        let groups = self
            .indicators
            .iter()
            .flat_map(|l| l.groups.iter().map(move |g| (l, g)));
        for (gi, (l, g)) in groups.enumerate() {
            let f = Field::of("indicators").at(gi);
            out.push((f.key("level1"), &l.name));
            out.push((f.key("level2"), &g.name));
            for (ii, it) in g.items.iter().enumerate() {
                let f = f.key("items").at(ii);
                out.push((f.key("name"), &it.name));
                text(&mut out, f.key("period"), &it.period);
                text(&mut out, f.key("annual"), &it.annual);
            }
        }
        let sat = Field::of("satisfaction");
        out.push((sat.key("period"), &self.satisfaction[0]));
        out.push((sat.key("annual"), &self.satisfaction[1]));
        out
    }

    /// Sum of 年度重点工作任务 amounts, in the task unit.
    pub fn tasks_total(&self) -> Decimal {
        self.tasks.iter().map(|t| t.amount).sum()
    }

    /// Sum of 其他需完成的任务 amounts, in the task unit.
    pub fn other_tasks_total(&self) -> Decimal {
        self.other_tasks.iter().map(|t| t.amount).sum()
    }
}

/// `1046.8` → `1,046.80`: two decimals, thousands separators, as the form prints.
pub fn format_amount(d: Decimal) -> String {
    let r = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let s = format!("{:.2}", r.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if r.is_sign_negative() && !r.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn amounts_print_as_the_form_does() {
        let f = |s: &str| format_amount(Decimal::from_str(s).unwrap());
        assert_eq!(f("1046.8"), "1,046.80");
        assert_eq!(f("2800000"), "2,800,000.00");
        assert_eq!(f("0"), "0.00");
        assert_eq!(f("37.80"), "37.80");
        assert_eq!(f("999.995"), "1,000.00");
        assert_eq!(f("-1234.5"), "-1,234.50");
        assert_eq!(f("100"), "100.00");
    }

    #[test]
    fn sub_items_are_numbered_in_circles() {
        assert_eq!(circled(1), "①");
        assert_eq!(circled(20), "⑳");
        assert_eq!(circled(21), "㉑");
        assert_eq!(circled(50), "㊿");
        assert_eq!(circled(51), "(51)");
        let t = Text::Items(vec!["社工：3人".into(), "党建组织员：31人".into()]);
        assert_eq!(t.joined(), "①社工：3人\n②党建组织员：31人");
    }
}

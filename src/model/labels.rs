//! The form's fixed texts, each written once. The grid places them, the
//! importer looks for them, and diagnostics name fields with them.

use rust_decimal::Decimal;

use super::document::Budget;
use super::raw::{Amount, RawBudget};
use toml::Spanned;

pub const DEPARTMENT: &str = "部门名称";
pub const BASIC_INFO: &str = "基本信息";
pub const STAFF: &str = "财政供养人员数";
pub const SUBUNITS: &str = "下属二级单位数";
pub const BUDGET: &str = "预算整体情况";
/// The heading over every budget amount column.
pub const BUDGET_AMOUNT: &str = "预算金额(万元)";
pub const OVERALL: &str = "总体绩效目标";
/// One goal's number, `目标1`.
pub const GOAL: &str = "目标";
pub const TASKS: &str = "年度重点工作任务";
/// One key task's number, `任务1`.
pub const TASK: &str = "任务";
pub const OTHER_TASKS: &str = "其他需完成的任务(可选填)";
pub const TASK_NAME: &str = "名称";
pub const TASK_CONTENT: &str = "主要实施内容";
/// Followed by the unit in brackets: `拟投入的资金(元)`.
pub const TASK_AMOUNT: &str = "拟投入的资金";
pub const TASK_TARGET: &str = "期望达到的目标(概述)";
pub const INDICATORS: &str = "绩效指标";
pub const LEVEL1: &str = "一级指标";
pub const LEVEL2: &str = "二级指标";
pub const LEVEL3: &str = "三级指标";
pub const PERIOD: &str = "实施周期指标值";
pub const ANNUAL: &str = "年度指标值";
pub const SATISFACTION: &str = "满意度调查（服务对象满意度）";
/// The title after the town: `大朗镇部门整体预算绩效目标表`.
pub const TITLE: &str = "部门整体预算绩效目标表";

/// `拟投入的资金(元)`, the task table's amount heading for a unit.
pub fn task_amount(unit: &str) -> String {
    format!("{TASK_AMOUNT}({unit})")
}

/// One amount of 预算整体情况.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetField {
    BasicExpense,
    ProjectExpense,
    FiscalFunds,
    OtherFunds,
    SpecialFunds,
    OtherDevelopment,
    CityLevel,
    Transfer,
}

impl BudgetField {
    pub const ALL: [BudgetField; 8] = [
        BudgetField::BasicExpense,
        BudgetField::ProjectExpense,
        BudgetField::FiscalFunds,
        BudgetField::OtherFunds,
        BudgetField::SpecialFunds,
        BudgetField::OtherDevelopment,
        BudgetField::CityLevel,
        BudgetField::Transfer,
    ];

    /// The label in front of the amount on the form.
    pub fn label(self) -> &'static str {
        match self {
            BudgetField::BasicExpense => "基本支出",
            BudgetField::ProjectExpense => "项目支出",
            BudgetField::FiscalFunds => "财政拨款",
            BudgetField::OtherFunds => "其他资金",
            BudgetField::SpecialFunds => "财政专项资金",
            BudgetField::OtherDevelopment => "其他事业发展性支出",
            BudgetField::CityLevel => "市本级使用资金",
            BudgetField::Transfer => "拟用于对下转移支付资金",
        }
    }

    /// The key in a data file's `[budget]` table.
    pub fn key(self) -> &'static str {
        match self {
            BudgetField::BasicExpense => "basic_expense",
            BudgetField::ProjectExpense => "project_expense",
            BudgetField::FiscalFunds => "fiscal_funds",
            BudgetField::OtherFunds => "other_funds",
            BudgetField::SpecialFunds => "special_funds",
            BudgetField::OtherDevelopment => "other_development",
            BudgetField::CityLevel => "city_level",
            BudgetField::Transfer => "transfer",
        }
    }

    /// The amount in `b` (`None` when blank).
    pub fn get(self, b: &Budget) -> Option<Decimal> {
        // A budget is eight small values: one match (in `slot`) serves both.
        *self.slot(&mut b.clone())
    }

    /// Where the amount lives in `b`.
    pub fn slot(self, b: &mut Budget) -> &mut Option<Decimal> {
        match self {
            BudgetField::BasicExpense => &mut b.basic_expense,
            BudgetField::ProjectExpense => &mut b.project_expense,
            BudgetField::FiscalFunds => &mut b.fiscal_funds,
            BudgetField::OtherFunds => &mut b.other_funds,
            BudgetField::SpecialFunds => &mut b.special_funds,
            BudgetField::OtherDevelopment => &mut b.other_development,
            BudgetField::CityLevel => &mut b.city_level,
            BudgetField::Transfer => &mut b.transfer,
        }
    }
}

impl RawBudget {
    /// The amount as written in the file, if the key is there.
    pub fn get(&self, f: BudgetField) -> &Option<Spanned<Amount>> {
        match f {
            BudgetField::BasicExpense => &self.basic_expense,
            BudgetField::ProjectExpense => &self.project_expense,
            BudgetField::FiscalFunds => &self.fiscal_funds,
            BudgetField::OtherFunds => &self.other_funds,
            BudgetField::SpecialFunds => &self.special_funds,
            BudgetField::OtherDevelopment => &self.other_development,
            BudgetField::CityLevel => &self.city_level,
            BudgetField::Transfer => &self.transfer,
        }
    }
}

/// One half of 预算整体情况: a heading row (`部门预算支出 | 预算金额(万元) |
/// 收入来源 | 预算金额(万元)`), then two rows of `label | amount | label |
/// amount`.
pub struct BudgetHalf {
    pub heads: [&'static str; 2],
    pub rows: [[BudgetField; 2]; 2],
}

/// 预算整体情况's six rows, in the form's order.
pub const BUDGET_HALVES: [BudgetHalf; 2] = [
    BudgetHalf {
        heads: ["部门预算支出", "收入来源"],
        rows: [
            [BudgetField::BasicExpense, BudgetField::FiscalFunds],
            [BudgetField::ProjectExpense, BudgetField::OtherFunds],
        ],
    },
    BudgetHalf {
        heads: ["事业发展性支出", "按预算级次划分"],
        rows: [
            [BudgetField::SpecialFunds, BudgetField::CityLevel],
            [BudgetField::OtherDevelopment, BudgetField::Transfer],
        ],
    },
];

/// Part 2's header row after the 绩效指标 column.
pub const INDICATOR_HEADS: [&str; 5] = [LEVEL1, LEVEL2, LEVEL3, PERIOD, ANNUAL];

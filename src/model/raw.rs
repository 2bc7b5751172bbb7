//! The TOML format of one department's form, exactly as a clerk types it.
//!
//! These types are the single declaration of the format: serde reads files
//! into them, and schemars turns them into the JSON Schema that both
//! `jixiao schema` prints and the structural check walks (so a key, a type or
//! a Chinese field name is written down once, here). Each field's first doc
//! line is the form's own name for it; the rest is the help an editor shows.
//!
//! Values keep their byte spans so every later rule can point at the line.
//! Nothing here is checked beyond its shape: see `validate` for the rules.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// 部门整体预算绩效目标表
///
/// 一个部门一年的绩效目标表。每个文件写一个部门；编号（目标1、任务1……）按书写顺序自动生成，不必手写。
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawForm {
    /// 镇（街道）名称
    ///
    /// 用于标题“××镇部门整体预算绩效目标表”，例如 "大朗镇"。
    #[schemars(with = "String")]
    pub town: Spanned<String>,
    /// 预算年度
    ///
    /// 四位数年份，例如 2024，标题下显示为“(2024年)”。
    #[schemars(with = "i64")]
    pub year: Spanned<i64>,
    /// 部门名称
    ///
    /// 部门全称，例如 "东莞市大朗镇党建工作办公室"。
    #[schemars(with = "String")]
    pub department: Spanned<String>,
    /// 任务资金单位
    ///
    /// “年度重点工作任务”和“其他需完成的任务”中“拟投入的资金”的单位："元"（默认）或 "万元"。
    #[serde(default)]
    #[schemars(with = "Option<TaskUnit>")]
    pub task_unit: Option<Spanned<TaskUnit>>,
    /// 基本信息
    pub info: RawInfo,
    /// 预算整体情况
    ///
    /// 单位：万元。每项可留空（不写这一行，或写 ""）；留空与 0 不同，0 要写 0。
    pub budget: RawBudget,
    /// 总体绩效目标
    pub overall: RawOverall,
    /// 年度重点工作任务
    ///
    /// 每个任务写一节 [[tasks]]，按顺序编号为 任务1、任务2……
    #[schemars(length(min = 1))]
    pub tasks: Vec<RawTask>,
    /// 其他需完成的任务(可选填)
    ///
    /// 每个任务写一节 [[other_tasks]]；没有可以不写。
    #[serde(default)]
    pub other_tasks: Vec<RawTask>,
    /// 绩效指标
    ///
    /// 每个二级指标写一节 [[indicators]]，写明所属一级指标；同一一级指标的各节连续书写。
    #[schemars(length(min = 1))]
    pub indicators: Vec<RawGroup>,
    /// 满意度调查（服务对象满意度）
    pub satisfaction: RawSatisfaction,
}

/// 任务资金单位
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum TaskUnit {
    /// 元
    #[serde(rename = "元")]
    Yuan,
    /// 万元
    #[serde(rename = "万元")]
    WanYuan,
}

/// 基本信息
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawInfo {
    /// 财政供养人员数
    ///
    /// 人数，非负整数。
    #[schemars(with = "u32")]
    pub staff: Spanned<i64>,
    /// 下属二级单位数
    ///
    /// 个数，非负整数。
    #[schemars(with = "u32")]
    pub subunits: Spanned<i64>,
}

/// 预算整体情况（万元）
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBudget {
    /// 基本支出
    ///
    /// 部门预算支出，单位：万元，最多两位小数。
    #[serde(default)]
    #[schemars(with = "Option<Amount>")]
    pub basic_expense: Option<Spanned<Amount>>,
    /// 项目支出
    ///
    /// 部门预算支出，单位：万元，最多两位小数。
    #[serde(default)]
    #[schemars(with = "Option<Amount>")]
    pub project_expense: Option<Spanned<Amount>>,
    /// 财政拨款
    ///
    /// 收入来源，单位：万元，最多两位小数。
    #[serde(default)]
    #[schemars(with = "Option<Amount>")]
    pub fiscal_funds: Option<Spanned<Amount>>,
    /// 其他资金
    ///
    /// 收入来源，单位：万元，最多两位小数。
    #[serde(default)]
    #[schemars(with = "Option<Amount>")]
    pub other_funds: Option<Spanned<Amount>>,
    /// 财政专项资金
    ///
    /// 事业发展性支出，单位：万元，最多两位小数。
    #[serde(default)]
    #[schemars(with = "Option<Amount>")]
    pub special_funds: Option<Spanned<Amount>>,
    /// 其他事业发展性支出
    ///
    /// 事业发展性支出，单位：万元，最多两位小数。
    #[serde(default)]
    #[schemars(with = "Option<Amount>")]
    pub other_development: Option<Spanned<Amount>>,
    /// 市本级使用资金
    ///
    /// 按预算级次划分，单位：万元，最多两位小数；可留空。
    #[serde(default)]
    #[schemars(with = "Option<Amount>")]
    pub city_level: Option<Spanned<Amount>>,
    /// 拟用于对下转移支付资金
    ///
    /// 按预算级次划分，单位：万元，最多两位小数；可留空。
    #[serde(default)]
    #[schemars(with = "Option<Amount>")]
    pub transfer: Option<Spanned<Amount>>,
}

/// 总体绩效目标
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOverall {
    /// 总体绩效目标
    ///
    /// 每个目标一行文字，按顺序编号为 目标1、目标2……（编号不必写）。
    #[schemars(with = "Vec<String>", length(min = 1))]
    pub goals: Spanned<Vec<Spanned<String>>>,
}

/// 任务
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTask {
    /// 名称
    ///
    /// 任务名称，不写“任务1:”编号。
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// 主要实施内容
    ///
    /// 一段文字；有①②③分项时写成列表 ["第一项", "第二项"]，编号自动加上。
    #[schemars(with = "Text")]
    pub content: Spanned<Text>,
    /// 拟投入的资金
    ///
    /// 单位见 task_unit（默认：元），最多两位小数。
    #[schemars(with = "Amount")]
    pub amount: Spanned<Amount>,
    /// 期望达到的目标(概述)
    ///
    /// 一段文字；有分项时写成列表。
    #[schemars(with = "Text")]
    pub target: Spanned<Text>,
}

/// 二级指标
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    /// 一级指标
    ///
    /// 例如 "产出指标"、"效益指标"、"满意度指标"。
    #[schemars(with = "String")]
    pub level1: Spanned<String>,
    /// 二级指标
    ///
    /// 例如 "数量指标"、"质量指标"、"时效指标"、"成本指标"、"社会效益指标"、"服务对象满意度指标"。
    #[schemars(with = "String")]
    pub level2: Spanned<String>,
    /// 三级指标
    ///
    /// 每个三级指标写一节 [[indicators.items]]；没有三级指标的二级指标可以不写，表中仍留一行。
    #[serde(default)]
    pub items: Vec<RawIndicator>,
}

/// 三级指标
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIndicator {
    /// 名称
    ///
    /// 三级指标的名称。
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// 实施周期指标值
    ///
    /// 文字，如 "≥90%"；有①②分项时写成列表。
    #[schemars(with = "Text")]
    pub period: Spanned<Text>,
    /// 年度指标值
    ///
    /// 文字，如 "≥90%"；有①②分项时写成列表。
    #[schemars(with = "Text")]
    pub annual: Spanned<Text>,
}

/// 满意度调查（服务对象满意度）
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSatisfaction {
    /// 实施周期指标值
    ///
    /// 例如 "基本满意"。
    #[schemars(with = "String")]
    pub period: Spanned<String>,
    /// 年度指标值
    ///
    /// 例如 "基本满意"。
    #[schemars(with = "String")]
    pub annual: Spanned<String>,
}

/// 金额
///
/// 数字（如 1046.80）或文字（如 "1,046.80"）；写 "" 表示留空。
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Amount {
    /// 整数
    Integer(i64),
    /// 小数
    Float(f64),
    /// 文字
    Text(String),
}

/// 文字
///
/// 一段文字，或分项列表（显示为 ①②③……，每项一行）。
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Text {
    /// 一段文字
    One(String),
    /// 分项
    Items(Vec<String>),
}

//! JSON for other systems: the validated form (`render --format json`) and
//! a check's findings (`check --format json`), each with its JSON Schema.
//!
//! The form's JSON has the data file's shape and keys, so a diagnostic's
//! `path` (`budget.fiscal_funds`) names the same value in both, and the
//! schema's titles are copied from the data format's schema (one Chinese
//! name per field, declared in `model::raw`). What differs is what a
//! machine needs: every default filled in, texts as validated, a blank
//! amount `null`, and amounts as strings with exactly two decimals
//! (`"1046.80"`), written from the decimal, never through a float.
//!
//! A check's findings are one JSON document per run (not JSON Lines): the
//! forms checked, every diagnostic with file, line, column (1-based, in
//! characters) or workbook cell, and the totals, so a consumer reads one
//! value and knows the run is complete. Each document names its schema in
//! `$schema` (`urn:jixiao:form:1`, `urn:jixiao:check:1`), which
//! `jixiao schema --of render|check` prints; the number changes only when a
//! key changes meaning or goes away.

use std::borrow::Cow;

use rust_decimal::Decimal;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::diagnostic::{self, Diagnostic, Severity};
use crate::model::document::{self, Document, TaskUnit};
use crate::model::field;

/// The `$schema` of a form's JSON, and its schema's `$id`.
pub const FORM_ID: &str = "urn:jixiao:form:1";
/// The `$schema` of a check's findings, and its schema's `$id`.
pub const CHECK_ID: &str = "urn:jixiao:check:1";

/// The form as JSON: pretty-printed, keys in the data file's order, with a
/// final line break. Deterministic.
pub fn form(doc: &Document) -> Vec<u8> {
    to_bytes(&Form::of(doc))
}

/// The JSON Schema of what [`form`] writes.
pub fn form_schema() -> Value {
    let mut schema = schema_of::<Form<'_>>(FORM_ID);
    copy_titles(&mut schema, crate::model::schema());
    schema
}

/// The JSON Schema of [`Findings`].
pub fn check_schema() -> Value {
    schema_of::<Findings>(CHECK_ID)
}

/// A schema text as `jixiao schema` prints it.
pub fn schema_text(schema: &Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).unwrap_or_default();
    s.push('\n');
    s
}

fn to_bytes(value: &impl Serialize) -> Vec<u8> {
    // Plain data without maps keyed by anything but strings: cannot fail.
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Every sub-schema inline: a consumer reads each property where it is.
fn schema_of<T: JsonSchema>(id: &str) -> Value {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>();
    let mut v = schema.to_value();
    if let Value::Object(map) = &mut v {
        map.insert("$id".into(), id.into());
        if let Some(Value::Object(props)) = map.get_mut("properties") {
            let what = "这份 JSON 的格式和版本；键的含义改变或有键去掉时，版本号才会改变。";
            props.insert(
                "$schema".into(),
                serde_json::json!({ "const": id, "description": what }),
            );
        }
        if let Some(Value::Array(required)) = map.get_mut("required") {
            required.insert(0, "$schema".into());
        }
    }
    v
}

/// Gives each property of `out` the title the data format's schema has at
/// the same path (`budget.fiscal_funds` → 财政拨款).
fn copy_titles(out: &mut Value, data: &Value) {
    let defs = field::defs(data);
    if let (Some(t), Value::Object(map)) = (field::title(data, defs), &mut *out) {
        map.insert("title".into(), t.into());
    }
    walk(out, data, defs);

    fn walk(out: &mut Value, data: &Value, defs: &Map<String, Value>) {
        let Value::Object(map) = out else { return };
        if let Some(Value::Object(props)) = map.get_mut("properties") {
            for (key, sub) in props.iter_mut() {
                let Some(d) = field::property(data, key, defs) else {
                    continue;
                };
                if let (Some(t), Value::Object(s)) = (field::title(d, defs), &mut *sub) {
                    s.insert("title".into(), t.into());
                }
                walk(sub, d, defs);
            }
        }
        if let (Some(sub), Some(d)) = (map.get_mut("items"), field::items(data, defs)) {
            walk(sub, d, defs);
        }
    }
}

/// The validated form, in the data file's shape.
#[derive(Serialize, JsonSchema)]
#[schemars(
    description = "jixiao render --format json 写出的表：数据文件检查无误后的内容，键与数据文件相同；默认值已填上，留空的金额为 null，金额是两位小数的文字。"
)]
struct Form<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    town: &'a str,
    year: i32,
    department: &'a str,
    /// "元" 或 "万元"：tasks 和 other_tasks 中 amount 的单位。
    task_unit: TaskUnit,
    info: Info,
    budget: Budget,
    overall: Overall<'a>,
    tasks: Vec<Task<'a>>,
    /// 没有时为空列表。
    other_tasks: Vec<Task<'a>>,
    /// 每个二级指标一项，按表中的顺序；同一一级指标的各项相连。
    indicators: Vec<Group<'a>>,
    satisfaction: Satisfaction<'a>,
}

#[derive(Serialize, JsonSchema)]
struct Info {
    staff: u32,
    subunits: u32,
}

/// 单位：万元；留空的金额为 null（与 "0.00" 不同）。
#[derive(Serialize, JsonSchema)]
struct Budget {
    basic_expense: Option<Amount>,
    project_expense: Option<Amount>,
    fiscal_funds: Option<Amount>,
    other_funds: Option<Amount>,
    special_funds: Option<Amount>,
    other_development: Option<Amount>,
    city_level: Option<Amount>,
    transfer: Option<Amount>,
}

#[derive(Serialize, JsonSchema)]
struct Overall<'a> {
    /// 按顺序为 目标1、目标2……，不含编号。
    goals: Vec<&'a str>,
}

/// 一个任务；amount 的单位见 task_unit。
#[derive(Serialize, JsonSchema)]
struct Task<'a> {
    name: &'a str,
    content: Text<'a>,
    amount: Amount,
    target: Text<'a>,
}

#[derive(Serialize, JsonSchema)]
struct Group<'a> {
    level1: &'a str,
    level2: &'a str,
    /// 没有三级指标时为空列表。
    items: Vec<Indicator<'a>>,
}

#[derive(Serialize, JsonSchema)]
struct Indicator<'a> {
    name: &'a str,
    period: Text<'a>,
    annual: Text<'a>,
}

#[derive(Serialize, JsonSchema)]
struct Satisfaction<'a> {
    period: &'a str,
    annual: &'a str,
}

/// 一段文字，或分项列表（表中显示为 ①②③……，列表中不含编号）。
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
enum Text<'a> {
    One(&'a str),
    Items(Vec<&'a str>),
}

/// An amount written from the decimal: `"1046.80"`.
struct Amount(String);

impl JsonSchema for Amount {
    fn schema_name() -> Cow<'static, str> {
        "Amount".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]+\\.[0-9]{2}$",
            "description": "金额：两位小数的文字，如 \"1046.80\"，不加千分位；按十进制原样写出，不经过浮点数，读取时请按十进制数解析。"
        })
    }
}

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl Amount {
    fn of(d: Decimal) -> Amount {
        // Validated amounts have at most two decimals; the rounding only
        // keeps the promise of the pattern. `-0` is written as `0.00`.
        let d = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        let d = if d.is_zero() { Decimal::ZERO } else { d };
        Amount(format!("{d:.2}"))
    }
}

impl<'a> Text<'a> {
    fn of(t: &'a document::Text) -> Text<'a> {
        match t {
            document::Text::One(s) => Text::One(s),
            document::Text::Items(items) => Text::Items(items.iter().map(String::as_str).collect()),
        }
    }
}

impl<'a> Task<'a> {
    fn of(t: &'a document::Task) -> Task<'a> {
        Task {
            name: &t.name,
            content: Text::of(&t.content),
            amount: Amount::of(t.amount),
            target: Text::of(&t.target),
        }
    }
}

impl<'a> Form<'a> {
    fn of(doc: &'a Document) -> Form<'a> {
        let b = &doc.budget;
        let amount = |a: Option<Decimal>| a.map(Amount::of);
        Form {
            schema: FORM_ID,
            town: &doc.town,
            year: doc.year,
            department: &doc.department,
            task_unit: doc.task_unit,
            info: Info {
                staff: doc.staff,
                subunits: doc.subunits,
            },
            budget: Budget {
                basic_expense: amount(b.basic_expense),
                project_expense: amount(b.project_expense),
                fiscal_funds: amount(b.fiscal_funds),
                other_funds: amount(b.other_funds),
                special_funds: amount(b.special_funds),
                other_development: amount(b.other_development),
                city_level: amount(b.city_level),
                transfer: amount(b.transfer),
            },
            overall: Overall {
                goals: doc.goals.iter().map(String::as_str).collect(),
            },
            tasks: doc.tasks.iter().map(Task::of).collect(),
            other_tasks: doc.other_tasks.iter().map(Task::of).collect(),
            indicators: doc
                .indicators
                .iter()
                .flat_map(|l| {
                    l.groups.iter().map(|g| Group {
                        level1: &l.name,
                        level2: &g.name,
                        items: g
                            .items
                            .iter()
                            .map(|i| Indicator {
                                name: &i.name,
                                period: Text::of(&i.period),
                                annual: Text::of(&i.annual),
                            })
                            .collect(),
                    })
                })
                .collect(),
            satisfaction: Satisfaction {
                period: &doc.satisfaction[0],
                annual: &doc.satisfaction[1],
            },
        }
    }
}

/// What `jixiao check --format json` prints: one document per run.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(
    title = "jixiao check 的结果",
    description = "jixiao check --format json 输出的结果：检查了哪些表、每一处问题和合计。每次运行输出一个 JSON 文档。"
)]
pub struct Findings {
    #[serde(rename = "$schema")]
    schema: &'static str,
    /// 检查过的每个表，按文件路径排序（找不到的路径在最前）；一个工作簿有几个部门的表时，每个表一项。读不出的文件也在其中，带一个错误。
    forms: Vec<Checked>,
    /// 每一处问题，按 forms 的顺序，同一表内与命令行输出的顺序相同。
    diagnostics: Vec<Finding>,
    totals: Totals,
}

/// 检查过的一个表。
#[derive(Debug, Serialize, JsonSchema)]
struct Checked {
    /// 文件路径，与命令行输出中的写法相同。
    file: String,
    /// 工作表名称：仅当工作簿中有几个部门的表时给出，否则为 null。
    sheet: Option<String>,
    /// 没有错误（可以有警告）。
    ok: bool,
    errors: usize,
    warnings: usize,
}

/// 一处问题。
#[derive(Debug, Serialize, JsonSchema)]
struct Finding {
    /// 所在文件；关于整次运行的问题（如没有找到任何文件）为 null。
    file: Option<String>,
    /// 工作表名称：仅当工作簿中有几个部门的表时给出，否则为 null。
    sheet: Option<String>,
    severity: Level,
    /// 问题说明（中文，与命令行输出相同）。
    message: String,
    /// 表中的栏目名称，如 "预算整体情况 › 财政拨款"；没有对应栏目时为 null。
    field: Option<String>,
    /// 栏目在数据文件中的路径，如 "budget.fiscal_funds"；与 render --format json 中的键相同。
    path: Option<String>,
    /// 行号，从 1 起；不在数据文件的某一行上（如来自工作簿）时为 null。
    line: Option<usize>,
    /// 列号，从 1 起，按字符计（一个汉字算 1 列，不按字节或显示宽度）。
    column: Option<usize>,
    /// 问题所在文字结束处的行号。
    end_line: Option<usize>,
    /// 问题所在文字最后一个字符之后的列号，按字符计（不含这一列）。
    end_column: Option<usize>,
    /// 来自工作簿或导出文本时，问题所在的格子：只有一个表的工作簿写 "D6"，有几个表时写 "Sheet1!D6"，导出文本写 "第14行第3列"；否则为 null。
    cell: Option<String>,
    /// 命令行输出中 --> 后面的位置，如 "data/2024/党建工作办公室.toml:17:16" 或 "收到的/坏.xlsx!D6"；关于整次运行的问题为 null。
    location: Option<String>,
    /// 命令行输出中标在出错文字下的短说明。
    label: Option<String>,
    /// 补充说明和修改建议（命令行输出中 = 后面的各行）。
    notes: Vec<String>,
}

/// error：错误，这个表不能生成；warning：警告，可能有误，仍可生成（--strict 时算作错误）。
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Level {
    Error,
    Warning,
}

/// 合计。
#[derive(Debug, Default, Serialize, JsonSchema)]
struct Totals {
    /// 检查的表数。
    forms: usize,
    /// 没有错误的表数。
    passed: usize,
    /// 有错误的表数。
    failed: usize,
    /// 错误总数（包括关于整次运行的）。
    errors: usize,
    /// 警告总数。
    warnings: usize,
}

impl Default for Findings {
    fn default() -> Findings {
        Findings {
            schema: CHECK_ID,
            forms: Vec::new(),
            diagnostics: Vec::new(),
            totals: Totals::default(),
        }
    }
}

impl Findings {
    pub fn new() -> Findings {
        Findings::default()
    }

    /// One form of `file` (its text, for lines and columns) and what was
    /// found in it.
    pub fn add(&mut self, file: &str, sheet: Option<&str>, source: &str, found: &[Diagnostic]) {
        let errors = found.iter().filter(|d| d.is_error()).count();
        let warnings = found.len() - errors;
        self.forms.push(Checked {
            file: file.to_string(),
            sheet: sheet.map(str::to_string),
            ok: errors == 0,
            errors,
            warnings,
        });
        self.totals.forms += 1;
        if errors == 0 {
            self.totals.passed += 1;
        } else {
            self.totals.failed += 1;
        }
        self.totals.errors += errors;
        self.totals.warnings += warnings;
        for d in found {
            let start = d
                .span
                .as_ref()
                .map(|s| diagnostic::line_col(source, s.start));
            let end = d.span.as_ref().map(|s| diagnostic::line_col(source, s.end));
            self.diagnostics.push(Finding {
                file: Some(file.to_string()),
                sheet: sheet.map(str::to_string),
                severity: match d.severity {
                    Severity::Error => Level::Error,
                    Severity::Warning => Level::Warning,
                },
                message: d.message.clone(),
                field: d.field.clone(),
                path: d.path.clone(),
                line: start.map(|p| p.0),
                column: start.map(|p| p.1),
                end_line: end.map(|p| p.0),
                end_column: end.map(|p| p.1),
                cell: d.cell.clone(),
                location: Some(diagnostic::location(file, source, d)),
                label: d.label.clone(),
                notes: d.notes.clone(),
            });
        }
    }

    /// An error about the run rather than a file: nothing found, fonts
    /// that cannot be loaded.
    pub fn add_run_error(&mut self, message: String) {
        self.totals.errors += 1;
        self.diagnostics.push(Finding {
            file: None,
            sheet: None,
            severity: Level::Error,
            message,
            field: None,
            path: None,
            line: None,
            column: None,
            end_line: None,
            end_column: None,
            cell: None,
            location: None,
            label: None,
            notes: Vec::new(),
        });
    }

    /// Whether the run failed: a form with an error, or an error about the run.
    pub fn failed(&self) -> bool {
        self.totals.errors > 0
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn amounts_are_written_from_the_decimal_with_two_decimals() {
        let a = |s: &str| Amount::of(Decimal::from_str(s).unwrap()).0;
        assert_eq!(a("1046.8"), "1046.80");
        assert_eq!(a("2800000"), "2800000.00");
        assert_eq!(a("98765432109876543.21"), "98765432109876543.21");
        assert_eq!(a("-0.00"), "0.00");
        assert_eq!(a("0"), "0.00");
    }
}

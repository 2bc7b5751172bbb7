//! A field of the form, named in one place.
//!
//! A [`Field`] is a place in a data file (`tasks[6].target`). Its
//! [`name`](Field::name) is the form's own words for that place
//! (`年度重点工作任务 › 任务7 › 期望达到的目标(概述)`), built from the titles
//! the format declares in `raw` and from the form's numbering (目标N, 任务N).
//! The structural check, the rules, the glyph check and the importer all
//! name fields through this type, so a clerk sees one name for one cell
//! whichever check complained.

use std::fmt;

use serde_json::{Map, Value};

use crate::model::labels;

/// One step of a path: a key of a table, or a position in a list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A place in a data file; the empty path is the whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Field {
    segs: Vec<Seg>,
}

impl Field {
    /// The whole file.
    pub fn root() -> Field {
        Field::default()
    }

    /// A top-level key: `Field::of("budget")`.
    pub fn of(key: &str) -> Field {
        Field::root().key(key)
    }

    /// This field's key `k`.
    pub fn key(&self, k: &str) -> Field {
        let mut f = self.clone();
        f.segs.push(Seg::Key(k.to_string()));
        f
    }

    /// Item `i` (from 0) of this list.
    pub fn at(&self, i: usize) -> Field {
        let mut f = self.clone();
        f.segs.push(Seg::Index(i));
        f
    }

    pub fn segs(&self) -> &[Seg] {
        &self.segs
    }

    pub fn is_root(&self) -> bool {
        self.segs.is_empty()
    }

    /// Where the field's value is written in `source` (a data file's text),
    /// if the file is well-formed TOML and has it.
    pub fn span_in(&self, source: &str) -> Option<std::ops::Range<usize>> {
        let root = toml::de::DeTable::parse(source).ok()?;
        let mut span = root.span();
        let mut value: Option<&toml::Spanned<toml::de::DeValue<'_>>> = None;
        for seg in &self.segs {
            let next = match (seg, value) {
                (Seg::Key(k), None) => root.get_ref().get(k.as_str()),
                (Seg::Key(k), Some(v)) => v.get_ref().get(k.as_str()),
                (Seg::Index(i), Some(v)) => v.get_ref().get(*i),
                (Seg::Index(_), None) => None,
            }?;
            span = next.span();
            value = Some(next);
        }
        Some(span)
    }

    /// Whether the format declares this field an amount (which may be
    /// written as text, `"1,046.80"`, and is still a figure, not a text).
    pub fn is_amount(&self) -> bool {
        let schema = super::schema();
        let defs = defs(schema);
        let mut at = Some(schema);
        for seg in &self.segs {
            at = match seg {
                Seg::Key(k) => at.and_then(|s| property(s, k, defs)),
                Seg::Index(_) => at.and_then(|s| items(s, defs)),
            };
        }
        let is_ref = |s: &Value| s.get("$ref").and_then(Value::as_str) == Some(AMOUNT_REF);
        at.is_some_and(|s| {
            is_ref(s)
                || s.get("anyOf")
                    .and_then(Value::as_array)
                    .is_some_and(|bs| bs.iter().any(is_ref))
        })
    }

    /// The form's name for the field: schema titles joined with ` › `, list
    /// items numbered as the form numbers them.
    pub fn name(&self) -> String {
        let schema = super::schema();
        let defs = defs(schema);
        let mut parts: Vec<String> = Vec::new();
        let mut at: Option<&Value> = Some(schema);
        let mut last_key = "";
        for seg in &self.segs {
            match seg {
                Seg::Key(k) => {
                    let prop = at.and_then(|s| property(s, k, defs));
                    let title = prop
                        .and_then(|p| title(p, defs))
                        .unwrap_or(k.as_str())
                        .to_string();
                    // `overall.goals` is 总体绩效目标 twice over.
                    if parts.last() != Some(&title) {
                        parts.push(title);
                    }
                    at = prop;
                    last_key = k;
                }
                Seg::Index(i) => {
                    let n = i + 1;
                    let items = at.and_then(|s| items(s, defs));
                    let text_item = items
                        .map(|s| resolve(s, defs))
                        .is_some_and(|s| s.get("type") == Some(&Value::from("string")));
                    parts.push(match last_key {
                        "goals" => format!("{}{n}", labels::GOAL),
                        "tasks" => format!("{}{n}", labels::TASK),
                        "indicators" => format!("第{n}节"),
                        _ if text_item && last_key != "goals" => format!("第{n}个分项"),
                        _ => format!("第{n}项"),
                    });
                    at = items;
                    last_key = "";
                }
            }
        }
        parts.join(" › ")
    }
}

/// How the schema refers to the format's amount type (`raw::Amount`).
const AMOUNT_REF: &str = "#/$defs/Amount";

/// `tasks[6].target`, as TOML tools write a path.
impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segs.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The title of a schema, or of what its `$ref` points at.
pub(crate) fn title<'s>(schema: &'s Value, defs: &'s Map<String, Value>) -> Option<&'s str> {
    schema
        .get("title")
        .and_then(Value::as_str)
        .or_else(|| resolve(schema, defs).get("title").and_then(Value::as_str))
}

/// Follows `$ref`s to the schema they name.
pub(crate) fn resolve<'s>(schema: &'s Value, defs: &'s Map<String, Value>) -> &'s Value {
    let mut s = schema;
    // A chain of references is short; the bound only guards a broken schema.
    for _ in 0..8 {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix("#/$defs/").and_then(|n| defs.get(n)) {
                Some(target) => s = target,
                None => break,
            },
            None => break,
        }
    }
    s
}

/// The branches of a schema: its `anyOf`/`oneOf`, or itself.
fn branches<'s>(schema: &'s Value, defs: &'s Map<String, Value>) -> Vec<&'s Value> {
    let s = resolve(schema, defs);
    match s
        .get("anyOf")
        .or_else(|| s.get("oneOf"))
        .and_then(Value::as_array)
    {
        Some(bs) => bs.iter().map(|b| resolve(b, defs)).collect(),
        None => vec![s],
    }
}

/// The schema's shared definitions (`$defs`), which `$ref`s point into;
/// none when it has none.
pub(crate) fn defs(schema: &Value) -> &Map<String, Value> {
    static NONE: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    schema
        .get("$defs")
        .and_then(Value::as_object)
        .unwrap_or_else(|| NONE.get_or_init(Map::new))
}

pub(crate) fn property<'s>(
    schema: &'s Value,
    key: &str,
    defs: &'s Map<String, Value>,
) -> Option<&'s Value> {
    branches(schema, defs)
        .into_iter()
        .find_map(|b| b.get("properties").and_then(|p| p.get(key)))
}

pub(crate) fn items<'s>(schema: &'s Value, defs: &'s Map<String, Value>) -> Option<&'s Value> {
    branches(schema, defs)
        .into_iter()
        .find_map(|b| b.get("items"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_have_the_forms_names_and_toml_paths() {
        let cases = [
            (Field::of("town"), "town", "镇（街道）名称"),
            (
                Field::of("budget").key("fiscal_funds"),
                "budget.fiscal_funds",
                "预算整体情况 › 财政拨款",
            ),
            (
                Field::of("info").key("staff"),
                "info.staff",
                "基本信息 › 财政供养人员数",
            ),
            (
                Field::of("overall").key("goals").at(0),
                "overall.goals[0]",
                "总体绩效目标 › 目标1",
            ),
            (
                Field::of("tasks").at(6).key("target"),
                "tasks[6].target",
                "年度重点工作任务 › 任务7 › 期望达到的目标(概述)",
            ),
            (
                Field::of("tasks").at(5).key("content").at(1),
                "tasks[5].content[1]",
                "年度重点工作任务 › 任务6 › 主要实施内容 › 第2个分项",
            ),
            (
                Field::of("other_tasks").at(0).key("amount"),
                "other_tasks[0].amount",
                "其他需完成的任务(可选填) › 第1项 › 拟投入的资金",
            ),
            (
                Field::of("indicators")
                    .at(2)
                    .key("items")
                    .at(0)
                    .key("annual"),
                "indicators[2].items[0].annual",
                "绩效指标 › 第3节 › 三级指标 › 第1项 › 年度指标值",
            ),
            (
                Field::of("satisfaction").key("period"),
                "satisfaction.period",
                "满意度调查（服务对象满意度） › 实施周期指标值",
            ),
        ];
        for (field, path, name) in cases {
            assert_eq!(field.to_string(), path);
            assert_eq!(field.name(), name, "{path}");
        }
    }

    #[test]
    fn amounts_are_told_from_texts() {
        assert!(Field::of("budget").key("city_level").is_amount());
        assert!(Field::of("tasks").at(2).key("amount").is_amount());
        assert!(Field::of("other_tasks").at(0).key("amount").is_amount());
        assert!(!Field::of("tasks").at(2).key("target").is_amount());
        assert!(!Field::of("department").is_amount());
        assert!(!Field::of("year").is_amount());
        assert!(!Field::of("no_such_key").is_amount());
    }

    #[test]
    fn a_field_finds_its_value_not_a_comment() {
        let src = "# 补贴 in a comment\n[[tasks]]\nname = \"甲\"\ncontent = [\"一\", \"补贴\"]\n";
        let span = Field::of("tasks").at(0).key("content").at(1).span_in(src);
        assert_eq!(span.map(|r| &src[r]), Some("\"补贴\""));
        assert_eq!(Field::of("tasks").at(3).span_in(src), None);
    }
}

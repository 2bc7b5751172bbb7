//! The structural check: is the file shaped like the format at all?
//!
//! serde stops at the first mistake, but a clerk should see every misspelt
//! key and every wrong type at once. So before serde runs, the spanned TOML
//! tree is walked against the JSON Schema that `raw` declares (the same one
//! `jixiao schema` prints). The schema's titles are the form's field names,
//! so every message says `预算整体情况 › 财政拨款`, never `budget.fiscal_funds`.

use serde_json::{Map, Value};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::field::{Field, resolve, title};
use crate::diagnostic::Diagnostic;

/// Walks `root` against `schema` and returns every structural mistake.
pub fn check(root: &Spanned<DeTable<'_>>, schema: &Value) -> Vec<Diagnostic> {
    let defs = super::field::defs(schema);
    let mut walker = Walker {
        defs,
        diagnostics: Vec::new(),
        probe: false,
    };
    walker.table(root.get_ref(), root.span(), schema, &Field::root());
    walker.diagnostics
}

struct Walker<'s> {
    defs: &'s Map<String, Value>,
    diagnostics: Vec<Diagnostic>,
    /// Only trying an `anyOf` branch: a value of the wrong type fails it
    /// without a message (messages name the field, which walks the schema).
    probe: bool,
}

/// What a TOML value is, in the words a clerk knows.
fn kind_of(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "文字",
        DeValue::Integer(_) => "整数",
        DeValue::Float(_) => "小数",
        DeValue::Boolean(_) => "真假值",
        DeValue::Datetime(_) => "日期",
        DeValue::Array(_) => "列表",
        DeValue::Table(_) => "表",
    }
}

fn type_matches(ty: &str, v: &DeValue<'_>) -> bool {
    matches!(
        (ty, v),
        ("string", DeValue::String(_))
            | ("integer", DeValue::Integer(_))
            | ("number", DeValue::Integer(_) | DeValue::Float(_))
            | ("boolean", DeValue::Boolean(_))
            | ("array", DeValue::Array(_))
            | ("object", DeValue::Table(_))
    )
}

fn type_name(ty: &str) -> &'static str {
    match ty {
        "string" => "文字",
        "integer" => "整数",
        "number" => "数字",
        "boolean" => "真假值",
        "array" => "列表",
        "object" => "表",
        _ => "其他",
    }
}

impl<'s> Walker<'s> {
    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Checks one value; returns whether it fit (used to try `anyOf` branches).
    fn value(&mut self, v: &Spanned<DeValue<'_>>, schema: &'s Value, path: &Field) -> bool {
        let s = resolve(schema, self.defs);
        let branches = s
            .get("anyOf")
            .or_else(|| s.get("oneOf"))
            .and_then(Value::as_array);
        if let Some(branches) = branches {
            return self.any_of(v, s, branches, path);
        }
        if let Some(c) = s.get("const") {
            return self.one_of_values(v, std::slice::from_ref(c), path);
        }
        if let Some(Value::Array(options)) = s.get("enum") {
            return self.one_of_values(v, options, path);
        }
        let types: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return true,
        };
        if !types.iter().any(|t| type_matches(t, v.get_ref())) {
            if self.probe {
                return false;
            }
            let expected: Vec<&str> = types
                .iter()
                .filter(|t| **t != "null")
                .map(|t| type_name(t))
                .collect();
            let shown = match v.get_ref() {
                DeValue::String(s) => format!("文字 \"{s}\""),
                other => kind_of(other).to_string(),
            };
            self.push(
                Diagnostic::error(format!(
                    "“{}”应为{}，这里写的是{shown}",
                    path.name(),
                    expected.join("或")
                ))
                .at(v.span())
                .of(path)
                .label(format!("应为{}", expected.join("或"))),
            );
            return false;
        }
        match v.get_ref() {
            DeValue::Table(t) => self.table(t, v.span(), s, path),
            DeValue::Array(items) => self.array(items, v.span(), s, path),
            DeValue::Integer(i) => self.integer(i.as_str(), i.radix(), v.span(), s, path),
            _ => true,
        }
    }

    fn any_of(
        &mut self,
        v: &Spanned<DeValue<'_>>,
        s: &'s Value,
        branches: &'s [Value],
        path: &Field,
    ) -> bool {
        for b in branches {
            let mut probe = Walker {
                defs: self.defs,
                diagnostics: Vec::new(),
                probe: true,
            };
            if probe.value(v, b, path) {
                return true;
            }
        }
        // A single non-null branch (an `Option<T>`): its own message is best.
        let real: Vec<&Value> = branches
            .iter()
            .filter(|b| resolve(b, self.defs).get("type") != Some(&Value::from("null")))
            .collect();
        if let [only] = real[..] {
            self.value(v, only, path);
            return false;
        }
        if self.probe {
            return false;
        }
        let what = s
            .get("description")
            .and_then(Value::as_str)
            .and_then(|d| d.lines().next())
            .unwrap_or("规定的格式");
        self.push(
            Diagnostic::error(format!(
                "“{}”的写法不对，这里写的是{}",
                path.name(),
                kind_of(v.get_ref())
            ))
            .at(v.span())
            .of(path)
            .label("格式不对")
            .note(format!("应写成：{what}")),
        );
        false
    }

    fn one_of_values(&mut self, v: &Spanned<DeValue<'_>>, options: &[Value], path: &Field) -> bool {
        let allowed: Vec<&str> = options.iter().filter_map(Value::as_str).collect();
        if let DeValue::String(s) = v.get_ref()
            && allowed.contains(&s.as_ref())
        {
            return true;
        }
        let list = allowed
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join("、");
        self.push(
            Diagnostic::error(format!("“{}”只能写 {list}", path.name()))
                .at(v.span())
                .of(path)
                .label(format!("只能写 {list}")),
        );
        false
    }

    fn integer(
        &mut self,
        text: &str,
        radix: u32,
        span: std::ops::Range<usize>,
        s: &Value,
        path: &Field,
    ) -> bool {
        let digits = text.replace('_', "");
        let digits = digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0o"))
            .or_else(|| digits.strip_prefix("0b"))
            .unwrap_or(&digits);
        let Ok(n) = i128::from_str_radix(digits, radix) else {
            return true; // the TOML parser already reported it
        };
        let min = s.get("minimum").and_then(Value::as_i64);
        let max = s.get("maximum").and_then(Value::as_i64);
        if min.is_some_and(|m| n < i128::from(m)) {
            self.push(
                Diagnostic::error(format!("“{}”不能为负数，这里写的是 {n}", path.name()))
                    .at(span)
                    .of(path)
                    .label("应为 0 或正整数"),
            );
            return false;
        }
        if max.is_some_and(|m| n > i128::from(m)) {
            self.push(
                Diagnostic::error(format!("“{}”的数值 {n} 太大", path.name()))
                    .at(span)
                    .of(path)
                    .label("数值太大"),
            );
            return false;
        }
        true
    }

    fn array(
        &mut self,
        items: &[Spanned<DeValue<'_>>],
        span: std::ops::Range<usize>,
        s: &'s Value,
        path: &Field,
    ) -> bool {
        let mut ok = true;
        if let Some(min) = s.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            self.push(
                Diagnostic::error(format!("“{}”至少要写 {min} 项", path.name()))
                    .at(span)
                    .of(path)
                    .label("不能为空"),
            );
            ok = false;
        }
        if let Some(item_schema) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                ok &= self.value(item, item_schema, &path.at(i));
            }
        }
        ok
    }

    fn table(
        &mut self,
        t: &DeTable<'_>,
        span: std::ops::Range<usize>,
        s: &'s Value,
        path: &Field,
    ) -> bool {
        let s = resolve(s, self.defs);
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        let props = s
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&EMPTY);
        let closed = s.get("additionalProperties") == Some(&Value::Bool(false));
        let mut ok = true;
        // Required keys an unknown key looks like a misspelling of: the
        // "unknown key" message already suggests them, so one typo gives
        // one message, not also "missing".
        let mut suggested: Vec<String> = Vec::new();
        for (key, value) in t.iter() {
            let k = key.get_ref().as_ref();
            match props.get(k) {
                Some(prop) => {
                    ok &= self.value(value, prop, &path.key(k));
                }
                None if closed => {
                    ok = false;
                    let (d, guess) = self.unknown_key(k, key.span(), props, path);
                    suggested.extend(guess);
                    self.push(d);
                }
                None => {}
            }
        }
        for req in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if t.keys().any(|k| k.get_ref().as_ref() == req) {
                continue;
            }
            ok = false;
            if suggested.iter().any(|g| g == req) {
                continue;
            }
            let name = props
                .get(req)
                .and_then(|p| title(p, self.defs))
                .unwrap_or(req);
            let place = if path.is_root() {
                "文件中".to_string()
            } else {
                format!("“{}”中", path.name())
            };
            let at = if path.is_root() { 0..0 } else { span.clone() };
            self.push(
                Diagnostic::error(format!("{place}缺少“{name}”（键 {req}）"))
                    .at(at)
                    .of(&path.key(req))
                    .label(format!("这里缺少 {req}"))
                    .note(format!("请补上一行：{req} = …")),
            );
        }
        ok
    }

    fn unknown_key(
        &self,
        key: &str,
        span: std::ops::Range<usize>,
        props: &Map<String, Value>,
        path: &Field,
    ) -> (Diagnostic, Option<String>) {
        let place = if path.is_root() {
            "最外层".to_string()
        } else {
            format!("“{}”", path.name())
        };
        let mut d = Diagnostic::error(format!("{place}中没有“{key}”这一项（键名可能拼错了）"))
            .at(span)
            .field(if path.is_root() {
                "文件".to_string()
            } else {
                path.name()
            })
            .label("不认识的键");
        let best = props
            .keys()
            .map(|p| (strsim::damerau_levenshtein(key, p), p))
            .min()
            .filter(|(dist, p)| *dist <= 2.max(p.len() / 3));
        if let Some((_, p)) = best {
            let name = title(&props[p], self.defs).unwrap_or(p);
            d = d.note(format!("是不是要写 {p}（{name}）？"));
        }
        let guess = best.map(|(_, p)| p.clone());
        let all = props
            .iter()
            .map(|(k, p)| format!("{k}（{}）", title(p, self.defs).unwrap_or(k)))
            .collect::<Vec<_>>()
            .join("、");
        (d.note(format!("这里可用的键：{all}")), guess)
    }
}

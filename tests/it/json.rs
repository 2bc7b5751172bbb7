//! Issue 14, part 6: `check --format json` and `render --format json`, as
//! another system reads them: stdout is one JSON document, its diagnostics
//! say what the human output says, the form's JSON keeps every amount
//! exactly and validates against the schema `jixiao schema --of` prints.

use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::*;

/// Runs `jixiao ARGS` in `dir`: exit code, stdout, stderr.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = jixiao_in(dir).args(args).output().expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    )
}

/// The whole of stdout as one JSON value: anything else on stdout fails.
fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{stdout}"))
}

/// `check --format json ARGS`: the exit code and the document. Nothing
/// goes to stderr either: the document says it all.
fn check_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run(dir, &all);
    assert_eq!(stderr, "", "{args:?}");
    (code, json_of(&stdout))
}

fn schema(of: &str) -> Value {
    let (code, stdout, _) = run(&root(), &["schema", "--of", of]);
    assert_eq!(code, 0);
    json_of(&stdout)
}

/// `(severity, location, field, message)` of each diagnostic in the human
/// output: the line `错误：…` and the `--> location（field）` under it.
fn human_diagnostics(stderr: &str) -> Vec<(String, String, String, String)> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut found = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let (severity, message) = if let Some(m) = l.strip_prefix("错误：") {
            ("error", m)
        } else if let Some(m) = l.strip_prefix("警告：") {
            ("warning", m)
        } else {
            continue;
        };
        let Some(at) = lines.get(i + 1).and_then(|n| n.strip_prefix("  --> ")) else {
            continue;
        };
        let (location, field) = match at.split_once('（') {
            Some((loc, f)) => (loc, f.strip_suffix('）').unwrap_or(f)),
            None => (at, ""),
        };
        found.push((
            severity.to_string(),
            location.to_string(),
            field.to_string(),
            message.to_string(),
        ));
    }
    found
}

fn str_of<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key].as_str().unwrap_or_default()
}

/// Each form of a check document: its file and whether it passed.
fn form_results(v: &Value) -> Vec<(&str, bool)> {
    v["forms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (str_of(f, "file"), f["ok"].as_bool().unwrap()))
        .collect()
}

#[test]
fn a_valid_form_checks_clean_with_an_empty_list_and_exit_0() {
    let (code, v) = check_json(&root(), &["data/2024/党建工作办公室.toml"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["$schema"], "urn:jixiao:check:1");
    assert_eq!(v["diagnostics"], serde_json::json!([]), "{v:#}");
    assert_eq!(v["forms"][0]["file"], "data/2024/党建工作办公室.toml");
    assert_eq!(v["forms"][0]["ok"], true);
    let t = &v["totals"];
    assert_eq!(
        (&t["forms"], &t["passed"], &t["failed"], &t["errors"]),
        (&1.into(), &1.into(), &0.into(), &0.into())
    );
}

/// Every invalid fixture: the JSON says what the human output says, one
/// for one, in the same order — severity, file, line, column, field and
/// message — and the exit code is the same.
#[test]
fn each_invalid_fixture_gives_the_human_outputs_diagnostics() {
    let dir = root().join("tests/fixtures/invalid");
    let mut fixtures: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 10, "{fixtures:?}");
    for name in fixtures {
        let (human_code, _, stderr) = run(&dir, &["check", &name]);
        let (code, v) = check_json(&dir, &[&name]);
        assert_eq!(code, human_code, "{name}");
        assert_eq!(code, 1, "{name}");
        let human = human_diagnostics(&stderr);
        assert!(!human.is_empty(), "{name}: {stderr}");
        let json: Vec<(String, String, String, String)> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let line = d["line"].as_u64();
                let column = d["column"].as_u64();
                let location = match (line, column) {
                    (Some(l), Some(c)) => format!("{}:{l}:{c}", str_of(d, "file")),
                    _ => str_of(d, "file").to_string(),
                };
                assert_eq!(str_of(d, "location"), location, "{name}: {d:#}");
                (
                    str_of(d, "severity").to_string(),
                    location,
                    str_of(d, "field").to_string(),
                    str_of(d, "message").to_string(),
                )
            })
            .collect();
        assert_eq!(json, human, "{name}");
        assert_eq!(v["totals"]["failed"], 1, "{name}");
        assert_eq!(v["forms"][0]["ok"], false, "{name}");
    }
}

/// Lines and columns are 1-based and count characters: a character no
/// font has, after four Chinese characters, is at column 13 (not at byte
/// 21, not at display column 17).
#[test]
fn columns_count_characters() {
    let dir = tempfile::tempdir().unwrap();
    let src = seed_with("name = \"补贴数量\"", "name = \"补贴数量😀\"");
    std::fs::write(dir.path().join("f.toml"), &src).unwrap();
    let (code, v) = check_json(dir.path(), &["f.toml"]);
    assert_eq!(code, 1);
    let d = &v["diagnostics"][0];
    let at = src.find('😀').unwrap();
    let line = src[..at].matches('\n').count() + 1;
    let line_start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    assert_eq!(&src[line_start..at], "name = \"补贴数量");
    assert_eq!(d["line"], line);
    assert_eq!(d["column"], 13);
    assert_eq!(
        (&d["end_line"], &d["end_column"]),
        (&line.into(), &14.into())
    );
    assert_eq!(d["path"], "indicators[0].items[1].name");
    assert_eq!(d["field"], "绩效指标 › 第1节 › 三级指标 › 第2项 › 名称");
    assert_eq!(d["cell"], Value::Null);
}

/// Issue 11's example, for a machine: a workbook's mistake is at its cell,
/// with no line of a data file the clerk never wrote.
#[test]
fn a_workbook_mistake_is_at_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    received_workbooks(dir.path());
    let (_, _, stderr) = run(dir.path(), &["check", "收到的"]);
    let (code, v) = check_json(dir.path(), &["收到的"]);
    assert_eq!(code, 1);
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{v:#}");
    let d = &diags[0];
    assert_eq!(d["file"], "收到的/坏.xlsx");
    assert_eq!(d["cell"], "D6");
    assert_eq!(d["location"], "收到的/坏.xlsx!D6");
    assert_eq!(d["field"], "预算整体情况");
    assert_eq!(d["severity"], "error");
    assert_eq!((&d["line"], &d["column"]), (&Value::Null, &Value::Null));
    assert!(
        stderr.contains(&format!(
            "--> {}（{}）",
            str_of(d, "location"),
            str_of(d, "field")
        )),
        "{stderr}"
    );
    assert!(
        d["notes"][0]
            .as_str()
            .unwrap()
            .contains("财政拨款 1,047.80"),
        "{d:#}"
    );
    assert_eq!(
        form_results(&v),
        [("收到的/党建.xlsx", true), ("收到的/坏.xlsx", false)]
    );
}

/// A path that does not exist, a workbook that is no workbook, a folder
/// with nothing in it: each is in the document, stdout is still one JSON
/// document, and the exit code is 1 as in the human format.
#[test]
fn files_that_cannot_be_read_are_in_the_same_document() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(seed_path(), dir.path().join("好.toml")).unwrap();
    std::fs::write(dir.path().join("坏.xlsx"), "not a zip").unwrap();
    let (human, _, _) = run(dir.path(), &["check", "没有.toml", "好.toml", "坏.xlsx"]);
    let (code, v) = check_json(dir.path(), &["没有.toml", "好.toml", "坏.xlsx"]);
    assert_eq!((code, human), (1, 1));
    assert_eq!(
        form_results(&v),
        // The missing path first, then the files found, by path.
        [("没有.toml", false), ("坏.xlsx", false), ("好.toml", true)]
    );
    let files: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| str_of(d, "file"))
        .collect();
    assert_eq!(files, ["没有.toml", "坏.xlsx"], "{v:#}");
    assert!(str_of(&v["diagnostics"][0], "message").contains("找不到"));
    assert_eq!(v["totals"]["failed"], 2);

    let empty = tempfile::tempdir().unwrap();
    let (code, v) = check_json(empty.path(), &["."]);
    assert_eq!(code, 1);
    assert_eq!(v["diagnostics"][0]["file"], Value::Null);
    assert!(str_of(&v["diagnostics"][0], "message").contains("没有找到数据文件"));
    assert_eq!(v["totals"]["forms"], 0);
}

/// With warnings only, the exit code is 0, and `--strict` makes them
/// errors and the exit code 1, as in the human format.
#[test]
fn warnings_and_strict_keep_their_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("w.toml"),
        seed_with("level2 = \"质量指标\"", "level2 = \"质量指摽\""),
    )
    .unwrap();
    let (code, v) = check_json(dir.path(), &["w.toml"]);
    assert_eq!(code, 0);
    assert_eq!(v["diagnostics"][0]["severity"], "warning");
    assert_eq!(v["forms"][0]["ok"], true);
    let (code, v) = check_json(dir.path(), &["--strict", "w.toml"]);
    assert_eq!(code, 1);
    assert_eq!(v["diagnostics"][0]["severity"], "error");
}

#[test]
fn the_check_document_validates_against_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("w.toml"),
        seed_with("level2 = \"质量指标\"", "level2 = \"质量指摽\""),
    )
    .unwrap();
    std::fs::copy(
        root().join("tests/fixtures/invalid/unbalanced.toml"),
        dir.path().join("u.toml"),
    )
    .unwrap();
    let (_, v) = check_json(dir.path(), &["w.toml", "u.toml", "没有.toml"]);
    let schema = schema("check");
    assert_eq!(schema["$id"], v["$schema"]);
    validate(&schema, &v);
}

/// The seed with amounts no float carries: a budget figure of 17
/// significant digits and one typed as text with a thousands separator.
fn exact_seed() -> String {
    seed_with(
        "special_funds = 0.00",
        "special_funds = 98765432109876543.21",
    )
    .replacen(
        "other_development = 0.00",
        "other_development = \"1,046.80\"",
        1,
    )
}

fn render_json(dir: &Path, input: &str, out: &str) -> Value {
    let (code, stdout, stderr) = run(dir, &["render", "--format", "json", input, "-o", out]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let stem = Path::new(input)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let written = dir.join(out).join(format!("{stem}.json"));
    assert!(
        !dir.join(out).join(format!("{stem}.pdf")).exists(),
        "json alone"
    );
    json_of(&std::fs::read_to_string(written).unwrap())
}

#[test]
fn the_forms_json_keeps_every_amount_exactly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.toml"), exact_seed()).unwrap();
    let v = render_json(dir.path(), "x.toml", "out");
    assert_eq!(v["$schema"], "urn:jixiao:form:1");
    let b = &v["budget"];
    // As the form prints them, without separators: two decimals always.
    assert_eq!(b["fiscal_funds"], "1046.80");
    assert_eq!(b["basic_expense"], "37.80");
    assert_eq!(b["special_funds"], "98765432109876543.21");
    assert_eq!(b["other_development"], "1046.80");
    assert_eq!(b["city_level"], Value::Null, "blank, not 0");
    assert_eq!(b["transfer"], "0.00");
    assert_eq!(v["tasks"][0]["amount"], "2800000.00");
    assert_eq!(v["other_tasks"][0]["amount"], "378000.00");
    // Every amount is the document's, decimal for decimal.
    let doc = doc_of(&exact_seed());
    for (task, json) in doc.tasks.iter().zip(v["tasks"].as_array().unwrap()) {
        assert_eq!(
            Decimal::from_str(str_of(json, "amount")).unwrap(),
            task.amount
        );
    }
    assert_eq!(v["info"]["staff"], 19);
    assert_eq!(v["task_unit"], "元");
    // Sub-items are a list, without the ①② the form adds.
    let lists: Vec<&Value> = v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["content"])
        .filter(|c| c.is_array())
        .collect();
    assert!(!lists.is_empty());
    assert!(!lists[0][0].as_str().unwrap().starts_with('①'));
}

/// The JSON has the data file's keys: turned back into TOML (blank amounts
/// as `""`) it loads to the same form.
#[test]
fn the_forms_json_round_trips_to_the_same_form() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.toml"), exact_seed()).unwrap();
    let mut v = render_json(dir.path(), "x.toml", "out");
    let map = v.as_object_mut().unwrap();
    map.remove("$schema");
    for amount in map["budget"].as_object_mut().unwrap().values_mut() {
        if amount.is_null() {
            *amount = Value::from("");
        }
    }
    let toml = toml::to_string(&v).unwrap();
    assert_eq!(doc_of(&toml), doc_of(&exact_seed()), "{toml}");
}

#[test]
fn the_forms_json_validates_against_the_printed_schema() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.toml"), exact_seed()).unwrap();
    let v = render_json(dir.path(), "x.toml", "out");
    let schema = schema("render");
    assert_eq!(schema["$id"], v["$schema"]);
    // The form's own names, from the data format's schema.
    assert_eq!(
        schema["properties"]["budget"]["properties"]["fiscal_funds"]["title"],
        "财政拨款"
    );
    assert_eq!(
        schema["properties"]["indicators"]["items"]["properties"]["items"]["items"]["properties"]["annual"]
            ["title"],
        "年度指标值"
    );
    validate(&schema, &v);
    // A wrong document does not pass: the validator is not a rubber stamp.
    let mut bad = v.clone();
    bad["budget"]["fiscal_funds"] = Value::from(1046.8);
    assert!(
        check_against(&schema, &bad, "$").is_err(),
        "a float amount must not validate"
    );
    let mut bad = v.clone();
    bad["budget"]["fiscal_funds"] = Value::from("1,046.80");
    assert!(
        check_against(&schema, &bad, "$").is_err(),
        "an amount with a separator must not validate"
    );
}

#[test]
fn the_forms_json_is_the_same_every_time_and_from_a_workbook() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(seed_path(), dir.path().join("党建.toml")).unwrap();
    std::fs::write(
        dir.path().join("党建.xlsx"),
        jixiao::render::xlsx::workbook(&seed_doc(), None).unwrap(),
    )
    .unwrap();
    let read = |out: &str| std::fs::read(dir.path().join(out).join("党建.json")).unwrap();
    render_json(dir.path(), "党建.toml", "a");
    render_json(dir.path(), "党建.toml", "b");
    render_json(dir.path(), "党建.xlsx", "c");
    assert_eq!(read("a"), read("b"), "byte-identical for the same input");
    assert_eq!(read("a"), read("c"), "the form, whatever it was read from");
}

/// `batch --format json` goes through the same pipeline: one JSON per
/// department, and no town outputs (they are PDF and workbook).
#[test]
fn batch_writes_one_json_per_department() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("甲.toml"), department("甲办公室")).unwrap();
    std::fs::write(data.join("乙.toml"), department("乙办公室")).unwrap();
    let (code, stdout, stderr) = run(
        dir.path(),
        &["batch", "data", "-o", "out", "--format", "json", "--quiet"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let written: Vec<String> = files_under(&dir.path().join("out"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(
        written,
        ["乙.json", "甲.json"],
        "no PDF, workbook or town output"
    );
    let v = json_of(&std::fs::read_to_string(dir.path().join("out/甲.json")).unwrap());
    assert_eq!(v["department"], "东莞市大朗镇甲办公室");
}

/// A small JSON Schema validator for the keywords jixiao's schemas use;
/// any other keyword is an error, so nothing is skipped unseen. Every key
/// of the document must also be declared: the schema documents all of it.
fn check_against(schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    let s = schema
        .as_object()
        .ok_or_else(|| format!("{at}: schema {schema}"))?;
    let fail = |why: String| Err(format!("{at}: {why}"));
    for (k, rule) in s {
        match k.as_str() {
            "$schema" | "$id" | "title" | "description" | "format" => {}
            "type" => {
                let types: Vec<&str> = match rule {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => return fail(format!("type {rule}")),
                };
                let ok = types.iter().any(|t| match *t {
                    "object" => v.is_object(),
                    "array" => v.is_array(),
                    "string" => v.is_string(),
                    "integer" => v.is_i64() || v.is_u64(),
                    "number" => v.is_number(),
                    "boolean" => v.is_boolean(),
                    "null" => v.is_null(),
                    _ => false,
                });
                if !ok {
                    return fail(format!("{v} is not {types:?}"));
                }
            }
            "properties" => {
                let Some(obj) = v.as_object() else { continue };
                for (key, value) in obj {
                    let Some(sub) = rule.get(key) else {
                        return fail(format!("key {key} is not in the schema"));
                    };
                    check_against(sub, value, &format!("{at}.{key}"))?;
                }
            }
            "required" => {
                let Some(obj) = v.as_object() else { continue };
                for key in rule.as_array().into_iter().flatten() {
                    let key = key.as_str().unwrap_or_default();
                    if !obj.contains_key(key) {
                        return fail(format!("{key} is missing"));
                    }
                }
            }
            "items" => {
                let Some(items) = v.as_array() else { continue };
                for (i, item) in items.iter().enumerate() {
                    check_against(rule, item, &format!("{at}[{i}]"))?;
                }
            }
            "anyOf" | "oneOf" => {
                let branches = rule.as_array().into_iter().flatten();
                let passing = branches.filter(|b| check_against(b, v, at).is_ok()).count();
                if (k == "oneOf" && passing != 1) || passing == 0 {
                    return fail(format!("{v} matches {passing} branches of {k}"));
                }
            }
            "const" if v != rule => return fail(format!("{v} is not {rule}")),
            "enum" if !rule.as_array().is_some_and(|e| e.contains(v)) => {
                return fail(format!("{v} is not one of {rule}"));
            }
            "const" | "enum" => {}
            "minimum" => {
                if let (Some(n), Some(min)) = (v.as_f64(), rule.as_f64())
                    && n < min
                {
                    return fail(format!("{v} < {rule}"));
                }
            }
            "pattern" => {
                let Some(text) = v.as_str() else { continue };
                let re = regex::Regex::new(rule.as_str().unwrap_or_default())
                    .map_err(|e| format!("{at}: pattern {rule}: {e}"))?;
                if !re.is_match(text) {
                    return fail(format!("{text:?} does not match {rule}"));
                }
            }
            _ => return fail(format!("the validator does not know the keyword {k}")),
        }
    }
    Ok(())
}

fn validate(schema: &Value, v: &Value) {
    if let Err(e) = check_against(schema, v, "$") {
        panic!("{e}");
    }
}

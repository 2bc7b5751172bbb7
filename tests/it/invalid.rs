//! One fixture per failure class: each gives exactly the diagnostics a
//! clerk should see — kind, line and the form's field name — and the full
//! rendered text is snapshotted so a change of wording is a reviewed change.

use jixiao::diagnostic::{self, Severity::*};
use proptest::prelude::*;

use crate::support::*;

fn fixture(name: &str) -> (jixiao::model::Loaded, String) {
    let path = root()
        .join("tests/fixtures/invalid")
        .join(format!("{name}.toml"));
    let l = load_path(&path);
    let text = diagnostic::render(&format!("{name}.toml"), &l.source, &l.diagnostics);
    assert!(
        l.document.is_none(),
        "{name}: an invalid form must not yield a document"
    );
    (l, text)
}

macro_rules! case {
    ($name:ident, [$(($sev:expr, $line:expr, $field:expr)),* $(,)?], $($needle:expr),*) => {
        #[test]
        fn $name() {
            let (l, text) = fixture(stringify!($name));
            let expected: Vec<(jixiao::diagnostic::Severity, usize, String)> =
                vec![$(($sev, $line, $field.to_string())),*];
            assert_eq!(summary(&l), expected, "{text}");
            $( assert!(text.contains($needle), "{:?} not in:\n{text}", $needle); )*
            insta::assert_snapshot!(stringify!($name), text);
        }
    };
}

case!(
    syntax,
    [(Error, 7, "TOML 语法")],
    "TOML 格式错误",
    "syntax.toml:7:"
);
case!(
    wrong_type,
    [(Error, 11, "基本信息 › 财政供养人员数")],
    "应为整数",
    "文字 \"十九\""
);
case!(
    unknown_key,
    [
        (Error, 17, "预算整体情况"),
        (Error, 106, "绩效指标 › 第1节 › 三级指标 › 第1项")
    ],
    "没有“fiscal_fund”这一项",
    "是不是要写 fiscal_funds（财政拨款）？",
    "是不是要写 name（名称）？"
);
case!(
    missing_field,
    [(Error, 75, "年度重点工作任务 › 任务7 › 期望达到的目标(概述)")],
    "缺少“期望达到的目标(概述)”（键 target）"
);
case!(
    negative,
    [(Error, 18, "预算整体情况 › 其他资金")],
    "不能为负数",
    "-5.00"
);
case!(
    unbalanced,
    [(Error, 17, "预算整体情况")],
    "支出合计 1,046.80 万元 ≠ 收入合计 1,047.80 万元（相差 1.00 万元）"
);
case!(
    task_sum_mismatch,
    [(Error, 16, "预算整体情况 › 项目支出")],
    "年度重点工作任务资金合计 10,090,001.00 元（1,009.0001 万元） ≠ 项目支出 1,009.00 万元（相差 0.0001 万元）"
);
case!(
    three_decimals,
    [(Error, 15, "预算整体情况 › 基本支出")],
    "最多两位小数",
    "37.805"
);
case!(
    empty_text,
    [(Error, 135, "绩效指标 › 第1节 › 三级指标 › 第4项 › 名称")],
    "不能为空"
);
case!(empty_file, [(Error, 0, "文件")], "文件是空的");
case!(
    non_utf8,
    [(Error, 2, "文件编码")],
    "GBK/GB18030",
    "另存为”UTF-8"
);

#[test]
fn several_mistakes_are_reported_at_once() {
    let src = seed_with("staff = 19 ", "staff = -1 ")
        .replacen("subunits = 0 ", "subunit = 0 ", 1)
        .replacen("year = 2024", "year = \"2024\"", 1);
    let l = load_str(&src);
    let s = summary(&l);
    assert_eq!(s.len(), 3, "{:#?}", l.diagnostics);
    let lines: Vec<usize> = s.iter().map(|(_, line, _)| *line).collect();
    assert!(
        lines.contains(&6) && lines.contains(&11) && lines.contains(&12),
        "{s:?}"
    );
}

#[test]
fn rule_errors_are_all_reported_too() {
    let src = seed_with("basic_expense = 37.80 ", "basic_expense = 37.805")
        .replacen("name = \"聘请人数\"", "name = \"\"", 1)
        .replacen("year = 2024", "year = 1924", 1);
    let l = load_str(&src);
    assert_eq!(l.errors(), 3, "{:#?}", l.diagnostics);
}

#[test]
fn unknown_level2_and_duplicate_level3_warn_but_render() {
    let src = seed_with("level2 = \"质量指标\"", "level2 = \"质量指摽\"").replacen(
        "name = \"补贴发放准确率\"",
        "name = \"补助发放准确率\"",
        1,
    );
    let l = load_str(&src);
    let s = summary(&l);
    assert_eq!(
        s.iter().filter(|d| d.0 == Warning).count(),
        2,
        "{:#?}",
        l.diagnostics
    );
    assert_eq!(l.errors(), 0);
    assert!(l.document.is_some(), "warnings do not stop a form");
    let text = diagnostic::render("f.toml", &l.source, &l.diagnostics);
    assert!(text.contains("是不是要写“质量指标”？"), "{text}");
}

#[test]
fn blank_budget_levels_are_not_checked_but_filled_ones_are() {
    // 市本级使用资金 is blank in the seed: nothing to check.
    let l = load_str(&seed_with("city_level = \"\"", "city_level = 1046.80"));
    assert_eq!(l.errors(), 0, "{:#?}", l.diagnostics);
    let l = load_str(&seed_with("city_level = \"\"", "city_level = 1000.00"));
    assert_eq!(l.errors(), 1);
    assert!(
        l.diagnostics[0]
            .message
            .contains("按预算级次划分合计 1,000.00 万元 ≠ 收入合计 1,046.80 万元")
    );
}

#[test]
fn task_amounts_in_wan_yuan_are_converted_before_comparing() {
    let l = load_str(&seed_in_wan());
    assert!(l.diagnostics.is_empty(), "{:#?}", l.diagnostics);
}

#[test]
fn amounts_can_be_written_as_text_with_separators() {
    let l = load_str(&seed_with(
        "fiscal_funds = 1046.80",
        "fiscal_funds = \"1,046.80\"",
    ));
    assert!(l.diagnostics.is_empty(), "{:#?}", l.diagnostics);
    let l = load_str(&seed_with(
        "fiscal_funds = 1046.80",
        "fiscal_funds = \"一千\"",
    ));
    assert_eq!(l.errors(), 1);
    assert!(l.diagnostics[0].message.contains("不是有效的金额"));
}

#[test]
fn multi_line_strings_fold_without_stray_spaces() {
    let l = load_str(&seed_with(
        "\"指导各级党组织建设。\"",
        "\"\"\"\n  指导各级\n  党组织建设。\n\"\"\"",
    ));
    let d = l.document.expect("valid");
    assert_eq!(d.goals[1], "指导各级党组织建设。");
}

#[test]
fn crlf_and_byte_order_mark_are_accepted() {
    let src = format!("\u{FEFF}{}", seed_source().replace('\n', "\r\n"));
    let l = load_str(&src);
    assert!(l.diagnostics.is_empty(), "{:#?}", l.diagnostics);
    assert_eq!(
        l.document.expect("valid").department,
        "东莞市大朗镇党建工作办公室"
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(256),
        .. ProptestConfig::default()
    })]

    /// Random edits of the seed — deleting, duplicating or replacing a
    /// stretch of bytes — never panic, and a rejected form never yields a
    /// document while an accepted one always does.
    #[test]
    fn random_edits_of_the_seed_never_panic(
        start in 0usize..20_000,
        len in 0usize..64,
        insert in proptest::collection::vec(any::<u8>(), 0..16),
        mode in 0u8..3,
    ) {
        let seed = seed_source().into_bytes();
        let start = start % seed.len();
        let end = (start + len).min(seed.len());
        let mut bytes = seed[..start].to_vec();
        match mode {
            0 => {}
            1 => bytes.extend_from_slice(&seed[start..end]),
            _ => bytes.extend_from_slice(&insert),
        }
        bytes.extend_from_slice(&seed[end..]);
        let l = jixiao::model::load(&bytes);
        prop_assert_eq!(l.document.is_some(), l.errors() == 0);
        let _ = diagnostic::render("f.toml", &l.source, &l.diagnostics);
    }
}

//! How the values inside one cell are written by hand, read back: numbering
//! typed in front of goals and tasks, ①②③ sub-items, amounts with
//! thousands separators. Pure functions on strings, so the recogniser stays
//! about where cells are.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::model::document::{Text, circled};
use crate::model::validate::fold;

/// `s` without a typed number `目标1:`, `任务12：`, `目标 3、` in front.
pub fn strip_number<'a>(s: &'a str, prefix: &str) -> &'a str {
    numbered(s, prefix).unwrap_or(s).trim_start()
}

/// What follows `prefix` + digits + a separator at the start of `s`.
fn numbered<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = s.trim_start().strip_prefix(prefix)?.trim_start();
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let rest = rest[digits..].trim_start();
    let sep = rest.chars().next()?;
    matches!(sep, ':' | '：' | '、' | '.' | '．').then(|| &rest[sep.len_utf8()..])
}

/// 总体绩效目标 as typed in one cell: one goal a line, or several `目标N:`
/// on one line; numbering removed.
pub fn goals(cell: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in cell.lines() {
        let starts = goal_starts(line);
        if starts.len() < 2 {
            out.push(line.to_string());
            continue;
        }
        if starts[0] > 0 {
            out.push(line[..starts[0]].to_string());
        }
        for (i, &s) in starts.iter().enumerate() {
            let end = starts.get(i + 1).copied().unwrap_or(line.len());
            out.push(line[s..end].to_string());
        }
    }
    out.iter()
        .map(|g| fold(strip_number(g, crate::model::labels::GOAL)))
        .filter(|g| !g.is_empty())
        .collect()
}

/// Byte offsets in `line` where a numbered goal `目标N:` begins.
fn goal_starts(line: &str) -> Vec<usize> {
    let goal = crate::model::labels::GOAL;
    line.match_indices(goal)
        .map(|(i, _)| i)
        .filter(|&i| numbered(&line[i..], goal).is_some())
        .collect()
}

/// A text cell: sub-items when it starts with ① (split at ②, ③, … in turn,
/// whether on new lines or after spaces), else one paragraph.
pub fn rich(cell: &str) -> Text {
    let first = circled(1);
    let Some(mut rest) = cell.trim_start().strip_prefix(first.as_str()) else {
        return Text::One(fold(cell));
    };
    let mut items = Vec::new();
    let mut n = 2;
    loop {
        let next = circled(n);
        match rest.find(next.as_str()) {
            Some(at) => {
                items.push(fold(&rest[..at]));
                rest = &rest[at + next.len()..];
                n += 1;
            }
            None => {
                items.push(fold(rest));
                break;
            }
        }
    }
    Text::Items(items)
}

/// An amount typed as text: `1,046.80`, ` 37.8 `, `￥2,800,000.00`, read
/// exactly. `None` when it is not a number (or its separators are not in
/// groups of three).
pub fn amount_text(s: &str) -> Option<Decimal> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s.trim_start_matches(['¥', '￥']);
    let s = s.replace('，', ",");
    if s.contains(',') {
        let (sign, body) = match s.strip_prefix('-') {
            Some(b) => ("-", b),
            None => ("", s.as_str()),
        };
        let int = body.split('.').next().unwrap_or("");
        let groups: Vec<&str> = int.split(',').collect();
        let ok = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
            && groups.iter().skip(1).all(|g| g.len() == 3);
        if !ok || sign.len() + body.len() != s.len() {
            return None;
        }
    }
    let plain = s.replace(',', "");
    if plain.is_empty()
        || !plain
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    Decimal::from_str(&plain).ok()
}

/// `d` rounded to cents, as the form prints amounts.
pub fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_numbering_is_removed() {
        assert_eq!(strip_number("任务1: 甲", "任务"), "甲");
        assert_eq!(strip_number("任务12：乙", "任务"), "乙");
        assert_eq!(strip_number("任务书编制", "任务"), "任务书编制");
        assert_eq!(strip_number("目标 3、丙", "目标"), "丙");
    }

    #[test]
    fn goals_split_by_line_or_by_number() {
        assert_eq!(goals("目标1: 甲。\n目标2：乙。"), ["甲。", "乙。"]);
        assert_eq!(goals("目标1：甲。 目标2：乙。"), ["甲。", "乙。"]);
        assert_eq!(goals("只有一个目标"), ["只有一个目标"]);
        assert_eq!(goals("实现目标1个"), ["实现目标1个"]);
    }

    #[test]
    fn sub_items_split_in_order() {
        assert_eq!(
            rich("①社工：3人 ②党建组织员：31人"),
            Text::Items(vec!["社工：3人".into(), "党建组织员：31人".into()])
        );
        assert_eq!(
            rich("①a\n②b③c"),
            Text::Items(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(rich("有效\n增强"), Text::One("有效增强".into()));
    }

    #[test]
    fn text_amounts_are_exact() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(amount_text("1,046.80"), Some(d("1046.80")));
        assert_eq!(amount_text(" 2,800,000.00 "), Some(d("2800000.00")));
        assert_eq!(amount_text("0.00"), Some(d("0")));
        assert_eq!(amount_text("￥37.8"), Some(d("37.8")));
        assert_eq!(amount_text("1,04,6"), None);
        assert_eq!(amount_text("一千"), None);
        assert_eq!(amount_text("1e5"), None);
        assert_eq!(amount_text(""), None);
    }
}

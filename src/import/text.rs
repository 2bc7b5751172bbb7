//! How the values inside one cell are written by hand, read back: numbering
//! typed in front of goals and tasks, ①②③ sub-items, amounts with
//! thousands separators. Pure functions on strings, so the recogniser stays
//! about where cells are.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::model::document::{Text, circled};
use crate::model::validate::fold;

/// `s` without the numbering typed in front of it: `目标1:`, `任务12：`,
/// `目标 3、`, `目标一：`, and without the word: `1、`, `2.`, `(3)`, `（4）`,
/// `5）`, `一、`, `（二）`.
pub fn strip_number<'a>(s: &'a str, prefix: &str) -> &'a str {
    numbered(s, prefix).unwrap_or(s).trim_start()
}

/// Whether `s` starts with typed numbering (see [`strip_number`]).
pub fn is_numbered(s: &str, prefix: &str) -> bool {
    numbered(s, prefix).is_some()
}

/// A digit as typed: ASCII or full width.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// A Chinese numeral as used in numbering (一 … 十, 二十一).
fn is_numeral(c: char) -> bool {
    "一二三四五六七八九十".contains(c)
}

/// What follows the numbering at the start of `s`: `prefix` (optional),
/// a number in digits or Chinese numerals, and a separator. Without the
/// prefix the number must be bracketed or followed by `、` or a full stop
/// that no digit follows (so `3.15宣传日` and `2024年` keep their number).
fn numbered<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let s = s.trim_start();
    let (worded, rest) = match s.strip_prefix(prefix) {
        Some(r) => (true, r.trim_start()),
        None => (false, s),
    };
    let (open, rest) = match rest.strip_prefix(['(', '（']) {
        Some(r) => (true, r.trim_start()),
        None => (false, rest),
    };
    let digits = rest.len() - rest.trim_start_matches(is_digit).len();
    let numerals = rest.len() - rest.trim_start_matches(is_numeral).len();
    let n = digits.max(numerals);
    if n == 0 {
        return None;
    }
    let rest = rest[n..].trim_start();
    let mut chars = rest.chars();
    let sep = chars.next()?;
    let after = &rest[sep.len_utf8()..];
    let closes = matches!(sep, ')' | '）');
    if open {
        // `(1)` and `（一）`, with a separator after or not.
        if !closes {
            return None;
        }
        let after = after.trim_start();
        return Some(
            after
                .strip_prefix([':', '：', '、', '.', '．'])
                .unwrap_or(after),
        );
    }
    let ok = match sep {
        '、' | '．' => true,
        ')' | '）' => digits > 0,
        '.' => !chars.next().is_some_and(|c| c.is_ascii_digit()),
        ':' | '：' => worded || digits > 0,
        _ => false,
    };
    ok.then_some(after)
}

/// 总体绩效目标 as typed in one cell: one goal a line, or several `目标N:`
/// on one line; numbering removed. When the goals are numbered, a line
/// that is not continues the goal before it (a long goal wrapped by hand).
pub fn goals(cell: &str) -> Vec<String> {
    let goal = crate::model::labels::GOAL;
    let mut pieces: Vec<String> = Vec::new();
    for line in cell.lines() {
        let mut starts = goal_starts(line);
        if starts.len() < 2 {
            starts = counted_starts(line);
        }
        if starts.len() < 2 {
            pieces.push(line.to_string());
            continue;
        }
        if starts[0] > 0 {
            pieces.push(line[..starts[0]].to_string());
        }
        for (i, &s) in starts.iter().enumerate() {
            let end = starts.get(i + 1).copied().unwrap_or(line.len());
            pieces.push(line[s..end].to_string());
        }
    }
    pieces.retain(|p| !p.trim().is_empty());
    let numbered_goals = pieces.first().is_some_and(|p| is_numbered(p, goal));
    let mut out: Vec<String> = Vec::new();
    for p in pieces {
        match out.last_mut() {
            Some(last) if numbered_goals && !is_numbered(&p, goal) => {
                last.push('\n');
                last.push_str(&p);
            }
            _ => out.push(p),
        }
    }
    out.iter()
        .map(|g| fold(strip_number(g, goal)))
        .filter(|g| !g.is_empty())
        .collect()
}

/// Byte offsets in `line` where a numbered goal `目标N:` begins.
fn goal_starts(line: &str) -> Vec<usize> {
    let goal = crate::model::labels::GOAL;
    line.match_indices(goal)
        .map(|(i, _)| i)
        .filter(|&i| {
            line[i..].strip_prefix(goal).is_some_and(|r| {
                r.trim_start().starts_with(is_digit) && numbered(&line[i..], goal).is_some()
            })
        })
        .collect()
}

/// Byte offsets in `line` where goals numbered one after another begin,
/// typed on one line: `1.甲。2.乙。3.丙。` or `（一）甲；（二）乙`. The line
/// starts with number 1, and each next number follows the end of a
/// sentence (or a space), so a number inside a goal (`完成2.5万人次`,
/// `3.15宣传日`) is no start; fewer than two starts mean one goal.
fn counted_starts(line: &str) -> Vec<usize> {
    let goal = crate::model::labels::GOAL;
    let mut starts = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in line.char_indices() {
        let at_boundary = match prev {
            None => true,
            Some(p) => p.is_whitespace() || "。；;！!？?".contains(p),
        };
        prev = Some(c);
        if !at_boundary || c.is_whitespace() {
            continue;
        }
        let rest = &line[i..];
        if numbered(rest, goal).is_some() && number_of(rest, goal) == Some(starts.len() + 1) {
            starts.push(i);
        } else if starts.is_empty() {
            // The line does not open with number 1.
            return starts;
        }
    }
    starts
}

/// The number of the numbering at the start of `s` (`目标2：`, `3.`,
/// `（四）`), for numbers up to 99.
fn number_of(s: &str, prefix: &str) -> Option<usize> {
    let s = s.trim_start();
    let s = s.strip_prefix(prefix).unwrap_or(s).trim_start();
    let s = s.strip_prefix(['(', '（']).unwrap_or(s).trim_start();
    let digits: String = s
        .chars()
        .take_while(|&c| is_digit(c))
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect();
    if !digits.is_empty() {
        return digits.parse().ok().filter(|&n| n < 100);
    }
    let numerals: Vec<usize> = s
        .chars()
        .take_while(|&c| is_numeral(c))
        .map(|c| {
            "一二三四五六七八九十"
                .chars()
                .position(|n| n == c)
                .map_or(0, |k| k + 1)
        })
        .collect();
    match numerals[..] {
        [n] => Some(n),
        [10, n] if n < 10 => Some(10 + n),
        [t, 10] if t < 10 => Some(t * 10),
        [t, 10, n] if t < 10 && n < 10 => Some(t * 10 + n),
        _ => None,
    }
}

/// What clerks type in a cell to say "nothing here": `无`, `/`, `-`, `—`.
pub fn is_placeholder(s: &str) -> bool {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(
        s.as_str(),
        "无" | "/" | "／" | "\\" | "-" | "－" | "—" | "——" | "–" | "空" | "暂无" | "N/A" | "n/a"
    )
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

/// An amount typed as text with its unit after it, `2,800,000.00元` or
/// `37.80 万元`: the amount and the unit typed, if any.
pub fn amount_with_unit(s: &str) -> Option<(Decimal, Option<&'static str>)> {
    let t = s.trim();
    for unit in ["万元", "元"] {
        if let Some(n) = t.strip_suffix(unit) {
            return amount_text(n).map(|d| (d, Some(unit)));
        }
    }
    amount_text(t).map(|d| (d, None))
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
        assert_eq!(strip_number("目标一：丁", "目标"), "丁");
        assert_eq!(strip_number("1、甲", "任务"), "甲");
        assert_eq!(strip_number("2. 乙", "任务"), "乙");
        assert_eq!(strip_number("（3）丙", "任务"), "丙");
        assert_eq!(strip_number("(4)、丁", "任务"), "丁");
        assert_eq!(strip_number("5）戊", "任务"), "戊");
        assert_eq!(strip_number("一、己", "任务"), "己");
        assert_eq!(strip_number("（十二）庚", "任务"), "庚");
        assert_eq!(strip_number("１２、辛", "任务"), "辛");
        // A number that is part of the text stays.
        assert_eq!(
            strip_number("3.15消费者权益日宣传", "任务"),
            "3.15消费者权益日宣传"
        );
        assert_eq!(strip_number("2024年度考核", "任务"), "2024年度考核");
        assert_eq!(strip_number("一体化建设", "任务"), "一体化建设");
        assert_eq!(strip_number("12345热线", "任务"), "12345热线");
        assert_eq!(strip_number("十大工程：推进", "任务"), "十大工程：推进");
    }

    #[test]
    fn goals_split_by_line_or_by_number() {
        assert_eq!(goals("目标1: 甲。\n目标2：乙。"), ["甲。", "乙。"]);
        assert_eq!(goals("目标1：甲。 目标2：乙。"), ["甲。", "乙。"]);
        assert_eq!(goals("只有一个目标"), ["只有一个目标"]);
        assert_eq!(goals("实现目标1个"), ["实现目标1个"]);
        assert_eq!(goals("1、甲。\n2、乙。"), ["甲。", "乙。"]);
        // A numbered goal wrapped by hand continues on its next line.
        assert_eq!(
            goals("目标1：承担基层\n党的建设。\n目标2：乙。"),
            ["承担基层党的建设。", "乙。"]
        );
        // Lines with no numbering at all are a goal each.
        assert_eq!(goals("甲。\n乙。"), ["甲。", "乙。"]);
        // Numbered one after another on one line, as typed without Alt+Enter.
        assert_eq!(
            goals("1.承担党建工作。2.指导各级党组织建设。3.保障基本支出。"),
            ["承担党建工作。", "指导各级党组织建设。", "保障基本支出。"]
        );
        assert_eq!(goals("（一）甲；（二）乙"), ["甲；", "乙"]);
        assert_eq!(goals("1、甲。 2、乙。"), ["甲。", "乙。"]);
        // A number inside a goal is no start, nor a count that skips.
        assert_eq!(goals("1.完成2.5万人次培训。"), ["完成2.5万人次培训。"]);
        assert_eq!(goals("1.办好3.15宣传日。"), ["办好3.15宣传日。"]);
        assert_eq!(goals("1.甲。3.乙。"), ["甲。3.乙。"]);
        assert_eq!(goals("甲。2.乙。"), ["甲。2.乙。"]);
    }

    #[test]
    fn placeholders_are_recognised() {
        for p in ["无", " / ", "-", "—", "——", "空"] {
            assert!(is_placeholder(p), "{p}");
        }
        for t in ["无人机巡查", "0", "1/2", ""] {
            assert!(!is_placeholder(t), "{t}");
        }
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
        assert_eq!(
            amount_with_unit("2,800,000.00元"),
            Some((d("2800000.00"), Some("元")))
        );
        assert_eq!(
            amount_with_unit("37.80 万元"),
            Some((d("37.80"), Some("万元")))
        );
        assert_eq!(amount_with_unit("37.80"), Some((d("37.80"), None)));
        assert_eq!(amount_with_unit("元"), None);
    }
}

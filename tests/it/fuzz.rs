//! Property tests over "valid model → render": whatever text a valid form
//! holds, rendering ends in a PDF and a workbook or in clear diagnostics —
//! never a panic, never tofu. (The loader's own fuzzing is in `invalid`.)
//!
//! CI runs a few cases; run longer by hand, e.g.
//! `PROPTEST_CASES=2000 cargo test --release --test it fuzz`.

use jixiao::model::document::Text;
use jixiao::render::pdf::PdfSettings;
use proptest::prelude::*;

use crate::support::*;

/// Texts drawn from what breaks typesetters: markup characters, CJK and
/// its punctuation, long Latin runs, circled numbers, rare and missing
/// characters, spaces and line breaks.
fn nasty_text() -> impl Strategy<Value = String> {
    let pool: Vec<char> = "#$*_<>@[]\\`=+-/{}()~%&'\"\n \t党建大朗镇①②③≥≤％￥、，。：；“”（）《》〈〉ABCxyz0123456789.,堃镕喆赟𠀀😀\u{200B}"
        .chars()
        .collect();
    proptest::collection::vec(proptest::sample::select(pool), 1..120)
        .prop_map(|cs| cs.into_iter().collect::<String>())
        .prop_filter("a form text is never empty", |s| !s.trim().is_empty())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), .. ProptestConfig::default() })]

    #[test]
    fn any_valid_text_renders_or_is_reported(
        department in nasty_text(),
        task in nasty_text(),
        items in proptest::collection::vec(nasty_text(), 1..4),
        value in nasty_text(),
    ) {
        let mut doc = seed_doc();
        doc.department = department;
        doc.tasks[0].name = task;
        doc.tasks[1].content = Text::Items(items);
        doc.indicators[0].groups[0].items[0].annual = Text::One(value);
        let missing = typesetter().unrenderable(&doc);
        match typesetter().render(&doc, &PdfSettings::default()) {
            Ok(r) => {
                prop_assert!(missing.is_empty(), "rendered despite {missing:?}");
                prop_assert!(r.pdf.starts_with(b"%PDF-"));
                prop_assert!(r.warnings.is_empty(), "{:?}", r.warnings);
            }
            Err(errors) => {
                prop_assert!(!missing.is_empty(), "{errors:?}");
                prop_assert!(errors.iter().all(|e| e.message.contains("没有字体可以显示")), "{errors:?}");
            }
        }
        let book = jixiao::render::xlsx::workbook(&doc, None);
        prop_assert!(book.is_ok(), "{:?}", book.err());
    }
}

//! `jixiao import`: existing forms (the budget system's text export,
//! jixiao's own workbooks, a workbook typed by a clerk) read back into the
//! same `Document`, and bad input refused clearly.

use jixiao::import::{self, Imported, Use};
use jixiao::model::Document;

use crate::support;

fn seed_doc() -> Document {
    support::load_path(&support::seed_path())
        .document
        .expect("the seed data file is valid")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(support::root().join("tests/fixtures").join(name)).expect("fixture")
}

/// The only form in `bytes`, with an empty report of errors.
fn only_form(bytes: &[u8], ext: &str) -> Imported {
    let forms = import::import(bytes, "表", ext).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(forms.forms.len(), 1, "{:?}", forms.skipped);
    forms.forms.into_iter().next().unwrap()
}

fn no_errors(f: &Imported) {
    let errors: Vec<String> = f
        .report
        .iter()
        .filter(|x| x.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Every non-empty cell is a label, a value, or in the report by name.
fn all_accounted(f: &Imported) {
    for (cell, u) in &f.uses {
        if *u == Use::Reported {
            assert!(
                f.report.iter().any(|r| r.cell.as_deref() == Some(cell)),
                "{cell} reported without a finding"
            );
        }
    }
}

#[test]
fn the_seed_export_imports_to_the_seed_document() {
    let f = only_form(&fixture("seed.txt"), "txt");
    no_errors(&f);
    all_accounted(&f);
    let unused: Vec<String> = f.report.iter().map(ToString::to_string).collect();
    assert!(unused.is_empty(), "{unused:#?}");
    assert_eq!(f.document, seed_doc());
    assert_eq!(f.sources["budget.fiscal_funds"], "第10行第5列");
    assert_eq!(f.sources["tasks[5].content[1]"], "第22行第3列");
}

//! Renderers: a validated [`Document`](crate::model::Document) in, bytes out.
//!
//! Renderers never touch the file system; `files::write_atomic` is the one
//! place outputs are written. [`view`] prepares the texts both outputs show
//! (numbered, formatted), so the PDF and the workbook cannot disagree.

pub mod fonts;
pub mod grid;
pub mod merge;
pub mod pdf;
pub mod view;
pub mod xlsx;

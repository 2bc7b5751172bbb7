//! Renderers: a validated [`Document`](crate::model::Document) in, bytes out.
//!
//! Renderers never touch the file system; `files::write_atomic` is the one
//! place outputs are written. Both draw the grid of [`crate::layout`], so the
//! PDF and the workbook cannot disagree.

pub mod date;
pub mod fonts;
pub mod json;
pub mod merge;
pub mod pdf;
pub mod picture;
pub mod xlsx;

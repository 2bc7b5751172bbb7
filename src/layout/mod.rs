//! The form's layout, declared once: where every cell of a document goes
//! ([`grid`]), with the fixed texts of [`crate::model::labels`]. The PDF
//! template and the workbook both draw this grid.

pub mod grid;
pub mod measure;
pub mod view;

pub use grid::{Cell, Grid, Kind, Part};

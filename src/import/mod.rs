//! Forms that already exist, brought in without retyping: a workbook or the
//! budget system's text export becomes a [`Document`](crate::model::Document)
//! and then a data file in the house format.
//!
//! [`table`] reads any input into one view of cells; [`form`] finds the
//! form's labels in it and fills a document, recording which cell each
//! value came from and reporting every cell it could not use; [`toml_out`]
//! writes the document as `jixiao new` lays a data file out.

pub mod table;

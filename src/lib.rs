//! jixiao（绩效）: one TOML file per department in, that department's
//! 部门整体预算绩效目标表 out.
//!
//! The pipeline, one way down: [`cli`] (clap types only) → [`cmd`] (one
//! runner per command) → [`batch`] and [`town`] (many files, the town's
//! combined outputs) → [`render`] (PDF and workbook bytes) → [`layout`]
//! (the form's grid, declared once) → [`model`] (load, check and validate
//! a data file into a [`model::Document`]). Beside them: [`diagnostic`]
//! prints what went wrong, [`files`] finds inputs and writes outputs
//! atomically, [`names`] makes file and sheet names from data, [`state`]
//! remembers what a batch wrote so the next one renders only what changed,
//! [`workers`] renders a batch's departments in worker processes,
//! [`memory`] sets how the process takes memory from the system.

pub mod batch;
pub mod cli;
pub mod cmd;
pub mod diagnostic;
pub mod files;
pub mod import;
pub mod layout;
pub mod memory;
pub mod model;
pub mod names;
pub mod render;
pub mod state;
pub mod town;
pub mod workers;

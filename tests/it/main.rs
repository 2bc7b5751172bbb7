//! The one integration-test binary: a module per feature, fixtures under
//! `tests/fixtures/<kind>/`.

mod batch;
mod check_cli;
mod fuzz;
mod hostile;
mod import;
mod invalid;
mod layout;
mod pdf;
mod picture;
mod seed;
mod support;
mod template;
mod xlsx;

//! The one integration-test binary: a module per feature, fixtures under
//! `tests/fixtures/<kind>/`.

mod batch;
mod check_cli;
mod fuzz;
mod hostile;
mod import;
mod incremental;
mod invalid;
mod json;
mod layout;
mod new_from;
mod pdf;
mod picture;
mod seed;
mod support;
mod template;
mod watch;
mod xlsx;

//! Lesson 3 end to end: the server tells a clean close from an abrupt one, and
//! survives both.

use std::path::Path;

use workbook_harness::{Program, check_demo};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}
fn server() -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-03"))
}
fn client() -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-03"))
}

/// End of input: the client closes politely, the server reads 0 bytes.
#[test]
fn a_clean_close_is_reported_as_such() {
    check_demo(lesson_dir(), "demo", &server(), &client());
}

/// `!reset`: the client aborts with a RST, the server's read fails with
/// "connection reset", and the server reports it and exits cleanly: no crash.
#[test]
fn a_reset_is_a_disconnect_not_a_crash() {
    check_demo(lesson_dir(), "reset", &server(), &client());
}

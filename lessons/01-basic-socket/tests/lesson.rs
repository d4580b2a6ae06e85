//! Lesson 1 end to end: both programs run as real processes; what they print is
//! compared with the transcripts the chapter shows.

use workbook_harness::{
    Input, Proc, Program, assert_golden, check_demo, normalize, refused_addr,
};

#[test]
fn demo_matches_the_chapter() {
    check_demo(
        workbook_harness::workspace::package_dir(),
        "demo",
        &Program::new(env!("CARGO_BIN_EXE_server-01")),
        &Program::new(env!("CARGO_BIN_EXE_client-01")),
    );
}

/// The first error most learners meet: a second server on a port that is taken.
/// One line on stderr, a failure exit code, no panic.
#[test]
fn a_taken_address_is_one_clear_line() {
    let server = Program::new(env!("CARGO_BIN_EXE_server-01"));
    let (_first, addr) = server.start_server();
    let args = ["--addr".to_string(), addr.to_string()];
    let second =
        Proc::spawn("second server", &server.path, &args, Input::Piped).unwrap();
    let out = second.finish();
    assert!(!out.status.success());
    let golden = workbook_harness::workspace::package_dir()
        .join("transcripts/in-use.server.txt");
    assert_golden(&golden, &normalize(&out.stderr, addr));
}

/// The second: a client with no server to talk to.
#[test]
fn a_refused_connection_is_one_clear_line() {
    let addr = refused_addr();
    let client = Program::new(env!("CARGO_BIN_EXE_client-01"));
    let out = client.start_client("client", addr).finish();
    assert!(!out.status.success());
    let golden = workbook_harness::workspace::package_dir()
        .join("transcripts/refused.client.txt");
    assert_golden(&golden, &normalize(&out.stderr, addr));
}

//! Lesson 6 end to end: TCP keeps the bytes and their order, not the writes.
//!
//! Deterministic on loopback: the server waits until data has arrived, then waits
//! half a second before it reads, and the client's writes all happen within
//! microseconds of each other. By the time of the read, every write is in the
//! server's receive buffer.

use std::path::Path;

use workbook_harness::{Program, check_demo};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}
fn server() -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-06"))
}
fn client() -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-06"))
}

/// Sender side: four writes (two lines, two words each) arrive as one read.
#[test]
fn separate_writes_arrive_as_one_read() {
    check_demo(lesson_dir(), "demo", &server(), &client());
}

/// TCP_NODELAY changes when segments are sent, not what the receiver sees.
#[test]
fn nodelay_does_not_create_boundaries() {
    check_demo(
        lesson_dir(),
        "nodelay",
        &server(),
        &client().arg("--nodelay"),
    );
}

/// Receiver side: a 10-byte message read with a 2-byte read comes in two pieces,
/// and the second read takes the rest.
#[test]
fn one_write_can_take_two_reads() {
    let server = server().arg("--first-read").arg("2");
    check_demo(lesson_dir(), "split", &server, &client());
}

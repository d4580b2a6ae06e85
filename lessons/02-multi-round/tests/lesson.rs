//! Lesson 2 end to end: the conversation, and both of its traps, proven on real
//! processes over loopback.

use std::path::Path;

use workbook_harness::{Program, check_demo, check_transcripts};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}
fn server() -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-02"))
}
fn client() -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-02"))
}
/// Trap 1 on purpose: the client without its empty-line check.
fn empty_sending_client() -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-02-empty"))
}
/// Trap 2 on purpose: the server without its end-of-stream check.
fn spinning_server() -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-02-spin"))
}

/// The fixed client skips the empty line, and the conversation goes on.
#[test]
fn demo_matches_the_chapter() {
    check_demo(lesson_dir(), "demo", &server(), &client());
}

/// The trap: an empty line "sent" puts nothing on the wire. The client then waits
/// for a reply, and the server is still waiting for a message. We end the standoff
/// by killing the client; the server's next event is the closed connection, so it
/// provably never received anything after "hello".
#[test]
fn an_empty_send_sends_nothing_and_both_sides_wait() {
    let (server, addr) = server().start_server();
    let mut client = empty_sending_client().start_client("client", addr);
    client.send_line("hello");
    client.wait_for_text("HELLO");
    client.send_line("");
    client.wait_for_text("sent 0 bytes");
    let client = client.kill();
    let server = server.finish();
    check_transcripts(
        lesson_dir(),
        "empty-line",
        &[("server", &server), ("client", &client)],
        addr,
    );
}

/// The other trap: without the end-of-stream check the server keeps reading a
/// closed connection, and every read returns 0 bytes at once. The spinning
/// server counts those reads and gives up after a bounded number.
#[test]
fn without_the_eof_check_the_server_spins() {
    check_demo(lesson_dir(), "spin", &spinning_server(), &client());
}

//! Lesson 4 end to end: clients are served one after another, and a second client
//! that connects meanwhile waits in the listen backlog until the first leaves.

use std::path::Path;

use workbook_harness::{Program, check_transcripts};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}

/// Every step waits for the output that proves the step before it happened, so
/// the order below is the only order there can be.
#[test]
fn a_second_client_waits_in_the_backlog_until_the_first_leaves() {
    let client = Program::new(env!("CARGO_BIN_EXE_client-04"));
    let (mut server, addr) =
        Program::new(env!("CARGO_BIN_EXE_server-04")).start_server();

    let mut first = client.start_client("first client", addr);
    first.send_line("one");
    first.wait_for_text("ONE");

    // The second client connects while the server is busy with the first:
    // connect() succeeds, because the kernel queued it, and its message is sent...
    let mut second = client.start_client("second client", addr);
    second.wait_for_text("connected to");
    second.send_line("two");

    // ...but the server is still in the first client's conversation.
    first.send_line("three");
    first.wait_for_text("THREE");
    server.wait_for_text("client #1 says: three");

    // The first client leaves; only now does the server accept the second one,
    // and find its message waiting in the socket's receive buffer.
    let first = first.finish();
    second.wait_for_text("TWO");
    let second = second.finish();
    server.wait_for_text("client #2 closed the connection");
    server.wait_for_text("waiting for the next client");
    let server = server.kill();

    check_transcripts(
        lesson_dir(),
        "queue",
        &[("server", &server), ("first", &first), ("second", &second)],
        addr,
    );
}

/// A failed `accept` (here: no file descriptor left, EMFILE) is reported, and the
/// server goes on: the client it could not accept then is served next.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_accept_does_not_end_the_server() {
    use std::io::{Read, Write};
    use workbook_harness::limits::client_after_a_failed_accept;

    let (mut server, addr) =
        Program::new(env!("CARGO_BIN_EXE_server-04")).start_server();
    server.wait_for_text("waiting for the next client");
    let mut client = client_after_a_failed_accept(&mut server, addr);
    client.write_all(b"still there?").unwrap();
    let mut reply = [0u8; 12];
    client.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"STILL THERE?");
    server.wait_for_text("says: still there?");
}

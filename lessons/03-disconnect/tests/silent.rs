//! Lesson 3's third way to leave: a client that sends nothing at all, as one
//! does whose machine lost power or network. On loopback a silent client is
//! simply a connected socket that never writes, so every test here is exact.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use workbook_harness::{Proc, Program, check_transcripts, connect};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}
fn server() -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-03"))
}
fn client() -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-03"))
}

/// How long a test watches a server to prove it does NOT close a connection:
/// well past the one-second limits the servers below are given.
const WATCH: Duration = Duration::from_millis(2500);

/// Proves `server` prints nothing about its client within [`WATCH`].
fn assert_still_waiting(server: &mut Proc) {
    server.assert_no_line_within("a line about its client", WATCH, |line| {
        line.contains("client")
    });
}

/// The pitfall: with no limit, a silent client is waited for as long as it
/// stays connected. Only the client's own close ends the conversation.
#[test]
fn without_a_limit_a_silent_client_is_waited_for() {
    let (mut server, addr) = server().start_server();
    let silent = connect(addr);
    server.wait_for_text("connection from");
    assert_still_waiting(&mut server);
    drop(silent); // the client closes: a FIN, at last
    let server = server.finish();
    assert!(
        server
            .stdout
            .ends_with("client closed the connection after 0 messages\n"),
        "{}",
        server.stdout
    );
}

/// The fix: with a read timeout, the server gives up on a client that sends
/// nothing, says so in one line, and closes the connection (the client reads
/// the end of the stream).
#[test]
fn a_read_timeout_closes_a_silent_client() {
    let (server, addr) = server().arg("--read-timeout").arg("1").start_server();
    let mut silent = connect(addr);
    let server = server.finish();
    assert!(
        server.status.success() && server.stderr.is_empty(),
        "{server:?}"
    );
    let mut byte = [0u8; 1];
    assert_eq!(silent.read(&mut byte).unwrap(), 0, "the server closed");
    check_transcripts(lesson_dir(), "silent", &[("server", &server)], addr);
}

/// Heartbeats keep a quiet client alive: the client sends one every 0.2 s while
/// nobody types, so the server's one-second read timeout never expires, and the
/// conversation goes on after a pause twice as long as the limit.
#[test]
fn heartbeats_keep_a_quiet_client_connected() {
    let (mut server, addr) = server().arg("--read-timeout").arg("1").start_server();
    let mut client = client()
        .arg("--heartbeat")
        .arg("0.2")
        .start_client("client", addr);
    client.send_line("hello");
    client.wait_for_text("HELLO");
    assert_still_waiting(&mut server);
    client.send_line("bye");
    client.wait_for_text("BYE");
    let client = client.finish();
    let server = server.finish();
    check_transcripts(
        lesson_dir(),
        "heartbeat",
        &[("server", &server), ("client", &client)],
        addr,
    );
}

/// TCP keepalive probes the client's machine, and its kernel answers even while
/// the client program is silent: keepalive alone does not close a quiet but
/// reachable client (here, probes every second, watched for 2.5 s).
#[test]
fn keepalive_does_not_close_a_silent_client_whose_machine_answers() {
    let (mut server, addr) = server().arg("--keepalive").arg("1").start_server();
    let silent = connect(addr);
    server.wait_for_text("connection from");
    assert_still_waiting(&mut server);
    drop(silent);
    server.wait_for_text("client closed the connection after 0 messages");
}

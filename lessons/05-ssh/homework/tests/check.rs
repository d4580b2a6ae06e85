//! The check for homework 5 (`just check 5`). The test plays the server: it
//! answers a command, then fails in the ways a real server can.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use socket2::SockRef;
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{
    Finished, Input, Proc, TestListener, homework_program, refused_addr,
};

fn start(addr: String) -> Proc {
    let args = vec!["--addr".to_string(), addr];
    Proc::spawn("your client", &homework_program!("05"), &args, Input::Piped)
        .unwrap()
}

/// Reads one command from the client and checks it is `expected`.
fn expect_command(conn: &mut TcpStream, expected: &str) {
    let mut buffer = [0u8; 1024];
    let n = conn.read(&mut buffer).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&buffer[..n]),
        expected,
        "the client should send each non-blank line, trimmed, as it is typed"
    );
}

#[test]
fn prints_each_reply() {
    let listener = TestListener::bind();
    let mut client = start(listener.addr().to_string());
    let (mut conn, _) = listener.accept(&mut client);
    client.send_line("echo one");
    client.send_line("   ");
    client.send_line("  echo two  ");
    expect_command(&mut conn, "echo one");
    conn.write_all(b"one\n").unwrap();
    client.wait_for_text("one");
    expect_command(&mut conn, "echo two");
    conn.write_all(b"two\n").unwrap();
    client.wait_for_text("two");
    drop(conn);
    let out = client.finish();
    assert!(out.status.success(), "stderr:\n{}", out.stderr);
    assert_eq!(out.stdout, "one\ntwo\n");
}

#[test]
fn a_refused_connection_is_one_line() {
    let addr = refused_addr().to_string();
    let out = start(addr.clone()).finish();
    assert_eq!(
        out.one_error_line(),
        format!("error: connection refused by {addr}; is the server running?")
    );
}

/// How the test's server leaves while the client waits for a reply.
fn server_leaves_during(command: &str, reset: bool) -> Finished {
    let listener = TestListener::bind();
    let mut client = start(listener.addr().to_string());
    let (mut conn, _) = listener.accept(&mut client);
    client.send_line(command);
    expect_command(&mut conn, command);
    if reset {
        // SO_LINGER 0: closing sends a RST instead of a FIN.
        SockRef::from(&conn)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
    }
    drop(conn);
    client.finish()
}

#[test]
fn a_server_that_closes_before_replying_is_one_line() {
    let out = server_leaves_during("sleep 1", false);
    assert_eq!(
        out.one_error_line(),
        r#"error: the server closed the connection before replying to "sleep 1""#
    );
}

#[test]
fn a_server_that_resets_before_replying_is_one_line() {
    let out = server_leaves_during("ls -l", true);
    assert_eq!(
        out.one_error_line(),
        r#"error: the server reset the connection before replying to "ls -l""#
    );
}

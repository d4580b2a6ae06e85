//! The check for homework 6 (`just check 6`). The test plays the server and cuts
//! the stream in the worst places it can think of.

use std::io::Write;
use std::net::TcpStream;

use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Finished, Input, Proc, TestListener, homework_program};

/// Starts the learner's receiver and accepts its connection.
fn start() -> (Proc, TcpStream) {
    let listener = TestListener::bind();
    let args = vec!["--addr".to_string(), listener.addr().to_string()];
    let mut receiver = Proc::spawn(
        "your receiver",
        &homework_program!("06"),
        &args,
        Input::Piped,
    )
    .unwrap();
    let (conn, _) = listener.accept(&mut receiver);
    // Send each write at once, however small: no waiting to coalesce.
    conn.set_nodelay(true).unwrap();
    (receiver, conn)
}

fn succeeded(out: Finished) -> String {
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "the receiver failed:\n{}",
        out.stderr
    );
    out.stdout
}

#[test]
fn several_messages_in_one_write() {
    let (receiver, mut conn) = start();
    conn.write_all(b"one\ntwo\n\nthree\r\n").unwrap();
    drop(conn);
    assert_eq!(
        succeeded(receiver.finish()),
        "message: one\nmessage: two\nmessage: \nmessage: three\nend of stream after 4 messages\n"
    );
}

/// The first write ends inside a message; the receiver must print the complete
/// one at once, and keep the start of the next for later.
#[test]
fn a_message_split_across_writes() {
    let (mut receiver, mut conn) = start();
    conn.write_all(b"hello\nwor").unwrap();
    receiver.wait_for_text("message: hello");
    conn.write_all(b"ld\n").unwrap();
    receiver.wait_for_text("message: world");
    drop(conn);
    assert_eq!(
        succeeded(receiver.finish()),
        "message: hello\nmessage: world\nend of stream after 2 messages\n"
    );
}

/// One byte per write: UTF-8 characters of two and three bytes arrive in pieces.
#[test]
fn one_byte_at_a_time_even_inside_a_character() {
    let (receiver, mut conn) = start();
    for byte in "héllo 粘包\nok\n".bytes() {
        conn.write_all(&[byte]).unwrap();
    }
    drop(conn);
    assert_eq!(
        succeeded(receiver.finish()),
        "message: héllo 粘包\nmessage: ok\nend of stream after 2 messages\n"
    );
}

/// A message much longer than any single read.
#[test]
fn a_long_message_is_one_message() {
    let (receiver, mut conn) = start();
    let long = "x".repeat(100_000);
    conn.write_all(format!("{long}\nshort\n").as_bytes())
        .unwrap();
    drop(conn);
    assert_eq!(
        succeeded(receiver.finish()),
        format!(
            "message: {long}\nmessage: short\nend of stream after 2 messages\n"
        )
    );
}

#[test]
fn a_stream_that_ends_inside_a_message_is_an_error() {
    let (receiver, mut conn) = start();
    conn.write_all(b"done\nhalf a mess").unwrap();
    drop(conn);
    let out = receiver.finish();
    assert!(!out.status.success());
    assert_eq!(out.stdout, "message: done\n");
    assert_eq!(
        out.stderr,
        "error: the stream ended inside a message: \"half a mess\"\n"
    );
}

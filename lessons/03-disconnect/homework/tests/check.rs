//! The check for homework 3 (`just check 3`). The test plays a server that leaves
//! in the middle of the conversation: once politely, once abruptly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use socket2::SockRef;
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Finished, Input, Proc, TestListener, homework_program};

/// How the test's server leaves after it has read the second message.
enum Leave {
    Close,
    Reset,
}

/// Answers the first message, reads the second, then leaves as told.
fn server_that_leaves(leave: Leave) -> Finished {
    let listener = TestListener::bind();
    let args = vec!["--addr".to_string(), listener.addr().to_string()];
    let mut client =
        Proc::spawn("your client", &homework_program!("03"), &args, Input::Piped)
            .unwrap();
    let (mut conn, _) = listener.accept(&mut client);
    for line in ["one", "two", "three"] {
        client.send_line(line);
    }
    let mut buffer = [0u8; 64];
    let n = conn.read(&mut buffer).unwrap();
    conn.write_all(&buffer[..n].to_ascii_uppercase()).unwrap();
    let n = conn.read(&mut buffer).unwrap();
    assert_eq!(
        &buffer[..n],
        b"two",
        "the client should send each line as it is typed"
    );
    match leave {
        Leave::Close => drop(conn),
        Leave::Reset => abort(conn),
    }
    client.finish()
}

/// Closes with SO_LINGER 0: the kernel sends a RST instead of a FIN.
fn abort(conn: TcpStream) {
    SockRef::from(&conn)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
}

#[test]
fn reports_a_clean_close() {
    let out = server_that_leaves(Leave::Close);
    assert_eq!(
        out.stdout, "ONE\nserver closed the connection\n",
        "chapter 3, \"Two ways to leave\""
    );
    assert!(
        out.status.success(),
        "a closed connection is not an error:\n{}",
        out.stderr
    );
}

#[test]
fn reports_a_reset_without_crashing() {
    let out = server_that_leaves(Leave::Reset);
    assert_eq!(
        out.stdout, "ONE\nserver reset the connection\n",
        "chapter 3, \"Which errors mean gone\""
    );
    assert!(
        out.status.success(),
        "a reset is news to report, not a crash:\n{}",
        out.stderr
    );
}

/// Types `input` into your client, talking to a server that answers every
/// message in upper case until the client closes; ends the input. Returns what
/// the server received (one entry per read) and what your client left.
fn converse(input: &[&str]) -> (Vec<String>, Finished) {
    let listener = TestListener::bind();
    let args = vec!["--addr".to_string(), listener.addr().to_string()];
    let mut client =
        Proc::spawn("your client", &homework_program!("03"), &args, Input::Piped)
            .unwrap();
    let (mut conn, _) = listener.accept(&mut client);
    let server = thread::spawn(move || {
        let mut received = Vec::new();
        let mut buffer = [0u8; 1024];
        loop {
            // The read ends at 0 only when the client closes the connection.
            let n = conn.read(&mut buffer).expect(
                "the client should close the connection when it is done, \
                 and never leave it hanging",
            );
            if n == 0 {
                return received;
            }
            let message = String::from_utf8_lossy(&buffer[..n]).into_owned();
            conn.write_all(message.to_uppercase().as_bytes()).unwrap();
            received.push(message);
        }
    });
    for line in input {
        client.send_line(line);
    }
    let out = client.finish();
    (server.join().unwrap(), out)
}

#[test]
fn says_bye_at_the_end_of_input() {
    let (received, out) = converse(&["hi"]);
    assert_eq!(received, ["hi"]);
    assert_eq!(out.stdout, "HI\nbye\n");
    assert!(out.status.success(), "stderr:\n{}", out.stderr);
}

#[test]
fn sends_each_line_exactly_as_typed() {
    let typed = ["  hi there  ", "\tand you?\t", "héllo"];
    let (received, out) = converse(&typed);
    assert_eq!(
        received, typed,
        "send the line as it was typed: its spaces and tabs are part of the \
         message, only the line ending is not"
    );
    assert_eq!(out.stdout, "  HI THERE  \n\tAND YOU?\t\nHÉLLO\nbye\n");
}

#[test]
fn skips_blank_lines_all_the_way_to_bye() {
    let (received, out) =
        converse(&["", "   ", "hi", "\t", " \t ", "", "you", "  "]);
    assert_eq!(
        received,
        ["hi", "you"],
        "blank lines (empty, or only spaces and tabs) are not sent, and do not \
         end the input either"
    );
    assert_eq!(out.stdout, "HI\nYOU\nbye\n");
    assert!(out.status.success(), "stderr:\n{}", out.stderr);
}

//! The check for homework 2 (`just check 2`). The test plays lesson 2's server
//! itself, so it can record exactly which messages reached the wire.

use std::io::{Read, Write};
use std::thread::{self, JoinHandle};

use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Input, Proc, TestListener, homework_program};

/// Your client, connected to the test's upper-casing server.
struct Session {
    client: Proc,
    /// The server's side: what it received, one entry per read.
    server: JoinHandle<Vec<String>>,
}

impl Session {
    fn start() -> Session {
        let listener = TestListener::bind();
        let args = vec!["--addr".to_string(), listener.addr().to_string()];
        let mut client = Proc::spawn(
            "your client",
            &homework_program!("02"),
            &args,
            Input::Piped,
        )
        .unwrap();
        let (mut conn, _) = listener.accept(&mut client);
        let server = thread::spawn(move || {
            let mut received = Vec::new();
            let mut buffer = [0u8; 1024];
            loop {
                match conn.read(&mut buffer) {
                    Ok(0) | Err(_) => return received,
                    Ok(n) => {
                        let message =
                            String::from_utf8_lossy(&buffer[..n]).into_owned();
                        let _ = conn.write_all(message.to_uppercase().as_bytes());
                        received.push(message);
                    }
                }
            }
        });
        Session { client, server }
    }

    /// Ends the input; returns what the server received and what your client
    /// printed.
    fn end(self) -> (Vec<String>, String) {
        let out = self.client.finish();
        assert!(out.status.success(), "your client failed:\n{}", out.stderr);
        (self.server.join().unwrap(), out.stdout)
    }
}

/// Runs your client; types `input`, then ends it; returns what the server
/// received (one entry per read) and what your client printed.
fn converse(input: &[&str]) -> (Vec<String>, String) {
    let mut session = Session::start();
    for line in input {
        session.client.send_line(line);
    }
    session.end()
}

#[test]
fn sends_each_line_and_prints_each_reply() {
    let (received, printed) = converse(&["hello", "how are you?"]);
    assert_eq!(received, ["hello", "how are you?"]);
    assert_eq!(printed, "HELLO\nHOW ARE YOU?\nsent 2 messages\n");
}

#[test]
fn sends_each_line_exactly_as_typed() {
    let typed = [
        "  two spaces first",
        "two after  ",
        "\ttabs\t",
        "héllo wörld",
    ];
    let (received, printed) = converse(&typed);
    assert_eq!(
        received, typed,
        "send the line as it was typed: its spaces and tabs are part of the \
         message, only the line ending is not"
    );
    assert_eq!(
        printed,
        "  TWO SPACES FIRST\nTWO AFTER  \n\tTABS\t\nHÉLLO WÖRLD\nsent 4 messages\n"
    );
}

#[test]
fn sends_each_line_as_soon_as_it_is_typed() {
    let mut session = Session::start();
    session.client.send_line("hello");
    // The input stays open: the reply must come while the user could still type.
    session.client.wait_for(
        "the reply to `hello` while the input is still open",
        |line| line == "HELLO",
    );
    session.client.send_line("exit");
    let (received, printed) = session.end();
    assert_eq!(received, ["hello"]);
    assert_eq!(printed, "HELLO\nsent 1 messages\n");
}

#[test]
fn never_sends_a_blank_line() {
    let (received, printed) =
        converse(&["", "one", "", "   ", "\t", " \t ", "two", "", "  "]);
    assert_eq!(
        received,
        ["one", "two"],
        "blank lines must not be sent, nor end the conversation: chapter 2, \
         \"Trap 1: the empty message\""
    );
    assert_eq!(
        printed, "ONE\nTWO\nsent 2 messages\n",
        "blank lines are not messages: they are neither sent nor counted"
    );
}

#[test]
fn stops_on_exit_without_sending_it() {
    let (received, printed) = converse(&["one", "exit", "never sent"]);
    assert_eq!(
        received,
        ["one"],
        "`exit` ends the conversation and is not sent"
    );
    assert_eq!(printed, "ONE\nsent 1 messages\n");
}

#[test]
fn only_exactly_exit_stops() {
    let (received, printed) = converse(&[" exit", "exit ", "exit", "never sent"]);
    assert_eq!(
        received,
        [" exit", "exit "],
        "only a line that is exactly `exit` stops; with spaces it is a message"
    );
    assert_eq!(printed, " EXIT\nEXIT \nsent 2 messages\n");
}

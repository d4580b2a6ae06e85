//! The check for homework 2 (`just check 2`). The test plays lesson 2's server
//! itself, so it can record exactly which messages reached the wire.

use std::io::{Read, Write};
use std::thread;

use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Input, Proc, TestListener, homework_program};

/// Runs your client against an upper-casing server; types `input`; returns what
/// the server received (one entry per read) and what your client printed.
fn converse(input: &[&str]) -> (Vec<String>, String) {
    let listener = TestListener::bind();
    let args = vec!["--addr".to_string(), listener.addr().to_string()];
    let mut client =
        Proc::spawn("your client", &homework_program!("02"), &args, Input::Piped)
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
    for line in input {
        client.send_line(line);
    }
    let out = client.finish();
    assert!(out.status.success(), "your client failed:\n{}", out.stderr);
    (server.join().unwrap(), out.stdout)
}

#[test]
fn sends_each_line_and_prints_each_reply() {
    let (received, printed) = converse(&["hello", "how are you?"]);
    assert_eq!(received, ["hello", "how are you?"]);
    assert_eq!(printed, "HELLO\nHOW ARE YOU?\nsent 2 messages\n");
}

#[test]
fn never_sends_a_blank_line() {
    let (received, printed) = converse(&["one", "", "   ", "\t", "two"]);
    assert_eq!(
        received,
        ["one", "two"],
        "blank lines must not be sent: chapter 2, \"Trap 1: the empty message\""
    );
    assert_eq!(printed, "ONE\nTWO\nsent 2 messages\n");
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

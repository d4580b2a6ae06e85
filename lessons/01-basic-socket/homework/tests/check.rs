//! The check for homework 1 (`just check 1`). It plays the server itself, with a
//! listener inside the test, so it can see exactly what your client sends and from
//! which address.

use std::io::Read;
use workbook_harness::{Input, Proc, TestListener, homework_program, refused_addr};

/// Runs the program under check with these arguments.
fn run(args: &[&str]) -> Proc {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    Proc::spawn("your client", &homework_program!("01"), &args, Input::Piped)
        .expect("the program starts")
}

#[test]
fn sends_the_words_and_names_both_ends() {
    let listener = TestListener::bind();
    let server = listener.addr();
    let mut client = run(&["--addr", &server.to_string(), "hello", "there"]);

    let (mut conn, peer) = listener.accept(&mut client);
    let mut received = String::new();
    conn.read_to_string(&mut received).unwrap();
    let out = client.finish();

    assert_eq!(
        received, "hello there",
        "the server should receive the words joined by one space"
    );
    workbook_harness::pretty_assertions::assert_eq!(
        out.stdout,
        format!("server: {server}\nme: {peer}\nsent 11 bytes\n"),
        "see chapter 1, \"Who is who\": peer_addr() is the server, local_addr() is you"
    );
    assert!(
        out.status.success(),
        "exit with success after sending; stderr:\n{}",
        out.stderr
    );
}

#[test]
fn a_refused_connection_is_one_clear_line() {
    let out = run(&["--addr", &refused_addr().to_string(), "hi"]).finish();

    let line = out.one_error_line();
    assert!(
        line.contains("refused"),
        "expected a line like `error: connection refused by …; is the server running?`, got: {line}"
    );
    assert!(
        !out.stderr.contains("panicked"),
        "no panic, please:\n{}",
        out.stderr
    );
}

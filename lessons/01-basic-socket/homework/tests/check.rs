//! The check for homework 1 (`just check 1`). It plays the server itself, with a
//! listener inside the test, so it can see exactly what your client sends and from
//! which address.

use std::io::Read;
use std::net::{SocketAddr, ToSocketAddrs};

use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{
    Finished, Input, Proc, TestListener, homework_program, refused_addr,
};

/// Runs the program under check with these arguments.
fn run(args: &[&str]) -> Proc {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    Proc::spawn("your client", &homework_program!("01"), &args, Input::Piped)
        .expect("the program starts")
}

/// Runs your client with `--addr addr` and `words` against the test's listener;
/// returns the bytes the server received, the peer address it saw, and what the
/// client printed.
fn send_to(listener: &TestListener, addr: &str, words: &[&str]) -> Sent {
    let mut args = vec!["--addr", addr];
    args.extend_from_slice(words);
    let mut client = run(&args);
    let (mut conn, peer) = listener.accept(&mut client);
    let mut received = Vec::new();
    conn.read_to_end(&mut received).unwrap();
    let out = client.finish();
    assert!(
        out.status.success(),
        "exit with success after sending; stderr:\n{}",
        out.stderr
    );
    Sent {
        received,
        peer,
        out,
    }
}

/// What one run of your client left: on the wire, and on its output.
struct Sent {
    received: Vec<u8>,
    peer: SocketAddr,
    out: Finished,
}

#[test]
fn sends_the_words_and_names_both_ends() {
    let listener = TestListener::bind();
    let server = listener.addr();
    let sent = send_to(&listener, &server.to_string(), &["hello", "there"]);

    assert_eq!(
        String::from_utf8_lossy(&sent.received),
        "hello there",
        "the server should receive the words joined by one space, and nothing else"
    );
    assert_eq!(
        sent.out.stdout,
        format!("server: {server}\nme: {}\nsent 11 bytes\n", sent.peer),
        "see chapter 1, \"Who is who\": peer_addr() is the server, \
         local_addr() is you"
    );
}

#[test]
fn counts_bytes_not_characters() {
    let listener = TestListener::bind();
    let server = listener.addr();
    // 18 characters, 24 bytes: é, ö and ü take two bytes each in UTF-8, 👋 four.
    let words = ["héllo", "wörld", "👋", "über"];
    let message = words.join(" ");
    let sent = send_to(&listener, &server.to_string(), &words);

    assert_eq!(
        sent.received,
        message.as_bytes(),
        "the server should receive the message's UTF-8 bytes, exactly"
    );
    assert_eq!(
        sent.out.stdout.lines().last(),
        Some(format!("sent {} bytes", message.len()).as_str()),
        "a socket sends bytes: count what went on the wire, not the characters \
         ({} characters here, {} bytes)",
        message.chars().count(),
        message.len()
    );
}

#[test]
fn the_server_line_is_what_the_socket_says() {
    let listener = TestListener::bind();
    let server = listener.addr();
    // A name instead of an address: `server:` must show where the connection
    // really went (peer_addr), not the text it was given. Skipped where
    // `localhost` does not stand for 127.0.0.1.
    let by_name = format!("localhost:{}", server.port());
    let resolves_here = by_name
        .to_socket_addrs()
        .is_ok_and(|mut addrs| addrs.any(|addr| addr == server));
    if !resolves_here {
        eprintln!("skipped: localhost does not resolve to {server} here");
        return;
    }
    let sent = send_to(&listener, &by_name, &["hi"]);

    assert_eq!(
        sent.out.stdout.lines().next(),
        Some(format!("server: {server}").as_str()),
        "given --addr {by_name}, the client should print the address the socket \
         reached, as peer_addr() reports it"
    );
}

#[test]
fn a_refused_connection_is_one_clear_line() {
    let addr = refused_addr().to_string();
    let out = run(&["--addr", &addr, "hi"]).finish();

    assert_eq!(
        out.one_error_line(),
        format!("error: connection refused by {addr}; is the server running?"),
        "a refused connection: say so, say where, and give the likely reason"
    );
}

#[test]
fn another_failure_is_not_called_refused() {
    // Not an address at all: connecting fails before a packet is sent.
    let out = run(&["--addr", "nowhere", "hi"]).finish();

    let line = out.one_error_line();
    assert!(
        !line.contains("refused"),
        "only a refused connection should say `refused`; for --addr nowhere \
         say what really went wrong, got: {line}"
    );
}

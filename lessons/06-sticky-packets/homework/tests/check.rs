//! The check for homework 6 (`just check 6`). The test plays the server and cuts
//! the stream in the worst places it can think of. Where the bytes are the point
//! (spaces, tabs, a `\r`), it compares your program's output byte for byte.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::process::TIMEOUT;
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
        "message: one\nmessage: two\nmessage: \nmessage: three\n\
         end of stream after 4 messages\n"
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

/// Each write ends inside a character of two, three or four bytes, and the next
/// write is sent only once the receiver has printed the message before it: it
/// has read the first half of the character, and not yet the second.
#[test]
fn a_read_that_ends_inside_a_character() {
    let (mut receiver, mut conn) = start();
    let mut stream = b"start\n".to_vec();
    let mut printed = vec!["message: start".to_string()];
    for text in ["é", "粘", "🦀!"] {
        let bytes = text.as_bytes();
        let cut = bytes.len() - if text == "é" { 1 } else { 2 };
        stream.extend_from_slice(&bytes[..cut]);
        conn.write_all(&stream).unwrap();
        let expected = printed.last().unwrap().clone();
        let line = receiver.wait_for("a message", |l| l.starts_with("message: "));
        assert_eq!(line, expected);
        stream = bytes[cut..].to_vec();
        stream.push(b'\n');
        printed.push(format!("message: {text}"));
    }
    conn.write_all(&stream).unwrap();
    drop(conn);
    printed.push("end of stream after 4 messages".to_string());
    let expected: String = printed.iter().map(|l| format!("{l}\n")).collect();
    let out = succeeded(receiver.finish());
    assert_eq!(out, expected);
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

/// A message travels exactly as sent: spaces and tabs at either end, messages
/// that are empty or only spaces, a `\r` inside a message. Only the `\n`, and
/// one `\r` right before it, are dropped. Compared byte for byte: a line that
/// still ends in `\r` looks the same as one that does not once it is printed.
#[test]
fn every_byte_of_a_message_travels_unchanged() {
    let sent = b"  two spaces before\nthree after   \n\ttabs\t\n \n\n\t\r\n\
                 windows\r\n\rinside\rthe text\n\r\nlast \r\n";
    let (status, stdout, stderr) = run_to_the_end(sent);
    let expected: &[u8] =
        b"message:   two spaces before\nmessage: three after   \n\
        message: \ttabs\t\nmessage:  \nmessage: \nmessage: \t\n\
        message: windows\nmessage: \rinside\rthe text\nmessage: \nmessage: last \n\
        end of stream after 10 messages\n";
    assert!(
        status.success() && stderr.is_empty(),
        "the receiver failed:\n{stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&stdout).escape_debug().to_string(),
        String::from_utf8_lossy(expected).escape_debug().to_string(),
        "what your receiver printed, with \\r, \\t and \\n shown as such"
    );
}

/// Runs the receiver against a server that sends `bytes` and closes; returns its
/// exit status, everything it printed on stdout as bytes, and its stderr.
fn run_to_the_end(bytes: &[u8]) -> (ExitStatus, Vec<u8>, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let mut receiver = Command::new(homework_program!("06"))
        .arg("--addr")
        .arg(listener.local_addr().unwrap().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = read_all_later(receiver.stdout.take().unwrap());
    let stderr = read_all_later(receiver.stderr.take().unwrap());
    let deadline = Instant::now() + TIMEOUT;
    let mut conn = loop {
        match listener.accept() {
            Ok((conn, _)) => break conn,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                stop_at(&mut receiver, deadline, "connect");
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("accept failed: {e}"),
        }
    };
    conn.set_nonblocking(false).unwrap();
    conn.write_all(bytes).unwrap();
    drop(conn);
    let status = loop {
        if let Some(status) = receiver.try_wait().unwrap() {
            break status;
        }
        stop_at(&mut receiver, deadline, "exit at the end of the stream");
        thread::sleep(Duration::from_millis(5));
    };
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
    (status, stdout.join().unwrap(), stderr)
}

/// Reads `pipe` to its end on a thread of its own.
fn read_all_later(
    mut pipe: impl Read + Send + 'static,
) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// Fails the test if the receiver exited, or if `deadline` has passed, before
/// it did `what`.
#[track_caller]
fn stop_at(receiver: &mut Child, deadline: Instant, what: &str) {
    if let Some(status) = receiver.try_wait().unwrap() {
        panic!("your receiver exited ({status}) before it did {what}");
    }
    if Instant::now() > deadline {
        let _ = receiver.kill();
        let _ = receiver.wait();
        panic!("your receiver did not {what} within {TIMEOUT:?}");
    }
}

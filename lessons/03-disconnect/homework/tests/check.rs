//! The check for homework 3 (`just check 3`). The test plays a server that leaves
//! in the middle of the conversation: once politely, once abruptly.

use std::io::{Read, Write};
use std::net::TcpStream;
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

#[test]
fn says_bye_at_the_end_of_input() {
    let listener = TestListener::bind();
    let args = vec!["--addr".to_string(), listener.addr().to_string()];
    let mut client =
        Proc::spawn("your client", &homework_program!("03"), &args, Input::Piped)
            .unwrap();
    let (mut conn, _) = listener.accept(&mut client);
    client.send_line("hi");
    let mut buffer = [0u8; 64];
    let n = conn.read(&mut buffer).unwrap();
    conn.write_all(&buffer[..n].to_ascii_uppercase()).unwrap();
    let out = client.finish();
    assert_eq!(out.stdout, "HI\nbye\n");
    assert_eq!(
        conn.read(&mut buffer).unwrap(),
        0,
        "the client should close the connection when it is done"
    );
}

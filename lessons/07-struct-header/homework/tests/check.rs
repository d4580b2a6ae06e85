//! The check for homework 7 (`just check 7`). The test plays lesson 7's server: it
//! reads your request with the lesson's own `read_frame`, then answers with byte
//! streams cut and broken in every way chapter 7 lists.

use std::io::{BufReader, Write};
use std::net::TcpStream;

use lesson_07::frame::{frame_bytes, read_frame};
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Input, Proc, TestListener, homework_program};

/// Starts your client, sends it `command`, and checks the request it sends.
fn start(command: &str) -> (Proc, TcpStream) {
    let listener = TestListener::bind();
    let args = vec!["--addr".to_string(), listener.addr().to_string()];
    let mut client =
        Proc::spawn("your client", &homework_program!("07"), &args, Input::Piped)
            .unwrap();
    let (conn, _) = listener.accept(&mut client);
    conn.set_nodelay(true).unwrap();
    client.send_line(command);
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let request = match read_frame(&mut reader, 1 << 20) {
        Ok(Some(request)) => request,
        other => client.fail(&format!(
            "sent no valid request frame for {command:?}: {other:?}\n\
             (4 bytes of header length, big-endian; the JSON header; the body)"
        )),
    };
    assert_eq!(
        request.body,
        command.as_bytes(),
        "the request's body is the command"
    );
    (client, conn)
}

#[test]
fn a_reply_that_arrives_one_byte_at_a_time() {
    let (client, mut conn) = start("echo hi");
    for byte in frame_bytes(r#"{"body_size":3,"notes":["slowly"]}"#, b"hi\n") {
        conn.write_all(&[byte]).unwrap();
    }
    drop(conn);
    let out = client.finish();
    assert!(out.status.success(), "stderr:\n{}", out.stderr);
    assert_eq!(out.stdout, "--- reply of 3 bytes ---\nhi\n[slowly]\n");
}

#[test]
fn two_replies_in_one_write_and_an_empty_body() {
    let (mut client, mut conn) = start("true");
    // The reply to `true` and, already, the start of nothing else: one write.
    let mut bytes = frame_bytes(r#"{"body_size":0}"#, b"");
    bytes.extend(frame_bytes(
        r#"{"body_size":6,"extra":"ignored"}"#,
        b"later\n",
    ));
    conn.write_all(&bytes).unwrap();
    client.wait_for_text("--- reply of 0 bytes ---");
    client.send_line("echo later");
    let out = client.finish();
    assert!(out.status.success(), "stderr:\n{}", out.stderr);
    assert_eq!(
        out.stdout,
        "--- reply of 0 bytes ---\n--- reply of 6 bytes ---\nlater\n"
    );
}

#[test]
fn an_oversized_header_length_is_refused_before_allocating() {
    let (client, mut conn) = start("ls");
    conn.write_all(&u32::MAX.to_be_bytes()).unwrap();
    let out = client.finish();
    assert_eq!(
        out.one_error_line(),
        "error: header length 4294967295 is above the limit of 65536 bytes"
    );
}

#[test]
fn an_oversized_body_is_refused_before_allocating() {
    let (client, mut conn) = start("ls");
    conn.write_all(&frame_bytes(r#"{"body_size":1099511627776}"#, b""))
        .unwrap();
    let out = client.finish();
    assert_eq!(
        out.one_error_line(),
        "error: body size 1099511627776 is above the limit of 67108864 bytes"
    );
}

/// The stream ends inside the body, and inside the 4 length bytes.
#[test]
fn a_stream_cut_inside_a_frame_is_an_error() {
    let cut_body = frame_bytes(r#"{"body_size":100}"#, b"only part");
    for (command, bytes) in [("cat big", &cut_body[..]), ("ls", &[0, 0][..])] {
        let (client, mut conn) = start(command);
        conn.write_all(bytes).unwrap();
        drop(conn);
        let out = client.finish();
        let line = out.one_error_line();
        assert!(
            line.contains("the stream ended inside a frame"),
            "got: {line}"
        );
    }
}

#[test]
fn a_header_that_is_not_json_or_lacks_body_size_is_an_error() {
    for (header, message) in [
        (
            "{oops}",
            "error: the header is not valid: key must be a string at line 1 column 2",
        ),
        (
            r#"{"size":2}"#,
            "error: the header is not valid: missing field `body_size` at line 1 column 10",
        ),
    ] {
        let (client, mut conn) = start("ls");
        conn.write_all(&frame_bytes(header, b"ls")).unwrap();
        assert_eq!(client.finish().one_error_line(), message);
    }
}

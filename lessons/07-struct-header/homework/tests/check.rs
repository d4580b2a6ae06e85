//! The check for homework 7 (`just check 7`). The test plays lesson 7's server: it
//! reads your request with the lesson's own `read_frame`, then answers with byte
//! streams cut and broken in every way chapter 7 lists. On Linux your client runs
//! with its address space limited to 256 MiB: a buffer allocated from a size the
//! peer announced, before the size is checked, fails there as it would on a
//! small machine.

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use lesson_07::frame::{frame_bytes, read_frame};
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::process::TIMEOUT;
use workbook_harness::{Input, Proc, TestListener, homework_program};

/// How much memory your client may map: far more than the largest frame it
/// accepts (64 KiB of header, 64 MiB of body), far less than 4 GiB.
const MEMORY_LIMIT: u64 = 256 * 1024 * 1024;

/// Starts your client, sends it `command`, and checks the request it sends.
fn start(command: &str) -> (Proc, TcpStream) {
    let listener = TestListener::bind();
    let mut client = Proc::start(
        limited(&homework_program!("07"), &listener.addr().to_string()),
        "your client",
        Input::Piped,
    )
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

/// The command that runs `program --addr ADDR`, under [`MEMORY_LIMIT`] on Linux
/// (`prlimit`, from util-linux).
fn limited(program: &std::path::Path, addr: &str) -> Command {
    let mut command = if cfg!(target_os = "linux") {
        let mut command = Command::new("prlimit");
        command
            .arg(format!("--as={MEMORY_LIMIT}"))
            .arg("--")
            .arg(program);
        command
    } else {
        Command::new(program)
    };
    command.arg("--addr").arg(addr);
    command
}

/// Waits until the client has read every byte sent to it so far, so that the
/// next write arrives in a read of its own (Linux: the receive queue of the
/// client's socket in /proc/net/tcp is empty). Elsewhere it cannot tell, and
/// does not wait: the bytes may then arrive together.
fn wait_until_read(client: &mut Proc, conn: &TcpStream) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let ours = format!(":{:04X}", conn.local_addr().unwrap().port());
    let theirs = format!(":{:04X}", conn.peer_addr().unwrap().port());
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
        // local_address rem_address st tx_queue:rx_queue, for the client's end.
        let unread = table.lines().find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let mine = fields.get(1)?.ends_with(&theirs)
                && fields.get(2)?.ends_with(&ours);
            let queue = fields.get(4)?.split_once(':')?.1;
            mine.then(|| u64::from_str_radix(queue, 16).ok()).flatten()
        });
        if unread.is_none_or(|unread| unread == 0) {
            return;
        }
        if client.has_exited() || Instant::now() > deadline {
            client.fail("did not read what was sent to it");
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// Sends `bytes` one at a time, each once the client has read the one before:
/// every byte is a read of its own.
fn send_byte_by_byte(client: &mut Proc, conn: &mut TcpStream, bytes: &[u8]) {
    for byte in bytes {
        conn.write_all(&[*byte]).unwrap();
        wait_until_read(client, conn);
    }
}

#[test]
fn a_reply_that_arrives_one_byte_at_a_time() {
    let (mut client, mut conn) = start("echo hi");
    let bytes = frame_bytes(r#"{"body_size":3,"notes":["slowly"]}"#, b"hi\n");
    send_byte_by_byte(&mut client, &mut conn, &bytes);
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
    conn.write_all(&frame_bytes(r#"{"body_size":4294967296}"#, b""))
        .unwrap();
    let out = client.finish();
    assert_eq!(
        out.one_error_line(),
        "error: body size 4294967296 is above the limit of 67108864 bytes"
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
            "error: the header is not valid: \
             key must be a string at line 1 column 2",
        ),
        (
            r#"{"size":2}"#,
            "error: the header is not valid: \
             missing field `body_size` at line 1 column 10",
        ),
    ] {
        let (client, mut conn) = start("ls");
        conn.write_all(&frame_bytes(header, b"ls")).unwrap();
        assert_eq!(client.finish().one_error_line(), message);
    }
}

/// The limits are "at most": a header of exactly 65,536 bytes is read, one of
/// 65,537 refused.
#[test]
fn a_header_of_exactly_the_limit_is_accepted_and_one_byte_more_refused() {
    let (client, mut conn) = start("echo hi");
    // JSON may end in spaces: 65,536 bytes in all.
    let mut json = r#"{"body_size":3}"#.to_string();
    json.extend(std::iter::repeat_n(' ', 65_536 - json.len()));
    conn.write_all(&frame_bytes(&json, b"hi\n")).unwrap();
    drop(conn);
    let out = client.finish();
    assert!(out.status.success(), "stderr:\n{}", out.stderr);
    assert_eq!(out.stdout, "--- reply of 3 bytes ---\nhi\n");

    let (client, mut conn) = start("ls");
    conn.write_all(&65_537u32.to_be_bytes()).unwrap();
    assert_eq!(
        client.finish().one_error_line(),
        "error: header length 65537 is above the limit of 65536 bytes"
    );
}

/// A body of exactly 67,108,864 bytes is accepted (here the stream ends inside
/// it, so the client reports a cut frame, not a refusal); one byte more is
/// refused.
#[test]
fn a_body_of_exactly_the_limit_is_accepted_and_one_byte_more_refused() {
    let (client, mut conn) = start("cat big");
    conn.write_all(&frame_bytes(r#"{"body_size":67108864}"#, b"the start"))
        .unwrap();
    drop(conn);
    let out = client.finish();
    let line = out.one_error_line();
    assert!(
        line.contains("the stream ended inside a frame"),
        "a body of exactly the limit is accepted; got: {line}"
    );

    let (client, mut conn) = start("cat big");
    conn.write_all(&frame_bytes(r#"{"body_size":67108865}"#, b"the start"))
        .unwrap();
    assert_eq!(
        client.finish().one_error_line(),
        "error: body size 67108865 is above the limit of 67108864 bytes"
    );
}

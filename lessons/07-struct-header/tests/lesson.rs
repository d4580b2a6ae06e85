//! Lesson 7 end to end: ssh v2 on frames. A reply of megabytes arrives whole and
//! the next one starts clean; the Python client's single read breaks; bad input
//! closes one connection and the server goes on. The commands are Unix shell
//! commands.
#![cfg(unix)]

use std::io::{BufReader, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use lesson_07::frame::{Frame, Header, frame_bytes, read_frame, write_frame};
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Program, check_demo, connect, run_demo};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}
fn server() -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-07")).serves_forever("client left")
}
fn client() -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-07"))
}

/// Lesson 5's demo, on frames: the 1206-byte reply arrives in one piece.
#[test]
fn the_demo_matches_the_chapter() {
    check_demo(lesson_dir(), "demo", &server(), &client());
}

/// 3.4 MB of output arrives whole, and the next reply is exactly its own.
#[test]
fn megabytes_arrive_whole_and_the_next_reply_is_clean() {
    let input = ["seq 1 500000".to_string(), "echo next".to_string()];
    let out = run_demo(&server(), &client(), &input);
    assert!(out.client.status.success(), "{}", out.client.stderr);
    let lines: Vec<&str> = out.client.stdout.lines().collect();
    let expected: Vec<String> = (1..=500_000).map(|n| n.to_string()).collect();
    assert_eq!(lines[1], "--- reply of 3388895 bytes ---");
    assert!(
        lines[2..500_002] == expected,
        "the output of seq, every line, in order"
    );
    assert_eq!(lines[500_002..], ["--- reply of 5 bytes ---", "next"]);
}

/// The pitfall: with the body read by one `read`, a reply larger than what has
/// arrived (larger than the socket's receive buffer, here 15 MB) comes in part, and
/// the next "header length" is read from the middle of the old body.
#[test]
fn one_read_for_the_body_breaks_on_a_large_reply() {
    let (_server, addr) = server().start_server();
    let mut client = client().arg("--one-read").start_client("client", addr);
    client.send_line("seq 1 2000000");
    client.send_line("echo next");
    let out = client.finish();
    assert!(
        out.stdout.contains("[one read got ") && !out.stdout.contains("next\n"),
        "the client should have read part of the body and never seen `next`"
    );
    out.one_error_line();
}

/// Sends `bytes` on a fresh connection, closes the sending side, and returns the
/// server's answer: one frame (an error frame) and then the end of the stream.
fn answer_to(addr: std::net::SocketAddr, bytes: &[u8]) -> Frame {
    let mut stream = connect(addr);
    stream.write_all(bytes).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut reader = BufReader::new(stream);
    let frame = read_frame(&mut reader, 1 << 20)
        .unwrap()
        .expect("an error frame");
    assert_eq!(
        read_frame(&mut reader, 1 << 20).unwrap(),
        None,
        "then the end"
    );
    frame
}

/// Each kind of bad input gets an error frame and a closed connection, and the
/// server serves the next client as if nothing happened.
#[test]
fn bad_input_closes_that_connection_and_the_server_goes_on() {
    let (mut server, addr) = server().arg("--idle-timeout").arg("1").start_server();
    let cases: [(&[u8], &str); 6] = [
        (
            &u32::MAX.to_be_bytes(),
            "header length 4294967295 is above the limit of 65536 bytes",
        ),
        (
            &frame_bytes(r#"{"body_size":10}"#, b"echo"),
            "the stream ended inside a frame, before all 10 bytes of its body",
        ),
        (
            &frame_bytes("{oops", b""),
            "the header is not valid: key must be a string at line 1 column 2",
        ),
        (
            &frame_bytes(r#"{"size":2}"#, b"ls"),
            "the header is not valid: \
             missing field `body_size` at line 1 column 10",
        ),
        (
            &frame_bytes(r#"{"body_size":1099511627776}"#, b""),
            "body size 1099511627776 is above the limit of 65536 bytes",
        ),
        (
            &frame_bytes(r#"[5]"#, b"ls -l"),
            "the header is not valid: \
             it must be a JSON object, like {\"body_size\":0}",
        ),
    ];
    for (bytes, message) in cases {
        let answer = answer_to(addr, bytes);
        assert_eq!(answer.header.error.as_deref(), Some(message));
        server.wait_for_text(&format!("closed the connection: {message}"));
    }

    // A peer that sends half a frame and then nothing is cut off at the idle
    // timeout.
    let mut stalled = connect(addr);
    stalled
        .write_all(&frame_bytes(r#"{"body_size":10}"#, b"ech"))
        .unwrap();
    let mut reader = BufReader::new(stalled.try_clone().unwrap());
    let answer = read_frame(&mut reader, 1 << 20)
        .unwrap()
        .expect("an error frame");
    assert_eq!(
        answer.header.error.as_deref(),
        Some("no complete request within 1 s")
    );
    server.wait_for_text("closed the connection: no complete request within 1 s");

    // And the next client is served.
    let mut good = connect(addr);
    write_frame(&mut good, &Header::default(), b"echo still here").unwrap();
    let mut reader = BufReader::new(good.try_clone().unwrap());
    let reply = read_frame(&mut reader, 1 << 20).unwrap().unwrap();
    assert_eq!(reply.body, b"still here\n");
    assert_eq!(reply.header.exit_code, Some(0));
    drop(reader);
    drop::<TcpStream>(good);
    server.wait_for_text("client left");
}

/// A failed `accept` (here: no file descriptor left, EMFILE) is reported, and the
/// server goes on: the client it could not accept then is served next.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_accept_does_not_end_the_server() {
    use workbook_harness::limits::client_after_a_failed_accept;

    let (mut server, addr) = server().start_server();
    let mut client = client_after_a_failed_accept(&mut server, addr);
    write_frame(&mut client, &Header::default(), b"echo still here").unwrap();
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let reply = read_frame(&mut reader, 1 << 20).unwrap().unwrap();
    assert_eq!(reply.body, b"still here\n");
}

/// One byte every 100 ms: no single read waits long, yet the request never ends.
/// The whole request must arrive within the idle timeout.
#[test]
fn a_request_dripped_a_byte_at_a_time_is_cut_off() {
    let (mut server, addr) = server().arg("--idle-timeout").arg("1").start_server();
    let dripper = connect(addr);
    let stop = Arc::new(AtomicBool::new(false));
    let drip = {
        let mut stream = dripper.try_clone().unwrap();
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let frame = frame_bytes(r#"{"body_size":200}"#, &[b'x'; 200]);
            for byte in frame {
                if stop.load(Ordering::SeqCst) || stream.write_all(&[byte]).is_err()
                {
                    return;
                }
                // Pacing the peer, not waiting for anything: far below 1 s.
                thread::sleep(Duration::from_millis(100));
            }
            panic!("the whole request was dripped and the server still listened");
        })
    };
    server.wait_for_text("closed the connection: no complete request within 1 s");
    let mut reader = BufReader::new(dripper);
    let answer = read_frame(&mut reader, 1 << 20).unwrap().unwrap();
    assert_eq!(
        answer.header.error.as_deref(),
        Some("no complete request within 1 s")
    );
    stop.store(true, Ordering::SeqCst);
    drip.join().unwrap();
}

/// A client that asks for megabytes of output and never reads them: the
/// server's write stops making progress, and after the idle timeout the server
/// gives up on it and serves the next client.
#[test]
fn a_client_that_stops_reading_is_cut_off() {
    let (mut server, addr) = server().arg("--idle-timeout").arg("1").start_server();
    let mut stuck = connect(addr);
    write_frame(
        &mut stuck,
        &Header::default(),
        b"head -c 30000000 /dev/zero",
    )
    .unwrap();
    server.wait_for_text("running: head -c 30000000 /dev/zero");
    let mut next = connect(addr);
    write_frame(&mut next, &Header::default(), b"echo next").unwrap();
    server.wait_for_text("closed the connection: the peer read nothing for 1 s");
    let mut reader = BufReader::new(next);
    let reply = read_frame(&mut reader, 1 << 20).unwrap().unwrap();
    assert_eq!(reply.body, b"next\n");
    drop(stuck);
}

//! Lesson 8 against clients that are not merely broken but hostile or stuck: one
//! that stops reading in the middle of a file, one that drips its request a byte
//! at a time, one that says nothing, one whose header is a JSON array. Each is
//! cut off with a reason, and the client waiting behind it is served. And a
//! failed `accept` does not end the server.

use std::fs;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use lesson_07::frame::{frame_bytes, read_header};
use lesson_08::client::Connection;
use lesson_08::protocol::{Reply, Request, Status};
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Playground, Proc, Program, ScratchDir, connect};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}

/// Server-08 with an idle timeout of one second, in a fresh playground.
fn start(label: &str) -> (ScratchDir, Playground, Proc, SocketAddr) {
    let scratch = ScratchDir::new(label);
    let play = scratch.playground(lesson_dir());
    let (server, addr) = Program::new(env!("CARGO_BIN_EXE_server-08"))
        .arg("--idle-timeout")
        .arg("1")
        .in_dir(&play.server)
        .start_server();
    (scratch, play, server, addr)
}

/// A client that connected while the server was busy, and asks for a file. It
/// is served only once the server is done with whoever was before it.
fn waiting_client(addr: SocketAddr) -> Connection {
    let mut conn = Connection::new(connect(addr)).unwrap();
    conn.send(&Request::get("welcome.txt"), b"").unwrap();
    conn
}

#[track_caller]
fn assert_served(mut conn: Connection) {
    let reply = conn.read_reply().unwrap();
    assert_eq!(reply.status, Status::Ok, "{reply:?}");
}

/// The error reply a server sends before it hangs up.
fn last_words(stream: &TcpStream) -> Option<String> {
    let mut reader = stream.try_clone().unwrap();
    read_header::<Reply>(&mut reader).unwrap().unwrap().error
}

/// A client asks for a file far larger than the sockets' buffers and never reads
/// it. The server's writes stop making progress; after the idle timeout it gives
/// up on that client, closes the file and the connection, and serves the next.
#[test]
fn a_client_that_stops_reading_mid_file_is_cut_off() {
    let (_scratch, play, mut server, addr) = start("lesson08-stops-reading");
    fs::write(play.server.join("ftp-root/big.bin"), vec![0u8; 32 << 20]).unwrap();
    let mut stuck = Connection::new(connect(addr)).unwrap();
    stuck.send(&Request::get("big.bin"), b"").unwrap();
    server.wait_for_text(": sending 33554432 bytes");
    let next = waiting_client(addr);
    server.wait_for_text("closed the connection: the peer read nothing for 1 s");
    assert_served(next);
    drop(stuck);
}

/// One byte every 100 ms: each read waits far less than the idle timeout, yet
/// the header never ends. The whole header must arrive within the idle timeout.
#[test]
fn a_request_dripped_a_byte_at_a_time_is_cut_off() {
    let (_scratch, _play, mut server, addr) = start("lesson08-drip");
    let dripper = connect(addr);
    let stop = Arc::new(AtomicBool::new(false));
    let drip = {
        let mut stream = dripper.try_clone().unwrap();
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let json = format!(
                r#"{{"body_size":0,"command":"get","name":"{}"}}"#,
                "x".repeat(200)
            );
            let frame = frame_bytes(&json, b"");
            for byte in frame.iter() {
                if stop.load(Ordering::SeqCst)
                    || stream.write_all(&[*byte]).is_err()
                {
                    return;
                }
                // Pacing the peer, not waiting for anything: far below 1 s.
                thread::sleep(Duration::from_millis(100));
            }
            panic!("the whole request was dripped and the server still listened");
        })
    };
    let next = waiting_client(addr);
    server.wait_for_text("closed the connection: no complete request within 1 s");
    assert_eq!(
        last_words(&dripper).as_deref(),
        Some("no complete request within 1 s")
    );
    stop.store(true, Ordering::SeqCst);
    drip.join().unwrap();
    assert_served(next);
}

/// A client that connects and says nothing is told why it was cut off, in words,
/// not as the system's "Resource temporarily unavailable".
#[test]
fn a_silent_client_is_told_why_it_was_cut_off() {
    let (_scratch, _play, mut server, addr) = start("lesson08-silent");
    let silent = connect(addr);
    let next = waiting_client(addr);
    assert_eq!(
        last_words(&silent).as_deref(),
        Some("no complete request within 1 s")
    );
    server.wait_for_text("closed the connection: no complete request within 1 s");
    assert_served(next);
}

/// serde fills a struct from a JSON array too; the protocol says object.
#[test]
fn a_header_that_is_a_json_array_is_refused() {
    let (_scratch, _play, mut server, addr) = start("lesson08-array");
    let mut peer = connect(addr);
    peer.write_all(&frame_bytes(r#"[0,"get","welcome.txt"]"#, b""))
        .unwrap();
    let refusal = "the header is not valid: \
                   it must be a JSON object, like {\"body_size\":0}";
    assert_eq!(last_words(&peer).as_deref(), Some(refusal));
    server.wait_for_text(&format!("closed the connection: {refusal}"));
}

/// A failed `accept` (here: no file descriptor left, EMFILE) is reported, and the
/// server goes on: the client that connected meanwhile is served.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_accept_does_not_end_the_server() {
    use workbook_harness::limits::client_after_a_failed_accept;

    let (_scratch, _play, mut server, addr) = start("lesson08-accept");
    let client = client_after_a_failed_accept(&mut server, addr);
    let mut conn = Connection::new(client).unwrap();
    conn.send(&Request::get("welcome.txt"), b"").unwrap();
    assert_served(conn);
}

/// The real client, left idle past the server's limit: its next request gets the
/// server's reason, and the one after that a single line saying the server
/// closed the connection (not "Broken pipe (os error 32)").
#[test]
fn an_idle_client_learns_why_and_ends_in_one_line() {
    let (_scratch, play, mut server, addr) = start("lesson08-idle-client");
    let mut client = Program::new(env!("CARGO_BIN_EXE_client-08"))
        .in_dir(&play.client)
        .start_client("client", addr);
    client.wait_for_text("connected to");
    server.wait_for_text("closed the connection: no complete request within 1 s");
    client.send_line("get welcome.txt");
    client.wait_for_text("refused: no complete request within 1 s");
    client.send_line("get welcome.txt");
    let out = client.finish();
    assert!(!out.status.success());
    // Which system error comes with it (a broken pipe, a reset, the end of
    // the stream) depends on timing; the sentence does not.
    let line = out.one_error_line();
    assert!(
        line.starts_with("error: the server closed the connection"),
        "{line}"
    );
}

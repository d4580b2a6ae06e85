// ANCHOR: all
//! The accept loop's two bounds: a graceful stop (Ctrl-C) that refuses new
//! clients and lets a transfer under way finish, and a semaphore that keeps
//! the clients over `--max-clients` waiting until one leaves.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use lesson_07::frame::read_header;
use lesson_08::client::Connection;
use lesson_08::protocol::{Reply, Request, Status};
use lesson_08::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Playground, Proc, Program, ScratchDir, connect};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}

/// Server-13 with `args`, in a fresh playground.
fn start(label: &str, args: &[&str]) -> (ScratchDir, Playground, Proc, SocketAddr) {
    let scratch = ScratchDir::new(label);
    let play = scratch.playground(lesson_dir());
    let mut program =
        Program::new(env!("CARGO_BIN_EXE_server-13")).in_dir(&play.server);
    for arg in args {
        program = program.arg(arg);
    }
    let (server, addr) = program.start_server();
    (scratch, play, server, addr)
}

/// The error reply a server sends before it hangs up.
fn last_words(stream: &TcpStream) -> Option<String> {
    let mut reader = stream.try_clone().unwrap();
    read_header::<Reply>(&mut reader).unwrap().unwrap().error
}

/// `size` bytes that no compressor or lucky coincidence makes regular.
fn random_bytes(size: usize, mut state: u64) -> Vec<u8> {
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

// ANCHOR: graceful
/// Ctrl-C (SIGINT, sent with `kill -INT`) while one client is idle and another
/// is halfway through an upload. The server closes its listening socket (a new
/// client is refused), lets the idle client go with a reason, waits for the
/// upload to finish, saves it, answers it, and exits by itself, successfully.
/// The log is a golden transcript, shown in the chapter.
#[cfg(unix)]
#[test]
fn ctrl_c_refuses_new_clients_and_finishes_the_upload_under_way() {
    let (_scratch, play, mut server, addr) =
        start("lesson13-stop", &["--idle-timeout", "60"]);
    let idle = connect(addr);
    server.wait_for_text(": connected");
    let data = random_bytes(1 << 20, 13);
    let mut uploader = Connection::new(connect(addr)).unwrap();
    let request = Request::put("big.bin", data.len() as u64, sha256_of(&data));
    uploader.send(&request, &data[..300_000]).unwrap();
    server.wait_for_text("put big.bin: receiving");

    let sent = std::process::Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -INT failed");
    server.wait_for_text("stopping: new clients are refused; 2 still connected");
    let refused = TcpStream::connect(addr).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    assert_eq!(last_words(&idle).as_deref(), Some("the server is stopping"));
    server.wait_for_text("closed the connection: the server is stopping");

    // The upload goes on, and is saved whole.
    uploader.writer.write_all(&data[300_000..]).unwrap();
    uploader.writer.flush().unwrap();
    let reply = uploader.read_reply().unwrap();
    assert_eq!(reply.status, Status::Ok, "{reply:?}");
    assert!(fs::read(play.server.join("ftp-root/big.bin")).unwrap() == data);
    let out = server.finish();
    assert!(out.status.success(), "{out:?}");
    workbook_harness::check_transcripts(
        lesson_dir(),
        "stop",
        &[("server", &out)],
        addr,
    );
}
// ANCHOR_END: graceful

#[cfg(not(unix))]
#[test]
fn ctrl_c_refuses_new_clients_and_finishes_the_upload_under_way() {
    println!("skipped: the test sends SIGINT with `kill`, which Windows lacks");
}

// ANCHOR: bound
/// `--max-clients 2`: two clients are served; a third connects (the kernel
/// completes its handshake) and sends a request, which waits unread: the
/// server does not accept it while two are connected. When one of the two
/// leaves, the third is accepted and answered.
#[test]
fn a_client_over_the_bound_waits_until_one_leaves() {
    let (_scratch, play, mut server, addr) = start(
        "lesson13-bound",
        &["--max-clients", "2", "--idle-timeout", "60"],
    );
    let first = connect(addr);
    let second = connect(addr);
    server.wait_for_text(": connected");
    server.wait_for_text(": connected");
    let mut third = Connection::new(connect(addr)).unwrap();
    third.send(&Request::get("welcome.txt"), b"").unwrap();
    server.assert_no_line_within(
        "a third client accepted",
        Duration::from_millis(500),
        |line| line.contains("connected") || line.contains("get welcome.txt"),
    );
    drop(first);
    server.wait_for_text(": left");
    let reply = third.read_reply().unwrap();
    assert_eq!(reply.status, Status::Ok, "{reply:?}");
    let mut body = vec![0u8; reply.body_size as usize];
    third.reader.read_exact(&mut body).unwrap();
    assert_eq!(
        body,
        fs::read(play.server.join("ftp-root/welcome.txt")).unwrap()
    );
    drop(second);
}
// ANCHOR_END: bound
// ANCHOR_END: all

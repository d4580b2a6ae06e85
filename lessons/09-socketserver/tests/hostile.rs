//! Lesson 9 when clients or the system misbehave: a client that stops reading in
//! the middle of a file holds its thread, its socket and the file only until the
//! idle timeout; a thread that cannot be started costs one client, not the server.

use std::fs;
use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;

use lesson_08::client::Connection;
use lesson_08::protocol::{Request, Status};
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Playground, Proc, Program, ScratchDir, connect};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}

/// Server-09 with an idle timeout of one second, in a fresh playground.
fn start(label: &str) -> (ScratchDir, Playground, Proc, SocketAddr) {
    let scratch = ScratchDir::new(label);
    let play = scratch.playground(lesson_dir());
    let (server, addr) = Program::new(env!("CARGO_BIN_EXE_server-09"))
        .arg("--idle-timeout")
        .arg("1")
        .in_dir(&play.server)
        .start_server();
    (scratch, play, server, addr)
}

#[track_caller]
fn assert_get_works(addr: SocketAddr) {
    let mut conn = Connection::new(connect(addr)).unwrap();
    conn.send(&Request::get("welcome.txt"), b"").unwrap();
    let reply = conn.read_reply().unwrap();
    assert_eq!(reply.status, Status::Ok, "{reply:?}");
}

/// What a process holds: its open files (sockets included) and its threads.
#[cfg(target_os = "linux")]
fn holdings(server: &Proc) -> (usize, usize) {
    let count = |what: &str| {
        fs::read_dir(format!("/proc/{}/{what}", server.id()))
            .unwrap()
            .count()
    };
    (count("fd"), count("task"))
}

/// A client asks for a file far larger than the sockets' buffers and never reads
/// it. Other clients are served meanwhile (it has a thread of its own); after the
/// idle timeout the server gives up on it, and its thread, socket and open file
/// are all released.
#[test]
fn a_client_that_stops_reading_mid_file_is_cut_off_and_freed() {
    let (_scratch, play, mut server, addr) = start("lesson09-stops-reading");
    fs::write(play.server.join("ftp-root/big.bin"), vec![0u8; 32 << 20]).unwrap();
    #[cfg(target_os = "linux")]
    let before = holdings(&server);

    let mut stuck = Connection::new(connect(addr)).unwrap();
    stuck.send(&Request::get("big.bin"), b"").unwrap();
    server.wait_for_text(": sending 33554432 bytes");
    assert_get_works(addr);
    server.wait_for_text("handler failed: the peer read nothing for 1 s");
    // The handler returned: its thread ends, its file and socket are closed.
    #[cfg(target_os = "linux")]
    {
        let deadline =
            std::time::Instant::now() + std::time::Duration::from_secs(10);
        while holdings(&server) != before && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert_eq!(holdings(&server), before, "(open files, threads) as before");
    }
    drop(stuck);
}

/// When no thread can be started for a client (here: the server's address space
/// is capped, so a new thread's stack does not fit), that client is refused with
/// a log line and its connection closed; the server goes on, and serves the next
/// client once threads can be made again.
#[cfg(target_os = "linux")]
#[test]
fn a_thread_that_cannot_start_costs_one_client_not_the_server() {
    use workbook_harness::limits::no_more_memory;

    let (_scratch, _play, mut server, addr) = start("lesson09-no-thread");
    // One whole conversation first: by its end every thread the server starts
    // by itself (the one that reads `stop`) runs and has made its allocations,
    // so the address space measured next is the server's steady size. A thread
    // started after the measure would otherwise eat the headroom, and the next
    // small allocation would fail instead of the thread.
    assert_get_works(addr);
    // Less than a thread's stack (2 MiB), more than the accept loop needs.
    let limit = no_more_memory(server.id(), 1024 * 1024);
    let mut refused = connect(addr);
    server.wait_for_text("refused, cannot start a thread");
    let mut rest = Vec::new();
    assert_eq!(refused.read_to_end(&mut rest).unwrap(), 0, "closed at once");
    limit.restore();
    assert_get_works(addr);
}

// ANCHOR: all
//! Lesson 12 against clients that stop, drip or say nothing. On one thread, a
//! stuck client is the real danger: if the loop waited for it, everyone would
//! wait. Each test shows the others served meanwhile, the stuck one cut off at
//! its deadline, and the server's memory bounded whatever the client does.

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use lesson_07::frame::{frame_bytes, read_header};
use lesson_08::client::Connection;
use lesson_08::protocol::{Reply, Request, Status};
use lesson_08::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Playground, Proc, Program, ScratchDir, connect};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}

/// Server-12 with an idle timeout of `idle` seconds, in a fresh playground.
fn start(label: &str, idle: &str) -> (ScratchDir, Playground, Proc, SocketAddr) {
    let scratch = ScratchDir::new(label);
    let play = scratch.playground(lesson_dir());
    let (server, addr) = Program::new(env!("CARGO_BIN_EXE_server-12"))
        .arg("--idle-timeout")
        .arg(idle)
        .in_dir(&play.server)
        .start_server();
    (scratch, play, server, addr)
}

/// A get of `name` by a new client, read to the end and checked.
#[track_caller]
fn assert_get_works(addr: SocketAddr, name: &str, expected: &[u8]) {
    let mut conn = Connection::new(connect(addr)).unwrap();
    conn.send(&Request::get(name), b"").unwrap();
    let reply = conn.read_reply().unwrap();
    assert_eq!(reply.status, Status::Ok, "{reply:?}");
    let mut body = vec![0u8; reply.body_size as usize];
    conn.reader.read_exact(&mut body).unwrap();
    assert!(body == expected, "get {name}: the bytes differ");
}

/// The error reply a server sends before it hangs up.
fn last_words(stream: &TcpStream) -> Option<String> {
    let mut reader = stream.try_clone().unwrap();
    read_header::<Reply>(&mut reader).unwrap().unwrap().error
}

/// The server's resident memory, in KiB (Linux: VmRSS in /proc/PID/status).
#[cfg(target_os = "linux")]
fn rss_kib(server: &Proc) -> u64 {
    let status =
        fs::read_to_string(format!("/proc/{}/status", server.id())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line")
}

// ANCHOR: stops-reading
/// Ten clients ask for a 64 MiB file and read none of it. The server sends
/// what their sockets take and keeps at most a chunk or two for each: its
/// memory grows by far less than one file, let alone ten. Meanwhile other
/// clients upload and download a megabyte each, served in full: the stuck ones
/// slow no one, on the one thread they all share.
#[test]
fn clients_that_stop_reading_cost_bounded_memory_and_slow_no_one() {
    let (_scratch, play, mut server, addr) = start("lesson12-stops-reading", "60");
    let big = 64 << 20;
    fs::write(play.server.join("ftp-root/big.bin"), vec![7u8; big]).unwrap();
    let small: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    fs::write(play.server.join("ftp-root/small.bin"), &small).unwrap();
    // Warm up: one get of each, so that the memory measured next is the
    // server's steady size, with its allocator's pools in use.
    assert_get_works(addr, "small.bin", &small);
    #[cfg(target_os = "linux")]
    let before = rss_kib(&server);

    let stuck: Vec<Connection> = (0..10)
        .map(|_| {
            let mut conn = Connection::new(connect(addr)).unwrap();
            conn.send(&Request::get("big.bin"), b"").unwrap();
            server.wait_for_text(": get big.bin: sending 67108864 bytes");
            conn
        })
        .collect();
    for i in 0..5 {
        let mut conn = Connection::new(connect(addr)).unwrap();
        let name = format!("up-{i}.bin");
        conn.send(
            &Request::put(&name, small.len() as u64, sha256_of(&small)),
            &small,
        )
        .unwrap();
        assert_eq!(conn.read_reply().unwrap().status, Status::Ok);
        assert_get_works(addr, &name, &small);
    }
    #[cfg(target_os = "linux")]
    {
        let grown = rss_kib(&server).saturating_sub(before);
        println!("ten stuck 64 MiB downloads grew the server by {grown} KiB");
        // Each stuck client: at most a chunk of output and a chunk read from
        // its file (64 KiB each). 16 MiB is far above that and far below one file.
        assert!(grown < 16 * 1024, "the server grew by {grown} KiB");
    }
    drop(stuck);
}
// ANCHOR_END: stops-reading

/// A client sends requests as fast as it can and reads no reply. The server
/// answers until its output limit is reached, then stops reading that client:
/// its requests wait in the kernel's buffers until those are full, and its
/// writes stop going through. The server's memory stays bounded, another
/// client is served meanwhile, and once the flooding client reads, its
/// replies come.
#[test]
fn a_client_that_sends_without_reading_is_held_back() {
    let (_scratch, play, server, addr) = start("lesson12-flood", "60");
    let welcome = fs::read(play.server.join("ftp-root/welcome.txt")).unwrap();
    assert_get_works(addr, "welcome.txt", &welcome);
    #[cfg(target_os = "linux")]
    let before = rss_kib(&server);

    let mut flood = connect(addr);
    let mut request = Vec::new();
    lesson_07::frame::write_header(&mut request, &Request::get("welcome.txt"))
        .unwrap();
    let burst = request.repeat(1_000);
    // A write that cannot go through for a second: the server has stopped
    // reading, and the kernel's buffers between us are full.
    flood
        .set_write_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut sent = 0usize;
    loop {
        match flood.write(&burst) {
            Ok(n) => sent += n,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut
                ) =>
            {
                break;
            }
            Err(e) => panic!("the flood's write failed: {e}"),
        }
        assert!(sent < 256 << 20, "the server took {sent} bytes of requests");
    }
    println!("the server stopped taking requests after {sent} bytes");
    assert_get_works(addr, "welcome.txt", &welcome);
    #[cfg(target_os = "linux")]
    {
        let grown = rss_kib(&server).saturating_sub(before);
        println!("the flood grew the server by {grown} KiB");
        assert!(grown < 16 * 1024, "the server grew by {grown} KiB");
    }
    // The flood reads at last: its replies are there, in order.
    flood.set_write_timeout(None).unwrap();
    let mut conn = Connection::new(flood).unwrap();
    for _ in 0..100 {
        let reply = conn.read_reply().unwrap();
        assert_eq!(reply.status, Status::Ok, "{reply:?}");
        let mut body = vec![0u8; reply.body_size as usize];
        conn.reader.read_exact(&mut body).unwrap();
        assert!(body == welcome);
    }
}

/// A client that asks for a big file and stops reading is cut off at the idle
/// timeout, with lesson 8's reason, and the server holds no more open files
/// than before it came.
#[test]
fn a_client_that_stops_reading_is_cut_off_and_freed() {
    let (_scratch, play, mut server, addr) = start("lesson12-cut-off", "1");
    fs::write(play.server.join("ftp-root/big.bin"), vec![0u8; 32 << 20]).unwrap();
    #[cfg(target_os = "linux")]
    let pid = server.id();
    #[cfg(target_os = "linux")]
    let open_files = || fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count();
    #[cfg(target_os = "linux")]
    let before = open_files();
    let mut stuck = Connection::new(connect(addr)).unwrap();
    stuck.send(&Request::get("big.bin"), b"").unwrap();
    server.wait_for_text(": sending 33554432 bytes");
    server.wait_for_text("closed the connection: the peer read nothing for 1 s");
    #[cfg(target_os = "linux")]
    assert_eq!(open_files(), before, "the file and the socket are closed");
    drop(stuck);
}

/// One byte every 100 ms: each arrives well within the idle timeout, yet the
/// header never ends. The whole header must arrive within the idle timeout, and
/// the client waiting meanwhile is served at once, not after the dripper.
#[test]
fn a_request_dripped_a_byte_at_a_time_is_cut_off() {
    let (_scratch, play, mut server, addr) = start("lesson12-drip", "1");
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
            for byte in frame_bytes(&json, b"") {
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
    let welcome = fs::read(play.server.join("ftp-root/welcome.txt")).unwrap();
    assert_get_works(addr, "welcome.txt", &welcome);
    server.wait_for_text("closed the connection: no complete request within 1 s");
    assert_eq!(
        last_words(&dripper).as_deref(),
        Some("no complete request within 1 s")
    );
    stop.store(true, Ordering::SeqCst);
    drip.join().unwrap();
}

/// A put that stops halfway through its body is cut off after the idle timeout
/// with lesson 8's reason, and leaves no file. Unlike lesson 8, the server says
/// why in a last reply (the chapter says so).
#[test]
fn an_upload_that_stops_halfway_is_cut_off_and_leaves_no_file() {
    let (_scratch, play, mut server, addr) = start("lesson12-stalled-put", "1");
    let before = fs::read_dir(play.server.join("ftp-root")).unwrap().count();
    let mut conn = Connection::new(connect(addr)).unwrap();
    let data = vec![1u8; 100_000];
    let request = Request::put("stalled.bin", data.len() as u64, sha256_of(&data));
    conn.send(&request, &data[..50_000]).unwrap();
    server.wait_for_text("closed the connection: no data for 1 s");
    assert_eq!(
        last_words(conn.reader.get_ref()).as_deref(),
        Some("no data for 1 s")
    );
    let after = fs::read_dir(play.server.join("ftp-root")).unwrap().count();
    assert_eq!(after, before);
}

/// A client that connects and says nothing is told why it was cut off.
#[test]
fn a_silent_client_is_told_why_it_was_cut_off() {
    let (_scratch, _play, mut server, addr) = start("lesson12-silent", "1");
    let silent = connect(addr);
    assert_eq!(
        last_words(&silent).as_deref(),
        Some("no complete request within 1 s")
    );
    server.wait_for_text("closed the connection: no complete request within 1 s");
}

/// A broken header gets lesson 7's reason, then the server hangs up.
#[test]
fn a_header_that_is_a_json_array_is_refused() {
    let (_scratch, _play, mut server, addr) = start("lesson12-array", "5");
    let mut peer = connect(addr);
    peer.write_all(&frame_bytes(r#"[0,"get","welcome.txt"]"#, b""))
        .unwrap();
    let refusal = "the header is not valid: \
                   it must be a JSON object, like {\"body_size\":0}";
    assert_eq!(last_words(&peer).as_deref(), Some(refusal));
    server.wait_for_text(&format!("closed the connection: {refusal}"));
}

/// A failed `accept` (no file descriptor left, EMFILE) is reported; the loop
/// tries again after a pause, and the client that connected meanwhile is served.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_accept_does_not_end_the_server() {
    use workbook_harness::limits::client_after_a_failed_accept;

    let (_scratch, play, mut server, addr) = start("lesson12-accept", "5");
    let client = client_after_a_failed_accept(&mut server, addr);
    let mut conn = Connection::new(client).unwrap();
    conn.send(&Request::get("welcome.txt"), b"").unwrap();
    let reply = conn.read_reply().unwrap();
    assert_eq!(reply.status, Status::Ok, "{reply:?}");
    drop(play);
}
/// A client that keeps its connection (chapter 8, rule 1) and gets small files
/// one after another. A get's reply leaves in two writes, the header and then,
/// a turn later, the body. With Nagle's algorithm on (lesson 6), the body's
/// small segment waits until the header's is acknowledged, and the client,
/// with nothing to send, delays its acknowledgement (40 ms on Linux): every
/// get but the first took 44 ms here. The server writes whole replies from its
/// own buffer, so it turns Nagle off, and a get takes well under a millisecond.
///
/// No total time is asserted (a busy machine makes any total late). Nagle puts
/// a floor under every get after the first, so it is enough that one of them,
/// the fastest, came in under that floor.
#[test]
fn small_gets_on_one_connection_are_not_held_back_by_nagle() {
    let (_scratch, play, _server, addr) = start("lesson12-nagle", "5");
    let welcome = fs::read(play.server.join("ftp-root/welcome.txt")).unwrap();
    let mut conn = Connection::new(connect(addr)).unwrap();
    let mut each = Vec::new();
    for _ in 0..40 {
        let started = std::time::Instant::now();
        conn.send(&Request::get("welcome.txt"), b"").unwrap();
        let reply = conn.read_reply().unwrap();
        assert_eq!(reply.status, Status::Ok, "{reply:?}");
        let mut body = vec![0u8; reply.body_size as usize];
        conn.reader.read_exact(&mut body).unwrap();
        assert!(body == welcome);
        each.push(started.elapsed());
    }
    let fastest = each[1..].iter().min().unwrap();
    println!("the fastest of gets 2 to 40 on one connection took {fastest:?}");
    // Held back by Nagle, every get after the first waits for a delayed
    // acknowledgement: 40 ms at least on Linux, 200 ms on some systems.
    assert!(
        *fastest < Duration::from_millis(30),
        "every get after the first took 30 ms or more (the fastest {fastest:?}): \
         the reply's second segment waits for the client's delayed acknowledgement"
    );
}
/// The longest idle timeout the command line takes, u64::MAX seconds (a way
/// to say "never"), is a date the clock cannot hold: `Instant + Duration`
/// panicked at the first client's deadline, and the one thread, with every
/// client on it, was gone. A deadline too far to count is now a century away.
#[test]
fn an_idle_timeout_too_long_to_count_is_never() {
    let (_scratch, play, _server, addr) =
        start("lesson12-forever", &u64::MAX.to_string());
    let welcome = fs::read(play.server.join("ftp-root/welcome.txt")).unwrap();
    assert_get_works(addr, "welcome.txt", &welcome);
    assert_get_works(addr, "welcome.txt", &welcome);
}
/// Chapter 8 escapes every name and command the server logs, so that a client
/// cannot write a line of its own into the log. The `sha256` of a put is the
/// client's too, and its first 16 bytes went into the log line of a damaged
/// upload as they were: a newline there began a line the server never wrote.
#[test]
fn a_digest_cannot_write_lines_into_the_log() {
    let (_scratch, _play, mut server, addr) = start("lesson12-digest-log", "5");
    let mut conn = Connection::new(connect(addr)).unwrap();
    let forged = "a\nput welcome.txt: saved, sha256 0123456789abcdef";
    conn.send(&Request::put("x.txt", 5, forged.to_string()), b"hello")
        .unwrap();
    let reply = conn.read_reply().unwrap();
    assert_eq!(reply.status, Status::Error, "{reply:?}");
    server.wait_for_text("refused put x.txt");
    drop(conn);
    server.wait_for_text(": left");
    let out = server.kill();
    for line in out.stdout.lines() {
        assert!(
            !line.starts_with("put welcome"),
            "a line the client wrote: {line:?}\n{}",
            out.stdout
        );
    }
}
/// A client sends part of a header, closes its sending side and waits. The
/// header can never be finished: lesson 8 replies with lesson 7's reason
/// before it hangs up, as for any header it cannot read. Lesson 12 hung up
/// without a word.
#[test]
fn a_header_cut_by_a_half_close_is_told_why() {
    let (_scratch, _play, mut server, addr) = start("lesson12-cut-header", "5");
    let mut peer = connect(addr);
    peer.write_all(&frame_bytes(r#"{"body_size":0}"#, b"")[..10])
        .unwrap();
    peer.shutdown(std::net::Shutdown::Write).unwrap();
    let why = "the stream ended inside a frame, before all 15 bytes of its header";
    server.wait_for_text(&format!("closed the connection: {why}"));
    assert_eq!(last_words(&peer).as_deref(), Some(why));
}
/// A refusal may quote what the client sent. An unknown command of 16,400
/// backslashes, quoted with Rust's escapes and then JSON's, made a reply
/// longer than a header may be (64 KiB), and the server panicked: server-12
/// exited, and one request stopped every client.
/// A reason is cut to 500 characters now: the client is told, and goes on.
#[test]
fn a_refusal_that_quotes_a_huge_command_still_fits_in_a_header() {
    let (_scratch, play, _server, addr) = start("lesson12-quote", "5");
    let welcome = fs::read(play.server.join("ftp-root/welcome.txt")).unwrap();
    let mut conn = Connection::new(connect(addr)).unwrap();
    let request = Request {
        command: "\\".repeat(16_400),
        ..Request::get("welcome.txt")
    };
    conn.send(&request, b"").unwrap();
    let reply = conn.read_reply().unwrap();
    assert_eq!(reply.status, Status::Error, "{reply:?}");
    let reason = reply.error.unwrap_or_default();
    assert!(reason.starts_with("unknown command"), "{reason:.80}");
    assert!(
        reason.chars().count() <= 501,
        "{} characters",
        reason.chars().count()
    );
    // The same connection goes on, and so does everyone else's.
    conn.send(&Request::get("welcome.txt"), b"").unwrap();
    let reply = conn.read_reply().unwrap();
    assert_eq!(reply.status, Status::Ok, "{reply:?}");
    let mut body = vec![0u8; reply.body_size as usize];
    conn.reader.read_exact(&mut body).unwrap();
    assert_get_works(addr, "welcome.txt", &welcome);
}
// ANCHOR_END: all

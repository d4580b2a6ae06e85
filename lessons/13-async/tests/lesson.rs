// ANCHOR: all
//! Lesson 13 end to end: lesson 8's client against the server of tasks; a
//! hundred clients uploading and then downloading at once, on a few threads,
//! every file verified; and lesson 8's guarantees kept.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use lesson_08::client::Connection;
use lesson_08::protocol::{Request, Status};
use lesson_08::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Playground, Program, ScratchDir, check_demo, connect};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}
fn server(play: &Playground) -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-13"))
        .serves_forever(": left")
        .in_dir(&play.server)
}
fn client(play: &Playground) -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-13")).in_dir(&play.client)
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

/// How many threads the process `server` runs (Linux: one entry per thread
/// in /proc/PID/task).
#[cfg(target_os = "linux")]
fn threads(server: &workbook_harness::Proc) -> usize {
    fs::read_dir(format!("/proc/{}/task", server.id()))
        .unwrap()
        .count()
}

/// A thread per client (lesson 9) would be a hundred threads and more. Here:
/// the main thread, 2 workers (`--threads 2`), and at most 8 threads for
/// blocking work (`server-13`'s bound). The test prints how many it counted.
#[cfg(target_os = "linux")]
fn few_threads(server: &workbook_harness::Proc, what: &str) {
    let threads = threads(server);
    println!("{CLIENTS} {what} under way on {threads} threads");
    assert!(threads <= 1 + 2 + 8, "{threads} threads: {CLIENTS} {what}");
}

#[test]
fn the_demo_matches_the_chapter() {
    let scratch = ScratchDir::new("lesson13-demo");
    let play = scratch.playground(lesson_dir());
    check_demo(lesson_dir(), "demo", &server(&play), &client(&play));
    let sent = fs::read(play.client.join("hello.txt")).unwrap();
    assert_eq!(
        fs::read(play.server.join("ftp-root/hello.txt")).unwrap(),
        sent
    );
}

/// How many clients transfer at once in the test below.
const CLIENTS: usize = 100;
/// Each client's file: larger than one chunk, so that it takes many turns.
const FILE_SIZE: usize = 200_000;

// ANCHOR: hundred
/// A hundred clients each send half of an upload and wait. The server says it
/// is receiving all hundred before any upload is complete: a hundred tasks,
/// each inside its `put`, on a handful of threads. Then every upload completes
/// and is saved intact; then all hundred ask for another client's file at
/// once, and each gets it, verified.
#[test]
fn a_hundred_clients_transfer_at_once_on_a_few_threads() {
    let scratch = ScratchDir::new("lesson13-hundred");
    let play = scratch.playground(lesson_dir());
    let (mut server, addr) = server(&play).arg("--threads").arg("2").start_server();
    let files: Vec<Vec<u8>> = (0..CLIENTS)
        .map(|i| random_bytes(FILE_SIZE, 0x5eed + i as u64))
        .collect();
    let name = |i: usize| format!("file-{i}.bin");

    // Every client sends its header and half of its body.
    let mut conns: Vec<Connection> = (0..CLIENTS)
        .map(|i| {
            let mut conn = Connection::new(connect(addr)).unwrap();
            let request =
                Request::put(&name(i), FILE_SIZE as u64, sha256_of(&files[i]));
            conn.send(&request, &files[i][..FILE_SIZE / 2]).unwrap();
            conn
        })
        .collect();
    // The lines come in the order the server got to each client.
    let mut receiving = std::collections::BTreeSet::new();
    while receiving.len() < CLIENTS {
        let line = server.wait_for_text(": receiving");
        receiving.insert(line.split(": ").nth(1).unwrap().to_string());
    }
    // No upload can be complete: every client holds back half of its file.
    #[cfg(target_os = "linux")]
    few_threads(&server, "uploads");
    #[cfg(not(target_os = "linux"))]
    println!("not counting the server's threads: /proc is Linux's");

    for (i, conn) in conns.iter_mut().enumerate() {
        conn.writer.write_all(&files[i][FILE_SIZE / 2..]).unwrap();
        conn.writer.flush().unwrap();
    }
    for (i, conn) in conns.iter_mut().enumerate() {
        let reply = conn.read_reply().unwrap();
        assert_eq!(reply.status, Status::Ok, "put {}: {reply:?}", name(i));
        let saved = fs::read(play.server.join("ftp-root").join(name(i))).unwrap();
        assert!(saved == files[i], "{} arrived changed", name(i));
    }

    // Every client asks for its neighbour's file before any reads a byte.
    let wanted = |i: usize| (i + 1) % CLIENTS;
    for (i, conn) in conns.iter_mut().enumerate() {
        conn.send(&Request::get(&name(wanted(i))), b"").unwrap();
    }
    #[cfg(target_os = "linux")]
    few_threads(&server, "downloads");
    for (i, conn) in conns.iter_mut().enumerate() {
        let reply = conn.read_reply().unwrap();
        assert_eq!(
            reply.status,
            Status::Ok,
            "get {}: {reply:?}",
            name(wanted(i))
        );
        let mut body = vec![0u8; reply.body_size as usize];
        conn.reader.read_exact(&mut body).unwrap();
        assert_eq!(reply.sha256, Some(sha256_of(&body)));
        assert!(
            body == files[wanted(i)],
            "{} came back changed",
            name(wanted(i))
        );
    }
}
// ANCHOR_END: hundred

/// With a hundred idle clients connected, the runtime sleeps in `epoll_wait`
/// (lesson 12's `poll`, inside tokio) and uses (next to) no processor time.
/// The kernel counts a process's time in ticks of 10 ms (/proc/PID/stat,
/// Linux); lesson 12's spinning server used most of the 100 ticks of a second.
#[cfg(target_os = "linux")]
#[test]
fn a_runtime_with_idle_clients_sleeps() {
    let scratch = ScratchDir::new("lesson13-sleeps");
    let play = scratch.playground(lesson_dir());
    let (mut server, addr) = server(&play).start_server();
    let clients: Vec<_> = (0..CLIENTS).map(|_| connect(addr)).collect();
    for _ in 0..CLIENTS {
        server.wait_for_text(": connected");
    }
    let ticks = || {
        let stat =
            fs::read_to_string(format!("/proc/{}/stat", server.id())).unwrap();
        // The fields after the command's name: utime and stime are 14 and 15.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    let before = ticks();
    // How long the test watches, not a wait for an event.
    std::thread::sleep(std::time::Duration::from_secs(1));
    let used = ticks() - before;
    assert!(
        used <= 5,
        "the idle server used {used} ticks of 10 ms in a second"
    );
    drop(clients);
}

/// Six megabytes go up with lesson 8's own client and come back identical.
#[test]
fn lesson_8s_client_round_trips_a_file_of_megabytes() {
    let scratch = ScratchDir::new("lesson13-big");
    let play = scratch.playground(lesson_dir());
    let data = random_bytes(6 * 1024 * 1024 + 7, 0x5eed);
    fs::write(play.client.join("random.bin"), &data).unwrap();
    fs::create_dir(play.client.join("downloads")).unwrap();
    let (mut server, addr) = server(&play).start_server();
    let mut client = client(&play)
        .arg("--dir")
        .arg("downloads")
        .start_client("client", addr);
    client.send_line("put random.bin");
    client.send_line("get random.bin");
    let out = client.finish();
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    assert!(
        out.stdout.contains("get random.bin: saved as "),
        "{}",
        out.stdout
    );
    server.wait_for_text(": left");
    assert!(fs::read(play.server.join("ftp-root/random.bin")).unwrap() == data);
    assert!(fs::read(play.client.join("downloads/random.bin")).unwrap() == data);
}

/// A client that vanishes in the middle of a put leaves no file behind, and the
/// file of that name is not touched (lesson 8's guarantee, kept).
#[test]
fn a_disconnect_mid_put_leaves_no_file() {
    let scratch = ScratchDir::new("lesson13-cut");
    let play = scratch.playground(lesson_dir());
    let before = fs::read_dir(play.server.join("ftp-root")).unwrap().count();
    let (mut server, addr) = server(&play).start_server();
    let data = random_bytes(1 << 20, 7);
    let mut raw = Connection::new(connect(addr)).unwrap();
    let request = Request::put("welcome.txt", data.len() as u64, sha256_of(&data));
    raw.send(&request, &data[..300_000]).unwrap();
    server.wait_for_text("put welcome.txt: receiving");
    drop(raw);
    server.wait_for_text("closed the connection: the stream ended inside");
    let after = fs::read_dir(play.server.join("ftp-root")).unwrap().count();
    assert_eq!(after, before, "no temporary file left");
    let welcome = fs::read(play.server.join("ftp-root/welcome.txt")).unwrap();
    let template =
        fs::read(lesson_dir().join("playground/server/ftp-root/welcome.txt"));
    assert_eq!(welcome, template.unwrap());
}

/// An upload whose bytes do not match its SHA-256 is refused and not saved, and
/// the connection goes on.
#[test]
fn a_damaged_upload_is_reported_and_not_saved() {
    let scratch = ScratchDir::new("lesson13-damaged");
    let play = scratch.playground(lesson_dir());
    let (_server, addr) = server(&play).start_server();
    let mut raw = Connection::new(connect(addr)).unwrap();
    raw.send(&Request::put("new.txt", 5, sha256_of(b"hello")), b"jello")
        .unwrap();
    let reply = raw.read_reply().unwrap();
    assert_eq!(
        reply.error.as_deref(),
        Some(
            "the data arrived damaged (sha256 187c9bceeb919e1b instead of \
             2cf24dba5fb0a30e); nothing was saved"
        )
    );
    raw.send(&Request::put("empty.txt", 0, sha256_of(b"")), b"")
        .unwrap();
    assert_eq!(
        raw.read_reply().unwrap().status,
        Status::Ok,
        "an empty file"
    );
    assert!(!play.server.join("ftp-root/new.txt").exists());
    assert_eq!(
        fs::read(play.server.join("ftp-root/empty.txt")).unwrap(),
        b""
    );
}

/// A client may send many requests at once and close its sending side
/// (`shutdown(Write)`) before it reads a reply: every request is answered, in
/// order, and only then does the server say the client left.
#[test]
fn requests_sent_at_once_then_a_close_are_all_answered() {
    let scratch = ScratchDir::new("lesson13-half-close");
    let play = scratch.playground(lesson_dir());
    let (mut server, addr) = server(&play).start_server();
    let mut conn = Connection::new(connect(addr)).unwrap();
    let requests = 2_000;
    conn.send(&Request::get("no-such-file.txt"), b"").unwrap();
    for _ in 0..requests {
        conn.send(&Request::get("welcome.txt"), b"").unwrap();
    }
    conn.writer
        .get_ref()
        .shutdown(std::net::Shutdown::Write)
        .unwrap();
    assert_eq!(conn.read_reply().unwrap().status, Status::Error);
    let welcome = fs::read(play.server.join("ftp-root/welcome.txt")).unwrap();
    for _ in 0..requests {
        let reply = conn.read_reply().unwrap();
        assert_eq!(reply.status, Status::Ok, "{reply:?}");
        let mut body = vec![0u8; reply.body_size as usize];
        conn.reader.read_exact(&mut body).unwrap();
        assert_eq!(body, welcome);
    }
    let mut rest = Vec::new();
    assert_eq!(
        conn.reader.read_to_end(&mut rest).unwrap(),
        0,
        "nothing more"
    );
    server.wait_for_text(": left");
}

// ANCHOR_END: all

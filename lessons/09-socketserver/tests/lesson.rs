//! Lesson 9 end to end: lesson 8's FTP server on the framework. Three clients
//! transfer at the same time, shown by the server's own output; with
//! --sequential they queue as in lesson 4; `stop` lets transfers finish.

use std::fs;
use std::net::SocketAddr;
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
    Program::new(env!("CARGO_BIN_EXE_server-09"))
        .serves_forever(": left")
        .in_dir(&play.server)
}
fn client(play: &Playground) -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-09")).in_dir(&play.client)
}

#[test]
fn the_demo_matches_the_chapter() {
    let scratch = ScratchDir::new("lesson09-demo");
    let play = scratch.playground(lesson_dir());
    check_demo(lesson_dir(), "demo", &server(&play), &client(&play));
}

/// A client that has sent a put's header and half of its body, and waits.
struct HalfwayPut {
    conn: Connection,
    name: String,
    rest: Vec<u8>,
    /// The address the server knows this client by, as it prints it.
    local: String,
}

fn start_put(addr: SocketAddr, name: &str) -> HalfwayPut {
    let data: Vec<u8> = name.bytes().cycle().take(200_000).collect();
    let request = Request::put(name, data.len() as u64, sha256_of(&data));
    let stream = connect(addr);
    let local = stream.local_addr().unwrap().to_string();
    let mut conn = Connection::new(stream).unwrap();
    conn.send(&request, &data[..100_000]).unwrap();
    HalfwayPut {
        conn,
        name: name.into(),
        rest: data[100_000..].to_vec(),
        local,
    }
}

impl HalfwayPut {
    fn finish(mut self) {
        use std::io::Write;
        self.conn.writer.write_all(&self.rest).unwrap();
        self.conn.writer.flush().unwrap();
        let reply = self.conn.read_reply().unwrap();
        assert_eq!(reply.status, Status::Ok, "put {}: {reply:?}", self.name);
    }
}

/// Three uploads are each half sent. The server says it is receiving all three
/// before any has finished: three conversations are running at once. (Lesson
/// 8's server would never print the second line: it is busy with the first.)
#[test]
fn three_clients_are_served_at_the_same_time() {
    let scratch = ScratchDir::new("lesson09-three");
    let play = scratch.playground(lesson_dir());
    let (mut server, addr) = server(&play).start_server();
    let puts: Vec<HalfwayPut> = ["a.txt", "b.txt", "c.txt"]
        .iter()
        .map(|name| start_put(addr, name))
        .collect();
    // All three are receiving at once, in whatever order their lines come.
    let mut waiting: Vec<String> = puts
        .iter()
        .map(|put| format!("{}: put {}: receiving", put.local, put.name))
        .collect();
    while !waiting.is_empty() {
        let line = server.wait_for("the next upload's receiving line", |line| {
            waiting.iter().any(|w| line.contains(w.as_str()))
        });
        waiting.retain(|w| !line.contains(w.as_str()));
    }
    for put in puts {
        put.finish();
    }
    for name in ["a.txt", "b.txt", "c.txt"] {
        let saved = fs::read(play.server.join("ftp-root").join(name)).unwrap();
        assert_eq!(saved.len(), 200_000);
    }
}

/// With --sequential the second client waits: the server receives its upload
/// only after the first client has left.
#[test]
fn sequential_mode_serves_one_client_after_the_other() {
    let scratch = ScratchDir::new("lesson09-sequential");
    let play = scratch.playground(lesson_dir());
    let (mut server, addr) = server(&play).arg("--sequential").start_server();
    let first = start_put(addr, "first.txt");
    let second = start_put(addr, "second.txt");
    server.wait_for_text("put first.txt: receiving");
    let (first_local, second_local) = (first.local.clone(), second.local.clone());
    first.finish(); // the first client is done, but still connected
    server.wait_for_text("put first.txt: saved");
    // Only when the first client leaves does the server turn to the second.
    let next = server.wait_for(&format!("{first_local}: left"), |line| {
        assert!(!line.contains(&second_local), "served too early: {line}");
        line.contains(": left")
    });
    assert_eq!(next, format!("{first_local}: left"));
    server.wait_for_text(&format!("{second_local}: put second.txt: receiving"));
    second.finish();
}

/// `stop` typed at the server: new clients are refused, the upload under way
/// finishes and is saved, and then the server exits by itself.
#[test]
fn stop_lets_the_transfers_under_way_finish() {
    let scratch = ScratchDir::new("lesson09-stop");
    let play = scratch.playground(lesson_dir());
    let (mut server, addr) = server(&play).start_server();
    let put = start_put(addr, "last.txt");
    server.wait_for_text("put last.txt: receiving");
    server.send_line("stop");
    server.wait_for_text("stopping: no new clients");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(addr).is_ok() {
        assert!(std::time::Instant::now() < deadline, "still accepting");
    }
    put.finish();
    let out = server.finish();
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.ends_with(": left\nstopped\n"), "{}", out.stdout);
    assert!(play.server.join("ftp-root/last.txt").exists());
}

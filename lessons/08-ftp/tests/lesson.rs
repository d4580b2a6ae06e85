//! Lesson 8 end to end: files go up and come back byte for byte; a cut upload,
//! a damaged one and a name that leads outside the server's folder all leave the
//! folder as it was.

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use lesson_07::frame::{read_header, write_header};
use lesson_08::client::Connection;
use lesson_08::protocol::{Reply, Request, Status};
use lesson_08::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{
    Playground, Program, ScratchDir, TestListener, check_demo, connect, run_demo,
};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}
fn server(play: &Playground) -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-08"))
        .serves_forever("client left")
        .in_dir(&play.server)
}
fn client(play: &Playground) -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-08")).in_dir(&play.client)
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

/// Every file under `dir`, with its contents: what "touches nothing" compares.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let kind = fs::symlink_metadata(&path).unwrap().file_type();
        if kind.is_symlink() {
            files.push((path.display().to_string(), Vec::new()));
        } else if kind.is_dir() {
            files.extend(snapshot(&path));
        } else {
            files.push((path.display().to_string(), fs::read(&path).unwrap()));
        }
    }
    files.sort();
    files
}

#[test]
fn the_demo_matches_the_chapter() {
    let scratch = ScratchDir::new("lesson08-demo");
    let play = scratch.playground(lesson_dir());
    check_demo(lesson_dir(), "demo", &server(&play), &client(&play));
    let sent = fs::read(play.client.join("hello.txt")).unwrap();
    let got = fs::read(play.server.join("ftp-root/welcome.txt")).unwrap();
    assert_eq!(
        fs::read(play.server.join("ftp-root/hello.txt")).unwrap(),
        sent
    );
    assert_eq!(fs::read(play.client.join("welcome.txt")).unwrap(), got);
}

/// Six megabytes of random bytes go up with `put` and come back with `get`,
/// identical, through the real client and server.
#[test]
fn a_random_file_of_megabytes_round_trips_byte_for_byte() {
    let scratch = ScratchDir::new("lesson08-big");
    let play = scratch.playground(lesson_dir());
    let data = random_bytes(6 * 1024 * 1024 + 7, 0x5eed);
    fs::write(play.client.join("random.bin"), &data).unwrap();
    fs::create_dir(play.client.join("downloads")).unwrap();
    let input = ["put random.bin".to_string(), "get random.bin".to_string()];
    let client = client(&play).arg("--dir").arg("downloads");
    let out = run_demo(&server(&play), &client, &input);
    assert!(out.client.stderr.is_empty(), "{}", out.client.stderr);
    assert!(out.client.stdout.contains("get random.bin: saved as "));
    assert!(fs::read(play.server.join("ftp-root/random.bin")).unwrap() == data);
    assert!(fs::read(play.client.join("downloads/random.bin")).unwrap() == data);
}

/// Plays a client by hand, one frame at a time.
fn connect_raw(addr: SocketAddr) -> Connection {
    Connection::new(connect(addr)).unwrap()
}

/// A client that vanishes in the middle of a put leaves no file behind, and an
/// existing file of that name is not touched.
#[test]
fn a_disconnect_mid_put_leaves_no_file() {
    let scratch = ScratchDir::new("lesson08-cut");
    let play = scratch.playground(lesson_dir());
    let before = snapshot(&play.server);
    let (mut server, addr) = server(&play).start_server();
    for name in ["new.bin", "welcome.txt"] {
        let data = random_bytes(1 << 20, 7);
        let mut raw = connect_raw(addr);
        let request = Request::put(name, data.len() as u64, sha256_of(&data));
        raw.send(&request, &data[..300_000]).unwrap();
        server.wait_for_text(&format!("put {name}: receiving"));
        drop(raw);
        server.wait_for_text("closed the connection: the stream ended inside");
        assert_eq!(snapshot(&play.server), before, "after a cut put of {name}");
    }
}

/// Names that lead outside the folder are refused with an error reply, the
/// connection goes on, and no file anywhere changes.
#[test]
fn traversal_attempts_are_refused_and_touch_nothing() {
    let scratch = ScratchDir::new("lesson08-escape");
    let play = scratch.playground(lesson_dir());
    fs::write(scratch.path().join("secret.txt"), "outside the root").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(scratch.path(), play.server.join("ftp-root/link"))
        .unwrap();
    let before = snapshot(scratch.path());
    let (_server, addr) = server(&play).start_server();
    let mut raw = connect_raw(addr);
    let absolute = scratch.path().join("secret.txt").display().to_string();
    let mut names = vec![
        "../../../secret.txt",
        "../secret.txt",
        "sub/../../secret.txt",
        ".hidden",
        "",
        &absolute,
    ];
    if cfg!(unix) {
        names.push("link/secret.txt"); // a symbolic link that points outside
    }
    for name in names {
        raw.send(&Request::put(name, 4, sha256_of(b"evil")), b"evil")
            .unwrap();
        let reply = raw.read_reply().unwrap();
        assert_eq!(reply.status, Status::Error, "put {name:?}: {reply:?}");
        raw.send(&Request::get(name), b"").unwrap();
        let reply = raw.read_reply().unwrap();
        assert_eq!(reply.status, Status::Error, "get {name:?}: {reply:?}");
    }
    // The same connection still works.
    raw.send(&Request::get("welcome.txt"), b"").unwrap();
    assert_eq!(raw.read_reply().unwrap().status, Status::Ok);
    drop(raw);
    assert_eq!(snapshot(scratch.path()), before);
}

/// An upload whose bytes do not match its SHA-256 is reported and not saved.
#[test]
fn a_damaged_upload_is_reported_and_not_saved() {
    let scratch = ScratchDir::new("lesson08-damaged");
    let play = scratch.playground(lesson_dir());
    let before = snapshot(&play.server);
    let (_server, addr) = server(&play).start_server();
    let mut raw = connect_raw(addr);
    raw.send(
        &Request::put("welcome.txt", 5, sha256_of(b"hello")),
        b"jello",
    )
    .unwrap();
    let reply = raw.read_reply().unwrap();
    assert_eq!(
        reply.error.as_deref(),
        Some(
            "the data arrived damaged (sha256 187c9bceeb919e1b instead of \
             2cf24dba5fb0a30e); nothing was saved"
        )
    );
    raw.send(&Request::put("ok.txt", 5, sha256_of(b"hello")), b"hello")
        .unwrap();
    let reply = raw.read_reply().unwrap();
    assert_eq!(reply.status, Status::Ok, "the next put works");
    assert_eq!(
        fs::read(play.server.join("ftp-root/ok.txt")).unwrap(),
        b"hello"
    );
    fs::remove_file(play.server.join("ftp-root/ok.txt")).unwrap();
    assert_eq!(snapshot(&play.server), before);
}

/// A download whose bytes do not match the server's SHA-256 is reported by the
/// client, and nothing is saved. The test plays a server that damages a byte.
#[test]
fn a_damaged_download_is_reported_and_not_saved() {
    let scratch = ScratchDir::new("lesson08-damaged-get");
    let play = scratch.playground(lesson_dir());
    let listener = TestListener::bind();
    let mut client = client(&play).start_client("client", listener.addr());
    let (conn, _) = listener.accept(&mut client);
    client.send_line("get welcome.txt");
    let mut raw = Connection::new(conn).unwrap();
    let request: Request = read_header(&mut raw.reader).unwrap().unwrap();
    assert_eq!((request.command.as_str(), request.body_size), ("get", 0));
    let reply = Reply {
        body_size: 5,
        sha256: Some(sha256_of(b"hello")),
        ..Reply::default()
    };
    write_header(&mut raw.writer, &reply).unwrap();
    raw.writer.write_all(b"jello").unwrap();
    raw.writer.flush().unwrap();
    let line = client.wait_for_text("get welcome.txt");
    assert_eq!(
        line,
        "get welcome.txt: the data arrived damaged (sha256 187c9bceeb919e1b \
         instead of 2cf24dba5fb0a30e); nothing was saved"
    );
    drop(raw);
    client.finish();
    assert!(!play.client.join("welcome.txt").exists());
    assert_eq!(
        fs::read_dir(&play.client).unwrap().count(),
        1,
        "only hello.txt"
    );
}

/// An upload over the server's limit is refused before a byte is stored, with a
/// reply that says why, and the server hangs up.
#[test]
fn an_upload_over_the_limit_is_refused() {
    let scratch = ScratchDir::new("lesson08-limit");
    let play = scratch.playground(lesson_dir());
    let server = server(&play).arg("--max-file-size").arg("50");
    let (mut server, addr) = server.start_server();
    let mut client = client(&play).start_client("client", addr);
    client.send_line("put hello.txt");
    let line = client.wait_for_text("put hello.txt");
    assert_eq!(
        line,
        "put hello.txt: the server refused: \
         body size 85 is above the limit of 50 bytes"
    );
    server.wait_for_text("closed the connection: body size 85");
    client.send_line("get welcome.txt");
    client.finish().one_error_line();
    assert!(!play.server.join("ftp-root/hello.txt").exists());
}

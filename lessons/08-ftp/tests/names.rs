//! Chapter 8's name rules, one by one, against the real server: every name the
//! rules refuse gets an error reply for `put` and for `get`, nothing inside or
//! outside the server's folder changes, and the same connection goes on. Names
//! the rules allow work, the longest included; and no name, however strange,
//! can write a line of its own into the server's log.

use std::fs;
use std::net::SocketAddr;
use std::path::Path;

use lesson_08::client::Connection;
use lesson_08::protocol::{Reply, Request, Status};
use lesson_08::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Playground, Program, ScratchDir, connect};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}
fn server(play: &Playground) -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-08"))
        .serves_forever("client left")
        .in_dir(&play.server)
}
fn connect_raw(addr: SocketAddr) -> Connection {
    Connection::new(connect(addr)).unwrap()
}

fn put(conn: &mut Connection, name: &str, data: &[u8]) -> Reply {
    let request = Request::put(name, data.len() as u64, sha256_of(data));
    conn.send(&request, data).unwrap();
    conn.read_reply().unwrap()
}
/// A get: the reply, and the body if the reply has one.
fn get(conn: &mut Connection, name: &str) -> (Reply, Vec<u8>) {
    let request = Request::get(name);
    conn.send(&request, b"").unwrap();
    let reply = conn.read_reply().unwrap();
    let mut body = vec![0; reply.body_size as usize];
    std::io::Read::read_exact(&mut conn.reader, &mut body).unwrap();
    (reply, body)
}

/// Every file and folder under `dir`, with the contents of files: what "nothing
/// changed" compares.
fn snapshot(dir: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let shown = path.display().to_string();
        if fs::symlink_metadata(&path).unwrap().is_dir() {
            entries.push((shown, None));
            entries.extend(snapshot(&path));
        } else {
            entries.push((shown, Some(fs::read(&path).unwrap())));
        }
    }
    entries.sort();
    entries
}

/// Each row of chapter 8's table of refused names, with the part of the reason
/// the server gives for it. Some of these names used to be accepted: std's
/// `Path` quietly drops a `.` part and a doubled `/`, and on Linux `\` and `:`
/// are ordinary characters, so `C:\Windows\x` was stored as a file.
const REFUSED: &[(&str, &str)] = &[
    ("", "cannot be empty"),
    ("/etc/passwd", "cannot start with '/'"),
    ("docs//a.txt", "an empty part"),
    ("docs/", "an empty part"),
    ("sub/./x", "a '.' part"),
    ("x/.", "a '.' part"),
    (".", "a '.' part"),
    ("..", "a '..' part"),
    ("docs/../welcome.txt", "a '..' part"),
    (".hidden", "start with a dot"),
    ("docs/.a.txt", "start with a dot"),
    ("C:\\Windows\\x", "cannot hold ':'"),
    ("C:x", "cannot hold ':'"),
    ("docs\\a.txt", "cannot hold '\\\\'"),
    ("a<b", "cannot hold '<'"),
    ("a>b", "cannot hold '>'"),
    ("a\"b", "cannot hold '\\\"'"),
    ("a|b", "cannot hold '|'"),
    ("a?b", "cannot hold '?'"),
    ("a*b", "cannot hold '*'"),
    ("a\nb", "a control character ('\\n')"),
    ("a\tb", "a control character ('\\t')"),
    ("a\rb", "a control character ('\\r')"),
    ("a\0b", "a control character ('\\0')"),
    ("a\u{7f}b", "a control character ('\\u{7f}')"),
    ("a\u{1b}[31mb", "a control character ('\\u{1b}')"),
    ("CON", "a device on Windows"),
    ("con", "a device on Windows"),
    ("nul.txt", "a device on Windows"),
    ("Aux.tar.gz", "a device on Windows"),
    ("prn", "a device on Windows"),
    ("COM1", "a device on Windows"),
    ("lpt9.log", "a device on Windows"),
    ("COM¹.txt", "a device on Windows"),
    ("nul .txt", "a device on Windows"),
    ("docs/NUL", "a device on Windows"),
    ("a.", "end with a dot or a space"),
    ("a ", "end with a dot or a space"),
    ("docs./a.txt", "end with a dot or a space"),
];

/// What the rules allow, though it may look odd: all of these round trip.
const ALLOWED: &[&str] = &[
    "docs/a.txt",
    "my notes.txt",
    "a.b.c",
    "café.txt",
    "日本語.txt",
    "CONSOLE.txt",
    "com10",
    "nul_x.txt",
    "x.nul",
    "it's.txt",
    "a..b",
];

#[test]
fn every_refused_name_is_refused_and_touches_nothing() {
    let scratch = ScratchDir::new("lesson08-names");
    let play = scratch.playground(lesson_dir());
    let root = play.server.join("ftp-root");
    fs::write(scratch.path().join("secret.txt"), "outside the root").unwrap();
    // Files a normalising server would find under the refused names.
    for (folder, file) in [("docs", "a.txt"), ("sub", "x"), ("x", "y")] {
        fs::create_dir(root.join(folder)).unwrap();
        fs::write(root.join(folder).join(file), "inside").unwrap();
    }
    fs::write(root.join("a"), "inside").unwrap();
    let (_server, addr) = server(&play).start_server();
    let mut conn = connect_raw(addr);
    let before = snapshot(scratch.path());
    for &(name, why) in REFUSED {
        let reply = put(&mut conn, name, b"evil");
        assert_eq!(reply.status, Status::Error, "put {name:?}: {reply:?}");
        let reason = reply.error.unwrap_or_default();
        assert!(
            reason.contains(why),
            "put {name:?}: {reason:?}, not {why:?}"
        );
        let (reply, body) = get(&mut conn, name);
        assert_eq!(reply.status, Status::Error, "get {name:?}: {reply:?}");
        assert!(body.is_empty());
        assert_eq!(snapshot(scratch.path()), before, "after {name:?}");
        // The same connection goes on.
        let (reply, _) = get(&mut conn, "welcome.txt");
        assert_eq!(reply.status, Status::Ok, "after {name:?}");
    }
}

/// A part of 256 bytes is too long (most file systems stop at 255), and so is
/// a whole name over 1024 bytes; 256 bytes of `é` count as 256, not 128.
#[test]
fn names_too_long_are_refused() {
    let scratch = ScratchDir::new("lesson08-long-names");
    let play = scratch.playground(lesson_dir());
    let (_server, addr) = server(&play).start_server();
    let mut conn = connect_raw(addr);
    let before = snapshot(scratch.path());
    let deep = vec!["d".repeat(200); 6].join("/");
    for (name, why) in [
        ("a".repeat(256), "256 bytes long; at most 255"),
        ("é".repeat(128), "256 bytes long; at most 255"),
        (deep, "1205 bytes long; at most 1024"),
    ] {
        let reply = put(&mut conn, &name, b"evil");
        let reason = reply.error.unwrap_or_default();
        assert!(
            reason.contains(why),
            "put of {} bytes: {reason:?}",
            name.len()
        );
        let (reply, _) = get(&mut conn, &name);
        assert_eq!(reply.status, Status::Error);
    }
    assert_eq!(snapshot(scratch.path()), before);
}

/// The longest part allowed, 255 bytes, goes up and comes back: the temporary
/// file it is written to first has a name of its own, not one longer than it.
#[test]
fn a_name_of_255_bytes_round_trips() {
    let scratch = ScratchDir::new("lesson08-255");
    let play = scratch.playground(lesson_dir());
    let (_server, addr) = server(&play).start_server();
    let mut conn = connect_raw(addr);
    for name in ["n".repeat(255), format!("{}x.txt", "é".repeat(125))] {
        assert_eq!(name.len(), 255);
        let reply = put(&mut conn, &name, b"the longest name");
        assert_eq!(reply.status, Status::Ok, "put: {reply:?}");
        let (reply, body) = get(&mut conn, &name);
        assert_eq!(reply.status, Status::Ok, "get: {reply:?}");
        assert_eq!(body, b"the longest name");
        let saved = play.server.join("ftp-root").join(&name);
        assert_eq!(fs::read(saved).unwrap(), b"the longest name");
    }
}

#[test]
fn allowed_names_round_trip() {
    let scratch = ScratchDir::new("lesson08-allowed");
    let play = scratch.playground(lesson_dir());
    fs::create_dir(play.server.join("ftp-root/docs")).unwrap();
    let (_server, addr) = server(&play).start_server();
    let mut conn = connect_raw(addr);
    for &name in ALLOWED {
        let data = format!("this is {name}");
        let reply = put(&mut conn, name, data.as_bytes());
        assert_eq!(reply.status, Status::Ok, "put {name:?}: {reply:?}");
        let (reply, body) = get(&mut conn, name);
        assert_eq!(reply.status, Status::Ok, "get {name:?}: {reply:?}");
        assert_eq!(body, data.as_bytes(), "get {name:?}");
    }
}

/// A name with a newline in it, and the line it would like to add to the log.
const FAKE: &str = "x\nput welcome.txt: saved, sha256 0123456789abcdef";

/// Names (and commands) reach the log and the replies escaped: a newline shows
/// as `\n`, and the server's output has no line that the client wrote.
#[test]
fn a_name_cannot_write_lines_into_the_log() {
    let scratch = ScratchDir::new("lesson08-log");
    let play = scratch.playground(lesson_dir());
    let (mut server, addr) = server(&play).start_server();
    let mut conn = connect_raw(addr);
    let reply = put(&mut conn, FAKE, b"evil");
    assert_eq!(reply.status, Status::Error, "{reply:?}");
    assert!(!reply.error.unwrap_or_default().contains('\n'));
    let (reply, _) = get(&mut conn, FAKE);
    assert!(!reply.error.unwrap_or_default().contains('\n'));
    let request = Request {
        command: FAKE.into(),
        name: FAKE.into(),
        ..Request::default()
    };
    conn.send(&request, b"").unwrap();
    assert_eq!(conn.read_reply().unwrap().status, Status::Error);
    drop(conn);
    server.wait_for_text("client left");
    let out = server.kill();
    let escaped = "x\\nput welcome.txt: saved, sha256 0123456789abcdef";
    assert!(
        out.stdout.contains(&format!("refused put {escaped}: ")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(&format!("refused {escaped} {escaped}: ")),
        "{}",
        out.stdout
    );
    for line in out.stdout.lines() {
        assert!(
            !line.starts_with("put welcome.txt"),
            "a line the client wrote: {line:?}\n{}",
            out.stdout
        );
    }
}

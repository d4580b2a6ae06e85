//! Clients that break the rules on purpose: silent, dripping, oversized,
//! malformed, not reading, or many at once. Each costs the server one closed
//! connection at most; the others go on being served.

use std::io::{Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use lesson_11::protocol::{Request, Status};
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

/// A connection that never logs in holds a place only until the login time
/// (here the idle timeout, 1 s, which is shorter): then it is told why and
/// closed, and its place goes to the next client.
#[test]
fn hostile_a_silent_stranger_is_closed_and_its_place_freed() {
    let world = World::new("hostile-silent");
    world.add_user("alice", "1MiB");
    let server = world.start(&["--idle-timeout", "1", "--max-sessions", "1"]);
    let mut silent = Raw::connect(server.addr);
    assert_eq!(silent.greeting.status, Status::Ok);
    let reply = assert_closed_with(&mut silent, "timeout");
    assert_eq!(reply.error.as_deref(), Some("no login within 1 s"));
    Raw::login(server.addr, "alice"); // the one place is free again
}

/// A login sent one byte every 100 ms never completes within the 1 s limit:
/// the server counts from when it started waiting, not from the last byte.
#[test]
fn hostile_a_dripped_request_is_cut_off() {
    let world = World::new("hostile-drip");
    world.add_user("alice", "1MiB");
    let server = world.start(&["--idle-timeout", "1"]);
    let mut raw = Raw::connect(server.addr);
    let mut bytes = Vec::new();
    lesson_07::frame::write_header(&mut bytes, &login("alice", PASSWORD)).unwrap();
    let started = Instant::now();
    // Drip until the server hangs up (a write fails) or the request is sent:
    // with 100 ms a byte, the header takes seconds, far over the limit.
    for byte in bytes {
        if raw.writer.get_mut().write_all(&[byte]).is_err() {
            break;
        }
        thread::sleep(Duration::from_millis(100)); // the drip itself, not a wait
        if started.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    assert_closed_with(&mut raw, "timeout");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "cut off too late"
    );
}

/// A header that announces 100 MB is refused before anything is allocated;
/// a header that is not a JSON object, or not JSON, too. Each is answered
/// with bad-request and closed, and the server serves the next client.
#[test]
fn hostile_oversized_and_malformed_headers_are_refused() {
    let world = World::new("hostile-malformed");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let frames: [(&str, Vec<u8>); 4] = [
        ("a 100 MB header", 100_000_000u32.to_be_bytes().to_vec()),
        (
            "a JSON array",
            lesson_07::frame::frame_bytes("[1,2,3]", b""),
        ),
        (
            "not JSON",
            lesson_07::frame::frame_bytes("hello there", b""),
        ),
        (
            "no command",
            lesson_07::frame::frame_bytes(r#"{"body_size":0}"#, b""),
        ),
    ];
    for (what, bytes) in frames {
        let mut raw = Raw::connect(server.addr);
        raw.writer.get_mut().write_all(&bytes).unwrap();
        let reply = assert_closed_with(&mut raw, "bad-request");
        assert!(reply.error.is_some(), "{what}: {reply:?}");
    }
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(raw.put("after.bin", b"still serving").1.status, Status::Ok);
}

/// A client that asks for a large file and never reads it is cut off after
/// the idle timeout; meanwhile, and after, another user is served.
#[test]
fn hostile_a_client_that_stops_reading_is_cut_off() {
    let world = World::new("hostile-deaf");
    world.add_user("alice", "100MiB");
    world.add_user("bob", "1MiB");
    let mut server = world.start(&["--idle-timeout", "1"]);
    let big = content(32 << 20, 1);
    assert_eq!(
        Raw::login(server.addr, "alice")
            .put("big.bin", &big)
            .1
            .status,
        Status::Ok
    );

    let mut deaf = Raw::login(server.addr, "alice");
    deaf.send(&Request::new("get").path("big.bin"), b"")
        .unwrap();
    let mut bob = Raw::login(server.addr, "bob");
    assert_eq!(bob.put("b.txt", b"bob is served").1.status, Status::Ok);
    server.proc.wait_for_text("the peer read nothing for 1 s");
    let mut other = Raw::login(server.addr, "bob");
    assert_eq!(other.get("b.txt", b"").1, b"bob is served");
    // What the deaf client finally reads ends early: the server gave up.
    let mut rest = Vec::new();
    let _ = deaf.reader.read_to_end(&mut rest);
    assert!(
        rest.len() < big.len(),
        "the whole file was sent to a deaf client"
    );
}

/// Fifty connections at once against five places: exactly five are greeted,
/// the other forty-five are told the server is full, and nobody waits.
#[test]
fn hostile_a_flood_of_connections_gets_five_places() {
    let world = World::new("hostile-flood");
    let server = world.start(&["--max-sessions", "5"]);
    let addr = server.addr;
    let floods: Vec<_> = (0..50)
        .map(|_| thread::spawn(move || Raw::connect(addr)))
        .collect();
    let raws: Vec<Raw> = floods.into_iter().map(|t| t.join().unwrap()).collect();
    let greeted = raws
        .iter()
        .filter(|r| r.greeting.status == Status::Ok)
        .count();
    let full = raws
        .iter()
        .filter(|r| r.greeting.code.as_deref() == Some("full"))
        .count();
    assert_eq!((greeted, full), (5, 45));
}

/// Frames that carry a body where none belongs: a `data` before any login
/// (its body must not be read as the next request), and a `done` with a body.
/// Each is answered with bad-request and closed, never read out of step.
#[test]
fn hostile_a_body_out_of_place_is_refused_and_closed() {
    let world = World::new("hostile-body");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    // The body is a whole login frame: read as a request, it would log in.
    let mut smuggled = Vec::new();
    lesson_07::frame::write_header(&mut smuggled, &login("alice", PASSWORD))
        .unwrap();
    let mut raw = Raw::connect(server.addr);
    let early = Request {
        body_size: smuggled.len() as u64,
        ..Request::new("data")
    };
    raw.send(&early, &smuggled).unwrap();
    assert_closed_with(&mut raw, "bad-request");

    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(raw.call(&put("a.bin", 5)).status, Status::Ok);
    raw.send(&data(0, 5), b"hello").unwrap();
    let done = Request {
        body_size: smuggled.len() as u64,
        ..done(&lesson_11::transfer::sha256_of(b"hello"))
    };
    raw.send(&done, &smuggled).unwrap();
    assert_closed_with(&mut raw, "bad-request");
    assert!(!world.home("alice").join("a.bin").exists());
}

/// Bytes on the server's disk for a user: the home and the kept partials,
/// links not followed (what `used` must match).
fn on_disk(world: &World, user: &str) -> u64 {
    lesson_11::accounts::bytes_under(&world.home(user))
        + lesson_11::accounts::bytes_under(&world.partial(user))
}

/// Someone on the server's machine swaps alice's folder for a link to the
/// outside while her upload into it is under way: the rename is checked again
/// at the end, so the file lands nowhere outside, and `done` says why.
#[cfg(unix)]
#[test]
fn hostile_a_folder_swapped_for_a_link_mid_upload_is_caught() {
    let world = World::new("hostile-swap");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let outside = world.scratch.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(
        raw.call(&Request::new("mkdir").path("docs")).status,
        Status::Ok
    );
    assert_eq!(raw.call(&put("docs/evil.txt", 5)).status, Status::Ok);
    let docs = world.home("alice").join("docs");
    std::fs::rename(&docs, world.home("alice").join("docs.old")).unwrap();
    std::os::unix::fs::symlink(&outside, &docs).unwrap();
    raw.send(&data(0, 5), b"PWNED").unwrap();
    let end = raw.call(&done(&lesson_11::transfer::sha256_of(b"PWNED")));
    assert_eq!(end.code.as_deref(), Some("bad-path"), "{end:?}");
    assert!(
        !outside.join("evil.txt").exists(),
        "written outside the home"
    );
}

/// A link inside the home, uploaded over: the rename replaces the link, not
/// the file it points to, so nothing is freed, and `used` stays what the disk
/// holds.
#[cfg(unix)]
#[test]
fn hostile_uploading_over_a_link_frees_nothing() {
    let world = World::new("hostile-link-quota");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(
        raw.put("big.bin", &content(600_000, 1)).1.status,
        Status::Ok
    );
    std::os::unix::fs::symlink("big.bin", world.home("alice").join("L")).unwrap();
    assert_eq!(raw.put("L", b"x").1.status, Status::Ok);
    assert_eq!(raw.ls(None).0.used, Some(on_disk(&world, "alice")));
    let refused = raw.call(&put("more.bin", 600_000));
    assert_eq!(refused.code.as_deref(), Some("quota"), "{refused:?}");
}

/// A second session's `put` of a file the first is uploading is refused as
/// busy, and touches nothing: the first upload goes on and is saved.
#[test]
fn hostile_a_busy_put_leaves_the_upload_under_way_alone() {
    let world = World::new("hostile-busy");
    world.add_user("alice", "10MiB");
    let mut server = world.start(&[]);
    let file = content(2 << 20, 2);
    let mut first = Raw::login(server.addr, "alice");
    assert_eq!(
        first.call(&put("f.bin", file.len() as u64)).status,
        Status::Ok
    );
    first
        .send(&data(0, file.len() as u64), &file[..1 << 20])
        .unwrap();
    server.proc.wait_for_text("put /f.bin: receiving");
    let partial = world.partial("alice").join("f.bin");
    eventually("the first upload has bytes on the disk", || {
        std::fs::metadata(&partial).is_ok_and(|m| m.len() > 0)
    });
    let mut second = Raw::login(server.addr, "alice");
    let busy = second.call(&put("f.bin", 10));
    assert_eq!(busy.code.as_deref(), Some("busy"), "{busy:?}");
    use std::io::Write;
    first.writer.write_all(&file[1 << 20..]).unwrap();
    let end = first.call(&done(&lesson_11::transfer::sha256_of(&file)));
    assert_eq!(end.status, Status::Ok, "{end:?}");
    assert_eq!(second.ls(None).0.used, Some(on_disk(&world, "alice")));
}

/// A kept partial upload holds its name: `mkdir` of it is refused, so the
/// upload can still be resumed and finished.
#[test]
fn hostile_mkdir_over_a_kept_partial_is_refused() {
    let world = World::new("hostile-partial-name");
    world.add_user("alice", "1MiB");
    let mut server = world.start(&[]);
    let file = content(1000, 3);
    {
        let mut raw = Raw::login(server.addr, "alice");
        assert_eq!(raw.call(&put("x", 1000)).status, Status::Ok);
        raw.send(&data(0, 1000), &file[..500]).unwrap();
    }
    server.proc.wait_for_text("interrupted");
    let mut raw = Raw::login(server.addr, "alice");
    let made = raw.call(&Request::new("mkdir").path("x"));
    assert_eq!(made.code.as_deref(), Some("exists"), "{made:?}");
    let (offer, end) = raw.put("x", &file);
    assert_eq!(
        (offer.offset, end.status),
        (Some(500), Status::Ok),
        "{end:?}"
    );
}

/// A broken accounts file is the server's problem: a stranger is told the
/// server cannot check logins, not where its files are or who its users are.
#[test]
fn hostile_a_broken_accounts_file_reveals_nothing() {
    let world = World::new("hostile-users-json");
    world.add_user("alice", "1MiB");
    let mut server = world.start(&[]);
    std::fs::write(world.root.join("users.json"), "{\"users\": [").unwrap();
    let mut raw = Raw::connect(server.addr);
    let reply = raw.call(&login("alice", PASSWORD));
    assert_eq!(reply.code.as_deref(), Some("server-error"), "{reply:?}");
    let words = reply.error.unwrap_or_default();
    assert!(
        !words.contains("users.json") && !words.contains('/'),
        "{words}"
    );
    server.proc.wait_for_text("users.json"); // the details are in the log
}

//! Requirement 7: put and get with integrity. Files of any size are streamed,
//! their SHA-256 checked, and an upload appears under its name only once it is
//! whole and verified; until then the old version stays as it was.

use std::fs;

use lesson_11::protocol::{Request, Status};
use lesson_11::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

/// A 5 MiB file goes up and comes back byte for byte, and both sides name the
/// same digest: the server's in `done`'s reply, and in the get's trailer.
#[test]
fn r7_a_file_goes_up_and_comes_back_the_same() {
    let world = World::new("r7-round-trip");
    world.add_user("alice", "100MiB");
    let server = world.start(&[]);
    let file = content(5 << 20, 7);
    let mut raw = Raw::login(server.addr, "alice");
    let (offer, end) = raw.put("five.bin", &file);
    assert_eq!(offer.offset, Some(0), "{offer:?}");
    assert_eq!(
        end.sha256.as_deref(),
        Some(sha256_of(&file).as_str()),
        "{end:?}"
    );
    assert_eq!(end.size, Some(file.len() as u64));

    let (reply, body, trailer) = raw.get("five.bin", b"");
    assert_eq!(
        (reply.size, reply.offset),
        (Some(file.len() as u64), Some(0))
    );
    assert!(body == file, "the body differs from the file uploaded");
    assert_eq!(trailer.unwrap().sha256, Some(sha256_of(&file)));
}

/// A `done` whose digest does not match what arrived: refused as damaged,
/// nothing under the name, the partial thrown away, the quota given back.
#[test]
fn r7_a_damaged_upload_is_not_saved() {
    let world = World::new("r7-damaged");
    world.add_user("alice", "10MiB");
    let server = world.start(&[]);
    let file = content(300_000, 1);
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(
        raw.call(&put("d.bin", file.len() as u64)).status,
        Status::Ok
    );
    raw.send(&data(0, file.len() as u64), &file).unwrap();
    let end = raw.call(&done(&sha256_of(b"something else")));
    assert_eq!(end.code.as_deref(), Some("damaged"), "{end:?}");
    assert!(!world.home("alice").join("d.bin").exists());
    assert!(!world.partial("alice").join("d.bin").exists());
    assert_eq!(raw.ls(None).0.used, Some(0));
}

/// While a new version of a file is arriving, the old one is what a get
/// sends; the new one replaces it in one step, once verified.
#[test]
fn r7_the_old_version_stays_until_the_new_one_is_verified() {
    let world = World::new("r7-replace");
    world.add_user("alice", "10MiB");
    let server = world.start(&[]);
    let (old, new) = (content(200_000, 1), content(300_000, 2));
    let mut writer = Raw::login(server.addr, "alice");
    assert_eq!(writer.put("f.bin", &old).1.status, Status::Ok);

    assert_eq!(
        writer.call(&put("f.bin", new.len() as u64)).status,
        Status::Ok
    );
    writer
        .send(&data(0, new.len() as u64), &new[..150_000])
        .unwrap();
    let mut reader = Raw::login(server.addr, "alice");
    assert!(
        reader.get("f.bin", b"").1 == old,
        "a get saw a half-written file"
    );

    writer.stream().set_nodelay(true).unwrap();
    use std::io::Write;
    writer.writer.write_all(&new[150_000..]).unwrap();
    assert_eq!(writer.call(&done(&sha256_of(&new))).status, Status::Ok);
    assert!(
        reader.get("f.bin", b"").1 == new,
        "the new version is not in place"
    );
    assert!(fs::read(world.home("alice").join("f.bin")).unwrap() == new);
}

/// A way for a client to break the protocol.
type BreakIt<'a> = Box<dyn Fn(&mut Raw) + 'a>;

/// Breaking the protocol in the middle of a transfer is answered with
/// bad-request, and the connection is closed: a `data` at an offset the
/// server did not offer, a `data` or `done` without a `put`, a body on a
/// request that has none. The server goes on serving others.
#[test]
fn r7_a_transfer_out_of_turn_is_refused_and_closed() {
    let world = World::new("r7-out-of-turn");
    world.add_user("alice", "10MiB");
    let server = world.start(&[]);
    let file = content(1000, 1);
    let cases: Vec<(&str, BreakIt)> = vec![
        (
            "data at an offset not offered",
            Box::new(|raw: &mut Raw| {
                raw.call(&put("a.bin", 1000));
                raw.send(&data(10, 1000), &file[10..]).unwrap();
            }),
        ),
        (
            "data with no put",
            Box::new(|raw: &mut Raw| raw.send(&data(0, 1000), &file).unwrap()),
        ),
        (
            "done with no put",
            Box::new(|raw: &mut Raw| {
                raw.send(&done(&sha256_of(&file)), b"").unwrap()
            }),
        ),
        (
            "a body on pwd",
            Box::new(|raw: &mut Raw| {
                let pwd = Request {
                    body_size: 3,
                    ..Request::new("pwd")
                };
                raw.send(&pwd, b"abc").unwrap();
            }),
        ),
    ];
    for (what, break_it) in cases {
        let mut raw = Raw::login(server.addr, "alice");
        break_it(&mut raw);
        let reply = assert_closed_with(&mut raw, "bad-request");
        assert!(reply.error.is_some(), "{what}: {reply:?}");
    }
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(raw.put("ok.bin", &file).1.status, Status::Ok);
}

/// A get of something that is not a file, or not there, is refused and the
/// connection goes on; so is an unknown command.
#[test]
fn r7_refusals_leave_the_connection_usable() {
    let world = World::new("r7-refusals");
    world.add_user("alice", "10MiB");
    let server = world.start(&[]);
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(
        raw.call(&Request::new("mkdir").path("docs")).status,
        Status::Ok
    );
    let (reply, _, _) = raw.get("docs", b"");
    assert_eq!(reply.code.as_deref(), Some("wrong-kind"), "{reply:?}");
    let (reply, _, _) = raw.get("nothing.bin", b"");
    assert_eq!(reply.code.as_deref(), Some("not-found"), "{reply:?}");
    let reply = raw.call(&Request::new("format-disk"));
    assert_eq!(reply.code.as_deref(), Some("bad-request"), "{reply:?}");
    let reply = raw.call(&Request::new("get"));
    assert_eq!(reply.code.as_deref(), Some("bad-request"), "{reply:?}");
    assert_eq!(raw.put("a.bin", b"hello").1.status, Status::Ok);
}

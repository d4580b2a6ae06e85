//! Requirement 4: a quota per user. An upload that would go over it is refused
//! in the reply to `put`, before a byte of the file is sent; two uploads at the
//! same moment cannot together go over; kept partial uploads count.

use std::fs;
use std::sync::{Arc, Barrier};
use std::thread;

use lesson_11::protocol::{Reply, Status};
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

const KIB: usize = 1024;

#[track_caller]
fn assert_refused(reply: &Reply, code: &str) {
    assert_eq!(
        (reply.status, reply.code.as_deref()),
        (Status::Error, Some(code)),
        "{reply:?}"
    );
}

/// Bytes in a user's home and partial folder, as the disk says.
fn on_disk(world: &World, user: &str) -> u64 {
    lesson_11::accounts::bytes_under(&world.home(user))
        + lesson_11::accounts::bytes_under(&world.partial(user))
}

/// Each user has their own quota: the same upload fits one and not the other,
/// and the refusal comes before any byte is sent, so nothing is written.
#[test]
fn r4_a_put_over_the_quota_is_refused_before_a_byte_is_written() {
    let world = World::new("r4-refused");
    world.add_user("alice", "1MiB");
    world.add_user("bob", "2MiB");
    let server = world.start(&[]);
    let file = content(1536 * KIB, 1);

    let mut alice = Raw::login(server.addr, "alice");
    let refused = alice.call(&put("big.bin", file.len() as u64));
    assert_refused(&refused, "quota");
    assert_eq!(on_disk(&world, "alice"), 0);
    // The connection goes on: the refusal was an answer, not a hang-up.
    assert_eq!(
        alice.call(&lesson_11::protocol::Request::new("pwd")).status,
        Status::Ok
    );

    let mut bob = Raw::login(server.addr, "bob");
    let (_, end) = bob.put("big.bin", &file);
    assert_eq!(end.status, Status::Ok, "{end:?}");
    assert_eq!(fs::read(world.home("bob").join("big.bin")).unwrap(), file);
}

/// An upload reserves what it needs when the server accepts its `put`: a
/// second upload by the same user, asked for while the first has not sent a
/// byte yet, is refused if both would not fit. After the first one ends, the
/// space it did not use is free again.
#[test]
fn r4_two_uploads_at_once_cannot_together_exceed_the_quota() {
    let world = World::new("r4-two");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let (a, b) = (content(600 * KIB, 1), content(600 * KIB, 2));

    let mut first = Raw::login(server.addr, "alice");
    let mut second = Raw::login(server.addr, "alice");
    let offer = first.call(&put("a.bin", a.len() as u64));
    assert_eq!(offer.status, Status::Ok, "{offer:?}");
    // `first` has reserved 600 KiB and sent nothing: `second` must not get it.
    assert_refused(&second.call(&put("b.bin", b.len() as u64)), "quota");
    // A small one still fits beside the reservation.
    let (_, end) = second.put("small.bin", &content(100 * KIB, 3));
    assert_eq!(end.status, Status::Ok, "{end:?}");

    first.send(&data(0, a.len() as u64), &a).unwrap();
    assert_eq!(first.call(&done(&sha256_of_bytes(&a))).status, Status::Ok);
    assert_eq!(on_disk(&world, "alice"), (700 * KIB) as u64);
}

/// Eight sessions of one user start a 300 KiB upload at the same moment into
/// a 1 MiB quota: at most three can fit, and what ends up on the disk never
/// goes over, whatever order the server saw them in.
#[test]
fn r4_a_race_of_uploads_never_goes_over() {
    let world = World::new("r4-race");
    world.add_user("alice", "1MiB");
    let server = world.start(&["--max-sessions", "20"]);
    let start = Arc::new(Barrier::new(8));
    let uploads: Vec<_> = (0..8u8)
        .map(|i| {
            let (addr, start) = (server.addr, Arc::clone(&start));
            thread::spawn(move || {
                let mut raw = Raw::login(addr, "alice");
                let file = content(300 * KIB, i);
                start.wait();
                let (_, end) = raw.put(&format!("f{i}.bin"), &file);
                end.status == Status::Ok
            })
        })
        .collect();
    let saved = uploads
        .into_iter()
        .map(|u| u.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(saved, 3, "three of 300 KiB fit in 1 MiB, a fourth does not");
    assert!(on_disk(&world, "alice") <= 1024 * KIB as u64);
}

/// What an interrupted upload left behind counts: 600 KiB kept for a resume
/// leave too little for another 600 KiB file. The resume itself needs only the
/// missing bytes, so it fits.
#[test]
fn r4_kept_partial_uploads_count() {
    let world = World::new("r4-partial");
    world.add_user("alice", "1MiB");
    let mut server = world.start(&[]);
    let file = content(1000 * KIB, 4);
    {
        let mut raw = Raw::login(server.addr, "alice");
        assert_eq!(
            raw.call(&put("big.bin", file.len() as u64)).status,
            Status::Ok
        );
        raw.send(&data(0, file.len() as u64), &file[..600 * KIB])
            .unwrap();
    } // the connection is dropped mid-file
    server.proc.wait_for_text("interrupted");
    assert_eq!(on_disk(&world, "alice"), (600 * KIB) as u64);

    let mut raw = Raw::login(server.addr, "alice");
    assert_refused(&raw.call(&put("other.bin", (600 * KIB) as u64)), "quota");
    let (offer, end) = raw.put("big.bin", &file);
    assert_eq!(offer.offset, Some((600 * KIB) as u64), "{offer:?}");
    assert_eq!(end.status, Status::Ok, "{end:?}");
    assert_eq!(fs::read(world.home("alice").join("big.bin")).unwrap(), file);
}

/// While a new version uploads, the old file is still on the disk, so both
/// count; once the new one is in place, only it does. `rm` gives space back.
#[test]
fn r4_replacing_and_removing_files_keeps_the_count_right() {
    let world = World::new("r4-replace");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(
        raw.put("a.bin", &content(400 * KIB, 1)).1.status,
        Status::Ok
    );
    // 400 old + 500 new fit in 1 MiB while both exist; then 500 are used.
    assert_eq!(
        raw.put("a.bin", &content(500 * KIB, 2)).1.status,
        Status::Ok
    );
    assert_eq!(raw.ls(None).0.used, Some((500 * KIB) as u64));
    // 500 old + 600 new do not fit at once.
    assert_refused(&raw.call(&put("a.bin", (600 * KIB) as u64)), "quota");
    let removed = raw.call(&lesson_11::protocol::Request::new("rm").path("a.bin"));
    assert_eq!(removed.status, Status::Ok, "{removed:?}");
    assert_eq!(raw.ls(None).0.used, Some(0));
    assert_eq!(
        raw.put("a.bin", &content(1024 * KIB, 3)).1.status,
        Status::Ok
    );
}

/// The count is made from the disk when a user's first session starts, so a
/// restarted server, or an admin who changed the quota, sees the truth.
#[test]
fn r4_the_count_survives_a_restart_and_a_new_quota() {
    let world = World::new("r4-restart");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(
        raw.put("a.bin", &content(700 * KIB, 1)).1.status,
        Status::Ok
    );
    drop(raw);
    drop(server);

    let out = world.admin(&["set-quota", "alice", "2MiB"], "");
    assert!(out.status.success(), "{out:?}");
    let server = world.start(&[]);
    let mut raw = Raw::login(server.addr, "alice");
    let (reply, _) = raw.ls(None);
    assert_eq!(
        (reply.used, reply.quota),
        (Some((700 * KIB) as u64), Some(2 << 20))
    );
    assert_refused(&raw.call(&put("b.bin", (1400 * KIB) as u64)), "quota");
    assert_eq!(
        raw.put("b.bin", &content(1300 * KIB, 2)).1.status,
        Status::Ok
    );
}

fn sha256_of_bytes(bytes: &[u8]) -> String {
    lesson_11::transfer::sha256_of(bytes)
}

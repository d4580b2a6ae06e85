//! Milestone 4: a quota per user (requirement 4). An upload that would go
//! over it is refused in the reply to `put`, before a byte of the file is
//! sent; the bytes of an upload are reserved from its offer on, so two
//! uploads at once cannot together go over; kept partial uploads count; a
//! replaced file counts until the new one is in place; `rm` gives space back.

use std::fs;

use lesson_11::protocol::Request;
use lesson_11::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

const KIB: usize = 1024;

/// Bytes in a user's home as the disk says (links not followed).
fn in_home(world: &World, user: &str) -> u64 {
    lesson_11::accounts::bytes_under(&world.home(user))
}

/// `used`, as `ls` reports it.
fn used(raw: &mut Raw) -> u64 {
    let (reply, _) = raw.ls(None);
    assert_eq!(outcome(&reply), "ok", "ls: {reply:?}");
    reply.used.expect("ls's reply has used")
}

/// A put larger than what is free is refused with `quota` in its reply, and
/// nothing is written; the connection goes on; each user has their own
/// quota; and a put of exactly what is free fits.
#[test]
fn m4_a_put_over_the_quota_is_refused_before_a_byte_is_sent() {
    let world = World::new("m4-refused");
    world.add_user("alice", "1MiB");
    world.add_user("bob", "2MiB");
    let server = world.start(&[]);
    let file = content(1536 * KIB, 1);

    let mut alice = Raw::login(server.addr, "alice");
    let refused = alice.call(&put("big.bin", file.len() as u64));
    assert_eq!(
        outcome(&refused),
        "quota",
        "alice (1 MiB) puts 1.5 MiB: {refused:?}"
    );
    assert_eq!(
        (kept_prefix(&world.root, &file), used(&mut alice)),
        (0, 0),
        "after the refusal: bytes of the file on the server's disk, and used"
    );
    let (_, end) = alice.put("exact.bin", &file[..1024 * KIB]);
    assert_eq!(
        outcome(&end),
        "ok",
        "a put of exactly 1 MiB, all free: {end:?}"
    );
    let one_more = alice.call(&put("byte.bin", 1));
    assert_eq!(
        outcome(&one_more),
        "quota",
        "a put of 1 byte with 1 MiB of 1 MiB used: {one_more:?}"
    );

    let mut bob = Raw::login(server.addr, "bob");
    let (_, end) = bob.put("big.bin", &file);
    assert_eq!(outcome(&end), "ok", "bob (2 MiB) puts 1.5 MiB: {end:?}");
    assert!(
        fs::read(world.home("bob").join("big.bin")).unwrap_or_default() == file,
        "bob's big.bin on the disk differs from what he sent"
    );
}

/// An upload reserves what it needs when its `put` is offered: a second
/// session of the same user, asking while the first has not sent a byte, is
/// refused if both would not fit, while a small upload still fits beside it.
/// Once the first ends, the count is what the disk holds.
#[test]
fn m4_two_uploads_at_once_cannot_together_exceed_the_quota() {
    let world = World::new("m4-two");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let (a, b) = (content(600 * KIB, 1), content(600 * KIB, 2));

    let mut first = Raw::login(server.addr, "alice");
    let mut second = Raw::login(server.addr, "alice");
    let offer = first.call(&put("a.bin", a.len() as u64));
    assert_eq!(outcome(&offer), "ok", "the first put of 600 KiB: {offer:?}");
    let refused = second.call(&put("b.bin", b.len() as u64));
    assert_eq!(
        outcome(&refused),
        "quota",
        "another session's put of 600 KiB, while the first holds its offer \
         of 600 KiB in a quota of 1 MiB: {refused:?}"
    );
    let (_, end) = second.put("small.bin", &content(100 * KIB, 3));
    assert_eq!(
        outcome(&end),
        "ok",
        "a put of 100 KiB beside the offered 600 KiB: {end:?}"
    );

    first.send(&data(0, a.len() as u64), &a).unwrap();
    let end = first.call(&done(&sha256_of(&a)));
    assert_eq!(outcome(&end), "ok", "the first upload's done: {end:?}");
    assert_eq!(
        (used(&mut second), in_home(&world, "alice")),
        ((700 * KIB) as u64, (700 * KIB) as u64),
        "used, and the bytes in alice's home"
    );
}

/// Eight sessions of one user start a 300 KiB upload at the same moment into
/// a 1 MiB quota: exactly three fit, whatever order the server saw them in,
/// and the disk never holds more than the quota.
#[test]
fn m4_a_race_of_eight_uploads_never_goes_over() {
    let world = World::new("m4-race");
    world.add_user("alice", "1MiB");
    let server = world.start(&["--max-sessions", "20"]);
    let addr = server.addr;
    let answers = at_the_same_moment(
        8,
        |_| Raw::login(addr, "alice"),
        |i, mut raw| {
            let file = content(300 * KIB, i as u8);
            let (offer, end) = raw.put(&format!("f{i}.bin"), &file);
            if outcome(&offer) == "ok" {
                outcome(&end)
            } else {
                outcome(&offer)
            }
        },
    );
    let mut answers: Vec<String> = answers
        .into_iter()
        .map(|answer| answer.unwrap_or_else(|why| format!("(failed: {why})")))
        .collect();
    answers.sort();
    assert_eq!(
        answers,
        [
            "ok", "ok", "ok", "quota", "quota", "quota", "quota", "quota"
        ],
        "eight puts of 300 KiB at once into 1 MiB: three fit, five do not"
    );
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(
        (used(&mut raw), in_home(&world, "alice")),
        ((900 * KIB) as u64, (900 * KIB) as u64),
        "used, and the bytes in alice's home"
    );
}

/// What an interrupted upload left on the server's disk counts: 600 KiB kept
/// of a 1000 KiB upload show in `used`, and leave too little for another
/// 600 KiB file.
#[test]
fn m4_kept_partial_uploads_count() {
    let world = World::new("m4-partial");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let file = content(1000 * KIB, 4);
    interrupt_put(&world, server.addr, "alice", "big.bin", &file, 600 * KIB);

    let mut raw = Raw::login(server.addr, "alice");
    let kept = (600 * KIB) as u64;
    assert_eq!(
        settle(&kept, || used(&mut raw)),
        kept,
        "used, once the server has given up the upload cut after 600 KiB"
    );
    let refused = raw.call(&put("other.bin", (600 * KIB) as u64));
    assert_eq!(
        outcome(&refused),
        "quota",
        "a put of 600 KiB beside 600 KiB kept, in 1 MiB: {refused:?}"
    );
    let (_, end) = raw.put("small.bin", &content(400 * KIB, 5));
    assert_eq!(
        outcome(&end),
        "ok",
        "a put of 400 KiB beside 600 KiB kept, in 1 MiB: {end:?}"
    );
}

/// While a new version uploads, the old file is still on the disk, so both
/// count; once the new one is in place, only it does; `rm` gives its space
/// back.
#[test]
fn m4_a_replaced_file_counts_until_it_is_replaced() {
    let world = World::new("m4-replace");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let mut raw = Raw::login(server.addr, "alice");
    let (_, end) = raw.put("a.bin", &content(400 * KIB, 1));
    assert_eq!(outcome(&end), "ok", "put a.bin, 400 KiB: {end:?}");
    let (_, end) = raw.put("a.bin", &content(500 * KIB, 2));
    assert_eq!(
        outcome(&end),
        "ok",
        "a.bin replaced by 500 KiB (400 old + 500 new fit in 1 MiB): {end:?}"
    );
    assert_eq!(used(&mut raw), (500 * KIB) as u64, "used once replaced");
    let refused = raw.call(&put("a.bin", (600 * KIB) as u64));
    assert_eq!(
        outcome(&refused),
        "quota",
        "a.bin replaced by 600 KiB (500 old + 600 new do not fit): {refused:?}"
    );
    let removed = raw.call(&Request::new("rm").path("a.bin"));
    assert_eq!(outcome(&removed), "ok", "rm a.bin: {removed:?}");
    assert_eq!(used(&mut raw), 0, "used after rm a.bin");
    let (_, end) = raw.put("a.bin", &content(1024 * KIB, 3));
    assert_eq!(outcome(&end), "ok", "a put of the whole 1 MiB: {end:?}");
}

/// `used` follows every put (a new file, a replaced one), every rm, and a
/// damaged upload gives back all it reserved; a new session starts from the
/// same count.
#[test]
fn m4_used_follows_puts_and_rms() {
    let world = World::new("m4-used");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let mut raw = Raw::login(server.addr, "alice");
    let mut seen = vec![("at first", used(&mut raw))];
    raw.put("a.bin", &content(1000, 1));
    seen.push(("put a.bin, 1000 bytes", used(&mut raw)));
    raw.put("b.bin", &content(500, 2));
    seen.push(("put b.bin, 500 bytes", used(&mut raw)));
    raw.put("a.bin", &content(200, 3));
    seen.push(("a.bin replaced by 200 bytes", used(&mut raw)));
    let offer = raw.call(&put("c.bin", 300));
    if outcome(&offer) == "ok" {
        raw.send(&data(0, 300), &content(300, 4)).unwrap();
        raw.call(&done(&sha256_of(b"other bytes")));
    }
    seen.push(("a damaged put of 300 bytes", used(&mut raw)));
    raw.call(&Request::new("rm").path("a.bin"));
    seen.push(("rm a.bin", used(&mut raw)));
    let mut other = Raw::login(server.addr, "alice");
    seen.push(("in another session", used(&mut other)));
    other.call(&Request::new("rm").path("b.bin"));
    seen.push(("rm b.bin there", used(&mut raw)));
    assert_eq!(
        seen,
        [
            ("at first", 0),
            ("put a.bin, 1000 bytes", 1000),
            ("put b.bin, 500 bytes", 1500),
            ("a.bin replaced by 200 bytes", 700),
            ("a damaged put of 300 bytes", 700),
            ("rm a.bin", 500),
            ("in another session", 500),
            ("rm b.bin there", 0),
        ],
        "used after each step"
    );
}

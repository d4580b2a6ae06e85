//! Milestone 6: resume, on the server (requirement 9). An interrupted upload
//! keeps every byte that arrived, and the next `put` of its path offers them
//! with their SHA-256; the client continues from there (only the missing
//! bytes need room in the quota) or starts again from 0; bytes that do not
//! continue the file end `damaged`; a `get` continues from an offset whose
//! prefix it proves; and what was kept survives a server that was killed.

use std::fs;

use lesson_11::protocol::{Entry, Kind, Request};
use lesson_11::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

const KIB: usize = 1024;
const MIB: usize = 1 << 20;

fn entry(name: &str, kind: Kind, size: usize) -> Entry {
    Entry {
        name: name.into(),
        kind,
        size: size as u64,
    }
}

/// alice, with `quota`, and a server of her own.
fn world(label: &str, quota: &str) -> (World, Server) {
    let world = World::new(label);
    world.add_user("alice", quota);
    let server = world.start(&[]);
    (world, server)
}

/// `used`, as `ls` reports it.
fn used(raw: &mut Raw) -> u64 {
    raw.ls(None).0.used.expect("ls's reply has used")
}

/// An upload cut after 600 KiB and 123 bytes of 1000 KiB: every byte that
/// arrived is on the server's disk (none under the file's name), `ls` shows
/// it as a `partial` of that size, and the next `put` offers that offset
/// with the SHA-256 of those bytes. The rest, from there, completes a file
/// that verifies whole; it needs only the missing bytes of the 1 MiB quota.
#[test]
fn m6_an_interrupted_put_keeps_every_byte_that_arrived_and_offers_them() {
    let (world, server) = world("m6-resume", "1MiB");
    let file = content(1000 * KIB, 9);
    let sent = 600 * KIB + 123;
    interrupt_put(&world, server.addr, "alice", "big.bin", &file, sent);
    assert!(
        !world.home("alice").join("big.bin").exists(),
        "an interrupted upload is in alice's home under its name"
    );

    let mut raw = Raw::login(server.addr, "alice");
    let (_, entries) = raw.ls(None);
    assert_eq!(
        entries,
        [entry("big.bin", Kind::Partial, sent)],
        "ls after the upload was cut after {sent} bytes"
    );
    // Once the server has given the upload up, only the kept bytes count.
    assert_eq!(
        settle(&(sent as u64), || used(&mut raw)),
        sent as u64,
        "used, with {sent} bytes kept"
    );
    let offer = raw.call_while_busy(&put("big.bin", file.len() as u64));
    assert_eq!(
        (
            outcome(&offer),
            offer.path.as_deref(),
            offer.offset,
            offer.prefix_sha256
        ),
        (
            "ok".into(),
            Some("/big.bin"),
            Some(sent as u64),
            Some(sha256_of(&file[..sent]))
        ),
        "the offer for put big.bin again (status, path, offset, \
         prefix_sha256); 1000 KiB, of which {sent} bytes are kept, in 1 MiB"
    );
    raw.send(&data(sent as u64, file.len() as u64), &file[sent..])
        .unwrap();
    let end = raw.call(&done(&sha256_of(&file)));
    assert_eq!(
        (outcome(&end), end.size, end.sha256),
        ("ok".into(), Some(file.len() as u64), Some(sha256_of(&file))),
        "done after the rest, from the offset (status, size, sha256)"
    );
    assert!(
        fs::read(world.home("alice").join("big.bin")).unwrap_or_default() == file,
        "the resumed big.bin on the disk differs from the file"
    );
    let (reply, entries) = raw.ls(None);
    assert_eq!(
        (entries, reply.used),
        (
            vec![entry("big.bin", Kind::File, file.len())],
            Some(file.len() as u64)
        ),
        "ls after the resumed upload (entries, used)"
    );
}

/// After an offer of kept bytes, `data` from 0 starts over: the kept bytes
/// are thrown away, the file saved is the one sent, and only it counts.
#[test]
fn m6_data_from_0_after_an_offer_starts_over() {
    let (world, server) = world("m6-restart", "10MiB");
    let old = content(2 * MIB, 1);
    interrupt_put(&world, server.addr, "alice", "f.bin", &old, MIB);

    let new = content(2 * MIB, 2);
    let mut raw = Raw::login(server.addr, "alice");
    let offer = raw.call_while_busy(&put("f.bin", new.len() as u64));
    assert_eq!(
        (outcome(&offer), offer.offset),
        ("ok".into(), Some(MIB as u64)),
        "the offer of the kept MiB (status, offset): {offer:?}"
    );
    raw.send(&data(0, new.len() as u64), &new).unwrap();
    let end = raw.call(&done(&sha256_of(&new)));
    assert_eq!(
        (outcome(&end), end.sha256),
        ("ok".into(), Some(sha256_of(&new))),
        "done after data from 0 (status, sha256)"
    );
    assert!(
        fs::read(world.home("alice").join("f.bin")).unwrap_or_default() == new,
        "f.bin on the disk is not the file sent from 0"
    );
    assert_eq!(
        (kept_prefix(&world.root, &old), used(&mut raw)),
        (0, new.len() as u64),
        "after it: bytes of the old upload on the server's disk, and used"
    );
}

/// A client that claims the offered prefix but sends the rest of another
/// file, with the digest of this one, ends `damaged`: nothing is saved, and
/// the kept bytes are thrown away (the next put is offered 0).
#[test]
fn m6_a_resume_with_wrong_bytes_is_damaged() {
    let (world, server) = world("m6-wrong-bytes", "10MiB");
    let file = content(MIB, 7);
    interrupt_put(&world, server.addr, "alice", "f.bin", &file, MIB / 2);
    let mut raw = Raw::login(server.addr, "alice");
    let offer = raw.call_while_busy(&put("f.bin", file.len() as u64));
    assert_eq!(
        (outcome(&offer), offer.offset),
        ("ok".into(), Some((MIB / 2) as u64)),
        "the offer of the kept half (status, offset): {offer:?}"
    );
    let other = content(MIB, 8);
    raw.send(&data((MIB / 2) as u64, MIB as u64), &other[MIB / 2..])
        .unwrap();
    let end = raw.call(&done(&sha256_of(&file)));
    assert_eq!(
        outcome(&end),
        "damaged",
        "done after the rest of another file: {end:?}"
    );
    assert!(
        !world.home("alice").join("f.bin").exists(),
        "a damaged resume was saved"
    );
    let again = raw.call(&put("f.bin", file.len() as u64));
    assert_eq!(
        (outcome(&again), again.offset),
        ("ok".into(), Some(0)),
        "the next put of f.bin (status, offset): {again:?}"
    );
}

/// A kept partial upload shows in `ls` as `partial` with the bytes held, after
/// the file of the same name; it counts in `used`, holds its name against
/// `mkdir` (`exists`) and its folder against `rm` (`not-empty`); `rm` of its
/// name removes it, and the file of that name, and names what it removed.
#[test]
fn m6_a_kept_partial_is_listed_and_rm_removes_it() {
    const SIZE: usize = 256 * KIB;
    const HALF: usize = SIZE / 2;
    let (world, server) = world("m6-partial", "1MiB");
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(
        outcome(&raw.call(&Request::new("mkdir").path("docs"))),
        "ok"
    );
    assert_eq!(outcome(&raw.put("both.bin", &content(100, 9)).1), "ok");
    for (path, seed) in [("big.iso", 1), ("docs/half.bin", 2), ("both.bin", 3)] {
        let file = content(SIZE, seed);
        interrupt_put(&world, server.addr, "alice", path, &file, HALF);
    }
    let expected = (100 + 3 * HALF) as u64;
    assert_eq!(
        settle(&expected, || used(&mut raw)),
        expected,
        "used with a file of 100 bytes and three partials of {HALF}"
    );
    let (_, entries) = raw.ls(None);
    assert_eq!(
        entries,
        [
            entry("big.iso", Kind::Partial, HALF),
            entry("both.bin", Kind::File, 100),
            entry("both.bin", Kind::Partial, HALF),
            entry("docs", Kind::Folder, 0),
        ],
        "ls of the home"
    );
    let (_, entries) = raw.ls(Some("docs"));
    assert_eq!(entries, [entry("half.bin", Kind::Partial, HALF)], "ls docs");

    let steps = [
        ("mkdir", "big.iso", "exists"),
        ("rm", "docs", "not-empty"),
        ("rm", "big.iso", "ok"),
        ("rm", "big.iso", "not-found"),
        ("rm", "both.bin", "ok"),
        ("rm", "docs/half.bin", "ok"),
        ("rm", "docs", "ok"),
    ];
    let actual: Vec<_> = steps
        .iter()
        .map(|&(command, path, _)| {
            let reply = raw.call(&Request::new(command).path(path));
            let code = outcome(&reply);
            let at = reply.path.filter(|_| code == "ok");
            format!("{command} {path} → {code}, path {at:?}")
        })
        .collect();
    let wanted: Vec<_> = steps
        .iter()
        .map(|(command, path, code)| {
            let at = (*code == "ok").then(|| format!("/{path}"));
            format!("{command} {path} → {code}, path {at:?}")
        })
        .collect();
    assert_eq!(
        actual, wanted,
        "each step, in turn (the code, and the path an rm names)"
    );
    let (reply, entries) = raw.ls(None);
    assert_eq!(
        (reply.used, entries),
        (Some(0), vec![]),
        "ls after removing them all (used, entries)"
    );
    assert_eq!(
        lesson_11::accounts::bytes_under(&world.root.join("homes")),
        0,
        "bytes left in the homes"
    );
    for (size, seed) in [(SIZE, 1), (SIZE, 2), (SIZE, 3)] {
        assert_eq!(
            kept_prefix(&world.root, &content(size, seed)),
            0,
            "a removed partial is still on the server's disk"
        );
    }
}

/// A get with a matching prefix starts at its offset and sends only the
/// rest, with the whole file's digest in the trailer. A prefix that does
/// not match (other bytes, or the right digest in capitals), or an offset
/// past the end, starts at 0. An offset without a prefix is a bad request,
/// and the connection goes on.
#[test]
fn m6_a_get_continues_from_a_proved_prefix() {
    let (world, server) = world("m6-get", "10MiB");
    let file = content(2 * MIB, 5);
    fs::write(world.home("alice").join("f.bin"), &file).unwrap();
    let mut raw = Raw::login(server.addr, "alice");
    let whole = sha256_of(&file);
    let held = 700_001;

    let mut request = Request::new("get").path("f.bin");
    request.offset = Some(held as u64);
    request.prefix_sha256 = Some(sha256_of(&file[..held]));
    let mut cases = vec![("the right prefix", request.clone(), held)];
    let mut other = request.clone();
    other.prefix_sha256 = Some(sha256_of(&content(held, 6)));
    cases.push(("another file's prefix", other, 0));
    let mut capitals = request.clone();
    capitals.prefix_sha256 = Some(sha256_of(&file[..held]).to_uppercase());
    cases.push(("the right digest in capitals", capitals, 0));
    let mut past = request.clone();
    past.offset = Some(file.len() as u64 + 1);
    cases.push(("an offset past the end", past, 0));
    let mut all = request.clone();
    all.offset = Some(file.len() as u64);
    all.prefix_sha256 = Some(whole.clone());
    cases.push(("the whole file as the prefix", all, file.len()));

    for (what, request, start) in cases {
        let reply = raw.call(&request);
        assert_eq!(
            (outcome(&reply), reply.size, reply.offset, reply.body_size),
            (
                "ok".into(),
                Some(file.len() as u64),
                Some(start as u64),
                (file.len() - start) as u64
            ),
            "get with {what} (status, size, offset, body_size)"
        );
        let body = raw.body(reply.body_size);
        assert!(
            body == file[start..],
            "get with {what}: the body is not the file from {start}"
        );
        let trailer = raw.reply().expect("a trailer");
        assert_eq!(
            trailer.sha256.as_deref(),
            Some(whole.as_str()),
            "get with {what}: the trailer's sha256 (the whole file's)"
        );
    }
    let mut no_prefix = Request::new("get").path("f.bin");
    no_prefix.offset = Some(held as u64);
    let reply = raw.call(&no_prefix);
    assert_eq!(
        outcome(&reply),
        "bad-request",
        "get with an offset and no prefix_sha256: {reply:?}"
    );
    let pwd = raw.call(&Request::new("pwd"));
    assert_eq!(outcome(&pwd), "ok", "pwd after that: {pwd:?}");
}

/// The server is killed (SIGKILL: no chance to clean up) in the middle of an
/// upload. Nothing appears under the file's name; started again, the server
/// offers what reached its disk, and the upload finishes from there.
#[test]
fn m6_kept_partials_survive_a_killed_server() {
    let (world, server) = world("m6-killed", "100MiB");
    let file = content(4 * MIB, 6);
    let mut raw = Raw::login(server.addr, "alice");
    let offer = raw.call(&put("big.bin", file.len() as u64));
    assert_eq!(outcome(&offer), "ok", "put big.bin: {offer:?}");
    raw.send(&data(0, file.len() as u64), &file[..3 * MIB])
        .unwrap();
    eventually("a MiB of the upload is on the server's disk", || {
        kept_prefix(&world.root, &file) >= MIB as u64
    });
    server.proc.kill();
    drop(raw);
    assert!(
        !world.home("alice").join("big.bin").exists(),
        "an unfinished upload is in alice's home under its name"
    );
    let held = kept_prefix(&world.root, &file);

    let server = world.start(&[]);
    let mut raw = Raw::login(server.addr, "alice");
    let offer = raw.call(&put("big.bin", file.len() as u64));
    assert_eq!(
        (outcome(&offer), offer.offset, offer.prefix_sha256),
        (
            "ok".into(),
            Some(held),
            Some(sha256_of(&file[..held as usize]))
        ),
        "the restarted server's offer (status, offset, prefix_sha256), with \
         {held} bytes of the upload on its disk"
    );
    raw.send(&data(held, file.len() as u64), &file[held as usize..])
        .unwrap();
    let end = raw.call(&done(&sha256_of(&file)));
    assert_eq!(outcome(&end), "ok", "done for the rest: {end:?}");
    assert!(
        fs::read(world.home("alice").join("big.bin")).unwrap_or_default() == file,
        "big.bin on the disk differs from the file"
    );
}

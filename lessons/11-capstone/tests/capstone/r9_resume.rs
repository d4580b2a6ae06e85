//! Requirement 9: resume (断点续传). An interrupted put or get continues where
//! it stopped: only the missing bytes cross the network, the whole file is
//! verified at the end, a prefix that no longer matches is detected and the
//! transfer starts over, saying so, and kept partial uploads survive a server
//! that was killed.

use std::fs;
use std::sync::atomic::Ordering;

use lesson_11::protocol::Status;
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

const MIB: usize = 1 << 20;

/// What frames and headers may add to a file's bytes on the wire, at most:
/// the greeting, the login, a few requests and replies.
const OVERHEAD: u64 = 4096;

/// Sends `put` and the first `sent` bytes of `file`'s data, then drops the
/// connection, and waits until the server has kept them.
fn interrupt_put(server: &mut Server, path: &str, file: &[u8], sent: usize) {
    let mut raw = Raw::login(server.addr, "alice");
    let offer = raw.call(&put(path, file.len() as u64));
    assert_eq!(offer.status, Status::Ok, "{offer:?}");
    raw.send(&data(0, file.len() as u64), &file[..sent])
        .unwrap();
    drop(raw);
    server.proc.wait_for_text("interrupted");
}

/// An upload cut off after 3 MiB of 8 is finished by the real client: it
/// says where it resumes, only the other 5 MiB cross (counted by a relay),
/// and the file on the server is the whole file.
#[test]
fn r9_an_interrupted_put_sends_only_the_missing_bytes() {
    let world = World::new("r9-put");
    world.add_user("alice", "100MiB");
    let mut server = world.start(&[]);
    let file = content(8 * MIB, 9);
    interrupt_put(&mut server, "big.bin", &file, 3 * MIB);
    let held = fs::metadata(world.partial("alice").join("big.bin"))
        .unwrap()
        .len();
    assert_eq!(held, (3 * MIB) as u64, "every byte that arrived is kept");
    assert!(!world.home("alice").join("big.bin").exists());

    let dir = world.client_dir("client");
    fs::write(dir.join("big.bin"), &file).unwrap();
    let relay = Relay::start(server.addr, None, None);
    let out = run_client(relay.addr, &dir, "alice", &["put big.bin"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stdout
            .contains("put big.bin: resuming at 3.0 MiB of 8.0 MiB"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("verified"), "{}", out.stdout);
    let crossed = relay.to_server.load(Ordering::SeqCst);
    let missing = (5 * MIB) as u64;
    assert!(
        (missing..missing + OVERHEAD).contains(&crossed),
        "{crossed} bytes went to the server for {missing} missing"
    );
    assert!(fs::read(world.home("alice").join("big.bin")).unwrap() == file);
    assert!(!world.partial("alice").join("big.bin").exists());
}

/// If the local file changed since the interrupted upload, its first bytes
/// no longer match what the server holds: the client says so and sends the
/// whole file, and the server keeps the new file, not a mix.
#[test]
fn r9_a_put_whose_prefix_changed_starts_over() {
    let world = World::new("r9-put-changed");
    world.add_user("alice", "100MiB");
    let mut server = world.start(&[]);
    let old = content(2 * MIB, 1);
    interrupt_put(&mut server, "f.bin", &old, MIB);

    let new = content(2 * MIB, 2);
    let dir = world.client_dir("client");
    fs::write(dir.join("f.bin"), &new).unwrap();
    let relay = Relay::start(server.addr, None, None);
    let out = run_client(relay.addr, &dir, "alice", &["put f.bin"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stdout
            .contains("does not match this file; starting over"),
        "{}",
        out.stdout
    );
    assert!(relay.to_server.load(Ordering::SeqCst) >= new.len() as u64);
    assert!(fs::read(world.home("alice").join("f.bin")).unwrap() == new);
}

/// A download cut off after 2 MiB keeps what arrived beside the target (as
/// `NAME.part`); the next `get` sends the server only the missing part's
/// worth, and the saved file is whole and verified.
#[test]
fn r9_an_interrupted_get_fetches_only_the_missing_bytes() {
    let world = World::new("r9-get");
    world.add_user("alice", "100MiB");
    let server = world.start(&[]);
    let file = content(6 * MIB, 3);
    assert_eq!(
        Raw::login(server.addr, "alice")
            .put("big.bin", &file)
            .1
            .status,
        Status::Ok
    );

    let dir = world.client_dir("client");
    // The relay cuts the connection once 2 MiB (and a little) have come back.
    let cut = Relay::start(server.addr, None, Some((2 * MIB) as u64));
    let out = run_client(cut.addr, &dir, "alice", &["get big.bin"]);
    assert!(
        !out.status.success(),
        "the cut should end the client: {out:?}"
    );
    assert!(out.stdout.contains("interrupted after"), "{}", out.stdout);
    let held = fs::metadata(dir.join("big.bin.part")).unwrap().len();
    assert!(held > 0 && held <= (2 * MIB) as u64, "{held} bytes kept");
    assert!(!dir.join("big.bin").exists());

    let relay = Relay::start(server.addr, None, None);
    let out = run_client(relay.addr, &dir, "alice", &["get big.bin"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stdout.contains("get big.bin: resuming at"),
        "{}",
        out.stdout
    );
    let crossed = relay.to_client.load(Ordering::SeqCst);
    let missing = file.len() as u64 - held;
    assert!(
        (missing..missing + OVERHEAD).contains(&crossed),
        "{crossed} bytes came back for {missing} missing"
    );
    assert!(fs::read(dir.join("big.bin")).unwrap() == file);
    assert!(!dir.join("big.bin.part").exists());
}

/// A `.part` whose bytes are not the start of the server's file (the file
/// changed on the server): the client says so, fetches it all, and saves
/// the server's file.
#[test]
fn r9_a_get_whose_prefix_changed_starts_over() {
    let world = World::new("r9-get-changed");
    world.add_user("alice", "100MiB");
    let server = world.start(&[]);
    let file = content(MIB, 4);
    assert_eq!(
        Raw::login(server.addr, "alice")
            .put("f.bin", &file)
            .1
            .status,
        Status::Ok
    );
    let dir = world.client_dir("client");
    fs::write(dir.join("f.bin.part"), content(300_000, 5)).unwrap();
    let out = run_client(server.addr, &dir, "alice", &["get f.bin"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stdout
            .contains("does not match the server's file; starting over"),
        "{}",
        out.stdout
    );
    assert!(fs::read(dir.join("f.bin")).unwrap() == file);
}

/// The server is killed (SIGKILL: no chance to clean up) in the middle of an
/// upload. Nothing appears under the real name; restarted, it offers what it
/// kept, and the real client finishes the upload with only the rest.
#[test]
fn r9_kept_partials_survive_a_killed_server() {
    let world = World::new("r9-killed");
    world.add_user("alice", "100MiB");
    let server = world.start(&[]);
    let file = content(4 * MIB, 6);
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(
        raw.call(&put("big.bin", file.len() as u64)).status,
        Status::Ok
    );
    raw.send(&data(0, file.len() as u64), &file[..3 * MIB])
        .unwrap();
    let partial = world.partial("alice").join("big.bin");
    eventually("the server has written part of the upload", || {
        fs::metadata(&partial).is_ok_and(|m| m.len() >= MIB as u64)
    });
    server.proc.kill();
    drop(raw);
    assert!(!world.home("alice").join("big.bin").exists());
    let held = fs::metadata(&partial).unwrap().len();

    let server = world.start(&[]);
    let dir = world.client_dir("client");
    fs::write(dir.join("big.bin"), &file).unwrap();
    let relay = Relay::start(server.addr, None, None);
    let out = run_client(relay.addr, &dir, "alice", &["put big.bin"]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.contains("resuming at"), "{}", out.stdout);
    let crossed = relay.to_server.load(Ordering::SeqCst);
    let missing = file.len() as u64 - held;
    assert!(
        crossed < missing + OVERHEAD,
        "{crossed} bytes sent for {missing} missing"
    );
    assert!(fs::read(world.home("alice").join("big.bin")).unwrap() == file);
}

/// The server's offer is checked by the server too: a client that claims to
/// continue from the offered offset but sends other bytes ends with a
/// damaged upload, and nothing is saved.
#[test]
fn r9_a_resume_with_wrong_bytes_is_not_saved() {
    let world = World::new("r9-wrong-bytes");
    world.add_user("alice", "100MiB");
    let mut server = world.start(&[]);
    let file = content(MIB, 7);
    interrupt_put(&mut server, "f.bin", &file, MIB / 2);
    let mut raw = Raw::login(server.addr, "alice");
    let offer = raw.call(&put("f.bin", file.len() as u64));
    let from = offer.offset.unwrap();
    assert_eq!(from, (MIB / 2) as u64);
    // The rest of another file, with the digest of this one.
    let other = content(MIB, 8);
    raw.send(&data(from, file.len() as u64), &other[from as usize..])
        .unwrap();
    let end = raw.call(&done(&lesson_11::transfer::sha256_of(&file)));
    assert_eq!(end.code.as_deref(), Some("damaged"), "{end:?}");
    assert!(!world.home("alice").join("f.bin").exists());
}

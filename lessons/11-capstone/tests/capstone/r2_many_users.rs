//! Requirement 2: many users at once. Two users' transfers run side by side
//! and both finish; `--max-sessions` turns one connection too many away with
//! the greeting `full`, and serves again once a session has left.

use std::fs;

use lesson_11::protocol::{Reply, Request, Status};
use lesson_11::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

/// `status` for an ok reply, else the error's code.
fn code(reply: &Reply) -> String {
    match reply.status {
        Status::Ok => "ok".into(),
        Status::Error => reply.code.clone().unwrap_or_else(|| "(no code)".into()),
    }
}

const BIG: usize = 4 << 20;

/// alice uploads while bob downloads, and the other way round: each transfer
/// is left half done while the other user's runs from start to end, and then
/// finishes, with every byte right.
#[test]
fn two_users_transfer_at_the_same_time() {
    let world = World::new("r2-two-users");
    world.add_user("alice", "20MiB");
    world.add_user("bob", "20MiB");
    let film = content(BIG, 7);
    fs::write(world.home("bob").join("film.bin"), &film).unwrap();
    let mut server = world.start(&[]);
    let mut alice = Raw::login(server.addr, "alice");
    let mut bob = Raw::login(server.addr, "bob");

    // alice's upload, half sent: her session is in the middle of the body.
    let upload = content(BIG, 11);
    let offer = alice.call(&put("upload.bin", BIG as u64));
    assert_eq!((code(&offer), offer.offset), ("ok".into(), Some(0)));
    alice
        .send(&data(0, BIG as u64), &upload[..BIG / 2])
        .unwrap();
    server
        .proc
        .wait_for_text("alice: put /upload.bin: receiving");
    // bob's download, whole, meanwhile.
    let (reply, body, trailer) = bob.get("film.bin", b"");
    assert_eq!((code(&reply), reply.size), ("ok".into(), Some(BIG as u64)));
    assert!(body == film, "bob's film arrived different");
    assert_eq!(trailer.unwrap().sha256, Some(sha256_of(&film)));
    // alice's upload goes on to its end.
    use std::io::Write;
    alice.writer.write_all(&upload[BIG / 2..]).unwrap();
    let end = alice.call(&done(&sha256_of(&upload)));
    assert_eq!((code(&end), end.size), ("ok".into(), Some(BIG as u64)));

    // Now bob's download is the one left half read.
    bob.send(&Request::new("get").path("film.bin"), b"")
        .unwrap();
    let reply = bob.reply().expect("get's reply");
    assert_eq!(reply.body_size, BIG as u64);
    let first = bob.body(BIG as u64 / 2);
    // alice's second upload, whole, meanwhile.
    let second = content(BIG, 13);
    let (offer, end) = alice.put("second.bin", &second);
    assert_eq!((code(&offer), code(&end)), ("ok".into(), "ok".into()));
    let rest = bob.body(BIG as u64 / 2);
    let trailer = bob.reply().expect("get's trailer");
    assert!(
        [first, rest].concat() == film,
        "bob's film arrived different"
    );
    assert_eq!(trailer.sha256, Some(sha256_of(&film)));

    assert!(fs::read(world.home("alice").join("upload.bin")).unwrap() == upload);
    assert!(fs::read(world.home("alice").join("second.bin")).unwrap() == second);
    // Both sessions are still in order.
    for raw in [&mut alice, &mut bob] {
        let pwd = raw.call(&Request::new("pwd"));
        assert_eq!((code(&pwd), pwd.path), ("ok".into(), Some("/".into())));
    }
}

/// With --max-sessions 2, a third connection's greeting is the error `full`
/// and the connection ends; once one of the two has left (the server says
/// `left`), a new connection is served.
#[test]
fn one_connection_too_many_is_told_the_server_is_full() {
    let world = World::new("r2-full");
    world.add_user("alice", "1MiB");
    world.add_user("bob", "1MiB");
    let mut server = world.start(&["--max-sessions", "2"]);
    let mut alice = Raw::login(server.addr, "alice");
    let bob = Raw::login(server.addr, "bob");

    let mut third = Raw::connect(server.addr);
    let greeting = &third.greeting;
    assert_eq!(
        (
            greeting.status,
            greeting.code.as_deref(),
            greeting.body_size
        ),
        (Status::Error, Some("full"), 0)
    );
    assert!(
        greeting.error.as_ref().is_some_and(|e| e.contains("full")),
        "{greeting:?}"
    );
    assert_stream_ends(&mut third, "the greeting `full`");
    server
        .proc
        .wait_for_text("refused: the server is full (2 sessions)");

    // Those already in are not disturbed.
    assert_eq!(code(&alice.call(&Request::new("pwd"))), "ok");

    let bob_at = bob.stream().local_addr().unwrap();
    drop(bob);
    server.proc.wait_for_text(&format!("{bob_at}: left"));
    let mut again = Raw::login(server.addr, "bob");
    let (reply, _) = again.ls(None);
    assert_eq!(code(&reply), "ok");

    // Full again, with alice and the new bob.
    let mut fourth = Raw::connect(server.addr);
    assert_eq!(fourth.greeting.code.as_deref(), Some("full"));
    assert_stream_ends(&mut fourth, "the greeting `full`");
}

/// The real client, turned away by a full server, prints one `error: …` line
/// that says the server is full, and exits with a failure.
#[test]
fn the_client_says_the_server_is_full() {
    let world = World::new("r2-client-full");
    world.add_user("alice", "1MiB");
    let server = world.start(&["--max-sessions", "1"]);
    let _inside = Raw::login(server.addr, "alice");
    let dir = world.client_dir("alice");
    let out = run_client(server.addr, &dir, "alice", &["ls"]);
    let line = out.one_error_line();
    assert!(line.contains("full"), "{line}");
}

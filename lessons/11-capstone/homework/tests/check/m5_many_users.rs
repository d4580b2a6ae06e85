//! Milestone 5: many users at once, with a limit (requirement 2). Two users'
//! transfers run side by side; each session has its own working folder;
//! `--max-sessions` turns one connection too many away with the greeting
//! `full`, and serves again once a session has left; a connection that never
//! logs in loses its place after the login time; twenty sessions at once
//! each get their own file back.

use std::fs;
use std::io::Write;
use std::time::{Duration, Instant};

use lesson_11::protocol::{Request, Status};
use lesson_11::transfer::sha256_of;
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

const BIG: usize = 4 << 20;

/// alice uploads while bob downloads, and the other way round: each transfer
/// is left half done while the other user's runs from start to end, and then
/// finishes, with every byte right.
#[test]
fn m5_two_users_transfer_at_the_same_time() {
    let world = World::new("m5-two-users");
    world.add_user("alice", "20MiB");
    world.add_user("bob", "20MiB");
    let film = content(BIG, 7);
    fs::write(world.home("bob").join("film.bin"), &film).unwrap();
    let server = world.start(&[]);
    let mut alice = Raw::login(server.addr, "alice");
    let mut bob = Raw::login(server.addr, "bob");

    // alice's upload, half sent: her session is in the middle of the body,
    // as the server's disk shows.
    let upload = content(BIG, 11);
    let offer = alice.call(&put("upload.bin", BIG as u64));
    assert_eq!(outcome(&offer), "ok", "alice's put: {offer:?}");
    alice
        .send(&data(0, BIG as u64), &upload[..BIG / 2])
        .unwrap();
    eventually("alice's first bytes are on the server's disk", || {
        kept_prefix(&world.root, &upload) > 0
    });
    // bob's download, whole, meanwhile.
    let (reply, body, trailer) = bob.get("film.bin", b"");
    assert_eq!(
        (outcome(&reply), reply.size),
        ("ok".into(), Some(BIG as u64)),
        "bob's get, while alice's upload is half sent: {reply:?}"
    );
    assert!(body == film, "bob's film arrived different");
    assert_eq!(
        trailer.and_then(|t| t.sha256),
        Some(sha256_of(&film)),
        "the trailer of bob's get"
    );
    // alice's upload goes on to its end.
    alice.writer.write_all(&upload[BIG / 2..]).unwrap();
    let end = alice.call(&done(&sha256_of(&upload)));
    assert_eq!(
        (outcome(&end), end.size),
        ("ok".into(), Some(BIG as u64)),
        "alice's done: {end:?}"
    );

    // Now bob's download is the one left half read.
    bob.send(&Request::new("get").path("film.bin"), b"")
        .unwrap();
    let reply = bob.reply().expect("get's reply");
    assert_eq!(reply.body_size, BIG as u64, "bob's second get: {reply:?}");
    let first = bob.body(BIG as u64 / 2);
    // alice's second upload, whole, meanwhile.
    let second = content(BIG, 13);
    let (offer, end) = alice.put("second.bin", &second);
    assert_eq!(
        (outcome(&offer), outcome(&end)),
        ("ok".into(), "ok".into()),
        "alice's second put (offer, done), while bob's get is half read"
    );
    let rest = bob.body(BIG as u64 / 2);
    let trailer = bob.reply().expect("get's trailer");
    assert!(
        [first, rest].concat() == film,
        "bob's film arrived different"
    );
    assert_eq!(trailer.sha256, Some(sha256_of(&film)), "bob's trailer");

    let home = world.home("alice");
    for (name, sent) in [("upload.bin", &upload), ("second.bin", &second)] {
        assert!(
            fs::read(home.join(name)).unwrap_or_default() == *sent,
            "alice's {name} on the server's disk differs from what she sent"
        );
    }
    // Both sessions are still in order.
    for raw in [&mut alice, &mut bob] {
        let pwd = raw.call(&Request::new("pwd"));
        assert_eq!(
            (outcome(&pwd), pwd.path),
            ("ok".into(), Some("/".into())),
            "pwd after the transfers"
        );
    }
}

/// Two sessions of one user, each with its own working folder: one's `cd`
/// moves nothing of the other's.
#[test]
fn m5_each_session_has_its_own_working_folder() {
    let world = World::new("m5-cwd");
    world.add_user("alice", "1MiB");
    fs::create_dir_all(world.home("alice").join("docs/deep")).unwrap();
    let server = world.start(&[]);
    let mut one = Raw::login(server.addr, "alice");
    let mut two = Raw::login(server.addr, "alice");
    let mut pwds = Vec::new();
    let pwd = |raw: &mut Raw| raw.call(&Request::new("pwd")).path;
    assert_eq!(outcome(&one.cd("docs")), "ok", "cd docs in one session");
    pwds.push((pwd(&mut one), pwd(&mut two)));
    assert_eq!(
        outcome(&two.cd("docs/deep")),
        "ok",
        "cd docs/deep in the other"
    );
    pwds.push((pwd(&mut one), pwd(&mut two)));
    let path = |p: &str| Some(p.to_string());
    assert_eq!(
        pwds,
        [
            (path("/docs"), path("/")),
            (path("/docs"), path("/docs/deep"))
        ],
        "each session's pwd (one, two) after one's cd, then after two's"
    );
}

/// With `--max-sessions 2`, a third connection's greeting is the error
/// `full` and the connection ends, while those inside go on; once one of the
/// two has left, a new connection is served, and then the server is full
/// again.
#[test]
fn m5_one_connection_too_many_is_told_the_server_is_full() {
    let world = World::new("m5-full");
    world.add_user("alice", "1MiB");
    world.add_user("bob", "1MiB");
    let server = world.start(&["--max-sessions", "2"]);
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
        (Status::Error, Some("full"), 0),
        "the greeting of a third connection with 2 sessions open: {greeting:?}"
    );
    assert_stream_ends(&mut third, "the greeting `full`");
    let pwd = alice.call(&Request::new("pwd"));
    assert_eq!(outcome(&pwd), "ok", "alice, inside, after that: {pwd:?}");

    drop(bob);
    let mut again = connect_when_free(server.addr);
    assert_eq!(
        outcome(&again.greeting),
        "ok",
        "the greeting once bob has left: {:?}",
        again.greeting
    );
    let reply = again.call(&login("bob", PASSWORD));
    assert_eq!(outcome(&reply), "ok", "bob's login in the freed place");
    assert_eq!(outcome(&again.ls(None).0), "ok", "ls in the freed place");

    let mut fourth = Raw::connect(server.addr);
    assert_eq!(
        fourth.greeting.code.as_deref(),
        Some("full"),
        "the greeting with alice and the new bob inside: {:?}",
        fourth.greeting
    );
    assert_stream_ends(&mut fourth, "the greeting `full`");
}

/// A connection that never logs in holds a place (one more is told `full`)
/// only for the login time (here the idle timeout, 1 s, which is shorter):
/// then it is told `timeout` and closed, and its place goes to the next
/// client.
#[test]
fn m5_a_silent_connection_is_closed_after_the_login_time() {
    let world = World::new("m5-silent");
    world.add_user("alice", "1MiB");
    let server = world.start(&["--idle-timeout", "1", "--max-sessions", "1"]);
    let started = Instant::now();
    let mut silent = Raw::connect(server.addr);
    let other = Raw::connect(server.addr);
    assert_eq!(
        (outcome(&silent.greeting), outcome(&other.greeting)),
        ("ok".into(), "full".into()),
        "the greetings of a connection that says nothing and of one more, \
         with --max-sessions 1"
    );
    let answer = match silent.reply() {
        Ok(reply) => (outcome(&reply), silent.reply().is_err()),
        Err(e) => (format!("(no reply: {e})"), false),
    };
    assert_eq!(
        answer,
        ("timeout".to_string(), true),
        "a connection that says nothing, with --idle-timeout 1 (the reply, \
         and whether the connection then ended)"
    );
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(5),
        "the silent connection was closed after {waited:?}; the login time \
         was 1 s"
    );
    let mut next = connect_when_free(server.addr);
    let reply = next.call(&login("alice", PASSWORD));
    assert_eq!(
        outcome(&reply),
        "ok",
        "a login in the place the silent connection had: {reply:?}"
    );
}

/// Twenty sessions of four users at the same moment each make a folder, put
/// a file of their own, list it and get it back: every answer right, every
/// byte right.
#[test]
fn m5_twenty_sessions_at_once_each_get_their_own_file_back() {
    const SESSIONS: usize = 20;
    const USERS: usize = 4;
    let world = World::new("m5-twenty");
    for u in 0..USERS {
        world.add_user(&format!("user{u}"), "10MiB");
    }
    let server = world.start(&["--max-sessions", "30"]);
    let size = |i: usize| 20_000 + (i * 7919) % 200_000;
    let addr = server.addr;
    let results = at_the_same_moment(
        SESSIONS,
        |i| {
            let user = format!("user{}", i % USERS);
            // The server checks one password at a time: the last login waits
            // for all the others.
            Raw::login_within(addr, &user, Duration::from_secs(60))
        },
        |i, mut raw| {
            let file = content(size(i), i as u8);
            let folder = format!("s{i}");
            let mut answers = vec![
                outcome(&raw.call(&Request::new("mkdir").path(&folder))),
                outcome(&raw.cd(&folder)),
                outcome(&raw.put("f.bin", &file).1),
            ];
            let (listing, entries) = raw.ls(None);
            answers.push(outcome(&listing));
            let names: Vec<String> = entries.into_iter().map(|e| e.name).collect();
            let (reply, body, trailer) = raw.get("f.bin", b"");
            answers.push(outcome(&reply));
            let whole = body == file
                && trailer.and_then(|t| t.sha256) == Some(sha256_of(&file));
            (answers, names, whole)
        },
    );
    for (i, result) in results.into_iter().enumerate() {
        let expected = (vec!["ok".to_string(); 5], vec!["f.bin".to_string()], true);
        assert_eq!(
            result,
            Ok(expected),
            "session {i}: the answers to mkdir, cd, put, ls, get; the names \
             listed; whether the download was the file and its digest"
        );
    }
    for i in 0..SESSIONS {
        let path = world
            .home(&format!("user{}", i % USERS))
            .join(format!("s{i}/f.bin"));
        assert!(
            fs::read(&path).unwrap_or_default() == content(size(i), i as u8),
            "{} on the server's disk differs from what session {i} sent",
            path.display()
        );
    }
}

//! Milestone 1: log in (requirement 1). The greeting comes first; a login
//! answers who, where and how much; a wrong password and an unknown user get
//! the same bytes back; the third failure closes the connection, a login
//! missing a field does not count; nothing but `login` works before it; and
//! the password never reaches the server's output.

use std::fs;
use std::io::Read;
use std::time::Instant;

use lesson_11::protocol::{Reply, Request, Status};
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

/// The words chapter 11 fixes for a failed login, wrong name or password.
const LOGIN_FAILED: &str = "unknown user or wrong password";

/// The next frame exactly as it travelled: the 4-byte length and the header.
fn next_frame_bytes(raw: &mut Raw) -> Vec<u8> {
    let mut frame = vec![0; 4];
    raw.reader.read_exact(&mut frame).expect("a frame's length");
    let n = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
    frame.resize(4 + n, 0);
    raw.reader
        .read_exact(&mut frame[4..])
        .expect("a frame's header");
    frame
}

/// The greeting arrives before the client says anything, and a login answers
/// with the user, the folder (`/`), the quota, and what the files already in
/// the home use.
#[test]
fn m1_the_greeting_comes_first_and_a_login_says_who_where_and_how_much() {
    let world = World::new("m1-login");
    world.add_user("alice", "1MiB");
    fs::write(world.home("alice").join("notes.txt"), [b'n'; 1536]).unwrap();
    let server = world.start(&[]);

    let mut raw = Raw::connect(server.addr);
    let greeting = &raw.greeting;
    assert_eq!(
        (
            greeting.status,
            greeting.server.as_deref(),
            greeting.version,
            greeting.body_size
        ),
        (Status::Ok, Some("capstone"), Some(1), 0),
        "the greeting (status, server, version, body_size); it was {greeting:?}"
    );
    let reply = raw.call(&login("alice", PASSWORD));
    assert_eq!(
        (
            outcome(&reply),
            reply.user.as_deref(),
            reply.path.as_deref(),
            reply.quota,
            reply.used,
            reply.body_size
        ),
        (
            "ok".into(),
            Some("alice"),
            Some("/"),
            Some(1 << 20),
            Some(1536),
            0
        ),
        "alice's login (status, user, path, quota, used, body_size), with a \
         file of 1536 bytes in her home; the reply was {reply:?}"
    );
    let pwd = raw.call(&Request::new("pwd"));
    assert_eq!(
        (outcome(&pwd), pwd.path.as_deref()),
        ("ok".into(), Some("/")),
        "pwd right after the login: {pwd:?}"
    );
}

/// A wrong password and an unknown user get byte-identical replies, with code
/// `login-failed` and the chapter's words: the reply does not tell which
/// names exist.
#[test]
fn m1_a_wrong_password_and_an_unknown_user_get_identical_replies() {
    let world = World::new("m1-identical");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let attempts = [
        ("alice", "not the password"),
        ("nobody", PASSWORD),
        ("nobody", "not the password"),
        ("alicex", PASSWORD),
        ("ALICE", PASSWORD),
    ];
    let mut frames = Vec::new();
    for (user, password) in attempts {
        // Each the first failure on a connection of its own.
        let mut raw = Raw::connect(server.addr);
        raw.send(&login(user, password), b"").unwrap();
        frames.push(next_frame_bytes(&mut raw));
    }
    let first: Reply = serde_json::from_slice(&frames[0][4..])
        .expect("the reply to a wrong password is a reply header");
    assert_eq!(
        outcome(&first),
        "login-failed",
        "the reply to a wrong password: {first:?}"
    );
    assert!(
        first
            .error
            .as_deref()
            .is_some_and(|e| e.contains(LOGIN_FAILED)),
        "the reply to a wrong password should say {LOGIN_FAILED:?}; it was \
         {first:?}"
    );
    for (frame, (user, password)) in frames.iter().zip(attempts).skip(1) {
        assert_eq!(
            String::from_utf8_lossy(frame),
            String::from_utf8_lossy(&frames[0]),
            "the reply to a login as {user:?} with {password:?} (right) should \
             be byte for byte the reply to alice with a wrong password (left)"
        );
    }
}

/// An unknown user costs the server the work a wrong password does: a
/// password check, against a hash of nothing in particular. A server that
/// answers an unknown name at once tells a stranger which names exist as
/// surely as other words would. Timed over the network, in turns, the
/// middle time of an unknown user's login is not a small part of a wrong
/// password's (a password check takes milliseconds; an answer without one,
/// a fraction of one).
#[test]
fn m1_an_unknown_user_takes_as_long_as_a_wrong_password() {
    let world = World::new("m1-same-time");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let timed = |user: &str| {
        let mut raw = Raw::connect(server.addr);
        let started = Instant::now();
        let reply = raw.call(&login(user, "not the password"));
        let took = started.elapsed();
        assert_eq!(
            outcome(&reply),
            "login-failed",
            "a login as {user}: {reply:?}"
        );
        took
    };
    let (mut wrong, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        wrong.push(timed("alice"));
        unknown.push(timed("nobody"));
    }
    wrong.sort();
    unknown.sort();
    let (wrong_middle, unknown_middle) = (wrong[2], unknown[2]);
    assert!(
        unknown_middle * 4 >= wrong_middle,
        "a login as an unknown user took {unknown_middle:?} (the middle of \
         {unknown:?}), a wrong password {wrong_middle:?} (the middle of \
         {wrong:?}): an unknown name should cost a password check too"
    );
}

/// The first two failed logins leave the connection open (a command gets
/// `need-login`, and the right password then works); the third gets its
/// `login-failed` reply and then the stream ends.
#[test]
fn m1_the_third_failed_login_closes_the_connection() {
    let world = World::new("m1-three");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);

    let mut raw = Raw::connect(server.addr);
    let mut seen = Vec::new();
    for _ in 0..2 {
        seen.push(outcome(&raw.call(&login("alice", "wrong"))));
        seen.push(outcome(&raw.call(&Request::new("pwd"))));
    }
    let reply = raw.call(&login("alice", PASSWORD));
    seen.push(outcome(&reply));
    assert_eq!(
        seen,
        [
            "login-failed",
            "need-login",
            "login-failed",
            "need-login",
            "ok"
        ],
        "two wrong logins, each followed by pwd, then the right one, on one \
         connection"
    );

    let mut raw = Raw::connect(server.addr);
    let mut seen = Vec::new();
    for (user, password) in [("alice", "wrong"), ("nobody", "wrong")] {
        seen.push(outcome(&raw.call(&login(user, password))));
    }
    raw.send(&login("alice", "wrong again"), b"").unwrap();
    seen.push(match raw.reply() {
        Ok(reply) => outcome(&reply),
        Err(e) => format!("(no reply: {e})"),
    });
    assert_eq!(
        seen, ["login-failed"; 3],
        "three failed logins on one connection: each is answered"
    );
    assert_stream_ends(&mut raw, "the third failed login");
}

/// A login that lacks its user or its password is a `bad-request`, not a
/// failed login: four of them, then two wrong passwords, and the connection
/// is still open for the right one.
#[test]
fn m1_a_login_missing_a_field_is_a_bad_request_and_does_not_count() {
    let world = World::new("m1-missing-field");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let mut raw = Raw::connect(server.addr);
    let no_password = Request {
        user: Some("alice".into()),
        ..Request::new("login")
    };
    let no_user = Request {
        password: Some(PASSWORD.into()),
        ..Request::new("login")
    };
    let wrong = login("alice", "wrong");
    let right = login("alice", PASSWORD);
    let steps = [
        ("no password", &no_password, "bad-request"),
        ("no user", &no_user, "bad-request"),
        ("no password", &no_password, "bad-request"),
        ("no user", &no_user, "bad-request"),
        ("a wrong password", &wrong, "login-failed"),
        ("a wrong password", &wrong, "login-failed"),
        ("the right password", &right, "ok"),
    ];
    let mut actual = Vec::new();
    for (what, request, _) in steps {
        raw.send(request, b"").unwrap();
        let answer = match raw.reply() {
            Ok(reply) => outcome(&reply),
            Err(_) => "(the connection ended)".into(),
        };
        actual.push((what, answer));
        if actual.last().is_some_and(|(_, a)| a.starts_with('(')) {
            break;
        }
    }
    let expected: Vec<_> = steps
        .iter()
        .map(|&(what, _, answer)| (what, answer.to_string()))
        .collect();
    assert_eq!(actual, expected, "logins on one connection, in this order");
}

/// Before a login, every command but `login` is answered `need-login` (an
/// unknown one is a `bad-request`), the connection stays open, and nothing
/// is made on the disk. Once logged in, a second `login` is a `bad-request`.
#[test]
fn m1_commands_before_the_login_get_need_login() {
    let world = World::new("m1-need-login");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let mut raw = Raw::connect(server.addr);
    let requests = [
        Request::new("pwd"),
        Request::new("cd").path("/"),
        Request::new("ls"),
        Request::new("mkdir").path("docs"),
        Request::new("rm").path("docs"),
        put("a.txt", 5),
        Request::new("get").path("a.txt"),
        Request::new("whoami"),
    ];
    let actual: Vec<(String, String)> = requests
        .iter()
        .map(|request| {
            let reply = raw.call(request);
            (request.command.clone(), outcome(&reply))
        })
        .collect();
    let mut expected: Vec<(String, String)> = requests
        .iter()
        .map(|request| (request.command.clone(), "need-login".to_string()))
        .collect();
    expected.last_mut().unwrap().1 = "bad-request".into();
    assert_eq!(actual, expected, "each command before a login");
    let home: Vec<_> = fs::read_dir(world.home("alice")).unwrap().collect();
    assert!(
        home.is_empty(),
        "a command before the login changed alice's home: {home:?}"
    );

    let reply = raw.call(&login("alice", PASSWORD));
    assert_eq!(outcome(&reply), "ok", "the login after them: {reply:?}");
    let again = raw.call(&login("alice", PASSWORD));
    assert_eq!(
        outcome(&again),
        "bad-request",
        "a second login on a logged-in connection: {again:?}"
    );
    let pwd = raw.call(&Request::new("pwd"));
    assert_eq!(outcome(&pwd), "ok", "pwd after the second login: {pwd:?}");
}

/// A distinctive password, typed wrong and right, in a login, in a login
/// without a user, and in a second login, appears nowhere in what the server
/// printed, on either stream.
#[test]
fn m1_the_password_never_appears_in_the_servers_output() {
    const SECRET: &str = "Quokka-Marmalade-4417-Zephyr";
    const WRONG: &str = "Wombat-Treacle-9902-Borealis";
    let world = World::new("m1-secret");
    let added = world.admin(&["add-user", "alice", "--quota", "1MiB"], SECRET);
    assert!(added.status.success(), "add-user failed: {added:?}");
    let server = world.start(&[]);
    let mut wrong = Raw::connect(server.addr);
    assert_eq!(outcome(&wrong.call(&login("alice", WRONG))), "login-failed");
    assert_eq!(
        outcome(&wrong.call(&login("nobody", SECRET))),
        "login-failed"
    );
    let no_user = Request {
        password: Some(SECRET.into()),
        ..Request::new("login")
    };
    assert_eq!(outcome(&wrong.call(&no_user)), "bad-request");
    let mut right = Raw::connect(server.addr);
    assert_eq!(outcome(&right.call(&login("alice", SECRET))), "ok");
    assert_eq!(outcome(&right.call(&login("alice", SECRET))), "bad-request");
    let odd = Request {
        password: Some(SECRET.into()),
        ..Request::new("whoami")
    };
    assert_eq!(outcome(&right.call(&odd)), "bad-request");
    // One more request on each connection: a session handles its requests in
    // turn, so whatever it printed about the ones before is printed by now.
    assert_eq!(outcome(&wrong.call(&Request::new("pwd"))), "need-login");
    assert_eq!(outcome(&right.call(&Request::new("pwd"))), "ok");

    let out = server.proc.kill();
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        for secret in [SECRET, WRONG] {
            assert!(
                !text.contains(secret),
                "the password {secret:?} appears in the server's {stream}:\n{text}"
            );
        }
    }
}

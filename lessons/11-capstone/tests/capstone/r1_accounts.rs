//! Requirement 1, what only the reference has: `users.json` keeps only salted
//! Argon2id hashes; the admin commands add, list, change and remove users;
//! the password reaches neither their output nor the server's log; a flood
//! of logins is answered correctly, one by one; and in the library, an
//! unknown user costs a verification. The login itself, as any server must
//! answer it (identical replies, three tries, a missing field), is milestone
//! 1's: `m1_login.rs`.

use std::fs;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use lesson_11::accounts::{self, Accounts};
use lesson_11::protocol::{Code, Request, Status};
use workbook_harness::ScratchDir;
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

/// The `users.json` of a world, as JSON.
fn users_json(world: &World) -> serde_json::Value {
    let text = fs::read_to_string(world.root.join("users.json")).unwrap();
    serde_json::from_str(&text).expect("users.json is JSON")
}

/// The PHC hash stored for `name`.
fn stored_hash(users: &serde_json::Value, name: &str) -> String {
    let user = users["users"]
        .as_array()
        .expect("a list of users")
        .iter()
        .find(|user| user["name"] == name)
        .unwrap_or_else(|| panic!("{name} is in users.json: {users}"));
    user["password_hash"]
        .as_str()
        .expect("a password_hash string")
        .to_string()
}

/// Every string anywhere in a JSON value.
fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => {
            items.iter().for_each(|item| strings(item, out))
        }
        serde_json::Value::Object(fields) => fields.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out);
        }),
        _ => {}
    }
}

/// `list-users`' table with each run of spaces made one: the columns' widths
/// are the program's business, the cells are the test's.
fn user_table(world: &World) -> Vec<String> {
    let out = world.admin(&["list-users"], "");
    assert!(out.status.success(), "list-users failed: {out:?}");
    out.stdout
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// users.json holds no password, only Argon2id PHC hashes, each with a salt
/// of its own: two users with the same password get different hashes.
#[test]
fn users_json_holds_only_salted_argon2id_hashes() {
    let world = World::new("r1-hashes");
    world.add_user("alice", "1MiB");
    world.add_user("bob", "1MiB");
    let text = fs::read_to_string(world.root.join("users.json")).unwrap();
    assert!(
        !text.contains(PASSWORD),
        "the password is in users.json:\n{text}"
    );

    let users = users_json(&world);
    let mut all = Vec::new();
    strings(&users, &mut all);
    for s in &all {
        assert!(!s.contains(PASSWORD), "users.json holds {s:?}");
    }
    let (alice, bob) = (stored_hash(&users, "alice"), stored_hash(&users, "bob"));
    for hash in [&alice, &bob] {
        assert!(
            hash.starts_with("$argon2id$"),
            "not an Argon2id hash: {hash}"
        );
    }
    // $argon2id$v=19$m=…,t=…,p=…$SALT$HASH
    let salt = |hash: &str| hash.split('$').nth(4).unwrap_or_default().to_string();
    assert!(!salt(&alice).is_empty(), "no salt in {alice}");
    assert_ne!(salt(&alice), salt(&bob), "the same salt twice");
    assert_ne!(alice, bob, "the same password gave the same hash twice");
}

/// list-users shows every user with quota and use; set-quota and remove-user
/// take effect at the next login on a running server; a removed user cannot
/// log in, and their files are kept.
#[test]
fn admin_commands_list_change_and_remove_users() {
    let world = World::new("r1-admin");
    world.add_user("alice", "1MiB");
    world.add_user("bob", "100MiB");
    fs::write(world.home("alice").join("notes.txt"), [b'n'; 1536]).unwrap();
    assert_eq!(
        user_table(&world),
        [
            "name quota used",
            "alice 1.0 MiB 1.5 KiB",
            "bob 100.0 MiB 0 B"
        ]
    );

    let server = world.start(&[]);
    let mut raw = Raw::connect(server.addr);
    let reply = raw.call(&login("alice", PASSWORD));
    assert_eq!((outcome(&reply), reply.quota), ("ok".into(), Some(1 << 20)));

    let out = world.admin(&["set-quota", "alice", "2MiB"], "");
    assert!(out.status.success(), "set-quota failed: {out:?}");
    let mut raw = Raw::connect(server.addr);
    let reply = raw.call(&login("alice", PASSWORD));
    assert_eq!((outcome(&reply), reply.quota), ("ok".into(), Some(2 << 20)));
    assert_eq!(reply.used, Some(1536));

    let out = world.admin(&["remove-user", "alice"], "");
    assert!(out.status.success(), "remove-user failed: {out:?}");
    let home = world.home("alice");
    assert!(
        out.stdout.contains(&home.display().to_string()),
        "remove-user does not say where the files are: {}",
        out.stdout
    );
    let mut raw = Raw::connect(server.addr);
    let reply = raw.call(&login("alice", PASSWORD));
    assert_eq!(outcome(&reply), "login-failed");
    assert_eq!(
        fs::read(home.join("notes.txt")).expect("alice's file is kept"),
        [b'n'; 1536]
    );
    assert_eq!(user_table(&world), ["name quota used", "bob 100.0 MiB 0 B"]);
    // bob is not affected by alice's removal.
    Raw::login(server.addr, "bob");
}

/// The reference's own output: a distinctive password, given to `add-user`
/// and used to log in and upload, appears nowhere in what `add-user`
/// printed, in the server's log (which names the login), nor in users.json.
/// (That no server prints a password it is sent, wrong or right, in any
/// request, is milestone 1's check: `m1_login.rs`.)
#[test]
fn the_password_never_appears_in_the_admin_output_the_log_or_users_json() {
    const SECRET: &str = "Quokka-Marmalade-4417-Zephyr";
    let world = World::new("r1-secret");
    let added = world.admin(&["add-user", "alice", "--quota", "1MiB"], SECRET);
    assert!(added.status.success(), "add-user failed: {added:?}");
    let mut printed = vec![added.stdout, added.stderr];
    let mut server = world.start(&[]);
    {
        let mut raw = Raw::connect(server.addr);
        assert_eq!(outcome(&raw.call(&login("alice", SECRET))), "ok");
        assert_eq!(outcome(&raw.put("a.txt", b"hello").1), "ok");
    }
    // The connection is closed: the server stops at once.
    server.proc.send_line("stop");
    let out = server.proc.finish();
    assert!(out.stdout.contains("stopped"), "did not stop: {out:?}");
    assert!(out.stdout.contains("alice logged in"), "{out:?}");
    printed.extend([out.stdout, out.stderr]);
    printed.push(fs::read_to_string(world.root.join("users.json")).unwrap());
    for text in printed {
        assert!(!text.contains(SECRET), "{SECRET:?} appears in:\n{text}");
    }
}

/// add-user refuses a name that is taken and names that break the rules, each
/// with one line on stderr and a failure exit, and changes nothing.
#[test]
fn add_user_refuses_a_duplicate_and_invalid_names() {
    let world = World::new("r1-add-user");
    world.add_user("alice", "1MiB");
    let users = fs::read(world.root.join("users.json")).unwrap();
    let long = "a".repeat(33);
    let refused = [
        "alice",
        "Alice",
        "2bob",
        "-x",
        "a b",
        "../evil",
        "a/b",
        "a.b",
        "",
        "é",
        long.as_str(),
    ];
    // No password on stdin: the name is refused before one is read (a name
    // that got through would fail for want of a password, and say so).
    for name in refused {
        let out = world.admin(&["add-user", "--quota", "1MiB", "--", name], "");
        let line = out.one_error_line();
        assert!(line.len() > "error: ".len(), "{name:?}: {line}");
        assert!(!line.contains("password"), "{name:?} got through: {line}");
    }
    let out = world.admin(&["add-user", "alice"], "");
    assert!(out.one_error_line().contains("already"), "{out:?}");
    assert_eq!(fs::read(world.root.join("users.json")).unwrap(), users);
    let homes: Vec<String> = fs::read_dir(world.root.join("homes"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(homes, ["alice"], "a refused name got a home");
    assert!(!world.root.join("evil").exists());
    // alice's password is still the one she had.
    let server = world.start(&[]);
    Raw::login(server.addr, "alice");
}

/// 30 connections log in at the same moment, half with a wrong password (or
/// an unknown name): each gets the right answer, and those logged in work.
#[test]
fn a_login_flood_gets_correct_answers() {
    const N: usize = 30;
    let world = World::new("r1-flood");
    world.add_user("alice", "1MiB");
    world.add_user("bob", "1MiB");
    let server = world.start(&["--max-sessions", "30"]);
    let addr = server.addr;
    let ready = Arc::new(Barrier::new(N));
    let clients: Vec<_> = (0..N)
        .map(|i| {
            let ready = Arc::clone(&ready);
            thread::spawn(move || {
                let (user, password) = match i % 4 {
                    0 => ("alice", PASSWORD),
                    1 => ("alice", "wrong"),
                    2 => ("bob", PASSWORD),
                    _ => ("nobody", PASSWORD),
                };
                let mut raw = Raw::connect(addr);
                assert_eq!(raw.greeting.status, Status::Ok, "{:?}", raw.greeting);
                // The server checks one password at a time: the last login
                // waits for all the others (a few seconds on a busy machine).
                let patience = Some(Duration::from_secs(60));
                raw.stream().set_read_timeout(patience).unwrap();
                ready.wait(); // every connection is open: now all at once
                let reply = raw.call(&login(user, password));
                let pwd = reply
                    .is_ok()
                    .then(|| raw.call(&Request::new("pwd")).path)
                    .flatten();
                (outcome(&reply), reply.user, pwd)
            })
        })
        .collect();
    let answers: Vec<_> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let expected: Vec<_> = (0..N)
        .map(|i| match i % 4 {
            0 => (
                "ok".to_string(),
                Some("alice".to_string()),
                Some("/".into()),
            ),
            2 => ("ok".to_string(), Some("bob".to_string()), Some("/".into())),
            _ => ("login-failed".to_string(), None, None),
        })
        .collect();
    assert_eq!(answers, expected);
}

/// In the library: a login for a user who does not exist still runs an Argon2
/// verification (so it costs the time a wrong password does), and is refused
/// in the same words as a wrong password.
#[test]
fn an_unknown_user_costs_a_verification_too() {
    let scratch = ScratchDir::new("r1-verifications");
    let root = scratch.path();
    Accounts::open(root)
        .unwrap()
        .add("alice", PASSWORD, 1 << 20)
        .unwrap();
    // The count is the whole process's: other tests may add to it meanwhile,
    // never take from it.
    let before = accounts::verifications();
    let unknown = accounts::log_in(root, "nobody", PASSWORD).unwrap_err();
    let after_unknown = accounts::verifications();
    assert!(
        after_unknown > before,
        "no verification for an unknown user ({before} → {after_unknown})"
    );
    let wrong = accounts::log_in(root, "alice", "not it").unwrap_err();
    assert!(accounts::verifications() > after_unknown);
    assert_eq!(unknown.code, Code::LoginFailed);
    assert_eq!(unknown, wrong);
    let alice = accounts::log_in(root, "alice", PASSWORD).unwrap();
    assert_eq!((alice.name.as_str(), alice.quota), ("alice", 1 << 20));
}

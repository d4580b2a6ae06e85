//! Requirement 2, what only the reference has: its log's lines for a
//! connection turned away and for a session that left, and its client's words
//! for a full server. Two users' transfers side by side, `--max-sessions` and
//! the greeting `full`, as any server must do them, are milestone 5's:
//! `m5_many_users.rs`.

use crate::support::*;

/// With --max-sessions 2, the log says a third connection was refused and
/// why, and says `left` when one of the two has gone.
#[test]
fn the_log_tells_a_refused_connection_and_one_that_left() {
    let world = World::new("r2-full-log");
    world.add_user("alice", "1MiB");
    world.add_user("bob", "1MiB");
    let mut server = world.start(&["--max-sessions", "2"]);
    let _alice = Raw::login(server.addr, "alice");
    let bob = Raw::login(server.addr, "bob");

    let mut third = Raw::connect(server.addr);
    assert_eq!(outcome(&third.greeting), "full", "{:?}", third.greeting);
    assert!(
        third
            .greeting
            .error
            .as_ref()
            .is_some_and(|e| e.contains("full")),
        "{:?}",
        third.greeting
    );
    assert_stream_ends(&mut third, "the greeting `full`");
    server
        .proc
        .wait_for_text("refused: the server is full (2 sessions)");

    let bob_at = bob.stream().local_addr().unwrap();
    drop(bob);
    server.proc.wait_for_text(&format!("{bob_at}: left"));
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

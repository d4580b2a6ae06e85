//! Requirement 3, what only the reference has: its log shows a refused name
//! escaped, on its one line. Every way out of a home (`..`, host paths,
//! Windows' forms, hidden names, control characters, another user's name,
//! symbolic links), refused with nothing changed outside, as any server must
//! refuse it, is milestone 2's (`m2_home.rs`: cd, ls, mkdir, rm) and
//! milestone 3's (`m3_transfers.rs`: put, get).

use crate::support::*;

/// A newline in a refused name cannot forge a line of the server's log: the
/// log shows the name escaped, on the line that says it was refused.
#[test]
fn the_log_shows_a_refused_name_escaped_on_its_line() {
    let world = World::new("r3-log-escaped");
    world.add_user("alice", "1MiB");
    let mut server = world.start(&[]);
    let mut alice = Raw::login(server.addr, "alice");
    let (offer, _) = alice.put("x\ninjected", b"alice was here");
    assert_eq!(outcome(&offer), "bad-path", "{offer:?}");
    server.proc.wait_for_text("refused put x\\ninjected");
}

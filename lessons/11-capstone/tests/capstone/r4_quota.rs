//! Requirement 4, what only the reference has: its admin's `set-quota`, seen
//! by a restarted server together with the count made from the disk. The
//! quota as any server must keep it (refused before a byte, reserved at the
//! offer, partials and replaced files counted, `rm` giving space back) is
//! milestone 4's: `m4_quota.rs`.

use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

const KIB: usize = 1024;

/// The count is made from the disk when a user's first session starts, so a
/// restarted server, or an admin who changed the quota, sees the truth.
#[test]
fn r4_the_count_survives_a_restart_and_a_new_quota() {
    let world = World::new("r4-restart");
    world.add_user("alice", "1MiB");
    let server = world.start(&[]);
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(outcome(&raw.put("a.bin", &content(700 * KIB, 1)).1), "ok");
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
    let refused = raw.call(&put("b.bin", (1400 * KIB) as u64));
    assert_eq!(outcome(&refused), "quota", "{refused:?}");
    assert_eq!(outcome(&raw.put("b.bin", &content(1300 * KIB, 2)).1), "ok");
}

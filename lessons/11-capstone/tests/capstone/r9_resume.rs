//! Requirement 9 (断点续传), what only the reference has: where `server-11`
//! keeps a cut upload (`partial/USER/PATH`) and where `client-11` keeps a cut
//! download (`NAME.part`), and the client's words for a resume and for a
//! start over. Resume as any server and any client must do it (every byte
//! kept and offered with its digest, only the missing bytes crossing, a
//! changed start detected, a killed server) is milestone 6's
//! (`m6_resume.rs`, the server) and milestone 7's (`m7_client.rs`, the
//! client).

use std::fs;

use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

const MIB: usize = 1 << 20;

/// A cut upload is kept as `partial/alice/up.bin` until it is finished, and
/// the client says where it resumes, in MiB of the whole; a cut download is
/// kept as `down.bin.part` and resumed, saying so; a `.part` that is not the
/// start of the server's file, and a local file changed since its upload was
/// cut, each make the client say why it starts over.
#[test]
fn r9_the_reference_keeps_cut_transfers_and_words_their_resume() {
    let world = World::new("r9-words");
    world.add_user("alice", "100MiB");
    let mut server = world.start(&[]);
    let dir = world.client_dir("client");
    let said = |out: &workbook_harness::Finished, words: &str| {
        assert!(out.status.success(), "{out:?}");
        assert!(
            out.stdout.contains(words),
            "no {words:?} in:\n{}",
            out.stdout
        );
    };

    let up = content(2 * MIB, 1);
    interrupt_put(&world, server.addr, "alice", "up.bin", &up, MIB);
    server.proc.wait_for_text("alice: put /up.bin: interrupted");
    let partial = world.partial("alice").join("up.bin");
    assert_eq!(
        fs::metadata(&partial).map(|m| m.len()).ok(),
        Some(MIB as u64)
    );
    fs::write(dir.join("up.bin"), &up).unwrap();
    let out = run_client(server.addr, &dir, "alice", &["put up.bin"]);
    said(&out, "put up.bin: resuming at 1.0 MiB of 2.0 MiB");
    assert!(!partial.exists(), "the partial outlived its upload");

    let down = content(2 * MIB, 2);
    fs::write(world.home("alice").join("down.bin"), &down).unwrap();
    let cut = Relay::start(server.addr, None, Some(MIB as u64));
    let out = run_client(cut.addr, &dir, "alice", &["get down.bin"]);
    assert!(out.stdout.contains("interrupted after"), "{}", out.stdout);
    assert!(dir.join("down.bin.part").is_file(), "no down.bin.part");
    let out = run_client(server.addr, &dir, "alice", &["get down.bin"]);
    said(&out, "get down.bin: resuming at");
    assert!(!dir.join("down.bin.part").exists());

    fs::write(dir.join("down.bin.part"), content(300_000, 3)).unwrap();
    let out = run_client(server.addr, &dir, "alice", &["get down.bin"]);
    said(&out, "does not match the server's file; starting over");

    let old = content(2 * MIB, 4);
    interrupt_put(&world, server.addr, "alice", "f.bin", &old, MIB);
    server.proc.wait_for_text("alice: put /f.bin: interrupted");
    fs::write(dir.join("f.bin"), content(2 * MIB, 5)).unwrap();
    let out = run_client(server.addr, &dir, "alice", &["put f.bin"]);
    said(&out, "does not match this file; starting over");
}

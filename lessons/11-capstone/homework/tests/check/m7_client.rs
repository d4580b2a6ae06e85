//! Milestone 7: the client (requirements 7, 8 and 9). Your client, against
//! lesson 11's own server, so that only the client is under test: it logs
//! in, runs the commands a line at a time and says what came of each in the
//! words chapter 11 shows for `client-11`; a refusal is printed and the
//! client goes on; an interrupted put or get continues where it stopped,
//! with only the missing bytes crossing (counted by a relay), or starts over
//! when the start no longer matches; and the progress bar is drawn on a
//! terminal only.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use workbook_harness::Finished;
use workbook_harness::pretty_assertions::assert_eq;

use crate::support::*;

const MIB: usize = 1 << 20;

/// What frames and headers may add to a file's bytes on the wire, at most:
/// the greeting, the login, a few requests and replies.
const OVERHEAD: u64 = 4096;

/// alice, with `quota`, on a reference server of her own, and a folder for
/// the client to run in.
fn reference(label: &str, quota: &str) -> (World, Server, PathBuf) {
    let world = World::new(label);
    world.add_user("alice", quota);
    let server = world.start_reference(&[]);
    let dir = world.client_dir("client");
    (world, server, dir)
}

/// Whether a line of `text` holds each of `words`, in that order.
fn has_line(text: &str, words: &[&str]) -> bool {
    text.lines().any(|line| {
        let mut rest = line;
        words.iter().all(|word| match rest.find(word) {
            Some(at) => {
                rest = &rest[at + word.len()..];
                true
            }
            None => false,
        })
    })
}

/// Fails unless the client printed a line holding each of `words`, in order.
#[track_caller]
fn assert_said(out: &Finished, words: &[&str], when: &str) {
    assert!(
        has_line(&out.stdout, words),
        "{when}, the client should print a line with {words:?}; it printed:\n\
         {}\n(stderr:)\n{}",
        out.stdout,
        out.stderr
    );
}

/// Fails unless the client exited with success, showing what it printed.
#[track_caller]
fn assert_ran(out: &Finished) {
    assert!(
        out.status.success(),
        "the client should run its commands and exit with success at the end \
         of its input; it ended with {}, and printed:\n{}\n(stderr:)\n{}",
        out.status,
        out.stdout,
        out.stderr
    );
}

/// The names in a folder, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The client logs in, and pwd, mkdir, cd, put, ls, get each do their work
/// on the server and say so: `logged in as`, `saved as … verified` for a put
/// (into the working folder) and for a get (into the client's folder), the
/// names in a listing.
#[test]
fn m7_the_client_logs_in_and_runs_the_commands() {
    let (world, server, dir) = reference("m7-commands", "10MiB");
    let welcome = content(75, 1);
    fs::write(world.home("alice").join("welcome.txt"), &welcome).unwrap();
    let notes = content(59, 2);
    fs::write(dir.join("notes.txt"), &notes).unwrap();
    let out = run_client(
        server.addr,
        &dir,
        "alice",
        &[
            "pwd",
            "mkdir docs",
            "cd docs",
            "put notes.txt",
            "ls",
            "cd ..",
            "get welcome.txt",
            "ls docs",
        ],
    );
    assert_ran(&out);
    assert_said(&out, &["logged in as alice"], "after the login");
    let home = world.home("alice");
    assert!(home.join("docs").is_dir(), "mkdir docs made no /docs");
    assert!(
        fs::read(home.join("docs/notes.txt")).unwrap_or_default() == notes,
        "put notes.txt after cd docs should save /docs/notes.txt; the client \
         printed:\n{}",
        out.stdout
    );
    assert_said(
        &out,
        &["saved as", "/docs/notes.txt", "verified"],
        "after put notes.txt",
    );
    assert!(
        fs::read(dir.join("welcome.txt")).unwrap_or_default() == welcome,
        "get welcome.txt should save welcome.txt in the client's folder"
    );
    assert_said(
        &out,
        &["saved as", "welcome.txt", "verified"],
        "after get welcome.txt",
    );
    let listed = out
        .stdout
        .lines()
        .filter(|line| line.contains("notes.txt") && !line.contains("saved as"))
        .count();
    assert!(
        listed >= 2,
        "ls in /docs and ls docs should each list notes.txt; the client \
         printed:\n{}",
        out.stdout
    );
}

/// Refusals are printed (`refused`, for a put or a get) and the client goes
/// on: a get above the home, a put over the quota, a get of nothing, a cd to
/// nowhere (which leaves the working folder), a mkdir of what exists; then a
/// put still works, in the home.
#[test]
fn m7_refusals_are_printed_and_the_client_goes_on() {
    let (world, server, dir) = reference("m7-refusals", "1MiB");
    fs::write(dir.join("big.bin"), content(2 * MIB, 1)).unwrap();
    let small = content(1000, 2);
    fs::write(dir.join("small.txt"), &small).unwrap();
    let out = run_client(
        server.addr,
        &dir,
        "alice",
        &[
            "get ../secret.txt",
            "put big.bin",
            "get nothing.bin",
            "cd nowhere",
            "mkdir docs",
            "mkdir docs",
            "put small.txt",
        ],
    );
    assert_ran(&out);
    let refused = out
        .stdout
        .lines()
        .filter(|line| line.contains("refused"))
        .count();
    assert!(
        refused >= 3,
        "get ../secret.txt (above the home), put big.bin (over the quota) and \
         get nothing.bin should each print a line with `refused`; the client \
         printed:\n{}",
        out.stdout
    );
    assert_said(
        &out,
        &["saved as", "/small.txt", "verified"],
        "after the refusals, put small.txt",
    );
    assert!(
        fs::read(world.home("alice").join("small.txt")).unwrap_or_default()
            == small,
        "put small.txt after a refused cd should save /small.txt"
    );
    assert!(
        !world.home("alice").join("big.bin").exists(),
        "a put over the quota was saved"
    );
}

/// An upload cut after 3 MiB of 8 is finished by your client: it says where
/// it resumes, only the other 5 MiB cross (counted by a relay), and the file
/// on the server is the whole file.
#[test]
fn m7_an_interrupted_put_sends_only_the_missing_bytes() {
    let (world, server, dir) = reference("m7-put", "100MiB");
    let file = content(8 * MIB, 9);
    interrupt_put(&world, server.addr, "alice", "big.bin", &file, 3 * MIB);
    let mut raw = Raw::login(server.addr, "alice");
    let kept = (3 * MIB) as u64;
    let used = || raw.ls(None).0.used;
    assert_eq!(
        settle(&Some(kept), used),
        Some(kept),
        "the reference server's used once it gave the upload up"
    );

    fs::write(dir.join("big.bin"), &file).unwrap();
    let relay = Relay::start(server.addr, None, None);
    let out = run_client(relay.addr, &dir, "alice", &["put big.bin"]);
    assert_ran(&out);
    assert_said(&out, &["resuming at"], "putting big.bin again");
    assert_said(&out, &["saved as", "/big.bin", "verified"], "at the end");
    let crossed = relay.to_server.load(Ordering::SeqCst);
    let missing = (5 * MIB) as u64;
    assert!(
        (missing..missing + OVERHEAD).contains(&crossed),
        "{crossed} bytes went to the server for the {missing} missing (and at \
         most {OVERHEAD} of frames)"
    );
    assert!(
        fs::read(world.home("alice").join("big.bin")).unwrap_or_default() == file,
        "big.bin on the server differs from the file"
    );
}

/// A download cut after 2 MiB of 6 keeps what arrived in the client's folder
/// (not under the file's name); the next `get` says where it resumes, only
/// the missing bytes come back, and the file saved is whole, with nothing
/// else left beside it.
#[test]
fn m7_an_interrupted_get_fetches_only_the_missing_bytes() {
    let (world, server, dir) = reference("m7-get", "100MiB");
    let file = content(6 * MIB, 3);
    fs::write(world.home("alice").join("big.bin"), &file).unwrap();

    // The relay cuts the connection once 2 MiB (and a little) have come back.
    let cut = Relay::start(server.addr, None, Some((2 * MIB) as u64));
    let out = run_client(cut.addr, &dir, "alice", &["get big.bin"]);
    assert_said(&out, &["interrupted"], "when the get was cut");
    assert!(
        !dir.join("big.bin").exists(),
        "a cut download was saved under its name"
    );
    let held = kept_prefix(&dir, &file);
    assert!(
        held > MIB as u64 && held <= (2 * MIB) as u64,
        "the client's folder should keep what arrived of the cut download, \
         about 2 MiB; the longest start of big.bin there is {held} bytes \
         (files: {:?})",
        names_in(&dir)
    );

    let relay = Relay::start(server.addr, None, None);
    let out = run_client(relay.addr, &dir, "alice", &["get big.bin"]);
    assert_ran(&out);
    assert_said(&out, &["resuming at"], "getting big.bin again");
    assert_said(&out, &["saved as", "big.bin", "verified"], "at the end");
    let crossed = relay.to_client.load(Ordering::SeqCst);
    let missing = file.len() as u64 - held;
    assert!(
        (missing..missing + OVERHEAD).contains(&crossed),
        "{crossed} bytes came back for the {missing} missing (and at most \
         {OVERHEAD} of frames)"
    );
    assert!(
        fs::read(dir.join("big.bin")).unwrap_or_default() == file,
        "the big.bin saved differs from the server's"
    );
    assert_eq!(
        names_in(&dir),
        ["big.bin"],
        "the client's folder once the download is saved"
    );
}

/// When the start of a transfer no longer matches, the client says `starting
/// over` and sends or fetches the whole file: a local file changed since
/// its upload was cut, and a server's file changed since its download was
/// cut. Neither ends as a mix.
#[test]
fn m7_a_changed_file_starts_over() {
    let (world, server, dir) = reference("m7-changed", "100MiB");
    let old = content(2 * MIB, 1);
    interrupt_put(&world, server.addr, "alice", "up.bin", &old, MIB);
    let mut raw = Raw::login(server.addr, "alice");
    let used = || raw.ls(None).0.used;
    assert_eq!(
        settle(&Some(MIB as u64), used),
        Some(MIB as u64),
        "the reference server's used once it gave the upload up"
    );
    let new = content(2 * MIB, 2);
    fs::write(dir.join("up.bin"), &new).unwrap();
    let relay = Relay::start(server.addr, None, None);
    let out = run_client(relay.addr, &dir, "alice", &["put up.bin"]);
    assert_ran(&out);
    assert_said(&out, &["starting over"], "putting a changed up.bin");
    let crossed = relay.to_server.load(Ordering::SeqCst);
    assert!(
        crossed >= new.len() as u64,
        "only {crossed} bytes went to the server for a new file of {}",
        new.len()
    );
    assert!(
        fs::read(world.home("alice").join("up.bin")).unwrap_or_default() == new,
        "up.bin on the server is not the new file"
    );

    let first = content(2 * MIB, 3);
    fs::write(world.home("alice").join("down.bin"), &first).unwrap();
    let cut = Relay::start(server.addr, None, Some(MIB as u64));
    let out = run_client(cut.addr, &dir, "alice", &["get down.bin"]);
    assert_said(&out, &["interrupted"], "when the get was cut");
    assert!(
        kept_prefix(&dir, &first) > 0,
        "nothing kept of the cut download (files: {:?})",
        names_in(&dir)
    );
    let second = content(2 * MIB, 4);
    fs::write(world.home("alice").join("down.bin"), &second).unwrap();
    let out = run_client(server.addr, &dir, "alice", &["get down.bin"]);
    assert_ran(&out);
    assert_said(
        &out,
        &["starting over"],
        "getting down.bin, changed on the server",
    );
    assert!(
        fs::read(dir.join("down.bin")).unwrap_or_default() == second,
        "the down.bin saved is not the server's new file"
    );
}

/// A download damaged on the way (a relay flips one byte of its body) does
/// not match the trailer's digest: the client does not put it under the
/// file's name, where the good copy it had stays as it was, and goes on.
#[test]
fn m7_a_damaged_download_is_not_saved() {
    let (world, server, dir) = reference("m7-damaged", "10MiB");
    let file = content(MIB, 5);
    fs::write(world.home("alice").join("f.bin"), &file).unwrap();
    let good = content(1000, 6);
    fs::write(dir.join("f.bin"), &good).unwrap();
    // Past the greeting and the replies, well inside the file's bytes.
    let relay = Relay::damaging(server.addr, 100_000);
    let out = run_client(relay.addr, &dir, "alice", &["get f.bin", "pwd"]);
    assert_ran(&out);
    assert!(
        !has_line(&out.stdout, &["saved as", "verified"]),
        "a download that does not match its digest was reported saved:\n{}",
        out.stdout
    );
    assert!(
        fs::read(dir.join("f.bin")).unwrap_or_default() == good,
        "the f.bin in the client's folder should still be the copy it had \
         before a damaged download of it"
    );
}

/// Piped, the client prints its result lines and no bar: no carriage
/// returns, no terminal escapes, no rate, on either stream.
#[test]
fn m7_no_bar_when_the_output_is_piped() {
    let (_world, server, dir) = reference("m7-piped", "100MiB");
    fs::write(dir.join("big.bin"), content(4 * MIB, 1)).unwrap();
    let out =
        run_client(server.addr, &dir, "alice", &["put big.bin", "get big.bin"]);
    assert_ran(&out);
    assert_said(&out, &["saved as", "verified"], "after put and get");
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !text.contains(['\r', '\x1b']) && !text.contains("B/s"),
            "a bar (a carriage return, an escape or a rate) in the client's \
             {stream}, which is a pipe:\n{text:?}"
        );
    }
}

/// On a terminal (a pseudo-terminal made by `script`), the bar is drawn, and
/// for a resumed upload it shows where it resumed (`resumed at 2.0 MiB`, as
/// chapter 11's does) and the bytes of the whole file.
#[cfg(target_os = "linux")]
#[test]
fn m7_on_a_terminal_the_bar_shows_the_resume_point() {
    let (world, server, dir) = reference("m7-terminal", "100MiB");
    let file = content(8 * MIB, 2);
    interrupt_put(&world, server.addr, "alice", "big.bin", &file, 2 * MIB);
    let mut raw = Raw::login(server.addr, "alice");
    let used = || raw.ls(None).0.used;
    assert_eq!(
        settle(&Some((2 * MIB) as u64), used),
        Some((2 * MIB) as u64),
        "the reference server's used once it gave the upload up"
    );
    fs::write(dir.join("big.bin"), &file).unwrap();

    let client = client_program();
    let args = client.args(&[
        "--addr".into(),
        server.addr.to_string(),
        "--user".into(),
        "alice".into(),
    ]);
    let command = format!("{} {}", client.path.display(), args.join(" "));
    let out = on_a_terminal(&command, &dir, &format!("{PASSWORD}\nput big.bin\n"));
    assert!(
        out.contains(['\r', '\x1b']),
        "no bar (no carriage return, no escape) on the terminal:\n{out}"
    );
    // The client's own line says where it resumes, and the whole size; the
    // bar, drawn on the same terminal, must show both too.
    let bar: String = out
        .split('\n')
        .filter(|line| !line.contains("resuming at"))
        .collect();
    assert!(
        bar.contains("resumed at 2.0 MiB") || bar.contains("resumed at 2.00 MiB"),
        "the bar should show where the upload resumed, as chapter 11's does: \
         `resumed at 2.0 MiB`; the terminal showed:\n{out}"
    );
    assert!(
        bar.contains("8.0 MiB") || bar.contains("8.00 MiB"),
        "the bar should count the bytes of the whole file, 8.0 MiB (not just \
         the 6 MiB sent); the terminal showed:\n{out}"
    );
    assert!(
        out.contains("verified"),
        "the upload did not finish:\n{out}"
    );
    assert!(
        fs::read(world.home("alice").join("big.bin")).unwrap_or_default() == file,
        "big.bin on the server differs from the file"
    );
}

/// Runs the shell command `command` in `dir` on a pseudo-terminal (`script`,
/// from util-linux, makes one and copies what is drawn on it to us), typing
/// `input`; returns what the terminal showed. Fails after 20 s.
#[cfg(target_os = "linux")]
fn on_a_terminal(command: &str, dir: &Path, input: &str) -> String {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let mut script = Command::new("script")
        .args(["--quiet", "--return", "--command", command, "/dev/null"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script (util-linux) makes a terminal for the client");
    script
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let mut stdout = script.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while script.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = script.kill();
            let _ = script.wait();
            panic!("the client on a terminal did not finish in 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    String::from_utf8_lossy(&reader.join().unwrap()).into_owned()
}

//! Lesson 5 end to end: a tiny ssh, its 1024-byte spill, and the limits that make
//! running commands for others bearable. The commands are Unix shell commands, so
//! these tests run on Linux and macOS.
#![cfg(unix)]

use std::path::Path;

use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Program, check_demo, run_demo};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}
fn server() -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-05")).serves_forever("client left")
}
fn client() -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-05"))
}

/// Runs `commands` through a fresh server started with `server_args` and returns
/// what the client read, one entry per read: the text under each
/// `--- read N bytes ---` line.
fn reads(server_args: &[&str], commands: &[&str]) -> Vec<(usize, String)> {
    let server = server_args.iter().fold(server(), |p, a| p.arg(a));
    let input: Vec<String> = commands.iter().map(|c| c.to_string()).collect();
    let out = run_demo(&server, &client(), &input);
    assert!(
        out.client.status.success(),
        "client failed:\n{}",
        out.client.stderr
    );
    let mut reads: Vec<(usize, String)> = Vec::new();
    for line in out.client.stdout.lines().skip(1) {
        if let Some(n) = line
            .strip_prefix("--- read ")
            .and_then(|l| l.strip_suffix(" bytes ---"))
        {
            reads.push((n.parse().unwrap(), String::new()));
        } else if let Some((_, text)) = reads.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    reads
}

/// One read of `text`, as `reads` returns it.
fn read(text: &str) -> (usize, String) {
    (text.len(), text.to_string())
}

/// The chapter's transcript: `echo`, a command with no output, then the spill.
#[test]
fn the_demo_matches_the_chapter() {
    check_demo(lesson_dir(), "demo", &server(), &client());
}

/// The bug the chapter is about: `seq 10000 10200` prints 1206 bytes, the client's
/// single read takes 1024 of them, and the rest arrives as the "reply" to the next
/// command, starting in the middle of a number. The real reply comes one read
/// later.
#[test]
fn a_reply_longer_than_1024_bytes_spills_into_the_next_reply() {
    let reads = reads(&[], &["seq 10000 10200", "echo second"]);
    assert_eq!(reads.len(), 3, "three reads: {reads:?}");
    assert_eq!(
        reads[0].0, 1024,
        "the first read fills the 1024-byte buffer"
    );
    assert!(
        reads[0].1.ends_with("10169\n1017\n"),
        "cut inside 10170: {:?}",
        reads[0].1
    );
    assert_eq!(reads[1].0, 1206 - 1024, "the next read is the leftover");
    assert!(
        reads[1].1.starts_with("0\n10171\n"),
        "leftover first: {:?}",
        reads[1].1
    );
    assert!(!reads[1].1.contains("second"));
    assert_eq!(reads[2], read("second\n"), "the real reply comes last");
}

/// A command that would run forever is stopped at the time limit, and so is a
/// command the shell started itself (`sleep` in `sleep 60; echo late`).
#[test]
fn a_command_is_stopped_at_the_time_limit() {
    let reads = reads(
        &["--time-limit", "1"],
        &["sleep 60; echo late", "echo next"],
    );
    assert_eq!(
        reads,
        vec![read("[stopped: still running after 1 s]\n"), read("next\n"),]
    );
}

/// `yes` prints without end; the server sends the first bytes and a note, and the
/// command ends because its pipe was closed.
#[test]
fn output_is_cut_at_the_cap() {
    let reads = reads(&["--max-output", "10"], &["yes"]);
    assert_eq!(
        reads,
        vec![read("y\ny\ny\ny\ny\n[output cut at 10 bytes]\n")]
    );
}

/// Bytes that are not UTF-8 are shown as � rather than failing, and a failing
/// command's exit code is reported.
#[test]
fn odd_output_and_failures_are_shown() {
    let reads = reads(&[], &[r"printf '\377ok\n'", "exit 3"]);
    assert_eq!(
        reads,
        vec![
            (4, "\u{fffd}ok\n".to_string()), // the byte 0xFF is shown as �
            read("[exit code 3]\n"),
        ]
    );
}

/// Listening where other machines can connect needs the loudly named flag.
#[test]
fn only_loopback_without_the_flag() {
    let refused = workbook_harness::Proc::spawn(
        "server",
        Path::new(env!("CARGO_BIN_EXE_server-05")),
        &["--addr".into(), "0.0.0.0:0".into()],
        workbook_harness::Input::Piped,
    )
    .unwrap()
    .finish();
    assert_eq!(refused.stdout, "");
    let line = refused.one_error_line();
    assert!(
        line.starts_with("error: 0.0.0.0:0 can be reached from other machines")
            && line.ends_with("pass --allow-remote-commands if you mean it"),
        "got: {line}"
    );

    let mut open = workbook_harness::Proc::spawn(
        "server",
        Path::new(env!("CARGO_BIN_EXE_server-05")),
        &[
            "--addr".into(),
            "0.0.0.0:0".into(),
            "--allow-remote-commands".into(),
        ],
        workbook_harness::Input::Piped,
    )
    .unwrap();
    open.wait_for_text(
        "WARNING: --allow-remote-commands: anyone who can reach 0.0.0.0:",
    );
}

/// A line no command line can hold (a NUL byte) gets a reply that says so; the
/// connection goes on.
#[test]
fn a_command_that_cannot_start_is_reported() {
    let reads = reads(&[], &["echo a\u{0}b", "echo fine"]);
    assert_eq!(
        reads,
        vec![
            read("cannot run the command: nul byte found in provided data\n"),
            read("fine\n"),
        ]
    );
}

/// A failed `accept` (here: no file descriptor left, EMFILE) is reported, and the
/// server goes on: the client it could not accept then is served next.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_accept_does_not_end_the_server() {
    use std::io::{Read, Write};
    use workbook_harness::limits::client_after_a_failed_accept;

    let (mut server, addr) = server().start_server();
    let mut client = client_after_a_failed_accept(&mut server, addr);
    client.write_all(b"echo still here").unwrap();
    let mut reply = [0u8; 11];
    client.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"still here\n");
    server.wait_for_text("running: echo still here");
}

//! Requirement 8: a progress bar for transfers, on the client's terminal:
//! bytes, rate, time left, and where a resumed transfer started. Output that
//! is not a terminal (a pipe, a file, the book's transcripts) never gets one.

use std::fs;

use lesson_11::protocol::Status;

use crate::support::*;

const MIB: usize = 1 << 20;

/// Piped, the client prints its result lines and nothing else: no bar, no
/// carriage returns, no terminal escapes, on either stream.
#[test]
fn r8_no_bar_in_output_that_is_not_a_terminal() {
    let world = World::new("r8-piped");
    world.add_user("alice", "100MiB");
    let server = world.start(&[]);
    let dir = world.client_dir("client");
    fs::write(dir.join("big.bin"), content(4 * MIB, 1)).unwrap();
    let out =
        run_client(server.addr, &dir, "alice", &["put big.bin", "get big.bin"]);
    assert!(out.status.success(), "{out:?}");
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !text.contains(['\r', '\x1b', '[']) && !text.contains("/s"),
            "a bar in {stream}:\n{text}"
        );
    }
    assert_eq!(out.stderr, "");
}

/// On a terminal (a pseudo-terminal made by `script`), the bar shows the
/// name, the bytes of the whole file, and for a resumed upload where it
/// resumed.
#[cfg(target_os = "linux")]
#[test]
fn r8_on_a_terminal_the_bar_shows_bytes_and_the_resume_point() {
    use std::process::Command;

    let world = World::new("r8-terminal");
    world.add_user("alice", "100MiB");
    let mut server = world.start(&[]);
    let file = content(8 * MIB, 2);
    // 2 MiB kept on the server from an upload cut off earlier.
    let mut raw = Raw::login(server.addr, "alice");
    assert_eq!(
        raw.call(&put("big.bin", file.len() as u64)).status,
        Status::Ok
    );
    raw.send(&data(0, file.len() as u64), &file[..2 * MIB])
        .unwrap();
    drop(raw);
    server.proc.wait_for_text("interrupted");

    let dir = world.client_dir("client");
    fs::write(dir.join("big.bin"), &file).unwrap();
    // `script` gives the client a terminal and copies what it drew to us.
    // Its input is piped: the client reads the user, the password (a piped
    // line, since its stdin is not the terminal), then the command.
    let client = client_program();
    let args = client.args(&[
        "--addr".into(),
        server.addr.to_string(),
        "--user".into(),
        "alice".into(),
    ]);
    let command = format!("{} {}", client.path.display(), args.join(" "));
    let mut script = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) makes a terminal for the client");
    {
        use std::io::Write;
        let mut input = script.stdin.take().unwrap();
        writeln!(input, "{PASSWORD}\nput big.bin").unwrap();
    }
    let out = wait_with_deadline(script);
    assert!(
        out.contains("resumed at 2.0 MiB"),
        "no resume point in:\n{out}"
    );
    assert!(out.contains("8.00 MiB"), "no total size in:\n{out}");
    assert!(
        out.contains("verified"),
        "the upload did not finish:\n{out}"
    );
    assert!(fs::read(world.home("alice").join("big.bin")).unwrap() == file);
}

/// Waits at most the harness's limit for `child`, killing it after; returns
/// what it printed on stdout and stderr.
#[cfg(target_os = "linux")]
fn wait_with_deadline(mut child: std::process::Child) -> String {
    use std::io::Read;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the client on a terminal did not finish in 20 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    String::from_utf8_lossy(&reader.join().unwrap()).into_owned()
}

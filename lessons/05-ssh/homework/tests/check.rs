//! The check for homework 5 (`just check 5`). The test plays the server: it
//! answers a command, then fails in the ways a real server can.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use socket2::SockRef;
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::process::TIMEOUT;
use workbook_harness::{
    Finished, Input, Proc, TestListener, homework_program, refused_addr,
};

fn start(addr: String) -> Proc {
    let args = vec!["--addr".to_string(), addr];
    Proc::spawn("your client", &homework_program!("05"), &args, Input::Piped)
        .unwrap()
}

/// Reads one command from the client and checks it is `expected`.
fn expect_command(conn: &mut TcpStream, expected: &str) {
    let mut buffer = [0u8; 1024];
    let n = conn.read(&mut buffer).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&buffer[..n]),
        expected,
        "the client should send each non-blank line, trimmed, as it is typed"
    );
}

#[test]
fn prints_each_reply() {
    let listener = TestListener::bind();
    let mut client = start(listener.addr().to_string());
    let (mut conn, _) = listener.accept(&mut client);
    client.send_line("echo one");
    client.send_line("   ");
    client.send_line("  echo two  ");
    expect_command(&mut conn, "echo one");
    conn.write_all(b"one\n").unwrap();
    client.wait_for_text("one");
    expect_command(&mut conn, "echo two");
    conn.write_all(b"two\n").unwrap();
    client.wait_for_text("two");
    drop(conn);
    let out = client.finish();
    assert!(out.status.success(), "stderr:\n{}", out.stderr);
    assert_eq!(out.stdout, "one\ntwo\n");
}

#[test]
fn a_refused_connection_is_one_line() {
    let addr = refused_addr().to_string();
    let out = start(addr.clone()).finish();
    assert_eq!(
        out.one_error_line(),
        format!("error: connection refused by {addr}; is the server running?")
    );
}

#[test]
fn another_failure_is_not_called_refused() {
    // Not an address at all: connecting fails before a packet is sent.
    let out = start("nowhere".to_string()).finish();
    let line = out.one_error_line();
    assert!(
        !line.contains("refused"),
        "only a refused connection should say `refused`; for --addr nowhere \
         say what really went wrong, got: {line}"
    );
}

#[test]
fn a_reply_that_is_not_utf8_is_printed_without_a_panic() {
    let mut client = RawClient::start(&["cat menu.txt", "echo two"]);
    let mut conn = client.accept();
    expect_command(&mut conn, "cat menu.txt");
    // "café" in Latin-1: the é is one byte, 0xE9, which is not UTF-8.
    conn.write_all(b"caf\xe9\n").unwrap();
    // The next command proves the client took that reply and went on.
    let mut buffer = [0u8; 64];
    let n = conn.read(&mut buffer).unwrap_or(0);
    if n == 0 {
        let (_, _, stderr) = client.finish();
        panic!(
            "your client stopped after a reply that is not UTF-8: a reply is \
             bytes, not always text; print it, never panic. stderr:\n{stderr}"
        );
    }
    assert_eq!(String::from_utf8_lossy(&buffer[..n]), "echo two");
    conn.write_all(b"two\n").unwrap();
    drop(conn);
    let (status, stdout, stderr) = client.finish();
    assert!(
        status.success() && stderr.is_empty(),
        "a reply is bytes, not always UTF-8 text: print it, never panic; \
         got {status}, stderr:\n{stderr}"
    );
    assert!(
        stdout.starts_with(b"caf") && stdout.ends_with(b"two\n"),
        "print each reply as it came (lossily or as raw bytes); got {:?}",
        String::from_utf8_lossy(&stdout)
    );
}

/// Your client with its output kept as raw bytes, for the one test whose reply
/// is not UTF-8: the harness reads a program's output as UTF-8 lines, and stops
/// at a line that is not. Every wait has the harness's deadline.
struct RawClient {
    child: Child,
    listener: TcpListener,
}

impl RawClient {
    /// Starts your client with `lines` typed and the input ended.
    fn start(lines: &[&str]) -> RawClient {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let mut child = Command::new(homework_program!("05"))
            .args(["--addr", &listener.local_addr().unwrap().to_string()])
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the program starts");
        let mut stdin = child.stdin.take().unwrap();
        for line in lines {
            writeln!(stdin, "{line}").unwrap();
        }
        RawClient { child, listener }
    }

    /// The client's connection, with the harness's read and write deadlines.
    fn accept(&mut self) -> TcpStream {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.listener.accept() {
                Ok((conn, _)) => {
                    conn.set_nonblocking(false).unwrap();
                    conn.set_read_timeout(Some(TIMEOUT)).unwrap();
                    conn.set_write_timeout(Some(TIMEOUT)).unwrap();
                    return conn;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    let exited = matches!(self.child.try_wait(), Ok(Some(_)));
                    if exited || Instant::now() > deadline {
                        let (status, _, stderr) = self.finish();
                        panic!("your client did not connect ({status}):\n{stderr}");
                    }
                    thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("accept failed: {e}"),
            }
        }
    }

    /// Waits for the client to exit (killing it at the deadline); returns its
    /// status, its stdout as bytes and its stderr.
    fn finish(&mut self) -> (ExitStatus, Vec<u8>, String) {
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break self.child.wait().unwrap();
            }
            thread::sleep(Duration::from_millis(5));
        };
        let mut stdout = Vec::new();
        let mut stderr = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut stdout)
            .unwrap();
        let mut raw = Vec::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_end(&mut raw)
            .unwrap();
        stderr.push_str(&String::from_utf8_lossy(&raw));
        (status, stdout, stderr)
    }
}

impl Drop for RawClient {
    /// A test that fails half-way leaves no client running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// How the test's server leaves while the client waits for a reply: `typed`
/// is the line typed, which the server reads as the command `command`.
fn server_leaves_during(typed: &str, command: &str, reset: bool) -> Finished {
    let listener = TestListener::bind();
    let mut client = start(listener.addr().to_string());
    let (mut conn, _) = listener.accept(&mut client);
    client.send_line(typed);
    expect_command(&mut conn, command);
    if reset {
        // SO_LINGER 0: closing sends a RST instead of a FIN.
        SockRef::from(&conn)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
    }
    drop(conn);
    client.finish()
}

#[test]
fn a_server_that_closes_before_replying_is_one_line() {
    let out = server_leaves_during("  sleep 1  ", "sleep 1", false);
    assert_eq!(
        out.one_error_line(),
        r#"error: the server closed the connection before replying to "sleep 1""#,
        "name the command as it was sent: trimmed"
    );
}

#[test]
fn a_server_that_resets_before_replying_is_one_line() {
    let out = server_leaves_during("ls -l", "ls -l", true);
    assert_eq!(
        out.one_error_line(),
        r#"error: the server reset the connection before replying to "ls -l""#
    );
}

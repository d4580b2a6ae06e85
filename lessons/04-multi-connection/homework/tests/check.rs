//! The check for homework 4 (`just check 4`). The test is the clients: it connects
//! them one after another, and checks that the server serves exactly N of them.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use socket2::SockRef;
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::process::TIMEOUT;
use workbook_harness::{Program, connect, homework_program};

/// How long the test watches for something that must NOT happen while the first
/// client is connected (a reply to the second, a `served` line). A stated
/// observation period, not a pause: the test never waits on it for an event.
const WINDOW: Duration = Duration::from_millis(500);

fn server(clients: u32) -> Program {
    let program: PathBuf = homework_program!("04");
    Program::new(program)
        .arg("--clients")
        .arg(&clients.to_string())
}

/// Sends `message` and returns the reply.
fn round(stream: &mut TcpStream, message: &str) -> String {
    stream.write_all(message.as_bytes()).unwrap();
    let mut buffer = [0u8; 1024];
    let n = stream.read(&mut buffer).expect("the server should reply");
    String::from_utf8_lossy(&buffer[..n]).into_owned()
}

/// Proves `stream` receives nothing for `window`: a read whose timeout is the
/// window must time out, with not a byte and not the end of the stream.
#[track_caller]
fn assert_receives_nothing_within(
    stream: &mut TcpStream,
    window: Duration,
    why: &str,
) {
    stream.set_read_timeout(Some(window)).unwrap();
    let mut buffer = [0u8; 64];
    let got = match stream.read(&mut buffer) {
        Err(e)
            if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
        {
            stream.set_read_timeout(Some(TIMEOUT)).unwrap();
            return;
        }
        Ok(0) => "the end of the stream".to_string(),
        Ok(n) => format!("{:?}", String::from_utf8_lossy(&buffer[..n])),
        Err(e) => format!("an error ({e})"),
    };
    panic!("{why}: within {window:?} it received {got}");
}

#[test]
fn serves_exactly_n_clients_in_turn_then_exits() {
    let (mut server, addr) = server(2).start_server();
    let mut first = connect(addr);
    assert_eq!(round(&mut first, "one"), "ONE");
    // The second client connects and sends while the first is still being served.
    let mut second = connect(addr);
    second.write_all(b"two").unwrap();
    assert_receives_nothing_within(
        &mut second,
        WINDOW,
        "while the first client is connected, the second must wait its turn \
         (serve clients one after another, not at the same time)",
    );
    server.assert_no_line_within(
        "`served client 1` while client 1 is still connected",
        WINDOW,
        |line| line.contains("served client"),
    );
    assert_eq!(round(&mut first, "three"), "THREE");
    drop(first);
    server.wait_for_text("served client 1 of 2");
    let mut buffer = [0u8; 16];
    let n = second.read(&mut buffer).unwrap();
    assert_eq!(
        &buffer[..n],
        b"TWO",
        "the queued client is served after the first one leaves"
    );
    drop(second);

    let out = server.finish();
    assert!(
        out.status.success(),
        "the server should exit with success after 2 clients:\n{}",
        out.stderr
    );
    assert!(
        out.stdout
            .ends_with("served client 2 of 2\nserved 2 clients, goodbye\n"),
        "got:\n{}",
        out.stdout
    );
    assert!(
        TcpStream::connect(addr).is_err(),
        "after the last client the listener should be closed"
    );
}

#[test]
fn a_vanished_client_does_not_stop_the_server() {
    let (mut server, addr) = server(2).start_server();
    let first = connect(addr);
    // Abort: SO_LINGER 0 turns the close into a RST (chapter 3).
    SockRef::from(&first)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    let mut first = first;
    assert_eq!(round(&mut first, "bye"), "BYE");
    drop(first);
    server.wait_for_text("served client 1 of 2");

    let mut second = connect(addr);
    assert_eq!(round(&mut second, "still there?"), "STILL THERE?");
    drop(second);
    let out = server.finish();
    assert!(
        out.status.success(),
        "a reset is not a reason to fail:\n{}",
        out.stderr
    );
}

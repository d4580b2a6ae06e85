//! Lesson 10 end to end: datagrams keep their boundaries, an empty one is a
//! message, a long one is cut to the receive buffer (and how to tell), either
//! side may start first, and a lost reply is sent again after a timeout.

use std::net::UdpSocket;
use std::path::Path;
use std::time::Duration;

use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Input, Proc, Program, check_demo};

fn lesson_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
/// A demo ends when the server has answered the client's last line, `bye`.
fn server() -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-10")).serves_forever("bytes: ")
}
fn client() -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-10"))
}

/// A test's own UDP socket, with a deadline on every receive.
fn socket() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket
}

#[test]
fn the_demo_matches_the_chapter() {
    let server = server().serves_forever("bytes: bye");
    check_demo(lesson_dir(), "demo", &server, &client());
}

/// The server loses its first reply; the client waits a second, sends again,
/// and gets the answer.
#[test]
fn a_lost_reply_is_sent_again_after_the_timeout() {
    let server = server().arg("--drop-first").arg("1");
    check_demo(lesson_dir(), "lossy", &server, &client());
}

/// Two datagrams sent back to back are received as two, never one "ONETWO"
/// (lesson 6's sticky packets cannot happen), and an empty one is a message.
#[test]
fn each_datagram_is_one_message_even_an_empty_one() {
    let (_server, addr) = server().start_server();
    let me = socket();
    for message in [&b"one"[..], b"two", b""] {
        me.send_to(message, addr).unwrap();
    }
    let mut buf = [0u8; 100];
    for expected in [&b"ONE"[..], b"TWO", b""] {
        let (n, from) = me.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (expected, addr));
    }
}

/// The pitfall: a datagram longer than the buffer given to recv_from is cut,
/// and the rest is gone. Unix says nothing; Windows returns an error instead.
#[test]
fn a_datagram_longer_than_the_buffer_is_cut() {
    let (sender, receiver) = (socket(), socket());
    let to = receiver.local_addr().unwrap();
    sender.send_to(b"0123456789abcdefghij", to).unwrap();
    sender.send_to(b"next", to).unwrap();
    let mut small = [0u8; 10];
    let first = receiver.recv_from(&mut small);
    if cfg!(windows) {
        let error = first.unwrap_err();
        assert_eq!(error.raw_os_error(), Some(10040), "WSAEMSGSIZE: {error}");
    } else {
        assert_eq!(first.unwrap().0, 10, "cut to the buffer, no error");
        assert_eq!(&small, b"0123456789");
    }
    // The next receive is the next datagram: the cut-off "abcdefghij" is lost.
    let (n, _) = receiver.recv_from(&mut small).unwrap();
    assert_eq!(&small[..n], b"next");
}

/// What the kernel knows: recvmsg sets a truncation flag (MSG_TRUNC), which
/// socket2 reports on every system (on Windows it comes from WSAEMSGSIZE).
#[test]
fn socket2_reports_the_truncation_flag() {
    use socket2::{MaybeUninitSlice, SockRef};
    use std::mem::MaybeUninit;
    let (sender, receiver) = (socket(), socket());
    let to = receiver.local_addr().unwrap();
    sender.send_to(b"0123456789abcdefghij", to).unwrap();
    sender.send_to(b"short", to).unwrap();
    for expected_cut in [true, false] {
        let mut buf = [MaybeUninit::<u8>::uninit(); 10];
        let (n, flags, _) = SockRef::from(&receiver)
            .recv_from_vectored(&mut [MaybeUninitSlice::new(&mut buf)])
            .unwrap();
        assert_eq!(flags.is_truncated(), expected_cut, "{n} bytes received");
    }
}

/// The client's check: a reply longer than `--buffer` is shown cut, with a note.
#[test]
fn the_client_tells_when_a_reply_was_cut() {
    let (_server, addr) = server().start_server();
    let mut client = client()
        .arg("--buffer")
        .arg("16")
        .start_client("client", addr);
    client.send_line("a line of forty characters, give or take");
    let out = client.finish();
    assert_eq!(
        out.stdout.lines().skip(1).collect::<Vec<_>>(),
        [
            "reply: A LINE OF FORTY ",
            "[the reply was longer than the buffer; the rest is lost]"
        ]
    );
}

/// The client may start first: its first datagram goes nowhere, the timeout
/// expires, and a later try reaches the server that started in the meantime.
#[test]
fn the_client_may_start_before_the_server() {
    let free = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut client = client()
        .arg("--timeout-ms")
        .arg("200")
        .arg("--retries")
        .arg("50")
        .start_client("client", free);
    client.send_line("early");
    client.wait_for_text("no reply within 200 ms; sending again (try 2 of 51)");
    let args = ["--addr".to_string(), free.to_string()];
    let path = Path::new(env!("CARGO_BIN_EXE_server-10"));
    let mut server = Proc::spawn("server", path, &args, Input::Piped).unwrap();
    server.wait_for_text("listening on");
    assert_eq!(client.wait_for_text("reply: "), "reply: EARLY");
}

/// With no server at all, the client gives up on a message after its tries
/// and ends normally.
#[test]
fn with_no_server_the_client_gives_up_on_the_message() {
    let free = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = client()
        .arg("--timeout-ms")
        .arg("100")
        .arg("--retries")
        .arg("1");
    let mut client = client.start_client("client", free);
    client.send_line("anyone?");
    let out = client.finish();
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stdout
            .ends_with("no reply after 2 tries; is the server running?\n"),
        "{}",
        out.stdout
    );
}

//! Lesson 10 end to end: datagrams keep their boundaries, an empty one is a
//! message, a long one is cut to the receive buffer (and how to tell), the
//! largest one of each family comes back whole, either side may start first, a
//! lost reply is sent again after a timeout, and junk does not stretch the wait.

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Input, Proc, Program, check_demo};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}
/// A demo ends when the server has answered the client's last line, `bye`.
fn server() -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-10")).serves_forever("bytes: ")
}
fn client() -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-10"))
}

/// server-10 listening on `addr` (`Program::start_server` always picks
/// 127.0.0.1), and the address it really bound.
fn server_on(addr: &str) -> (Proc, SocketAddr) {
    let args = ["--addr".to_string(), addr.to_string()];
    let path = Path::new(env!("CARGO_BIN_EXE_server-10"));
    let mut server = Proc::spawn("server", path, &args, Input::Piped).unwrap();
    let line = server.wait_for_text("listening on ");
    let bound = line.trim_start_matches("listening on ").parse().unwrap();
    (server, bound)
}

/// A test's own UDP socket, with a deadline on every receive.
fn socket() -> UdpSocket {
    socket_on("127.0.0.1:0")
}
fn socket_on(addr: &str) -> UdpSocket {
    let socket = UdpSocket::bind(addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket
}

/// `len` bytes of lower-case letters, `abc…zabc…`.
fn letters(len: usize) -> Vec<u8> {
    (b'a'..=b'z').cycle().take(len).collect()
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

/// The largest datagram of each family comes back whole from the server: 65,507
/// bytes of payload over IPv4, 65,527 over IPv6 (whose 40-byte header is not
/// counted in its length field). One byte more cannot even be sent.
// macOS refuses to send a UDP datagram over 9,216 bytes unless its
// net.inet.udp.maxdgram setting is raised, so these run elsewhere.
#[cfg(not(target_os = "macos"))]
#[test]
fn the_largest_datagram_comes_back_whole_over_ipv4_and_ipv6() {
    for (local, largest) in [("127.0.0.1:0", 65_507), ("[::1]:0", 65_527)] {
        let (_server, addr) = server_on(local);
        let me = socket_on(local);
        let message = letters(largest);
        me.send_to(&message, addr).unwrap();
        let mut buf = vec![0u8; 70_000];
        let (n, from) = me.recv_from(&mut buf).unwrap();
        assert_eq!(from, addr);
        // Not assert_eq!: a failure would print 65,000 letters twice.
        assert!(
            n == largest && buf[..n] == message.to_ascii_uppercase(),
            "over {local}, {n} of the {largest} bytes came back"
        );
        let too_long = me.send_to(&letters(largest + 1), addr);
        assert!(too_long.is_err(), "over {local}, sent {too_long:?} bytes");
    }
}

/// The client over IPv6, with the largest `--buffer` (65,535, received into
/// 65,536 bytes): the largest reply IPv6 can carry is shown whole, not cut.
// macOS refuses to send a UDP datagram over 9,216 bytes unless its
// net.inet.udp.maxdgram setting is raised, so these run elsewhere.
#[cfg(not(target_os = "macos"))]
#[test]
fn the_client_shows_the_largest_ipv6_reply_whole() {
    let (_server, addr) = server_on("[::1]:0");
    let mut client = client()
        .arg("--buffer")
        .arg("65535")
        .start_client("client", addr);
    let line = String::from_utf8(letters(65_527)).unwrap();
    client.send_line(&line);
    let out = client.finish();
    let lines: Vec<&str> = out.stdout.lines().collect();
    let expected = format!("reply: {}", line.to_ascii_uppercase());
    assert!(
        lines.len() == 2 && lines[1] == expected,
        "expected the first line and a reply of {} bytes; got lines of {:?} bytes",
        expected.len(),
        lines.iter().map(|line| line.len()).collect::<Vec<_>>()
    );
}

/// Junk every 100 ms, from a stranger and from the server's own address, does
/// not keep the client waiting: each try ends at its deadline however many
/// datagrams it ignored, and the client gives up after its tries while the junk
/// is still coming. (The harness fails the test if that takes 10 s.)
#[test]
fn steady_junk_does_not_keep_the_client_waiting() {
    // The test plays a server that receives the request and never answers it.
    let server = socket();
    let mut client = client()
        .arg("--timeout-ms")
        .arg("400")
        .arg("--retries")
        .arg("2")
        .start_client("client", server.local_addr().unwrap());
    client.send_line("anyone?");
    let (_, client_addr) = server.recv_from(&mut [0u8; 100]).unwrap();
    let junk = Junk::start(server, client_addr);
    client.wait_for_text("no reply after 3 tries; is the server running?");
    drop(junk);
    let out = client.finish();
    assert!(out.status.success(), "{out:?}");
    // Junk was still arriving during the last try, which ended on time anyway.
    let last_try = out.stdout.split("(try 3 of 3)").nth(1).unwrap_or_default();
    assert!(
        last_try.contains("(ignored a datagram that is not the reply: "),
        "no junk reached the client during its last try:\n{}",
        out.stdout
    );
}

/// Sends junk to `to` every 100 ms until dropped: a datagram from a stranger,
/// and one from `server` that is not the reply.
struct Junk {
    stop: Arc<AtomicBool>,
    sender: Option<JoinHandle<()>>,
}

impl Junk {
    fn start(server: UdpSocket, to: SocketAddr) -> Junk {
        let stop = Arc::new(AtomicBool::new(false));
        let stranger = socket();
        let sender = thread::spawn({
            let stop = Arc::clone(&stop);
            move || {
                while !stop.load(Ordering::SeqCst) {
                    // Errors do not matter: junk to a client that is gone.
                    let _ = stranger.send_to(b"junk from a stranger", to);
                    let _ = server.send_to(b"NOT THE REPLY", to);
                    thread::sleep(Duration::from_millis(100)); // pacing only
                }
            }
        });
        Junk {
            stop,
            sender: Some(sender),
        }
    }
}

impl Drop for Junk {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(sender) = self.sender.take() {
            let _ = sender.join();
        }
    }
}

//! The check for homework 10 (`just check 10`). The test plays the server with
//! a UDP socket of its own: it answers some pings, loses some, sends a late
//! reply to a lost one while your client waits for the next, lets a stranger
//! answer, and keeps sending stray datagrams while a ping waits for its reply.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::process::TIMEOUT;
use workbook_harness::{Finished, Input, Proc, homework_program};

/// A server socket, and your client pinging it `count` times.
fn start(count: u32, timeout_ms: u32) -> (UdpSocket, Proc) {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    // Short waits, so that a client that has crashed is noticed at once.
    server
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let args = [
        "--addr".to_string(),
        server.local_addr().unwrap().to_string(),
        "--count".to_string(),
        count.to_string(),
        "--timeout-ms".to_string(),
        timeout_ms.to_string(),
    ];
    let client =
        Proc::spawn("your client", &homework_program!("10"), &args, Input::Piped)
            .unwrap();
    (server, client)
}

/// Receives the next ping and checks that it is `ping SEQ`.
#[track_caller]
fn next_ping(server: &UdpSocket, client: &mut Proc, seq: u32) -> SocketAddr {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 100];
    loop {
        if let Ok((n, from)) = server.recv_from(&mut buf) {
            assert_eq!(String::from_utf8_lossy(&buf[..n]), format!("ping {seq}"));
            return from;
        }
        if client.has_exited() || Instant::now() > deadline {
            client.fail(&format!("sent no `ping {seq}`"));
        }
    }
}

fn answer(server: &UdpSocket, to: SocketAddr, seq: u32) {
    send(server, to, &format!("PING {seq}"));
}

fn send(from: &UdpSocket, to: SocketAddr, text: &str) {
    from.send_to(text.as_bytes(), to).unwrap();
}

/// The lines your client printed, with each `time=…` replaced by `time=T`.
fn lines(out: &Finished) -> Vec<String> {
    out.stdout
        .lines()
        .map(|line| match line.split_once(" time=") {
            Some((before, after)) if after.ends_with(" ms") => {
                let number = &after[..after.len() - 3];
                assert!(number.parse::<f64>().is_ok(), "not a time: {line:?}");
                format!("{before} time=T ms")
            }
            _ => line.to_string(),
        })
        .collect()
}

#[test]
fn every_reply_arrives() {
    let (server, mut client) = start(3, 2000);
    for seq in 1..=3 {
        let from = next_ping(&server, &mut client, seq);
        answer(&server, from, seq);
    }
    let out = client.finish();
    let addr = server.local_addr().unwrap();
    assert_eq!(
        lines(&out),
        [
            format!("reply from {addr}: seq=1 time=T ms"),
            format!("reply from {addr}: seq=2 time=T ms"),
            format!("reply from {addr}: seq=3 time=T ms"),
            "3 sent, 3 received, 0% lost".to_string(),
        ]
    );
}

/// Ping 2 is lost. Its late reply comes while the client waits for ping 3, just
/// before ping 3's own reply (in small letters: any case is a reply): only
/// the second is ping 3's. Ping 4 gets no reply: the one to ping 3 is used.
#[test]
fn a_lost_reply_is_counted_and_its_late_arrival_ignored() {
    let (server, mut client) = start(4, 500);
    let from = next_ping(&server, &mut client, 1);
    answer(&server, from, 1);
    next_ping(&server, &mut client, 2); // and no answer: lost
    client.wait_for_text("seq=2: no reply within 500 ms");
    let from = next_ping(&server, &mut client, 3);
    answer(&server, from, 2); // the late reply to ping 2 comes first
    send(&server, from, "ping 3");
    next_ping(&server, &mut client, 4); // and no answer: lost
    let out = client.finish();
    let addr = server.local_addr().unwrap();
    assert_eq!(
        lines(&out),
        [
            format!("reply from {addr}: seq=1 time=T ms"),
            "seq=2: no reply within 500 ms".to_string(),
            format!("reply from {addr}: seq=3 time=T ms"),
            "seq=4: no reply within 500 ms".to_string(),
            "4 sent, 2 received, 50% lost".to_string(),
        ]
    );
}

/// A reply is only a reply from the server's address: the right text from
/// another socket is not. 1 of 3 received is 66% lost (rounded down).
#[test]
fn a_stranger_cannot_reply_and_loss_is_rounded_down() {
    let (server, mut client) = start(3, 500);
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    let from = next_ping(&server, &mut client, 1);
    answer(&stranger, from, 1);
    let from = next_ping(&server, &mut client, 2);
    answer(&server, from, 2);
    next_ping(&server, &mut client, 3); // and no answer: lost
    let out = client.finish();
    let addr = server.local_addr().unwrap();
    assert_eq!(
        lines(&out),
        [
            "seq=1: no reply within 500 ms".to_string(),
            format!("reply from {addr}: seq=2 time=T ms"),
            "seq=3: no reply within 500 ms".to_string(),
            "3 sent, 1 received, 66% lost".to_string(),
        ],
        "a stranger at {} answered ping 1",
        stranger.local_addr().unwrap()
    );
}

/// While ping 1 waits for its reply, the server sends a stray datagram (an old
/// reply) every 50 ms, and keeps on. They must not stretch the wait: ping 1 is
/// lost after its 300 ms, not after the strays stop.
#[test]
fn stray_datagrams_do_not_stretch_the_timeout() {
    let (server, mut client) = start(1, 300);
    let from = next_ping(&server, &mut client, 1);
    let strays = Strays::start(&server, from);
    client.wait_for_text("seq=1: no reply within 300 ms");
    drop(strays);
    let out = client.finish();
    assert_eq!(
        lines(&out),
        [
            "seq=1: no reply within 300 ms",
            "1 sent, 0 received, 100% lost"
        ]
    );
}

#[test]
fn no_pings_at_all() {
    let (_server, client) = start(0, 300);
    let out = client.finish();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(lines(&out), ["0 sent, 0 received, 0% lost"]);
}

/// Stray datagrams sent on a thread of their own until dropped, or for a
/// little longer than any wait of the harness.
struct Strays {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Strays {
    fn start(server: &UdpSocket, to: SocketAddr) -> Strays {
        let socket = server.try_clone().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            let until = Instant::now() + TIMEOUT + Duration::from_secs(2);
            while !stopped.load(Ordering::SeqCst) && Instant::now() < until {
                // The client may have ended already: then nobody hears it.
                let _ = socket.send_to(b"PING 0", to);
                thread::sleep(Duration::from_millis(50));
            }
        });
        Strays {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Strays {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn with_no_server_every_ping_is_lost_and_the_client_still_ends() {
    let (server, client) = start(2, 200);
    let addr = server.local_addr().unwrap();
    drop(server); // nothing listens on that port now
    let out = client.finish();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        lines(&out),
        [
            "seq=1: no reply within 200 ms",
            "seq=2: no reply within 200 ms",
            "2 sent, 0 received, 100% lost",
        ],
        "pinging {addr}"
    );
}

//! The check for homework 10 (`just check 10`). The test plays the server with
//! a UDP socket of its own: it answers some pings, loses one, and sends a late
//! reply to the lost one while your client waits for the next.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use workbook_harness::pretty_assertions::assert_eq;
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
    server
        .send_to(format!("PING {seq}").as_bytes(), to)
        .unwrap();
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

#[test]
fn a_lost_reply_is_counted_and_its_late_arrival_ignored() {
    let (server, mut client) = start(4, 300);
    let from = next_ping(&server, &mut client, 1);
    answer(&server, from, 1);
    next_ping(&server, &mut client, 2); // and no answer: lost
    client.wait_for_text("seq=2: no reply within 300 ms");
    let from = next_ping(&server, &mut client, 3);
    answer(&server, from, 2); // the late reply to ping 2 comes first
    answer(&server, from, 3);
    let from = next_ping(&server, &mut client, 4);
    answer(&server, from, 4);
    let out = client.finish();
    let addr = server.local_addr().unwrap();
    assert_eq!(
        lines(&out),
        [
            format!("reply from {addr}: seq=1 time=T ms"),
            "seq=2: no reply within 300 ms".to_string(),
            format!("reply from {addr}: seq=3 time=T ms"),
            format!("reply from {addr}: seq=4 time=T ms"),
            "4 sent, 3 received, 25% lost".to_string(),
        ]
    );
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

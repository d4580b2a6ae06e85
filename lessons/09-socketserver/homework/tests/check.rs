//! The check for homework 9 (`just check 9`). Clients connect to your server and
//! the check reads what your server prints: who is served, who waits, who left.
//! Every step waits for a line; nothing depends on timing.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Proc, connect, homework_program, start_server};

fn start(workers: u16) -> (Proc, SocketAddr) {
    let args = ["--workers".to_string(), workers.to_string()];
    start_server("your server", &homework_program!("09"), &args).unwrap()
}

/// A client: its connection, and its address as your server prints it.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    name: String,
}

fn client(addr: SocketAddr) -> Client {
    let stream = connect(addr);
    Client {
        name: stream.local_addr().unwrap().to_string(),
        reader: BufReader::new(stream.try_clone().unwrap()),
        writer: stream,
    }
}

impl Client {
    /// Sends a line and reads the answer: only a served client gets one.
    fn talk(&mut self, line: &str) -> String {
        writeln!(self.writer, "{line}").unwrap();
        let mut answer = String::new();
        self.reader.read_line(&mut answer).unwrap();
        answer
    }
}

/// Waits for `wanted`, failing if `forbidden` shows up first.
fn expect_before(server: &mut Proc, wanted: &str, forbidden: &str) {
    server.wait_for(
        &format!("{wanted:?} (and no {forbidden:?} before it)"),
        |line| {
            assert!(!line.starts_with(forbidden), "too early: {line:?}");
            line.starts_with(wanted)
        },
    );
}

/// Two workers, two clients served at once, a third told once to wait;
/// whichever of the first two leaves, its worker serves the third at once.
#[test]
fn a_third_client_waits_until_one_of_two_workers_is_free() {
    for leaving in [0, 1] {
        let (mut server, addr) = start(2);
        let mut served: Vec<Client> = Vec::new();
        for line in ["one", "two"] {
            let mut c = client(addr);
            assert_eq!(c.talk(line), format!("{}\n", line.to_uppercase()));
            server.wait_for_text(&format!("{}: served", c.name));
            served.push(c);
        }
        let mut three = client(addr);
        writeln!(three.writer, "three").unwrap();
        let waiting = format!("{}: waiting for a free worker", three.name);
        expect_before(&mut server, &waiting, &format!("{}: served", three.name));
        // Said once, not again while it waits.
        server.assert_no_line_within(
            "that the third client waits, a second time",
            Duration::from_millis(300),
            |line| line == waiting,
        );

        // Both workers are busy until one client leaves; only then is `three`
        // served, by the worker that client had.
        let gone = served.remove(leaving);
        let left = format!("{}: left", gone.name);
        drop(gone);
        expect_before(&mut server, &left, &format!("{}: served", three.name));
        let mut answer = String::new();
        three.reader.read_line(&mut answer).unwrap();
        assert_eq!(answer, "THREE\n", "after client {} left", leaving + 1);
        assert_eq!(served[0].talk("still here"), "STILL HERE\n");
    }
}

/// Clients that come one after the other, to two workers: when each comes,
/// the worker that did not serve the one before has been idle all along, so it
/// should not be told to wait. The first is not counted (a worker may still be
/// starting). A pool built the usual way (a channel of capacity 0 that workers
/// take turns to `recv` on) has a short moment after each hand-over when the
/// idle worker is not yet back in `recv`; on a busy machine a client now and
/// then meets that moment and is told to wait. So the check fails a pool that
/// tells most clients to wait, not one that tells a few.
#[test]
fn a_client_is_told_to_wait_only_when_every_worker_is_busy() {
    let (mut server, addr) = start(2);
    let mut told = Vec::new();
    for i in 0..11 {
        let mut c = client(addr);
        assert_eq!(c.talk("hello"), "HELLO\n");
        let waiting = format!("{}: waiting for a free worker", c.name);
        c.writer.shutdown(std::net::Shutdown::Both).unwrap();
        let seen = server.wait_for(&format!("{}: left", c.name), |line| {
            line == waiting || line.ends_with(": left")
        });
        if seen == waiting {
            server.wait_for_text(": left");
            if i > 0 {
                told.push(waiting);
            }
        }
    }
    assert!(
        told.len() <= 5,
        "{} of 10 clients were told to wait while a worker was idle: {told:?}",
        told.len()
    );
}

#[test]
fn one_worker_serves_clients_in_turn() {
    let (mut server, addr) = start(1);
    let mut clients: Vec<Client> = (0..3).map(|_| client(addr)).collect();
    for c in &mut clients {
        writeln!(c.writer, "hi {}", c.name).unwrap();
    }
    for (i, c) in clients.iter_mut().enumerate() {
        let mut answer = String::new();
        c.reader.read_line(&mut answer).unwrap();
        assert_eq!(
            answer,
            format!("HI {}\n", c.name.to_uppercase()),
            "client {i}"
        );
        c.writer.shutdown(std::net::Shutdown::Both).unwrap();
        server.wait_for_text(&format!("{}: left", c.name));
    }
}

#[test]
fn a_panicking_conversation_does_not_cost_a_worker() {
    let (mut server, addr) = start(1);
    let mut crasher = client(addr);
    writeln!(crasher.writer, "crash").unwrap();
    let mut nothing = String::new();
    crasher.reader.read_line(&mut nothing).unwrap();
    assert_eq!(nothing, "", "a crashed conversation closes its connection");
    // The only worker is still there for the next client.
    let mut next = client(addr);
    assert_eq!(next.talk("after"), "AFTER\n");
    drop(next);
    server.wait_for_text(": left");
}

#[test]
fn stop_refuses_new_clients_and_lets_conversations_finish() {
    let (mut server, addr) = start(2);
    let mut busy = client(addr);
    assert_eq!(busy.talk("before"), "BEFORE\n");
    server.send_line("stop");
    server.wait_for_text("stopping");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after stop");
    }
    assert_eq!(busy.talk("during"), "DURING\n", "served to the end");
    drop(busy);
    let out = server.finish();
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.ends_with("stopped\n"), "{}", out.stdout);
}

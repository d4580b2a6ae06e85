//! The framework on its own, in this process: a handler's error and panic are
//! logged and the server goes on; shutdown stops accepting, waits for the
//! conversations under way, then serve_forever returns.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use lesson_09::tcp::TcpServer;
use lesson_09::udp::{Datagram, UdpServer};
use lesson_09::{HandlerResult, Log, Mode};
use workbook_harness::connect;
use workbook_harness::pretty_assertions::assert_eq;

const WAIT: Duration = Duration::from_secs(10);

/// A log whose lines the test receives.
fn collecting_log() -> (Log, Receiver<String>) {
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    let log: Log = Arc::new(move |line: &str| {
        let _ = tx.lock().unwrap().send(line.to_string());
    });
    (log, rx)
}

/// Reads one line from the client, then acts on it.
fn line_handler(stream: TcpStream, _peer: SocketAddr) -> HandlerResult {
    let mut line = String::new();
    BufReader::new(stream.try_clone()?).read_line(&mut line)?;
    match line.trim() {
        "panic" => panic!("the client asked for a panic"),
        "error" => Err("the client asked for an error".into()),
        _ => Ok((&stream).write_all(b"ok\n")?),
    }
}

fn say(addr: SocketAddr, line: &str) -> String {
    let mut stream = connect(addr);
    stream.write_all(format!("{line}\n").as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn errors_and_panics_are_logged_and_the_server_goes_on() {
    for mode in [Mode::Sequential, Mode::ThreadPerConnection] {
        let (log, lines) = collecting_log();
        let server = TcpServer::bind("127.0.0.1:0", line_handler, mode)
            .unwrap()
            .with_log(log);
        let (addr, stop) = (server.local_addr(), server.shutdown_handle());
        let serving = thread::spawn(move || server.serve_forever());

        assert_eq!(say(addr, "panic"), "", "{mode:?}");
        let line = lines.recv_timeout(WAIT).unwrap();
        assert!(line.ends_with(": handler panicked: the client asked for a panic"));
        assert_eq!(say(addr, "error"), "");
        let line = lines.recv_timeout(WAIT).unwrap();
        assert!(line.ends_with(": handler failed: the client asked for an error"));
        assert_eq!(say(addr, "hello"), "ok\n", "still serving after both");

        stop.shutdown();
        serving.join().unwrap().unwrap();
    }
}

#[test]
fn shutdown_refuses_new_clients_and_waits_for_conversations_under_way() {
    // Each conversation greets, then lasts until its client closes.
    let handler = |mut stream: TcpStream, _peer: SocketAddr| -> HandlerResult {
        stream.write_all(b"hello\n")?;
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest)?;
        Ok(())
    };
    let server =
        TcpServer::bind("127.0.0.1:0", handler, Mode::ThreadPerConnection).unwrap();
    let (addr, stop) = (server.local_addr(), server.shutdown_handle());
    let serving = thread::spawn(move || server.serve_forever());

    let mut client = connect(addr);
    let mut greeting = [0u8; 6];
    client.read_exact(&mut greeting).unwrap(); // its conversation has begun

    stop.shutdown();
    // The listening socket closes: new clients are refused.
    let deadline = Instant::now() + WAIT;
    while TcpStream::connect(addr).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after shutdown");
    }
    // serve_forever waits for the conversation, which waits for its client.
    assert!(
        !serving.is_finished(),
        "returned while a conversation was running"
    );
    drop(client);
    serving.join().unwrap().unwrap();
}

#[test]
fn a_udp_server_answers_each_datagram_and_shuts_down() {
    let upper = |datagram: Datagram<'_>, socket: &UdpSocket| -> HandlerResult {
        socket.send_to(&datagram.bytes.to_ascii_uppercase(), datagram.peer)?;
        Ok(())
    };
    let server = UdpServer::bind("127.0.0.1:0", upper).unwrap();
    let (addr, stop) = (server.local_addr(), server.shutdown_handle());
    let serving = thread::spawn(move || server.serve_forever());

    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.set_read_timeout(Some(WAIT)).unwrap();
    let mut buf = [0u8; 100];
    for message in [&b"hi"[..], b"", b"there"] {
        client.send_to(message, addr).unwrap();
        let (n, from) = client.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (&message.to_ascii_uppercase()[..], addr));
    }
    stop.shutdown();
    serving.join().unwrap().unwrap();
}

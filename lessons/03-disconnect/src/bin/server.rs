// ANCHOR: all
//! Lesson 3, the server: a conversation that ends well however the client leaves.
//!
//! A client can leave in three ways, and all are ordinary events for a server,
//! not reasons to crash:
//!
//! - It closes the connection: TCP sends a FIN and our read() returns 0. This is
//!   also what happens when the client program crashes or is killed: its
//!   operating system closes its sockets for it (on Windows, often with a RST).
//! - Its connection is aborted (a close with SO_LINGER 0, or with data left
//!   unread): TCP sends a RST and our read() fails with "connection reset".
//! - Its machine loses power or network: nothing is sent at all, and read()
//!   would wait forever. `--read-timeout` gives up on a client that sends
//!   nothing; `--keepalive` asks the kernel to probe a silent client's machine.
//!   A client that sends heartbeats (client-03 `--heartbeat`) is never silent.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use socket2::{SockRef, TcpKeepalive};

/// Lesson 3 server: echo in upper case, then report how the client left.
#[derive(Parser)]
#[command(name = "server-03")]
struct Args {
    /// Address to listen on. Port 0 asks the operating system for any free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// Close the connection when the client sends nothing, not even a heartbeat,
    /// for this long. Without it, a client whose machine vanished is waited for
    /// forever.
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    read_timeout: Option<Duration>,
    /// Turn on TCP keepalive: after this long without traffic, the kernel probes
    /// the client's machine, and again at the same interval; if the probes go
    /// unanswered, read() fails.
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    keepalive: Option<Duration>,
}

/// A heartbeat: one zero byte, which typed text never contains. It tells the
/// server the client is alive, and is not a message.
const HEARTBEAT: u8 = 0;

fn main() -> ExitCode {
    let args = Args::parse();
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args.addr, &e));
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &Args) -> io::Result<()> {
    let listener = TcpListener::bind(&args.addr)?;
    println!("listening on {}", listener.local_addr()?);
    let (stream, peer) = listener.accept()?;
    println!("connection from {peer}");

    // ANCHOR: limits
    if let Some(limit) = args.read_timeout {
        // From now on read() waits at most `limit` for a byte, then fails.
        stream.set_read_timeout(Some(limit))?;
    }
    if let Some(idle) = args.keepalive {
        // After `idle` without traffic, the kernel sends a probe every `idle`.
        // The client's kernel answers it even when the client program is idle:
        // keepalive finds a machine that is gone, not a program that is quiet.
        let keepalive = TcpKeepalive::new().with_time(idle).with_interval(idle);
        SockRef::from(&stream).set_tcp_keepalive(&keepalive)?;
    }
    // ANCHOR_END: limits

    // ANCHOR: ending
    match conversation(stream) {
        Ok(n) => println!(
            "client closed the connection after {n} message{}",
            if n == 1 { "" } else { "s" }
        ),
        Err(e) if is_read_timeout(&e) => {
            let limit = args.read_timeout.unwrap_or_default().as_secs_f64();
            println!("client silent for {limit} s: closing the connection");
        }
        Err(e) if is_disconnect(&e) => println!("client vanished: {}", e.kind()),
        // Anything else is a real problem on our side: report it as an error.
        Err(e) => return Err(e),
    }
    // ANCHOR_END: ending
    Ok(())
}

// ANCHOR: conversation
/// Echoes messages in upper case until the client closes the connection.
/// Returns how many messages there were; a disconnect, or a read timeout,
/// comes back as an error. Dropping the stream on return closes our side.
fn conversation(mut stream: TcpStream) -> io::Result<usize> {
    let mut buffer = [0u8; 1024];
    let mut messages = 0;
    loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Ok(messages); // the goodbye: end of stream
        }
        // ANCHOR: heartbeats
        // Heartbeats prove the client is alive (and restart the read timeout);
        // they are not messages and get no reply.
        let text: Vec<u8> = buffer[..n]
            .iter()
            .copied()
            .filter(|&byte| byte != HEARTBEAT)
            .collect();
        if text.is_empty() {
            continue;
        }
        // ANCHOR_END: heartbeats
        messages += 1;
        let message = String::from_utf8_lossy(&text);
        println!("received: {message}");
        stream.write_all(message.to_uppercase().as_bytes())?;
    }
}
// ANCHOR_END: conversation

// ANCHOR: is-disconnect
/// The errors that mean "the other side is gone", not "something is broken here".
/// Reading after a RST gives ConnectionReset (Windows may say ConnectionAborted).
/// Writing after the peer's RST has come back gives BrokenPipe (on Windows,
/// ConnectionReset or ConnectionAborted). TimedOut, on Unix, means the kernel
/// gave up: keepalive probes, or resent data, went unanswered.
fn is_disconnect(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::TimedOut
    )
}
// ANCHOR_END: is-disconnect

// ANCHOR: is-read-timeout
/// An expired read timeout: Unix reports it as WouldBlock (EAGAIN, "resource
/// temporarily unavailable"), Windows as TimedOut.
fn is_read_timeout(error: &io::Error) -> bool {
    match error.kind() {
        io::ErrorKind::WouldBlock => true,
        io::ErrorKind::TimedOut => cfg!(windows),
        _ => false,
    }
}
// ANCHOR_END: is-read-timeout

/// Reads a flag's number of seconds, such as `30` or `0.5`.
fn seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs < 1e9 => Ok(Duration::from_secs_f64(secs)),
        _ => Err(format!("{text:?} is not a number of seconds above 0")),
    }
}

/// Turns the errors a learner meets first into one line that says what to do.
fn explain(addr: &str, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::AddrInUse => format!(
            "{addr} is already in use (another server?); try --addr 127.0.0.1:0"
        ),
        io::ErrorKind::AddrNotAvailable => {
            format!("{addr} is not an address of this machine")
        }
        io::ErrorKind::InvalidInput => {
            format!("{addr:?} is not an address like 127.0.0.1:9999")
        }
        _ => format!("{addr}: {error}"),
    }
}
// ANCHOR_END: all

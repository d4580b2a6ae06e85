// ANCHOR: all
//! Lesson 4, the server: one client after another, forever.
//!
//! Lessons 1 to 3 served a single client and exited. A real server goes back to
//! accept() when a conversation ends. That gives us two loops: the outer
//! *accept loop* (one turn per client) and the inner *conversation* (one turn per
//! message). While the conversation runs, the accept loop does not: a second
//! client can connect (the kernel completes its handshake and queues it in the
//! listen backlog) but nobody reads its messages until the first client leaves.
//! Serving clients at the same time is lesson 9's job.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use clap::Parser;

/// Lesson 4 server: serve clients one after another, until stopped with Ctrl-C.
#[derive(Parser)]
#[command(name = "server-04")]
struct Args {
    /// Address to listen on. Port 0 asks the operating system for any free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match serve(&args.addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args.addr, &e));
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: accept-loop
fn serve(addr: &str) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    let mut number = 0;
    loop {
        println!("waiting for the next client");
        // Clients that connected meanwhile are already queued by the kernel;
        // accept() takes the oldest one.
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) => {
                // Not this server's fault, and no reason to stop serving: a
                // client that gave up while it waited (ECONNABORTED), or no file
                // descriptor left (EMFILE). The latter fails again at once until
                // one is freed, so pause rather than spin.
                println!("accept failed: {e}; trying again");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        number += 1;
        println!("client #{number} connected from {peer}");
        // One client's trouble ends that client's conversation, never the server.
        match conversation(number, stream) {
            Ok(n) => println!(
                "client #{number} closed the connection after {n} message{}",
                if n == 1 { "" } else { "s" }
            ),
            Err(e) if is_disconnect(&e) => {
                println!("client #{number} vanished: {}", e.kind())
            }
            Err(e) => println!("client #{number}: error: {e}"),
        }
    }
}
// ANCHOR_END: accept-loop

/// Echoes messages in upper case until the client closes the connection.
/// Returns how many messages there were; a disconnect comes back as an error.
fn conversation(number: u32, mut stream: TcpStream) -> io::Result<usize> {
    let mut buffer = [0u8; 1024];
    let mut messages = 0;
    loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Ok(messages); // end of stream: the client said goodbye
        }
        messages += 1;
        let message = String::from_utf8_lossy(&buffer[..n]);
        println!("client #{number} says: {message}");
        stream.write_all(message.to_uppercase().as_bytes())?;
    }
}

/// The errors that mean "the other side is gone" (lesson 3).
fn is_disconnect(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

/// Turns the errors a learner meets first into one line that says what to do.
fn explain(addr: &str, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::AddrInUse => {
            format!(
                "{addr} is already in use (another server?); try --addr 127.0.0.1:0"
            )
        }
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

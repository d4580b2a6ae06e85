//! Lesson 3, the server: a conversation that ends well however the client leaves.
//!
//! A client can leave in two ways. It can close the connection (a goodbye: TCP
//! sends a FIN and our read() returns 0), or it can vanish (it crashed, its
//! machine lost power, or it aborted the connection: TCP sends a RST and our
//! read() fails with "connection reset"). Both are ordinary events for a server,
//! not reasons to crash. This server tells them apart and says which one happened.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

use clap::Parser;

/// Lesson 3 server: echo in upper case, then report how the client left.
#[derive(Parser)]
#[command(name = "server-03")]
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

fn serve(addr: &str) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    let (stream, peer) = listener.accept()?;
    println!("connection from {peer}");

    // ANCHOR: ending
    match conversation(stream) {
        Ok(n) => println!("client closed the connection after {n} messages"),
        Err(e) if is_disconnect(&e) => println!("client vanished: {}", e.kind()),
        // Anything else is a real problem on our side: report it as an error.
        Err(e) => return Err(e),
    }
    // ANCHOR_END: ending
    Ok(())
}

// ANCHOR: conversation
/// Echoes messages in upper case until the client closes the connection.
/// Returns how many messages there were; a disconnect comes back as an error.
fn conversation(mut stream: TcpStream) -> io::Result<usize> {
    let mut buffer = [0u8; 1024];
    let mut messages = 0;
    loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Ok(messages); // the goodbye: end of stream
        }
        messages += 1;
        let message = String::from_utf8_lossy(&buffer[..n]);
        println!("received: {message}");
        stream.write_all(message.to_uppercase().as_bytes())?;
    }
}
// ANCHOR_END: conversation

// ANCHOR: is-disconnect
/// The errors that mean "the other side is gone", not "something is broken here".
/// Reading after a RST gives ConnectionReset (Windows may say ConnectionAborted);
/// writing to a connection the peer has already dropped gives BrokenPipe.
fn is_disconnect(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}
// ANCHOR_END: is-disconnect

/// Turns the errors a learner meets first into one line that says what to do.
fn explain(addr: &str, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::AddrInUse => {
            format!(
                "{addr} is already in use; is another server still running? (try --addr 127.0.0.1:0)"
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

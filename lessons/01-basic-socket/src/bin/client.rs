// ANCHOR: all
//! Lesson 1, the client: connect, send one message, close.

use std::io::{self, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Lesson 1 client: connect to the server, send one message, close.
#[derive(Parser)]
#[command(name = "client-01")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match talk(&args.addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args.addr, &e));
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: talk
fn talk(addr: &str) -> io::Result<()> {
    // connect() performs TCP's three-way handshake. When it returns, the server's
    // kernel has queued our connection, even if the server has not accepted it yet.
    let mut stream = TcpStream::connect(addr)?;
    println!("connected to {}", stream.peer_addr()?);

    // write_all, not write: write may take only part of the buffer and return how
    // much it took. write_all loops until every byte is handed to the kernel
    // (Python's sendall; the Python course uses send, which can send less).
    let message = "hello, server";
    stream.write_all(message.as_bytes())?;
    println!("sent {} bytes", message.len());

    // Dropping the stream closes the socket: the server's next read sees the end.
    Ok(())
}
// ANCHOR_END: talk

/// Turns the errors a learner meets first into one line that says what to do.
fn explain(addr: &str, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => {
            format!("connection refused by {addr}; is the server running?")
        }
        io::ErrorKind::InvalidInput => {
            format!("{addr:?} is not an address like 127.0.0.1:9999")
        }
        _ => format!("{addr}: {error}"),
    }
}
// ANCHOR_END: all

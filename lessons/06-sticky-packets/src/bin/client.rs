// ANCHOR: all
//! Lesson 6, the client: a sender that makes one write per word.
//!
//! Type `hello world` and the client makes two writes, `hello` and `world`. The
//! server will not see two messages. Each write hands bytes to the kernel, and the
//! kernel keeps no record of where one write ended: the receiver sees a stream.

use std::io::{self, BufRead, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Lesson 6 client: send each word typed on stdin with a write of its own.
/// End with Ctrl-D (Ctrl-Z then Enter on Windows).
#[derive(Parser)]
#[command(name = "client-06")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// Turn off Nagle's algorithm (TCP_NODELAY): every write is sent at once.
    /// The server still cannot tell the writes apart.
    #[arg(long)]
    nodelay: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match send(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args.addr, &e));
            ExitCode::FAILURE
        }
    }
}

fn send(args: &Args) -> io::Result<()> {
    let mut stream = TcpStream::connect(&args.addr)?;
    // ANCHOR: nodelay
    if args.nodelay {
        // Nagle's algorithm holds back a small write while an earlier one is
        // still unacknowledged, to send them in one segment. Turning it off
        // changes when segments leave; it adds no boundaries to the stream.
        stream.set_nodelay(true)?;
    }
    // ANCHOR_END: nodelay
    println!(
        "connected to {} (nodelay: {})",
        stream.peer_addr()?,
        stream.nodelay()?
    );

    // ANCHOR: writes
    for line in io::stdin().lock().lines() {
        for word in line?.split_whitespace() {
            stream.write_all(word.as_bytes())?;
            println!("wrote {} bytes: {word:?}", word.len());
        }
    }
    // ANCHOR_END: writes
    // Dropping the stream closes it: the server reads the end of the stream.
    Ok(())
}

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

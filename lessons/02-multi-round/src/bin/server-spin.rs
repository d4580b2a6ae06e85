// ANCHOR: all
//! Lesson 2, trap 2 on purpose: the server loop without the end-of-stream check.
//!
//! This program exists only to be watched failing. It is `server.rs` with the
//! one `if n == 0` check left out, so that when the client leaves, every read
//! returns 0 bytes at once and the loop spins. A real server with this mistake
//! would burn a CPU core forever; this one counts the empty reads and stops
//! after a bounded number, so the demonstration ends.

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::process::ExitCode;

use clap::Parser;

/// Lesson 2's trap: a server that never checks for the end of the stream.
#[derive(Parser)]
#[command(name = "server-02-spin")]
struct Args {
    /// Address to listen on. Port 0 asks the operating system for any free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

/// How many empty messages in a row are printed: enough to see the pattern.
const SHOWN: u32 = 3;
/// How many zero-length reads in a row this demonstration allows before it
/// gives up. The program without the limit would never stop.
const SPIN_LIMIT: u32 = 100_000;

fn main() -> ExitCode {
    let args = Args::parse();
    match serve(&args.addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}

fn serve(addr: &str) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    let (mut stream, peer) = listener.accept()?;
    println!("connection from {peer}");

    // ANCHOR: spin
    let mut buffer = [0u8; 1024];
    let mut empty_reads = 0;
    loop {
        let n = stream.read(&mut buffer)?;
        // THE MISTAKE: nothing here checks for n == 0. Once the client has
        // closed, read() returns Ok(0) at once, every time: this loop never
        // waits again, and "receives" an empty message on every turn.
        let message = String::from_utf8_lossy(&buffer[..n]);
        stream.write_all(message.to_uppercase().as_bytes())?;

        // Not part of the mistake: show only the first few empty messages,
        // and stop after SPIN_LIMIT of them, so that the demonstration ends.
        empty_reads = if n == 0 { empty_reads + 1 } else { 0 };
        if empty_reads <= SHOWN {
            println!("received: {message:?}");
        }
        if empty_reads == SPIN_LIMIT {
            println!("... {SPIN_LIMIT} empty messages in a row: this never ends");
            return Ok(());
        }
    }
    // ANCHOR_END: spin
}
// ANCHOR_END: all

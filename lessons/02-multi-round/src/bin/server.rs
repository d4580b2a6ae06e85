//! Lesson 2, the server: a conversation instead of a single message.
//!
//! One client, many rounds: read a message, send it back in upper case, repeat
//! until the client is gone. The new idea is the loop, and the one check that
//! keeps the loop from spinning forever when the client leaves.

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::process::ExitCode;

use clap::Parser;

/// Lesson 2 server: echo each message back in upper case until the client leaves.
#[derive(Parser)]
#[command(name = "server-02")]
struct Args {
    /// Address to listen on. Port 0 asks the operating system for any free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// Show the trap: leave out the end-of-stream check, and watch read() return
    /// 0 bytes again and again (stopped after a bounded number of rounds).
    #[arg(long)]
    no_eof_check: bool,
}

/// How many zero-length reads the trap demonstration allows before it gives up.
/// A real server without the check would never stop; we stop so the demo ends.
const SPIN_LIMIT: u32 = 100_000;

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
    let (mut stream, peer) = listener.accept()?;
    println!("connection from {peer}");

    // ANCHOR: conversation
    let mut buffer = [0u8; 1024];
    let mut empty_reads = 0;
    loop {
        // read() blocks until the client sends something, or until it closes.
        let n = stream.read(&mut buffer)?;
        // ANCHOR: eof
        // Zero bytes is not an empty message: TCP never delivers one. It means
        // "end of stream": the client closed its side and nothing more will come.
        if n == 0 && !args.no_eof_check {
            println!("client closed the connection");
            break;
        }
        // ANCHOR_END: eof
        if n == 0 {
            // The trap. Every further read() returns 0 at once, so this loop
            // would burn a CPU core forever. We count instead, and stop.
            empty_reads += 1;
            if empty_reads == SPIN_LIMIT {
                println!(
                    "read() returned 0 bytes {SPIN_LIMIT} times in a row: this loop would never end"
                );
                break;
            }
            continue;
        }
        let message = String::from_utf8_lossy(&buffer[..n]);
        println!("received: {message}");
        stream.write_all(message.to_uppercase().as_bytes())?;
    }
    // ANCHOR_END: conversation
    Ok(())
}

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

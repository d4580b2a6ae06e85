// ANCHOR: all
//! Lesson 2, the server: a conversation instead of a single message.
//!
//! One client, many rounds: read a message, send it back in upper case, repeat
//! until the client is gone. The new idea is the loop, and the one check that
//! keeps the loop from spinning forever when the client leaves. (The program
//! without that check is `server-spin.rs`, kept apart so that this one shows
//! only the right code.)

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
    let (mut stream, peer) = listener.accept()?;
    println!("connection from {peer}");

    // ANCHOR: conversation
    let mut buffer = [0u8; 1024];
    loop {
        // read() blocks until the client sends something, or until it closes.
        let n = stream.read(&mut buffer)?;
        // ANCHOR: eof
        // Zero bytes is not an empty message: TCP never delivers one. It means
        // "end of stream": the client closed its side and nothing more will come.
        if n == 0 {
            println!("client closed the connection");
            break;
        }
        // ANCHOR_END: eof
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

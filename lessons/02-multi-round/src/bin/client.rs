// ANCHOR: all
//! Lesson 2, the client: send each line you type, print each reply.
//!
//! It skips empty lines; `client-empty.rs` is the same loop without that
//! check, kept apart to show what goes wrong.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Lesson 2 client: send each line typed on stdin, print the server's reply.
/// End with Ctrl-D (Ctrl-Z then Enter on Windows).
#[derive(Parser)]
#[command(name = "client-02")]
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

fn talk(addr: &str) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    println!("connected to {}", stream.peer_addr()?);

    // ANCHOR: rounds
    let mut buffer = [0u8; 1024];
    for line in io::stdin().lock().lines() {
        let line = line?;
        // ANCHOR: skip-empty
        // Writing zero bytes puts nothing on the wire. The server would wait for
        // a message that never comes, and we would wait for its reply: both stuck.
        if line.is_empty() {
            continue;
        }
        // ANCHOR_END: skip-empty
        stream.write_all(line.as_bytes())?;
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            println!("server closed the connection");
            break;
        }
        println!("{}", String::from_utf8_lossy(&buffer[..n]));
    }
    // ANCHOR_END: rounds
    // End of input: dropping the stream closes our side, and the server's read()
    // returns 0.
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

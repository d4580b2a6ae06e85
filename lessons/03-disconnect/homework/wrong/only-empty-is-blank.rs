//! Skips only empty lines, so a line of spaces or tabs is sent as a message.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 3: talk to the server, and say so when it goes away.
#[derive(Parser)]
#[command(name = "wrong-03-only-empty-is-blank")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match TcpStream::connect(&args.addr).and_then(conversation) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}

/// Sends each non-blank line of stdin and prints each reply, until the input
/// ends or the server goes away.
fn conversation(mut stream: TcpStream) -> io::Result<()> {
    let mut buffer = [0u8; 1024];
    for line in io::stdin().lock().lines() {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        // Either call can be the one that learns the server is gone: a write can
        // fail with BrokenPipe or ConnectionReset, a read returns 0 or fails.
        let reply = stream
            .write_all(line.as_bytes())
            .and_then(|()| stream.read(&mut buffer));
        match reply {
            Ok(0) => {
                println!("server closed the connection");
                return Ok(());
            }
            Ok(n) => println!("{}", String::from_utf8_lossy(&buffer[..n])),
            Err(e) if is_reset(&e) => {
                println!("server reset the connection");
                return Ok(());
            }
            Err(e) => return Err(e),
        }
    }
    println!("bye");
    Ok(())
}

/// The errors that mean the server vanished rather than said goodbye.
fn is_reset(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

//! Prints each reply with println!, adding a blank line after every reply that already ends its line.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 5: send commands, print replies, fail in one clear line.
#[derive(Parser)]
#[command(name = "wrong-05-prints-reply-with-println")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args.addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Sends each non-blank line of stdin as a command and prints each reply.
/// Every failure comes back as the one line to print.
fn run(addr: &str) -> Result<(), String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| match e.kind() {
        io::ErrorKind::ConnectionRefused => {
            format!("connection refused by {addr}; is the server running?")
        }
        _ => format!("cannot connect to {addr}: {e}"),
    })?;
    let mut buffer = [0u8; 1024];
    for line in io::stdin().lock().lines() {
        let line = line.map_err(|e| format!("cannot read the keyboard: {e}"))?;
        let command = line.trim();
        if command.is_empty() {
            continue;
        }
        // A write to a connection the server has just closed usually succeeds
        // (the kernel takes the bytes); the read after it is where we find out.
        let reply = stream
            .write_all(command.as_bytes())
            .and_then(|()| stream.read(&mut buffer));
        match reply {
            Ok(0) => {
                return Err(format!(
                    "the server closed the connection before replying to {command:?}"
                ));
            }
            Ok(n) => println!("{}", String::from_utf8_lossy(&buffer[..n])),
            Err(e) if is_reset(&e) => {
                return Err(format!(
                    "the server reset the connection before replying to {command:?}"
                ));
            }
            Err(e) => return Err(format!("{addr}: {e}")),
        }
    }
    Ok(())
}

/// The errors that mean the server aborted the connection (chapter 3).
fn is_reset(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

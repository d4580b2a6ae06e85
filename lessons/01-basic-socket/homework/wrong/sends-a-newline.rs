//! Sends the message with a newline after it, as Python's print habit suggests, so the server gets a byte it was not given.

use std::io::{self, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 1: send the words on the command line to the server.
#[derive(Parser)]
#[command(name = "wrong-01-sends-a-newline")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// The message, one or more words.
    #[arg(required = true)]
    words: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let message = args.words.join(" ");
    match send(&args.addr, &message) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            eprintln!(
                "error: connection refused by {}; is the server running?",
                args.addr
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}

/// Connects to `addr`, prints `server: …` and `me: …`, sends `message`, prints `sent N bytes`.
fn send(addr: &str, message: &str) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    // Both ends of a connection are an (address, port) pair. The server's is the
    // one we dialled; ours was picked by the kernel when we connected.
    println!("server: {}", stream.peer_addr()?);
    println!("me: {}", stream.local_addr()?);
    writeln!(stream, "{message}")?;
    println!("sent {} bytes", message.len() + 1);
    Ok(())
}

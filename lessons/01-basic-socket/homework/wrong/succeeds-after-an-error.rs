//! Prints the error line but exits with success, so a script cannot tell that nothing was sent.

use std::io::{self, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 1: send the words on the command line to the server.
#[derive(Parser)]
#[command(name = "wrong-01-succeeds-after-an-error")]
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
            ExitCode::SUCCESS
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
    stream.write_all(message.as_bytes())?;
    println!("sent {} bytes", message.len());
    Ok(())
}

//! A right solution written differently: all in `main`, a `match` on the connection, the message sent as a byte vector.

use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 1: send the words on the command line to the server.
#[derive(Parser)]
#[command(name = "right-01-all-in-main")]
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
    let mut stream = match TcpStream::connect(&args.addr) {
        Ok(stream) => stream,
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
            eprintln!(
                "error: connection refused by {}; is the server running?",
                args.addr
            );
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("error: cannot connect to {}: {e}", args.addr);
            return ExitCode::from(1);
        }
    };
    let (Ok(server), Ok(me)) = (stream.peer_addr(), stream.local_addr()) else {
        eprintln!("error: the connection has no addresses");
        return ExitCode::from(1);
    };
    println!("server: {server}");
    println!("me: {me}");
    let bytes = args.words.join(" ").into_bytes();
    if let Err(e) = stream.write_all(&bytes) {
        eprintln!("error: sending to {server}: {e}");
        return ExitCode::from(1);
    }
    println!("sent {} bytes", bytes.len());
    ExitCode::SUCCESS
}

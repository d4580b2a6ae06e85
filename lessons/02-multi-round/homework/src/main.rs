//! Homework 2: a client that knows when to stay quiet and when to stop.
//!
//! Write a client for lesson 2's server that reads lines from stdin and
//! 1. never sends a blank line: empty, or only spaces and tabs (chapter 2,
//!    "Trap 1: the empty message", explains what sending one would do);
//! 2. sends every other line as soon as it is typed, exactly as it was typed:
//!    spaces and tabs at either end are part of the message, only the line
//!    ending is not. Then it prints the server's reply on a line of its own;
//! 3. stops on a line that is exactly `exit` (not sent; ` exit` or `exit ` is a
//!    message like any other), or at the end of input, closes the connection,
//!    and prints `sent N messages`, N counting only what it sent.
//!
//! Check your work with `just check 2`; stuck? `just hint 2`.

use std::io;
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 2: send the lines typed on stdin, skipping blank ones, until `exit`.
#[derive(Parser)]
#[command(name = "homework-02")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = TcpStream::connect(&args.addr).and_then(|stream| {
        let sent = conversation(stream)?;
        println!("sent {sent} messages");
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}

/// Runs the conversation over `stream`; returns how many messages were sent.
fn conversation(stream: TcpStream) -> io::Result<usize> {
    let _ = stream;
    todo!(
        "read stdin line by line: skip blank lines, stop on `exit`, \
         send the rest and print each reply"
    )
}

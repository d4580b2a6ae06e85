//! Homework 6: a receiver that splits a byte stream into messages.
//!
//! Lesson 6 showed that TCP keeps bytes, not writes. The simplest fix is to put a
//! boundary into the bytes themselves: every message ends with a newline (`\n`),
//! as in many real protocols (SMTP, Redis's inline commands, JSON Lines).
//!
//! Write `receive` so that, reading from `stream` until its end, it prints every
//! complete message as `message: TEXT`, however the stream is cut into reads:
//! several messages in one read, a message spread over many reads, a read that
//! ends in the middle of a UTF-8 character. TEXT is the message exactly as sent,
//! spaces and tabs at either end included, without its `\n` and without one
//! `\r` right before that `\n` (a `\r` anywhere else stays). An empty line, or
//! one of only spaces, is a message too.
//!
//! At the end of the stream, return how many messages there were. If the stream
//! ends in the middle of a message, return
//! `Err(format!("the stream ended inside a message: {rest:?}"))` with the partial
//! message as text. `main` prints it as one `error: ` line.
//!
//! Chapter 6 ("Where the boundaries went") explains why. Check your work with
//! `just check 6`; stuck? `just hint 6`.

use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 6: connect, print each newline-delimited message the server sends.
#[derive(Parser)]
#[command(name = "homework-06")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let stream = match TcpStream::connect(&args.addr) {
        Ok(stream) => stream,
        Err(e) => {
            eprintln!("error: cannot connect to {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    match receive(stream) {
        Ok(count) => {
            println!("end of stream after {count} messages");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Prints each complete message in the stream; returns how many there were.
fn receive(stream: TcpStream) -> Result<usize, String> {
    let _ = stream;
    todo!(
        "keep unfinished bytes between reads; split on b'\\n'; \
         decode complete messages only"
    )
}

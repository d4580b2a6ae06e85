//! Homework 3: a client that notices when the server is gone.
//!
//! Lesson 3's server tells a clean close from a reset. Now do the same on the
//! client's side. Write `conversation` so that, for each line of stdin, it sends
//! the line exactly as typed (spaces and tabs at either end included, the line
//! ending not) and prints the server's reply on a line of its own; a blank line
//! (empty, or only spaces and tabs) is skipped: neither sent nor the end. And
//! 1. when the server closes the connection, prints `server closed the connection`
//!    and returns `Ok`;
//! 2. when the server resets the connection, prints `server reset the connection`
//!    and returns `Ok`: a vanished server is news to report, not a crash;
//! 3. at the end of input, prints `bye` and returns `Ok`;
//! 4. returns any other error, which `main` prints as one `error:` line.
//!
//! Chapter 3 ("Two ways to leave" and "Which errors mean gone") explains the
//! signals you will see. Check your work with `just check 3`; stuck? `just hint 3`.

use std::io;
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 3: talk to the server, and say so when it goes away.
#[derive(Parser)]
#[command(name = "homework-03")]
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
fn conversation(stream: TcpStream) -> io::Result<()> {
    let _ = stream;
    todo!(
        "the lesson 2 loop, plus: read() == 0 means closed; \
         which error kinds mean reset?"
    )
}

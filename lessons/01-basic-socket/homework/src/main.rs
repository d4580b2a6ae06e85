//! Homework 1: a client that says who it is.
//!
//! Write a client that
//! 1. takes the message to send from its command line (`homework-01 hello there`
//!    sends `hello there`: the words joined by single spaces);
//! 2. connects to `--addr` and prints two lines:
//!    `server: ADDRESS` (the server's address as the socket reports it, even when
//!    `--addr` gave a name such as `localhost`) and `me: ADDRESS` (its own
//!    address, the one the server sees as the peer);
//! 3. sends the whole message and nothing else (no newline), prints
//!    `sent N bytes`, and closes. N counts bytes, not characters: `é` is two
//!    bytes in UTF-8, `👋` four;
//! 4. when it cannot connect, prints one line to stderr and exits with a failure
//!    code, with no panic. For a refused connection the line is exactly
//!    `error: connection refused by ADDR; is the server running?` (ADDR as given
//!    in `--addr`); any other failure (`--addr nowhere`, say) is one line
//!    starting with `error:` that says what went wrong, not "refused".
//!
//! Chapter 1 ("The client" and "Who is who") shows every call you need.
//! Check your work with `just check 1`; stuck? `just hint 1`.

use std::io;
use std::process::ExitCode;

use clap::Parser;

/// Homework 1: send the words on the command line to the server.
#[derive(Parser)]
#[command(name = "homework-01")]
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
        Err(e) => {
            // TODO: turn a refused connection into a helpful one-line message.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Connects to `addr`, prints `server: …` and `me: …`, sends `message`, and
/// prints `sent N bytes`.
fn send(addr: &str, message: &str) -> io::Result<()> {
    let _ = (addr, message);
    todo!("connect, print both addresses, send the message with write_all")
}

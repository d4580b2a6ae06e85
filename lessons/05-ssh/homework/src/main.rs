//! Homework 5: an ssh client whose failures are one clear line each.
//!
//! Lesson 5's client stops with a terse error when something goes wrong. Write
//! `run` so that it sends each non-blank line of stdin to the server as a command,
//! trimmed of the spaces around it (`  ls -l ` sends `ls -l`), and prints each
//! reply as it came, adding nothing (one read of up to 1024 bytes is enough
//! here). A reply is bytes, not always UTF-8 text: print it anyway, never panic.
//! Every way the conversation can fail is ONE line on stderr and exit code 1,
//! never a panic:
//!
//! 1. nobody listens at the address:
//!    `error: connection refused by ADDR; is the server running?`
//! 2. the server closes the connection while the client waits for a reply:
//!    `error: the server closed the connection before replying to "COMMAND"`
//! 3. the server aborts the connection (a reset) while the client waits:
//!    `error: the server reset the connection before replying to "COMMAND"`
//! 4. any other failure to connect (`--addr nowhere`, say): a line that says
//!    what went wrong, and not "refused".
//!
//! COMMAND is the command as it was sent (trimmed), in double quotes.
//! At the end of input, return `Ok(())`. `main` already prints the `error: `
//! prefix and sets the exit code: return the rest of the line as the `Err`.
//!
//! Chapter 5 shows the client loop; chapter 3 ("Which errors mean gone") the
//! errors. Check your work with `just check 5`; stuck? `just hint 5`.

use std::process::ExitCode;

use clap::Parser;

/// Homework 5: send commands, print replies, fail in one clear line.
#[derive(Parser)]
#[command(name = "homework-05")]
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
    let _ = addr;
    todo!("connect (map ConnectionRefused to the message), then the lesson 5 loop")
}

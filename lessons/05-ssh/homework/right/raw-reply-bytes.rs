//! A right solution written differently: replies written to stdout as the raw bytes they are, the write and the read handled apart, one function naming how the server left.

use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 5: send commands, print replies, fail in one clear line.
#[derive(Parser)]
#[command(name = "right-05-raw-reply-bytes")]
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
    let mut stream = match TcpStream::connect(addr) {
        Ok(stream) => stream,
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
            return Err(format!(
                "connection refused by {addr}; is the server running?"
            ));
        }
        Err(e) => return Err(format!("{addr}: {e}")),
    };
    let mut stdout = io::stdout();
    let mut reply = vec![0u8; 1024];
    for line in io::stdin().lines() {
        let line = line.map_err(|e| format!("stdin: {e}"))?;
        let command = line.trim();
        if command.is_empty() {
            continue;
        }
        stream
            .write_all(command.as_bytes())
            .map_err(|e| left(e, command))?;
        let n = stream.read(&mut reply).map_err(|e| left(e, command))?;
        if n == 0 {
            return Err(format!(
                "the server closed the connection before replying to \"{command}\""
            ));
        }
        stdout
            .write_all(&reply[..n])
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("stdout: {e}"))?;
    }
    Ok(())
}

/// The line for an error met while `command` waited for its reply.
fn left(e: io::Error, command: &str) -> String {
    match e.kind() {
        ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::BrokenPipe => format!(
            "the server reset the connection before replying to \"{command}\""
        ),
        _ => format!("while waiting for {command:?}: {e}"),
    }
}

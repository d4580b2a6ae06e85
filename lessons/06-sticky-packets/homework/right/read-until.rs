//! A correct receiver written differently: a `BufReader` and `read_until(b'\n')`, each message's bytes written to stdout as they came.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 6: connect, print each newline-delimited message the server sends.
#[derive(Parser)]
#[command(name = "right-06-read-until")]
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
    // The BufReader keeps what a read brought beyond a message's end.
    let mut reader = BufReader::new(stream);
    let mut out = io::stdout().lock();
    let mut message = Vec::new();
    let mut count = 0;
    loop {
        message.clear();
        let n = reader
            .read_until(b'\n', &mut message)
            .map_err(|e| format!("cannot read: {e}"))?;
        if n == 0 {
            return Ok(count);
        }
        let Some(text) = message.strip_suffix(b"\n") else {
            let rest = String::from_utf8_lossy(&message);
            return Err(format!("the stream ended inside a message: {rest:?}"));
        };
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let printed = out
            .write_all(b"message: ")
            .and_then(|()| out.write_all(text))
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush());
        printed.map_err(|e| format!("cannot print: {e}"))?;
        count += 1;
    }
}

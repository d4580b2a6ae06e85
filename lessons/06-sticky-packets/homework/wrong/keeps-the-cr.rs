//! Keeps the `\r` of a `\r\n` line ending in the message it prints.

use std::io::Read;
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 6: connect, print each newline-delimited message the server sends.
#[derive(Parser)]
#[command(name = "solution-06")]
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
fn receive(mut stream: TcpStream) -> Result<usize, String> {
    let mut pending: Vec<u8> = Vec::new(); // bytes of a message not yet complete
    let mut buffer = [0u8; 1024];
    let mut count = 0;
    loop {
        let n = stream
            .read(&mut buffer)
            .map_err(|e| format!("cannot read: {e}"))?;
        if n == 0 {
            break;
        }
        pending.extend_from_slice(&buffer[..n]);
        // Every `\n` in what we have ends a message; what follows the last one
        // stays for the next read. Split on bytes and decode only complete
        // messages: a read may end inside a multi-byte UTF-8 character.
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = line.strip_suffix(b"\n").unwrap_or(&line);
            println!("message: {}", String::from_utf8_lossy(line));
            count += 1;
        }
    }
    if pending.is_empty() {
        Ok(count)
    } else {
        let rest = String::from_utf8_lossy(&pending);
        Err(format!("the stream ended inside a message: {rest:?}"))
    }
}

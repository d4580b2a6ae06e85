//! Stops on any line that is `exit` once trimmed, so ` exit` and `exit ` end the conversation instead of being sent.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 2: send the lines typed on stdin, skipping blank ones, until `exit`.
#[derive(Parser)]
#[command(name = "wrong-02-exit-when-trimmed")]
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
fn conversation(mut stream: TcpStream) -> io::Result<usize> {
    let mut buffer = [0u8; 1024];
    let mut sent = 0;
    for line in io::stdin().lock().lines() {
        let line = line?;
        if line.trim() == "exit" {
            break;
        }
        // A blank line would put nothing on the wire, and then both sides wait.
        if line.trim().is_empty() {
            continue;
        }
        stream.write_all(line.as_bytes())?;
        sent += 1;
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            break; // the server left first
        }
        println!("{}", String::from_utf8_lossy(&buffer[..n]));
    }
    // Returning drops the stream: the connection is closed.
    Ok(sent)
}

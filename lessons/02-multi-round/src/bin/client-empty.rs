// ANCHOR: all
//! Lesson 2, trap 1 on purpose: a client that sends empty lines too.
//!
//! This program exists only to be watched failing. It is `client.rs` without
//! the check that skips empty lines. Sending an empty line writes zero bytes,
//! which puts nothing on the wire: the server never hears of it, and this client
//! waits for a reply that cannot come.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Lesson 2's trap: a client that also "sends" empty lines, and then waits.
#[derive(Parser)]
#[command(name = "client-02-empty")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match talk(&args.addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}

fn talk(addr: &str) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    println!("connected to {}", stream.peer_addr()?);

    // ANCHOR: send-empty
    let mut buffer = [0u8; 1024];
    for line in io::stdin().lock().lines() {
        let line = line?;
        // THE MISTAKE: no check for an empty line. write_all(b"") hands the
        // kernel zero bytes, and the kernel sends nothing.
        stream.write_all(line.as_bytes())?;
        if line.is_empty() {
            println!("sent 0 bytes; now waiting for a reply that cannot come");
        }
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            println!("server closed the connection");
            break;
        }
        println!("{}", String::from_utf8_lossy(&buffer[..n]));
    }
    // ANCHOR_END: send-empty
    Ok(())
}
// ANCHOR_END: all

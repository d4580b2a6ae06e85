// ANCHOR: all
//! Lesson 4, the client: lesson 2's client. Start two of them to see the queue.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Lesson 4 client: send each line typed on stdin, print the server's reply.
/// End with Ctrl-D (Ctrl-Z then Enter on Windows).
#[derive(Parser)]
#[command(name = "client-04")]
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
            eprintln!("error: {}", explain(&args.addr, &e));
            ExitCode::FAILURE
        }
    }
}

fn talk(addr: &str) -> io::Result<()> {
    // ANCHOR: connect
    // connect() returns as soon as the kernels have shaken hands. Whether the
    // server's program has called accept() yet, we cannot tell from here.
    let mut stream = TcpStream::connect(addr)?;
    println!("connected to {}", stream.peer_addr()?);
    // ANCHOR_END: connect
    let mut buffer = [0u8; 1024];
    for line in io::stdin().lock().lines() {
        let line = line?;
        if line.is_empty() {
            continue; // lesson 2: an empty write sends nothing
        }
        stream.write_all(line.as_bytes())?;
        // If the server is busy with another client, this read waits until the
        // server accepts us and gets to our message.
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            println!("server closed the connection");
            break;
        }
        println!("{}", String::from_utf8_lossy(&buffer[..n]));
    }
    Ok(())
}

/// Turns the errors a learner meets first into one line that says what to do.
fn explain(addr: &str, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => {
            format!("connection refused by {addr}; is the server running?")
        }
        io::ErrorKind::InvalidInput => {
            format!("{addr:?} is not an address like 127.0.0.1:9999")
        }
        _ => format!("{addr}: {error}"),
    }
}
// ANCHOR_END: all

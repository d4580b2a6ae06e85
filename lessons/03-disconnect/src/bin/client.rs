//! Lesson 3, the client: lesson 2's client, plus a way to vanish on purpose.
//!
//! Type `!reset` to abort the connection the way a crash does: the kernel sends
//! a RST instead of the polite FIN. End input (Ctrl-D) to close it politely.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use socket2::SockRef;

/// Lesson 3 client: send each line typed on stdin; `!reset` aborts the connection.
/// End with Ctrl-D (Ctrl-Z then Enter on Windows) to close it cleanly.
#[derive(Parser)]
#[command(name = "client-03")]
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
    let mut stream = TcpStream::connect(addr)?;
    println!("connected to {}", stream.peer_addr()?);
    let mut buffer = [0u8; 1024];
    for line in io::stdin().lock().lines() {
        let line = line?;
        if line.is_empty() {
            continue; // lesson 2: an empty write sends nothing
        }
        if line == "!reset" {
            abort(stream)?;
            println!("connection aborted");
            return Ok(());
        }
        stream.write_all(line.as_bytes())?;
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            println!("server closed the connection");
            return Ok(());
        }
        println!("{}", String::from_utf8_lossy(&buffer[..n]));
    }
    println!("closing the connection");
    Ok(())
}

// ANCHOR: abort
/// Closes the connection the rude way. With SO_LINGER set to zero seconds,
/// closing a socket discards anything unsent and sends a RST (reset) instead of
/// a FIN. std has no stable way to set SO_LINGER, so we borrow the socket as a
/// socket2 `SockRef`, which offers every socket option the OS has.
fn abort(stream: TcpStream) -> io::Result<()> {
    SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
    drop(stream); // close(): with linger 0, this is the RST
    Ok(())
}
// ANCHOR_END: abort

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

// ANCHOR: all
//! Lesson 1, the server: the smallest TCP server there is.
//!
//! It listens on one address, accepts one client, reads one message, prints what
//! it got and who sent it, and exits. Everything later in the workbook grows out
//! of these few calls: bind, listen, accept, read.

use std::io::{self, Read};
use std::net::TcpListener;
use std::process::ExitCode;

use clap::Parser;

/// Lesson 1 server: accept one client, read one message, print it, exit.
#[derive(Parser)]
#[command(name = "server-01")]
struct Args {
    /// Address to listen on. Port 0 asks the operating system for any free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match serve(&args.addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args.addr, &e));
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: serve
fn serve(addr: &str) -> io::Result<()> {
    // One call does what Python spells in three: socket(), bind() and listen().
    // From here on the kernel completes handshakes with clients by itself and
    // queues the finished connections until we accept them.
    let listener = TcpListener::bind(addr)?;
    // Print the address we really got: with port 0 the kernel picked the port.
    println!("listening on {}", listener.local_addr()?);

    // accept() blocks until a client has connected, then hands us a new socket
    // for talking to that one client, plus the client's address.
    let (mut stream, peer) = listener.accept()?;
    println!("connection from {peer}");

    // read() blocks until at least one byte has arrived, then returns what the
    // kernel has buffered, at most 1024 bytes here. One message from one small
    // write fits; later lessons show why "one read = one message" is not a rule.
    let mut buffer = [0u8; 1024];
    let n = stream.read(&mut buffer)?;
    let message = String::from_utf8_lossy(&buffer[..n]);
    println!("received {n} bytes: {message}");

    // Returning drops `stream` and `listener`, which closes both sockets.
    Ok(())
}
// ANCHOR_END: serve

/// Turns the errors a learner meets first into one line that says what to do.
fn explain(addr: &str, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::AddrInUse => {
            format!(
                "{addr} is already in use (another server?); try --addr 127.0.0.1:0"
            )
        }
        io::ErrorKind::AddrNotAvailable => {
            format!("{addr} is not an address of this machine")
        }
        io::ErrorKind::InvalidInput => {
            format!("{addr:?} is not an address like 127.0.0.1:9999")
        }
        _ => format!("{addr}: {error}"),
    }
}
// ANCHOR_END: all

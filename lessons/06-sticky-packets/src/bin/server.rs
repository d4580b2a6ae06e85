// ANCHOR: all
//! Lesson 6, the server: a receiver that shows each read exactly as TCP hands it
//! over.
//!
//! It is a busy receiver: when data arrives it waits a moment (as a real server
//! does while it is working on something else) and only then reads. Whatever the
//! client sent in the meantime is in the socket's receive buffer by then, and one
//! read takes it all: the writes' boundaries are gone. That is 粘包, "sticky
//! packets": not a bug in TCP, but what a byte stream is.

use std::io::{self, Read};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use clap::Parser;

/// Lesson 6 server: print every read exactly as it arrives, for one client.
#[derive(Parser)]
#[command(name = "server-06")]
struct Args {
    /// Address to listen on. Port 0 asks the operating system for any free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// Be busy this long after data arrives, before reading it.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    pause_ms: u64,
    /// How many bytes the first read asks for (later reads ask for 1024).
    #[arg(long, default_value_t = 1024, value_name = "BYTES",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    first_read: u16,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args.addr, &e));
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &Args) -> io::Result<()> {
    let listener = TcpListener::bind(&args.addr)?;
    println!("listening on {}", listener.local_addr()?);
    let (stream, peer) = listener.accept()?;
    println!("connection from {peer}");
    let pause = Duration::from_millis(args.pause_ms);
    let reads = receive(stream, pause, usize::from(args.first_read))?;
    let plural = if reads == 1 { "" } else { "s" };
    println!("client closed the connection after {reads} read{plural}");
    Ok(())
}

// ANCHOR: receive
/// Reads until the end of the stream, printing each read. Returns how many reads
/// returned data.
fn receive(
    mut stream: TcpStream,
    pause: Duration,
    first_read: usize,
) -> io::Result<usize> {
    let mut buffer = [0u8; 1024];
    let mut size = first_read;
    let mut reads = 0;
    loop {
        // Wait until something has arrived, without taking it (peek leaves the
        // bytes in the receive buffer), then be busy for a moment.
        if stream.peek(&mut buffer[..1])? == 0 {
            return Ok(reads); // end of stream
        }
        thread::sleep(pause);
        // One read: it returns whatever is in the receive buffer, up to `size`
        // bytes. It knows nothing of how many writes put those bytes there.
        let n = stream.read(&mut buffer[..size])?;
        reads += 1;
        let text = String::from_utf8_lossy(&buffer[..n]);
        println!("read {n} bytes: {text:?}");
        size = buffer.len();
    }
}
// ANCHOR_END: receive

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

// ANCHOR: all
//! Lesson 12's trap on purpose: non-blocking sockets, polled in a loop.
//!
//! This program exists only to be watched wasting time. It serves several
//! clients on one thread the naive way: every socket is non-blocking, and the
//! loop asks each one in turn "anything for me?". Almost always the answer is
//! `WouldBlock`, and the loop asks again at once. A real server written this way
//! keeps a CPU core at 100 % while its clients are silent; this one counts the
//! calls that found nothing and stops after a bounded number of them in a row,
//! so the demonstration ends.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

use clap::Parser;

/// Lesson 12's trap: a server that polls its non-blocking sockets in a loop.
/// It echoes what its clients send, in upper case.
#[derive(Parser)]
#[command(name = "server-12-spin")]
struct Args {
    /// Address to listen on. Port 0 asks the operating system for any free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// How many clients to accept before the loop starts.
    #[arg(long, default_value_t = 2)]
    clients: usize,
}

/// How many calls in a row may find nothing before the demonstration gives up.
/// The program without the limit would never stop asking.
const SPIN_LIMIT: u64 = 100_000;
/// A backstop for clients that never send: this many wasted calls in all.
const GIVE_UP: u64 = 100 * SPIN_LIMIT;

fn main() -> ExitCode {
    let args = Args::parse();
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &Args) -> io::Result<()> {
    let listener = TcpListener::bind(&args.addr)?;
    println!("listening on {}", listener.local_addr()?);
    let mut clients = Vec::new();
    while clients.len() < args.clients {
        let (stream, peer) = listener.accept()?;
        println!("connection from {peer}");
        clients.push(stream);
    }
    spin(&mut clients)
}

// ANCHOR: spin
fn spin(clients: &mut [TcpStream]) -> io::Result<()> {
    for stream in clients.iter() {
        // `read` now returns at once: bytes, or the error `WouldBlock`.
        stream.set_nonblocking(true)?;
    }
    let mut buffer = [0u8; 1024];
    let clients_count = clients.len() as u64;
    let (mut useful, mut wasted_in_a_row, mut wasted) = (0u64, 0u64, 0u64);
    loop {
        for stream in clients.iter_mut() {
            match stream.read(&mut buffer) {
                Ok(n) if n > 0 => {
                    useful += 1;
                    wasted_in_a_row = 0;
                    let message = String::from_utf8_lossy(&buffer[..n]);
                    println!("received: {message:?}");
                    stream.write_all(message.to_uppercase().as_bytes())?;
                }
                // THE MISTAKE: nothing to read, so... ask again, at once. The
                // loop never sleeps; it only ever asks.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    wasted += 1;
                    wasted_in_a_row += 1;
                }
                Ok(_) => return Ok(()), // a client left: end the demonstration
                Err(e) => return Err(e),
            }
            // Not part of the mistake: once every client has been answered,
            // stop after SPIN_LIMIT calls in a row that found nothing, so that
            // the demonstration ends (and after GIVE_UP calls in all, whatever).
            let everyone_answered = useful >= clients_count;
            if (everyone_answered && wasted_in_a_row == SPIN_LIMIT)
                || wasted == GIVE_UP
            {
                println!(
                    "{useful} reads found a message; \
                     then {wasted_in_a_row} in a row found nothing"
                );
                println!("... a core busy asking, and it never ends");
                return Ok(());
            }
        }
    }
}
// ANCHOR_END: spin
// ANCHOR_END: all

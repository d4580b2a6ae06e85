// ANCHOR: all
//! Lesson 10, the server: echo-upper over UDP, on lesson 9's `UdpServer`.
//!
//! There is no `listen`, no `accept`, no connection: one socket receives every
//! client's datagrams, each with its sender's address, and `send_to` answers that
//! address. Each datagram is one message, as it was sent: never two stuck
//! together, never half of one.

use std::io;
use std::net::UdpSocket;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, Ordering};

use clap::Parser;
use lesson_09::HandlerResult;
use lesson_09::udp::{Datagram, UdpServer};

/// Lesson 10 server: answers each UDP datagram with the same text in capitals.
#[derive(Parser)]
#[command(name = "server-10")]
struct Args {
    /// Address to listen on. Port 0 asks the operating system for any free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// Pretend the network lost the first N replies: the server does not send
    /// them. The client's timeout and retry take over.
    #[arg(long, default_value_t = 0, value_name = "N")]
    drop_first: u32,
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

// ANCHOR: serve
fn serve(args: &Args) -> io::Result<()> {
    let to_drop = AtomicU32::new(args.drop_first);
    let echo_upper =
        move |datagram: Datagram<'_>, socket: &UdpSocket| -> HandlerResult {
            let Datagram { bytes, peer } = datagram;
            match bytes.len() {
                0 => println!("{peer} sent 0 bytes: an empty datagram"),
                n => println!(
                    "{peer} sent {n} bytes: {}",
                    String::from_utf8_lossy(bytes)
                ),
            }
            let dropping =
                to_drop.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    n.checked_sub(1)
                });
            if dropping.is_ok() {
                println!("(--drop-first: the reply to {peer} is lost)");
                return Ok(());
            }
            // One send_to, one datagram: the reply arrives whole or not at all.
            socket.send_to(&bytes.to_ascii_uppercase(), peer)?;
            Ok(())
        };
    let server = UdpServer::bind(&args.addr, echo_upper)?;
    println!("listening on {}", server.local_addr());
    println!("(UDP: no connections; every datagram stands alone)");
    server.serve_forever() // Ctrl-C stops it
}
// ANCHOR_END: serve

/// Turns the errors a learner meets first into one line that says what to do.
fn explain(addr: &str, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::AddrInUse => format!(
            "{addr} is already in use (another server?); try --addr 127.0.0.1:0"
        ),
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

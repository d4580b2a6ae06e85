// ANCHOR: all
//! Lesson 3, the client: lesson 2's client, plus a way to vanish on purpose,
//! and heartbeats.
//!
//! Type `!reset` to abort the connection: the kernel sends a RST instead of the
//! polite FIN. End input (Ctrl-D) to close it politely. With `--heartbeat`, a
//! thread sends a heartbeat at that interval, so that a server with a read
//! timeout knows this client is alive even while nobody types.

use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;
use std::thread;
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
    /// Send a heartbeat at this interval, whether or not anything is typed.
    #[arg(long, value_name = "SECONDS", value_parser = seconds)]
    heartbeat: Option<Duration>,
}

/// A heartbeat: one zero byte, which typed text never contains.
const HEARTBEAT: &[u8] = &[0];

fn main() -> ExitCode {
    let args = Args::parse();
    match talk(&args.addr, args.heartbeat) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args.addr, &e));
            ExitCode::FAILURE
        }
    }
}

fn talk(addr: &str, heartbeat: Option<Duration>) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    println!("connected to {}", stream.peer_addr()?);
    if let Some(interval) = heartbeat {
        start_heartbeat(&stream, interval)?;
    }
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
    // The FIN. Dropping `stream` would not send it while the heartbeat thread
    // still holds a clone of the socket: the socket closes when its last handle
    // does. shutdown() acts on the connection, whoever else holds it.
    stream.shutdown(Shutdown::Write)
}

// ANCHOR: heartbeat
/// Sends a heartbeat every `interval` from a thread of its own, so that the
/// server hears from us while nobody types. The thread ends when a write
/// fails: the connection is gone, or we have shut it down.
fn start_heartbeat(stream: &TcpStream, interval: Duration) -> io::Result<()> {
    let mut stream = stream.try_clone()?; // a second handle to the same socket
    thread::spawn(move || {
        loop {
            thread::sleep(interval);
            if stream.write_all(HEARTBEAT).is_err() {
                return;
            }
        }
    });
    Ok(())
}
// ANCHOR_END: heartbeat

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

/// Reads a flag's number of seconds, such as `10` or `0.5`.
fn seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs < 1e9 => Ok(Duration::from_secs_f64(secs)),
        _ => Err(format!("{text:?} is not a number of seconds above 0")),
    }
}
// ANCHOR_END: all

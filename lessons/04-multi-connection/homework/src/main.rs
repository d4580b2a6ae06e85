//! Homework 4: a server that serves exactly N clients, one after another,
//! then stops.
//!
//! Lesson 4's accept loop runs forever. Write `serve` so that it
//! 1. serves `clients` clients in turn, echoing each message in upper case until
//!    the client leaves. In turn means one at a time: while client 1 is
//!    connected, client 2 may connect and send, but gets no reply until client 1
//!    has left (no threads here; that is lesson 9);
//! 2. survives a client that vanishes (a reset) and goes on to the next one,
//!    as lesson 3 taught: one client's trouble never ends the server;
//! 3. prints `served client K of N` (K counting from 1) once client K has left,
//!    however it leaves, and not before;
//! 4. after the last client, prints `served N clients, goodbye` and returns, so the
//!    listener is closed and the program exits with success.
//!
//! `main` binds and prints `listening on ADDRESS` for you. Chapter 4 ("The
//! accept loop") has the loop; chapter 3 has the errors that mean "gone".
//! Check your work with `just check 4`; stuck? `just hint 4`.

use std::io;
use std::net::TcpListener;
use std::process::ExitCode;

use clap::Parser;

/// Homework 4: serve exactly N clients in turn, then exit.
#[derive(Parser)]
#[command(name = "homework-04")]
struct Args {
    /// Address to listen on. Port 0 asks the operating system for any free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// How many clients to serve before exiting.
    #[arg(long, default_value_t = 3)]
    clients: u32,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = TcpListener::bind(&args.addr).and_then(|listener| {
        println!("listening on {}", listener.local_addr()?);
        serve(&listener, args.clients)
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}

/// Serves `clients` clients one after another, then returns.
fn serve(listener: &TcpListener, clients: u32) -> io::Result<()> {
    let _ = (listener, clients);
    todo!("an accept loop that stops after `clients` conversations")
}

//! A right solution written differently: `incoming().take(n)` as the accept loop, a `match` on each read, and a vanished client noted in words of its own.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

use clap::Parser;

/// Homework 4: serve exactly N clients in turn, then exit.
#[derive(Parser)]
#[command(name = "right-04-incoming-take")]
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
    let connections = listener.incoming().take(clients as usize);
    for (number, stream) in (1..).zip(connections) {
        match stream.and_then(echo_upper) {
            Ok(()) => println!("client {number} said goodbye"),
            Err(e) => println!("client {number} vanished ({e})"),
        }
        println!("served client {number} of {clients}");
    }
    println!("served {clients} clients, goodbye");
    Ok(())
}

/// Answers every message in upper case until the client closes.
fn echo_upper(mut stream: TcpStream) -> io::Result<()> {
    let mut message = vec![0u8; 4096];
    loop {
        match stream.read(&mut message)? {
            0 => return Ok(()),
            n => {
                let upper = String::from_utf8_lossy(&message[..n]).to_uppercase();
                stream.write_all(upper.as_bytes())?;
            }
        }
    }
}

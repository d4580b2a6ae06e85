//! Loops over 1..clients, which stops one short, so the last client is never served.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

use clap::Parser;

/// Homework 4: serve exactly N clients in turn, then exit.
#[derive(Parser)]
#[command(name = "wrong-04-one-client-too-few")]
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
    for number in 1..clients {
        let (stream, _) = listener.accept()?;
        // Whatever ended the conversation, this client is done; the loop goes on.
        if let Err(e) = conversation(stream) {
            println!("client {number} left with an error: {}", e.kind());
        }
        println!("served client {number} of {clients}");
    }
    println!("served {clients} clients, goodbye");
    Ok(())
}

/// Echoes messages in upper case until the client closes the connection.
fn conversation(mut stream: TcpStream) -> io::Result<()> {
    let mut buffer = [0u8; 1024];
    loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Ok(());
        }
        let reply = String::from_utf8_lossy(&buffer[..n]).to_uppercase();
        stream.write_all(reply.as_bytes())?;
    }
}

//! A right solution written differently: Stdin::lines, the write and the read each matched on their own, and the way the server left as an enum.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 3: talk to the server, and say so when it goes away.
#[derive(Parser)]
#[command(name = "right-03-write-then-read")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match TcpStream::connect(&args.addr).and_then(conversation) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}

/// How the server went away.
enum Gone {
    Closed,
    Reset,
}

/// Sends each non-blank line of stdin and prints each reply, until the input
/// ends or the server goes away.
fn conversation(mut stream: TcpStream) -> io::Result<()> {
    for line in io::stdin().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let gone = match stream.write_all(line.as_bytes()) {
            Err(e) => gone(e)?,
            Ok(()) => {
                let mut reply = [0u8; 1024];
                match stream.read(&mut reply) {
                    Ok(0) => Gone::Closed,
                    Ok(n) => {
                        println!("{}", String::from_utf8_lossy(&reply[..n]));
                        continue;
                    }
                    Err(e) => gone(e)?,
                }
            }
        };
        match gone {
            Gone::Closed => println!("server closed the connection"),
            Gone::Reset => println!("server reset the connection"),
        }
        return Ok(());
    }
    println!("bye");
    Ok(())
}

/// A reset, or the error itself when it means something else.
fn gone(error: io::Error) -> io::Result<Gone> {
    match error.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => Ok(Gone::Reset),
        _ => Err(error),
    }
}

// ANCHOR: all
//! Lesson 5, the client: type a command, see what the server's machine prints.
//!
//! Like the Python course's client, it reads each reply with one read into a
//! 1024-byte buffer. That is the bug this lesson is about: a longer reply does not
//! fit, its rest stays in the connection, and the next "reply" starts with it.

use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;

use clap::Parser;

/// Lesson 5 client: send each line typed on stdin as a command, print the reply.
/// End with Ctrl-D (Ctrl-Z then Enter on Windows).
#[derive(Parser)]
#[command(name = "client-05")]
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

    // ANCHOR: one-read
    let mut buffer = [0u8; 1024];
    for line in io::stdin().lock().lines() {
        let line = line?;
        let command = line.trim();
        if command.is_empty() {
            continue; // an empty write sends nothing (lesson 2)
        }
        stream.write_all(command.as_bytes())?;
        // One read of at most 1024 bytes, as the Python client's recv(1024). It
        // returns what has arrived so far, up to 1024 bytes: not "the reply".
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            println!("server closed the connection");
            break;
        }
        show(&buffer[..n]);
    }
    // ANCHOR_END: one-read

    // ANCHOR: drain
    // End of input. Tell the server we will send nothing more (a FIN, as in lesson
    // 3), then show whatever is still on its way until the server closes too. With
    // a spilled reply, that is the last command's reply.
    stream.shutdown(Shutdown::Write)?;
    loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        show(&buffer[..n]);
    }
    // ANCHOR_END: drain
    Ok(())
}

// ANCHOR: show
/// Prints one read's bytes under a line that says how many there were. Output that
/// is not UTF-8 (a Windows console's GBK, say) is shown with � for what cannot be
/// decoded, instead of failing.
fn show(bytes: &[u8]) {
    println!("--- read {} bytes ---", bytes.len());
    let text = String::from_utf8_lossy(bytes);
    print!("{text}");
    if !text.ends_with('\n') {
        println!(); // the read ended in the middle of a line
    }
}
// ANCHOR_END: show

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
// ANCHOR_END: all

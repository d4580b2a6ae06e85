//! A right solution written differently: a read_line loop that strips only the line ending, a blank test on spaces and tabs, the reply written as bytes.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;

/// Homework 2: send the lines typed on stdin, skipping blank ones, until `exit`.
#[derive(Parser)]
#[command(name = "right-02-read-line-loop")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = TcpStream::connect(&args.addr).and_then(|stream| {
        let sent = conversation(stream)?;
        println!("sent {sent} messages");
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}

/// Runs the conversation over `stream`; returns how many messages were sent.
fn conversation(mut stream: TcpStream) -> io::Result<usize> {
    let mut stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    let mut typed = String::new();
    let mut reply = vec![0u8; 1024];
    let mut sent = 0;
    loop {
        typed.clear();
        if stdin.read_line(&mut typed)? == 0 {
            break; // the end of input
        }
        let line = typed.strip_suffix('\n').unwrap_or(&typed);
        let line = line.strip_suffix('\r').unwrap_or(line);
        match line {
            "exit" => break,
            blank if blank.chars().all(|c| c == ' ' || c == '\t') => continue,
            message => {
                stream.write_all(message.as_bytes())?;
                sent += 1;
            }
        }
        match stream.read(&mut reply)? {
            0 => break,
            n => {
                stdout.write_all(&reply[..n])?;
                stdout.write_all(b"\n")?;
                stdout.flush()?;
            }
        }
    }
    Ok(sent)
}

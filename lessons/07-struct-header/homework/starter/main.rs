//! Homework 7: `read_frame` and `write_frame`, written by you.
//!
//! Everything else of a client for lesson 7's server is here; the two functions
//! at the bottom are yours. The format, from chapter 7's table:
//!
//! | bytes       | what                                                    |
//! |-------------|---------------------------------------------------------|
//! | 4           | N, the header's length, u32 big-endian                  |
//! | N           | the header: JSON, at least `{"body_size": …}`           |
//! | `body_size` | the body                                                |
//!
//! `read_frame` must work however the bytes arrive (all at once, or one byte per
//! read), return `Ok(None)` when the stream ends cleanly before a frame, and turn
//! bad input into an `Err` with one of these messages (nothing may panic, and no
//! size the peer announces may be allocated before it is checked: the check runs
//! your client with its memory limited, where a 4 GiB buffer fails). The limits
//! are inclusive: a header of exactly 65536 bytes, and a body of exactly
//! 67108864, are read; one byte more is refused.
//!
//! - `header length N is above the limit of 65536 bytes`
//! - `body size N is above the limit of 67108864 bytes`
//! - `the stream ended inside a frame` (you may add which part)
//! - `the header is not valid: ` followed by serde_json's message
//!
//! Try it against the real server: `just server 7` in one terminal,
//! `cargo run -p homework-07` in another. Check your work with `just check 7`;
//! stuck? `just hint 7`.

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;
use serde::{Deserialize, Serialize};

/// The longest header accepted: 64 KiB.
const MAX_HEADER_LEN: u32 = 64 * 1024;
/// The largest body accepted: 64 MiB.
const MAX_BODY: u64 = 64 * 1024 * 1024;

/// The JSON header. Unknown fields are ignored; missing optional ones are empty.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Header {
    body_size: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// A header and its body.
#[derive(Debug)]
struct Frame {
    header: Header,
    body: Vec<u8>,
}

/// Homework 7: a client for lesson 7's server, on your own frames.
#[derive(Parser)]
#[command(name = "homework-07")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match talk(&args.addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Sends each non-blank line of stdin as a framed command; prints each reply.
fn talk(addr: &str) -> Result<(), String> {
    let stream = TcpStream::connect(addr)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let broken = |e: io::Error| format!("connection lost: {e}");
    let mut reader = BufReader::new(stream.try_clone().map_err(broken)?);
    let mut writer = BufWriter::new(stream);
    for line in io::stdin().lock().lines() {
        let line = line.map_err(|e| format!("cannot read the keyboard: {e}"))?;
        let command = line.trim();
        if command.is_empty() {
            continue;
        }
        write_frame(&mut writer, command.as_bytes()).map_err(broken)?;
        let Some(reply) = read_frame(&mut reader)? else {
            println!("server closed the connection");
            return Ok(());
        };
        if let Some(error) = reply.header.error {
            return Err(format!("the server refused: {error}"));
        }
        println!("--- reply of {} bytes ---", reply.body.len());
        print!("{}", String::from_utf8_lossy(&reply.body));
        for note in &reply.header.notes {
            println!("[{note}]");
        }
    }
    Ok(())
}

/// Writes one frame whose header is `{"body_size": body.len()}`, then flushes.
fn write_frame(out: &mut impl Write, body: &[u8]) -> io::Result<()> {
    let _ = (out, body, Header::default());
    todo!(
        "serde_json::to_vec the header, then write_all: \
         4 length bytes (to_be_bytes), header, body"
    )
}

/// Reads one frame, or `Ok(None)` at a clean end of the stream.
fn read_frame(input: &mut impl Read) -> Result<Option<Frame>, String> {
    let _ = (input, MAX_HEADER_LEN, MAX_BODY);
    todo!(
        "read_exact 4 bytes (telling a clean end from a cut), check, \
         read the header, check, read the body"
    )
}

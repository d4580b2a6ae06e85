//! Reads the body with one `read`, which returns what has arrived so far, not the whole body.

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
#[command(name = "solution-07")]
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
    let header = Header {
        body_size: body.len() as u64,
        ..Header::default()
    };
    let json = serde_json::to_vec(&header)?;
    out.write_all(&(json.len() as u32).to_be_bytes())?;
    out.write_all(&json)?;
    out.write_all(body)?;
    out.flush()
}

/// Reads one frame, or `Ok(None)` at a clean end of the stream.
fn read_frame(input: &mut impl Read) -> Result<Option<Frame>, String> {
    // The first byte on its own: no byte at all is a clean end, not a cut frame.
    let mut len = [0u8; 4];
    match input.read(&mut len[..1]) {
        Ok(0) => return Ok(None),
        Ok(_) => {}
        Err(e) => return Err(format!("connection lost: {e}")),
    }
    input
        .read_exact(&mut len[1..])
        .map_err(cut("header length"))?;
    let header_len = u32::from_be_bytes(len);
    if header_len > MAX_HEADER_LEN {
        return Err(format!(
            "header length {header_len} is above the limit of {MAX_HEADER_LEN} bytes"
        ));
    }
    let mut json = vec![0u8; header_len as usize];
    input.read_exact(&mut json).map_err(cut("header"))?;
    let header: Header = serde_json::from_slice(&json)
        .map_err(|e| format!("the header is not valid: {e}"))?;
    if header.body_size > MAX_BODY {
        return Err(format!(
            "body size {} is above the limit of {MAX_BODY} bytes",
            header.body_size
        ));
    }
    let mut body = vec![0u8; header.body_size as usize];
    let n = input
        .read(&mut body)
        .map_err(|e| format!("connection lost: {e}"))?;
    body.truncate(n);
    Ok(Some(Frame { header, body }))
}

/// The message for a `read_exact` that failed while reading `part`.
fn cut(part: &'static str) -> impl Fn(io::Error) -> String {
    move |e| match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            format!("the stream ended inside a frame, in its {part}")
        }
        _ => format!("connection lost: {e}"),
    }
}

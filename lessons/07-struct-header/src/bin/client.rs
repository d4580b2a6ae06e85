//! Lesson 7, the client: ssh v2. Each command goes out as a frame and each reply
//! comes back as a frame, read with `read_exact`: however long the output, the
//! client reads exactly all of it, and nothing more.
//!
//! `--one-read` brings back the seeds' bug: the body is read with a single read
//! (their `if` where a `while` belongs). A large reply then comes in part, and the
//! rest is mistaken for the next frame.

use std::io::{self, BufRead, BufReader, BufWriter, Read};
use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;
use lesson_07::frame::{Frame, FrameError, Header, read_frame, write_frame};

/// Lesson 7 client: send each line typed on stdin as a framed command, print each
/// framed reply. End with Ctrl-D (Ctrl-Z then Enter on Windows).
#[derive(Parser)]
#[command(name = "client-07")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// The bug: read each reply's body with a single read instead of read_exact.
    #[arg(long)]
    one_read: bool,
    /// Refuse a reply whose body is larger than this.
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_name = "BYTES")]
    max_reply: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match talk(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args.addr, &e));
            ExitCode::FAILURE
        }
    }
}

fn talk(args: &Args) -> Result<(), FrameError> {
    let stream = TcpStream::connect(&args.addr)?;
    println!("connected to {}", stream.peer_addr()?);
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = BufWriter::new(stream);

    // ANCHOR: rounds
    for line in io::stdin().lock().lines() {
        let line = line?;
        let command = line.trim();
        if command.is_empty() {
            continue;
        }
        write_frame(&mut writer, &Header::default(), command.as_bytes())?;
        let reply = if args.one_read {
            read_reply_with_one_read(&mut reader)?
        } else {
            read_frame(&mut reader, args.max_reply)?
        };
        let Some(reply) = reply else {
            println!("server closed the connection");
            break;
        };
        show(&reply)?;
    }
    // ANCHOR_END: rounds
    Ok(())
}

// ANCHOR: show
/// Prints one reply: a line with its size, the output, then the server's notes.
fn show(reply: &Frame) -> Result<(), FrameError> {
    if let Some(error) = &reply.header.error {
        return Err(io::Error::other(format!("the server refused: {error}")).into());
    }
    println!("--- reply of {} bytes ---", reply.body.len());
    let text = String::from_utf8_lossy(&reply.body);
    print!("{text}");
    if !text.is_empty() && !text.ends_with('\n') {
        println!();
    }
    for note in &reply.header.notes {
        println!("[{note}]");
    }
    Ok(())
}
// ANCHOR_END: show

// ANCHOR: one-read
/// The seeds' client, in Rust: the length and the header are read in full, but the
/// body with one `read`. That read returns what has arrived so far, which for a
/// large reply is only part of it.
fn read_reply_with_one_read(
    reader: &mut impl Read,
) -> Result<Option<Frame>, FrameError> {
    let mut len = [0u8; 4];
    reader.read_exact(&mut len)?;
    let mut json = vec![0u8; u32::from_be_bytes(len).min(64 * 1024) as usize];
    reader.read_exact(&mut json)?;
    let header: Header =
        serde_json::from_slice(&json).map_err(FrameError::BadHeader)?;
    let mut body = vec![0u8; header.body_size.min(64 * 1024 * 1024) as usize];
    let n = reader.read(&mut body)?; // BUG: one read, where a loop belongs
    body.truncate(n);
    if (n as u64) < header.body_size {
        println!("[one read got {n} of {} bytes]", header.body_size);
    }
    Ok(Some(Frame { header, body }))
}
// ANCHOR_END: one-read

/// Turns errors into one line that says what happened.
fn explain(addr: &str, error: &FrameError) -> String {
    match error {
        FrameError::Io(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            format!("connection refused by {addr}; is the server running?")
        }
        FrameError::Io(e) if e.kind() == io::ErrorKind::InvalidInput => {
            format!("{addr:?} is not an address like 127.0.0.1:9999")
        }
        FrameError::Io(e) if e.kind() == io::ErrorKind::Other => e.to_string(),
        // Writing to a connection the server has closed (after an idle
        // timeout, say) fails with one of these, depending on timing and system.
        FrameError::Io(e)
            if matches!(
                e.kind(),
                io::ErrorKind::BrokenPipe
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
            ) =>
        {
            format!("the server closed the connection ({e})")
        }
        _ => format!("{addr}: {error}"),
    }
}

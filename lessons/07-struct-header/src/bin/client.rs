// ANCHOR: all
//! Lesson 7, the client: ssh v2. Each command goes out as a frame and each reply
//! comes back as a frame, read with `read_exact`: however long the output, the
//! client reads exactly all of it, and nothing more.
//!
//! `--one-read` brings back the Python client's bug: the body is read with a single
//! read (its `if` where a `while` belongs). A large reply then comes in part, and
//! the rest is mistaken for the next frame.

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

/// Why the client stops: the connection or a frame failed, or the server refused
/// a command (its reply carries an `error` instead of output).
enum ClientError {
    Frame(FrameError),
    Refused(String),
}

impl From<FrameError> for ClientError {
    fn from(error: FrameError) -> ClientError {
        ClientError::Frame(error)
    }
}

impl From<io::Error> for ClientError {
    fn from(error: io::Error) -> ClientError {
        ClientError::Frame(error.into())
    }
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

fn talk(args: &Args) -> Result<(), ClientError> {
    let stream = TcpStream::connect(&args.addr)?;
    println!("connected to {}", stream.peer_addr()?);
    // Buffered reading and buffered writing on one connection: both borrow the
    // stream, since `&TcpStream` reads and writes as well as `TcpStream` does.
    let mut reader = BufReader::new(&stream);
    let mut writer = BufWriter::new(&stream);

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
fn show(reply: &Frame) -> Result<(), ClientError> {
    if let Some(error) = &reply.header.error {
        return Err(ClientError::Refused(error.clone()));
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
/// The Python course's client, in Rust: the length and the header are read in full,
/// but the body with one `read`. That read returns what has arrived so far, which
/// for a large reply is only part of it.
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
fn explain(addr: &str, error: &ClientError) -> String {
    let error = match error {
        ClientError::Refused(why) => return format!("the server refused: {why}"),
        ClientError::Frame(error) => error,
    };
    match error {
        FrameError::Io(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            format!("connection refused by {addr}; is the server running?")
        }
        FrameError::Io(e) if e.kind() == io::ErrorKind::InvalidInput => {
            format!("{addr:?} is not an address like 127.0.0.1:9999")
        }
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
// ANCHOR_END: all

// ANCHOR: all
//! Lesson 7, the server: ssh v2. Lesson 5's server with one change: every request
//! and every reply is a frame (a length, a JSON header, a body), so a reply of any
//! size arrives whole and the next one starts clean.
//!
//! WARNING: as in lesson 5, whoever can connect can run any command as you. The
//! server listens on loopback unless told otherwise, and every command has a time
//! limit and an output cap.
//!
//! A peer that sends something that is not a frame gets an error frame and a closed
//! connection; the server goes on to the next client.

use std::io::{self, BufReader, BufWriter};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use clap::Parser;
use lesson_05::safety::{ALLOW_REMOTE_FLAG, check_listen_addr};
use lesson_05::shell::{self, Limits, Outcome};
use lesson_07::frame::{FrameError, Header, read_frame, write_frame};
use lesson_07::timed::TimedStream;

/// The longest command a client may send: a line typed by a person.
const MAX_COMMAND: u64 = 64 * 1024;

/// Lesson 7 server: runs each framed command a client sends and replies with a
/// frame. Only programs on this machine can connect, unless you pass
/// --allow-remote-commands.
#[derive(Parser)]
#[command(name = "server-07")]
struct Args {
    /// Address to listen on. Port 0 asks the operating system for any free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// Listen on an address other machines can reach. Anyone who can connect can
    /// then run any command as you.
    #[arg(long = "allow-remote-commands")]
    allow_remote_commands: bool,
    /// Stop a command that is still running after this many seconds.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    time_limit: u64,
    /// Send at most this many bytes of a command's output.
    #[arg(long, default_value_t = 32 * 1024 * 1024, value_name = "BYTES")]
    max_output: usize,
    /// Close a connection that sends nothing (or reads nothing) for this many
    /// seconds, or whose request has not arrived whole after this many seconds,
    /// so that a client that stops or drips cannot hold the server.
    #[arg(long, default_value_t = 300, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(refusal) = check_listen_addr(&args.addr, args.allow_remote_commands)
    {
        eprintln!("error: {refusal}");
        return ExitCode::FAILURE;
    }
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args.addr, &e));
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &Args) -> io::Result<()> {
    let listener = TcpListener::bind(&args.addr)?;
    let local = listener.local_addr()?;
    println!("listening on {local}");
    if local.ip().is_loopback() {
        println!("commands run as you; only programs on this machine can connect");
    } else {
        println!(
            "WARNING: {ALLOW_REMOTE_FLAG}: anyone who can reach {local} \
             can run commands as you"
        );
    }
    let limits = Limits {
        time: Duration::from_secs(args.time_limit),
        output: args.max_output,
    };
    let idle = Duration::from_secs(args.idle_timeout);
    // One client at a time, forever. Ctrl-C stops the server.
    loop {
        // ANCHOR: accept
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) => {
                // Not this server's fault, and no reason to stop serving: a
                // client that gave up while it waited (ECONNABORTED), or no file
                // descriptor left (EMFILE). The latter fails again at once until
                // one is freed, so pause rather than spin.
                println!("accept failed: {e}; trying again");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        // ANCHOR_END: accept
        println!("connection from {peer}");
        match conversation(stream, &limits, idle) {
            Ok(()) => println!("client left"),
            Err(e) => println!("closed the connection: {e}"),
        }
    }
}

// ANCHOR: conversation
/// Answers framed commands until the client leaves or sends something that is
/// not a frame.
fn conversation(
    stream: TcpStream,
    limits: &Limits,
    idle: Duration,
) -> Result<(), FrameError> {
    // Reads and writes that wait longer than `idle` fail (lesson 7's `timed`).
    let stream = TimedStream::new(stream, idle)?;
    // Two handles on one connection: buffered reading and buffered writing. A
    // clone, not two borrows: the reader's handle carries its own deadline.
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = BufWriter::new(stream);
    loop {
        // The whole request must arrive within `idle`, however it is spaced.
        reader.get_mut().set_deadline(idle);
        let request = read_frame(&mut reader, MAX_COMMAND);
        reader.get_mut().clear_deadline();
        let request = match request {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()), // the client closed: a clean end
            Err(e) => {
                // Tell the client why, if it still listens, then hang up.
                let refusal = Header {
                    error: Some(e.to_string()),
                    ..Header::default()
                };
                let _ = write_frame(&mut writer, &refusal, b"");
                return Err(e);
            }
        };
        let command = String::from_utf8_lossy(&request.body);
        println!("running: {command}");
        let outcome = shell::run(command.trim(), limits)
            .unwrap_or_else(|e| Outcome::not_started(&e));
        let header = Header {
            exit_code: outcome.exit_code,
            notes: outcome.notes(limits),
            ..Header::default()
        };
        write_frame(&mut writer, &header, &outcome.output)?;
        println!("sent a frame with {} bytes of output", outcome.output.len());
    }
}
// ANCHOR_END: conversation

/// Turns the errors a learner meets first into one line that says what to do.
fn explain(addr: &str, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::AddrInUse => {
            format!(
                "{addr} is already in use (another server?); try --addr 127.0.0.1:0"
            )
        }
        io::ErrorKind::AddrNotAvailable => {
            format!("{addr} is not an address of this machine")
        }
        io::ErrorKind::InvalidInput => {
            format!("{addr:?} is not an address like 127.0.0.1:9999")
        }
        _ => format!("{addr}: {error}"),
    }
}
// ANCHOR_END: all

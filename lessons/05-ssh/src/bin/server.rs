// ANCHOR: all
//! Lesson 5, the server: a tiny ssh. Every message a client sends is run as a shell
//! command on this machine, and what the command prints is sent back.
//!
//! WARNING: whoever can connect can run any command as you. That is why this
//! server listens on loopback (127.0.0.1) unless you pass a loudly named flag,
//! stops every command after a time limit, and cuts its output at a cap.
//!
//! The protocol is lesson 2's: one write, one read, no boundaries. It breaks as
//! soon as a reply is larger than the client's read buffer; lessons 6 and 7 say why
//! and fix it.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use clap::Parser;
use lesson_05::safety::{ALLOW_REMOTE_FLAG, check_listen_addr};
use lesson_05::shell::{self, Limits, Outcome};

/// Lesson 5 server: runs each line a client sends as a shell command and sends
/// back its output. Only programs on this machine can connect, unless you pass
/// --allow-remote-commands.
#[derive(Parser)]
#[command(name = "server-05")]
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
    #[arg(long, default_value_t = 64 * 1024, value_name = "BYTES")]
    max_output: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // ANCHOR: loopback
    if let Err(refusal) = check_listen_addr(&args.addr, args.allow_remote_commands)
    {
        eprintln!("error: {refusal}");
        return ExitCode::FAILURE;
    }
    // ANCHOR_END: loopback
    let limits = Limits {
        time: Duration::from_secs(args.time_limit),
        output: args.max_output,
    };
    match serve(&args.addr, &limits) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args.addr, &e));
            ExitCode::FAILURE
        }
    }
}

fn serve(addr: &str, limits: &Limits) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
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
    // One client at a time, forever, as in lesson 4. Ctrl-C stops the server.
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) => {
                // One failed accept (a client that gave up while it waited, no
                // file descriptor left) is no reason to stop serving: report it,
                // pause so that a lasting cause does not make us spin, go on.
                println!("accept failed: {e}; trying again");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        println!("connection from {peer}");
        match conversation(stream, limits) {
            Ok(()) => println!("client left"),
            Err(e) => println!("client lost: {e}"),
        }
    }
}

// ANCHOR: conversation
/// Runs each message as a command and sends back its output, until the client
/// leaves.
fn conversation(mut stream: TcpStream, limits: &Limits) -> io::Result<()> {
    let mut buffer = [0u8; 1024];
    loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Ok(());
        }
        let message = String::from_utf8_lossy(&buffer[..n]);
        let command = message.trim();
        println!("running: {command}");
        let outcome = shell::run(command, limits)
            .unwrap_or_else(|e| Outcome::not_started(&e));
        let mut reply = outcome.output.clone();
        for note in outcome.notes(limits) {
            reply.extend_from_slice(format!("[{note}]\n").as_bytes());
        }
        // One write_all for the whole reply. However large, it is one stream of
        // bytes to TCP, and nothing tells the client where it ends.
        stream.write_all(&reply)?;
        println!("sent {} bytes", reply.len());
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

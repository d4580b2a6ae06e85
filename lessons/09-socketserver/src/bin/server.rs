// ANCHOR: all
//! Lesson 9, the server: lesson 8's FTP server on the socketserver framework.
//! The conversation is lesson 8's, unchanged; the connection loop is the
//! framework's, and by default it gives each client a thread of its own, so
//! several clients transfer at once.
//!
//! Type `stop` and Enter in the server's terminal to stop it gracefully: no new
//! clients, and the transfers under way finish first.

use std::io::{self, BufRead};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use clap::Parser;
use lesson_08::files::Root;
use lesson_08::server::{Settings, conversation};
use lesson_09::tcp::TcpServer;
use lesson_09::{HandlerResult, Mode};

/// Lesson 9 server: lesson 8's file server, several clients at once. Type `stop`
/// and Enter to stop it after the transfers under way.
#[derive(Parser)]
#[command(name = "server-09")]
struct Args {
    /// Address to listen on. Port 0 asks the operating system for any free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// The folder the server keeps files in; created if missing.
    #[arg(long, default_value = "ftp-root", value_name = "FOLDER")]
    root: PathBuf,
    /// Refuse an upload larger than this.
    #[arg(long, default_value_t = 16 << 30, value_name = "BYTES")]
    max_file_size: u64,
    /// Close a connection that sends nothing for this many seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,
    /// Serve one client at a time, as lesson 8 does (Python's plain TCPServer).
    #[arg(long)]
    sequential: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args, &e));
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: serve
fn serve(args: &Args) -> io::Result<()> {
    let settings = Settings {
        root: Root::open(&args.root).map_err(|e| in_root(args, e))?,
        max_file_size: args.max_file_size,
        idle_timeout: Duration::from_secs(args.idle_timeout),
    };
    // The whole server is this closure: one conversation with one client.
    let handler = move |stream: TcpStream, peer: SocketAddr| -> HandlerResult {
        println!("{peer}: connected");
        conversation(stream, &settings, &|line| println!("{peer}: {line}"))?;
        println!("{peer}: left");
        Ok(())
    };
    let mode = if args.sequential {
        Mode::Sequential
    } else {
        Mode::ThreadPerConnection
    };
    let server = TcpServer::bind(&args.addr, handler, mode)?;
    println!("listening on {}", server.local_addr());
    println!("serving the files in {}", args.root.display());

    // `stop` typed on another thread shuts the server down.
    let stop = server.shutdown_handle();
    thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            if line.is_ok_and(|line| line.trim() == "stop") {
                println!(
                    "stopping: no new clients; waiting for the transfers under way"
                );
                stop.shutdown();
                return;
            }
        }
    });
    server.serve_forever()?;
    println!("stopped");
    Ok(())
}
// ANCHOR_END: serve

/// Marks an error as being about the folder, not the address.
fn in_root(args: &Args, error: io::Error) -> io::Error {
    io::Error::other(format!(
        "cannot use the folder {}: {error}",
        args.root.display()
    ))
}

/// Turns the errors a learner meets first into one line that says what to do.
fn explain(args: &Args, error: &io::Error) -> String {
    let addr = &args.addr;
    match error.kind() {
        io::ErrorKind::AddrInUse => format!(
            "{addr} is already in use (another server?); try --addr 127.0.0.1:0"
        ),
        io::ErrorKind::AddrNotAvailable => {
            format!("{addr} is not an address of this machine")
        }
        io::ErrorKind::InvalidInput => {
            format!("{addr:?} is not an address like 127.0.0.1:9999")
        }
        io::ErrorKind::Other => error.to_string(),
        _ => format!("{addr}: {error}"),
    }
}
// ANCHOR_END: all

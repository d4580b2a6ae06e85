// ANCHOR: all
//! Lesson 12, the server: lesson 8's file server for many clients at once, on
//! one thread. The protocol, the folder and the checks are lesson 8's; what
//! changed is how the server waits: in one `poll` for all its clients, instead
//! of in one `read` per client on a thread of its own (lesson 9).
//!
//! Ctrl-C stops it. (Lesson 9's `stop` command read the keyboard on a second
//! thread; this server has one thread, and keeps it that way.)

use std::io;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use lesson_08::files::Root;
use lesson_08::server::Settings;
use lesson_12::event_loop::serve_forever;

/// Lesson 12 server: lesson 8's file server, many clients on one thread.
/// Listens on this machine only unless --addr says otherwise.
#[derive(Parser)]
#[command(name = "server-12")]
struct Args {
    /// Address to listen on. Port 0 asks the operating system for any free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// The folder the server keeps files in; created if missing. Clients can
    /// read and write every file in it, and nothing outside it.
    #[arg(long, default_value = "ftp-root", value_name = "FOLDER")]
    root: PathBuf,
    /// Refuse an upload larger than this.
    #[arg(long, default_value_t = 16 << 30, value_name = "BYTES")]
    max_file_size: u64,
    /// Close a connection that sends nothing (or reads nothing) for this many
    /// seconds; a request's header must also arrive whole within it.
    #[arg(long, default_value_t = 300, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,
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
    let listener = TcpListener::bind(&args.addr)?;
    println!("listening on {}", listener.local_addr()?);
    let settings = Settings {
        root: Root::open(&args.root).map_err(|e| in_root(args, e))?,
        max_file_size: args.max_file_size,
        idle_timeout: Duration::from_secs(args.idle_timeout),
    };
    println!("serving the files in {}", args.root.display());
    serve_forever(listener, settings)
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

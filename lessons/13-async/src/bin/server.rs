// ANCHOR: all
//! Lesson 13, the server: lesson 8's file server for many clients at once, a
//! tokio task each. The protocol, the folder and the checks are lesson 8's;
//! the conversation reads like lesson 8's; the waiting is lesson 12's event
//! loop, which tokio runs for us.
//!
//! Ctrl-C stops it gracefully: no new clients, the transfers under way finish.
//! A second Ctrl-C stops it at once.

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use lesson_08::files::Root;
use lesson_08::server::Settings;
use lesson_13::server::serve;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Lesson 13 server: lesson 8's file server, a tokio task per client.
/// Listens on this machine only unless --addr says otherwise.
#[derive(Parser)]
#[command(name = "server-13")]
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
    /// Serve at most this many clients at once; the next ones wait until a
    /// client leaves. A transfer holds two file descriptors (its socket and
    /// its file), and a process may often open only 1024.
    #[arg(long, default_value_t = 400, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    max_clients: u64,
    /// Worker threads, which run the clients' tasks [default: one per core].
    /// With 1, every client is served by one thread, as in lesson 12.
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
}

/// The most threads tokio may start for blocking work (files, hashing), on
/// top of its worker threads (one per core). Its default is 512.
const BLOCKING_THREADS: usize = 8;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args, &e));
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: runtime
/// Builds the runtime and runs the server on it. `#[tokio::main]` would do the
/// same with tokio's defaults; this one bounds the blocking threads.
fn run(args: &Args) -> io::Result<()> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder
        .enable_all() // the socket and timer drivers
        .max_blocking_threads(BLOCKING_THREADS);
    if let Some(threads) = args.threads {
        builder.worker_threads(threads as usize);
    }
    let runtime = builder.build()?;
    runtime.block_on(serve_until_stopped(args))
}
// ANCHOR_END: runtime

// ANCHOR: serve
async fn serve_until_stopped(args: &Args) -> io::Result<()> {
    let listener = TcpListener::bind(&args.addr).await?;
    println!("listening on {}", listener.local_addr()?);
    let settings = Settings {
        root: Root::open(&args.root).map_err(|e| in_root(args, e))?,
        max_file_size: args.max_file_size,
        idle_timeout: Duration::from_secs(args.idle_timeout),
    };
    println!("serving the files in {}", args.root.display());
    let stop = CancellationToken::new();
    tokio::spawn(stop_on_ctrl_c(stop.clone()));
    let max_clients = usize::try_from(args.max_clients).unwrap_or(usize::MAX);
    serve(listener, settings, max_clients, stop).await
}

/// The first Ctrl-C (SIGINT) cancels `stop`; the second ends the process.
async fn stop_on_ctrl_c(stop: CancellationToken) {
    if tokio::signal::ctrl_c().await.is_err() {
        return; // no signal handling here: Ctrl-C keeps its default
    }
    stop.cancel();
    if tokio::signal::ctrl_c().await.is_ok() {
        println!("stopping now, without waiting");
        std::process::exit(130);
    }
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

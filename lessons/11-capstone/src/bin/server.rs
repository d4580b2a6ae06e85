// ANCHOR: all
//! Lesson 11, the server: a file server for many users at once. Each user logs
//! in with a password, sees only their own home, has a quota, and can resume an
//! interrupted transfer.
//!
//! `server-11 add-user NAME` (and `list-users`, `remove-user`, `set-quota`)
//! manage the accounts; with no command, it serves. Type `stop` and Enter to
//! stop it after the transfers under way.

use std::io::{self, BufRead};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use clap::Parser;
use lesson_09::tcp::TcpServer;
use lesson_09::{HandlerResult, Mode};
use lesson_11::accounts::Accounts;
use lesson_11::admin::{self, Admin};
use lesson_11::session::{Settings, Shared, session};

/// Lesson 11 server: a file server with accounts, homes, quotas and resumable
/// transfers. With no command it serves; the commands manage the accounts.
#[derive(Parser)]
#[command(name = "server-11")]
struct Args {
    /// The server's folder: users.json, homes/ and partial/. Created if missing.
    #[arg(
        long,
        global = true,
        default_value = "capstone-root",
        value_name = "FOLDER"
    )]
    root: PathBuf,
    #[command(subcommand)]
    admin: Option<Admin>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on. Port 0 asks the operating system for a free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// Listen on an address other machines can reach. Passwords and files
    /// travel unencrypted: use it only on a network you trust.
    #[arg(long)]
    public: bool,
    /// Connections served at once; one more is told the server is full.
    #[arg(long, default_value_t = 10, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    max_sessions: u64,
    /// Close a connection that sends nothing for this many seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let done = match &args.admin {
        Some(command) => admin::run(command, &args.root),
        None => serve(&args).map_err(|e| explain(&args.serve.addr, &e)),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: serve
fn serve(args: &Args) -> io::Result<()> {
    let addr = loopback_unless_public(&args.serve)?;
    let accounts = Accounts::open(&args.root)?;
    lesson_11::accounts::warm_up();
    let shared = Shared::new(Settings {
        root: args.root.clone(),
        max_sessions: args.serve.max_sessions as usize,
        idle_timeout: Duration::from_secs(args.serve.idle_timeout),
    });
    // Each connection: a session on a thread of its own (lesson 9).
    let handler = move |stream: TcpStream, peer: SocketAddr| -> HandlerResult {
        println!("{peer}: connected");
        session(stream, &shared, &|line| println!("{peer}: {line}"))?;
        println!("{peer}: left");
        Ok(())
    };
    let server = TcpServer::bind(addr, handler, Mode::ThreadPerConnection)?;
    println!("listening on {}", server.local_addr());
    match accounts.list().len() {
        0 => println!("no users yet; add one with: server-11 add-user NAME"),
        1 => println!("1 user; homes in {}", args.root.join("homes").display()),
        n => println!("{n} users; homes in {}", args.root.join("homes").display()),
    }
    // `stop` typed on another thread shuts the server down (lesson 9).
    let stop = server.shutdown_handle();
    thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            if line.is_ok_and(|line| line.trim() == "stop") {
                println!("stopping: no new clients; waiting for the sessions open");
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

// ANCHOR: loopback
/// The protocol sends passwords and files in clear. So the server listens on
/// this machine only, unless `--public` says otherwise, and then it warns.
fn loopback_unless_public(args: &ServeArgs) -> io::Result<SocketAddr> {
    let addr =
        args.addr.to_socket_addrs()?.next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address")
        })?;
    if !addr.ip().is_loopback() {
        if !args.public {
            return Err(io::Error::other(format!(
                "{addr} can be reached from other machines, and passwords travel \
                 in clear; add --public if you mean it"
            )));
        }
        eprintln!(
            "warning: listening on {addr} for other machines: passwords and files \
             travel unencrypted (a real deployment adds TLS)"
        );
    }
    Ok(addr)
}
// ANCHOR_END: loopback

/// Turns the errors a learner meets first into one line that says what to do.
fn explain(addr: &str, error: &io::Error) -> String {
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
        _ => error.to_string(),
    }
}
// ANCHOR_END: all

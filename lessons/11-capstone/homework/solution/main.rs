//! Homework 11, the reference solution: chapter 11's server and client as one
//! program, `solution-11 server …` and `solution-11 client …`. The code is the
//! lesson's own: each module below is a file of `lessons/11-capstone/src/`,
//! compiled here as it is. Read them there, with the chapter beside you.

use std::io::{self, BufRead};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use clap::Parser;
use lesson_09::tcp::TcpServer;
use lesson_09::{HandlerResult, Mode};

#[path = "../../src/accounts.rs"]
#[allow(dead_code)]
mod accounts;
#[path = "../../src/admin.rs"]
#[allow(dead_code)]
mod admin;
#[path = "../../src/client.rs"]
mod client;
#[path = "../../src/home.rs"]
mod home;
#[path = "../../src/protocol.rs"]
#[allow(dead_code)]
mod protocol;
#[path = "../../src/quota.rs"]
mod quota;
#[path = "../../src/session.rs"]
mod session;
#[path = "../../src/transfer.rs"]
#[allow(dead_code)]
mod transfer;

use session::{Settings, Shared, session};

/// Homework 11, the reference solution: a file server for many users, and its
/// client.
#[derive(Parser)]
#[command(name = "solution-11")]
enum Args {
    /// Serve: accounts from ROOT/users.json, homes in ROOT/homes.
    Server(ServerArgs),
    /// Log in to a server and type commands (`help` lists them).
    Client(client::ClientArgs),
}

#[derive(clap::Args)]
struct ServerArgs {
    /// The server's folder: users.json, homes/ and partial/.
    #[arg(long, default_value = "capstone-root", value_name = "FOLDER")]
    root: PathBuf,
    /// Address to listen on. Port 0 asks the operating system for a free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// Connections served at once; one more is told the server is full.
    #[arg(long, default_value_t = 10, value_name = "N")]
    max_sessions: usize,
    /// Close a connection that sends nothing for this many seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    idle_timeout: u64,
}

fn main() -> ExitCode {
    match Args::parse() {
        Args::Server(args) => match serve(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {}: {e}", args.addr);
                ExitCode::FAILURE
            }
        },
        Args::Client(args) => client::run(&args),
    }
}

/// Chapter 11's `serve`, without the admin commands (the check makes the
/// accounts with `server-11 add-user`) and without `--public`.
fn serve(args: &ServerArgs) -> io::Result<()> {
    accounts::warm_up();
    let shared = Shared::new(Settings {
        root: args.root.clone(),
        max_sessions: args.max_sessions,
        idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
    });
    let handler = move |stream: TcpStream, peer: SocketAddr| -> HandlerResult {
        println!("{peer}: connected");
        session(stream, &shared, &|line| println!("{peer}: {line}"))?;
        println!("{peer}: left");
        Ok(())
    };
    let server = TcpServer::bind(&args.addr, handler, Mode::ThreadPerConnection)?;
    println!("listening on {}", server.local_addr());
    let stop = server.shutdown_handle();
    thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            if line.is_ok_and(|line| line.trim() == "stop") {
                stop.shutdown();
                return;
            }
        }
    });
    server.serve_forever()
}

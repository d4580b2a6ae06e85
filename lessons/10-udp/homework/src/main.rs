//! Homework 10: ping over UDP.
//!
//! Send `--count` datagrams `ping 1`, `ping 2`, … to a server that answers each
//! one (lesson 10's server answers `PING 1`, …), one at a time, and report what
//! came back, like the `ping` program does:
//!
//! ```text
//! reply from 127.0.0.1:9999: seq=1 time=0.181 ms
//! seq=2: no reply within 1000 ms
//! reply from 127.0.0.1:9999: seq=3 time=0.094 ms
//! 3 sent, 2 received, 33% lost
//! ```
//!
//! - Wait at most `--timeout-ms` for each reply; then count it lost and go on.
//! - A reply is the text `ping N` in any case, from the server's address (the
//!   same text from another address is not a reply). A late reply to an
//!   earlier ping (`PING 2` while waiting for 3) is not this ping's reply:
//!   ignore it and keep waiting (for the time that is left).
//! - A datagram that is not the reply does not stretch the wait: the timeout
//!   counts from the moment the ping was sent, whatever arrives meanwhile.
//! - The last line: `N sent, M received, P% lost`, P rounded down (1 of 3
//!   received is 66% lost); `--count 0` sends nothing: `0 sent, 0 received,
//!   0% lost`.
//!
//! Try it: `just server 10` in one terminal, `cargo run -p homework-10` in
//! another; `just server 10 --drop-first 2` loses replies. Check it with
//! `just check 10`; stuck? `just hint 10`.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

/// Homework 10: UDP ping. Reports round-trip times and loss.
#[derive(Parser)]
#[command(name = "homework-10")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// How many pings to send.
    #[arg(long, default_value_t = 4)]
    count: u32,
    /// How long to wait for each reply.
    #[arg(long, default_value_t = 1000, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..))]
    timeout_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> io::Result<()> {
    let server =
        args.addr.to_socket_addrs()?.next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address")
        })?;
    let socket = UdpSocket::bind(if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    })?;
    let timeout = Duration::from_millis(args.timeout_ms);
    let mut received = 0;
    for seq in 1..=args.count {
        match ping(&socket, server, seq, timeout)? {
            Some(rtt) => {
                received += 1;
                let ms = rtt.as_secs_f64() * 1000.0;
                println!("reply from {server}: seq={seq} time={ms:.3} ms");
            }
            None => println!("seq={seq}: no reply within {} ms", args.timeout_ms),
        }
    }
    println!("{}", summary(args.count, received));
    Ok(())
}

/// Sends `ping SEQ` and waits for its reply. Returns the round-trip time, or
/// `None` if no reply came within `timeout`. Yours to write.
fn ping(
    socket: &UdpSocket,
    server: SocketAddr,
    seq: u32,
    timeout: Duration,
) -> io::Result<Option<Duration>> {
    let _ = (socket, server, seq, timeout, Instant::now());
    todo!("send `ping SEQ`, then wait for its reply until the time is up")
}

/// `4 sent, 3 received, 25% lost`. Yours to write.
fn summary(sent: u32, received: u32) -> String {
    let _ = (sent, received);
    todo!("the last line")
}

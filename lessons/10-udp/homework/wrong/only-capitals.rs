//! Accepts only the capitalised `PING N` as the reply, though any case is allowed.

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
/// `None` if no reply came within `timeout`.
fn ping(
    socket: &UdpSocket,
    server: SocketAddr,
    seq: u32,
    timeout: Duration,
) -> io::Result<Option<Duration>> {
    let expected = format!("ping {seq}");
    let sent = Instant::now();
    socket.send_to(expected.as_bytes(), server)?;
    let deadline = sent + timeout;
    let mut buf = [0u8; 1024];
    loop {
        // Each wait only for what is left of the timeout: ignored datagrams
        // must not stretch it.
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        socket.set_read_timeout(Some(left))?;
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                let reply = String::from_utf8_lossy(&buf[..n]);
                if from == server && *reply == expected.to_uppercase() {
                    return Ok(Some(sent.elapsed()));
                }
                // A late reply to an earlier ping, or a stranger: keep waiting.
            }
            // A timeout is WouldBlock on Unix, TimedOut on Windows; Windows
            // also reports an earlier ping to a closed port as ConnectionReset.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::ConnectionReset
                ) => {}
            Err(e) => return Err(e),
        }
    }
}

/// `4 sent, 3 received, 25% lost`.
fn summary(sent: u32, received: u32) -> String {
    let lost = (sent - received) * 100 / sent.max(1);
    format!("{sent} sent, {received} received, {lost}% lost")
}

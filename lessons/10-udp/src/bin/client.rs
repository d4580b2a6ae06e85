// ANCHOR: all
//! Lesson 10, the client: each line typed is sent as one UDP datagram, and the
//! reply is awaited until a deadline. UDP promises nothing: a datagram or its
//! reply may be lost, so the client sends again, a few times, before it gives up.
//!
//! An empty line is sent too: over UDP an empty datagram is a message, unlike
//! the empty `send` of lesson 2, which sent nothing at all.

use std::io::{self, BufRead};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

/// Lesson 10 client: sends each line you type as one UDP datagram and prints the
/// reply. End with Ctrl-D (Ctrl-Z then Enter on Windows).
#[derive(Parser)]
#[command(name = "client-10")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// How long to wait for a reply before sending again.
    #[arg(long, default_value_t = 1000, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..))]
    timeout_ms: u64,
    /// How many times to send a message again before giving up on it.
    #[arg(long, default_value_t = 3)]
    retries: u32,
    /// The receive buffer: a longer reply is cut to this many bytes. The
    /// largest, 65535, cuts no reply over IPv4 or IPv6.
    #[arg(long, default_value_t = 1024, value_name = "BYTES",
          value_parser = clap::value_parser!(u16).range(1..))]
    buffer: u16,
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

fn talk(args: &Args) -> io::Result<()> {
    let server = resolve(&args.addr)?;
    // Port 0: any free port. The server learns it from each datagram.
    let any = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = UdpSocket::bind(any)?;
    println!("talking to {server} over UDP");
    for line in io::stdin().lock().lines() {
        let line = line?;
        let message = line.trim_end_matches('\r').as_bytes();
        match exchange(&socket, server, message, args)? {
            Some(reply) => show(&reply),
            None => println!(
                "no reply after {} tries; is the server running?",
                args.retries + 1
            ),
        }
    }
    Ok(())
}

/// A reply, and whether it was cut to fit the buffer.
struct Reply {
    bytes: Vec<u8>,
    cut: bool,
}

// ANCHOR: exchange
/// Sends `message` and waits for its reply until a deadline; when it passes,
/// sends the message again. Returns `None` if every try went unanswered.
fn exchange(
    socket: &UdpSocket,
    server: SocketAddr,
    message: &[u8],
    args: &Args,
) -> io::Result<Option<Reply>> {
    let tries = args.retries + 1;
    let timeout = Duration::from_millis(args.timeout_ms);
    for attempt in 1..=tries {
        if attempt > 1 {
            println!(
                "no reply within {} ms; sending again (try {attempt} of {tries})",
                args.timeout_ms
            );
        }
        socket.send_to(message, server)?; // one datagram, never split
        let deadline = Instant::now() + timeout;
        loop {
            // Wait only for what is left until the deadline. A fresh timeout
            // for each receive would let ignored datagrams, arriving more
            // often than the timeout, keep the client waiting forever.
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break; // try again
            }
            socket.set_read_timeout(Some(left))?;
            let (reply, from) = match receive(socket, args.buffer.into(), server) {
                Ok(received) => received,
                // Timed out or refused: the check above decides what is next.
                Err(e) if no_reply(&e) => continue,
                Err(e) => return Err(e),
            };
            // Anyone can send us a datagram; only the server's count. And a late
            // reply to an earlier try or message is not this message's reply.
            if from == server
                && (reply.cut || reply.bytes == message.to_ascii_uppercase())
            {
                return Ok(Some(reply));
            }
            println!(
                "(ignored a datagram that is not the reply: {})",
                text(&reply.bytes)
            );
        }
    }
    Ok(None)
}
// ANCHOR_END: exchange

/// What a timed-out or refused wait looks like. A read timeout is `WouldBlock`
/// on Unix and `TimedOut` on Windows. Windows also reports an earlier datagram
/// to a port where nothing listens as `ConnectionReset`. Neither says anything
/// about the reply: the client waits on until the deadline.
fn no_reply(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock
            | io::ErrorKind::TimedOut
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

// ANCHOR: receive
/// Receives one datagram into a buffer of `limit` bytes, and tells whether it
/// was longer. The buffer is one byte larger than the limit: if that byte is
/// filled, the datagram did not fit, and the kernel has thrown the rest away.
/// With the largest limit, 65,535, the buffer is 65,536 bytes, like lesson 9's:
/// no datagram of either family (at most 65,507 bytes over IPv4, 65,527 over
/// IPv6) fills it.
fn receive(
    socket: &UdpSocket,
    limit: usize,
    server: SocketAddr,
) -> io::Result<(Reply, SocketAddr)> {
    let mut buf = vec![0u8; limit + 1];
    match socket.recv_from(&mut buf) {
        Ok((n, from)) => {
            buf.truncate(n.min(limit));
            Ok((
                Reply {
                    bytes: buf,
                    cut: n > limit,
                },
                from,
            ))
        }
        // Windows does not cut silently: recv_from fails with WSAEMSGSIZE
        // (10040). The buffer holds the first bytes; the sender is unknown to
        // std, so we take it to be the server, the only peer we talk to.
        Err(e) if cfg!(windows) && e.raw_os_error() == Some(10040) => {
            buf.truncate(limit);
            Ok((
                Reply {
                    bytes: buf,
                    cut: true,
                },
                server,
            ))
        }
        Err(e) => Err(e),
    }
}
// ANCHOR_END: receive

fn show(reply: &Reply) {
    if reply.bytes.is_empty() {
        println!("reply: an empty datagram");
    } else {
        println!("reply: {}", text(&reply.bytes));
    }
    if reply.cut {
        println!("[the reply was longer than the buffer; the rest is lost]");
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn resolve(addr: &str) -> io::Result<SocketAddr> {
    addr.to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address"))
}

/// Turns errors into one line that says what happened.
fn explain(addr: &str, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::InvalidInput => {
            format!("{addr:?} is not an address like 127.0.0.1:9999")
        }
        _ => format!("{addr}: {error}"),
    }
}
// ANCHOR_END: all

//! Keeps the writing half of every connection in a map behind a `tokio::sync::Mutex`, and writes each line to the others while holding the lock: a client that does not read stops one `write_all` with the lock held, and every other task waits for the lock; the whole room stalls.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Mutex;

/// The longest line a client may send, in bytes, not counting its `\n`.
const MAX_LINE: usize = 1024;

/// The send buffer the kernel keeps for each client. On loopback it would be
/// megabytes, and a client that does not read would make its task wait only
/// after megabytes; on a real network that happens within kilobytes. Kept
/// small here, it happens as it would there.
const SEND_BUFFER: usize = 16 * 1024;

/// Homework 13: a chat room of tasks; each line a client sends goes to the others.
#[derive(Parser)]
#[command(name = "homework-13")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

/// The room: the writing half of every client's connection, by address.
type Room = Arc<Mutex<HashMap<SocketAddr, OwnedWriteHalf>>>;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let listener = match TcpListener::bind(&args.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("listening on {addr}"),
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    }
    let room: Room = Arc::default();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, say: accepting again at once would
                // fail again at once. Give the others a moment to leave.
                eprintln!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Small, as on a real network (`SEND_BUFFER` says why). And no waiting
        // to fill a packet (Nagle's algorithm): a chat line leaves at once.
        let set = socket2::SockRef::from(&stream)
            .set_send_buffer_size(SEND_BUFFER)
            .and_then(|()| stream.set_nodelay(true));
        if let Err(e) = set {
            eprintln!("{peer}: cannot set up this connection: {e}");
            continue;
        }
        let (reader, writer) = stream.into_split();
        println!("{peer} joined");
        {
            let mut clients = room.lock().await;
            send_to_others(
                &mut clients,
                peer,
                format!("* {peer} joined\n").as_bytes(),
            )
            .await;
            clients.insert(peer, writer);
        }
        tokio::spawn(client(reader, peer, Arc::clone(&room)));
    }
}

/// Writes `text` to every client but `from`. Errors are the reading task's
/// business: a broken connection's reader sees them too.
async fn send_to_others(
    clients: &mut HashMap<SocketAddr, OwnedWriteHalf>,
    from: SocketAddr,
    text: &[u8],
) {
    for (&to, writer) in clients.iter_mut() {
        if to != from {
            let _ = writer.write_all(text).await;
        }
    }
}

/// One client's task: it reads the client's lines, and writes each to the others.
async fn client(mut reader: OwnedReadHalf, me: SocketAddr, room: Room) {
    // The unfinished line: bytes read that do not end with `\n` yet.
    let mut input: Vec<u8> = Vec::new();
    let mut chunk = vec![0; 4096];
    let why = 'conversation: loop {
        let n = match reader.read(&mut chunk).await {
            Ok(0) => break "left", // the client closed its side
            Ok(n) => n,
            Err(_) => break "left (connection lost)", // a reset
        };
        input.extend_from_slice(&chunk[..n]);
        while let Some(end) = input.iter().position(|&b| b == b'\n') {
            if end > MAX_LINE {
                break 'conversation "left (line too long)";
            }
            let mut text = format!("{me}: ").into_bytes();
            text.extend(input.drain(..=end));
            // The lock is held while the line is written to everyone.
            let mut clients = room.lock().await;
            send_to_others(&mut clients, me, &text).await;
        }
        if input.len() > MAX_LINE {
            break "left (line too long)";
        }
    };
    println!("{me} {why}");
    let mut clients = room.lock().await;
    clients.remove(&me);
    send_to_others(&mut clients, me, format!("* {me} left\n").as_bytes()).await;
}

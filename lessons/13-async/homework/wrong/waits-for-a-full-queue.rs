//! Gives each client a queue of 256 messages and a task that writes it, and waits (`send(…).await`) while a queue is full: a client that does not read fills its queue, and then the task of whoever talks waits for it; the whole room stalls.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::mpsc;

/// The longest line a client may send, in bytes, not counting its `\n`.
const MAX_LINE: usize = 1024;

/// How many messages wait for one client, at most.
const QUEUE: usize = 256;

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

/// The room: the queue of messages for every client, by address. A task of
/// its own writes each queue to its client.
type Room = Arc<Mutex<HashMap<SocketAddr, mpsc::Sender<Arc<[u8]>>>>>;

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
        let (reader_half, mut writer) = stream.into_split();
        let (queue, mut messages) = mpsc::channel::<Arc<[u8]>>(QUEUE);
        tokio::spawn(async move {
            while let Some(text) = messages.recv().await {
                if writer.write_all(&text).await.is_err() {
                    return;
                }
            }
        });
        println!("{peer} joined");
        // In the room before anyone hears of it: no line sent after the
        // announcement can miss it.
        lock(&room).insert(peer, queue);
        send_to_others(&room, peer, format!("* {peer} joined\n").into_bytes())
            .await;
        tokio::spawn(client(reader_half, peer, Arc::clone(&room)));
    }
}

fn lock(
    room: &Room,
) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, mpsc::Sender<Arc<[u8]>>>> {
    room.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Puts `text` in the queue of every client but `from`, waiting while a
/// queue is full: no message is ever lost.
async fn send_to_others(room: &Room, from: SocketAddr, text: Vec<u8>) {
    let text: Arc<[u8]> = text.into();
    let queues: Vec<_> = lock(room)
        .iter()
        .filter(|&(&to, _)| to != from)
        .map(|(_, queue)| queue.clone())
        .collect();
    for queue in queues {
        let _ = queue.send(Arc::clone(&text)).await;
    }
}

/// One client's task: it reads the client's lines, and queues each for the others.
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
            send_to_others(&room, me, text).await;
        }
        if input.len() > MAX_LINE {
            break "left (line too long)";
        }
    };
    println!("{me} {why}");
    lock(&room).remove(&me);
    send_to_others(&room, me, format!("* {me} left\n").into_bytes()).await;
}

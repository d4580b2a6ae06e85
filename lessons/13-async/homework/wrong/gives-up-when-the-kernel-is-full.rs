//! Never waits for its own client: writes with `try_write` and disconnects the client as too slow as soon as its connection is full, though the room would keep 256 messages for it.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::{self, Receiver, Sender};

/// The longest line a client may send, in bytes, not counting its `\n`.
const MAX_LINE: usize = 1024;

/// How many messages the room keeps for tasks that have not taken them yet.
/// A task further behind than that has lost the oldest. The room's memory is
/// at most this many messages, however many clients do not read.
const ROOM_CAPACITY: usize = 256;

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

/// One message of the room, as every task receives it.
#[derive(Clone, Debug)]
struct Message {
    /// Who sent it: a task passes on every message but its own client's.
    from: SocketAddr,
    /// The whole line the others receive, `\n` included. Shared: the room
    /// keeps one copy, however many tasks receive it.
    text: Arc<[u8]>,
}

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
    // The room: every task sends into it, and each has a receiver of its own.
    // `main` keeps a sender, so the room stays open while no one is in it.
    let (room, _) = broadcast::channel(ROOM_CAPACITY);
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
        // Subscribed before anyone hears of it: every message sent from now
        // on reaches its task, the lines sent right after its arrival too.
        let inbox = room.subscribe();
        println!("{peer} joined");
        announce(&room, peer, format!("* {peer} joined\n"));
        tokio::spawn(client(stream, peer, room.clone(), inbox));
    }
}

/// Sends `text` to everyone in the room; the tasks of all but `from` pass it on.
fn announce(room: &Sender<Message>, from: SocketAddr, text: String) {
    let message = Message {
        from,
        text: text.into_bytes().into(),
    };
    // An error means nobody is listening: nobody to tell.
    let _ = room.send(message);
}

/// Says that client `me` is gone: the server prints why, the others are told.
fn leave(room: &Sender<Message>, me: SocketAddr, why: &str) {
    println!("{me} {why}");
    announce(room, me, format!("* {me} left\n"));
}

/// One client's task, from its arrival to its departure: it reads the client's
/// lines into the room, and writes the room's messages to the client. Both at
/// once: `select!` waits for whichever comes first.
async fn client(
    stream: TcpStream,
    me: SocketAddr,
    room: Sender<Message>,
    mut inbox: Receiver<Message>,
) {
    let (mut reader, writer) = stream.into_split();
    // The unfinished line: bytes read that do not end with `\n` yet. It lives
    // here, outside the loop, so that nothing `select!` cancels can lose it.
    let mut input: Vec<u8> = Vec::new();
    let mut chunk = vec![0; 4096];
    let why = 'conversation: loop {
        tokio::select! {
            // `read` is cancel safe: if the room's branch wins, nothing was read.
            read = reader.read(&mut chunk) => {
                let n = match read {
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
                    let _ = room.send(Message { from: me, text: text.into() });
                }
                if input.len() > MAX_LINE {
                    break "left (line too long)";
                }
            }
            received = inbox.recv() => match received {
                Ok(message) if message.from == me => {} // its own line
                Ok(message) => {
                    // Never wait for a client: what its connection does not
                    // take at once, it is too slow for.
                    match writer.try_write(&message.text) {
                        Ok(n) if n == message.text.len() => {}
                        _ => break "left (too slow)",
                    }
                }
                // The room overwrote messages this task had not taken: its
                // client reads too slowly. It goes; the others carry on.
                Err(RecvError::Lagged(_)) => break "left (too slow)",
                // Cannot happen while `main` holds a sender.
                Err(RecvError::Closed) => break "left",
            },
        }
    };
    leave(&room, me, why);
    // Returning drops both halves of the stream (closing the connection) and
    // the receiver (the room stops keeping messages for it).
}

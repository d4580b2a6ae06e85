//! Homework 13: lesson 12's chat room, as async tasks.
//!
//! Every line a client sends goes to every other client, as `NAME: LINE`, where
//! NAME is the sender's address as the server sees it; never back to its
//! sender. Arrivals and departures are announced to the others as
//! `* NAME joined` and `* NAME left`; the server itself prints `NAME joined`,
//! and `NAME left` or `NAME left (REASON)`. Each client has a task of its own;
//! the tasks meet in one broadcast channel, the room.
//!
//! The rules that keep one client from hurting the others:
//!
//! - A line is at most 1024 bytes, not counting its `\n`. A client that sends a
//!   longer one is disconnected, as soon as its unfinished line is longer:
//!   else a line that never ends would grow without end.
//! - The room keeps the last 256 messages, and no more: a task that falls
//!   further behind (its client does not read) has lost messages
//!   (`RecvError::Lagged(n)`). Your policy: disconnect its client as too slow,
//!   or skip what was lost and tell the client how many, `* N messages
//!   skipped`. The check accepts both. The chapter's "Homework" section says
//!   more.
//! - Nothing that serves one client waits for another.
//!
//! The listening, the accepting, the room and the leaving are written. Yours
//! is `client`, the task of one client: it says what it must do.
//!
//! Try it: `cargo run -p homework-13`, then `nc 127.0.0.1 9999` (or any line
//! client) in two more terminals, and type. Check it with `just check 13`;
//! stuck? `just hint 13`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
#[allow(unused_imports)] // your reads and writes need them
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
#[allow(unused_imports)] // what `inbox.recv()` may say
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::{self, Receiver, Sender};

/// The longest line a client may send, in bytes, not counting its `\n`.
#[allow(dead_code)] // yours to use
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
#[allow(dead_code)] // the fields your task reads
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
#[allow(dead_code)] // yours to call
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
    // Yours (the chapter's "Homework" section says more). In a loop,
    // `tokio::select!` on the two things this task waits for, whichever
    // comes first (the room's branch first, with `biased;`: the task
    // receives its own client's lines too, and must keep up with them):
    // - bytes from the client. Keep the unfinished line in a buffer that
    //   lives outside the loop: `select!` drops the branch that loses, and a
    //   read it drops must not lose what it had read (`read` is cancel safe;
    //   `read_line` is not). Each whole line goes into the room as
    //   `NAME: LINE\n` (`room.send`). The end of the stream (0 bytes), a
    //   broken connection, or an unfinished line longer than `MAX_LINE`:
    //   the client leaves.
    // - a message from the room (`inbox.recv()`): write it to the client,
    //   unless it is the client's own. Waiting for this client here is
    //   fine: the others have tasks of their own. `RecvError::Lagged(n)`:
    //   the room lost `n` messages this task had not taken. Disconnect the
    //   client ("left (too slow)"), or tell it `* n messages skipped` and
    //   go on.
    // When the client leaves, `leave(&room, me, why)`, and return: that
    // closes the connection, and the room stops keeping messages for it.
    let _ = (stream, me, room, &mut inbox);
    todo!("one client's task: its lines into the room, the room's to it")
}

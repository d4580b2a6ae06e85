//! Homework 12: a chat room on one thread.
//!
//! Every line a client sends goes to every other client, as `NAME: LINE`, where
//! NAME is the sender's address as the server sees it; never back to its
//! sender. Arrivals and departures are announced to the others as
//! `* NAME joined` and `* NAME left`; the server itself prints `NAME joined`,
//! and `NAME left` or `NAME left (REASON)`. One thread, one `Poll`, lesson
//! 12's loop.
//!
//! The rules that keep one client from hurting the others:
//!
//! - A line is at most 1024 bytes, not counting its `\n`. A client that sends a
//!   longer one is disconnected: its unfinished line would otherwise grow
//!   without end. (Whole lines that came in the same read before it may be
//!   passed on or not: the check accepts both.)
//! - The server keeps at most 64 KiB waiting for any one client (what its
//!   connection did not take yet). A client that falls further behind is too
//!   slow: it is disconnected, and the others carry on. (Dropping whole lines
//!   for it instead, until its backlog has room again, is allowed too: the
//!   check accepts both. The chapter's "Homework" section says more.)
//! - Nothing in the loop waits for a client: not a read, not a write.
//!
//! The loop, the accepting and the leaving are written. Yours are
//! `Room::send_to_others`, `Client::receive`, `Client::send` and
//! `Client::flush`: each says what it must do and which part of the chapter
//! (book/src/12-event-loop.md) shows how.
//!
//! Try it: `cargo run -p homework-12`, then `nc 127.0.0.1 9999` (or any line
//! client) in two more terminals, and type. Check it with `just check 12`;
//! stuck? `just hint 12`.

use std::collections::{HashMap, HashSet};
#[allow(unused_imports)] // `Read` and `Write`: your reads and writes need them
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Registry, Token};

/// The longest line a client may send, in bytes, not counting its `\n`.
#[allow(dead_code)] // yours to use
const MAX_LINE: usize = 1024;

/// The most the server keeps for one client that its connection has not taken.
#[allow(dead_code)] // yours to use
const MAX_BACKLOG: usize = 64 * 1024;

/// The most of one client's lines the loop passes on in one turn, before the
/// others get theirs. Well under `MAX_BACKLOG`: a turn's lines land in every
/// other client's backlog at once.
const TURN: usize = 16 * 1024;

/// The send buffer the kernel keeps for each client. On loopback it would be
/// megabytes, and a client that does not read would fill the server's own
/// buffer (and `flush` meet `WouldBlock`) only after megabytes; on a real
/// network that happens within kilobytes. Kept small here, it happens as it
/// would there: the check relies on it to see what `flush` does then.
const SEND_BUFFER: usize = 16 * 1024;

/// The listener's token; clients get 1, 2, 3, … and a token is never reused,
/// so an event for a client that has just left finds nobody.
const LISTENER: Token = Token(0);

/// Homework 12: a chat room. Every line a client sends goes to all the others.
#[derive(Parser)]
#[command(name = "homework-12")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &Args) -> io::Result<()> {
    // std binds (it resolves names such as `localhost:9999`); mio takes the
    // socket over once it is non-blocking.
    let listener = std::net::TcpListener::bind(&args.addr)?;
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    println!("listening on {}", listener.local_addr()?);

    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut room = Room::new(poll.registry().try_clone()?);
    let mut events = Events::with_capacity(256);
    loop {
        // The one place the loop waits: until the kernel has news, however
        // long that takes. No timeout, so an idle server uses no CPU; but no
        // wait at all while a client's turn ended with bytes left to read.
        let timeout = if room.unread.is_empty() {
            None
        } else {
            Some(Duration::ZERO)
        };
        if let Err(e) = poll.poll(&mut events, timeout) {
            if e.kind() == io::ErrorKind::Interrupted {
                continue; // a signal woke us up; nothing happened
            }
            return Err(e);
        }
        for event in &events {
            match event.token() {
                LISTENER => room.accept_all(&listener),
                token => {
                    if event.is_readable() {
                        room.unread.insert(token); // its turn comes below
                    }
                    if event.is_writable() {
                        room.on_writable(token);
                    }
                }
            }
        }
        room.take_turns();
    }
}

/// Everyone connected, by token, and the registry that tells `poll` what each
/// one waits for.
struct Room {
    registry: Registry,
    clients: HashMap<Token, Client>,
    next_token: usize,
    /// Clients that may have bytes to read: the poll said so, or their last
    /// turn ended before the kernel had no more. Each gets a turn per round.
    unread: HashSet<Token>,
}

/// One client's state: the loop comes back to it many times, so everything it
/// was in the middle of lives here, not on a stack.
#[allow(dead_code)] // the fields your functions use
struct Client {
    stream: TcpStream,
    /// How `poll` names this connection in its events.
    token: Token,
    /// The client's address, as the others see it in front of its lines.
    name: String,
    /// Bytes read that do not make a whole line yet: the start of a line whose
    /// end has not arrived.
    input: Vec<u8>,
    /// Bytes for this client that its connection has not taken yet.
    output: Vec<u8>,
    /// Whether `poll` is asked to say when the connection can take more.
    waiting_to_write: bool,
}

/// What one read from a client gave.
#[allow(dead_code)] // `receive` returns them
enum Received {
    /// Whole lines (without their `\n`); there may be none yet.
    Lines(Vec<Vec<u8>>),
    /// Nothing more for now: the kernel has no more bytes from this client.
    Nothing,
    /// The client is gone, or must go: `"left"`, or `"left (REASON)"`. The
    /// server prints it after the client's name.
    Gone(&'static str),
}

impl Room {
    fn new(registry: Registry) -> Room {
        Room {
            registry,
            clients: HashMap::new(),
            next_token: 1,
            unread: HashSet::new(),
        }
    }

    /// Accepts every connection waiting: one readiness event may stand for many.
    fn accept_all(&mut self, listener: &TcpListener) {
        loop {
            match listener.accept() {
                Ok((mut stream, peer)) => {
                    let token = Token(self.next_token);
                    self.next_token += 1;
                    // Small, as on a real network (`SEND_BUFFER` says why).
                    // And no waiting to fill a packet (Nagle's algorithm): a
                    // chat line leaves at once.
                    let set = socket2::SockRef::from(&stream)
                        .set_send_buffer_size(SEND_BUFFER)
                        .and_then(|()| stream.set_nodelay(true));
                    if let Err(e) = set {
                        eprintln!("{peer}: cannot set up this connection: {e}");
                        continue;
                    }
                    if let Err(e) = self.registry.register(
                        &mut stream,
                        token,
                        Interest::READABLE,
                    ) {
                        eprintln!("{peer}: cannot watch this connection: {e}");
                        continue;
                    }
                    let name = peer.to_string();
                    println!("{name} joined");
                    self.send_to_others(
                        token,
                        format!("* {name} joined\n").as_bytes(),
                    );
                    self.clients.insert(token, Client::new(stream, token, name));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    eprintln!("accept: {e}");
                    return;
                }
            }
        }
    }

    /// A turn for every client that may have bytes to read.
    fn take_turns(&mut self) {
        let tokens: Vec<Token> = self.unread.drain().collect();
        for token in tokens {
            self.on_readable(token);
        }
    }

    /// One turn: reads what the client sent, until the kernel has no more,
    /// and passes on every whole line. Readiness is reported once per change
    /// (mio's events are edge-triggered): bytes left unread bring no new
    /// event. So a turn that ends at `TURN` bytes, before `WouldBlock`, puts
    /// the client back in `unread`: a client that sends without pause gets a
    /// turn like every other, and cannot hold the thread.
    fn on_readable(&mut self, token: Token) {
        let mut passed_on = 0;
        loop {
            let Some(client) = self.clients.get_mut(&token) else {
                return; // it left earlier in this round
            };
            if passed_on >= TURN {
                self.unread.insert(token);
                return;
            }
            match client.receive() {
                Received::Lines(lines) => {
                    let name = client.name.clone();
                    for line in lines {
                        let mut message = format!("{name}: ").into_bytes();
                        message.extend_from_slice(&line);
                        message.push(b'\n');
                        passed_on += message.len();
                        self.send_to_others(token, &message);
                    }
                }
                Received::Nothing => return,
                Received::Gone(why) => return self.leave(token, why),
            }
        }
    }

    /// The connection can take more: give it what is waiting.
    fn on_writable(&mut self, token: Token) {
        let Some(client) = self.clients.get_mut(&token) else {
            return;
        };
        if let Err(why) = client.flush(&self.registry) {
            self.leave(token, why);
        }
    }

    /// Queues `message` for everyone but `from`. Whoever cannot keep up leaves.
    fn send_to_others(&mut self, from: Token, message: &[u8]) {
        // Yours: every client but `from` gets `message` (`Client::send`).
        // Collect those whose `send` fails, then `self.leave` each of them
        // (not inside the loop over `self.clients`: leaving changes the map).
        let _ = (from, message);
        todo!("send to everyone else")
    }

    /// Takes the client out of the room and tells the others. Dropping its
    /// stream closes the connection; what was still queued for it is lost.
    fn leave(&mut self, token: Token, why: &str) {
        let Some(mut client) = self.clients.remove(&token) else {
            return; // already gone
        };
        let _ = self.registry.deregister(&mut client.stream);
        println!("{} {why}", client.name);
        self.send_to_others(token, format!("* {} left\n", client.name).as_bytes());
    }
}

impl Client {
    fn new(stream: TcpStream, token: Token, name: String) -> Client {
        Client {
            stream,
            token,
            name,
            input: Vec::new(),
            output: Vec::new(),
            waiting_to_write: false,
        }
    }

    /// One read: the whole lines it completes, or why there are none.
    fn receive(&mut self) -> Received {
        // Yours (the chapter's "State per connection" and "The read buffer:
        // frames from whatever arrived"). One `read` into a
        // buffer of a few KiB, then:
        // - `Ok(0)`: the client closed its side. `WouldBlock`: nothing more
        //   for now. Any other error: the connection is broken.
        // - The bytes may end in the middle of a line, and may hold many
        //   lines: keep what follows the last `\n` in `self.input` for the
        //   next read, and return every whole line.
        // - A line longer than `MAX_LINE` (or an unfinished one that already
        //   is) means the client must go.
        todo!("read once, return the whole lines")
    }

    /// Queues `message` and writes what the connection takes now. Fails if the
    /// connection is broken, or if more than `MAX_BACKLOG` is left waiting.
    #[allow(dead_code)] // `send_to_others` calls it
    fn send(
        &mut self,
        message: &[u8],
        registry: &Registry,
    ) -> Result<(), &'static str> {
        // Yours (the chapter's "The one rule: nothing in the loop may
        // block"): queue the message, write what the connection takes now
        // (`flush`), and fail with `"left (too slow)"` if more than
        // `MAX_BACKLOG` is still waiting. Never wait for a slow client.
        let _ = (message, registry);
        todo!("queue, flush, and enforce the backlog limit")
    }

    /// Writes what is waiting until it is all gone or the kernel's buffer for
    /// this connection is full (`WouldBlock`), never waiting for it to empty.
    /// While something is left, `poll` is asked to wake us when it can take more.
    fn flush(&mut self, registry: &Registry) -> Result<(), &'static str> {
        // Yours (the chapter's "The write buffer, partial writes, and
        // backpressure"): `write` until `self.output` is empty or the kernel says
        // `WouldBlock`; a write may take only part of what you offer (not
        // `write_all`: it fails halfway, and does not say how much). Never
        // wait or try again at once: while something is left, reregister
        // with `Interest::READABLE | Interest::WRITABLE`, and `on_writable`
        // calls you back when the connection can take more; once it is all
        // written, back to `Interest::READABLE` alone.
        let _ = registry;
        todo!("write what the connection takes, and no more")
    }
}

//! Calls `poll` with a zero timeout, so that nothing in the loop blocks, not even `poll`: the loop spins while nothing happens.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Registry, Token};

/// The longest line a client may send, in bytes, not counting its `\n`.
const MAX_LINE: usize = 1024;

/// The most the server keeps for one client that its connection has not taken.
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
        // long that takes. No timeout, so an idle server uses no CPU.
        if let Err(e) = poll.poll(&mut events, Some(Duration::ZERO)) {
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
enum Received {
    /// Whole lines (without their `\n`); there may be none yet.
    Lines(Vec<Vec<u8>>),
    /// Nothing more for now: the kernel has no more bytes from this client.
    Nothing,
    /// The client is gone, or must go; the reason is for the server's output.
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
        let mut gone = Vec::new();
        for (&token, client) in &mut self.clients {
            if token != from
                && let Err(why) = client.send(message, &self.registry)
            {
                gone.push((token, why));
            }
        }
        for (token, why) in gone {
            self.leave(token, why);
        }
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
        let mut chunk = [0; 4096];
        let n = loop {
            match self.stream.read(&mut chunk) {
                // Zero bytes: the client closed its side. It is gone.
                Ok(0) => return Received::Gone("left"),
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Received::Nothing;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // A reset (the client vanished): gone too, and only it.
                Err(_) => return Received::Gone("left (connection lost)"),
            }
        };
        // The bytes join the unfinished line from the reads before: a line
        // may arrive in many reads, and a read may hold many lines.
        self.input.extend_from_slice(&chunk[..n]);
        let mut lines = Vec::new();
        while let Some(end) = self.input.iter().position(|&b| b == b'\n') {
            if end > MAX_LINE {
                return Received::Gone("left (line too long)");
            }
            let mut line: Vec<u8> = self.input.drain(..=end).collect();
            line.pop(); // the `\n`
            lines.push(line);
        }
        if self.input.len() > MAX_LINE {
            return Received::Gone("left (line too long)");
        }
        Received::Lines(lines)
    }

    /// Queues `message` and writes what the connection takes now. Fails if the
    /// connection is broken, or if more than `MAX_BACKLOG` is left waiting.
    fn send(
        &mut self,
        message: &[u8],
        registry: &Registry,
    ) -> Result<(), &'static str> {
        self.output.extend_from_slice(message);
        self.flush(registry)?;
        if self.output.len() > MAX_BACKLOG {
            return Err("left (too slow)");
        }
        Ok(())
    }

    /// Writes what is waiting until it is all gone or the kernel's buffer for
    /// this connection is full (`WouldBlock`), never waiting for it to empty.
    /// While something is left, `poll` is asked to wake us when it can take more.
    fn flush(&mut self, registry: &Registry) -> Result<(), &'static str> {
        while !self.output.is_empty() {
            match self.stream.write(&self.output) {
                // A write may take part of what we offer: the rest stays queued.
                Ok(n) => {
                    self.output.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err("left (connection lost)"),
            }
        }
        let want = !self.output.is_empty();
        if want != self.waiting_to_write {
            let interest = if want {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            registry
                .reregister(&mut self.stream, self.token, interest)
                .map_err(|_| "left (connection lost)")?;
            self.waiting_to_write = want;
        }
        Ok(())
    }
}

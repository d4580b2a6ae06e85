// ANCHOR: all
//! The event loop: one thread, one [`Poll`], every client.
//!
//! Lesson 9 gave each client a thread that blocks in `read` until its client
//! sends. Here nothing blocks but one call: [`Poll::poll`], which asks the
//! operating system (epoll on Linux, kqueue on macOS and the BSDs, IOCP on
//! Windows) "which of these sockets can make progress?", and sleeps until at
//! least one can, or until the nearest deadline. The loop then gives each ready
//! connection a turn ([`Connection::turn`]), and asks again.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io;
use std::net::TcpListener as StdListener;
use std::time::{Duration, Instant};

use lesson_08::server::Settings;
use lesson_08::transfer::CHUNK;
use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Registry, Token};

use crate::connection::{Connection, Turn};

/// The listening socket's token; connections get 1, 2, 3…
const LISTENER: Token = Token(0);

/// How long to wait before accepting again after `accept` failed (no file
/// descriptor left, say): a pause, so that a lasting cause does not spin the loop.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

// ANCHOR: server
/// Everything the loop keeps between two polls.
struct Server {
    settings: Settings,
    connections: HashMap<Token, Connection>,
    next_token: usize,
    /// Every connection's deadline, in order: the first one bounds the wait.
    /// Each connection is in here exactly once, under `deadline_of[token]`.
    deadlines: BTreeSet<(Instant, Token)>,
    deadline_of: HashMap<Token, Instant>,
    /// Connections that can make progress without a new event: they said so
    /// after their last turn. While there are any, the loop does not sleep.
    more: HashSet<Token>,
    /// When to try `accept` again after it failed, if it did.
    accept_again: Option<Instant>,
    /// The one read buffer every connection reads into, in turn.
    scratch: Vec<u8>,
}
// ANCHOR_END: server

// ANCHOR: serve
/// Serves clients on this thread until an error that is the server's own
/// (the poll itself failing). Each client's errors end only that client.
pub fn serve_forever(listener: StdListener, settings: Settings) -> io::Result<()> {
    // Non-blocking: `accept` returns `WouldBlock` instead of waiting.
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut server = Server::new(settings);
    loop {
        // Sleep until a socket is ready or the nearest deadline, whichever
        // comes first; not at all if a connection has work left over.
        let timeout = server.timeout(Instant::now());
        match poll.poll(&mut events, timeout) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => other?,
        }
        for event in events.iter() {
            match event.token() {
                LISTENER => server.accept_all(&listener, poll.registry()),
                token => server.ready(token, event),
            }
        }
        server.expire(Instant::now(), &listener, poll.registry());
        server.run_turns(poll.registry());
    }
}
// ANCHOR_END: serve

impl Server {
    fn new(settings: Settings) -> Server {
        Server {
            settings,
            connections: HashMap::new(),
            next_token: 1,
            deadlines: BTreeSet::new(),
            deadline_of: HashMap::new(),
            more: HashSet::new(),
            accept_again: None,
            scratch: vec![0; CHUNK],
        }
    }

    // ANCHOR: timeout
    /// How long `poll` may sleep: zero if some connection has more to do, else
    /// until the nearest deadline (a connection's, or the next accept), else
    /// for ever.
    fn timeout(&self, now: Instant) -> Option<Duration> {
        if !self.more.is_empty() {
            return Some(Duration::ZERO);
        }
        let first = self.deadlines.first().map(|(at, _)| *at);
        let nearest = [first, self.accept_again].into_iter().flatten().min()?;
        // mio rounds a wait up to the millisecond epoll counts in, so the loop
        // wakes at the deadline or just after, never just before it.
        Some(nearest.saturating_duration_since(now))
    }
    // ANCHOR_END: timeout

    // ANCHOR: accept
    /// Accepts every client that is waiting: one readable event on the
    /// listener may stand for many connections.
    fn accept_all(&mut self, listener: &TcpListener, registry: &Registry) {
        loop {
            let (mut stream, peer) = match listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // The client stays in the backlog. No new event will say so
                    // (the listener's readiness has not changed): a deadline does.
                    println!("accept failed: {e}; trying again");
                    self.accept_again = Some(Instant::now() + ACCEPT_PAUSE);
                    return;
                }
            };
            // Nagle's algorithm (lesson 6) off: replies are gathered in the
            // connection's output and written whole, so holding back a small
            // write only waits. With it on, a get's body (written a turn after
            // its header) waited for the client's delayed acknowledgement: 40 ms.
            // If it cannot be turned off, the connection only goes slower.
            let _ = stream.set_nodelay(true);
            let token = Token(self.next_token);
            self.next_token += 1;
            // Readable only: writable is asked for while output waits.
            if let Err(e) =
                registry.register(&mut stream, token, Interest::READABLE)
            {
                println!("{peer}: cannot watch the connection: {e}");
                continue; // dropping the stream closes it
            }
            println!("{peer}: connected");
            let connection = Connection::new(stream, peer, &self.settings);
            self.connections.insert(token, connection);
            self.set_deadline(token);
            self.more.insert(token); // it may have sent already
        }
    }
    // ANCHOR_END: accept

    /// Notes what the poll said about a connection; its turn comes after.
    fn ready(&mut self, token: Token, event: &mio::event::Event) {
        if let Some(connection) = self.connections.get_mut(&token) {
            connection.mark(event);
            self.more.insert(token);
        }
    }

    // ANCHOR: run-turns
    /// One turn for every connection that can make progress. Each turn does a
    /// bounded amount of work, so one busy client cannot hold the others up.
    fn run_turns(&mut self, registry: &Registry) {
        let tokens: Vec<Token> = self.more.drain().collect();
        for token in tokens {
            let Some(connection) = self.connections.get_mut(&token) else {
                continue;
            };
            let wanted_writable = connection.wants_writable();
            match connection.turn(&mut self.scratch, &self.settings) {
                Ok(Turn::Open { more }) => {
                    if more {
                        self.more.insert(token);
                    }
                    let wants_writable = connection.wants_writable();
                    if wants_writable != wanted_writable {
                        let interest = if wants_writable {
                            Interest::READABLE | Interest::WRITABLE
                        } else {
                            Interest::READABLE
                        };
                        let stream = &mut connection.stream;
                        if let Err(e) = registry.reregister(stream, token, interest)
                        {
                            self.close(token, registry, &e.to_string());
                            continue;
                        }
                    }
                    self.set_deadline(token);
                }
                Ok(Turn::Left) => self.close(token, registry, ""),
                Ok(Turn::Closed(reason)) => self.close(token, registry, &reason),
                Err(e) => self.close(token, registry, &e.to_string()),
            }
        }
    }
    // ANCHOR_END: run-turns

    // ANCHOR: expire
    /// Closes every connection whose deadline has passed, and accepts again if
    /// it is time to.
    fn expire(
        &mut self,
        now: Instant,
        listener: &TcpListener,
        registry: &Registry,
    ) {
        while let Some(&(at, token)) = self.deadlines.first() {
            if at > now {
                break;
            }
            let idle = self.settings.idle_timeout;
            let why = match self.connections.get_mut(&token) {
                Some(connection) => {
                    let (_, why) = connection.deadline(idle);
                    connection.last_words(&why);
                    why
                }
                None => String::new(),
            };
            self.close(token, registry, &why);
        }
        if self.accept_again.is_some_and(|at| at <= now) {
            self.accept_again = None;
            self.accept_all(listener, registry);
        }
    }
    // ANCHOR_END: expire

    /// Files the connection's deadline under its current date.
    fn set_deadline(&mut self, token: Token) {
        let Some(connection) = self.connections.get(&token) else {
            return;
        };
        let (at, _) = connection.deadline(self.settings.idle_timeout);
        if let Some(old) = self.deadline_of.insert(token, at) {
            self.deadlines.remove(&(old, token));
        }
        self.deadlines.insert((at, token));
    }

    /// Forgets a connection: its socket closes when it is dropped, and a file it
    /// was receiving is deleted (lesson 8's `PartFile`). `why` empty: it left.
    fn close(&mut self, token: Token, registry: &Registry, why: &str) {
        if let Some(at) = self.deadline_of.remove(&token) {
            self.deadlines.remove(&(at, token));
        }
        self.more.remove(&token);
        let Some(mut connection) = self.connections.remove(&token) else {
            return;
        };
        let _ = registry.deregister(&mut connection.stream);
        let peer = connection.peer;
        drop(connection); // closes the socket and any file, before the log says so
        if why.is_empty() {
            println!("{peer}: left");
        } else {
            println!("{peer}: closed the connection: {why}");
        }
    }
}
// ANCHOR_END: all

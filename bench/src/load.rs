//! The load generator: N clients on one thread, driven by a mio event loop, so
//! that ten thousand connections cost ten thousand sockets and no threads.
//!
//! Each client is a closed loop: it sends a message, waits for the echo, and
//! sends the next at once. A round trip is one message out and back; its
//! latency is measured from the write to the last byte of the echo.
//!
//! A measurement goes in phases. First the ramp: clients connect a few at a
//! time, and each sends one message as soon as it is connected; a client
//! counts as in only once its echo is back, so the server has accepted it and
//! served it once. Pacing by the echo, not by the connect, matters: the kernel
//! completes a handshake before the server accepts, and a load generator that
//! connects faster than the server accepts overflows the backlog (128), whose
//! dropped handshakes are retried only a second later. Then a pause with every
//! connection idle (when the caller reads the server's threads and memory),
//! a warm-up, and several timed runs.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

/// What every client sends, over and over: a small line.
pub const MESSAGE: &[u8] = b"the quick brown fox jumps over the lazy dog\n";

/// How many clients may be on their way in at once (connecting, or waiting
/// for their first echo).
const RAMPING: usize = 64;

/// How long the phases may take.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub clients: usize,
    /// The ramp ends when every client is in, or after this long, or when
    /// nothing happened for `quiet` (a server that serves only some clients).
    pub ramp_limit: Duration,
    pub quiet: Duration,
    pub warm_up: Duration,
    pub runs: usize,
    pub run_time: Duration,
}

/// One timed run.
#[derive(Debug, Clone)]
pub struct Run {
    pub round_trips: u64,
    pub seconds: f64,
    /// Every round trip's latency in nanoseconds, sorted.
    pub latencies: Vec<u64>,
}

impl Run {
    pub fn per_second(&self) -> f64 {
        self.round_trips as f64 / self.seconds
    }
    /// The latency below which `fraction` of the round trips were.
    pub fn percentile(&self, fraction: f64) -> Option<Duration> {
        let last = self.latencies.len().checked_sub(1)?;
        let at = (last as f64 * fraction).round() as usize;
        Some(Duration::from_nanos(self.latencies[at]))
    }
}

/// What one measurement found.
#[derive(Debug, Clone)]
pub struct Measured {
    pub connected: usize,
    /// Clients answered during the ramp: those the server holds.
    pub primed: usize,
    /// Clients answered at least once during the timed runs.
    pub served: usize,
    pub runs: Vec<Run>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Ramp,
    WarmUp,
    Timed(usize),
}

struct Client {
    stream: Option<TcpStream>,
    connected: bool,
    /// Bytes of the current message written so far (a short write continues
    /// when the socket is writable again).
    written: usize,
    /// Bytes of the echo received so far.
    received: usize,
    /// When the message in flight was sent, if one is.
    sent_at: Option<Instant>,
    /// Answers received during the timed runs.
    answered: u64,
    primed: bool,
}

/// The moments at which [`measure`] calls its caller back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// Every client that could get in is in, and silent.
    Idle,
    /// The timed runs begin, and end.
    RunsStart,
    RunsEnd,
}

/// Runs the plan against `addr`, calling `at` back at each [`Moment`] (the
/// caller reads the server's threads, memory and processor time there).
pub fn measure(
    addr: SocketAddr,
    plan: Plan,
    mut at: impl FnMut(Moment),
) -> io::Result<Measured> {
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(4096);
    let mut clients: Vec<Client> = Vec::with_capacity(plan.clients);
    let mut scratch = vec![0u8; 4096];
    let mut runs = Vec::new();
    let mut current = Run {
        round_trips: 0,
        seconds: 0.0,
        latencies: Vec::new(),
    };

    let mut phase = Phase::Ramp;
    let mut phase_started = Instant::now();
    // Clients connecting or waiting for their first echo, and the last time
    // one of them got further.
    let mut ramping = 0;
    let mut progress = Instant::now();
    let mut primed = 0;
    loop {
        let now = Instant::now();
        // Phase changes.
        match phase {
            Phase::Ramp => {
                while ramping < RAMPING && clients.len() < plan.clients {
                    let mut stream = TcpStream::connect(addr)?;
                    let token = Token(clients.len());
                    poll.registry().register(
                        &mut stream,
                        token,
                        Interest::WRITABLE,
                    )?;
                    clients.push(Client {
                        stream: Some(stream),
                        connected: false,
                        written: 0,
                        received: 0,
                        sent_at: None,
                        answered: 0,
                        primed: false,
                    });
                    ramping += 1;
                }
                if primed == plan.clients
                    || now - progress >= plan.quiet
                    || now - phase_started >= plan.ramp_limit
                {
                    // Give up on the connects still under way.
                    for client in clients.iter_mut().filter(|c| !c.connected) {
                        client.stream = None;
                    }
                    at(Moment::Idle);
                    phase = Phase::WarmUp;
                    phase_started = Instant::now();
                    for (index, client) in clients.iter_mut().enumerate() {
                        if client.send(phase_started)? {
                            client.write_rest(poll.registry(), Token(index))?;
                        }
                    }
                }
            }
            Phase::WarmUp if now - phase_started >= plan.warm_up => {
                at(Moment::RunsStart);
                phase = Phase::Timed(0);
                phase_started = Instant::now();
            }
            Phase::Timed(k) if now - phase_started >= plan.run_time => {
                current.seconds = (now - phase_started).as_secs_f64();
                current.latencies.sort_unstable();
                runs.push(std::mem::replace(
                    &mut current,
                    Run {
                        round_trips: 0,
                        seconds: 0.0,
                        latencies: Vec::new(),
                    },
                ));
                if k + 1 == plan.runs {
                    at(Moment::RunsEnd);
                    break;
                }
                phase = Phase::Timed(k + 1);
                phase_started = now;
            }
            _ => {}
        }

        let left = match phase {
            Phase::Ramp => plan
                .quiet
                .saturating_sub(now - progress)
                .min(plan.ramp_limit.saturating_sub(now - phase_started)),
            Phase::WarmUp => plan.warm_up.saturating_sub(now - phase_started),
            Phase::Timed(_) => plan.run_time.saturating_sub(now - phase_started),
        };
        match poll.poll(&mut events, Some(left.max(Duration::from_millis(1)))) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => other?,
        }
        let now = Instant::now();
        for event in events.iter() {
            let index = event.token().0;
            let client = &mut clients[index];
            let Some(stream) = client.stream.as_mut() else {
                continue;
            };
            if !client.connected {
                // A connect finished, one way or the other.
                if stream.take_error()?.is_some() || event.is_error() {
                    client.stream = None;
                    ramping -= 1;
                    continue;
                }
                match stream.peer_addr() {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => continue,
                    Err(_) => {
                        client.stream = None;
                        ramping -= 1;
                        continue;
                    }
                }
                stream.set_nodelay(true)?;
                poll.registry().reregister(
                    stream,
                    event.token(),
                    Interest::READABLE,
                )?;
                client.connected = true;
                progress = now;
                // Its first message: the echo says the server took it in.
                if client.send(now)? {
                    client.write_rest(poll.registry(), event.token())?;
                }
                continue;
            }
            if event.is_writable() && client.sent_at.is_some() {
                client.write_rest(poll.registry(), event.token())?;
            }
            if !event.is_readable() {
                continue;
            }
            let answers = client.read_answers(&mut scratch)?;
            if let Some(sent_at) = answers {
                match phase {
                    Phase::Ramp => {
                        client.primed = true;
                        primed += 1;
                        ramping -= 1;
                        progress = now;
                        continue; // the next message waits for the warm-up
                    }
                    Phase::Timed(_) => {
                        current.round_trips += 1;
                        current.latencies.push((now - sent_at).as_nanos() as u64);
                        client.answered += 1;
                    }
                    Phase::WarmUp => {}
                }
                if client.send(now)? {
                    client.write_rest(poll.registry(), event.token())?;
                }
            }
        }
    }
    Ok(Measured {
        connected: clients.iter().filter(|c| c.connected).count(),
        primed: clients.iter().filter(|c| c.primed).count(),
        served: clients.iter().filter(|c| c.answered > 0).count(),
        runs,
    })
}

impl Client {
    /// Starts the next message, if the client is connected and idle. Returns
    /// whether it did. A write the socket takes only in part goes on when it
    /// is writable ([`Client::write_rest`]).
    fn send(&mut self, now: Instant) -> io::Result<bool> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(false);
        };
        if !self.connected || self.sent_at.is_some() {
            return Ok(false);
        }
        self.sent_at = Some(now);
        self.written = 0;
        self.received = 0;
        match stream.write(MESSAGE) {
            Ok(n) => self.written = n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => {
                self.stream = None; // the server closed it: out of the game
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Writes what is left of the message, and asks to hear when the socket
    /// is writable if some still is.
    fn write_rest(
        &mut self,
        registry: &mio::Registry,
        token: Token,
    ) -> io::Result<()> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(());
        };
        while self.written < MESSAGE.len() {
            match stream.write(&MESSAGE[self.written..]) {
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return registry.reregister(
                        stream,
                        token,
                        Interest::READABLE | Interest::WRITABLE,
                    );
                }
                Err(_) => {
                    self.stream = None;
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Reads until `WouldBlock`, checking every byte against the message, and
    /// returns when each completed echo was sent (at most one: a client has
    /// one message in flight).
    fn read_answers(&mut self, scratch: &mut [u8]) -> io::Result<Option<Instant>> {
        let mut done = None;
        loop {
            let Some(stream) = self.stream.as_mut() else {
                return Ok(done);
            };
            match stream.read(scratch) {
                Ok(0) => {
                    self.stream = None; // the server closed the connection
                    return Ok(done);
                }
                Ok(n) => {
                    let expected = &MESSAGE[self.received..];
                    if n > expected.len() || scratch[..n] != expected[..n] {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "the server's echo differs from the message sent",
                        ));
                    }
                    self.received += n;
                    if self.received == MESSAGE.len() {
                        done = self.sent_at.take();
                        self.received = 0;
                    }
                    // A read that filled less than the buffer emptied the
                    // socket: bytes that come later raise a new event. So no
                    // last read to hear `WouldBlock`, one system call saved
                    // per echo (tokio does the same on Linux; the portable
                    // rule, which lesson 12 follows, is to read until then).
                    if n < scratch.len() {
                        return Ok(done);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(done),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.stream = None;
                    return Ok(done);
                }
            }
        }
    }
}

// ANCHOR: all
//! One client's conversation as a state machine: what lesson 8's `conversation`
//! keeps on its thread's stack (where it is in the protocol, the file it writes,
//! the digest so far) kept here in a struct, so that one thread can hold ten
//! thousand of them and move each on a little whenever its socket is ready.
//!
//! A [`Connection`] never waits. [`Connection::turn`] does what can be done now
//! without blocking, at most one chunk of each kind, and returns; the event loop
//! calls it again when the socket is ready, or at once if it has more to do.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lesson_07::frame::{FrameError, write_header};
use lesson_08::files::{PartFile, shown};
use lesson_08::protocol::{Reply, Request, short};
use lesson_08::server::Settings;
use lesson_08::transfer::CHUNK;
use mio::net::TcpStream;
use sha2::{Digest, Sha256};

use crate::decoder::{Decoder, Piece};

/// Above this many bytes waiting to be sent, the connection stops taking new
/// requests and stops reading: a client that does not read its replies gets no
/// more of them, and its requests wait in its own socket. With the read side's
/// limit, this bounds what one client can make the server hold in memory.
pub const OUTPUT_LIMIT: usize = CHUNK;

/// The read side reads only while less than this is buffered: room for the
/// largest header lesson 7 accepts (4 + 64 KiB) to arrive whole.
pub const INPUT_LIMIT: usize = 4 + lesson_07::frame::MAX_HEADER_LEN as usize;

/// How many requests one turn may start. A request, however small, may cost
/// the server a file created, a `sync_all` and a rename, and a client can
/// pipeline hundreds of them in the 64 KiB one read takes: all in one turn,
/// they would hold every other client up. The rest wait in the read buffer,
/// and the next turn comes at once.
pub const REQUESTS_PER_TURN: usize = 1;

// ANCHOR: state
/// Where a conversation is. Each variant holds what lesson 8's code kept in local
/// variables while it waited in a `read` or a `write`.
enum State {
    /// Waiting for a request's header, since `since`: it must be whole by
    /// `since + idle`, however slowly its bytes come.
    Request { since: Instant },
    /// A put's body is arriving: written to a temporary file and hashed as it
    /// comes; renamed into place only if the digest matches.
    Receiving {
        name: String,
        part: PartFile,
        hasher: Sha256,
        left: u64,
        expected: String,
    },
    /// A refused request's body is read and thrown away, so the next request
    /// starts where it should; then `then`.
    Skipping { left: u64, then: AfterSkip },
    /// A get, first pass: the file is hashed a chunk per turn, because its
    /// digest goes in the reply's header, before the body.
    Hashing {
        name: String,
        file: File,
        size: u64,
        hasher: Sha256,
    },
    /// A get, second pass: the file goes out a chunk per turn, through `output`.
    Sending { name: String, file: File, left: u64 },
    /// A reply that ends the conversation is being sent; then the connection
    /// closes, with `reason` in the log.
    Closing { reason: String },
}

/// What follows a skipped body.
enum AfterSkip {
    /// A refusal of the request, with its reply.
    Refuse(Request, Reply),
    /// A get that came with a body (it should have none): served after it.
    Get(Request),
}
// ANCHOR_END: state

// ANCHOR: connection
/// One client: its socket, its two buffers and where it is in the protocol.
pub struct Connection {
    pub stream: TcpStream,
    pub peer: SocketAddr,
    /// The read buffer: bytes that arrived, kept until they make a frame's piece.
    input: Decoder<Request>,
    /// The write buffer: bytes the socket did not take yet. The connection asks
    /// for WRITABLE events only while it is not empty.
    output: Vec<u8>,
    state: State,
    /// The socket may hold bytes not read yet: set by a readable event, cleared
    /// when a read says `WouldBlock`. mio reports a change of readiness once
    /// (edge-triggered), so this memory is ours to keep.
    readable: bool,
    /// The socket may take bytes: set by a writable event, cleared by `WouldBlock`.
    writable: bool,
    /// The client closed its sending side: a read returned 0. Nothing more
    /// will arrive; what did is still answered.
    sent_all: bool,
    /// When the peer last sent us a byte, and last took one of ours.
    last_read: Instant,
    last_write: Instant,
}
// ANCHOR_END: connection

/// How a turn left the connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Turn {
    /// Still open; `true` if it can go on without a new event (a chunk left
    /// to read, hash or send), so the loop must not sleep.
    Open { more: bool },
    /// The client closed the connection between requests: a clean goodbye.
    Left,
    /// The connection is over for the reason given.
    Closed(String),
}

impl Connection {
    pub fn new(stream: TcpStream, peer: SocketAddr, settings: &Settings) -> Self {
        let now = Instant::now();
        Connection {
            stream,
            peer,
            input: Decoder::new(settings.max_file_size),
            output: Vec::new(),
            state: State::Request { since: now },
            // It may have sent already: try a read on its first turn.
            readable: true,
            writable: true,
            sent_all: false,
            last_read: now,
            last_write: now,
        }
    }

    /// What the poll said about this socket. Closed and failed sockets count as
    /// ready: the next read or write reports how.
    pub fn mark(&mut self, event: &mio::event::Event) {
        self.readable |=
            event.is_readable() || event.is_read_closed() || event.is_error();
        self.writable |=
            event.is_writable() || event.is_write_closed() || event.is_error();
    }

    /// Whether WRITABLE events are wanted: only while output waits. With a
    /// level-triggered `select`, asking always would wake the loop for every
    /// socket with room, all the time; mio's events are edge-triggered and
    /// would not, but this loop keeps to what works with both.
    pub fn wants_writable(&self) -> bool {
        !self.output.is_empty()
    }

    // ANCHOR: turn
    /// Moves the conversation on as far as it can without waiting, by at most
    /// one chunk read from the socket, one chunk of file, and what the socket
    /// takes of the output.
    pub fn turn(
        &mut self,
        scratch: &mut [u8],
        settings: &Settings,
    ) -> Result<Turn, FrameError> {
        if self.readable && self.wants_input() {
            match self.stream.read(scratch) {
                // The end of the stream: the client has sent all it will send.
                // What it sent is still answered (see the end of the turn).
                Ok(0) => self.sent_all = true,
                Ok(n) => {
                    self.input.feed(&scratch[..n]);
                    self.last_read = Instant::now();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false; // until the next readable event
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        let mut requests = REQUESTS_PER_TURN;
        self.handle_input(settings, &mut requests)?;
        self.file_chunk(scratch)?;
        self.flush()?;
        // A get that just finished frees the connection for the next request.
        self.handle_input(settings, &mut requests)?;
        if self.sent_all
            && let Some(turn) = self.after_the_end()?
        {
            return Ok(turn);
        }
        if let State::Closing { reason } = &self.state
            && self.output.is_empty()
        {
            return Ok(Turn::Closed(reason.clone()));
        }
        Ok(Turn::Open {
            more: self.has_more(),
        })
    }
    // ANCHOR_END: turn

    /// The client has closed its side. Between requests, with every reply
    /// sent, that is its goodbye; inside a frame that can never be finished,
    /// a frame cut short (lesson 7's error). Otherwise there is work left,
    /// requests already read among it.
    fn after_the_end(&mut self) -> Result<Option<Turn>, FrameError> {
        let waiting_for_bytes = match self.state {
            State::Request { .. } => self.output.len() < OUTPUT_LIMIT,
            State::Receiving { .. } | State::Skipping { .. } => true,
            _ => false,
        };
        if waiting_for_bytes && self.input.in_frame() && !self.input.has_piece() {
            let error = self.input.truncated();
            if let State::Request { .. } = self.state {
                // A header cut short: the client may still read, so say why
                // before hanging up, as lesson 8 does for any broken header.
                self.refuse_and_close(&error);
                return Ok(None);
            }
            // A body cut short: lesson 8 only hangs up.
            return Err(error);
        }
        let done = matches!(self.state, State::Request { .. })
            && !self.input.in_frame()
            && self.output.is_empty();
        Ok(done.then_some(Turn::Left))
    }

    /// Whether to read from the socket now. Not while a get is under way (its
    /// reply comes first), nor while output is piling up, nor while the read
    /// buffer is full: the client's bytes then wait in its socket, and TCP's flow
    /// control slows the client down. That is backpressure.
    fn wants_input(&self) -> bool {
        let busy = matches!(
            self.state,
            State::Hashing { .. } | State::Sending { .. } | State::Closing { .. }
        );
        !busy
            && !self.sent_all
            && self.output.len() < OUTPUT_LIMIT
            && self.input.buffered() < INPUT_LIMIT
    }

    /// Whether another turn can make progress with no new event.
    fn has_more(&self) -> bool {
        match self.state {
            State::Hashing { .. } => true,
            State::Sending { .. } => self.writable,
            _ => {
                (self.readable && self.wants_input())
                    || (self.writable && !self.output.is_empty())
                    || self.request_waiting()
            }
        }
    }

    /// Whether a request that was read already waits for a turn to start it.
    fn request_waiting(&self) -> bool {
        matches!(self.state, State::Request { .. })
            && self.output.len() < OUTPUT_LIMIT
            && self.input.has_piece()
    }

    // ANCHOR: handle-input
    /// Hands each complete piece of input to the protocol, while the
    /// connection can take it, and starts at most `requests` new requests.
    fn handle_input(
        &mut self,
        settings: &Settings,
        requests: &mut usize,
    ) -> Result<(), FrameError> {
        loop {
            let ready_for_a_request = matches!(self.state, State::Request { .. })
                && self.output.len() < OUTPUT_LIMIT
                && *requests > 0;
            let taking_a_body = matches!(
                self.state,
                State::Receiving { .. } | State::Skipping { .. }
            );
            if !ready_for_a_request && !taking_a_body {
                return Ok(());
            }
            let piece = match self.input.next_piece() {
                Ok(Some(piece)) => piece,
                Ok(None) => return Ok(()), // more bytes must arrive first
                Err(e) => {
                    // A broken frame: say why, then hang up (as lesson 8 does).
                    self.refuse_and_close(&e);
                    return Ok(());
                }
            };
            match piece {
                Piece::Header(request) => {
                    *requests -= 1;
                    self.start(request, settings)?;
                }
                Piece::Body(bytes) => self.body(&bytes, settings)?,
            }
        }
    }
    // ANCHOR_END: handle-input

    /// Replies with `error` and closes once the reply is sent.
    fn refuse_and_close(&mut self, error: &FrameError) {
        self.queue(&Reply::error(error.to_string()));
        self.state = State::Closing {
            reason: error.to_string(),
        };
    }

    // ANCHOR: start
    /// A request's header has arrived: lesson 8's decisions, each leading to a
    /// state instead of a blocking call.
    fn start(
        &mut self,
        request: Request,
        settings: &Settings,
    ) -> Result<(), FrameError> {
        let size = request.body_size;
        match request.command.as_str() {
            "put" => self.start_put(request, settings),
            "get" if size == 0 => self.start_get(request, settings),
            "get" => {
                let then = AfterSkip::Get(request);
                self.state = State::Skipping { left: size, then };
                Ok(())
            }
            other => {
                let reply = Reply::error(format!("unknown command {other:?}"));
                self.skip_then_refuse(&request, size, reply)
            }
        }
    }
    // ANCHOR_END: start

    /// Reads and drops `size` bytes of body, then sends `reply`.
    fn skip_then_refuse(
        &mut self,
        request: &Request,
        size: u64,
        reply: Reply,
    ) -> Result<(), FrameError> {
        if size == 0 {
            return self.refuse(request, reply); // no body to skip
        }
        let then = AfterSkip::Refuse(request.clone(), reply);
        self.state = State::Skipping { left: size, then };
        Ok(())
    }

    fn start_put(
        &mut self,
        request: Request,
        settings: &Settings,
    ) -> Result<(), FrameError> {
        let size = request.body_size;
        let Some(expected) = request.sha256.clone() else {
            let reply = Reply::error("a put needs the file's sha256");
            return self.skip_then_refuse(&request, size, reply);
        };
        let target = match settings.root.resolve(&request.name) {
            Ok(target) => target,
            Err(reason) => {
                return self.skip_then_refuse(&request, size, Reply::error(reason));
            }
        };
        let name = shown(&request.name);
        self.log(&format!("put {name}: receiving {size} bytes"));
        let part = match PartFile::create(&target) {
            Ok(part) => part,
            Err(e) => {
                let reply = Reply::error(e.to_string());
                return self.skip_then_refuse(&request, size, reply);
            }
        };
        self.state = State::Receiving {
            name,
            part,
            hasher: Sha256::new(),
            left: size,
            expected,
        };
        if size == 0 {
            self.body(&[], settings)?; // an empty file is complete at once
        }
        Ok(())
    }

    fn start_get(
        &mut self,
        request: Request,
        settings: &Settings,
    ) -> Result<(), FrameError> {
        let path = match settings.root.resolve_existing(&request.name) {
            Ok(path) => path,
            Err(reason) => return self.refuse(&request, Reply::error(reason)),
        };
        // One open handle for both passes: a put of the same name renames a new
        // file into place, and the handle keeps the file it opened (lesson 8).
        let opened = File::open(&path).and_then(|file| {
            let size = file.metadata()?.len();
            Ok((file, size))
        });
        match opened {
            Ok((file, size)) => {
                self.state = State::Hashing {
                    name: shown(&request.name),
                    file,
                    size,
                    hasher: Sha256::new(),
                };
                Ok(())
            }
            Err(e) => self.refuse(&request, Reply::error(e.to_string())),
        }
    }

    /// Sends a refusal and waits for the next request; the log says why.
    fn refuse(
        &mut self,
        request: &Request,
        reply: Reply,
    ) -> Result<(), FrameError> {
        let error = reply.error.as_deref().unwrap_or_default();
        let (command, name) = (shown(&request.command), shown(&request.name));
        self.log(&format!("refused {command} {name}: {error}"));
        self.queue(&reply);
        self.next_request();
        Ok(())
    }

    // ANCHOR: body
    /// Some body bytes have arrived, for a put or for a body being skipped.
    fn body(
        &mut self,
        bytes: &[u8],
        settings: &Settings,
    ) -> Result<(), FrameError> {
        match &mut self.state {
            State::Receiving {
                part, hasher, left, ..
            } => {
                // A write to a file blocks, but for one chunk at most (see the
                // chapter: "the one rule").
                hasher.update(bytes);
                part.write_all(bytes)?;
                *left -= bytes.len() as u64;
                if *left == 0 {
                    self.finish_put();
                }
            }
            State::Skipping { left, .. } => {
                *left -= bytes.len() as u64;
                if *left == 0 {
                    self.finish_skip(settings)?;
                }
            }
            _ => unreachable!("a body piece comes only after a header with a body"),
        }
        Ok(())
    }
    // ANCHOR_END: body

    /// The whole upload is in: check its digest, put it in place, reply.
    fn finish_put(&mut self) {
        let state = std::mem::replace(
            &mut self.state,
            State::Request {
                since: Instant::now(),
            },
        );
        let State::Receiving {
            name,
            part,
            hasher,
            expected,
            ..
        } = state
        else {
            unreachable!("finish_put is called while receiving")
        };
        let actual = hex(&hasher.finalize());
        let reply = if actual != expected {
            // The expected digest is the client's text, like a name: shown
            // escaped, so that it cannot start a line of its own in the log.
            // Its first 16 characters, not bytes: it may not be hex at all.
            let expected: String = expected.chars().take(16).collect();
            Reply::error(format!(
                "the data arrived damaged (sha256 {} instead of {}); \
                 nothing was saved",
                short(&actual),
                shown(&expected)
            ))
        } else if let Err(e) = part.commit() {
            Reply::error(format!("cannot save it: {e}"))
        } else {
            self.log(&format!("put {name}: saved, sha256 {}", short(&actual)));
            Reply::default()
        };
        if let Some(error) = &reply.error {
            self.log(&format!("refused put {name}: {error}"));
        }
        self.queue(&reply);
        self.next_request();
    }

    /// A skipped body is over: send the refusal, or serve the get.
    fn finish_skip(&mut self, settings: &Settings) -> Result<(), FrameError> {
        let state = std::mem::replace(
            &mut self.state,
            State::Request {
                since: Instant::now(),
            },
        );
        let State::Skipping { then, .. } = state else {
            unreachable!("finish_skip is called while skipping")
        };
        match then {
            AfterSkip::Get(request) => self.start_get(request, settings),
            AfterSkip::Refuse(request, reply) => self.refuse(&request, reply),
        }
    }

    // ANCHOR: file-chunk
    /// One chunk of file for a get: hashed in the first pass, queued for the
    /// socket in the second, and only while the output has room for it.
    fn file_chunk(&mut self, scratch: &mut [u8]) -> Result<(), FrameError> {
        match &mut self.state {
            State::Hashing {
                name,
                file,
                size,
                hasher,
            } => {
                let n = file.read(scratch)?; // blocks, for one chunk
                if n > 0 {
                    hasher.update(&scratch[..n]);
                    return Ok(());
                }
                // The whole file is hashed: the reply's header, then the body.
                let digest = hex(&std::mem::take(hasher).finalize());
                file.seek(SeekFrom::Start(0))?;
                let (name, size) = (name.clone(), *size);
                self.log(&format!("get {name}: sending {size} bytes"));
                self.queue(&Reply {
                    body_size: size,
                    sha256: Some(digest),
                    ..Reply::default()
                });
                let State::Hashing { file, .. } = std::mem::replace(
                    &mut self.state,
                    State::Request {
                        since: Instant::now(),
                    },
                ) else {
                    unreachable!()
                };
                self.state = State::Sending {
                    name,
                    file,
                    left: size,
                };
            }
            State::Sending { file, left, .. }
                if self.output.len() < OUTPUT_LIMIT =>
            {
                let want = (*left).min(scratch.len() as u64) as usize;
                if want > 0 {
                    let n = file.read(&mut scratch[..want])?;
                    if n == 0 {
                        // The file shrank since: the frame cannot be finished
                        // honestly, so the connection ends (as in lesson 8).
                        let size = *left;
                        return Err(FrameError::Truncated {
                            part: "body",
                            expected: size,
                        });
                    }
                    self.output.extend_from_slice(&scratch[..n]);
                    *left -= n as u64;
                }
            }
            _ => {}
        }
        Ok(())
    }
    // ANCHOR_END: file-chunk

    // ANCHOR: flush
    /// Gives the socket as much of the output as it takes. A partial write is
    /// normal here: the rest stays in `output` for the next writable event.
    fn flush(&mut self) -> io::Result<()> {
        while self.writable && !self.output.is_empty() {
            match self.stream.write(&self.output) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.output.drain(..n);
                    self.last_write = Instant::now();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.writable = false; // the peer's window is full
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.output.is_empty() {
            self.output = Vec::new(); // an idle connection holds no buffer
        }
        if let State::Sending { name, left: 0, .. } = &self.state
            && self.output.is_empty()
        {
            let name = name.clone();
            self.log(&format!("get {name}: sent"));
            self.next_request();
        }
        Ok(())
    }
    // ANCHOR_END: flush

    /// Appends a reply's header to the output.
    fn queue(&mut self, reply: &Reply) {
        if self.output.is_empty() {
            // The peer's time to read it starts now.
            self.last_write = Instant::now();
        }
        write_header(&mut self.output, reply).expect("a reply fits in a header");
    }

    fn next_request(&mut self) {
        self.state = State::Request {
            since: Instant::now(),
        };
    }

    // ANCHOR: deadline
    /// When this connection must have made progress, and what to say if not:
    /// lesson 8's three limits, now dates the loop compares with the clock
    /// instead of timeouts on a blocked call.
    pub fn deadline(&self, idle: Duration) -> (Instant, String) {
        let secs = idle.as_secs_f64();
        if !self.output.is_empty() {
            (
                later(self.last_write, idle),
                format!("the peer read nothing for {secs} s"),
            )
        } else if let State::Request { since } = self.state {
            let why = format!("no complete request within {secs} s");
            (later(since, idle), why)
        } else if let State::Hashing { .. } = self.state {
            // The server's own work: the peer is not late.
            (later(Instant::now(), idle), String::new())
        } else {
            let last = self.last_read.max(self.last_write);
            (later(last, idle), format!("no data for {secs} s"))
        }
    }
    // ANCHOR_END: deadline

    /// Tells a client that is cut off why, if nothing else waits to be sent:
    /// one write of one small reply. Lesson 8 does it for a request that never
    /// came whole; here a stalled upload is told too. Whatever happens, the
    /// connection closes next.
    pub fn last_words(&mut self, why: &str) {
        if self.output.is_empty() {
            let mut reply = Vec::new();
            write_header(&mut reply, &Reply::error(why)).expect("a small reply");
            let _ = self.stream.write(&reply);
        }
    }

    /// What this connection holds in memory for its buffers, in bytes.
    pub fn buffered(&self) -> usize {
        self.input.buffered() + self.output.capacity()
    }

    fn log(&self, line: &str) {
        println!("{}: {line}", self.peer);
    }
}

/// `at + idle`, with a limit longer than a century counted as a century.
/// `--idle-timeout` takes up to `u64::MAX` seconds (a way to say "never"), a
/// date `Instant` cannot hold: adding it panicked, and ended the one thread
/// and every client on it.
fn later(at: Instant, idle: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
    at + idle.min(CENTURY)
}

/// Lowercase hex, two digits a byte (as lesson 8 writes digests).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
// ANCHOR_END: all

//! What every test of the capstone needs: a server with a fresh folder and
//! accounts made by its own `add-user`, a raw protocol client written from the
//! chapter's tables (not the lesson's client code, so the two are checked
//! against the tables separately), the real client as a process, a relay
//! that counts (and can cut) the bytes crossing between them, and bounded
//! waits for what a server does a moment after the test's last step. Homework
//! 11's check includes this file too, with its own programs.

#![allow(dead_code)]

use std::fs;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use lesson_07::frame::{FrameError, read_header, write_header};
use lesson_11::protocol::{Entry, Reply, Request, Status};
use lesson_11::transfer::sha256_of;
use workbook_harness::{
    Finished, Input, Proc, ScratchDir, connect, start_server_with_args,
};

pub const PASSWORD: &str = "correct horse battery staple";

/// A program under test: its path, and the arguments that come first (the
/// homework's one program takes `server` or `client`).
#[derive(Debug, Clone)]
pub struct Program {
    pub path: PathBuf,
    pub first: Vec<String>,
}

/// The programs under test, chosen by the test crate that includes this file:
/// lesson 11's own tests run `server-11` and `client-11`; homework 11's check
/// runs the learner's program (or the solution, or a fixture). `admin` makes
/// the accounts: always the reference `server-11`, whose users.json format
/// every server reads.
#[derive(Debug, Clone)]
pub struct Programs {
    pub server: Program,
    pub client: Program,
    pub admin: PathBuf,
}

pub fn server_program() -> Program {
    crate::programs().server
}
pub fn client_program() -> Program {
    crate::programs().client
}

impl Program {
    /// The arguments to start it with: its first ones, then `args`.
    pub fn args(&self, args: &[String]) -> Vec<String> {
        self.first.iter().chain(args).cloned().collect()
    }
}

/// A server's folder with its accounts, in a scratch folder of the test.
pub struct World {
    pub scratch: ScratchDir,
    pub root: PathBuf,
}

impl World {
    pub fn new(label: &str) -> World {
        let scratch = ScratchDir::new(label);
        let root = scratch.path().join("root");
        World { scratch, root }
    }

    /// Runs `server-11 --root ROOT ARGS…` to its end, with `stdin` piped in.
    pub fn admin(&self, args: &[&str], stdin: &str) -> Finished {
        let mut all = vec!["--root".to_string(), self.root.display().to_string()];
        all.extend(args.iter().map(|a| a.to_string()));
        let admin = crate::programs().admin;
        let mut proc =
            Proc::spawn("server-11 (admin)", &admin, &all, Input::Piped).unwrap();
        for line in stdin.lines() {
            proc.send_line(line);
        }
        proc.finish()
    }

    /// Adds a user whose password is [`PASSWORD`], with `quota` (e.g. `1MiB`).
    pub fn add_user(&self, name: &str, quota: &str) {
        let out = self.admin(&["add-user", name, "--quota", quota], PASSWORD);
        assert!(out.status.success(), "add-user {name} failed: {out:?}");
    }

    /// A user's home on the server's disk.
    pub fn home(&self, name: &str) -> PathBuf {
        self.root.join("homes").join(name)
    }
    /// A user's kept partial uploads on the server's disk.
    pub fn partial(&self, name: &str) -> PathBuf {
        self.root.join("partial").join(name)
    }

    /// Starts the server on a free loopback port with `args` added.
    pub fn start(&self, args: &[&str]) -> Server {
        self.start_program(&server_program(), "the server", args)
    }

    /// Starts lesson 11's own `server-11` (the program that makes the
    /// accounts), whichever server is under test: homework 11's checks of a
    /// client talk to the reference server, so that only the client is new.
    pub fn start_reference(&self, args: &[&str]) -> Server {
        let reference = Program {
            path: crate::programs().admin,
            first: Vec::new(),
        };
        self.start_program(&reference, "the reference server", args)
    }

    /// Starts `program` on this world's folder, on a free loopback port, and
    /// waits for its first line, `listening on ADDR`.
    fn start_program(
        &self,
        program: &Program,
        name: &str,
        args: &[&str],
    ) -> Server {
        let mut all = vec!["--root".to_string(), self.root.display().to_string()];
        all.extend(args.iter().map(|a| a.to_string()));
        let mut args = program.args(&["--addr".into(), "127.0.0.1:0".into()]);
        args.extend(all);
        let (proc, addr) = start_server_with_args(None, name, &program.path, &args)
            .unwrap_or_else(|e| panic!("{e}"));
        Server { proc, addr }
    }

    /// A folder for a client process to run in.
    pub fn client_dir(&self, name: &str) -> PathBuf {
        let dir = self.scratch.path().join(name);
        fs::create_dir_all(&dir).unwrap();
        dir
    }
}

pub struct Server {
    pub proc: Proc,
    pub addr: SocketAddr,
}

/// A connection spoken frame by frame, as a client in any language would.
pub struct Raw {
    pub reader: BufReader<TcpStream>,
    pub writer: BufWriter<TcpStream>,
    pub greeting: Reply,
}

impl Raw {
    /// Connects and reads the greeting.
    pub fn connect(addr: SocketAddr) -> Raw {
        let stream = connect(addr);
        let mut raw = Raw {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: BufWriter::new(stream),
            greeting: Reply::default(),
        };
        raw.greeting = raw.reply().expect("a greeting");
        raw
    }

    /// Connects, checks the greeting, and logs in as `user`.
    pub fn login(addr: SocketAddr, user: &str) -> Raw {
        Raw::login_within(addr, user, Duration::from_secs(10))
    }

    /// [`Raw::login`] for a test where many log in at once: the server checks
    /// one password at a time, so a login may wait its turn for longer.
    pub fn login_within(addr: SocketAddr, user: &str, patience: Duration) -> Raw {
        let mut raw = Raw::connect(addr);
        raw.stream().set_read_timeout(Some(patience)).unwrap();
        assert_eq!(raw.greeting.status, Status::Ok, "{:?}", raw.greeting);
        let reply = raw.call(&login(user, PASSWORD));
        assert_eq!(reply.status, Status::Ok, "login as {user}: {reply:?}");
        raw
    }

    pub fn stream(&self) -> &TcpStream {
        self.writer.get_ref()
    }

    pub fn send(&mut self, request: &Request, body: &[u8]) -> io::Result<()> {
        write_header(&mut self.writer, request)?;
        self.writer.write_all(body)?;
        self.writer.flush()
    }

    /// The next frame's header; `Err` at the end of the stream too.
    pub fn reply(&mut self) -> Result<Reply, FrameError> {
        read_header::<Reply>(&mut self.reader)?.ok_or_else(|| {
            FrameError::Io(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"))
        })
    }

    /// Sends a request without a body and returns its reply.
    #[track_caller]
    pub fn call(&mut self, request: &Request) -> Reply {
        // `panic!` here, not in a closure: the failure then points at the
        // test's line (`#[track_caller]`).
        if let Err(e) = self.send(request, b"") {
            panic!("cannot send {request:?}: {e}");
        }
        match self.reply() {
            Ok(reply) => reply,
            Err(e) => panic!("no reply to {request:?} (did the session end?): {e}"),
        }
    }

    /// Sends a request again, for a bounded time, while its reply is `busy`,
    /// and returns the first other reply (or the last `busy` one). A session
    /// whose connection broke in the middle of an upload holds that upload
    /// until its server notices the break, a moment later: a `put` of the
    /// same file meanwhile is `busy`, as the chapter says.
    #[track_caller]
    pub fn call_while_busy(&mut self, request: &Request) -> Reply {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let reply = self.call(request);
            if reply.code.as_deref() != Some("busy") || Instant::now() >= deadline {
                return reply;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Reads `n` bytes of body.
    pub fn body(&mut self, n: u64) -> Vec<u8> {
        let mut body = vec![0; n as usize];
        self.reader.read_exact(&mut body).expect("the whole body");
        body
    }

    /// `cd PATH`, its reply.
    pub fn cd(&mut self, path: &str) -> Reply {
        self.call(&Request::new("cd").path(path))
    }

    /// `ls [PATH]`: the reply and its entries.
    pub fn ls(&mut self, path: Option<&str>) -> (Reply, Vec<Entry>) {
        let mut request = Request::new("ls");
        request.path = path.map(str::to_string);
        let reply = self.call(&request);
        let body = self.body(reply.body_size);
        let entries = if reply.status == Status::Ok {
            serde_json::from_slice(&body).expect("a JSON array of entries")
        } else {
            Vec::new()
        };
        (reply, entries)
    }

    /// A whole put: `put`, then `data` from the offset offered (if the bytes
    /// match) or 0, then `done`. Returns the offer and the end. A `busy` offer
    /// is asked again for a while: an upload of the same file cut a moment ago
    /// is held until the server notices the cut (a test of `busy` itself sends
    /// its `put` with [`Raw::call`]).
    pub fn put(&mut self, path: &str, bytes: &[u8]) -> (Reply, Reply) {
        let offer = self.call_while_busy(&put(path, bytes.len() as u64));
        if offer.status != Status::Ok {
            return (offer.clone(), offer);
        }
        let held = offer.offset.unwrap_or(0);
        let from = if held > 0
            && held <= bytes.len() as u64
            && offer.prefix_sha256.as_deref()
                == Some(sha256_of(&bytes[..held as usize]).as_str())
        {
            held
        } else {
            0
        };
        self.send(&data(from, bytes.len() as u64), &bytes[from as usize..])
            .unwrap();
        let end = self.call(&done(&sha256_of(bytes)));
        (offer, end)
    }

    /// A whole get from `offset` with the prefix `held`: the reply, the body
    /// and the trailer.
    pub fn get(
        &mut self,
        path: &str,
        held: &[u8],
    ) -> (Reply, Vec<u8>, Option<Reply>) {
        let mut request = Request::new("get").path(path);
        if !held.is_empty() {
            request.offset = Some(held.len() as u64);
            request.prefix_sha256 = Some(sha256_of(held));
        }
        let reply = self.call(&request);
        if reply.status != Status::Ok {
            return (reply, Vec::new(), None);
        }
        let body = self.body(reply.body_size);
        let trailer = self.reply().expect("a trailer");
        (reply, body, Some(trailer))
    }
}

/// Connects, again for a bounded time while the greeting is `full`, and
/// returns the first connection greeted otherwise (or the last `full` one):
/// the place of a session that ended is free once the server has noticed
/// that its connection closed, a moment after the client closed it.
#[track_caller]
pub fn connect_when_free(addr: SocketAddr) -> Raw {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let raw = Raw::connect(addr);
        if raw.greeting.code.as_deref() != Some("full")
            || Instant::now() >= deadline
        {
            return raw;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// `ok` for a successful reply, else the error's `code`: what a program acts
/// on (the `error` words are for people, and each server words its own).
pub fn outcome(reply: &Reply) -> String {
    match reply.status {
        Status::Ok => "ok".into(),
        Status::Error => reply.code.clone().unwrap_or_else(|| "(no code)".into()),
    }
}

pub fn login(user: &str, password: &str) -> Request {
    Request {
        user: Some(user.into()),
        password: Some(password.into()),
        ..Request::new("login")
    }
}
pub fn put(path: &str, size: u64) -> Request {
    Request {
        size: Some(size),
        ..Request::new("put").path(path)
    }
}
pub fn data(offset: u64, size: u64) -> Request {
    Request {
        offset: Some(offset),
        body_size: size - offset,
        ..Request::new("data")
    }
}
pub fn done(sha256: &str) -> Request {
    Request {
        sha256: Some(sha256.into()),
        ..Request::new("done")
    }
}

/// `n` bytes that differ from one position to the next (and from one `seed`
/// to another), so that a misplaced chunk shows in the digest.
pub fn content(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u64).wrapping_mul(2654435761).to_le_bytes()[1] ^ seed)
        .collect()
}

/// The real client, run in `dir`, typing `lines` after the user name and the
/// password; returns everything it printed.
pub fn run_client(
    addr: SocketAddr,
    dir: &Path,
    user: &str,
    lines: &[&str],
) -> Finished {
    let program = client_program();
    let args = program.args(&["--addr".to_string(), addr.to_string()]);
    let mut client =
        Proc::spawn_in(Some(dir), "the client", &program.path, &args, Input::Piped)
            .unwrap();
    client.send_line(user);
    client.send_line(PASSWORD);
    for line in lines {
        client.send_line(line);
    }
    client.finish()
}

/// A relay between a client and the server that counts the bytes each way
/// (the file's bytes are most of them) and can cut the connection after a
/// number of bytes from the server, or from the client.
pub struct Relay {
    pub addr: SocketAddr,
    pub to_server: Arc<AtomicU64>,
    pub to_client: Arc<AtomicU64>,
}

impl Relay {
    /// Relays every connection to `server`; `cut_to_server` / `cut_to_client`
    /// end a connection once that many bytes went that way.
    pub fn start(
        server: SocketAddr,
        cut_to_server: Option<u64>,
        cut_to_client: Option<u64>,
    ) -> Relay {
        Relay::open(server, cut_to_server, cut_to_client, None)
    }

    /// Relays every connection to `server`, and damages one byte on its way
    /// to the client: the byte at `at`, counted from the first the server
    /// sent through the relay, arrives with its bits flipped. A network
    /// that damages data, in short: what a client's digest check is for.
    pub fn damaging(server: SocketAddr, at: u64) -> Relay {
        Relay::open(server, None, None, Some(at))
    }

    fn open(
        server: SocketAddr,
        cut_to_server: Option<u64>,
        cut_to_client: Option<u64>,
        flip_to_client: Option<u64>,
    ) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let to_server = Arc::new(AtomicU64::new(0));
        let to_client = Arc::new(AtomicU64::new(0));
        let (up, down) = (Arc::clone(&to_server), Arc::clone(&to_client));
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let server = connect(server);
                pump(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    Arc::clone(&up),
                    cut_to_server,
                    None,
                );
                pump(
                    server,
                    client,
                    Arc::clone(&down),
                    cut_to_client,
                    flip_to_client,
                );
            }
        });
        Relay {
            addr,
            to_server,
            to_client,
        }
    }
}

/// Copies `from` to `to`, counting, until the end or the cut; the byte at
/// `flip` (by the count), if any, goes with its bits flipped.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    count: Arc<AtomicU64>,
    cut: Option<u64>,
    flip: Option<u64>,
) {
    thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let room = cut
                .map_or(buf.len() as u64, |cut| cut - count.load(Ordering::SeqCst));
            let want = room.min(buf.len() as u64) as usize;
            if want == 0 {
                break;
            }
            match from.read(&mut buf[..want]) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let first = count.load(Ordering::SeqCst);
                    if let Some(at) =
                        flip.filter(|at| (first..first + n as u64).contains(at))
                    {
                        buf[(at - first) as usize] ^= 0xff;
                    }
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    count.fetch_add(n as u64, Ordering::SeqCst);
                }
            }
        }
        // Cut both ways: the peers see the connection end, as on a real cut.
        let _ = from.shutdown(Shutdown::Both);
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// Waits (bounded) until `done` holds, checking every few milliseconds: for
/// state on the server's disk that follows a line the test cannot wait for.
#[track_caller]
pub fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// How long the bounded waits below wait: far longer than any server takes
/// to notice a closed connection, short enough to fail a test that waits
/// for something that never comes.
const PATIENCE: Duration = Duration::from_secs(10);

/// Asks `probe` again, every few milliseconds and for a bounded time, until
/// it answers `expected`; returns its last answer, for the test to compare
/// with `expected` (so that a failure shows what came instead). For state a
/// server reaches a moment after the test's last step, such as `used` once
/// it has given up an upload whose connection broke.
pub fn settle<T: PartialEq>(expected: &T, mut probe: impl FnMut() -> T) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let answer = probe();
        if answer == *expected || Instant::now() >= deadline {
            return answer;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// What a program kept of an interrupted transfer of `bytes`, wherever under
/// `dir` it keeps it: the length of the longest non-empty file there (links
/// not followed) whose bytes are the first bytes of `bytes`; 0 if there is
/// none. Read from the disk, so it holds for any server (or client) that
/// keeps what arrived, whatever it names the file.
pub fn kept_prefix(dir: &Path, bytes: &[u8]) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut longest = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue; // gone meanwhile
        };
        let kept = if meta.is_dir() {
            kept_prefix(&path, bytes)
        } else if meta.is_file()
            && meta.len() > 0
            && meta.len() <= bytes.len() as u64
        {
            match fs::read(&path) {
                Ok(held) if bytes.starts_with(&held) => held.len() as u64,
                _ => 0,
            }
        } else {
            0
        };
        longest = longest.max(kept);
    }
    longest
}

/// Runs `n` sessions, each on a thread of its own: each gets ready (`setup`,
/// a login, say), then waits until all are, then does its `work` at the same
/// moment as the others. One whose setup fails (a server that never greets,
/// a login refused) still takes its turn at the wait, so the others are not
/// kept waiting for ever. Returns each one's result, or what went wrong.
pub fn at_the_same_moment<S, T: Send>(
    n: usize,
    setup: impl Fn(usize) -> S + Sync,
    work: impl Fn(usize, S) -> T + Sync,
) -> Vec<Result<T, String>> {
    let ready = Barrier::new(n);
    thread::scope(|scope| {
        let sessions: Vec<_> = (0..n)
            .map(|i| {
                let (ready, setup, work) = (&ready, &setup, &work);
                scope.spawn(move || {
                    let prepared =
                        panic::catch_unwind(AssertUnwindSafe(|| setup(i)));
                    ready.wait();
                    let prepared = prepared.map_err(panic_words)?;
                    panic::catch_unwind(AssertUnwindSafe(|| work(i, prepared)))
                        .map_err(panic_words)
                })
            })
            .collect();
        sessions
            .into_iter()
            .map(|s| s.join().unwrap_or_else(|e| Err(panic_words(e))))
            .collect()
    })
}

/// What a panic said.
fn panic_words(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(words) => *words,
        Err(payload) => match payload.downcast::<&str>() {
            Ok(words) => words.to_string(),
            Err(_) => "a panic".into(),
        },
    }
}

/// An upload of `file` to `path` as `user`, cut off after its first `sent`
/// bytes, as when a client's network breaks: `put`, a `data` frame whose body
/// stops short, then the connection closed. Returns once the server's disk
/// holds the `sent` bytes that arrived (where it keeps them is its own
/// business). The server may notice a moment later that the upload ended: a
/// test goes on with [`settle`] or [`Raw::call_while_busy`].
#[track_caller]
pub fn interrupt_put(
    world: &World,
    addr: SocketAddr,
    user: &str,
    path: &str,
    file: &[u8],
    sent: usize,
) {
    let mut raw = Raw::login(addr, user);
    let offer = raw.call(&put(path, file.len() as u64));
    assert_eq!(
        outcome(&offer),
        "ok",
        "put {path} ({} bytes) was not offered: {offer:?}",
        file.len()
    );
    raw.send(&data(0, file.len() as u64), &file[..sent])
        .unwrap();
    drop(raw);
    let kept = settle(&(sent as u64), || kept_prefix(&world.root, file));
    assert_eq!(
        kept, sent as u64,
        "an upload of {path} cut after {sent} bytes: the longest start of it \
         on the server's disk (expected every byte that arrived, {sent})"
    );
}

/// Fails unless the server has ended the connection: the next read finds the
/// end of the stream (or a reset), not a byte and not the read's time limit.
#[track_caller]
pub fn assert_stream_ends(raw: &mut Raw, after: &str) {
    let mut byte = [0; 1];
    match raw.reader.read(&mut byte) {
        Ok(0) => {}
        Ok(_) => panic!("the server sent more after {after}: {byte:?}"),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
            ) => {}
        Err(e) => panic!("the connection did not end after {after}: {e}"),
    }
}

/// The reply that ends a connection, then the end of the stream.
#[track_caller]
pub fn assert_closed_with(raw: &mut Raw, code: &str) -> Reply {
    let reply = raw.reply().expect("a reply saying why");
    assert_eq!(reply.code.as_deref(), Some(code), "{reply:?}");
    assert!(
        raw.reply().is_err(),
        "the connection stayed open after {reply:?}"
    );
    reply
}

//! Homework 11, the capstone: your own file server for many users, and its
//! client, in one program. `homework-11 server` serves the accounts of
//! ROOT/users.json, each user in a home of their own; `homework-11 client`
//! logs in to it and carries out one command a line. Both speak chapter 11's
//! protocol, whose tables are the contract: the checks speak it too.
//!
//! Written for you: the options, the listening socket, lesson 9's thread per
//! connection, the greeting, lesson 7's frames under a deadline, and the
//! session loop that hands each request to its function. Yours: the functions
//! marked `Milestone N`, one milestone at a time.
//!
//! 1. Log in
//! 2. Your home: pwd, cd, ls, mkdir, rm
//! 3. put and get, verified
//! 4. Quota
//! 5. Many users at once, with a limit
//! 6. Resume, on the server
//! 7. The client: transfers, progress bar, resume
//!
//! `just check 11` checks them in order and stops at the first not done;
//! `just check 11 --milestone N` checks one; `just hint 11` gives hints.
//!
//! Read chapter 11 as you go: that is allowed, and meant; each milestone names
//! the section to read. Its modules (`lessons/11-capstone/src/`) are the
//! reference solution: copying them in would work, and miss the point.

use std::error::Error;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use lesson_07::frame::{FrameError, read_header, write_header};
use lesson_07::timed::TimedStream;
use lesson_08::files::shown;
use lesson_09::tcp::TcpServer;
use lesson_09::{HandlerResult, Mode};
use lesson_11::protocol::{Code, Entry, Refusal, Reply, Request, VERSION};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;

// Ready when a milestone needs them (add them above): `lesson_11::protocol::
// {Kind, human, short}`, `lesson_11::transfer::{copy_hashed, hash_prefix, hex,
// sha256_of}` (the one-pass hashing), `lesson_08::files::check_name`, and the
// crates `argon2`, `indicatif` (the progress bar) and `rpassword`.

/// Homework 11: your file server for many users, and its client.
#[derive(Parser)]
#[command(name = "homework-11")]
enum Args {
    /// Serve: accounts from ROOT/users.json, homes in ROOT/homes.
    Server(ServerArgs),
    /// Log in to a server and type commands, one a line.
    Client(ClientArgs),
}

#[derive(clap::Args)]
struct ServerArgs {
    /// The server's folder: users.json, homes/ and the kept partial uploads.
    #[arg(long, default_value = "capstone-root", value_name = "FOLDER")]
    root: PathBuf,
    /// Address to listen on. Port 0 asks the operating system for a free port.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// Connections served at once; one more is told the server is full.
    #[arg(long, default_value_t = 10, value_name = "N")]
    max_sessions: usize,
    /// Close a connection that sends nothing for this many seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    idle_timeout: u64,
}

#[derive(clap::Args)]
struct ClientArgs {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// Who to log in as. Without it, the client asks.
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// The folder `get` saves files in (and keeps NAME.part, a cut download, in).
    #[arg(long, default_value = ".", value_name = "FOLDER")]
    dir: PathBuf,
}

fn main() -> ExitCode {
    let done: Result<(), Box<dyn Error>> = match Args::parse() {
        Args::Server(args) => {
            serve(&args).map_err(|e| format!("{}: {e}", args.addr).into())
        }
        Args::Client(args) => client(&args),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}"); // one line, then a non-zero exit
            ExitCode::FAILURE
        }
    }
}

// The server's plumbing, written for you.

/// Serves each connection on a thread of its own (lesson 9's `TcpServer`). A
/// session's error or panic is logged, and ends that connection only.
fn serve(args: &ServerArgs) -> io::Result<()> {
    let shared = Shared {
        root: args.root.clone(),
        max_sessions: args.max_sessions,
        idle: Duration::from_secs(args.idle_timeout.max(1)),
    };
    let accounts = shared.root.join("users.json");
    let handler = move |stream: TcpStream, peer: SocketAddr| -> HandlerResult {
        let log = |line: &str| println!("{peer}: {line}");
        log("connected");
        session(stream, &shared, &log)?;
        log("left");
        Ok(())
    };
    let server = TcpServer::bind(&args.addr, handler, Mode::ThreadPerConnection)?;
    // The first line, and the one the checks wait for: keep it first.
    println!("listening on {}", server.local_addr());
    println!("accounts in {}", accounts.display());
    server.serve_forever()
}

/// What every session shares: the options, for now. Milestone 4 adds the
/// quota ledgers and milestone 5 the count of sessions (in `serve` too), each
/// behind a `Mutex` or atomic: every session thread uses them at once.
struct Shared {
    /// `--root`: users.json, homes/NAME, and the kept partial uploads.
    root: PathBuf,
    max_sessions: usize,
    /// `--idle-timeout`: for a header to arrive whole, or a body to move on.
    idle: Duration,
}

/// One connection, from either side: lesson 7's frames over lesson 7's
/// `TimedStream`, which gives up on a peer that stops sending or reading.
struct Conn {
    reader: BufReader<TimedStream>,
    writer: BufWriter<TimedStream>,
    idle: Duration,
}

impl Conn {
    fn new(stream: TcpStream, idle: Duration) -> io::Result<Conn> {
        let stream = TimedStream::new(stream, idle)?;
        Ok(Conn {
            reader: BufReader::new(stream.try_clone()?),
            writer: BufWriter::new(stream),
            idle,
        })
    }

    /// Sends one header (a `Reply` from the server, a `Request` from the
    /// client) and flushes it. A body goes after it, into `writer`.
    fn send(&mut self, header: &impl Serialize) -> io::Result<()> {
        write_header(&mut self.writer, header)?;
        self.writer.flush()
    }

    /// The next header, whole within the idle timeout; `Ok(None)` if the peer
    /// closed the connection between frames. A body is left in `reader`.
    fn receive<H: DeserializeOwned>(&mut self) -> Result<Option<H>, FrameError> {
        self.receive_within(self.idle)
    }

    /// The same, whole within `limit`, however the peer spaces its bytes.
    fn receive_within<H: DeserializeOwned>(
        &mut self,
        limit: Duration,
    ) -> Result<Option<H>, FrameError> {
        self.reader.get_mut().set_deadline(limit);
        let header = read_header(&mut self.reader);
        self.reader.get_mut().clear_deadline();
        header
    }
}

/// Failed logins a connection gets: the third is answered, then it closes.
const LOGIN_TRIES: u32 = 3;

/// What the session does once a command has been carried out.
#[allow(clippy::large_enum_variant)] // one per request, short-lived: no Box
enum Answer {
    /// Send this reply (or this refusal), then read the next request.
    Send(Result<Reply, Refusal>),
    /// The command sent everything itself (a listing, a get and its trailer).
    Sent,
    /// The client broke the protocol: send this refusal, then close.
    Close(Refusal),
}

/// An error only when the connection failed (a refusal before closing is not).
type SessionResult = Result<(), FrameError>;

/// One connection, start to end: a place among `--max-sessions`, the
/// greeting, then one request at a time until the client leaves.
fn session(
    stream: TcpStream,
    shared: &Shared,
    log: &dyn Fn(&str),
) -> SessionResult {
    let mut conn = Conn::new(stream, shared.idle)?;
    let Some(_slot) = take_slot(shared) else {
        let max = shared.max_sessions;
        let why = format!("the server is full ({max} sessions); try again later");
        return close(&mut conn, Refusal::new(Code::Full, why), log);
    };
    // The server speaks first, before the client has sent anything.
    conn.send(&Reply {
        server: Some("capstone".into()),
        version: Some(VERSION),
        ..Reply::ok()
    })?;
    let mut user: Option<User> = None;
    let mut failed = 0;
    let log_in_by = Instant::now() + login_time(shared);
    loop {
        // Before a login, the whole conversation has one deadline; after it,
        // each request has the idle timeout to arrive.
        let request = if user.is_some() {
            conn.receive::<Request>()
        } else {
            conn.receive_within(log_in_by.saturating_duration_since(Instant::now()))
        };
        let request = match request {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()), // the client closed the connection: it left
            Err(e) => return close(&mut conn, frame_refusal(&e), log),
        };
        let answer = match (request.command.as_str(), &mut user) {
            // A body where none belongs, or `data` and `done` outside a put:
            // their bytes cannot be told from the next request, so it ends here.
            _ if request.body_size > 0 && request.command != "data" => {
                Answer::Close(bad_request("only data carries a body"))
            }
            ("data" | "done", _) => Answer::Close(bad_request("no put under way")),
            ("login", None) => match log_in(shared, &request, &mut failed) {
                Ok((reply, who)) => {
                    log(&format!("{} logged in", who.name));
                    user = Some(who);
                    Answer::Send(Ok(reply))
                }
                Err(refusal) if failed >= LOGIN_TRIES => Answer::Close(refusal),
                Err(refusal) => Answer::Send(Err(refusal)),
            },
            ("login", Some(_)) => Answer::Send(Err(bad_request("logged in"))),
            ("pwd" | "cd" | "ls" | "mkdir" | "rm" | "put" | "get", None) => {
                Answer::Send(Err(Refusal::new(Code::NeedLogin, "log in first")))
            }
            ("pwd", Some(u)) => Answer::Send(Ok(pwd(u))),
            ("cd", Some(u)) => Answer::Send(cd(u, &request)),
            ("ls", Some(u)) => match ls(u, &request) {
                Ok((mut reply, entries)) => {
                    // The listing is the reply's body: a JSON array of entries.
                    let body = serde_json::to_vec(&entries).expect("plain data");
                    reply.body_size = body.len() as u64;
                    write_header(&mut conn.writer, &reply)?;
                    conn.writer.write_all(&body)?;
                    conn.writer.flush()?;
                    Answer::Sent
                }
                Err(refusal) => Answer::Send(Err(refusal)),
            },
            ("mkdir", Some(u)) => Answer::Send(mkdir(u, &request)),
            ("rm", Some(u)) => Answer::Send(rm(u, &request)),
            ("put", Some(u)) => put(&mut conn, u, &request)?,
            ("get", Some(u)) => get(&mut conn, u, &request)?,
            (_, _) => Answer::Send(Err(bad_request("no such command"))),
        };
        match answer {
            Answer::Send(Ok(reply)) => conn.send(&reply)?,
            Answer::Send(Err(refusal)) => {
                log(&format!("refused {}: {refusal}", shown(&request.command)));
                conn.send(&Reply::from(refusal))?;
            }
            Answer::Sent => {}
            Answer::Close(refusal) => return close(&mut conn, refusal, log),
        }
    }
}

/// Says why, and ends the session: the connection closes when `conn` goes.
fn close(conn: &mut Conn, refusal: Refusal, log: &dyn Fn(&str)) -> SessionResult {
    log(&format!("closing the connection: {refusal}"));
    let _ = conn.send(&Reply::from(refusal)); // the client may be gone already
    Ok(())
}

fn bad_request(why: &str) -> Refusal {
    Refusal::new(Code::BadRequest, why)
}

/// What to tell a client whose frame could not be read: a time limit
/// passed (`timeout`), or the frame was wrong (`bad-request`).
fn frame_refusal(e: &FrameError) -> Refusal {
    let late = matches!(e, FrameError::Io(e)
        if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock));
    let code = if late {
        Code::Timeout
    } else {
        Code::BadRequest
    };
    Refusal::new(code, e.to_string())
}

// Milestone 1 (requirement 1): log in. Chapter 11, "A password is kept as an
// Argon2id hash, and an unknown user costs the same".
//
// No `user` or `password`: `bad-request`, and not a try. Read ROOT/users.json
// at every login; `server-11 add-user` writes it (no file: no users yet):
//   {"users":[{"name":"alice","password_hash":"$argon2id$…","quota":1048576}]}
// Verify the password against the stored hash with the `argon2` crate. An
// unknown name is verified too, against a dummy hash made once, and gets the
// same refusal word for word: `login-failed`, "unknown user or wrong
// password"; add 1 to `failed` (the session closes at LOGIN_TRIES). Success:
// reply `user`, `path` "/", `quota`, and `used`: the bytes, links not
// followed, under ROOT/homes/NAME (the home) and ROOT/partial/NAME.

/// A logged-in user. Add what your milestones need: the working folder
/// (milestone 2), the user's share of the quota ledger (milestone 4).
#[allow(dead_code)] // made by your log_in, from milestone 1 on
struct User {
    name: String,
    /// The most their files and kept partial uploads may hold, in bytes.
    quota: u64,
    /// ROOT/homes/NAME: the folder this user sees as `/`.
    home: PathBuf,
}

fn log_in(
    _shared: &Shared,
    _request: &Request,
    _failed: &mut u32,
) -> Result<(Reply, User), Refusal> {
    todo!("milestone 1: check the password against ROOT/users.json")
}

// Milestone 2 (requirements 3, 5, 6): your home. Chapter 11, "A path is read
// twice: as text, then on the disk"; the protocol's "Paths" and "Errors".
//
// Write the two readings once, as helpers. As text: a first `/` starts at the
// home, else at the working folder (add it to `User`); empty parts and `.` are
// skipped; `..` drops a part (above the home: `bad-path`); other parts must
// pass `lesson_08::files::check_name`. Keep a list of plain parts, never `..`.
// On the disk: join them onto the home, `canonicalize` (links followed; no
// such thing: `not-found`), and the result must `starts_with` the canonical
// home (`bad-path`). Then cd (refused, it moves nothing), ls (sorted by name
// as bytes; links as `link`, not followed; kept partials as `partial`; 1000
// entries at most, the rest in `omitted`), mkdir (its parent must exist), rm
// (a file and its partial, a link itself, an empty folder; never `/`). Replies
// name places from the home, "/docs".

fn pwd(_user: &User) -> Reply {
    Reply::ok().path("/") // The stub: always the home, wherever cd went.
}

fn cd(_user: &mut User, _request: &Request) -> Result<Reply, Refusal> {
    todo!("milestone 2: cd, and a working folder for pwd to show")
}

/// The reply (without `body_size`: the session sets it) and the entries.
fn ls(_user: &User, _request: &Request) -> Result<(Reply, Vec<Entry>), Refusal> {
    todo!("milestone 2: list a folder")
}

fn mkdir(_user: &User, _request: &Request) -> Result<Reply, Refusal> {
    todo!("milestone 2: make one folder")
}

fn rm(_user: &User, _request: &Request) -> Result<Reply, Refusal> {
    todo!("milestone 2: remove a file, a link or an empty folder")
}

// Milestone 3 (requirement 7): put and get, verified. Chapter 11, "The digest
// goes after the body: one pass over the file"; the protocol's "Uploading" and
// "Downloading" list every step.
//
// put: the bytes go into a partial file outside the home (chapter 11 keeps
// /docs/a.bin's as ROOT/partial/NAME/docs/a.bin). Open it without truncating,
// cut it to what `kept_for_resume` keeps, `reserve`, and send the offer. Then
// exactly `data` (offset 0 or the offered one, body_size = size - offset) and
// `done` (with `sha256`); else, or on a frame that cannot be read
// (`frame_refusal`), Answer::Close. `copy_hashed` writes the body and hashes it
// on the way; if the connection breaks there, return the error and keep what
// arrived. Digests equal: `sync_all`, rename over the file, reply `path`,
// `size`, `sha256`. Not equal: delete the partial, `damaged`.
// get: open the file once and send from that handle only: reply `path`,
// `size`, `offset` (from `get_start`), body_size = size - offset; the bytes
// (`copy_hashed`); then the trailer, a reply with only `sha256`.

fn put(
    _conn: &mut Conn,
    _user: &User,
    _request: &Request,
) -> Result<Answer, FrameError> {
    todo!("milestone 3: the offer, then data, then done")
}

fn get(
    _conn: &mut Conn,
    _user: &User,
    _request: &Request,
) -> Result<Answer, FrameError> {
    todo!("milestone 3: the reply, the bytes, then the trailer")
}

// Milestone 4 (requirement 4): the quota. Chapter 11, "The quota is reserved
// before a byte arrives".
//
// One ledger per user, shared by their sessions (in `Shared`, behind a
// `Mutex`): their files and kept partials, counted from the disk when their
// first session starts, plus what uploads under way reserved. `reserve` checks
// and reserves under one lock, before the offer: `quota` if it does not fit,
// `busy` if another of their sessions uploads that file. Return a reservation
// whose `Drop` gives back what never arrived. The old file counts until it is
// replaced; `rm` frees; `login` and `ls` report the ledger's `used`.

#[allow(dead_code)] // your put calls it, from milestone 3 on
fn reserve(_user: &User, _file: &Path, _need: u64) -> Result<(), Refusal> {
    Ok(()) // The stub: never refuses, and keeps no count.
}

// Milestone 5 (requirement 2): many users at once, with a limit. Chapter 11,
// "What a session holds".
//
// `take_slot`: one of the `--max-sessions` places, or None (the session then
// sends the `full` greeting and closes). Count with an atomic in `Shared`,
// adding first and checking after, so that two clients arriving together
// cannot both take the last place; `Slot`'s `Drop` gives the place back.
// `login_time`: 30 s from the greeting, or the idle timeout if shorter.

/// One of the `--max-sessions` places, held for as long as the session lasts.
struct Slot;

fn take_slot(_shared: &Shared) -> Option<Slot> {
    Some(Slot) // The stub: room for everyone, however many.
}

fn login_time(shared: &Shared) -> Duration {
    shared.idle // The stub: the idle timeout, however long that is.
}

// Milestone 6 (requirement 9): resume, on the server. Chapter 11, "A resume
// proves the bytes it continues from".
//
// `kept_for_resume`: keep what the partial holds, unless it is longer than
// `size`. `hash_prefix` hashes it: its digest is the offer's `prefix_sha256`,
// and the same hasher goes on with the new bytes. `data` at 0 after an offer
// means another file: start over. `get_start`: start at the client's `offset`
// only if it is at most `size` and the first `offset` bytes hash to its
// `prefix_sha256` (missing: `bad-request`); else at 0.

/// How much of `partial` to keep for a put of `size` bytes, and its hasher.
#[allow(dead_code)] // your put calls it, from milestone 3 on
fn kept_for_resume(_partial: &mut File, _size: u64) -> io::Result<(u64, Sha256)> {
    Ok((0, Sha256::default())) // The stub: keeps nothing; a put starts at 0.
}

/// Where a get's bytes start, and a hasher that has read the bytes before.
#[allow(dead_code)] // your get calls it, from milestone 3 on
fn get_start(
    _file: &mut File,
    _size: u64,
    _request: &Request,
) -> Result<(u64, Sha256), Refusal> {
    Ok((0, Sha256::default())) // The stub: ignores what the client holds.
}

// Milestone 7 (requirements 7, 8, 9): the client. Chapter 11, "The client"
// and "The progress bar". The checks run it against the reference server,
// with the commands on standard input, and read what it prints.
//
// Log in (`--user`, else the first line; the password unseen at a terminal,
// else the next line) and say "logged in as NAME". Then one command a line
// until the input ends. A refusal is printed ("refused"), and the client goes
// on. put: offered an offset, hash that much of the file: equal, "resuming
// at"; not, "starting over". get: into DIR/NAME.part, offering what it holds;
// NAME only once the trailer's digest matches. Both end "saved as … verified",
// or "interrupted" (kept for next time). The bar: stderr, on a terminal only.

fn client(args: &ClientArgs) -> Result<(), Box<dyn Error>> {
    let stream = TcpStream::connect(&args.addr)
        .map_err(|e| format!("{}: {e}; is the server running?", args.addr))?;
    println!("connected to {}", stream.peer_addr()?);
    let mut conn = Conn::new(stream, Duration::from_secs(300))?; // for replies
    // The server speaks first. A full one sends an error instead, and hangs up.
    match conn.receive::<Reply>()? {
        Some(greeting) if greeting.is_ok() => {}
        Some(refusal) => return Err(refusal.error.unwrap_or_default().into()),
        None => return Err("the server closed the connection at once".into()),
    }
    let _ = (&mut conn, &args.user, &args.dir);
    todo!("milestone 7: log in, then carry out one command a line")
}

// ANCHOR: all
//! The server's side of one connection: the greeting, the login, then requests
//! until the client leaves. Lesson 9's framework runs one of these on a thread
//! for each client.
//!
//! A session's state is small: who logged in (nobody yet), their home, the
//! working folder, and how many logins failed. Everything shared between
//! sessions (the session count, each user's quota ledger) is in [`Shared`].

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, BufWriter, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use lesson_07::frame::{FrameError, read_header, write_header};
use lesson_07::timed::TimedStream;
use lesson_08::files::shown;
use sha2::Sha256;

use crate::accounts::{self, home_of, partial_dir_of};
use crate::home::{Home, Place, resolve, shown_place};
use crate::protocol::{Code, Refusal, Reply, Request, VERSION, human, short};
use crate::quota::{Quotas, Usage};
use crate::transfer::{copy_hashed, hash_prefix, hex};

/// How many failed logins one connection gets before it is closed.
pub const LOGIN_TRIES: u32 = 3;

/// How long a connection may take to log in (or the idle timeout, if that is
/// shorter). Until then it holds one of the `max_sessions` places without
/// being anyone's: ten strangers that connect and say nothing would otherwise
/// keep the server full for the whole idle timeout.
pub const LOGIN_TIME: Duration = Duration::from_secs(30);

/// What the server was started with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The server's folder: `users.json`, `homes/`, `partial/`.
    pub root: PathBuf,
    /// Connections served at once; one more is told the server is full.
    pub max_sessions: usize,
    /// A client that sends nothing, or reads nothing, for this long is cut
    /// off; and a request's header must arrive whole within it.
    pub idle_timeout: Duration,
}

// ANCHOR: state
/// What all sessions share.
#[derive(Debug)]
pub struct Shared {
    pub settings: Settings,
    sessions: AtomicUsize,
    quotas: Quotas,
}

impl Shared {
    pub fn new(settings: Settings) -> Shared {
        Shared {
            settings,
            sessions: AtomicUsize::new(0),
            quotas: Quotas::default(),
        }
    }
}

/// A logged-in user: their account, home, place and share of the quota.
struct User {
    name: String,
    quota: u64,
    home: Home,
    cwd: Place,
    usage: Usage,
}
// ANCHOR_END: state

/// Why a session ended early: its connection failed, or the client broke the
/// protocol (the reply saying so has been sent).
pub type SessionResult = Result<(), FrameError>;

// ANCHOR: slot
/// One of the `max_sessions` places; dropping it frees the place.
struct Slot<'a>(&'a AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Takes a place, or `None` when all are taken. Counting first and checking
/// after (rather than checking, then counting) means two clients arriving at
/// once cannot both take the last place.
fn take_slot(shared: &Shared) -> Option<Slot<'_>> {
    let slot = Slot(&shared.sessions);
    let before = shared.sessions.fetch_add(1, Ordering::SeqCst);
    (before < shared.settings.max_sessions).then_some(slot)
}
// ANCHOR_END: slot

/// The reader and the writer of one connection.
struct Conn {
    reader: BufReader<TimedStream>,
    writer: BufWriter<TimedStream>,
    idle: Duration,
}

impl Conn {
    fn send(&mut self, reply: &Reply) -> Result<(), FrameError> {
        write_header(&mut self.writer, reply)?;
        self.writer.flush()?;
        Ok(())
    }

    /// The next request, which must arrive whole within the idle time.
    /// `Ok(None)`: the client closed the connection between requests.
    fn next(&mut self) -> Result<Option<Request>, FrameError> {
        self.next_within(self.idle)
    }

    /// The next request, which must arrive whole within `limit`.
    fn next_within(
        &mut self,
        limit: Duration,
    ) -> Result<Option<Request>, FrameError> {
        self.reader.get_mut().set_deadline(limit);
        let request = read_header::<Request>(&mut self.reader);
        self.reader.get_mut().clear_deadline();
        request
    }

    /// Tells the client why the connection ends, and ends it.
    fn close_with(&mut self, refusal: Refusal, cause: FrameError) -> SessionResult {
        let _ = self.send(&refusal.into());
        Err(cause)
    }
}

// ANCHOR: session
/// Serves one connection, start to end. Each event is reported through `log`.
pub fn session(
    stream: TcpStream,
    shared: &Shared,
    log: &dyn Fn(&str),
) -> SessionResult {
    let idle = shared.settings.idle_timeout;
    let stream = TimedStream::new(stream, idle)?;
    let mut conn = Conn {
        reader: BufReader::new(stream.try_clone()?),
        writer: BufWriter::new(stream),
        idle,
    };
    let Some(_slot) = take_slot(shared) else {
        let max = shared.settings.max_sessions;
        log(&format!("refused: the server is full ({max} sessions)"));
        let why = format!("the server is full ({max} sessions); try again later");
        return conn.send(&Refusal::new(Code::Full, why).into());
    };
    conn.send(&Reply {
        server: Some("capstone".into()),
        version: Some(VERSION),
        ..Reply::ok()
    })?;
    let mut user: Option<User> = None;
    let mut failed = 0;
    let log_in_by = Instant::now() + idle.min(LOGIN_TIME);
    loop {
        let request = match &user {
            Some(_) => conn.next(),
            None => conn
                .next_within(log_in_by.saturating_duration_since(Instant::now())),
        };
        let request = match request {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()), // the client left
            Err(e) if user.is_none() && is_timeout(&e) => {
                let limit = idle.min(LOGIN_TIME).as_secs();
                let why = format!("no login within {limit} s");
                log(&format!("closed: {why}"));
                // Said once, here; the session ends without an error of its own.
                return conn.send(&Refusal::new(Code::Timeout, why).into());
            }
            Err(e) => return conn.close_with(frame_refusal(&e), e),
        };
        if request.body_size > 0 && request.command != "data" {
            let why = format!("a {} request has no body", shown(&request.command));
            return conn.close_with(bad_request(&why), protocol_error(&why));
        }
        let reply = match (request.command.as_str(), &mut user) {
            ("data" | "done", _) => {
                let why = format!("{} comes only after a put", request.command);
                return conn.close_with(bad_request(&why), protocol_error(&why));
            }
            ("login", None) => match log_in(shared, &request, log) {
                Ok((reply, who)) => {
                    user = Some(who);
                    Ok(reply)
                }
                // A request missing a field is answered, not counted: only a
                // wrong name or password uses up one of the tries.
                Err(refusal) if refusal.code != Code::LoginFailed => Err(refusal),
                Err(refusal) => {
                    failed += 1;
                    if failed >= LOGIN_TRIES {
                        let why =
                            format!("{refusal}; closing after {LOGIN_TRIES} tries");
                        log("closing the connection after 3 failed logins");
                        let refusal = Refusal::new(Code::LoginFailed, why);
                        return conn
                            .close_with(refusal, protocol_error("failed logins"));
                    }
                    Err(refusal)
                }
            },
            ("login", Some(user)) => {
                Err(bad_request(&format!("already logged in as {}", user.name)))
            }
            (_, None) if known(&request.command) => {
                Err(Refusal::new(Code::NeedLogin, "log in first"))
            }
            ("pwd", Some(user)) => Ok(Reply::ok().path(user.cwd.shown())),
            ("cd", Some(user)) => cd(user, &request),
            ("ls", Some(user)) => match ls(user, &request) {
                Ok((reply, body)) => {
                    conn.send(&reply)?;
                    conn.writer.write_all(&body)?;
                    conn.writer.flush()?;
                    continue;
                }
                Err(refusal) => Err(refusal),
            },
            ("mkdir", Some(user)) => mkdir(user, &request, log),
            ("rm", Some(user)) => rm(user, &request, log),
            ("put", Some(user)) => match put(&mut conn, user, &request, log)? {
                Some(result) => result,
                None => continue, // the client broke the protocol: closed
            },
            ("get", Some(user)) => match get(&mut conn, user, &request, log)? {
                Some(refusal) => Err(refusal),
                None => continue, // sent, trailer included
            },
            (other, _) => {
                Err(bad_request(&format!("unknown command {:?}", shown(other))))
            }
        };
        let reply = match reply {
            Ok(reply) => reply,
            Err(refusal) => {
                // Names are shown escaped: one line in the log, whatever
                // they hold. The user's name says whose request it was.
                let about = request.path.as_ref().or(request.user.as_ref());
                let who = user.as_ref().map(|u| format!("{}: ", u.name));
                let about = about.map(|a| format!(" {}", shown(a)));
                log(&format!(
                    "{}refused {}{}: {refusal}",
                    who.unwrap_or_default(),
                    shown(&request.command),
                    about.unwrap_or_default(),
                ));
                refusal.into()
            }
        };
        conn.send(&reply)?;
    }
}
// ANCHOR_END: session

/// The commands that need a login (all but `login`).
fn known(command: &str) -> bool {
    matches!(
        command,
        "pwd" | "cd" | "ls" | "mkdir" | "rm" | "put" | "get"
    )
}

fn bad_request(why: &str) -> Refusal {
    Refusal::new(Code::BadRequest, why)
}

/// An error that ends the session because the client broke the protocol.
fn protocol_error(why: &str) -> FrameError {
    FrameError::Io(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        why.to_string(),
    ))
}

/// What to tell a client whose frame could not be read: a time limit passed,
/// or the frame was wrong.
fn frame_refusal(e: &FrameError) -> Refusal {
    let code = if is_timeout(e) {
        Code::Timeout
    } else {
        Code::BadRequest
    };
    Refusal::new(code, e.to_string())
}

/// Whether a frame failed because a time limit passed.
fn is_timeout(e: &FrameError) -> bool {
    matches!(e, FrameError::Io(io) if matches!(
        io.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    ))
}

/// A field the request must have.
fn field<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, Refusal> {
    value
        .as_deref()
        .ok_or_else(|| bad_request(&format!("the request needs a {name:?} field")))
}

// ANCHOR: login
/// Checks a login. The answer is the same, in words and in time, for a user
/// who does not exist and for a wrong password (see `accounts::log_in`).
fn log_in(
    shared: &Shared,
    request: &Request,
    log: &dyn Fn(&str),
) -> Result<(Reply, User), Refusal> {
    let name = field(&request.user, "user")?;
    let password = field(&request.password, "password")?;
    let root = &shared.settings.root;
    // The password goes no further than this call: never into a log line.
    let account = accounts::log_in(root, name, password).map_err(|refusal| {
        if refusal.code != Code::ServerError {
            return refusal;
        }
        // The details (a path on the server, a user's name) are for the log,
        // not for a stranger who has not logged in.
        log(&refusal.error);
        Refusal::new(Code::ServerError, "the server cannot check logins now")
    })?;
    let (home_dir, partial_dir) = (
        home_of(root, &account.name),
        partial_dir_of(root, &account.name),
    );
    let home = Home::open(&home_dir, &partial_dir).map_err(|e| {
        Refusal::new(Code::ServerError, format!("cannot open your home: {e}"))
    })?;
    let usage = shared.quotas.enter(&account.name, &home_dir, &partial_dir);
    log(&format!("{} logged in", account.name));
    let reply = Reply {
        user: Some(account.name.clone()),
        quota: Some(account.quota),
        used: Some(usage.used()),
        ..Reply::ok().path("/")
    };
    let user = User {
        name: account.name,
        quota: account.quota,
        home,
        cwd: Place::home(),
        usage,
    };
    Ok((reply, user))
}
// ANCHOR_END: login

// ANCHOR: cd
fn cd(user: &mut User, request: &Request) -> Result<Reply, Refusal> {
    let place = resolve(&user.cwd, field(&request.path, "path")?)?;
    user.home.folder(&place)?; // it must exist, be a folder, and be inside
    user.cwd = place;
    Ok(Reply::ok().path(user.cwd.shown()))
}
// ANCHOR_END: cd

/// The reply to `ls` and its body, the entries as a JSON array.
fn ls(user: &User, request: &Request) -> Result<(Reply, Vec<u8>), Refusal> {
    let place = match &request.path {
        Some(path) => resolve(&user.cwd, path)?,
        None => user.cwd.clone(),
    };
    let (entries, omitted) = user.home.list(&place)?;
    let body = serde_json::to_vec(&entries).expect("entries are plain data");
    let reply = Reply {
        body_size: body.len() as u64,
        quota: Some(user.quota),
        used: Some(user.usage.used()),
        omitted: Some(omitted),
        ..Reply::ok().path(place.shown())
    };
    Ok((reply, body))
}

fn mkdir(
    user: &User,
    request: &Request,
    log: &dyn Fn(&str),
) -> Result<Reply, Refusal> {
    let place = resolve(&user.cwd, field(&request.path, "path")?)?;
    user.home.mkdir(&place)?;
    log(&format!("{}: mkdir {}", user.name, shown_place(&place)));
    Ok(Reply::ok().path(place.shown()))
}

fn rm(
    user: &User,
    request: &Request,
    log: &dyn Fn(&str),
) -> Result<Reply, Refusal> {
    let place = resolve(&user.cwd, field(&request.path, "path")?)?;
    // Under the ledger's lock: the freed bytes and the disk change together,
    // and a file being uploaded right now is not pulled from under the upload.
    let key = match user.home.target(&place) {
        Ok(target) => target.key,
        Err(_) => PathBuf::new(), // a folder (or nothing): no upload to meet
    };
    let freed = user.usage.change(&key, || {
        let freed = user.home.rm(&place)?;
        Ok((freed, freed))
    })?;
    log(&format!(
        "{}: rm {} ({} freed)",
        user.name,
        shown_place(&place),
        human(freed)
    ));
    Ok(Reply::ok().path(place.shown()))
}

// ANCHOR: put
/// Receives an upload: `put` (the name and size), then `data` (the bytes the
/// server lacks), then `done` (the whole file's digest). Returns the reply to
/// send, or `None` when the session has ended because the client broke the
/// protocol; `Err` when the connection broke (what arrived is kept).
fn put(
    conn: &mut Conn,
    user: &User,
    request: &Request,
    log: &dyn Fn(&str),
) -> Result<Option<Result<Reply, Refusal>>, FrameError> {
    let Prepared {
        place,
        target,
        size,
        mut reservation,
        held,
        mut hasher,
        file,
    } = match prepare_put(user, request) {
        Ok(prepared) => prepared,
        Err(refusal) => return Ok(Some(Err(refusal))),
    };
    let name = format!("{}: put {}", user.name, shown_place(&place));
    // Tell the client what the server holds already, and prove it.
    let offered = Reply {
        offset: Some(held),
        prefix_sha256: (held > 0).then(|| hex(hasher.clone())),
        ..Reply::ok().path(place.shown())
    };
    conn.send(&offered)?;

    // The bytes: from where the server's copy ends, or from 0 if the client's
    // file does not start with what the server holds.
    let data = match conn.next() {
        Ok(Some(data)) => data,
        Ok(None) => return Ok(None),
        Err(e) => return conn.close_with(frame_refusal(&e), e).map(|()| None),
    };
    let offset = data.offset.unwrap_or(0);
    let fits = data.command == "data"
        && (offset == held || offset == 0)
        && data.body_size == size - offset;
    if !fits {
        let why = format!(
            "after put comes data with offset {held} (or 0) and body_size {}",
            size - held
        );
        return conn
            .close_with(bad_request(&why), protocol_error(&why))
            .map(|()| None);
    }
    let mut file = file;
    if offset < held {
        log(&format!("{name}: the client's file differs; starting over"));
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        reservation.start_over(held);
        hasher = Sha256::default();
    }
    // A small buffer gathers small reads; a whole chunk passes straight on.
    let mut partial = BufWriter::new(file);
    if offset > 0 {
        log(&format!(
            "{name}: resuming at {} of {}",
            human(offset),
            human(size)
        ));
    } else {
        log(&format!("{name}: receiving {}", human(size)));
    }
    // What arrives goes straight to the partial file. If the connection breaks
    // here, the bytes written so far stay there for a resume, and count.
    let copied = copy_hashed(
        &mut conn.reader,
        &mut partial,
        data.body_size,
        &mut hasher,
        &mut |n| reservation.received(n),
    );
    if let Err(e) = copied {
        let _ = partial.flush();
        // What never arrived goes back to the quota before the log says so.
        drop(reservation);
        let kept = fs::metadata(&target.partial).map(|m| m.len()).unwrap_or(0);
        log(&format!(
            "{name}: interrupted at {} of {}; kept for a resume",
            human(kept),
            human(size)
        ));
        return Err(e);
    }
    let file = partial.into_inner().map_err(|e| e.into_error())?;

    // Last, the digest the client computed while reading its file.
    let done = match conn.next() {
        Ok(Some(done))
            if done.command == "done"
                && done.sha256.is_some()
                && done.body_size == 0 =>
        {
            done
        }
        Ok(None) => return Ok(None),
        Ok(Some(_)) => {
            let why = "after data comes done, with the file's sha256";
            return conn
                .close_with(bad_request(why), protocol_error(why))
                .map(|()| None);
        }
        Err(e) => return conn.close_with(frame_refusal(&e), e).map(|()| None),
    };
    let expected = done.sha256.unwrap_or_default();
    let actual = hex(hasher);
    if actual != expected {
        drop(file);
        let _ = fs::remove_file(&target.partial);
        reservation.discard(size);
        log(&format!(
            "{name}: damaged (sha256 {}); discarded",
            short(&actual)
        ));
        return Ok(Some(Err(Refusal::new(
            Code::Damaged,
            format!(
                "the data arrived damaged (sha256 {} instead of {}); \
                 nothing was saved",
                short(&actual),
                short(&expected)
            ),
        ))));
    }
    // Whole and verified: on the disk for good (sync_all), then in place.
    file.sync_all()?;
    drop(file); // closed first: Windows cannot rename an open file
    let committed = reservation.commit(|| {
        // Checked again, now: the folder may have been swapped for a link
        // (by someone on the server's machine) since the put was accepted.
        if user.home.target(&place)?.file != target.file {
            let why =
                format!("{} has moved since the upload began", shown_place(&place));
            return Err(Refusal::new(Code::BadPath, why));
        }
        // The rename replaces a link itself, not what it points to: a link's
        // size here is 0, whatever the size of its target.
        let replaced = fs::symlink_metadata(&target.file)
            .ok()
            .filter(|m| m.is_file())
            .map_or(0, |m| m.len());
        fs::rename(&target.partial, &target.file).map_err(|e| {
            Refusal::new(Code::ServerError, format!("cannot put it in place: {e}"))
        })?;
        Ok(((), replaced))
    });
    if let Err(refusal) = committed {
        return Ok(Some(Err(refusal)));
    }
    log(&format!(
        "{name}: saved, {}, sha256 {}",
        human(size),
        short(&actual)
    ));
    Ok(Some(Ok(Reply {
        size: Some(size),
        sha256: Some(actual),
        ..Reply::ok().path(place.shown())
    })))
}
// ANCHOR_END: put

// ANCHOR: prepare-put
/// Everything a put checks before a byte of the file arrives: the path, the
/// size, what the server holds already, and the quota. Returns the place, the
/// target, the size, the reservation, the bytes held, the hasher that has read
/// them, and the partial file, open and positioned after them.
fn prepare_put(user: &User, request: &Request) -> Result<Prepared, Refusal> {
    let place = resolve(&user.cwd, field(&request.path, "path")?)?;
    let Some(size) = request.size else {
        return Err(bad_request("a put needs the file's size"));
    };
    let target = user.home.target(&place)?;
    let mut held = 0;
    // Under the ledger's lock, where no other session can be uploading the
    // same file: what the server kept of it, and what the upload needs.
    let reservation = user.usage.reserve(&target.key, user.quota, || {
        let kept = fs::symlink_metadata(&target.partial)
            .ok()
            .filter(|m| m.is_file())
            .map_or(0, |m| m.len());
        if kept > size {
            // Longer than the new file: it cannot be its beginning.
            fs::remove_file(&target.partial).map_err(server_error)?;
            return Ok((size, kept));
        }
        held = kept;
        // The file being replaced still counts until the new one is in place.
        Ok((size - held, 0))
    })?;
    // Opened now, before the offer: a problem here is a refusal, and the
    // connection goes on.
    let mut file = open_partial(&target.partial).map_err(|e| {
        Refusal::new(Code::ServerError, format!("cannot keep the upload: {e}"))
    })?;
    // Hash what is held (one pass; the hasher goes on with the new bytes).
    let hasher = hash_prefix(&mut file, held)
        .map_err(server_error)?
        .unwrap_or_default();
    Ok(Prepared {
        place,
        target,
        size,
        reservation,
        held,
        hasher,
        file,
    })
}

/// What [`prepare_put`] found and reserved.
struct Prepared {
    place: Place,
    target: crate::home::Target,
    size: u64,
    reservation: crate::quota::Reservation,
    held: u64,
    hasher: Sha256,
    file: File,
}
// ANCHOR_END: prepare-put

/// The partial file, created if new, opened to read (the prefix is hashed)
/// and to write (the rest follows the prefix).
fn open_partial(path: &std::path::Path) -> std::io::Result<File> {
    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder)?;
    }
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
}

// ANCHOR: get
/// Sends a file: the reply (size, and where the body starts), the bytes from
/// there, then the trailer with the whole file's digest. Returns a refusal to
/// send instead, if there is one.
fn get(
    conn: &mut Conn,
    user: &User,
    request: &Request,
    log: &dyn Fn(&str),
) -> Result<Option<Refusal>, FrameError> {
    let opened = open_for_get(user, request);
    let (place, mut file, size, start, mut hasher) = match opened {
        Ok(opened) => opened,
        Err(refusal) => return Ok(Some(refusal)),
    };
    let name = format!("{}: get {}", user.name, shown_place(&place));
    let asked = request.offset.unwrap_or(0);
    if asked > 0 && start == 0 {
        log(&format!(
            "{name}: the client's copy differs; sending it all"
        ));
    }
    match start {
        0 => log(&format!("{name}: sending {}", human(size))),
        _ => log(&format!(
            "{name}: sending {} from {}",
            human(size - start),
            human(start)
        )),
    }
    let reply = Reply {
        body_size: size - start,
        size: Some(size),
        offset: Some(start),
        ..Reply::ok().path(place.shown())
    };
    write_header(&mut conn.writer, &reply)?;
    // From the one open handle: if a put replaces the file meanwhile, this
    // session still sends (and hashes) the file it opened.
    copy_hashed(
        &mut file,
        &mut conn.writer,
        size - start,
        &mut hasher,
        &mut |_| {},
    )?;
    conn.send(&Reply {
        sha256: Some(hex(hasher)),
        ..Reply::ok()
    })?;
    log(&format!("{name}: sent"));
    Ok(None)
}
// ANCHOR_END: get

// ANCHOR: open-for-get
/// Opens the file a `get` asks for and decides where to start: at the client's
/// offset if the file's first bytes hash to the client's `prefix_sha256`, else
/// at 0. Returns the place, the file (positioned there), its size, the start,
/// and the hasher that has read the bytes before it.
fn open_for_get(
    user: &User,
    request: &Request,
) -> Result<(Place, File, u64, u64, Sha256), Refusal> {
    let place = resolve(&user.cwd, field(&request.path, "path")?)?;
    let path = user.home.file(&place)?;
    let mut file = File::open(&path).map_err(server_error)?;
    let size = file.metadata().map_err(server_error)?.len();
    let asked = request.offset.unwrap_or(0);
    if asked > 0 {
        // An offset without its proof is a bad request, even one past the end.
        let prefix = field(&request.prefix_sha256, "prefix_sha256")?;
        if asked <= size
            && let Some(hasher) =
                hash_prefix(&mut file, asked).map_err(server_error)?
            && hex(hasher.clone()) == prefix
        {
            return Ok((place, file, size, asked, hasher));
        }
    }
    // Start over: from the first byte, with a fresh hasher.
    file.seek(SeekFrom::Start(0)).map_err(server_error)?;
    Ok((place, file, size, 0, Sha256::default()))
}
// ANCHOR_END: open-for-get

fn server_error(e: std::io::Error) -> Refusal {
    Refusal::new(Code::ServerError, format!("the server's disk failed: {e}"))
}

// ANCHOR_END: all

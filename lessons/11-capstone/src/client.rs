// ANCHOR: all
//! The client's side: connects, logs in, then reads one command a line (`ls`,
//! `cd`, `put`, `get`…) and prints what came of it. Lesson 8's client, grown:
//! the same `Connection`, the same one-line errors, and now a working folder on
//! the server and transfers that pick up where an interrupted one stopped.
//!
//! Everything the client prints on standard output is the same on every run:
//! no timings, no rates, no prompt when the input is piped. The progress bar
//! and the prompt appear only on a terminal.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, IsTerminal, Read, Write};
use std::io::{Seek, SeekFrom};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lesson_07::frame::{FrameError, read_header, truncated, write_header};
use lesson_08::files::shown;
use sha2::{Digest, Sha256};

use crate::accounts::read_password;
use crate::protocol::{Code, Entry, Kind, Reply, Request, Status, human, short};
use crate::transfer::{copy_hashed, hash_prefix, hex, skip};

/// The client's options.
#[derive(clap::Args, Debug)]
pub struct ClientArgs {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    pub addr: String,
    /// Who to log in as. Without it, the client asks.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// The folder `get` saves files in (and keeps `NAME.part`, an interrupted
    /// download, in). `put FILE` reads FILE as a path from the folder you are in.
    #[arg(long, default_value = ".", value_name = "FOLDER")]
    pub dir: PathBuf,
    /// Refuse a download larger than this.
    #[arg(long, default_value_t = 16 << 30, value_name = "BYTES")]
    pub max_file_size: u64,
}

/// The commands, as `help` (and `client-11 --help`) lists them.
pub const COMMANDS: &str = "\
commands:
  pwd          show the folder you are in on the server
  cd PATH      go to another folder (.. is up, / is your home)
  ls [PATH]    list a folder (this one if no PATH)
  mkdir PATH   make a folder
  rm PATH      remove a file (and its partial upload) or an empty folder
  put FILE     upload FILE into this folder; again to resume one cut short
  get PATH     download PATH into --dir; again to resume one cut short
  help         show this list
  quit         leave (so does the end of the input, Ctrl-D)
";

/// The longest `ls` body the client reads into memory. The server leaves out
/// entries (and says how many) long before its listing gets this big.
const MAX_LISTING: u64 = 16 << 20;

/// How many times a person at a terminal may type a password: the server
/// closes the connection after the third wrong one.
const LOGIN_TRIES: u32 = 3;

// ANCHOR: connection
/// One connection to the server, read and written through buffers. Public, so
/// that tests (the server's too) can play a client one frame at a time.
pub struct Connection {
    pub reader: BufReader<TcpStream>,
    pub writer: BufWriter<TcpStream>,
}

impl Connection {
    /// Takes the stream and makes a second handle on it for the reader, so that
    /// a `Connection` owns its socket and tests pass it around as one value.
    pub fn new(stream: TcpStream) -> io::Result<Connection> {
        Ok(Connection {
            reader: BufReader::new(stream.try_clone()?),
            writer: BufWriter::new(stream),
        })
    }

    /// Sends a header, then `body`, then flushes. The header is sent as it is,
    /// `body_size` included: a test may send a wrong one on purpose.
    pub fn send(&mut self, request: &Request, body: &[u8]) -> io::Result<()> {
        write_header(&mut self.writer, request)?;
        self.writer.write_all(body)?;
        self.writer.flush()
    }

    /// Reads one reply header. The server never ends the stream between
    /// frames while the client waits for one, so the end here is an error. A
    /// reply's body, if any, is left in `reader` for the caller.
    pub fn read_reply(&mut self) -> Result<Reply, FrameError> {
        match read_header::<Reply>(&mut self.reader)? {
            Some(mut reply) => {
                if reply.status == Status::Error && reply.error.is_none() {
                    reply.error = Some("no reason given".into());
                }
                Ok(reply)
            }
            None => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            )
            .into()),
        }
    }

    /// Sends a request that has no body and reads its reply.
    pub fn request(&mut self, request: &Request) -> Result<Reply, FrameError> {
        self.send(request, &[])?;
        self.read_reply()
    }
}
// ANCHOR_END: connection

/// What the client knows of its session: who it is, and the working folder
/// the server keeps for it (shown in the prompt).
struct Session {
    conn: Connection,
    user: String,
    folder: String,
}

/// Why the client stops: the connection or a frame failed, or something
/// happened that the client puts in its own words (the server's, mostly).
#[derive(Debug)]
enum ClientError {
    Frame(FrameError),
    Said(String),
}

impl From<FrameError> for ClientError {
    fn from(error: FrameError) -> ClientError {
        ClientError::Frame(error)
    }
}

impl From<io::Error> for ClientError {
    fn from(error: io::Error) -> ClientError {
        ClientError::Frame(error.into())
    }
}

/// Runs the client: returns its exit code after printing any error in one line.
pub fn run(args: &ClientArgs) -> ExitCode {
    match talk(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", explain(&args.addr, &e));
            ExitCode::FAILURE
        }
    }
}

/// The whole conversation: greeting, login, then one command a line.
fn talk(args: &ClientArgs) -> Result<(), ClientError> {
    let stream = TcpStream::connect(&args.addr)?;
    println!("connected to {}", stream.peer_addr()?);
    let mut conn = Connection::new(stream)?;
    greet(&mut conn)?;
    let mut session = log_in(conn, args)?;
    // A person at a terminal gets a prompt; a piped run prints none, so its
    // output is the same every time. Nor does a run whose output is read line
    // by line (`just lesson 11`): a prompt without its line end would be glued
    // to the next line there.
    let interactive = io::stdin().is_terminal() && io::stdout().is_terminal();
    loop {
        if interactive {
            print!("{}:{}> ", session.user, shown(&session.folder));
            let _ = io::stdout().flush();
        }
        let mut line = String::new();
        let read = io::stdin().read_line(&mut line).map_err(|e| {
            ClientError::Said(format!("cannot read the commands: {e}"))
        })?;
        if read == 0 {
            if interactive {
                println!(); // after Ctrl-D, leave the shell's prompt a clean line
            }
            return Ok(());
        }
        if !command(&mut session, &line, args)? {
            return Ok(());
        }
    }
}

/// Reads the greeting. A full server sends an error instead, and hangs up.
fn greet(conn: &mut Connection) -> Result<(), ClientError> {
    let greeting = conn.read_reply()?;
    if let Some(why) = greeting.error {
        return Err(ClientError::Said(why));
    }
    if greeting.server.as_deref() != Some("capstone") {
        return Err(ClientError::Said(
            "the other side does not greet like a capstone server".into(),
        ));
    }
    Ok(())
}

/// Logs in. The password is read without echo on a terminal; piped, it is the
/// next line of the input. A person at a terminal may try again; a script
/// that gives a wrong password ends at once.
fn log_in(mut conn: Connection, args: &ClientArgs) -> Result<Session, ClientError> {
    let interactive = io::stdin().is_terminal();
    let mut tries = 0;
    loop {
        tries += 1;
        let user = match &args.user {
            Some(user) => user.clone(),
            None => ask_user()?,
        };
        let password =
            read_password(&format!("password for {user}: ")).map_err(|e| {
                ClientError::Said(format!("cannot read a password: {e}"))
            })?;
        let request = Request {
            user: Some(user.clone()),
            password: Some(password),
            ..Request::new("login")
        };
        let reply = conn.request(&request)?;
        if reply.is_ok() {
            let (used, quota) = (reply.used.unwrap_or(0), reply.quota.unwrap_or(0));
            let user = reply.user.unwrap_or(user);
            println!(
                "logged in as {user}; {} of {} used",
                human(used),
                human(quota)
            );
            return Ok(Session {
                conn,
                user,
                folder: reply.path.unwrap_or_else(|| "/".into()),
            });
        }
        let failed = reply.code.as_deref() == Some(Code::LoginFailed.as_str());
        let why = reply.error.unwrap_or_default();
        if !failed || !interactive || tries == LOGIN_TRIES {
            return Err(ClientError::Said(why));
        }
        println!("{why}; try again");
    }
}

/// Asks for a user name: with a prompt on a terminal, silently when piped.
fn ask_user() -> Result<String, ClientError> {
    if io::stdin().is_terminal() {
        if io::stdout().is_terminal() {
            print!("user: ");
            let _ = io::stdout().flush();
        } else {
            println!("user:"); // a whole line, for a reader of lines
        }
    }
    let mut line = String::new();
    match io::stdin().read_line(&mut line) {
        Ok(0) => Err(ClientError::Said(
            "no user name: give --user NAME, or type one".into(),
        )),
        Ok(_) => Ok(line.trim().to_string()),
        Err(e) => Err(ClientError::Said(format!("cannot read a user name: {e}"))),
    }
}

// ANCHOR: commands
/// Carries out one command line. Returns `Ok(false)` to leave. A refusal by
/// the server is printed and the client goes on; only a broken connection (or
/// a server that ends the session) is an error.
fn command(
    session: &mut Session,
    line: &str,
    args: &ClientArgs,
) -> Result<bool, ClientError> {
    // The argument is the rest of the line: names with spaces need no quotes.
    let line = line.trim();
    let (word, arg) = match line.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (line, ""),
    };
    match (word, arg) {
        ("", _) => {}
        ("quit" | "exit", "") => return Ok(false),
        ("pwd", "") => simple(session, "pwd", "")?,
        ("ls", path) => ls(session, path)?,
        ("cd" | "mkdir" | "rm", path) if !path.is_empty() => {
            simple(session, word, path)?
        }
        ("put", file) if !file.is_empty() => put(session, file)?,
        ("get", path) if !path.is_empty() => get(session, path, args)?,
        _ => print!("{COMMANDS}"), // `help`, and anything the client doesn't know
    }
    Ok(true)
}

/// `pwd`, `cd`, `mkdir` and `rm`: one request, one reply, one line.
fn simple(
    session: &mut Session,
    word: &str,
    path: &str,
) -> Result<(), ClientError> {
    let mut request = Request::new(word);
    if !path.is_empty() {
        request = request.path(path);
    }
    let reply = session.conn.request(&request)?;
    let typed = if path.is_empty() {
        word.to_string()
    } else {
        format!("{word} {path}")
    };
    if !reply.is_ok() {
        println!("{typed}: {}", refusal(reply)?);
        return Ok(());
    }
    let at = reply.path.unwrap_or_default();
    match word {
        "pwd" => println!("pwd: {}", shown(&at)),
        "cd" => println!("{typed}: now in {}", shown(&at)),
        "mkdir" => println!("{typed}: made {}", shown(&at)),
        _ => println!("{typed}: removed {}", shown(&at)),
    }
    // The server's working folder changed, or was confirmed: the prompt shows it.
    if word == "cd" || word == "pwd" {
        session.folder = at;
    }
    Ok(())
}
// ANCHOR_END: commands

/// The words of a refusal, for the client to print and go on. After a
/// `timeout` the server has closed the connection: that one ends the client.
fn refusal(reply: Reply) -> Result<String, ClientError> {
    let why = reply.error.unwrap_or_default();
    if reply.code.as_deref() == Some(Code::Timeout.as_str()) {
        return Err(ClientError::Said(why));
    }
    Ok(why)
}

// ANCHOR: ls
/// Lists a folder: one line an entry, then how many and the quota. The
/// listing is the reply's body, a JSON array, read whole into memory.
fn ls(session: &mut Session, path: &str) -> Result<(), ClientError> {
    let mut request = Request::new("ls");
    if !path.is_empty() {
        request = request.path(path);
    }
    let reply = session.conn.request(&request)?;
    let typed = if path.is_empty() {
        "ls".to_string()
    } else {
        format!("ls {path}")
    };
    if !reply.is_ok() {
        println!("{typed}: {}", refusal(reply)?);
        return Ok(());
    }
    let size = reply.body_size;
    if size > MAX_LISTING {
        return Err(FrameError::BodyTooLong {
            size,
            limit: MAX_LISTING,
        }
        .into());
    }
    let mut body = vec![0u8; size as usize];
    session
        .conn
        .reader
        .read_exact(&mut body)
        .map_err(|e| truncated(e, "body", size))?;
    let entries: Vec<Entry> = match serde_json::from_slice(&body) {
        Ok(entries) => entries,
        Err(e) => {
            println!("{typed}: the server's listing is not valid: {e}");
            return Ok(());
        }
    };
    if entries.is_empty() {
        println!("(empty)");
    }
    for entry in &entries {
        println!("{}", entry_line(entry));
    }
    let omitted = reply.omitted.unwrap_or(0);
    if omitted > 0 {
        println!("… and {omitted} more");
    }
    let total = entries.len() as u64 + omitted;
    println!(
        "{total} {} in {}; {} of {} used",
        if total == 1 { "entry" } else { "entries" },
        shown(&reply.path.unwrap_or_default()),
        human(reply.used.unwrap_or(0)),
        human(reply.quota.unwrap_or(0)),
    );
    Ok(())
}

/// One line of a listing: the kind, the size, the name, in columns. A name
/// is shown with any control character escaped, so it stays on its line.
fn entry_line(entry: &Entry) -> String {
    let name = shown(&entry.name);
    let (kind, size, name) = match entry.kind {
        Kind::File => ("file", human(entry.size), name),
        Kind::Folder => ("folder", "-".into(), format!("{name}/")),
        Kind::Partial => (
            "partial",
            human(entry.size),
            format!("{name} (partial upload; put it again to resume)"),
        ),
        Kind::Link => ("link", "-".into(), format!("{name} -> (link)")),
    };
    format!("{kind:<7}{size:>10}  {name}")
}
// ANCHOR_END: ls

// ANCHOR: put
/// Uploads one file into the working folder, under its last part. If the
/// server holds the start of an earlier, interrupted upload of that name, and
/// those bytes are the start of this file too, only the rest is sent.
fn put(session: &mut Session, file: &str) -> Result<(), ClientError> {
    let path = Path::new(file);
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        println!("put {file}: not a file name");
        return Ok(());
    };
    // A local problem is found before anything is asked of the server.
    let opened = File::open(path).and_then(|f| Ok((f.metadata()?, f)));
    let (size, mut local) = match opened {
        Ok((meta, local)) if meta.is_file() => (meta.len(), local),
        Ok(_) => {
            println!("put {file}: not a file");
            return Ok(());
        }
        Err(e) => {
            println!("put {file}: cannot read it: {e}");
            return Ok(());
        }
    };
    let request = Request {
        size: Some(size),
        ..Request::new("put").path(name)
    };
    let reply = session.conn.request(&request)?;
    if !reply.is_ok() {
        println!("put {file}: refused: {}", refusal(reply)?);
        return Ok(());
    }
    // The server offers what it kept of an earlier upload: `held` bytes, and
    // their SHA-256. Hashing our own first `held` bytes tells whether they are
    // the same; the hasher then goes on with the rest, so the file is read once.
    let held = reply.offset.unwrap_or(0);
    let mut same_start = None;
    if held > 0 && held <= size {
        let prefix = hash_prefix(&mut local, held)?;
        same_start = prefix
            .filter(|hasher| Some(hex(hasher.clone())) == reply.prefix_sha256);
    }
    let (start, mut hasher) = match same_start {
        Some(hasher) => {
            println!("put {file}: resuming at {} of {}", human(held), human(size));
            (held, hasher)
        }
        None => {
            if held > 0 {
                println!(
                    "put {file}: the server's partial copy does not match this \
                     file; starting over"
                );
            }
            // `data` from 0 tells the server to drop what it kept.
            local.seek(SeekFrom::Start(0))?;
            (0, Sha256::new())
        }
    };
    let data = Request {
        body_size: size - start,
        offset: Some(start),
        ..Request::new("data")
    };
    let conn = &mut session.conn;
    write_header(&mut conn.writer, &data)?;
    let bar = progress_bar(name, size, start, draw_target());
    let sent = copy_hashed(
        &mut local,
        &mut conn.writer,
        size - start,
        &mut hasher,
        &mut |n| bar.inc(n),
    );
    bar.finish_and_clear();
    if let Err(e) = sent {
        // The server keeps what arrived: the next `put` of this file resumes.
        println!("put {file}: interrupted; put it again to resume");
        return Err(last_words(conn, e));
    }
    // The digest goes after the body: both sides hashed the bytes as they went.
    let digest = hex(hasher);
    let done = Request {
        sha256: Some(digest.clone()),
        ..Request::new("done")
    };
    let reply = conn.request(&done)?;
    if !reply.is_ok() {
        // `damaged`: what arrived differs from what was sent; nothing was saved.
        println!("put {file}: refused: {}", refusal(reply)?);
        return Ok(());
    }
    println!(
        "put {file}: saved as {}, {size} bytes, sha256 {} verified",
        shown(&reply.path.unwrap_or_default()),
        short(&digest)
    );
    Ok(())
}

/// After a body could not be sent: the server may have said why before it
/// hung up (a timeout, say). Our side of the stream is shut first, so a server
/// still waiting for the body sees its end instead of waiting for ever.
fn last_words(conn: &mut Connection, error: FrameError) -> ClientError {
    let stream = conn.writer.get_ref();
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    match conn.read_reply() {
        Ok(Reply {
            error: Some(why), ..
        }) => ClientError::Said(why),
        _ => ClientError::Frame(error),
    }
}
// ANCHOR_END: put

// ANCHOR: get
/// Downloads one file into `--dir`, under its last part. The bytes go into
/// `NAME.part` first, and become `NAME` only once complete and verified. An
/// interrupted download leaves its `.part`: the next `get` sends only the rest.
fn get(
    session: &mut Session,
    path: &str,
    args: &ClientArgs,
) -> Result<(), ClientError> {
    // A name from the server never chooses where on this machine a file goes:
    // only the last part of what was typed is used, inside --dir.
    let Some(name) = Path::new(path).file_name().and_then(|n| n.to_str()) else {
        println!("get {path}: not a file name");
        return Ok(());
    };
    let target = args.dir.join(name);
    let part = args.dir.join(format!("{name}.part"));
    // What an earlier, interrupted get left: its length and its SHA-256 go
    // with the request, and the server sends only the rest if its own file
    // starts with the same bytes.
    let mut request = Request::new("get").path(path);
    let mut held = None;
    if let Ok(mut kept) = File::open(&part)
        && let Ok(len) = kept.metadata().map(|meta| meta.len())
        && len > 0
        && let Some(hasher) = hash_prefix(&mut kept, len)?
    {
        request.offset = Some(len);
        request.prefix_sha256 = Some(hex(hasher.clone()));
        held = Some((len, hasher));
    }
    let reply = session.conn.request(&request)?;
    if !reply.is_ok() {
        println!("get {path}: refused: {}", refusal(reply)?);
        return Ok(());
    }
    let body = reply.body_size;
    let start = reply.offset.unwrap_or(0);
    let size = reply.size.unwrap_or(start.saturating_add(body));
    let kept = held.as_ref().map_or(0, |(len, _)| *len);
    if (start != 0 && start != kept) || start.checked_add(body) != Some(size) {
        return Err(ClientError::Said(format!(
            "the server's reply to get does not add up: {size} bytes, \
             from {start}, {body} sent"
        )));
    }
    // The body is coming whatever we do: a file we will not keep is read and
    // thrown away, to stay in step with the server.
    if size > args.max_file_size {
        skip(&mut session.conn.reader, body)?;
        session.conn.read_reply()?; // the trailer
        println!(
            "get {path}: it is {}, more than --max-file-size ({}); \
             nothing was saved",
            human(size),
            human(args.max_file_size)
        );
        return Ok(());
    }
    let mut hasher = match held {
        Some((len, hasher)) if start == len => {
            println!("get {path}: resuming at {} of {}", human(len), human(size));
            hasher
        }
        Some(_) => {
            println!(
                "get {path}: the copy here does not match the server's file; \
                 starting over"
            );
            Sha256::new()
        }
        None => Sha256::new(),
    };
    // Opened at `start`: what we keep stays, anything after it (a copy that
    // did not match) goes.
    let opened = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&part)
        .and_then(|mut file| {
            file.set_len(start)?;
            file.seek(SeekFrom::Start(start))?;
            Ok(file)
        });
    let mut file = match opened {
        Ok(file) => file,
        Err(e) => {
            skip(&mut session.conn.reader, body)?;
            session.conn.read_reply()?; // the trailer
            println!("get {path}: cannot write {}: {e}", part.display());
            return Ok(());
        }
    };
    // `file` is not buffered: each chunk is in the .part as soon as it has
    // arrived, so a cut connection loses nothing that reached us.
    let bar = progress_bar(name, size, start, draw_target());
    let mut received = 0;
    let copied = copy_hashed(
        &mut session.conn.reader,
        &mut file,
        body,
        &mut hasher,
        &mut |n| {
            received += n;
            bar.inc(n)
        },
    );
    bar.finish_and_clear();
    if let Err(e) = copied {
        // KEEP the .part: it is what the next `get` resumes from.
        println!(
            "get {path}: interrupted after {} of {}; get it again to resume",
            human(start + received),
            human(size)
        );
        return Err(e.into());
    }
    // The trailer: the server's SHA-256 of the whole file, sent after the
    // body because the server hashed it as it sent it.
    let trailer = session.conn.read_reply()?;
    let actual = hex(hasher);
    let expected = trailer.sha256.unwrap_or_default();
    if let Some(why) = trailer.error {
        drop(file);
        let _ = fs::remove_file(&part);
        println!("get {path}: refused: {why}; nothing was saved");
        return Ok(());
    }
    if actual != expected {
        drop(file);
        let _ = fs::remove_file(&part);
        println!(
            "get {path}: the data arrived damaged (sha256 {} instead of {}); \
             nothing was saved",
            short(&actual),
            short(&expected)
        );
        return Ok(());
    }
    // `sync_all` first, so that after a crash the name holds either the old
    // file or the whole new one; the rename replaces it in one step.
    // Shown as typed: `a.txt`, or `downloads/a.txt` with --dir downloads.
    let shown_target = if args.dir == Path::new(".") {
        Path::new(name)
    } else {
        &target
    };
    let saved = file.sync_all().and_then(|()| {
        drop(file); // closed first: Windows cannot rename an open file
        fs::rename(&part, &target)
    });
    if let Err(e) = saved {
        println!("get {path}: cannot save {}: {e}", shown_target.display());
        return Ok(());
    }
    println!(
        "get {path}: saved as {}, {size} bytes, sha256 {} verified",
        shown_target.display(),
        short(&actual)
    );
    Ok(())
}
// ANCHOR_END: get

// ANCHOR: progress
/// A transfer's progress bar: the name, a bar, the bytes done of the whole
/// file, the rate and the time left. A resumed transfer's bar starts at
/// `start`, and says so.
pub fn progress_bar(
    name: &str,
    size: u64,
    start: u64,
    target: ProgressDrawTarget,
) -> ProgressBar {
    // `prefix` is the name, cut to 12 columns; `msg` says where a resumed
    // transfer started. The bar takes what is left of the line, so the whole
    // line fits an 80-column terminal even when resumed.
    let style = ProgressStyle::with_template(
        "{prefix:12!}{msg} [{wide_bar}] {bytes}/{total_bytes} \
         {bytes_per_sec} {eta}",
    )
    .expect("the template is valid")
    .progress_chars("=> ");
    let resumed = if start > 0 {
        format!(" resumed at {}", human(start))
    } else {
        String::new()
    };
    let bar = ProgressBar::with_draw_target(Some(size), target)
        .with_style(style)
        .with_prefix(name.to_string())
        .with_message(resumed)
        .with_position(start);
    // The rate and the time left must count only this run's bytes. A tick
    // shows indicatif the jump from 0 to `start`; resetting its estimate then
    // forgets that jump, which never travelled over this connection.
    bar.tick();
    bar.reset_eta();
    bar
}

/// Where bars are drawn: on standard error when it is a terminal, nowhere
/// otherwise, so piped output and the book's transcripts never hold one.
fn draw_target() -> ProgressDrawTarget {
    if io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}
// ANCHOR_END: progress

/// Turns errors into one line that says what happened.
fn explain(addr: &str, error: &ClientError) -> String {
    let error = match error {
        ClientError::Said(why) => return why.clone(),
        ClientError::Frame(error) => error,
    };
    match error {
        FrameError::Io(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            format!("connection refused by {addr}; is the server running?")
        }
        FrameError::Io(e) if e.kind() == io::ErrorKind::InvalidInput => {
            format!("{addr:?} is not an address like 127.0.0.1:9999")
        }
        FrameError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            e.to_string()
        }
        // Writing to a connection the server has closed (after an idle
        // timeout, say) fails with one of these, depending on timing and system.
        FrameError::Io(e)
            if matches!(
                e.kind(),
                io::ErrorKind::BrokenPipe
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
            ) =>
        {
            format!("the server closed the connection ({e})")
        }
        FrameError::Io(e)
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            format!("{addr} did not answer in time")
        }
        // The stream ended in the middle of a file's bytes, or of a reply.
        FrameError::Truncated { part: "body", .. } => {
            "the server closed the connection in the middle of a transfer".into()
        }
        FrameError::Truncated { .. } => {
            "the server closed the connection in the middle of a reply".into()
        }
        _ => format!("{addr}: {error}"),
    }
}
// ANCHOR_END: all

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::thread::{self, JoinHandle};

    use indicatif::InMemoryTerm;
    use workbook_harness::ScratchDir;

    use super::*;
    use crate::transfer::sha256_of;

    const MIB: u64 = 1 << 20;

    #[test]
    fn a_resumed_bar_shows_where_it_resumed_and_the_bytes() {
        let term = InMemoryTerm::new(2, 120);
        let target = ProgressDrawTarget::term_like(Box::new(term.clone()));
        let bar = progress_bar("big.bin", 10 * MIB, 4 * MIB, target);
        bar.set_position(5 * MIB);
        bar.tick();
        let text = term.contents();
        assert!(text.starts_with("big.bin "), "{text}");
        assert!(text.contains("5.00 MiB/10.00 MiB"), "{text}");
        assert!(text.contains(" resumed at 4.0 MiB ["), "{text}");
    }

    #[test]
    fn a_fresh_bar_does_not_say_resumed() {
        let term = InMemoryTerm::new(2, 120);
        let target = ProgressDrawTarget::term_like(Box::new(term.clone()));
        let bar = progress_bar("small.txt", 2048, 0, target);
        let text = term.contents();
        assert!(text.contains("0 B/2.00 KiB"), "{text}");
        assert!(!text.contains("resumed"), "{text}");
        drop(bar);
    }

    /// The bytes held before a resume never travelled: the rate leaves them out.
    #[test]
    fn the_rate_of_a_resumed_bar_counts_only_this_runs_bytes() {
        let bar = progress_bar(
            "big.bin",
            10 * MIB,
            4 * MIB,
            ProgressDrawTarget::hidden(),
        );
        thread::sleep(Duration::from_millis(20));
        assert_eq!(bar.per_sec(), 0.0);
    }

    #[test]
    fn listing_lines_are_aligned() {
        let entry = |name: &str, kind, size| Entry {
            name: name.into(),
            kind,
            size,
        };
        assert_eq!(
            entry_line(&entry("welcome.txt", Kind::File, 1234)),
            "file      1.2 KiB  welcome.txt"
        );
        assert_eq!(
            entry_line(&entry("tiny", Kind::File, 5)),
            "file          5 B  tiny"
        );
        assert_eq!(
            entry_line(&entry("docs", Kind::Folder, 0)),
            "folder          -  docs/"
        );
        assert_eq!(
            entry_line(&entry("big.bin", Kind::Partial, 4 * MIB)),
            "partial   4.0 MiB  big.bin (partial upload; put it again to resume)"
        );
        assert_eq!(
            entry_line(&entry("name", Kind::Link, 0)),
            "link            -  name -> (link)"
        );
        assert_eq!(
            entry_line(&entry("two\nlines", Kind::File, 0)),
            "file          0 B  two\\nlines"
        );
    }

    /// The server's end of a connection, played by a test thread.
    struct Peer {
        reader: BufReader<TcpStream>,
        writer: BufWriter<TcpStream>,
    }

    impl Peer {
        fn request(&mut self) -> Request {
            read_header(&mut self.reader).unwrap().expect("a request")
        }
        fn reply(&mut self, reply: &Reply, body: &[u8]) {
            write_header(&mut self.writer, reply).unwrap();
            self.writer.write_all(body).unwrap();
            self.writer.flush().unwrap();
        }
        fn body(&mut self, size: u64) -> Vec<u8> {
            let mut body = vec![0; size as usize];
            self.reader.read_exact(&mut body).unwrap();
            body
        }
    }

    /// A fake server on a free port that plays `script` with one client; and
    /// a session connected to it, logged in as `demo` in `/`.
    fn fake<T: Send + 'static>(
        script: impl FnOnce(&mut Peer) -> T + Send + 'static,
    ) -> (Session, JoinHandle<T>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut peer = Peer {
                reader: BufReader::new(stream.try_clone().unwrap()),
                writer: BufWriter::new(stream),
            };
            script(&mut peer)
        });
        let conn = Connection::new(TcpStream::connect(addr).unwrap()).unwrap();
        let session = Session {
            conn,
            user: "demo".into(),
            folder: "/".into(),
        };
        (session, server)
    }

    fn args(dir: &Path) -> ClientArgs {
        ClientArgs {
            addr: "127.0.0.1:9999".into(),
            user: None,
            dir: dir.to_path_buf(),
            max_file_size: 16 << 30,
        }
    }

    /// Some bytes that differ from chunk to chunk.
    fn content(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    fn ok() -> Reply {
        Reply::ok()
    }

    /// Plays the server's side of a put: offers `held` bytes (with `prefix`
    /// as their digest), then receives `data` and `done`. Returns the data
    /// offset and body received, and the digest `done` carried.
    fn put_server(
        held: u64,
        prefix: Option<String>,
    ) -> impl FnOnce(&mut Peer) -> (Request, u64, Vec<u8>, String) + Send + 'static
    {
        move |peer| {
            let put = peer.request();
            peer.reply(
                &Reply {
                    offset: Some(held),
                    prefix_sha256: prefix,
                    ..ok().path("/a.bin")
                },
                &[],
            );
            let data = peer.request();
            assert_eq!(data.command, "data");
            let body = peer.body(data.body_size);
            let done = peer.request();
            assert_eq!(done.command, "done");
            let digest = done.sha256.clone().unwrap();
            peer.reply(
                &Reply {
                    size: put.size,
                    sha256: Some(digest.clone()),
                    ..ok().path("/a.bin")
                },
                &[],
            );
            (put, data.offset.unwrap(), body, digest)
        }
    }

    #[test]
    fn put_sends_the_whole_file_then_its_digest() {
        let dir = ScratchDir::new("client-put");
        let bytes = content(200_000);
        let file = dir.path().join("a.bin");
        fs::write(&file, &bytes).unwrap();
        let (mut session, server) = fake(put_server(0, None));
        put(&mut session, file.to_str().unwrap()).unwrap();
        let (put, offset, body, digest) = server.join().unwrap();
        assert_eq!(put.path.as_deref(), Some("a.bin"));
        assert_eq!(put.size, Some(200_000));
        assert_eq!(offset, 0);
        assert!(body == bytes);
        assert_eq!(digest, sha256_of(&bytes));
    }

    #[test]
    fn put_resumes_when_the_servers_bytes_match() {
        let dir = ScratchDir::new("client-put-resume");
        let bytes = content(200_000);
        let file = dir.path().join("a.bin");
        fs::write(&file, &bytes).unwrap();
        let prefix = sha256_of(&bytes[..70_000]);
        let (mut session, server) = fake(put_server(70_000, Some(prefix)));
        put(&mut session, file.to_str().unwrap()).unwrap();
        let (_, offset, body, digest) = server.join().unwrap();
        assert_eq!(offset, 70_000);
        assert!(body == bytes[70_000..]);
        assert_eq!(digest, sha256_of(&bytes), "the digest is of the whole file");
    }

    #[test]
    fn put_starts_over_when_the_servers_bytes_differ() {
        let dir = ScratchDir::new("client-put-over");
        let bytes = content(200_000);
        let file = dir.path().join("a.bin");
        fs::write(&file, &bytes).unwrap();
        let prefix = sha256_of(&[0u8; 70_000]);
        let (mut session, server) = fake(put_server(70_000, Some(prefix)));
        put(&mut session, file.to_str().unwrap()).unwrap();
        let (_, offset, body, digest) = server.join().unwrap();
        assert_eq!(offset, 0);
        assert!(body == bytes);
        assert_eq!(digest, sha256_of(&bytes));
    }

    #[test]
    fn put_starts_over_when_the_server_holds_more_than_the_file() {
        let dir = ScratchDir::new("client-put-longer");
        let bytes = content(1000);
        let file = dir.path().join("a.bin");
        fs::write(&file, &bytes).unwrap();
        let prefix = sha256_of(&content(5000));
        let (mut session, server) = fake(put_server(5000, Some(prefix)));
        put(&mut session, file.to_str().unwrap()).unwrap();
        let (_, offset, body, _) = server.join().unwrap();
        assert_eq!(offset, 0);
        assert!(body == bytes);
    }

    #[test]
    fn put_of_a_missing_file_sends_nothing() {
        let dir = ScratchDir::new("client-put-missing");
        let (mut session, server) = fake(|peer| {
            // The next request is the one after the failed put.
            peer.request().command
        });
        let missing = dir.path().join("missing.bin");
        put(&mut session, missing.to_str().unwrap()).unwrap();
        simple(&mut session, "pwd", "").ok();
        assert_eq!(server.join().unwrap(), "pwd");
    }

    /// A server that gives up in the middle of an upload says why before it
    /// hangs up; the client ends with those words.
    #[test]
    fn a_put_cut_by_the_server_ends_with_its_reason() {
        let dir = ScratchDir::new("client-put-cut");
        let file = dir.path().join("big.bin");
        fs::write(&file, content(32 << 20)).unwrap();
        let (mut session, server) = fake(|peer| {
            peer.request();
            peer.reply(&ok().path("/big.bin"), &[]);
            peer.request();
            peer.body(100_000);
            let timeout = Reply {
                status: Status::Error,
                code: Some("timeout".into()),
                error: Some("nothing arrived for 1 s".into()),
                ..Reply::default()
            };
            peer.reply(&timeout, &[]);
            // Dropped: the connection closes with the body still coming.
        });
        let result = put(&mut session, file.to_str().unwrap());
        server.join().unwrap();
        let Err(error) = result else {
            panic!("a cut put is an error")
        };
        assert_eq!(explain("x", &error), "nothing arrived for 1 s");
    }

    /// Plays the server's side of a get of `file`: checks the client's offer
    /// against the file's start, sends the rest and a trailer with `digest`.
    fn get_server(
        file: Vec<u8>,
        digest: String,
    ) -> impl FnOnce(&mut Peer) -> Request + Send + 'static {
        move |peer| {
            let get = peer.request();
            let offered = get.offset.unwrap_or(0) as usize;
            let matches = offered <= file.len()
                && get.prefix_sha256.as_deref()
                    == Some(sha256_of(&file[..offered]).as_str());
            let start = if matches { offered } else { 0 };
            let reply = Reply {
                body_size: (file.len() - start) as u64,
                size: Some(file.len() as u64),
                offset: Some(start as u64),
                ..ok().path("/a.bin")
            };
            peer.reply(&reply, &file[start..]);
            let trailer = Reply {
                sha256: Some(digest),
                ..ok()
            };
            peer.reply(&trailer, &[]);
            get
        }
    }

    #[test]
    fn get_saves_a_verified_file_and_no_part() {
        let dir = ScratchDir::new("client-get");
        let bytes = content(150_000);
        let server = get_server(bytes.clone(), sha256_of(&bytes));
        let (mut session, server) = fake(server);
        get(&mut session, "docs/a.bin", &args(dir.path())).unwrap();
        let request = server.join().unwrap();
        assert_eq!(request.path.as_deref(), Some("docs/a.bin"));
        assert_eq!(request.offset, None);
        assert!(fs::read(dir.path().join("a.bin")).unwrap() == bytes);
        assert!(!dir.path().join("a.bin.part").exists());
    }

    #[test]
    fn get_resumes_from_a_matching_part() {
        let dir = ScratchDir::new("client-get-resume");
        let bytes = content(150_000);
        fs::write(dir.path().join("a.bin.part"), &bytes[..60_000]).unwrap();
        let server = get_server(bytes.clone(), sha256_of(&bytes));
        let (mut session, server) = fake(server);
        get(&mut session, "a.bin", &args(dir.path())).unwrap();
        let request = server.join().unwrap();
        assert_eq!(request.offset, Some(60_000));
        assert!(fs::read(dir.path().join("a.bin")).unwrap() == bytes);
        assert!(!dir.path().join("a.bin.part").exists());
    }

    #[test]
    fn get_starts_over_when_the_part_does_not_match() {
        let dir = ScratchDir::new("client-get-over");
        let bytes = content(150_000);
        fs::write(dir.path().join("a.bin.part"), vec![1u8; 90_000]).unwrap();
        let server = get_server(bytes.clone(), sha256_of(&bytes));
        let (mut session, server) = fake(server);
        get(&mut session, "a.bin", &args(dir.path())).unwrap();
        assert_eq!(server.join().unwrap().offset, Some(90_000));
        assert!(fs::read(dir.path().join("a.bin")).unwrap() == bytes);
    }

    #[test]
    fn a_damaged_get_saves_nothing() {
        let dir = ScratchDir::new("client-get-damaged");
        let bytes = content(1000);
        let server = get_server(bytes, sha256_of(b"something else"));
        let (mut session, server) = fake(server);
        get(&mut session, "a.bin", &args(dir.path())).unwrap();
        server.join().unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_interrupted_get_keeps_its_part() {
        let dir = ScratchDir::new("client-get-cut");
        let bytes = content(150_000);
        let sent = bytes[..100_000].to_vec();
        let (mut session, server) = fake(move |peer| {
            peer.request();
            let reply = Reply {
                body_size: 150_000,
                size: Some(150_000),
                offset: Some(0),
                ..ok()
            };
            peer.reply(&reply, &sent); // then hangs up, a third short
        });
        let result = get(&mut session, "a.bin", &args(dir.path()));
        server.join().unwrap();
        let Err(error) = result else {
            panic!("a cut get is an error")
        };
        assert_eq!(
            explain("127.0.0.1:9999", &error),
            "the server closed the connection in the middle of a transfer"
        );
        let part = fs::read(dir.path().join("a.bin.part")).unwrap();
        assert!(part == bytes[..100_000]);
        assert!(!dir.path().join("a.bin").exists());
    }

    #[test]
    fn a_get_above_the_limit_is_skipped_and_the_client_stays_in_step() {
        let dir = ScratchDir::new("client-get-big");
        let bytes = content(5000);
        let server = get_server(bytes.clone(), sha256_of(&bytes));
        let (mut session, server) = fake(move |peer| {
            server(peer);
            peer.request(); // the next command arrives as a frame of its own
            peer.reply(&ok().path("/"), &[]);
        });
        let args = ClientArgs {
            max_file_size: 4000,
            ..args(dir.path())
        };
        get(&mut session, "a.bin", &args).unwrap();
        simple(&mut session, "pwd", "").unwrap();
        server.join().unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_refused_get_leaves_the_part_alone() {
        let dir = ScratchDir::new("client-get-refused");
        fs::write(dir.path().join("a.bin.part"), b"kept").unwrap();
        let (mut session, server) = fake(|peer| {
            peer.request();
            let refusal = Reply {
                status: Status::Error,
                code: Some("not-found".into()),
                error: Some("no such file".into()),
                ..Reply::default()
            };
            peer.reply(&refusal, &[]);
        });
        get(&mut session, "a.bin", &args(dir.path())).unwrap();
        server.join().unwrap();
        assert_eq!(fs::read(dir.path().join("a.bin.part")).unwrap(), b"kept");
    }

    #[test]
    fn cd_moves_the_prompts_folder() {
        let (mut session, server) = fake(|peer| {
            let cd = peer.request();
            peer.reply(&ok().path("/docs"), &[]);
            cd
        });
        simple(&mut session, "cd", "docs").unwrap();
        assert_eq!(server.join().unwrap().path.as_deref(), Some("docs"));
        assert_eq!(session.folder, "/docs");
    }

    #[test]
    fn a_timeout_reply_ends_the_client_with_the_servers_words() {
        let (mut session, server) = fake(|peer| {
            peer.request();
            let timeout = Reply {
                status: Status::Error,
                code: Some("timeout".into()),
                error: Some("no request for 300 seconds".into()),
                ..Reply::default()
            };
            peer.reply(&timeout, &[]);
        });
        let Err(error) = simple(&mut session, "pwd", "") else {
            panic!("a timeout ends the client")
        };
        server.join().unwrap();
        assert_eq!(explain("x", &error), "no request for 300 seconds");
    }

    #[test]
    fn a_full_servers_greeting_is_its_words() {
        let (mut session, server) = fake(|peer| {
            let full = Reply {
                status: Status::Error,
                code: Some("full".into()),
                error: Some(
                    "the server is full (10 sessions); try again later".into(),
                ),
                ..Reply::default()
            };
            peer.reply(&full, &[]);
        });
        let Err(error) = greet(&mut session.conn) else {
            panic!("a full server's greeting is an error")
        };
        server.join().unwrap();
        assert_eq!(
            explain("x", &error),
            "the server is full (10 sessions); try again later"
        );
    }

    #[test]
    fn read_reply_names_an_end_and_a_silent_refusal() {
        let (mut session, server) = fake(|peer| {
            let silent = Reply {
                status: Status::Error,
                ..Reply::default()
            };
            peer.reply(&silent, &[]);
        });
        let reply = session.conn.read_reply().unwrap();
        assert_eq!(reply.error.as_deref(), Some("no reason given"));
        server.join().unwrap();
        let Err(FrameError::Io(e)) = session.conn.read_reply() else {
            panic!("the end of the stream is an error")
        };
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(e.to_string(), "the server closed the connection");
    }
}

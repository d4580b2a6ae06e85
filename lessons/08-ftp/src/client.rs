// ANCHOR: all
//! The client's side: reads `put FILE` and `get NAME` lines, one transfer at a
//! time. Lesson 8's and lesson 9's clients are this code.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use lesson_07::frame::{FrameError, read_header, write_header};

use crate::files::PartFile;
use crate::protocol::{Reply, Request, Status, short};
use crate::transfer::{copy_body, sha256_of_file, skip_body};

/// The client's options (lessons 8 and 9 share them).
#[derive(clap::Args, Debug)]
pub struct ClientArgs {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    pub addr: String,
    /// The folder `get` saves files in. `put FILE` reads FILE as a path from the
    /// folder you are in.
    #[arg(long, default_value = ".", value_name = "FOLDER")]
    pub dir: PathBuf,
    /// Refuse a download larger than this.
    #[arg(long, default_value_t = 16 << 30, value_name = "BYTES")]
    pub max_file_size: u64,
}

/// One connection to the server, read and written through buffers. Public, so
/// that tests (and lesson 9's) can play a client one frame at a time.
pub struct Connection {
    pub reader: BufReader<TcpStream>,
    pub writer: BufWriter<TcpStream>,
}

impl Connection {
    /// Takes the stream and makes a second handle on it for the reader, so that a
    /// `Connection` owns its socket: tests and lesson 9 pass it around as one
    /// value, with no stream to keep alive beside it.
    pub fn new(stream: TcpStream) -> io::Result<Connection> {
        Ok(Connection {
            reader: BufReader::new(stream.try_clone()?),
            writer: BufWriter::new(stream),
        })
    }

    /// Sends a request header and a body that fits in memory.
    pub fn send(&mut self, request: &Request, body: &[u8]) -> io::Result<()> {
        write_header(&mut self.writer, request)?;
        self.writer.write_all(body)?;
        self.writer.flush()
    }

    /// Reads the server's reply header; the end of the stream here is an error.
    pub fn read_reply(&mut self) -> Result<Reply, FrameError> {
        match read_header::<Reply>(&mut self.reader)? {
            Some(reply)
                if reply.status == Status::Error && reply.error.is_none() =>
            {
                Ok(Reply::error("no reason given"))
            }
            Some(reply) => Ok(reply),
            None => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            )
            .into()),
        }
    }
}

/// Why the client stops: the connection or a frame failed, or the server refused
/// something the client cannot go on without.
enum ClientError {
    Frame(FrameError),
    Refused(String),
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

// ANCHOR: commands
fn talk(args: &ClientArgs) -> Result<(), ClientError> {
    let stream = TcpStream::connect(&args.addr)?;
    println!("connected to {}", stream.peer_addr()?);
    let mut conn = Connection::new(stream)?;
    for line in io::stdin().lock().lines() {
        let line = line?;
        match line.trim().split_once(' ') {
            Some(("put", path)) => put(&mut conn, Path::new(path.trim()))?,
            Some(("get", name)) => get(&mut conn, name.trim(), args)?,
            _ if line.trim().is_empty() => {}
            _ => println!("commands: put FILE, get NAME"),
        }
    }
    Ok(())
}
// ANCHOR_END: commands

// ANCHOR: put
/// Uploads one file. A local problem (no such file) or a refusal by the server
/// is printed and the client goes on; a broken connection ends it.
fn put(conn: &mut Connection, path: &Path) -> Result<(), ClientError> {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        println!("put {}: not a file name", path.display());
        return Ok(());
    };
    // The digest goes in the header, so the file is read once to hash it and
    // once to send it.
    let opened = File::open(path).and_then(|file| {
        let size = file.metadata()?.len();
        Ok((file, size, sha256_of_file(path)?))
    });
    let (mut file, size, digest) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            println!("put {}: cannot read it: {e}", path.display());
            return Ok(());
        }
    };
    let request = Request {
        body_size: size,
        command: "put".into(),
        name: name.into(),
        sha256: Some(digest.clone()),
    };
    write_header(&mut conn.writer, &request)?;
    let bar = progress_bar(size, name);
    let sent = copy_body(&mut file, &mut conn.writer, size, &mut |n| bar.inc(n));
    bar.finish_and_clear();
    // If sending failed, the server may have said why before it hung up.
    let reply = conn.read_reply();
    if let Err(e) = sent {
        return Err(match reply {
            Ok(Reply {
                error: Some(why), ..
            }) => ClientError::Refused(why),
            _ => ClientError::Frame(e),
        });
    }
    match reply?.error {
        None => println!(
            "put {name}: saved on the server, {size} bytes, sha256 {}",
            short(&digest)
        ),
        Some(why) => println!("put {name}: the server refused: {why}"),
    }
    Ok(())
}
// ANCHOR_END: put

// ANCHOR: get
/// Downloads one file into `--dir`. It is written under a temporary name and
/// renamed only when complete and its SHA-256 matches the server's.
fn get(
    conn: &mut Connection,
    name: &str,
    args: &ClientArgs,
) -> Result<(), ClientError> {
    // Saved under the last part of the name, inside --dir: a name from the
    // server never chooses where on this machine a file goes.
    let Some(file_name) = Path::new(name).file_name() else {
        println!("get {name}: not a file name");
        return Ok(());
    };
    let target = args.dir.join(file_name);
    let request = Request {
        command: "get".into(),
        name: name.into(),
        ..Request::default()
    };
    write_header(&mut conn.writer, &request)?;
    conn.writer.flush()?;
    let reply = conn.read_reply()?;
    if let Some(why) = reply.error {
        println!("get {name}: the server refused: {why}");
        return Ok(());
    }
    let size = reply.body_size;
    if size > args.max_file_size {
        let limit = args.max_file_size;
        return Err(FrameError::BodyTooLong { size, limit }.into());
    }
    let expected = reply.sha256.unwrap_or_default();
    let mut part = match PartFile::create(&target) {
        Ok(part) => part,
        Err(e) => {
            skip_body(&mut conn.reader, size)?; // stay in step with the server
            println!("get {name}: cannot write {}: {e}", target.display());
            return Ok(());
        }
    };
    let bar = progress_bar(size, name);
    let actual = copy_body(&mut conn.reader, &mut part, size, &mut |n| bar.inc(n));
    bar.finish_and_clear();
    let actual = actual?;
    if actual != expected {
        // `part` is dropped here, and deletes itself.
        println!(
            "get {name}: the data arrived damaged (sha256 {} instead of {}); \
             nothing was saved",
            short(&actual),
            short(&expected)
        );
        return Ok(());
    }
    part.commit()?;
    // Shown as typed: `hello.txt`, or `downloads/hello.txt` with --dir downloads.
    let shown = if args.dir == Path::new(".") {
        PathBuf::from(file_name)
    } else {
        target
    };
    println!(
        "get {name}: saved as {}, {size} bytes, sha256 {} verified",
        shown.display(),
        short(&actual)
    );
    Ok(())
}
// ANCHOR_END: get

/// A progress bar on stderr. indicatif draws nothing when stderr is not a
/// terminal, so piped output and the book's transcripts have no bar in them.
fn progress_bar(size: u64, name: &str) -> ProgressBar {
    let style = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
    )
    .expect("the template is valid")
    .progress_chars("=> ");
    ProgressBar::new(size)
        .with_style(style)
        .with_message(name.to_string())
}

/// Turns errors into one line that says what happened.
fn explain(addr: &str, error: &ClientError) -> String {
    let error = match error {
        ClientError::Refused(why) => return format!("the server refused: {why}"),
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
        _ => format!("{addr}: {error}"),
    }
}
// ANCHOR_END: all

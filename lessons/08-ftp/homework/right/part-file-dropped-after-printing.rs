//! A correct solution written differently: lesson 8's `PartFile`, which removes the temporary file when dropped, after the line is printed.

use std::fs::File;
use std::io::{self, BufRead, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use lesson_07::frame::{FrameError, write_header};
use lesson_08::client::Connection;
use lesson_08::files::PartFile;
use lesson_08::protocol::{Request, short};
use lesson_08::transfer::{copy_body, sha256_of_file, skip_body};

/// Homework 8: `put FILE` uploads, `get NAME` downloads into --dir.
#[derive(Parser)]
#[command(name = "homework-08")]
struct Args {
    /// Address of the server.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// The folder `get` saves files in.
    #[arg(long, default_value = ".", value_name = "FOLDER")]
    dir: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match talk(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn talk(args: &Args) -> Result<(), FrameError> {
    let stream = TcpStream::connect(&args.addr)?;
    println!("connected to {}", stream.peer_addr()?);
    let mut conn = Connection::new(stream)?;
    for line in io::stdin().lock().lines() {
        let line = line?;
        match line.trim().split_once(' ') {
            Some(("put", path)) => put(&mut conn, Path::new(path.trim()))?,
            Some(("get", name)) => get(&mut conn, name.trim(), &args.dir)?,
            _ if line.trim().is_empty() => {}
            _ => println!("commands: put FILE, get NAME"),
        }
    }
    Ok(())
}

/// Uploads one file (done for you: read it as an example).
fn put(conn: &mut Connection, path: &Path) -> Result<(), FrameError> {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        println!("put {}: not a file name", path.display());
        return Ok(());
    };
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
    copy_body(&mut file, &mut conn.writer, size, &mut |_| {})?;
    match conn.read_reply()?.error {
        None => {
            println!("put {name}: saved on the server, sha256 {}", short(&digest))
        }
        Some(why) => println!("put {name}: the server refused: {why}"),
    }
    Ok(())
}

/// Downloads NAME into `dir`. Yours to write.
fn get(conn: &mut Connection, name: &str, dir: &Path) -> Result<(), FrameError> {
    let Some(file_name) = Path::new(name).file_name() else {
        println!("get {name}: not a file name");
        return Ok(());
    };
    let target = dir.join(file_name);
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
    let expected = reply.sha256.unwrap_or_default();

    // Lesson 8's PartFile: a temporary file beside the target, removed when
    // dropped unless committed.
    let mut part = match PartFile::create(&target) {
        Ok(part) => part,
        Err(e) => {
            skip_body(&mut conn.reader, size)?; // stay in step with the server
            println!("get {name}: cannot write beside {}: {e}", target.display());
            return Ok(());
        }
    };
    // A cut-off download returns here with `?`: dropping `part` removes it.
    let actual = copy_body(&mut conn.reader, &mut part, size, &mut |_| {})?;
    if actual != expected {
        // Printed first; `part` is dropped, and removed, when we return.
        println!(
            "get {name}: the data arrived damaged (sha256 {} instead of {}); nothing was saved",
            short(&actual),
            short(&expected)
        );
        return Ok(());
    }
    part.commit()?;
    println!("get {name}: saved as {}, {size} bytes", target.display());
    Ok(())
}

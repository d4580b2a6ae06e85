//! Writes straight into the target file instead of a temporary one, so a damaged or cut-off download destroys the older file.

use std::fs::{self, File};
use std::io::{self, BufRead, BufWriter, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use lesson_07::frame::{FrameError, write_header};
use lesson_08::client::Connection;
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

    // A hidden name beside the target: the rename stays within one folder.
    let temp = target.clone();
    let file = match File::create(&temp) {
        Ok(file) => file,
        Err(e) => {
            skip_body(&mut conn.reader, size)?; // stay in step with the server
            println!("get {name}: cannot write {}: {e}", temp.display());
            return Ok(());
        }
    };
    let mut out = BufWriter::new(file);
    let copied = copy_body(&mut conn.reader, &mut out, size, &mut |_| {});
    let finished = copied.and_then(|actual| {
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(actual)
    });
    let actual = match finished {
        Ok(actual) => actual,
        Err(e) => {
            let _ = fs::remove_file(&temp); // a cut-off download leaves nothing
            return Err(e);
        }
    };
    if actual != expected {
        let _ = fs::remove_file(&temp);
        println!(
            "get {name}: the data arrived damaged (sha256 {} instead of {}); nothing was saved",
            short(&actual),
            short(&expected)
        );
        return Ok(());
    }
    fs::rename(&temp, &target)?;
    println!("get {name}: saved as {}, {size} bytes", target.display());
    Ok(())
}

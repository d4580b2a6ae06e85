// ANCHOR: all
//! The server's side of the conversation: one client's requests, one at a time,
//! until the client leaves. Lesson 8's server calls it for each client in turn;
//! lesson 9's runs it for several clients at once, unchanged.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use lesson_07::frame::{FrameError, read_header, write_header};
use lesson_07::timed::TimedStream;

use crate::files::{PartFile, Root, shown};
use crate::protocol::{Reply, Request, short};
use crate::transfer::{copy_body, sha256_of_open, skip_body};

/// What the server needs for every conversation.
#[derive(Debug, Clone)]
pub struct Settings {
    pub root: Root,
    /// The largest upload accepted. Larger puts are refused before any byte is
    /// written, and the connection is closed (their body is not worth reading).
    pub max_file_size: u64,
    /// A client that sends nothing, or reads nothing, for this long is cut off,
    /// even mid-file; and a request's header must arrive whole within it.
    pub idle_timeout: Duration,
}

// ANCHOR: conversation
/// Answers requests until the client closes the connection (`Ok`) or breaks the
/// protocol or the connection (`Err`). Each event is reported through `log`.
pub fn conversation(
    stream: TcpStream,
    settings: &Settings,
    log: &dyn Fn(&str),
) -> Result<(), FrameError> {
    let idle = settings.idle_timeout;
    // A peer that neither sends nor reads for `idle` is cut off, mid-file too.
    let stream = TimedStream::new(stream, idle)?;
    // Two handles on one connection: a clone, not two borrows, because the
    // reader's handle carries its own deadline for a request's header.
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = BufWriter::new(stream);
    loop {
        // A request's header must arrive whole within `idle`: a peer that drips
        // one byte at a time cannot hold the connection (and, on a server that
        // serves one client at a time, everyone else) forever.
        reader.get_mut().set_deadline(idle);
        let request = read_header::<Request>(&mut reader);
        reader.get_mut().clear_deadline();
        let request = match request {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()), // the client closed: a clean end
            Err(e) => {
                send_reply(&mut writer, &Reply::error(e.to_string()))?;
                return Err(e);
            }
        };
        if request.body_size > settings.max_file_size {
            // Too big to read, even to throw away: refuse and hang up.
            let e = FrameError::BodyTooLong {
                size: request.body_size,
                limit: settings.max_file_size,
            };
            send_reply(&mut writer, &Reply::error(e.to_string()))?;
            return Err(e);
        }
        // `None`: the reply has been sent already (a get sends a file after it).
        let reply = match request.command.as_str() {
            "put" => Some(put(&mut reader, &request, settings, log)?),
            "get" => {
                skip_body(&mut reader, request.body_size)?; // a get has none
                get(&mut writer, &request, settings, log)?
            }
            other => {
                skip_body(&mut reader, request.body_size)?;
                Some(Reply::error(format!("unknown command {other:?}")))
            }
        };
        if let Some(reply) = reply {
            if let Some(error) = &reply.error {
                // Shown escaped: a name (or command) with a newline in it
                // cannot add a line of its own to the log.
                log(&format!(
                    "refused {} {}: {error}",
                    shown(&request.command),
                    shown(&request.name)
                ));
            }
            send_reply(&mut writer, &reply)?;
        }
    }
}
// ANCHOR_END: conversation

fn send_reply(writer: &mut impl Write, reply: &Reply) -> Result<(), FrameError> {
    write_header(writer, reply)?;
    writer.flush()?;
    Ok(())
}

// ANCHOR: put
/// Receives an upload. A refusal that comes before the body still reads the body
/// (and throws it away), so that the next request starts where it should.
fn put(
    reader: &mut impl Read,
    request: &Request,
    settings: &Settings,
    log: &dyn Fn(&str),
) -> Result<Reply, FrameError> {
    let size = request.body_size;
    let Some(expected) = request.sha256.clone() else {
        skip_body(reader, size)?;
        return Ok(Reply::error("a put needs the file's sha256"));
    };
    let target = match settings.root.resolve(&request.name) {
        Ok(target) => target,
        Err(reason) => {
            skip_body(reader, size)?;
            return Ok(Reply::error(reason));
        }
    };
    let name = shown(&request.name);
    log(&format!("put {name}: receiving {size} bytes"));
    let mut part = match PartFile::create(&target) {
        Ok(part) => part,
        Err(e) => {
            skip_body(reader, size)?;
            return Ok(Reply::error(e.to_string()));
        }
    };
    // An error here (the client vanished, a read timed out) drops `part`, which
    // deletes it: nothing appears under the real name.
    let actual = copy_body(reader, &mut part, size, &mut |_| {})?;
    if actual != expected {
        return Ok(Reply::error(format!(
            "the data arrived damaged (sha256 {} instead of {}); nothing was saved",
            short(&actual),
            short(&expected)
        )));
    }
    if let Err(e) = part.commit() {
        return Ok(Reply::error(format!("cannot save it: {e}")));
    }
    log(&format!("put {name}: saved, sha256 {}", short(&actual)));
    Ok(Reply::default())
}
// ANCHOR_END: put

// ANCHOR: get
/// Sends a file: the reply header with its size and digest, then its bytes.
/// Returns the refusal to send instead, if there is one.
fn get(
    writer: &mut impl Write,
    request: &Request,
    settings: &Settings,
    log: &dyn Fn(&str),
) -> Result<Option<Reply>, FrameError> {
    let path = match settings.root.resolve_existing(&request.name) {
        Ok(path) => path,
        Err(reason) => return Ok(Some(Reply::error(reason))),
    };
    // The digest goes in the header, before the body: the file is read twice,
    // through one open handle. A put of the same name on another thread (lesson
    // 9) renames a new file into place; opening the name again here could hash
    // the new file and then send the old one.
    let opened = File::open(&path).and_then(|mut file| {
        let size = file.metadata()?.len();
        let digest = sha256_of_open(&mut file)?;
        Ok((file, size, digest))
    });
    let (mut file, size, digest) = match opened {
        Ok(opened) => opened,
        Err(e) => return Ok(Some(Reply::error(e.to_string()))),
    };
    let name = shown(&request.name);
    log(&format!("get {name}: sending {size} bytes"));
    let reply = Reply {
        body_size: size,
        sha256: Some(digest),
        ..Reply::default()
    };
    write_header(writer, &reply)?;
    // If the file shrank since, the body falls short of `size`: an error that
    // ends the connection, as the frame cannot be finished honestly.
    copy_body(&mut file, writer, size, &mut |_| {})?;
    log(&format!("get {name}: sent"));
    Ok(None)
}
// ANCHOR_END: get
// ANCHOR_END: all

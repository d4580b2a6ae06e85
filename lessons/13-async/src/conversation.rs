// ANCHOR: all
//! One client's conversation as a task: lesson 8's `conversation` again, read
//! top to bottom, with `.await` where lesson 8 blocked.
//!
//! Lesson 12 had to cut this conversation into a `State` enum and a `turn`
//! that starts from the top on every event, because one thread served
//! everyone and no conversation could keep the stack. Here each client has a
//! task, and an `async fn` keeps its place at every `.await`: the compiler
//! turns this function into a state machine like lesson 12's, and the
//! runtime gives it a turn when its socket is ready.

use std::fs::File;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::StreamExt;
use lesson_07::frame::{FrameError, write_header};
use lesson_08::files::{PartFile, shown};
use lesson_08::protocol::{Reply, Request, short};
use lesson_08::server::Settings;
use lesson_08::transfer::CHUNK;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::time::timeout;
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use crate::blocking::{hex, off_the_runtime, sha256_off_the_runtime};
use crate::codec::{FrameCodec, Piece};

/// How a conversation ended, when nothing went wrong.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// The client closed the connection between requests.
    Left,
    /// The server is stopping, and this client was between requests.
    Stopped,
}

// ANCHOR: client
/// One client's connection: its requests as frames, its replies through a
/// buffer, and what every request needs.
struct Client<'a> {
    /// The read half, framed: a buffer that keeps every byte read until it is
    /// part of a complete piece, however the reading was interrupted.
    requests: FramedRead<OwnedReadHalf, FrameCodec<Request>>,
    /// The write half, through a buffer of one chunk: a reply's header and a
    /// small file go out in one write, and `flush` ends each reply.
    replies: BufWriter<OwnedWriteHalf>,
    settings: &'a Settings,
    peer: SocketAddr,
}
// ANCHOR_END: client

// ANCHOR: conversation
/// Answers requests until the client leaves, the server stops, or something
/// goes wrong (the error says what; the caller logs it and closes).
pub async fn conversation(
    stream: TcpStream,
    peer: SocketAddr,
    settings: &Settings,
    stop: &CancellationToken,
) -> Result<End, FrameError> {
    // Replies are written whole from our buffer: Nagle's algorithm (lesson 6)
    // would only hold a small one back (see lesson 12).
    let _ = stream.set_nodelay(true);
    let (read_half, write_half) = stream.into_split();
    let codec = FrameCodec::new(settings.max_file_size);
    let mut client = Client {
        requests: FramedRead::with_capacity(read_half, codec, CHUNK),
        replies: BufWriter::with_capacity(CHUNK, write_half),
        settings,
        peer,
    };
    loop {
        let request = match client.next_request(stop).await? {
            Next::Request(request) => request,
            Next::End(end) => return Ok(end),
        };
        // `None`: the reply has been sent already (a get sends a file after it).
        let reply = match request.command.as_str() {
            "put" => Some(client.put(&request).await?),
            "get" => {
                client.skip_body(request.body_size).await?; // a get has none
                client.get(&request).await?
            }
            other => {
                client.skip_body(request.body_size).await?;
                Some(Reply::error(format!("unknown command {other:?}")))
            }
        };
        if let Some(reply) = reply {
            if let Some(error) = &reply.error {
                let (command, name) =
                    (shown(&request.command), shown(&request.name));
                client.log(&format!("refused {command} {name}: {error}"));
            }
            client.send_reply(&reply).await?;
        }
    }
}
// ANCHOR_END: conversation

/// What waiting for a request gave.
enum Next {
    Request(Request),
    End(End),
}

impl Client<'_> {
    // ANCHOR: next-request
    /// Waits for the next request's header, which must arrive whole within
    /// the idle timeout, however its bytes are spaced. Between requests is
    /// also where a stopping server lets its clients go.
    async fn next_request(
        &mut self,
        stop: &CancellationToken,
    ) -> Result<Next, FrameError> {
        let idle = self.settings.idle_timeout;
        let next = tokio::select! {
            // `biased`: the stop is looked at first, so a client that keeps
            // sending requests cannot keep a stopping server waiting.
            biased;
            () = stop.cancelled() => {
                self.last_words("the server is stopping");
                return Ok(Next::End(End::Stopped));
            }
            // `next()` on a FramedRead is cancellation safe: if the stop wins,
            // the bytes it had read stay in its buffer (they are dropped with
            // the connection here; in `crate::cancel` they are needed).
            next = timeout(idle, self.requests.next()) => next,
        };
        match next {
            Err(_elapsed) => {
                let why = format!("no complete request within {}", seconds(idle));
                self.last_words(&why);
                Err(timed_out(why))
            }
            // The client closed between requests: a clean end.
            Ok(None) => Ok(Next::End(End::Left)),
            Ok(Some(Ok(Piece::Header(request)))) => Ok(Next::Request(request)),
            Ok(Some(Ok(Piece::Body(_)))) => {
                unreachable!("a body piece comes only after a header")
            }
            Ok(Some(Err(e))) => {
                // A broken header, or a size over a limit: say why, hang up.
                self.send_reply(&Reply::error(e.to_string())).await?;
                Err(e)
            }
        }
    }
    // ANCHOR_END: next-request

    // ANCHOR: body-chunk
    /// The next chunk of the request's body, within the idle timeout.
    async fn body_chunk(&mut self) -> Result<Vec<u8>, FrameError> {
        let idle = self.settings.idle_timeout;
        match timeout(idle, self.requests.next()).await {
            Ok(Some(Ok(Piece::Body(bytes)))) => Ok(bytes.to_vec()),
            Ok(Some(Ok(Piece::Header(_)))) => {
                unreachable!("a header inside a body")
            }
            Ok(Some(Err(e))) => Err(e),
            // The codec reports a stream cut inside a body as an error
            // first, and the conversation ends at an error: not seen here.
            Ok(None) => Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
            Err(_elapsed) => {
                let why = format!("no data for {}", seconds(idle));
                self.last_words(&why);
                Err(timed_out(why))
            }
        }
    }
    // ANCHOR_END: body-chunk

    /// Reads and throws away a body of `size` bytes, so that the next request
    /// starts where it should.
    async fn skip_body(&mut self, size: u64) -> Result<(), FrameError> {
        let mut left = size;
        while left > 0 {
            left -= self.body_chunk().await?.len() as u64;
        }
        Ok(())
    }

    // ANCHOR: put
    /// Receives an upload: lesson 8's `put`, with every file operation on a
    /// blocking thread.
    async fn put(&mut self, request: &Request) -> Result<Reply, FrameError> {
        let size = request.body_size;
        let Some(expected) = request.sha256.clone() else {
            self.skip_body(size).await?;
            return Ok(Reply::error("a put needs the file's sha256"));
        };
        // `resolve` asks the file system about folders and links.
        let (root, wanted) = (self.settings.root.clone(), request.name.clone());
        let target = match off_the_runtime(move || root.resolve(&wanted)).await {
            Ok(target) => target,
            Err(reason) => {
                self.skip_body(size).await?;
                return Ok(Reply::error(reason));
            }
        };
        let name = shown(&request.name);
        self.log(&format!("put {name}: receiving {size} bytes"));
        let part = match off_the_runtime(move || PartFile::create(&target)).await {
            Ok(part) => part,
            Err(e) => {
                self.skip_body(size).await?;
                return Ok(Reply::error(e.to_string()));
            }
        };
        // The file and the hasher go to a blocking thread with each chunk and
        // come back with it. An error, or a cut connection, drops `part`,
        // which deletes the temporary file: nothing appears under the name.
        let mut receiving = (part, Sha256::new());
        let mut left = size;
        while left > 0 {
            let chunk = self.body_chunk().await?;
            left -= chunk.len() as u64;
            receiving = off_the_runtime(move || {
                let (mut part, mut hasher) = receiving;
                hasher.update(&chunk);
                part.write_all(&chunk).map(|()| (part, hasher))
            })
            .await?;
        }
        let (part, hasher) = receiving;
        let actual = hex(&hasher.finalize());
        if actual != expected {
            // The expected digest is the client's text: escaped, so that it
            // cannot start a line of its own in the log.
            return Ok(Reply::error(format!(
                "the data arrived damaged (sha256 {} instead of {}); \
                 nothing was saved",
                short(&actual),
                short(&expected)
            )));
        }
        // `sync_all` and a rename: milliseconds on a real disk.
        if let Err(e) = off_the_runtime(move || part.commit()).await {
            return Ok(Reply::error(format!("cannot save it: {e}")));
        }
        self.log(&format!("put {name}: saved, sha256 {}", short(&actual)));
        Ok(Reply::default())
    }
    // ANCHOR_END: put

    // ANCHOR: get
    /// Sends a file: the reply's header with its size and digest, then its
    /// bytes. Returns the refusal to send instead, if there is one.
    async fn get(
        &mut self,
        request: &Request,
    ) -> Result<Option<Reply>, FrameError> {
        let (root, wanted) = (self.settings.root.clone(), request.name.clone());
        let opened = off_the_runtime(move || {
            let path = root.resolve_existing(&wanted).map_err(io::Error::other)?;
            let file = File::open(path)?;
            let size = file.metadata()?.len();
            Ok::<_, io::Error>((file, size))
        })
        .await;
        let (file, size) = match opened {
            Ok(opened) => opened,
            Err(e) => return Ok(Some(Reply::error(e.to_string()))),
        };
        // One open handle for both passes, as in lesson 8: the digest and the
        // bytes sent come from the same file.
        let (file, digest) = match sha256_off_the_runtime(file).await {
            Ok(hashed) => hashed,
            Err(e) => return Ok(Some(Reply::error(e.to_string()))),
        };
        let name = shown(&request.name);
        self.log(&format!("get {name}: sending {size} bytes"));
        let reply = Reply {
            body_size: size,
            sha256: Some(digest),
            ..Reply::default()
        };
        self.write(&header_bytes(&reply)).await?;
        // tokio's File: each read is a `spawn_blocking` of its own.
        let mut file = tokio::fs::File::from_std(file);
        let mut chunk = vec![0u8; CHUNK];
        let mut left = size;
        while left > 0 {
            let want = left.min(CHUNK as u64) as usize;
            let n = file.read(&mut chunk[..want]).await?;
            if n == 0 {
                // The file shrank since: the frame cannot be finished honestly.
                return Err(FrameError::Truncated {
                    part: "body",
                    expected: size,
                });
            }
            self.write(&chunk[..n]).await?;
            left -= n as u64;
        }
        self.flush().await?;
        self.log(&format!("get {name}: sent"));
        Ok(None)
    }
    // ANCHOR_END: get

    async fn send_reply(&mut self, reply: &Reply) -> Result<(), FrameError> {
        self.write(&header_bytes(reply)).await?;
        self.flush().await
    }

    // ANCHOR: write
    /// Writes bytes, which the peer must take within the idle timeout.
    async fn write(&mut self, bytes: &[u8]) -> Result<(), FrameError> {
        let idle = self.settings.idle_timeout;
        match timeout(idle, self.replies.write_all(bytes)).await {
            Ok(written) => Ok(written?),
            Err(_elapsed) => Err(self.read_nothing(idle)),
        }
    }
    // ANCHOR_END: write

    async fn flush(&mut self) -> Result<(), FrameError> {
        let idle = self.settings.idle_timeout;
        match timeout(idle, self.replies.flush()).await {
            Ok(flushed) => Ok(flushed?),
            Err(_elapsed) => Err(self.read_nothing(idle)),
        }
    }

    fn read_nothing(&self, idle: Duration) -> FrameError {
        timed_out(format!("the peer read nothing for {}", seconds(idle)))
    }

    /// Tells a client that is being let go why, in one small reply, if the
    /// socket takes it now. Every reply before it has been flushed (replies
    /// are sent whole before the next request is read), so it cannot land in
    /// the middle of one. Whatever happens, the connection closes next.
    fn last_words(&self, why: &str) {
        let bytes = header_bytes(&Reply::error(why));
        let _ = self.replies.get_ref().try_write(&bytes);
    }

    fn log(&self, line: &str) {
        println!("{}: {line}", self.peer);
    }
}

/// A reply's header as lesson 7 frames it: its length, then its JSON.
fn header_bytes(reply: &Reply) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_header(&mut bytes, reply).expect("a reply fits in a header");
    bytes
}

fn timed_out(why: String) -> FrameError {
    FrameError::Io(io::Error::new(io::ErrorKind::TimedOut, why))
}

/// `300 s`, or `1 s` for the short limits tests use (lesson 8's words).
fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}
// ANCHOR_END: all

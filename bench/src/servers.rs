//! The five server models, each a small echo server in the shape of its lesson.
//!
//! All speak one protocol: every line a client sends comes back as it was.
//! All set `TCP_NODELAY` (lesson 6) on every connection, so that the socket
//! options are the same everywhere and only the model differs. None prints per
//! message or per connection: printing would cost more than the echo, and the
//! benchmark would measure the terminal.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;

use lesson_09::tcp::TcpServer;
use lesson_09::{HandlerResult, Mode};

/// How a server runs its conversations.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Model {
    /// Lesson 4: one client at a time; the next waits in the backlog.
    OneAtATime,
    /// Lesson 9: a thread for every client.
    ThreadPerClient,
    /// Homework 9: a fixed pool of worker threads.
    Pool,
    /// Lesson 12: one thread, a mio event loop.
    EventLoop,
    /// Lesson 13: a tokio task for every client.
    Tokio,
    /// Lesson 13's code on tokio's single-threaded runtime: not a model of
    /// its own, a diagnostic that shows what tokio's threads cost here.
    TokioOneThread,
}

impl Model {
    pub const ALL: [Model; 6] = [
        Model::OneAtATime,
        Model::ThreadPerClient,
        Model::Pool,
        Model::EventLoop,
        Model::Tokio,
        Model::TokioOneThread,
    ];

    /// The name the tables and charts use.
    pub fn name(self) -> &'static str {
        match self {
            Model::OneAtATime => "one at a time",
            Model::ThreadPerClient => "thread per client",
            Model::Pool => "pool of 100",
            Model::EventLoop => "event loop",
            Model::Tokio => "tokio",
            Model::TokioOneThread => "tokio, 1 thread",
        }
    }

    /// The argument `bench serve` takes.
    pub fn arg(self) -> &'static str {
        match self {
            Model::OneAtATime => "one-at-a-time",
            Model::ThreadPerClient => "thread-per-client",
            Model::Pool => "pool",
            Model::EventLoop => "event-loop",
            Model::Tokio => "tokio",
            Model::TokioOneThread => "tokio-one-thread",
        }
    }
}

/// Homework 9's pool size here: at most this many clients are served at once.
pub const POOL_WORKERS: usize = 100;

/// Binds `addr`, says where it listens (the suite waits for that line), and
/// serves until it is killed.
pub fn serve(model: Model, addr: &str) -> io::Result<()> {
    match model {
        Model::OneAtATime => lesson_9(addr, Mode::Sequential),
        Model::ThreadPerClient => lesson_9(addr, Mode::ThreadPerConnection),
        Model::Pool => pool(bind(addr)?),
        Model::EventLoop => event_loop(bind(addr)?),
        Model::Tokio => tokio(bind(addr)?, true),
        Model::TokioOneThread => tokio(bind(addr)?, false),
    }
}

/// Binds with the standard library (a backlog of 128, like every model here)
/// and prints the `listening on` line.
fn bind(addr: &str) -> io::Result<TcpListener> {
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    Ok(listener)
}

/// Lessons 4 and 9: lesson 9's own framework, `lesson_09::tcp::TcpServer`.
/// `Mode::Sequential` is lesson 4's server (one conversation at a time, on the
/// accepting thread); `Mode::ThreadPerConnection` is lesson 9's.
fn lesson_9(addr: &str, mode: Mode) -> io::Result<()> {
    let handler = |stream: TcpStream, _peer: SocketAddr| -> HandlerResult {
        Ok(echo(stream)?)
    };
    // Quiet: a client that leaves with a reset is no news here.
    let server = TcpServer::bind(addr, handler, mode)?.with_log(Arc::new(|_| {}));
    println!("listening on {}", server.local_addr());
    server.serve_forever()
}

/// One conversation on a blocking socket: read a line, write it back.
fn echo(stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(()); // the client left
        }
        writer.write_all(&line)?;
    }
}

/// Homework 9's solution in miniature: [`POOL_WORKERS`] threads take clients
/// from a channel of capacity 0, so the accept loop waits (and stops
/// accepting) while every worker is busy.
fn pool(listener: TcpListener) -> io::Result<()> {
    let (jobs, queue) = sync_channel::<TcpStream>(0);
    let queue = Arc::new(Mutex::new(queue));
    for _ in 0..POOL_WORKERS {
        let queue = Arc::clone(&queue);
        thread::spawn(move || work(&queue));
    }
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if jobs.send(stream).is_err() {
            break; // no worker left
        }
    }
    Ok(())
}

/// A worker: one client after the other; the lock is held only while waiting.
fn work(queue: &Mutex<Receiver<TcpStream>>) {
    loop {
        let job = queue.lock().map(|queue| queue.recv());
        let Ok(Ok(stream)) = job else { return };
        let _ = echo(stream);
    }
}

/// The listener's token in the event loop; connections get 1, 2, 3…
const LISTENER: mio::Token = mio::Token(0);

/// One client of the event loop: what it sent that is not a whole line yet,
/// and what is waiting to be written back.
struct Connection {
    stream: mio::net::TcpStream,
    input: Vec<u8>,
    output: Vec<u8>,
    /// Whether writable is among its interests (only while output waits).
    writable: bool,
}

/// Lesson 12's shape (`lessons/12-event-loop/src/event_loop.rs`): one thread,
/// one `Poll`, a token per connection in a map; readable → read until
/// `WouldBlock`; writable asked for only while output waits.
fn event_loop(listener: TcpListener) -> io::Result<()> {
    use mio::{Events, Interest, Poll, Token};
    listener.set_nonblocking(true)?;
    let mut listener = mio::net::TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut connections: HashMap<Token, Connection> = HashMap::new();
    let mut next_token = 1;
    let mut scratch = vec![0u8; 64 * 1024];
    loop {
        match poll.poll(&mut events, None) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => other?,
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                // One event may stand for many waiting clients: accept them all.
                loop {
                    let mut stream = match listener.accept() {
                        Ok((stream, _)) => stream,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(_) => break, // out of descriptors: try at the next event
                    };
                    let _ = stream.set_nodelay(true);
                    let token = Token(next_token);
                    next_token += 1;
                    if poll
                        .registry()
                        .register(&mut stream, token, Interest::READABLE)
                        .is_ok()
                    {
                        let connection = Connection {
                            stream,
                            input: Vec::new(),
                            output: Vec::new(),
                            writable: false,
                        };
                        connections.insert(token, connection);
                    }
                }
                continue;
            }
            let token = event.token();
            let Some(connection) = connections.get_mut(&token) else {
                continue;
            };
            let open = connection.turn(&mut scratch).and_then(|open| {
                // Ask for writable only while output waits, and say when
                // that changes.
                let wants = !connection.output.is_empty();
                if open && wants != connection.writable {
                    let interest = if wants {
                        Interest::READABLE | Interest::WRITABLE
                    } else {
                        Interest::READABLE
                    };
                    poll.registry().reregister(
                        &mut connection.stream,
                        token,
                        interest,
                    )?;
                    connection.writable = wants;
                }
                Ok(open)
            });
            if !matches!(open, Ok(true))
                && let Some(mut gone) = connections.remove(&token)
            {
                let _ = poll.registry().deregister(&mut gone.stream);
            }
        }
    }
}

impl Connection {
    /// Reads everything there is, queues every whole line back, and writes
    /// what the socket takes. `Ok(false)`: the client left.
    fn turn(&mut self, scratch: &mut [u8]) -> io::Result<bool> {
        loop {
            match self.stream.read(scratch) {
                Ok(0) => return Ok(false),
                Ok(n) => self.input.extend_from_slice(&scratch[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        // Echo every whole line; keep a partial one for the next turn.
        if let Some(last) = self.input.iter().rposition(|&b| b == b'\n') {
            self.output.extend(self.input.drain(..=last));
        }
        while !self.output.is_empty() {
            match self.stream.write(&self.output) {
                Ok(n) => {
                    self.output.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

/// Lesson 13's shape: a tokio runtime (by default a worker thread per core,
/// as `#[tokio::main]` makes it), and a task for every client, written as the
/// blocking echo is, with `.await`. `threads` false: the single-threaded
/// runtime, every task on this thread, like the event loop.
fn tokio(listener: TcpListener, threads: bool) -> io::Result<()> {
    let runtime = if threads {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    };
    runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // Out of descriptors, say: wait a little rather than spin.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            };
            tokio::spawn(async move {
                let _ = echo_task(stream).await;
            });
        }
    })
}

/// The task's conversation: the blocking [`echo`], with `.await` where it
/// would wait.
async fn echo_task(mut stream: tokio::net::TcpStream) -> io::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    stream.set_nodelay(true)?;
    let (reader, mut writer) = stream.split();
    let mut reader = tokio::io::BufReader::new(reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        writer.write_all(&line).await?;
    }
}

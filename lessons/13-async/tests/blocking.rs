// ANCHOR: all
//! What a blocking call does to the other clients of a runtime, proved on a
//! runtime with one thread (`new_current_thread`, what `#[tokio::test]` and
//! many small servers use).
//!
//! The server below answers two kinds of clients: `h` asks it to hash a file
//! (a "slow disk" whose first read blocks until the test releases it), `p`
//! asks for a `pong`. One client asks for a hash; once the hashing has
//! started, another asks for a pong. With the hashing on the runtime's thread,
//! the pong does not come while the disk is stuck; with the hashing on a
//! blocking thread (`spawn_blocking`), the pong comes while it is still stuck:
//! the disk is released only after the pong has arrived.

use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use lesson_08::transfer::sha256_of;
use lesson_13::blocking::{
    off_the_runtime, sha256_off_the_runtime, sha256_on_the_runtime,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A file on a disk that does not answer: its first read tells the test it
/// has started (`started`), then blocks until the test sends on `release`.
struct SlowDisk {
    data: Cursor<Vec<u8>>,
    started: Sender<()>,
    release: Receiver<()>,
    stuck: bool,
}

impl Read for SlowDisk {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.stuck {
            self.stuck = false;
            self.started.send(()).unwrap();
            self.release.recv().unwrap(); // blocks this thread, whichever it is
        }
        Read::read(&mut self.data, buf)
    }
}

impl Seek for SlowDisk {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        Seek::seek(&mut self.data, to)
    }
}

/// Where the hashing runs.
#[derive(Clone, Copy)]
enum Hashing {
    OnTheRuntime,
    OffTheRuntime,
}

// ANCHOR: server
/// A server on a runtime with one thread: two clients, a task each.
fn start_server(disk: SlowDisk, hashing: Hashing) -> (SocketAddr, JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let disk = Arc::new(Mutex::new(Some(disk)));
    let server = thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            let mut tasks = Vec::new();
            for _ in 0..2 {
                let (stream, _) = listener.accept().await.unwrap();
                let disk = Arc::clone(&disk);
                tasks.push(tokio::spawn(answer(stream, disk, hashing)));
            }
            for task in tasks {
                task.await.unwrap();
            }
        });
    });
    (addr, server)
}

/// One client's task: a command byte, then a line in reply.
async fn answer(
    mut stream: tokio::net::TcpStream,
    disk: Arc<Mutex<Option<SlowDisk>>>,
    hashing: Hashing,
) {
    let mut command = [0u8; 1];
    stream.read_exact(&mut command).await.unwrap();
    let reply = if command[0] == b'h' {
        let file = disk.lock().unwrap().take().expect("one hash");
        let hashed = match hashing {
            Hashing::OnTheRuntime => sha256_on_the_runtime(file).await,
            Hashing::OffTheRuntime => sha256_off_the_runtime(file).await,
        };
        hashed.unwrap().1
    } else {
        "pong".to_string()
    };
    stream
        .write_all(format!("{reply}\n").as_bytes())
        .await
        .unwrap();
}
// ANCHOR_END: server

/// A slow disk holding `data`, and the test's ends of its two signals.
fn slow_disk(data: &[u8]) -> (SlowDisk, Receiver<()>, Sender<()>) {
    let (started, has_started) = channel();
    let (release, released) = channel();
    let disk = SlowDisk {
        data: Cursor::new(data.to_vec()),
        started,
        release: released,
        stuck: true,
    };
    (disk, has_started, release)
}

/// Connects and sends a one-byte command.
fn ask(addr: SocketAddr, command: u8) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(&[command]).unwrap();
    // A bound on every wait below, so that a broken server fails the test
    // instead of hanging it; not a wait for anything.
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    BufReader::new(stream)
}

fn line(reader: &mut BufReader<TcpStream>) -> std::io::Result<String> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    Ok(line.trim_end().to_string())
}

/// How long the pitfall test watches for a pong that must not come.
const WINDOW: Duration = Duration::from_millis(500);

// ANCHOR: on-the-runtime
/// The pitfall: while the task that hashes is blocked in `read`, the runtime's
/// one thread is blocked with it. The other client's pong does not come
/// within the window; it comes only once the disk is released.
#[test]
fn hashing_on_the_runtime_leaves_other_clients_unanswered() {
    let data = vec![42u8; 100_000];
    let (disk, has_started, release) = slow_disk(&data);
    let (addr, server) = start_server(disk, Hashing::OnTheRuntime);
    let mut hasher = ask(addr, b'h');
    has_started.recv().unwrap(); // the runtime's thread is in the slow read

    let mut other = ask(addr, b'p');
    other.get_ref().set_read_timeout(Some(WINDOW)).unwrap();
    let error = line(&mut other).expect_err("no pong while the disk is stuck");
    assert!(
        matches!(
            error.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{error}"
    );

    release.send(()).unwrap();
    assert_eq!(line(&mut hasher).unwrap(), sha256_of(&data));
    other
        .get_ref()
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert_eq!(line(&mut other).unwrap(), "pong", "answered at last");
    server.join().unwrap();
}
// ANCHOR_END: on-the-runtime

// ANCHOR: off-the-runtime
/// The fix: with the hashing on a blocking thread (`spawn_blocking`), the
/// runtime's thread is free, and the other client gets its pong while the
/// disk is still stuck: the test releases it only after the pong arrived.
#[test]
fn hashing_off_the_runtime_leaves_other_clients_served() {
    let data = vec![42u8; 100_000];
    let (disk, has_started, release) = slow_disk(&data);
    let (addr, server) = start_server(disk, Hashing::OffTheRuntime);
    let mut hasher = ask(addr, b'h');
    has_started.recv().unwrap(); // a blocking thread is in the slow read

    let mut other = ask(addr, b'p');
    assert_eq!(line(&mut other).unwrap(), "pong", "answered while stuck");

    release.send(()).unwrap();
    assert_eq!(line(&mut hasher).unwrap(), sha256_of(&data));
    server.join().unwrap();
}
// ANCHOR_END: off-the-runtime
/// A file whose every read waits for the test's go-ahead, after telling the
/// test it has begun.
struct GatedFile {
    data: Cursor<Vec<u8>>,
    begun: Sender<()>,
    go: Receiver<()>,
}

impl Read for GatedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.begun.send(()).unwrap();
        self.go.recv().unwrap();
        Read::read(&mut self.data, buf)
    }
}

impl Seek for GatedFile {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        Seek::seek(&mut self.data, to)
    }
}

/// The server hashes a get's file off the runtime, but not in one call: one
/// blocking call held a blocking thread for a whole file, and sixteen gets of
/// a big file held all eight of `server-13`'s, so every other client's file
/// work waited for whole files (found by a hostile review). A chunk per call
/// lets other work in between. Proved with one blocking thread and a file
/// whose reads wait for the test: while the hash waits for its second read,
/// another piece of blocking work has run.
#[test]
fn a_file_is_hashed_a_chunk_per_blocking_call() {
    let data = vec![7u8; 1 << 20];
    let expected = sha256_of(&data);
    let (begun_tx, begun) = channel();
    let (go, go_rx) = channel();
    let file = GatedFile {
        data: Cursor::new(data),
        begun: begun_tx,
        go: go_rx,
    };
    let (start_other, mut other_starts) = tokio::sync::mpsc::channel::<()>(1);
    let (other_done_tx, other_done) = channel();
    let runtime = thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(1)
            .build()
            .unwrap();
        runtime.block_on(async move {
            let hashing = tokio::spawn(sha256_off_the_runtime(file));
            other_starts.recv().await.unwrap();
            off_the_runtime(move || other_done_tx.send(()).unwrap()).await;
            hashing.await.unwrap().unwrap().1
        })
    });
    let wait = Duration::from_secs(5);
    begun.recv_timeout(wait).expect("the hash began to read");
    // The one blocking thread is in the hash's first read; other work queues.
    start_other.blocking_send(()).unwrap();
    go.send(()).unwrap();
    begun
        .recv_timeout(wait)
        .expect("the hash asked for a second read");
    assert!(
        other_done.recv_timeout(wait).is_ok(),
        "the other work did not run between two reads of the hash: the whole \
         file is hashed in one blocking call"
    );
    // Let the hash finish.
    for _ in 0..8 {
        let _ = go.send(());
    }
    assert_eq!(runtime.join().unwrap(), expected);
}
// ANCHOR_END: all

//! Homework 9: a bounded worker pool.
//!
//! Lesson 9's server starts a thread for every client: a thousand clients, a
//! thousand threads. This server has a fixed number of workers (`--workers N`).
//! At most N clients are served at once; the others wait until a worker is free.
//! The course calls it the thread-pool homework (线程池).
//!
//! The conversation, the accept loop and the `stop` command are written. Your part
//! is `Pool`:
//!
//! - `Pool::new(n)` starts n worker threads.
//! - `pool.serve(stream, peer)` hands a client to an idle worker, whichever it
//!   is. Only when none is idle does it print `PEER: waiting for a free worker`
//!   (once) and block until one is.
//! - A conversation that panics must not cost a worker: the next client is
//!   still served.
//! - `pool.shutdown()` lets every conversation under way finish, then ends the
//!   worker threads and returns.
//!
//! Try it: `cargo run -p homework-09 -- --workers 1`, then `just client 2` in two
//! more terminals (lesson 2's client: type lines). Check it with `just check 9`;
//! stuck? `just hint 9`.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use clap::Parser;

/// Homework 9: an upper-casing line server with a fixed number of workers.
/// Type `stop` and Enter to stop it after the conversations under way.
#[derive(Parser)]
#[command(name = "homework-09")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
    /// How many clients are served at once.
    #[arg(long, default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(1..))]
    workers: u16,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &Args) -> io::Result<()> {
    let listener = TcpListener::bind(&args.addr)?;
    let addr = listener.local_addr()?;
    println!("listening on {addr}");

    // `stop` on standard input: raise the flag, then wake `accept` up by
    // connecting to ourselves (lesson 9's trick).
    let stopping = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stopping);
    thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            if line.is_ok_and(|line| line.trim() == "stop") {
                flag.store(true, Ordering::SeqCst);
                let _ = TcpStream::connect(addr);
                return;
            }
        }
    });

    let pool = Pool::new(args.workers.into());
    loop {
        let (stream, peer) = listener.accept()?;
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        pool.serve(stream, peer);
    }
    drop(listener); // new clients are refused from here on
    println!("stopping: no new clients; waiting for the conversations under way");
    pool.shutdown();
    println!("stopped");
    Ok(())
}

/// One client's conversation: each line comes back in capitals. `crash`
/// makes it panic, to test what a panic does to your pool.
fn conversation(stream: TcpStream, peer: SocketAddr) -> io::Result<()> {
    println!("{peer}: served");
    let mut writer = stream.try_clone()?;
    for line in BufReader::new(stream).lines() {
        let line = line?;
        if line.trim() == "crash" {
            panic!("{peer} asked for a crash");
        }
        writeln!(writer, "{}", line.to_uppercase())?;
    }
    println!("{peer}: left");
    Ok(())
}

/// A client handed to a worker.
type Job = (TcpStream, SocketAddr);

/// A fixed set of worker threads. Yours to write.
struct Pool {
    /// A channel of capacity 0: a send succeeds only when a worker is
    /// waiting in `recv`, so "no idle worker" is visible as `Full`.
    jobs: SyncSender<Job>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    fn new(size: usize) -> Pool {
        let (jobs, queue) = sync_channel::<Job>(0);
        // Workers take turns at the one receiving end.
        let queue = Arc::new(Mutex::new(queue));
        let workers = (0..size)
            .map(|_| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || work(&queue))
            })
            .collect();
        Pool { jobs, workers }
    }

    fn serve(&self, stream: TcpStream, peer: SocketAddr) {
        match self.jobs.try_send((stream, peer)) {
            Ok(()) => {}
            Err(TrySendError::Full(job)) => {
                println!("{peer}: waiting for a free worker");
                // Blocks until a worker is free.
                let _ = self.jobs.send(job);
            }
            Err(TrySendError::Disconnected(_)) => {
                println!("{peer}: no workers left");
            }
        }
    }

    fn shutdown(self) {
        // Closing the sending end makes every worker's `recv` fail once the
        // worker is idle: conversations under way finish first.
        drop(self.jobs);
        for worker in self.workers {
            let _ = worker.join();
        }
    }
}

/// A worker: takes clients one after the other until the channel closes.
fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while waiting for a job, not during it.
        let job = queue.lock().map(|queue| queue.recv());
        let Ok(Ok((stream, peer))) = job else {
            return; // the pool is shutting down
        };
        // A panicking conversation is reported; the worker lives on.
        match catch_unwind(AssertUnwindSafe(|| conversation(stream, peer))) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => println!("{peer}: {e}"),
            Err(_) => println!("{peer}: the conversation panicked"),
        }
    }
}

//! A correct pool written differently: each worker has a channel of its own and, when idle, puts its number on a shared channel that `serve` takes from.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
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

/// A fixed set of worker threads, each with a channel of its own. A worker that
/// is free says so on a shared channel: `serve` hands a client to the first
/// worker there.
struct Pool {
    /// The numbers of the workers that are idle, in the order they became so.
    idle: Receiver<usize>,
    /// Each worker's own channel of clients.
    jobs: Vec<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    fn new(size: usize) -> Pool {
        let (ready, idle) = channel();
        let (jobs, workers) = (0..size)
            .map(|number| {
                let (jobs, queue) = channel::<Job>();
                let ready = ready.clone();
                (jobs, thread::spawn(move || work(number, &ready, &queue)))
            })
            .unzip();
        Pool {
            idle,
            jobs,
            workers,
        }
    }

    fn serve(&self, stream: TcpStream, peer: SocketAddr) {
        let free = match self.idle.try_recv() {
            Ok(number) => Ok(number),
            Err(TryRecvError::Empty) => {
                println!("{peer}: waiting for a free worker");
                self.idle.recv().map_err(drop)
            }
            Err(TryRecvError::Disconnected) => Err(()),
        };
        match free {
            Ok(number) => {
                let _ = self.jobs[number].send((stream, peer));
            }
            Err(()) => println!("{peer}: no workers left"),
        }
    }

    fn shutdown(self) {
        // Each idle worker waits on its own channel: closing them ends it;
        // a busy one finishes its conversation first.
        drop(self.jobs);
        for worker in self.workers {
            let _ = worker.join();
        }
    }
}

/// A worker: says it is idle, takes the client it is given, and again, until
/// its channel closes.
fn work(number: usize, ready: &Sender<usize>, queue: &Receiver<Job>) {
    while ready.send(number).is_ok() {
        let Ok((stream, peer)) = queue.recv() else {
            return; // the pool is shutting down
        };
        match catch_unwind(AssertUnwindSafe(|| conversation(stream, peer))) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => println!("{peer}: {e}"),
            Err(_) => println!("{peer}: the conversation panicked"),
        }
    }
}

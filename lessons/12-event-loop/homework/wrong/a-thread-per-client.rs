//! Lesson 9's way instead of an event loop: two threads for each client (blocking reads, and a writer fed by a channel, at most 64 KiB behind). It behaves, but the homework is one thread: a thousand clients would be two thousand threads.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;

use clap::Parser;

/// The longest line a client may send, in bytes, not counting its `\n`.
const MAX_LINE: usize = 1024;

/// The most that may wait for one client's writer.
const MAX_BACKLOG: usize = 64 * 1024;

/// Homework 12: a chat room. Every line a client sends goes to all the others.
#[derive(Parser)]
#[command(name = "homework-12")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9999")]
    addr: String,
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

/// Everyone connected, by number.
type Room = Arc<Mutex<HashMap<u64, Member>>>;

struct Member {
    name: String,
    /// Messages for this client's writer thread, and how many bytes of them
    /// it has not written yet.
    outbox: Sender<Arc<[u8]>>,
    backlog: Arc<AtomicUsize>,
    /// To close the connection from another thread.
    stream: TcpStream,
}

fn serve(args: &Args) -> io::Result<()> {
    let listener = TcpListener::bind(&args.addr)?;
    println!("listening on {}", listener.local_addr()?);
    let room: Room = Arc::default();
    for (id, stream) in (1..).zip(listener.incoming()) {
        let Ok(stream) = stream else { continue };
        let room = Arc::clone(&room);
        thread::spawn(move || {
            if let Err(e) = conversation(&room, id, stream) {
                eprintln!("client {id}: {e}");
            }
        });
    }
    Ok(())
}

fn conversation(room: &Room, id: u64, stream: TcpStream) -> io::Result<()> {
    let name = stream.peer_addr()?.to_string();
    let (outbox, inbox) = channel::<Arc<[u8]>>();
    let backlog = Arc::new(AtomicUsize::new(0));
    let mut writer = stream.try_clone()?;
    let written = Arc::clone(&backlog);
    thread::spawn(move || {
        for message in inbox {
            if writer.write_all(&message).is_err() {
                break;
            }
            written.fetch_sub(message.len(), Ordering::SeqCst);
        }
    });
    broadcast(room, id, format!("* {name} joined\n").as_bytes());
    let member = Member {
        name: name.clone(),
        outbox,
        backlog,
        stream: stream.try_clone()?,
    };
    room.lock().unwrap().insert(id, member);
    println!("{name} joined");

    let mut reader = BufReader::new(stream);
    let why = loop {
        let mut line = Vec::new();
        let limit = MAX_LINE as u64 + 1;
        match (&mut reader).take(limit).read_until(b'\n', &mut line) {
            Ok(0) => break "left",
            Ok(_) if line.ends_with(b"\n") => {
                line.pop();
                let mut message = format!("{name}: ").into_bytes();
                message.extend_from_slice(&line);
                message.push(b'\n');
                broadcast(room, id, &message);
            }
            Ok(_) if line.len() > MAX_LINE => break "left (line too long)",
            Ok(_) => break "left",
            Err(_) => break "left (connection lost)",
        }
    };
    leave(room, id, why);
    Ok(())
}

/// Hands `message` to every writer but `from`'s; a client whose writer is
/// more than `MAX_BACKLOG` behind is too slow, and leaves.
fn broadcast(room: &Room, from: u64, message: &[u8]) {
    let message: Arc<[u8]> = Arc::from(message);
    let mut gone = Vec::new();
    for (&id, member) in room.lock().unwrap().iter() {
        if id == from {
            continue;
        }
        let behind = member.backlog.fetch_add(message.len(), Ordering::SeqCst);
        if behind + message.len() > MAX_BACKLOG
            || member.outbox.send(Arc::clone(&message)).is_err()
        {
            gone.push(id);
        }
    }
    for id in gone {
        leave(room, id, "left (too slow)");
    }
}

fn leave(room: &Room, id: u64, why: &str) {
    let Some(member) = room.lock().unwrap().remove(&id) else {
        return; // already gone
    };
    // Wakes its writer if it is stuck in a write, and ends its reader.
    let _ = member.stream.shutdown(Shutdown::Both);
    println!("{} {why}", member.name);
    broadcast(room, id, format!("* {} left\n", member.name).as_bytes());
}

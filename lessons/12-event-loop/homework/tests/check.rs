//! The check for homework 12 (`just check 12`). Clients connect to your chat
//! room over loopback and talk: the check reads what each of them receives, line
//! by line, each wait with a deadline. One client never reads while another
//! floods the room; on Linux the check also reads your server's memory, CPU
//! time and threads from `/proc`.
//!
//! The protocol, as the check expects it (the chapter's "Homework" section):
//! your server prints `NAME joined` when a client connects; the others receive
//! `* NAME joined`, then `NAME: LINE` for each line it sends, and `* NAME left`
//! when it is gone. NAME is the client's address, as your server sees it.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use socket2::{Domain, SockRef, Socket, Type};
use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Proc, homework_program, start_server};

/// How long a client waits for a line that should come. Generous: a line on
/// loopback takes microseconds, but the machine may be busy.
const PATIENCE: Duration = Duration::from_secs(5);

/// How long a client watches to prove that no line comes.
const QUIET: Duration = Duration::from_millis(300);

/// Why a line that should have come may not have, in a failure message.
const NOTHING_CAME: &str = "Likely causes: bytes left unread in a socket \
    bring no new event (read until `WouldBlock`); or your loop is stuck \
    writing to, or waiting for, a client that does not read.";

/// Starts your server and runs `test` with it. If the test fails, what your
/// server printed (a panic, say) is shown under the failure.
fn with_server(test: impl FnOnce(&mut Proc, SocketAddr)) {
    let (mut server, addr) =
        start_server("your server", &homework_program!("12"), &[]).unwrap();
    if let Err(failure) =
        panic::catch_unwind(AssertUnwindSafe(|| test(&mut server, addr)))
    {
        let printed = server.kill();
        eprintln!(
            "\nwhat your server printed:\n{}{}",
            printed.stdout, printed.stderr
        );
        panic::resume_unwind(failure);
    }
}

/// Held by the two tests that must not run at the same time: the flood, which
/// keeps the CPUs busy, and the CPU measurement.
fn heavy() -> MutexGuard<'static, ()> {
    static HEAVY: Mutex<()> = Mutex::new(());
    // A test that failed while holding it leaves it poisoned, and no worse.
    HEAVY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One client of the room, played by the check.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    /// Its address: the name your server gives it.
    name: String,
    /// What it is called in failure messages: `A`, `B`, …
    label: &'static str,
}

impl Client {
    /// Sends `text` as it is (no `\n` added).
    #[track_caller]
    fn send(&mut self, text: &str) {
        self.writer
            .write_all(text.as_bytes())
            .and_then(|()| self.writer.flush())
            .unwrap_or_else(|e| {
                let label = self.label;
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset
                        | io::ErrorKind::ConnectionAborted
                        | io::ErrorKind::BrokenPipe
                ) {
                    panic!(
                        "{label} cannot send to your server: {e}. Your server \
                         probably dropped {label} as too slow: {label} reads \
                         nothing while it sends, so only what is sent to it \
                         piles up, such as its own lines coming back"
                    )
                }
                panic!("{label} cannot send to your server: {e}")
            });
    }

    /// The next line it receives, without its `\n`. `awaited` says what the
    /// check waits for, for the failure message.
    #[track_caller]
    fn next_line(&mut self, awaited: &str) -> String {
        self.reader
            .get_ref()
            .set_read_timeout(Some(PATIENCE))
            .unwrap();
        let label = self.label;
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line) {
            Ok(_) if line.ends_with(b"\n") => {
                line.pop();
                String::from_utf8_lossy(&line).into_owned()
            }
            Ok(0) => panic!(
                "{label} waited for {awaited}, and your server closed the \
                 connection"
            ),
            Ok(_) => panic!(
                "{label} waited for {awaited}, and the connection ended in the \
                 middle of a line: {}",
                short(&line)
            ),
            Err(e) if timed_out(&e) => panic!(
                "{label} waited {PATIENCE:?} for {awaited}, and received {}",
                if line.is_empty() {
                    format!("nothing.\n{NOTHING_CAME}")
                } else {
                    format!("only part of a line: {}", short(&line))
                }
            ),
            Err(e) => panic!(
                "{label} waited for {awaited}, and cannot read from your \
                 server: {e}"
            ),
        }
    }

    /// Fails unless the next line it receives is `wanted`.
    #[track_caller]
    fn expect(&mut self, wanted: &str) {
        let line = self.next_line(&format!("{:?}", short(wanted.as_bytes())));
        assert_eq!(line, wanted, "what {} received next", self.label);
    }

    /// Reads until it has `len` bytes, the connection ends, or `PATIENCE`
    /// passes without a byte; returns what it has.
    fn read_bytes(&mut self, len: usize) -> Vec<u8> {
        self.reader
            .get_ref()
            .set_read_timeout(Some(PATIENCE))
            .unwrap();
        let mut received = Vec::new();
        let mut chunk = [0; 16 * 1024];
        while received.len() < len {
            let want = chunk.len().min(len - received.len());
            match self.reader.read(&mut chunk[..want]) {
                Ok(0) => break,
                Ok(n) => received.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break, // a timeout or a reset: what came is the answer
            }
        }
        received
    }

    /// Fails if it receives anything within `QUIET`.
    #[track_caller]
    fn expect_nothing(&mut self, why: &str) {
        let buffered = String::from_utf8_lossy(self.reader.buffer()).into_owned();
        assert!(
            buffered.is_empty(),
            "{} received {buffered:?} {why}",
            self.label
        );
        self.reader.get_ref().set_read_timeout(Some(QUIET)).unwrap();
        let mut byte = [0];
        match self.reader.get_ref().peek(&mut byte) {
            Err(e) if timed_out(&e) => {}
            Ok(0) => {
                panic!("{}: your server closed the connection {why}", self.label)
            }
            Ok(_) => {
                let mut line = Vec::new();
                let _ = self.reader.read_until(b'\n', &mut line);
                panic!(
                    "{} received {:?} {why}",
                    self.label,
                    String::from_utf8_lossy(&line)
                );
            }
            Err(e) => panic!("{}: cannot read from your server: {e}", self.label),
        }
    }
}

/// A read that gave up at its timeout: `WouldBlock` on Unix, `TimedOut` on Windows.
fn timed_out(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The start of a long line, for a failure message.
fn short(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.into_owned(),
    }
}

/// Connects a client and waits until your server prints `NAME joined`.
#[track_caller]
fn join(server: &mut Proc, addr: SocketAddr, label: &'static str) -> Client {
    let stream = TcpStream::connect_timeout(&addr, PATIENCE)
        .unwrap_or_else(|e| server.fail(&format!("refused client {label} ({e})")));
    joined(server, stream, label)
}

/// Connects a client whose receive buffer is `size` bytes (set before it
/// connects: the window it offers depends on it), and waits until your
/// server prints `NAME joined`.
#[track_caller]
fn join_buffered(
    server: &mut Proc,
    addr: SocketAddr,
    label: &'static str,
    size: usize,
) -> Client {
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(size).unwrap();
    socket
        .connect_timeout(&addr.into(), PATIENCE)
        .unwrap_or_else(|e| server.fail(&format!("refused client {label} ({e})")));
    joined(server, socket.into(), label)
}

/// Waits until your server prints `NAME joined` for the client on `stream`.
#[track_caller]
fn joined(server: &mut Proc, stream: TcpStream, label: &'static str) -> Client {
    stream.set_write_timeout(Some(PATIENCE)).unwrap();
    // Each piece the check sends leaves at once (no waiting to fill a packet).
    stream.set_nodelay(true).unwrap();
    let name = stream.local_addr().unwrap().to_string();
    let joined = format!("{name} joined");
    server.wait_for(&format!("{joined:?}"), |line| line == joined);
    Client {
        reader: BufReader::new(stream.try_clone().unwrap()),
        writer: stream,
        name,
        label,
    }
}

/// Clients A, B, C, … joining one after the other; each reads the arrival of
/// those after it.
#[track_caller]
fn room<const N: usize>(server: &mut Proc, addr: SocketAddr) -> [Client; N] {
    const LABELS: [&str; 5] = ["A", "B", "C", "D", "E"];
    let mut clients: Vec<Client> = Vec::new();
    for label in &LABELS[..N] {
        let new = join(server, addr, label);
        for old in &mut clients {
            old.expect(&format!("* {} joined", new.name));
        }
        clients.push(new);
    }
    clients.try_into().unwrap_or_else(|_| unreachable!())
}

/// Three clients take turns: each line reaches the two others exactly once,
/// in the order it was sent, and never comes back to its sender (its sender's
/// next line is someone else's).
#[test]
fn each_line_reaches_every_other_client_once_and_never_its_sender() {
    with_server(|server, addr| {
        let mut clients: [Client; 3] = room(server, addr);
        for round in 1..=2 {
            for from in 0..3 {
                let line = format!("line {round} from {}", clients[from].label);
                clients[from].send(&format!("{line}\n"));
                let wanted = format!("{}: {line}", clients[from].name);
                for (to, client) in clients.iter_mut().enumerate() {
                    if to != from {
                        client.expect(&wanted);
                    }
                }
            }
        }
        // Nothing else is on its way: no echo, no second copy.
        for client in &mut clients {
            client.expect_nothing("after every line had arrived once");
        }
    });
}

/// A hundred lines in one write arrive as a hundred lines, in order: one read
/// may hold many lines. Among them, a line of 1024 bytes, the longest allowed.
#[test]
fn many_lines_in_one_write_all_arrive_in_order() {
    with_server(|server, addr| {
        let [mut a, mut b, mut c] = room(server, addr);
        let mut lines: Vec<String> =
            (1..=100).map(|i| format!("line {i} of 100")).collect();
        lines.insert(50, "x".repeat(1024));
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        a.send(&text);
        for client in [&mut b, &mut c] {
            for line in &lines {
                client.expect(&format!("{}: {line}", a.name));
            }
        }
        a.expect_nothing("(its own lines must not come back)");
    });
}

/// A line that arrives in pieces is passed on whole, once its `\n` has come,
/// and another client's line in between is not mixed into it: each client's
/// unfinished line is its own.
#[test]
fn a_line_sent_in_pieces_arrives_whole_and_unmixed() {
    with_server(|server, addr| {
        let [mut a, mut b, mut c] = room(server, addr);
        a.send("pie");
        b.expect_nothing("while A had sent only \"pie\" (no \\n yet)");
        c.expect_nothing("while A had sent only \"pie\" (no \\n yet)");
        b.send("meanwhile, a whole line from B\n");
        c.expect(&format!("{}: meanwhile, a whole line from B", b.name));
        a.expect(&format!("{}: meanwhile, a whole line from B", b.name));
        a.send("ces of a");
        c.expect_nothing("while A had sent \"pieces of a\" (no \\n yet)");
        a.send(" line\n");
        for client in [&mut b, &mut c] {
            client.expect(&format!("{}: pieces of a line", a.name));
        }
    });
}

/// A client that closes its connection is gone: the others are told at once
/// (nobody has to send anything first), and the room goes on without it.
#[test]
fn a_client_that_closes_is_announced_as_gone() {
    with_server(|server, addr| {
        let [mut a, mut b, c] = room(server, addr);
        let gone = c.name.clone();
        drop(c);
        a.expect(&format!("* {gone} left"));
        b.expect(&format!("* {gone} left"));
        a.send("still here?\n");
        b.expect(&format!("{}: still here?", a.name));
    });
}

/// A client that vanishes (its connection reset, as when its machine drops
/// it) is one client's error: it leaves, and the server goes on serving the others.
#[test]
fn a_client_whose_connection_resets_leaves_and_the_room_goes_on() {
    with_server(|server, addr| {
        let [mut a, mut b, c] = room(server, addr);
        let gone = c.name.clone();
        // SO_LINGER 0: closing sends a reset (RST) instead of a goodbye (FIN).
        SockRef::from(&c.writer)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(c);
        a.expect(&format!("* {gone} left"));
        b.expect(&format!("* {gone} left"));
        a.send("still here?\n");
        b.expect(&format!("{}: still here?", a.name));
        let d = join(server, addr, "D");
        a.expect(&format!("* {} joined", d.name));
    });
}

/// A client that sends more than 1024 bytes without a `\n` is disconnected
/// (else its unfinished line would grow without end), and none of it reaches
/// the others.
#[test]
fn a_line_longer_than_1024_bytes_disconnects_its_sender() {
    with_server(|server, addr| {
        let [mut a, mut b, mut c] = room(server, addr);
        let gone = c.name.clone();
        c.send(&"y".repeat(1025));
        a.expect(&format!("* {gone} left"));
        b.expect(&format!("* {gone} left"));
        // Its connection is closed: it reads the end (or a reset), never a line.
        c.reader.get_ref().set_read_timeout(Some(PATIENCE)).unwrap();
        let mut rest = Vec::new();
        match c.reader.read_to_end(&mut rest) {
            Ok(_) => assert!(
                rest.is_empty(),
                "C received {:?}",
                String::from_utf8_lossy(&rest)
            ),
            Err(e) if timed_out(&e) => panic!("C's connection is still open"),
            Err(_) => {} // reset: the server closed with C's bytes unread
        }
        a.send("after\n");
        b.expect(&format!("{}: after", a.name));
    });
}

/// How much a client that reads late is sent: the lines of 1000 bytes that
/// make about 50 KB. More than the kernel holds on its way (30 KB, with its
/// small receive buffer and your server's small send buffer): your server's
/// `write` meets `WouldBlock`, and the rest waits in its backlog. Less than
/// the 64 KiB a backlog may hold: no line may be dropped, and the client not.
const LATE_LINES: usize = 50;

/// B's receive buffer in that test: small, as a slow client's on a real
/// network (Linux keeps twice this).
const LATE_RECEIVE_BUFFER: usize = 4096;

/// B does not read while A sends it about 50 KB, more than the kernel holds
/// for B, less than its backlog may hold. Then B reads: it must receive every
/// byte, in order, exactly once. A `write` that meets `WouldBlock` has
/// written nothing; a `write_all` that fails may have written part, and does
/// not say how much: a server that forgets the rest, or sends it all again,
/// or drops B, fails here.
#[test]
fn a_client_that_reads_late_receives_every_byte_once_in_order() {
    with_server(|server, addr| {
        eprintln!("In this test, A sends, C reads, and B reads only at the end.");
        let [mut a, mut c] = room(server, addr);
        let mut b = join_buffered(server, addr, "B", LATE_RECEIVE_BUFFER);
        for client in [&mut a, &mut c] {
            client.expect(&format!("* {} joined", b.name));
        }

        let lines: Vec<String> = (0..LATE_LINES).map(flood_line).collect();
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        a.send(&text);
        let b_left = format!("* {} left", b.name);
        for line in &lines {
            let wanted = format!("{}: {line}", a.name);
            let got = c.next_line(&format!("{:?}", short(wanted.as_bytes())));
            assert!(
                got != b_left,
                "your server dropped B, which had not read for a moment and \
                 was under 64 KiB behind. A `write` that meets `WouldBlock` \
                 is no error: the connection is full for now; keep the rest \
                 for later"
            );
            assert_eq!(got, wanted, "what C received next");
        }
        // Your server handles A's lines in order, on one thread: once C has
        // this one, every line before it was given to B's connection (or its
        // backlog).
        a.send("that was all\n");
        c.expect(&format!("{}: that was all", a.name));

        let wanted: String = lines
            .iter()
            .map(String::as_str)
            .chain(["that was all"])
            .map(|line| format!("{}: {line}\n", a.name))
            .collect();
        let received = b.read_bytes(wanted.len());
        if received != wanted.as_bytes() {
            let at = received
                .iter()
                .zip(wanted.as_bytes())
                .position(|(r, w)| r != w)
                .unwrap_or(received.len().min(wanted.len()));
            // Shown from the start of the line where they differ.
            let from = wanted.as_bytes()[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |end| end + 1);
            panic!(
                "B, reading only after A had sent {} bytes to it, received {} \
                 bytes, which differ from them from byte {at} on:\n  \
                 sent:     {:?}\n  received: {:?}\nA `write` that meets \
                 `WouldBlock` has written nothing: keep it all for later. A \
                 `write_all` that fails may have written part, and does not \
                 say how much: use `write`, and keep what it did not take.",
                wanted.len(),
                received.len(),
                short(&wanted.as_bytes()[from..]),
                short(&received[from.min(received.len())..]),
            );
        }
        b.expect_nothing("after all it was sent (bytes sent twice?)");
    });
}

/// The flood: lines of 1000 bytes.
fn flood_line(i: usize) -> String {
    format!("{i:05} {}", "x".repeat(994))
}

/// How many flood lines A sends: 16 MiB, more than any kernel keeps for a
/// connection whose reader does not read.
const FLOOD_LINES: usize = 16 * 1024;

/// A sends lines in pieces of this many.
const PIECE: usize = 8;

/// A is never more than this many lines ahead of what B has read (56 KiB),
/// so that B is never the slow one: even if the kernel held none of them on
/// B's way, your server would have less than 64 KiB waiting for B. (It may
/// hold little: your server's send buffer is small, and what B's kernel has
/// received but not yet acknowledged still counts in it.)
const AHEAD: usize = 56;

/// S never reads while A sends 16 MiB to the room. B still receives every line
/// within `PATIENCE` of its sending (nothing waits for S); your server's memory
/// grows by less than 2 MiB (Linux), and S does not receive all 16 MiB: the
/// server dropped it or dropped lines for it. What S does receive is whole
/// lines, in order, none twice (the last one before a disconnection may be cut).
#[test]
fn a_client_that_never_reads_stalls_no_one_and_costs_bounded_memory() {
    with_server(|server, addr| {
        let _alone = heavy();
        eprintln!("In this test, A sends, B reads, and S never reads.");
        let [mut a, mut b, mut s] = room(server, addr);
        s.label = "S";
        let before = memory::rss_kib(server.id());
        let started = Instant::now();

        // B reads on a thread of its own, and tells A how far it has got.
        let (progress, read_so_far) = mpsc::channel::<usize>();
        let (sender, s_left) = (a.name.clone(), format!("* {} left", s.name));
        let listener = thread::spawn(move || {
            let mut s_gone = false;
            for i in 0..FLOOD_LINES {
                let awaited = format!("flood line {i} from A");
                let mut line = b.next_line(&awaited);
                if line == s_left && !s_gone {
                    s_gone = true; // S was disconnected for being too slow
                    line = b.next_line(&awaited);
                }
                assert!(
                    line == format!("{sender}: {}", flood_line(i)),
                    "B waited for {awaited}, and received {}",
                    short(line.as_bytes())
                );
                if progress.send(i + 1).is_err() {
                    break;
                }
            }
            b
        });
        let mut read = 0;
        'flood: for first in (0..FLOOD_LINES).step_by(PIECE) {
            while first + PIECE > read + AHEAD {
                match read_so_far.recv_timeout(PATIENCE) {
                    Ok(n) => read = n,
                    // B stopped: its thread says why.
                    Err(_) => break 'flood,
                }
            }
            let piece: String = (first..first + PIECE)
                .map(|i| format!("{}\n", flood_line(i)))
                .collect();
            a.send(&piece);
        }
        let mut b = listener
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        eprintln!("16 MiB through the room in {:?}", started.elapsed());
        if let (Some(before), Some(peak)) = (before, memory::peak_kib(server.id()))
        {
            let grown = peak.saturating_sub(before);
            eprintln!("your server's memory grew by {grown} KiB during the flood");
            assert!(
                grown < 2 * 1024,
                "your server's memory grew by {grown} KiB while S did not read: \
                 what waits for one client must be bounded (64 KiB)"
            );
        } else {
            eprintln!("(not Linux: your server's memory is not measured)");
        }

        // Now S reads: what its connection held, then the end (it was dropped) or,
        // once it has caught up, the lines sent since (lines were dropped for it).
        let marker = "did S catch up?";
        let mut marker_sent = false;
        let mut received = Vec::new();
        let mut line = Vec::new();
        let mut dropped = false;
        s.reader.get_ref().set_read_timeout(Some(QUIET)).unwrap();
        loop {
            match s.reader.read_until(b'\n', &mut line) {
                Ok(0) => {
                    dropped = true;
                    break;
                }
                Ok(_) if !line.ends_with(b"\n") => {
                    dropped = true; // the end came in the middle of a line
                    break;
                }
                Ok(_) => {
                    let text = String::from_utf8_lossy(&line[..line.len() - 1])
                        .into_owned();
                    line.clear();
                    if text == format!("{}: {marker}", a.name) {
                        break;
                    }
                    received.push(text);
                }
                Err(e) if timed_out(&e) && !marker_sent => {
                    // S has read all there was for now: one more line from A
                    // must reach it.
                    a.send(&format!("{marker}\n"));
                    marker_sent = true;
                    s.reader.get_ref().set_read_timeout(Some(PATIENCE)).unwrap();
                }
                Err(e) if timed_out(&e) => panic!(
                    "S, having read all it was sent, was neither disconnected \
                     nor sent A's next line"
                ),
                Err(_) => {
                    dropped = true; // reset
                    break;
                }
            }
        }
        let mut next = 0;
        for text in &received {
            let i = (next..FLOOD_LINES)
                .find(|&i| *text == format!("{}: {}", a.name, flood_line(i)))
                .unwrap_or_else(|| {
                    panic!(
                        "S received {}, which is not a whole flood line sent \
                         after line {next}",
                        short(text.as_bytes())
                    )
                });
            next = i + 1;
        }
        assert!(
            received.len() < FLOOD_LINES,
            "S received all {FLOOD_LINES} lines without reading while they \
             were sent: your server kept them all for it (16 MiB), instead of \
             disconnecting it or dropping lines for it once 64 KiB were waiting"
        );
        eprintln!(
            "S received {} of {FLOOD_LINES} lines, then {}",
            received.len(),
            if dropped {
                "was disconnected"
            } else {
                "caught up"
            }
        );
        // A and B are still served.
        if marker_sent {
            b.expect(&format!("{}: {marker}", a.name));
        }
        a.send("still here\n");
        b.expect(&format!("{}: still here", a.name));
    });
}

/// How long another client's line may take to cross the room while A sends
/// without pause. Generous: with a turn each, it takes milliseconds.
const FAIR: Duration = Duration::from_secs(1);

/// A sends lines as fast as it can, for as long as this at most.
const FLOOD_FOR: Duration = Duration::from_secs(4);

/// A's lines while it sends without pause: short, so that each costs your
/// server two writes (to B and to C) for every 8 bytes A sends, and A sends
/// faster than your server can pass its lines on.
fn quick_line(i: usize) -> String {
    format!("{:07}", i % 10_000_000)
}

/// A sends without pause, faster than your server can pass its lines on; C
/// sends one line, which must reach B within `FAIR`. A loop that reads a
/// client until `WouldBlock` reads A for as long as A sends: the given loop
/// gives each client a turn of at most 16 KiB, so `receive` must read once
/// (one `read`), not until the kernel has no more.
#[test]
fn a_client_that_sends_without_pause_does_not_hold_up_the_others() {
    with_server(|server, addr| {
        let _alone = heavy();
        eprintln!(
            "In this test, A sends without pause, C sends one line, B reads."
        );
        let [a, b, mut c] = room(server, addr);
        let stop = Arc::new(AtomicBool::new(false));

        // C reads what it is sent (A's lines), and drops it.
        let mut c_reader = c.writer.try_clone().unwrap();
        c_reader.set_read_timeout(None).unwrap();
        thread::spawn(move || {
            let mut sink = vec![0; 1 << 20];
            while matches!(c_reader.read(&mut sink), Ok(n) if n > 0) {}
        });

        // B reads everything, and says when C's line arrives. It steps over
        // A's lines by their length, so that it reads faster than any server
        // can pass them on.
        let (seen, c_line_seen) = mpsc::channel::<Instant>();
        let a_prefix = format!("{}: ", a.name).into_bytes();
        let a_line_len = a_prefix.len() + quick_line(0).len() + 1;
        let c_line = format!("{}: hello from C\n", c.name).into_bytes();
        let mut b_reader = b.writer.try_clone().unwrap();
        b_reader
            .set_read_timeout(Some(FLOOD_FOR + PATIENCE))
            .unwrap();
        thread::spawn(move || {
            let mut buffer = Vec::new();
            let mut chunk = vec![0; 1 << 20];
            let mut at = 0; // where the next line starts
            loop {
                let n = match b_reader.read(&mut chunk) {
                    Ok(n) if n > 0 => n,
                    _ => return, // the end, or an error: the main thread says
                };
                buffer.extend_from_slice(&chunk[..n]);
                loop {
                    let rest = &buffer[at..];
                    if rest.starts_with(&a_prefix) && rest.len() >= a_line_len {
                        at += a_line_len;
                    } else if let Some(end) = rest.iter().position(|&b| b == b'\n')
                    {
                        if rest[..=end] == c_line[..] {
                            let _ = seen.send(Instant::now());
                            return;
                        }
                        at += end + 1;
                    } else {
                        break; // the rest of a line is on its way
                    }
                }
                buffer.drain(..at);
                at = 0;
            }
        });

        // A sends short lines, 64 KiB at a time, until told to stop; it says
        // when it has sent its first mebibyte.
        let (going, flood_going) = mpsc::channel::<()>();
        let mut a_writer = a.writer.try_clone().unwrap();
        let flood_stop = Arc::clone(&stop);
        let flood = thread::spawn(move || {
            let piece: String =
                (0..8192).map(|i| format!("{}\n", quick_line(i))).collect();
            let started = Instant::now();
            let mut sent = 0;
            while !flood_stop.load(Ordering::Relaxed)
                && started.elapsed() < FLOOD_FOR
            {
                if a_writer.write_all(piece.as_bytes()).is_err() {
                    return; // dropped: the main thread sees B's result
                }
                sent += piece.len();
                if sent >= 1 << 20 && sent - piece.len() < 1 << 20 {
                    let _ = going.send(());
                }
            }
        });

        flood_going
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|_| panic!("A could not send 1 MiB in {PATIENCE:?}"));
        let sent = Instant::now();
        c.send("hello from C\n");
        let arrived = c_line_seen.recv_timeout(FAIR);
        stop.store(true, Ordering::Relaxed);
        let _ = flood.join();
        match arrived {
            Ok(at) => eprintln!(
                "C's line reached B in {:?} while A sent without pause",
                at - sent
            ),
            Err(_) => panic!(
                "C's line did not reach B within {FAIR:?} while A sent without \
                 pause: your server read A's lines for as long as A sent them. \
                 The given loop gives each client a turn (at most 16 KiB of \
                 its lines, then the others'): keep it, and make `receive` \
                 one `read`, not a loop until `WouldBlock`."
            ),
        }
    });
}

/// While nothing happens (A has sent half a line, and waits), your server
/// sleeps in `poll`: over 1.5 s it uses less than 0.1 s of CPU (a loop that
/// spins gets far more, even on a busy machine; a sleeping one, none). And it
/// is one thread. (Linux: read from `/proc`.)
#[test]
fn the_server_is_one_thread_that_sleeps_while_nothing_happens() {
    with_server(|server, addr| {
        let [mut a, mut b] = room(server, addr);
        a.send("half a li");
        let window = Duration::from_millis(1500);
        // Not while the flood runs: its CPU would leave a spinning server less.
        let _alone = heavy();
        match memory::cpu_used(server.id(), window) {
            Some(used) => {
                eprintln!("your server used {used:?} of CPU in {window:?}");
                assert!(
                    used < Duration::from_millis(100),
                    "your server used {used:?} of CPU in {window:?} while \
                     nothing happened: a loop that does not wait in `poll` (a \
                     zero timeout, or trying again at once after `WouldBlock`) \
                     spins"
                );
            }
            None => {
                eprintln!("(not Linux: the CPU your server uses is not checked)")
            }
        }
        if let Some(threads) = memory::threads(server.id()) {
            assert_eq!(threads, 1, "your server's threads: one loop, one thread");
        }
        a.send("ne\n");
        b.expect(&format!("{}: half a line", a.name));
    });
}

/// What `/proc` tells of a running process, on Linux; `None` elsewhere. On
/// Linux, a server that is no longer running fails the test.
mod memory {
    use std::time::Duration;

    #[cfg(target_os = "linux")]
    fn proc_file(pid: u32, name: &str) -> String {
        std::fs::read_to_string(format!("/proc/{pid}/{name}"))
            .unwrap_or_else(|e| panic!("your server is no longer running ({e})"))
    }

    /// A `kB` field of `/proc/PID/status` (an exited process has none).
    #[cfg(target_os = "linux")]
    fn status_kib(pid: u32, field: &str) -> u64 {
        let status = proc_file(pid, "status");
        let line = status
            .lines()
            .find(|l| l.starts_with(field))
            .unwrap_or_else(|| {
                panic!("your server is no longer running (no {field})")
            });
        line[field.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .unwrap()
    }

    /// The memory the process uses now (VmRSS), in KiB.
    pub fn rss_kib(pid: u32) -> Option<u64> {
        #[cfg(target_os = "linux")]
        return Some(status_kib(pid, "VmRSS:"));
        #[cfg(not(target_os = "linux"))]
        {
            let _ = pid;
            None
        }
    }

    /// The most memory the process has used so far (VmHWM), in KiB.
    pub fn peak_kib(pid: u32) -> Option<u64> {
        #[cfg(target_os = "linux")]
        return Some(status_kib(pid, "VmHWM:"));
        #[cfg(not(target_os = "linux"))]
        {
            let _ = pid;
            None
        }
    }

    /// How many threads the process has.
    pub fn threads(pid: u32) -> Option<usize> {
        #[cfg(target_os = "linux")]
        return Some(status_kib(pid, "Threads:") as usize);
        #[cfg(not(target_os = "linux"))]
        {
            let _ = pid;
            None
        }
    }

    /// The CPU time (user and system) the process uses over `window`.
    pub fn cpu_used(pid: u32, window: Duration) -> Option<Duration> {
        #[cfg(target_os = "linux")]
        {
            let before = cpu_ticks(pid);
            // The window is how long the check watches, not a wait for an event.
            std::thread::sleep(window);
            let after = cpu_ticks(pid);
            // /proc counts in ticks of 1/100 s (USER_HZ) on Linux.
            Some(Duration::from_millis((after - before) * 10))
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (pid, window);
            None
        }
    }

    /// utime + stime from `/proc/PID/stat`, its 14th and 15th fields.
    #[cfg(target_os = "linux")]
    fn cpu_ticks(pid: u32) -> u64 {
        let stat = proc_file(pid, "stat");
        // The program's name, in parentheses, may hold spaces: count from after it.
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = after_name.split(' ').collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    }
}

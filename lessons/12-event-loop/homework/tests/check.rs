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
use std::sync::{Mutex, MutexGuard, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use workbook_harness::pretty_assertions::assert_eq;
use workbook_harness::{Proc, homework_program, start_server};

/// How long a client waits for a line that should come. Generous: a line on
/// loopback takes microseconds, but the machine may be busy.
const PATIENCE: Duration = Duration::from_secs(5);

/// How long a client watches to prove that no line comes.
const QUIET: Duration = Duration::from_millis(300);

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
                panic!("{} cannot send to your server: {e}", self.label)
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
                    "nothing".to_string()
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
        socket2::SockRef::from(&c.writer)
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

/// The flood: lines of 1000 bytes.
fn flood_line(i: usize) -> String {
    format!("{i:05} {}", "x".repeat(994))
}

/// How many flood lines A sends: 16 MiB, more than any kernel keeps for a
/// connection whose reader does not read.
const FLOOD_LINES: usize = 16 * 1024;

/// A sends lines in pieces of this many.
const PIECE: usize = 8;

/// A is never more than this many lines ahead of what B has read (96 KiB), so
/// that B is never the slow one: of those, the kernel holds at least 80 KiB on
/// B's way (its receive window and your server's send buffer), so your server
/// never has more than 64 KiB waiting for B. More than 64 KiB, because on
/// loopback a packet holds 64 KiB: less would leave every packet waiting for
/// an acknowledgement (Nagle's algorithm), and the flood would crawl.
const AHEAD: usize = 96;

/// S never reads while A sends 16 MiB to the room. B still receives every line
/// within `PATIENCE` of its sending (nothing waits for S); your server's memory
/// grows by less than 2 MiB (Linux), and S does not receive all 16 MiB: the
/// server dropped it or dropped lines for it. What S does receive is whole
/// lines, in order, none twice (the last one before a disconnection may be cut).
#[test]
fn a_client_that_never_reads_stalls_no_one_and_costs_bounded_memory() {
    with_server(|server, addr| {
        let _alone = heavy();
        let [mut a, mut b, mut s] = room(server, addr);
        s.label = "S (the client that does not read)";
        b.label = "B (while S did not read)";
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

//! The check for homework 13 (`just check 13`). Clients connect to your chat
//! room over loopback and talk: the check reads what each of them receives, line
//! by line, each wait with a deadline. One client never reads while another
//! floods the room; on Linux the check also reads your server's memory and CPU
//! time from `/proc`.
//!
//! The protocol, as the check expects it (the chapter's "Homework" section):
//! your server prints `NAME joined` when a client connects; the others receive
//! `* NAME joined`, then `NAME: LINE` for each line it sends, and `* NAME left`
//! when it is gone. NAME is the client's address, as your server sees it. A
//! client that fell too far behind is disconnected, or told how many messages
//! it missed: `* N messages skipped`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard, PoisonError, mpsc};
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

/// Why a line that should have come may not have, when nothing more precise
/// can be said.
const NOTHING_CAME: &str = "Likely causes: the task of the client it was \
    for does not take messages from the room (`inbox.recv()`), or it is \
    waiting for something else that never comes.";

/// Starts your server and runs `test` with it. If the test fails, what your
/// server printed (a panic, say) is shown under the failure.
fn with_server(test: impl FnOnce(&mut Proc, SocketAddr)) {
    let (mut server, addr) =
        start_server("your server", &homework_program!("13"), &[]).unwrap();
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
    /// The announcements (`* …`) it received, to tell one received twice.
    announced: Vec<String>,
    /// Why your server may close its connection in this test, if the check
    /// can tell more than "it was dropped".
    if_closed: &'static str,
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
                        "{label} cannot send to your server: {e}. {}",
                        dropped_sender(label)
                    )
                }
                panic!("{label} cannot send to your server: {e}")
            });
    }

    /// The next line it receives, without its `\n`. `awaited` says what the
    /// check waits for, and `likely` why it may not come, for the failure
    /// message.
    #[track_caller]
    fn next_line(&mut self, awaited: &str, likely: &str) -> String {
        self.reader
            .get_ref()
            .set_read_timeout(Some(PATIENCE))
            .unwrap();
        let label = self.label;
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line) {
            Ok(_) if line.ends_with(b"\n") => {
                line.pop();
                let line = String::from_utf8_lossy(&line).into_owned();
                if line.starts_with("* ") {
                    self.announced.push(line.clone());
                }
                line
            }
            Ok(0) => panic!(
                "{label} waited for {awaited}, and your server closed the \
                 connection: it dropped {label}, or {label}'s task ended. \
                 Your server's output, below, says which (`NAME left \
                 (REASON)`, or a panic).{}",
                self.if_closed
            ),
            Ok(_) => panic!(
                "{label} waited for {awaited}, and the connection ended in the \
                 middle of a line: {}",
                short(&line)
            ),
            Err(e) if timed_out(&e) => panic!(
                "{label} waited {PATIENCE:?} for {awaited}, and received {}",
                if line.is_empty() {
                    format!("nothing.\n{likely}")
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

    /// Fails unless the next line it receives is `wanted`; `likely` says why
    /// nothing may come.
    #[track_caller]
    fn expect_or(&mut self, wanted: &str, likely: &str) {
        let line =
            self.next_line(&format!("{:?}", short(wanted.as_bytes())), likely);
        self.judge(&line, wanted);
    }

    /// Fails unless `line`, the line it received, is `wanted`, and says what
    /// went wrong if it can tell.
    #[track_caller]
    fn judge(&self, line: &str, wanted: &str) {
        let line = line.to_string();
        let own = format!("{}: ", self.name);
        let own_news = [
            format!("* {} joined", self.name),
            format!("* {} left", self.name),
        ];
        assert!(
            !own_news.contains(&line) || own_news.contains(&wanted.to_string()),
            "{} received the news of its own arrival or departure ({line:?}), \
             where it waited for {:?}: news goes to everyone but the client \
             it is about. Each task receives everything sent into the room, \
             its own client's messages too, and must skip those \
             (`message.from == me`).",
            self.label,
            short(wanted.as_bytes())
        );
        let earlier = &self.announced[..self.announced.len().saturating_sub(1)];
        assert!(
            line == wanted || !line.ends_with(" left") || !earlier.contains(&line),
            "{} was told a second time {line:?}, where it waited for {:?}: \
             one client, one departure. Two tasks (or two parts of one \
             client's task) each said it left.",
            self.label,
            short(wanted.as_bytes())
        );
        assert!(
            !line.starts_with(&own) || wanted.starts_with(&own),
            "{} received its own line back ({:?}), where it waited for {:?}: \
             a line goes to everyone but its sender. The sender's task \
             receives its own messages from the room too, and must skip them \
             (`message.from == me`).",
            self.label,
            short(line.as_bytes()),
            short(wanted.as_bytes())
        );
        assert_eq!(line, wanted, "what {} received next", self.label);
    }

    /// Fails unless the next lines it receives are `lines` from `sender`, in
    /// order; `likely` says why nothing may come.
    #[track_caller]
    fn expect_in_order(&mut self, sender: &str, lines: &[String], likely: &str) {
        for (k, line) in lines.iter().enumerate() {
            let wanted = format!("{sender}: {line}");
            let got =
                self.next_line(&format!("{:?}", short(wanted.as_bytes())), likely);
            if got != wanted {
                let sent = |j: usize| got == format!("{sender}: {}", lines[j]);
                if let Some(j) = (0..lines.len()).find(|&j| sent(j)) {
                    out_of_order(self.label, j, k);
                }
            }
            self.judge(&got, &wanted);
        }
    }

    /// Fails unless the next line it receives is `wanted`.
    #[track_caller]
    fn expect(&mut self, wanted: &str) {
        self.expect_or(wanted, NOTHING_CAME);
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

    /// Fails unless your server closes its connection (an end, or a reset)
    /// without sending it anything more. `after` says when, for the message.
    #[track_caller]
    fn expect_the_end(&mut self, after: &str) {
        self.reader
            .get_ref()
            .set_read_timeout(Some(PATIENCE))
            .unwrap();
        let label = self.label;
        let mut rest = Vec::new();
        match self.reader.read_to_end(&mut rest) {
            Ok(_) if rest.is_empty() => {}
            Err(e) if !timed_out(&e) && rest.is_empty() => {} // a reset
            Ok(_) | Err(_) if !rest.is_empty() => panic!(
                "{label} received {:?} {after}: its task (or part of it, such \
                 as a task that writes to it) still runs, holds the connection \
                 open and takes messages from the room. When a client leaves, \
                 everything that served it must end.",
                short(&rest)
            ),
            _ => panic!(
                "{label}'s connection is still open {PATIENCE:?} {after}: its \
                 task (or part of it, such as a task that writes to it) still \
                 runs. When a client leaves, everything that served it must \
                 end, and the connection be closed."
            ),
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

/// Fails: `label` received line `got` (counted from 0) of what one client
/// sent, where it waited for line `wanted`.
#[track_caller]
fn out_of_order(label: &str, got: usize, wanted: usize) -> ! {
    panic!(
        "{label} received line {got} of what one client sent, where it \
         waited for line {wanted}: {}. Lines from one sender reach everyone \
         once, in the order they were sent: write each message from the \
         client's own task, one after the other. (A task spawned for each \
         message writes whenever it gets its turn, in any order.)",
        if got < wanted {
            "a line came twice"
        } else {
            "lines came out of order, or some were lost"
        }
    )
}

/// Why a client that sends may have been disconnected, for a failure message.
fn dropped_sender(label: &str) -> String {
    format!(
        "Your server disconnected {label} while it was sending (its output, \
         below, says why: `NAME left (REASON)`). If as too slow: {label}'s \
         task receives {label}'s own lines from the room too, and must take \
         them as fast as it sends them. Reading from the client in turn with \
         taking from the room, in a random order, it falls behind: take from \
         the room first (`select! {{ biased; … }}`, the room's branch first)."
    )
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
        announced: Vec::new(),
        if_closed: "",
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
            client.expect_in_order(&a.name, &lines, NOTHING_CAME);
        }
        a.expect_nothing("(its own lines must not come back)");
    });
}

/// What a learner reads when a line arrived cut: the part that came, and why.
#[track_caller]
fn expect_whole_line(client: &mut Client, sender: &str, line: &str, pieces: &str) {
    let wanted = format!("{sender}: {line}");
    let got = client.next_line(&format!("{wanted:?}"), NOTHING_CAME);
    if got == wanted {
        return;
    }
    let label = client.label;
    if let Some(part) = got.strip_prefix(&format!("{sender}: ")) {
        if part != line && line.ends_with(part) {
            panic!(
                "{label} received {got:?}, where it waited for {wanted:?}: the \
                 start of the line was lost. It came in pieces ({pieces}), and \
                 a message from the room arrived for its sender's task between \
                 them. A read that `select!` cancels must not lose what it had \
                 read: `read_line` is not cancel safe (a cancelled call drops \
                 the bytes it took). Keep the unfinished line in a buffer that \
                 lives outside the loop: `read` into it (cancel safe: nothing \
                 is read if it loses), or `read_until` into it."
            )
        }
        if part != line && line.starts_with(part) {
            panic!(
                "{label} received {got:?}, where it waited for {wanted:?}: a \
                 piece was passed on as a line. It came in pieces ({pieces}), \
                 and a message from the room arrived for its sender's task \
                 between them. What a cancelled read had read is the start of \
                 a line: keep it until its `\\n` comes."
            )
        }
    }
    assert_eq!(got, wanted, "what {label} received next");
}

/// A line that arrives in pieces is passed on whole, once its `\n` has come,
/// and another client's line in between is not mixed into it. That line
/// reaches the sender of the pieces too while its line is unfinished: its
/// task takes a message from the room in the middle of reading a line.
#[test]
fn a_line_sent_in_pieces_arrives_whole_though_messages_come_between() {
    with_server(|server, addr| {
        let [mut a, mut b, mut c] = room(server, addr);
        let pieces = "\"pie\", \"ces of a\", \" line\\n\"";
        a.send("pie");
        b.expect_nothing("while A had sent only \"pie\" (no \\n yet)");
        c.expect_nothing("while A had sent only \"pie\" (no \\n yet)");
        b.send("meanwhile, a whole line from B\n");
        c.expect(&format!("{}: meanwhile, a whole line from B", b.name));
        a.expect(&format!("{}: meanwhile, a whole line from B", b.name));
        a.send("ces of a");
        c.expect_nothing("while A had sent \"pieces of a\" (no \\n yet)");
        c.send("and one from C\n");
        b.expect(&format!("{}: and one from C", c.name));
        a.expect(&format!("{}: and one from C", c.name));
        a.send(" line\n");
        for client in [&mut b, &mut c] {
            expect_whole_line(client, &a.name, "pieces of a line", pieces);
        }
    });
}

/// Why the others may not hear that a client left.
const NOT_TOLD_GONE: &str = "Your server did not tell the others that it \
    left. Its task must see the end of its client's stream (a `read` of 0 \
    bytes; `None` from a stream of lines) and say so (`* NAME left`). A \
    `select!` branch whose pattern does not match (`Ok(n @ 1..) = …`, \
    `Some(line) = …`) is disabled without a word, and the end goes unseen.";

/// A client that closes its side of the connection is gone: the others are
/// told at once (nobody has to send anything first), your server closes the
/// connection (nothing of it keeps running: no line reaches the client after
/// that), and the room goes on without it.
#[test]
fn a_client_that_closes_is_announced_and_everything_of_it_ends() {
    with_server(|server, addr| {
        let [mut a, mut b, mut c] = room(server, addr);
        let gone = format!("* {} left", c.name);
        // Its side only: it can still see what your server does with its own.
        c.writer.shutdown(Shutdown::Write).unwrap();
        let likely =
            format!("C had closed its side of the connection. {NOT_TOLD_GONE}");
        a.expect_or(&gone, &likely);
        b.expect_or(&gone, &likely);
        a.send("still here?\n");
        b.expect(&format!("{}: still here?", a.name));
        c.expect_the_end("after it had left (and A had sent a line since)");
    });
}

/// A client that vanishes (its connection reset, as when its machine drops
/// it) is one client's error: it leaves like any other, and the server goes on
/// serving the others.
#[test]
fn a_client_whose_connection_resets_leaves_and_the_room_goes_on() {
    with_server(|server, addr| {
        let [mut a, mut b, c] = room(server, addr);
        let gone = format!("* {} left", c.name);
        // SO_LINGER 0: closing sends a reset (RST) instead of a goodbye (FIN).
        SockRef::from(&c.writer)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(c);
        let likely = "C's connection was reset (as when its machine vanishes): \
            its read fails. That is C leaving, like any other way: its task \
            must say so (`* NAME left`) before it ends. A `?` or an `unwrap()` \
            on that read ends the task first, and nobody is told.";
        a.expect_or(&gone, likely);
        b.expect_or(&gone, likely);
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
        let gone = format!("* {} left", c.name);
        c.send(&"y".repeat(1025));
        let likely = "C had sent 1025 bytes without a `\\n`: your server must \
            disconnect it as soon as an unfinished line is longer than 1024 \
            bytes, not wait for the line's end (it may never come, and the \
            line grows your server's memory until it does). Check the length \
            of the unfinished line after every read.";
        a.expect_or(&gone, likely);
        b.expect_or(&gone, likely);
        a.send("after\n");
        b.expect(&format!("{}: after", a.name));
        // Its connection is closed: it reads the end (or a reset: the server
        // closed with C's bytes unread), never a line.
        c.expect_the_end(
            "after it was announced as gone (and A had sent a line since)",
        );
    });
}

/// How much a client that reads late is sent: the lines of 1000 bytes that
/// make about 50 KB. More than the kernel holds on its way (30 KB, with its
/// small receive buffer and your server's small send buffer): its task waits
/// in a write, and the rest waits in the room. Far less than the 256 messages
/// the room keeps: no line may be lost, and the client not dropped.
const LATE_LINES: usize = 50;

/// B's receive buffer in that test: small, as a slow client's on a real
/// network (Linux keeps twice this).
const LATE_RECEIVE_BUFFER: usize = 4096;

/// B does not read while A sends it about 50 KB, more than the kernel holds
/// for B, far less than the room keeps. Then B reads: it must receive every
/// byte, in order, exactly once. A task may wait for its own client (that
/// is what a task is for); a server that gives up on B when the kernel's
/// buffer is full, or writes part of a line and forgets the rest, fails here.
#[test]
fn a_client_that_reads_late_receives_every_byte_once_in_order() {
    with_server(|server, addr| {
        eprintln!("In this test, A sends, C reads, and B reads only at the end.");
        let [mut a, mut c] = room(server, addr);
        c.label = "C";
        c.if_closed = " A sent 50 lines at once: for a moment, C's connection \
            (and B's) is full. That is no error, and no reason to drop a \
            client: its task may wait in `write_all(…).await` until it reads \
            (the room keeps the rest meanwhile). Only the others' tasks must \
            not wait for it.";
        let mut b = join_buffered(server, addr, "B", LATE_RECEIVE_BUFFER);
        for client in [&mut a, &mut c] {
            client.expect(&format!("* {} joined", b.name));
        }

        let lines: Vec<String> = (0..LATE_LINES).map(flood_line).collect();
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        a.send(&text);
        let b_left = format!("* {} left", b.name);
        for (k, line) in lines.iter().enumerate() {
            let wanted = format!("{}: {line}", a.name);
            let got = c.next_line(
                &format!("{:?}", short(wanted.as_bytes())),
                &stalled("B"),
            );
            assert!(
                got != b_left,
                "your server dropped B, which had not read for a moment and \
                 was {LATE_LINES} messages behind at most, far less than the \
                 256 the room keeps. A full connection is no error: B's task \
                 may wait in `write_all(…).await` until B reads (the room \
                 keeps the rest meanwhile); only tasks that serve others must \
                 not wait for B"
            );
            let sent = |j: usize| got == format!("{}: {}", a.name, lines[j]);
            if let Some(j) = (0..LATE_LINES).find(|&j| sent(j))
                && j != k
            {
                out_of_order("C", j, k);
            }
            c.judge(&got, &wanted);
        }
        // Once C has this one, every line before it is in the room.
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
                 sent:     {:?}\n  received: {:?}\nB's task may wait until B \
                 reads: `write_all(…).await` writes every byte, in order. A \
                 `try_write` that gives up, or a `write` whose count is \
                 ignored, loses what the connection did not take.",
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

/// A is never more than this many lines ahead of what B has read: it sends a
/// piece once B has received every line before it. So B is never the slow
/// one (its task is never more than a piece behind, far less than the 256
/// messages the room keeps), and neither is A's task: it receives its own
/// lines from the room too, and whenever A waits for B, it has time to take
/// them.
const AHEAD: usize = PIECE;

/// Why the others may stop receiving while client `slow` does not read.
fn stalled(slow: &str) -> String {
    format!(
        "{slow} does not read: its task may wait in a write, for as long as \
         {slow} does not read. Nothing else may wait for {slow}, yet something \
         does, and holds up the room: a lock held across an `.await` that \
         writes to {slow} (the others' tasks wait for the lock), a \
         `send(…).await` into {slow}'s full queue, or one task that writes to \
         every client in turn."
    )
}

/// What `* N messages skipped` says, or `None` for any other line.
fn skipped(line: &str) -> Option<usize> {
    let rest = line.strip_prefix("* ")?;
    let (count, words) = rest.split_once(' ')?;
    if words == "messages skipped" || words == "message skipped" {
        count.parse().ok()
    } else {
        None
    }
}

/// S never reads while A sends 16 MiB to the room. B still receives every line
/// within `PATIENCE` of its sending (nothing waits for S); your server's memory
/// grows by less than 2 MiB (Linux); S falls behind and your server applies
/// its policy: S is disconnected (and the others told), or it stays and is told
/// how many messages it missed (`* N messages skipped`, N exact). What S does
/// receive is whole lines, in order, none twice (the last one before a
/// disconnection may be cut).
#[test]
fn a_client_that_never_reads_stalls_no_one_and_costs_bounded_memory() {
    with_server(|server, addr| {
        let _alone = heavy();
        eprintln!("In this test, A sends, B reads, and S never reads.");
        let [mut a, b, mut s] = room(server, addr);
        s.label = "S";
        let before = memory::rss_kib(server.id());
        let started = Instant::now();

        // B reads on a thread of its own, and tells A how far it has got.
        let (progress, read_so_far) = mpsc::channel::<usize>();
        let (sender, s_left) = (a.name.clone(), format!("* {} left", s.name));
        let a_left = format!("* {} left", a.name);
        let listener = thread::spawn(move || {
            let mut b = b;
            let mut s_gone = false;
            for i in 0..FLOOD_LINES {
                let awaited = format!("flood line {i} from A");
                let mut line = b.next_line(&awaited, &stalled("S"));
                if line == s_left && !s_gone {
                    s_gone = true; // S was disconnected for being too slow
                    line = b.next_line(&awaited, &stalled("S"));
                }
                assert!(
                    line != a_left,
                    "B waited for {awaited}, and received {line:?}. {}",
                    dropped_sender("A")
                );
                if line != format!("{sender}: {}", flood_line(i)) {
                    let sent = |j| line == format!("{sender}: {}", flood_line(j));
                    if let Some(j) = (0..FLOOD_LINES).find(|&j| sent(j)) {
                        out_of_order("B", j, i);
                    }
                    panic!(
                        "B waited for {awaited}, and received {}",
                        short(line.as_bytes())
                    );
                }
                if progress.send(i + 1).is_err() {
                    break;
                }
            }
            (b, s_gone)
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
        let (mut b, s_gone) = listener
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
                 what is kept for a client that does not read must be bounded. \
                 The room (a broadcast channel) keeps 256 messages, however \
                 far behind a task is; a queue of S's own without a limit \
                 (an unbounded channel), or a task spawned for each message \
                 to S, grows for as long as the others talk."
            );
        } else {
            eprintln!("(not Linux: your server's memory is not measured)");
        }

        // Now S reads: what its connection held, then the end (it was
        // dropped) or, once it has caught up, the lines sent since (it
        // skipped some, and was told how many).
        let marker = format!("{}: did S catch up?", a.name);
        let mut marker_sent = false;
        let mut caught_up = false;
        let mut dropped = false;
        // The next flood line S has not received, and the messages it was
        // told it skipped since the last line it received.
        let (mut next, mut told, mut notices, mut lines) = (0, 0, 0, 0);
        let mut line = Vec::new();
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
                    if let Some(n) = skipped(&text) {
                        told += n;
                        notices += 1;
                        continue;
                    }
                    let i = if text == marker {
                        FLOOD_LINES
                    } else {
                        (next..FLOOD_LINES)
                            .find(|&i| {
                                text == format!("{}: {}", a.name, flood_line(i))
                            })
                            .unwrap_or_else(|| {
                                panic!(
                                    "S received {}, which is not a whole flood \
                                     line sent after line {next}, nor `* N \
                                     messages skipped`",
                                    short(text.as_bytes())
                                )
                            })
                    };
                    if i < FLOOD_LINES {
                        lines += 1;
                    }
                    let missed = i - next;
                    let after = match next {
                        0 => "the start of the flood".to_string(),
                        n => format!("flood line {}", n - 1),
                    };
                    let this = match i {
                        FLOOD_LINES => "A's next line".to_string(),
                        i => format!("flood line {i}"),
                    };
                    assert!(
                        missed == told,
                        "{}",
                        if told == 0 {
                            format!(
                                "S received {this} after {after}, and was not \
                                 told that {missed} messages were skipped in \
                                 between. A client that lost messages \
                                 (`RecvError::Lagged(n)`) is disconnected, or \
                                 told how many: `* n messages skipped`."
                            )
                        } else {
                            format!(
                                "S was told that {told} messages were skipped \
                                 between {after} and {this}, but {missed} \
                                 were: say the `n` of `RecvError::Lagged(n)`"
                            )
                        }
                    );
                    (next, told) = (i + 1, 0);
                    if text == marker {
                        caught_up = true;
                        break;
                    }
                }
                Err(e) if timed_out(&e) && !marker_sent => {
                    // S has read all there was for now: one more line from A
                    // must reach it.
                    a.send("did S catch up?\n");
                    marker_sent = true;
                    s.reader.get_ref().set_read_timeout(Some(PATIENCE)).unwrap();
                }
                Err(e) if timed_out(&e) => panic!(
                    "S, having read all it was sent, was neither disconnected \
                     nor sent A's next line: its task stopped taking messages \
                     from the room. `RecvError::Lagged` is not the end of the \
                     room: disconnect the client, or tell it how many messages \
                     it missed and go on."
                ),
                Err(_) => {
                    dropped = true; // reset
                    break;
                }
            }
        }
        assert!(
            dropped || notices > 0,
            "S received all {FLOOD_LINES} lines without reading while they \
             were sent: your server kept them all for it (16 MiB), instead of \
             letting it fall behind the room's 256 messages"
        );
        eprintln!(
            "S received {lines} of {FLOOD_LINES} lines{}, then {}",
            if notices > 0 {
                format!(" ({notices} notices of messages skipped)")
            } else {
                String::new()
            },
            if caught_up {
                "caught up"
            } else {
                "was disconnected"
            }
        );
        // A and B are still served; if S was dropped, they were told.
        if dropped && !s_gone {
            let s_left = format!("* {} left", s.name);
            b.expect_or(
                &s_left,
                "Your server disconnected S (it fell behind), and did not tell \
                 the others. `RecvError::Lagged` is not the end of the room, \
                 nor of the task: if your policy is to drop the client, it \
                 leaves like any other (`* NAME left`).",
            );
        }
        if marker_sent {
            b.expect(&marker);
        }
        a.send("still here\n");
        b.expect(&format!("{}: still here", a.name));
    });
}

/// While nothing happens (A has sent half a line, and waits; C has left), your
/// server sleeps: over 1.5 s it uses less than 0.1 s of CPU (a task that spins
/// gets far more, even on a busy machine; a sleeping one, none). (Linux: read
/// from `/proc`.)
#[test]
fn the_server_sleeps_while_nothing_happens() {
    with_server(|server, addr| {
        let [mut a, mut b, c] = room(server, addr);
        let gone = format!("* {} left", c.name);
        a.send("half a li");
        drop(c);
        let window = Duration::from_millis(1500);
        // Not while the flood runs: its CPU would leave a spinning server less.
        let _alone = heavy();
        match memory::cpu_used(server.id(), window) {
            Some(used) => {
                eprintln!("your server used {used:?} of CPU in {window:?}");
                assert!(
                    used < Duration::from_millis(100),
                    "your server used {used:?} of CPU in {window:?} while \
                     nothing happened (A had sent half a line, C had closed \
                     its connection): a task spins. One that goes on reading \
                     after its client's end (a `read` that gives 0 bytes at \
                     once, again and again) never sleeps."
                );
            }
            None => {
                eprintln!("(not Linux: the CPU your server uses is not checked)")
            }
        }
        b.expect_or(
            &gone,
            &format!("C had closed its connection. {NOT_TOLD_GONE}"),
        );
        a.send("ne\n");
        let pieces = "\"half a li\", \"ne\\n\"";
        expect_whole_line(&mut b, &a.name, "half a line", pieces);
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

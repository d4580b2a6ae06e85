//! A child process whose output is read line by line on background threads, so a
//! test (or the runner) can wait for "the server printed X" without sleeping and
//! without ever blocking forever: every wait has a deadline, and a `Proc` that is
//! dropped kills its child.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// How long any single wait may take before the harness gives up, kills the child
/// and fails with everything the child printed so far.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Which of the child's output streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line of a child's output, without its line ending.
#[derive(Debug, Clone)]
pub struct Line {
    pub stream: Stream,
    pub text: String,
}

/// What a finished child left behind.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// The one line a program that failed cleanly printed: fails the test unless
    /// the program exited with a failure code and its stderr is exactly one line
    /// starting with `error: ` (no panic, no backtrace).
    #[track_caller]
    pub fn one_error_line(&self) -> &str {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert!(
            !self.status.success()
                && lines.len() == 1
                && lines[0].starts_with("error: "),
            "expected a failure and exactly one `error: …` line on stderr \
             (no panic, no backtrace); got {}, stderr:\n{}",
            self.status,
            self.stderr
        );
        lines[0]
    }
}

/// Where the child's standard input comes from.
#[derive(Debug)]
pub enum Input {
    /// A pipe the caller writes to with [`Proc::send_line`] and closes with [`Proc::close_stdin`].
    Piped,
    /// The caller's own terminal (the runner's interactive mode).
    Inherit,
}

/// A running child process. Killed when dropped.
#[derive(Debug)]
pub struct Proc {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    seen: Vec<Line>,
    /// Lines already read (and in `seen`) that no wait has looked at yet.
    pending: VecDeque<Line>,
    streams_open: usize,
    /// Whether a failure already showed everything it printed.
    shown: bool,
}

impl Proc {
    /// Starts `program` with `args`. `name` is used in failure messages.
    pub fn spawn(
        name: &str,
        program: &Path,
        args: &[String],
        input: Input,
    ) -> std::io::Result<Proc> {
        Proc::spawn_in(None, name, program, args, input)
    }

    /// Like [`Proc::spawn`], with the child's working folder set to `dir`
    /// (lessons 8 and 9 give each side a folder of its own).
    pub fn spawn_in(
        dir: Option<&Path>,
        name: &str,
        program: &Path,
        args: &[String],
        input: Input,
    ) -> std::io::Result<Proc> {
        let mut command = Command::new(program);
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        command.args(args);
        Proc::start(command, name, input)
    }

    /// Starts `command` as it is set up (its folder, arguments and environment),
    /// with its output read line by line. `name` is used in failure messages.
    pub fn start(
        mut command: Command,
        name: &str,
        input: Input,
    ) -> std::io::Result<Proc> {
        let stdin = match input {
            Input::Piped => Stdio::piped(),
            Input::Inherit => Stdio::inherit(),
        };
        let mut child = command
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Lessons print the way a learner's terminal shows them, with no colour
            // codes and no Rust backtraces in the transcripts.
            .env("NO_COLOR", "1")
            .env_remove("RUST_BACKTRACE")
            .spawn()
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!(
                        "cannot start {}: {e}",
                        Path::new(command.get_program()).display()
                    ),
                )
            })?;
        let (tx, lines) = mpsc::channel();
        read_lines(
            child.stdout.take().expect("stdout is piped"),
            Stream::Stdout,
            tx.clone(),
        );
        read_lines(
            child.stderr.take().expect("stderr is piped"),
            Stream::Stderr,
            tx,
        );
        Ok(Proc {
            name: name.to_string(),
            stdin: child.stdin.take(),
            child,
            lines,
            seen: Vec::new(),
            pending: VecDeque::new(),
            streams_open: 2,
            shown: false,
        })
    }

    /// Writes one line to the child's standard input.
    #[track_caller]
    pub fn send_line(&mut self, line: &str) {
        let Some(stdin) = self.stdin.as_mut() else {
            panic!("{}: stdin is already closed", self.name)
        };
        if let Err(e) = writeln!(stdin, "{line}").and_then(|()| stdin.flush()) {
            self.fail(&format!("stopped reading its input before {line:?} ({e})"));
        }
    }

    /// Closes the child's standard input: the child reads end-of-file (Ctrl-D in a terminal).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The next line the child prints on either stream, or `None` once both
    /// streams are closed. Fails the test (after killing the child) at `deadline`.
    #[track_caller]
    fn next_line_until(&mut self, deadline: Instant) -> Option<Line> {
        // Lines read while proving an absence come first, in order.
        if let Some(line) = self.pending.pop_front() {
            return Some(line);
        }
        while self.streams_open > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    return Some(line);
                }
                Err(RecvTimeoutError::Disconnected) => self.streams_open = 0,
                Err(RecvTimeoutError::Timeout) => {
                    self.fail("printed nothing more before its deadline")
                }
            }
        }
        None
    }

    /// Waits until the child prints a stdout line that satisfies `wanted` and returns it.
    #[track_caller]
    pub fn wait_for(
        &mut self,
        what: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.next_line_until(deadline) {
                Some(line)
                    if line.stream == Stream::Stdout && wanted(&line.text) =>
                {
                    return line.text;
                }
                Some(_) => {}
                None => self.fail(&format!("exited before printing {what}")),
            }
        }
    }

    /// Proves that something does NOT happen: fails the test if, within `window`,
    /// the child prints a stdout line that satisfies `unwanted`. The window is how
    /// long the test watches, stated in the test, not a pause standing in for an
    /// event; a check that something happens uses [`Proc::wait_for`]. Lines the
    /// child prints meanwhile stay for the next `wait_for`.
    #[track_caller]
    pub fn assert_no_line_within(
        &mut self,
        what: &str,
        window: Duration,
        unwanted: impl Fn(&str) -> bool,
    ) {
        let is_unwanted =
            |line: &Line| line.stream == Stream::Stdout && unwanted(&line.text);
        if let Some(line) = self.pending.iter().find(|line| is_unwanted(line)) {
            let text = line.text.clone();
            self.fail(&format!("printed {what} ({text:?})"));
        }
        let deadline = Instant::now() + window;
        while self.streams_open > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if is_unwanted(&line) {
                        let text = line.text;
                        self.fail(&format!(
                            "printed {what} within {window:?} ({text:?})"
                        ));
                    }
                    self.pending.push_back(line);
                }
                Err(RecvTimeoutError::Disconnected) => self.streams_open = 0,
                Err(RecvTimeoutError::Timeout) => return,
            }
        }
    }

    /// Waits for a stdout line that contains `needle`.
    #[track_caller]
    pub fn wait_for_text(&mut self, needle: &str) -> String {
        self.wait_for(&format!("a line containing {needle:?}"), |line| {
            line.contains(needle)
        })
    }

    /// Waits for the child to exit by itself and returns everything it printed.
    #[track_caller]
    pub fn finish(self) -> Finished {
        self.finish_within(TIMEOUT)
    }

    /// Like [`Proc::finish`], for a child that may be quiet for longer than
    /// [`TIMEOUT`], such as cargo building a program: fails at `limit`.
    #[track_caller]
    pub fn finish_within(mut self, limit: Duration) -> Finished {
        self.close_stdin();
        let deadline = Instant::now() + limit;
        while self.next_line_until(deadline).is_some() {}
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return self.finished(status),
                Ok(None) if Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(5))
                }
                Ok(None) => self.fail("closed its output but did not exit"),
                Err(e) => self.fail(&format!("cannot wait for it: {e}")),
            }
        }
    }

    /// Kills the child and returns everything it printed until then.
    #[track_caller]
    pub fn kill(mut self) -> Finished {
        let _ = self.child.kill();
        let status = self.child.wait().expect("a killed child can be waited for");
        self.close_stdin();
        let deadline = Instant::now() + TIMEOUT;
        while self.next_line_until(deadline).is_some() {}
        self.finished(status)
    }

    /// Waits up to `grace` for the child to exit by itself, then kills it.
    /// Returns whether it exited by itself, and what it printed.
    pub fn stop_within(mut self, grace: Duration) -> (bool, Finished) {
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return (true, self.finish());
            }
            thread::sleep(Duration::from_millis(10));
        }
        (false, self.kill())
    }

    /// Hands every line the child prints to the caller (the runner forwards them
    /// live), from its first: the lines already read, such as the `listening on`
    /// line [`start_server`] waited for, then the rest as they come. One stream,
    /// in order, so whoever prints it cannot show a later line above an earlier
    /// one. The stream ends when the child's output closes; the process is still
    /// killed when the `Proc` is dropped.
    pub fn take_lines(&mut self) -> impl Iterator<Item = Line> + Send + 'static {
        let (_, empty) = mpsc::channel();
        self.streams_open = 0;
        let rest = std::mem::replace(&mut self.lines, empty);
        self.seen.clone().into_iter().chain(rest)
    }

    /// Waits for the child to exit, without a deadline (the runner's interactive mode,
    /// where the learner decides when the client ends).
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        self.close_stdin();
        self.child.wait()
    }

    fn finished(&mut self, status: ExitStatus) -> Finished {
        let join = |stream| {
            let mut text = String::new();
            for line in self.seen.iter().filter(|l| l.stream == stream) {
                text.push_str(&line.text);
                text.push('\n');
            }
            text
        };
        Finished {
            status,
            stdout: join(Stream::Stdout),
            stderr: join(Stream::Stderr),
        }
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the child has exited.
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Kills the child and fails the test, showing `why` and everything it printed.
    #[track_caller]
    pub fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Whatever is already buffered helps explain the failure.
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        let printed = self.finished_text();
        self.shown = true;
        panic!(
            "{} {why}.\n--- what it printed ---\n{printed}---",
            self.name
        );
    }

    fn finished_text(&self) -> String {
        shown(&self.seen)
    }
}

/// How many of its last lines a program shows when a test fails around it.
const LAST_LINES: usize = 20;

impl Drop for Proc {
    fn drop(&mut self) {
        let running = matches!(self.child.try_wait(), Ok(None));
        if running {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // A test failing while this program ran shows its last lines. Its
        // peer may have seen only a closed connection; the reason (a panic,
        // an error) is here, and this is where a learner finds it.
        if thread::panicking() && !self.shown {
            // Both streams close once the program is gone; a grandchild
            // holding them open cannot keep us longer than a second.
            let deadline = Instant::now() + Duration::from_secs(1);
            while self.streams_open > 0 {
                let left = deadline.saturating_duration_since(Instant::now());
                match self.lines.recv_timeout(left) {
                    Ok(line) => self.seen.push(line),
                    Err(_) => break,
                }
            }
            eprintln!("{}", self.last_lines(running, LAST_LINES));
        }
    }
}

impl Proc {
    /// The end of what the program printed (its last `keep` lines), headed
    /// by its name and whether it was still running, for a failing test.
    fn last_lines(&self, running: bool, keep: usize) -> String {
        let state = if running {
            "was still running"
        } else {
            "had exited"
        };
        let skipped = self.seen.len().saturating_sub(keep);
        let mut text = format!(
            "--- the last lines {} printed (it {state}) ---\n",
            self.name
        );
        if skipped > 0 {
            text.push_str(&format!("({skipped} lines before these)\n"));
        }
        text.push_str(&shown(&self.seen[skipped..]));
        text.push_str("---");
        text
    }
}

/// Lines as a failure message shows them: stderr's marked, one a line.
fn shown(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|l| match l.stream {
            Stream::Stdout => format!("{}\n", l.text),
            Stream::Stderr => format!("(stderr) {}\n", l.text),
        })
        .collect()
}

/// Sends each line `reader` yields to `tx`, on a thread of its own.
fn read_lines(
    reader: impl Read + Send + 'static,
    stream: Stream,
    tx: mpsc::Sender<Line>,
) {
    thread::spawn(move || {
        // Bytes, not `lines()`: a line that is not UTF-8 (a program may print
        // what a peer sent) is shown with U+FFFD and the reading goes on.
        for bytes in BufReader::new(reader).split(b'\n') {
            let Ok(mut bytes) = bytes else { break };
            if bytes.last() == Some(&b'\r') {
                bytes.pop(); // as `lines()` does
            }
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if tx.send(Line { stream, text }).is_err() {
                break;
            }
        }
    });
}

/// The first line every lesson server prints is `listening on ADDRESS`: the address
/// it really bound, so a server started on port 0 tells us which port it got.
pub const LISTENING: &str = "listening on ";

/// Starts a server on an ephemeral loopback port and waits until it listens.
/// Returns the process and the address clients should connect to.
pub fn start_server(
    name: &str,
    program: &Path,
    extra_args: &[String],
) -> std::io::Result<(Proc, SocketAddr)> {
    start_server_in(None, name, program, extra_args)
}

/// Like [`start_server`], with the server's working folder set to `dir`.
pub fn start_server_in(
    dir: Option<&Path>,
    name: &str,
    program: &Path,
    extra_args: &[String],
) -> std::io::Result<(Proc, SocketAddr)> {
    let mut args = vec!["--addr".to_string(), "127.0.0.1:0".to_string()];
    args.extend_from_slice(extra_args);
    start_server_with_args(dir, name, program, &args)
}

/// Like [`start_server_in`], with every argument given by the caller, who
/// puts `--addr 127.0.0.1:0` where the program wants it (after a subcommand,
/// say). Waits until the server prints its `listening on` line.
pub fn start_server_with_args(
    dir: Option<&Path>,
    name: &str,
    program: &Path,
    args: &[String],
) -> std::io::Result<(Proc, SocketAddr)> {
    let mut server = Proc::spawn_in(dir, name, program, args, Input::Piped)?;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let Some(line) = server.next_line_until(deadline) else {
            let printed = server.finished_text();
            return Err(std::io::Error::other(format!(
                "{name} exited before it listened:\n{printed}"
            )));
        };
        if let Some(addr) = line.text.strip_prefix(LISTENING) {
            let addr = addr.trim().parse().map_err(|e| {
                std::io::Error::other(format!(
                    "{name} printed {:?}, not an address: {e}",
                    line.text
                ))
            })?;
            return Ok((server, addr));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a failing test shows of a program: its name, whether it still
    /// ran, how many lines are left out, and the last ones.
    #[test]
    fn a_failure_shows_the_programs_last_lines() {
        // This test program itself, listing its tests: a few lines, then exit.
        let exe = std::env::current_exe().unwrap();
        let mut proc =
            Proc::spawn("the lister", &exe, &["--list".into()], Input::Piped)
                .unwrap();
        let deadline = Instant::now() + TIMEOUT;
        while proc.next_line_until(deadline).is_some() {}
        let total = proc.seen.len();
        assert!(total >= 2, "--list printed {total} lines");
        let last = proc.seen[total - 1].text.clone();
        let text = proc.last_lines(false, 1);
        assert_eq!(
            text,
            format!(
                "--- the last lines the lister printed (it had exited) ---\n\
                 ({} lines before these)\n{last}\n---",
                total - 1
            )
        );
    }
}

// ANCHOR: all
//! Running one line of text as a shell command and capturing what it prints.
//!
//! This is what Python's `subprocess.Popen(line, shell=True, stdout=PIPE,
//! stderr=PIPE)` does in the Python server, plus the limits any server that runs
//! commands for others needs: a command that never ends is stopped after a time
//! limit, and a command that prints without end is cut off at an output cap.
//! Without them one `yes` typed by a client would fill the server's memory.

use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// How long a command may run and how many bytes of output it may produce.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub time: Duration,
    pub output: usize,
}

/// What running one command produced.
#[derive(Debug)]
pub struct Outcome {
    /// Everything the command printed: its standard output, then its standard
    /// error. At most `Limits::output` bytes, and not necessarily UTF-8.
    pub output: Vec<u8>,
    /// The exit code, when the command ended by itself with one.
    pub exit_code: Option<i32>,
    /// The command was still running at the time limit and was killed.
    pub timed_out: bool,
    /// The command printed more than the cap; `output` holds the first part.
    pub truncated: bool,
}

impl Outcome {
    /// The reply for a command that could not even be started (the shell is
    /// missing, or the line holds a NUL byte, which no command line can).
    pub fn not_started(error: &io::Error) -> Outcome {
        Outcome {
            output: format!("cannot run the command: {error}\n").into_bytes(),
            exit_code: None,
            timed_out: false,
            truncated: false,
        }
    }

    /// Short notes for the person who typed the command, for whatever they would
    /// otherwise not see: the time limit, the cap, a failure without any output.
    pub fn notes(&self, limits: &Limits) -> Vec<String> {
        let mut notes = Vec::new();
        if self.timed_out {
            notes.push(format!(
                "stopped: still running after {} s",
                limits.time.as_secs()
            ));
        }
        if self.truncated {
            notes.push(format!("output cut at {} bytes", limits.output));
        }
        match self.exit_code {
            // After the cap the command's writes fail (we closed its pipe), so its
            // exit code says more about us than about it.
            Some(code) if code != 0 && !self.truncated => {
                notes.push(format!("exit code {code}"));
            }
            _ => {}
        }
        if self.output.is_empty() && notes.is_empty() {
            // An empty reply would be a zero-byte write: nothing on the wire, and a
            // client waiting for a reply would wait forever (lesson 2's trap).
            notes.push("no output".to_string());
        }
        notes
    }
}

// ANCHOR: shell
/// The platform's shell, asked to run `line`: `sh -c LINE` on Unix, `cmd /C LINE`
/// on Windows. The shell, not our program, splits the line into words and handles
/// pipes, `;` and `*`, exactly as it would in a terminal.
fn shell(line: &str) -> Command {
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        let mut command = Command::new("cmd");
        // cmd.exe parses its own command line; pass the line through untouched.
        command.arg("/C").raw_arg(line);
        command
    }
    #[cfg(not(windows))]
    {
        use std::os::unix::process::CommandExt;
        let mut command = Command::new("sh");
        command.arg("-c").arg(line);
        // A process group of its own, so that at the time limit we can stop the
        // shell and everything it started (`sleep 60; echo late` is two processes).
        command.process_group(0);
        command
    }
}
// ANCHOR_END: shell

// ANCHOR: run
/// Runs `line` in the shell within `limits` and returns what it printed.
pub fn run(line: &str, limits: &Limits) -> io::Result<Outcome> {
    let mut child = shell(line)
        // No input: a command that reads its input (`cat`) ends at once instead
        // of waiting for keys nobody can press.
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Read both pipes at the same time. Reading stdout to its end first, as the
    // Python server does, hangs as soon as a command fills the stderr pipe's
    // buffer: the command waits for us to read stderr, we wait for it to close
    // stdout.
    let stdout = collect(child.stdout.take(), limits.output);
    let stderr = collect(child.stderr.take(), limits.output);

    let status = wait_within(&mut child, limits.time)?;

    // A process the shell started in the background may still hold a pipe open;
    // do not wait for it longer than a moment.
    let moment = Duration::from_secs(1);
    let (mut output, mut truncated) =
        stdout.recv_timeout(moment).unwrap_or_default();
    let (errors, errors_cut) = stderr.recv_timeout(moment).unwrap_or_default();
    output.extend(errors);
    truncated |= errors_cut || output.len() > limits.output;
    output.truncate(limits.output);
    Ok(Outcome {
        output,
        exit_code: status.and_then(|s| s.code()),
        timed_out: status.is_none(),
        truncated,
    })
}
// ANCHOR_END: run

/// Reads `pipe` on a thread of its own, keeping at most `cap` bytes (and reporting
/// whether there were more). At the cap it stops reading and closes the pipe: the
/// command's next write fails, so even an endless `yes` comes to an end.
fn collect<R: Read + Send + 'static>(
    pipe: Option<R>,
    cap: usize,
) -> Receiver<(Vec<u8>, bool)> {
    let (done, result) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(pipe) = pipe {
            // One byte more than the cap tells "exactly the cap" from "more".
            let _ = pipe.take(cap as u64 + 1).read_to_end(&mut bytes);
        }
        let cut = bytes.len() > cap;
        bytes.truncate(cap);
        let _ = done.send((bytes, cut));
    });
    result
}

/// Waits for `child` to end, at most `limit`. Returns its exit status, or `None`
/// if it had to be killed.
fn wait_within(
    child: &mut Child,
    limit: Duration,
) -> io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            kill(child);
            // Collect the killed process, so no zombie is left behind.
            child.wait()?;
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Kills the command and, on Unix, every process in its group.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    {
        // std can signal only the child itself; the `kill` program can signal a
        // whole process group (a negative id). If it is missing, the line below
        // still kills the shell.
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
    }
    // On Windows this ends cmd.exe; programs it started keep running.
    let _ = child.kill();
}
// ANCHOR_END: all

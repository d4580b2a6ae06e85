//! A lesson's scripted demo: start its server, run one client that types the lines
//! of `transcripts/NAME.stdin`, and compare what each side printed with
//! `transcripts/NAME.server.txt` and `transcripts/NAME.client.txt`, the same files
//! the book includes.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::golden::{assert_golden, normalize};
use crate::process::{Finished, Input, Proc, start_server_in};

/// Where a lesson's golden transcripts live.
pub fn transcripts_dir(lesson_dir: &Path) -> PathBuf {
    lesson_dir.join("transcripts")
}

/// The lines a demo's client types, one per line of `NAME.stdin` (none if absent).
pub fn demo_input(lesson_dir: &Path, name: &str) -> Vec<String> {
    let path = transcripts_dir(lesson_dir).join(format!("{name}.stdin"));
    match fs::read_to_string(&path) {
        Ok(text) => text
            .replace("\r\n", "\n")
            .lines()
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// What both sides of one demo printed, normalised for comparison.
#[derive(Debug)]
pub struct DemoOutput {
    pub server: Finished,
    pub client: Finished,
    pub server_addr: SocketAddr,
}

/// A program and the arguments a demo gives it (besides `--addr`).
#[derive(Debug, Clone)]
pub struct Program {
    pub path: PathBuf,
    pub args: Vec<String>,
    /// For a server that serves forever: the line it prints when a client has left.
    /// A demo waits for it, then stops the server.
    pub client_done: Option<String>,
    /// The working folder it runs in; `None` for the test's own.
    pub dir: Option<PathBuf>,
}

impl Program {
    pub fn new(path: impl Into<PathBuf>) -> Program {
        Program {
            path: path.into(),
            args: Vec::new(),
            client_done: None,
            dir: None,
        }
    }
    /// Runs the program in `dir` (lessons 8 and 9: each side has its own folder).
    pub fn in_dir(mut self, dir: &Path) -> Program {
        self.dir = Some(dir.to_path_buf());
        self
    }
    /// Marks a server that never exits by itself (lessons 5 and 7): a demo ends once
    /// it has printed a line containing `line`, and then stops it.
    pub fn serves_forever(mut self, line: &str) -> Program {
        self.client_done = Some(line.to_string());
        self
    }
    pub fn arg(mut self, arg: &str) -> Program {
        self.args.push(arg.to_string());
        self
    }
    /// Starts this program as a server on an ephemeral loopback port.
    pub fn start_server(&self) -> (Proc, SocketAddr) {
        start_server_in(self.dir.as_deref(), "server", &self.path, &self.args)
            .unwrap_or_else(|e| panic!("{e}"))
    }
    /// Starts this program as a client of `server`, its stdin a pipe.
    pub fn start_client(&self, name: &str, server: SocketAddr) -> Proc {
        let mut args = vec!["--addr".to_string(), server.to_string()];
        args.extend(self.args.iter().cloned());
        Proc::spawn_in(self.dir.as_deref(), name, &self.path, &args, Input::Piped)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

/// Runs a demo: a server, one client typing `input`, until the client has left.
pub fn run_demo(
    server_program: &Program,
    client: &Program,
    input: &[String],
) -> DemoOutput {
    let (mut server, server_addr) = server_program.start_server();
    let mut client = client.start_client("client", server_addr);
    for line in input {
        client.send_line(line);
    }
    let client = client.finish();
    let server = match &server_program.client_done {
        Some(line) => {
            server.wait_for_text(line);
            server.kill()
        }
        None => server.finish(),
    };
    DemoOutput {
        server,
        client,
        server_addr,
    }
}

/// Runs the demo `name` of the lesson in `lesson_dir` and asserts both transcripts,
/// plus a clean exit (unless stopped) and a silent stderr on both sides.
pub fn check_demo(
    lesson_dir: &Path,
    name: &str,
    server: &Program,
    client: &Program,
) {
    let out = run_demo(server, client, &demo_input(lesson_dir, name));
    for (side, finished) in [("server", &out.server), ("client", &out.client)] {
        // A server that serves forever was stopped: only its silence counts.
        let stopped = side == "server" && server.client_done.is_some();
        assert!(
            (stopped || finished.status.success()) && finished.stderr.is_empty(),
            "the {side} of demo {name:?} failed ({})\nstdout:\n{}\nstderr:\n{}",
            finished.status,
            finished.stdout,
            finished.stderr
        );
    }
    check_transcripts(
        lesson_dir,
        name,
        &[("server", &out.server), ("client", &out.client)],
        out.server_addr,
    );
}

/// Compares what each named side printed with `transcripts/NAME.SIDE.txt`.
pub fn check_transcripts(
    lesson_dir: &Path,
    name: &str,
    sides: &[(&str, &Finished)],
    server_addr: SocketAddr,
) {
    for (side, finished) in sides {
        let golden = transcripts_dir(lesson_dir).join(format!("{name}.{side}.txt"));
        assert_golden(&golden, &normalize(&finished.stdout, server_addr));
    }
}

//! A lesson's scripted demo: start its server, run one client that types the lines
//! of `transcripts/NAME.stdin`, and compare what each side printed with
//! `transcripts/NAME.server.txt` and `transcripts/NAME.client.txt`, the same files
//! the book includes.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::golden::{assert_golden, normalize};
use crate::process::{Finished, Input, Proc, start_server};

/// Where a lesson's golden transcripts live.
pub fn transcripts_dir(lesson_dir: &Path) -> PathBuf {
    lesson_dir.join("transcripts")
}

/// The lines a demo's client types, one per line of `NAME.stdin` (none if absent).
pub fn demo_input(lesson_dir: &Path, name: &str) -> Vec<String> {
    let path = transcripts_dir(lesson_dir).join(format!("{name}.stdin"));
    match fs::read_to_string(&path) {
        Ok(text) => text.replace("\r\n", "\n").lines().map(str::to_string).collect(),
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

/// Runs a demo whose server ends by itself after its client leaves.
pub fn run_demo(server_bin: &Path, client_bin: &Path, input: &[String]) -> DemoOutput {
    let (server, server_addr) = start_server("server", server_bin, &[]).unwrap_or_else(|e| panic!("{e}"));
    let mut client = Proc::spawn("client", client_bin, &["--addr".into(), server_addr.to_string()], Input::Piped)
        .unwrap_or_else(|e| panic!("{e}"));
    for line in input {
        client.send_line(line);
    }
    let client = client.finish();
    let server = server.finish();
    DemoOutput { server, client, server_addr }
}

/// Runs the demo `name` of the lesson in `lesson_dir` and asserts both transcripts,
/// plus a clean exit and a silent stderr on both sides.
pub fn check_demo(lesson_dir: &Path, name: &str, server_bin: &Path, client_bin: &Path) {
    let out = run_demo(server_bin, client_bin, &demo_input(lesson_dir, name));
    for (side, finished) in [("server", &out.server), ("client", &out.client)] {
        assert!(
            finished.status.success() && finished.stderr.is_empty(),
            "the {side} of demo {name:?} failed ({})\nstdout:\n{}\nstderr:\n{}",
            finished.status,
            finished.stdout,
            finished.stderr
        );
        let golden = transcripts_dir(lesson_dir).join(format!("{name}.{side}.txt"));
        assert_golden(&golden, &normalize(&finished.stdout, out.server_addr));
    }
}

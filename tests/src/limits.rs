//! Lowering a running program's resource limits, for tests that show what a
//! server does when the system says no: no file descriptor left for `accept`
//! (EMFILE), no memory for another thread. And raising the test's own limit on
//! open files, for lesson 12's ten thousand connections. Linux only: it asks
//! `prlimit` (util-linux) and reads `/proc`.

use std::collections::BTreeSet;
use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::process::Command;

use crate::peer::connect;
use crate::process::Proc;

/// Makes a server's `accept` fail for want of a file descriptor, and returns a
/// client that connected while it failed. The server's limit is lowered while it
/// waits in `accept`; that call took its descriptor number when it began to wait,
/// so one client still gets in: it leaves at once, and the server's next `accept`
/// fails. A second client connects meanwhile (the kernel completes its handshake
/// and queues it), and the limit is put back: a server that goes on accepting
/// serves that client next.
#[track_caller]
pub fn client_after_a_failed_accept(
    server: &mut Proc,
    addr: SocketAddr,
) -> TcpStream {
    let limit = no_more_files(server.id());
    drop(connect(addr));
    server.wait_for_text("accept failed: Too many open files");
    let client = connect(addr);
    limit.restore();
    client
}

/// A limit lowered on a running process, put back by [`Lowered::restore`] or
/// when dropped.
#[derive(Debug)]
pub struct Lowered {
    pid: u32,
    /// The `prlimit` option, e.g. `--nofile`.
    option: &'static str,
    /// The soft limit it had before.
    before: String,
}

/// Lowers the soft limit on open files of process `pid` so that its next new
/// file descriptor (an `accept`, an `open`) fails with EMFILE.
pub fn no_more_files(pid: u32) -> Lowered {
    // The kernel hands out the lowest free number; a limit of N refuses N.
    let open: BTreeSet<u32> = fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap_or_else(|e| panic!("cannot list the files of process {pid}: {e}"))
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    let lowest_free = (0..).find(|fd| !open.contains(fd)).expect("a free number");
    lower(pid, "--nofile", lowest_free.into())
}

/// Lowers the soft limit on the address space of process `pid` to what it uses
/// now plus `headroom` bytes: a new thread's stack (2 MiB) no longer fits.
pub fn no_more_memory(pid: u32, headroom: u64) -> Lowered {
    let status = fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("cannot read the status of process {pid}: {e}"));
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmSize:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmSize in the status of process {pid}"));
    lower(pid, "--as", kib * 1024 + headroom)
}

fn lower(pid: u32, option: &'static str, soft: u64) -> Lowered {
    let before = prlimit(pid, &[option, "--raw", "--noheadings", "--output=SOFT"]);
    prlimit(pid, &[&format!("{option}={soft}:")]);
    Lowered {
        pid,
        option,
        before: before.trim().to_string(),
    }
}

impl Lowered {
    /// Puts the limit back as it was.
    pub fn restore(mut self) {
        self.put_back();
    }

    fn put_back(&mut self) {
        if !self.before.is_empty() {
            let soft = std::mem::take(&mut self.before);
            prlimit(self.pid, &[&format!("{}={soft}:", self.option)]);
        }
    }
}

impl Drop for Lowered {
    fn drop(&mut self) {
        // The process may be gone already (a failed test killed it): ignore.
        if !self.before.is_empty()
            && fs::metadata(format!("/proc/{}", self.pid)).is_ok()
        {
            self.put_back();
        }
    }
}

/// Runs `prlimit --pid PID ARGS` and returns what it printed.
fn prlimit(pid: u32, args: &[&str]) -> String {
    let out = Command::new("prlimit")
        .arg("--pid")
        .arg(pid.to_string())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run prlimit (util-linux): {e}"));
    assert!(
        out.status.success(),
        "prlimit {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Raises the soft limit on open files of this process (and so of the programs
/// it starts afterwards, which inherit it) to at least `wanted`, as far as the
/// hard limit allows. Returns the soft limit now in force; the caller compares
/// it with what it needs and, if the system allows no more, says so and skips.
pub fn raise_open_files(wanted: u64) -> u64 {
    let pid = std::process::id();
    let read = |column: &str| -> u64 {
        let out = prlimit(
            pid,
            &[
                "--nofile",
                "--raw",
                "--noheadings",
                &format!("--output={column}"),
            ],
        );
        // "unlimited" is the largest limit of all.
        out.trim().parse().unwrap_or(u64::MAX)
    };
    let (soft, hard) = (read("SOFT"), read("HARD"));
    if soft < wanted {
        prlimit(pid, &[&format!("--nofile={}:", wanted.min(hard))]);
    }
    read("SOFT")
}

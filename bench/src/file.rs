//! A big file over loopback with the workbook's file servers, against this
//! machine's own limits measured in the same run.
//!
//! Two limits first, on the same file: writing it with `sync_all` (a put ends
//! with one), and one SHA-256 pass over it (every transfer hashes every byte).
//! A transfer that hashes and writes cannot be faster than the slower of the
//! two. Then a `put` and a `get` with lesson 8 (which reads the file twice: its
//! digest goes first) and with lesson 11, the capstone (one pass: its digest
//! goes last). Each is a fresh client, built as `just lesson N` builds it (a
//! debug build, with SHA-256 optimised), timed from start to exit, and each
//! download is compared with the file sent.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use workbook_harness::playground::{self, Playground};
use workbook_harness::process::{Input, Proc, start_server_in};
use workbook_harness::workspace;

use crate::stats::Spread;

/// The longest a single transfer may take before the benchmark gives up.
const TRANSFER_LIMIT: Duration = Duration::from_secs(600);

/// The capstone's account for the benchmark (on loopback, in target/bench).
const USER: &str = "bench";
const PASSWORD: &str = "bench";

/// What the big-file part measured: seconds, median and spread over the runs.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub size_mib: u64,
    pub write_synced: Spread,
    pub hash: Spread,
    /// (`lesson 8 put`, seconds) and so on.
    pub transfers: Vec<(String, Spread)>,
}

impl FileReport {
    /// The slower of the two limits: no transfer can beat it.
    pub fn limit(&self) -> f64 {
        self.write_synced.median.max(self.hash.median)
    }
}

pub fn run(size_mib: u64, quick: bool) -> Result<FileReport, String> {
    let runs = if quick { 1 } else { 3 };
    let bench = workspace::root().join("target").join("bench").join("file");
    let _ = fs::remove_dir_all(&bench);
    let source = bench.join("big.bin");
    fs::create_dir_all(&bench)
        .and_then(|()| write_random_file(&source, size_mib))
        .map_err(|e| format!("cannot write {}: {e}", source.display()))?;
    println!(
        "== A big file: {size_mib} MiB of pseudo-random bytes over loopback, \
         {runs} run{} each",
        if runs == 1 { "" } else { "s" }
    );

    let write = limit("write it with sync_all", runs, || {
        write_synced(&bench, size_mib)
    })?;
    let hash = limit("one SHA-256 pass", runs, || sha256_pass(&source))?;
    let mut transfers = Vec::new();
    for number in [8, 11] {
        let (mut puts, mut gets) = (Vec::new(), Vec::new());
        for run in 0..runs {
            let (put, get) = put_and_get(number, run, &bench, &source)?;
            puts.push(put);
            gets.push(get);
        }
        for (command, seconds) in [("put", puts), ("get", gets)] {
            let spread = Spread::of(&seconds);
            println!(
                "lesson {number:<2} {command} big.bin {:>14} {:>9.1} MiB/s",
                show_seconds(&spread),
                size_mib as f64 / spread.median
            );
            transfers.push((format!("lesson {number} {command}"), spread));
        }
    }
    let _ = fs::remove_dir_all(&bench); // hundreds of MiB: do not leave them
    let report = FileReport {
        size_mib,
        write_synced: write,
        hash,
        transfers,
    };
    println!("\n{}", ratios(&report));
    Ok(report)
}

/// The part's table, as the chapter shows it.
pub fn table(report: &FileReport) -> String {
    let mut out =
        format!("{} MiB; seconds: median ±half the range\n", report.size_mib);
    out += &format!(
        "{:<24} {:>14}\n",
        "write it with sync_all",
        show_seconds(&report.write_synced)
    );
    out += &format!(
        "{:<24} {:>14}\n",
        "one SHA-256 pass",
        show_seconds(&report.hash)
    );
    for (what, spread) in &report.transfers {
        out += &format!(
            "{:<24} {:>14} {:>9.1} MiB/s\n",
            format!("{what} big.bin"),
            show_seconds(spread),
            report.size_mib as f64 / spread.median
        );
    }
    out + "\n" + &ratios(report)
}

/// Each transfer's time over the slower limit.
fn ratios(report: &FileReport) -> String {
    let mut out = format!(
        "each transfer against the slower limit ({:.2} s):\n",
        report.limit()
    );
    for (what, spread) in &report.transfers {
        out += &format!("  {what:<20} {:>5.2}×\n", spread.median / report.limit());
    }
    out
}

/// `1.23 s ±4%`.
fn show_seconds(spread: &Spread) -> String {
    format!("{:.2} s ±{:.0}%", spread.median, spread.percent())
}

/// Times one limit `runs` times and prints the median.
fn limit(
    what: &str,
    runs: usize,
    mut run: impl FnMut() -> io::Result<()>,
) -> Result<Spread, String> {
    let mut seconds = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        run().map_err(|e| format!("{what}: {e}"))?;
        seconds.push(started.elapsed().as_secs_f64());
    }
    let spread = Spread::of(&seconds);
    println!("{what:<24} {:>14}", show_seconds(&spread));
    Ok(spread)
}

/// Writes `size_mib` MiB (one random MiB, over and over) and syncs it.
fn write_synced(dir: &Path, size_mib: u64) -> io::Result<()> {
    let path = dir.join("synced.bin");
    let mut chunk = vec![0u8; 1 << 20];
    fill_random(&mut chunk, &mut 0x2545_f491_4f6c_dd1d);
    let mut file = File::create(&path)?;
    for _ in 0..size_mib {
        file.write_all(&chunk)?;
    }
    file.sync_all()?;
    drop(file);
    fs::remove_file(path)
}

/// Reads `path` once, hashing it.
fn sha256_pass(path: &Path) -> io::Result<()> {
    let mut hasher = Sha256::new();
    io::copy(&mut BufReader::new(File::open(path)?), &mut hasher)?;
    hasher.finalize();
    Ok(())
}

/// A put and a get of `source` with lesson `number`'s programs, in a fresh
/// playground with a fresh server: the seconds each took.
fn put_and_get(
    number: u32,
    run: usize,
    bench: &Path,
    source: &Path,
) -> Result<(f64, f64), String> {
    let lesson = workspace::lesson(number)?;
    let build = |bin: &str| {
        workspace::build_program(&lesson.package(), bin).map_err(|e| e.to_string())
    };
    let (server_path, client_path) =
        (build(&lesson.server_bin())?, build(&lesson.client_bin())?);
    let template = playground::template(&lesson.dir)
        .ok_or(format!("lesson {number} has no playground"))?;
    let dir = bench.join(format!("lesson-{}-run-{run}", lesson.nn()));
    let prepared = playground::prepare(&template, &dir).and_then(|play| {
        fs::create_dir_all(play.client.join("downloads"))?;
        // A hard link: the same bytes, no second copy on the disk.
        fs::hard_link(source, play.client.join("big.bin"))
            .or_else(|_| fs::copy(source, play.client.join("big.bin")).map(drop))?;
        Ok(play)
    });
    let Playground {
        server: server_dir,
        client: client_dir,
    } = prepared.map_err(|e| format!("cannot prepare {}: {e}", dir.display()))?;

    // The capstone needs an account, made by its own admin command.
    let (mut login, mut client_args) = (Vec::new(), Vec::new());
    if number == 11 {
        admin(&server_path, &server_dir)?;
        login.push(PASSWORD.to_string()); // piped: the client reads it as a line
        client_args = vec!["--user".to_string(), USER.to_string()];
    }
    let (server, addr) =
        start_server_in(Some(&server_dir), "server", &server_path, &[])
            .map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    for (command, folder) in
        [("put big.bin", None), ("get big.bin", Some("downloads"))]
    {
        let mut args = vec!["--addr".to_string(), addr.to_string()];
        args.extend(client_args.iter().cloned());
        if let Some(folder) = folder {
            args.extend(["--dir".to_string(), folder.to_string()]);
        }
        let mut lines = login.clone();
        lines.push(command.to_string());
        times.push(time_client(&client_path, &client_dir, &args, &lines)?);
    }
    drop(server);
    let back: PathBuf = client_dir.join("downloads").join("big.bin");
    if !same_contents(source, &back).map_err(|e| e.to_string())? {
        return Err(format!("lesson {number}: the file came back different"));
    }
    let _ = fs::remove_dir_all(&dir);
    Ok((times[0], times[1]))
}

/// Adds the benchmark's account to the capstone server in `dir`.
fn admin(server_path: &Path, dir: &Path) -> Result<(), String> {
    let args: Vec<String> = ["add-user", USER, "--quota", "1TiB"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    let mut add =
        Proc::spawn_in(Some(dir), "server-11", server_path, &args, Input::Piped)
            .map_err(|e| e.to_string())?;
    add.send_line(PASSWORD);
    let out = add.finish();
    if !out.status.success() {
        return Err(format!("add-user failed:\n{}{}", out.stdout, out.stderr));
    }
    Ok(())
}

/// Runs a client that types `lines`, and returns how long it took to exit.
fn time_client(
    client_path: &Path,
    dir: &Path,
    args: &[String],
    lines: &[String],
) -> Result<f64, String> {
    let started = Instant::now();
    let mut client =
        Proc::spawn_in(Some(dir), "client", client_path, args, Input::Piped)
            .map_err(|e| e.to_string())?;
    for line in lines {
        client.send_line(line);
    }
    client.close_stdin();
    let (by_itself, out) = client.stop_within(TRANSFER_LIMIT);
    let seconds = started.elapsed().as_secs_f64();
    let saved = out.stdout.contains(": saved");
    if !by_itself || !out.status.success() || !saved {
        let command = lines.last().map(String::as_str).unwrap_or_default();
        return Err(format!("`{command}` failed:\n{}{}", out.stdout, out.stderr));
    }
    Ok(seconds)
}

/// Writes `size_mib` MiB of xorshift output: fast, and nothing a disk or a
/// network could compress.
fn write_random_file(path: &Path, size_mib: u64) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut chunk = vec![0u8; 1 << 20];
    for _ in 0..size_mib {
        fill_random(&mut chunk, &mut state);
        out.write_all(&chunk)?;
    }
    out.flush()
}

/// Fills `chunk` with xorshift output, going on from `state`.
fn fill_random(chunk: &mut [u8], state: &mut u64) {
    for word in chunk.chunks_exact_mut(8) {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        word.copy_from_slice(&state.to_le_bytes());
    }
}

/// Whether two files hold the same bytes, compared a chunk at a time.
fn same_contents(a: &Path, b: &Path) -> io::Result<bool> {
    let (mut a, mut b) = (
        BufReader::new(File::open(a)?),
        BufReader::new(File::open(b)?),
    );
    let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = a.read(&mut x)?;
        if n == 0 {
            return Ok(b.read(&mut y)? == 0);
        }
        b.read_exact(&mut y[..n])?;
        if x[..n] != y[..n] {
            return Ok(false);
        }
    }
}

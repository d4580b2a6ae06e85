//! `just bench`: how fast the workbook's file servers move a file over
//! loopback, against this machine's own limits measured in the same run.
//! Speed is measured here and only here; no test asserts it, because a timed
//! test fails on a busy machine for no fault of the code.
//!
//! Two limits first, on the same file: writing it with `sync_all` (a put ends
//! with one), and one SHA-256 pass over it (every transfer hashes every byte).
//! A transfer that hashes and writes cannot be faster than the slower of the
//! two. Then a `put` and a `get` with lesson 8 (which reads the file twice: its
//! digest goes first) and with lesson 11, the capstone (one pass: its digest
//! goes last). Each is a fresh client, built as `just lesson N` builds it (a
//! debug build, with SHA-256 optimised), timed from start to exit, and each
//! download is compared with the file sent. The ratios are printed, never
//! asserted.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use workbook_harness::playground::{self, Playground};
use workbook_harness::process::{Input, Proc, start_server_in};
use workbook_harness::workspace;

use crate::{Outcome, run};

/// The longest a single transfer may take before the benchmark gives up.
const TRANSFER_LIMIT: Duration = Duration::from_secs(600);

/// The capstone's account for the benchmark (on loopback, in target/bench).
const USER: &str = "bench";
const PASSWORD: &str = "bench";

pub fn transfer(size_mib: u64) -> Outcome {
    let bench = workspace::root().join("target").join("bench");
    let _ = fs::remove_dir_all(&bench);
    let source = bench.join("big.bin");
    fs::create_dir_all(&bench)
        .and_then(|()| write_random_file(&source, size_mib))
        .map_err(|e| format!("cannot write {}: {e}", source.display()))?;
    println!("{size_mib} MiB of pseudo-random bytes, over loopback");

    let write = limit("write it with sync_all", || write_synced(&bench, size_mib))?;
    let hash = limit("one SHA-256 pass", || sha256_pass(&source))?;
    let physical = write.max(hash);
    let mut ratios = Vec::new();
    for number in [8, 11] {
        for (command, seconds) in transfers(number, &bench, &source, size_mib)? {
            ratios.push((format!("lesson {number} {command}"), seconds / physical));
        }
    }
    let _ = fs::remove_dir_all(&bench); // gigabytes: do not leave them behind
    println!("\neach transfer against the slower limit ({physical:.2} s):");
    for (what, ratio) in ratios {
        println!("  {what:<20} {ratio:>5.2}×");
    }
    Ok(crate::exit_code(true))
}

/// Times one limit and prints it.
fn limit(what: &str, run: impl FnOnce() -> io::Result<()>) -> Result<f64, String> {
    let started = Instant::now();
    run().map_err(|e| format!("{what}: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    println!("{what:<24} {seconds:>7.2} s");
    Ok(seconds)
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

/// A put and a get of `source` with lesson `number`'s programs, each timed.
fn transfers(
    number: u32,
    bench: &Path,
    source: &Path,
    size_mib: u64,
) -> Result<Vec<(&'static str, f64)>, String> {
    let lesson = workspace::lesson(number)?;
    let (server_path, client_path) = run::build(&lesson)?;
    let template = playground::template(&lesson.dir)
        .ok_or(format!("lesson {number} has no playground"))?;
    let dir = bench.join(format!("lesson-{}", lesson.nn()));
    let prepared = playground::prepare(&template, &dir).and_then(|play| {
        fs::create_dir_all(play.client.join("downloads"))?;
        // A hard link: the same bytes, no second gigabyte on the disk.
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
    let (_server, addr) =
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
        let seconds = time_client(&client_path, &client_dir, &args, &lines)?;
        let rate = size_mib as f64 / seconds;
        println!(
            "lesson {number:<2} {command:<12} {seconds:>7.2} s {rate:>9.1} MiB/s"
        );
        times.push((if folder.is_some() { "get" } else { "put" }, seconds));
    }
    let back = client_dir.join("downloads").join("big.bin");
    if !same_contents(source, &back).map_err(|e| e.to_string())? {
        return Err(format!("lesson {number}: the file came back different"));
    }
    Ok(times)
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

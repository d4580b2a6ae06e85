//! `just bench`: how fast lesson 8 moves a file over loopback. Speed is measured
//! here and only here; no test asserts it, because a timed test fails on a busy
//! machine for no fault of the code.
//!
//! The benchmark builds lesson 8's programs as `just lesson 8` does (a debug
//! build, with SHA-256 optimised), writes a file of pseudo-random bytes, then
//! times one `put` and one `get` of it, each as a fresh client, and checks that
//! the file came back identical. Each time covers the whole command: hashing on
//! both sides, the transfer, `sync_all` and the rename.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use workbook_harness::playground::{self, Playground};
use workbook_harness::process::{Input, Proc, start_server_in};
use workbook_harness::workspace;

use crate::{Outcome, run};

/// The longest a single transfer may take before the benchmark gives up.
const TRANSFER_LIMIT: Duration = Duration::from_secs(600);

pub fn transfer(size_mib: u64) -> Outcome {
    let lesson = workspace::lesson(8)?;
    let (server_path, client_path) = run::build(&lesson)?;
    // Each side in its own folder, as `just lesson 8` runs them.
    let template =
        playground::template(&lesson.dir).ok_or("lesson 8 has no playground")?;
    let dir = workspace::root()
        .join("target")
        .join("bench")
        .join("lesson-08");
    let _ = fs::remove_dir_all(&dir);
    let prepared = playground::prepare(&template, &dir).and_then(|play| {
        fs::create_dir_all(play.client.join("downloads"))?;
        write_random_file(&play.client.join("big.bin"), size_mib)?;
        Ok(play)
    });
    let Playground {
        server: server_dir,
        client: client_dir,
    } = prepared.map_err(|e| format!("cannot prepare {}: {e}", dir.display()))?;

    let (_server, addr) =
        start_server_in(Some(&server_dir), "server", &server_path, &[])
            .map_err(|e| e.to_string())?;
    println!("lesson 8 over {addr}: {size_mib} MiB of pseudo-random bytes");
    for (command, extra) in
        [("put big.bin", None), ("get big.bin", Some("downloads"))]
    {
        let mut args = vec!["--addr".to_string(), addr.to_string()];
        if let Some(folder) = extra {
            args.extend(["--dir".to_string(), folder.to_string()]);
        }
        let started = Instant::now();
        let mut client = Proc::spawn_in(
            Some(&client_dir),
            "client",
            &client_path,
            &args,
            Input::Piped,
        )
        .map_err(|e| e.to_string())?;
        client.send_line(command);
        client.close_stdin();
        let (by_itself, out) = client.stop_within(TRANSFER_LIMIT);
        let seconds = started.elapsed().as_secs_f64();
        if !by_itself || !out.status.success() || !out.stdout.contains(": saved") {
            return Err(format!(
                "`{command}` failed:\n{}{}",
                out.stdout, out.stderr
            ));
        }
        let rate = size_mib as f64 / seconds;
        println!("{command:<12} {seconds:>7.2} s {rate:>9.1} MiB/s");
    }
    let same = same_contents(
        &client_dir.join("big.bin"),
        &client_dir.join("downloads/big.bin"),
    )
    .map_err(|e| e.to_string())?;
    let _ = fs::remove_dir_all(&dir); // gigabytes: do not leave them behind
    if !same {
        return Err("the file that came back differs from the one sent".into());
    }
    println!("the file came back identical");
    Ok(crate::exit_code(true))
}

/// Writes `size_mib` MiB of xorshift output: fast, and nothing a disk or a
/// network could compress.
fn write_random_file(path: &Path, size_mib: u64) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut chunk = vec![0u8; 1 << 20];
    for _ in 0..size_mib {
        for word in chunk.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        out.write_all(&chunk)?;
    }
    out.flush()
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

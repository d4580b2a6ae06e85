//! `just bench`: the workbook's servers measured on this machine, in one run.
//!
//! Three parts, each printed as a table and kept as a CSV file (with charts)
//! in `target/bench/results/`; `--book` copies them into the book, where the
//! chapter "Measuring servers" shows them:
//!
//! - [`models`]: one echo workload (many clients, small messages) against five
//!   ways to serve it, the servers of lessons 4, 9, homework 9, 12 and 13 in
//!   miniature ([`servers`]), and Python's `ThreadingTCPServer` as a peer. The
//!   clients are one event-driven load generator ([`load`]).
//! - [`transfers`]: throughput against buffer size, and framed messages with
//!   and without `BufWriter`/`BufReader`, with the system calls counted.
//! - [`file`]: a put and a get of a big file with lessons 8 and 11, against
//!   this machine's own limits (the disk and one SHA-256 pass).
//!
//! The goals are printed as ratios at the end ([`report::goals`]), never
//! asserted: speed is measured here and nowhere else, because a timed test
//! fails on a busy machine for no fault of the code.

mod file;
mod load;
mod models;
mod report;
mod servers;
mod stats;
mod transfers;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use workbook_harness::workspace;

/// The workbook's benchmark suite: server models, transfers, a big file.
/// Run it optimised (`just bench` does); `--quick` only checks that it runs.
#[derive(Parser)]
#[command(name = "bench")]
struct Args {
    #[command(subcommand)]
    serve: Option<Serve>,
    /// Every part once, on tiny inputs, to check that the suite runs (CI).
    /// Its numbers mean nothing.
    #[arg(long)]
    quick: bool,
    /// Also copy the tables, CSV files and charts into book/src/bench/.
    #[arg(long, conflicts_with = "quick")]
    book: bool,
    /// The big file's size in MiB, for lessons 8 and 11.
    #[arg(long, value_name = "MIB")]
    size_mib: Option<u64>,
    /// Run only these parts (default: all).
    #[arg(long, value_enum, num_args = 1..)]
    only: Vec<Part>,
}

#[derive(Subcommand)]
enum Serve {
    /// Run one server model alone (the suite starts each as a process of its
    /// own, so that its threads and memory can be read).
    Serve {
        #[arg(value_enum)]
        model: servers::Model,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:9999")]
        addr: String,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    Models,
    Transfers,
    File,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(Serve::Serve { model, addr }) = args.serve {
        return match servers::serve(model, &addr) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {addr}: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match suite(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the parts asked for, then writes what they measured.
fn suite(args: &Args) -> Result<(), String> {
    let root = workspace::locate()?;
    let out = root.join("target").join("bench").join("results");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)
        .map_err(|e| format!("cannot make {}: {e}", out.display()))?;
    if cfg!(debug_assertions) && !args.quick {
        println!(
            "note: an unoptimised build; `just bench` runs an optimised one\n"
        );
    }
    let wants = |part| args.only.is_empty() || args.only.contains(&part);
    let started = Instant::now();
    let machine = report::Machine::now();
    println!("{}\n", machine.line());
    let mut report = report::Report::new(machine, args.quick);

    if wants(Part::Models) {
        report.models = models::run(args.quick)?;
    }
    if wants(Part::Transfers) {
        let (buffers, framed) = transfers::run(args.quick)?;
        report.buffers = buffers;
        report.framed = framed;
    }
    if wants(Part::File) {
        let size_mib = args.size_mib.unwrap_or(if args.quick { 3 } else { 256 });
        report.file = Some(file::run(size_mib, args.quick)?);
    }
    println!("{}", report.goals_table());
    report.write(&out)?;
    println!(
        "the suite took {:.0} s; tables, CSV and charts in {}",
        started.elapsed().as_secs_f64(),
        relative(&out, root)
    );
    if args.book {
        let book = root.join("book").join("src").join("bench");
        report::copy_into(&out, &book)?;
        println!("copied into {}", relative(&book, root));
    }
    Ok(())
}

/// `path` relative to the checkout, as the output names it.
fn relative(path: &std::path::Path, root: &std::path::Path) -> String {
    path.strip_prefix(root)
        .map(PathBuf::from)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

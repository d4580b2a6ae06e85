//! Lesson 8, the client: type `put FILE` to upload a file and `get NAME` to
//! download one. The code is in the library (`src/client.rs`); lesson 9's client
//! is the same code.

use std::process::ExitCode;

use clap::Parser;
use lesson_08::client::{ClientArgs, run};

/// Lesson 8 client: `put FILE` uploads a file, `get NAME` downloads one into
/// --dir. End with Ctrl-D (Ctrl-Z then Enter on Windows).
#[derive(Parser)]
#[command(name = "client-08")]
struct Args {
    #[command(flatten)]
    client: ClientArgs,
}

fn main() -> ExitCode {
    run(&Args::parse().client)
}

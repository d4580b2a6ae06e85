//! Lesson 9, the client: lesson 8's client, unchanged. Start several (`just client
//! 9` in more than one terminal) and transfer at the same time.

use std::process::ExitCode;

use clap::Parser;
use lesson_08::client::{ClientArgs, run};

/// Lesson 9 client (lesson 8's): `put FILE` uploads a file, `get NAME` downloads
/// one into --dir. End with Ctrl-D (Ctrl-Z then Enter on Windows).
#[derive(Parser)]
#[command(name = "client-09")]
struct Args {
    #[command(flatten)]
    client: ClientArgs,
}

fn main() -> ExitCode {
    run(&Args::parse().client)
}

//! Lesson 13, the client: lesson 8's client, unchanged. The server changed how it
//! waits for its clients; nothing a client sees has changed. Start several
//! (`just client 13` in more than one terminal) and transfer at the same time.

use std::process::ExitCode;

use clap::Parser;
use lesson_08::client::{ClientArgs, run};

/// Lesson 13 client (lesson 8's): `put FILE` uploads a file, `get NAME` downloads
/// one into --dir. End with Ctrl-D (Ctrl-Z then Enter on Windows).
#[derive(Parser)]
#[command(name = "client-13")]
struct Args {
    #[command(flatten)]
    client: ClientArgs,
}

fn main() -> ExitCode {
    run(&Args::parse().client)
}

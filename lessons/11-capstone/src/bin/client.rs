//! Lesson 11, the client: log in to the capstone server, then type commands
//! (`ls`, `cd`, `put FILE`, `get PATH`…), one a line. The code is in the
//! library (`src/client.rs`).

use std::process::ExitCode;

use clap::Parser;
use lesson_11::client::{COMMANDS, ClientArgs, run};

/// Lesson 11 client: log in to a capstone server, then type commands.
///
/// The client reads one command a line until the end of the input (Ctrl-D;
/// Ctrl-Z then Enter on Windows). Without --user it asks who you are. The
/// password is asked without showing it, or read from the next line when the
/// input is piped.
#[derive(Parser)]
#[command(name = "client-11", after_help = COMMANDS)]
struct Args {
    #[command(flatten)]
    client: ClientArgs,
}

fn main() -> ExitCode {
    run(&Args::parse().client)
}

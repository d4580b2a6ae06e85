//! Playing a lesson: `just lesson N` runs both sides in one terminal, `just server N`
//! and `just client N` one side each (the two-terminal way).

use std::io::Write;
use std::process::Command;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use workbook_harness::demo_input;
use workbook_harness::playground::{self, Playground};
use workbook_harness::process::{Input, Line, Proc, Stream, start_server_in};
use workbook_harness::workspace::{self, Lesson};

use crate::{Outcome, exit_code, style};

/// How long the server may take to finish by itself once the client has ended
/// (lessons 1 to 3 exit after their client; lesson 4's server never does).
const SERVER_GRACE: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy)]
pub enum Side {
    Server,
    Client,
}

/// The prefix for each side's lines: `[server] ` or `[client] `.
fn prefix(side: Side) -> String {
    match side {
        Side::Server => style::server("[server]"),
        Side::Client => style::client("[client]"),
    }
}

/// Prints each line with its side's prefix, until the process's output ends.
/// Every line of a side goes through its one forwarder, the first included, so
/// the lines show in the order the program printed them.
fn forward(
    lines: impl Iterator<Item = Line> + Send + 'static,
    side: Side,
) -> JoinHandle<()> {
    thread::spawn(move || {
        for line in lines {
            let text = match line.stream {
                Stream::Stdout => line.text,
                Stream::Stderr => style::error(&line.text),
            };
            // One println per line: the two sides' lines never mix within a line.
            println!("{} {text}", prefix(side));
        }
    })
}

/// Builds both programs of a lesson and returns their paths.
pub fn build(
    lesson: &Lesson,
) -> Result<(std::path::PathBuf, std::path::PathBuf), String> {
    let server = workspace::build_program(&lesson.package(), &lesson.server_bin())
        .map_err(|e| e.to_string())?;
    let client = workspace::build_program(&lesson.package(), &lesson.client_bin())
        .map_err(|e| e.to_string())?;
    Ok((server, client))
}

/// The folders the two sides run in, for a lesson that moves files (8, 9): each
/// side has its own under `target/playground/lesson-NN/`, kept between runs. A
/// demo gets a fresh copy of its own, so that it always shows what the chapter
/// shows, whatever a learner did to their files.
fn playground(lesson: &Lesson, demo: bool) -> Result<Option<Playground>, String> {
    let Some(template) = playground::template(&lesson.dir) else {
        return Ok(None);
    };
    let name = if demo {
        format!("lesson-{}-demo", lesson.nn())
    } else {
        format!("lesson-{}", lesson.nn())
    };
    let into = workspace::root()
        .join("target")
        .join("playground")
        .join(name);
    if demo {
        let _ = std::fs::remove_dir_all(&into);
    }
    let play = playground::prepare(&template, &into)
        .map_err(|e| format!("cannot prepare {}: {e}", into.display()))?;
    println!(
        "{}",
        style::dim(&format!(
            "(the server runs in {}, the client in {})",
            play.server.display(),
            play.client.display()
        ))
    );
    // A lesson with accounts (11) says how to log in to its playground.
    if let Ok(note) = std::fs::read_to_string(template.join("NOTE")) {
        println!("{}", style::dim(note.trim()));
    }
    Ok(Some(play))
}

/// `just lesson N`: the server on a free loopback port, the client in this terminal.
pub fn lesson(number: u32, demo: bool) -> Outcome {
    let lesson = workspace::lesson(number)?;
    let (server_path, client_path) = build(&lesson)?;
    let play = playground(&lesson, demo)?;
    let (server_dir, client_dir) = match &play {
        Some(play) => (Some(play.server.as_path()), Some(play.client.as_path())),
        None => (None, None),
    };
    let (mut server, addr) =
        start_server_in(server_dir, "server", &server_path, &[])
            .map_err(|e| e.to_string())?;
    // Its `listening on` line included: the forwarder prints it first.
    let server_lines = forward(server.take_lines(), Side::Server);

    let input = if demo { Input::Piped } else { Input::Inherit };
    let args = ["--addr".to_string(), addr.to_string()];
    let mut client =
        Proc::spawn_in(client_dir, "client", &client_path, &args, input)
            .map_err(|e| e.to_string())?;
    let client_lines = forward(client.take_lines(), Side::Client);
    // A lesson whose client reads the keyboard has a scripted demo input.
    let script = demo_input(&lesson.dir, "demo");
    if demo {
        for line in &script {
            client.send_line(line);
        }
    } else if !script.is_empty() {
        let how = "type a line and press Enter; Ctrl-D ends the client (Ctrl-Z, Enter on Windows); Ctrl-C stops both";
        println!("{}", style::dim(&format!("(lesson {number}: {how})")));
    }
    let status = client
        .wait()
        .map_err(|e| format!("cannot wait for the client: {e}"))?;
    let _ = client_lines.join();

    let (by_itself, _) = server.stop_within(SERVER_GRACE);
    let _ = server_lines.join();
    if !by_itself {
        println!(
            "{}",
            style::dim("(the client has ended, so the server was stopped)")
        );
    }
    std::io::stdout().flush().ok();
    Ok(exit_code(status.success()))
}

/// `just server N` / `just client N`: one side, with the terminal to itself.
pub fn one_side(number: u32, side: Side, args: &[String]) -> Outcome {
    let lesson = workspace::lesson(number)?;
    let bin = match side {
        Side::Server => lesson.server_bin(),
        Side::Client => lesson.client_bin(),
    };
    let path = workspace::build_program(&lesson.package(), &bin)
        .map_err(|e| e.to_string())?;
    let mut command = Command::new(&path);
    if let Some(play) = playground(&lesson, false)? {
        command.current_dir(match side {
            Side::Server => play.server,
            Side::Client => play.client,
        });
    }
    let status = command
        .args(args)
        .status()
        .map_err(|e| format!("cannot start {bin}: {e}"))?;
    Ok(exit_code(status.success()))
}

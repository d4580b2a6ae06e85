//! The tools the workbook needs besides Rust, pinned here and nowhere else.
//! `just setup` / `cargo wb setup` installs what is missing; CI runs the same.

use std::process::{Command, ExitCode};
use std::time::Duration;

use workbook_harness::workspace;

use crate::{Outcome, cmd, exit_code, style};

/// A tool installed with `cargo install --locked NAME@VERSION`.
#[derive(Debug)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// The pinned tools. Change a version here and every command follows.
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "just",
        version: "1.59.0",
    },
    Tool {
        name: "mdbook",
        version: "0.5.4",
    },
];

/// Building a tool from source takes minutes on a small machine.
const INSTALL_LIMIT: Duration = Duration::from_secs(1800);

/// The installed version of `tool`, if it answers `--version`.
fn installed_version(tool: &Tool) -> Option<String> {
    let out = Command::new(tool.name).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // `just 1.59.0`, `mdbook v0.5.4`
    text.split_whitespace()
        .nth(1)
        .map(|v| v.trim_start_matches('v').to_string())
}

fn tool(name: &str) -> &'static Tool {
    TOOLS
        .iter()
        .find(|t| t.name == name)
        .expect("a pinned tool")
}

/// Fails with the command to run unless `name` is installed at its pinned version.
pub fn require(name: &str) -> Result<(), String> {
    let tool = tool(name);
    match installed_version(tool) {
        Some(v) if v == tool.version => Ok(()),
        Some(v) => Err(format!(
            "{name} {v} is installed, but the workbook pins {}: run `cargo wb setup`",
            tool.version
        )),
        None => Err(format!(
            "{name} is not installed: run `cargo wb setup` (it installs {name} {})",
            tool.version
        )),
    }
}

/// `cargo wb setup`: installs each pinned tool that is missing or at another version.
pub fn install() -> Outcome {
    for tool in TOOLS {
        match installed_version(tool) {
            Some(v) if v == tool.version => {
                println!(
                    "{} {} {} is installed",
                    style::good("✔"),
                    tool.name,
                    tool.version
                );
                continue;
            }
            Some(v) => println!(
                "{} {} {v} is installed; installing the pinned {}",
                style::dim("…"),
                tool.name,
                tool.version
            ),
            None => println!(
                "{} installing {} {} (cargo builds it from source: a few minutes)",
                style::dim("…"),
                tool.name,
                tool.version
            ),
        }
        let mut cargo = Command::new("cargo");
        cargo.args([
            "install",
            "--locked",
            &format!("{}@{}", tool.name, tool.version),
        ]);
        if !cmd::inherited(cargo, INSTALL_LIMIT)?.success() {
            return Err(format!(
                "`cargo install {}@{}` failed (see above)",
                tool.name, tool.version
            ));
        }
    }
    println!("Ready. Try `just lesson 1`, or `just test` to run every check.");
    Ok(ExitCode::SUCCESS)
}

/// `just book`: serves the book at http://localhost:3000, rebuilding on save.
pub fn serve_book() -> Outcome {
    require("mdbook")?;
    println!("serving the book at http://localhost:3000 (Ctrl-C stops it)");
    let status = Command::new("mdbook")
        .current_dir(workspace::root())
        .args(["serve", "book"])
        .status()
        .map_err(|e| format!("cannot run mdbook: {e}"))?;
    Ok(exit_code(status.success()))
}

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
    /// The programs it installs, when they are not just `name`.
    pub programs: &'static [&'static str],
}

/// The pinned tools. Change a version here and every command follows.
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "just",
        version: "1.59.0",
        programs: &[],
    },
    Tool {
        name: "mdbook",
        version: "0.5.4",
        programs: &[],
    },
    // The Chinese edition: `mdbook-xgettext` extracts the English messages,
    // `mdbook-gettext` applies po/zh-CN.po (0.4 is the line for mdBook 0.5).
    Tool {
        name: "mdbook-i18n-helpers",
        version: "0.4.0",
        programs: &["mdbook-gettext", "mdbook-xgettext"],
    },
];

/// Building a tool from source takes minutes on a small machine.
const INSTALL_LIMIT: Duration = Duration::from_secs(1800);

/// The installed version of `tool`: what it answers to `--version`, or, for a
/// package of programs that do not answer it, what `cargo install --list` says.
fn installed_version(tool: &Tool) -> Option<String> {
    if !tool.programs.is_empty() {
        return installed_by_cargo(tool);
    }
    let out = Command::new(tool.name).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // `just 1.59.0`, `mdbook v0.5.4`
    text.split_whitespace()
        .nth(1)
        .map(|v| v.trim_start_matches('v').to_string())
}

/// `mdbook-i18n-helpers v0.4.0:` in `cargo install --list`, if each of its
/// programs is still on the PATH.
fn installed_by_cargo(tool: &Tool) -> Option<String> {
    let out = Command::new("cargo")
        .args(["install", "--list"])
        .output()
        .ok()?;
    let list = String::from_utf8_lossy(&out.stdout);
    let prefix = format!("{} v", tool.name);
    let version = list
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))?
        .trim_end_matches(':')
        .to_string();
    let all_there = tool.programs.iter().all(|program| {
        Command::new(program)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok()
    });
    all_there.then_some(version)
}

/// The pinned tool by its name or the name of one of its programs.
fn tool(name: &str) -> &'static Tool {
    TOOLS
        .iter()
        .find(|t| t.name == name || t.programs.contains(&name))
        .expect("a pinned tool")
}

/// Fails with the command to run unless `name` is installed at its pinned version.
pub fn require(name: &str) -> Result<(), String> {
    let tool = tool(name);
    match installed_version(tool) {
        Some(v) if v == tool.version => Ok(()),
        Some(v) => Err(format!(
            "{} {v} is installed, but the workbook pins {}: run `cargo wb setup`",
            tool.name, tool.version
        )),
        None => Err(format!(
            "{name} is not installed: run `cargo wb setup` (it installs {} {})",
            tool.name, tool.version
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

/// `just book --watch`: the English edition only, rebuilt whenever a file of
/// the book changes (mdBook's own server, with live reload).
pub fn watch_book() -> Outcome {
    require("mdbook")?;
    println!(
        "serving the English edition at http://localhost:3000, rebuilt on save (Ctrl-C stops it)"
    );
    let status = Command::new("mdbook")
        .current_dir(workspace::root())
        .args(["serve", "book"])
        .status()
        .map_err(|e| format!("cannot run mdbook: {e}"))?;
    Ok(exit_code(status.success()))
}

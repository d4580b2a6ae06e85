//! `workbook`: the runner behind the justfile.
//!
//! Every `just` recipe is one subcommand here, so each also works without just:
//! `cargo wb lesson 2` is `just lesson 2`. The runner is split by concern:
//! [`run`] plays a lesson (both sides in one terminal, or one side), [`homework`]
//! checks, hints, resets and watches homework, [`checks`] is `just test`
//! ([`browser`] its step that reads the book in Chromium),
//! [`bench`] is `just bench`, [`book`] builds and serves the book's two
//! editions and keeps the translation in step, and [`setup`] installs the
//! pinned tools.

mod bench;
mod book;
mod browser;
mod checks;
mod cmd;
mod homework;
mod run;
mod setup;
mod style;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use workbook_harness::workspace;

/// The socket-workbook runner. `just --list` shows the same commands.
#[derive(Parser)]
#[command(name = "workbook", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run lesson N: its server on a free loopback port, its client in this terminal.
    Lesson {
        /// The lesson number, e.g. 2.
        number: u32,
        /// Replay the chapter's scripted demo instead of reading your keyboard.
        #[arg(long)]
        demo: bool,
    },
    /// Run lesson N's server alone (default address 127.0.0.1:9999).
    Server {
        number: u32,
        /// Arguments for the server, e.g. `--addr 127.0.0.1:7000`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run lesson N's client alone (default address 127.0.0.1:9999).
    Client {
        number: u32,
        /// Arguments for the client, e.g. `--addr 127.0.0.1:7000`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Check homework N: run its tests against your code.
    Check {
        number: u32,
        /// For a homework in milestones (the capstone's): check only this one.
        #[arg(long, value_name = "M")]
        milestone: Option<u32>,
    },
    /// Show the hint for homework N.
    Hint { number: u32 },
    /// Re-check homework N every time you save (press Enter to re-check by hand).
    Watch { number: u32 },
    /// Put homework N's starting code back; yours is kept as src/main.rs.before-reset.
    Reset { number: u32 },
    /// A table of lessons and homework, computed by running their checks.
    Progress,
    /// Everything CI checks: format, lints, lesson tests, homework checks, the book.
    Test {
        /// Run only the steps whose name contains these words, e.g.
        /// `--only homework 11` or `--only book`.
        #[arg(long, value_name = "WORDS", num_args = 1..)]
        only: Vec<String>,
    },
    /// The benchmark suite: server models, transfers, a big file (speed is
    /// measured here, never in tests). `cargo wb bench --help` lists its options.
    // Its --help is the suite's own, so the flag is passed on.
    #[command(disable_help_flag = true)]
    Bench {
        /// Options for the suite, e.g. `--quick`, `--book`, `--only models`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Build the book (English and Chinese) and serve it at http://127.0.0.1:3000.
    Book {
        /// The edition to open: `en` (the default) or `zh-CN`.
        lang: Option<String>,
        /// The port to serve it on.
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// The English edition only, rebuilt on every save (mdBook's live reload).
        #[arg(long, conflicts_with = "lang")]
        watch: bool,
    },
    /// Merge the book's changed English text into po/zh-CN.po (needs gettext's msgmerge).
    Translations,
    /// Install the pinned tools (just, mdbook, mdbook-i18n-helpers) if they are missing.
    Setup,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Setup => setup::install(),
        // Every other command acts on the checkout it is run in.
        command => workspace::locate().and_then(|_| in_checkout(command)),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{} {message}", style::error("error:"));
            ExitCode::FAILURE
        }
    }
}

/// Runs a command that acts on the checkout.
fn in_checkout(command: Command) -> Outcome {
    match command {
        Command::Lesson { number, demo } => run::lesson(number, demo),
        Command::Server { number, args } => {
            run::one_side(number, run::Side::Server, &args)
        }
        Command::Client { number, args } => {
            run::one_side(number, run::Side::Client, &args)
        }
        Command::Check { number, milestone } => homework::check(number, milestone),
        Command::Hint { number } => homework::hint(number),
        Command::Watch { number } => homework::watch(number),
        Command::Reset { number } => homework::reset(number),
        Command::Progress => homework::progress(),
        Command::Test { only } => {
            let only = only.join(" ");
            checks::all((!only.is_empty()).then_some(only.as_str()))
        }
        Command::Bench { args } => bench::suite(&args),
        Command::Book { watch: true, .. } => setup::watch_book(),
        Command::Book { lang, port, .. } => book::serve(lang.as_deref(), port),
        Command::Translations => book::update_translations(),
        Command::Setup => setup::install(),
    }
}

/// What every command returns: an exit code, or one line saying what went wrong.
type Outcome = Result<ExitCode, String>;

/// The exit code for a step that succeeded or not.
fn exit_code(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

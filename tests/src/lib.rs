//! The workbook's test harness, written once and used by every lesson's tests, every
//! homework check and the runner behind `just lesson N`.
//!
//! - [`process`]: spawn a program, read its output line by line, wait for a line with
//!   a deadline, kill it when dropped. Nothing here can hang a test.
//! - [`golden`]: normalise ports and compare output with a golden transcript.
//! - [`demo`]: a lesson's scripted demo, server and client, checked against the
//!   transcripts the book includes.
//! - [`peer`]: the other end of a connection, played by a test, with deadlines.
//! - [`playground`]: each side's folder for the lessons that move files.
//! - `limits` (Linux): lower a running program's limits, to show what a server
//!   does when the system refuses a file descriptor or a thread; raise the
//!   test's own limit on open files, for lesson 12's ten thousand connections.
//! - [`homework`]: which program a homework check runs (the learner's or the reference).
//! - [`workspace`]: where the lessons live and how to build one of their programs.

pub mod demo;
pub mod golden;
pub mod homework;
#[cfg(target_os = "linux")]
pub mod limits;
pub mod peer;
pub mod playground;
pub mod process;
pub mod workspace;

pub use demo::{Program, check_demo, check_transcripts, demo_input, run_demo};
pub use golden::{assert_golden, normalize};
pub use peer::{TestListener, connect, refused_addr};
pub use playground::{Playground, ScratchDir};
pub use pretty_assertions;
pub use process::{
    Finished, Input, Proc, start_server, start_server_in, start_server_with_args,
};

//! Lesson 5's command runner, shared by its server and by lesson 7's server.
//!
//! - [`shell`]: run one line as a shell command, with a time limit and an output
//!   cap.
//! - [`safety`]: decide whether an address is safe to listen on for a server like
//!   this.

pub mod safety;
pub mod shell;

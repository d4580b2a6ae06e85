//! Milestone 5: counts a session in when it starts and never out. Each
//! connection, logged in or not, served or refused, takes a place for good:
//! after `--max-sessions` connections in all, over however long, the server
//! answers `full` to everyone, with nobody inside.

// In src/session.rs, replace
// -        self.0.fetch_sub(1, Ordering::SeqCst);
// with
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

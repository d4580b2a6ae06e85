//! Milestone 2: `cd` reads its path as text and goes there without asking the
//! disk. `..` and the names are checked, so the home cannot be left, and that
//! felt like the whole job; but `cd` into a file, or into a folder that does
//! not exist, is answered `ok`, and every command after it fails in a working
//! folder that is not one.

// In src/session.rs, replace
// -    user.home.folder(&place)?; // it must exist, be a folder, and be inside
// with
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

//! Right: files copied 1,000 bytes at a time instead of 64 KiB. Slower, and
//! just as correct: TCP is a stream, so how the bytes are cut on the way
//! (lesson 6) is nobody's business but the sender's, and the digest still
//! covers every byte once. The checks must not care: this must pass.

// In src/transfer.rs, replace
// -pub const CHUNK: usize = 64 * 1024;
// with
// +pub const CHUNK: usize = 1000;
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

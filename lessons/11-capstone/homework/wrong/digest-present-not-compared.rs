//! Milestone 3: checks that `done` carries a sha256, and never compares it with
//! the digest of what arrived: TCP checks every segment, so the bytes must be
//! right. TCP's checksum is 16 bits and misses some damage; a disk, a buggy
//! client or a file changed while it was read damage bytes TCP never sees. A
//! damaged upload is saved as if whole, and replaces the good old version.

// In src/session.rs, replace
// -    if actual != expected {
// with
// +    if expected.is_empty() {
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

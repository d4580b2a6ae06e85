//! Milestone 6: cleans up after an upload that broke off by deleting its
//! partial file, as one tidies up after any failure. Those bytes are exactly
//! what a resume needs: the next `put` of the file is offered 0 bytes, and a
//! 4 GiB upload cut at 3.9 GiB starts again from the first byte.

// In src/session.rs, replace
// -    if let Err(e) = copied {
// -        let _ = partial.flush();
// with
// +    if let Err(e) = copied {
// +        drop(partial);
// +        let _ = fs::remove_file(&target.partial);
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

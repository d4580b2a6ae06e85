//! Milestone 6: offers the bytes kept of an upload by their count alone,
//! without their SHA-256: the client knows its own file. It does not know
//! whether the server's bytes are its file's: the file may have changed since
//! the upload was cut. A client that trusts the count saves a mix of two
//! versions; a careful one can never resume.

// In src/session.rs, replace
// -        prefix_sha256: (held > 0).then(|| hex(hasher.clone())),
// with
// +        prefix_sha256: None,
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

//! Milestone 1: counts every refused login against the three tries, a login
//! that lacks its user or its password too, since "a login was refused" looks
//! like one case. A client with a bug, or a person pressing Enter at the
//! password prompt, is shut out as if guessing passwords, and the third reply
//! says `login-failed` about a request whose password was never checked.

// In src/session.rs, replace
// -                // A request missing a field is answered, not counted: only a
// -                // wrong name or password uses up one of the tries.
// -                Err(refusal) if refusal.code != Code::LoginFailed => Err(refusal),
// with
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

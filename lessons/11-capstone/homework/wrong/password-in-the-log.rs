//! Milestone 1: logs each failed login with the password that was tried, to
//! see why logins fail while writing the server. The log is read by people
//! and kept in backups; a wrong password is often a right one with a typo, or
//! the user's password for another account, and now it is on the server's
//! disk in clear, where the Argon2id hashes were meant to keep it away.

// In src/session.rs, replace
// -        if refusal.code != Code::ServerError {
// -            return refusal;
// -        }
// with
// +        if refusal.code != Code::ServerError {
// +            log(&format!("{name}: login failed with password {password:?}"));
// +            return refusal;
// +        }
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

//! Milestone 1: checks a password by hashing it again, as `add-user` did, and
//! comparing the two strings. That is how one checks a plain SHA-256, so it
//! looks right; but hashing gives the same string only with the same salt, and
//! `hash` draws a fresh salt every time, so no password ever matches and nobody
//! can log in. The stored PHC string carries its salt and settings: a check
//! hashes the password with those (what `verify` does).

// In src/accounts.rs, replace
// -        Some(stored) => check_on_checker(password, &stored.password_hash),
// with
// +        Some(stored) => hash(password).is_ok_and(|h| h == stored.password_hash),
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

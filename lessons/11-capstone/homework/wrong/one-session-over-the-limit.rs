//! Milestone 5: lets one connection more in than `--max-sessions`. `fetch_add`
//! returns the count from before this connection, and the test `<=` was
//! written for the count after it: off by one, a limit of 2 serves three
//! clients, and a limit of 0 still serves one.

// In src/session.rs, replace
// -    (before < shared.settings.max_sessions).then_some(slot)
// with
// +    (before <= shared.settings.max_sessions).then_some(slot)
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));

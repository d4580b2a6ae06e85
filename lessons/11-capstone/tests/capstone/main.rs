//! The capstone's tests, one module per requirement (the chapter's table of
//! nine), each through real processes on loopback. `cargo test -p lesson-11
//! r4_` runs the quota's alone.

mod support;

mod r1_accounts;

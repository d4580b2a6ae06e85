//! The capstone's tests, through real processes on loopback, in two sets.
//! Homework 11's check, one module per milestone (`m1_` … `m7_`), is included
//! from `homework/tests/check/` and run here against `server-11` and
//! `client-11`: it is the one place that checks what chapter 11's tables
//! specify, for the reference and for a learner's program alike. Beside it,
//! one module per requirement (`r1_` … `r9_`, only for those that have any)
//! checks what only the reference has: its admin commands, its log's lines,
//! its client's words; and `hostile.rs` and `load.rs` test it under abuse
//! and load. `cargo test -p lesson-11 m4_` runs the quota's milestone alone.

mod support;

/// Lesson 11's own programs.
fn programs() -> support::Programs {
    let program = |path: &str| support::Program {
        path: path.into(),
        first: Vec::new(),
    };
    support::Programs {
        server: program(env!("CARGO_BIN_EXE_server-11")),
        client: program(env!("CARGO_BIN_EXE_client-11")),
        admin: env!("CARGO_BIN_EXE_server-11").into(),
    }
}

// Homework 11's milestones (a crate root's `#[path]` is relative to its
// own folder, `tests/capstone/`).
#[path = "../../homework/tests/check/m1_login.rs"]
mod m1_login;
#[path = "../../homework/tests/check/m2_home.rs"]
mod m2_home;
#[path = "../../homework/tests/check/m3_transfers.rs"]
mod m3_transfers;
#[path = "../../homework/tests/check/m4_quota.rs"]
mod m4_quota;
#[path = "../../homework/tests/check/m5_many_users.rs"]
mod m5_many_users;
#[path = "../../homework/tests/check/m6_resume.rs"]
mod m6_resume;
#[path = "../../homework/tests/check/m7_client.rs"]
mod m7_client;

mod hostile;
mod load;
mod r1_accounts;
mod r2_many_users;
mod r3_homes;
mod r4_quota;
mod r9_resume;

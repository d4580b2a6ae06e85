//! The capstone's tests, one module per requirement (the chapter's table of
//! nine), each through real processes on loopback. `cargo test -p lesson-11
//! r4_` runs the quota's alone.

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

mod hostile;
mod load;
mod r1_accounts;
mod r2_many_users;
mod r3_homes;
mod r4_quota;
mod r5_cd;
mod r6_ls;
mod r7_integrity;
mod r8_progress;
mod r9_resume;

//! The check for homework 11, the capstone (`just check 11`): your file
//! server and client, `homework-11 server …` and `homework-11 client …`, run
//! as real processes on loopback, one milestone at a time. Each milestone's
//! tests start with its prefix (`m1_` … `m7_`, as `MILESTONES` lists them),
//! so one milestone runs alone with
//!
//! ```console
//! $ cargo test -p homework-11 --test check -- m3_
//! ```
//!
//! (`just check 11 --milestone 3` does the same and explains a failure), and
//! against the reference solution with `WORKBOOK_CHECK_TARGET=solution`.
//!
//! The tests speak chapter 11's protocol frame by frame, as a client written
//! in another language would, and judge only what the protocol and the disk
//! show: each reply's `status` and `code`, the files in the homes, the bytes
//! that cross. Your server's log is yours to word; only its first line,
//! `listening on ADDR`, is read. The accounts are made by the reference
//! `server-11 add-user`, so your server reads the `users.json` it writes; and
//! your client is checked against the reference server.
//!
//! Lesson 11's own suite (`lessons/11-capstone/tests/capstone/`) includes
//! these same milestone modules and runs them against `server-11` and
//! `client-11`: the tests your program must pass are exactly the tests the
//! reference passes.

#[path = "../../tests/capstone/support.rs"]
mod support;

use std::path::PathBuf;
use std::sync::OnceLock;

/// The programs under check: your program (or the solution, or a fixture) as
/// the server and the client, and lesson 11's `server-11` to make accounts
/// and to serve the client's milestone.
fn programs() -> support::Programs {
    let program = |first: &str| support::Program {
        path: workbook_harness::homework::pick(
            env!("CARGO_BIN_EXE_homework-11"),
            env!("CARGO_BIN_EXE_solution-11"),
        ),
        first: vec![first.to_string()],
    };
    support::Programs {
        server: program("server"),
        client: program("client"),
        admin: reference_server().clone(),
    }
}

/// Lesson 11's `server-11`, built once for the whole run (it is another
/// package's program, so cargo does not build it for this test by itself).
fn reference_server() -> &'static PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        workbook_harness::workspace::build_program("lesson-11", "server-11")
            .unwrap_or_else(|e| {
                panic!(
                    "the check needs lesson 11's server-11 (it makes the \
                     accounts), and it could not be built: {e}"
                )
            })
    })
}

// One module a milestone, in `tests/check/` (a crate root's modules are
// looked for beside it, hence the paths).
#[path = "check/m1_login.rs"]
mod m1_login;
#[path = "check/m2_home.rs"]
mod m2_home;
#[path = "check/m3_transfers.rs"]
mod m3_transfers;
#[path = "check/m4_quota.rs"]
mod m4_quota;
#[path = "check/m5_many_users.rs"]
mod m5_many_users;
#[path = "check/m6_resume.rs"]
mod m6_resume;
#[path = "check/m7_client.rs"]
mod m7_client;

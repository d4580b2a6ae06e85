//! A homework check is one test file that runs against either the learner's program
//! (what `just check N` does) or the reference solution (what CI does to prove the
//! check can pass). One source of truth, as in Comprehensive Rust: never two copies
//! of a test.

use std::path::PathBuf;

/// Set to `solution` to run a homework check against the reference solution.
pub const CHECK_TARGET_VAR: &str = "WORKBOOK_CHECK_TARGET";

/// The program under check: the learner's unless [`CHECK_TARGET_VAR`] says `solution`.
pub fn pick(learner: &str, solution: &str) -> PathBuf {
    match std::env::var(CHECK_TARGET_VAR).as_deref() {
        Ok("solution") => PathBuf::from(solution),
        _ => PathBuf::from(learner),
    }
}

/// The program a homework check runs, for homework `$n` (`"01"`, `"02"`, …):
/// the binary `homework-$n` (the learner's) or `solution-$n` (the reference).
#[macro_export]
macro_rules! homework_program {
    ($n:literal) => {
        $crate::homework::pick(
            env!(concat!("CARGO_BIN_EXE_homework-", $n)),
            env!(concat!("CARGO_BIN_EXE_solution-", $n)),
        )
    };
}

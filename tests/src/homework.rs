//! A homework check is one test file that runs against either the learner's program
//! (what `just check N` does) or the reference solution (what CI does to prove the
//! check can pass). One source of truth, as in Comprehensive Rust: never two copies
//! of a test. The same check also runs against kept wrong solutions (each must
//! fail it) and kept right ones written differently (each must pass).

use std::path::{Path, PathBuf};

/// Which program a homework check runs: unset, the learner's; `solution`, the
/// reference solution; or the program name of a kept fixture (`wrong-08-…`,
/// `right-08-…`), to prove the check rejects a plausible mistake or accepts a
/// correct solution written differently.
pub const CHECK_TARGET_VAR: &str = "WORKBOOK_CHECK_TARGET";

/// The program under check, chosen by [`CHECK_TARGET_VAR`]. Fixtures are built
/// beside the solution (the homework's `fixtures` feature builds them).
pub fn pick(learner: &str, solution: &str) -> PathBuf {
    match std::env::var(CHECK_TARGET_VAR).as_deref() {
        Ok("solution") => PathBuf::from(solution),
        Ok(fixture) if is_fixture(fixture) => {
            let path = Path::new(solution).with_file_name(format!(
                "{fixture}{}",
                std::env::consts::EXE_SUFFIX
            ));
            // A fixture that was not built must not pass for a rejected one.
            assert!(path.is_file(), "{fixture} {FIXTURE_NOT_BUILT}");
            path
        }
        _ => PathBuf::from(learner),
    }
}

/// What a check says of a fixture that was not built, so that the runner never
/// takes that failure for the check rejecting it.
pub const FIXTURE_NOT_BUILT: &str = "is not built: is it a [[bin]] of the homework, built with --features fixtures?";

/// Whether `name` is a fixture's program name: `wrong-NN-…` or `right-NN-…`.
pub fn is_fixture(name: &str) -> bool {
    name.starts_with("wrong-") || name.starts_with("right-")
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

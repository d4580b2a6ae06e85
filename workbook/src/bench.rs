//! `just bench`: the benchmark suite, which is the crate `bench/` (its
//! `src/main.rs` says what it measures). The runner only builds and starts it,
//! so that the suite's dependencies (tokio, plotters) are never built for
//! `just lesson 1`.
//!
//! The suite is built optimised: an unoptimised build measures the compiler's
//! debug code, not the servers. `--quick`, which only checks that every part
//! runs (CI, and the test `the_benchmark_runs`), uses the debug build the tests
//! already made instead. Speed is measured there and only there; no test
//! asserts it, because a timed test fails on a busy machine for no fault of
//! the code.

use workbook_harness::workspace;

use crate::Outcome;

/// Runs the suite with `args` (`--quick`, `--book`, `--only models`…).
pub fn suite(args: &[String]) -> Outcome {
    let quick = args.iter().any(|a| a == "--quick");
    let mut cargo = workspace::cargo();
    cargo.args(["run", "--quiet", "--package", "bench"]);
    if !quick {
        cargo.arg("--release");
    }
    cargo.arg("--").args(args);
    let status = cargo
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    Ok(crate::exit_code(status.success()))
}

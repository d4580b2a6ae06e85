//! Lesson 1 end to end: both programs run as real processes; what they print is
//! compared with the transcripts the chapter shows.

use std::path::Path;

use workbook_harness::{Program, check_demo};

#[test]
fn demo_matches_the_chapter() {
    check_demo(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        "demo",
        &Program::new(env!("CARGO_BIN_EXE_server-01")),
        &Program::new(env!("CARGO_BIN_EXE_client-01")),
    );
}

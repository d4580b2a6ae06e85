//! Lesson 1 end to end: both programs run as real processes; what they print is
//! compared with the transcripts the chapter shows.

use std::path::Path;

#[test]
fn demo_matches_the_chapter() {
    workbook_harness::check_demo(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        "demo",
        Path::new(env!("CARGO_BIN_EXE_server-01")),
        Path::new(env!("CARGO_BIN_EXE_client-01")),
    );
}

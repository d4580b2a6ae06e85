//! Lesson 11's demo, as the chapter shows it: the playground's `demo` account
//! logs in, makes a folder, uploads, lists, downloads, and is refused a path
//! that climbs out of its home.

use std::path::Path;

use workbook_harness::{Playground, Program, ScratchDir, check_demo};

fn lesson_dir() -> &'static Path {
    workbook_harness::workspace::package_dir()
}
fn server(play: &Playground) -> Program {
    Program::new(env!("CARGO_BIN_EXE_server-11"))
        .serves_forever(": left")
        .in_dir(&play.server)
}
fn client(play: &Playground) -> Program {
    Program::new(env!("CARGO_BIN_EXE_client-11")).in_dir(&play.client)
}

#[test]
fn the_demo_matches_the_chapter() {
    let scratch = ScratchDir::new("lesson11-demo");
    let play = scratch.playground(lesson_dir());
    check_demo(lesson_dir(), "demo", &server(&play), &client(&play));
}

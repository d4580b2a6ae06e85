//! Builds homework 11's kept fixtures. The reference solution is chapter 11's
//! code, some 2500 lines in eight modules; a fixture that copied it all to
//! change three lines would be unreadable, and would rot as the lesson
//! changes. So a fixture holds only its change, and this script makes the
//! program: the solution with that change applied.
//!
//! A fixture is `wrong/NAME.rs` (a mistake a milestone must reject) or
//! `right/NAME.rs` (a correct solution written differently), built as the
//! program `wrong-11-NAME` or `right-11-NAME` by a `[[bin]]` of Cargo.toml.
//! It reads:
//!
//! ```text
//! //! Milestone 4: rm removes the file but tells the quota's ledger nothing, …
//!
//! // In src/session.rs, replace
//! // -        Ok((freed, freed))
//! // with
//! // +        Ok((freed, 0))
//! include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));
//! ```
//!
//! The last line, the same in every fixture, makes it its program: the file
//! this script wrote for it (cargo names the program it compiles, so a fixture
//! always includes its own).
//!
//! A change is a block of `//` lines:
//!
//! - `// In FILE, replace`: FILE is one of lesson 11's files that the solution
//!   compiles, from `lessons/11-capstone/` (`src/session.rs`), or
//!   `solution/main.rs` itself;
//! - one or more `// -LINE`: lines of FILE, in a row, exactly as they are there
//!   (all that follows `// -` counts, indentation included);
//! - `// with`;
//! - zero or more `// +LINE`: the lines that take their place (none: the lines
//!   are deleted).
//!
//! A fixture may hold several blocks; they are applied in order, each to the
//! file as the blocks before it left it. Every other `//` line is a comment.
//! The `-` lines of a block must occur exactly once in the file: if the lesson's
//! code changes under a fixture, the build fails and names the fixture and the
//! lines, instead of quietly building the solution unchanged.
//!
//! For each fixture the script writes, in `OUT_DIR`:
//!
//! - `PROGRAM/FILE.rs`: a copy of each module the solution names with a
//!   `#[path = "../../src/FILE.rs"]` attribute, changed as the fixture says;
//! - `PROGRAM.rs`: `solution/main.rs`, changed, with each such attribute
//!   pointing at the copy (an absolute path), each module allowed to hold what
//!   the change left unused, and its inner `//!` lines and `#![…]` attributes
//!   left out: the fixture includes this file, and an included file cannot
//!   hold them (the fixture's own `//!` line is the program's doc).
//!
//! All this happens only with the `fixtures` feature (`just test` turns it
//! on). Without it the script does nothing, so a learner's build stays quick.

use std::env;
use std::fs;
use std::iter::Peekable;
use std::path::{Path, PathBuf};

/// The line that makes a fixture its program.
const INCLUDE: &str =
    r#"include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));"#;

/// How the solution names a module of lesson 11: `#[path = "../../src/X.rs"]`.
const MODULE_PATH: &str = "#[path = \"../../";

fn main() {
    let manifest =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let solution = manifest.join("solution/main.rs");
    let lesson = manifest.join("..");
    // Cargo.toml too: a new fixture comes with a [[bin]] there, and may be in
    // a folder that did not exist before (git keeps no empty folder).
    let watched = [
        solution.clone(),
        lesson.join("src"),
        manifest.join("wrong"),
        manifest.join("right"),
        manifest.join("Cargo.toml"),
    ];
    for path in watched.iter().filter(|path| path.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    if env::var_os("CARGO_FEATURE_FIXTURES").is_none() {
        return;
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let package = env::var("CARGO_PKG_NAME").expect("set by cargo");
    let number = package.strip_prefix("homework-").unwrap_or(&package);
    let main = read(&solution);
    for kind in ["wrong", "right"] {
        for fixture in fixtures(&manifest.join(kind)) {
            let stem = fixture.file_stem().and_then(|s| s.to_str());
            let program = format!("{kind}-{number}-{}", stem.unwrap_or_default());
            let name = format!("{kind}/{}", fixture.file_name().unwrap().display());
            build(&Fixture {
                name,
                program,
                text: read(&fixture),
                main: &main,
                lesson: &lesson,
                out: &out,
            });
        }
    }
}

/// One fixture to build, and where everything it needs is.
struct Fixture<'a> {
    /// As messages name it: `wrong/NAME.rs`.
    name: String,
    /// The program it is built as: `wrong-11-NAME`.
    program: String,
    text: String,
    /// The solution's `main.rs`.
    main: &'a str,
    /// `lessons/11-capstone`, where the modules' files are.
    lesson: &'a Path,
    out: &'a Path,
}

/// One block of a fixture: replace `old` (lines of `file`) with `new`.
struct Change {
    file: String,
    old: Vec<String>,
    new: Vec<String>,
    /// The block's first line in the fixture, counted from 1.
    line: usize,
}

/// The `.rs` files of a fixtures folder (none if it does not exist), sorted.
fn fixtures(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a fixtures folder can be read").path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect();
    found.sort();
    found
}

fn read(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Writes `text` to `path` unless it holds it already, so that a fixture whose
/// files did not change is not compiled again.
fn write(path: &Path, text: &str) {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return;
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)
            .unwrap_or_else(|e| panic!("cannot make {}: {e}", dir.display()));
    }
    fs::write(path, text)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// Writes the fixture's program: its changed copies, and the main it includes.
fn build(fixture: &Fixture) {
    assert!(
        fixture.text.lines().any(|line| line == INCLUDE),
        "{}: a fixture ends with the line `{INCLUDE}`: its program, the \
         solution with the fixture's changes",
        fixture.name
    );
    let changes = changes(fixture);
    assert!(
        !changes.is_empty(),
        "{}: no change (a block `// In src/FILE.rs, replace`, `// -…`, \
         `// with`, `// +…`); a fixture is the solution with one change",
        fixture.name
    );
    // The solution's main first, then the modules it names: each file's name
    // (as a change names it) and its lines.
    let main_file = "solution/main.rs";
    let mut files: Vec<(String, Vec<String>)> =
        vec![(main_file.into(), lines(fixture.main))];
    for module in modules(fixture.main) {
        let text = read(&fixture.lesson.join(&module));
        files.push((module, lines(&text)));
    }
    for change in &changes {
        let Some((_, text)) =
            files.iter_mut().find(|(file, _)| *file == change.file)
        else {
            let known: Vec<&str> =
                files.iter().map(|(file, _)| file.as_str()).collect();
            panic!(
                "{} (line {}): {} is not a file the solution compiles; those are {}",
                fixture.name,
                change.line,
                change.file,
                known.join(", ")
            );
        };
        apply(fixture, change, text);
    }
    let dir = fixture.out.join(&fixture.program);
    let ((_, main), modules) = files.split_first().expect("the main comes first");
    for (file, text) in modules {
        let copy = dir.join(Path::new(file).file_name().expect("a file name"));
        write(&copy, &(text.join("\n") + "\n"));
    }
    let main = wrapper(&main.join("\n"), &dir);
    let header = format!(
        "// Made by build.rs from solution/main.rs and {}. Do not edit.\n",
        fixture.name
    );
    write(
        &fixture.out.join(format!("{}.rs", fixture.program)),
        &(header + &main),
    );
}

/// A text's lines, without their line ends (`\r\n` too).
fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// The files of lesson 11 the solution compiles as modules, as paths from the
/// lesson's folder: `src/session.rs` for `#[path = "../../src/session.rs"]`.
fn modules(main: &str) -> Vec<String> {
    main.lines()
        .filter_map(|line| {
            let path =
                line.trim().strip_prefix(MODULE_PATH)?.strip_suffix("\"]")?;
            Some(path.to_string())
        })
        .collect()
}

/// Reads a fixture's change blocks.
fn changes(fixture: &Fixture) -> Vec<Change> {
    let fail = |line: usize, why: &str| -> ! {
        panic!("{} (line {line}): {why}", fixture.name);
    };
    let mut changes = Vec::new();
    let mut lines = fixture.text.lines().zip(1..).peekable();
    while let Some((text, line)) = lines.next() {
        let Some(file) = text
            .strip_prefix("// In ")
            .and_then(|t| t.strip_suffix(", replace"))
        else {
            if text.starts_with("// -")
                || text.starts_with("// +")
                || text == "// with"
            {
                fail(
                    line,
                    "a `// -`, `// +` or `// with` line outside a change block",
                );
            }
            continue;
        };
        let old = take(&mut lines, "// -");
        if old.is_empty() {
            fail(
                line,
                "the change has no `// -` line: which lines does it replace?",
            );
        }
        if lines.next_if(|(text, _)| *text == "// with").is_none() {
            fail(
                line,
                "the change's `// -` lines must be followed by `// with`",
            );
        }
        let new = take(&mut lines, "// +");
        changes.push(Change {
            file: file.to_string(),
            old,
            new,
            line,
        });
    }
    changes
}

/// The lines that start with `prefix`, from here on, without it.
fn take<'a>(
    lines: &mut Peekable<impl Iterator<Item = (&'a str, usize)>>,
    prefix: &str,
) -> Vec<String> {
    let mut taken = Vec::new();
    while let Some((text, _)) = lines.next_if(|(text, _)| text.starts_with(prefix))
    {
        taken.push(text[prefix.len()..].to_string());
    }
    taken
}

/// Replaces the change's `-` lines in `text` with its `+` lines; they must
/// occur there exactly once.
fn apply(fixture: &Fixture, change: &Change, text: &mut Vec<String>) {
    let n = change.old.len();
    let at: Vec<usize> = text
        .windows(n)
        .enumerate()
        .filter(|(_, window)| *window == change.old.as_slice())
        .map(|(i, _)| i)
        .collect();
    if let [i] = at[..] {
        text.splice(i..i + n, change.new.iter().cloned());
        return;
    }
    let shown: Vec<String> = change
        .old
        .iter()
        .map(|line| format!("    -{line}"))
        .collect();
    let found = match at.len() {
        0 => "not found".to_string(),
        k => format!("found {k} times, not once"),
    };
    panic!(
        "{} (line {}): the lines it replaces in {} are {found} (has the lesson's \
         code changed?):\n{}",
        fixture.name,
        change.line,
        change.file,
        shown.join("\n")
    );
}

/// The solution's main as a fixture includes it: its modules are the copies in
/// `dir`, each may hold what the change left unused, and its inner doc and
/// attributes are left out.
fn wrapper(main: &str, dir: &Path) -> String {
    let mut out = String::new();
    for line in main.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("//!") {
            continue;
        }
        if trimmed.starts_with("#![") {
            assert!(
                trimmed.ends_with(']'),
                "solution/main.rs: an inner attribute on more than one line: {line}"
            );
            continue;
        }
        let module = trimmed
            .strip_prefix(MODULE_PATH)
            .and_then(|path| path.strip_suffix("\"]"));
        match module {
            Some(path) => {
                let name = Path::new(path).file_name().expect("a file name");
                out.push_str("#[allow(unused)]\n");
                out.push_str(&format!(
                    "#[path = {:?}]\n",
                    dir.join(name).display().to_string()
                ));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

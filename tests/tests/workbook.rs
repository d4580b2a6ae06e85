//! Whole-workbook checks: the book and the lessons agree.
//!
//! mdBook does not fail on an include of a missing file or anchor: it prints a
//! warning and renders the page without the code. These tests fail instead.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use workbook_harness::golden::{assert_golden, normalize};
use workbook_harness::process::{Input, Proc};
use workbook_harness::workspace::{self, Lesson, build_program, copy_checkout};
use workbook_harness::{Finished, ScratchDir, refused_addr, start_server_in};

fn book_src() -> PathBuf {
    workspace::root().join("book").join("src")
}

fn lessons() -> Vec<Lesson> {
    let lessons = workspace::lessons().unwrap();
    assert!(!lessons.is_empty(), "no lessons found");
    lessons
}

/// Every Markdown file of the book, with its text.
fn chapters() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&book_src(), &mut out);
    out.sort();
    out
}

/// One `{{#include PATH}}`, `{{#include PATH:ANCHOR}}` or
/// `{{#include PATH:FROM:TO}}` (also `#rustdoc_include`).
#[derive(Debug)]
struct Include {
    chapter: PathBuf,
    file: PathBuf,
    part: Part,
}

/// Which lines of its file an include shows, read as mdBook reads them.
#[derive(Debug)]
enum Part {
    /// The lines from index `from` (0-based) up to index `to`, excluded.
    Lines { from: usize, to: Option<usize> },
    /// The lines between `ANCHOR: name` and `ANCHOR_END: name`, without the
    /// marker lines of any anchor.
    Anchor(String),
}

impl Part {
    /// mdBook's selector: `N` is line N alone, `N:` from line N on, `:M` up to
    /// line M, `N:M` both; a selector that does not start with a number (or is
    /// empty) is an anchor name.
    fn parse(selector: Option<&str>) -> Part {
        let mut bounds = selector.unwrap_or("").splitn(2, ':');
        let start = bounds.next().unwrap_or("");
        let from = match start.parse::<usize>() {
            Ok(line) => line.saturating_sub(1),
            Err(_) if start.is_empty() => 0,
            Err(_) => return Part::Anchor(start.to_string()),
        };
        let to = match bounds.next() {
            Some(end) => end.parse().ok(),
            None if start.is_empty() => None,
            None => Some(from + 1),
        };
        Part::Lines { from, to }
    }
}

/// An `ANCHOR: name` or `ANCHOR_END: name` marker in `line`, wherever it sits
/// (mdBook accepts any comment style): `(is_end, name)`.
fn anchor_marker(line: &str) -> Option<(bool, &str)> {
    let (is_end, rest) = match line.split_once("ANCHOR_END:") {
        Some((_, rest)) => (true, rest),
        None => (false, line.split_once("ANCHOR:")?.1),
    };
    let rest = rest.trim_start();
    let len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    (len > 0).then(|| (is_end, &rest[..len]))
}

impl Include {
    /// The lines this include brings into the book, each with its line number
    /// in the file (from 1), or `None` if the file or the anchor is missing.
    fn shown_lines(&self) -> Option<Vec<(usize, String)>> {
        let text = fs::read_to_string(&self.file).ok()?;
        let numbered = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        match &self.part {
            Part::Lines { from, to } => Some(
                numbered
                    .skip(*from)
                    .take(to.map_or(usize::MAX, |to| to.saturating_sub(*from)))
                    .map(|(n, l)| (n, l.to_string()))
                    .collect(),
            ),
            Part::Anchor(anchor) => {
                let mut lines = numbered.skip_while(|(_, l)| {
                    anchor_marker(l) != Some((false, anchor.as_str()))
                });
                lines.next()?;
                let mut shown = Vec::new();
                for (n, line) in lines {
                    match anchor_marker(line) {
                        Some((true, name)) if name == anchor => return Some(shown),
                        Some(_) => {}
                        None => shown.push((n, line.to_string())),
                    }
                }
                None
            }
        }
    }

    /// The chapter that includes, relative to the checkout.
    fn chapter_name(&self) -> String {
        relative(&self.chapter)
    }

    /// The included file, relative to the checkout.
    fn file_name(&self) -> String {
        relative(&fs::canonicalize(&self.file).unwrap_or(self.file.clone()))
    }
}

/// `path` relative to the checkout, as a message names it.
fn relative(path: &Path) -> String {
    let root = fs::canonicalize(workspace::root()).unwrap();
    let path = path.strip_prefix(&root).unwrap_or(path);
    path.strip_prefix(workspace::root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn includes() -> Vec<Include> {
    let mut found = Vec::new();
    for (chapter, text) in chapters() {
        for piece in text.split("{{#").skip(1) {
            let Some(body) = piece.split("}}").next() else {
                continue;
            };
            let mut words = body.split_whitespace();
            let (Some(kind), Some(target)) = (words.next(), words.next()) else {
                continue;
            };
            if kind != "include" && kind != "rustdoc_include" {
                continue;
            }
            let (file, selector) = match target.split_once(':') {
                Some((file, selector)) => (file, Some(selector)),
                None => (target, None),
            };
            found.push(Include {
                chapter: chapter.clone(),
                file: chapter.parent().unwrap().join(file),
                part: Part::parse(selector),
            });
        }
    }
    found
}

#[test]
fn every_include_names_a_file_and_anchor_that_exist() {
    let includes = includes();
    assert!(
        includes.len() > 10,
        "expected the chapters to include lesson code; found {}",
        includes.len()
    );
    let mut problems = Vec::new();
    for inc in &includes {
        let chapter = inc.chapter_name();
        if !inc.file.exists() {
            problems.push(format!(
                "{chapter}: includes a missing file {}",
                inc.file.display()
            ));
        } else if let (Part::Anchor(anchor), None) = (&inc.part, inc.shown_lines())
        {
            problems.push(format!(
                "{chapter}: {} has no anchor {anchor:?}",
                inc.file.display()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "broken includes:\n{}",
        problems.join("\n")
    );
}

/// The width of the book's code blocks: at 1280 pixels they show about this many
/// columns before scrolling sideways. It is rustfmt's `max_width` too, so the
/// workbook keeps it in one place, `rustfmt.toml`.
fn book_code_width() -> usize {
    let rustfmt =
        fs::read_to_string(workspace::root().join("rustfmt.toml")).unwrap();
    rustfmt
        .lines()
        .find_map(|l| {
            l.strip_prefix("max_width")?
                .trim()
                .strip_prefix('=')?
                .trim()
                .parse()
                .ok()
        })
        .expect("rustfmt.toml sets max_width")
}

/// A line wider than a code block hides its end behind a sideways scroll, and
/// the end of an error message or a comment is often its point. rustfmt wraps
/// code but not strings or comments, and transcripts are what programs print:
/// every line an include brings into the book must fit, counted in characters.
#[test]
fn every_line_the_book_shows_fits_its_code_blocks() {
    let width = book_code_width();
    let mut problems = BTreeSet::new();
    for inc in includes() {
        for (n, line) in inc.shown_lines().unwrap_or_default() {
            let chars = line.chars().count();
            if chars > width {
                let file = inc.file_name();
                problems.insert(format!("{file}:{n}: {chars} characters"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "lines wider than the book's {width} columns:\n{}",
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// The anchors that let a chapter show part of a file are not code: a page that
/// shows a whole file shows it through an anchor around all of it (`all`),
/// which leaves every marker out.
#[test]
fn no_anchor_marker_shows_in_the_book() {
    let mut problems = BTreeSet::new();
    for inc in includes() {
        for (n, line) in inc.shown_lines().unwrap_or_default() {
            if anchor_marker(&line).is_some() {
                problems.insert(format!(
                    "{}: shows {}:{n}: {}",
                    inc.chapter_name(),
                    inc.file_name(),
                    line.trim()
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "anchor markers shown in the book:\n{}",
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn every_lesson_has_a_chapter_listed_in_the_summary() {
    let summary = fs::read_to_string(book_src().join("SUMMARY.md")).unwrap();
    for lesson in lessons() {
        let chapter = format!("{}.md", lesson.slug);
        assert!(
            lesson.chapter().exists(),
            "lesson {} has no chapter book/src/{chapter}",
            lesson.slug
        );
        assert!(
            summary.contains(&format!("({chapter})")),
            "SUMMARY.md does not list {chapter}"
        );
        let source_page = format!("source/{}.md", lesson.slug);
        assert!(
            summary.contains(&format!("({source_page})")),
            "SUMMARY.md does not list {source_page}"
        );
    }
}

/// The Chinese README is kept in step with the English one (the book's
/// Chinese edition is checked message by message by `just test`; the README is
/// one file): every code span, every link and every lesson row of README.md
/// is in README.zh-CN.md too.
#[test]
fn the_chinese_readme_has_what_the_english_one_has() {
    let read =
        |name: &str| fs::read_to_string(workspace::root().join(name)).unwrap();
    let (english, chinese) = (read("README.md"), read("README.zh-CN.md"));
    let spans = |text: &str| -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let targets = |text: &str| -> Vec<String> {
        text.split("](")
            .skip(1)
            .filter_map(|rest| rest.split_once(')').map(|(t, _)| t.to_string()))
            .collect()
    };
    let rows = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split_once(' '))
            .map(|(n, _)| n.to_string())
            .filter(|n| n.parse::<u32>().is_ok())
            .collect()
    };
    let (zh_spans, zh_targets) = (spans(&chinese), targets(&chinese));
    let mut missing: Vec<String> = spans(&english)
        .into_iter()
        .filter(|s| !zh_spans.contains(s))
        .map(|s| format!("`{s}`"))
        .collect();
    missing.extend(
        targets(&english)
            .into_iter()
            .filter(|t| t != "README.zh-CN.md" && !zh_targets.contains(t))
            .map(|t| format!("link to {t}")),
    );
    missing.extend(
        rows(&english)
            .into_iter()
            .filter(|n| !rows(&chinese).contains(n))
            .map(|n| format!("the row of lesson {n}")),
    );
    assert!(
        missing.is_empty(),
        "README.zh-CN.md lacks what README.md has (update the translation):\n{}",
        missing.join("\n")
    );
    assert!(
        english
            .lines()
            .take(5)
            .any(|l| l.contains("(README.zh-CN.md)")),
        "README.md's first lines link to README.zh-CN.md"
    );
}

/// The output the book shows is the output the tests compare: every golden
/// transcript must be included by a chapter, so none drifts out of sight.
#[test]
fn every_golden_transcript_is_shown_in_the_book() {
    let included: BTreeSet<PathBuf> = includes()
        .into_iter()
        .filter_map(|i| fs::canonicalize(i.file).ok())
        .collect();
    let mut missing = Vec::new();
    for lesson in lessons() {
        for entry in fs::read_dir(lesson.dir.join("transcripts"))
            .unwrap()
            .flatten()
        {
            let path = fs::canonicalize(entry.path()).unwrap();
            if !included.contains(&path) {
                missing.push(path.display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "transcripts no chapter includes:\n{}",
        missing.join("\n")
    );
}

/// Runs a lesson program with `args` in `dir` (servers of lessons 8 and 9 make
/// their folder there) and returns what it printed once it exits.
fn run_in(
    dir: &ScratchDir,
    lesson: &Lesson,
    bin: &str,
    args: &[String],
) -> workbook_harness::Finished {
    let path = build_program(&lesson.package(), bin).unwrap();
    Proc::spawn_in(Some(dir.path()), bin, &path, args, Input::Piped)
        .unwrap()
        .finish()
}

#[test]
fn every_program_has_help() {
    let dir = ScratchDir::new("help");
    for lesson in lessons() {
        for bin in [lesson.server_bin(), lesson.client_bin()] {
            let out = run_in(&dir, &lesson, &bin, &["--help".into()]);
            assert!(
                out.status.success() && out.stdout.contains("--addr"),
                "{bin} --help:\n{}{}",
                out.stdout,
                out.stderr
            );
        }
    }
}

/// The first errors a learner meets are one clear line, never a panic.
#[test]
fn first_errors_are_one_clear_line() {
    let one_line = |what: &str, out: &workbook_harness::Finished, needle: &str| {
        let line = out.one_error_line();
        assert!(
            line.contains(needle),
            "{what}: expected `error: …{needle}…`, got: {line}"
        );
    };
    let dir = ScratchDir::new("first-errors");
    for lesson in lessons() {
        // UDP has no connection to refuse: lesson 10's client tests what it
        // does with no server (it sends again, then gives up on the message).
        if !lesson.slug.ends_with("-udp") {
            let refused = run_in(
                &dir,
                &lesson,
                &lesson.client_bin(),
                &["--addr".into(), refused_addr().to_string()],
            );
            one_line(
                &format!("{} with no server", lesson.client_bin()),
                &refused,
                "connection refused",
            );
        }

        let path = build_program(&lesson.package(), &lesson.server_bin()).unwrap();
        let (_first, addr) =
            start_server_in(Some(dir.path()), "first server", &path, &[]).unwrap();
        let in_use = run_in(
            &dir,
            &lesson,
            &lesson.server_bin(),
            &["--addr".into(), addr.to_string()],
        );
        one_line(
            &format!("{} on a busy address", lesson.server_bin()),
            &in_use,
            "already in use",
        );

        let bad = run_in(
            &dir,
            &lesson,
            &lesson.client_bin(),
            &["--addr".into(), "nonsense".into()],
        );
        one_line(
            &format!("{} --addr nonsense", lesson.client_bin()),
            &bad,
            "not an address",
        );
    }
}

/// `just lesson N --demo` shows each side's lines exactly as the chapter does.
#[test]
fn the_runner_replays_each_demo_as_the_chapter_shows_it() {
    let runner = build_program("workbook", "workbook").unwrap();
    for lesson in lessons() {
        // The ssh lessons' demos type Unix shell commands (`seq`, `true`).
        if cfg!(windows) && matches!(lesson.number, 5 | 7) {
            continue;
        }
        let args = [
            "lesson".to_string(),
            lesson.number.to_string(),
            "--demo".into(),
        ];
        let out = Proc::spawn("the runner", &runner, &args, Input::Piped)
            .unwrap()
            .finish();
        assert!(
            out.status.success(),
            "lesson {} --demo failed:\n{}{}",
            lesson.number,
            out.stdout,
            out.stderr
        );
        let addr = out
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("[server] listening on "))
            .and_then(|a| a.parse().ok())
            .expect("the runner shows the server's address");
        for side in ["server", "client"] {
            let prefix = format!("[{side}] ");
            let lines: String = out
                .stdout
                .lines()
                .filter_map(|l| l.strip_prefix(&prefix))
                .map(|l| format!("{l}\n"))
                .collect();
            let golden = lesson
                .dir
                .join("transcripts")
                .join(format!("demo.{side}.txt"));
            assert_golden(&golden, &normalize(&lines, addr));
        }
    }
}

/// `just bench --quick` runs every part of the suite once on tiny inputs:
/// every server model answers, both transfers and the big file's put and get
/// finish (the file comes back whole), and the goals table is printed. Its
/// speed is printed, never asserted: only that each figure is there.
#[test]
fn the_benchmark_runs() {
    let runner = build_program("workbook", "workbook").unwrap();
    let args = ["bench".to_string(), "--quick".into()];
    // The runner builds the suite first (cargo run), which may take a while.
    let out = Proc::spawn("the runner", &runner, &args, Input::Piped)
        .unwrap()
        .finish_within(CARGO_LIMIT);
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    let text = &out.stdout;
    // Every model measured with 10 clients, not skipped, and the last column
    // says how many it served: one at a time serves one, the others all ten.
    for (model, served) in [
        ("one at a time", " 1"),
        ("thread per client", " 10"),
        ("pool of 100", " 10"),
        ("event loop", " 10"),
        ("tokio", " 10"),
    ] {
        let row = text
            .lines()
            .find(|l| l.starts_with(model))
            .unwrap_or_else(|| panic!("no row for {model:?} in:\n{text}"));
        assert!(!row.contains("skipped") && row.ends_with(served), "{row}");
    }
    for line in [
        "1 KiB",
        "1 MiB",
        "write and read_exact",
        "BufWriter and BufReader",
        "write it with sync_all",
        "one SHA-256 pass",
        "lesson 8  put big.bin",
        "lesson 8  get big.bin",
        "lesson 11 put big.bin",
        "lesson 11 get big.bin",
        "== Goals",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
    // Unbuffered framing makes two writes a message, one per write_all: counted.
    let framed = text.lines().find(|l| l.starts_with("write and read_exact"));
    assert!(framed.is_some_and(|l| l.contains("2.000")), "{text}");
    // Five goals, each a ratio (or n/a where a peer is missing).
    let goals = text.lines().filter(|l| l.contains("  goal ")).count();
    assert_eq!(goals, 5, "{text}");
}

/// How long `cargo wb` in a copy of the checkout may take (it may build the runner).
const CARGO_LIMIT: Duration = Duration::from_secs(300);

/// Runs `cargo wb ARGS` in the checkout `dir`, sharing this checkout's target
/// folder (the one this test was built in), as a fork and its upstream might.
fn cargo_wb(dir: &Path, args: &[&str]) -> Finished {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let mut cargo = workspace::cargo();
    cargo
        .current_dir(dir)
        .arg("wb")
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        // Only what cargo tells the runner, not what it told this test.
        .env_remove("CARGO_MANIFEST_DIR");
    Proc::start(cargo, "cargo wb", Input::Piped)
        .unwrap()
        .finish_within(CARGO_LIMIT)
}

/// A copy of this checkout, under `scratch`, named `name`.
fn checkout_copy(scratch: &ScratchDir, name: &str) -> PathBuf {
    let copy = scratch.path().join(name);
    copy_checkout(&workspace::root(), &copy).unwrap();
    copy
}

/// Where homework `number`'s `file` is in the checkout `checkout`.
fn homework_file(checkout: &Path, number: u32, file: &str) -> PathBuf {
    let lesson = workspace::lesson(number).unwrap();
    let relative = lesson.homework_dir();
    let relative = relative.strip_prefix(workspace::root()).unwrap();
    checkout.join(relative).join(file)
}

/// Two checkouts sharing one target folder: cargo builds the runner once and
/// finds it up to date for both, yet `cargo wb` reads the files of the checkout
/// it is run in, and still works once the other checkout is gone.
#[test]
fn the_runner_acts_on_the_checkout_it_is_run_in() {
    // Built from this checkout first: the copies, as old as it, reuse it.
    build_program("workbook", "workbook").unwrap();
    let scratch = ScratchDir::new("checkouts");
    let first = checkout_copy(&scratch, "first");
    let second = checkout_copy(&scratch, "second");
    for (checkout, name) in [(&first, "first"), (&second, "second")] {
        let hint = homework_file(checkout, 1, "HINT.md");
        let text = fs::read_to_string(&hint).unwrap();
        fs::write(&hint, format!("{text}\nThis is the {name} checkout.\n"))
            .unwrap();
    }
    let out = cargo_wb(&first, &["hint", "1"]);
    assert!(
        out.status.success() && out.stdout.contains("This is the first checkout."),
        "`cargo wb hint 1` in the first copy showed another hint:\n{}{}",
        out.stdout,
        out.stderr
    );
    fs::rename(&first, scratch.path().join("moved")).unwrap();
    let out = cargo_wb(&second, &["hint", "1"]);
    assert!(
        out.status.success() && out.stdout.contains("This is the second checkout."),
        "`cargo wb hint 1` in the second copy, the first moved away:\n{}{}",
        out.stdout,
        out.stderr
    );
}

/// Outside a checkout there are no lessons to act on: one line says so.
#[test]
fn outside_a_checkout_the_runner_says_so_in_one_line() {
    let runner = build_program("workbook", "workbook").unwrap();
    let outside = ScratchDir::new("outside");
    let mut command = Command::new(runner);
    command
        .current_dir(outside.path())
        .args(["hint", "1"])
        .env_remove("CARGO_MANIFEST_DIR");
    let out = Proc::start(command, "the runner", Input::Piped)
        .unwrap()
        .finish();
    let line = out.one_error_line();
    assert!(
        line.contains("not inside a socket-workbook checkout"),
        "{line}"
    );
}

/// Runs `git ARGS` in `dir`, as a learner with a name and an email set.
fn git(dir: &Path, args: &[&str]) {
    let mut git = Command::new("git");
    git.current_dir(dir)
        .args([
            "-c",
            "user.name=learner",
            "-c",
            "user.email=learner@example.com",
        ])
        .args(args);
    let out = Proc::start(git, "git", Input::Piped).unwrap().finish();
    assert!(
        out.status.success(),
        "git {args:?}:\n{}{}",
        out.stdout,
        out.stderr
    );
}

/// The file `path` of homework 1 in `checkout`, read.
fn read_homework_1(checkout: &Path, path: &str) -> String {
    fs::read_to_string(homework_file(checkout, 1, path)).unwrap()
}

/// `cargo wb reset 1` in `checkout`; returns the one line it printed.
fn reset_1(checkout: &Path) -> String {
    let out = cargo_wb(checkout, &["reset", "1"]);
    assert!(
        out.status.success() && out.stdout.lines().count() == 1,
        "`cargo wb reset 1` failed or said more than one line:\n{}{}",
        out.stdout,
        out.stderr
    );
    out.stdout.trim_end().to_string()
}

/// Reset needs no git: in a copy without `.git` it puts the starting code back
/// and keeps each version it replaces, saying where.
#[test]
fn reset_restores_the_starting_code_and_keeps_what_it_replaced() {
    let scratch = ScratchDir::new("reset");
    let copy = checkout_copy(&scratch, "without-git");
    let starter = read_homework_1(&copy, "starter/main.rs");
    let src = homework_file(&copy, 1, "src/main.rs");
    let saved = |n: &str| format!("{}.before-reset{n}", src.display());
    for (work, suffix) in [("// my work\n", ""), ("// more work\n", "-2")] {
        fs::write(&src, work).unwrap();
        let line = reset_1(&copy);
        assert_eq!(read_homework_1(&copy, "src/main.rs"), starter);
        assert_eq!(fs::read_to_string(saved(suffix)).unwrap(), work);
        assert_eq!(
            line,
            format!(
                "reset: your homework 1 was saved as \
                 lessons/01-basic-socket/homework/src/main.rs.before-reset{suffix}; \
                 src/main.rs is the starting code again"
            )
        );
    }
    assert_eq!(fs::read_to_string(saved("")).unwrap(), "// my work\n");
    assert_eq!(
        reset_1(&copy),
        "reset: homework 1 is already the starting code; nothing was replaced"
    );
}

/// A learner who committed their work still gets the starting code back.
#[test]
fn reset_restores_the_starting_code_after_a_commit() {
    let scratch = ScratchDir::new("reset-git");
    let copy = checkout_copy(&scratch, "with-git");
    git(&copy, &["init", "--quiet"]);
    git(&copy, &["add", "--all"]);
    git(&copy, &["commit", "--quiet", "--message", "the workbook"]);
    fs::write(homework_file(&copy, 1, "src/main.rs"), "// my work\n").unwrap();
    git(
        &copy,
        &["commit", "--quiet", "--all", "--message", "my homework"],
    );
    reset_1(&copy);
    assert_eq!(
        read_homework_1(&copy, "src/main.rs"),
        read_homework_1(&copy, "starter/main.rs")
    );
    assert_eq!(
        read_homework_1(&copy, "src/main.rs.before-reset"),
        "// my work\n"
    );
}

/// Every kept homework fixture (`homework/wrong/*.rs`, `homework/right/*.rs`) is
/// a program `just test` builds and judges: a `[[bin]]` of its homework with the
/// fixture's name and path, built only with the `fixtures` feature, and a `//!`
/// first line that says which mistake it makes (or how it differs).
#[test]
fn every_homework_fixture_is_built_and_says_what_it_is() {
    for lesson in lessons().into_iter().filter(Lesson::has_homework) {
        let manifest =
            fs::read_to_string(lesson.homework_dir().join("Cargo.toml")).unwrap();
        let bins: Vec<String> = manifest
            .split("[[bin]]")
            .skip(1)
            .map(|bin| bin.split("\n[").next().unwrap_or(bin).to_string())
            .collect();
        for kind in ["wrong", "right"] {
            for fixture in lesson.fixtures(kind).unwrap() {
                let file = fixture.path.file_name().unwrap().to_string_lossy();
                let wanted = [
                    format!("name = \"{}\"", fixture.program),
                    format!("path = \"{kind}/{file}\""),
                    "required-features = [\"fixtures\"]".to_string(),
                ];
                assert!(
                    bins.iter()
                        .any(|bin| wanted.iter().all(|line| bin.contains(line))),
                    "{}: no [[bin]] with {wanted:?}",
                    lesson.homework_dir().join("Cargo.toml").display()
                );
                let text = fs::read_to_string(&fixture.path).unwrap();
                assert!(
                    text.starts_with("//! "),
                    "{} must start with a //! line saying what it is",
                    fixture.path.display()
                );
            }
        }
    }
}

/// mdBook's id for a heading: lowercase, letters, digits, `-` and `_` kept,
/// spaces made `-`, everything else dropped.
fn heading_id(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => {
                Some(c.to_lowercase().next().unwrap_or(c))
            }
            _ => None,
        })
        .collect()
}

/// A homework in milestones is complete: each milestone has tests named with
/// its prefix, a section of its own in HINT.md, and a chapter section that
/// exists (the check prints all three to a learner who is stuck on it).
#[test]
fn every_milestone_has_tests_a_hint_and_a_chapter_section() {
    for lesson in lessons().into_iter().filter(Lesson::has_homework) {
        let milestones = lesson.milestones().unwrap();
        if milestones.is_empty() {
            continue;
        }
        let mut checks = String::new();
        let tests = lesson.homework_dir().join("tests");
        for entry in walkdir_rs(&tests) {
            checks.push_str(&fs::read_to_string(entry).unwrap());
        }
        let hint =
            fs::read_to_string(lesson.homework_dir().join("HINT.md")).unwrap();
        for (i, m) in milestones.iter().enumerate() {
            assert_eq!(m.number as usize, i + 1, "milestones are numbered 1, 2, …");
            assert!(
                checks.contains(&format!("fn {}", m.prefix)),
                "milestone {} has no test named {}…",
                m.number,
                m.prefix
            );
            assert!(
                hint.contains(&format!("## Milestone {}: {}", m.number, m.title)),
                "HINT.md has no section `## Milestone {}: {}`",
                m.number,
                m.title
            );
            let (page, anchor) = m.chapter.split_once('#').unwrap();
            let text = fs::read_to_string(book_src().join(page)).unwrap();
            let ids: Vec<String> = text
                .lines()
                .filter_map(|l| {
                    l.trim_start_matches('#')
                        .strip_prefix(' ')
                        .filter(|_| l.starts_with('#'))
                })
                .map(heading_id)
                .collect();
            assert!(
                ids.iter().any(|id| id == anchor),
                "milestone {}: {page} has no section #{anchor}",
                m.number
            );
        }
    }
}

/// Every `.rs` file under `dir`.
fn walkdir_rs(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walkdir_rs(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

//! Homework: check it, hint at it, watch it, reset it, and the progress table.
//!
//! A homework's check is the test file `lessons/NN-name/homework/tests/check.rs`.
//! It runs against the learner's program (`homework-NN`) or, for CI's proof that
//! the check can pass, the reference solution (`solution-NN`). Progress is never
//! stored: it is computed by running the checks again.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime};

use workbook_harness::homework::CHECK_TARGET_VAR;
use workbook_harness::workspace::{self, Lesson, Milestone};

use crate::cmd;
use crate::{Outcome, style};

/// The longest one homework check may take, build included.
const CHECK_LIMIT: Duration = Duration::from_secs(600);

/// Whose program a check runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The learner's `src/main.rs`: `just check N`.
    Learner,
    /// The same program, as `just test`'s proof runs it while it is the starter.
    Starter,
    Solution,
    /// A kept fixture, by program name (`wrong-08-…`, `right-08-…`).
    Fixture(String),
}

/// How a check went.
#[derive(Debug)]
pub enum Verdict {
    Passed,
    /// The tests ran; these failed.
    Failed(Vec<String>),
    /// The program did not compile (the errors are in the output).
    DoesNotCompile,
}

/// One run of a homework's check.
#[derive(Debug)]
pub struct CheckRun {
    pub verdict: Verdict,
    pub output: String,
}

/// Runs homework `lesson`'s check against `target`, capturing its output.
pub fn run_check(lesson: &Lesson, target: &Target) -> Result<CheckRun, String> {
    run_tests(lesson, target, None)
}

/// Runs one milestone of homework `lesson`'s check: the tests whose names
/// start with its prefix.
pub fn run_milestone(
    lesson: &Lesson,
    target: &Target,
    milestone: &Milestone,
) -> Result<CheckRun, String> {
    let run = run_tests(lesson, target, Some(&milestone.prefix))?;
    // A milestone whose prefix names no test would pass without checking
    // anything: that is a mistake in the homework, never a learner's success.
    if matches!(run.verdict, Verdict::Passed) && run.output.contains(" 0 passed;") {
        return Err(format!(
            "milestone {} has no tests named {}…",
            milestone.number, milestone.prefix
        ));
    }
    Ok(run)
}

/// Runs the check's tests (those that match `filter`, if given).
fn run_tests(
    lesson: &Lesson,
    target: &Target,
    filter: Option<&str>,
) -> Result<CheckRun, String> {
    let mut cargo = workspace::cargo();
    cargo.args([
        "test",
        "--quiet",
        "--package",
        &lesson.homework_package(),
        "--test",
        "check",
        "--no-fail-fast",
    ]);
    if std::io::stdout().is_terminal() {
        cargo.arg("--color=always");
    }
    // A panic in the learner's program shows its message, not a backtrace.
    cargo.env("RUST_BACKTRACE", "0");
    // The proof's runs build the fixtures too, all with the same features, so
    // that they share one build of the check; a learner's check builds neither.
    if *target != Target::Learner {
        cargo.args(["--features", "fixtures"]);
    }
    if let Some(filter) = filter {
        cargo.args(["--", filter]);
    }
    match target {
        Target::Learner | Target::Starter => cargo.env_remove(CHECK_TARGET_VAR),
        Target::Solution => cargo.env(CHECK_TARGET_VAR, "solution"),
        Target::Fixture(program) => cargo.env(CHECK_TARGET_VAR, program),
    };
    let step = cmd::captured(cargo, CHECK_LIMIT)?;
    let failed: Vec<String> = step
        .output
        .lines()
        .filter_map(|l| {
            l.strip_prefix("---- ")?
                .strip_suffix(" stdout ----")
                .map(str::to_string)
        })
        .collect();
    let verdict = if step.status.success() {
        Verdict::Passed
    } else if step.output.contains("test result:") {
        Verdict::Failed(failed)
    } else {
        Verdict::DoesNotCompile
    };
    // cargo's advice on rerunning names its own flags; `just check` says
    // how to rerun in the learner's words.
    let output = step
        .output
        .lines()
        .filter(|l| !l.contains("test failed, to rerun pass"))
        .map(|l| format!("{l}\n"))
        .collect();
    Ok(CheckRun { verdict, output })
}

/// Where the chapter's homework section is, for messages.
fn chapter_section(lesson: &Lesson) -> String {
    format!(
        "book/src/{}.md, section \"Homework\" (in the book: {}.html#homework)",
        lesson.slug, lesson.slug
    )
}

/// `just check N`, or `just check N --milestone M` for a homework in milestones.
pub fn check(number: u32, only: Option<u32>) -> Outcome {
    let lesson = workspace::homework_lesson(number)?;
    let milestones = lesson
        .milestones()
        .map_err(|e| format!("cannot read the milestones: {e}"))?;
    if !milestones.is_empty() {
        return check_milestones(&lesson, &milestones, only);
    }
    if only.is_some() {
        return Err(format!(
            "homework {number} is checked in one piece; it has no milestones"
        ));
    }
    println!(
        "{}",
        style::dim(&format!(
            "checking homework {number} ({})…",
            rel(&lesson.homework_dir().join("src"))
        ))
    );
    let run = run_check(&lesson, &Target::Learner)?;
    Ok(report(number, &lesson, &run))
}

/// Prints the verdict of a learner's check run; returns the exit code for it.
fn report(number: u32, lesson: &Lesson, run: &CheckRun) -> ExitCode {
    match &run.verdict {
        Verdict::Passed => {
            println!(
                "{} homework {number} passes every check. Well done!",
                style::good("✔")
            );
            return ExitCode::SUCCESS;
        }
        Verdict::DoesNotCompile => {
            print!("{}", run.output);
            println!(
                "{} homework {number} does not compile yet: the errors are above.",
                style::error("✘")
            );
        }
        Verdict::Failed(tests) => {
            print!("{}", run.output);
            println!(
                "{} homework {number}: {} failing: {}",
                style::error("✘"),
                if tests.len() == 1 {
                    "one check is"
                } else {
                    "some checks are"
                },
                style::bold(&tests.join(", "))
            );
            println!(
                "  What each check expected is printed above, under its name."
            );
        }
    }
    println!(
        "  The task:    {}",
        rel(&lesson.homework_dir().join("src").join("main.rs"))
    );
    println!("  The chapter: {}", chapter_section(lesson));
    println!("  A hint:      just hint {number}");
    ExitCode::FAILURE
}

// ANCHOR: milestones
/// `just check N` for a homework in milestones: runs them in order until one
/// fails (or only `only`), prints the table, then what the first failing one
/// needs: its failing checks, its chapter section and its hint.
fn check_milestones(
    lesson: &Lesson,
    milestones: &[Milestone],
    only: Option<u32>,
) -> Outcome {
    println!(
        "{}",
        style::dim(&format!(
            "checking homework {} ({}), milestone by milestone…",
            lesson.number,
            rel(&lesson.homework_dir().join("src"))
        ))
    );
    let report = milestone_report(lesson, milestones, only, &Target::Learner)?;
    print!("{}", report.text);
    Ok(if report.done == report.tried {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What `just check N` shows for a homework in milestones, run against
/// `target`: the learner's program, or (for `just test`'s proof that a
/// learner who is part of the way sees the right thing) a kept fixture.
pub struct MilestoneReport {
    pub text: String,
    /// Milestones passed, in order, before the first that failed.
    pub done: usize,
    /// Milestones run: all, or the one asked for.
    pub tried: usize,
}

pub fn milestone_report(
    lesson: &Lesson,
    milestones: &[Milestone],
    only: Option<u32>,
    target: &Target,
) -> Result<MilestoneReport, String> {
    use std::fmt::Write;
    let number = lesson.number;
    let chosen: Vec<&Milestone> = match only {
        None => milestones.iter().collect(),
        Some(m) => {
            let one =
                milestones.iter().find(|x| x.number == m).ok_or_else(|| {
                    format!(
                        "homework {number} has milestones 1 to {}; there is no {m}",
                        milestones.len()
                    )
                })?;
            vec![one]
        }
    };
    let tried = chosen.len();
    let mut out = String::new();
    let mut marks: Vec<(&Milestone, Mark)> = Vec::new();
    let mut failed: Option<(&Milestone, CheckRun)> = None;
    for milestone in chosen {
        if failed.is_some() {
            marks.push((milestone, Mark::NotTried));
            continue;
        }
        let run = run_milestone(lesson, target, milestone)?;
        if matches!(run.verdict, Verdict::Passed) {
            marks.push((milestone, Mark::Done));
        } else {
            marks.push((milestone, Mark::Failing));
            failed = Some((milestone, run));
        }
    }
    let done = marks.iter().filter(|(_, m)| *m == Mark::Done).count();
    let Some((milestone, run)) = &failed else {
        out.push_str(&table(&marks));
        match only {
            Some(m) => {
                let _ =
                    writeln!(out, "{} milestone {m} is done.", style::good("✔"));
            }
            None => {
                let _ = writeln!(
                    out,
                    "{} {}/{} milestones: homework {number} passes every check. \
                     Well done!",
                    style::good("✔"),
                    milestones.len(),
                    milestones.len()
                );
            }
        }
        return Ok(MilestoneReport {
            text: out,
            done,
            tried,
        });
    };
    out.push_str(&run.output);
    if let Verdict::Failed(tests) = &run.verdict {
        let _ = writeln!(out, "  failing: {}", style::bold(&tests.join(", ")));
    }
    out.push('\n');
    out.push_str(&table(&marks));
    if only.is_none() {
        let _ = writeln!(
            out,
            "{}",
            style::bold(&format!("{done}/{} milestones", milestones.len()))
        );
    }
    let _ = writeln!(
        out,
        "\n{} milestone {}: {} is not done yet. What each check expected is \
         printed above, under its name.",
        style::error("✘"),
        milestone.number,
        milestone.title
    );
    let _ = writeln!(
        out,
        "  The task:    {}",
        rel(&lesson.homework_dir().join("src").join("main.rs"))
    );
    let _ = writeln!(out, "  The chapter: book/src/{}", milestone.chapter);
    let _ = writeln!(
        out,
        "  Just this:   just check {number} --milestone {}",
        milestone.number
    );
    if let Some(hint) = milestone_hint(lesson, milestone) {
        let _ = writeln!(
            out,
            "\n{}\n{}",
            style::bold("The hint for this milestone:"),
            hint
        );
    }
    Ok(MilestoneReport {
        text: out,
        done,
        tried,
    })
}
// ANCHOR_END: milestones

/// How far a milestone is, in the table `just check` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Done,
    Failing,
    NotTried,
}

/// The table of milestones, a line each: done, failing, or not tried.
fn table(marks: &[(&Milestone, Mark)]) -> String {
    let mut out = String::new();
    for (milestone, mark) in marks {
        let sign = match mark {
            Mark::Done => style::good("✔"),
            Mark::Failing => style::error("✘"),
            Mark::NotTried => style::dim("·"),
        };
        let covers = if milestone.requirements.contains(',') {
            format!("requirements {}", milestone.requirements)
        } else {
            format!("requirement {}", milestone.requirements)
        };
        out.push_str(&format!(
            "  {sign} {}  {:<44} {}\n",
            milestone.number,
            milestone.title,
            style::dim(&covers)
        ));
    }
    out
}

/// The section of `homework/HINT.md` for one milestone: from its heading
/// `## Milestone N: …` to the next `## `.
fn milestone_hint(lesson: &Lesson, milestone: &Milestone) -> Option<String> {
    let text =
        std::fs::read_to_string(lesson.homework_dir().join("HINT.md")).ok()?;
    let heading = format!("## Milestone {}:", milestone.number);
    let start = text.find(&heading)?;
    let rest = &text[start..];
    let end = rest[heading.len()..]
        .find("\n## ")
        .map_or(rest.len(), |at| at + heading.len() + 1);
    Some(rest[..end].trim_end().to_string())
}

/// How many milestones pass, in order, stopping at the first that does not:
/// `just progress` shows "3/7 milestones".
pub fn milestones_done(
    lesson: &Lesson,
    milestones: &[Milestone],
) -> Result<usize, String> {
    Ok(milestone_report(lesson, milestones, None, &Target::Learner)?.done)
}

/// `just hint N`.
pub fn hint(number: u32) -> Outcome {
    let lesson = workspace::homework_lesson(number)?;
    let path = lesson.homework_dir().join("HINT.md");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", rel(&path)))?;
    println!(
        "{} {}\n",
        style::bold(&format!("Hint for homework {number}")),
        style::dim(&format!("({})", rel(&path)))
    );
    println!("{}", text.trim_end());
    println!(
        "\n{}",
        style::dim(&format!(
            "Still stuck? The reference solution is {}.",
            rel(&lesson.homework_dir().join("solution").join("main.rs"))
        ))
    );
    Ok(ExitCode::SUCCESS)
}

/// `just reset N`: puts homework N's starting code, as shipped in
/// `homework/starter/main.rs`, back in `src/main.rs`. Git is not asked: a
/// learner who committed their work gets the starting code all the same, and a
/// copy without `.git` works too. Nothing is lost: the version replaced is kept
/// beside it as `src/main.rs.before-reset` (`-2`, `-3`… when that name is taken).
pub fn reset(number: u32) -> Outcome {
    let lesson = workspace::homework_lesson(number)?;
    let (src, starter) = (lesson.homework_main(), lesson.starter());
    let starting_code = read(&starter)?;
    let replaced = match std::fs::read(&src) {
        Ok(text) if text == starting_code => {
            println!(
                "reset: homework {number} is already the starting code; nothing was replaced"
            );
            return Ok(ExitCode::SUCCESS);
        }
        Ok(_) => {
            let saved = free_name(&src);
            std::fs::rename(&src, &saved).map_err(|e| {
                format!("cannot save {} as {}: {e}", rel(&src), rel(&saved))
            })?;
            Some(saved)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", rel(&src))),
    };
    std::fs::write(&src, &starting_code)
        .map_err(|e| format!("cannot write {}: {e}", rel(&src)))?;
    match replaced {
        Some(saved) => println!(
            "reset: your homework {number} was saved as {}; src/main.rs is the starting code again",
            rel(&saved)
        ),
        None => println!(
            "reset: homework {number} had no src/main.rs; it is the starting code again"
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// The contents of `path`, or a one-line error naming it.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", rel(path)))
}

/// `main.rs.before-reset`, or the first of `…-2`, `…-3`… not yet taken.
fn free_name(src: &Path) -> PathBuf {
    let name = |n: u32| {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let mut file = src.file_name().unwrap_or_default().to_os_string();
        file.push(format!(".before-reset{suffix}"));
        src.with_file_name(file)
    };
    (1..)
        .map(name)
        .find(|path| !path.exists())
        .expect("some name is free")
}

/// `just watch N`: re-checks after every save. Polls modification times once a
/// second instead of asking for file events, so it works everywhere, including
/// WSL folders and network drives where file events never arrive. Enter re-checks
/// by hand.
pub fn watch(number: u32) -> Outcome {
    let lesson = workspace::homework_lesson(number)?;
    let watched = lesson.homework_dir().join("src");
    let (enter_tx, enter) = mpsc::channel();
    thread::spawn(move || {
        for _ in std::io::stdin().lock().lines() {
            if enter_tx.send(()).is_err() {
                break;
            }
        }
    });
    let milestones = lesson
        .milestones()
        .map_err(|e| format!("cannot read the milestones: {e}"))?;
    let mut last = newest_change(&watched);
    loop {
        let code = if milestones.is_empty() {
            let run = run_check(&lesson, &Target::Learner)?;
            report(number, &lesson, &run)
        } else {
            check_milestones(&lesson, &milestones, None)?
        };
        if code == ExitCode::SUCCESS {
            return Ok(code);
        }
        println!(
            "{}",
            style::dim(&format!(
                "watching {} — save to re-check, Enter to re-check now, Ctrl-C to stop",
                rel(&watched)
            ))
        );
        loop {
            match enter.recv_timeout(Duration::from_secs(1)) {
                Ok(()) => break,
                Err(mpsc::RecvTimeoutError::Timeout)
                | Err(mpsc::RecvTimeoutError::Disconnected) => {}
            }
            let now = newest_change(&watched);
            if now != last {
                last = now;
                break;
            }
        }
    }
}

/// The newest modification time of any file under `dir`.
fn newest_change(dir: &Path) -> Option<SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let time = if entry.path().is_dir() {
            newest_change(&entry.path())
        } else {
            entry.metadata().ok()?.modified().ok()
        };
        newest = newest.max(time);
    }
    newest
}

/// `just progress`: lessons and homework, ✔ or ✘, by running their checks now.
pub fn progress() -> Outcome {
    let lessons = workspace::lessons()
        .map_err(|e| format!("cannot read the lessons: {e}"))?;
    println!(
        "{}",
        style::dim(
            "running every lesson's tests and every homework check; this takes a little while…"
        )
    );
    println!(
        "{}",
        style::bold(&format!("{:<26} {:<8} {}", "lesson", "tests", "homework"))
    );
    for lesson in &lessons {
        let mut cargo = workspace::cargo();
        cargo.args(["test", "--quiet", "--package", &lesson.package()]);
        let tests = cmd::captured(cargo, CHECK_LIMIT)?.status.success();
        let mark = |ok: bool| {
            if ok {
                style::good("✔")
            } else {
                style::error("✘")
            }
        };
        let milestones = lesson
            .milestones()
            .map_err(|e| format!("cannot read the milestones: {e}"))?;
        let homework = if !lesson.has_homework() {
            style::dim("-")
        } else if !milestones.is_empty() {
            let done = milestones_done(lesson, &milestones)?;
            let text = format!("{done}/{} milestones", milestones.len());
            if done == milestones.len() {
                style::good(&text)
            } else {
                text
            }
        } else {
            mark(matches!(
                run_check(lesson, &Target::Learner)?.verdict,
                Verdict::Passed
            ))
        };
        println!("{:<26} {}        {homework}", lesson.slug, mark(tests));
    }
    println!(
        "{}",
        style::dim("`just check N` shows what a homework still needs.")
    );
    Ok(ExitCode::SUCCESS)
}

/// A path relative to the workspace root, for messages.
pub fn rel(path: &Path) -> String {
    let root = workspace::root();
    path.strip_prefix(&root)
        .map(PathBuf::from)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}
